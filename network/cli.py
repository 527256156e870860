"""The network's commands: train, evaluate, predict, export-activations, history, import.

`python -m network.cli` runs them on their own; the `nnexplain` command (scenes/cli/) adds them
to the scene commands. `run(group, argv)` (network/cli_run.py) turns every problem into one line
on stderr and a non-zero exit status, for both.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from network.activations import ACTIVATIONS
from network.activations_file import compute_activations, save_activations
from network.atomic import STDOUT
from network.cli_common import (
    MAX_INDEX,
    SEED,
    data_dir_option,
    echo,
    finite,
    report,
    stack_options,
    weights_option,
)
from network.cli_import import import_command
from network.cli_run import debug_option, exit_process, run
from network.data import DATA_DIR_HINT, SPLITS, find_idx_file, load_dataset, resolve_data_dir
from network.dataset_info import MAX_CLASSES, MIN_CLASSES, DatasetInfo, class_names_option, square_side
from network.errors import NNExplainError
from network.history import keep_epochs, snapshot_files
from network.images import chosen_digits
from network.model import MLP, too_large
from network.preprocessing import Preprocessing
from network.training import TrainConfig, default_shift
from network.training import train as run_training
from network.weights_file import (
    load_snapshot,
    load_weights,
    sample_arrays,
    save_snapshot,
    save_weights,
    weights_test_set,
)


def parse_sizes(text: str) -> tuple[int, ...]:

    try:
        sizes = tuple(int(part) for part in text.replace("-", ",").split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a list of layer sizes such as 784,16,16,10") from None
    if len(sizes) < 2 or min(sizes) < 1 or not MIN_CLASSES <= sizes[-1] <= MAX_CLASSES:
        raise click.BadParameter(
            f"{text!r}: need positive sizes ending in {MIN_CLASSES} to {MAX_CLASSES} outputs, "
            "such as 784,16,16,10"
        )
    if problem := too_large(sizes):
        raise click.BadParameter(f"{text!r}: {problem}", param_hint="'--sizes'")
    return sizes


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nnexplain")
@debug_option
def cli() -> None:
    """Train, evaluate and export a real MNIST network."""


@cli.command()
@data_dir_option
@click.option(
    "--sizes",
    default=None,
    help="Layer sizes, input to output (default: the data's pixels, 16, 16, its classes; "
    "784,16,16,10 for MNIST).",
)
@click.option("--activation", type=click.Choice(list(ACTIVATIONS)), default="sigmoid", show_default=True)
@click.option("--epochs", type=click.IntRange(1, 10_000), default=TrainConfig.epochs, show_default=True)
@click.option(
    "--batch-size", type=click.IntRange(1, 60_000), default=TrainConfig.batch_size, show_default=True
)
@click.option(
    "--learning-rate",
    type=click.FloatRange(min=0, max=10, min_open=True),
    callback=finite,
    default=TrainConfig.max_learning_rate,
    show_default=True,
    help="Peak of the one-cycle schedule.",
)
@click.option(
    "--shift",
    type=click.IntRange(0, 4),
    default=None,
    help="Augmentation: shift digits by up to this many pixels "
    "(default: 1 for images of 16x16 pixels and more, 0 for smaller ones).",
)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option(
    "--snapshots",
    type=click.Path(path_type=Path),
    default=None,
    help="Directory for a snapshot after every epoch (epoch-NNN.npz, each a weights file; 000: the start).",
)
@click.option("--resume", is_flag=True, help="Continue from the last snapshot in --snapshots.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("media/weights.npz"),
    show_default=True,
    help="Weights file to write ('-': standard output).",
)
@click.option(
    "--classes",
    default=None,
    help="Class names: a file (one per line) or name,name,... "
    "(default: classes.txt in the data directory, else 0, 1, ...).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(
    data_dir,
    sizes,
    activation,
    epochs,
    batch_size,
    learning_rate,
    shift,
    seed,
    snapshots,
    resume,
    out,
    classes,
    quiet,
):
    """Train an MLP on the data set and write its weights (test accuracy is measured once, at the end).

    Interrupting (Ctrl-C, SIGTERM) leaves the previous --out file untouched; with --snapshots,
    `--resume` continues from the last finished epoch and gives the same weights as an
    uninterrupted run."""

    names = class_names_option(classes) if classes else None
    if str(snapshots) == STDOUT:
        raise click.BadParameter("'-' is not a folder", param_hint="'--snapshots'")
    if out.is_dir():  # found out now, not after the training
        raise NNExplainError(f"cannot write {out}: it is a directory")
    if resume and not snapshots:
        raise click.UsageError("--resume needs --snapshots DIR")
    layer_sizes = parse_sizes(sizes) if sizes else None
    dataset = load_dataset(data_dir, classes=names)
    inputs, outputs = dataset.train_images.shape[1], len(dataset.classes)
    layer_sizes = layer_sizes or (inputs, 16, 16, outputs)
    if layer_sizes[0] != inputs:
        raise NNExplainError(f"the data has {inputs} inputs but --sizes starts with {layer_sizes[0]}")
    if layer_sizes[-1] != outputs:
        raise NNExplainError(f"the data has {outputs} classes but --sizes ends with {layer_sizes[-1]}")
    config = TrainConfig(
        sizes=layer_sizes,
        activation=activation,
        epochs=epochs,
        batch_size=batch_size,
        max_learning_rate=learning_rate,
        max_shift=default_shift(dataset.side) if shift is None else shift,
        seed=seed,
    )
    checkpoint = prepare_snapshots(
        snapshots, config, resume
    )  # after the data: a bad data set keeps old snapshots
    manifest = {
        "seed": seed,
        "epochs": epochs,
        "optimiser": "adam, one-cycle",
        "training": config.describe(),
        "data_checksums": dataset.checksums,
        "dataset": dataset.info.to_manifest(),
    }
    sample = None if dataset.info.is_mnist else sample_arrays(dataset.test_images, dataset.test_labels)

    def snapshot(report, state):
        if snapshots:
            save_snapshot(
                snapshots / f"epoch-{report.epoch:03d}.npz",
                MLP(config.sizes, activation),
                state,
                {**manifest, "validation_accuracy": report.validation_accuracy},
            )

    result = run_training(dataset, config, progress=not quiet, on_epoch=snapshot, resume=checkpoint)
    test_accuracy = result.model.accuracy(dataset.test_images, dataset.test_labels)
    save_weights(
        result.model,
        out,
        {
            **manifest,
            "best_epoch": result.best_epoch,
            "validation_accuracy": round(result.validation_accuracy, 6),
            "test_accuracy": round(test_accuracy, 6),
        },
        extra_arrays=sample,
    )
    report(
        out,
        f"best epoch {result.best_epoch}: validation {result.validation_accuracy:.2%}, "
        f"test {test_accuracy:.2%}; wrote {out}",
    )


def prepare_snapshots(directory: Path | None, config, resume: bool):
    """The checkpoint to resume from (the last snapshot), or None after clearing old snapshots."""

    if directory is None:
        return None
    if directory.exists() and not directory.is_dir():
        raise NNExplainError(f"--snapshots {directory} is a file, not a directory")
    existing = sorted(directory.glob("epoch-[0-9][0-9][0-9].npz")) if directory.is_dir() else []
    if not resume:
        for old in existing:  # starting over: stale epochs of an earlier run must not mix in
            old.unlink()
        return None
    if not existing:
        raise NNExplainError(f"--resume: no snapshots (epoch-NNN.npz) in {directory}")
    checkpoint, manifest = load_snapshot(existing[-1])
    if json.loads(json.dumps(config.describe())) != manifest.get("training"):
        raise NNExplainError(
            f"--resume: {existing[-1]} was made with other training settings "
            f"({manifest.get('training')}); drop --resume to start over"
        )
    echo(f"resuming after epoch {checkpoint.epoch} from {existing[-1]}", err=True)
    return checkpoint


@cli.command()
@weights_option
@data_dir_option
def evaluate(weights, data_dir):
    """Accuracy on the test set, per class, and the confusion matrix."""

    model, manifest = load_weights(weights)
    info = DatasetInfo.from_manifest(manifest)
    directory, named = resolve_data_dir(data_dir)
    if info.is_mnist and not named and find_idx_file(directory, SPLITS["test_images"]) is None:
        load_dataset(directory)  # MNIST downloaded into the empty cache
    test_set = weights_test_set(weights, manifest, data_dir)
    if not test_set.complete:
        why = test_set.passed_over or DATA_DIR_HINT
        raise NNExplainError(
            f"evaluate needs the whole test set of {info.name}, the weights' data set; {why}"
        )
    classes, labels = info.classes, test_set.labels
    predicted = model.predict(Preprocessing.from_manifest(manifest)(test_set.images))
    count = len(classes)
    confusion = np.zeros((count, count), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    echo(
        f"test accuracy: {np.mean(predicted == labels):.2%} "
        f"({int(np.sum(predicted == labels))}/{len(labels)})"
    )
    echo(
        "per class:  "
        + "  ".join(
            f"{name}: {confusion[k, k] / max(1, confusion[k].sum()):.1%}" for k, name in enumerate(classes)
        )
    )
    width = max(6, 1 + max(len(name) for name in classes))
    echo("confusion matrix (rows: true class, columns: predicted):")
    echo(" " * width + "".join(f"{name:>{width}}" for name in classes))
    for k, name in enumerate(classes):
        echo(f"{name:>{width}}" + "".join(f"{count:>{width}}" for count in confusion[k]))


def check_inputs(model, n_inputs: int) -> None:
    if model.sizes[0] != n_inputs:
        side = square_side(n_inputs)
        raise NNExplainError(
            f"the weights take {model.sizes[0]} inputs, but a {side}x{side} image has {n_inputs}"
        )


def chosen_activations(weights: Path, digits: tuple[int, ...], image: Path | None, data_dir):
    """The exported forward pass of the chosen test digits, or of the user's image."""

    if not digits and image is None:
        raise click.UsageError("give --digit N (repeatable) or --image FILE")
    if digits and image is not None:
        raise click.UsageError("give --digit or --image, not both")
    model, manifest = load_weights(weights)
    test_set = None if image else weights_test_set(weights, manifest, data_dir)
    side = DatasetInfo.from_manifest(manifest).side
    images, labels, indices, sources = chosen_digits(digits, image, test_set, side)
    check_inputs(model, images.shape[1])
    return compute_activations(model, manifest, images, labels, indices, sources)


