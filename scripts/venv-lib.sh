# Sourced by scripts/venv.sh and benchmarks/venv.sh: find a Python >= 3.12 and build a venv
# from a requirements file, cached outside the clone and keyed by the file and interpreter.
#
# Overrides: AXOLOTL_FAST_PYTHON (interpreter), AXOLOTL_FAST_CACHE (cache root).

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

# cached_venv PREFIX REQUIREMENTS NOTE: print the path of <cache>/PREFIX-<key>, building it
# first (one builder at a time, under a lock) if it is not complete. NOTE is shown on a build.
cached_venv() {
  local prefix=$1 req=$2 note=$3 python key cache venv
  python=$(find_python)
  key=$( (cat "$req"; "$python" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)
  cache="${AXOLOTL_FAST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/axolotl_fast}"
  venv="$cache/$prefix-$key"
  mkdir -p "$cache"
  # A second run waits here, then finds the venv complete.
  exec 9>"$cache/.$prefix.lock"
  flock 9
  if [ ! -f "$venv/.complete" ]; then
    echo ">> building $venv with $python ($note)" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
    "$venv/bin/python" -m pip install --quiet -r "$req" >&2
    touch "$venv/.complete"
    echo ">> venv ready" >&2
  fi
  exec 9>&-
  echo "$venv"
}
