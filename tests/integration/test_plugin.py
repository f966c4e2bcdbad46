"""FastPlugin inside axolotl's own config pipeline: prepare_plugins + validate_config."""

from __future__ import annotations

import inspect
import json
import logging

import pydantic
import pytest

pytest.importorskip("axolotl")

from axolotl.integrations.base import BasePlugin, get_builtin_plugins
from axolotl.utils.config import prepare_plugins, validate_config
from axolotl.utils.dict import DictDefault

from axolotl_fast import AxolotlFastConfig, ConfigError, FastPlugin
from axolotl_fast.integration.collator import FastCollator
from axolotl_fast.integration.report import REPORT_NAME

ENTRY_POINT_NAME = "axolotl_fast.FastPlugin"


def base_cfg(**extra) -> DictDefault:
    return DictDefault(
        {
            "base_model": "local/tiny-llama",
            "learning_rate": 1e-3,
            "datasets": [{"path": "data/alpaca.jsonl", "type": "alpaca"}],
            "micro_batch_size": 1,
            "gradient_accumulation_steps": 1,
            **extra,
        }
    )


def load(cfg: DictDefault) -> DictDefault:
    prepare_plugins(cfg)
    return validate_config(cfg)


def our_plugins(manager) -> list[FastPlugin]:
    return [p for p in manager.plugins.values() if isinstance(p, FastPlugin)]


def test_entry_point_is_installed():
    assert ENTRY_POINT_NAME in get_builtin_plugins()


def test_block_is_validated_into_the_config(plugin_manager):
    cfg = load(
        base_cfg(
            plugins=[ENTRY_POINT_NAME], axolotl_fast={"dedupe": True, "packing": "bfd"}
        )
    )
    assert dict(cfg.axolotl_fast) == {
        "loader": True,
        "tokenize": True,
        "dedupe": True,
        "collator": True,
        "packing": "bfd",
    }


def test_listing_the_plugin_does_not_register_it_twice(plugin_manager):
    load(base_cfg(plugins=[ENTRY_POINT_NAME, "axolotl_fast:FastPlugin"]))
    assert len(our_plugins(plugin_manager)) == 1


def test_a_second_registration_under_another_name_stays_inert(plugin_manager):
    cfg = load(base_cfg(plugins=["axolotl_fast.plugin.FastPlugin"], axolotl_fast={}))
    first, second = our_plugins(plugin_manager)
    assert first._enabled(cfg) and not second._enabled(cfg)


def test_typo_in_block_fails_naming_key_and_valid_keys(plugin_manager):
    with pytest.raises(
        ConfigError,
        match=r"axolotl_fast\.dedup\. Did you mean 'dedupe'"
        r"\? Valid keys: collator, dedupe, loader, near_dedupe, packing",
    ):
        load(base_cfg(plugins=[ENTRY_POINT_NAME], axolotl_fast={"dedup": True}))


def test_typo_is_caught_by_the_entry_point_even_without_plugins_line(plugin_manager):
    with pytest.raises(ConfigError, match="colator"):
        load(base_cfg(axolotl_fast={"colator": True}))


def test_misspelled_block_name_fails_instead_of_being_dropped(plugin_manager):
    with pytest.raises(ConfigError, match="'axolotl-fast' looks like a misspelling"):
        load(base_cfg(plugins=[ENTRY_POINT_NAME], **{"axolotl-fast": {"loader": True}}))


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"loader": "fast"}, "loader"),
        ({"packing": "best"}, "packing"),
        ({"dedupe": 3}, "dedupe"),
    ],
)
def test_wrong_type_fails_with_pydantic_error(plugin_manager, block, field):
    with pytest.raises(pydantic.ValidationError, match=field):
        load(base_cfg(plugins=[ENTRY_POINT_NAME], axolotl_fast=block))


def test_no_axolotl_field_looks_like_our_block(plugin_manager):
    from axolotl.utils.schemas.config import AxolotlInputConfig

    from axolotl_fast.integration.config_checks import check_raw_config

    check_raw_config({name: None for name in AxolotlInputConfig.model_fields})


