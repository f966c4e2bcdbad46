"""The plugin's loader against axolotl's own load_datasets, in process, row for row.

Each case builds two identical configs as axolotl's `load_cfg` does (plugin registered),
differing only in `dataset_prepared_path`; one goes through `FastPlugin.load_datasets`, the
other through `axolotl.common.datasets.load_datasets`. Axolotl's save of a prepared dataset
starts a `spawn` pool inside `datasets` (even with num_proc=1), so each case takes a while.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pyarrow.csv
import pyarrow.parquet as pq
import pytest

pytest.importorskip("axolotl")

import datasets
from axolotl.utils.dict import DictDefault

import axolotl_fast
from axolotl_fast import DataFormatError, InvalidArgumentError
from support.parity import assert_same_datasets, make_cfg, our_plugin, run_both


def reader_rejects(fmt: str, path: Path) -> bool:
    """Whether this build of `axolotl_fast.read` refuses `fmt` (not built yet)."""
    try:
        axolotl_fast.read(path, format=fmt).to_table()
    except (InvalidArgumentError, DataFormatError):
        return True
    return False


def trace_events(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [line for line in lines if line["hook"] == "loader"]


def prepared_dirs(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def alpaca(path, **extra) -> list[dict]:
    return [{"path": str(path), "type": "alpaca", **extra}]


@pytest.fixture
def trace(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "trace.jsonl"
    monkeypatch.setenv("AXOLOTL_FAST_TRACE", str(path))
    return path


@pytest.fixture(scope="module")
def shard_dir(tiny_kit, tmp_path_factory) -> Path:
    """The kit's rows as three parquet files named so that HF's order is not obvious."""
    table = pq.read_table(tiny_kit.parquet)
    directory = tmp_path_factory.mktemp("shards")
    for name, start, stop in (
        ("shard-1", 0, 70),
        ("shard-2", 70, 140),
        ("shard-10", 140, 200),
    ):
        pq.write_table(table.slice(start, stop - start), directory / f"{name}.parquet")
    return directory


def test_parquet_with_val_split_and_packing_then_from_our_cache(
    plugin_manager, tiny_kit, tmp_path, trace
):
    extra = {"val_set_size": 0.1, "sample_packing": True}
    ours, theirs = run_both(
        plugin_manager, tiny_kit, tmp_path, alpaca(tiny_kit.parquet), **extra
    )
    assert_same_datasets(ours, theirs)
    assert "position_ids" in ours.train_dataset.column_names  # packing prep ran
    assert len(ours.eval_dataset) == 20
    (ours_dir,) = prepared_dirs(tmp_path / "ours")
    (axolotl_dir,) = prepared_dirs(tmp_path / "axolotl")
    assert len(ours_dir) == 64 and len(axolotl_dir) == 32 and ours_dir != axolotl_dir
    assert [e["source"] for e in trace_events(trace)] == ["raw"]

    again_cfg = make_cfg(tiny_kit, tmp_path, "ours", alpaca(tiny_kit.parquet), **extra)
    again = our_plugin(plugin_manager).load_datasets(again_cfg, preprocess=False)
    assert_same_datasets(again, theirs)
    assert [e["source"] for e in trace_events(trace)] == ["raw", "prepared"]
    (cache_file,) = {f["filename"] for f in again.train_dataset.cache_files}
    assert Path(cache_file).parent == tmp_path / "ours" / ours_dir


def test_directory_of_parquet_shards_with_test_datasets(
    plugin_manager, tiny_kit, tmp_path, shard_dir, trace
):
    ours, theirs = run_both(
        plugin_manager,
        tiny_kit,
        tmp_path,
        alpaca(shard_dir),
        test_datasets=alpaca(tiny_kit.parquet, split="train"),
    )
    assert_same_datasets(ours, theirs)
    assert len(ours.eval_dataset) == 200
    events = trace_events(trace)
    assert [(e["split"], e["source"]) for e in events] == [
        ("train", "raw"),
        ("test", "raw"),
    ]
    assert "read 3 file(s)" in events[0]["note"]
    assert len(prepared_dirs(tmp_path / "ours")) == 2


def test_save_to_disk_directory_with_weight_and_shards(
    plugin_manager, tiny_kit, tmp_path, trace
):
    saved = tmp_path / "saved"
    datasets.Dataset.from_parquet(str(tiny_kit.parquet)).save_to_disk(str(saved))
    entries = alpaca(saved, shards=2, shards_idx=1) + alpaca(
        tiny_kit.parquet, weight=0.5
    )
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries)
    assert_same_datasets(ours, theirs)
    assert len(ours.train_dataset) == 200  # 100 + 100
    assert [e["source"] for e in trace_events(trace)] == ["raw"]


def test_jsonl_matches_axolotl(plugin_manager, tiny_kit, tmp_path, trace):
    if reader_rejects("jsonl", tiny_kit.jsonl):
        pytest.skip("axolotl_fast.read does not read format 'jsonl' yet")
    entries = alpaca(tiny_kit.jsonl, ds_type="json")
    extra = {"val_set_size": 0.1, "dataset_num_proc": 2}  # tokenizes in forked workers
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries, **extra)
    assert_same_datasets(ours, theirs)
    assert [e["source"] for e in trace_events(trace)] == ["raw"]


def test_jsonl_shard_directory_matches_axolotl(
    plugin_manager, tiny_kit, tmp_path, trace
):
    if reader_rejects("jsonl", tiny_kit.jsonl):
        pytest.skip("axolotl_fast.read does not read format 'jsonl' yet")
    lines = tiny_kit.jsonl.read_text().splitlines(keepends=True)
    directory = tmp_path / "jsonl_shards"
    directory.mkdir()
    for index, start in enumerate(range(0, len(lines), 80)):
        (directory / f"part-{index}.jsonl").write_text(
            "".join(lines[start : start + 80])
        )
    ours, theirs = run_both(
        plugin_manager, tiny_kit, tmp_path, alpaca(directory), sample_packing=True
    )
    assert_same_datasets(ours, theirs)
    assert [e["source"] for e in trace_events(trace)] == ["raw"]


def test_turns_with_differing_keys_match_axolotl(
    plugin_manager, tiny_kit, tmp_path, trace
):
    """Some turns carry a `weight` key: HF stores the turns as JSON; so does ours."""
    rows = []
    for i in range(60):
        reply = {"role": "assistant", "content": f"answer {i}"}
        if i % 3 == 0:
            reply["weight"] = i % 2
        rows.append(
            {
                "score": i / 7,
                "messages": [{"role": "user", "content": f"question {i}"}, reply],
            }
        )
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    entries = [{"path": str(path), "type": "chat_template", "chat_template": "chatml"}]
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries)
    assert_same_datasets(ours, theirs)
    assert [e["source"] for e in trace_events(trace)] == ["raw"]
    tokenized = [
        json.loads(line)["note"]
        for line in trace.read_text().splitlines()
        if json.loads(line)["hook"] == "tokenize"
    ]
    assert tokenized and tokenized[0].startswith("Rust tokenized")  # JSON turns decoded


def test_a_json_array_whose_integers_turn_float_matches_axolotl(
    plugin_manager, tiny_kit, tmp_path, trace
):
    rows = pq.read_table(tiny_kit.parquet).slice(0, 80).to_pylist()
    for i, row in enumerate(rows):
        row["score"] = i if i < 40 else i / 3  # HF's ujson keeps 10 decimals
    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps(rows))
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, alpaca(path))
    assert_same_datasets(ours, theirs)
    assert [e["source"] for e in trace_events(trace)] == ["raw"]


def test_a_hub_id_falls_back_with_one_log_line(
    plugin_manager, tiny_kit, tmp_path, caplog
):
    entries = alpaca(tiny_kit.parquet) + alpaca("some-org/some-dataset")
    loader_only = {"axolotl_fast": {"loader": True, "tokenize": False}}
    cfg = make_cfg(tiny_kit, tmp_path, "ours", entries, **loader_only)
    with caplog.at_level(logging.INFO, logger="axolotl_fast"):
        assert our_plugin(plugin_manager).load_datasets(cfg, preprocess=False) is None
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name == "axolotl_fast.integration.data.load"
    ]
    assert lines == [
        "axolotl_fast: loader falls back to axolotl's loader for some-org/some-dataset: "
        "not a local file or directory (hub or remote)"
    ]
    assert not (tmp_path / "ours").exists()  # nothing half-done


def test_an_unread_format_falls_back(plugin_manager, tiny_kit, tmp_path, caplog):
    csv = tmp_path / "alpaca.csv"
    pyarrow.csv.write_csv(pq.read_table(tiny_kit.parquet), csv)
    loader_only = {"axolotl_fast": {"loader": True, "tokenize": False}}
    cfg = make_cfg(tiny_kit, tmp_path, "ours", alpaca(csv), **loader_only)
    with caplog.at_level(logging.INFO, logger="axolotl_fast"):
        assert our_plugin(plugin_manager).load_datasets(cfg, preprocess=False) is None
    (line,) = [
        r.getMessage()
        for r in caplog.records
        if r.name == "axolotl_fast.integration.data.load"
    ]
    assert str(csv) in line and "'csv' builder is left to axolotl" in line


def test_an_unread_format_is_still_tokenized_in_rust(
    plugin_manager, tiny_kit, tmp_path, trace
):
    """The loader falls back to axolotl's reader; tokenize still runs on what it read."""
    csv = tmp_path / "alpaca.csv"
    pyarrow.csv.write_csv(pq.read_table(tiny_kit.parquet), csv)
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, alpaca(csv))
    assert_same_datasets(ours, theirs)
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    (event,) = [line for line in lines if line["hook"] == "tokenize"]
    assert event["note"].startswith(f"Rust tokenized {csv} (type: alpaca): 200 rows")


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"axolotl_fast": {"loader": False, "tokenize": False}}, None),
    ],
)
def test_configs_left_to_axolotl(
    plugin_manager, tiny_kit, tmp_path, caplog, extra, reason
):
    cfg = make_cfg(tiny_kit, tmp_path, "ours", alpaca(tiny_kit.parquet), **extra)
    with caplog.at_level(logging.INFO, logger="axolotl_fast"):
        assert our_plugin(plugin_manager).load_datasets(cfg, preprocess=False) is None
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.name == "axolotl_fast.integration.data.load"
    ]
    assert len(lines) == (0 if reason is None else 1)
    assert all(reason in line for line in lines)


