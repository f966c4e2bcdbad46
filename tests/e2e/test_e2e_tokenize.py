"""Real `axolotl preprocess` + `axolotl train` of a `type: completion` entry, with
`sample_packing: true`, plugin on (`tokenize` in Rust) and off.

The kit's Parquet rows as completion text (`field: output`) with `sequence_len: 24`, so most
text is cut into several rows and the trailing one-token pieces are dropped by axolotl's
length filter; packing adds `position_ids` and `length`. Both runs must prepare the same rows
(every value, same order, same types) and give the same 3 losses, and the plugin's run must
have tokenized the entry in Rust. (The alpaca entry of the example config is covered the same
way by test_e2e.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.axolotl_run import axolotl_env, read_lines, run_axolotl_ok, write_config

pytest.importorskip("axolotl")
yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.e2e


def preprocess_and_train(example: str, kit, work: Path) -> dict:
    work.mkdir()
    data = {
        "path": str(kit.parquet),
        "ds_type": "parquet",
        "type": "completion",
        "field": "output",
    }
    config = write_config(example, kit, work, data)
    cfg = yaml.safe_load(config.read_text())
    cfg.update(sequence_len=24, sample_packing=True)
    config.write_text(yaml.safe_dump(cfg))
    env = axolotl_env(
        AXOLOTL_FAST_TRACE=str(work / "trace.jsonl"),
        LOSS_RECORDER_FILE=str(work / "losses.jsonl"),
    )
    run_axolotl_ok("preprocess", str(config), env=env)
    run_axolotl_ok("train", str(config), "--launcher", "python", env=env)
    (prepared,) = [p for p in (work / "prepared").iterdir() if p.is_dir()]
    trace = read_lines(work / "trace.jsonl") if (work / "trace.jsonl").exists() else []
    return {
        "prepared": prepared,
        "losses": read_lines(work / "losses.jsonl"),
        "trace": trace,
    }


@pytest.fixture(scope="module")
def runs(tiny_kit, tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("e2e-completion")
    return {
        "fast": preprocess_and_train("tiny-cpu-fast.yml", tiny_kit, work / "fast"),
        "plain": preprocess_and_train("tiny-cpu.yml", tiny_kit, work / "plain"),
    }


def test_the_plugin_tokenized_the_completion_entry_in_rust(runs):
    notes = [e["note"] for e in runs["fast"]["trace"] if e["hook"] == "tokenize"]
    assert len(notes) == 1 and notes[0].startswith("Rust tokenized")
    assert "(type: completion)" in notes[0]


def test_same_prepared_rows_and_losses(runs):
    from datasets import load_from_disk

    ours = load_from_disk(str(runs["fast"]["prepared"]))
    theirs = load_from_disk(str(runs["plain"]["prepared"]))
    assert len(theirs) > 200  # the texts were cut into several rows
    assert ours.column_names == theirs.column_names
    assert "position_ids" in theirs.column_names
    assert ours.features == theirs.features
    assert ours.to_dict() == theirs.to_dict()
    assert len(runs["plain"]["losses"]) == 3
    assert runs["fast"]["losses"] == runs["plain"]["losses"]
