"""Real `axolotl train` on a streamed `pretraining_dataset`, plugin loader on and off.

The tiny CPU config with `pretraining_dataset` pointing at a directory of JSON Lines files
(one gzip-compressed), `streaming: true` and `max_steps: 3`, once with `sample_packing: true`
and once without (`pretraining_sample_concatenation: true`). With the plugin, the Rust reader
streams the files and the Rust encoder makes every buffer of the stream (`tokenize: true`);
the 3 losses must equal plugin-off's.
(`axolotl preprocess` refuses `pretraining_dataset`, so there is no preprocess step.)
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from support.axolotl_run import (
    EXAMPLES,
    LOSS_RECORDER,
    axolotl_env,
    read_lines,
    run_axolotl_ok,
)

yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.e2e


def text_directory(work: Path) -> Path:
    directory = work / "pretrain"
    directory.mkdir()
    for index, name in enumerate(("part-0.jsonl", "part-1.jsonl.gz", "part-2.jsonl")):
        lines = "".join(
            json.dumps(
                {
                    "text": f"Story {index}.{i}: "
                    + "the cat sat on a mat. " * (i % 7 + 1)
                }
            )
            + "\n"
            for i in range(40)
        ).encode()
        (directory / name).write_bytes(gzip.compress(lines) if "gz" in name else lines)
    return directory


def train(example: str, kit, work: Path, data: Path, packing: bool) -> dict:
    work.mkdir(parents=True)
    cfg = yaml.safe_load((EXAMPLES / example).read_text())
    del cfg["datasets"]
    cfg.update(
        base_model=str(kit.model_dir),
        pretraining_dataset=[{"path": str(data), "type": "pretrain"}],
        streaming=True,
        sample_packing=packing,
        pretraining_sample_concatenation=not packing,
        streaming_multipack_buffer_size=60,
        dataset_prepared_path=str(work / "prepared"),
        output_dir=str(work / "out"),
        plugins=[*cfg.get("plugins", []), LOSS_RECORDER],
    )
    config = work / example
    config.write_text(yaml.safe_dump(cfg))
    env = axolotl_env(
        AXOLOTL_FAST_TRACE=str(work / "trace.jsonl"),
        LOSS_RECORDER_FILE=str(work / "losses.jsonl"),
    )
    result = run_axolotl_ok("train", str(config), "--launcher", "python", env=env)
    return {
        "trace": read_lines(work / "trace.jsonl"),
        "losses": read_lines(work / "losses.jsonl"),
        "log": result.stdout + result.stderr,
    }


@pytest.fixture(scope="module", params=["packed", "concatenated"])
def runs(request, tiny_kit, tmp_path_factory):
    work = tmp_path_factory.mktemp(f"e2e-stream-{request.param}")
    data = text_directory(work)
    packing = request.param == "packed"
    return {
        "packing": packing,
        "fast": train("tiny-cpu-fast.yml", tiny_kit, work / "fast", data, packing),
        "plain": train("tiny-cpu.yml", tiny_kit, work / "plain", data, packing),
    }


def test_same_losses_as_plugin_off(runs):
    fast, plain = runs["fast"]["losses"], runs["plain"]["losses"]
    assert len(fast) == 3
    assert fast == plain


def test_the_rust_reader_streamed_the_files(runs):
    loader = [e for e in runs["fast"]["trace"] if e["hook"] == "loader"]
    assert [(e["split"], e["source"]) for e in loader] == [("train", "raw")]
    assert "streams 3 file(s)" in loader[0]["note"]
    assert "falls back" not in runs["fast"]["log"]


def test_rust_made_every_buffer_after_the_guard(runs):
    notes = [e["note"] for e in runs["fast"]["trace"] if e["hook"] == "tokenize"]
    if runs["packing"]:
        assert notes == ["Rust packs the stream ('text' windows)"]
    else:
        assert notes == ["Rust encodes the stream ('text', not packed)"]
    assert "tokenize guard" not in runs["fast"]["log"]
