#!/usr/bin/env bash
# The first README command: install, build, and run xclear on its built-in sample month.
# Leaves the ledger in sample-output/ledger and the reports in sample-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
out=sample-output
mkdir -p "$out"
xclear=build/tools/xclear
config=config/xclear.json
"$xclear" init --config "$config" --data "$out/ledger"
"$xclear" sample --config "$config" --data "$out/ledger" --month 2026-10 --out "$out"
"$xclear" verify --config "$config" --data "$out/ledger"
echo
echo "Trial balance (first lines) — full reports in $out/:"
head -n 8 "$out/trial_balance.txt"
echo "..."
tail -n 1 "$out/trial_balance.txt"
