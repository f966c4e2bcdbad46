"""``axolotl_fast.read``: stream local dataset files into Arrow record batches.

The Rust core opens, decodes and re-chunks; Python sees ``pyarrow.RecordBatch`` objects of
exactly ``batch_size`` rows (the last may be shorter), or hands the whole stream to any Arrow
consumer without a copy through ``__arrow_c_stream__``::

    reader = axolotl_fast.read("data/", columns=["instruction", "output"])
    table = pa.table(reader)                 # or polars.DataFrame(reader), ...
    for batch in axolotl_fast.read("train.parquet", batch_size=1024): ...

Formats: Parquet (``.parquet``/``.pq``), Arrow IPC file (``.feather``/``.ipc``/``.arrow``) and
stream (``.arrows``/``.arrow``, HF ``save_to_disk`` shards), JSON Lines (``.jsonl``/
``.ndjson``), JSON (``.json``: an array of records or JSON Lines), CSV, TSV and text (``.txt``,
one ``text`` row per line). Text formats may be gzip/zstd/bz2/xz/lz4 compressed (``.jsonl.gz``
...). The extension names the format and the first bytes must agree.
"""

from __future__ import annotations

import errno
import glob
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from axolotl_fast import _core
from axolotl_fast.errors import InvalidArgumentError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "COMPRESSIONS",
    "FORMATS",
    "Reader",
    "Skipped",
    "detect_format",
    "read",
    "source_files",
]

FORMATS = (
    "parquet",
    "arrow_file",
    "arrow_stream",
    "jsonl",
    "json",
    "csv",
    "tsv",
    "text",
)
COMPRESSIONS = ("none", "gzip", "zstd", "bz2", "xz", "lz4")
ON_ERROR = ("raise", "skip")
PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Skipped:
    """Records left out under ``on_error="skip"``.

    ``count`` is exact; ``records`` lists the first 1000 with ``path``, ``line`` (text
    formats), ``row`` (JSON arrays), ``byte_offset`` and ``reason``.
    """

    count: int
    records: list[dict[str, Any]]


class Reader:
    """A single-pass stream of ``pyarrow.RecordBatch`` over one or more files.

    Iterate it, or give it to any consumer of the Arrow C stream interface (``pa.table``,
    ``pa.RecordBatchReader.from_stream``, ``polars.DataFrame``); either way it is consumed.
    """

    def __init__(self, core: _core.Reader) -> None:
        self._core = core

    @property
    def schema(self) -> pa.Schema:
        """The schema of every batch."""
        return self._core.schema

    @property
    def skipped(self) -> Skipped:
        """The records left out so far under ``on_error="skip"``."""
        report = self._core.skipped()
        return Skipped(count=report["count"], records=report["records"])

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        while (batch := self._core.next_batch()) is not None:
            yield batch

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """Export the rest of the stream through the Arrow C stream interface (zero-copy)."""
        return self._core.to_pyarrow_reader().__arrow_c_stream__(requested_schema)

    def to_table(self) -> pa.Table:
        """Read everything that is left into one ``pyarrow.Table`` (the batches, not copied).

        Errors keep their type (``DataFormatError`` ...), unlike a read through
        ``__arrow_c_stream__``, where the consumer turns them into its own error.
        """
        import pyarrow as pa

        return pa.Table.from_batches(list(self), schema=self.schema)

    def iter_pydicts(self) -> Iterator[dict[str, list[Any]]]:
        """Batches as dicts of column lists (the shape ``datasets.map(batched=True)`` uses)."""
        for batch in self:
            yield batch.to_pydict()

    def iter_rows(self) -> Iterator[dict[str, Any]]:
        """Rows as dicts."""
        for batch in self:
            yield from batch.to_pylist()


def _paths_matching(item: PathLike) -> list[str]:
    """A path as given, or the sorted matches of a glob pattern (an error if none)."""
    path = os.fspath(item)
    if not glob.has_magic(path) or os.path.exists(path):
        return [path]
    matches = sorted(glob.glob(path, recursive=True))
    if not matches:
        raise FileNotFoundError(errno.ENOENT, "no file matches the pattern", path)
    return matches


def _as_paths(source: PathLike | Sequence[PathLike]) -> list[str]:
    if isinstance(source, (str, os.PathLike)):
        return _paths_matching(source)
    paths = [path for item in source for path in _paths_matching(item)]
    if not paths:
        raise InvalidArgumentError.for_value("source", "the list of paths is empty")
    return paths


def source_files(source: PathLike | Sequence[PathLike]) -> list[str]:
    """The files ``read(source)`` reads, in its order (globs and directories expanded).

    Raises:
        FileNotFoundError: A path does not exist, a pattern matches nothing, or a
            directory holds no data file.
    """
    return [os.fspath(path) for path in _core.source_files(_as_paths(source))]


