#!/usr/bin/env bash
# Fuzzing: builds the cargo-fuzz targets of fuzz/ once (nightly, libFuzzer + AddressSanitizer),
# then runs each for SECONDS_PER_TARGET seconds (default 15: the seven targets fuzz for under
# two minutes in all), starting from the committed seeds in fuzz/seeds/<target>/ and keeping
# what it finds in fuzz/corpus/<target>/ (ignored by git). Prints each target's executions,
# time and corpus size, and fails if any target crashed (inputs in fuzz/artifacts/<target>/).
# Installs cargo-fuzz when `cargo fuzz` is missing. A panic that the reader itself caught (arrow-rs
# panics on some corrupt IPC buffers) is tolerated unless FUZZ_ALLOW_CAUGHT_PANICS=0 is set.
# The build goes to a target dir cached outside the clone (like the venvs of scripts/venv.sh),
# so reruns and CI on the same machine reuse the instrumented arrow/parquet build; a fresh
# machine builds it from scratch. AXOLOTL_FAST_FUZZ_TARGET_DIR overrides it.
# See docs/fuzzing.md.
#
#   bash scripts/fuzz.sh            # the short run
#   bash scripts/fuzz.sh 300        # five minutes per target
#   FUZZ_TARGETS="pack read_csv" bash scripts/fuzz.sh 60
#   FUZZ_SEED=1 bash scripts/fuzz.sh  # a fixed libFuzzer seed (what the test command runs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-15}
targets=${FUZZ_TARGETS:-"read_parquet read_ipc read_jsonl read_csv read_text read_compressed pack"}
# libFuzzer flags: a slow input (20 s) or a 2 GiB process is a finding too.
export FUZZ_ALLOW_CAUGHT_PANICS=${FUZZ_ALLOW_CAUGHT_PANICS-1}
flags=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1)
# FUZZ_SEED fixes libFuzzer's random seed (the test command uses 1, so CI explores the same
# inputs each run); unset, every run explores new ones.
if [[ -n "${FUZZ_SEED:-}" ]]; then
  flags+=(-seed="$FUZZ_SEED")
fi

if ! cargo +nightly fuzz --help > /dev/null 2>&1; then
  echo ">> installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

cache=${AXOLOTL_FAST_CACHE:-$HOME/.cache/axolotl_fast}
target_dir=${AXOLOTL_FAST_FUZZ_TARGET_DIR:-$cache/fuzz-target}
echo ">> building the fuzz targets (cargo +nightly fuzz build) in $target_dir"
start=$(date +%s)
cargo +nightly fuzz build --target-dir "$target_dir"
echo ">> build took $(( $(date +%s) - start )) s"

# The targets write their input files under TMPDIR; keep them out of the way and remove them.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=()
summary=()
for target in $targets; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  log="$scratch/$target.log"
  echo ">> fuzzing $target for $seconds s"
  status=0
  TMPDIR="$scratch" cargo +nightly fuzz run --target-dir "$target_dir" "$target" "$corpus" "fuzz/seeds/$target" \
    -- "${flags[@]}" > "$log" 2>&1 || status=$?
  runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  took=$(grep -oE 'stat::[a-z_]*time[a-z_]*: [0-9]+|Done [0-9]+ runs in [0-9]+ second' "$log" \
    | grep -oE '[0-9]+( second)?$' | grep -oE '^[0-9]+' | tail -1 || true)
  entries=$(find "$corpus" -type f | wc -l)
  line="$target: ${runs:-?} executions in ${took:-?} s, corpus $entries entries"
  if [[ $status -ne 0 ]]; then
    failed+=("$target")
    line="$line, CRASHED (exit $status)"
    grep -E -A3 'panicked at|ERROR: |SUMMARY|Failing input' "$log" | grep -v '^\s*\[' | head -n 30 || true
  fi
  echo "   $line"
  summary+=("$line")
done

echo ">> summary"
printf '   %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo ">> crashes in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
echo ">> no crashes"
