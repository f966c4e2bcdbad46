"""Hypothesis profiles for the property tests, chosen with ``HYPOTHESIS_PROFILE``.

- ``ci`` (the default): derandomized, so a run is reproducible; the example counts the tests
  name.
- ``dev``: random examples (and hypothesis' example database), the same counts.
- ``long``: random, and 20 times the examples, for a search before a release.

Each profile sets ``deadline=None`` (the Rust calls vary in time with the machine) and
``print_blob=True`` (a failure prints the blob that replays it). A test's own
``@settings(max_examples=...)`` would override the profile, so tests name their count as
``examples(n)``, which scales it by the active profile's factor.
"""

from __future__ import annotations

import os

from hypothesis import settings

ENV_VAR = "HYPOTHESIS_PROFILE"
DEFAULT = "ci"
# Examples per test, as a multiple of the count the test names.
FACTORS = {"ci": 1, "dev": 1, "long": 20}


def register() -> None:
    """Register the three profiles and load the one ``HYPOTHESIS_PROFILE`` names."""
    common = {"deadline": None, "print_blob": True}
    settings.register_profile("ci", derandomize=True, **common)
    settings.register_profile("dev", derandomize=False, **common)
    settings.register_profile("long", derandomize=False, **common)
    name = os.environ.get(ENV_VAR) or DEFAULT
    if name not in FACTORS:
        raise ValueError(
            f"{ENV_VAR}={name!r}: unknown profile; expected one of {', '.join(FACTORS)}"
        )
    settings.load_profile(name)


def active() -> str:
    """The name of the loaded profile (also when pytest's --hypothesis-profile chose it)."""
    current = getattr(settings, "get_current_profile_name", None)
    name = current() if current else (os.environ.get(ENV_VAR) or DEFAULT)
    return name if name in FACTORS else DEFAULT


def examples(count: int) -> int:
    """``count`` examples scaled by the active profile (20 times more under ``long``)."""
    return count * FACTORS[active()]
