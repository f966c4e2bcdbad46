"""Real `axolotl preprocess` of an `input_output` and an `alpaca_w_system` entry together,
with `sample_packing: true`, plugin on (`tokenize` in Rust) and off.

The kit's rows become segments (instruction and input masked, output trained) and alpaca
rows with a per-row system prompt (every third one empty). Two entries exercise the merge's
shuffle; packing adds the zero-trainable filter, `position_ids` and `length`, computed on the
Arrow columns with the plugin. Both runs must prepare the same rows (every value, same
order, same types), and the plugin's must have tokenized both entries and run the passes
after tokenization in Arrow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.axolotl_run import axolotl_env, read_lines, run_axolotl_ok, write_config

pytest.importorskip("axolotl")
yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.e2e


def write_entries(kit, work: Path) -> list[dict]:
    """The kit's alpaca rows as an input_output JSONL and an alpaca_w_system JSONL."""
    rows = [json.loads(line) for line in kit.jsonl.read_text().splitlines()]
    segments, systems = work / "segments.jsonl", work / "systems.jsonl"
    with segments.open("w") as seg, systems.open("w") as sys_:
        for index, row in enumerate(rows):
            prompt = f"{row['instruction']}\n{row.get('input') or ''}"
            parts = [
                {"text": prompt, "label": False},
                {"text": row["output"], "label": True},
            ]
            seg.write(json.dumps({"segments": parts}) + "\n")
            system = "" if index % 3 == 0 else f"You answer as helper {index % 5}."
            sys_.write(json.dumps({**row, "system": system}) + "\n")
    return [
        {"path": str(segments), "ds_type": "json", "type": "input_output"},
        {
            "path": str(systems),
            "ds_type": "json",
            "type": "alpaca_w_system.load_instruct",
        },
    ]


def preprocess(example: str, kit, work: Path) -> dict:
    work.mkdir()
    entries = write_entries(kit, work)
    config = write_config(example, kit, work, entries[0])
    cfg = yaml.safe_load(config.read_text())
    cfg["datasets"].append(entries[1])
    cfg.update(sequence_len=96, sample_packing=True, seed=7)
    config.write_text(yaml.safe_dump(cfg))
    env = axolotl_env(AXOLOTL_FAST_TRACE=str(work / "trace.jsonl"))
    run_axolotl_ok("preprocess", str(config), env=env)
    (prepared,) = [p for p in (work / "prepared").iterdir() if p.is_dir()]
    trace = read_lines(work / "trace.jsonl") if (work / "trace.jsonl").exists() else []
    return {"prepared": prepared, "trace": trace}


@pytest.fixture(scope="module")
def runs(tiny_kit, tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("e2e-system-segments")
    return {
        "fast": preprocess("tiny-cpu-fast.yml", tiny_kit, work / "fast"),
        "plain": preprocess("tiny-cpu.yml", tiny_kit, work / "plain"),
    }


def test_both_entries_and_the_passes_ran_in_rust_and_arrow(runs):
    trace = runs["fast"]["trace"]
    notes = [e["note"] for e in trace if e["hook"] == "tokenize"]
    assert len(notes) == 2 and all(n.startswith("Rust tokenized") for n in notes)
    assert "(type: input_output)" in notes[0]
    assert "(type: alpaca_w_system.load_instruct)" in notes[1]
    passes = [e["note"].split(" (")[0] for e in trace if e["hook"] == "passes"]
    assert passes == ["length filter in Arrow", "packing columns in Arrow"]


def test_same_prepared_rows(runs):
    from datasets import load_from_disk

    ours = load_from_disk(str(runs["fast"]["prepared"]))
    theirs = load_from_disk(str(runs["plain"]["prepared"]))
    assert len(theirs) > 300  # rows of both entries, most of them kept
    assert {"position_ids", "length"} <= set(theirs.column_names)
    assert ours.column_names == theirs.column_names
    assert ours.features == theirs.features
    assert ours.to_dict() == theirs.to_dict()
