"""``axolotl_fast.dedupe.row_keys``: the 16-byte key of every row, as dedupe and HashSet use it.

Keys are what a cluster shuffles instead of rows (issue 17), so they must be the very keys
:func:`dedupe` keeps first occurrences of and a :class:`HashSet` holds: equal rows, equal
keys, whatever the batching, the thread count or the Arrow types; the first occurrence of
each key is exactly what :func:`dedupe` keeps; an HF ``Dataset`` gives its keys in its
indices mapping's order.
"""

from __future__ import annotations

import datasets
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_dedupe import rebatched, tables_with_duplicates

from axolotl_fast import HashSet, InvalidArgumentError, dedupe
from axolotl_fast.dedupe import row_keys
from support.profiles import examples


def first_occurrences(keys: pa.FixedSizeBinaryArray) -> list[int]:
    seen: dict[bytes, int] = {}
    for index, key in enumerate(keys.to_pylist()):
        seen.setdefault(key, index)
    return sorted(seen.values())


@settings(max_examples=examples(100), deadline=None)
@given(
    data=st.data(),
    table=tables_with_duplicates(),
    hash=st.sampled_from(["xxh3_128", "sha256"]),
)
def test_first_occurrences_of_keys_are_what_dedupe_keeps(data, table, hash) -> None:
    keys = row_keys(table, hash=hash)
    assert keys.type == pa.binary(16) and len(keys) == table.num_rows
    assert first_occurrences(keys) == dedupe(table, hash=hash).indices.tolist()
    threads = data.draw(st.integers(1, 4))
    again = row_keys(data.draw(rebatched(table)), hash=hash, num_threads=threads)
    assert again.equals(keys)


def test_a_hash_set_holds_exactly_the_keys_of_its_rows() -> None:
    table = pa.table({"text": ["a", "b", "a", "c"], "n": [1, 2, 1, 3]})
    seen = HashSet()
    seen.update(table)
    assert all(key in seen for key in row_keys(table).to_pylist())
    other = row_keys(pa.table({"text": ["a"], "n": [2]})).to_pylist()[0]
    assert other not in seen
    assert (
        row_keys(table, columns=["text"]).to_pylist()[0] != row_keys(table)[0].as_py()
    )


def test_equal_values_in_other_arrow_types_have_equal_keys() -> None:
    narrow = pa.table({"n": pa.array([1, 2], pa.int32()), "s": ["x", "y"]})
    wide = pa.table(
        {
            "n": pa.array([1, 2], pa.int64()),
            "s": pa.array(["x", "y"], pa.large_string()),
        }
    )
    assert row_keys(narrow).equals(row_keys(wide))


def test_hf_datasets_give_keys_in_their_own_order() -> None:
    table = pa.table({"a": [i % 5 for i in range(20)]})
    reversed_rows = datasets.Dataset(table).select(list(range(19, -1, -1)))
    expected = row_keys(pa.table({"a": [i % 5 for i in range(19, -1, -1)]}))
    assert row_keys(reversed_rows).equals(expected)


def test_empty_input_and_bad_arguments() -> None:
    empty = row_keys(pa.table({"a": pa.array([], pa.int64())}))
    assert len(empty) == 0 and empty.type == pa.binary(16)
    with pytest.raises(InvalidArgumentError, match="hash"):
        row_keys(pa.table({"a": [1]}), hash="md5")
    with pytest.raises(InvalidArgumentError, match="columns"):
        row_keys(pa.table({"a": [1]}), columns=[])
    with pytest.raises(InvalidArgumentError):
        row_keys(pa.table({"a": [1]}), columns=["missing"])
