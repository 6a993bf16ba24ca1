#!/usr/bin/env bash
# Drives the real `xclear` binary: exit codes, one-line refusals, JSON output, idempotency.
# usage: cli_test.sh XCLEAR_BINARY SOURCE_DIR
set -uo pipefail
xclear=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
passes=0

config="$work/xclear.json"
cp -r "$source_dir/config/calendar" "$work/calendar"
sed 's/"allow_now_override": false/"allow_now_override": true/' "$source_dir/config/xclear.json" >"$config"
run() { "$xclear" "$@" --config "$config" --data "$work/ledger"; }

check() {  # check NAME EXPECTED_EXIT PATTERN -- command...
  local name=$1 expected=$2 pattern=$3
  shift 4
  local output status
  output=$("$@" 2>&1)
  status=$?
  if [[ $status -ne $expected ]] || ! grep -qE -- "$pattern" <<<"$output"; then
    echo "FAIL $name: exit $status (wanted $expected), output:"
    echo "$output" | head -n 20
    failures=$((failures + 1))
  else
    passes=$((passes + 1))
  fi
}

cat >"$work/claim.json" <<'JSON'
{"kind": "claims_declared", "effective_date": "2026-10-15", "idempotency_key": "claims-110000-1",
 "source_reference": "test", "memo": "two claims",
 "postings": [
   {"account": "110000:receivable:130000", "debit": "1234.56"},
   {"account": "110000:bank", "credit": "1234.56"},
   {"account": "130000:expense", "debit": "1234.56"},
   {"account": "130000:payable:110000", "credit": "1234.56"}]}
JSON
sed 's/1234.56/1234.57/g' "$work/claim.json" >"$work/conflict.json"
sed 's/"credit": "1234.56"}]/"credit": "1234.55"}]/' "$work/claim.json" | sed 's/claims-110000-1/unbalanced/' >"$work/unbalanced.json"
sed 's/1234.56/1234.567/g; s/claims-110000-1/three-decimals/' "$work/claim.json" >"$work/decimals.json"

check "usage without a command" 2 "usage: xclear" -- "$xclear"
check "unknown command" 2 "unknown command" -- run frobnicate
check "help of a command" 0 "ACCOUNT" -- run balance --help
check "no ledger yet" 1 "xclear init" -- run verify
check "init" 0 "ledger ready" -- run init
check "post" 0 "recorded entry 1 " -- run post "$work/claim.json" --actor operator:test --now 2026-10-15T09:00:00
check "post replay" 0 "already recorded as entry 1 " -- run post "$work/claim.json" --actor operator:test
check "post conflict" 1 "^xclear: conflict: .*claims-110000-1" -- run post "$work/conflict.json" --actor operator:test
check "post unbalanced" 1 "^xclear: invalid_argument: entry does not balance: debits exceed credits by 0.01" -- run post "$work/unbalanced.json"
check "post three decimals" 1 "postings\[0\]\.debit: amount \"1234.567\" has 3 decimals" -- run post "$work/decimals.json"
check "post bad json" 1 "not valid JSON" -- run post /dev/null
check "post missing file" 1 "cannot open" -- run post "$work/absent.json"
check "balance" 0 "^110000:receivable:130000 1234.56 \(as of entry 1\)" -- run balance 110000:receivable:130000
check "balance json" 0 '"balance":"-1234.56"' -- run balance 130000:payable:110000 --json
check "balance as of 0" 0 " 0.00 \(as of entry 0\)" -- run balance 110000:receivable:130000 --as-of 0
check "balance before the first entry" 0 " 0.00 \(as of entry 0\)" -- run balance 110000:bank --as-of 2026-10-15T08:59:59
check "bad account" 1 "unknown kind" -- run balance 110000:savings
check "reverse" 0 "reversed by entry 2" -- run reverse 1 --key fix-1 --memo "declared twice" --now 2026-10-16T10:00:00
check "reverse twice" 1 "already reversed by entry 2" -- run reverse 1 --key fix-2 --memo again
check "reverse needs a memo" 1 "--memo" -- run reverse 1 --key fix-3
check "balance after reversal" 0 " 0.00 \(as of entry 2\)" -- run balance 110000:receivable:130000
check "trial balance csv" 0 "^,,,total,,2469.12,2469.12,1," -- run trial-balance --format csv --as-of 1
check "trial balance json" 0 '"total_debit": "0.00"' -- run trial-balance --json
check "journal json lines" 0 '^\{"sequence":2,.*"reverses_sequence":1' -- run journal --json
check "journal one entry" 0 "^#1 2026-10-15T09:00:00.000\+08:00 effective 2026-10-15 claims_declared by operator:test" -- run journal 1
check "verify" 0 '^\{"ok":true,"entries_checked":2' -- run verify --json
check "now is refused when the config disallows it" 1 "allow_now_override" -- "$xclear" verify --config "$source_dir/config/xclear.json" --data "$work/ledger" --now 2026-01-01
check "bad --now" 1 "not in the form" -- run verify --now yesterday
check "unknown option" 2 "unknown option --frob" -- run verify --frob
check "refusal in json" 1 '"code":"conflict"' -- run post "$work/conflict.json" --json

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
