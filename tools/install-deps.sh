#!/usr/bin/env bash
# Installs the Debian 12 packages xclear builds and tests with. Idempotent: skips apt when every
# package is already installed, so it also works on a machine without network access.
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config
  librocksdb-dev libboost-dev libpoco-dev libspdlog-dev libssl-dev
  libxxhash-dev  # XXH3: the claim index's hash of a claim id (declarations/claim_index.cc)
  libgtest-dev libgmock-dev clang-format libxlsxwriter-dev unzip
  openssl   # test certificates for the HTTPS tests and `xclear-stress --tls yes`
  hledger   # the auditors' cross-check of the journal export (tests/tools/hledger_test.sh)
  clang libclang-rt-14-dev)  # the sanitizer job: clang's ASan/UBSan and libFuzzer (tools/sanitize.sh)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
