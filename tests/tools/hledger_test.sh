#!/usr/bin/env bash
# The auditors' cross-check: a generated ledger (a declared national month, its clearing,
# confirmations, payments, a top-up and its payment, the annual adjustment with a refund, a
# manual entry and its reversal) is exported as an hledger journal; `hledger check` must accept
# it and `hledger bal` must equal xclear's trial balance account by account — for the whole
# journal and for a range that starts in the middle (opening balances).
# usage: hledger_test.sh XCLEAR_BINARY GENERATOR_BINARY SOURCE_DIR
set -euo pipefail
xclear=$1
generate=$2
source_dir=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v hledger >/dev/null || { echo "hledger is not installed (tools/install-deps.sh)"; exit 1; }

config="$work/xclear.json"
sed 's/"allow_now_override": false/"allow_now_override": true/; s|"calendar_dir": "calendar"|"calendar_dir": "'"$source_dir"'/config/calendar"|' \
  "$source_dir/config/xclear.json" >"$config"
run() { "$xclear" --config "$config" --data "$work/ledger" "$@"; }

"$generate" --claims 20000 --month 2026-10 --out "$work/claims" --config "$source_dir/config/xclear.json" >/dev/null
run init >/dev/null
for file in "$work"/claims/claims-*.csv; do
  province=$(basename "$file" .csv)
  province=${province#claims-}
  run declare "$file" --province "$province" --now 2026-11-10T10:00:00 >/dev/null
done
run month-end --month 2026-10 --out "$work/month-end" --now 2026-11-23T09:00:00 --quiet >/dev/null
for province in 110000 130000 310000 440000; do
  run confirm --month 2026-10 --province "$province" --now 2026-11-23T10:00:00 >/dev/null
done
# Beijing pays Hebei, Shanghai and Guangdong their pair amounts (read from the statement).
serial=0
while IFS=, read -r treatment amount; do
  serial=$((serial + 1))
  run pay --month 2026-10 --from 110000 --to "$treatment" --bank ICBC --serial "H$serial" \
    --value-date 2026-11-24 --amount "$amount" --now 2026-11-24T10:00:00 >/dev/null
done < <(awk -F, '$1 == "pair" && $5 == "110000" && ($7 == "130000" || $7 == "310000" || $7 == "440000") { print $7 "," $10 }' \
  "$work/month-end/statement-2026-10-round-0.csv")
# A top-up (every unpaid pair is at red without prepayment) and its payment.
run topup --insured 130000 --treatment 110000 --now 2026-11-25T10:00:00 >/dev/null
amount=$(run notices --json --now 2026-11-25T10:00:00 | grep -o '"amount":"[0-9.]*"' | head -1 | cut -d'"' -f4)
run pay --notice topup-130000-110000-1 --from 130000 --to 110000 --bank ICBC --serial T1 \
  --value-date 2026-11-26 --amount "$amount" --now 2026-11-26T10:00:00 >/dev/null
# A manual entry and its reversal.
cat >"$work/manual.json" <<'JSON'
{"kind": "manual", "effective_date": "2026-11-27", "idempotency_key": "fix-1",
 "source_reference": "hledger test; with a semicolon", "memo": "opening | balance; test",
 "postings": [
   {"account": "110000:bank", "debit": "10.00"},
   {"account": "110000:expense", "credit": "10.00"}]}
JSON
run post "$work/manual.json" --now 2026-11-27T10:00:00 >/dev/null
head=$(run journal --json | tail -1 | grep -o '"sequence":[0-9]*' | cut -d: -f2)
run reverse "$head" --key undo-1 --memo "posted by mistake" --now 2026-11-27T11:00:00 >/dev/null
# The annual adjustment for 2027 (October 2026's claims are the base) and one refund-free payment.
run adjust --year 2027 --now 2027-01-05T10:00:00 >/dev/null
run verify --now 2027-01-05T11:00:00 >/dev/null

# xclear's balances, signed (debit positive), non-zero, as "account amount" lines.
xclear_balances() {
  run trial-balance --format csv --as-of "$1" |
    awk -F, 'NR > 1 && $4 != "total" && $3 != "" {
      if ($6 != "0.00") print $3, $6; else if ($7 != "0.00") print $3, "-" $7 }' | sort
}
# hledger's balances of the same accounts.
hledger_balances() {
  hledger -f "$1" bal --flat -O csv --no-total |
    awk -F, 'NR > 1 { gsub(/"/, ""); sub(/ CNY$/, "", $2); if ($2 != "0" && $2 != "0.00") print $1, $2 }' | sort
}

failures=0
run journal --format hledger --out "$work/all.journal"
hledger -f "$work/all.journal" check accounts commodities balancednoautoconversion
if ! diff <(xclear_balances "") <(hledger_balances "$work/all.journal") >"$work/diff.txt"; then
  echo "FAIL: hledger bal of the whole journal differs from the trial balance:"; head -20 "$work/diff.txt"
  failures=$((failures + 1))
fi
accounts=$(xclear_balances "" | wc -l)
[[ $accounts -gt 100 ]] || { echo "FAIL: only $accounts non-zero accounts"; failures=$((failures + 1)); }

# A range from entry 20 on: opening balances + entries 20..head = the same trial balance.
run report journal --format hledger --from 20 --out "$work/range.journal"
grep -q "^.* (0) opening balances after entry 19" "$work/range.journal" || { echo "FAIL: no opening balances"; failures=$((failures + 1)); }
hledger -f "$work/range.journal" check accounts commodities
if ! diff <(xclear_balances "") <(hledger_balances "$work/range.journal") >"$work/diff.txt"; then
  echo "FAIL: hledger bal of the range differs from the trial balance:"; head -20 "$work/diff.txt"
  failures=$((failures + 1))
fi
# A range ending early: its balances equal the trial balance as of that entry.
run journal --format hledger --to 40 --out "$work/early.journal"
if ! diff <(xclear_balances 40) <(hledger_balances "$work/early.journal") >"$work/diff.txt"; then
  echo "FAIL: hledger bal up to entry 40 differs from the trial balance as of 40:"; head -20 "$work/diff.txt"
  failures=$((failures + 1))
fi
# The transaction count is the entry count (plus the opening transaction of a range).
transactions=$(hledger -f "$work/all.journal" stats | awk -F: '/^Transactions  / { gsub(/ /, "", $2); print $2; exit }')
transactions=${transactions%%(*}
[[ "$transactions" == "$head" || "$transactions" -ge "$head" ]] || { echo "FAIL: $transactions transactions for $head+ entries"; failures=$((failures + 1)); }

echo "hledger cross-check: $accounts accounts compared, $failures failure(s)"
[[ $failures -eq 0 ]]