def detect_format(path: str | os.PathLike[str]) -> tuple[str, str]:
    """The format and compression :func:`read` would read ``path`` with.

    The extension names them and the first bytes must agree, as in :func:`read`.

    Returns:
        ``(format, compression)``: one of :data:`FORMATS` and one of :data:`COMPRESSIONS`.

    Raises:
        DataFormatError: The extension is unknown or the first bytes disagree with it.
        FileNotFoundError: ``path`` does not exist.
    """
    return _core.detect_format(os.fspath(path))


def _check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        raise InvalidArgumentError.for_value(
            name, f"unknown value {value!r}; expected one of {', '.join(choices)}"
        )


def _check_shard(shard: tuple[int, int] | None) -> tuple[int, int] | None:
    if shard is None:
        return None
    valid = (
        isinstance(shard, tuple)
        and len(shard) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in shard)
        and 0 <= shard[0] < shard[1]
    )
    if not valid:
        raise InvalidArgumentError.for_value(
            "shard", f"expected (index, count) with 0 <= index < count, got {shard!r}"
        )
    return shard


def _positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidArgumentError.for_value(
            name, f"expected a positive integer, got {value!r}"
        )


def read(
    source: PathLike | Sequence[PathLike],
    *,
    format: str | None = None,
    compression: str | None = None,
    columns: Sequence[str] | None = None,
    batch_size: int = 8192,
    num_threads: int | None = None,
    shard: tuple[int, int] | None = None,
    on_error: str = "raise",
    schema: pa.Schema | None = None,
) -> Reader:
    """Open local dataset files for streaming.

    Args:
        source: A file, a directory (every data file below it, sorted by path; names starting
            with ``.`` or ``_`` and HF metadata JSON are skipped), a glob pattern (matches
            sorted) or a list of them, read in that order.
        format: One of :data:`FORMATS`; ``None`` detects it per file from the extension,
            confirmed by the first bytes.
        compression: One of :data:`COMPRESSIONS` for text formats; ``None`` detects it from
            the extension (``.gz``, ``.zst``, ``.bz2``, ``.xz``, ``.lz4``) or the first bytes.
        columns: Columns to keep, in this order; ``None`` keeps all, in file order.
        batch_size: Rows per batch; the last batch may be shorter.
        num_threads: Chunks of a text file decoded at once; ``None`` uses the thread count
            (``AXOLOTL_FAST_NUM_THREADS``, else ``RAYON_NUM_THREADS``, else the CPUs).
        shard: ``(index, count)``: read only part ``index`` of ``count`` disjoint parts whose
            union is the whole input. With at least ``count`` files a shard takes every
            ``count``-th file; else, for Parquet files with at least ``count`` row groups in
            all, every ``count``-th row group; otherwise every ``count``-th row.
        on_error: ``"raise"`` stops at the first malformed record of a text format;
            ``"skip"`` leaves malformed records out and counts them in :attr:`Reader.skipped`.
        schema: For JSON, JSON Lines, CSV and TSV: the columns and their types, instead of
            inferring them. JSON records are checked against it (a key not in the schema, or
            a value of another kind, is a malformed record); CSV needs the header's columns
            in order. Narrower types (``int32``, ``float32``, ``large_string``, ...) are
            accepted; a value that does not fit is a malformed record.

    Returns:
        A :class:`Reader`. The first file is opened before this returns.

    Raises:
        FileNotFoundError: A path does not exist, or a glob pattern matches nothing.
        PermissionError: A path cannot be read.
        DataFormatError: A file is not valid for its format, or files differ in schema; the
            message names the file and the line, row or byte offset where known.
        InvalidArgumentError: An argument is out of range, a column is missing, or a
            directory holds no data files.
    """
    _positive("batch_size", batch_size)
    if num_threads is not None:
        _positive("num_threads", num_threads)
    _check_choice("format", format, FORMATS)
    _check_choice("compression", compression, COMPRESSIONS)
    _check_choice("on_error", on_error, ON_ERROR)
    if isinstance(columns, str):
        raise InvalidArgumentError.for_value(
            "columns", "expected a list of column names, got a single string"
        )
    names = list(columns) if columns is not None else None
    core = _core.read(
        _as_paths(source),
        batch_size,
        names,
        format,
        compression,
        on_error,
        num_threads,
        _check_shard(shard),
        schema=_check_schema(schema),
    )
    return Reader(core)


def _check_schema(schema: pa.Schema | None) -> pa.Schema | None:
    import pyarrow as pa

    if schema is not None and not isinstance(schema, pa.Schema):
        raise InvalidArgumentError.for_value(
            "schema", f"expected a pyarrow.Schema, got {type(schema).__name__}"
        )
    return schema
