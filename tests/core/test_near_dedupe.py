"""`axolotl_fast.near_dedupe`: planted near-duplicates found, the first kept, deterministic."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axolotl_fast import InvalidArgumentError, near_dedupe
from axolotl_fast.near_dedupe import s_curve


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(f"w{rng.randrange(20_000)}" for _ in range(words))


def edited(text: str, rng: random.Random, changes: int) -> str:
    words = text.split()
    for _ in range(changes):
        words[rng.randrange(len(words))] = f"x{rng.randrange(20_000)}"
    return " ".join(words)


def planted(seed: int = 0) -> tuple[list[str], set[int]]:
    """60 unrelated rows; 20 of them copied later with 1 word in 100 changed."""
    rng = random.Random(seed)
    rows = [sentence(rng, 200) for _ in range(60)]
    copies = set()
    for source in rng.sample(range(60), 20):
        copies.add(len(rows))
        rows.append(edited(rows[source], rng, 2))
    return rows, copies


def test_planted_near_duplicates_are_removed_and_the_first_is_kept():
    rows, copies = planted()
    result = near_dedupe(pa.table({"text": rows}))
    assert result.num_rows == 80 and result.num_removed == 20
    assert set(range(80)) - set(result.indices.tolist()) == copies
    for row in copies:
        root = result.clusters[row]
        assert root < row and result.clusters[root] == root


def test_case_spacing_and_punctuation_changes_are_near_duplicates():
    text = "The quick brown fox jumps over the lazy dog near the river bank today"
    variant = (
        "the QUICK brown fox, jumps over  the lazy dog... near the river bank today!"
    )
    other = "A completely different sentence about reading Arrow files in Rust quickly"
    result = near_dedupe(pa.table({"text": [text, other, variant]}), ngram=3)
    assert result.indices.tolist() == [0, 1]


def test_token_ids_nulls_and_empty_rows():
    ids = [list(range(100)), None, list(range(100)), [], list(range(500, 600))]
    table = pa.table({"input_ids": pa.array(ids, pa.list_(pa.int32()))})
    result = near_dedupe(table, column="input_ids")
    assert result.clusters.tolist() == [0, 1, 0, 3, 4]
    texts = pa.table({"text": ["", None, "", "a b"]})
    assert near_dedupe(texts).num_removed == 0, "rows without words are never removed"


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1000), chunks=st.integers(1, 7))
def test_threads_and_batching_do_not_change_the_result(seed, chunks):
    rows, _ = planted(seed)
    whole = near_dedupe(pa.table({"text": rows}), num_threads=1)
    bounds = np.linspace(0, len(rows), chunks + 1, dtype=int)
    batches = [
        pa.record_batch({"text": rows[a:b]}) for a, b in itertools.pairwise(bounds)
    ]
    split = near_dedupe(pa.Table.from_batches(batches), num_threads=2)
    assert np.array_equal(whole.clusters, split.clusters)
    assert np.array_equal(whole.indices, split.indices)


def test_the_s_curve_passes_one_half_near_its_threshold():
    assert s_curve(np.array([0.685]))[0] == pytest.approx(0.5, abs=0.01)
    assert s_curve(np.array([0.3]))[0] < 0.01 and s_curve(np.array([0.95]))[0] > 0.99


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"column": "missing"}, "missing"),
        ({"column": "n"}, "expected a string column"),
        ({"bands": 20, "rows_per_band": 8, "num_perm": 112}, "bands"),
        ({"threshold": 1.5}, "threshold"),
        ({"ngram": 0}, "ngram"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    table = pa.table({"text": ["a b c"], "n": [1]})
    with pytest.raises(InvalidArgumentError, match=message):
        near_dedupe(table, **kwargs)


def test_token_ids_of_any_width_list_type_or_slice_give_the_same_clusters():
    rows, _ = planted(3)
    ids = [[int(word[1:]) % 30_000 for word in row.split()] for row in rows]
    reference = near_dedupe(
        pa.table({"ids": pa.array(ids, pa.list_(pa.int64()))}), column="ids"
    )
    assert reference.num_removed == 20
    for list_type in (
        pa.list_(pa.int32()),
        pa.large_list(pa.int32()),
        pa.list_(pa.int16()),
        pa.large_list(pa.uint32()),
    ):
        table = pa.table({"ids": pa.array(ids, list_type)})
        result = near_dedupe(table, column="ids")
        assert np.array_equal(result.clusters, reference.clusters), list_type
    padded = pa.array([[1, 2, 3], *ids], pa.list_(pa.int32())).slice(1)
    sliced = near_dedupe(pa.table({"ids": padded}), column="ids")
    assert np.array_equal(sliced.clusters, reference.clusters)


def test_a_null_token_id_is_named_by_its_row():
    table = pa.table({"ids": pa.array([[1, 2], [3, None]], pa.list_(pa.int32()))})
    with pytest.raises(InvalidArgumentError, match="row 1 has a null token id"):
        near_dedupe(table, column="ids")
