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
{"kind": "manual", "effective_date": "2026-10-15", "idempotency_key": "claims-110000-1",
 "source_reference": "test", "memo": "two claims",
 "postings": [
   {"account": "110000:expense", "debit": "1234.56"},
   {"account": "110000:bank", "credit": "1234.56"},
   {"account": "130000:expense", "debit": "1234.56"},
   {"account": "130000:bank", "credit": "1234.56"}]}
JSON
# The same amounts on the control accounts of the pair: refused (issue 15).
sed 's/"110000:expense"/"110000:receivable:130000"/; s/"130000:bank"/"130000:payable:110000"/; s/claims-110000-1/control/' "$work/claim.json" >"$work/control.json"
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
sed 's/"manual"/"claims_declared"/; s/claims-110000-1/kind-check/' "$work/claim.json" >"$work/kind.json"
check "post refuses non-manual kinds" 1 "only \"manual\" entries can be posted" -- run post "$work/kind.json"
check "post refuses a control account" 1 "110000:receivable:130000\): a manual entry may not post to a control account" -- run post "$work/control.json"
check "post refuses a duplicate key" 1 "duplicate key \"debit\"" -- run post <(sed 's/"debit": "1234.56"}/"debit": "1234.56", "debit": "1.00"}/' "$work/claim.json" | sed 's/claims-110000-1/dup/')
check "balance" 0 "^110000:expense 1234.56 \(as of entry 1\)" -- run balance 110000:expense
check "balance json" 0 '"balance":"-1234.56"' -- run balance 130000:bank --json
check "balance as of 0" 0 " 0.00 \(as of entry 0\)" -- run balance 110000:expense --as-of 0
check "balance before the first entry" 0 " 0.00 \(as of entry 0\)" -- run balance 110000:bank --as-of 2026-10-15T08:59:59
check "bad account" 1 "unknown kind" -- run balance 110000:savings
check "reverse" 0 "reversed by entry 2" -- run reverse 1 --key fix-1 --memo "declared twice" --now 2026-10-16T10:00:00
check "reverse twice" 1 "already reversed by entry 2" -- run reverse 1 --key fix-2 --memo again
check "reverse needs a memo" 1 "--memo" -- run reverse 1 --key fix-3
check "balance after reversal" 0 " 0.00 \(as of entry 2\)" -- run balance 110000:expense
check "trial balance csv" 0 "^,,,total,,2469.12,2469.12,1," -- run trial-balance --format csv --as-of 1
check "trial balance json" 0 '"total_debit": "0.00"' -- run trial-balance --json
check "journal json lines" 0 '^\{"sequence":2,.*"reverses_sequence":1' -- run journal --json
check "journal one entry" 0 "^#1 2026-10-15T09:00:00.000\+08:00 effective 2026-10-15 manual by operator/test" -- run journal 1
check "verify" 0 '^\{"ok":true,"entries_checked":2' -- run verify --json
check "now is refused when the config disallows it" 1 "allow_now_override" -- "$xclear" verify --config "$source_dir/config/xclear.json" --data "$work/ledger" --now 2026-01-01
check "bad --now" 1 "not in the form" -- run verify --now yesterday
check "unknown option" 2 "unknown option --frob" -- run verify --frob
check "an auditor may not post" 1 "^xclear: refused: the auditor role may not post or reverse a manual entry" -- run post "$work/claim.json" --actor auditor/nao
check "a province may not run the clearing from the console" 1 "the province role may not run the clearing" -- run clear --month 2026-09 --actor province:110000/clerk
check "an actor must be typed" 1 "is not province:<code>/<name>, operator/<name> or auditor/<name>" -- run verify --actor "someone else"
check "refusal in json" 1 '"code":"conflict"' -- run post "$work/conflict.json" --json

