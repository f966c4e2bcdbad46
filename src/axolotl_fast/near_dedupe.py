"""Near-duplicate removal: :func:`near_dedupe`, MinHash + LSH in Rust.

Exact dedupe keeps rows that differ by a changed name, some whitespace or a trailing
sentence. :func:`near_dedupe` finds such rows from MinHash signatures of their shingles
(word n-grams of normalized text, or n-grams of token ids), bands them (LSH), confirms each
candidate pair by its Jaccard estimate and joins the confirmed pairs into clusters with a
union-find. Each cluster keeps its first row, in dataset order. The result is the same for
any thread count.

The defaults are datatrove's: word 5-grams, 14 bands of 8 values (112 permutations). A pair
of Jaccard similarity ``s`` shares a band with probability ``1 - (1 - s**8) ** 14``
(:func:`s_curve`), which passes 1/2 at ``s = 0.685`` (the usual estimate ``(1/14) ** (1/8)``
is 0.72): pairs well above it are almost always candidates, pairs well below almost never.
``threshold`` (0.7) then drops candidates whose estimated similarity is below it.

The three steps are also public, for a run spread over workers (the Ray stage,
:mod:`axolotl_fast.ray.near`): :func:`minhash_signatures` per block of rows,
:func:`bucket_hashes` to route each (band, bucket) to one group, :func:`band_edges` per
group and :func:`cluster_roots` over all the edges. A bucket's edges depend only on its own
rows, so any grouping that keeps buckets whole finds the edges (and the clusters) of
:func:`near_dedupe` on all rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from axolotl_fast import _core
from axolotl_fast.dedupe import _hf_order, _is_hf_dataset
from axolotl_fast.errors import InvalidArgumentError

__all__ = [
    "MinHashParams",
    "NearDedupeResult",
    "band_edges",
    "bucket_hashes",
    "cluster_roots",
    "minhash_signatures",
    "near_dedupe",
    "s_curve",
]


@dataclass(frozen=True)
class MinHashParams:
    """The parameters of a near-duplicate search (see :func:`near_dedupe`)."""

    ngram: int = 5
    bands: int = 14
    rows_per_band: int = 8
    num_perm: int | None = None
    threshold: float = 0.7
    seed: int = 1

    def core_args(self) -> tuple[int, int, int, int, float, int]:
        """``(ngram, num_perm, bands, rows_per_band, threshold, seed)`` for ``_core``."""
        num_perm = (
            self.num_perm
            if self.num_perm is not None
            else self.bands * self.rows_per_band
        )
        return (
            self.ngram,
            num_perm,
            self.bands,
            self.rows_per_band,
            float(self.threshold),
            self.seed,
        )


@dataclass(frozen=True)
class NearDedupeResult:
    """What :func:`near_dedupe` kept.

    Attributes:
        indices: The kept rows, ascending (``int64``; for ``Table.take`` or
            ``Dataset.select``): the first row of every cluster.
        clusters: For every row, the first row of its cluster (itself when kept).
        num_rows: The number of input rows.
        num_removed: The rows dropped as near-duplicates of an earlier row.
    """

    indices: np.ndarray
    clusters: np.ndarray
    num_rows: int
    num_removed: int


def near_dedupe(
    data: Any,
    *,
    column: str = "text",
    ngram: int = 5,
    bands: int = 14,
    rows_per_band: int = 8,
    num_perm: int | None = None,
    threshold: float = 0.7,
    seed: int = 1,
    num_threads: int | None = None,
) -> NearDedupeResult:
    """Find clusters of near-duplicate rows and keep the first row of each.

    Args:
        data: A ``pyarrow.Table`` or ``RecordBatch``, an HF ``datasets.Dataset`` (its
            column read from the underlying table through the indices mapping, without
            formatting), or anything ``pyarrow.table`` takes (``__arrow_c_stream__``: a
            reader, a polars frame).
        column: A string column (word n-grams of its normalized text: lowercase, anything
            not alphanumeric separates words) or a list-of-integers column (n-grams of token
            ids, e.g. ``input_ids``). Null rows and rows with no words are never removed.
        ngram: Words (or tokens) per shingle; shorter rows are one shingle.
        bands: LSH bands.
        rows_per_band: Signature values per band.
        num_perm: Signature length (default ``bands * rows_per_band``).
        threshold: The Jaccard estimate a candidate pair needs to be joined.
        seed: Seed of the shingle hash and the permutations.
        num_threads: Threads; by default ``AXOLOTL_FAST_NUM_THREADS`` or the CPUs.

    Returns:
        The kept indices, each row's cluster and the counts.

    Raises:
        InvalidArgumentError: A missing column, a column of another type, or a parameter
            out of range.
    """
    params = MinHashParams(ngram, bands, rows_per_band, num_perm, threshold, seed)
    if _is_hf_dataset(data) and _mostly_whole(data):
        signatures = _dataset_signatures(data, column, params, num_threads)
        roots = _core.minhash_clusters(
            signatures, bands, rows_per_band, float(threshold), num_threads
        )
    else:
        array = _column(data, column)
        roots = _core.near_duplicates(array, *params.core_args(), num_threads)
    return result_of_roots(_int64s(roots))


def _mostly_whole(dataset: Any) -> bool:
    """Whether an HF dataset holds at least half its table's rows (through its mapping)."""
    return 2 * len(dataset) >= dataset.data.table.num_rows


