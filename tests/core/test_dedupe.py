"""``axolotl_fast.dedupe`` and ``HashSet``: the rows kept, the inputs taken, the saved sets.

The reference everywhere is axolotl's rule: a row is a duplicate when ``str(row)`` of its
Python dict equals that of an earlier row. The property tests check it on random tables with
hypothesis; the parity tests (``test_dedupe_parity.py``) call axolotl's own function.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import axolotl_fast as af
from axolotl_fast import CorruptFileError, HashSet, InvalidArgumentError, dedupe
from support.profiles import examples


def reference_indices(rows: list[dict], seen: set[str] | None = None) -> list[int]:
    """axolotl's ``_deduplicate_dataset`` rule on Python rows."""
    seen = set() if seen is None else seen
    kept = []
    for index, row in enumerate(rows):
        key = str(row)
        if key not in seen:
            seen.add(key)
            kept.append(index)
    return kept


# Values of every kind a tokenized or raw SFT row holds: small pools so duplicates are common.
_ints = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from([2**62, -(2**63)]))
_floats = st.one_of(
    st.none(), st.sampled_from([0.0, -0.0, 1.5, math.inf, math.nan, 1e-300])
)
_texts = st.one_of(st.none(), st.sampled_from(["", "a", "é", "日本", "a\x00b", "'\""]))
_id_lists = st.one_of(st.none(), st.lists(_ints, max_size=4))
_messages = st.one_of(
    st.none(),
    st.lists(st.fixed_dictionaries({"role": _texts, "content": _texts}), max_size=2),
)
_row = st.fixed_dictionaries(
    {
        "ids": _id_lists,
        "score": _floats,
        "text": _texts,
        "messages": _messages,
        "n": _ints,
    }
)
_schema = pa.schema(
    [
        ("ids", pa.list_(pa.int64())),
        ("score", pa.float64()),
        ("text", pa.string()),
        (
            "messages",
            pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())])),
        ),
        ("n", pa.int64()),
    ]
)


@st.composite
def tables_with_duplicates(draw: st.DrawFn) -> pa.Table:
    """A table whose rows are drawn from a few distinct rows plus planted copies."""
    pool = draw(st.lists(_row, min_size=1, max_size=6))
    rows = draw(st.lists(st.sampled_from(pool), max_size=40))
    return pa.Table.from_pylist(rows, schema=_schema)


@st.composite
def rebatched(draw: st.DrawFn, table: pa.Table) -> pa.Table:
    """The same rows cut into random batches."""
    cuts = sorted(draw(st.sets(st.integers(0, table.num_rows), max_size=5)))
    bounds = [0, *cuts, table.num_rows]
    batches = [
        table.slice(start, end - start).combine_chunks().to_batches()
        for start, end in itertools.pairwise(bounds)
    ]
    flat = [batch for group in batches for batch in group]
    return pa.Table.from_batches(flat, schema=table.schema)


@settings(max_examples=examples(150), deadline=None)
@given(data=st.data(), table=tables_with_duplicates())
def test_dedupe_keeps_the_rows_axolotls_rule_keeps(data, table) -> None:
    expected = reference_indices(table.to_pylist())
    result = dedupe(table)
    assert result.indices.tolist() == expected
    assert result.num_duplicates == table.num_rows - len(expected)
    assert len(result.seen) == len(expected)
    threads = data.draw(st.integers(1, 4))
    again = dedupe(data.draw(rebatched(table)), num_threads=threads)
    assert again.indices.tolist() == expected


@settings(max_examples=examples(60), deadline=None)
@given(train=tables_with_duplicates(), test=tables_with_duplicates())
def test_seen_set_carries_rows_across_inputs(train, test) -> None:
    seen_keys: set[str] = set()
    reference_indices(train.to_pylist(), seen_keys)
    first = dedupe(train, hash="sha256")
    second = dedupe(test, seen=first.seen)
    assert second.indices.tolist() == reference_indices(test.to_pylist(), seen_keys)
    assert second.seen is first.seen


def test_equal_values_in_other_arrow_types_are_duplicates() -> None:
    wide = pa.table({"ids": pa.array([[1, 2]], pa.list_(pa.int64())), "t": ["x"]})
    narrow = pa.table(
        {
            "ids": pa.array([[1, 2]], pa.large_list(pa.int32())),
            "t": pa.array(["x"], pa.large_string()).dictionary_encode(),
        }
    )
    first = dedupe(wide)
    assert dedupe(narrow, seen=first.seen).num_duplicates == 1
    assert {"ids": [1, 2], "t": "x"} in first.seen
    assert {"t": "x", "ids": [1, 2]} not in first.seen, "column order is part of a row"


def test_column_subset_and_missing_column() -> None:
    table = pa.table({"a": [1, 1, 2], "b": ["x", "y", "x"]})
    assert dedupe(table, columns=["a"]).indices.tolist() == [0, 2]
    assert dedupe(table, columns=["b", "a"]).indices.tolist() == [0, 1, 2]
    with pytest.raises(
        InvalidArgumentError, match=r'no column "c"; the data has \["a", "b"\]'
    ):
        dedupe(table, columns=["c"])
    with pytest.raises(InvalidArgumentError, match="at least one column"):
        dedupe(table, columns=[])


