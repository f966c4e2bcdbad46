"""The plugin's ``near_dedupe`` option: axolotl's prepared rows, less their near-duplicates.

The differential reference is axolotl's own prepared dataset (the plugin off) with
`axolotl_fast.near_dedupe` applied to its ``input_ids``: the plugin's prepared dataset must
be exactly those rows. Also: the counts are logged, the option enters the prepared-dataset
hash only when on, and it is refused where it cannot run.
"""

from __future__ import annotations

import json
import logging
import random

import pyarrow.parquet as pq
import pytest

pytest.importorskip("axolotl")

from axolotl.common.datasets import load_datasets as axolotl_load_datasets
from axolotl.utils.dict import DictDefault
from pydantic import ValidationError

from axolotl_fast import InvalidArgumentError, near_dedupe
from axolotl_fast.integration.args import AxolotlFastArgs, AxolotlFastConfig
from axolotl_fast.integration.data.load import hashed_settings
from support.parity import make_cfg, our_plugin


@pytest.fixture(scope="module")
def with_near_copies(tiny_kit, tmp_path_factory):
    """The kit's rows and 40 copies with a word added, placed later at random."""
    rows = pq.read_table(tiny_kit.parquet).to_pylist()
    rng = random.Random(5)
    copies = [
        {**row, "output": row["output"] + " Indeed."} for row in rng.sample(rows, 40)
    ]
    for copy in copies:
        rows.insert(rng.randrange(len(rows) // 2, len(rows) + 1), copy)
    path = tmp_path_factory.mktemp("near") / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def entry(path) -> list[dict]:
    return [{"path": str(path), "type": "alpaca"}]


@pytest.mark.parametrize(
    ("block", "extra"),
    [
        ({"loader": True, "near_dedupe": {}}, {}),
        (
            {"loader": False, "dedupe": True, "near_dedupe": {"threshold": 0.8}},
            {"sample_packing": True},
        ),
    ],
    ids=["rust-reader", "axolotl-reader-exact-dedupe-packing"],
)
def test_prepared_rows_are_axolotls_less_their_near_duplicates(
    plugin_manager, tiny_kit, tmp_path, with_near_copies, caplog, block, extra
):
    ours_cfg = make_cfg(
        tiny_kit, tmp_path, "ours", entry(with_near_copies), axolotl_fast=block, **extra
    )
    with caplog.at_level(logging.INFO, logger="axolotl_fast"):
        ours = our_plugin(plugin_manager).load_datasets(ours_cfg, preprocess=False)
    theirs_cfg = make_cfg(
        tiny_kit,
        tmp_path,
        "axolotl",
        entry(with_near_copies),
        dataset_exact_deduplication=bool(block.get("dedupe")),
        **extra,
    )
    theirs = axolotl_load_datasets(cfg=theirs_cfg).train_dataset
    settings = AxolotlFastConfig.model_validate(block).near_dedupe
    result = near_dedupe(
        theirs.with_format("arrow")[:],
        column="input_ids",
        threshold=settings.threshold,
    )
    expected = theirs.select(result.indices)
    assert 0 < result.num_removed < len(theirs)
    assert ours.train_dataset.features == expected.features
    assert ours.train_dataset.to_dict() == expected.to_dict()
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        f"near_dedupe removed {result.num_removed} of {len(theirs)} rows" in m
        for m in messages
    )


def test_the_option_enters_the_prepared_dataset_hash_only_when_on():
    off = hashed_settings(AxolotlFastConfig())
    assert "near_dedupe" not in off, "hashes made before near_dedupe stay valid"
    on = hashed_settings(AxolotlFastConfig(near_dedupe={"threshold": 0.9}))
    other = hashed_settings(AxolotlFastConfig(near_dedupe={"threshold": 0.8}))
    assert on["near_dedupe"]["threshold"] == 0.9 and on != other


def test_a_column_the_prepared_split_lacks_is_named(
    plugin_manager, tiny_kit, tmp_path, with_near_copies
):
    block = {"near_dedupe": {"column": "text"}}
    cfg = make_cfg(
        tiny_kit, tmp_path, "ours", entry(with_near_copies), axolotl_fast=block
    )
    with pytest.raises(InvalidArgumentError, match="'text' is not a column"):
        our_plugin(plugin_manager).load_datasets(cfg, preprocess=False)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"streaming": True}, "not available with streaming"),
        ({"skip_prepare_dataset": True}, "skip_prepare_dataset"),
        ({"rl": "dpo"}, "not available for rl"),
    ],
)
def test_near_dedupe_is_refused_where_it_cannot_run(extra, message):
    with pytest.raises(ValidationError, match=message):
        AxolotlFastArgs.model_validate({"axolotl_fast": {"near_dedupe": {}}, **extra})


def test_bad_settings_are_refused_by_the_schema():
    with pytest.raises(ValidationError, match="num_perm >= 112"):
        AxolotlFastConfig.model_validate({"near_dedupe": {"num_perm": 64}})
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        AxolotlFastConfig.model_validate({"near_dedupe": {"threshold": 2}})
    with pytest.raises(ValidationError, match="treshold"):
        AxolotlFastConfig.model_validate({"near_dedupe": {"treshold": 0.5}})


def test_a_config_the_plugin_cannot_load_is_refused_not_left_undeduplicated():
    from axolotl_fast.integration.data.load import load_datasets

    cfg = DictDefault({"datasets": [{"path": "x.jsonl", "type": "y"}]})
    settings = AxolotlFastConfig(near_dedupe={})
    with pytest.raises(ValueError, match="near_dedupe needs the plugin"):
        load_datasets(DictDefault({**cfg, "rl": "dpo"}), settings)
