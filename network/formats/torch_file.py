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


def _ordered_dict(*args):
    """collections.OrderedDict, as a state dict's pickle makes it: empty, filled by SETITEMS."""
    if args:
        raise pickle.UnpicklingError("an OrderedDict built from arguments")
    return collections.OrderedDict()


def _rebuild_parameter(data, *_ignored):
    return data


MAX_PICKLE = 10_000_000  # bytes of data.pkl: a state dict's is about 100 bytes a tensor
MAX_VALUES = MAX_PARAMETERS  # values in all tensors together: weights and biases, as train counts them


class _RestrictedUnpickler(pickle._Unpickler):  # the Python unpickler: its opcodes can be replaced
    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str, origin: str, big_endian: bool):
        super().__init__(file)
        self.archive, self.prefix, self.origin, self.big_endian = archive, prefix, origin, big_endian
        self.storages: dict[str, _Storage] = {}
        self.values = 0  # in the tensors rebuilt so far

    def refuse(self, what: str):
        raise WeightsError(f"{self.origin}: refusing {what} in the pickle: not part of a state_dict")

    def load_build(self):
        """BUILD sets an object's state: only the OrderedDict's `_metadata`, as torch.save writes it."""
        state, target = self.stack[-1], self.stack[-2]
        if (
            type(target) is not collections.OrderedDict
            or not isinstance(state, dict)
            or set(state) - {"_metadata"}
        ):
            self.refuse(f"to set the state of {type(target).__name__}")
        super().load_build()

    def _string_keys(self, keys) -> None:
        """Keys must be strings: hashing a deeply nested tuple would overflow the C stack."""
        if not all(type(key) is str for key in keys):
            self.refuse("a dictionary key that is not a string")

    def load_setitem(self):
        self._string_keys([self.stack[-2]])
        super().load_setitem()

    def load_setitems(self):
        items = self.pop_mark()
        self._string_keys(items[0::2])
        target = self.stack[-1]
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def load_dict(self):
        items = self.pop_mark()
        self._string_keys(items[0::2])
        self.append({items[i]: items[i + 1] for i in range(0, len(items), 2)})

    dispatch[pickle.BUILD[0]] = load_build
    dispatch[pickle.SETITEM[0]] = load_setitem
    dispatch[pickle.SETITEMS[0]] = load_setitems
    dispatch[pickle.DICT[0]] = load_dict
    for _code, _what in (
        (pickle.EXT1, "an extension code"),
        (pickle.EXT2, "an extension code"),
        (pickle.EXT4, "an extension code"),
        (pickle.EMPTY_SET, "a set"),
        (pickle.ADDITEMS, "a set"),
        (pickle.FROZENSET, "a set"),
    ):
        dispatch[_code[0]] = lambda self, what=_what: self.refuse(what)
    del _code, _what

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return _ordered_dict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return self.rebuild_tensor
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        if module.startswith("torch.nn") or module == "__main__" or name[:1].isupper():
            raise WeightsError(f"{self.origin}: a whole pickled model ({module}.{name}); {SAVE_STATE_DICT}")
        raise WeightsError(f"{self.origin}: refusing to unpickle {module}.{name}: not part of a state_dict")

    def rebuild_tensor(self, storage, offset, size, stride, *_ignored):
        """torch._utils._rebuild_tensor_v2 in numpy, bounds checked (as_strided does not check)."""
        if not isinstance(storage, _Storage):
            raise pickle.UnpicklingError("a tensor without a storage")
        array, size, stride = storage.array, tuple(int(n) for n in size), tuple(int(n) for n in stride)
        if len(size) != len(stride) or min((*size, *stride, int(offset)), default=0) < 0:
            raise pickle.UnpicklingError("a tensor with a negative size or stride")
        last = int(offset) + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else int(offset) - 1
        if last >= len(array):
            raise pickle.UnpicklingError(f"a tensor reaching past its storage ({last} >= {len(array)})")
        self.values += math.prod(size)
        if self.values > MAX_VALUES:  # a zero stride repeats one value: never copy out billions
            raise pickle.UnpicklingError(f"tensors of {self.values:,} values, more than an MLP has")
        view = np.lib.stride_tricks.as_strided(
            array[int(offset) :], shape=size, strides=[s * array.itemsize for s in stride], writeable=False
        )
        return view.copy()

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and type(pid[2]) is str):
            raise WeightsError(f"{self.origin}: unexpected persistent id in the pickle")
        storage_type, key, numel = pid[1], pid[2], int(pid[4])
        if not isinstance(storage_type, _StorageType):
            raise WeightsError(f"{self.origin}: a storage of an unknown type")
        if key not in self.storages:
            self.storages[key] = self.read_storage(key, STORAGE_DTYPES[storage_type.name])
        if len(self.storages[key].array) < numel:
            raise WeightsError(f"{self.origin}: storage {key} holds fewer than {numel} values")
        return self.storages[key]

    def read_storage(self, key: str, dtype) -> _Storage:
        name = f"{self.prefix}data/{key}"
        try:
            size = self.archive.getinfo(name).file_size
        except KeyError:
            raise WeightsError(f"{self.origin}: storage {key} is missing from the archive") from None
        if size > 8 * MAX_VALUES:
            raise WeightsError(f"{self.origin}: storage {key} holds {size:,} bytes, more than an MLP has")
        raw = self.archive.read(name)
        if dtype == "bfloat16":
            return _Storage(
                bfloat16_to_float32(
                    raw if not self.big_endian else np.frombuffer(raw, ">u2").astype("<u2").tobytes()
                )
            )
        array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder(">" if self.big_endian else "<"))
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
            if archive.getinfo(pickles[0]).file_size > MAX_PICKLE:
                raise WeightsError(
                    f"{path}: its pickle is larger than any state_dict's ({MAX_PICKLE:,} bytes)"
                )
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
