"""Train an MLP with minibatch Adam, a one-cycle learning-rate schedule and shifted-digit augmentation.

Deterministic: every random choice (initial weights, validation split, shuffling, shifts) comes
from numpy Generators seeded by `TrainConfig.seed`, so the same seed gives the same weights.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from network.data import Dataset
from network.dataset_info import square_side
from network.model import MLP


@dataclass
class TrainConfig:
    sizes: tuple[int, ...] = (784, 16, 16, 10)
    activation: str = "sigmoid"
    epochs: int = 30
    batch_size: int = 64
    max_learning_rate: float = 0.005
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    max_shift: int = 1  # augmentation: shift each training digit by up to this many pixels
    validation_size: int = 5000
    seed: int = 0

    def describe(self) -> dict:
        return asdict(self)


@dataclass
class EpochReport:
    epoch: int
    loss: float
    train_accuracy: float
    validation_accuracy: float
    seconds: float


@dataclass
class TrainResult:
    model: MLP
    best_epoch: int
    validation_accuracy: float
    history: list[EpochReport] = field(default_factory=list)


class Adam:
    """Adam with decoupled weight decay (AdamW) on one flat parameter vector."""

    def __init__(self, parameters: np.ndarray, weight_decay: float = 0.0, betas=(0.9, 0.999), eps=1e-8):
        self.parameters = parameters
        self.weight_decay = weight_decay
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = np.zeros_like(parameters)
        self.v = np.zeros_like(parameters)
        self.steps = 0
        self._scratch = np.zeros_like(parameters)

    def step(self, grad: np.ndarray, learning_rate: float) -> None:
        self.steps += 1
        self.m *= self.beta1
        self.m += (1 - self.beta1) * grad
        self.v *= self.beta2
        self.v += (1 - self.beta2) * np.square(grad, out=self._scratch)
        step_size = learning_rate * math.sqrt(1 - self.beta2**self.steps) / (1 - self.beta1**self.steps)
        if self.weight_decay:
            self.parameters *= 1 - learning_rate * self.weight_decay
        np.sqrt(self.v, out=self._scratch)
        self._scratch += self.eps
        np.divide(self.m, self._scratch, out=self._scratch)
        self._scratch *= step_size
        self.parameters -= self._scratch


def one_cycle(step: int, total: int, peak: float, warmup: float = 0.3) -> float:
    """Learning rate that rises linearly to `peak`, then falls along a cosine to nearly zero."""
    rise = max(1, int(total * warmup))
    if step < rise:
        return peak * (0.04 + 0.96 * step / rise)
    progress = (step - rise) / max(1, total - rise)
    return peak * (1e-4 + (1 - 1e-4) * 0.5 * (1 + math.cos(math.pi * progress)))


class ShiftedBatches:
    """Minibatches of training images, each image moved by a random whole-pixel offset in
    [-max_shift, max_shift]^2 (zero-filled): augmentation that helps a small net generalise.

    Within a batch the k-th of the K possible offsets goes to every K-th image (offsets assigned
    to positions at random per batch); on shuffled images that is a random, balanced choice, made
    with a few strided copies. Batches are gathered one at a time into reused buffers: shuffling
    the whole 170 MB training set each epoch costs more than the training arithmetic.
    """

    def __init__(self, images: np.ndarray, max_shift: int, batch_size: int):
        side, pad = square_side(images.shape[1]), max_shift
        self.side = side
        self.images = images.reshape(len(images), side, side)
        self.max_shift = max_shift
        self.padded = np.zeros((batch_size, side + 2 * pad, side + 2 * pad), images.dtype)
        self.out = np.empty((batch_size, side, side), images.dtype)
        self.offsets = [(dy, dx) for dy in range(2 * pad + 1) for dx in range(2 * pad + 1)]

    def batch(self, indices: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, side, pad, count = len(indices), self.side, self.max_shift, len(self.offsets)
        if not pad:
            return self.images[indices].reshape(n, -1)
        padded, out = self.padded[:n], self.out[:n]
        padded[:, pad:-pad, pad:-pad] = self.images[indices]
        for position, choice in enumerate(rng.permutation(count)):
            dy, dx = self.offsets[choice]
            out[position::count] = padded[position::count, dy : dy + side, dx : dx + side]
        return out.reshape(n, -1)


def default_shift(side: int) -> int:
    """The augmentation's shift for images of side x side pixels: one pixel (MNIST's recipe), none
    below 16x16, where one pixel is too much of the picture (the 8x8 digits, 100 epochs: 96.0 %
    test accuracy without shifts, 80.3 % with)."""
    return TrainConfig.max_shift if side >= 16 else 0


def one_hot(labels: np.ndarray, classes: int, smoothing: float = 0.0) -> np.ndarray:
    targets = np.full((len(labels), classes), smoothing / classes, dtype=np.float32)
    targets[np.arange(len(labels)), labels] += 1.0 - smoothing
    return targets


def validation_size(config: TrainConfig, dataset: Dataset) -> int:
    """`config.validation_size` images, but never more than a fifth of a small training set."""
    return min(config.validation_size, len(dataset.train_labels) // 5)


def validation_split(n: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation): a seeded random `size` of the n training images are held out."""
    order = np.random.default_rng([seed, 1]).permutation(n)
    return np.sort(order[size:]), np.sort(order[:size])


