#!/usr/bin/env bash
# Query benchmark (issue 4, and the light curve of issue 5): skyshard's query engine in process
# (tests/bench/query_bench.cc) against PostgreSQL 15 + q3c (q3c index + CLUSTER, objectId
# index, ANALYZE) on the same generated DP0.2-shaped release, the same queries and positions.
# A script, not a timed test: see tests/bench/README.md.
#
#   tests/bench/bench_query.sh [--objects N] [--epochs K] [--tiny] [--workdir DIR] [--keep]
#                              [--skip-pg] [--seed S] [--port P] [--regen] [--cones N]
#                              [--lightcurves N] [--deg-cones N] [--scan-runs N] [--only LIST]
#
# Exits non-zero when anything fails (a command, a timeout, a query, results that disagree
# between skyshard and PostgreSQL); the speed goals are reported, never enforced.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR="$ROOT/tests/bench"
BENCH_NAME=bench_query
# shellcheck source=tests/bench/bench_common.sh
source "$BENCH_DIR/bench_common.sh"  # die, log, now, run_to, ...; NPROC, CPU_MODEL, ...
SKYSHARD_SRC=${SKYSHARD:-$ROOT/build/skyshard}
QUERY_BENCH_SRC=${QUERY_BENCH:-$(dirname "$SKYSHARD_SRC")/tests/query_bench}
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
CONES=2000
LIGHTCURVES=2000
DEG_CONES=50
SCAN_RUNS=3
ONLY=cone_1arcmin,cone_1deg,count_predicate,groupby_band,select_1m,lightcurve,stream_all

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'
Options:
  --objects N      Object rows (default 10000000); ForcedSource gets N x K rows
  --epochs K       forced-photometry epochs per object (default 10)
  --tiny           20000 objects x 5 epochs, fewer queries (what CI runs; well under a minute)
  --workdir DIR    generated files (shared with bench_load.sh), stores, logs, report
                   (default /var/tmp/skyshard-bench); must be readable by the postgres user
  --keep           keep the loaded skyshard data dir (a later run with the same data reuses it)
  --skip-pg        skyshard only
  --seed S         generator seed (default 42)
  --port P         first port to try for the private PostgreSQL (default 55433; never 5432)
  --regen          regenerate the input files even when a stamp says they are current
  --cones N        random objects sampled: 1-arcmin cones, and light curves (default 2000)
  --lightcurves N  light curves per pass (default 2000, at most --cones)
  --deg-cones N    1-degree cones (default 50)
  --scan-runs N    timed runs of each scan query, after a warm-up run (default 3)
  --only LIST      comma-separated subset of cone_1arcmin, cone_1deg, count_predicate,
                   groupby_band, select_1m, lightcurve, stream_all (the whole ForcedSource
                   table streamed out by `skyshard query` as CSV and VOTable, and by psql COPY)
Environment: SKYSHARD (binary, default build/skyshard), QUERY_BENCH (default the
tests/query_bench next to it), PG_BIN (default /usr/lib/postgresql/15/bin).
EOF
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --objects) need_arg "$@"; OBJECTS=$2; shift 2 ;;
    --epochs) need_arg "$@"; EPOCHS=$2; shift 2 ;;
    --seed) need_arg "$@"; SEED=$2; shift 2 ;;
    --workdir) need_arg "$@"; WORKDIR=$2; shift 2 ;;
    --port) need_arg "$@"; PG_PORT=$2; shift 2 ;;
    --cones) need_arg "$@"; CONES=$2; shift 2 ;;
    --lightcurves) need_arg "$@"; LIGHTCURVES=$2; shift 2 ;;
    --deg-cones) need_arg "$@"; DEG_CONES=$2; shift 2 ;;
    --scan-runs) need_arg "$@"; SCAN_RUNS=$2; shift 2 ;;
    --only) need_arg "$@"; ONLY=$2; shift 2 ;;
    --tiny) TINY=1; shift ;;
    --keep) KEEP=1; shift ;;
    --skip-pg) SKIP_PG=1; shift ;;
    --regen) REGEN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
