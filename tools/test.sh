#!/usr/bin/env bash
# The second README command: install, build (warnings are errors), and run every test.
# SANITIZE=1 builds with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
# The code is kept in the checked-in .clang-format style; a drift fails the run.
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror
if [[ "${SANITIZE:-0}" == 1 ]]; then
  export BUILD_DIR=build-asan
  bash tools/build.sh -DXCLEAR_SANITIZE=ON
else
  bash tools/build.sh
fi
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j 2 --timeout 600
