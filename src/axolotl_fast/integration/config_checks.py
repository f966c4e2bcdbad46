"""Checks of the raw Axolotl config that the schema cannot do.

Axolotl silently drops keys its schema does not know, so a misspelled ``axolotl_fst:`` block
would turn the plugin off without a word. ``FastPlugin.register`` runs these checks on the raw
config, before validation, and raises :class:`~axolotl_fast.errors.ConfigError` naming the key,
the closest valid key and all valid ones. The plugin is installed as an entry point and sees
every config, so the lookalike test is deliberately narrow: a key is flagged only when it starts
with ``axolotl_fast`` / ``fast_axolotl`` (any case, ``-`` or ``_``) or is one edit (insertion,
deletion, substitution or swap of neighbours) away from ``axolotl_fast``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from axolotl_fast.errors import ConfigError
from axolotl_fast.integration.args import AxolotlFastConfig

__all__ = [
    "BLOCK_KEY",
    "PLUGIN_NAMES",
    "block_keys",
    "check_raw_config",
    "lists_plugin",
]

BLOCK_KEY = "axolotl_fast"
PLUGIN_NAMES = frozenset(
    {
        "axolotl_fast.FastPlugin",
        "axolotl_fast:FastPlugin",
        "axolotl_fast.plugin.FastPlugin",
        "axolotl_fast.plugin:FastPlugin",
    }
)


def block_keys() -> tuple[str, ...]:
    """The keys accepted inside the ``axolotl_fast:`` block, sorted."""
    return tuple(sorted(AxolotlFastConfig.model_fields))


def lists_plugin(plugins: Iterable[str] | None) -> bool:
    """Whether a ``plugins:`` list names FastPlugin (in any of its spellings)."""
    return any(name in PLUGIN_NAMES for name in plugins or ())


def check_raw_config(cfg: Mapping[str, Any]) -> None:
    """Reject misspellings of our block and of the keys inside it.

    Args:
        cfg: The raw config (YAML plus CLI overrides), before validation.

    Raises:
        ConfigError: A top-level key that looks like ``axolotl_fast``; one of the block's keys
            written at the top level (an indentation slip) while the plugin is on; or unknown
            keys inside the block. The message names the key and the valid keys.
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
    if BLOCK_KEY in cfg or lists_plugin(cfg.get("plugins")):
        _check_no_stray_block_keys(cfg)
    block = cfg.get(BLOCK_KEY)
    if isinstance(block, Mapping):
        _check_block_keys(block)


def _normalize(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def _within_one_edit(a: str, b: str) -> bool:
    """Optimal-string-alignment distance of ``a`` and ``b`` is at most 1."""
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i, j = diffs[0], diffs[-1]
        return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _looks_like_block_key(key: str) -> bool:
    if key == BLOCK_KEY:
        return False
    normalized = _normalize(key)
    if normalized.startswith(("axolotlfast", "fastaxolotl")):
        return True
    return _within_one_edit(normalized, _normalize(BLOCK_KEY))


def _check_no_stray_block_keys(cfg: Mapping[str, Any]) -> None:
    for key in block_keys():
        if key in cfg:
            raise ConfigError(
                f"config key {key!r} is an {BLOCK_KEY} setting written at the top level, "
                f"where axolotl would ignore it silently. Indent it under `{BLOCK_KEY}:`.",
                key=key,
                valid_keys=(BLOCK_KEY,),
            )


def _check_block_keys(block: Mapping[str, Any]) -> None:
    valid = block_keys()
    unknown = [str(key) for key in block if key not in valid]
    if not unknown:
        return
    problems = []
    for key in unknown:
        close = difflib.get_close_matches(key, valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        problems.append(f"unknown key {BLOCK_KEY}.{key}.{hint}")
    raise ConfigError(
        f"{' '.join(problems)} Valid keys: {', '.join(valid)}.",
        key=unknown[0],
        valid_keys=valid,
    )
