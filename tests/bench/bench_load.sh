#!/usr/bin/env bash
# Load benchmark: skyshard `load` from CSV and from FITS against PostgreSQL 15 + q3c (COPY,
# q3c and objectId indexes, ANALYZE) on the same generated DP0.2-shaped files.
# A script, not a timed test: see tests/bench/README.md.
#
#   tests/bench/bench_load.sh [--objects N] [--epochs K] [--tiny] [--workdir DIR] [--keep]
#                             [--skip-pg] [--seed S] [--port P] [--regen]
#
# Exits non-zero when anything fails (a command, a timeout, row counts that disagree); the
# speed goals are reported, never enforced.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR="$ROOT/tests/bench"
BENCH_NAME=bench_load
# shellcheck source=tests/bench/bench_common.sh
source "$BENCH_DIR/bench_common.sh"  # die, log, now, run_to, ...; NPROC, CPU_MODEL, ...
SKYSHARD_SRC=${SKYSHARD:-$ROOT/build/skyshard}
# shellcheck source=tests/bench/pg_common.sh
source "$BENCH_DIR/pg_common.sh"  # PG_BIN, the private cluster's set-up and clean-up

OBJECTS=10000000
EPOCHS=10
SEED=42
WORKDIR=/var/tmp/skyshard-bench
KEEP=0
SKIP_PG=0
REGEN=0
TINY=0
PG_PORT=55433

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'
Options:
  --objects N    Object rows (default 10000000); ForcedSource gets N x K rows
  --epochs K     forced-photometry epochs per object (default 10)
  --tiny         20000 objects x 5 epochs (what scripts/test.sh runs)
  --workdir DIR  generated files, stores and report (default /var/tmp/skyshard-bench);
                 must be readable by the postgres user (server-side COPY)
  --keep         keep the loaded skyshard data dirs (the generated files are always kept)
  --skip-pg      skip PostgreSQL
  --seed S       generator seed (default 42)
  --port P       first port to try for the private PostgreSQL (default 55433; never 5432)
  --regen        regenerate the input files even when a stamp says they are current
Environment: SKYSHARD (binary, default build/skyshard), PG_BIN (default
/usr/lib/postgresql/15/bin).
EOF
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --objects) need_arg "$@"; OBJECTS=$2; shift 2 ;;
    --epochs) need_arg "$@"; EPOCHS=$2; shift 2 ;;
    --seed) need_arg "$@"; SEED=$2; shift 2 ;;
    --workdir) need_arg "$@"; WORKDIR=$2; shift 2 ;;
    --port) need_arg "$@"; PG_PORT=$2; shift 2 ;;
    --tiny) TINY=1; shift ;;
    --keep) KEEP=1; shift ;;
    --skip-pg) SKIP_PG=1; shift ;;
    --regen) REGEN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
if [[ $TINY == 1 ]]; then OBJECTS=20000; EPOCHS=5; fi
for v in OBJECTS EPOCHS SEED PG_PORT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "--${v,,} must be a non-negative integer, got '${!v}'"
done
[[ $OBJECTS -ge 1 && $EPOCHS -ge 1 ]] || die "--objects and --epochs must be at least 1"
[[ $PG_PORT -ge 1024 && $PG_PORT -le 65000 && $PG_PORT -ne 5432 ]] ||
  die "--port must be in 1024..65000 and not 5432"
[[ -x $SKYSHARD_SRC ]] || die "$SKYSHARD_SRC not found: build it first (ninja -C build skyshard)"
command -v timeout >/dev/null || die "timeout(1) is missing"

# Every step is bounded. Budgets grow with the data (rows = objects x (1 + epochs) + a few).
ROWS_EST=$(( OBJECTS * (EPOCHS + 1) ))
T_GEN=$(( 300 + ROWS_EST / 20000 ))   # generous: 110 M rows -> ~1.6 h
T_LOAD=$(( 300 + ROWS_EST / 20000 ))
T_PG=$(( 300 + ROWS_EST / 10000 ))     # PostgreSQL per session step
T_CAT=$(( 120 + ROWS_EST / 50000 ))
T_SHORT=120