if [[ $TINY == 1 ]]; then OBJECTS=20000; EPOCHS=5; CONES=200; LIGHTCURVES=200; DEG_CONES=20; fi
for v in OBJECTS EPOCHS SEED PG_PORT CONES LIGHTCURVES DEG_CONES SCAN_RUNS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "--${v,,} must be a non-negative integer, got '${!v}'"
done
[[ $OBJECTS -ge 1 && $EPOCHS -ge 1 && $CONES -ge 1 && $SCAN_RUNS -ge 1 ]] ||
  die "--objects, --epochs, --cones and --scan-runs must be at least 1"
[[ $LIGHTCURVES -le $CONES ]] || LIGHTCURVES=$CONES
[[ $PG_PORT -ge 1024 && $PG_PORT -le 65000 && $PG_PORT -ne 5432 ]] ||
  die "--port must be in 1024..65000 and not 5432"
[[ $ONLY =~ ^[a-z0-9_,]+$ ]] || die "--only: a comma-separated list of measurements"
# stream_all is measured here, by tests/bench/stream_probe.py; the rest by query_bench.
STREAM=0
if [[ ,$ONLY, == *,stream_all,* ]]; then STREAM=1; fi
ENGINE_ONLY=$(tr ',' '\n' <<<"$ONLY" | { grep -vx 'stream_all' || true; } | paste -sd, -)
[[ -x $SKYSHARD_SRC ]] || die "$SKYSHARD_SRC not found: build it first (ninja -C build skyshard)"
[[ -x $QUERY_BENCH_SRC ]] ||
  die "$QUERY_BENCH_SRC not found: build it first (ninja -C build query_bench), or set QUERY_BENCH"
command -v timeout >/dev/null || die "timeout(1) is missing"

# Every step is bounded. Budgets grow with the data (rows = objects x (1 + epochs) + a few).
ROWS_EST=$(( OBJECTS * (EPOCHS + 1) ))
T_GEN=$(( 300 + ROWS_EST / 20000 ))
T_LOAD=$(( 300 + ROWS_EST / 20000 ))
T_PG=$(( 300 + ROWS_EST / 10000 ))       # PostgreSQL per load step (COPY, index, CLUSTER)
T_QUERY=$(( 600 + ROWS_EST / 20000 ))    # each system's whole query run
T_CAT=$(( 120 + ROWS_EST / 50000 ))
T_SHORT=120

