#!/usr/bin/env bash
# Declares a generated national month with xclear the way the operator does (32 `xclear declare`
# commands into one ledger, bench/declare_month.sh) and loads the same CSV files into
# PostgreSQL 15 (a table with a primary key on the settlement id, COPY), on the same machine, and
# prints both figures and the ratio. Then times the per-pair aggregation in PostgreSQL (GROUP BY
# insured, treatment), the peer of month-end clearing, beside xclear's clearing. Not part of CI:
# it takes minutes and several GB of disk.
#
# The month is what provincial systems send: the national platform's header and settlement ids
# in no useful order (xclear-generate --format national, random ids). `--ids sequential` gives
# the old ids, prefixed by the province and counting up, to show what such ids flatter.
#
#   bash bench/postgres_compare.sh [CLAIMS] [WORK_DIR] [--ids random|sequential]
#                                  (default 20000000 claims, /tmp/xclear-bench, random)
set -euo pipefail
cd "$(dirname "$0")/.."
claims=${1:-20000000}
work=${2:-/tmp/xclear-bench}
ids=random
if [ "${3:-}" = --ids ]; then ids=${4:?--ids needs random or sequential}; fi
port=55432

bash tools/install-deps.sh
if ! [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
fi
bash tools/build.sh >/dev/null
mkdir -p "$work"
chmod 755 "$work"
if [ "$(cat "$work/claims/.count" 2>/dev/null)" != "$claims $ids" ]; then
  rm -rf "$work/claims"
  build/tools/xclear-generate --claims "$claims" --month 2026-10 --format national --ids "$ids" \
    --out "$work/claims"
  echo "$claims $ids" >"$work/claims/.count"
fi
chmod -R a+rX "$work/claims"
bytes=$(du -cb "$work"/claims/claims-*.csv | tail -1 | cut -f1)
echo "input: $claims claims, $((bytes / 1000000)) MB CSV, $(ls "$work"/claims/claims-*.csv | wc -l) files; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"

echo "== xclear: 32 xclear declare commands into one ledger ($ids ids)"
bash bench/declare_month.sh "$work/claims" "$work/xclear-ledger" --no-verify | tee "$work/xclear.txt"
xclear_seconds=$(grep '^declare:' "$work/xclear.txt" | grep -o 'in [0-9.]* s' | awk '{print $2}')
clear_seconds=$(grep 'regular round' "$work/xclear.txt" | grep -o '[0-9.]* s$' | awk '{print $1}')

echo "== PostgreSQL 15 (fsync on, synchronous_commit on: durable like xclear)"
pgdata="$work/pgdata"
rm -rf "$pgdata"
install -d -o postgres -g postgres "$pgdata"
touch "$work/pg.log" && chown postgres "$work/pg.log"
su postgres -c "/usr/lib/postgresql/15/bin/initdb -D '$pgdata' -A trust >/dev/null"
su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$pgdata' -o '-p $port -k /tmp -c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min' -l '$work/pg.log' -w start >/dev/null"
trap "su postgres -c \"/usr/lib/postgresql/15/bin/pg_ctl -D '$pgdata' -m fast stop >/dev/null\" || true" EXIT
psql() { su postgres -c "psql -h /tmp -p $port -X -q -v ON_ERROR_STOP=1 $*"; }
psql "-c \"CREATE TABLE claims (setl_id text PRIMARY KEY, psn_no text NOT NULL,
  mdtrtarea_admvs int NOT NULL, insuplc_admdvs int NOT NULL, setl_time timestamp NOT NULL,
  med_type text NOT NULL, medfee_sumamt numeric(14,2) NOT NULL,
  fund_pay_sumamt numeric(14,2) NOT NULL)\""
start=$(date +%s.%N)
for file in "$work"/claims/claims-*.csv; do
  psql "-c \"COPY claims FROM '$file' WITH (FORMAT csv, HEADER true)\""
done
pg_seconds=$(echo "$(date +%s.%N) - $start" | bc)
echo "PostgreSQL COPY: $claims claims in ${pg_seconds} s ($(echo "$claims / $pg_seconds" | bc) claims/s)"
# Twice: right after the load (partly cached), then with the table in PostgreSQL's and the
# kernel's caches.
group_by="SELECT insuplc_admdvs / 10000, mdtrtarea_admvs / 10000, count(*), sum(fund_pay_sumamt) FROM claims GROUP BY 1, 2"
for run in first second; do
  start=$(date +%s.%N)
  psql "-c \"$group_by\" >/dev/null"
  group_seconds=$(echo "$(date +%s.%N) - $start" | bc)
  echo "PostgreSQL GROUP BY insured, treatment ($run run): ${group_seconds} s"
done
echo "PostgreSQL on disk: $(psql "-t -c \"SELECT pg_size_pretty(pg_total_relation_size('claims'))\"" | tr -d ' ')"
echo "== ratio: xclear declares $(echo "scale=2; $pg_seconds / $xclear_seconds" | bc)x faster than PostgreSQL COPY"
echo "== ratio: PostgreSQL GROUP BY (second run) takes $(echo "scale=1; $group_seconds / $clear_seconds" | bc)x the time of xclear's regular clearing run"
echo "   (xclear's figure is the CLI command with process start: it reads the per-pair,"
echo "   per-category aggregates and digests kept at declaration time and commits the statement"
echo "   durably; the supplementary round, printed above, reads the late claims' groups)"
