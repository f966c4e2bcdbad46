"""The plugin's `tokenize` against axolotl's own tokenization, in process, row for row.

Each case loads the same config through `FastPlugin.load_datasets` and through axolotl's
`load_datasets` and compares the prepared datasets (columns, features, every value). The
guard is checked with a deliberately wrong fast path: a monkeypatched piece iterator that
changes one label of row 3.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pyarrow as pa
import pytest

pytest.importorskip("axolotl")

from axolotl_fast.integration.data import tokenize_step
from axolotl_fast.integration.tokenize import instruction
from support.parity import assert_same_datasets, make_cfg, our_plugin, run_both

USER_DEFINED = {
    "field_instruction": "instruction",
    "field_input": "input",
    "field_output": "output",
    "format": "[INST] {instruction} {input} [/INST]",
    "no_input_format": "[INST] {instruction} [/INST]",
}


def tokenize_events(path: Path) -> list[dict]:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return [line for line in lines if line["hook"] == "tokenize"]


def report_of(plugin, cfg) -> dict:
    plugin.post_train(cfg, None)
    report = json.loads((Path(cfg.output_dir) / "axolotl_fast_report.json").read_text())
    return {op["name"]: op for op in report["operations"]}


@pytest.fixture
def trace(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "trace.jsonl"
    monkeypatch.setenv("AXOLOTL_FAST_TRACE", str(path))
    return path


@pytest.mark.parametrize(
    ("types", "extra"),
    [
        (["alpaca:chat", "alpaca_instruct"], {"train_on_inputs": True}),
        (["alpaca_chat", "alpaca:phi"], {"sequence_len": 160, "sample_packing": True}),
        (["alpaca:chatml"], {"val_set_size": 0.1}),
    ],
)
def test_alpaca_styles_match_axolotl(
    plugin_manager, tiny_kit, tmp_path, trace, types, extra
):
    entries = [{"path": str(tiny_kit.parquet), "type": t} for t in types]
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries, **extra)
    assert_same_datasets(ours, theirs)
    notes = [event["note"] for event in tokenize_events(trace)]
    assert [note.split(" (type")[0] for note in notes] == [
        f"Rust tokenized {tiny_kit.parquet}"
    ] * len(types)


def test_completion_matches_axolotl_with_packing(
    plugin_manager, tiny_kit, tmp_path, trace
):
    entries = [{"path": str(tiny_kit.parquet), "type": "completion", "field": "output"}]
    extra = {"sequence_len": 24, "sample_packing": True}
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries, **extra)
    assert_same_datasets(ours, theirs)
    assert len(theirs.train_dataset) > 200  # cut into several rows per text
    (event,) = tokenize_events(trace)
    assert event["note"].startswith(
        f"Rust tokenized {tiny_kit.parquet} (type: completion)"
    )


def test_an_error_in_the_fast_path_falls_back_with_a_warning(
    plugin_manager, tiny_kit, tmp_path, trace, caplog, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("the core broke")

    monkeypatch.setattr(instruction, "iter_tokenized", broken)
    entries = [{"path": str(tiny_kit.parquet), "type": "alpaca"}]
    with caplog.at_level(logging.INFO, logger="axolotl_fast"):
        ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries)
    assert_same_datasets(ours, theirs)
    (event,) = tokenize_events(trace)
    assert event["note"].endswith("error, RuntimeError: the core broke")
    assert any(
        r.levelno == logging.WARNING and "tokenize failed" in r.getMessage()
        for r in caplog.records
    )


def test_unsupported_entries_go_to_axolotl_with_one_line_each(
    plugin_manager, tiny_kit, tmp_path, trace, caplog
):
    entries = [
        {"path": str(tiny_kit.parquet), "type": "alpaca"},
        {"path": str(tiny_kit.jsonl), "type": USER_DEFINED},
    ]
    with caplog.at_level(logging.INFO, logger="axolotl_fast"):
        ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries)
    assert_same_datasets(ours, theirs)
    declined = [
        r.getMessage()
        for r in caplog.records
        if r.name == tokenize_step.__name__ and "leaves" in r.getMessage()
    ]
    assert declined == [
        f"axolotl_fast: tokenize leaves {tiny_kit.jsonl} (type: {USER_DEFINED}) to "
        "axolotl: a user-defined type"
    ]
    notes = [event["note"] for event in tokenize_events(trace)]
    assert notes[0].startswith("Rust tokenized") and notes[1].startswith(
        "axolotl tokenized"
    )
    cfg = make_cfg(tiny_kit, tmp_path, "ours", entries)
    status = report_of(our_plugin(plugin_manager), cfg)["tokenize"]
    assert status["active"] and "a user-defined type" in status["note"]


def test_an_entry_with_no_fast_path_leaves_tokenize_inactive_in_the_report(
    plugin_manager, tiny_kit, tmp_path
):
    entries = [{"path": str(tiny_kit.jsonl), "type": USER_DEFINED}]
    cfg = make_cfg(tiny_kit, tmp_path, "ours", entries)
    plugin = our_plugin(plugin_manager)
    assert plugin.load_datasets(cfg, preprocess=False) is not None
    status = report_of(plugin, cfg)["tokenize"]
    assert status["requested"] and not status["active"]
    assert status["note"].startswith(f"axolotl tokenized {tiny_kit.jsonl}")


def wrong_fast_path(monkeypatch, row: int) -> None:
    """Make the fast path add 1 to the last label of ``row`` (a test-only switch)."""
    real = instruction.iter_tokenized

    def corrupted(*args, **kwargs):
        for index, piece in enumerate(real(*args, **kwargs)):
            if index == 0:
                labels = piece.column("labels").to_pylist()
                labels[row][-1] += 1
                column = pa.array(labels, pa.list_(pa.int64()))
                piece = piece.set_column(2, "labels", column)
            yield piece

    monkeypatch.setattr(instruction, "iter_tokenized", corrupted)


def test_the_guard_warns_names_the_row_and_keeps_axolotls_output(
    plugin_manager, tiny_kit, tmp_path, trace, caplog, monkeypatch
):
    wrong_fast_path(monkeypatch, row=3)
    entries = [{"path": str(tiny_kit.parquet), "type": "alpaca"}]
    with caplog.at_level(logging.INFO, logger="axolotl_fast"):
        ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries)
    assert_same_datasets(ours, theirs)
    (warning,) = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name == tokenize_step.__name__
    ]
    assert warning.getMessage() == (
        f"axolotl_fast: tokenize guard: {tiny_kit.parquet} (type: alpaca) differs from "
        "axolotl's strategy at row 3, field 'labels'; axolotl tokenizes this entry instead"
    )
    (event,) = tokenize_events(trace)
    assert event["note"].endswith("guard, row 3, field 'labels'")


def test_tokenize_off_leaves_every_entry_to_axolotl(
    plugin_manager, tiny_kit, tmp_path, trace
):
    entries = [{"path": str(tiny_kit.parquet), "type": "alpaca"}]
    off = {"axolotl_fast": {"loader": True, "tokenize": False}}
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries, **off)
    assert_same_datasets(ours, theirs)
    assert tokenize_events(trace) == []


@pytest.mark.parametrize("packing", [False, True])
def test_chat_template_matches_axolotl(
    plugin_manager, tiny_kit, tmp_path, trace, packing
):
    import pyarrow.parquet as pq

    rows = [
        {
            "messages": [
                {"role": "system", "content": f"Rule {i}."},
                {"role": "user", "content": row["instruction"]},
                {"role": "assistant", "content": row["output"]},
            ][(i % 2) :]
        }
        for i, row in enumerate(pq.read_table(tiny_kit.parquet).to_pylist())
    ]
    path = tmp_path / "chats.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    entries = [{"path": str(path), "type": "chat_template", "chat_template": "chatml"}]
    extra = {"sample_packing": packing, "sequence_len": 256}
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries, **extra)
    assert_same_datasets(ours, theirs)
    (event,) = tokenize_events(trace)
    assert event["note"].startswith(f"Rust tokenized {path} (type: chat_template)")
