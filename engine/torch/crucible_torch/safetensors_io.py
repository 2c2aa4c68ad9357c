"""A small safetensors reader and writer on numpy (no safetensors package, no pickle).

Reading memory-maps the file, so a model's tensors are not read twice; writing goes to a temp file beside the
target, is fsynced and renamed over it, so a reader never sees a half-written file.
"""

import json
import os
import struct
from pathlib import Path

import numpy as np

# bfloat16 has no numpy dtype: it is read as its uint16 bit pattern and widened to float32 (read_safetensors).
_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": np.uint16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_,
}
_NAMES = {np.dtype(value): key for key, value in _DTYPES.items() if key != "BF16"}
_MAX_HEADER = 100_000_000


class SafetensorsError(ValueError):
    pass


def read_safetensors(path):
    """Returns ({name: numpy array}, metadata dict). Arrays view a read-only memory map, bf16 arrives as float32."""
    path = Path(path)
    size = path.stat().st_size
    if size < 8:
        raise SafetensorsError(f"{path}: {size} bytes is too short for a safetensors file (8-byte header length first)")
    with path.open("rb") as handle:
        (header_length,) = struct.unpack("<Q", handle.read(8))
        if header_length > min(size - 8, _MAX_HEADER):
            raise SafetensorsError(f"{path}: header length {header_length} exceeds the file ({size} bytes); the file is truncated or not safetensors")
        try:
            header = json.loads(handle.read(header_length))
        except ValueError as error:
            raise SafetensorsError(f"{path}: the header is not JSON ({error})") from error
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: the header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    data_start = 8 + header_length
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=data_start, shape=(size - data_start,)) if size > data_start else np.zeros(0, np.uint8)
    tensors = {}
    for name, entry in header.items():
        kind = entry.get("dtype") if isinstance(entry, dict) else None
        if kind not in _DTYPES:
            raise SafetensorsError(f"{path}: tensor {name!r} has dtype {kind!r}; supported: {', '.join(_DTYPES)}")
        begin, end = entry["data_offsets"]
        shape = [int(dim) for dim in entry["shape"]]
        width = np.dtype(_DTYPES[kind]).itemsize
        if not (0 <= begin <= end <= data.shape[0]) or end - begin != width * int(np.prod(shape, dtype=np.int64)):
            raise SafetensorsError(f"{path}: tensor {name!r} spans bytes [{begin}, {end}) which do not fit its shape {shape} or the file; the file is truncated or corrupt")
        array = data[begin:end].view(_DTYPES[kind]).reshape(shape)
        if kind == "BF16":
            array = (array.astype(np.uint32) << np.uint32(16)).view(np.float32)
        tensors[name] = array
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: numpy array} (names sorted) with string metadata, atomically (temp file, fsync, rename)."""
    path = Path(path)
    header = {"__metadata__": {str(k): str(v) for k, v in metadata.items()}} if metadata else {}
    offset = 0
    arrays = []
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        if array.dtype not in _NAMES:
            raise SafetensorsError(f"{path}: cannot write tensor {name!r} of numpy dtype {array.dtype}")
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        header[name] = {"dtype": _NAMES[array.dtype.newbyteorder("=")], "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        arrays.append(array)
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with temp.open("wb") as handle:
            handle.write(struct.pack("<Q", len(header_bytes)))
            handle.write(header_bytes)
            for array in arrays:
                handle.write(memoryview(array.reshape(-1)).cast("B"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        if temp.exists():
            temp.unlink()


def write_json_atomic(path, value):
    """JSON text written as write_safetensors writes: temp file, fsync, rename."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with temp.open("w") as handle:
        handle.write(json.dumps(value, indent=2) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
