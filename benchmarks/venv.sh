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

is_py312() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

# The same search as scripts/venv.sh: python3.12 on PATH, pyenv's 3.12, then newer.
find_python() {
  if [ -n "${AXOLOTL_FAST_PYTHON:-}" ]; then echo "$AXOLOTL_FAST_PYTHON"; return; fi
  local candidate
  if is_py312 python3.12; then command -v python3.12; return; fi
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.12.*/bin/python3.12; do
      if is_py312 "$candidate"; then echo "$candidate"; return; fi
    done
  fi
  for candidate in python3.13 python3; do
    if is_py312 "$candidate"; then command -v "$candidate"; return; fi
  done
  echo "error: no Python >= 3.12 found; set AXOLOTL_FAST_PYTHON" >&2
  exit 1
}

python=$(find_python)
key=$( (cat "$req"; "$python" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)
cache="${AXOLOTL_FAST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/axolotl_fast}"
venv="$cache/bench-venv-$key"

mkdir -p "$cache"
# One builder at a time: a second run waits here, then finds the venv complete.
exec 9>"$cache/.bench-lock"
flock 9
if [ ! -f "$venv/.complete" ]; then
  echo ">> building bench venv $venv with $python (first time: ~2 min)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet -r "$req" >&2
  touch "$venv/.complete"
  echo ">> bench venv ready" >&2
fi
if [ -n "$wheel" ]; then
  # Replace whatever build of ours was there; dependencies are resolved separately so the
  # pinned readers above are never reinstalled.
  "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel" >&2
  "$venv/bin/python" -m pip install --quiet "$wheel" >&2
  echo ">> installed $(basename "$wheel") into $venv" >&2
fi
echo "$venv"
