#!/usr/bin/env bash
# The first README command: install, build, and run xclear on a built-in sample month:
# a generated national month of claims (32 files, one per treatment province) is declared
# province by province, the ledger is verified, the operator's month-end job clears the month
# and writes the statement and deadlines reports, every province confirms, Beijing pays what
# it owes, and the trial balance, the prepayment positions and the deadlines still open are
# written.
# Everything lands in sample-output/ (the ledger in sample-output/ledger).
# The month itself is tools/sample-month.sh (run by CTest as sample.Month on a smaller month).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
bash tools/sample-month.sh build sample-output "${SAMPLE_CLAIMS:-200000}"
