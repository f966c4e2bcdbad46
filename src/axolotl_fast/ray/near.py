"""The ``near_dedupe`` stage of ``prepare --ray``: the plugin's near-dedupe, spread over Ray.

It runs after exact dedupe, on the rows that survive it, with the merged-split rank as the
row number (ranks keep the rows' order, so clusters, edges and kept rows are those of
:func:`axolotl_fast.near_dedupe` on the single-machine split). Three Ray Data steps:

1. **signatures** (a map): each block's MinHash signatures of the configured column
   (:func:`~axolotl_fast.near_dedupe.minhash_signatures`), with each row's rank; materialized;
2. **buckets**: only ``(shard, band, bucket hash, rank)`` is shuffled, ``shard`` a function of
   the band and bucket hash; each shard returns the ``(band, rank)`` pairs of buckets with
   more than one row. Rows alone in their bucket in every band have no edges, and their
   signatures never move;
3. **edges**: the candidates' signatures are shuffled to the same shards, each band of a
   shard holds its buckets whole, and :func:`~axolotl_fast.near_dedupe.band_edges` finds
   their edges.

The edges (one pair per near-duplicate found) come back to the driver, whose union-find
(:func:`~axolotl_fast.near_dedupe.cluster_roots`, in Rust) gives the ranks to drop: every
row that is not the first of its cluster.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pyarrow as pa

from axolotl_fast.near_dedupe import (
    MinHashParams,
    band_edges,
    bucket_hashes,
    cluster_roots,
    minhash_signatures,
)
from axolotl_fast.ray.stages import RANK, resolved

__all__ = ["near_duplicate_ranks"]

SIGNATURE, BAND, BUCKET = "__af_signature", "__af_band", "__af_bucket"
NEAR_SHARD, EARLIER, LATER = "__af_near_shard", "__af_earlier", "__af_later"
# Mixes the band into the bucket hash, so a band's buckets spread over every shard.
_BAND_MIX = np.uint64(0x9E3779B97F4A7C15)


def near_duplicate_ranks(
    passed: Any,
    dropped: np.ndarray,
    block: dict,
    shards: int,
    ranks: int,
    threads: int,
) -> np.ndarray:
    """The ranks the near-dedupe of ``passed`` (less the ``dropped`` ranks) drops, sorted.

    Args:
        passed: The Ray dataset of prepared rows (with ``__af_rank``).
        dropped: The ranks exact dedupe dropped, sorted.
        block: The ``near_dedupe:`` settings (``NearDedupeConfig.model_dump()``).
        shards: How many shards the buckets are shuffled to.
        ranks: The number of ranks (every rank is below it).
        threads: The core's threads per task.
    """
    import ray

    params = minhash_params(block)
    signed = passed.map_batches(
        signatures_block,
        batch_format="pyarrow",
        batch_size=None,
        fn_kwargs={
            "dropped": ray.put(dropped),
            "column": block["column"],
            "params": params,
            "threads": threads,
        },
    ).materialize()
    keys = signed.map_batches(
        bucket_keys,
        batch_format="pyarrow",
        batch_size=None,
        fn_kwargs={"params": params, "shards": shards},
    )
    pairs = _collect(
        keys.groupby(NEAR_SHARD).map_groups(shared_buckets, batch_format="pyarrow")
    )
    if not len(pairs):
        return np.empty(0, dtype=np.int64)
    codes = np.unique(pairs[RANK].to_numpy() * params.bands + pairs[BAND].to_numpy())
    candidates = signed.map_batches(
        candidate_rows,
        batch_format="pyarrow",
        batch_size=None,
        fn_kwargs={"codes": ray.put(codes), "params": params, "shards": shards},
    )
    edges = _collect(
        candidates.groupby(NEAR_SHARD).map_groups(
            shard_edges, batch_format="pyarrow", fn_kwargs={"params": params}
        )
    )
    if not len(edges):
        return np.empty(0, dtype=np.int64)
    roots = cluster_roots(ranks, edges[EARLIER].to_numpy(), edges[LATER].to_numpy())
    return np.flatnonzero(roots != np.arange(ranks)).astype(np.int64)


def minhash_params(block: dict) -> MinHashParams:
    """The :class:`MinHashParams` of a ``near_dedupe:`` block's settings (a plain dict)."""
    from axolotl_fast.integration.args import NearDedupeConfig

    return NearDedupeConfig.model_validate(block).minhash_params()


