#!/usr/bin/env bash
# Run every test: lint (fmt, clippy, ruff, stub check), `cargo test` on the Rust core, a short
# fuzz run of every cargo-fuzz target (scripts/fuzz.sh), a release wheel, and pytest: unit
# tests, the end-to-end `axolotl preprocess` / `axolotl train` runs, the 2-process tests, the
# wheel in fresh 3.11 / 3.12 venvs and a quick benchmark run (both with that wheel).
# Works on a fresh machine: the Python >= 3.12 venv with axolotl 0.21 is built on first use
# and cached outside the clone (scripts/venv.sh).
#
#   bash scripts/test.sh [PYTEST ARGS...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
echo ">> build the extension (debug) into $venv"
VIRTUAL_ENV="$venv" "$venv/bin/maturin" develop --quiet
bash scripts/lint.sh "$venv"
echo ">> cargo test"
cargo test --quiet
echo ">> fuzz: every target, short run (fixed seed; docs/fuzzing.md has the long run)"
FUZZ_SEED=1 bash scripts/fuzz.sh
echo ">> release wheel (for the wheel check and the benchmark smoke run)"
wheels=target/test-wheel
rm -rf "$wheels"
# Release dependencies are built once per machine, in a target dir beside the cached venv.
CARGO_TARGET_DIR="${AXOLOTL_FAST_CACHE:-$HOME/.cache/axolotl_fast}/release-target" \
  "$venv/bin/maturin" build --quiet --release --out "$wheels"
wheel=$(ls "$wheels"/axolotl_fast-*.whl)
echo ">> pytest"
AXOLOTL_FAST_WHEEL="$wheel" AXOLOTL_FAST_REQUIRE_AXOLOTL=1 "$venv/bin/python" -m pytest "$@"