def _dataset_signatures(
    dataset: Any, column: str, params: MinHashParams, num_threads: int | None
) -> pa.FixedSizeListArray:
    """The signatures of an HF dataset's rows, in its order.

    They are made chunk by chunk from its (memory-mapped) table, so the ids are never
    copied; only the signatures are put in the indices mapping's order.
    """
    table = dataset.data.table
    if column not in table.column_names:
        raise InvalidArgumentError.for_value(
            "column", f"{column!r} is not one of {table.column_names}"
        )
    chunks = [
        _core.minhash_signatures(chunk, *params.core_args(), num_threads)
        for chunk in table.column(column).chunks
    ]
    if not chunks:
        chunks = [_core.minhash_signatures(_column(table, column), *params.core_args())]
    signatures = pa.chunked_array(chunks).combine_chunks()
    order = _hf_order(dataset)
    return signatures if order is None else signatures.take(order)


def result_of_roots(clusters: np.ndarray) -> NearDedupeResult:
    """The :class:`NearDedupeResult` of every row's cluster root."""
    indices = np.flatnonzero(clusters == np.arange(len(clusters))).astype(np.int64)
    return NearDedupeResult(
        indices, clusters, len(clusters), int(len(clusters) - len(indices))
    )


def minhash_signatures(
    data: Any,
    *,
    column: str = "text",
    params: MinHashParams = MinHashParams(),
    num_threads: int | None = None,
) -> pa.FixedSizeListArray:
    """Every row's signature: ``num_perm`` ``uint32`` values, null for a row without shingles.

    ``data`` and ``column`` as in :func:`near_dedupe`.
    """
    array = _column(data, column)
    return _core.minhash_signatures(array, *params.core_args(), num_threads)


def bucket_hashes(
    signatures: pa.FixedSizeListArray, params: MinHashParams = MinHashParams()
) -> np.ndarray:
    """A ``(rows, bands)`` ``uint64`` hash of each band's values, to route buckets.

    Equal band values hash equally; unequal ones rarely do, and :func:`band_edges` tells
    them apart by their values, so a collision only merges two groups. Rows without a
    signature get 0 (callers leave them out: they have no edges).
    """
    num_perm = params.core_args()[1]
    width = params.bands * params.rows_per_band
    values = _signature_matrix(signatures, num_perm)[:, :width].astype(np.uint64)
    values = values.reshape(len(values), params.bands, params.rows_per_band)
    odd = (np.arange(params.rows_per_band, dtype=np.uint64) * 2 + 1) * np.uint64(
        0x9E3779B97F4A7C15
    )
    with np.errstate(over="ignore"):
        return (values * odd).sum(axis=2, dtype=np.uint64) ^ (values[:, :, 0] >> 7)


def band_edges(
    rows: np.ndarray,
    signatures: pa.FixedSizeListArray,
    band: int,
    params: MinHashParams = MinHashParams(),
) -> tuple[np.ndarray, np.ndarray]:
    """The ``(earlier, later)`` near-duplicate edges of one band among ``rows``.

    ``rows`` are strictly ascending row numbers and ``signatures`` theirs. The edges equal
    those :func:`near_dedupe` finds in this band whenever ``rows`` holds every row of each
    bucket it touches.
    """
    _, _, _, rows_per_band, threshold, _ = params.core_args()
    earlier, later = _core.minhash_band_edges(
        pa.array(np.asarray(rows, dtype=np.int64)),
        signatures,
        band,
        rows_per_band,
        threshold,
    )
    return _int64s(earlier), _int64s(later)


def cluster_roots(num_rows: int, earlier: Any, later: Any) -> np.ndarray:
    """For rows ``0..num_rows``, the lowest row the edges join each to (itself if none)."""
    roots = _core.cluster_roots(
        num_rows,
        pa.array(np.asarray(earlier, dtype=np.int64)),
        pa.array(np.asarray(later, dtype=np.int64)),
    )
    return _int64s(roots)


def s_curve(
    similarity: np.ndarray, bands: int = 14, rows_per_band: int = 8
) -> np.ndarray:
    """The chance that a pair of this Jaccard similarity shares a band: ``1-(1-s^r)^b``."""
    return 1.0 - (1.0 - np.asarray(similarity, dtype=float) ** rows_per_band) ** bands


def _column(data: Any, column: str) -> pa.Array:
    if _is_hf_dataset(data):
        names, chunked = data.data.table.column_names, None
        if (
            column in names
        ):  # the underlying table's column, through the indices mapping
            chunked = data.data.table.column(column)
            order = _hf_order(data)
            chunked = chunked if order is None else chunked.take(order)
    else:
        table = _table(data)
        names = table.column_names
        chunked = table.column(column) if column in names else None
    if chunked is None:
        raise InvalidArgumentError.for_value(
            "column", f"{column!r} is not one of {names}"
        )
    if chunked.num_chunks == 0:
        return pa.array([], chunked.type)
    return chunked.combine_chunks()


def _table(data: Any) -> pa.Table:
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        return data
    try:
        return pa.table(data)
    except (TypeError, ValueError) as err:
        raise TypeError(
            "expected a pyarrow Table, an Arrow stream or a datasets.Dataset, got "
            f"{type(data).__name__}"
        ) from err


def _int64s(array: pa.Array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.int64)


def _signature_matrix(signatures: pa.FixedSizeListArray, num_perm: int) -> np.ndarray:
    """The signatures as a ``(rows, num_perm)`` ``uint32`` matrix.

    A null row's values are whatever its slot holds: callers leave null rows out.
    """
    if isinstance(signatures, pa.ChunkedArray):
        signatures = signatures.combine_chunks()
    start = signatures.offset * num_perm
    values = signatures.values.slice(start, len(signatures) * num_perm)
    return values.to_numpy().reshape(len(signatures), num_perm)
