"""Shared fixtures: offline HF, hypothesis profiles, a clean PluginManager, the tiny kit."""

from __future__ import annotations

import os

import pytest

from support.paths import OFFLINE_ENV
from support.profiles import register as register_hypothesis_profiles

os.environ.update(OFFLINE_ENV)
# HYPOTHESIS_PROFILE=ci (default) | dev | long: see tests/support/profiles.py.
register_hypothesis_profiles()

# The test command (scripts/test.sh) sets this: there, a broken or missing axolotl must fail
# the run loudly instead of letting `importorskip` skip the plugin and end-to-end tests.
if os.environ.get("AXOLOTL_FAST_REQUIRE_AXOLOTL") == "1":
    import axolotl.integrations.base  # noqa: F401


def axolotl_available() -> bool:
    try:
        import axolotl  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture
def plugin_manager():
    """Axolotl's PluginManager, emptied before and after the test (as upstream does)."""
    pytest.importorskip("axolotl")
    from axolotl.integrations.base import PluginManager, reset_plugin_entry_points_cache

    def clear() -> None:
        reset_plugin_entry_points_cache()
        PluginManager._cfg = None
        PluginManager().plugins.clear()

    clear()
    yield PluginManager()
    clear()


@pytest.fixture(scope="session")
def tiny_kit(tmp_path_factory):
    """The tiny model, tokenizer and data, built once per session."""
    pytest.importorskip("axolotl")
    from axolotl_fast.tiny import make_tiny_kit

    return make_tiny_kit(tmp_path_factory.mktemp("tiny"), num_rows=200, seed=0)