digit_choice = [
    click.option(
        "--digit",
        "digits",
        type=click.IntRange(0, MAX_INDEX),
        multiple=True,
        help="Test-set index (repeatable).",
    ),
    click.option(
        "--image",
        type=click.Path(path_type=Path),
        default=None,
        help="Your own digit image (PNG, JPEG, ...), centred the MNIST way.",
    ),
]


with_digit_choice = stack_options(*digit_choice)


@cli.command()
@weights_option
@with_digit_choice
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def predict(weights, digits, image, data_dir, as_json):
    """Classify test digits or your own image, with the probability of every class."""

    result = chosen_activations(weights, digits, image, data_dir)
    sources = result.manifest["sources"]
    classes = DatasetInfo.from_manifest(result.manifest["weights"]).classes
    rows = [
        {
            "source": source,
            "label": int(label) if label >= 0 else None,
            "prediction": int(prediction),
            "class": classes[int(prediction)],
            "probabilities": [round(float(p), 6) for p in probs],
        }
        for source, label, prediction, probs in zip(
            sources, result.labels, result.predictions, result.probabilities
        )
    ]
    if as_json:
        echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        label = "" if row["label"] is None else f" (true {classes[row['label']]})"
        echo(f"{row['source']}: predicted {row['class']}{label}, confidence {max(row['probabilities']):.1%}")
        echo("  " + "  ".join(f"{name}: {p:.3f}" for name, p in zip(classes, row["probabilities"])))


