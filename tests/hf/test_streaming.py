"""`iterable_dataset` against HF's `load_dataset(..., streaming=True)` on the same files.

Same rows in the same order, same features, same shards (so `.shuffle` and `.shard` pick the
same rows), and disjoint per-rank / per-worker shards whose union is the dataset.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

datasets = pytest.importorskip("datasets")
pytest.importorskip("axolotl")

from datasets.distributed import split_dataset_by_node  # noqa: E402

from axolotl_fast.hf.plan import (  # noqa: E402
    LoaderFallback,
    plan_entry,
    plan_streaming_source,
)
from axolotl_fast.hf.streaming import iterable_dataset  # noqa: E402


def source(path, data_files=None, split="train", name=None):
    from axolotl.utils.dict import DictDefault

    return DictDefault(
        {"path": str(path), "data_files": data_files, "split": split, "name": name}
    )


def hf_stream(path, data_files=None, split="train"):
    return datasets.load_dataset(
        str(path), streaming=True, split=split, data_files=data_files
    )


def ours(path, data_files=None, split="train"):
    return iterable_dataset(plan_streaming_source(source(path, data_files, split)))


def rows(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "text": f"row {i} é" * (i % 5 + 1),
            "id": i,
            "score": i / 7,
            "messages": [{"role": "user", "content": f"q{i}"}],
        }
        for i in range(start, start + n)
    ]


def write_jsonl(path: Path, records: list[dict], compress: bool = False) -> Path:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.fixture
def jsonl_dir(tmp_path) -> Path:
    directory = tmp_path / "jsonl"
    directory.mkdir()
    write_jsonl(directory / "part-1.jsonl", rows(40, 0))
    write_jsonl(directory / "part-2.jsonl.gz", rows(25, 40), compress=True)
    write_jsonl(directory / "part-10.jsonl", rows(35, 65))
    return directory


@pytest.fixture
def parquet_file(tmp_path) -> Path:
    path = tmp_path / "data.parquet"
    pq.write_table(pa.Table.from_pylist(rows(100)), path, row_group_size=30)
    return path


def test_directory_streams_like_hf(jsonl_dir):
    mine, theirs = ours(jsonl_dir), hf_stream(jsonl_dir)
    assert mine.n_shards == theirs.n_shards == 3
    assert mine.features == theirs.features
    assert list(mine) == list(theirs)
    assert len(list(mine)) == 100


def test_builder_name_with_data_files(jsonl_dir):
    files = [str(jsonl_dir / "part-10.jsonl"), str(jsonl_dir / "part-1.jsonl")]
    mine, theirs = ours("json", files), hf_stream("json", files)
    assert list(mine) == list(theirs)
    assert [r["id"] for r in mine][:2] == [65, 66]  # data_files order, not sorted


def test_shuffle_picks_the_same_order(jsonl_dir):
    mine = ours(jsonl_dir).shuffle(seed=7, buffer_size=16)
    theirs = hf_stream(jsonl_dir).shuffle(seed=7, buffer_size=16)
    assert [r["id"] for r in mine] == [r["id"] for r in theirs]
    assert sorted(r["id"] for r in mine) == list(range(100))


@pytest.mark.parametrize("world", [2, 3])
def test_ranks_read_disjoint_files_covering_the_data(jsonl_dir, world):
    dataset = ours(jsonl_dir)
    per_rank = [
        [r["id"] for r in split_dataset_by_node(dataset, rank=rank, world_size=world)]
        for rank in range(world)
    ]
    flat = [i for ids in per_rank for i in ids]
    assert sorted(flat) == list(range(100))
    assert len(flat) == len(set(flat))
    theirs = hf_stream(jsonl_dir)
    for rank in range(world):
        reference = split_dataset_by_node(theirs, rank=rank, world_size=world)
        assert per_rank[rank] == [r["id"] for r in reference]


def test_shard_by_file_is_what_accelerate_calls(jsonl_dir):
    dataset = ours(jsonl_dir)
    parts = [[r["id"] for r in dataset.shard(num_shards=3, index=i)] for i in range(3)]
    # HF's file order: part-1, part-10, part-2
    assert parts == [list(range(40)), list(range(65, 100)), list(range(40, 65))]


def test_parquet_reshards_by_row_group_like_hf(tmp_path, parquet_file):
    mine = ours("parquet", str(parquet_file))
    theirs = hf_stream("parquet", str(parquet_file))
    assert mine.features == theirs.features
    assert list(mine) == list(theirs)
    mine, theirs = mine.reshard(), theirs.reshard()
    assert mine.n_shards == theirs.n_shards == 4
    for index in range(4):
        part = [r["id"] for r in mine.shard(num_shards=4, index=index)]
        assert part == list(range(index * 30, min(100, index * 30 + 30)))
    assert list(mine.shuffle(seed=3, buffer_size=10)) == list(
        theirs.shuffle(seed=3, buffer_size=10)
    )


def test_dataloader_workers_each_read_their_own_files(jsonl_dir):
    import torch.utils.data

    loader = torch.utils.data.DataLoader(
        ours(jsonl_dir).select_columns(["id"]), batch_size=None, num_workers=2
    )
    ids = [int(r["id"]) for r in loader]
    assert sorted(ids) == list(range(100))


def test_text_lines_split_at_lone_carriage_returns_like_hf(tmp_path):
    directory = tmp_path / "text"
    directory.mkdir()
    (directory / "a.txt").write_bytes(b"a\r\nb\rc\n\rd\r\r\ne\r")
    (directory / "b.txt").write_bytes(b"x\n\ny\n\xc3\xa9\r\n")
    mine, theirs = ours(directory), hf_stream(directory)
    assert list(mine) == list(theirs)
    assert [r["text"] for r in mine][:7] == ["a", "b", "c", "", "d", "", "e"]


def test_split_files_are_picked_as_hf_picks_them(tmp_path):
    directory = tmp_path / "splits"
    directory.mkdir()
    write_jsonl(directory / "train.jsonl", rows(5))
    write_jsonl(directory / "test.jsonl", rows(3, 100))
    for split in ("train", "test"):
        assert list(ours(directory, split=split)) == list(
            hf_stream(directory, split=split)
        )


def test_standard_entry_plans_stream_too(jsonl_dir):
    from axolotl.utils.dict import DictDefault

    entry = DictDefault({"path": str(jsonl_dir / "part-1.jsonl"), "type": "alpaca"})
    dataset = iterable_dataset(plan_entry(entry, "train"))
    assert [r["id"] for r in dataset] == list(range(40))


@pytest.mark.parametrize(
    ("make_source", "reason"),
    [
        (lambda d: source(d / "part-1.jsonl"), "not a builder name"),
        (lambda d: source("json"), "without data_files"),
        (lambda d: source(d, name="default"), "name"),
        (lambda d: source("hub-user/dataset"), "not a builder name"),
        (lambda d: source(d, data_files="part-1.jsonl"), "data_files inside"),
    ],
)
def test_sources_left_to_axolotl(jsonl_dir, make_source, reason):
    with pytest.raises(LoaderFallback, match=reason):
        plan_streaming_source(make_source(jsonl_dir))


def test_json_array_and_saved_dirs_are_left_to_axolotl(tmp_path):
    array = tmp_path / "array.json"
    array.write_text(json.dumps(rows(3)))
    with pytest.raises(LoaderFallback, match="JSON array"):
        ours("json", str(array))
    saved = tmp_path / "saved"
    datasets.Dataset.from_list(rows(3)).save_to_disk(str(saved))
    with pytest.raises(LoaderFallback, match="save_to_disk"):
        plan_streaming_source(source(saved))


def test_malformed_line_raises_a_typed_error_while_streaming(tmp_path):
    from axolotl_fast import DataFormatError

    directory = tmp_path / "bad"
    directory.mkdir()
    good = json.dumps(rows(1)[0])
    (directory / "a.jsonl").write_text(f"{good}\n")
    (directory / "b.jsonl").write_text(f"{good}\n{good}\n{{not json\n")
    dataset = ours(directory)  # the first file decides the features
    with pytest.raises(DataFormatError, match=r"b\.jsonl, line 3"):
        list(dataset)
