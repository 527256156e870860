"""`nnexplain import`: an MLP trained elsewhere (PyTorch, ONNX, Keras) as a weights file, with the
data set it was trained on (network.formats reads the files)."""

from __future__ import annotations

from pathlib import Path

import click

from network.activations import ACTIVATIONS
from network.errors import NNExplainError

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
    from network.cli import report
    from network.dataset_info import class_names_option
    from network.export import sample_arrays, save_weights
    from network.formats import import_model, read_chain
    from network.preprocessing import IDENTITY, Preprocessing

    if out.is_dir():
        raise NNExplainError(f"cannot write {out}: it is a directory")
    preprocessing = Preprocessing.parse(normalize) if normalize else IDENTITY
    names = class_names_option(classes) if classes else None
    chain = read_chain(model_file)
    info, dataset = trained_on(chain.sizes, data_dir, name, names)
    model, manifest = import_model(model_file, activation, preprocessing, info, chain)
    extra, accuracy = None, None
    if dataset is not None:
        accuracy = model.accuracy(preprocessing(dataset.test_images), dataset.test_labels)
        manifest["test_accuracy"] = round(accuracy, 6)
        manifest["data_checksums"] = dataset.checksums
        if not info.is_mnist:
            extra = sample_arrays(dataset.test_images, dataset.test_labels)
    save_weights(model, out, manifest, extra_arrays=extra)
    shown = ", ".join(info.classes[:4]) + (", ..." if len(info.classes) > 4 else "")
    lines = [
        f"imported {model_file.name} ({chain.format})",
        f"  architecture   {'-'.join(map(str, model.sizes))}",
        f"  activation     {model.activation}" + ("" if activation is None else " (--activation)"),
        f"  preprocessing  {preprocessing.describe()}",
        f"  parameters     {len(model.parameters):,}",
        f"  data set       {info.name}: {info.side}x{info.side} images, "
        f"{len(info.classes)} classes ({shown})",
        "  test accuracy  "
        + (
            "not measured (no test set of these images here; --data-dir DIR measures it)"
            if accuracy is None
            else f"{accuracy:.2%} on {len(dataset.test_labels)} test images"
        ),
        f"wrote {out}",
    ]
    for line in lines:
        report(out, line)


def trained_on(sizes, data_dir, name, names):
    """(DatasetInfo, Dataset or None) of an imported network: --data-dir names the data set it was
    trained on (its name, classes and checksums, and its test images for the accuracy); without
    it, the network is MNIST's (784 inputs, 10 outputs) or unnamed, and $NNEXPLAIN_DATA (or the
    cache) only measures an MNIST network's accuracy when it holds MNIST. Nothing is downloaded."""
    from network.data import SPLITS, find_idx_file, load_dataset, resolve_data_dir
    from network.dataset_info import DatasetInfo

    directory, _ = resolve_data_dir(data_dir)
    present = all(find_idx_file(directory, stem) for stem in SPLITS.values())
    if data_dir is not None and not present:
        raise NNExplainError(f"{data_dir}: no IDX files found (the four train/t10k images/labels files)")
    dataset = load_dataset(directory, download=False) if present else None
    if data_dir is None:
        info = DatasetInfo.for_network(sizes, name, names)
        return info, dataset if dataset is not None and info.is_mnist and dataset.info.is_mnist else None
    if dataset.train_images.shape[1] != sizes[0] or len(dataset.classes) > sizes[-1]:
        raise NNExplainError(
            f"{data_dir}: {dataset.side}x{dataset.side} images in {len(dataset.classes)} classes "
            f"do not fit the network's {sizes[0]} inputs and {sizes[-1]} outputs"
        )
    known = dataset.info
    classes = names or (known.classes if len(known.classes) == sizes[-1] else None)
    return DatasetInfo.for_network(sizes, name or known.name, classes, known.checksums), dataset
