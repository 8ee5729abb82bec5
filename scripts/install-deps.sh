#!/usr/bin/env bash
# Installs every Debian 12 package skyshard needs to build, test and benchmark. Idempotent:
# asks apt only for what is missing. Runs apt-get as root, or through sudo.
set -euo pipefail

PACKAGES=(
  # build
  g++ cmake ninja-build ccache pkg-config clang-format clang-tidy clang libclang-rt-14-dev
  # libraries
  libhealpix-cxx-dev libcfitsio-dev librocksdb-dev liblz4-dev libboost-all-dev libssl-dev
  libantlr4-runtime-dev antlr4 nlohmann-json3-dev libpugixml-dev libyaml-cpp-dev libgtest-dev
  # tests and benchmarks
  python3 python3-yaml python3-pyvo python3-astropy postgresql-15 postgresql-15-q3c stilts
  openssl ca-certificates  # tests/server/test_tap_formats.py: a self-signed certificate for https uploads
  python3-numpy  # tests/bench/bench_tap.sh: the DaCHS peer's generator and the brute-force checks
  # the portal's end-to-end tests: headless Chromium driven by Selenium (tests/server/test_portal.py)
  chromium chromium-driver python3-selenium
  wrk  # tests/bench/bench_tap.sh: the C client beside the peer's Python one (tests/bench/tap_wrk.py)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
