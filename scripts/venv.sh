#!/usr/bin/env bash
# Print the path of a Python >= 3.12 venv holding axolotl 0.21 and the dev tools,
# building it first if needed. The venv lives outside the clone, keyed by a hash of
# scripts/requirements-dev.txt, so CI runs and reruns reuse it.
#
#   VENV=$(bash scripts/venv.sh)      # progress goes to stderr, the path to stdout
#
# Overrides: AXOLOTL_FAST_PYTHON (interpreter), AXOLOTL_FAST_CACHE (cache root).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
req="$here/requirements-dev.txt"

is_py312() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

find_python() {
  if [ -n "${AXOLOTL_FAST_PYTHON:-}" ]; then echo "$AXOLOTL_FAST_PYTHON"; return; fi
  local candidate
  # Python 3.12 first (the version axolotl 0.21 is tested with): PATH, then pyenv; then any
  # newer python3 on PATH.
  if is_py312 python3.12; then command -v python3.12; return; fi
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.12.*/bin/python3.12; do
      if is_py312 "$candidate"; then echo "$candidate"; return; fi
    done
  fi
  for candidate in python3.13 python3; do
    if is_py312 "$candidate"; then command -v "$candidate"; return; fi
  done
  echo "error: no Python >= 3.12 found (axolotl 0.21 needs it); set AXOLOTL_FAST_PYTHON" >&2
  exit 1
}

python=$(find_python)
key=$( (cat "$req"; "$python" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)
cache="${AXOLOTL_FAST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/axolotl_fast}"
venv="$cache/venv-$key"

mkdir -p "$cache"
# One builder at a time: a second run waits here, then finds the venv complete.
exec 9>"$cache/.lock"
flock 9
if [ ! -f "$venv/.complete" ]; then
  echo ">> building venv $venv with $python (first time: ~10 min, ~7.6 GB)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet -r "$req" >&2
  touch "$venv/.complete"
  echo ">> venv ready" >&2
fi
echo "$venv"
