"""Whole-dataset passes over tokenized rows, computed on the Arrow columns of a ``Dataset``.

What ``datasets.Dataset.filter`` / ``map`` do one Python row (or batch of Python lists) at a
time, here as column arithmetic, in the dataset's row order (through its indices mapping):

* :func:`sequence_lengths` and :func:`trainable_rows`: per-row ``len(input_ids)`` and "has a
  label other than -100", read from the list offsets and values without a Python list;
* :func:`keep_rows`: the rows where a mask holds, as ``filter`` returns them (the same table
  under an indices mapping);
* :func:`rewritten`: a new dataset whose batches are the old ones passed through a function
  of Arrow tables, streamed into a memory-mapped cache file
  (:func:`~axolotl_fast.hf.arrow_cache.mapped_tables`), as ``map`` writes its cache file;
  :func:`truncate_lists`, :func:`add_length` and :func:`add_position_ids` are such functions.

Columns with null rows are refused with :class:`UnsupportedColumns`: a ``None`` row makes
Python's ``len`` fail where these would count zero, so the caller leaves such data to the
Python passes. Nothing here knows about axolotl; the integration decides when a pass applies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from axolotl_fast.hf.arrow_cache import mapped_tables

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = [
    "UnsupportedColumns",
    "add_length",
    "add_position_ids",
    "keep_rows",
    "rewritten",
    "sequence_lengths",
    "trainable_rows",
    "truncate_lists",
]

IGNORE_INDEX = -100
# Rows per batch when a pass rewrites the dataset (HF's default writer batch size is 1,000).
BATCH_ROWS = 10_000


class UnsupportedColumns(ValueError):
    """A column these passes cannot read as Python's ``len`` / iteration would."""


def sequence_lengths(dataset: Dataset, column: str = "input_ids") -> np.ndarray:
    """``len(row[column])`` for every row, in the dataset's order (int64)."""
    lengths = [
        pc.list_value_length(chunk).to_numpy(zero_copy_only=False)
        for chunk in _list_chunks(dataset, column)
    ]
    return _in_dataset_order(dataset, _concatenated(lengths))


def trainable_rows(dataset: Dataset, column: str = "labels") -> np.ndarray:
    """``any(v != -100 for v in row[column])`` for every row, in the dataset's order."""
    flags = []
    for chunk in _list_chunks(dataset, column):
        if chunk.values.null_count:  # None != -100 counts as trainable in Python
            raise UnsupportedColumns(f"{column!r} holds null labels")
        offsets = chunk.offsets.to_numpy()
        trainable = chunk.values.to_numpy(zero_copy_only=False) != IGNORE_INDEX
        running = np.concatenate(([0], np.cumsum(trainable, dtype=np.int64)))
        flags.append(running[offsets[1:]] > running[offsets[:-1]])
    return _in_dataset_order(dataset, _concatenated(flags, dtype=bool))


def keep_rows(dataset: Dataset, keep: np.ndarray) -> Dataset:
    """The rows where ``keep`` holds, in order (``filter``'s result: an indices mapping)."""
    if keep.all():
        return dataset
    return dataset.select(np.flatnonzero(keep))


def rewritten(
    dataset: Dataset, key: str, rewrite: Callable[[pa.Table], pa.Table]
) -> Dataset:
    """``dataset`` with every batch replaced by ``rewrite(batch)``.

    The batches are read in the dataset's order (its indices mapping applied) and rewritten.
    As ``map`` does, a dataset with cache files gets its result in a cache file
    (``<cache_root>/passes/<key>-<fingerprint>/data.arrow``, streamed and memory-mapped; a
    rerun on the same rows replaces it), an in-memory one in memory; a column that keeps its
    Arrow type keeps its feature, a new or retyped one gets its Arrow type's feature.
    """
    from datasets import Dataset, Features
    from datasets.table import InMemoryTable

    batches = _arrow_batches(dataset)
    first = rewrite(next(batches, dataset.with_format("arrow")[:0]))
    tables = _chained(first, (rewrite(batch) for batch in batches))
    if dataset.cache_files:
        name = f"{key}-{dataset._fingerprint}"
        table = mapped_tables("passes", name, first.schema, tables)
    else:
        table = InMemoryTable(pa.concat_tables(list(tables)))
    features = Features.from_arrow_schema(first.schema)
    old_schema = dataset.data.schema
    for name in features:
        if name in dataset.features and old_schema.field(name).type == (
            first.schema.field(name).type
        ):
            features[name] = dataset.features[name]
    info = dataset.info.copy()
    info.features = features
    return Dataset(table, info=info, split=dataset.split)