# Declarations.
cat >"$work/claims.csv" <<'CSV'
claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_amount
CLI-1,110000,130000,2026-09-03,inpatient,1500.00,1200.00
CLI-2,110000,310000,2026-09-04,pharmacy,30.00,20.50
CSV
printf 'claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_amount\nCLI-3,110000,130000,2026-09-05,inpatient,10.00,12.00\n' >"$work/bad.csv"
check "declare" 0 "claims.csv: 2 claims recorded \(1220.50 CNY fund, 0 late\)" -- run declare "$work/claims.csv" --province 110000 --now 2026-10-10T09:00:00
check "declare again is a no-op" 0 "0 claims recorded .* 2 duplicates ignored" -- run declare "$work/claims.csv" --province 110000 --now 2026-10-10T09:00:00
check "declare a bad row" 1 "row 2 fund_amount: fund_amount 12.00 exceeds total_amount 10.00" -- run declare "$work/bad.csv" --province 110000 --now 2026-10-10T09:00:00
check "declare json" 1 '"error_count":1' -- run declare "$work/bad.csv" --province 110000 --now 2026-10-10T09:00:00 --json
check "declare needs a province" 1 "--province" -- run declare "$work/claims.csv"
check "declare after the deadline" 1 "were due by 2026-10-20T23:59:59.999" -- run declare "$work/bad.csv" --province 110000 --now 2026-10-21T00:00:00
check "explain too late" 1 "had to be filed by 2026-10-20" -- run explain --province 110000 --month 2026-09 --reason outage --now 2026-10-21T00:00:00
check "explain" 0 "explanation for 110000 2026-10 recorded" -- run explain --province 110000 --month 2026-10 --reason "HIS migration" --now 2026-11-02T09:00:00
check "explanations" 0 "110000 2026-10 filed 2026-11-02T09:00:00.000\+08:00 by operator/.*: HIS migration" -- run explanations
check "claim" 0 "^CLI-1 110000<-130000 2026-09-03 inpatient total 1500.00 fund 1200.00" -- run claim CLI-1
check "claim unknown" 1 "not recorded" -- run claim NOPE
check "claims of a month" 0 '"claim_id":"CLI-2"' -- run claims --month 2026-09 --province 110000 --insured 310000 --json
check "reverse of a declaration is refused" 1 "entry 3 is a claims_declared entry: a domain record stands behind it" -- run reverse 3 --key undo-3 --memo "wrong file"
check "verify with claims" 0 "2 claims, 0 statements, 0 confirmation/payment records, 0 prepayment records, [0-9]+ control accounts against their records: ok" -- run verify

# Clearing.
check "clear before the deadline" 1 "may run only after its declaration deadline 2026-10-20T23:59:59.999" -- run clear --month 2026-09 --now 2026-10-20T12:00:00
check "clear" 0 "gross: 2 payments moving 1220.50; net: 3 payments moving 1220.50$" -- run clear --month 2026-09 --now 2026-10-21T09:00:00 --out "$work/statements"
check "statement file" 0 '"net":\{"payments":3,"moved":"1220.50"\}' -- cat "$work/statements/statement-2026-09-round-0.json"
check "clear again is the same statement" 0 "round 0 issued 2026-10-21T09:00:00.000" -- run clear --month 2026-09 --now 2026-10-25T09:00:00
check "statement" 0 '"gross":\{"payments":2,"moved":"1220.50"\}' -- run statement --month 2026-09 --json
check "no statement yet" 1 "no statement has been issued for 2026-08" -- run statement --month 2026-08
check "verify after clearing" 0 "2 claims, 1 statements, 0 confirmation/payment records, 0 prepayment records, [0-9]+ control accounts against their records: ok" -- run verify

