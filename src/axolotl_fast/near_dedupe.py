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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from axolotl_fast import _core
from axolotl_fast.errors import InvalidArgumentError

__all__ = ["NearDedupeResult", "near_dedupe", "s_curve"]


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
        data: A ``pyarrow.Table`` or ``RecordBatch``, or anything ``pyarrow.table`` takes
            (``__arrow_c_stream__``: a reader, a polars frame). For an HF ``Dataset``, pass
            ``dataset.with_format("arrow")[:]``.
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
    array = _column(data, column)
    roots = _core.near_duplicates(
        array,
        ngram,
        num_perm if num_perm is not None else bands * rows_per_band,
        bands,
        rows_per_band,
        float(threshold),
        seed,
        num_threads,
    )
    clusters = np.asarray(roots.to_numpy(zero_copy_only=False), dtype=np.int64)
    indices = np.flatnonzero(clusters == np.arange(len(clusters))).astype(np.int64)
    return NearDedupeResult(
        indices, clusters, len(clusters), int(len(clusters) - len(indices))
    )


def s_curve(
    similarity: np.ndarray, bands: int = 14, rows_per_band: int = 8
) -> np.ndarray:
    """The chance that a pair of this Jaccard similarity shares a band: ``1-(1-s^r)^b``."""
    return 1.0 - (1.0 - np.asarray(similarity, dtype=float) ** rows_per_band) ** bands


def _column(data: Any, column: str) -> pa.Array:
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    elif not isinstance(data, pa.Table):
        try:
            data = pa.table(data)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"expected a pyarrow Table or Arrow stream, got {type(data).__name__}"
            ) from err
    if column not in data.column_names:
        raise InvalidArgumentError.for_value(
            "column", f"{column!r} is not one of {data.column_names}"
        )
    chunked = data.column(column)
    if chunked.num_chunks == 0:
        return pa.array([], chunked.type)
    return chunked.combine_chunks()
