"""Importing MLPs trained elsewhere: real files written by torch, safetensors, the ONNX exporters and
Keras (tests/fixtures/imports, made by scripts/make_import_fixtures.py) predict what their framework
predicted; what is not an MLP is refused in one line; no pickle can run code."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from network.activations_file import compute_activations
from network.data import load_sample
from network.errors import WeightsError
from network.formats import import_model, read_chain
from network.preprocessing import IDENTITY, Preprocessing
from network.weights_file import load_weights, save_weights

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
REFERENCE = np.load(FIXTURES / "reference.npz")
TORCH_NORMALISE = Preprocessing(0.1307, 0.3081)
# file, --activation, preprocessing, the framework whose predictions it must match
TRAINED = [
    ("torch_relu.safetensors", "relu", TORCH_NORMALISE, "torch"),
    ("torch_relu.pt", "relu", TORCH_NORMALISE, "torch"),
    ("torch_relu.onnx", None, TORCH_NORMALISE, "torch"),
    ("torch_relu_legacy.onnx", None, TORCH_NORMALISE, "torch"),
    ("keras_sigmoid.keras", None, IDENTITY, "keras"),
    ("keras_sigmoid.h5", None, IDENTITY, "keras"),
    ("keras_sigmoid.weights.h5", "sigmoid", IDENTITY, "keras"),
]


def reference_digits() -> np.ndarray:
    images, _ = load_sample()
    return images[REFERENCE["indices"]]


@pytest.mark.parametrize("name, activation, preprocessing, framework", TRAINED)
def test_imported_networks_predict_what_their_framework_predicted(name, activation, preprocessing, framework):
    model, manifest = import_model(FIXTURES / name, activation, preprocessing)
    expected = REFERENCE[f"{framework}_probabilities"]
    got = compute_activations(model, manifest, reference_digits()).probabilities
    assert got.shape == expected.shape == (300, 10)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_array_equal(got.argmax(axis=1), expected.argmax(axis=1))
    assert model.sizes == ((784, 128, 64, 10) if framework == "torch" else (784, 16, 16, 10))
    assert model.activation == ("relu" if framework == "torch" else "sigmoid")


@pytest.mark.parametrize("name, activation, preprocessing, framework", TRAINED)
def test_the_manifest_records_the_source_and_the_preprocessing(
    name, activation, preprocessing, framework, tmp_path
):
    model, manifest = import_model(FIXTURES / name, activation, preprocessing)
    source = manifest["source"]
    files = [FIXTURES / f for f in source["files"]]
    assert source["file"] == name and files[0] == FIXTURES / name
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()
    assert source["sha256"] == digest
    if name == "torch_relu.onnx":  # torch's current exporter keeps the weights beside the graph
        assert source["files"] == ["torch_relu.onnx", "torch_relu.onnx.data"]
    save_weights(model, tmp_path / "w.npz", manifest)
    loaded, saved = load_weights(tmp_path / "w.npz")
    assert saved["preprocessing"] == {"mean": preprocessing.mean, "std": preprocessing.std}
    assert saved["dataset"]["name"] == "MNIST" and saved["dataset"]["classes"] == [str(k) for k in range(10)]
    np.testing.assert_array_equal(loaded.parameters, model.parameters)


def test_the_three_torch_files_give_the_same_network():
    chains = [
        read_chain(FIXTURES / name) for name in ("torch_relu.safetensors", "torch_relu.pt", "torch_relu.onnx")
    ]
    for chain in chains[1:]:
        for got, expected in zip(chain.weights + chain.biases, chains[0].weights + chains[0].biases):
            np.testing.assert_array_equal(got, expected)


def test_layers_are_ordered_by_the_numbers_in_their_names():
    """layers.0 ... layers.3 with two 16x16 layers: only the names tell layers.1 from layers.2."""
    model, manifest = import_model(FIXTURES / "torch_layers_list.safetensors", "relu")
    reference = np.load(FIXTURES / "torch_layers_list_reference.npz")
    images, _ = load_sample()
    got = compute_activations(model, manifest, images[reference["indices"]]).probabilities
    np.testing.assert_allclose(got, reference["probabilities"], atol=1e-5)
    assert model.sizes == (784, 16, 16, 16, 10)
    fc = import_model(FIXTURES / "torch_fc_names.safetensors", "sigmoid")[0]
    assert fc.sizes == (784, 20, 12, 10) and fc.activation == "sigmoid"


@pytest.mark.parametrize(
    "name, message",
    [
        ("torch_conv.safetensors", "a convolution (0.weight, 4x1x3x3)"),
        ("torch_batchnorm.pt", "a batch norm (layer '1'"),
        ("torch_whole_model.pt", "a whole pickled model (torch.nn.modules.container.Sequential); save"),
        ("onnx_tanh.onnx", "a Tanh node '/1/Tanh' is not part of an MLP"),
        ("onnx_two_inputs.onnx", "the graph has 2 inputs (a, b)"),
        ("keras_conv.keras", "a Conv2D layer ('conv2d') is not part of an MLP"),
    ],
)
def test_what_is_not_an_mlp_is_refused_naming_what_was_found(name, message):
    with pytest.raises(WeightsError) as error:
        import_model(FIXTURES / name, "relu")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_the_activation_is_needed_for_weights_only_files_and_must_agree_with_the_graph():
    with pytest.raises(WeightsError, match="holds weights only; say the hidden layers' activation"):
        import_model(FIXTURES / "torch_relu.safetensors")
    with pytest.raises(WeightsError, match="use relu, not --activation sigmoid"):
        import_model(FIXTURES / "torch_relu.onnx", "sigmoid")
    with pytest.raises(WeightsError, match="use sigmoid, not --activation relu"):
        import_model(FIXTURES / "keras_sigmoid.keras", "relu")


class Payload:
    """Unpickling this runs os.system: what an untrusted .pt file could do to a plain torch.load."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_malicious_pickle_is_refused_without_running_anything(tmp_path):
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.pt"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("evil/data.pkl", pickle.dumps({"0.weight": Payload(marker)}, protocol=2))
        archive.writestr("evil/byteorder", "little")
    pickle.loads(pickle.dumps(Payload(tmp_path / "proof"), protocol=2))  # the payload is real: it runs
    assert (tmp_path / "proof").exists()
    with pytest.raises(WeightsError, match=r"refusing to unpickle (posix|os)\.system"):
        import_model(evil, "relu")
    assert not marker.exists()