def test_merged_schema_carries_our_descriptions(plugin_manager):
    # `axolotl config-schema` in 0.21 prints the unmerged base schema, so plugin fields
    # cannot appear there; the merged model that validates configs does carry them.
    from axolotl.integrations.config import merge_input_args

    prepare_plugins(base_cfg(plugins=[ENTRY_POINT_NAME]))
    _, input_config = merge_input_args()
    field = input_config.model_fields["axolotl_fast"]
    assert "turns the plugin on" in field.json_schema_extra["description"]
    nested = json.dumps(AxolotlFastConfig.model_json_schema())
    assert "streaming Rust reader" in nested and "multipack" in nested


def _dummy_args(method) -> list:
    params = list(inspect.signature(method).parameters.values())
    return [None for p in params if p.default is inspect.Parameter.empty]


def _hook_names() -> list[str]:
    return [
        name
        for name, _ in inspect.getmembers(BasePlugin, inspect.isfunction)
        if not name.startswith("_") and name not in {"get_input_args", "register"}
    ]


def test_without_block_every_hook_is_inert_and_silent(
    plugin_manager, caplog, tmp_path, monkeypatch
):
    monkeypatch.setenv("AXOLOTL_FAST_TRACE", str(tmp_path / "trace.jsonl"))
    caplog.set_level(logging.DEBUG, logger="axolotl_fast")
    cfg = load(base_cfg(output_dir=str(tmp_path / "out")))
    assert "axolotl_fast" not in cfg
    (plugin,) = our_plugins(plugin_manager)  # loaded through the entry point alone
    reference = BasePlugin()
    for name in _hook_names():
        args = _dummy_args(getattr(plugin, name))
        if args:
            args[0] = cfg
        ours = getattr(plugin, name)(*args)
        assert ours == getattr(reference, name)(*args), name
    assert not [
        r
        for r in caplog.records
        if r.name.startswith("axolotl_fast") and r.levelno > logging.DEBUG
    ]
    assert not (tmp_path / "trace.jsonl").exists()
    assert not (tmp_path / "out").exists()


def test_with_block_hooks_fire_and_report_is_written(
    plugin_manager, tmp_path, monkeypatch, caplog
):
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("AXOLOTL_FAST_TRACE", str(trace))
    cfg = load(
        base_cfg(
            axolotl_fast={"packing": "bfd", "tokenize": False},
            output_dir=str(tmp_path / "out"),
        )
    )
    (plugin,) = our_plugins(plugin_manager)
    with caplog.at_level(logging.INFO, logger="axolotl_fast"):
        assert plugin.load_datasets(cfg, preprocess=False) is None
    assert any("packing active" in r.getMessage() for r in caplog.records)
    collator_cls, kwargs = plugin.get_collator_cls_and_kwargs(cfg, is_eval=False)
    assert collator_cls is FastCollator and kwargs == {"packed": None}
    plugin.post_train(cfg, model=None)
    plugin.post_train(cfg, model=None)  # axolotl fires it twice
    hooks = [json.loads(line)["hook"] for line in trace.read_text().splitlines()]
    assert hooks == [
        "load_datasets",
        "get_collator_cls_and_kwargs",
        "post_train",
        "post_train",
    ]
    report = json.loads((tmp_path / "out" / REPORT_NAME).read_text())
    # data/alpaca.jsonl does not exist here: the loader left the data to axolotl;
    # get_trainer_cls did not run, so packing keeps its configured status
    assert report["active_operations"] == ["collator", "packing"]
    (loader,) = [op for op in report["operations"] if op["name"] == "loader"]
    assert "data/alpaca.jsonl: not a local file" in loader["note"]
    assert report["hooks"] == hooks
    assert {op["name"]: op["requested"] for op in report["operations"]} == {
        "loader": True,
        "tokenize": False,
        "dedupe": False,
        "near_dedupe": False,
        "collator": True,
        "packing": True,
    }
