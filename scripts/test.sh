#!/usr/bin/env bash
# Run every test: lint (fmt, clippy, ruff, stub check), `cargo test` on the Rust core, and
# pytest (unit tests and the end-to-end `axolotl preprocess` / `axolotl train` runs).
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
echo ">> pytest"
AXOLOTL_FAST_REQUIRE_AXOLOTL=1 "$venv/bin/python" -m pytest "$@"
