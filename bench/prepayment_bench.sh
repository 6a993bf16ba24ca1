#!/usr/bin/env bash
# Builds a ledger holding a generated year (12 months of 2026, CLAIMS_PER_MONTH claims each,
# default 2 000 000), declared province by province, then runs build/bench/prepayment_bench on a
# copy of it: positions of all pairs, the annual adjustment for 2027, the top-up check.
# Not part of CI: it takes minutes and a few GB of disk.
#
#   bash bench/prepayment_bench.sh [CLAIMS_PER_MONTH] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
per_month=${1:-2000000}
work=${2:-/tmp/xclear-prepayment-bench}
bash tools/install-deps.sh
bash tools/build.sh >/dev/null
mkdir -p "$work"
config="$work/xclear.json"
sed 's/"allow_now_override": false/"allow_now_override": true/; s|"calendar_dir": "calendar"|"calendar_dir": "'"$PWD"'/config/calendar"|' \
  config/xclear.json >"$config"
ledger="$work/ledger"
if [ "$(cat "$work/.year" 2>/dev/null)" != "$per_month" ]; then
  rm -rf "$ledger" "$work/.year"
  build/tools/xclear init --config "$config" --data "$ledger" >/dev/null
  start=$(date +%s)
  for month in 01 02 03 04 05 06 07 08 09 10 11 12; do
    rm -rf "$work/claims"
    build/tools/xclear-generate --claims "$per_month" --month "2026-$month" --out "$work/claims" \
      --config config/xclear.json >/dev/null
    next=$(date -d "2026-$month-01 +1 month" +%Y-%m)
    for file in "$work"/claims/claims-*.csv; do
      province=$(basename "$file" .csv)
      province=${province#claims-}
      build/tools/xclear declare "$file" --province "$province" --config "$config" \
        --data "$ledger" --now "$next-10T10:00:00" --actor "province:$province" >/dev/null
    done
    echo "declared 2026-$month ($per_month claims)"
  done
  rm -rf "$work/claims"
  echo "a year of $((per_month * 12)) claims declared in $(($(date +%s) - start)) s"
  echo "$per_month" >"$work/.year"
fi
rm -rf "$work/ledger-copy"
cp -r "$ledger" "$work/ledger-copy"
echo "ledger on disk: $(du -sh "$ledger" | cut -f1); $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
build/bench/prepayment_bench --ledger "$work/ledger-copy" --year 2027 --config "$config"
