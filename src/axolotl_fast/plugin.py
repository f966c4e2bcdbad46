"""Keeps the spelling ``axolotl_fast.plugin.FastPlugin`` working.

The plugin lives in :mod:`axolotl_fast.integration.plugin`.
"""

from axolotl_fast.integration.plugin import FastPlugin as FastPlugin
