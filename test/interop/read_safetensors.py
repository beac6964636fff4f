#!/usr/bin/env python3
"""An independent safetensors reader, written from the format's description (not from
fluxion's code), used by test/interop/checkpoint-interop.test.ts.

File layout: 8 bytes N (unsigned little-endian 64-bit), N bytes of UTF-8 JSON (tensor name ->
{"dtype", "shape", "data_offsets": [begin, end]}, plus an optional "__metadata__" str->str map),
then the byte buffer, which the tensors' offsets must cover exactly, without holes or overlaps.

Run as a script, it prints JSON describing each tensor: dtype, shape, the little-endian bytes
as hex, and a few facts numpy computes from the values (NaN count, negative zeros, sum).
"""
import json
import math
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "BOOL": "|b1"}


def read(path):
    """Returns (tensors: dict name -> numpy array, metadata: dict)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"{path}: header length {n} runs past the end")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    buffer = memoryview(data)[8 + n :]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    spans = []
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = np.dtype(DTYPES[info["dtype"]])
        shape = tuple(info["shape"])
        count = math.prod(shape)
        if end - begin != count * dtype.itemsize:
            raise ValueError(f"{path}: {name}: {end - begin} bytes for shape {shape} of {info['dtype']}")
        tensors[name] = np.frombuffer(buffer[begin:end], dtype=dtype, count=count).reshape(shape)
        spans.append((begin, end))
    at = 0
    for begin, end in sorted(spans):
        if begin != at:
            raise ValueError(f"{path}: the offsets do not tile the buffer at byte {at}")
        at = end
    if at != len(buffer):
        raise ValueError(f"{path}: {len(buffer) - at} bytes after the last tensor")
    return tensors, metadata


def describe(array):
    values = array.astype(np.float64)
    finite = values[np.isfinite(values)]
    return {
        "dtype": {"<f4": "float32", "<f8": "float64", "<i4": "int32", "|b1": "bool"}[array.dtype.str],
        "shape": list(array.shape),
        "hex": array.tobytes().hex(),  # the dtypes above are little-endian already
        "nan": int(np.isnan(values).sum()),
        "negativeZeros": int(((values == 0) & np.signbit(values)).sum()),
        "finiteSum": float(finite.sum()),
    }


if __name__ == "__main__":
    tensors, metadata = read(sys.argv[1])
    json.dump({"metadata": metadata, "tensors": {k: describe(v) for k, v in tensors.items()}}, sys.stdout)
