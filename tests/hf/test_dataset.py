"""Reading one dataset entry: ours against axolotl's `load_dataset_with_config` as oracle.

For each kind of local entry, `read_entry(plan_entry(...))` must give the dataset axolotl's
loader gives (after axolotl's split selection): same columns, features and rows. Entries the
loader cannot reproduce must raise `LoaderFallback` with a reason.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

pytest.importorskip("axolotl")

import datasets
from axolotl.utils.data.shared import load_dataset_with_config
from axolotl.utils.dict import DictDefault

from axolotl_fast.hf.dataset import read_entry
from axolotl_fast.hf.plan import LoaderFallback, builder_for, plan_entry

CHAT = [
    {
        "id": i,
        "messages": [
            {"role": "user", "content": f"question {i} — naïve?"},
            {"role": "assistant", "content": "" if i % 4 == 0 else f"answer {i}"},
        ],
        "score": i / 3,
        "day": f"2024-01-{i % 28 + 1:02d}",
        "note": None if i % 3 else "x",
    }
    for i in range(50)
]


@pytest.fixture(autouse=True)
def hf_cache(tmp_path, monkeypatch):
    """A fresh HF datasets cache per test, so the oracle really reads the files."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf"))


def entry(path, **extra) -> DictDefault:
    return DictDefault({"path": str(path), "type": "alpaca", **extra})


def axolotl_reads(ds_cfg: DictDefault, load_split: str = "train") -> datasets.Dataset:
    """What axolotl's `_load_and_process_single_dataset` has before sharding."""
    dataset = load_dataset_with_config(ds_cfg, False)
    if isinstance(dataset, datasets.DatasetDict):
        name = ds_cfg.split if ds_cfg.split in dataset else load_split
        dataset = dataset[name]
    return dataset


def assert_reads_like_axolotl(ds_cfg: DictDefault, load_split: str = "train"):
    ours = read_entry(plan_entry(ds_cfg, load_split))
    theirs = axolotl_reads(ds_cfg, load_split)
    assert len(theirs) > 0
    assert ours.column_names == theirs.column_names
    assert ours.features == theirs.features
    assert ours.to_dict() == theirs.to_dict()
    return ours


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def test_parquet_file(tiny_kit):
    assert_reads_like_axolotl(entry(tiny_kit.parquet))


def compress(name: str, body: bytes) -> bytes:
    import bz2
    import lzma

    if name.endswith(".gz"):
        return gzip.compress(body)
    if name.endswith(".bz2"):
        return bz2.compress(body)
    if name.endswith(".xz"):
        return lzma.compress(body)
    if name.endswith(".zst"):
        zstandard = pytest.importorskip("zstandard")
        return zstandard.ZstdCompressor().compress(body)
    return body


@pytest.mark.parametrize(
    "name",
    [
        "chat.jsonl",
        "chat.json",
        "chat.data",  # no ds_type and no known extension: axolotl picks json
        "chat.jsonl.gz",
        "chat.jsonl.bz2",
        "chat.jsonl.xz",
        "chat.jsonl.zst",
    ],
)
def test_json_lines_with_nested_messages(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(
        compress(name, "".join(json.dumps(r) + "\n" for r in CHAT).encode())
    )
    ours = assert_reads_like_axolotl(entry(path))
    assert ours.features["day"] == datasets.Value("timestamp[s]")


def test_json_array_with_bom(tmp_path):
    path = tmp_path / "chat.json"
    rows = [{k: v for k, v in row.items() if k != "score"} for row in CHAT]
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(rows).encode())
    assert_reads_like_axolotl(entry(path, ds_type="json"))


def test_json_array_with_floats_rounds_them_as_hf(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(CHAT))
    # HF re-encodes JSON arrays with pandas' ujson, which keeps 10 decimals.
    assert assert_reads_like_axolotl(entry(path))["score"][1] == 0.3333333333


def test_text_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"first line\r\nsecond\n\n  spaced  \nlast without newline")
    ours = assert_reads_like_axolotl(entry(path))
    assert ours["text"][2] == ""


@pytest.mark.parametrize("kind", ["file", "stream"])
def test_arrow_ipc(tmp_path, tiny_kit, kind):
    table = pq.read_table(tiny_kit.parquet)
    path = tmp_path / "alpaca.arrow"
    if kind == "file":
        feather.write_feather(table, path, compression="uncompressed")
    else:
        with (
            pa.OSFile(str(path), "wb") as sink,
            pa.ipc.new_stream(sink, table.schema) as w,
        ):
            w.write_table(table)
    assert_reads_like_axolotl(entry(path))


def test_save_to_disk_dataset_keeps_features_and_format(tmp_path):
    saved = tmp_path / "saved"
    dataset = datasets.Dataset.from_list(CHAT).class_encode_column("note")
    dataset.with_format("numpy", columns=["id"]).save_to_disk(str(saved))
    ours = assert_reads_like_axolotl(entry(saved))
    assert isinstance(ours.features["note"], datasets.ClassLabel)
    assert ours.format["type"] == "numpy" and ours.format["columns"] == ["id"]


@pytest.mark.parametrize(
    ("split", "load_split", "rows"), [(None, "test", 10), ("x", "train", 40)]
)
def test_save_to_disk_dataset_dict_split_selection(tmp_path, split, load_split, rows):
    saved = tmp_path / "dict"
    whole = datasets.Dataset.from_list(CHAT)
    datasets.DatasetDict(
        {"train": whole.select(range(40)), "test": whole.select(range(40, 50))}
    ).save_to_disk(str(saved))
    ours = assert_reads_like_axolotl(entry(saved, split=split), load_split)
    assert len(ours) == rows


