"""The Arrow row passes read rows in the dataset's order and write what `map` would write.

Lengths and trainable flags through an indices mapping and across chunks (sliced ones too),
null rows refused, `filter`-like selection, `position_ids` / `length` set as a Python dict
would set them (in place when present, else appended), truncation of long rows only, and a
rewritten memory-mapped dataset that keeps the features of the columns it did not retype.
"""

from __future__ import annotations

import datasets
import numpy as np
import pyarrow as pa
import pytest
from datasets import Dataset

from axolotl_fast.hf.row_passes import (
    UnsupportedColumns,
    add_length,
    add_position_ids,
    keep_rows,
    rewritten,
    sequence_lengths,
    trainable_rows,
    truncate_lists,
)

IDS = [[1, 2, 3], [], [4], [5, 6], [7, 8, 9, 10]]
LABELS = [[-100, 2, 3], [], [-100], [-100, -100], [7, -100, -100, -100]]


def chunked_dataset() -> Dataset:
    """Two chunks, the second a slice of a larger array (offsets that do not start at 0)."""
    ids = pa.array([[0, 0], *IDS], pa.list_(pa.int32()))
    labels = pa.array([[0, 0], *LABELS], pa.list_(pa.int64()))
    chunks = [(ids.slice(1, 2), labels.slice(1, 2)), (ids.slice(3), labels.slice(3))]
    table = pa.table(
        {
            "input_ids": pa.chunked_array([c[0] for c in chunks]),
            "labels": pa.chunked_array([c[1] for c in chunks]),
        }
    )
    return Dataset(table)


def test_lengths_and_trainable_flags_follow_the_indices_mapping():
    dataset = chunked_dataset()
    assert sequence_lengths(dataset).tolist() == [3, 0, 1, 2, 4]
    assert trainable_rows(dataset).tolist() == [True, False, False, False, True]
    shuffled = dataset.shuffle(seed=1)
    order = [IDS.index(row) for row in shuffled["input_ids"]]
    assert sequence_lengths(shuffled).tolist() == [len(IDS[i]) for i in order]
    assert trainable_rows(shuffled).tolist() == [
        any(v != -100 for v in LABELS[i]) for i in order
    ]


def test_null_rows_and_null_labels_are_refused():
    null_row = Dataset(
        pa.table({"input_ids": pa.array([[1], None], pa.list_(pa.int32()))})
    )
    with pytest.raises(UnsupportedColumns, match="null row"):
        sequence_lengths(null_row)
    null_label = Dataset(
        pa.table({"labels": pa.array([[1, None]], pa.list_(pa.int64()))})
    )
    with pytest.raises(UnsupportedColumns, match="null labels"):
        trainable_rows(null_label)
    with pytest.raises(UnsupportedColumns, match="no 'labels' column"):
        trainable_rows(null_row)


def test_keep_rows_selects_in_order_and_keeps_an_untouched_dataset():
    dataset = chunked_dataset()
    assert keep_rows(dataset, np.ones(5, bool)) is dataset
    kept = keep_rows(dataset, np.array([False, True, False, True, True]))
    assert kept["input_ids"] == [IDS[1], IDS[3], IDS[4]]


def test_position_ids_and_length_are_set_as_a_dict_sets_them():
    batch = pa.table({"input_ids": pa.array(IDS, pa.list_(pa.int32()))})
    added = add_position_ids(batch)
    assert added.column_names == ["input_ids", "position_ids", "length"]
    assert added["position_ids"].to_pylist() == [list(range(len(r))) for r in IDS]
    assert added["length"].to_pylist() == [len(r) for r in IDS]
    assert added.schema.field("position_ids").type == pa.list_(pa.int64())
    with_length = add_length(batch)
    assert add_position_ids(with_length).column_names == [
        "input_ids",
        "length",
        "position_ids",
    ]


def test_truncation_cuts_only_rows_longer_than_the_limit():
    batch = pa.table(
        {
            "input_ids": pa.array([[1, 2, 3], [4]], pa.list_(pa.int32())),
            "labels": pa.array([[1, 2, 3], [4, 5, 6]], pa.list_(pa.int64())),
        }
    )
    cut = truncate_lists(2, ("input_ids", "labels", "position_ids"))(batch)
    assert cut.to_pydict() == {
        "input_ids": [[1, 2], [4]],
        "labels": [[1, 2], [4, 5, 6]],
    }


def test_rewritten_mapped_dataset_keeps_features_and_order(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf"))
    path = tmp_path / "rows.arrow"
    table = pa.table({"input_ids": pa.array(IDS * 5000, pa.list_(pa.int32()))})
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table, max_chunksize=3000)
    dataset = Dataset.from_file(str(path)).shuffle(seed=2)
    result = rewritten(dataset, "position-ids", add_position_ids)
    assert result.cache_files and "passes" in result.cache_files[0]["filename"]
    assert result["input_ids"] == dataset["input_ids"]
    assert result["length"] == [len(row) for row in dataset["input_ids"]]
    assert result.features["input_ids"] == dataset.features["input_ids"]
    assert str(result.features["length"]) == "Value('int64')"
