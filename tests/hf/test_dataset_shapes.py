"""Entry shapes HF reads in its own way, read by ours exactly as `load_dataset` reads them.

Split slices (``split: train[:20%]``): HF's rounding of percentages, absolute and negative
bounds, several slices of one split; conversation turns whose keys come in another order;
what HF's Json builder re-encodes with ujson (JSON arrays, whose integer columns may turn
float; JSON Lines whose turns have differing keys, stored as ``datasets.Json``). Each case
compares our `read_entry` with axolotl's `load_dataset_with_config` on the same entry:
columns, features, rows and split name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("axolotl")

import datasets
from axolotl.utils.data.shared import load_dataset_with_config
from axolotl.utils.dict import DictDefault

from axolotl_fast.hf.dataset import read_entry
from axolotl_fast.hf.plan import LoaderFallback, plan_entry, slice_bounds

ROWS = [
    {"id": i, "instruction": f"task {i}", "output": f"done {i}"} for i in range(101)
]


@pytest.fixture(autouse=True)
def hf_cache(tmp_path, monkeypatch):
    """A fresh HF datasets cache per test, so the oracle really reads the files."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf"))


def entry(path: Path, **extra) -> DictDefault:
    return DictDefault({"path": str(path), "type": "alpaca", **extra})


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def assert_reads_like_axolotl(ds_cfg: DictDefault) -> datasets.Dataset:
    ours = read_entry(plan_entry(ds_cfg, "train"))
    theirs = load_dataset_with_config(ds_cfg, False)
    assert isinstance(theirs, datasets.Dataset)
    assert ours.features == theirs.features
    assert ours.to_dict() == theirs.to_dict()
    assert ours.split == theirs.split
    return ours


SLICES = [
    "train[:20%]",
    "train[20%:]",
    "train[33%:66%]",
    "train[:33%](pct1_dropremainder)",
    "train[10:25]",
    "train[-7:]",
    "train[95:1000]",
    "train[:10%]+train[-10%:]",
    "train[50:10]+train[:5]",
]


@pytest.mark.parametrize("spec", SLICES)
def test_a_split_slice_of_one_file(tmp_path, spec):
    path = write_jsonl(tmp_path / "rows.jsonl", ROWS)
    ours = assert_reads_like_axolotl(entry(path, split=spec))
    assert 0 < len(ours) < len(ROWS)


@pytest.mark.parametrize("spec", ["train[:20%]", "train[-30:]"])
def test_a_split_slice_across_the_files_of_a_directory(tmp_path, spec):
    directory = tmp_path / "shards"
    directory.mkdir()
    write_jsonl(directory / "a.jsonl", ROWS[:40])
    write_jsonl(directory / "b.jsonl", ROWS[40:])
    ours = assert_reads_like_axolotl(entry(directory, split=spec))
    assert (
        ours["id"]
        == [r["id"] for r in ROWS][slice(*slice_bounds(spec, "train", 101)[0])]
    )


def test_percent_bounds_round_as_hf_rounds():
    # 101 rows: 20 % is 20.2 rows; `closest` rounds, `pct1_dropremainder` counts 1 % steps.
    assert slice_bounds("train[:20%]", "train", 101) == [(0, 20)]
    assert slice_bounds("train[:50%]", "train", 3) == [(0, 2)]
    assert slice_bounds("train[:50%](pct1_dropremainder)", "train", 300) == [(0, 150)]


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("train[:10%]+test[:10%]", "not a slice HF reads"),
        ("train[:0]", "selects no rows"),
        ("train[:5%", "not a slice HF reads"),
        ("train[:50%](pct1_dropremainder)", "less than 100 elements"),
    ],
)
def test_slices_hf_refuses_are_left_to_axolotl(tmp_path, spec, reason):
    path = write_jsonl(tmp_path / "rows.jsonl", ROWS[:60])
    with pytest.raises(LoaderFallback, match=reason):
        read_entry(plan_entry(entry(path, split=spec), "train"))


