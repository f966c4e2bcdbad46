"""``axolotl_fast.read``: stream local dataset files into Arrow record batches.

The Rust core opens, decodes and re-chunks; Python sees ``pyarrow.RecordBatch`` objects of
exactly ``batch_size`` rows (the last may be shorter), or hands the whole stream to any Arrow
consumer without a copy through ``__arrow_c_stream__``::

    reader = axolotl_fast.read("data/", columns=["instruction", "output"])
    table = pa.table(reader)                 # or polars.DataFrame(reader), ...
    for batch in axolotl_fast.read("train.parquet", batch_size=1024): ...

Formats so far: Parquet (``.parquet``/``.pq``) and Arrow IPC file (``.feather``/``.ipc``/
``.arrow``) and stream (``.arrows``/``.arrow``, HF ``save_to_disk`` shards), lz4/zstd IPC
compression included. The extension names the format and the first bytes must agree.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from axolotl_fast import _core
from axolotl_fast.errors import InvalidArgumentError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["FORMATS", "Reader", "read"]

FORMATS = ("parquet", "arrow_file", "arrow_stream")
PathLike = str | os.PathLike[str]


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

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        while (batch := self._core.next_batch()) is not None:
            yield batch

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """Export the rest of the stream through the Arrow C stream interface (zero-copy)."""
        return self._core.to_pyarrow_reader().__arrow_c_stream__(requested_schema)

    def to_table(self) -> pa.Table:
        """Read everything that is left into one ``pyarrow.Table``."""
        return self._core.to_pyarrow_reader().read_all()

    def iter_pydicts(self) -> Iterator[dict[str, list[Any]]]:
        """Batches as dicts of column lists (the shape ``datasets.map(batched=True)`` uses)."""
        for batch in self:
            yield batch.to_pydict()

    def iter_rows(self) -> Iterator[dict[str, Any]]:
        """Rows as dicts."""
        for batch in self:
            yield from batch.to_pylist()


def _as_paths(source: PathLike | Sequence[PathLike]) -> list[str]:
    if isinstance(source, (str, os.PathLike)):
        return [os.fspath(source)]
    paths = [os.fspath(item) for item in source]
    if not paths:
        raise InvalidArgumentError("source: the list of paths is empty", name="source")
    return paths


def read(
    source: PathLike | Sequence[PathLike],
    *,
    format: str | None = None,
    columns: Sequence[str] | None = None,
    batch_size: int = 8192,
) -> Reader:
    """Open local dataset files for streaming.

    Args:
        source: A file, a directory (every data file below it, sorted by path; names starting
            with ``.`` or ``_`` and HF metadata JSON are skipped) or a list of them, read in
            that order.
        format: ``"parquet"``, ``"arrow_file"`` or ``"arrow_stream"``; ``None`` detects it per
            file from the extension, confirmed by the first bytes.
        columns: Columns to keep, in this order; ``None`` keeps all, in file order.
        batch_size: Rows per batch; the last batch may be shorter.

    Returns:
        A :class:`Reader`. The first file is opened before this returns.

    Raises:
        FileNotFoundError: A path does not exist.
        PermissionError: A path cannot be read.
        DataFormatError: A file is not valid for its format, or files differ in schema; the
            message names the file (and the row, once reading has started).
        InvalidArgumentError: ``batch_size`` is not positive, a column is missing, ``format``
            is unknown, or a directory holds no data files.
    """
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int)
        or batch_size <= 0
    ):
        raise InvalidArgumentError(
            f"batch_size: expected a positive integer, got {batch_size!r}",
            name="batch_size",
        )
    if format is not None and format not in FORMATS:
        raise InvalidArgumentError(
            f"format: unknown format {format!r}; expected one of {', '.join(FORMATS)}",
            name="format",
        )
    if isinstance(columns, str):
        raise InvalidArgumentError(
            "columns: expected a list of column names, got a single string",
            name="columns",
        )
    names = list(columns) if columns is not None else None
    return Reader(_core.open_reader(_as_paths(source), batch_size, names, format))
