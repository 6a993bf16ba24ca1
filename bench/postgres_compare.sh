#!/usr/bin/env bash
# Declares a generated national month with xclear and loads the same CSV files into PostgreSQL 15
# (a `claims` table with a primary key on claim_id, COPY), on the same machine, and prints both
# figures and the ratio. Then clears the month with xclear (build/bench/clear_bench) and times
# the same per-pair aggregation in PostgreSQL (GROUP BY insured, treatment), the peer of
# month-end clearing, and prints that ratio too. Not part of CI: it takes minutes and several GB
# of disk.
#
#   bash bench/postgres_compare.sh [CLAIMS] [WORK_DIR]     (default 20000000 claims, /tmp/xclear-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
claims=${1:-20000000}
work=${2:-/tmp/xclear-bench}
port=55432

bash tools/install-deps.sh
if ! [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
fi
bash tools/build.sh >/dev/null
mkdir -p "$work"
chmod 755 "$work"
if [ "$(cat "$work/claims/.count" 2>/dev/null)" != "$claims" ]; then
  rm -rf "$work/claims"
  build/tools/xclear-generate --claims "$claims" --month 2026-10 --out "$work/claims"
  echo "$claims" >"$work/claims/.count"
fi
chmod -R a+rX "$work/claims"
bytes=$(du -cb "$work"/claims/claims-*.csv | tail -1 | cut -f1)
echo "input: $claims claims, $((bytes / 1000000)) MB CSV, $(ls "$work"/claims/claims-*.csv | wc -l) files; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"

echo "== xclear"
/usr/bin/time -f "xclear peak RSS %M KiB" build/bench/declare_bench --claims-dir "$work/claims" \
  --ledger "$work/xclear-ledger" --no-verify 2>&1 | tail -n 2 | tee "$work/xclear.txt"
xclear_seconds=$(grep -o 'in [0-9.]* s' "$work/xclear.txt" | head -1 | awk '{print $2}')
echo "xclear ledger on disk: $(du -sh "$work/xclear-ledger" | cut -f1)"
echo "== xclear month-end clearing of the declared month"
/usr/bin/time -f "xclear clearing peak RSS %M KiB" build/bench/clear_bench \
  --ledger "$work/xclear-ledger" --month 2026-10 2>&1 | tee "$work/xclear-clear.txt"
clear_seconds=$(grep '^regular clearing' "$work/xclear-clear.txt" | grep -o 'in [0-9.]* s' | awk '{print $2}')

echo "== PostgreSQL 15 (fsync on, synchronous_commit on: durable like xclear)"
pgdata="$work/pgdata"
rm -rf "$pgdata"
install -d -o postgres -g postgres "$pgdata"
touch "$work/pg.log" && chown postgres "$work/pg.log"
su postgres -c "/usr/lib/postgresql/15/bin/initdb -D '$pgdata' -A trust >/dev/null"
su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$pgdata' -o '-p $port -k /tmp -c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min' -l '$work/pg.log' -w start >/dev/null"
trap "su postgres -c \"/usr/lib/postgresql/15/bin/pg_ctl -D '$pgdata' -m fast stop >/dev/null\" || true" EXIT
psql() { su postgres -c "psql -h /tmp -p $port -X -q -v ON_ERROR_STOP=1 $*"; }
psql "-c \"CREATE TABLE claims (claim_id text PRIMARY KEY, treatment_province int NOT NULL,
  insured_province int NOT NULL, settled_on date NOT NULL, category text NOT NULL,
  total_amount numeric(14,2) NOT NULL, fund_amount numeric(14,2) NOT NULL)\""
start=$(date +%s.%N)
for file in "$work"/claims/claims-*.csv; do
  psql "-c \"COPY claims FROM '$file' WITH (FORMAT csv, HEADER true)\""
done
pg_seconds=$(echo "$(date +%s.%N) - $start" | bc)
echo "PostgreSQL COPY: $claims claims in ${pg_seconds} s ($(echo "$claims / $pg_seconds" | bc) claims/s)"
# Twice: right after the load (partly cached), then with the table in PostgreSQL's and the
# kernel's caches.
group_by="SELECT insured_province, treatment_province, count(*), sum(fund_amount) FROM claims GROUP BY 1, 2"
for run in first second; do
  start=$(date +%s.%N)
  psql "-c \"$group_by\" >/dev/null"
  group_seconds=$(echo "$(date +%s.%N) - $start" | bc)
  echo "PostgreSQL GROUP BY insured, treatment ($run run): ${group_seconds} s"
done
echo "PostgreSQL on disk: $(psql "-t -c \"SELECT pg_size_pretty(pg_total_relation_size('claims'))\"" | tr -d ' ')"
echo "== ratio: xclear declares $(echo "scale=2; $pg_seconds / $xclear_seconds" | bc)x faster than PostgreSQL COPY"
echo "== ratio: PostgreSQL GROUP BY (second run) takes $(echo "scale=1; $group_seconds / $clear_seconds" | bc)x the time of xclear's regular clearing run"
echo "   (xclear reads the per-pair, per-category aggregates and digests it keeps at declaration"
echo "   time and commits the statement durably; a supplementary round, printed above, scans the"
echo "   month's claims to find the late ones)"
