#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz/) from a build made by tools/sanitize.sh (clang, ASan,
# UBSan, XCLEAR_FUZZ=ON). Each target starts from its committed seed corpus
# (tests/fuzz/corpus/<target>/, copied: the run does not touch the repository) and runs until
# --seconds have passed or --runs inputs were executed, whichever comes first. Any crash, leak,
# sanitizer report or broken invariant fails the run and leaves the input in
# BUILD_DIR/fuzz-artifacts/. Prints executions per target.
#
# usage: tools/fuzz.sh [--seconds 60] [--runs 1000000] [--merge] [target...]
#   --merge  add the inputs that found new coverage to the committed corpus (minimized)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-sanitize}
seconds=60
runs=1000000
merge=0
targets=()
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(fuzz_money fuzz_claims_csv fuzz_json_bodies fuzz_json_claims fuzz_config fuzz_http)
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
printf '%-18s %12s %8s %10s %8s %s\n' target executions seconds exec/s corpus result
for target in "${targets[@]}"; do
  binary="$build_dir/tests/fuzz/$target"
  [[ -x $binary ]] || { echo "$binary is missing: run tools/sanitize.sh first" >&2; exit 2; }
  mkdir -p "$work/$target"
  started=$(date +%s)
  set +e
  # Leaks are checked (ASan's LeakSanitizer); a slow input (> 10 s) or > 2 GiB of memory is a
  # finding too.
  "$binary" -max_total_time="$seconds" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
    "$work/$target" "tests/fuzz/corpus/$target" >"$work/$target.log" 2>&1
  code=$?
  set -e
  elapsed=$(($(date +%s) - started))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log" | tail -n 1)
  corpus=$(ls "$work/$target" | wc -l)
  corpus=$((corpus + $(ls "tests/fuzz/corpus/$target" | wc -l)))
  result=ok
  if ((code != 0)); then
    result="FAILED (exit $code)"
    status=1
  fi
  printf '%-18s %12s %8s %10s %8s %s\n' "$target" "${executions:-?}" "$elapsed" \
    "$(( ${executions:-0} / (elapsed > 0 ? elapsed : 1) ))" "$corpus" "$result"
  if ((code != 0)); then
    grep -E "ERROR|SUMMARY|invariant|==[0-9]+==" "$work/$target.log" | head -n 20 >&2
    cp "$work/$target.log" "$artifacts/$target.log"
    echo "log: $artifacts/$target.log; inputs: $artifacts/$target-*" >&2
  elif ((merge)); then
    "$binary" -merge=1 "tests/fuzz/corpus/$target" "$work/$target" >/dev/null 2>&1
  fi
done
exit $status
