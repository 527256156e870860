"""Training speed and accuracy: our numpy trainer against PyTorch (CPU) on the same recipe and data.

The recipe is the one the shipped weights use: 784-16-16-10, Adam, one-cycle learning rate,
batch 64, random 1-pixel shifts, 5,000 training images held out for validation, best validation
epoch kept, test accuracy measured once at the end. PyTorch gets the very same batches (the same
numpy augmentation) and schedule, so the difference is the training arithmetic alone.

    python benchmarks/train_speed.py [--data-dir DIR] [--epochs N] [--activation sigmoid relu]

PyTorch is optional: `pip install torch==2.13.0` (a CPU build from a local file on our machines).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from network.data import load_dataset  # noqa: E402
from network.training import (
    ShiftedBatches,
    TrainConfig,
    one_cycle,
    one_hot,
    train,  # noqa: E402
    validation_size,
    validation_split,
)


def train_torch(dataset, config: TrainConfig) -> tuple[float, float]:
    """The same recipe in PyTorch; returns (seconds, test accuracy of the best validation epoch)."""
    import torch

    torch.manual_seed(config.seed)
    layers = []
    for n_in, n_out in zip(config.sizes[:-1], config.sizes[1:]):
        layers += [
            torch.nn.Linear(n_in, n_out),
            torch.nn.Sigmoid() if config.activation == "sigmoid" else torch.nn.ReLU(),
        ]
    model = torch.nn.Sequential(*layers[:-1])
    start = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    train_idx, val_idx = validation_split(
        len(dataset.train_labels), validation_size(config, dataset), config.seed
    )
    images, labels = dataset.train_images[train_idx], dataset.train_labels[train_idx]
    val_x, val_y = (
        torch.from_numpy(dataset.train_images[val_idx]),
        torch.from_numpy(dataset.train_labels[val_idx]),
    )
    targets_all = torch.from_numpy(one_hot(labels, 10))
    optimiser = torch.optim.Adam(model.parameters(), lr=config.max_learning_rate)
    batches = ShiftedBatches(images, config.max_shift, config.batch_size)
    total = config.epochs * math.ceil(len(labels) / config.batch_size)
    step, best_val, best_state = 0, -1.0, None
    for _ in range(config.epochs):
        order = rng.permutation(len(labels))
        for i in range(0, len(labels), config.batch_size):
            batch = order[i : i + config.batch_size]
            x = torch.from_numpy(batches.batch(batch, rng))
            for group in optimiser.param_groups:
                group["lr"] = one_cycle(step, total, config.max_learning_rate)
            loss = torch.nn.functional.cross_entropy(model(x), targets_all[batch])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            step += 1
        with torch.no_grad():
            val = (model(val_x).argmax(1) == val_y).float().mean().item()
        if val >= best_val:
            best_val, best_state = val, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        test = (
            (model(torch.from_numpy(dataset.test_images)).argmax(1) == torch.from_numpy(dataset.test_labels))
            .float()
            .mean()
            .item()
        )
    return seconds, test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--activation", nargs="+", default=["sigmoid", "relu"])
    args = parser.parse_args()
    dataset = load_dataset(args.data_dir)
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = None
        print("PyTorch is not installed (pip install torch==2.13.0): timing numpy only")
    print(
        f"recipe: 784-16-16-10, {args.epochs} epochs, batch {TrainConfig.batch_size}, Adam one-cycle "
        f"peak {TrainConfig.max_learning_rate}, shifts up to {TrainConfig.max_shift} px"
    )
    for activation in args.activation:
        config = TrainConfig(activation=activation, epochs=args.epochs)
        start = time.perf_counter()
        result = train(dataset, config, progress=False)
        ours = time.perf_counter() - start
        ours_test = result.model.accuracy(dataset.test_images, dataset.test_labels)
        print(f"{activation:8s} numpy   {ours:7.1f} s   test accuracy {ours_test:.2%}")
        if torch_version:
            theirs, theirs_test = train_torch(dataset, config)
            print(
                f"{activation:8s} torch {torch_version}  {theirs:7.1f} s   test accuracy {theirs_test:.2%}"
                f"   -> numpy is {theirs / ours:.1f}x faster"
            )


if __name__ == "__main__":
    main()
