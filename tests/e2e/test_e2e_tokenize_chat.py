"""Real `axolotl preprocess` + `axolotl train` of a `type: chat_template` entry (ChatML, user
and assistant both trained), with and without `sample_packing`, plugin on and off.

Conversations made from the kit's rows (a system turn on every other one) in a JSON Lines
file. Both runs must prepare the same rows (every value, same order, same types) and give the
same 3 losses, and the plugin's run must have tokenized the entry in Rust.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.axolotl_run import axolotl_env, read_lines, run_axolotl_ok, write_config

pytest.importorskip("axolotl")
yaml = pytest.importorskip("yaml")

pytestmark = pytest.mark.e2e


def conversations(kit, work: Path) -> Path:
    path = work / "chats.jsonl"
    lines = []
    for index, line in enumerate(Path(kit.jsonl).read_text().splitlines()):
        row = json.loads(line)
        messages = [
            {"role": "system", "content": f"Answer briefly ({index})."},
            {"role": "user", "content": row["instruction"]},
            {"role": "assistant", "content": row["output"]},
            {"role": "user", "content": "And again?"},
            {"role": "assistant", "content": row["output"][::-1]},
        ][index % 2 :]
        lines.append(json.dumps({"messages": messages}))
    path.write_text("\n".join(lines) + "\n")
    return path


def preprocess_and_train(
    example: str, kit, work: Path, data: Path, packing: bool
) -> dict:
    work.mkdir(parents=True)
    entry = {
        "path": str(data),
        "ds_type": "json",
        "type": "chat_template",
        "chat_template": "chatml",
        "roles_to_train": ["user", "assistant"],
    }
    config = write_config(example, kit, work, entry)
    cfg = yaml.safe_load(config.read_text())
    cfg.update(sample_packing=packing, sequence_len=256)
    config.write_text(yaml.safe_dump(cfg))
    env = axolotl_env(
        AXOLOTL_FAST_TRACE=str(work / "trace.jsonl"),
        LOSS_RECORDER_FILE=str(work / "losses.jsonl"),
    )
    preprocess = run_axolotl_ok("preprocess", str(config), env=env)
    run_axolotl_ok("train", str(config), "--launcher", "python", env=env)
    (prepared,) = [p for p in (work / "prepared").iterdir() if p.is_dir()]
    trace = read_lines(work / "trace.jsonl") if (work / "trace.jsonl").exists() else []
    return {
        "prepared": prepared,
        "losses": read_lines(work / "losses.jsonl"),
        "trace": trace,
        "log": preprocess.stdout + preprocess.stderr,
    }


@pytest.fixture(scope="module", params=["unpacked", "packed"])
def runs(request, tiny_kit, tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp(f"e2e-chat-{request.param}")
    data = conversations(tiny_kit, work)
    packing = request.param == "packed"
    return {
        name: preprocess_and_train(example, tiny_kit, work / name, data, packing)
        for name, example in (("fast", "tiny-cpu-fast.yml"), ("plain", "tiny-cpu.yml"))
    }


def test_the_plugin_tokenized_the_chat_entry_in_rust(runs):
    notes = [e["note"] for e in runs["fast"]["trace"] if e["hook"] == "tokenize"]
    assert len(notes) == 1 and notes[0].startswith("Rust tokenized")
    assert "(type: chat_template)" in notes[0]
    assert "chat_template renders: one per conversation shape" in runs["fast"]["log"]


def test_same_prepared_rows_and_losses(runs):
    from datasets import load_from_disk

    ours = load_from_disk(str(runs["fast"]["prepared"]))
    theirs = load_from_disk(str(runs["plain"]["prepared"]))
    assert len(theirs) > 100
    assert ours.features == theirs.features
    assert ours.to_dict() == theirs.to_dict()
    assert len(runs["plain"]["losses"]) == 3
    assert runs["fast"]["losses"] == runs["plain"]["losses"]
