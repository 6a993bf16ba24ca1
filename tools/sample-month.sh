#!/usr/bin/env bash
# The sample month of tools/run-sample.sh, with binaries from BUILD_DIR, into OUT_DIR:
#
#   bash tools/sample-month.sh BUILD_DIR OUT_DIR [CLAIMS]
#
# The CLI is the national operator's console: the operator declares, confirms and pays on behalf
# of the provinces there (a province's own clerks use the HTTP API with their province's token).
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
out=$2
claims=${3:-200000}
month=2026-10
rm -rf "$out"
mkdir -p "$out"
# A sample config: the shipped one, with the clock override allowed so that the sample month
# can be declared "on 10 November 2026" whatever today's date is.
sed 's/"allow_now_override": false/"allow_now_override": true/; s|"calendar_dir": "calendar"|"calendar_dir": "'"$PWD"'/config/calendar"|' \
  config/xclear.json >"$out/xclear.json"
xclear() { "$build"/tools/xclear --config "$out/xclear.json" --data "$out/ledger" "$@"; }
now=2026-11-10T10:00:00

# 2 % of the settlements are cancelled later in the month (结算撤销): each file carries those
# reversals beside the claims they cancel, as provincial exports do.
"$build"/tools/xclear-generate --claims "$claims" --month "$month" --out "$out/claims" --reversals 20 \
  --config config/xclear.json
xclear init
for file in "$out"/claims/claims-*.csv; do
  province=$(basename "$file" .csv)
  province=${province#claims-}
  xclear declare "$file" --province "$province" --actor "operator/sample-for-$province" --now "$now"
done
xclear verify --now "$now"
# Month-end: the declaration deadline of the month (20 November) has passed on the 21st.
xclear month-end --month "$month" --out "$out" --now 2026-11-21T09:00:00
# Every province confirms its part on Monday 23 November.
for file in "$out"/claims/claims-*.csv; do
  province=$(basename "$file" .csv)
  province=${province#claims-}
  xclear confirm --month "$month" --province "$province" --actor "operator/sample-for-$province" \
    --now 2026-11-23T10:00:00 >/dev/null
done
# Beijing (the insured province) pays each treatment province its pair amount (gross mode),
# read from the statement's pair rows: record,month,round,mode,insured,...,treatment,..., and
# the pair's amount (claims − reversals, column 14) where it is positive.
serial=0
while IFS=, read -r treatment amount; do
  serial=$((serial + 1))
  xclear pay --month "$month" --from 110000 --to "$treatment" --bank ICBC \
    --serial "BJ$month-$serial" --value-date 2026-11-24 --amount "$amount" \
    --actor operator/sample-for-110000 --now 2026-11-24T15:00:00 >/dev/null
done < <(awk -F, '$1 == "pair" && $5 == "110000" && $14 != "0.00" && $14 !~ /^-/ { print $7 "," $14 }' \
  "$out/statement-$month-round-0.csv")
echo "Beijing paid $serial treatment provinces."
xclear verify --now 2026-11-24T16:00:00
xclear deadlines --format csv --out "$out/deadlines-after-payments.csv" --now 2026-11-24T16:00:00
# The reports, as CSV and XLSX (the month-end job wrote the statement and deadlines already):
# prepayment usage of every pair (no prepayments yet: every unpaid pair is at the red line),
# Beijing's reconciliation statement for November, the trial balance, and the journal for
# auditors in hledger format.
for format in csv xlsx; do
  xclear report positions --sort usage --format "$format" --out "$out/positions.$format"
  xclear report provincial --province 110000 --month 2026-11 --format "$format" \
    --out "$out/provincial-110000-2026-11.$format"
  xclear report trial-balance --format "$format" --out "$out/trial_balance.$format"
done
xclear report trial-balance --format json --out "$out/trial_balance.json"
xclear report trial-balance --format text --out "$out/trial_balance.txt"
xclear report journal --format hledger --out "$out/xclear.journal"
echo
echo "Statement of $month (first lines of $out/statement-$month-round-0.csv):"
head -n 4 "$out/statement-$month-round-0.csv"
echo "..."
echo
echo "Trial balance (first lines) — reports in $out/:"
head -n 6 "$out/trial_balance.txt"
echo "..."
tail -n 1 "$out/trial_balance.txt"
