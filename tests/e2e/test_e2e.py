"""Real `axolotl preprocess` + `axolotl train` on the tiny CPU config, plugin on and off.

Both runs use the example configs from examples/configs with their paths pointed at a
temporary tiny kit, plus a test-only plugin that records the exact losses
(tests/support/loss_recorder.py). Each data variant (the example's JSON Lines file, a Parquet
file, a directory of Parquet shards) runs plugin on and plugin off; with the plugin on, the
`loader` reads the data with the Rust reader and must prepare the same rows and give the same
losses.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.axolotl_run import (
    axolotl_env,
    read_lines,
    run_axolotl,
    run_axolotl_ok,
    write_config,
)

pytest.importorskip("axolotl")
yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.e2e


def preprocess_and_train(example: str, kit, work: Path, data: dict) -> dict:
    work.mkdir()
    config = write_config(example, kit, work, data)
    env = axolotl_env(
        AXOLOTL_FAST_TRACE=str(work / "trace.jsonl"),
        LOSS_RECORDER_FILE=str(work / "losses.jsonl"),
    )
    preprocess = run_axolotl_ok("preprocess", str(config), env=env)
    prepared = sorted(p for p in (work / "prepared").iterdir() if p.is_dir())
    train = run_axolotl_ok("train", str(config), "--launcher", "python", env=env)
    return {
        "trace": read_lines(work / "trace.jsonl"),
        "losses": read_lines(work / "losses.jsonl"),
        "prepared": prepared,
        "out": work / "out",
        "log": preprocess.stdout + preprocess.stderr + train.stdout + train.stderr,
    }


def shard_directory(kit, work: Path) -> Path:
    """The kit's Parquet rows as three files (HF orders them by name)."""
    import pyarrow.parquet as pq

    table = pq.read_table(kit.parquet)
    directory = work / "shards"
    directory.mkdir()
    for index, start in enumerate((0, 70, 140)):
        part = table.slice(start, 70)
        pq.write_table(part, directory / f"train-{index:05d}-of-00003.parquet")
    return directory


def variant_data(variant: str, kit, work: Path) -> dict:
    """The `datasets[0]` keys of a variant; the example itself reads the JSON Lines file."""
    if variant == "jsonl":
        return {"path": str(kit.jsonl)}
    if variant == "parquet":
        return {"path": str(kit.parquet), "ds_type": "parquet"}
    return {"path": str(shard_directory(kit, work)), "ds_type": None}


@pytest.fixture(scope="module", params=["jsonl", "parquet", "shards"])
def runs(request, tiny_kit, tmp_path_factory):
    work = tmp_path_factory.mktemp(f"e2e-{request.param}")
    data = variant_data(request.param, tiny_kit, work)
    return {
        "variant": request.param,
        "fast": preprocess_and_train(
            "tiny-cpu-fast.yml", tiny_kit, work / "fast", data
        ),
        "plain": preprocess_and_train("tiny-cpu.yml", tiny_kit, work / "plain", data),
    }


def test_plugin_hooks_fired_in_preprocess_and_train(runs):
    trace = runs["fast"]["trace"]
    hooks = [
        (entry["hook"], entry.get("preprocess"), entry.get("is_eval"))
        for entry in trace
        if entry["hook"] not in ("loader", "tokenize", "passes", "prepared_dataset")
    ]
    assert hooks == [
        ("load_datasets", True, None),  # axolotl preprocess
        ("load_datasets", False, None),  # axolotl train
        ("get_collator_cls_and_kwargs", None, True),
        ("get_collator_cls_and_kwargs", None, False),
        ("post_trainer_create", None, None),
        ("post_train", None, None),
        ("post_train", None, None),
        ("post_train_unload", None, None),
    ]
    assert len({entry["pid"] for entry in trace}) == 2  # two separate commands


def test_preprocess_ran_the_passes_after_tokenization_in_arrow(runs):
    passes = [e["note"] for e in runs["fast"]["trace"] if e["hook"] == "passes"]
    assert [note.split(" (")[0] for note in passes] == ["length filter in Arrow"]


