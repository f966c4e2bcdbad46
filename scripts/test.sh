#!/usr/bin/env bash
# README's test command: every test a change must pass, and quick enough to run often.
#
#   1. the extension, debug build with the test-only hooks (`--features test-hooks`);
#   2. lint: rustfmt, clippy -D warnings, ruff, stubtest of _core.pyi;
#   3. `cargo test`: the Rust core, with every committed fuzz seed and regression input
#      replayed through the fuzz targets' invariant checks (rust/tests/fuzz_seeds.rs);
#   4. pytest: unit, property, parity, end-to-end `axolotl preprocess` / `axolotl train` and
#      2-process tests, on PYTEST_WORKERS (default 2) pytest-xdist workers; each test module
#      stays on one worker (--dist loadscope), so its module-scoped runs are made once.
#
# The release wheel in fresh venvs and the benchmark smoke run are `make release-check`
# (scripts/release-check.sh); the time-boxed libFuzzer run is `make fuzz`. CI runs them after
# this command (.ci/run). Works on a fresh machine: the Python >= 3.12 venv with axolotl 0.21
# is built on first use and cached outside the clone (scripts/venv.sh). Each step prints how
# long it took.
#
#   bash scripts/test.sh [PYTEST ARGS...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source scripts/timing.sh

step "build the extension (debug, test hooks) into $venv"
VIRTUAL_ENV="$venv" "$venv/bin/maturin" develop --quiet --features test-hooks
step "lint"
bash scripts/lint.sh "$venv"
step "cargo test (core, fuzz seed replay)"
cargo test --quiet
step "pytest"
AXOLOTL_FAST_REQUIRE_AXOLOTL=1 "$venv/bin/python" -m pytest -m "not wheel and not bench" \
  -n "${PYTEST_WORKERS:-2}" --dist loadscope "$@"
step_done
