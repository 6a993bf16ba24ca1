#!/usr/bin/env bash
# The second README command: install, build (warnings are errors), and run every test.
# The sanitizer job (ASan + UBSan over the whole suite, and the fuzz targets) is tools/sanitize.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
# The code is kept in the checked-in .clang-format style; a drift fails the run.
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror
bash tools/build.sh
cd build
ctest --output-on-failure -j 2 --timeout 600
