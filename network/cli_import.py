"""`nnexplain import`: an MLP trained elsewhere (PyTorch, ONNX, Keras) as a weights file, with the
data set it was trained on (network.formats reads the files)."""

from __future__ import annotations

from pathlib import Path

import click

from network.activations import ACTIVATIONS
from network.cli_common import report
from network.data import find_test_set, load_dataset
from network.dataset_info import DatasetInfo, class_names_option
from network.errors import DataError, NNExplainError
from network.formats import import_model, read_chain
from network.model import architecture
from network.preprocessing import IDENTITY, Preprocessing
from network.weights_file import sample_arrays, save_weights

__all__ = ["import_command", "trained_on"]


@click.command("import")
@click.argument("model_file", metavar="MODEL", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Weights .npz to write ('-': standard output).",
)
@click.option(
    "--activation",
    type=click.Choice(list(ACTIVATIONS)),
    default=None,
    help="The hidden layers' activation: needed where the file holds weights only "
    "(safetensors, .pt, .weights.h5).",
)
@click.option(
    "--normalize",
    default=None,
    metavar="MEAN,STD",
    help="Inputs x = (pixel/255 - MEAN) / STD, as the network was trained "
    "(PyTorch's MNIST recipe: 0.1307,0.3081).",
)
@click.option("--classes", default=None, help="Class names: a file (one per line) or name,name,...")
@click.option(
    "--name", default=None, help="The data set's name, shown in the scenes (default: the data directory's)."
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The data set the network was trained on (four IDX files, optional classes.txt): recorded, "
    "and its test accuracy measured.",
)
def import_command(model_file, out, activation, normalize, classes, name, data_dir):
    """Convert an MLP trained in PyTorch (safetensors, .pt/.pth state_dict), ONNX or Keras (.keras,
    .h5, .weights.h5) into a weights file every command and scene takes (--weights)."""

    if out.is_dir():
        raise NNExplainError(f"cannot write {out}: it is a directory")
    preprocessing = Preprocessing.parse(normalize) if normalize else IDENTITY
    names = class_names_option(classes) if classes else None
    chain = read_chain(model_file)
    info, test_set, checksums = trained_on(chain.sizes, data_dir, name, names)
    model, manifest = import_model(model_file, activation, preprocessing, info, chain)
    extra, accuracy = None, None
    if test_set is not None:
        accuracy = model.accuracy(preprocessing(test_set.images), test_set.labels)
        manifest["test_accuracy"] = round(accuracy, 6)
        if checksums:
            manifest["data_checksums"] = checksums
        if not info.is_mnist:
            extra = sample_arrays(test_set.images, test_set.labels)
    save_weights(model, out, manifest, extra_arrays=extra)
    shown = ", ".join(info.classes[:4]) + (", ..." if len(info.classes) > 4 else "")
    lines = [
        f"imported {model_file.name} ({chain.format})",
        f"  architecture   {architecture(model.sizes)}",
        f"  activation     {model.activation}" + ("" if activation is None else " (--activation)"),
        f"  preprocessing  {preprocessing.describe()}",
        f"  parameters     {len(model.parameters):,}",
        f"  data set       {info.name}: {info.side}x{info.side} images, "
        f"{len(info.classes)} classes ({shown})",
        "  test accuracy  "
        + (
            "not measured (no test set of these images here; --data-dir DIR measures it)"
            if accuracy is None
            else f"{accuracy:.2%} on {len(test_set.labels)} test images"
        ),
        f"wrote {out}",
    ]
    for line in lines:
        report(out, line)


def trained_on(sizes, data_dir, name, names):
    """(DatasetInfo, TestSet or None, checksums) of an imported network: --data-dir names the data
    set it was trained on (its name, classes and checksums, and its test images for the accuracy);
    without it the network is MNIST's (784 inputs, 10 outputs) or unnamed, and only an MNIST
    network's accuracy is measured, on MNIST's test files where $NNEXPLAIN_DATA (or the cache)
    holds them. Nothing is downloaded."""

    if data_dir is None:
        info = DatasetInfo.for_network(sizes, name, names)
        try:
            test_set = find_test_set(info) if info.is_mnist else None
        except DataError:  # a broken $NNEXPLAIN_DATA: the import does not need it
            test_set = None
        return info, test_set if test_set is not None and test_set.complete else None, None
    dataset = load_dataset(data_dir, download=False)
    if dataset.train_images.shape[1] != sizes[0] or len(dataset.classes) > sizes[-1]:
        raise NNExplainError(
            f"{data_dir}: {dataset.side}x{dataset.side} images in {len(dataset.classes)} classes "
            f"do not fit the network's {sizes[0]} inputs and {sizes[-1]} outputs"
        )
    known = dataset.info
    classes = names or (known.classes if len(known.classes) == sizes[-1] else None)
    info = DatasetInfo.for_network(sizes, name or known.name, classes, known.checksums)
    return info, find_test_set(info, data_dir), dataset.checksums
