#!/usr/bin/env bash
# Static checks: rustfmt, clippy (-D warnings, with and without the Python layer), ruff
# (lint + format) and mypy.stubtest of the _core.pyi stub against the built extension.
#
#   bash scripts/lint.sh VENV      # VENV: a venv with ruff, mypy and axolotl_fast installed
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=${1:?usage: scripts/lint.sh VENV}

echo ">> cargo fmt --check"
cargo fmt --all --check
echo ">> cargo clippy (core only, and with the python feature)"
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --all-targets --all-features -- -D warnings
echo ">> ruff"
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
echo ">> stubtest axolotl_fast._core"
"$venv/bin/python" -m mypy.stubtest --mypy-config-file pyproject.toml axolotl_fast._core
