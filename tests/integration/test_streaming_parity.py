"""Streaming configs: the plugin's loader against axolotl's own, in process, item for item.

`pretraining_dataset` (packed and not) and `streaming: true` (packed: `datasets[0]`, and the
per-entry path without packing) through `FastPlugin.load_datasets` and through axolotl's
`load_datasets` must give the same training items (tensors), the same step count and the same
eval split.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytest.importorskip("axolotl")

import torch
from axolotl.common.datasets import load_datasets as axolotl_load_datasets
from datasets import IterableDataset

from support.parity import make_cfg, our_plugin

ITEMS = 6


@pytest.fixture(scope="module")
def text_dir(tmp_path_factory) -> Path:
    """Pretraining text in three JSON Lines files (one gzip), 90 rows in all."""
    import gzip

    directory = tmp_path_factory.mktemp("pretrain")
    for index, name in enumerate(("a.jsonl", "b.jsonl.gz", "c.jsonl")):
        lines = "".join(
            json.dumps(
                {"text": f"document {index}-{i}: " + "tokens go here " * (i % 9)}
            )
            + "\n"
            for i in range(30)
        ).encode()
        (directory / name).write_bytes(
            gzip.compress(lines) if name.endswith("gz") else lines
        )
    return directory


@pytest.fixture(scope="module")
def alpaca_dir(tiny_kit, tmp_path_factory) -> Path:
    """The kit's alpaca rows as two parquet files."""
    table = pq.read_table(tiny_kit.parquet)
    directory = tmp_path_factory.mktemp("alpaca")
    pq.write_table(table.slice(0, 120), directory / "part-0.parquet")
    pq.write_table(table.slice(120), directory / "part-1.parquet")
    return directory


def items(dataset, count: int = ITEMS) -> list[dict]:
    """The first items. Axolotl's streaming packer draws its order from torch's global RNG
    (a ``RandomSampler`` without a generator), so both sides start from the same seed."""
    torch.manual_seed(0)
    out = []
    for item in dataset:
        out.append(item)
        if len(out) == count:
            break
    return out


def assert_same_items(ours, theirs) -> None:
    assert ours is not None, "the plugin fell back to axolotl's loader"
    assert isinstance(ours.train_dataset, IterableDataset)
    mine, reference = items(ours.train_dataset), items(theirs.train_dataset)
    assert len(mine) == len(reference) > 0
    for left, right in zip(mine, reference, strict=True):
        assert left.keys() == right.keys()
        for key in left:
            assert torch.equal(
                torch.as_tensor(left[key]), torch.as_tensor(right[key])
            ), key
    assert ours.total_num_steps == theirs.total_num_steps
    if theirs.eval_dataset is None:
        assert ours.eval_dataset is None
    else:
        assert ours.eval_dataset.to_dict() == theirs.eval_dataset.to_dict()


def run_both(plugin_manager, kit, work: Path, datasets_cfg: list | None, **extra):
    ours_cfg = make_cfg(kit, work, "ours", datasets_cfg, **extra)
    ours = our_plugin(plugin_manager).load_datasets(ours_cfg, preprocess=False)
    theirs_cfg = make_cfg(kit, work, "axolotl", datasets_cfg, **extra)
    theirs = axolotl_load_datasets(cfg=theirs_cfg)
    assert ours_cfg.micro_batch_size == theirs_cfg.micro_batch_size  # axolotl sets 1
    return ours, theirs


def pretraining(directory: Path) -> dict:
    return {
        "pretraining_dataset": [
            {"path": str(directory), "type": "pretrain", "text_column": "text"}
        ],
        "streaming": True,
        "max_steps": 3,
        "streaming_multipack_buffer_size": 40,
    }


@pytest.mark.parametrize("packing", [True, False])
def test_pretraining_dataset(plugin_manager, tiny_kit, tmp_path, text_dir, packing):
    extra = {**pretraining(text_dir), "sample_packing": packing}
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, None, **extra)
    assert_same_items(ours, theirs)
    assert ours.total_num_steps == 3


def test_pretraining_builder_name_with_data_files_and_skip(
    plugin_manager, tiny_kit, tmp_path, text_dir
):
    files = [str(text_dir / "c.jsonl"), str(text_dir / "a.jsonl")]
    extra = pretraining(text_dir)
    extra["pretraining_dataset"] = [
        {"path": "json", "data_files": files, "type": "pretrain", "skip": 7}
    ]
    ours, theirs = run_both(
        plugin_manager, tiny_kit, tmp_path, None, sample_packing=True, **extra
    )
    assert_same_items(ours, theirs)


def test_streaming_sft_packed_with_test_datasets(
    plugin_manager, tiny_kit, tmp_path, alpaca_dir
):
    extra = {
        "streaming": True,
        "sample_packing": True,
        "max_steps": 3,
        "streaming_multipack_buffer_size": 50,
        "test_datasets": [
            {"path": str(tiny_kit.parquet), "type": "alpaca", "split": "train"}
        ],
    }
    entries = [{"path": str(alpaca_dir), "type": "alpaca"}]
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries, **extra)
    assert_same_items(ours, theirs)
    assert len(ours.eval_dataset) == 200


def test_streaming_sft_without_packing(plugin_manager, tiny_kit, tmp_path):
    entries = [
        {"path": str(tiny_kit.jsonl), "type": "alpaca", "ds_type": "json"},
        {"path": str(tiny_kit.parquet), "type": "alpaca"},
    ]
    extra = {"streaming": True, "max_steps": 3}
    ours, theirs = run_both(plugin_manager, tiny_kit, tmp_path, entries, **extra)
    assert_same_items(ours, theirs)


def test_hub_source_is_left_to_axolotl(plugin_manager, tiny_kit, tmp_path, caplog):
    extra = pretraining(Path("nobody/nothing"))
    extra["pretraining_dataset"][0]["path"] = "nobody/nothing"
    cfg = make_cfg(tiny_kit, tmp_path, "ours", None, **extra)
    with caplog.at_level("INFO"):
        assert our_plugin(plugin_manager).load_datasets(cfg, preprocess=False) is None
    assert "falls back to axolotl's loader for nobody/nothing" in caplog.text
