#!/usr/bin/env bash
# Configures and builds skyshard into build/ (or the directory given as $1, with extra CMake
# arguments after it). Leaves the executable at build/skyshard.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build}"
shift || true
mkdir -p "$dir"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > "$dir/configure.log" 2>&1 \
  || { cat "$dir/configure.log"; exit 1; }
ninja -C "$dir" -j "$(nproc)"
