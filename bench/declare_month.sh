#!/usr/bin/env bash
# Declares a month the way the national operator and the provinces do: one `xclear declare FILE
# --province T` command per claims-<T>.csv file of CLAIMS_DIR, one after the other, into one
# fresh ledger, each a separate process (open, declare durably, close). Prints each command's
# time and peak RSS, then the total, the largest peak RSS, the claims per second and the ledger
# on disk; then times `xclear clear --month` (the regular round, with process start), 10 000 late
# claims declared after the deadline (Beijing filed an explanation in time) and the
# supplementary round that clears them, and, unless --no-verify, `xclear verify`. Not part of CI.
#
#   bash bench/declare_month.sh CLAIMS_DIR LEDGER_DIR [--month YYYY-MM] [--no-verify]
#
# Input: build/tools/xclear-generate --claims 20000000 --month 2026-10 --format national --out DIR
# (with --reversals 20 for a month in which 2 % of the settlements are cancelled)
set -euo pipefail
cd "$(dirname "$0")/.."
claims_dir=$1
ledger=$2
shift 2
month=2026-10
verify=yes
while [ $# -gt 0 ]; do
  case $1 in
    --month) month=$2; shift 2 ;;
    --no-verify) verify=no; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The shipped config with the clock override allowed, so that the month can be declared "on the
# 10th of the next month" and cleared "on the 21st" whatever today's date is.
sed 's/"allow_now_override": false/"allow_now_override": true/; s|"calendar_dir": "calendar"|"calendar_dir": "'"$PWD"'/config/calendar"|' \
  config/xclear.json >"$work/xclear.json"
next=$(date -d "$month-01 +1 month" +%Y-%m)
xclear() { build/tools/xclear --config "$work/xclear.json" --data "$ledger" "$@"; }
rm -rf "$ledger"
xclear init >/dev/null
total_claims=0
total_reversals=0
peak=0
start=$(date +%s.%N)
for file in "$claims_dir"/claims-*.csv; do
  province=$(basename "$file" .csv)
  province=${province#claims-}
  /usr/bin/time -f '%e %M' -o "$work/time" \
    build/tools/xclear --config "$work/xclear.json" --data "$ledger" declare "$file" \
    --province "$province" --actor "operator/bench-for-$province" --now "${next}-10T10:00:00" --json \
    >"$work/report.json"
  read -r seconds rss <"$work/time"
  recorded=$(grep -o '"recorded": *[0-9]*' "$work/report.json" | grep -o '[0-9]*$')
  reversed=$(grep -o '"reversals": *[0-9]*' "$work/report.json" | grep -o '[0-9]*$')
  total_claims=$((total_claims + recorded))
  total_reversals=$((total_reversals + reversed))
  [ "$rss" -gt "$peak" ] && peak=$rss
  printf '  %s: %9d claims and %7d reversals in %6.2f s, peak RSS %4d MiB (ledger then holds %d)\n' \
    "$province" "$recorded" "$reversed" "$seconds" $((rss / 1024)) "$total_claims"
done
seconds=$(echo "$(date +%s.%N) - $start" | bc)
echo "declare: $total_claims claims and $total_reversals reversals through $(ls "$claims_dir"/claims-*.csv | wc -l) xclear declare commands in $(printf %.2f "$seconds") s ($(echo "$total_claims / $seconds" | bc) claims/s), largest peak RSS $((peak / 1024)) MiB"
echo "ledger on disk: $(du -sh "$ledger" | cut -f1)"
xclear explain --province 110000 --month "$month" --reason "bench: late claims" \
  --actor operator/bench-for-110000 --now "${next}-11T09:00:00" >/dev/null
start=$(date +%s.%N)
xclear clear --month "$month" --now "${next}-21T09:00:00" >/dev/null
echo "clear --month $month, regular round (CLI, with process start): $(printf %.2f "$(echo "$(date +%s.%N) - $start" | bc)") s"
{
  echo "claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_amount"
  for i in $(seq 1 10000); do
    echo "BENCHLATE$i,110000,$((120000 + i % 3 * 10000)),$month-15,outpatient,$((100 + i % 900)).00,$((50 + i % 50)).25"
  done
} >"$work/late.csv"
start=$(date +%s.%N)
xclear declare "$work/late.csv" --province 110000 --actor operator/bench-for-110000 \
  --now "${next}-22T09:00:00" >/dev/null
echo "declare 10000 late claims (CLI): $(printf %.2f "$(echo "$(date +%s.%N) - $start" | bc)") s"
start=$(date +%s.%N)
xclear clear --month "$month" --now "${next}-22T10:00:00" >/dev/null
echo "clear --month $month, supplementary round of 10000 late claims in a $((total_claims + 10000))-claim month (CLI): $(printf %.2f "$(echo "$(date +%s.%N) - $start" | bc)") s"
if [ "$verify" = yes ]; then
  start=$(date +%s.%N)
  xclear verify --now "${next}-21T10:00:00" >/dev/null
  echo "verify (CLI): $(printf %.2f "$(echo "$(date +%s.%N) - $start" | bc)") s"
fi