def test_unhashable_types_and_hash_mismatch_are_clear_errors() -> None:
    decimals = pa.table({"d": pa.array([1], pa.decimal128(5, 2))})
    with pytest.raises(InvalidArgumentError, match=r"column \"d\" has type Decimal128"):
        dedupe(decimals)
    with pytest.raises(InvalidArgumentError, match=r"sha256.*seen holds xxh3_128"):
        dedupe(pa.table({"a": [1]}), hash="sha256", seen=HashSet())
    with pytest.raises(InvalidArgumentError, match="md5"):
        HashSet("md5")
    with pytest.raises(TypeError, match="got list"):
        dedupe([{"a": 1}])


@pytest.mark.parametrize(
    ("rows", "kept"),
    [([], []), ([{"a": 1}], [0]), ([{"a": 1}] * 5, [0])],
    ids=["empty", "one-row", "all-duplicates"],
)
def test_degenerate_inputs(rows, kept) -> None:
    table = pa.Table.from_pylist(rows, schema=pa.schema([("a", pa.int64())]))
    result = dedupe(table)
    assert result.indices.dtype == np.int64
    assert result.indices.tolist() == kept
    assert result.num_rows == len(rows)


def test_streams_hf_datasets_and_batches_are_taken_without_copies(tmp_path) -> None:
    import datasets

    rows = [{"a": i % 7, "b": [i % 3]} for i in range(100)]
    table = pa.Table.from_pylist(rows)
    expected = reference_indices(rows)
    path = tmp_path / "rows.parquet"
    import pyarrow.parquet as pq

    pq.write_table(table, path, row_group_size=9)
    reader = af.read(path, batch_size=10)
    assert dedupe(reader).indices.tolist() == expected
    assert dedupe(table.to_batches()[0]).indices.tolist() == expected
    shuffled = datasets.Dataset(table).select(list(range(99, -1, -1)))
    reversed_rows = rows[::-1]
    assert dedupe(shuffled).indices.tolist() == reference_indices(reversed_rows)


def test_hash_set_update_save_and_load(tmp_path) -> None:
    seen = HashSet("sha256")
    assert seen.update(pa.table({"a": [1, 2, 2]})) == 2
    assert seen.update(pa.table({"a": [2, 3]})) == 1
    path = tmp_path / "seen.axfs"
    seen.save(path)
    loaded = HashSet.load(path)
    assert (len(loaded), loaded.hash) == (3, "sha256")
    assert {"a": 3} in loaded and {"a": 4} not in loaded
    assert dedupe(pa.table({"a": [4, 1]}), seen=loaded).indices.tolist() == [0]
    assert len(seen) == 3, "loading makes an independent set"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda b: b[:-1], "truncated"),
        (lambda b: b[:10], "truncated"),
        (lambda b: b[:40] + bytes([b[40] ^ 0xFF]) + b[41:], "checksum mismatch"),
        (lambda b: b[:8] + b"\x02\x00\x00\x00" + b[12:], "format version 2"),
        (lambda b: b"PAR1" + b[4:], "not an axolotl_fast seen-set file"),
        (lambda b: b"", "not an axolotl_fast seen-set file"),
    ],
    ids=[
        "one-byte-short",
        "header-only",
        "bit-flip",
        "newer-version",
        "foreign",
        "empty",
    ],
)
def test_damaged_seen_files_raise_corrupt_file_error(tmp_path, damage, reason) -> None:
    path = tmp_path / "seen.axfs"
    seen = HashSet()
    seen.update(pa.table({"a": list(range(10))}))
    seen.save(path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(CorruptFileError, match=reason) as caught:
        HashSet.load(path)
    assert caught.value.path == str(path)


def test_missing_seen_file_is_file_not_found(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        HashSet.load(tmp_path / "nope")


def test_memory_per_distinct_row_stays_under_32_bytes() -> None:
    seen = HashSet()
    seen.update(pa.table({"a": np.arange(300_000)}))
    assert seen.nbytes <= 32 * len(seen)


@pytest.mark.parametrize(
    "int_type",
    [
        pa.int8(),
        pa.int16(),
        pa.int32(),
        pa.uint8(),
        pa.uint16(),
        pa.uint32(),
        pa.uint64(),
    ],
    ids=str,
)
def test_token_lists_of_every_integer_width_match_int64(int_type) -> None:
    values = [[1, 2, 100], [], [0], None, [5, None]]
    wide = pa.table({"ids": pa.array(values, pa.list_(pa.int64()))})
    narrow = pa.table({"ids": pa.array(values, pa.list_(int_type))})
    seen = dedupe(wide).seen
    assert dedupe(narrow, seen=seen).num_duplicates == len(values)
