"""Real `axolotl preprocess` + `axolotl train` with duplicated data: our dedupe vs axolotl's.

The tiny kit's 200 alpaca rows get 60 repeats mixed in, and a 10 % validation split (where
axolotl deduplicates again on every start). One run is plain axolotl with
`dataset_exact_deduplication: true`; the other has the plugin with `dedupe: true` and axolotl's
key still set, which ours must replace rather than run as well. Both must prepare the same
rows and give the same losses, and `axolotl train` must not hash the rows again.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from support.axolotl_run import axolotl_env, read_lines, run_axolotl_ok, write_config

pytest.importorskip("axolotl")
yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.e2e
AXOLOTL_DEDUPE_LOG = "Starting deduplication for train dataset"


def duplicated_jsonl(kit, work: Path) -> Path:
    """The kit's rows with 60 of them repeated at random places."""
    lines = kit.jsonl.read_text().splitlines()
    rng = random.Random(5)
    for line in rng.sample(lines, 60):
        lines.insert(rng.randrange(len(lines) + 1), line)
    path = work / "duplicated.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(example: str, kit, work: Path, data: Path, extra: dict) -> dict:
    work.mkdir()
    config = write_config(example, kit, work, {"path": str(data)})
    cfg = yaml.safe_load(config.read_text())
    cfg.update(extra, val_set_size=0.1, dataset_exact_deduplication=True)
    config.write_text(yaml.safe_dump(cfg))
    env = axolotl_env(
        AXOLOTL_FAST_TRACE=str(work / "trace.jsonl"),
        LOSS_RECORDER_FILE=str(work / "losses.jsonl"),
    )
    preprocess = run_axolotl_ok("preprocess", str(config), env=env)
    train = run_axolotl_ok("train", str(config), "--launcher", "python", env=env)
    (prepared,) = (p for p in (work / "prepared").iterdir() if p.is_dir())
    return {
        "trace": read_lines(work / "trace.jsonl"),
        "losses": read_lines(work / "losses.jsonl"),
        "prepared": prepared,
        "preprocess_log": preprocess.stdout + preprocess.stderr,
        "train_log": train.stdout + train.stderr,
        "out": work / "out",
    }


@pytest.fixture(scope="module")
def runs(tiny_kit, tmp_path_factory):
    work = tmp_path_factory.mktemp("e2e-dedupe")
    data = duplicated_jsonl(tiny_kit, work)
    fast_block = {"axolotl_fast": {"loader": True, "dedupe": True}}
    return {
        "fast": run("tiny-cpu-fast.yml", tiny_kit, work / "fast", data, fast_block),
        "plain": run("tiny-cpu.yml", tiny_kit, work / "plain", data, {}),
    }


def test_same_prepared_rows_as_axolotls_dedupe(runs):
    from datasets import load_from_disk

    ours = load_from_disk(str(runs["fast"]["prepared"]))
    theirs = load_from_disk(str(runs["plain"]["prepared"]))
    assert len(theirs) < 260, "axolotl removed the repeats"
    assert ours.features == theirs.features
    assert ours.to_dict() == theirs.to_dict()


def test_same_losses(runs):
    assert len(runs["plain"]["losses"]) == 3
    assert runs["fast"]["losses"] == runs["plain"]["losses"]


def test_ours_replaced_axolotls_and_ran_once(runs):
    fast = runs["fast"]
    deduped = [entry for entry in fast["trace"] if entry["hook"] == "dedupe"]
    assert len(deduped) == 1, "hashed in preprocess only, not again in train"
    assert deduped[0]["pid"] == fast["trace"][0]["pid"]
    assert deduped[0]["rows"] == 260 and deduped[0]["removed"] > 0
    assert (
        "dedupe replaces axolotl's dataset_exact_deduplication"
        in fast["preprocess_log"]
    )
    for log in (fast["preprocess_log"], fast["train_log"]):
        assert AXOLOTL_DEDUPE_LOG not in log
    # axolotl itself hashes again at the validation split of every start
    assert AXOLOTL_DEDUPE_LOG in runs["plain"]["train_log"]


def test_report_names_dedupe_active(runs):
    report = json.loads((runs["fast"]["out"] / "axolotl_fast_report.json").read_text())
    assert report["active_operations"] == ["loader", "dedupe", "collator"]
