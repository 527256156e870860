"""Write the committed test fixtures for importing networks trained elsewhere, tests/fixtures/imports/.

It trains a PyTorch 784-128-64-10 ReLU network and a Keras 3 784-16-16-10 sigmoid/softmax network on
MNIST and saves them in every format the importer reads (safetensors, torch.save, ONNX from both torch
exporters, .keras, .h5, .weights.h5), with reference.npz (their probabilities on the first 300 test
digits and their test accuracy); then small untrained files an importer must refuse (a convolution, batch
norm, a pickled whole model, tanh, two inputs, a Keras convolution) or whose layer order it must get right
(Linear chains named fc1..fc3 and layers.0..layers.3). Last it writes tests/fixtures/imports/README.md,
one table row per file from IMPORTS_TABLE below. The digit sets tests/fixtures/digits8x8/ and digits28/
are made by scripts/make_digit_sets.py.

How to run (from the repository root, no network access needed):

    python -m venv /tmp/fx
    /tmp/fx/bin/pip install torch onnx onnxscript keras h5py safetensors numpy
    /tmp/fx/bin/python scripts/make_import_fixtures.py [MNIST_DIR]

MNIST_DIR holds the four standard MNIST IDX files (gzipped or not); without it the script looks in
$NNEXPLAIN_DATA, then nnexplain's download cache (~/.cache/nnexplain/mnist), then ../shared/data/mnist
next to the repository. torch, onnxscript, keras and safetensors are needed only to regenerate these
fixtures (nnexplain reads ONNX and Keras HDF5 files with onnx and h5py, its optional `import` extra).
Everything is seeded and torch runs on one CPU thread, so a rerun with the same library versions writes
byte-identical files, except the two .keras archives: their metadata.json holds the save date, the zip
stamps model.weights.h5 with the time and config.json's "shared_object_id" is a Python object id;
model.weights.h5 inside is byte-identical. It takes about 20 seconds on two cores.
"""

import gzip
import json
import os
import re
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = ROOT / "tests" / "fixtures" / "imports"
MNIST_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
REFERENCE_COUNT = 300


# ---------------------------------------------------------------- MNIST


def read_idx(directory: Path, stem: str) -> np.ndarray:
    """An unsigned-byte IDX file's array: 2 zero bytes, type 0x08, ndim, then big-endian uint32 dims."""
    paths = [directory / name for name in (stem, f"{stem}.gz") if (directory / name).is_file()]
    if not paths:
        raise FileNotFoundError(f"{directory}: no {stem} or {stem}.gz")
    raw = paths[0].read_bytes()
    raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    if raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise ValueError(f"{paths[0]}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = [int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{paths[0]}: IDX dims {dims} do not match {data.size} bytes of data")
    return data.reshape(dims)


def find_mnist() -> Path:
    candidates = []
    if len(sys.argv) > 1:
        candidates.append(Path(sys.argv[1]).expanduser())
    else:
        if os.environ.get("NNEXPLAIN_DATA"):
            candidates.append(Path(os.environ["NNEXPLAIN_DATA"]).expanduser())
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        candidates += [cache / "nnexplain" / "mnist", ROOT.parent / "shared" / "data" / "mnist"]
    for directory in candidates:
        if all((directory / n).is_file() or (directory / f"{n}.gz").is_file() for n in MNIST_NAMES.values()):
            return directory
    sys.exit(f"no MNIST IDX files in {', '.join(map(str, candidates))}; name the directory as the argument")


def load_mnist(directory: Path) -> dict:
    data = {key: read_idx(directory, stem) for key, stem in MNIST_NAMES.items()}
    assert data["train_images"].shape == (60000, 28, 28) and data["test_images"].shape == (10000, 28, 28)
    return data


def normalise(images: np.ndarray) -> np.ndarray:
    """MNIST uint8 (N, 28, 28) -> float32 (N, 1, 28, 28), (pixel/255 - 0.1307)/0.3081."""
    x = images.astype(np.float32) / 255.0
    return ((x - MNIST_MEAN) / MNIST_STD).astype(np.float32)[:, None, :, :]


# ---------------------------------------------------------------- PyTorch


