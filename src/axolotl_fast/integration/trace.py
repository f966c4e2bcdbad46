"""The hook trace: one JSON line per plugin action, when ``AXOLOTL_FAST_TRACE`` names a file.

Every hook that acts, and the data steps (``loader``, ``dedupe``, ``prepared_dataset``),
append ``{"hook": ..., "pid": ..., ...}`` to that file; tests and debugging read it. This
module depends on nothing else in the package, so any step can trace without importing the
plugin's config.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

__all__ = ["TRACE_ENV", "trace_hook"]

TRACE_ENV = "AXOLOTL_FAST_TRACE"


def trace_hook(hook: str, **details: Any) -> None:
    """Append one line for ``hook`` to the trace file, if ``AXOLOTL_FAST_TRACE`` is set."""
    trace_path = os.environ.get(TRACE_ENV)
    if not trace_path:
        return
    event = {"hook": hook, "pid": os.getpid(), "time": round(time.time(), 3)}
    line = json.dumps({**event, **details}, default=str)
    with open(trace_path, "a", encoding="utf-8") as trace:
        trace.write(line + "\n")