def test_turns_with_their_keys_in_another_order(tmp_path):
    rows = [
        {
            "messages": [
                {"role": "user", "content": "hi"},
                {"content": "yo", "role": "assistant"},
            ]
        },
        {"messages": [{"content": "a", "role": "user"}]},
    ]
    path = write_jsonl(tmp_path / "chat.jsonl", rows)
    ours = assert_reads_like_axolotl(entry(path, type="chat_template"))
    assert list(ours.features["messages"].feature) == [
        "role",
        "content",
    ]  # first seen, as HF


def test_a_sliced_entry_is_not_streamed(tmp_path):
    from axolotl_fast.hf.streaming import iterable_dataset

    path = write_jsonl(tmp_path / "rows.jsonl", ROWS)
    for spec in ("train[:10%]", "train+train"):
        plan = plan_entry(entry(path, split=spec), "train")
        with pytest.raises(LoaderFallback, match="split slicing of a stream"):
            iterable_dataset(plan)


TURNS_WITH_A_WEIGHT = [
    {
        "id": 1,
        "score": 0.123456789012345,
        "messages": [
            {"role": "user", "content": "hi / é 😀"},
            {"role": "assistant", "content": "yo", "weight": 0},
        ],
    },
    {"id": 2, "messages": [{"content": "a", "role": "user"}], "score": 2},
]


def test_turns_with_differing_keys_are_json_as_in_hf(tmp_path):
    path = tmp_path / "chat.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in TURNS_WITH_A_WEIGHT),
        encoding="utf-8",
    )
    ours = assert_reads_like_axolotl(entry(path, type="chat_template"))
    assert ours.features["messages"] == datasets.List(datasets.Json())
    assert ours.data.table.column("messages")[0].as_py()[0] == (
        '{"role":"user","content":"hi \\/ \\u00e9 \\ud83d\\ude00"}'
    )
    # HF re-encodes every line with ujson, whose 10 decimals reach the other columns too.
    assert ours["score"] == [0.123456789, 2.0]
    assert ours[0]["messages"][1] == {"role": "assistant", "content": "yo", "weight": 0}


def test_a_mixed_column_some_records_lack_comes_where_hf_puts_it(tmp_path):
    rows = [{"x": 1}, {"y": 2, "meta": {"a": 1}}, {"meta": {"b": "q"}, "x": 3}]
    path = write_jsonl(tmp_path / "meta.jsonl", rows)
    ours = assert_reads_like_axolotl(entry(path))
    # json_encode_field appends the missing key: `meta` comes before `y`, as in HF.
    assert ours.column_names == ["x", "meta", "y"]


def test_every_file_of_the_split_is_re_encoded_after_a_mixed_first_file(tmp_path):
    directory = tmp_path / "shards"
    directory.mkdir()
    write_jsonl(directory / "a.jsonl", TURNS_WITH_A_WEIGHT)
    write_jsonl(
        directory / "b.jsonl",
        [{"id": 3, "score": 1e-12, "messages": [{"role": "user", "content": "b"}]}],
    )
    ours = assert_reads_like_axolotl(
        entry(directory, type="chat_template", split="train")
    )
    assert ours["score"] == [0.123456789, 2.0, 0.0]


def test_a_json_array_whose_integers_turn_float(tmp_path):
    rows = [
        {"a": 1, "s": "x", "n": [1, 2]},
        {"a": 2.123456789012345, "s": "y", "n": [1.5, 1e-12]},
        {"a": -1e20, "s": "z", "n": [3], "t": {"w": 0.3333333333333333}},
    ]
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(rows))
    ours = assert_reads_like_axolotl(entry(path))
    assert ours["a"] == [1.0, 2.123456789, -1e20]
    assert ours["n"][1] == [1.5, 0.0]


def test_a_json_array_with_turns_of_differing_keys(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(TURNS_WITH_A_WEIGHT))
    ours = assert_reads_like_axolotl(entry(path, type="chat_template"))
    assert ours.features["messages"] == datasets.List(datasets.Json())


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_columns_that_are_all_mixed_come_in_hfs_order(tmp_path):
    path = write_lines(
        tmp_path / "d.jsonl",
        ['{"b": [{"x": 1}, {"x": 1, "z": 2}], "a": [{"y": 1}, {"y": 1, "w": 2}]}'],
    )
    assert assert_reads_like_axolotl(entry(path)).column_names == ["b", "a"]


