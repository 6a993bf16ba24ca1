#!/usr/bin/env bash
# The first README command: install, build, and run xclear on a built-in sample month:
# a generated national month of claims (32 files, one per treatment province) is declared
# province by province, the ledger is verified, the month is cleared (its statement written as
# JSON), and the trial balance is written.
# Everything lands in sample-output/ (the ledger in sample-output/ledger).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build.sh
out=sample-output
claims=${SAMPLE_CLAIMS:-200000}
month=2026-10
rm -rf "$out"
mkdir -p "$out"
# A sample config: the shipped one, with the clock override allowed so that the sample month
# can be declared "on 10 November 2026" whatever today's date is.
sed 's/"allow_now_override": false/"allow_now_override": true/; s|"calendar_dir": "calendar"|"calendar_dir": "'"$PWD"'/config/calendar"|' \
  config/xclear.json >"$out/xclear.json"
xclear() { build/tools/xclear --config "$out/xclear.json" --data "$out/ledger" "$@"; }
now=2026-11-10T10:00:00

build/tools/xclear-generate --claims "$claims" --month "$month" --out "$out/claims" --config config/xclear.json
xclear init
for file in "$out"/claims/claims-*.csv; do
  province=$(basename "$file" .csv)
  province=${province#claims-}
  xclear declare "$file" --province "$province" --actor "province:$province" --now "$now"
done
xclear verify --now "$now"
# Month-end: the declaration deadline of the month has passed on 21 November.
xclear clear --month "$month" --now 2026-11-21T09:00:00 --out "$out"
xclear trial-balance --format csv --out "$out/trial_balance.csv"
xclear trial-balance --format json --out "$out/trial_balance.json"
xclear trial-balance --format text --out "$out/trial_balance.txt"
echo
echo "Trial balance (first lines) — reports in $out/:"
head -n 6 "$out/trial_balance.txt"
echo "..."
tail -n 1 "$out/trial_balance.txt"
