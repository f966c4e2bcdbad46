"""Real `axolotl preprocess` + `train` with `packing: bfd`: it trains one whole epoch, says its
efficiency, and takes exactly as many optimizer steps as there are packed batches.

The tiny config with `sample_packing: true`, no `max_steps` and `num_epochs: 1`, so the step
count is the plugin's: one optimizer step per packed batch. With eager attention axolotl
packs "real batches": bins of `sequence_len` (256) tokens, `micro_batch_size` (2) bins per
batch. The test re-packs the prepared dataset's lengths with `axolotl_fast.pack` to know the
count independently.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from support.axolotl_run import axolotl_env, read_lines, run_axolotl_ok, write_config

yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def run(tiny_kit, tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("e2e-packing")
    config = write_config("tiny-cpu-fast.yml", tiny_kit, work)
    cfg = yaml.safe_load(config.read_text())
    cfg["axolotl_fast"]["packing"] = "bfd"
    del cfg["max_steps"]
    cfg.update(sample_packing=True, num_epochs=1, save_strategy="no")
    config.write_text(yaml.safe_dump(cfg))
    env = axolotl_env(
        LOSS_RECORDER_FILE=str(work / "losses.jsonl"),
        AXOLOTL_FAST_TRACE=str(work / "trace.jsonl"),
    )
    run_axolotl_ok("preprocess", str(config), env=env)
    result = run_axolotl_ok("train", str(config), "--launcher", "python", env=env)
    return {
        "work": work,
        "log": result.stdout + result.stderr,
        "losses": read_lines(work / "losses.jsonl"),
        "report": json.loads((work / "out" / "axolotl_fast_report.json").read_text()),
    }


def expected_bins(work: Path) -> int:
    from datasets import load_from_disk

    from axolotl_fast import pack

    (prepared,) = [p for p in (work / "prepared").iterdir() if p.is_dir()]
    lengths = np.asarray(load_from_disk(str(prepared))["length"])
    return len(pack(lengths, 256, strategy="bfd", max_per_bin=200)) // 2


def test_trains_exactly_one_step_per_packed_batch(run):
    bins = expected_bins(run["work"])
    match = re.search(r"packing bfd: (\d+) batches, efficiency ([0-9.]+)", run["log"])
    assert match, "the plugin did not report its packing"
    assert int(match.group(1)) == bins
    assert 0.7 < float(match.group(2)) <= 1.0  # 113-201 token rows in 256-token bins
    assert len(run["losses"]) == bins  # logging_steps: 1, one loss per optimizer step
    packing = {op["name"]: op for op in run["report"]["operations"]}["packing"]
    assert packing["active"]
    assert f"{bins} packed batches per epoch" in packing["note"]
    assert f"{bins} optimizer steps" in packing["note"]


def test_denser_than_axolotls_estimate(run):
    # axolotl's own count for the same data, from its first-fit sampler, logged before ours
    estimate = re.search(r"axolotl estimated (\d+)", run["log"])
    if estimate:  # equal counts print nothing
        assert int(estimate.group(1)) >= expected_bins(run["work"])
