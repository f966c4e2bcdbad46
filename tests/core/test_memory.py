"""Streaming reads keep memory flat: a 10 times larger file does not raise the peak RSS.

For each format a file of ~16 MB and one 10 times larger (the same block written ten times,
so the test never holds the large file) are read batch by batch in a fresh child process,
which reports its peak resident set size. The larger file's peak may exceed the smaller one's
by at most ``STREAM_SLACK``. As a control, the child also reads the large file whole with
pyarrow, and that peak must grow by far more: the measurement can see growth.

The peak is ``VmHWM`` from ``/proc/self/status``, the high-water mark of the child's own
address space. ``ru_maxrss`` is not used: on Linux, a child that ``subprocess`` spawns with
``vfork`` inherits the parent's peak through ``execve``, so it would report pytest's peak.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

import axolotl_fast

if not Path("/proc/self/status").exists():
    pytest.skip("needs Linux /proc for peak RSS", allow_module_level=True)

MB = 1 << 20
ROWS = 50_000  # about 16 MB of JSON Lines
TEXT_CHARS = 300
REPEAT = 10
# The 10x file's streaming peak may exceed the 1x file's by this much.
STREAM_SLACK = 48 * MB
# A whole-file read of the 10x file must exceed the 1x streaming peak by at least this much.
WHOLE_GROWTH = 4 * STREAM_SLACK

# The control's whole-file read of each format, with pyarrow.
WHOLE_READERS = {
    "jsonl": "pyarrow.json.read_json",
    "csv": "pyarrow.csv.read_csv",
    "parquet": "pyarrow.parquet.read_table",
}

# Run in a fresh interpreter: python -c CHILD READER PATH, where READER is "stream" or one of
# WHOLE_READERS' values. Prints the rows read and the peak RSS in bytes, as JSON.
CHILD = """
import importlib, json, sys
import axolotl_fast

def peak_rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024

reader, path = sys.argv[1], sys.argv[2]
if reader == "stream":
    rows = sum(batch.num_rows for batch in axolotl_fast.read(path, batch_size=8192))
else:
    module, function = reader.rsplit(".", 1)
    rows = getattr(importlib.import_module(module), function)(path).num_rows
print(json.dumps({"rows": rows, "peak": peak_rss()}))
"""


def block_table(rows: int, seed: int = 0) -> pa.Table:
    """``rows`` rows of an id, a score and ``TEXT_CHARS`` random letters and spaces."""
    rng = np.random.default_rng(seed)
    letters = rng.integers(
        ord("a"), ord("z") + 1, size=rows * TEXT_CHARS, dtype=np.uint8
    )
    letters[rng.random(letters.size) < 0.15] = ord(" ")
    offsets = np.arange(0, letters.size + 1, TEXT_CHARS, dtype=np.int32)
    text = pa.StringArray.from_buffers(
        rows, pa.py_buffer(offsets), pa.py_buffer(letters)
    )
    return pa.table(
        {
            "id": pa.array(np.arange(rows, dtype=np.int64)),
            "score": pa.array(rng.random(rows)),
            "text": text,
        }
    )


def jsonl_block(table: pa.Table) -> bytes:
    """The table as JSON Lines (the text needs no escaping: letters and spaces)."""
    columns = table.to_pydict()
    lines = [
        f'{{"id": {i}, "score": {score!r}, "text": "{text}"}}\n'
        for i, score, text in zip(*columns.values(), strict=True)
    ]
    return "".join(lines).encode()


def csv_block(table: pa.Table, header: bool) -> bytes:
    sink = pa.BufferOutputStream()
    options = pa_csv.WriteOptions(include_header=header)
    pa_csv.write_csv(table, sink, write_options=options)
    return sink.getvalue().to_pybytes()


def write_repeated(
    path: Path, head: bytes, block: bytes, times: int, codec=None
) -> None:
    """``head`` then ``block`` ``times`` times, streamed (optionally compressed)."""
    with pa.OSFile(str(path), "wb") as raw:
        sink = pa.CompressedOutputStream(raw, codec) if codec else raw
        sink.write(head)
        for _ in range(times):
            sink.write(block)
        if codec:
            sink.close()


def write_text_files(directory: Path, table: pa.Table, fmt: str) -> tuple[Path, Path]:
    if fmt == "csv":
        head, block = csv_block(table.slice(0, 0), True), csv_block(table, False)
    else:
        head, block = b"", jsonl_block(table)
    codec = "zstd" if fmt == "jsonl.zst" else None
    paths = directory / f"small.{fmt}", directory / f"large.{fmt}"
    for path, times in zip(paths, (1, REPEAT), strict=True):
        write_repeated(path, head, block, times, codec)
    return paths


def write_parquet_files(directory: Path, table: pa.Table) -> tuple[Path, Path]:
    """Row groups of 15 000 rows; the large file writes the table ten times."""
    paths = directory / "small.parquet", directory / "large.parquet"
    for path, times in zip(paths, (1, REPEAT), strict=True):
        with pq.ParquetWriter(path, table.schema) as writer:
            for _ in range(times):
                writer.write_table(table, row_group_size=ROWS // 4)
    return paths


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return block_table(ROWS)


def write_files(directory: Path, table: pa.Table, fmt: str) -> tuple[Path, Path]:
    """The 1x and the 10x file of ``fmt``."""
    if fmt == "parquet":
        return write_parquet_files(directory, table)
    return write_text_files(directory, table, fmt)


def measure(reader: str, path: Path) -> dict[str, int]:
    """Rows read and peak RSS (bytes) of a fresh child reading ``path``."""
    package_root = str(Path(axolotl_fast.__file__).resolve().parents[1])
    paths = [package_root, os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, reader, str(path)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    peak = report["peak"] / MB
    print(
        f"{reader:<26} {path.name:<17} {report['rows']:>9,} rows  peak {peak:7.1f} MB"
    )
    return report


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.zst", "csv", "parquet"])
def test_streaming_peak_rss_does_not_grow_with_file_size(tmp_path, table, fmt):
    small, large = write_files(tmp_path, table, fmt)
    one = measure("stream", small)
    ten = measure("stream", large)
    assert (one["rows"], ten["rows"]) == (ROWS, REPEAT * ROWS)
    assert ten["peak"] - one["peak"] < STREAM_SLACK, (one, ten)
    if fmt in WHOLE_READERS:
        # The control: the same measurement sees a whole-file read of the large file grow.
        whole = measure(WHOLE_READERS[fmt], large)
        assert whole["rows"] == REPEAT * ROWS
        assert whole["peak"] - one["peak"] > WHOLE_GROWTH, (one, whole)