def test_later_files_are_cast_to_the_first_chunks_types(tmp_path):
    directory = tmp_path / "shards"
    directory.mkdir()
    turn = '{{"role": "a", "w": {w}, "tool_calls": [{{"{k}": 1}}]}}'
    write_lines(
        directory / "a.jsonl",
        [f'{{"messages": [{turn.format(w=1, k="f")}, {turn.format(w=1, k="g")}]}}'],
    )
    write_lines(
        directory / "b.jsonl", [f'{{"messages": [{turn.format(w=2.0, k="f")}]}}']
    )
    ours = assert_reads_like_axolotl(entry(directory, split="train"))
    assert ours[1]["messages"][0]["w"] == 2  # int64, as in the first file


def test_a_test_split_takes_the_first_splits_json_paths(tmp_path):
    directory = tmp_path / "splits"
    directory.mkdir()
    write_jsonl(directory / "train.jsonl", TURNS_WITH_A_WEIGHT)
    write_lines(
        directory / "test.jsonl",
        ['{"id": 3, "score": 0.25, "messages": [{"role": "u"}]}'],
    )
    ours = assert_reads_like_axolotl(entry(directory, split="test"))
    assert ours.features["messages"] == datasets.List(datasets.Json())


def test_a_test_split_typed_otherwise_than_train_is_left_to_axolotl(tmp_path):
    directory = tmp_path / "splits"
    directory.mkdir()
    write_lines(directory / "train.jsonl", ['{"a": 1}'])
    write_lines(directory / "test.jsonl", ['{"a": 2.5}'])
    with pytest.raises(LoaderFallback, match="differs from the first split"):
        read_entry(plan_entry(entry(directory, split="test"), "train"))


def test_compression_is_told_by_magic_bytes_as_hf_does(tmp_path):
    import gzip

    line = json.dumps(TURNS_WITH_A_WEIGHT[0]).encode() + b"\n"
    path = tmp_path / "chat.jsonl"  # gzip inside, a plain name
    path.write_bytes(gzip.compress(line))
    ours = assert_reads_like_axolotl(entry(path))
    assert ours.features["messages"] == datasets.List(datasets.Json())


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'[{"a": 1},]', "ujson cannot load"),
        (b'{"a": 1, "m": [{"r": 1}, {"r": 1, "w": 0}]}\n5\n', "not all objects"),
    ],
)
def test_json_hf_cannot_re_encode_is_left_to_axolotl(tmp_path, content, reason):
    path = tmp_path / ("d.json" if content.startswith(b"[") else "d.jsonl")
    path.write_bytes(content)
    with pytest.raises(LoaderFallback, match=reason):
        read_entry(plan_entry(entry(path), "train"))


def test_replayed_chunks_take_the_first_chunks_types_and_columns(tmp_path, monkeypatch):
    from axolotl_fast.hf import json_replay

    monkeypatch.setattr(json_replay, "_JSON_CHUNK", 200)  # HF's 10 MiB, made small
    turns = '[{"role": "a"}, {"role": "a", "weight": 0}]'
    lines = [f'{{"id": {i}, "w": 1, "m": {turns}}}' for i in range(3)]
    path = write_lines(
        tmp_path / "d.jsonl", [*lines, f'{{"id": 9, "w": 2.0, "m": {turns}}}']
    )
    # HF casts each later chunk to the first chunk's types: w stays int64.
    ours = read_entry(plan_entry(entry(path), "train"))
    assert ours.features["w"] == datasets.Value("int64") and ours["w"] == [1, 1, 1, 2]
    write_lines(path, [*lines, f'{{"id": 9, "w": 1, "m": {turns}, "extra": 1}}'])
    with pytest.raises(LoaderFallback, match="a column after HF's first chunk"):
        read_entry(plan_entry(entry(path), "train"))