def test_rl_configs_are_left_to_axolotl(plugin_manager):
    from axolotl_fast.integration.args import AxolotlFastConfig
    from axolotl_fast.integration.data.load import load_datasets

    cfg = DictDefault({"rl": "dpo", "datasets": [{"path": "x.jsonl", "type": "y"}]})
    outcome = load_datasets(cfg, AxolotlFastConfig())
    assert outcome.meta is None and "rl: dpo" in outcome.note


def test_cache_key_differs_from_axolotls_and_follows_settings():
    from axolotl_fast.integration.args import AxolotlFastConfig
    from axolotl_fast.integration.data.load import prepared_dataset_hash

    axolotl_hash = "0123456789abcdef0123456789abcdef"
    default = prepared_dataset_hash(axolotl_hash, AxolotlFastConfig())
    assert default != axolotl_hash and len(default) == 64
    assert default == prepared_dataset_hash(axolotl_hash, AxolotlFastConfig())
    assert default != prepared_dataset_hash(
        axolotl_hash, AxolotlFastConfig(dedupe=True)
    )
    assert default != prepared_dataset_hash("f" * 32, AxolotlFastConfig())
    same_rows = AxolotlFastConfig(collator=False, packing="bfd")
    assert default == prepared_dataset_hash(axolotl_hash, same_rows)