def truncate_lists(
    max_len: int, columns: tuple[str, ...]
) -> Callable[[pa.Table], pa.Table]:
    """Rows longer than ``max_len`` ids: each of ``columns`` cut to its first ``max_len``."""

    def truncate(batch: pa.Table) -> pa.Table:
        too_long = pc.greater(pc.list_value_length(batch["input_ids"]), max_len)
        for name in columns:
            if name in batch.column_names:
                cut = pc.list_slice(batch[name], 0, max_len)
                batch = _set_column(batch, name, pc.if_else(too_long, cut, batch[name]))
        return batch

    return truncate


def add_length(batch: pa.Table) -> pa.Table:
    """``length = len(input_ids)`` (int64), replacing a ``length`` column in place."""
    return _set_column(batch, "length", pa.array(_lengths(batch)))


def add_position_ids(batch: pa.Table) -> pa.Table:
    """``position_ids = list(range(len(input_ids)))`` (int64 lists) and ``length``.

    As axolotl's ``add_position_ids`` sets them: a column already there is replaced where it
    stands, a new one goes after the others (``position_ids`` first).
    """
    lengths = _lengths(batch)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    if offsets[-1] >= 2**31:
        raise UnsupportedColumns("over 2**31 positions in one batch")
    starts = np.repeat(offsets[:-1], lengths)
    positions = np.arange(offsets[-1], dtype=np.int64) - starts
    position_ids = pa.ListArray.from_arrays(
        pa.array(offsets.astype(np.int32)), pa.array(positions)
    )
    batch = _set_column(batch, "position_ids", position_ids)
    return _set_column(batch, "length", pa.array(lengths))


def _lengths(batch: pa.Table) -> np.ndarray:
    lengths = pc.list_value_length(batch["input_ids"])
    return lengths.to_numpy(zero_copy_only=False).astype(np.int64)


def _set_column(batch: pa.Table, name: str, column: pa.Array) -> pa.Table:
    """``batch[name] = column`` as a Python dict would: in place, else at the end."""
    if name in batch.column_names:
        return batch.set_column(batch.schema.get_field_index(name), name, column)
    return batch.append_column(name, column)


def _list_chunks(dataset: Dataset, column: str) -> list[pa.Array]:
    """The column's chunks in the underlying table, refused if any row is null."""
    if column not in dataset.column_names:
        raise UnsupportedColumns(f"no {column!r} column")
    values = dataset.data.table.column(column)
    if not (pa.types.is_list(values.type) or pa.types.is_large_list(values.type)):
        raise UnsupportedColumns(f"{column!r} is {values.type}, not a list")
    if values.null_count:
        raise UnsupportedColumns(f"{column!r} has {values.null_count} null row(s)")
    return values.chunks


def _in_dataset_order(dataset: Dataset, per_table_row: np.ndarray) -> np.ndarray:
    """Per-row values of the underlying table, read through the indices mapping."""
    if dataset._indices is None:
        return per_table_row
    indices = dataset._indices.column(0).to_numpy(zero_copy_only=False)
    return per_table_row[indices]


def _concatenated(parts: list[np.ndarray], dtype: type = np.int64) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


def _arrow_batches(dataset: Dataset) -> Iterator[pa.Table]:
    arrow = dataset.with_format("arrow")
    for start in range(0, len(dataset), BATCH_ROWS):
        yield arrow[start : start + BATCH_ROWS]


def _chained(first: pa.Table, rest: Iterator[pa.Table]) -> Iterator[pa.Table]:
    yield first
    yield from rest