def test_loader_read_the_files_then_served_its_prepared_dataset(runs):
    trace = runs["fast"]["trace"]
    preprocess_pid = trace[0]["pid"]
    loader = [
        (entry["pid"] == preprocess_pid, entry["split"], entry["source"])
        for entry in trace
        if entry["hook"] == "loader"
    ]
    assert loader == [(True, "train", "raw"), (False, "train", "prepared")]
    assert "with the Rust reader" in runs["fast"]["log"]
    assert "falls back" not in runs["fast"]["log"]


def test_preprocess_tokenized_the_entry_in_rust(runs):
    trace = runs["fast"]["trace"]
    preprocess_pid = trace[0]["pid"]
    tokenize = [
        (entry["pid"] == preprocess_pid, entry["note"].split(": ")[0])
        for entry in trace
        if entry["hook"] == "tokenize"
    ]
    assert len(tokenize) == 1
    assert tokenize[0][0] and tokenize[0][1].startswith("Rust tokenized")
    assert "tokenize guard" not in runs["fast"]["log"]


def test_plugin_is_inert_when_the_config_does_not_ask_for_it(runs):
    # The entry point loads the plugin for the plain run too; it must do nothing.
    assert runs["plain"]["trace"] == []
    assert not (runs["plain"]["out"] / "axolotl_fast_report.json").exists()


def test_losses_are_identical_with_and_without_the_plugin(runs):
    fast, plain = runs["fast"]["losses"], runs["plain"]["losses"]
    assert len(plain) == 3
    assert all(isinstance(loss, float) and loss > 0 for loss in plain)
    assert fast == plain


def test_both_runs_prepared_the_same_rows_under_different_keys(runs):
    from datasets import load_from_disk

    (fast,) = runs["fast"]["prepared"]
    (plain,) = runs["plain"]["prepared"]
    assert len(fast.name) == 64 and len(plain.name) == 32  # ours: sha256, axolotl: md5
    ours, theirs = load_from_disk(str(fast)), load_from_disk(str(plain))
    assert len(theirs) == 200
    assert ours.column_names == theirs.column_names
    assert ours.features == theirs.features
    assert ours.to_dict() == theirs.to_dict()
    for name in ("fast", "plain"):
        assert (runs[name]["out"] / "model.safetensors").exists()


def test_run_report_says_what_was_active(runs):
    report = json.loads((runs["fast"]["out"] / "axolotl_fast_report.json").read_text())
    assert report["active_operations"] == ["loader", "collator"]
    assert report["hooks"][-1] == "post_train"
    operations = {op["name"]: op for op in report["operations"]}
    assert set(operations) == {
        *("loader", "tokenize", "dedupe", "near_dedupe", "collator", "packing")
    }
    assert not operations["near_dedupe"]["requested"]
    assert "prepared dataset" in operations["loader"]["note"]
    # train loads what preprocess prepared: nothing is tokenized in that run
    assert operations["tokenize"]["note"].startswith("nothing tokenized in this run")


def test_cli_rejects_a_misspelled_key_before_doing_any_work(tiny_kit, tmp_path):
    config = write_config("tiny-cpu-fast.yml", tiny_kit, tmp_path)
    cfg = yaml.safe_load(config.read_text())
    cfg["axolotl_fast"] = {"dedup": True}
    config.write_text(yaml.safe_dump(cfg))
    result = run_axolotl("preprocess", str(config), env=axolotl_env())
    assert result.returncode != 0
    last_line = (result.stdout + result.stderr).strip().splitlines()[-1]
    assert last_line == (
        "axolotl_fast.errors.ConfigError: unknown key axolotl_fast.dedup. "
        "Did you mean 'dedupe'? Valid keys: collator, dedupe, loader, near_dedupe, packing, "
        "tokenize."
    )
    assert not (tmp_path / "prepared").exists()
