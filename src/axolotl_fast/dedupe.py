"""Exact deduplication of Arrow rows: :func:`dedupe` and :class:`HashSet`.

Rows are hashed in Rust, in parallel, from their Arrow buffers: no row becomes a Python
object. Each row's values (over the chosen columns) are encoded canonically and hashed to a
16-byte key, ``xxh3_128`` by default or ``sha256`` truncated to 128 bits. Equal values give
equal keys whatever their Arrow types (``int32`` or ``int64``, ``string`` or ``large_string``,
dictionary or plain, any batching); values of different kinds never match. That is the
equality of Python's ``repr`` of the row, which axolotl's ``dataset_exact_deduplication``
hashes, so both keep the same rows (``docs/index.md`` lists the exceptions). The first
occurrence of a row is kept; the result does not depend on the thread count.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from axolotl_fast import _core
from axolotl_fast.errors import InvalidArgumentError

__all__ = ["HASHES", "DedupeResult", "HashSet", "dedupe", "row_keys"]

HASHES = ("xxh3_128", "sha256")
DEFAULT_HASH = "xxh3_128"
# Batches handed to Rust at once when reading a stream (bounds memory, keeps threads busy).
_STREAM_GROUP_BYTES = 64 << 20


class HashSet:
    """A set of row keys: the rows seen so far, to dedupe new data against.

    Args:
        hash: ``"xxh3_128"`` (default) or ``"sha256"``. Keys of different hashes never mix.

    ``len(s)`` is the number of distinct rows; ``row in s`` takes a row as a mapping of column
    to value (in column order, as the data was hashed) or a 16-byte key. Save a set with
    :meth:`save` and load it with :meth:`HashSet.load`, for example to dedupe a new shard
    against everything seen before, or eval against train.
    """

    __slots__ = ("_core",)

    def __init__(self, hash: str = DEFAULT_HASH) -> None:
        self._core = _core.HashSet(hash)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> HashSet:
        """Load a set written by :meth:`save`.

        Raises:
            FileNotFoundError: No such file.
            CorruptFileError: The file is truncated, damaged, of a newer format or not a
                saved set; the message says which check failed.
        """
        return cls._wrap(_core.HashSet.load(os.fspath(path)))

    @classmethod
    def _wrap(cls, core: Any) -> HashSet:
        instance = cls.__new__(cls)
        instance._core = core
        return instance

    @property
    def hash(self) -> str:
        """The hash the keys were made with."""
        return self._core.hash

    @property
    def nbytes(self) -> int:
        """The memory the set holds, in bytes (at most 32 per key once past a few keys)."""
        return self._core.nbytes

    def __len__(self) -> int:
        return len(self._core)

    def __contains__(self, row: object) -> bool:
        if isinstance(row, bytes | bytearray | memoryview):
            return self._core.contains_key(bytes(row))
        if isinstance(row, Mapping):
            table = pa.Table.from_pylist([dict(row)])
            return bool(self._core.contains_rows(table.to_batches())[0].as_py())
        raise TypeError(
            f"expected a row mapping or a 16-byte key, got {type(row).__name__}"
        )

    def __repr__(self) -> str:
        return f"HashSet(hash={self.hash!r}, len={len(self)})"

    def update(self, data: Any, *, columns: Sequence[str] | None = None) -> int:
        """Add the rows of ``data`` (as :func:`dedupe` takes it); return how many were new."""
        return len(_insert(self, data, columns, None))

    def insert_keys(self, keys: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Add 16-byte keys (as :func:`row_keys` gives them) in order.

        Returns:
            The positions in ``keys`` of the keys not in the set before, ascending (a key
            repeated within ``keys`` counts once, at its first position).

        Raises:
            InvalidArgumentError: ``keys`` is not a ``fixed_size_binary(16)`` array without
                nulls.
        """
        if isinstance(keys, pa.ChunkedArray):
            keys = (
                keys.combine_chunks()
                if keys.num_chunks
                else pa.array([], pa.binary(16))
            )
        return _as_numpy(self._core.insert_new_keys(keys))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the set to ``path`` (versioned, checksummed, written atomically)."""
        self._core.save(os.fspath(path))

    def copy(self) -> HashSet:
        """An independent copy."""
        return self._wrap(self._core.copy())


@dataclass(frozen=True)
class DedupeResult:
    """What :func:`dedupe` kept.

    Attributes:
        indices: The kept row indices, ascending, as a numpy ``int64`` array (for
            ``Dataset.select`` or ``Table.take``).
        num_rows: The number of input rows.
        num_duplicates: The number of rows dropped (seen earlier in the input or in ``seen``).
        seen: The set of keys after this input (the ``seen`` passed in, updated in place).
    """

    indices: np.ndarray
    num_rows: int
    num_duplicates: int
    seen: HashSet


def dedupe(
    data: Any,
    *,
    columns: Sequence[str] | None = None,
    hash: str | None = None,
    seen: HashSet | None = None,
    num_threads: int | None = None,
) -> DedupeResult:
    """Find the first occurrence of every distinct row.

    Args:
        data: A ``pyarrow.Table`` or ``RecordBatch``, an HF ``datasets.Dataset`` (read through
            its Arrow table and indices mapping, without copying), or anything with
            ``__arrow_c_stream__`` (an :func:`axolotl_fast.read` reader, a polars frame), which
            is consumed batch by batch, so it may be larger than memory.
        columns: The columns that make a row, in order; all of them by default.
        hash: ``"xxh3_128"`` or ``"sha256"``; by default ``seen``'s hash, else ``xxh3_128``.
        seen: Rows seen before (e.g. the train set when deduping eval). Updated in place.
        num_threads: Hashing threads; by default ``AXOLOTL_FAST_NUM_THREADS`` or the CPUs.

    Returns:
        The kept indices, the counts and the updated set.

    Raises:
        InvalidArgumentError: A missing column, a column type that cannot be hashed, an
            unknown hash, or a ``seen`` set made with a different hash.
        TypeError: ``data`` is none of the accepted kinds.
    """
    if seen is None:
        seen = HashSet(hash or DEFAULT_HASH)
    elif hash is not None and hash != seen.hash:
        raise InvalidArgumentError.for_value(
            "hash",
            f"{hash!r}, but seen holds {seen.hash} keys; "
            "keys of different hashes never match",
        )
    if columns is not None and len(columns) == 0:
        raise InvalidArgumentError.for_value("columns", "name at least one column")
    source = _RowBatches.of(data)
    indices = _as_numpy(_insert(seen, source, columns, num_threads))
    num_rows = source.rows_seen
    return DedupeResult(indices, num_rows, num_rows - len(indices), seen)


def row_keys(
    data: Any,
    *,
    columns: Sequence[str] | None = None,
    hash: str = DEFAULT_HASH,
    num_threads: int | None = None,
) -> pa.FixedSizeBinaryArray:
    """The 16-byte key of every row, in row order, without deduplicating.

    The key is the one :func:`dedupe` and :class:`HashSet` use for the row: equal rows have
    equal keys, and ``key in seen`` (the ``bytes`` of one value) asks a :class:`HashSet`
    made with the same ``hash``. Keys let rows be deduplicated elsewhere, e.g. shuffled by
    key across the workers of a cluster while the rows stay put.

    Args:
        data: As for :func:`dedupe` (an HF ``Dataset`` in its indices mapping's order).
        columns: The columns that make a row, in order; all of them by default.
        hash: ``"xxh3_128"`` (default) or ``"sha256"``.
        num_threads: Hashing threads; by default ``AXOLOTL_FAST_NUM_THREADS`` or the CPUs.

    Returns:
        A ``fixed_size_binary(16)`` array, one key per row.

    Raises:
        InvalidArgumentError: A missing column, a column type that cannot be hashed, or
            an unknown hash.
        TypeError: ``data`` is none of the accepted kinds.
    """
    if columns is not None and len(columns) == 0:
        raise InvalidArgumentError.for_value("columns", "name at least one column")
    names = list(columns) if columns is not None else None
    parts = []
    for batches, order in _RowBatches.of(data).groups():
        keys = _core.row_keys(batches, names, hash, num_threads)
        parts.append(keys.take(order) if order is not None else keys)
    if not parts:
        return pa.array([], pa.binary(16))
    return pa.concat_arrays(parts) if len(parts) > 1 else parts[0]


def _insert(
    seen: HashSet, data: Any, columns: Sequence[str] | None, num_threads: int | None
) -> pa.Array:
    source = data if isinstance(data, _RowBatches) else _RowBatches.of(data)
    names = list(columns) if columns is not None else None
    parts = []
    for batches, order in source.groups():
        parts.append(
            seen._core.insert_new(
                batches, names, order, source.rows_seen, num_threads=num_threads
            )
        )
        source.rows_seen += len(order) if order is not None else _rows(batches)
    if not parts:
        return pa.array([], pa.int64())
    return pa.concat_arrays(parts) if len(parts) > 1 else parts[0]


def _as_numpy(kept: pa.Array) -> np.ndarray:
    """A view of an ``int64`` array without nulls (``Array.to_numpy`` would import pandas)."""
    data = kept.buffers()[1]
    if data is None:
        return np.empty(0, dtype=np.int64)
    return np.frombuffer(data, dtype=np.int64, count=len(kept), offset=kept.offset * 8)


class _RowBatches:
    """``data`` as groups of record batches (plus an optional indices mapping)."""

    def __init__(
        self,
        batches: Iterator[pa.RecordBatch] | list[pa.RecordBatch],
        order: pa.Array | None = None,
        whole: bool = True,
    ) -> None:
        self.batches = batches
        self.order = order
        self.whole = whole
        self.rows_seen = 0

    @classmethod
    def of(cls, data: Any) -> _RowBatches:
        if isinstance(data, pa.Table):
            return cls(data.to_batches())
        if isinstance(data, pa.RecordBatch):
            return cls([data])
        if _is_hf_dataset(data):
            return cls(data.data.table.to_batches(), _hf_order(data))
        if hasattr(data, "__arrow_c_stream__"):
            return cls(iter(pa.RecordBatchReader.from_stream(data)), whole=False)
        raise TypeError(
            "dedupe takes a pyarrow Table or RecordBatch, a datasets.Dataset or an object "
            f"with __arrow_c_stream__; got {type(data).__name__}"
        )

    def groups(self) -> Iterator[tuple[list[pa.RecordBatch], pa.Array | None]]:
        if self.whole:
            yield list(self.batches), self.order
            return
        group: list[pa.RecordBatch] = []
        size = 0
        for batch in self.batches:
            group.append(batch)
            size += batch.nbytes
            if size >= _STREAM_GROUP_BYTES:
                yield group, None
                group, size = [], 0
        if group:
            yield group, None


def _rows(batches: list[pa.RecordBatch]) -> int:
    return sum(batch.num_rows for batch in batches)


def _is_hf_dataset(data: Any) -> bool:
    return type(data).__module__.startswith("datasets.") and hasattr(data, "_indices")


def _hf_order(dataset: Any) -> pa.Array | None:
    """The indices mapping of an HF ``Dataset`` (set by ``select``/``shuffle``), if any."""
    indices = dataset._indices
    if indices is None:
        return None
    column = indices.table.column(0) if hasattr(indices, "table") else indices.column(0)
    return column.combine_chunks().cast(pa.uint64())
