"""The near-dedupe stage's functions, run in process the way Ray Data chains them.

Blocks of ranked rows (some ranks dropped by exact dedupe, some blocks empty) go through
signatures, bucket keys, the shard grouping, candidates and edges, for several shard counts;
the union-find of the edges must drop exactly the rows `near_dedupe` drops on the rows left.
"""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

pytest.importorskip("ray", reason="ray[data] is not installed (axolotl_fast[ray])")

from axolotl_fast import near_dedupe
from axolotl_fast.near_dedupe import cluster_roots
from axolotl_fast.ray.near import (
    BAND,
    EARLIER,
    LATER,
    NEAR_SHARD,
    RANK,
    bucket_keys,
    candidate_rows,
    minhash_params,
    shard_edges,
    shared_buckets,
    signatures_block,
)

BLOCK = {
    "column": "input_ids",
    "ngram": 2,
    "bands": 6,
    "rows_per_band": 2,
    "num_perm": None,
    "threshold": 0.4,
    "seed": 3,
}


def ranked_rows(seed: int, rows: int = 150) -> pa.Table:
    rng = random.Random(seed)
    ids: list[list[int]] = []
    for _ in range(rows):
        if ids and rng.random() < 0.5:
            copy = list(rng.choice(ids))
            copy[rng.randrange(len(copy))] = rng.randrange(30)
            ids.append(copy)
        else:
            ids.append([rng.randrange(30) for _ in range(10)])
    return pa.table({"input_ids": ids, RANK: np.arange(rows, dtype=np.int64)})


def by_shard(tables: list[pa.Table]) -> list[pa.Table]:
    whole = pa.concat_tables([t for t in tables if len(t)])
    shards = whole.column(NEAR_SHARD).to_numpy()
    return [whole.filter(pa.array(shards == s)) for s in np.unique(shards)]


def run_stage(table: pa.Table, dropped: np.ndarray, shards: int) -> np.ndarray:
    params = minhash_params(BLOCK)
    blocks = [table.slice(a, 37) for a in range(0, len(table), 37)] + [
        table.slice(0, 0)
    ]
    signed = [signatures_block(b, dropped, "input_ids", params, 1) for b in blocks]
    keys = by_shard([bucket_keys(s, params, shards) for s in signed])
    pairs = pa.concat_tables([shared_buckets(group) for group in keys])
    codes = np.unique(pairs[RANK].to_numpy() * params.bands + pairs[BAND].to_numpy())
    candidates = by_shard([candidate_rows(s, codes, params, shards) for s in signed])
    edges = pa.concat_tables([shard_edges(group, params) for group in candidates])
    roots = cluster_roots(len(table), edges[EARLIER], edges[LATER])
    return np.flatnonzero(roots != np.arange(len(table)))


@pytest.mark.parametrize("shards", [1, 3, 16])
@pytest.mark.parametrize("seed", [0, 1])
def test_the_stage_drops_what_near_dedupe_drops_on_the_rows_left(seed, shards):
    table = ranked_rows(seed)
    dropped = np.array(sorted(random.Random(seed).sample(range(150), 20)))
    left = np.setdiff1d(np.arange(150), dropped)
    params = minhash_params(BLOCK)
    expected = near_dedupe(
        table.take(pa.array(left)), column="input_ids", **vars(params)
    )
    removed = np.setdiff1d(np.arange(len(left)), expected.indices)
    assert len(removed) > 10, "the data has near-duplicates to find"
    assert run_stage(table, dropped, shards).tolist() == left[removed].tolist()