def test_a_tensor_reaching_past_its_storage_is_refused(tmp_path):
    """A hand-edited stride must not read memory beyond the storage (numpy's as_strided would)."""
    with zipfile.ZipFile(FIXTURES / "torch_relu.pt") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    pickled = next(name for name in members if name.endswith("data.pkl"))
    data = members[pickled]
    # the first tensor's size (128, 784) is pickled as BININT1 128 + BININT2 784; make it 129 rows
    members[pickled] = data.replace(b"K\x80M\x10\x03", b"K\x81M\x10\x03", 1)
    assert members[pickled] != data
    broken = tmp_path / "broken.pt"
    with zipfile.ZipFile(broken, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(WeightsError, match="reaching past its storage"):
        import_model(broken, "relu")


def test_broken_files_are_one_line_errors(tmp_path):
    truncated = tmp_path / "t.safetensors"
    truncated.write_bytes((FIXTURES / "torch_relu.safetensors").read_bytes()[:5000])
    with pytest.raises(WeightsError, match="does not fit the file's bytes"):
        import_model(truncated, "relu")
    lonely = tmp_path / "lonely.onnx"
    lonely.write_bytes((FIXTURES / "torch_relu.onnx").read_bytes())  # without its .onnx.data
    with pytest.raises(WeightsError, match="not a readable ONNX model"):
        import_model(lonely)
    for name in ("junk.pt", "junk.keras", "junk.h5", "junk.onnx"):
        (tmp_path / name).write_bytes(b"not a model at all")
        with pytest.raises(WeightsError):
            import_model(tmp_path / name, "relu")
    (tmp_path / "junk.npz").write_bytes(b"not a model at all")
    with pytest.raises(WeightsError, match="unknown model format"):
        import_model(tmp_path / "junk.npz", "relu")


def test_onnx_without_the_onnx_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if it were not installed
    with pytest.raises(WeightsError, match=r"needs the onnx package: pip install 'nnexplain\[import\]'"):
        import_model(FIXTURES / "torch_relu.onnx")


def test_a_single_linear_layer_and_a_sigmoid_output_are_refused(tmp_path):
    """Built with onnx's own helpers: softmax regression has no hidden layer to draw; a sigmoid
    output is not the softmax every nnexplain network ends in."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    W1, W2 = rng.normal(size=(16, 784)).astype(np.float32), rng.normal(size=(10, 16)).astype(np.float32)

    def save(nodes, initializers, path):
        graph = helper.make_graph(
            nodes,
            "g",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 784])],
            [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, [None, 10])],
            [numpy_helper.from_array(array, name) for name, array in initializers.items()],
        )
        onnx.save(helper.make_model(graph), path)

    save([helper.make_node("Gemm", ["x", "W"], ["y"], transB=1)], {"W": W2 @ W1}, tmp_path / "one.onnx")
    with pytest.raises(WeightsError, match="single linear layer|no hidden layer"):
        import_model(tmp_path / "one.onnx")
    nodes = [
        helper.make_node("MatMul", ["x", "W1t"], ["h"]),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Gemm", ["r", "W2"], ["z"], transB=1),
        helper.make_node("Sigmoid", ["z"], ["y"]),
    ]
    save(nodes, {"W1t": W1.T.copy(), "W2": W2}, tmp_path / "sig.onnx")
    with pytest.raises(WeightsError, match="output goes through sigmoid"):
        import_model(tmp_path / "sig.onnx")
    save(nodes[:3], {"W1t": W1.T.copy(), "W2": W2}, tmp_path / "matmul.onnx")  # MatMul without bias
    model, _ = import_model(tmp_path / "matmul.onnx")
    np.testing.assert_array_equal(model.weights[0], W1)
    assert model.sizes == (784, 16, 10) and not model.biases[0].any()


def test_importing_twice_writes_the_same_bytes(tmp_path):
    for name in ("a", "b"):
        model, manifest = import_model(FIXTURES / "torch_relu.pt", "relu", TORCH_NORMALISE)
        save_weights(model, tmp_path / f"{name}.npz", manifest)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_a_safetensors_dtype_nnexplain_does_not_read_is_named(tmp_path):
    raw = (FIXTURES / "torch_fc_names.safetensors").read_bytes()
    length = int.from_bytes(raw[:8], "little")
    header = raw[8 : 8 + length].replace(b'"F32"', b'"X99"', 1)
    (tmp_path / "odd.safetensors").write_bytes(raw[:8] + header + raw[8 + length :])
    with pytest.raises(WeightsError, match="dtype X99"):
        import_model(tmp_path / "odd.safetensors", "relu")


# ---------------------------------------------------------------- files broken or crafted by hand


def onnx_model(tmp_path, name, nodes, initializers, inputs=784, outputs=10):
    """An ONNX file written by onnx's own helpers."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, inputs])],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, [None, outputs])],
        [numpy_helper.from_array(np.asarray(array, np.float32), key) for key, array in initializers.items()],
    )
    onnx.save(helper.make_model(graph), tmp_path / name)
    return tmp_path / name