# Confirmations, payments, deadlines, the month-end job. (The ledger's clock never goes back: the
# explanation above was recorded on 2 November, so everything below happens later.)
pay() { run pay --month 2026-09 --bank ICBC --value-date 2026-11-03 --now 2026-11-03T10:00:00 "$@"; }
check "deadlines after clearing" 0 "^  confirmation 2026-09 round 0 130000 1200.00 \(due 2026-10-28, 6 days OVERDUE\)" -- run deadlines --now 2026-11-03T10:00:00
check "pay before confirming" 1 "130000 has not confirmed statement 2026-09:0" -- pay --from 130000 --to 110000 --serial S1 --amount 1200.00
check "confirm" 0 "130000 confirmed 2026-09 round 0 at 2026-11-03T09:00:00.000" -- run confirm --month 2026-09 --province 130000 --now 2026-11-03T09:00:00
check "confirm again" 0 "130000 had confirmed 2026-09 round 0" -- run confirm --month 2026-09 --province 130000 --now 2026-11-03T09:30:00
check "confirm without a part" 1 "440000 has no part in statement 2026-09:0" -- run confirm --month 2026-09 --province 440000
check "confirm a missing round" 1 "no clearing statement 2026-09:1" -- run confirm --month 2026-09 --round 1 --province 130000
check "pay part" 0 "130000 -> 110000 1000.00 CNY, ICBC S1" -- pay --from 130000 --to 110000 --serial S1 --amount 1000.00
check "pay replay" 0 "already recorded" -- pay --from 130000 --to 110000 --serial S1 --amount 1000.00
check "duplicate serial" 1 "^xclear: conflict: bank serial number S1 of ICBC is already recorded" -- pay --from 130000 --to 110000 --serial S1 --amount 200.00
check "overpayment" 1 "overpayment: 130000 owes 110000 200.00" -- pay --from 130000 --to 110000 --serial S2 --amount 200.01
check "wrong counterpart" 1 "wrong counterpart: .* expects no payment from 130000 to 310000" -- pay --from 130000 --to 310000 --serial S3 --amount 1.00
check "three decimals" 1 "^xclear: invalid_argument: --amount: amount \"1.001\" has 3 decimals" -- pay --from 130000 --to 110000 --serial S4 --amount 1.001
check "future value date" 1 "value_date 2026-11-04 is in the future" -- pay --from 130000 --to 110000 --serial S4 --amount 1.00 --value-date 2026-11-04
check "pay the rest" 0 '"amount":"200.00"' -- pay --from 130000 --to 110000 --serial S5 --amount 200.00 --json
check "payments" 0 '"serial":"S5"' -- run payments --month 2026-09 --json
check "settlement" 0 "130000 -> 110000: owed 1200.00, paid 1200.00, due 2026-11-17, complete 2026-11-03" -- run settlement --month 2026-09 --now 2026-11-03T10:00:00
check "deadlines csv" 0 "^payment,2026-09,0,310000,上海市,110000,北京市,20.50,2026-11-11,-8,due," -- run deadlines --format csv --now 2026-11-03T10:00:00
check "deadlines of one province" 0 '"item_count": 3' -- run deadlines --province 310000 --json --now 2026-11-03T10:00:00
check "deadlines of a settled province" 0 '"item_count": 0' -- run deadlines --province 130000 --json --now 2026-11-03T10:00:00
check "month overdue" 0 "^month,2026-09,0,,,,,20.50,2026-11-30,1,overdue" -- run deadlines --format csv --now 2026-12-01T00:00:00
check "month-end before the deadline" 1 "may run only after its declaration deadline 2026-11-20" -- run month-end --month 2026-10 --out "$work/month-end" --now 2026-11-04T09:00:00
check "month-end" 0 "month-end 2026-09: 1 statement round\(s\), 4 open obligation\(s\); reports in" -- run month-end --month 2026-09 --out "$work/month-end" --now 2026-11-04T09:00:00 --quiet
check "month-end statement csv" 0 "^control,2026-09,0,gross,,,,,2,1220.50,1530.00,0,0.00,1220.50,1,1200.00,0,0.00,0,0.00,1,20.50,1220.50,1220.50,0.00,,," -- cat "$work/month-end/statement-2026-09-round-0.csv"
check "month-end deadlines csv" 0 "^total,,4,,,,,20.50," -- cat "$work/month-end/deadlines.csv"
# XLSX: read back from the zip, not just checked for existence.
sheet() { unzip -p "$1" "$2"; }
check "statement xlsx: frozen header" 0 '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' -- sheet "$work/month-end/statement-2026-09-round-0.xlsx" xl/worksheets/sheet1.xml
check "statement xlsx: amounts are numbers" 0 '<c r="J2" s="2"><v>1200</v></c>' -- sheet "$work/month-end/statement-2026-09-round-0.xlsx" xl/worksheets/sheet1.xml
check "statement xlsx: 2-decimal format" 0 'formatCode="0.00"' -- sheet "$work/month-end/statement-2026-09-round-0.xlsx" xl/styles.xml
check "statement xlsx: Chinese names" 0 '<t>河北省</t>' -- sheet "$work/month-end/statement-2026-09-round-0.xlsx" xl/sharedStrings.xml
check "deadlines xlsx" 0 '<v>20.5</v>' -- sheet "$work/month-end/deadlines.xlsx" xl/worksheets/sheet1.xml
check "xlsx needs --out" 1 "--format xlsx needs --out FILE" -- run trial-balance --format xlsx
run report trial-balance --format xlsx --out "$work/tb1.xlsx" >/dev/null 2>&1
sleep 1.1
run report trial-balance --format xlsx --out "$work/tb2.xlsx" >/dev/null 2>&1
check "xlsx is deterministic" 0 "" -- cmp "$work/tb1.xlsx" "$work/tb2.xlsx"
check "xlsx fixed creation time" 0 "2000-01-01T00:00:00Z" -- sheet "$work/tb1.xlsx" docProps/core.xml
check "verify after payments" 0 "2 claims, 1 statements, 5 confirmation/payment records, 0 prepayment records, [0-9]+ control accounts against their records: ok" -- run verify