@cli.command("export-activations")
@weights_option
@with_digit_choice
@data_dir_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Activations .npz to write ('-': standard output).",
)
def export_activations(weights, digits, image, data_dir, out):
    """Write every layer's activations a(l) and pre-activations z(l) for chosen digits."""

    result = chosen_activations(weights, digits, image, data_dir)
    save_activations(result, out)
    report(out, f"wrote {out} ({len(result)} digit{'s' if len(result) != 1 else ''})")


@cli.command()
@click.argument("snapshots", type=click.Path(path_type=Path))
@click.option(
    "--epochs",
    "keep",
    default="0,1,2,5,10,last",
    show_default=True,
    help="Epochs to keep ('last': the run's last); the default skips epochs the run does not have.",
)
@data_dir_option
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to write.")
def history(snapshots, keep, data_dir, out):
    """Keep a few epochs of a training run (`train --snapshots`), small, with their test accuracy:
    what the LearningOverEpochs scene shows (`--history`)."""

    if str(out) == STDOUT:
        raise click.BadParameter("'-' is not a folder", param_hint="'--out'")
    available = [int(path.name[6:9]) for path in snapshot_files(snapshots)]
    if not available:
        raise NNExplainError(f"{snapshots}: no snapshots (epoch-NNN.npz); write them with train --snapshots")
    try:
        wanted = [available[-1] if part.strip() == "last" else int(part) for part in keep.split(",")]
    except ValueError:
        raise click.BadParameter(f"{keep!r} is not a list of epochs such as 0,1,5,last") from None
    if keep == "0,1,2,5,10,last":
        wanted = [epoch for epoch in wanted if epoch in available]
    written = keep_epochs(snapshots, out, wanted, load_dataset(data_dir))
    size = sum(path.stat().st_size for path in written)
    report(
        out,
        f"kept epochs {', '.join(str(int(p.name[6:9])) for p in written)} ({size / 1e3:.0f} KB) in {out}",
    )


cli.add_command(import_command)
NETWORK_COMMANDS = (train, evaluate, predict, export_activations, history, import_command)


def main(argv=None) -> int:
    """The network's commands alone (`python -m network.cli`)."""
    return run(cli, argv)


if __name__ == "__main__":
    exit_process(main())
