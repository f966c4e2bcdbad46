"""The steps of `near_dedupe` for a distributed run: signatures, bucket routing, edges, roots.

Checked against an independent reference (a union-find written here, Jaccard estimates
recomputed from the signatures) and against `near_dedupe` itself when buckets are grouped
as the Ray stage groups them.
"""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axolotl_fast import InvalidArgumentError, near_dedupe
from axolotl_fast.near_dedupe import (
    MinHashParams,
    band_edges,
    bucket_hashes,
    cluster_roots,
    minhash_signatures,
)

# Small bands and a low threshold: many candidates, chains and clusters of several rows.
PARAMS = MinHashParams(ngram=2, bands=8, rows_per_band=2, threshold=0.3, seed=5)


def corpus(seed: int, rows: int = 120) -> list[str | None]:
    """Rows from a small vocabulary, many of them edited copies of earlier ones."""
    rng = random.Random(seed)
    texts: list[str | None] = []
    for _ in range(rows):
        if texts and rng.random() < 0.5:
            words = (rng.choice([t for t in texts if t] or ["a b"])).split()
            for _ in range(rng.randint(0, 4)):
                words[rng.randrange(len(words))] = f"v{rng.randrange(40)}"
            texts.append(" ".join(words))
        elif rng.random() < 0.05:
            texts.append(rng.choice([None, ""]))
        else:
            texts.append(" ".join(f"v{rng.randrange(40)}" for _ in range(12)))
    return texts


def all_edges(signatures: pa.FixedSizeListArray, params: MinHashParams) -> set:
    rows = np.flatnonzero(signatures.is_valid().to_numpy(zero_copy_only=False))
    valid = signatures.take(pa.array(rows))
    edges = set()
    for band in range(params.bands):
        earlier, later = band_edges(rows, valid, band, params)
        edges |= set(zip(earlier.tolist(), later.tolist(), strict=True))
    return edges


def reference_roots(num_rows: int, edges: set) -> list[int]:
    """A union-find written independently: each set named by its lowest row."""
    parent = list(range(num_rows))

    def find(row: int) -> int:
        while parent[row] != row:
            row = parent[row]
        return row

    for a, b in sorted(edges):
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    return [find(row) for row in range(num_rows)]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_clusters_equal_a_reference_union_find_on_the_same_edges(seed):
    table = pa.table({"text": corpus(seed)})
    signatures = minhash_signatures(table, params=PARAMS, num_threads=1)
    edges = all_edges(signatures, PARAMS)
    result = near_dedupe(table, **PARAMS.__dict__)
    assert result.clusters.tolist() == reference_roots(table.num_rows, edges)
    earlier, later = zip(*edges, strict=True) if edges else ((), ())
    roots = cluster_roots(table.num_rows, list(earlier), list(later))
    assert roots.tolist() == result.clusters.tolist()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_a_removed_row_always_has_a_kept_near_duplicate(seed):
    table = pa.table({"text": corpus(seed)})
    result = near_dedupe(table, **PARAMS.__dict__)
    signatures = minhash_signatures(table, params=PARAMS).to_pylist()
    joined = defaultdict(set)
    for a, b in all_edges(minhash_signatures(table, params=PARAMS), PARAMS):
        joined[a].add(b)
        joined[b].add(a)
    kept = set(result.indices.tolist())
    for row in set(range(table.num_rows)) - kept:
        root = result.clusters[row]
        assert root < row and root in kept
        estimates = [
            np.mean(np.equal(signatures[row], signatures[other]))
            for other in joined[row]
        ]
        assert estimates and max(estimates) >= PARAMS.threshold


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), groups=st.integers(1, 9))
def test_edges_of_buckets_grouped_by_hash_equal_the_edges_of_all_rows(seed, groups):
    """As on Ray: each (band, bucket hash) goes to one of `groups` groups; collisions merge
    buckets, which `band_edges` tells apart by their values."""
    table = pa.table({"text": corpus(seed)})
    signatures = minhash_signatures(table, params=PARAMS, num_threads=2)
    hashes = bucket_hashes(signatures, PARAMS)
    valid = np.flatnonzero(signatures.is_valid().to_numpy(zero_copy_only=False))
    grouped = set()
    for band in range(PARAMS.bands):
        group_of_row = hashes[valid, band] % np.uint64(groups)
        for group in range(groups):
            rows = valid[group_of_row == group]
            earlier, later = band_edges(
                rows, signatures.take(pa.array(rows)), band, PARAMS
            )
            grouped |= set(zip(earlier.tolist(), later.tolist(), strict=True))
    assert grouped == all_edges(signatures, PARAMS)


def test_bucket_hashes_are_equal_for_equal_band_values():
    rows = ["a b c d e f g h", "a b c d e f g h", "something else entirely here"]
    signatures = minhash_signatures(pa.table({"text": rows}), params=PARAMS)
    hashes = bucket_hashes(signatures, PARAMS)
    assert hashes.shape == (3, PARAMS.bands) and hashes.dtype == np.uint64
    assert np.array_equal(hashes[0], hashes[1])
    assert not np.array_equal(hashes[0], hashes[2])


def test_signatures_are_null_for_rows_without_shingles():
    table = pa.table({"ids": pa.array([[1, 2, 3], None, []], pa.list_(pa.int64()))})
    signatures = minhash_signatures(table, column="ids", params=PARAMS)
    assert signatures.type == pa.list_(pa.uint32(), PARAMS.bands * PARAMS.rows_per_band)
    assert signatures.is_valid().to_pylist() == [True, False, False]


def test_step_arguments_are_checked():
    signatures = minhash_signatures(pa.table({"text": ["a b", "c d"]}), params=PARAMS)
    with pytest.raises(InvalidArgumentError, match="ascending"):
        band_edges(np.array([1, 0]), signatures, 0, PARAMS)
    with pytest.raises(InvalidArgumentError, match="signatures"):
        band_edges(np.array([0]), signatures, 0, PARAMS)
    with pytest.raises(InvalidArgumentError, match="bands"):
        band_edges(np.array([0, 1]), signatures, PARAMS.bands, PARAMS)
    with pytest.raises(InvalidArgumentError, match="out of range"):
        cluster_roots(2, [0], [5])