# Prepayments: positions, a top-up and its payment, the annual adjustment.
check "positions csv" 0 "^310000,上海市,110000,北京市,0.00,20.50,,red," -- run positions --format csv --now 2026-11-05T10:00:00
check "positions of one province" 0 "62 pairs" -- run positions --province 310000
check "topup below red" 1 "pair 110000 -> 310000 is below the red line \(90.00%\): usage 0.00%" -- run topup --insured 110000 --treatment 310000 --now 2026-11-05T10:00:00 --actor province:310000
check "topup" 0 "issued topup-310000-110000-1: 310000 pays 110000 41.00 \(paid 0.00\), due 2026-11-19" -- run topup --insured 310000 --treatment 110000 --now 2026-11-05T10:00:00 --actor province:110000
check "topup while one is open" 1 "already has an unpaid top-up notice: topup-310000-110000-1 \(41.00 unpaid\)" -- run topup --insured 310000 --treatment 110000 --now 2026-11-05T11:00:00
check "deadlines with a notice" 0 "^topup,2026-11,0,310000,上海市,110000,北京市,41.00,2026-11-19,-14,due," -- run deadlines --format csv --now 2026-11-05T11:00:00
check "open notices" 0 '"id":"topup-310000-110000-1"' -- run notices --open --json --now 2026-11-05T11:00:00
paynotice() { run pay --notice topup-310000-110000-1 --from 310000 --to 110000 --bank ICBC --value-date 2026-11-06 --now 2026-11-06T10:00:00 "$@"; }
check "notice overpayment" 1 "overpayment: notice topup-310000-110000-1 asks 41.00 more" -- paynotice --serial N1 --amount 41.01
check "notice payment reusing a statement serial" 1 "bank serial number S1 of ICBC is already recorded" -- paynotice --serial S1 --amount 41.00
check "notice wrong counterpart" 1 "wrong counterpart: notice topup-310000-110000-1 asks 310000 to pay 110000" -- run pay --notice topup-310000-110000-1 --from 110000 --to 310000 --bank ICBC --serial N9 --value-date 2026-11-06 --amount 1.00 --now 2026-11-06T10:00:00
check "notice payment" 0 "notice topup-310000-110000-1: 310000 -> 110000 41.00 CNY, ICBC N1" -- paynotice --serial N1 --amount 41.00
check "prepayment raised" 0 "310000 -> 110000: prepayment 41.00, outstanding 20.50, usage 50.00%, none" -- run positions --province 310000
check "adjust before January" 1 "may run from 2027-01-01 to 2027-01-31 \(CST\); today is 2026-12-31" -- run adjust --year 2027 --now 2026-12-31T10:00:00
check "adjust" 0 "1 payment notices \(200.00\), 1 refund notices \(37.58\), due 2027-02-28" -- run adjust --year 2027 --now 2027-01-05T10:00:00
check "adjust again" 1 "already ran on 2027-01-05T10:00:00.000\+08:00" -- run adjust --year 2027 --now 2027-01-06T10:00:00
check "adjustment line" 0 "310000 -> 110000: base 20.50, target 3.42, prepayment 41.00, adjustment -37.58" -- run adjustment --year 2027
check "refund overdue" 0 "^refund,2027-01,0,110000,北京市,310000,上海市,37.58,2027-02-28,1,overdue," -- run deadlines --format csv --now 2027-03-01T09:00:00
check "verify with prepayments" 0 "6 confirmation/payment records, 3 prepayment records, [0-9]+ control accounts against their records: ok" -- run verify --now 2027-01-06T10:00:00