rate() { awk -v r="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", r / s; else print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
human() {  # 1234567 -> 1.23 M
  awk -v n="$1" 'BEGIN { if (n >= 1e9) printf "%.2f G", n/1e9; else if (n >= 1e6) printf "%.2f M", n/1e6;
                         else if (n >= 1e3) printf "%.1f k", n/1e3; else printf "%d", n }'
}

# --- cleanup (trap) --------------------------------------------------------------------------
BG_PIDS=()
STORES=()
cleanup() {
  local rc=$?
  set +e
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  pg_kill
  for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  pg_remove
  if [[ $KEEP == 0 ]]; then
    for d in "${STORES[@]}"; do rm -rf -- "$d"; done
  fi
  if [[ $rc -ne 0 ]]; then echo "bench_load: exiting with status $rc" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- setup -------------------------------------------------------------------------------------
mkdir -p "$WORKDIR"
WORKDIR=$(cd "$WORKDIR" && pwd)
chmod 755 "$WORKDIR"
mkdir -p "$WORKDIR/bin" "$WORKDIR/logs"
rm -f "$WORKDIR/bench_load.md"
# A private copy: others may relink build/skyshard while the benchmark runs.
cp "$SKYSHARD_SRC" "$WORKDIR/bin/skyshard.$$"
mv -f "$WORKDIR/bin/skyshard.$$" "$WORKDIR/bin/skyshard"
SKY="$WORKDIR/bin/skyshard"
LOGS="$WORKDIR/logs"
GEN="$WORKDIR/gen-o${OBJECTS}-e${EPOCHS}-s${SEED}"
mkdir -p "$GEN"
chmod 755 "$GEN"

log "$START_DATE on $NPROC cores ($CPU_MODEL), $(hbytes $((MEM_KB * 1024))) RAM, $OS_NAME"
log "workdir $WORKDIR; $OBJECTS objects x $EPOCHS epochs, seed $SEED; load average $(loadavg)"

# --- generation (not timed for the benchmark; reused when the stamp matches) -----------------
declare -A GEN_NOTE
generate() {  # generate FORMAT
  local fmt=$1 dir="$GEN/$1" stamp="$GEN/$1/.stamp"
  local want="skyshard gen dp02 --objects $OBJECTS --epochs $EPOCHS --seed $SEED --format $fmt"
  if [[ $REGEN == 0 && -f $stamp && "$(head -n1 "$stamp")" == "$want" && -f $dir/manifest.yaml ]]; then
    GEN_NOTE[$fmt]="reused, $(sed -n 2p "$stamp")"
    log "$fmt: reusing $dir (${GEN_NOTE[$fmt]#reused, })"
    return
  fi
  rm -rf -- "$dir"
  log "$fmt: generating into $dir ..."
  local t0 t1
  t0=$(now)
  run_to "$T_GEN" "$SKY" gen dp02 --out "$dir" --objects "$OBJECTS" --epochs "$EPOCHS" \
    --seed "$SEED" --format "$fmt" >"$LOGS/gen-$fmt.log" 2>&1 ||
    { cat "$LOGS/gen-$fmt.log" >&2; die "skyshard gen ($fmt) failed"; }
  t1=$(now)
  chmod 755 "$dir"
  chmod 644 "$dir"/*
  printf '%s\ngenerated in %s s on %s\n' "$want" "$(secs "$t0" "$t1")" "$(date -u +%F)" >"$stamp"
  GEN_NOTE[$fmt]="generated in $(secs "$t0" "$t1") s"
  log "$fmt: $(tail -n1 "$LOGS/gen-$fmt.log")"
}
generate csv
generate fits
CSV_DIR="$GEN/csv"
FITS_DIR="$GEN/fits"

mapfile -t TABLES < <(python3 "$BENCH_DIR/pg_schema.py" "$CSV_DIR/manifest.yaml" --list-tables) ||
  die "cannot read $CSV_DIR/manifest.yaml"
[[ ${#TABLES[@]} -gt 0 ]] || die "no tables in $CSV_DIR/manifest.yaml"
for t in Object ForcedSource; do
  [[ " ${TABLES[*]} " == *" $t "* ]] || die "table $t missing from the manifest"
done

# Expected rows per table: data lines of the CSV files (no quoted newlines in these files),
# counted once per generation and cached next to the stamp.
declare -A EXPECT
COUNTS="$CSV_DIR/.counts"
if [[ ! -f $COUNTS || $COUNTS -ot $CSV_DIR/.stamp ]]; then
  log "counting CSV rows ..."
  : >"$COUNTS.tmp"
  for t in "${TABLES[@]}"; do
    mapfile -t files < <(python3 "$BENCH_DIR/pg_schema.py" "$CSV_DIR/manifest.yaml" --files "$t")
    n=$(run_to "$T_CAT" cat "${files[@]}" | wc -l)
    echo "$t $(( n - ${#files[@]} ))" >>"$COUNTS.tmp"
  done
  mv "$COUNTS.tmp" "$COUNTS"
fi
while read -r t n; do EXPECT[$t]=$n; done <"$COUNTS"
[[ ${EXPECT[Object]:-} == "$OBJECTS" ]] ||
  die "the CSV release has ${EXPECT[Object]:-?} Object rows, expected $OBJECTS"
EXPECT_ALL=0
for t in "${TABLES[@]}"; do EXPECT_ALL=$(( EXPECT_ALL + ${EXPECT[$t]} )); done

data_files() { find "$1" -maxdepth 1 -type f \( -name '*.csv' -o -name '*.fits' \) | sort; }
mapfile -t CSV_FILES < <(data_files "$CSV_DIR")
mapfile -t FITS_FILES < <(data_files "$FITS_DIR")
CSV_BYTES=$(dir_bytes "${CSV_FILES[@]}")
FITS_BYTES=$(dir_bytes "${FITS_FILES[@]}")
mapfile -t OFS_FILES < <(python3 "$BENCH_DIR/pg_schema.py" "$CSV_DIR/manifest.yaml" --files Object;
                        python3 "$BENCH_DIR/pg_schema.py" "$CSV_DIR/manifest.yaml" --files ForcedSource)
OFS_CSV_BYTES=$(dir_bytes "${OFS_FILES[@]}")
log "input: $EXPECT_ALL rows in ${#TABLES[@]} tables ($(for t in "${TABLES[@]}"; do printf '%s %s, ' "$t" "${EXPECT[$t]}"; done | sed 's/, $//'))"
log "input: CSV $(hbytes "$CSV_BYTES") in ${#CSV_FILES[@]} files, FITS $(hbytes "$FITS_BYTES") in ${#FITS_FILES[@]} files"

# Room check (a warning: the estimate is rough). One store at a time unless --keep.
AVAIL=$(( $(df -Pk "$WORKDIR" | awk 'NR == 2 { print $4 }') * 1024 ))
NEED=$(( FITS_BYTES * 3 * (KEEP + 1) / 2 ))
[[ $SKIP_PG == 1 ]] || NEED=$(( NEED + OFS_CSV_BYTES * 3 / 2 ))
if [[ $AVAIL -lt $NEED ]]; then
  log "WARNING: $(hbytes "$AVAIL") free under $WORKDIR, the run may need about $(hbytes "$NEED")"
fi
MEM_AVAIL=$(( $(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) * 1024 ))
CACHE_NOTE="inputs read from the page cache (warmed with cat > /dev/null before each load)"
if [[ $CSV_BYTES -gt $(( MEM_AVAIL * 8 / 10 )) ]]; then
  CACHE_NOTE="warmed with cat > /dev/null before each load, but the CSV files ($(hbytes "$CSV_BYTES")) do not fit in the page cache ($(hbytes "$MEM_AVAIL") available): part is read from disk"
fi

warm() { run_to "$T_CAT" cat "$@" >/dev/null || die "warm-up read failed"; }

# The host's rate for memory touched for the first time, before each load (touch_memory.cc):
# on a virtual machine it moves from hour to hour, and a load's new memory costs that much.
# The probe waits until the memory the previous step freed has gone back to the host (free
# page reporting, a couple of seconds), and also gives the rate of memory freed just before.
PROBE=$ROOT/build/tests/touch_memory
mem_probe() {
  if [[ ! -x $PROBE ]]; then echo "not measured"; return; fi
  local rates
  sleep 5
  rates=$(run_to "$T_SHORT" "$PROBE" 2048) || die "$PROBE failed"
  read -r first again <<< "$rates"
  echo "$first GB/s (memory just freed: $again GB/s)"
}

# --- skyshard ----------------------------------------------------------------------------------
declare -A SKY_SECS SKY_ROWS SKY_OFS SKY_STORE SKY_LOADAVG SKY_MEMRATE
sky_load() {  # sky_load FORMAT DIR FILES...
  local fmt=$1 dir=$2; shift 2
  local store="$WORKDIR/store-$fmt"
  rm -rf -- "$store"
  STORES+=("$store")
  SKY_MEMRATE[$fmt]=$(mem_probe)
  log "skyshard $fmt: fresh memory ${SKY_MEMRATE[$fmt]}; warm-up read of $(hbytes "$(dir_bytes "$@")") ..."
  warm "$@"
  SKY_LOADAVG[$fmt]=$(loadavg)
  log "skyshard $fmt: load (load average ${SKY_LOADAVG[$fmt]}) ..."
  local t0 t1
  t0=$(now)
  run_to "$T_LOAD" "$SKY" load --data "$store" "$dir/manifest.yaml" \
    >"$LOGS/load-$fmt.out" 2>"$LOGS/load-$fmt.err" ||
    { tail -n 20 "$LOGS/load-$fmt.err" >&2; cat "$LOGS/load-$fmt.out" >&2; die "skyshard load ($fmt) failed"; }
  t1=$(now)
  SKY_SECS[$fmt]=$(secs "$t0" "$t1")
  sed 's/^/    /' "$LOGS/load-$fmt.out"
  run_to "$T_SHORT" "$SKY" releases --data "$store" --json >"$LOGS/releases-$fmt.json" ||
    die "skyshard releases ($fmt) failed"
  local counts
  counts=$(python3 - "$LOGS/releases-$fmt.json" <<'EOF'
import json, sys
releases = json.load(open(sys.argv[1]))
if len(releases) != 1:
    sys.exit(f"expected one release, found {len(releases)}")
r = releases[0]
print("TOTAL", r["rows"])
print("BYTES", r["bytes"])
for t in r["tables"]:
    print(t["name"], t["rows"])
EOF
  ) || die "cannot read $LOGS/releases-$fmt.json"
  local name n bad=0
  declare -A got=()
  while read -r name n; do got[$name]=$n; done <<<"$counts"
  for name in "${TABLES[@]}"; do
    if [[ ${got[$name]:-missing} != "${EXPECT[$name]}" ]]; then
      echo "bench_load: skyshard $fmt: $name has ${got[$name]:-no} rows, the CSV files ${EXPECT[$name]}" >&2
      bad=1
    fi
  done
  [[ ${got[TOTAL]} == "$EXPECT_ALL" ]] || bad=1
  [[ $bad == 0 ]] || die "skyshard $fmt: row counts disagree"
  SKY_ROWS[$fmt]=${got[TOTAL]}
  SKY_OFS[$fmt]=$(( got[Object] + got[ForcedSource] ))
  SKY_STORE[$fmt]=${got[BYTES]}
  log "skyshard $fmt: ${SKY_ROWS[$fmt]} rows in ${SKY_SECS[$fmt]} s = $(rate "${SKY_ROWS[$fmt]}" "${SKY_SECS[$fmt]}") rows/s (row counts verified)"
  if [[ $KEEP == 0 ]]; then rm -rf -- "$store"; fi
}
sky_load csv "$CSV_DIR" "${CSV_FILES[@]}"
sky_load fits "$FITS_DIR" "${FITS_FILES[@]}"

# --- PostgreSQL ----------------------------------------------------------------------------------
PG_DONE=0
PG_SETTINGS=""
if [[ $SKIP_PG == 0 ]]; then
  pg_check_install
  # Server-side COPY: the server (the postgres user) must read the files.
  as_pg test -r "${OFS_FILES[0]}" ||
    die "the postgres user cannot read ${OFS_FILES[0]}: use a --workdir whose parents are world-searchable"

  # Bulk-load settings a careful DBA would use; durability is kept (fsync on).
  SHARED_MB=$(pg_shared_mb "$TINY" "$MEM_KB")
  PG_SETTINGS="shared_buffers=${SHARED_MB}MB maintenance_work_mem=1GB max_wal_size=8GB checkpoint_timeout=30min wal_level=minimal max_wal_senders=0 synchronous_commit=off fsync=on full_page_writes=on autovacuum=off"
  pg_start "$PG_PORT" "$PG_SETTINGS"

  # One session per table (pg_session): the COPY script, the index, ANALYZE. The two sessions
  # run in parallel, one per core.
  pg_write_copy_sql "$CSV_DIR/manifest.yaml" Object || die "pg_schema.py failed for Object"
  pg_write_copy_sql "$CSV_DIR/manifest.yaml" ForcedSource || die "pg_schema.py failed for ForcedSource"
  cp "$PGTMP/copy-Object.sql" "$PGTMP/copy-ForcedSource.sql" "$LOGS/"

  PG_MEMRATE=$(mem_probe)
  log "PostgreSQL: fresh memory $PG_MEMRATE; warm-up read of the Object and ForcedSource CSV files ($(hbytes "$OFS_CSV_BYTES")) ..."
  warm "${OFS_FILES[@]}"
  PG_LOADAVG=$(loadavg)
  log "PostgreSQL: COPY + index + ANALYZE, Object and ForcedSource in two parallel sessions (load average $PG_LOADAVG) ..."
  T0=$(now)
  pg_session Object 'CREATE INDEX "Object_q3c_idx" ON "Object" (q3c_ang2ipix("coord_ra", "coord_dec"))' \
    >"$LOGS/pg-Object.log" 2>&1 &
  BG_PIDS+=($!)
  pg_session ForcedSource 'CREATE INDEX "ForcedSource_objectId_idx" ON "ForcedSource" ("objectId")' \
    >"$LOGS/pg-ForcedSource.log" 2>&1 &
  BG_PIDS+=($!)
  pg_fail=0
  for p in "${BG_PIDS[@]}"; do wait "$p" || pg_fail=1; done
  T1=$(now)
  BG_PIDS=()
  if [[ $pg_fail == 1 ]]; then
    cat "$LOGS/pg-Object.log" "$LOGS/pg-ForcedSource.log" >&2
    tail -n 20 "$PGTMP/server.log" >&2
    die "PostgreSQL load failed"
  fi
  PG_SECS=$(secs "$T0" "$T1")
  read -r PGO_COPY PGO_INDEX PGO_ANALYZE _ <"$PGTMP/steps-Object"
  read -r PGF_COPY PGF_INDEX PGF_ANALYZE _ <"$PGTMP/steps-ForcedSource"

  PG_OBJ=$(pgq -At -c 'SELECT count(*) FROM "Object"')
  PG_FS=$(pgq -At -c 'SELECT count(*) FROM "ForcedSource"')
  PG_BYTES=$(pgq -At -c "SELECT pg_total_relation_size('\"Object\"') + pg_total_relation_size('\"ForcedSource\"')")
  [[ $PG_OBJ == "${EXPECT[Object]}" && $PG_FS == "${EXPECT[ForcedSource]}" ]] ||
    die "PostgreSQL row counts disagree: Object $PG_OBJ (skyshard ${EXPECT[Object]}), ForcedSource $PG_FS (skyshard ${EXPECT[ForcedSource]})"
  PG_ROWS=$(( PG_OBJ + PG_FS ))
  log "PostgreSQL: $PG_ROWS rows in $PG_SECS s = $(rate "$PG_ROWS" "$PG_SECS") rows/s (row counts verified)"

  pg_stop
  PG_DONE=1
fi

# --- report ------------------------------------------------------------------------------------
CSV_RATE=$(rate "${SKY_ROWS[csv]}" "${SKY_SECS[csv]}")
FITS_RATE=$(rate "${SKY_ROWS[fits]}" "${SKY_SECS[fits]}")
CSV_OFS_RATE=$(rate "${SKY_OFS[csv]}" "${SKY_SECS[csv]}")
FITS_OFS_RATE=$(rate "${SKY_OFS[fits]}" "${SKY_SECS[fits]}")
goal() { awk -v v="$1" -v g="$2" 'BEGIN { print (v >= g) ? "met" : "MISSED" }'; }

SUMMARY=$(
  printf '%-24s %-6s %-14s %13s %10s %14s %16s %9s\n' System Input Tables Rows "Wall s" "rows/s" "Obj+FS rows/s" "vs PG"
  for fmt in fits csv; do
    r=$(rate "${SKY_ROWS[$fmt]}" "${SKY_SECS[$fmt]}"); o=$(rate "${SKY_OFS[$fmt]}" "${SKY_SECS[$fmt]}")
    vs="-"; [[ $PG_DONE == 1 ]] && vs="$(ratio "$o" "$(rate "$PG_ROWS" "$PG_SECS")")x"
    printf '%-24s %-6s %-14s %13s %10s %14s %16s %9s\n' "skyshard load" "${fmt^^}" "all ${#TABLES[@]}" \
      "${SKY_ROWS[$fmt]}" "${SKY_SECS[$fmt]}" "$r" "$o" "$vs"
  done
  if [[ $PG_DONE == 1 ]]; then
    printf '%-24s %-6s %-14s %13s %10s %14s %16s %9s\n' "PostgreSQL $PG_VERSION+q3c" CSV "Object+FS" \
      "$PG_ROWS" "$PG_SECS" "$(rate "$PG_ROWS" "$PG_SECS")" "$(rate "$PG_ROWS" "$PG_SECS")" "1.00x"
  fi
)

{
  echo "### skyshard load benchmark, $START_DATE"
  echo
  echo "- Machine: $NPROC cores ($CPU_MODEL), $(hbytes $((MEM_KB * 1024))) RAM, $OS_NAME, kernel $(uname -r)."
  echo "- Data: \`skyshard gen dp02 --objects $OBJECTS --epochs $EPOCHS --seed $SEED\`:" \
       "$EXPECT_ALL rows ($(for t in "${TABLES[@]}"; do printf '%s %s, ' "$t" "${EXPECT[$t]}"; done | sed 's/, $//'));" \
       "CSV $(hbytes "$CSV_BYTES") ($CSV_BYTES bytes, ${#CSV_FILES[@]} files), FITS $(hbytes "$FITS_BYTES") ($FITS_BYTES bytes, ${#FITS_FILES[@]} files)." \
       "Generation (not timed): CSV ${GEN_NOTE[csv]}, FITS ${GEN_NOTE[fits]}."
  echo "- I/O: $CACHE_NOTE."
  echo "- Load average (1/5/15 min) before each run: skyshard CSV ${SKY_LOADAVG[csv]}, FITS ${SKY_LOADAVG[fits]}$([[ $PG_DONE == 1 ]] && echo ", PostgreSQL $PG_LOADAVG")."
  echo "- Fresh memory before each run (\`build/tests/touch_memory 2048\`, 5 s after the previous step: the first write to each page of 2 GiB of new memory, then of the same amount again just after it was freed): skyshard CSV ${SKY_MEMRATE[csv]}, FITS ${SKY_MEMRATE[fits]}$([[ $PG_DONE == 1 ]] && echo ", PostgreSQL $PG_MEMRATE"). On a virtual machine whose guest reports its free memory to the host, which takes it back, the first rate is the price of most pages a load touches first, and it moves from hour to hour."
  echo
  echo "| System | Input | Tables loaded | Rows | Wall s | rows/s | Object+ForcedSource rows/s | vs PostgreSQL |"
  echo "|---|---|---|---:|---:|---:|---:|---:|"
  for fmt in fits csv; do
    o=$(rate "${SKY_OFS[$fmt]}" "${SKY_SECS[$fmt]}")
    vs="-"; [[ $PG_DONE == 1 ]] && vs="$(ratio "$o" "$(rate "$PG_ROWS" "$PG_SECS")")x"
    echo "| skyshard \`load\` | ${fmt^^} | all ${#TABLES[@]} | ${SKY_ROWS[$fmt]} | ${SKY_SECS[$fmt]} | $(human "$(rate "${SKY_ROWS[$fmt]}" "${SKY_SECS[$fmt]}")") | $(human "$o") | $vs |"
  done
  if [[ $PG_DONE == 1 ]]; then
    echo "| PostgreSQL $PG_VERSION + q3c | CSV | Object, ForcedSource | $PG_ROWS | $PG_SECS | $(human "$(rate "$PG_ROWS" "$PG_SECS")") | $(human "$(rate "$PG_ROWS" "$PG_SECS")") | 1.00x |"
  fi
  echo
  echo "- skyshard: one \`skyshard load\` per format into an empty data dir, wall time of the command" \
       "(read, sort, ingest, publish; default --memory (60% of MemAvailable at the start), one thread per core);" \
       "store $(hbytes "${SKY_STORE[csv]}") (CSV), $(hbytes "${SKY_STORE[fits]}") (FITS)." \
       "Object+ForcedSource rows/s divides those tables' rows by the same wall time (the other tables are small)."
  if [[ $PG_DONE == 1 ]]; then
    echo "- PostgreSQL: private cluster (initdb in a temporary directory, unix socket only), settings" \
         "\`$PG_SETTINGS\`. Two parallel psql sessions, one per table: \`BEGIN\`, \`CREATE TABLE\`, \`COPY ... FROM 'file'" \
         "WITH (FORMAT csv, HEADER true, FREEZE true)\` per file, \`COMMIT\`, then the index, then \`ANALYZE\`." \
         "Object: COPY $PGO_COPY s, q3c index $PGO_INDEX s, ANALYZE $PGO_ANALYZE s;" \
         "ForcedSource: COPY $PGF_COPY s, objectId index $PGF_INDEX s, ANALYZE $PGF_ANALYZE s;" \
         "wall $PG_SECS s; tables + indexes $(hbytes "$PG_BYTES")."
  else
    echo "- PostgreSQL: skipped (--skip-pg)."
  fi
  echo "- Goals (issue): FITS >= 3 M rows/s: $(goal "$FITS_RATE" 3000000) ($(human "$FITS_RATE") rows/s);" \
       "CSV >= 1.5 M rows/s: $(goal "$CSV_RATE" 1500000) ($(human "$CSV_RATE") rows/s)$(
         if [[ $PG_DONE == 1 ]]; then
           p=$(rate "$PG_ROWS" "$PG_SECS")
           echo "; >= 5x PostgreSQL: FITS $(goal "$(ratio "$FITS_OFS_RATE" "$p")" 5) ($(ratio "$FITS_OFS_RATE" "$p")x), CSV $(goal "$(ratio "$CSV_OFS_RATE" "$p")" 5) ($(ratio "$CSV_OFS_RATE" "$p")x)"
         fi)."
} >"$WORKDIR/bench_load.md"

echo
echo "==== load benchmark summary ($OBJECTS objects x $EPOCHS epochs; $CACHE_NOTE) ===="
echo "$SUMMARY"
if [[ $PG_DONE == 1 ]]; then
  printf 'PostgreSQL steps: Object COPY %s s, q3c index %s s, ANALYZE %s s | ForcedSource COPY %s s, objectId index %s s, ANALYZE %s s | wall %s s\n' \
    "$PGO_COPY" "$PGO_INDEX" "$PGO_ANALYZE" "$PGF_COPY" "$PGF_INDEX" "$PGF_ANALYZE" "$PG_SECS"
  echo "PostgreSQL settings: $PG_SETTINGS"
fi
echo
echo "---- markdown (also in $WORKDIR/bench_load.md) ----"
cat "$WORKDIR/bench_load.md"
echo "----"
log "OK"
