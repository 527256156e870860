"""The `.pt` reader's unpickler (network/formats/torch_file.py) resolves only the exact allow-list a
state dict needs. Each dangerous global below sits in a real torch.save archive (the shipped
fixture's members, its data.pkl replaced by a pickle written opcode by opcode); the payloads that
can run code touch a marker file. Each payload is first shown to run when the allow-list is
widened to everything (the bug these tests exist for), then the real reader must refuse it, name
the global, and leave no marker behind."""

from __future__ import annotations

import io
import pickle
import re
import struct
import time
import zipfile
from pathlib import Path

import pytest

from network.errors import WeightsError
from network.formats import import_model, torch_file

FIXTURE = Path(__file__).parent / "fixtures" / "imports" / "torch_relu.pt"  # written by torch.save


def text(words: str) -> bytes:
    return pickle.BINUNICODE + struct.pack("<I", len(words.encode())) + words.encode()


def glob(module: str, name: str, style: str = "GLOBAL") -> bytes:
    """The opcodes that push module.name: GLOBAL (protocols 0-3, what torch.save writes) or
    STACK_GLOBAL (protocol 4+)."""
    if style == "STACK_GLOBAL":
        return text(module) + text(name) + pickle.STACK_GLOBAL
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def call(function: bytes, *args: bytes) -> bytes:
    return function + pickle.MARK + b"".join(args) + pickle.TUPLE + pickle.REDUCE


def state_dict_of(value: bytes) -> bytes:
    """{"0.weight": value}, as torch.save pickles a state dict (protocol 2)."""
    return (
        pickle.PROTO + b"\x02" + pickle.EMPTY_DICT + text("0.weight") + value + pickle.SETITEM + pickle.STOP
    )


def torch_file_with(tmp_path: Path, pickled: bytes) -> Path:
    """The shipped torch.save archive with its data.pkl replaced."""
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(FIXTURE) as source, zipfile.ZipFile(path, "w") as archive:
        for name in source.namelist():
            archive.writestr(name, pickled if name.endswith("/data.pkl") else source.read(name))
    return path


def touch_code(marker: Path) -> str:
    return f"import pathlib; pathlib.Path({str(marker)!r}).touch()"


def getattr_chain(marker: Path, style: str = "GLOBAL") -> bytes:
    """getattr on an allowed global reaches everything: OrderedDict resolves to a function of the
    reader's, whose __globals__ hold __builtins__, whose __import__ gives os.system."""
    ga = glob("builtins", "getattr", style)
    module_globals = call(ga, glob("collections", "OrderedDict"), text("__globals__"))
    builtins_dict = call(call(ga, module_globals, text("get")), text("__builtins__"))
    importer = call(call(ga, builtins_dict, text("get")), text("__import__"))
    system = call(ga, call(importer, text("os")), text("system"))
    return call(system, text(f"touch {marker}"))


def eval_touch(marker: Path) -> bytes:
    return text(f"__import__('pathlib').Path({str(marker)!r}).touch()")


def shell_touch(marker: Path) -> bytes:
    return text(f"touch {marker}")


def argv_touch(marker: Path) -> bytes:
    return text("touch") + text(str(marker)) + pickle.TUPLE2


# module, name, the arguments of a call that touches the marker
RUNS_CODE = [
    ("builtins", "eval", eval_touch),
    ("builtins", "exec", lambda marker: text(touch_code(marker))),
    ("builtins", "getattr", None),  # getattr_chain
    (
        "numpy.testing._private.utils",
        "runstring",
        lambda marker: text(touch_code(marker)) + pickle.EMPTY_DICT,
    ),
    ("posix", "system", shell_touch),
    ("os", "system", shell_touch),
    ("subprocess", "check_call", argv_touch),
    ("subprocess", "Popen", argv_touch),
]


def payload(module: str, name: str, arguments, marker: Path, style: str) -> bytes:
    if arguments is None:
        return getattr_chain(marker, style)
    return call(glob(module, name, style), arguments(marker))