def signatures_block(
    block: pa.Table, dropped: Any, column: str, params: MinHashParams, threads: int
) -> pa.Table:
    """The ranks and signatures of a block's rows that exact dedupe kept (nulls left out)."""
    os.environ["AXOLOTL_FAST_NUM_THREADS"] = str(threads)
    if len(block) == 0:  # a block whose rows were all dropped by the passes
        return _empty_signatures(params)
    rank = block.column(RANK).to_numpy()
    dropped = resolved(dropped)
    if len(dropped):
        block = block.filter(pa.array(~np.isin(rank, dropped, assume_unique=True)))
    signatures = minhash_signatures(block, column=column, params=params)
    valid = signatures.is_valid()
    return pa.table({RANK: block.column(RANK), SIGNATURE: signatures}).filter(valid)


def bucket_keys(block: pa.Table, params: MinHashParams, shards: int) -> pa.Table:
    """One row per (row, band): the shard, band, bucket hash and rank."""
    hashes = bucket_hashes(block.column(SIGNATURE).combine_chunks(), params)
    rank = block.column(RANK).to_numpy()
    band = np.tile(np.arange(params.bands, dtype=np.int64), len(rank))
    bucket = hashes.reshape(-1)
    return pa.table(
        {
            NEAR_SHARD: _shard_of(bucket, band, shards),
            BAND: band,
            BUCKET: bucket,
            RANK: np.repeat(rank, params.bands),
        }
    )


def shared_buckets(group: pa.Table) -> pa.Table:
    """The ``(band, rank)`` pairs of one shard's buckets that hold more than one row."""
    band = group.column(BAND).to_numpy()
    bucket = group.column(BUCKET).to_numpy()
    keys = np.stack([band.astype(np.uint64), bucket], axis=1)
    _, inverse, counts = np.unique(
        keys, axis=0, return_inverse=True, return_counts=True
    )
    shared = counts[inverse.reshape(-1)] > 1
    return pa.table({BAND: band[shared], RANK: group.column(RANK).to_numpy()[shared]})


def candidate_rows(
    block: pa.Table, codes: Any, params: MinHashParams, shards: int
) -> pa.Table:
    """One row per (row, band) in a shared bucket: the shard, band, rank and signature."""
    codes = resolved(codes)
    rank = block.column(RANK).to_numpy()
    band = np.tile(np.arange(params.bands, dtype=np.int64), len(rank))
    row = np.repeat(np.arange(len(rank)), params.bands)
    wanted = np.isin(rank[row] * params.bands + band, codes, assume_unique=False)
    signatures = block.column(SIGNATURE).combine_chunks()
    hashes = bucket_hashes(signatures, params).reshape(-1)
    picked = pa.array(row[wanted])
    return pa.table(
        {
            NEAR_SHARD: _shard_of(hashes[wanted], band[wanted], shards),
            BAND: band[wanted],
            RANK: rank[row[wanted]],
            SIGNATURE: signatures.take(picked),
        }
    )


def shard_edges(group: pa.Table, params: MinHashParams) -> pa.Table:
    """The edges of every band of one shard (each band's rows in rank order)."""
    earlier, later = [], []
    ordered = group.sort_by([(BAND, "ascending"), (RANK, "ascending")])
    bands = ordered.column(BAND).to_numpy()
    for band in np.unique(bands):
        rows = ordered.filter(pa.array(bands == band))
        found = band_edges(
            rows.column(RANK).to_numpy(),
            rows.column(SIGNATURE).combine_chunks(),
            int(band),
            params,
        )
        earlier.append(found[0])
        later.append(found[1])
    return pa.table(
        {
            EARLIER: np.concatenate(earlier) if earlier else np.empty(0, np.int64),
            LATER: np.concatenate(later) if later else np.empty(0, np.int64),
        }
    )


def _shard_of(bucket: np.ndarray, band: np.ndarray, shards: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        mixed = bucket ^ (band.astype(np.uint64) * _BAND_MIX)
    return (mixed % np.uint64(shards)).astype(np.int64)


def _empty_signatures(params: MinHashParams) -> pa.Table:
    width = params.core_args()[1]
    return pa.table(
        {
            RANK: pa.array([], pa.int64()),
            SIGNATURE: pa.array([], pa.list_(pa.uint32(), width)),
        }
    )


def _collect(dataset: Any) -> pa.Table | dict:
    """Every row of a small Ray dataset, as one table (an empty dict when none)."""
    batches = dataset.iter_batches(batch_format="pyarrow", batch_size=None)
    parts = [table for table in batches if len(table)]
    return pa.concat_tables(parts) if parts else {}