def seed_everything(seed: int = 0) -> None:
    import torch

    np.random.seed(seed)
    torch.manual_seed(seed)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def train_torch_relu(mnist: dict):
    """784-128-64-10 ReLU network, Adam lr 1e-3, batch 128, 2 epochs, normalised (N, 1, 28, 28) inputs."""
    import torch
    from torch import nn

    seed_everything(0)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10)
    )
    x = torch.from_numpy(normalise(mnist["train_images"]))
    y = torch.from_numpy(mnist["train_labels"].astype(np.int64))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    model.train()
    for epoch in range(2):
        order = torch.from_numpy(rng.permutation(len(x)))
        for start in range(0, len(x), 128):
            batch = order[start : start + 128]
            optimiser.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimiser.step()
        print(f"  torch epoch {epoch + 1}: last batch loss {loss.item():.4f}")
    model.eval()
    return model


def torch_logits(model, x: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def save_safetensors(model, name: str) -> None:
    from safetensors.torch import save_file

    save_file(
        {key: value.detach().contiguous() for key, value in model.state_dict().items()}, str(IMPORTS / name)
    )


def export_onnx_legacy(model, args: tuple, path: Path, names: list[str]) -> None:
    """The TorchScript exporter, weights inside the file, every input and the output `logits` batch-sized."""
    import torch

    axes = {name: {0: "batch"} for name in [*names, "logits"]}
    torch.onnx.export(
        model, args, str(path), dynamo=False, input_names=names, output_names=["logits"], dynamic_axes=axes
    )


def check_onnx(path: Path, inputs: dict, expected: np.ndarray) -> list[str]:
    """Check the model, run it with onnx's reference evaluator, return its node op_types."""
    import onnx
    from onnx.reference import ReferenceEvaluator

    onnx.checker.check_model(str(path))  # by path, so external data is found and checked
    model = onnx.load(str(path))
    (got,) = ReferenceEvaluator(model).run(None, inputs)
    error = float(np.abs(got - expected).max())
    assert error < 1e-4, f"{path.name}: ONNX output differs from torch by {error}"
    return [node.op_type for node in model.graph.node]


def make_torch_relu(mnist: dict, report: dict) -> np.ndarray:
    import torch

    print("training the PyTorch ReLU network (2 epochs)")
    model = train_torch_relu(mnist)
    test_x = normalise(mnist["test_images"])
    logits = torch_logits(model, test_x)
    accuracy = float((logits.argmax(axis=1) == mnist["test_labels"]).mean())
    report["torch_test_accuracy"] = accuracy
    print(f"  torch test accuracy {accuracy:.4f}")
    assert accuracy > 0.95, accuracy

    save_safetensors(model, "torch_relu.safetensors")
    torch.save(model.state_dict(), IMPORTS / "torch_relu.pt")

    reference_x = test_x[:REFERENCE_COUNT]
    expected = logits[:REFERENCE_COUNT]
    example = torch.from_numpy(test_x[:4])
    onnx_path = IMPORTS / "torch_relu.onnx"
    data_path = onnx_path.with_name(onnx_path.name + ".data")
    for stale in (onnx_path, data_path):
        stale.unlink(missing_ok=True)
    torch.onnx.export(
        model,
        (example,),
        str(onnx_path),
        dynamo=True,
        external_data=True,
        input_names=["input"],
        output_names=["logits"],
        dynamic_shapes=({0: torch.export.Dim("batch")},),
    )
    assert data_path.is_file(), f"the dynamo exporter wrote no {data_path.name}"
    sizes = onnx_path.stat().st_size, data_path.stat().st_size
    assert sizes[0] < 20_000 < sizes[1], sizes
    report["onnx"]["torch_relu.onnx"] = check_onnx(onnx_path, {"input": reference_x}, expected)

    legacy_path = IMPORTS / "torch_relu_legacy.onnx"
    export_onnx_legacy(model, (example,), legacy_path, ["input"])
    assert legacy_path.stat().st_size > 400_000
    report["onnx"]["torch_relu_legacy.onnx"] = check_onnx(legacy_path, {"input": reference_x}, expected)
    return softmax(expected).astype(np.float32)


def make_torch_refusals(mnist: dict, report: dict) -> None:
    import torch
    from torch import nn

    seed_everything(0)
    save_safetensors(
        nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 26 * 26, 10)),
        "torch_conv.safetensors",
    )

    seed_everything(0)
    batchnorm = nn.Sequential(nn.Linear(784, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 10))
    torch.save(batchnorm.state_dict(), IMPORTS / "torch_batchnorm.pt")

    seed_everything(0)
    whole = nn.Sequential(nn.Linear(784, 16), nn.Sigmoid(), nn.Linear(16, 10))
    torch.save(whole, IMPORTS / "torch_whole_model.pt")

    x = mnist["test_images"][:4].reshape(4, 784).astype(np.float32) / 255.0

    seed_everything(0)
    tanh = nn.Sequential(nn.Linear(784, 16), nn.Tanh(), nn.Linear(16, 10)).eval()
    path = IMPORTS / "onnx_tanh.onnx"
    export_onnx_legacy(tanh, (torch.from_numpy(x),), path, ["input"])
    report["onnx"][path.name] = check_onnx(path, {"input": x}, torch_logits(tanh, x))

    class TwoInputs(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = nn.Linear(784, 10)
            self.second = nn.Linear(784, 10)

        def forward(self, a, b):
            return self.first(a) + self.second(b)

    seed_everything(0)
    two = TwoInputs().eval()
    b = x[::-1].copy()
    path = IMPORTS / "onnx_two_inputs.onnx"
    export_onnx_legacy(two, (torch.from_numpy(x), torch.from_numpy(b)), path, ["a", "b"])
    with torch.no_grad():
        expected = two(torch.from_numpy(x), torch.from_numpy(b)).numpy()
    report["onnx"][path.name] = check_onnx(path, {"a": x, "b": b}, expected)


def make_torch_named_chains(mnist: dict, report: dict) -> None:
    import torch
    from torch import nn

    seed_everything(0)
    fc_names = OrderedDict(fc1=nn.Linear(784, 20), fc2=nn.Linear(20, 12), fc3=nn.Linear(12, 10))
    save_safetensors(nn.Sequential(fc_names), "torch_fc_names.safetensors")

    class LayersList(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(
                [nn.Linear(784, 16), nn.Linear(16, 16), nn.Linear(16, 16), nn.Linear(16, 10)]
            )

        def forward(self, x, order=(0, 1, 2, 3)):
            for position, index in enumerate(order):
                x = self.layers[index](x)
                if position < len(order) - 1:
                    x = torch.relu(x)
            return torch.softmax(x, dim=1)

    seed_everything(0)
    chain = LayersList().eval()
    save_safetensors(chain, "torch_layers_list.safetensors")
    x = torch.from_numpy(mnist["test_images"][:20].reshape(20, 784).astype(np.float32) / 255.0)
    with torch.no_grad():
        probabilities = chain(x).numpy().astype(np.float32)
        swapped = chain(x, order=(0, 2, 1, 3)).numpy()
    difference = float(np.abs(probabilities - swapped).max())
    report["layers_list_swap_difference"] = difference
    assert difference > 1e-4, f"swapping layers.1 and layers.2 changes the probabilities by only {difference}"
    np.savez(
        IMPORTS / "torch_layers_list_reference.npz",
        probabilities=probabilities,
        indices=np.arange(20, dtype=np.int64),
    )


# ---------------------------------------------------------------- Keras


def make_keras(mnist: dict, report: dict) -> np.ndarray:
    import keras

    print("training the Keras sigmoid network (3 epochs)")
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(16, activation="sigmoid"),
            keras.layers.Dense(16, activation="sigmoid"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    x = mnist["train_images"].reshape(-1, 784).astype(np.float32) / 255.0
    y = mnist["train_labels"].astype(np.int64)
    model.fit(x, y, batch_size=128, epochs=3, shuffle=True, verbose=2)
    test_x = mnist["test_images"].reshape(-1, 784).astype(np.float32) / 255.0
    probabilities = np.asarray(model.predict(test_x, batch_size=1000, verbose=0), dtype=np.float32)
    accuracy = float((probabilities.argmax(axis=1) == mnist["test_labels"]).mean())
    report["keras_test_accuracy"] = accuracy
    print(f"  keras test accuracy {accuracy:.4f}")
    assert accuracy > 0.85, accuracy

    model.save(IMPORTS / "keras_sigmoid.keras")
    model.save(IMPORTS / "keras_sigmoid.h5")  # the legacy HDF5 format; keras 3 warns, that is expected
    model.save_weights(IMPORTS / "keras_sigmoid.weights.h5")

    reloaded = keras.saving.load_model(IMPORTS / "keras_sigmoid.keras")
    again = np.asarray(reloaded.predict(test_x[:REFERENCE_COUNT], verbose=0))
    assert np.abs(again - probabilities[:REFERENCE_COUNT]).max() < 1e-5

    keras.utils.set_random_seed(0)
    conv = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    conv.save(IMPORTS / "keras_conv.keras")
    return probabilities[:REFERENCE_COUNT]


# ---------------------------------------------------------------- README

# The README's file table, one entry a file: "name | written by | torch, keras or - (the trained network
# whose test accuracy the row shows)", then the description on indented lines, joined with spaces.
IMPORTS_TABLE = """
torch_relu.safetensors | safetensors (torch) | torch
    the trained PyTorch 784-128-64-10 ReLU network's state_dict (`safetensors.torch.save_file`), keys
    1.weight, 1.bias, 3.weight, 3.bias, 5.weight, 5.bias (float32, weight `(out, in)`)
torch_relu.pt | PyTorch | torch
    the same state_dict by `torch.save` (zip archive, tensors in a pickle)
torch_relu.onnx | PyTorch (dynamo ONNX exporter) | torch
    the same network by `torch.onnx.export(..., dynamo=True, external_data=True)`, input `input`
    `(batch, 1, 28, 28)`, output `logits`; the weights are in `torch_relu.onnx.data`
torch_relu.onnx.data | PyTorch (dynamo ONNX exporter) | torch
    the external initializer data of torch_relu.onnx
torch_relu_legacy.onnx | PyTorch (TorchScript ONNX exporter) | torch
    the same network by `torch.onnx.export(..., dynamo=False)`, weights inside the file
keras_sigmoid.keras | Keras 3 (torch backend) | keras
    the trained Keras 784-16-16-10 network (sigmoid, sigmoid, softmax) by `model.save`
    (zip: config.json, metadata.json, model.weights.h5)
keras_sigmoid.h5 | Keras 3 (torch backend) | keras
    the same model in the legacy HDF5 format (`model.save(...h5)`)
keras_sigmoid.weights.h5 | Keras 3 (torch backend) | keras
    the same model's weights only (`model.save_weights`)
reference.npz | numpy | -
    `indices` (the first 300 MNIST test digits), `torch_probabilities` and `keras_probabilities`
    float32 (300, 10), `torch_test_accuracy` and `keras_test_accuracy` (over all 10000 test digits)
torch_conv.safetensors | safetensors (torch) | -
    to refuse: untrained Conv2d(1,4,3), ReLU, Flatten, Linear(2704,10) state_dict
torch_batchnorm.pt | PyTorch | -
    to refuse: untrained Linear(784,16), BatchNorm1d(16), ReLU, Linear(16,10) state_dict (`torch.save`)
torch_whole_model.pt | PyTorch | -
    to refuse: a whole pickled `nn.Sequential(Linear(784,16), Sigmoid(), Linear(16,10))`
    (`torch.save(model)`, not a state_dict)
onnx_tanh.onnx | PyTorch (TorchScript ONNX exporter) | -
    to refuse: untrained Linear(784,16), Tanh, Linear(16,10)
onnx_two_inputs.onnx | PyTorch (TorchScript ONNX exporter) | -
    to refuse: two inputs `a`, `b`, output Linear(784,10)(a) + Linear(784,10)(b)
keras_conv.keras | Keras 3 (torch backend) | -
    to refuse: untrained Input(28,28,1), Conv2D(4,3,relu), Flatten, Dense(10,softmax)
torch_fc_names.safetensors | safetensors (torch) | -
    untrained chain fc1=Linear(784,20), fc2=Linear(20,12), fc3=Linear(12,10) (keys fc1.weight ... fc3.bias)
torch_layers_list.safetensors | safetensors (torch) | -
    untrained `layers = ModuleList([Linear(784,16), Linear(16,16), Linear(16,16), Linear(16,10)])`
    (keys layers.0.weight ... layers.3.bias)
torch_layers_list_reference.npz | numpy | -
    `probabilities` float32 (20, 10): softmax of torch_layers_list with ReLU between its layers on the
    first 20 MNIST test digits as pixel/255 (`indices` 0..19)
"""


def write_imports_readme(report: dict) -> None:
    rows, listed = [], {"README.md"}
    for entry in re.split(r"\n(?=\S)", IMPORTS_TABLE.strip()):
        head, *lines = entry.splitlines()
        name, library, trained = head.split(" | ")
        what = " ".join(line.strip() for line in lines)
        size = (IMPORTS / name).stat().st_size
        accuracy = "" if trained == "-" else f"{report[f'{trained}_test_accuracy']:.2%}"
        rows.append(f"| `{name}` | {size:,} | {library} | {what} | {accuracy} |")
        listed.add(name)
    unlisted = sorted(p.name for p in IMPORTS.iterdir() if p.name not in listed)
    assert not unlisted, f"files not described in the README: {unlisted}"
    text = f"""# Networks trained elsewhere, for the importer's tests

Written by `scripts/make_import_fixtures.py` (it says how to run it; torch, onnxscript, keras and
safetensors are needed only to regenerate these files; nnexplain reads them with numpy, onnx and h5py,
its `import` extra). Two networks were trained on MNIST's 60000 training digits:

- **PyTorch**: `nn.Sequential(nn.Flatten(), nn.Linear(784,128), nn.ReLU(), nn.Linear(128,64), nn.ReLU(),
  nn.Linear(64,10))`, inputs `(pixel/255 - 0.1307)/0.3081` shaped `(batch, 1, 28, 28)`, outputs logits;
  Adam lr 1e-3, batch 128, 2 epochs. Test accuracy {report["torch_test_accuracy"]:.2%}.
- **Keras 3** (torch backend): `Sequential([Input((784,)), Dense(16, sigmoid), Dense(16, sigmoid),
  Dense(10, softmax)])`, inputs `pixel/255` shaped `(batch, 784)`, outputs probabilities; Adam, batch 128,
  3 epochs. Test accuracy {report["keras_test_accuracy"]:.2%}.

The other files are small, untrained and seeded (`torch.manual_seed(0)`, `keras.utils.set_random_seed(0)`).
Test accuracy is over all 10000 MNIST test digits.

Things a reader of these files meets:

- safetensors headers list tensors sorted by name (`1.bias` before `1.weight`), so a chain's order comes
  from the numbers in the names (`layers.1` before `layers.2`, and `layers.10` after `layers.9`).
- `torch_relu.onnx` keeps its small initializers (`3.bias` 256 bytes, `5.bias`, the Reshape shape `val_5`)
  inside the .onnx file and the larger ones (`1.bias` 512 bytes and the three weights) in
  `torch_relu.onnx.data`; every Gemm in every .onnx file has `transB=1` on an `(out, in)` weight.
- `torch.save` writes a zip whose members sit in a folder named after the file: `torch_relu/data.pkl`,
  `torch_relu/data/0`, ...
- Keras kernels are `(in, out)`. In the `.keras` and `.weights.h5` files a layer's group is named after its
  class and position (`layers/dense`, `layers/dense_1`, ...), not its config name: `keras_conv.keras`'s
  Dense layer is `dense_3` in config.json but `layers/dense` in model.weights.h5.

| file | bytes | written by | what | test accuracy |
|---|---:|---|---|---:|
{chr(10).join(rows)}
"""
    (IMPORTS / "README.md").write_text(text)


# ---------------------------------------------------------------- main


def main() -> None:
    import torch

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    mnist_dir = find_mnist()
    print(f"MNIST from {mnist_dir}")
    mnist = load_mnist(mnist_dir)
    IMPORTS.mkdir(parents=True, exist_ok=True)
    report = {"onnx": {}}

    torch_probabilities = make_torch_relu(mnist, report)
    make_torch_refusals(mnist, report)
    make_torch_named_chains(mnist, report)
    keras_probabilities = make_keras(mnist, report)
    np.savez(
        IMPORTS / "reference.npz",
        indices=np.arange(REFERENCE_COUNT, dtype=np.int64),
        torch_probabilities=torch_probabilities,
        keras_probabilities=keras_probabilities,
        torch_test_accuracy=np.float64(report["torch_test_accuracy"]),
        keras_test_accuracy=np.float64(report["keras_test_accuracy"]),
    )
    with np.load(IMPORTS / "reference.npz", allow_pickle=False) as check:
        assert (
            check["torch_probabilities"].shape == check["keras_probabilities"].shape == (REFERENCE_COUNT, 10)
        )
    write_imports_readme(report)

    print(json.dumps(report, indent=1))
    for path in sorted(IMPORTS.iterdir()):
        print(f"{path.stat().st_size:>10,}  {path.relative_to(ROOT)}")
    with zipfile.ZipFile(IMPORTS / "torch_relu.pt") as archive:
        print("torch_relu.pt members:", archive.namelist())


if __name__ == "__main__":
    main()
