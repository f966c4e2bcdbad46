"""Real `axolotl preprocess` + `train` with sample packing: `FastCollator` against axolotl's.

The tiny CPU config with `sample_packing: true` and a packed validation split, plugin on
(`collator: true`, FastCollator standing in for axolotl's V2 batch-sampler collator, the one
axolotl picks for llama without flash-attention 2) and off: the same 3 training losses and
the same eval loss. The unpacked case is covered by tests/test_e2e.py, whose plugin-on
config also has `collator: true`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from support.axolotl_run import axolotl_env, read_lines, run_axolotl_ok, write_config

yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.e2e

PACKED = {
    "sample_packing": True,
    "eval_sample_packing": True,
    "val_set_size": 0.1,
    "eval_strategy": "steps",
    "eval_steps": 3,
}


def run(example: str, kit, work: Path) -> dict:
    work.mkdir()
    config = write_config(example, kit, work)
    cfg = yaml.safe_load(config.read_text())
    cfg.update(PACKED)
    config.write_text(yaml.safe_dump(cfg))
    env = axolotl_env(
        LOSS_RECORDER_FILE=str(work / "losses.jsonl"),
        COLLATOR_RECORDER_FILE=str(work / "collators.json"),
    )
    run_axolotl_ok("preprocess", str(config), env=env)
    result = run_axolotl_ok("train", str(config), "--launcher", "python", env=env)
    log = result.stdout + result.stderr
    return {
        "losses": read_lines(work / "losses.jsonl"),
        "collators": json.loads((work / "collators.json").read_text()),
        "eval_losses": re.findall(r"'eval_loss': '?([0-9.]+)", log),
        "log": log,
    }


@pytest.fixture(scope="module")
def runs(tiny_kit, tmp_path_factory):
    work = tmp_path_factory.mktemp("e2e-collator")
    return {
        "fast": run("tiny-cpu-fast.yml", tiny_kit, work / "fast"),
        "plain": run("tiny-cpu.yml", tiny_kit, work / "plain"),
    }


def test_same_losses_with_packed_batches(runs):
    fast, plain = runs["fast"], runs["plain"]
    assert len(fast["losses"]) == 3
    assert fast["losses"] == plain["losses"]
    assert fast["eval_losses"] and fast["eval_losses"] == plain["eval_losses"]


def test_fast_collator_collated_every_batch(runs):
    assert runs["fast"]["collators"] == {
        split: {
            "class": "FastCollator",
            "packed": "segments",
            "pad_to_multiple_of": 256,
        }
        for split in ("train", "eval")
    }
    assert runs["plain"]["collators"]["train"]["class"] == (
        "V2BatchSamplerDataCollatorForSeq2Seq"
    )
    assert "hands batches like this one to axolotl" not in runs["fast"]["log"]
    assert (
        "train collator: FastCollator as V2BatchSamplerDataCollatorForSeq2Seq"
        in (runs["fast"]["log"])
    )
