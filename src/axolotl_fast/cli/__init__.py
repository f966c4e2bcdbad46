"""``axolotl-fast``: look at, convert, dedupe and plan packing for datasets, outside axolotl.

The group and its shared helpers are in :mod:`axolotl_fast.cli.app`; each command module adds
its commands to that group when imported, which this package does, so ``main`` is complete.
The same group is ``axolotl fast ...`` inside axolotl's command line (an
``axolotl.cli_commands`` entry point).
"""

from axolotl_fast.cli import bench, convert, doctor, inspect, pack_stats, prepare
from axolotl_fast.cli.app import main

__all__ = [
    "bench",
    "convert",
    "doctor",
    "inspect",
    "main",
    "pack_stats",
    "prepare",
]
