"""`near_dedupe` on an HF `datasets.Dataset`: its column read through the indices mapping.

The plugin passes the prepared split itself (after exact dedupe's `select`), so the result
must be that of the rows in the dataset's own order, as `with_format("arrow")[:]` has them.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

pytest.importorskip("datasets")

import datasets

from axolotl_fast import InvalidArgumentError, near_dedupe


def ids_dataset() -> datasets.Dataset:
    rng = random.Random(2)
    rows: list[list[int]] = []
    for _ in range(300):
        if rows and rng.random() < 0.4:
            copy = list(rng.choice(rows))
            copy[rng.randrange(len(copy))] = rng.randrange(500)
            rows.append(copy)
        else:
            rows.append([rng.randrange(500) for _ in range(30)])
    return datasets.Dataset.from_dict({"input_ids": rows, "n": list(range(300))})


@pytest.mark.parametrize("mapping", ["none", "select", "shuffle", "chunks"])
def test_a_dataset_gives_the_result_of_its_rows_in_order(mapping):
    dataset = ids_dataset()
    if mapping == "select":
        dataset = dataset.select(np.arange(299, -1, -2))
    elif mapping == "shuffle":
        dataset = dataset.shuffle(seed=4)
    elif mapping == "chunks":  # a table of several chunks, read chunk by chunk
        halves = [dataset.select(range(150)), dataset.select(range(150, 300))]
        dataset = datasets.concatenate_datasets([h.flatten_indices() for h in halves])
        assert dataset.data.table.column("input_ids").num_chunks > 1
    expected = near_dedupe(dataset.with_format("arrow")[:], column="input_ids")
    result = near_dedupe(dataset, column="input_ids")
    assert expected.num_removed > 0
    assert np.array_equal(result.clusters, expected.clusters)


def test_a_missing_column_of_a_dataset_is_named():
    with pytest.raises(InvalidArgumentError, match="'text' is not one of"):
        near_dedupe(ids_dataset(), column="text")


def test_a_small_selection_of_a_big_table_gives_the_same_result():
    """Under half the table: the column is gathered instead of every row signed."""
    dataset = ids_dataset().shuffle(seed=1).select(range(100))
    expected = near_dedupe(dataset.with_format("arrow")[:], column="input_ids")
    result = near_dedupe(dataset, column="input_ids")
    assert np.array_equal(result.clusters, expected.clusters)
