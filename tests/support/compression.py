"""Compress bytes with each codec the reader takes, and the file suffix of each."""

from __future__ import annotations

import bz2
import gzip
import lzma

import pyarrow as pa


def compress(codec: str, data: bytes) -> bytes:
    if codec == "none":
        return data
    if codec == "gzip":
        return gzip.compress(data)
    if codec == "bz2":
        return bz2.compress(data)
    if codec == "xz":
        return lzma.compress(data)
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, codec) as out:  # zstd, lz4 (frame)
        out.write(data)
    return sink.getvalue().to_pybytes()


EXTENSION = {
    "none": "",
    "gzip": ".gz",
    "zstd": ".zst",
    "bz2": ".bz2",
    "xz": ".xz",
    "lz4": ".lz4",
}
CODECS = list(EXTENSION)
