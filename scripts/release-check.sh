#!/usr/bin/env bash
# The release checks, after README's test command (`make release-check`; CI runs it too):
# builds the release wheel once, then runs the pytest tests marked `wheel` (the wheel in fresh
# Python 3.11 / 3.12 venvs, scripts/wheel-check.sh) and `bench` (`axolotl-fast bench --quick`
# with that wheel: every benchmark on small inputs, a report with charts). Release
# dependencies are built once per machine, in a target dir beside the cached venv.
#
#   bash scripts/release-check.sh [PYTEST ARGS...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source scripts/timing.sh

wheels=target/release-wheel
step "release wheel"
rm -rf "$wheels"
CARGO_TARGET_DIR="${AXOLOTL_FAST_CACHE:-$HOME/.cache/axolotl_fast}/release-target" \
  "$venv/bin/maturin" build --quiet --release --out "$wheels"
wheel=$(ls "$wheels"/axolotl_fast-*.whl)
step "wheel check and benchmark smoke run (pytest -m 'wheel or bench')"
AXOLOTL_FAST_WHEEL="$wheel" AXOLOTL_FAST_REQUIRE_AXOLOTL=1 \
  "$venv/bin/python" -m pytest -m "wheel or bench" "$@"
step_done