def test_a_gemm_bias_and_an_add_after_it_are_summed_and_wrong_shapes_refused(tmp_path):
    from onnx import helper

    rng = np.random.default_rng(1)
    W1, W2 = rng.normal(size=(16, 784)), rng.normal(size=(10, 16))
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["g"], transB=1),
        helper.make_node("Add", ["g", "c"], ["h"]),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Gemm", ["r", "W2"], ["y"], transB=1),
    ]
    path = onnx_model(tmp_path, "add.onnx", nodes, {"W1": W1, "b1": np.full(16, 2.0), "c": [1.0], "W2": W2})
    model, _ = import_model(path)
    np.testing.assert_allclose(model.biases[0], 3.0)  # Gemm's 2 plus the Add's 1
    narrow = {"W1": W1, "b1": np.zeros(16), "c": [0.0], "W2": W2[:, :1]}  # a 10x1 layer after 16 neurons
    with pytest.raises(WeightsError, match="do not feed one another"):
        import_model(onnx_model(tmp_path, "narrow.onnx", nodes, narrow))
    nan = {"W1": np.where(W1 > 2.5, np.nan, W1), "b1": np.zeros(16), "c": [0.0], "W2": W2}
    with pytest.raises(WeightsError, match="NaN or Inf"):
        import_model(onnx_model(tmp_path, "nan.onnx", nodes, nan))
    early = [helper.make_node("Relu", ["x"], ["x1"]), helper.make_node("Gemm", ["x1", "W1"], ["h"], transB=1)]
    early += [helper.make_node("Relu", ["h"], ["r"]), helper.make_node("Gemm", ["r", "W2"], ["y"], transB=1)]
    with pytest.raises(WeightsError, match="goes through relu before the first layer"):
        import_model(onnx_model(tmp_path, "early.onnx", early, {"W1": W1, "W2": W2}))


