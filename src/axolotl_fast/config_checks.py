"""Checks of the raw Axolotl config that the schema cannot do.

Axolotl silently drops keys its schema does not know, so a misspelled ``axolotl_fst:`` block
would turn the plugin off without a word. ``FastPlugin.register`` runs these checks on the raw
config, before validation, and raises :class:`~axolotl_fast.errors.ConfigError` naming the key,
the closest valid key and all valid ones.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from axolotl_fast.args import AxolotlFastConfig
from axolotl_fast.errors import ConfigError

__all__ = ["BLOCK_KEY", "PLUGIN_NAMES", "check_raw_config", "lists_plugin"]

BLOCK_KEY = "axolotl_fast"
PLUGIN_NAMES = frozenset(
    {
        "axolotl_fast.FastPlugin",
        "axolotl_fast:FastPlugin",
        "axolotl_fast.plugin.FastPlugin",
        "axolotl_fast.plugin:FastPlugin",
    }
)
_LOOKALIKE_CUTOFF = 0.8


def block_keys() -> tuple[str, ...]:
    """The keys accepted inside the ``axolotl_fast:`` block, sorted."""
    return tuple(sorted(AxolotlFastConfig.model_fields))


def lists_plugin(plugins: Iterable[str] | None) -> bool:
    """Whether a ``plugins:`` list names FastPlugin (in any of its spellings)."""
    return any(name in PLUGIN_NAMES for name in plugins or ())


def check_raw_config(cfg: Mapping[str, Any]) -> None:
    """Reject top-level keys that look like ours and unknown keys inside our block.

    Args:
        cfg: The raw config (YAML plus CLI overrides), before validation.

    Raises:
        ConfigError: A key is misspelled; the message names it and the valid keys.
    """
    for key in cfg:
        if isinstance(key, str) and _looks_like_block_key(key):
            raise ConfigError(
                f"config key {key!r} looks like a misspelling of {BLOCK_KEY!r}; axolotl "
                f"would ignore it silently. Write the block as `{BLOCK_KEY}:` with the "
                f"keys {', '.join(block_keys())}.",
                key=key,
                valid_keys=(BLOCK_KEY,),
            )
    block = cfg.get(BLOCK_KEY)
    if isinstance(block, Mapping):
        _check_block_keys(block)


def _normalize(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def _looks_like_block_key(key: str) -> bool:
    if key == BLOCK_KEY:
        return False
    normalized = _normalize(key)
    if normalized.startswith(("axolotlfast", "fastaxolotl")):
        return True
    ratio = difflib.SequenceMatcher(None, normalized, _normalize(BLOCK_KEY)).ratio()
    return ratio >= _LOOKALIKE_CUTOFF


def _check_block_keys(block: Mapping[str, Any]) -> None:
    valid = block_keys()
    for key in block:
        if key in valid:
            continue
        close = difflib.get_close_matches(str(key), valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"unknown key {BLOCK_KEY}.{key}.{hint} Valid keys: {', '.join(valid)}.",
            key=str(key),
            valid_keys=valid,
        )