# globals that run nothing by themselves but are one step from it, or the neighbours of allowed names
REFUSED_TOO = [
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy", "frombuffer"),
    ("_codecs", "encode"),
    ("builtins", "__import__"),
    ("builtins", "open"),
    ("builtins", "setattr"),
    ("builtins", "globals"),
    ("builtins", "compile"),
    ("io", "open"),
    ("shutil", "rmtree"),
    ("pickle", "loads"),
    ("copyreg", "_reconstructor"),
    ("functools", "partial"),
    ("collections", "defaultdict"),
    ("collections", "namedtuple"),
    ("torch", "load"),
    ("torch", "Tensor"),
    ("torch.storage", "_load_from_bytes"),
    ("torch._utils", "_rebuild_tensor"),
    ("torch._utils", "_rebuild_device_tensor_from_numpy"),
    ("torch", "UntypedStorage"),
]


class WideOpenUnpickler(torch_file._RestrictedUnpickler):
    """The reader with its allow-list widened to every global: what the tests must catch."""

    def find_class(self, module, name):
        try:
            return super().find_class(module, name)
        except WeightsError:
            return pickle._Unpickler.find_class(self, module, name)


def load_wide_open(path: Path):
    with zipfile.ZipFile(path) as archive:
        pickled = next(name for name in archive.namelist() if name.endswith("data.pkl"))
        prefix = pickled[: -len("data.pkl")]
        WideOpenUnpickler(io.BytesIO(archive.read(pickled)), archive, prefix, str(path), False).load()


def wait_for(marker: Path, seconds: float = 5.0) -> bool:
    """Popen touches the marker in a child process: give it time."""
    deadline = time.monotonic() + seconds
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return marker.exists()


def refused(path: Path, module: str, name: str) -> None:
    with pytest.raises(
        WeightsError,
        match=rf"(refusing to unpickle |a whole pickled model \(){re.escape(f'{module}.{name}')}",
    ):
        import_model(path, "relu")


@pytest.mark.parametrize("style", ["GLOBAL", "STACK_GLOBAL"])
@pytest.mark.parametrize("module, name, arguments", RUNS_CODE, ids=[f"{m}.{n}" for m, n, _ in RUNS_CODE])
def test_a_global_that_runs_code_is_refused_before_anything_runs(module, name, arguments, style, tmp_path):
    proof, marker = tmp_path / "proof", tmp_path / "ran"
    load_wide_open(torch_file_with(tmp_path, state_dict_of(payload(module, name, arguments, proof, style))))
    assert wait_for(proof), "the payload is real: with every global allowed, it runs"
    evil = torch_file_with(tmp_path, state_dict_of(payload(module, name, arguments, marker, style)))
    refused(evil, module, name)
    time.sleep(0.2 if name == "Popen" else 0)
    assert not marker.exists()


@pytest.mark.parametrize("module, name", REFUSED_TOO, ids=[f"{m}.{n}" for m, n in REFUSED_TOO])
def test_every_global_outside_the_allow_list_is_refused(module, name, tmp_path):
    pickled = state_dict_of(call(glob(module, name), text("x")))
    refused(torch_file_with(tmp_path, pickled), module, name)


def test_the_old_instance_opcodes_are_refused_too(tmp_path):
    """INST and OBJ name a class by themselves (protocols 0 and 1); they go through the same check."""
    marker = tmp_path / "ran"
    inst = pickle.MARK + text(f"touch {marker}") + pickle.INST + b"posix\nsystem\n"
    refused(torch_file_with(tmp_path, state_dict_of(inst)), "posix", "system")
    obj = pickle.MARK + glob("os", "system") + text(f"touch {marker}") + pickle.OBJ
    refused(torch_file_with(tmp_path, state_dict_of(obj)), "os", "system")
    assert not marker.exists()


def test_the_allow_list_still_reads_a_real_state_dict():
    """The counterpart: the exact names torch.save writes for a state dict are read."""
    model, _ = import_model(FIXTURE, "relu")
    assert model.sizes == (784, 128, 64, 10)