def test_a_keras_softmax_between_layers_is_refused(tmp_path):
    import json

    with zipfile.ZipFile(FIXTURES / "keras_sigmoid.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][2]["config"]["activation"] = "softmax"  # dense_1, the second hidden layer
    members["config.json"] = json.dumps(config).encode()
    edited = tmp_path / "edited.keras"
    with zipfile.ZipFile(edited, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(WeightsError, match="softmax before the last layer"):
        import_model(edited)
    members["config.json"] = b'["not", "a", "model"]'
    with zipfile.ZipFile(edited, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(WeightsError, match="not a readable Keras 3"):
        import_model(edited)


def test_a_safetensors_header_with_an_impossible_shape_is_refused(tmp_path):
    import json

    header = json.dumps({"w.weight": {"dtype": "F32", "shape": [2**40, 2**40], "data_offsets": [0, 0]}})
    path = tmp_path / "huge.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header.encode())
    with pytest.raises(WeightsError, match="does not fit the file's bytes"):
        import_model(path, "relu")
    header = json.dumps({"w.weight": {"dtype": ["F32"], "shape": "12", "data_offsets": ["0", 4]}})
    path.write_bytes(len(header).to_bytes(8, "little") + header.encode())
    with pytest.raises(WeightsError, match="has no dtype, shape and data_offsets"):
        import_model(path, "relu")


def torch_archive(tmp_path, pickled: bytes, storages: dict | None = None) -> Path:
    path = tmp_path / "crafted.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("crafted/data.pkl", pickled)
        for key, raw in (storages or {}).items():
            archive.writestr(f"crafted/data/{key}", raw)
    return path


def test_pickle_opcodes_that_reach_objects_without_naming_them_are_refused(tmp_path):
    ext = pickle.PROTO + b"\x02" + pickle.EXT1 + b"\xf0" + pickle.STOP  # copyreg extension code 240
    with pytest.raises(WeightsError, match="extension code"):
        import_model(torch_archive(tmp_path, ext), "relu")
    build = (  # BUILD on the allowed _rebuild_tensor_v2 function: would rewrite its defaults
        pickle.PROTO + b"\x02" + pickle.GLOBAL + b"torch._utils\n_rebuild_tensor_v2\n"
        + pickle.EMPTY_DICT + pickle.BUILD + pickle.STOP
    )  # fmt: skip
    with pytest.raises(WeightsError, match="refusing to set the state of (function|method)"):
        import_model(torch_archive(tmp_path, build), "relu")


def test_a_tensor_repeating_one_value_billions_of_times_is_refused(tmp_path):
    """A zero stride makes a 2**24 x 2**24 tensor of one stored float: never copied out. The pickle
    is written opcode by opcode, as torch.save writes a tensor."""
    import struct

    def text(words: str) -> bytes:
        return pickle.BINUNICODE + struct.pack("<I", len(words)) + words.encode()

    def integer(n: int) -> bytes:
        return pickle.BININT + struct.pack("<i", n)

    storage = (
        pickle.MARK + text("storage") + pickle.GLOBAL + b"torch\nFloatStorage\n" + text("0") + text("cpu")
        + integer(1) + pickle.TUPLE + pickle.BINPERSID
    )  # fmt: skip
    tensor = (
        pickle.GLOBAL + b"torch._utils\n_rebuild_tensor_v2\n" + pickle.MARK + storage + integer(0)
        + integer(2**24) + integer(2**24) + pickle.TUPLE2 + integer(0) + integer(0) + pickle.TUPLE2
        + pickle.NEWFALSE + pickle.TUPLE + pickle.REDUCE
    )  # fmt: skip
    pickled = (
        pickle.PROTO + b"\x02" + pickle.EMPTY_DICT + text("0.weight") + tensor + pickle.SETITEM + pickle.STOP
    )
    path = torch_archive(tmp_path, pickled, {"0": np.ones(1, np.float32).tobytes()})
    with pytest.raises(WeightsError, match="more than an MLP has"):
        import_model(path, "relu")


def test_pickled_keys_that_are_not_strings_and_corrupt_members_are_refused(tmp_path):
    """A tuple nested 100,000 deep as a dict key overflows the C stack when hashed: keys must be strings."""
    deep = pickle.PROTO + b"\x02" + pickle.EMPTY_DICT + pickle.EMPTY_TUPLE + pickle.TUPLE1 * 100_000
    deep += pickle.NONE + pickle.SETITEM + pickle.STOP
    with pytest.raises(WeightsError, match="a dictionary key that is not a string"):
        import_model(torch_archive(tmp_path, deep), "relu")
    damaged = tmp_path / "damaged.pt"
    with zipfile.ZipFile(FIXTURES / "torch_relu.pt") as source, zipfile.ZipFile(damaged, "w") as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            archive.writestr(item.filename, content, compress_type=zipfile.ZIP_DEFLATED)
    raw = bytearray(damaged.read_bytes())
    start = raw.find(b"PK\x03\x04", raw.find(b"data/0") - 40)  # the first storage's member
    raw[start + 200 : start + 400] = bytes(200)  # its deflated bytes, zeroed
    damaged.write_bytes(bytes(raw))
    with pytest.raises(WeightsError, match="not a readable"):
        import_model(damaged, "relu")
