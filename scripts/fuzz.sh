#!/usr/bin/env bash
# Runs the ADQL parser's libFuzzer target (tests/fuzz/adql_parser_fuzz.cc) for SECONDS (default
# 60). Builds it with clang into build-fuzz/ (-DSKYSHARD_FUZZ=ON; the project's libraries with
# -fsanitize=fuzzer-no-link,address,undefined), seeds it with every query of
# tests/adql/corpus/*.test (and of ../shared/adql-corpus/ivoa/*.xml when that exists), and runs
# it. Exits non-zero when the fuzzer finds a crash, a hang, a leak or a broken round trip; the
# input is left in build-fuzz/artifacts/. New interesting inputs accumulate in
# build-fuzz/corpus/ across runs. Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
dir=build-fuzz

export CC=clang CXX=clang++
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
mkdir -p "$dir"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKYSHARD_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="$san -fno-omit-frame-pointer" > "$dir/configure.log" 2>&1 \
  || { cat "$dir/configure.log"; exit 1; }
ninja -C "$dir" -j "$(nproc)" adql_parser_fuzz

# The seed corpus: one file per query (records: tests/adql/corpus/README.md).
seeds="$dir/seeds"
rm -rf "$seeds"
mkdir -p "$seeds" "$dir/corpus" "$dir/artifacts"
python3 - "$seeds" tests/adql/corpus/*.test ../shared/adql-corpus/ivoa/*.xml <<'PY'
import hashlib, os, re, sys, xml.etree.ElementTree as ET
out, queries = sys.argv[1], []
def unescape(s):
    table = {'t': '\t', 'n': '\n', 'r': '\r', 'f': '\f', 'v': '\v', '\\': '\\'}
    return re.sub(rb'\\(x[0-9A-Fa-f]{2}|.)', lambda m: bytes([int(m.group(1)[1:], 16)])
                  if m.group(1)[:1] == b'x' else table.get(m.group(1).decode(), '\\' +
                  m.group(1).decode()).encode(), s.encode())
for path in sys.argv[2:]:
    if not os.path.exists(path):  # an unexpanded glob: ../shared is absent
        continue
    if path.endswith('.xml'):
        queries += [(e.text or '').encode() for e in ET.parse(path).iter() if e.tag.endswith('adql')]
        continue
    header, body = None, None
    for line in open(path, encoding='utf-8').read().split('\n'):
        if header is None:
            if re.match(r'(valid|error)\b', line):
                header, body = line.split(), []
        elif body is not None and line in ('----', '===='):
            text = '\n'.join(body)
            queries.append(unescape(text) if 'escaped' in header else text.encode())
            body = None
            if line == '====':
                header = None
        elif line == '====':
            header = None
        elif body is not None:
            body.append(line)
for q in queries:
    with open(os.path.join(out, hashlib.sha1(q).hexdigest()), 'wb') as f:
        f.write(q)
print(f'fuzz.sh: {len(set(queries))} seed queries')
PY

log="$dir/fuzz.log"
status=0
"$dir/tests/fuzz/adql_parser_fuzz" "$dir/corpus" "$seeds" -max_total_time="$seconds" -max_len=4096 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
  > "$log" 2>&1 || status=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
if [ "$status" -ne 0 ]; then
  tail -n 80 "$log"
  echo "fuzz.sh: FAILED after $runs executions (exit $status); input in $dir/artifacts/, log $log"
  exit "$status"
fi
echo "fuzz.sh: $runs executions in ${seconds}s, no crash (log $log)"
