#!/usr/bin/env bash
# The sanitizer job (CI runs it after tools/test.sh): builds everything with clang,
# AddressSanitizer + UndefinedBehaviorSanitizer (leak checks on) and libFuzzer instrumentation
# into build-sanitize/, runs the whole unit and integration suite there, then a short run of
# every fuzz target (tools/fuzz.sh; FUZZ_SECONDS, default 20, or 1 M executions each).
# Any sanitizer report fails the test that triggered it (halt_on_error), and so the job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
export BUILD_DIR=build-sanitize
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
CC=clang CXX=clang++ bash tools/build.sh -DXCLEAR_SANITIZE=ON -DXCLEAR_FUZZ=ON
(cd "$BUILD_DIR" && ctest --output-on-failure -j 2 --timeout 900)
bash tools/fuzz.sh --seconds "${FUZZ_SECONDS:-20}" --runs 1000000