def test_directory_with_split_files_and_test_split(tmp_path):
    directory = tmp_path / "splits"
    directory.mkdir()
    write_jsonl(directory / "train.jsonl", CHAT[:30])
    write_jsonl(directory / "test.jsonl", CHAT[30:])
    ours = assert_reads_like_axolotl(entry(directory), load_split="test")
    assert ours["id"] == list(range(30, 50))


def test_directory_with_data_files_dict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # data_files resolve against the working directory
    write_jsonl(tmp_path / "a.jsonl", CHAT[:20])
    write_jsonl(tmp_path / "b.jsonl", CHAT[20:])
    files = {"train": ["b.jsonl", "a.jsonl"], "validation": "a.jsonl"}
    ours = assert_reads_like_axolotl(entry(tmp_path, data_files=files, split="train"))
    assert ours["id"][:2] == [20, 21]


def test_objects_with_differing_keys_are_json_as_in_hf_but_not_streamed(tmp_path):
    from axolotl_fast.hf.streaming import iterable_dataset

    rows = [{"meta": {"a": 1}}, {"meta": {"b": "x"}}]
    path = write_jsonl(tmp_path / "mixed.jsonl", rows)
    ours = assert_reads_like_axolotl(entry(path))
    assert isinstance(ours.features["meta"], datasets.Json)
    with pytest.raises(LoaderFallback, match="differing keys at meta"):
        iterable_dataset(plan_entry(entry(path), "train"))


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("strings.json", b'["a", "b"]', "array of non-objects"),
        ("spaced.json", b'  [{"a": 1}]', "array after whitespace"),
        ("broken.parquet", b"not parquet at all", "the Rust reader refused it"),
        ("old-mac.txt", b"line one\rline two\n", "carriage returns inside lines"),
    ],
)
def test_files_read_differently_by_hf_fall_back(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoaderFallback, match=reason):
        read_entry(plan_entry(entry(path), "train"))


@pytest.mark.parametrize(
    ("make", "extra", "reason"),
    [
        (lambda d: d / "x.jsonl", {"split": "test"}, "no 'test' split"),
        (lambda d: d / "x.jsonl", {"split": "train[:5]+test[:5]"}, "not a slice HF"),
        (lambda d: d / "x.csv", {}, "'csv' builder is left to axolotl"),
        (lambda d: d / "x.jsonl", {"ds_type": "pandas"}, "'pandas' builder"),
        (lambda d: d / "missing.jsonl", {}, "not a local file or directory"),
        (lambda d: "org/dataset", {}, "not a local file or directory"),
        (lambda d: "s3://bucket/x.jsonl", {}, "hub or remote"),
        (lambda d: d, {"data_files": "hf://datasets/x/y.jsonl"}, "remote files"),
        (lambda d: d, {"data_files": "nothing.jsonl"}, "do not resolve"),
        (lambda d: d, {"data_files": "nothing-*.jsonl"}, "no data files"),
    ],
)
def test_entries_that_fall_back(tmp_path, monkeypatch, make, extra, reason):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.jsonl").write_text('{"a": 1}\n')
    (tmp_path / "x.csv").write_text("a\n1\n")
    with pytest.raises(LoaderFallback, match=reason):
        plan_entry(entry(make(tmp_path), **extra), "train")


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        (["README.md", "x.jsonl"], "dataset card"),
        (["x.jsonl", "y.parquet"], "several formats"),
        (["x.jsonl", "x.zip"], "archive"),
        (["notes.md", "x.jsonl"], "not a format the loader reads"),
    ],
)
def test_directories_that_fall_back(tmp_path, files, reason):
    for name in files:
        (tmp_path / name).write_bytes(b"{}\n")
    with pytest.raises(LoaderFallback, match=reason):
        plan_entry(entry(tmp_path), "train")


def test_synthetic_entries_need_no_file():
    plan = plan_entry(DictDefault({"path": "nowhere", "type": "_synthetic"}), "train")
    assert plan.kind == "synthetic" and plan.files == ()


@pytest.mark.parametrize(
    ("path", "ds_type", "builder"),
    [
        ("data/train.parquet", None, "parquet"),
        ("data/train.jsonl", None, "json"),
        ("data.csv.d/part.jsonl", None, "csv"),  # axolotl matches substrings
        ("corpus.txt.gz", None, "text"),
        ("data.jsonl", "parquet", "parquet"),
    ],
)
def test_builder_follows_axolotls_rules(path, ds_type, builder):
    assert builder_for(DictDefault({"path": path, "ds_type": ds_type})) == builder


def test_read_entries_are_memory_mapped_from_a_reused_cache(tmp_path, monkeypatch):
    import os
    import pickle

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf"))
    path = tmp_path / "rows.jsonl"
    rows = [{"instruction": f"q{i}" * 50, "output": "a" * 200} for i in range(2000)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    dataset = read_entry(plan_entry(entry(path), "train"))
    (cache,) = {f["filename"] for f in dataset.cache_files}
    assert cache.startswith(str(tmp_path / "hf" / "axolotl_fast"))
    assert dataset.to_list() == rows
    assert len(pickle.dumps(dataset)) < 50_000, "workers get a path, not the rows"
    written = os.stat(cache).st_mtime_ns
    again = read_entry(plan_entry(entry(path), "train"))
    assert {f["filename"] for f in again.cache_files} == {cache}
    assert os.stat(cache).st_mtime_ns == written, "unchanged files are not read again"
    path.write_text(path.read_text() + json.dumps(rows[0]) + "\n")
    changed = read_entry(plan_entry(entry(path), "train"))
    assert len(changed) == 2001
    assert {f["filename"] for f in changed.cache_files} != {cache}
    assert not list((tmp_path / "hf").rglob("*.tmp"))
