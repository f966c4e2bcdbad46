"""The pieces of ``prepare`` that need no cluster: ranks, key shards, kept sets, the manifest."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from axolotl_fast.dedupe import HashSet, row_keys
from axolotl_fast.errors import InvalidArgumentError
from axolotl_fast.ray.order import MergeOrder, merged_ranks
from axolotl_fast.ray.seen import SeenStore, shard_of_keys

datasets = pytest.importorskip("datasets")


def merged_by_hf(entry_rows: list[int], order: MergeOrder) -> list[int]:
    """What axolotl's ``merge_datasets`` does to row ids, run on HF datasets."""
    from datasets import Dataset, concatenate_datasets

    start, parts = 0, []
    for rows in entry_rows:
        parts.append(Dataset.from_dict({"id": list(range(start, start + rows))}))
        start += rows
    if len(parts) == 1:
        if order.curriculum or not order.shuffle_merged:
            return parts[0]["id"]
        return parts[0].shuffle(seed=order.seed)["id"]
    if order.shuffle_each:
        parts = [part.shuffle(seed=order.seed) for part in parts]
    merged = concatenate_datasets(parts)
    if order.shuffle_merged:
        merged = merged.shuffle(seed=order.seed)
    return merged["id"]


@pytest.mark.parametrize("entry_rows", [[0], [1], [57], [30, 0, 41], [5, 5, 5, 5]])
@pytest.mark.parametrize(
    "order",
    [
        MergeOrder(seed=42, shuffle_merged=True),
        MergeOrder(seed=42, shuffle_merged=False),
        MergeOrder(seed=7, shuffle_merged=True, shuffle_each=True),
        MergeOrder(seed=7, shuffle_merged=False, shuffle_each=True),
        MergeOrder(seed=3, shuffle_merged=True, curriculum=True),
    ],
)
def test_ranks_reproduce_axolotls_merge(entry_rows, order):
    ranks = merged_ranks(entry_rows, order)
    rebuilt = np.empty(len(ranks), dtype=np.int64)
    rebuilt[ranks] = np.arange(len(ranks))
    assert rebuilt.tolist() == merged_by_hf(entry_rows, order)


def keys_of(values: list[int]) -> pa.Array:
    return row_keys(pa.table({"v": values}))


def test_key_shards_route_by_the_keys_low_bytes():
    keys = keys_of(list(range(200)))
    shards = shard_of_keys(keys, 7)
    low = [int.from_bytes(k.as_py()[:8], "little") % 7 for k in keys]
    assert shards.tolist() == low
    assert set(shards.tolist()) == set(range(7))
    assert shard_of_keys(keys.slice(10, 5), 7).tolist() == low[10:15]


def test_insert_keys_keeps_first_positions_and_refuses_other_types():
    seen = HashSet()
    assert seen.insert_keys(keys_of([1, 2, 1, 3])).tolist() == [0, 1, 3]
    assert seen.insert_keys(keys_of([3, 4])).tolist() == [1]
    assert len(seen) == 4
    with pytest.raises(InvalidArgumentError, match="fixed_size_binary"):
        seen.insert_keys(pa.array([b"x" * 16]))


def test_kept_sets_change_only_when_a_run_commits(tmp_path):
    root = tmp_path / "seen"
    first = SeenStore(str(root), 4, "run1")
    first.check()
    kept = first.load(2)
    kept.insert_keys(keys_of([1, 2]))
    first.stage(2, kept)
    assert len(SeenStore(str(root), 4, "run2").load(2)) == 0, "staged, not committed"
    assert first.commit() == 1
    assert len(SeenStore(str(root), 4, "run2").load(2)) == 2
    failed = SeenStore(str(root), 4, "run3")
    again = failed.load(2)
    again.insert_keys(keys_of([9]))
    failed.stage(2, again)
    failed.discard()
    assert len(SeenStore(str(root), 4, "run4").load(2)) == 2
    with pytest.raises(InvalidArgumentError, match="made with 4 shards"):
        SeenStore(str(root), 5, "run5").check()
    assert json.loads((root / "seen.json").read_text())["shards"] == 4


def test_the_written_dataset_loads_with_load_from_disk(tmp_path):
    from datasets import load_from_disk

    from axolotl_fast.ray.output import OutputDir

    output = OutputDir(str(tmp_path / "prepared" / "abc"), "r1")
    output.begin()
    table = pa.table({"input_ids": [[1, 2], [3]], "length": [2, 1]})
    written = [
        output.write_shard(1, 2, table.slice(1)),
        output.write_shard(0, 2, table.slice(0, 1)),
    ]
    assert not output.exists()
    output.finish(written, None, "train")
    assert output.exists() and not output.staging.exists()
    loaded = load_from_disk(str(tmp_path / "prepared" / "abc"))
    assert loaded.to_dict() == {"input_ids": [[1, 2], [3]], "length": [2, 1]}
    assert str(loaded.split) == "train"
