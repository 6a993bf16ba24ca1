#!/usr/bin/env bash
# Load benchmark of the HTTP service on loopback: starts xcleard on a fresh ledger, issues a
# token per province, runs build/bench/api_bench ((a) declarations in batches of 1 000 claims,
# (b) reads of one province's positions), stops the service with SIGTERM and verifies the ledger.
#   bash bench/api_bench.sh [api_bench flags…]      e.g. --batches 100 --format json
# Needs a build (bash tools/build.sh). Data in ${XCLEAR_BENCH_DIR:-/tmp/xclear-api-bench}.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${XCLEAR_BUILD_DIR:-$root/build}"
work="${XCLEAR_BENCH_DIR:-/tmp/xclear-api-bench}"
port="${XCLEAR_BENCH_PORT:-18431}"
rm -rf "$work" && mkdir -p "$work/config"
cp -r "$root/config/calendar" "$work/config/"
sed -e "s#\"data_dir\": \"../data\"#\"data_dir\": \"$work/data\"#" \
    -e "s#\"port\": 8420#\"port\": $port#" \
    -e "s#\"log_file\": \"\"#\"log_file\": \"$work/xcleard.log\"#" \
    "$root/config/xclear.json" > "$work/config/xclear.json"
config="$work/config/xclear.json"
: > "$work/tokens.txt"
for code in $(grep -o '"code": "[0-9]*"' "$config" | grep -o '[0-9]\{6\}'); do
  token=$("$build/tools/xclear" --config "$config" token-issue --name "bench-$code" \
    --role province --province "$code" --json | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  echo "$code $token" >> "$work/tokens.txt"
done
"$build/tools/xclear" --config "$config" init > /dev/null
"$build/tools/xcleard" --config="$config" > "$work/stdout.txt" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2> /dev/null && break
  sleep 0.1
done
month=$(TZ=Asia/Shanghai date +%Y-%m)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(lscpu | sed -n 's/^Model name: *//p')"
"$build/bench/api_bench" --port "$port" --tokens "$work/tokens.txt" --month "$month" "$@"
kill -TERM $server
wait $server || true
trap - EXIT
echo "service stopped; $(grep -c ' status=' "$work/xcleard.log") requests logged," \
     "$(grep -c ' status=5' "$work/xcleard.log" || true) with status 5xx"
"$build/tools/xclear" --config "$config" verify
