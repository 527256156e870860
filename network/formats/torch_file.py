"""Read a PyTorch `state_dict` saved with `torch.save` (`.pt`, `.pth`) without torch and without
unpickling arbitrary objects.

`torch.save` writes a zip archive: `<name>/data.pkl` (a pickle of the dict) and `<name>/data/<key>`
(each storage's raw bytes). A pickle can name any Python callable and run it, so this reader's
unpickler resolves only the handful of names a state dict needs (an OrderedDict, tensor rebuilds,
storage types) to functions of its own; every other name is refused before anything runs. It also
refuses the opcodes that reach objects without naming them: the copyreg extension codes (EXT1,
EXT2, EXT4) and a BUILD (setting state) on anything but the state dict's own OrderedDict. A whole
pickled model (`torch.save(model)`) names its module classes and is refused with a line saying to
save the state_dict instead.
"""

from __future__ import annotations

import collections
import io
import math
import pickle
import zipfile
from pathlib import Path

import numpy as np

from network.errors import WeightsError
from network.formats.safetensors_file import bfloat16_to_float32
from network.model import MAX_PARAMETERS

__all__ = ["read_torch_state_dict"]

STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16",
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
SAVE_STATE_DICT = "save the weights with torch.save(model.state_dict(), path) and import that file"


class _Storage:
    def __init__(self, array: np.ndarray):
        self.array = array


class _StorageType:
    def __init__(self, name: str):
        self.name = name


def _rebuild_tensor(storage, offset, size, stride, *_ignored):
    """torch._utils._rebuild_tensor_v2 in numpy, bounds checked (as_strided does not check)."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("a tensor without a storage")
    array, size, stride = storage.array, tuple(int(n) for n in size), tuple(int(n) for n in stride)
    if len(size) != len(stride) or min((*size, *stride, int(offset)), default=0) < 0:
        raise pickle.UnpicklingError("a tensor with a negative size or stride")
    last = int(offset) + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else int(offset) - 1
    if last >= len(array):
        raise pickle.UnpicklingError(f"a tensor reaching past its storage ({last} >= {len(array)})")
    if math.prod(size) > MAX_PARAMETERS:  # a zero stride repeats one value: never copy out billions
        raise pickle.UnpicklingError(f"a tensor of {math.prod(size):,} values, more than an MLP has")
    view = np.lib.stride_tricks.as_strided(
        array[int(offset) :], shape=size, strides=[s * array.itemsize for s in stride], writeable=False
    )
    return view.copy()


def _rebuild_parameter(data, *_ignored):
    return data


class _RestrictedUnpickler(pickle._Unpickler):  # the Python unpickler: its opcodes can be replaced
    dispatch = dict(pickle._Unpickler.dispatch)

    def load_build(self):
        """BUILD sets an object's state: only the OrderedDict's `_metadata`, as torch.save writes it."""
        state, target = self.stack[-1], self.stack[-2]
        if (
            type(target) is not collections.OrderedDict
            or not isinstance(state, dict)
            or set(state) - {"_metadata"}
        ):
            raise WeightsError(
                f"{self.origin}: refusing to set the state of a {type(target).__name__} in the pickle"
            )
        super().load_build()

    def refuse_extension(self):
        raise WeightsError(f"{self.origin}: refusing a pickle extension code: not part of a state_dict")

    dispatch[pickle.BUILD[0]] = load_build
    for _code in (pickle.EXT1, pickle.EXT2, pickle.EXT4):
        dispatch[_code[0]] = refuse_extension

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str, origin: str, big_endian: bool):
        super().__init__(file)
        self.archive, self.prefix, self.origin, self.big_endian = archive, prefix, origin, big_endian

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        if module.startswith("torch.nn") or module == "__main__" or name[:1].isupper():
            raise WeightsError(f"{self.origin}: a whole pickled model ({module}.{name}); {SAVE_STATE_DICT}")
        raise WeightsError(f"{self.origin}: refusing to unpickle {module}.{name}: not part of a state_dict")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise WeightsError(f"{self.origin}: unexpected persistent id in the pickle")
        storage_type, key, numel = pid[1], str(pid[2]), int(pid[4])
        if not isinstance(storage_type, _StorageType):
            raise WeightsError(f"{self.origin}: a storage of an unknown type")
        try:
            raw = self.archive.read(f"{self.prefix}data/{key}")
        except KeyError:
            raise WeightsError(f"{self.origin}: storage {key} is missing from the archive") from None
        dtype = STORAGE_DTYPES[storage_type.name]
        if dtype == "bfloat16":
            array = bfloat16_to_float32(
                raw if not self.big_endian else np.frombuffer(raw, ">u2").astype("<u2").tobytes()
            )
        else:
            array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder(">" if self.big_endian else "<"))
        if len(array) < numel:
            raise WeightsError(f"{self.origin}: storage {key} holds {len(array)} values, not {numel}")
        return _Storage(array.astype(array.dtype.newbyteorder("=")))


def read_torch_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """The tensors of a `torch.save`d state dict, in the dict's order (the model's layer order)."""
    path = Path(path)
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04":
        if magic[:1] == b"\x80":
            raise WeightsError(
                f"{path}: an old-style torch.save file (before PyTorch 1.6); load it and save the "
                "state_dict again with a current torch.save"
            )
        raise WeightsError(f"{path}: not a PyTorch file (torch.save writes a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [name for name in archive.namelist() if name.endswith("data.pkl")]
            if len(pickles) != 1:
                raise WeightsError(f"{path}: not a torch.save archive (no single data.pkl)")
            prefix = pickles[0][: -len("data.pkl")]
            order = f"{prefix}byteorder"
            big = order in archive.namelist() and archive.read(order).strip() == b"big"
            unpickler = _RestrictedUnpickler(
                io.BytesIO(archive.read(pickles[0])), archive, prefix, str(path), big
            )
            state = unpickler.load()
    except (zipfile.BadZipFile, pickle.UnpicklingError) as exc:  # and the arithmetic errors: see read_chain
        raise WeightsError(f"{path}: not a readable torch.save file ({exc})") from None
    if not isinstance(state, dict):
        raise WeightsError(f"{path}: holds a {type(state).__name__}, not a state_dict; {SAVE_STATE_DICT}")
    if "state_dict" in state and isinstance(state["state_dict"], dict):  # a training checkpoint
        state = state["state_dict"]
    tensors = {}
    for key, value in state.items():
        if not isinstance(value, np.ndarray):
            raise WeightsError(f"{path}: {key!r} is a {type(value).__name__}, not a tensor")
        tensors[str(key)] = value
    return tensors