check "provincial statement" 0 "^total,北京市,,,,,,,ok,,,110000,2026-11," -- run report provincial --province 110000 --month 2026-11 --format csv
check "provincial statement text" 0 "every mirror agrees: ok" -- run provincial --province 130000 --month 2026-11
check "hledger journal" 0 "^commodity 1000.00 CNY" -- run report journal --format hledger
check "unknown report" 2 "report needs a name" -- run report ledger-dump

check "prepayment report" 0 "^310000,上海市,110000,北京市,20.50,3.42,41.00,-37.58,0.00,41.00,20.50,50.00,none,2027,issued," -- run report prepayment --year 2027 --format csv
check "prepayment report preview" 0 "^130000,河北省,110000,北京市,0.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,none,2028,preview," -- run report prepayment --year 2028 --format csv
check "prepayment report xlsx" 0 "<v>-37.58</v>" -- bash -c "'$xclear' report prepayment --year 2027 --format xlsx --out '$work/p.xlsx' --config '$config' --data '$work/ledger' && unzip -p '$work/p.xlsx' xl/worksheets/sheet1.xml"
check "statement report" 0 "^month,2026-09,1 rounds,,,,,,2,1220.50,1530.00," -- run report statement --month 2026-09 --format csv
check "statement report of a missing round" 1 "no round 3 of 2026-09" -- run report statement --month 2026-09 --round 3 --format csv

check "claims csv" 0 "^total,2 claims,,,2026-09,1530.00,1220.50,,entry [0-9]+," -- run report claims --month 2026-09 --format csv

check "token issue" 0 "^xct_[0-9a-f]{64}$" -- run token-issue --name bj --role province --province 110000
check "token file keeps only the hash" 0 '"name":"bj","role":"province","province":"110000","sha256":"[0-9a-f]{64}"' -- cat "$work/tokens.json"
check "token name taken" 1 "already_exists: a token named \"bj\" exists" -- run token-issue --name bj --role operator
check "token needs a province" 1 "--province CODE is required" -- run token-issue --name sh --role province
check "token bad role" 1 "role must be province, operator or auditor" -- run token-issue --name x --role admin
check "token list" 0 "^province:110000/bj issued " -- run token-list
check "token revoke" 0 "revoked bj" -- run token-revoke --name bj
check "token revoke unknown" 1 "no token named \"bj\"" -- run token-revoke --name bj

