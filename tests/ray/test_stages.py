"""The Ray stages' functions called directly, in this process (no cluster)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

pytest.importorskip("axolotl")
pytest.importorskip("ray", reason="ray[data] is not installed (axolotl_fast[ray])")

from axolotl_fast.ray.stages import (
    ENTRY,
    INDEX,
    INPUTS,
    KEY,
    RANK,
    SPLIT,
    START,
    StageSettings,
    passes_block,
)
from support.ray_prepare import ray_cfg


def tokenized_block(labels: list[list[int]]) -> pa.Table:
    rows = len(labels)
    ids = [[5 + j for j in range(len(row))] for row in labels]
    return pa.table(
        {
            "input_ids": pa.array(ids, pa.list_(pa.int32())),
            "attention_mask": pa.array(
                [[1] * len(r) for r in ids], pa.list_(pa.int8())
            ),
            "labels": pa.array(labels, pa.list_(pa.int64())),
            ENTRY: pa.array([0] * rows, pa.int32()),
            START: pa.array([0] * rows, pa.int64()),
            INPUTS: pa.array([rows] * rows, pa.int64()),
            SPLIT: pa.array([""] * rows),
            INDEX: pa.array(np.arange(rows)),
        }
    )


def run_passes(kit, work: Path, labels: list[list[int]]) -> tuple[pa.Table, Path]:
    cfg = ray_cfg(kit, work, "prepared", [{"path": "x.jsonl", "type": "alpaca"}])
    settings = StageSettings(
        cfg=dict(cfg), split="train", entries=[], plans=[], block_rows=10
    )
    mark = work / ".untrainable"
    ranks = np.array([7, 3, 9, 1], dtype=np.int64)[: len(labels)]
    out = passes_block(tokenized_block(labels), settings, {(0, 0): 0}, ranks, str(mark))
    return out, mark


def test_a_block_gets_ranks_packing_columns_and_keys(
    plugin_manager, tiny_kit, tmp_path
):
    out, mark = run_passes(tiny_kit, tmp_path, [[-100, 6, 7], [5, 6], [-100, -100, 9]])
    assert out.column(RANK).to_pylist() == [7, 3, 9]
    assert out.column("position_ids").to_pylist() == [[0, 1, 2], [0, 1], [0, 1, 2]]
    assert out.column(KEY).type == pa.binary(16) and out.column(KEY).null_count == 0
    assert not mark.exists()


def test_a_block_without_a_trainable_token_is_empty_and_marked(
    plugin_manager, tiny_kit, tmp_path
):
    out, mark = run_passes(tiny_kit, tmp_path, [[-100, -100], [-100, -100, -100]])
    assert len(out) == 0
    assert mark.read_text().startswith("The dataset has no samples left")
