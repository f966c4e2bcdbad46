"""Which axolotl_fast operations a config turns on, and which of them are active.

Every operation the config turns on starts active. The plugin's hooks then record what really
happened in a run (a loader fallback, a config that keeps axolotl's collator or trainer) in the
run report, so nothing claims to accelerate what it did not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from axolotl_fast.integration.args import AxolotlFastConfig
from axolotl_fast.integration.config_checks import BLOCK_KEY, lists_plugin

__all__ = [
    "OperationStatus",
    "fast_config",
    "operation_statuses",
    "other_plugins_with",
    "plugin_enabled",
]

# What each operation does when it is active: the note of an active status.
_ACTIVE = {
    "collator": "batches are padded and packed in Rust by FastCollator, which returns the "
    "tensors of the axolotl collator it replaces",
    "dedupe": "tokenized rows are deduplicated in Rust where axolotl's "
    "dataset_exact_deduplication would run (same rows kept), once, before the prepared "
    "dataset is saved",
    "near_dedupe": "tokenized rows similar to an earlier row (MinHash + LSH, estimated "
    "Jaccard at or above the threshold) are dropped after exact dedupe, before the prepared "
    "dataset is saved; this changes the data",
    "tokenize": "entries whose strategy has a fast path (the alpaca family, completion) "
    "are tokenized in Rust on every core, checked against axolotl's strategy on their "
    "first 256 rows; other entries are tokenized by axolotl",
    "packing": "the training bins of sample packing come from axolotl_fast.pack "
    "(FastPackingTrainer); the step count is exact",
    "loader": "local dataset files are read by the Rust reader; axolotl's pipeline does "
    "the rest (non-local or unsupported entries fall back to axolotl's loader)",
}
_OFF_DEFAULT = "off in the config"
_OFF = {"packing": "packing: axolotl, so axolotl's multipack sampler decides the bins"}


@dataclass(frozen=True)
class OperationStatus:
    """The state of one operation for one config.

    Attributes:
        name: The key in the ``axolotl_fast:`` block.
        requested: Whether the config asks for it.
        active: Whether axolotl_fast actually performs it in this run.
        note: One line for the log and the run report.
    """

    name: str
    requested: bool
    active: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        """The status as a JSON-ready dict."""
        return asdict(self)


def plugin_enabled(cfg: Mapping[str, Any]) -> bool:
    """Whether a config turns the plugin on: an ``axolotl_fast`` block or a plugins entry.

    An installed entry point loads the plugin for every config; without either of these the
    plugin stays inert.
    """
    return cfg.get(BLOCK_KEY) is not None or lists_plugin(cfg.get("plugins"))


def fast_config(cfg: Mapping[str, Any]) -> AxolotlFastConfig:
    """The validated ``axolotl_fast`` block of ``cfg`` (defaults when it is absent)."""
    block = cfg.get(BLOCK_KEY) or {}
    return AxolotlFastConfig.model_validate(dict(block))


def operation_statuses(config: AxolotlFastConfig) -> list[OperationStatus]:
    """The status of every operation under ``config``, in block-key order."""
    requested = {
        "loader": config.loader,
        "tokenize": config.tokenize,
        "dedupe": config.dedupe,
        "near_dedupe": config.near_dedupe is not None,
        "collator": config.collator,
        "packing": config.packing != "axolotl",
    }
    statuses = []
    for name, wanted in requested.items():
        note = _ACTIVE[name] if wanted else _OFF.get(name, _OFF_DEFAULT)
        statuses.append(OperationStatus(name, wanted, wanted, note))
    return statuses


def other_plugins_with(hook: str) -> list[str]:
    """The registered plugins, other than ours, whose class overrides ``hook``.

    For first-non-None-wins hooks (``load_datasets``, ``get_trainer_cls``), where answering
    would silence another plugin.
    """
    from axolotl.integrations.base import BasePlugin, PluginManager

    return [
        type(plugin).__name__
        for plugin in PluginManager.get_instance().plugins.values()
        if getattr(type(plugin), hook) is not getattr(BasePlugin, hook)
        and type(plugin).__module__.split(".")[0] != "axolotl_fast"
    ]
