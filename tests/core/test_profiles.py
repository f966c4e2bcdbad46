"""The hypothesis profiles of tests/support/profiles.py: selection and example scaling."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from support.profiles import DEFAULT, ENV_VAR, FACTORS, active, examples


def test_the_profile_named_in_the_environment_is_loaded(request):
    # pytest's --hypothesis-profile, where given, wins over the environment variable.
    option = request.config.getoption("hypothesis_profile", default=None)
    assert active() == (option or os.environ.get(ENV_VAR) or DEFAULT)
    assert settings.default.deadline is None and settings.default.print_blob
    assert settings.default.derandomize == (active() == "ci")


def test_a_test_runs_its_count_scaled_by_the_profile():
    calls = []

    @settings(max_examples=examples(7), database=None)
    @given(st.integers(0, 10**12))
    def prop(value):
        calls.append(value)

    prop()
    assert len(calls) == 7 * FACTORS[active()]


def test_long_runs_twenty_times_the_examples_at_random():
    previous = active()
    settings.load_profile("long")
    try:
        assert examples(7) == 140
        assert not settings.default.derandomize
    finally:
        settings.load_profile(previous)
    assert active() == previous
