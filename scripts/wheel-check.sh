#!/usr/bin/env bash
# Check the release wheel as users get it: build it (or take WHEEL), check that it is abi3,
# install it into fresh venvs and run scripts/wheel_smoke.py there.
#
#   bash scripts/wheel-check.sh [WHEEL]
#
# 1. Without WHEEL: `maturin build --release` (maturin from the cached venv, scripts/venv.sh).
#    The file name must say cp310-abi3: one wheel for every CPython >= 3.10.
# 2. Core library, Python 3.11 and 3.12 (pyenv): a fresh venv, `pip install WHEEL` (its
#    dependencies come from PyPI), no axolotl. Checks read, dedupe, pack and the
#    `axolotl-fast` console script, `doctor` included.
# 3. Plugin, Python 3.12: a fresh venv with `pip install --no-deps WHEEL`, layered over the
#    cached axolotl venv. Checks the entry points, axolotl's PluginManager and `axolotl fast`.
#
# Why the layering: installing axolotl 0.21 takes ~10 min and ~7.6 GB, so the plugin venv
# borrows it. A .pth file in the fresh venv's site-packages appends the cached venv's
# site-packages to sys.path, after the fresh venv's own. The wheel's copy of axolotl_fast
# therefore wins, and the cached venv's editable install of the source tree (itself a .pth
# there, which Python does not process, since the cached directory is only a path entry and
# not a site dir) stays out of reach; wheel_smoke.py asserts where axolotl_fast came from.
# The .pth is written after pip has installed the wheel, so pip never sees (or touches) the
# cached venv.
#
# Prints the time of each step. Needs pyenv with 3.11 and 3.12, and network access to PyPI.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
smoke="$PWD/scripts/wheel_smoke.py"
# Nothing from the caller's environment may put another axolotl_fast on the venvs' path.
unset PYTHONPATH PYTHONHOME
work=$(mktemp -d "${TMPDIR:-/tmp}/wheel-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
timings=()

# timed LABEL COMMAND...: run COMMAND, remember how long it took.
timed() {
  local label=$1 start=$EPOCHREALTIME
  shift
  "$@"
  timings+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" -v l="$label" \
    'BEGIN { printf "%-34s %6.1f s", l, b - a }')")
}

pyenv_python() {
  local version=$1 candidate
  if ! command -v pyenv >/dev/null 2>&1; then
    echo "error: pyenv not found; wheel-check needs Python $version from pyenv" >&2
    exit 1
  fi
  for candidate in "$(pyenv root)"/versions/"$version".*/bin/python"$version"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  echo "error: no Python $version under $(pyenv root)/versions (pyenv install $version)" >&2
  exit 1
}

build_wheel() {
  echo ">> maturin build --release"
  "$venv/bin/maturin" build --release --quiet --interpreter "$venv/bin/python" \
    --out "$work/dist" >&2
}

check_abi3() {
  case "$(basename "$1")" in
    axolotl_fast-*-cp310-abi3-*.whl) echo ">> wheel $(basename "$1") is abi3" ;;
    *) echo "error: $(basename "$1") is not a cp310-abi3 wheel" >&2; exit 1 ;;
  esac
}

pip_install() {
  "$1/bin/python" -m pip install --quiet --disable-pip-version-check "${@:2}"
}

install_core() {
  local python=$1 dir=$2
  "$python" -m venv "$dir"
  pip_install "$dir" "$wheel"
}

install_plugin() {
  local dir=$1
  # The interpreter the cached venv was made with: its compiled packages fit no other.
  "$(base_python "$venv")" -m venv "$dir"
  pip_install "$dir" --no-deps "$wheel"
  purelib "$venv" >"$(purelib "$dir")/_axolotl_venv.pth"
}

base_python() { "$1/bin/python" -c 'import sys; print(sys._base_executable)'; }
purelib() { "$1/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }

# Run the smoke check from an empty directory, so nothing of the source tree is importable.
smoke() {
  (cd "$work" && "$1/bin/python" "$smoke" "$2")
}

main() {
  if [ $# -gt 0 ]; then
    wheel=$(realpath "$1")
  else
    timed "build (maturin --release)" build_wheel
    wheel=$(ls "$work"/dist/axolotl_fast-*.whl)
  fi
  check_abi3 "$wheel"
  local version python
  for version in 3.11 3.12; do
    python=$(pyenv_python "$version")
    echo ">> core on Python $version ($python)"
    timed "core $version: venv + pip install" install_core "$python" "$work/core-$version"
    timed "core $version: smoke" smoke "$work/core-$version" core
  done
  echo ">> plugin on Python 3.12, layered over $venv"
  timed "plugin 3.12: venv + pip install" install_plugin "$work/plugin"
  timed "plugin 3.12: smoke" smoke "$work/plugin" plugin
  echo ">> wheel check passed"
  printf '   %s\n' "${timings[@]}"
}

main "$@"
