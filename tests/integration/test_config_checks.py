"""The YAML surface without axolotl: the pydantic models and the raw-config checks."""

from __future__ import annotations

import pydantic
import pytest

from axolotl_fast.errors import ConfigError
from axolotl_fast.integration.args import (
    PACKING_STRATEGIES,
    AxolotlFastArgs,
    AxolotlFastConfig,
)
from axolotl_fast.integration.config_checks import (
    block_keys,
    check_raw_config,
    lists_plugin,
)
from axolotl_fast.integration.status import (
    fast_config,
    operation_statuses,
    plugin_enabled,
)


def test_defaults_change_no_data():
    config = AxolotlFastConfig()
    assert (
        config.loader,
        config.tokenize,
        config.dedupe,
        config.collator,
        config.packing,
    ) == (
        True,
        True,
        False,
        True,
        "axolotl",
    )


def test_every_key_has_a_description():
    for name, field in AxolotlFastConfig.model_fields.items():
        assert field.json_schema_extra and field.json_schema_extra["description"], name
    schema = AxolotlFastArgs.model_json_schema()
    assert "description" in schema["properties"]["axolotl_fast"]


@pytest.mark.parametrize("value", ["yes", 1, "true", None])
def test_toggles_are_strict_booleans(value):
    with pytest.raises(pydantic.ValidationError, match="loader"):
        AxolotlFastConfig.model_validate({"loader": value})


def test_packing_takes_only_known_strategies():
    for strategy in PACKING_STRATEGIES:
        assert AxolotlFastConfig(packing=strategy).packing == strategy
    with pytest.raises(pydantic.ValidationError, match="packing"):
        AxolotlFastConfig.model_validate({"packing": "best"})


def test_pydantic_forbids_unknown_keys_too():
    with pytest.raises(pydantic.ValidationError, match="dedup"):
        AxolotlFastConfig.model_validate({"dedup": True})


def test_bare_block_means_defaults():
    args = AxolotlFastArgs.model_validate({"axolotl_fast": None})
    assert args.axolotl_fast == AxolotlFastConfig()
    assert AxolotlFastArgs.model_validate({}).axolotl_fast is None


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [
        ("dedup", "dedupe"),
        ("colator", "collator"),
        ("loaders", "loader"),
        ("packign", "packing"),
    ],
)
def test_misspelled_block_key_names_key_suggestion_and_valid_keys(typo, suggestion):
    with pytest.raises(ConfigError) as caught:
        check_raw_config({"axolotl_fast": {typo: True}})
    message = str(caught.value)
    assert f"axolotl_fast.{typo}" in message
    assert f"Did you mean {suggestion!r}" in message
    assert "collator, dedupe, loader, near_dedupe, packing" in message
    assert caught.value.key == typo
    assert caught.value.valid_keys == block_keys()


@pytest.mark.parametrize(
    "key",
    [
        "axolotl-fast",
        "axolotlfast",
        "Axolotl_Fast",
        "axolotl_fst",
        "axolot_fast",
        "axolotl_fast_loader",
        "fast_axolotl",
        "fast-axolotl",
        "axolotl_fats",
        "axolotl_fastt",
    ],
)
def test_top_level_lookalikes_are_rejected(key):
    with pytest.raises(ConfigError, match=f"{key!r} looks like a misspelling"):
        check_raw_config({key: {"loader": True}})


@pytest.mark.parametrize(
    "key",
    [
        "axolotl_config_path",
        "base_model",
        "datasets",
        "dataset_prepared_path",
        "plugins",
        "fast_attention",
        "axolotl_fast",
        "axolotl_data",
        "axolotl_args",
        "axolotl_flash",
        "axolotl_test",
        "dedupe",
        "packing",
    ],
)
def test_ordinary_keys_pass(key):
    check_raw_config({key: "x"})


def test_non_mapping_block_is_left_to_pydantic():
    check_raw_config({"axolotl_fast": True})  # no ConfigError here...
    with pytest.raises(pydantic.ValidationError):  # ...pydantic rejects the type
        AxolotlFastArgs.model_validate({"axolotl_fast": True})


@pytest.mark.parametrize(
    "name",
    [
        "axolotl_fast.FastPlugin",
        "axolotl_fast:FastPlugin",
        "axolotl_fast.plugin.FastPlugin",
    ],
)
def test_plugin_is_enabled_by_any_spelling_of_its_name(name):
    assert lists_plugin([name])
    assert plugin_enabled({"plugins": [name]})


def test_plugin_is_inert_without_block_or_plugins_entry():
    assert not plugin_enabled({"plugins": ["axolotl.integrations.liger.LigerPlugin"]})
    assert not plugin_enabled({})
    assert plugin_enabled({"axolotl_fast": {}})


def test_requested_operations_start_active():
    statuses = operation_statuses(
        fast_config(
            {"axolotl_fast": {"dedupe": True, "near_dedupe": {}, "packing": "bfd"}}
        )
    )
    names = ["loader", "tokenize", "dedupe", "near_dedupe", "collator", "packing"]
    assert [s.name for s in statuses] == names
    assert all(s.requested for s in statuses)
    assert [s.name for s in statuses if s.active] == names
    notes = {s.name: s.note for s in statuses}
    assert "Rust reader" in notes["loader"]
    assert "first 256 rows" in notes["tokenize"]
    assert "dataset_exact_deduplication" in notes["dedupe"]
    assert "changes the data" in notes["near_dedupe"]
    assert "FastCollator" in notes["collator"]
    assert "axolotl_fast.pack" in notes["packing"]
    off = operation_statuses(fast_config({"axolotl_fast": {"tokenize": False}}))
    assert off[1].note == "off in the config" and not off[1].requested
    assert off[3].name == "near_dedupe" and not off[3].requested
    assert "axolotl's multipack sampler decides" in off[5].note


@pytest.mark.parametrize(
    "cfg",
    [
        {"axolotl_fast": None, "loader": False},
        {"plugins": ["axolotl_fast.FastPlugin"], "dedupe": True},
        {"axolotl_fast": {"collator": False}, "packing": "bfd"},
    ],
)
def test_block_keys_at_top_level_are_an_indentation_slip(cfg):
    stray = next(k for k in cfg if k in block_keys())
    with pytest.raises(
        ConfigError, match=f"{stray!r} is an axolotl_fast setting"
    ) as caught:
        check_raw_config(cfg)
    assert "Indent it under `axolotl_fast:`" in str(caught.value)
    assert caught.value.key == stray


def test_every_unknown_key_in_the_block_is_named():
    with pytest.raises(ConfigError) as caught:
        check_raw_config(
            {"axolotl_fast": {"dedup": True, "colator": False, "loader": True}}
        )
    message = str(caught.value)
    assert "axolotl_fast.dedup. Did you mean 'dedupe'?" in message
    assert "axolotl_fast.colator. Did you mean 'collator'?" in message
    assert "axolotl_fast.loader" not in message
