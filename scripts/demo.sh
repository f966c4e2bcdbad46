#!/usr/bin/env bash
# The main job, from a fresh clone: build axolotl_fast (release) into a Python >= 3.12 venv
# with axolotl 0.21, make a tiny local model + data, then run `axolotl preprocess` and
# `axolotl train` on examples/configs/tiny-cpu-fast.yml with the plugin. CPU only, offline.
#
#   bash scripts/demo.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
echo ">> build the extension (release) into $venv"
VIRTUAL_ENV="$venv" "$venv/bin/maturin" develop --release --quiet
config=examples/configs/tiny-cpu-fast.yml
rm -rf build/tiny
echo ">> make the tiny model and data in build/tiny"
"$venv/bin/python" -m axolotl_fast.tiny build/tiny
echo ">> axolotl preprocess $config"
"$venv/bin/axolotl" preprocess "$config"
echo ">> axolotl train $config --launcher python"
"$venv/bin/axolotl" train "$config" --launcher python
"$venv/bin/python" - <<'PY'
import json, pathlib
out = pathlib.Path("build/tiny/out-fast")
report = json.loads((out / "axolotl_fast_report.json").read_text())
print(f"\nmodel saved to: {out.resolve()}")
print(f"axolotl_fast {report['axolotl_fast_version']} ({report['build']['profile']} build), "
      f"hooks fired: {', '.join(dict.fromkeys(report['hooks']))}")
active = report["active_operations"]
print(f"active axolotl_fast operations: {', '.join(active) if active else 'none yet'}")
for op in report["operations"]:
    state = "active" if op["active"] else "not active"
    print(f"  {op['name']:<9} {state:<11} {op['note']}")
PY
