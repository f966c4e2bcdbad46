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
# shellcheck source=scripts/venv-lib.sh
source "$here/venv-lib.sh"
cached_venv venv "$here/requirements-dev.txt" "first time: ~10 min, ~7.6 GB"