@dataclass
class Checkpoint:
    """Everything needed to continue training exactly where it stopped (saved as a snapshot)."""

    epoch: int
    parameters: np.ndarray
    adam_m: np.ndarray
    adam_v: np.ndarray
    adam_steps: int
    rng_state: dict
    best_parameters: np.ndarray
    best_epoch: int
    best_validation: float
    history: list[dict]


def train(
    dataset: Dataset,
    config: TrainConfig,
    progress: bool = True,
    on_epoch: Callable[[EpochReport, Checkpoint], None] | None = None,
    resume: Checkpoint | None = None,
) -> TrainResult:
    """Train on the training split less a held-out validation split; keep the epoch that scores
    best on validation. The test split is never looked at here. `on_epoch` receives a Checkpoint
    after every epoch (and before the first: epoch 0, the random start); passing one back as
    `resume` continues as if never interrupted."""
    rng = np.random.default_rng(config.seed)
    model = MLP.initialise(config.sizes, config.activation, seed=config.seed)
    train_idx, val_idx = validation_split(
        len(dataset.train_labels), validation_size(config, dataset), config.seed
    )
    train_images, train_labels = dataset.train_images[train_idx], dataset.train_labels[train_idx]
    val_images, val_labels = dataset.train_images[val_idx], dataset.train_labels[val_idx]
    targets_all = one_hot(train_labels, config.sizes[-1], config.label_smoothing)

    optimiser = Adam(model.parameters, weight_decay=config.weight_decay)
    grad = np.zeros_like(model.parameters)
    batches = ShiftedBatches(train_images, config.max_shift, config.batch_size)
    total_steps = config.epochs * math.ceil(len(train_labels) / config.batch_size)
    best = TrainResult(
        model=MLP(model.sizes, model.activation, model.parameters.copy()),
        best_epoch=0,
        validation_accuracy=-1.0,
    )
    first_epoch = 1
    if resume is not None:
        model.parameters[...] = resume.parameters
        optimiser.m[...], optimiser.v[...], optimiser.steps = resume.adam_m, resume.adam_v, resume.adam_steps
        rng.bit_generator.state = resume.rng_state
        best.model.parameters[...] = resume.best_parameters
        best.best_epoch, best.validation_accuracy = resume.best_epoch, resume.best_validation
        best.history = [EpochReport(**report) for report in resume.history]
        first_epoch = resume.epoch + 1

    def checkpoint(epoch: int) -> Checkpoint:
        return Checkpoint(
            epoch,
            model.parameters.copy(),
            optimiser.m.copy(),
            optimiser.v.copy(),
            optimiser.steps,
            rng.bit_generator.state,
            best.model.parameters.copy(),
            best.best_epoch,
            best.validation_accuracy,
            [asdict(r) for r in best.history],
        )

    if on_epoch and resume is None:  # epoch 0, the random start: no loss yet, only accuracies
        train_accuracy = model.accuracy(train_images, train_labels)
        on_epoch(
            EpochReport(0, float("nan"), train_accuracy, model.accuracy(val_images, val_labels), 0.0),
            checkpoint(0),
        )
    bar = _progress_bar(config.epochs, progress, initial=first_epoch - 1)
    for epoch in range(first_epoch, config.epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(len(train_labels))
        targets, labels = targets_all[order], train_labels[order]
        loss_sum, predictions = 0.0, np.empty(len(labels), dtype=np.int64)
        for i in range(0, len(labels), config.batch_size):
            batch = slice(i, i + config.batch_size)
            loss, probs = model.backprop(batches.batch(order[batch], rng), targets[batch], grad)
            optimiser.step(grad, one_cycle(optimiser.steps, total_steps, config.max_learning_rate))
            loss_sum += loss * len(probs)
            predictions[batch] = probs.argmax(axis=1)
        train_accuracy = float(np.mean(predictions == labels))  # measured while learning, as usual
        report = EpochReport(
            epoch,
            loss_sum / len(labels),
            train_accuracy,
            model.accuracy(val_images, val_labels),
            time.perf_counter() - start,
        )
        best.history.append(report)
        if report.validation_accuracy >= best.validation_accuracy:
            best.model.parameters[...] = model.parameters
            best.best_epoch, best.validation_accuracy = epoch, report.validation_accuracy
        if on_epoch:
            on_epoch(report, checkpoint(epoch))
        if bar is not None:
            bar.set_postfix(
                loss=f"{report.loss:.4f}",
                train=f"{train_accuracy:.2%}",
                val=f"{report.validation_accuracy:.2%}",
            )
            bar.update(1)
    if bar is not None:
        bar.close()
    return best


def _progress_bar(epochs: int, enabled: bool, initial: int = 0):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=epochs, initial=initial, unit="epoch", desc="training")
