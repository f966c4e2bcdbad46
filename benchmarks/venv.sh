#!/usr/bin/env bash
# Print the path of the benchmark venv, building it first if needed: Python >= 3.12 with the
# readers of benchmarks/requirements.txt (pyarrow, polars, datasets, fast-axolotl 0.2.0, ...).
# It is NOT the axolotl venv (scripts/venv.sh): fast-axolotl's import shim breaks axolotl.
# The venv lives outside the clone, keyed by a hash of requirements.txt and the interpreter.
#
#   VENV=$(bash benchmarks/venv.sh)                 # readers only; use --pythonpath src
#   VENV=$(bash benchmarks/venv.sh dist/axolotl_fast-*.whl)   # also (re)install our wheel
#
# Overrides: AXOLOTL_FAST_PYTHON (interpreter), AXOLOTL_FAST_CACHE (cache root).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
req="$here/requirements.txt"
wheel="${1:-}"
if [ -n "$wheel" ] && [ ! -f "$wheel" ]; then
  echo "error: wheel not found: $wheel" >&2
  exit 1
fi

# shellcheck source=scripts/venv-lib.sh
source "$here/../scripts/venv-lib.sh"
venv=$(cached_venv bench-venv "$req" "first time: ~2 min")
if [ -n "$wheel" ]; then
  # Replace whatever build of ours was there; dependencies are resolved separately so the
  # pinned readers above are never reinstalled.
  "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel" >&2
  "$venv/bin/python" -m pip install --quiet "$wheel" >&2
  echo ">> installed $(basename "$wheel") into $venv" >&2
fi
echo "$venv"