# --- cleanup (trap) --------------------------------------------------------------------------
BG_PIDS=()
STORE=""
cleanup() {
  local rc=$?
  set +e
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  pg_kill
  for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  pg_remove
  if [[ $KEEP == 0 && -n $STORE ]]; then rm -rf -- "$STORE" "$STORE.stamp"; fi
  if [[ $rc -ne 0 ]]; then echo "bench_query: exiting with status $rc" >&2; fi
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
LOGS="$WORKDIR/logs"
OUT="$WORKDIR/query"   # this run's measurements
rm -rf -- "$OUT"
mkdir -p "$OUT"
rm -f "$WORKDIR/bench_query.md"
# Private copies: others may relink the binaries while the benchmark runs.
cp "$SKYSHARD_SRC" "$WORKDIR/bin/skyshard.$$"
mv -f "$WORKDIR/bin/skyshard.$$" "$WORKDIR/bin/skyshard"
cp "$QUERY_BENCH_SRC" "$WORKDIR/bin/query_bench.$$"
mv -f "$WORKDIR/bin/query_bench.$$" "$WORKDIR/bin/query_bench"
SKY="$WORKDIR/bin/skyshard"
QB="$WORKDIR/bin/query_bench"
GEN="$WORKDIR/gen-o${OBJECTS}-e${EPOCHS}-s${SEED}"
CSV_DIR="$GEN/csv"
mkdir -p "$GEN"
chmod 755 "$GEN"

log "$START_DATE on $NPROC cores ($CPU_MODEL), $(hbytes $((MEM_KB * 1024))) RAM, $OS_NAME"
log "workdir $WORKDIR; $OBJECTS objects x $EPOCHS epochs, seed $SEED; load average $(loadavg)"

# --- generation (CSV, as bench_load.sh writes it: the same stamp, so either reuses it) --------
GEN_NOTE=""
want="skyshard gen dp02 --objects $OBJECTS --epochs $EPOCHS --seed $SEED --format csv"
if [[ $REGEN == 0 && -f $CSV_DIR/.stamp && "$(head -n1 "$CSV_DIR/.stamp")" == "$want" &&
      -f $CSV_DIR/manifest.yaml ]]; then
  GEN_NOTE="reused, $(sed -n 2p "$CSV_DIR/.stamp")"
  log "csv: reusing $CSV_DIR (${GEN_NOTE#reused, })"
else
  rm -rf -- "$CSV_DIR"
  log "csv: generating into $CSV_DIR ..."
  t0=$(now)
  run_to "$T_GEN" "$SKY" gen dp02 --out "$CSV_DIR" --objects "$OBJECTS" --epochs "$EPOCHS" \
    --seed "$SEED" --format csv >"$LOGS/gen-csv.log" 2>&1 ||
    { cat "$LOGS/gen-csv.log" >&2; die "skyshard gen (csv) failed"; }
  t1=$(now)
  chmod 755 "$CSV_DIR"
  chmod 644 "$CSV_DIR"/*
  printf '%s\ngenerated in %s s on %s\n' "$want" "$(secs "$t0" "$t1")" "$(date -u +%F)" >"$CSV_DIR/.stamp"
  GEN_NOTE="generated in $(secs "$t0" "$t1") s"
  log "csv: $(tail -n1 "$LOGS/gen-csv.log")"
fi
MANIFEST="$CSV_DIR/manifest.yaml"
PG_TABLES=(Object ForcedSource CcdVisit)
declare -A FILES_OF
for t in "${PG_TABLES[@]}"; do
  FILES_OF[$t]=$(python3 "$BENCH_DIR/pg_schema.py" "$MANIFEST" --files "$t") ||
    die "cannot read the files of $t from $MANIFEST"
  [[ -n ${FILES_OF[$t]} ]] || die "no files for $t in $MANIFEST"
done
mapfile -t ALL_PG_FILES < <(printf '%s\n' "${FILES_OF[@]}")
warm() { run_to "$T_CAT" cat "$@" >/dev/null || die "warm-up read failed"; }

# --- skyshard: load (reused when kept from an earlier run of the same data), then query -------
STORE="$WORKDIR/query-store-o${OBJECTS}-e${EPOCHS}-s${SEED}"
STORE_STAMP="$STORE.stamp"
store_want="$want; $(sha1sum "$SKY" | cut -c1-12)"
if [[ $REGEN == 0 && -f $STORE_STAMP && "$(head -n1 "$STORE_STAMP")" == "$store_want" &&
      -f $STORE/RELEASES && ! $STORE_STAMP -ot $CSV_DIR/.stamp ]]; then
  log "skyshard: reusing the store $STORE (kept by an earlier --keep run, same data and binary)"
  STORE_NOTE="reused from an earlier run"
else
  rm -rf -- "$STORE" "$STORE_STAMP"
  log "skyshard: loading $MANIFEST into $STORE ..."
  t0=$(now)
  run_to "$T_LOAD" "$SKY" load --data "$STORE" "$MANIFEST" >"$LOGS/query-load.out" 2>"$LOGS/query-load.err" ||
    { tail -n 20 "$LOGS/query-load.err" >&2; die "skyshard load failed"; }
  t1=$(now)
  STORE_NOTE="loaded in $(secs "$t0" "$t1") s"
  echo "$store_want" >"$STORE_STAMP"
fi
run_to "$T_SHORT" "$SKY" releases --data "$STORE" --json >"$OUT/releases.json" || die "skyshard releases failed"
declare -A SKY_ROWS
while read -r name n; do SKY_ROWS[$name]=$n; done < <(python3 - "$OUT/releases.json" <<'EOF'
import json, sys
releases = json.load(open(sys.argv[1]))
if len(releases) != 1:
    sys.exit(f"expected one release, found {len(releases)}")
print("BYTES", releases[0]["bytes"])
for t in releases[0]["tables"]:
    print(t["name"], t["rows"])
EOF
)
[[ ${SKY_ROWS[Object]:-} == "$OBJECTS" ]] ||
  die "the skyshard store has ${SKY_ROWS[Object]:-no} Object rows, expected $OBJECTS"
log "skyshard: Object ${SKY_ROWS[Object]}, ForcedSource ${SKY_ROWS[ForcedSource]}, CcdVisit ${SKY_ROWS[CcdVisit]} rows; store $(hbytes "${SKY_ROWS[BYTES]}") ($STORE_NOTE)"

run_to "$T_SHORT" "$QB" sample --data "$STORE" --n "$CONES" --seed "$SEED" --out "$OUT/positions.tsv" \
  2>"$LOGS/query-sample.err" || { cat "$LOGS/query-sample.err" >&2; die "query_bench sample failed"; }
QARGS=(--only "$ENGINE_ONLY" --cone-queries "$CONES" --lc-queries "$LIGHTCURVES" --deg-queries "$DEG_CONES"
       --scan-runs "$SCAN_RUNS" --select-rows 1000000 --clients "1,2")

FAILED=()
log "skyshard: warm-up read of the store ($(hbytes "$(dir_bytes "$STORE")")) ..."
find "$STORE" -type f -print0 | xargs -0 -r cat >/dev/null
SKY_LOADAVG=$(loadavg)
log "skyshard: query_bench (load average $SKY_LOADAVG) ..."
if ! run_to "$T_QUERY" "$QB" run --data "$STORE" --positions "$OUT/positions.tsv" "${QARGS[@]}" \
      --json-out "$OUT/skyshard.jsonl" --counts-out "$OUT/skyshard-counts.tsv" \
      >"$LOGS/query-skyshard.out" 2>"$LOGS/query-skyshard.err"; then
  tail -n 5 "$LOGS/query-skyshard.err" >&2
  FAILED+=("query_bench (skyshard): see $LOGS/query-skyshard.err")
fi
sed -n '/^measurement/,$p' "$LOGS/query-skyshard.out" | sed 's/^/    /'

# A whole table streamed out: rows/s, time to the first byte, and resident memory as the result
# goes by (it must stay flat whatever the table's size).
STREAM_SQL='SELECT * FROM dp02_dc2_catalogs.ForcedSource'
stream_probe() {  # label, csv|binary, command...; the output holds ForcedSource's rows
  local label=$1 kind=$2
  shift 2
  local extra=()
  [[ $kind == csv ]] && extra=(--check-csv)
  run_to "$T_QUERY" python3 "$BENCH_DIR/stream_probe.py" --label "$label" --json-out "$OUT/stream.jsonl" \
    --rows "${SKY_ROWS[ForcedSource]}" "${extra[@]}" -- "$@" >>"$LOGS/stream.out" 2>>"$LOGS/stream.err" ||
    { tail -n 3 "$LOGS/stream.err" >&2; FAILED+=("streaming ($label): see $LOGS/stream.err"); }
}
if [[ $STREAM == 1 ]]; then
  log "skyshard: streaming ForcedSource (${SKY_ROWS[ForcedSource]} rows) out of skyshard query ..."
  stream_probe "skyshard query --format csv" csv \
    "$SKY" query --data "$STORE" --format csv "$STREAM_SQL"
  stream_probe "skyshard query --format votable (BINARY2)" binary \
    "$SKY" query --data "$STORE" --format votable "$STREAM_SQL"
fi

# --- PostgreSQL: COPY, indexes, CLUSTER, VACUUM ANALYZE, then the same queries ----------------
PG_DONE=0
PG_SETTINGS=""
if [[ $SKIP_PG == 0 ]]; then
  pg_check_install
  as_pg test -r "${ALL_PG_FILES[0]}" ||
    die "the postgres user cannot read ${ALL_PG_FILES[0]}: use a --workdir whose parents are world-searchable"
  # The load settings of bench_load.sh (durable, fsync on); nothing in them slows reads.
  # Parallel query, JIT and work_mem stay at their defaults.
  SHARED_MB=$(pg_shared_mb "$TINY" "$MEM_KB")
  PG_SETTINGS="shared_buffers=${SHARED_MB}MB effective_cache_size=$(( MEM_KB / 1024 / 2 ))MB maintenance_work_mem=1GB max_wal_size=8GB checkpoint_timeout=30min wal_level=minimal max_wal_senders=0 synchronous_commit=off fsync=on full_page_writes=on autovacuum=off"
  pg_start "$PG_PORT" "$PG_SETTINGS"
  for t in "${PG_TABLES[@]}"; do
    pg_write_copy_sql "$MANIFEST" "$t" || die "pg_schema.py failed for $t"
  done

  log "PostgreSQL: warm-up read of the CSV files, then COPY + indexes, one session per table ..."
  warm "${ALL_PG_FILES[@]}"
  t0=$(now)
  pg_session Object 'CREATE INDEX "Object_q3c_idx" ON "Object" (q3c_ang2ipix("coord_ra", "coord_dec"))' \
    >"$LOGS/qpg-Object.log" 2>&1 &
  BG_PIDS+=($!)
  pg_session ForcedSource 'CREATE INDEX "ForcedSource_objectId_idx" ON "ForcedSource" ("objectId")' \
    >"$LOGS/qpg-ForcedSource.log" 2>&1 &
  BG_PIDS+=($!)
  pg_fail=0
  for p in "${BG_PIDS[@]}"; do wait "$p" || pg_fail=1; done
  BG_PIDS=()
  pg_session CcdVisit 'ALTER TABLE "CcdVisit" ADD PRIMARY KEY ("ccdVisitId")' \
    >"$LOGS/qpg-CcdVisit.log" 2>&1 || pg_fail=1
  if [[ $pg_fail == 1 ]]; then
    cat "$LOGS"/qpg-*.log >&2
    tail -n 20 "$PGTMP/server.log" >&2
    die "PostgreSQL load failed"
  fi
  t1=$(now)
  # Object in q3c order (what a cone search wants), then visibility map and statistics. The
  # generator writes each object's forced sources together, so ForcedSource is already in
  # objectId order (its correlation is reported below).
  log "PostgreSQL: CLUSTER Object on its q3c index, VACUUM ANALYZE ..."
  run_to "$T_PG" "$PSQL" "${PG_ARGS[@]}" -c 'CLUSTER "Object" USING "Object_q3c_idx"' ||
    die "CLUSTER failed"
  run_to "$T_PG" "$PSQL" "${PG_ARGS[@]}" -c 'VACUUM (ANALYZE) "Object", "ForcedSource", "CcdVisit"' ||
    die "VACUUM ANALYZE failed"
  # scisql's nanojanskyToAbMag as an SQL function (inlined by the planner): the DP0 query
  # runs with its own text.
  # shellcheck disable=SC2016  # $1 and $$ are PostgreSQL's
  pgq -c 'CREATE FUNCTION scisql_nanojanskyToAbMag(double precision) RETURNS double precision
          LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
          AS $$ SELECT CASE WHEN $1 > 0 THEN -2.5 * log($1) + 31.4 END $$' ||
    die "CREATE FUNCTION failed"
  t2=$(now)
  PG_LOAD_NOTE="COPY + indexes $(secs "$t0" "$t1") s, CLUSTER + VACUUM ANALYZE $(secs "$t1" "$t2") s"
  declare -A PG_ROWS
  for t in "${PG_TABLES[@]}"; do
    PG_ROWS[$t]=$(pgq -At -c "SELECT count(*) FROM \"$t\"")
    [[ ${PG_ROWS[$t]} == "${SKY_ROWS[$t]}" ]] ||
      die "row counts disagree: PostgreSQL $t ${PG_ROWS[$t]}, skyshard ${SKY_ROWS[$t]}"
  done
  PG_BYTES=$(pgq -At -c "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['\"Object\"', '\"ForcedSource\"', '\"CcdVisit\"']) c")
  FS_CORR=$(pgq -At -c "SELECT round(correlation::numeric, 3) FROM pg_stats WHERE tablename = 'ForcedSource' AND attname = 'objectId'")
  PG_JIT=$(pgq -At -c 'SHOW jit')
  PG_PAR=$(pgq -At -c 'SHOW max_parallel_workers_per_gather')
  log "PostgreSQL $PG_VERSION: $PG_LOAD_NOTE; tables + indexes $(hbytes "$PG_BYTES"); row counts agree with skyshard"

  log "PostgreSQL: warm-up read of the cluster ($(hbytes "$(as_pg du -sb "$PGTMP/data/base" | cut -f1)")) ..."
  as_pg find "$PGTMP/data/base" -type f -exec cat {} + >/dev/null
  PG_LOADAVG=$(loadavg)
  log "PostgreSQL: the same queries through psql (load average $PG_LOADAVG) ..."
  if [[ $STREAM == 1 ]]; then
    log "PostgreSQL: streaming ForcedSource out of psql COPY ... TO STDOUT (CSV) ..."
    stream_probe "psql COPY (SELECT * FROM ForcedSource) TO STDOUT CSV HEADER" csv \
      "$PSQL" "${PG_ARGS[@]}" -c 'COPY (SELECT * FROM "ForcedSource") TO STDOUT WITH (FORMAT csv, HEADER)'
  fi
  if run_to "$T_QUERY" python3 "$BENCH_DIR/pg_query_bench.py" --psql "$PSQL" --host "$PGTMP" \
      --port "$PG_PORT" --positions "$OUT/positions.tsv" --workdir "$OUT/pg" "${QARGS[@]}" \
      --json-out "$OUT/postgresql.jsonl" --counts-out "$OUT/postgresql-counts.tsv" \
      >"$LOGS/query-pg.out" 2>"$LOGS/query-pg.err"; then
    PG_DONE=1
  else
    tail -n 5 "$LOGS/query-pg.err" >&2
    FAILED+=("pg_query_bench.py: see $LOGS/query-pg.err")
  fi
  pg_stop
fi

# --- report ------------------------------------------------------------------------------------
REPORT_ARGS=(--sky "$OUT/skyshard.jsonl" --sky-counts "$OUT/skyshard-counts.tsv"
             --markdown "$OUT/table.md")
if [[ $PG_DONE == 1 ]]; then
  REPORT_ARGS+=(--pg "$OUT/postgresql.jsonl" --pg-counts "$OUT/postgresql-counts.tsv")
fi
touch "$OUT/skyshard.jsonl" "$OUT/skyshard-counts.tsv"
echo
echo "==== query benchmark ($OBJECTS objects x $EPOCHS epochs; engine level, in process; load average: skyshard $SKY_LOADAVG$([[ $PG_DONE == 1 ]] && echo ", PostgreSQL $PG_LOADAVG")) ===="
if ! python3 "$BENCH_DIR/query_report.py" "${REPORT_ARGS[@]}" 2>"$LOGS/query-report.err"; then
  cat "$LOGS/query-report.err" >&2
  FAILED+=("results disagree between skyshard and PostgreSQL, or a measurement failed")
fi

{
  echo "### skyshard query benchmark, $START_DATE"
  echo
  echo "- Machine: $NPROC cores ($CPU_MODEL), $(hbytes $((MEM_KB * 1024))) RAM, $OS_NAME, kernel $(uname -r)."
  echo "- Data: \`skyshard gen dp02 --objects $OBJECTS --epochs $EPOCHS --seed $SEED\` (CSV, $GEN_NOTE):" \
       "Object ${SKY_ROWS[Object]}, ForcedSource ${SKY_ROWS[ForcedSource]}, CcdVisit ${SKY_ROWS[CcdVisit]} rows;" \
       "skyshard store $(hbytes "${SKY_ROWS[BYTES]}") ($STORE_NOTE)."
  echo "- Queries: $CONES random objects (\`query_bench sample\`, seed $SEED) are the 1-arcmin cone centres" \
       "and the light-curve objects ($LIGHTCURVES); the first $DEG_CONES are the 1-degree cone centres." \
       "Each workload runs once untimed (warm-up; its per-query row counts are compared), then timed with" \
       "1 and 2 clients splitting the same queries. Scans: one warm-up run, then the median of $SCAN_RUNS."
  echo "- skyshard: \`query_bench\` in process through \`adql::QueryEngine::Run\` (parse, bind, plan," \
       "execute) into a sink that counts rows; no HTTP, no result formatting. Load average before: $SKY_LOADAVG."
  if [[ $PG_DONE == 1 ]]; then
    echo "- PostgreSQL $PG_VERSION + q3c: private cluster, \`$PG_SETTINGS\`, jit=$PG_JIT," \
         "max_parallel_workers_per_gather=$PG_PAR; Object, ForcedSource, CcdVisit by COPY; q3c index on Object" \
         "+ CLUSTER, btree on ForcedSource.objectId (objectId correlation $FS_CORR), CcdVisit primary key," \
         "VACUUM ANALYZE ($PG_LOAD_NOTE; $(hbytes "$PG_BYTES")). Queries through psql (\`\\timing\`, results to" \
         "/dev/null), one session per client; the latency includes the client round trip. Load average before: $PG_LOADAVG."
  else
    echo "- PostgreSQL: skipped (--skip-pg)."
  fi
  echo
  cat "$OUT/table.md" 2>/dev/null || true
  if [[ -s $OUT/stream.jsonl ]]; then
    echo
    echo "Whole-table streaming (\`$STREAM_SQL\`, to a reader that discards it; own memory (RssAnon) sampled every 20 ms):"
    echo
    python3 - "$OUT/stream.jsonl" <<'PYEOF'
import json, sys
print("| producer | rows | rows counted | MB | s | rows/s | first byte (s) | peak RssAnon (MB) | RssAnon at 10% / 50% / 90% of output (MB) | peak VmRSS (MB) |")
print("|---|---:|---|---:|---:|---:|---:|---:|---|---:|")
for line in open(sys.argv[1]):
    r = json.loads(line)
    at = r["anon_mb_at"]
    print(f"| {r['label']} | {r['rows']} | {'yes' if r['checked'] else 'no'} | {r['bytes'] / 2**20:.0f} | {r['seconds']} | "
          f"{r['rows_per_s'] or ''} | {r['first_byte_s']} | {r['peak_anon_mb']} | {at['10%']} / {at['50%']} / {at['90%']} | {r['peak_rss_mb']} |")
PYEOF
  fi
} >"$WORKDIR/bench_query.md"
cp "$WORKDIR/bench_query.md" "$OUT/"
echo
echo "---- markdown (also in $WORKDIR/bench_query.md; JSON lines in $OUT/) ----"
cat "$WORKDIR/bench_query.md"
echo "----"
if [[ ${#FAILED[@]} -gt 0 ]]; then
  for f in "${FAILED[@]}"; do echo "bench_query: FAIL: $f" >&2; done
  exit 1
fi
log "OK"
