#!/usr/bin/env bash
# The README's second command: installs the packages, builds, and runs every test: the style
# checks (clang-format, clang-tidy), the unit and integration tests under CTest, the unit tests
# again in an ASan+UBSan build, the benchmarks at a tiny size (so that they keep working), and
# the ADQL parser's fuzzer for a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh build -DSKYSHARD_WERROR=ON
./scripts/lint.sh
(cd build && ctest --output-on-failure -j "$(nproc)")
./scripts/build.sh build-asan -DSKYSHARD_SANITIZE=ON -DSKYSHARD_WERROR=ON
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$(nproc)" -L unit)
./tests/bench/bench_load.sh --tiny
./tests/bench/bench_query.sh --tiny
./tests/bench/bench_xmatch.sh --tiny
./tests/bench/bench_tap.sh --tiny
./scripts/fuzz.sh 60
