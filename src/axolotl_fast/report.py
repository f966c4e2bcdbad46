"""What the plugin did in a run: a hook trace and a JSON report next to the model.

* ``AXOLOTL_FAST_TRACE=<file>``: every plugin hook that acts appends one JSON line
  (``{"hook": ..., "pid": ..., ...}``). Tests and debugging use it.
* ``<output_dir>/axolotl_fast_report.json``: written after training with the package version,
  the Rust build, every operation's status and the hooks that fired.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from axolotl_fast import _core
from axolotl_fast.operations import OperationStatus

__all__ = ["REPORT_NAME", "TRACE_ENV", "trace_hook", "write_report"]

TRACE_ENV = "AXOLOTL_FAST_TRACE"
REPORT_NAME = "axolotl_fast_report.json"


def trace_hook(hook: str, **details: Any) -> None:
    """Append one line for ``hook`` to the trace file, if ``AXOLOTL_FAST_TRACE`` is set."""
    trace_path = os.environ.get(TRACE_ENV)
    if not trace_path:
        return
    line = json.dumps({"hook": hook, "pid": os.getpid(), **details}, default=str)
    with open(trace_path, "a", encoding="utf-8") as trace:
        trace.write(line + "\n")


def write_report(
    output_dir: str | os.PathLike[str],
    statuses: Iterable[OperationStatus],
    hooks: Iterable[str],
) -> Path:
    """Write the run report into ``output_dir`` atomically and return its path."""
    statuses = list(statuses)
    build = _core.build_info()
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
