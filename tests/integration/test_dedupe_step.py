"""The plugin's ``dedupe`` toggle, in process: where it runs, what it replaces, what it refuses.

Each parity case prepares a config with ``dedupe: true`` through the plugin and the same
config with axolotl's ``dataset_exact_deduplication: true`` through axolotl's own loader, on
the tiny kit's rows with planted repeats, and compares the datasets and step counts.
"""

from __future__ import annotations

import json
import logging
import random

import pyarrow.csv
import pyarrow.parquet as pq
import pytest

pytest.importorskip("axolotl")

from axolotl.common.datasets import load_datasets as axolotl_load_datasets
from axolotl.utils.dict import DictDefault
from pydantic import ValidationError

from axolotl_fast.integration.args import AxolotlFastArgs, AxolotlFastConfig
from support.parity import assert_same_datasets, make_cfg, our_plugin


@pytest.fixture(scope="module")
def repeated(tiny_kit, tmp_path_factory):
    """The kit's rows with 50 repeats, as JSON Lines and as CSV (which the loader leaves)."""
    table = pq.read_table(tiny_kit.parquet)
    rng = random.Random(3)
    order = list(range(table.num_rows)) + rng.sample(range(table.num_rows), 50)
    rng.shuffle(order)
    table = table.take(order)
    root = tmp_path_factory.mktemp("repeated")
    jsonl, csv = root / "rows.jsonl", root / "rows.csv"
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in table.to_pylist()))
    pyarrow.csv.write_csv(table, csv)
    return {"jsonl": jsonl, "csv": csv}


def entry(path) -> list[dict]:
    return [{"path": str(path), "type": "alpaca"}]


def prepare_both(plugin_manager, tiny_kit, tmp_path, path, block, **extra):
    ours_cfg = make_cfg(
        tiny_kit, tmp_path, "ours", entry(path), axolotl_fast=block, **extra
    )
    ours = our_plugin(plugin_manager).load_datasets(ours_cfg, preprocess=False)
    theirs_cfg = make_cfg(
        tiny_kit,
        tmp_path,
        "axolotl",
        entry(path),
        dataset_exact_deduplication=True,
        **extra,
    )
    return ours, axolotl_load_datasets(cfg=theirs_cfg)


@pytest.mark.parametrize(
    ("source", "block", "extra"),
    [
        ("jsonl", {"loader": True, "dedupe": True}, {"sample_packing": True}),
        ("jsonl", {"loader": False, "dedupe": True}, {"val_set_size": 0.1}),
        ("csv", {"loader": True, "dedupe": True}, {"val_set_size": 0.1}),
    ],
    ids=["rust-reader-packing", "axolotl-reader-val-split", "loader-fallback"],
)
def test_dedupe_prepares_what_axolotls_dedupe_prepares(
    plugin_manager, tiny_kit, tmp_path, repeated, caplog, source, block, extra
):
    with caplog.at_level(logging.INFO, logger="axolotl_fast"):
        ours, theirs = prepare_both(
            plugin_manager, tiny_kit, tmp_path, repeated[source], block, **extra
        )
    assert_same_datasets(ours, theirs)
    total = len(ours.train_dataset) + len(ours.eval_dataset or [])
    assert total < 250, "repeats were removed"
    messages = [r.getMessage() for r in caplog.records]
    assert any("dedupe removed" in m and "of 250 rows" in m for m in messages)


def test_a_config_left_to_axolotl_keeps_the_dedupe_asked_for(plugin_manager):
    from axolotl_fast.integration.data.load import load_datasets

    cfg = DictDefault({"rl": "dpo", "datasets": [{"path": "x.jsonl", "type": "y"}]})
    outcome = load_datasets(cfg, AxolotlFastConfig(dedupe=True))
    assert outcome.meta is None and not outcome.deduped_by_us
    assert cfg.dataset_exact_deduplication is True


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"streaming": True}, "not available with streaming"),
        ({"pretraining_dataset": [{"path": "x"}]}, "not available with streaming"),
        ({"skip_prepare_dataset": True}, "skip_prepare_dataset"),
    ],
)
def test_dedupe_is_refused_where_axolotl_refuses_its_own(extra, message):
    with pytest.raises(ValidationError, match=message):
        AxolotlFastArgs.model_validate({"axolotl_fast": {"dedupe": True}, **extra})
    AxolotlFastArgs.model_validate({"axolotl_fast": {"dedupe": False}, **extra})
