"""`axolotl-fast prepare CONFIG --ray`, then `axolotl train CONFIG`: the same 3 losses.

One run prepares the dataset on a local Ray (the command starts it) and trains on what it
wrote; the other lets the plugin prepare the same config on one machine inside `axolotl
train`. The data repeats rows (dedupe on) and mixes JSON Lines with Parquet. The training run
must load the Ray-prepared dataset rather than prepare one, and both runs must give the same
prepared rows and the same losses.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support.axolotl_run import axolotl_env, read_lines, run_axolotl_ok, write_config

pytest.importorskip("axolotl")
pytest.importorskip("ray", reason="ray[data] is not installed (axolotl_fast[ray])")
yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.e2e


def config(kit, work: Path) -> Path:
    """tiny-cpu-fast.yml with dedupe, on the kit's duplicated JSON Lines plus its Parquet."""
    work.mkdir()
    path = write_config(
        "tiny-cpu-fast.yml", kit, work, {"path": str(kit.jsonl_with_duplicates)}
    )
    cfg = yaml.safe_load(path.read_text())
    cfg["axolotl_fast"]["dedupe"] = True
    cfg["datasets"].append(
        {"path": str(kit.parquet), "ds_type": "parquet", "type": "alpaca"}
    )
    path.write_text(yaml.safe_dump(cfg))
    return path


def train(path: Path, work: Path) -> dict:
    env = axolotl_env(
        AXOLOTL_FAST_TRACE=str(work / "trace.jsonl"),
        LOSS_RECORDER_FILE=str(work / "losses.jsonl"),
    )
    run_axolotl_ok("train", str(path), "--launcher", "python", env=env)
    (prepared,) = (p for p in (work / "prepared").iterdir() if p.is_dir())
    return {
        "losses": read_lines(work / "losses.jsonl"),
        "trace": read_lines(work / "trace.jsonl"),
        "prepared": prepared,
    }


@pytest.fixture(scope="module")
def runs(tiny_kit, tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e-ray")
    ray_cfg = config(tiny_kit, root / "ray")
    command = Path(sys.executable).with_name("axolotl-fast")
    prepared = subprocess.run(
        [str(command), "prepare", str(ray_cfg), "--ray", "--json"],
        env=axolotl_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert prepared.returncode == 0, prepared.stderr[-4000:]
    return {
        "summary": json.loads(prepared.stdout),
        "ray": train(ray_cfg, root / "ray"),
        "one machine": train(config(tiny_kit, root / "one"), root / "one"),
    }


def test_train_loads_the_ray_prepared_dataset(runs):
    (summary,) = runs["summary"]
    assert summary["split"] == "train" and summary["dropped_duplicates"] > 0
    assert summary["path"] == str(runs["ray"]["prepared"])
    events = [e for e in runs["ray"]["trace"] if e["hook"] == "prepared_dataset"]
    assert [e["action"] for e in events] == ["loaded"]


def test_same_prepared_rows_and_same_losses(runs):
    from datasets import load_from_disk

    ours = load_from_disk(str(runs["ray"]["prepared"]))
    theirs = load_from_disk(str(runs["one machine"]["prepared"]))
    assert ours.features == theirs.features
    assert ours.to_dict() == theirs.to_dict()
    assert len(runs["one machine"]["losses"]) == 3
    assert runs["ray"]["losses"] == runs["one machine"]["losses"]
