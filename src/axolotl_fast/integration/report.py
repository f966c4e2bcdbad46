"""What the plugin did in a run: ``<output_dir>/axolotl_fast_report.json``, next to the model.

Written after training with the package version, the Rust build, every operation's status and
the hooks that fired. (The per-hook trace, ``AXOLOTL_FAST_TRACE``, is
:mod:`axolotl_fast.integration.trace`.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from axolotl_fast import build_info as core_build_info
from axolotl_fast.integration.status import OperationStatus

__all__ = ["REPORT_NAME", "write_report"]

REPORT_NAME = "axolotl_fast_report.json"


def write_report(
    output_dir: str | os.PathLike[str],
    statuses: Iterable[OperationStatus],
    hooks: Iterable[str],
) -> Path:
    """Write the run report into ``output_dir`` atomically and return its path."""
    statuses = list(statuses)
    build = core_build_info()
    report = {
        "axolotl_fast_version": build["version"],
        "build": build,
        "operations": [status.to_dict() for status in statuses],
        "active_operations": [s.name for s in statuses if s.active],
        "hooks": list(hooks),
    }
    directory = Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / REPORT_NAME
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path
