"""Read a `.safetensors` file (Hugging Face's format) into numpy arrays, without the library.

The format: 8 bytes (little-endian length N), N bytes of JSON {name: {dtype, shape, data_offsets}},
then the tensors' bytes. Every offset and size is checked before anything is read.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np

from network.errors import WeightsError

__all__ = ["read_safetensors"]

DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "BF16": "bfloat16",
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}
MAX_HEADER = 100_000_000


def bfloat16_to_float32(raw: bytes) -> np.ndarray:
    return (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)


def read_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of the file, in the order of its header, as numpy arrays (bf16 as float32)."""
    path = Path(path)
    data = path.read_bytes()
    if len(data) < 8:
        raise WeightsError(f"{path}: not a safetensors file (too short)")
    (length,) = struct.unpack("<Q", data[:8])
    if length > min(MAX_HEADER, len(data) - 8):
        raise WeightsError(f"{path}: not a safetensors file (header length {length})")
    try:
        header = json.loads(data[8 : 8 + length])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WeightsError(f"{path}: not a safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise WeightsError(f"{path}: not a safetensors file (its header is not a JSON object)")
    body = memoryview(data)[8 + length :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        entry = entry if isinstance(entry, dict) else {}
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not (
            isinstance(dtype, str)
            and isinstance(shape, list)
            and all(isinstance(n, int) and n >= 0 for n in shape)
            and isinstance(offsets, list)
            and len(offsets) == 2
            and all(isinstance(n, int) for n in offsets)
        ):
            raise WeightsError(f"{path}: tensor {name!r} has no dtype, shape and data_offsets")
        if dtype not in DTYPES:
            raise WeightsError(f"{path}: tensor {name!r} has dtype {dtype}, which nnexplain does not read")
        itemsize = 2 if dtype == "BF16" else np.dtype(DTYPES[dtype]).itemsize
        start, end = offsets
        if not 0 <= start <= end <= len(body) or end - start != math.prod(shape) * itemsize:
            raise WeightsError(f"{path}: tensor {name!r} ({dtype} {shape}) does not fit the file's bytes")
        raw = bytes(body[start:end])
        if dtype == "BF16":
            array = bfloat16_to_float32(raw)
        else:
            array = np.frombuffer(raw, dtype=np.dtype(DTYPES[dtype]).newbyteorder("<"))
        tensors[name] = array.reshape(shape).astype(array.dtype.newbyteorder("="))
    return tensors