# Backup and restore: the restored ledger verifies and has the source's head.
check "backup" 0 "^backup written: $work/backups/[0-9]{8}T[0-9]{6}Z-seq[0-9]+: ledger at entry [0-9]+ " -- run backup --to "$work/backups"
backup=$(ls -d "$work"/backups/*-seq* | head -n 1)
head_hash=$(run backup-check "$backup" --json | sed -n 's/.*"head_hash":"\([0-9a-f]*\)".*/\1/p')
check "backup-check" 0 "^backup intact: .* files, [0-9]+ bytes" -- run backup-check "$backup"
check "restore" 0 "prepayment records, [0-9]+ control accounts against their records: ok" -- "$xclear" restore "$backup" --config "$config" --data "$work/restored" --now 2027-01-06T10:00:00
check "restored head" 0 "\"head_hash\":\"$head_hash\"" -- "$xclear" backup --to "$work/backups2" --json --config "$config" --data "$work/restored"
check "restore over a ledger" 1 "is not empty; restore into a new directory" -- "$xclear" restore "$backup" --config "$config" --data "$work/restored"
check "restore of a non-backup" 1 "is not a backup \(no BACKUP-MANIFEST\)" -- "$xclear" restore "$work/ledger" --config "$config" --data "$work/restored2"
cp -r "$backup" "$work/tampered" && echo junk >>"$work/tampered/CURRENT"
check "backup-check tampered" 3 "backup file $work/tampered/CURRENT differs from the manifest" -- run backup-check "$work/tampered"

# A payment the bank returned (the correction of a payment: not `xclear reverse`).
check "reverse of a payment is refused" 1 "is a claim_payment entry: a domain record stands behind it" -- run reverse "$(run payments --month 2026-09 --json | sed -n 's/.*"serial":"S5".*"entry_sequence":\([0-9]*\).*/\1/p')" --key undo-s5 --memo "bank returned it"
check "pay-return of an unknown payment" 1 "no statement payment with serial NOPE of ICBC" -- run pay-return --bank ICBC --serial NOPE --return-serial R0 --value-date 2027-01-06 --amount 1.00 --now 2027-01-06T10:00:00
check "pay-return beyond the payment" 1 "was 200.00, of which 0.00 is returned already" -- run pay-return --bank ICBC --serial S5 --return-serial R1 --value-date 2027-01-06 --amount 200.01 --now 2027-01-06T10:00:00
check "pay-return" 0 "^ICBC returned 50.00 of payment S5 \(130000 -> 110000, statement 2026-09 round 0\) as R1, entry [0-9]+$" -- run pay-return --bank ICBC --serial S5 --return-serial R1 --value-date 2027-01-06 --amount 50.00 --now 2027-01-06T10:00:00
check "settlement after the return" 0 "130000 -> 110000: owed 1200.00, paid 1150.00" -- run settlement --month 2026-09 --now 2027-01-06T10:00:00
check "balance after the return" 0 "^130000:payable:110000 -50.00 " -- run balance 130000:payable:110000
check "verify after the return" 0 "control accounts against their records: ok" -- run verify --now 2027-01-06T10:00:00
check "compact" 0 "^claim index: [0-9]+ sorted run\(s\) merged into [01] in [0-9.]+ s$" -- run compact --actor operator/ops
check "a province may not compact" 1 "the province role may not administer" -- run compact --actor province:110000/clerk
check "verify after compact" 0 "control accounts against their records: ok" -- run verify --now 2027-01-06T10:00:00

# Reversals (结算撤销), in a ledger of their own: declared beside the claims they cancel, shown
# both ways, refused with the row and field, cleared with a negative pair.
fresh() { "$xclear" "$@" --config "$config" --data "$work/reversals"; }
cat >"$work/reversals.csv" <<'CSV'
claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_amount,reversal_of
RV-1,110000,130000,2026-09-03,inpatient,1500.00,1200.00,
RV-2,110000,130000,2026-09-20,inpatient,1500.00,1200.00,RV-1
RV-3,110000,130000,2026-09-21,inpatient,300.00,200.00,
CSV
printf 'claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_amount,reversal_of\nRV-9,110000,130000,2026-09-22,inpatient,300.00,150.00,RV-3\n' >"$work/partial.csv"
check "reversals: init" 0 "ledger ready" -- fresh init
check "reversals: declare" 0 "2 claims recorded \(1400.00 CNY fund, 0 late\), 0 duplicates ignored, 1 reversals recorded \(1200.00 CNY fund\); ledger entry 1; reversals entry 2" -- fresh declare "$work/reversals.csv" --province 110000 --now 2026-10-10T09:00:00
check "reversals: the claim names its reversal" 0 "^RV-1 .* reversed by RV-2$" -- fresh claim RV-1
check "reversals: the reversal names its claim" 0 '"reversal_of":"RV-1"' -- fresh claim RV-2 --json
check "reversals: a partial reversal is refused" 1 "row 2 fund_amount: the reversal's fund_amount 150.00 is not the fund_amount 200.00" -- fresh declare "$work/partial.csv" --province 110000 --now 2026-10-10T09:00:00
check "reversals: balance" 0 "^110000:receivable:130000 200.00 " -- fresh balance 110000:receivable:130000
check "reversals: month claims csv" 0 "^RV-2,110000,130000,2026-09-20,inpatient,1500.00,1200.00,,[0-9a-f]{16},3,RV-1" -- fresh claims --month 2026-09 --format csv
check "reversals: clear" 0 "2 claims, fund 1400.00 CNY, total 1800.00 CNY; 1 reversals, fund 1200.00 CNY; amount 200.00 CNY" -- fresh clear --month 2026-09 --now 2026-10-21T09:00:00
check "reversals: statement csv" 0 "^pair,2026-09,0,gross,130000,[^,]*,110000,[^,]*,2,1400.00,,1,1200.00,200.00," -- fresh statement --month 2026-09 --format csv
check "reversals: verify" 0 " 3 claims, 1 statements.*: ok" -- fresh verify --now 2026-10-21T10:00:00
# October: RV-3 (September's 200.00) is cancelled; the pair Hebei←Beijing is −200.00, which
# Beijing pays back to Hebei.
printf 'claim_id,treatment_province,insured_province,settled_on,category,total_amount,fund_amount,reversal_of\nRV-4,110000,130000,2026-10-02,inpatient,300.00,200.00,RV-3\n' >"$work/october.csv"
check "reversals: a reversal of last month's claim" 0 "1 reversals recorded \(200.00 CNY fund\)" -- fresh declare "$work/october.csv" --province 110000 --now 2026-11-10T09:00:00
check "reversals: october is negative" 0 "0 claims, fund 0.00 CNY, total 0.00 CNY; 1 reversals, fund 200.00 CNY; amount -200.00 CNY" -- fresh clear --month 2026-10 --now 2026-11-21T09:00:00
check "reversals: beijing confirms" 0 "110000 confirmed 2026-10" -- fresh confirm --month 2026-10 --province 110000 --now 2026-11-23T09:00:00
check "reversals: hebei owes nothing back" 1 "wrong counterpart" -- fresh pay --month 2026-10 --from 130000 --to 110000 --bank ICBC --serial RB-0 --value-date 2026-11-23 --amount 200.00 --now 2026-11-23T10:00:00
check "reversals: beijing pays back" 0 "110000 -> 130000 150.00 CNY paid back, ICBC RB-1" -- fresh pay --month 2026-10 --from 110000 --to 130000 --bank ICBC --serial RB-1 --value-date 2026-11-23 --amount 150.00 --now 2026-11-23T10:00:00
check "reversals: --owed-back says it" 0 "110000 -> 130000 50.00 CNY paid back" -- fresh pay --month 2026-10 --from 110000 --to 130000 --owed-back --bank ICBC --serial RB-2 --value-date 2026-11-23 --amount 50.00 --now 2026-11-23T10:00:00
check "reversals: paid back in full" 1 "overpayment" -- fresh pay --month 2026-10 --from 110000 --to 130000 --bank ICBC --serial RB-3 --value-date 2026-11-23 --amount 0.01 --now 2026-11-23T10:00:00
check "reversals: September's 200.00 is what Hebei still owes" 0 "^110000:receivable:130000 200.00 " -- fresh balance 110000:receivable:130000
check "reversals: verify after paying back" 0 "control accounts against their records: ok" -- fresh verify --now 2026-11-23T11:00:00

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
