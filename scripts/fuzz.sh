#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz/ for SECONDS in total (default 60): half of it the ADQL
# parser (adql_parser_fuzz), a quarter each the TAP request path (tap_request_fuzz) and the VOTable
# upload reader (votable_reader_fuzz). Builds them with clang into build-fuzz/ (-DSKYSHARD_FUZZ=ON;
# the project's libraries with -fsanitize=fuzzer-no-link,address,undefined). Seeds: the ADQL
# target gets every query of tests/adql/corpus/*.test (and of ../shared/adql-corpus/ivoa/*.xml
# when that exists); the others tests/fuzz/corpus/<target>/. Exits non-zero when a fuzzer finds a
# crash, a hang, a leak or a broken invariant of its target (the target's header says which); the
# input is left in build-fuzz/artifacts/<target>/. New interesting inputs accumulate in
# build-fuzz/corpus/<target>/ across runs. Usage: scripts/fuzz.sh [SECONDS]
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
targets=(adql_parser_fuzz tap_request_fuzz votable_reader_fuzz)
ninja -C "$dir" -j "$(nproc)" "${targets[@]}"

# The seed corpus: one file per query (records: tests/adql/corpus/README.md).
seeds="$dir/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"
for t in "${targets[@]}"; do mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t"; done
# Runs before there was one directory per target kept the ADQL corpus in build-fuzz/corpus/.
find "$dir/corpus" -maxdepth 1 -type f -exec mv -t "$dir/corpus/adql_parser_fuzz" {} +
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

# run TARGET SECONDS MAX_LEN SEED_DIR: fuzzes one target; exits the script on a finding.
run() {
  local target=$1 secs=$2 max_len=$3 seed_dir=$4 log="$dir/fuzz-$1.log" status=0 runs
  "$dir/tests/fuzz/$target" "$dir/corpus/$target" "$seed_dir" -max_total_time="$secs" \
    -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/$target/" > "$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  if [ "$status" -ne 0 ]; then
    tail -n 80 "$log"
    echo "fuzz.sh: $target FAILED after $runs executions (exit $status); input in" \
      "$dir/artifacts/$target/, log $log"
    exit "$status"
  fi
  echo "fuzz.sh: $target: $runs executions in ${secs}s, no finding (log $log)"
}

quarter=$(( seconds / 4 > 0 ? seconds / 4 : 1 ))
run adql_parser_fuzz $(( seconds - 2 * quarter > 0 ? seconds - 2 * quarter : 1 )) 4096 "$seeds"
run tap_request_fuzz "$quarter" 16384 tests/fuzz/corpus/tap_request_fuzz
run votable_reader_fuzz "$quarter" 16384 tests/fuzz/corpus/votable_reader_fuzz
