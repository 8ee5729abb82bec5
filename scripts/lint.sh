#!/usr/bin/env bash
# Style and static checks over skyshard's own C++ sources: clang-format (.clang-format) and
# clang-tidy (.clang-tidy, against the compile commands of build/). Fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cc')
clang-format --dry-run --Werror "${files[@]}"
mapfile -t units < <(git ls-files '*.cc')
printf '%s\n' "${units[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build --quiet 2>/dev/null \
  | tee /tmp/skyshard-tidy.txt | grep -E "(warning|error):" && { echo "lint: clang-tidy findings"; exit 1; }
echo "lint: clean (${#files[@]} files)"
