#!/usr/bin/env bash
# TAP benchmark (issue 6): `skyshard serve` side by side with GAVO DaCHS 2.7 (the peer in
# ../shared/peers/dachs) on the same generated rows, the same ADQL from the same client.
# A script, not a timed test: see tests/bench/README.md.
#
#   tests/bench/bench_tap.sh [--objects N] [--per-object K] [--tiny] [--workdir DIR] [--keep]
#                            [--skip-dachs] [--with-dachs] [--keep-dachs] [--seed S]
#                            [--port P] [--dachs-port P] [--regen] [-n N] [--n-dachs N]
#                            [--duration S] [--xmatch-rows N] [--stream-rows N]
#
# Exits non-zero when anything fails (a command, a timeout, a query error, row counts that
# disagree between skyshard and DaCHS, or, with --tiny, with the brute-force answers computed
# from the CSV files); the speed goals are reported, never enforced.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR="$ROOT/tests/bench"
BENCH_NAME=bench_tap
# shellcheck source=tests/bench/bench_common.sh
source "$BENCH_DIR/bench_common.sh"  # die, log, now, run_to, ...; NPROC, CPU_MODEL, ...
SKYSHARD_SRC=${SKYSHARD:-$ROOT/build/skyshard}
PEER_DIR=${DACHS_PEER:-$(cd "$ROOT/.." && pwd)/shared/peers/dachs}
export DACHS_PEER=$PEER_DIR  # the Python helpers import the peer's bench_tap.py from there
PY=${PYTHON:-/usr/bin/python3}   # Debian's python3: numpy (the generator, the checks)

OBJECTS=10000000
PER_OBJECT=20
GEN_SEED=20240601   # gen_data.py's default seed
SEED=1              # the client's query sequence
WORKDIR=/var/tmp/skyshard-tap
KEEP=0
SKIP_DACHS=0
WITH_DACHS=0
KEEP_DACHS=0
REGEN=0
TINY=0
SKY_PORT=18090
DACHS_PORT=8081
N_SKY=5000
N_DACHS=1000
DURATION=60
XMATCH_ROWS=10000
STREAM_ROWS=""

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'
Options:
  --objects N       Object rows (default 10000000); ForcedSource gets N x K rows
  --per-object K    forced measurements per object (default 20)
  --tiny            20000 objects x 5, skyshard only, answers checked against brute force
                    over the CSV files (what scripts/test.sh runs; well under a minute)
  --workdir DIR     generated files, stores, results (default /var/tmp/skyshard-tap); must be
                    readable by the dachsroot user (DaCHS imports the same CSV files)
  --keep            keep the loaded skyshard store (a later run with the same data and binary
                    reuses it)
  --skip-dachs      skyshard only (row counts then checked against brute force)
  --with-dachs      with --tiny: run DaCHS too (it is skipped by default there)
  --keep-dachs      leave DaCHS running at the end (default: its stop.sh runs)
  --seed S          the client's seed: centres and ids of the queries (default 1)
  --port P          first port tried for skyshard serve (default 18090; the next free is used)
  --dachs-port P    DaCHS's port (default 8081)
  --regen           regenerate the CSV files even when a stamp says they are current
  -n N              queries per cone / light-curve cell for skyshard (default 5000)
  --n-dachs N       the same for DaCHS (default 1000: ~60 s a cell); the first queries of both
                    servers are the same queries
  --duration S      at most S seconds per cell (default 60)
  --xmatch-rows N   rows of the upload cross-match table (default 10000)
  --stream-rows N   rows of the large async download (default min(10 M, ForcedSource / 4))
Environment: SKYSHARD (binary, default build/skyshard), DACHS_PEER (the peer's directory,
default ../shared/peers/dachs), PYTHON (default /usr/bin/python3, which has numpy).
EOF
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --objects) need_arg "$@"; OBJECTS=$2; shift 2 ;;
    --per-object) need_arg "$@"; PER_OBJECT=$2; shift 2 ;;
    --seed) need_arg "$@"; SEED=$2; shift 2 ;;
    --workdir) need_arg "$@"; WORKDIR=$2; shift 2 ;;
    --port) need_arg "$@"; SKY_PORT=$2; shift 2 ;;
    --dachs-port) need_arg "$@"; DACHS_PORT=$2; shift 2 ;;
    -n) need_arg "$@"; N_SKY=$2; shift 2 ;;
    --n-dachs) need_arg "$@"; N_DACHS=$2; shift 2 ;;
    --duration) need_arg "$@"; DURATION=$2; shift 2 ;;
    --xmatch-rows) need_arg "$@"; XMATCH_ROWS=$2; shift 2 ;;
    --stream-rows) need_arg "$@"; STREAM_ROWS=$2; shift 2 ;;
    --tiny) TINY=1; shift ;;
    --keep) KEEP=1; shift ;;
    --skip-dachs) SKIP_DACHS=1; shift ;;
    --with-dachs) WITH_DACHS=1; shift ;;
    --keep-dachs) KEEP_DACHS=1; shift ;;
    --regen) REGEN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
if [[ $TINY == 1 ]]; then
  OBJECTS=20000; PER_OBJECT=5; N_SKY=300; N_DACHS=100; DURATION=20; XMATCH_ROWS=1000
  STREAM_ROWS=${STREAM_ROWS:-50000}
fi
[[ -n $STREAM_ROWS ]] || STREAM_ROWS=$(( OBJECTS * PER_OBJECT / 4 < 10000000 ? OBJECTS * PER_OBJECT / 4 : 10000000 ))
for v in OBJECTS PER_OBJECT SEED SKY_PORT DACHS_PORT N_SKY N_DACHS DURATION XMATCH_ROWS STREAM_ROWS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "${v,,} must be a non-negative integer, got '${!v}'"
done
[[ $OBJECTS -ge 100 ]] || die "--objects must be at least 100 (the generator's minimum)"
[[ $PER_OBJECT -ge 1 && $N_SKY -ge 1 && $N_DACHS -ge 1 && $DURATION -ge 1 ]] ||
  die "--per-object, -n, --n-dachs and --duration must be at least 1"
[[ $XMATCH_ROWS -ge 1 && $STREAM_ROWS -ge 1 ]] || die "--xmatch-rows and --stream-rows must be at least 1"
for p in SKY_PORT DACHS_PORT; do
  [[ ${!p} -ge 1024 && ${!p} -le 65000 ]] || die "${p,,} must be in 1024..65000"
done
[[ -x $SKYSHARD_SRC ]] || die "$SKYSHARD_SRC not found: build it first (ninja -C build skyshard), or set SKYSHARD"
[[ -x $PY ]] || die "$PY not found (Debian's python3 with numpy; set PYTHON)"
"$PY" -c 'import numpy' 2>/dev/null || die "$PY lacks numpy (apt-get install python3-numpy)"
command -v timeout >/dev/null || die "timeout(1) is missing"

RUN_DACHS=1
if [[ $SKIP_DACHS == 1 ]]; then
  RUN_DACHS=0
elif [[ $TINY == 1 && $WITH_DACHS == 0 ]]; then
  RUN_DACHS=0
fi
if [[ $RUN_DACHS == 1 ]]; then
  [[ -x $PEER_DIR/setup.sh && -x $PEER_DIR/stop.sh ]] ||
    die "the DaCHS peer is not at $PEER_DIR (set DACHS_PEER, or --skip-dachs)"
  [[ $(id -u) == 0 ]] || die "DaCHS's setup.sh needs root (apt-get, runuser); run as root or --skip-dachs"
fi
# Both servers' answers are checked against brute force when DaCHS is not there to compare with.
VERIFY=0
if [[ $RUN_DACHS == 0 ]]; then VERIFY=1; fi

ROWS_EST=$(( OBJECTS * (PER_OBJECT + 1) ))
T_GEN=$(( 300 + ROWS_EST / 20000 ))
T_LOAD=$(( 300 + ROWS_EST / 20000 ))
T_DACHS_SETUP=$(( 900 + ROWS_EST / 10000 ))
T_CELL=$(( DURATION * 2 + 120 ))
T_STREAM=$(( 600 + STREAM_ROWS / 5000 ))
T_VERIFY=$(( 300 + ROWS_EST / 20000 ))

# A server's own memory (RssAnon): not the mapped store files, which are page cache.
rss_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# run_client LOG SECONDS CMD...: runs a client under a timeout; its output goes indented to
# stdout (comment and header lines left out) and whole to LOG; returns the client's status.
run_client() {
  local log=$1 t=$2 rc=0
  shift 2
  run_to "$t" "$@" >"$OUT/.client.out" 2>&1 || rc=$?
  cat "$OUT/.client.out" >>"$log"
  { grep -v -e '^#' -e '^workload ' "$OUT/.client.out" || true; } | sed 's/^/    /'
  [[ $rc != 124 ]] || echo "    (timed out after $t s)"
  return "$rc"
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- cleanup (trap) --------------------------------------------------------------------------
SKY_PID=""
STORE=""
DACHS_STARTED=0
cleanup() {
  local rc=$?
  set +e
  if [[ -n $SKY_PID ]]; then
    kill -TERM "$SKY_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SKY_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SKY_PID" 2>/dev/null
    wait "$SKY_PID" 2>/dev/null
  fi
  if [[ $DACHS_STARTED == 1 && $KEEP_DACHS == 0 ]]; then
    echo "bench_tap: stopping DaCHS ($PEER_DIR/stop.sh)"
    "$PEER_DIR/stop.sh" >"$WORKDIR/logs/dachs-stop.log" 2>&1 ||
      echo "bench_tap: DaCHS's stop.sh failed, see $WORKDIR/logs/dachs-stop.log" >&2
  fi
  if [[ $KEEP == 0 && -n $STORE ]]; then rm -rf -- "$STORE" "$STORE.stamp"; fi
  if [[ $rc -ne 0 ]]; then echo "bench_tap: exiting with status $rc" >&2; fi
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
OUT="$WORKDIR/tap"   # this run's measurements
rm -rf -- "$OUT"
mkdir -p "$OUT"
rm -f "$WORKDIR/bench_tap.md"
# A private copy: others may relink the binary while the benchmark runs.
cp "$SKYSHARD_SRC" "$WORKDIR/bin/skyshard.$$"
mv -f "$WORKDIR/bin/skyshard.$$" "$WORKDIR/bin/skyshard"
SKY="$WORKDIR/bin/skyshard"

log "$START_DATE on $NPROC cores ($CPU_MODEL), $(( MEM_KB / 1048576 )) GiB RAM, $OS_NAME"
log "workdir $WORKDIR; $OBJECTS objects x $PER_OBJECT, generator seed $GEN_SEED, client seed $SEED; load average $(loadavg)"
if [[ $RUN_DACHS == 0 ]]; then
  if [[ $TINY == 1 && $SKIP_DACHS == 0 ]]; then
    log "*** DaCHS SKIPPED: --tiny runs skyshard only (installing gavodachs2-server is too slow"
    log "*** for CI); every answer is checked against brute force over the CSV files instead."
    log "*** Run without --tiny (as root) for the side-by-side comparison."
  else
    log "*** DaCHS SKIPPED (--skip-dachs): skyshard only, answers checked against brute force."
  fi
fi

# --- data: the DaCHS peer's generator, the same CSV files for both servers -------------------
GEN="$WORKDIR/peer-o${OBJECTS}-k${PER_OBJECT}-s${GEN_SEED}"
[[ -f $PEER_DIR/gen_data.py && -f $PEER_DIR/bench_tap.py ]] ||
  die "the DaCHS peer's gen_data.py and bench_tap.py are not in $PEER_DIR (../shared beside the repository, or DACHS_PEER)"
WANT_STAMP="gen_data.py --objects $OBJECTS --per-object $PER_OBJECT --seed $GEN_SEED $(sha256sum "$PEER_DIR/gen_data.py" | cut -c1-16)"
if [[ $REGEN == 0 && -f $GEN/.stamp && "$(head -n1 "$GEN/.stamp")" == "$WANT_STAMP" &&
      -s $GEN/forcedsource.csv ]]; then
  log "data: reusing $GEN ($(sed -n 2p "$GEN/.stamp"))"
else
  rm -rf -- "$GEN"
  mkdir -p "$GEN"
  log "data: generating into $GEN ..."
  t0=$(now)
  run_to "$T_GEN" "$PY" "$PEER_DIR/gen_data.py" --out "$GEN" --objects "$OBJECTS" \
    --per-object "$PER_OBJECT" --seed "$GEN_SEED" >"$LOGS/gen.log" 2>&1 ||
    { tail -n 20 "$LOGS/gen.log" >&2; die "gen_data.py failed"; }
  printf '%s\ngenerated in %s s on %s\n' "$WANT_STAMP" "$(secs "$t0" "$(now)")" "$(date -u +%F)" >"$GEN/.stamp"
fi
chmod 755 "$GEN"
chmod 644 "$GEN"/*.csv "$GEN/manifest.json"
"$PY" "$BENCH_DIR/tap_manifest.py" "$GEN" || die "tap_manifest.py failed"
FS_ROWS=$(( $(wc -l <"$GEN/forcedsource.csv") - 1 ))
OBJ_ROWS=$(( $(wc -l <"$GEN/object.csv") - 1 ))
VISIT_ROWS=$(( $(wc -l <"$GEN/ccdvisit.csv") - 1 ))
[[ $OBJ_ROWS == "$OBJECTS" ]] || die "$GEN/object.csv has $OBJ_ROWS rows, expected $OBJECTS"
[[ $STREAM_ROWS -le $FS_ROWS ]] || STREAM_ROWS=$FS_ROWS
CSV_BYTES=$(du -cb --apparent-size "$GEN"/*.csv | tail -n1 | cut -f1)
log "data: object $OBJ_ROWS, forcedsource $FS_ROWS, ccdvisit $VISIT_ROWS rows; $(( CSV_BYTES / 1048576 )) MiB of CSV"

# --- skyshard: load (reused with --keep when the data and the binary are the same) -------------
STORE="$WORKDIR/store-$(basename "$GEN")"
STORE_STAMP="$(head -n1 "$GEN/.stamp") | $(sha256sum "$SKY" | cut -c1-16)"
LOAD_NOTE=""
if [[ -d $STORE && -f $STORE.stamp && "$(cat "$STORE.stamp")" == "$STORE_STAMP" ]]; then
  log "skyshard: reusing the loaded store $STORE"
  LOAD_NOTE="reused"
else
  rm -rf -- "$STORE" "$STORE.stamp"
  log "skyshard: loading $GEN/skyshard_tap_manifest.yaml (load average $(loadavg)) ..."
  t0=$(now)
  run_to "$T_LOAD" "$SKY" load --data "$STORE" "$GEN/skyshard_tap_manifest.yaml" \
    >"$LOGS/load.out" 2>"$LOGS/load.err" ||
    { tail -n 20 "$LOGS/load.err" >&2; cat "$LOGS/load.out" >&2; die "skyshard load failed"; }
  LOAD_NOTE="loaded in $(secs "$t0" "$(now)") s"
  echo "$STORE_STAMP" >"$STORE.stamp"
  log "skyshard: $LOAD_NOTE"
fi
"$SKY" releases --data "$STORE" --json >"$LOGS/releases.json" || die "skyshard releases failed"
"$PY" - "$LOGS/releases.json" "$OBJ_ROWS" "$FS_ROWS" "$VISIT_ROWS" <<'EOF' || die "skyshard's row counts differ from the CSV files"
import json, sys
r = json.load(open(sys.argv[1]))[0]
got = {t["name"]: t["rows"] for t in r["tables"]}
want = {"Object": int(sys.argv[2]), "ForcedSource": int(sys.argv[3]), "CcdVisit": int(sys.argv[4])}
if got != want:
    sys.exit("bench_tap: store has %s, the CSV files %s" % (got, want))
EOF

# --- skyshard: serve ---------------------------------------------------------------------------
while port_busy "$SKY_PORT"; do SKY_PORT=$(( SKY_PORT + 1 )); done
log "skyshard: serve on 127.0.0.1:$SKY_PORT"
# The built-in defaults (conf/skyshard.json documents them); no --config, so that the run does
# not depend on a config file that may be newer than the binary.
"$SKY" serve --data "$STORE" --port "$SKY_PORT" --bind 127.0.0.1 >"$LOGS/serve.log" 2>&1 &
SKY_PID=$!
SKY_TAP="http://127.0.0.1:$SKY_PORT/tap"
wait_tap() {  # wait_tap URL SECONDS [PID]: until /availability says true (PID still alive)
  "$PY" - "$1" "$2" "${3:-0}" <<'EOF'
import os, sys, time, urllib.request
deadline = time.monotonic() + float(sys.argv[2])
pid = int(sys.argv[3])
while True:
    if pid and not os.path.exists("/proc/%d" % pid):
        sys.exit("bench_tap: the server (pid %d) exited" % pid)
    try:
        with urllib.request.urlopen(sys.argv[1] + "/availability", timeout=5) as r:
            if b"true" in r.read():
                sys.exit(0)
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit("bench_tap: %s did not become available in %s s" % (sys.argv[1], sys.argv[2]))
    time.sleep(0.1)
EOF
}
wait_tap "$SKY_TAP" 60 "$SKY_PID" || { tail -n 20 "$LOGS/serve.log" >&2; die "skyshard serve did not start"; }
kill -0 "$SKY_PID" 2>/dev/null || die "skyshard serve exited (see $LOGS/serve.log)"

# --- DaCHS -------------------------------------------------------------------------------------
DACHS_PID=""
DACHS_TAP="http://127.0.0.1:$DACHS_PORT/tap"
DACHS_NOTE="skipped"
if [[ $RUN_DACHS == 1 ]]; then
  [[ $DACHS_PORT != "$SKY_PORT" ]] || die "--dachs-port equals skyshard's port"
  log "DaCHS: PORT=$DACHS_PORT $PEER_DIR/setup.sh $GEN (installs and imports when needed) ..."
  t0=$(now)
  DACHS_STARTED=1
  PORT=$DACHS_PORT run_to "$T_DACHS_SETUP" "$PEER_DIR/setup.sh" "$GEN" >"$LOGS/dachs-setup.log" 2>&1 ||
    { tail -n 30 "$LOGS/dachs-setup.log" >&2; die "DaCHS setup.sh failed"; }
  DACHS_NOTE="setup.sh $(secs "$t0" "$(now)") s"
  if grep -q 'already imported' "$LOGS/dachs-setup.log"; then
    DACHS_NOTE+=", data already imported"
  else
    DACHS_NOTE+=", data imported"
  fi
  DACHS_PID=$(cat /var/gavo/state/peer-dachs.pid)
  wait_tap "$DACHS_TAP" 60 || die "DaCHS is not available at $DACHS_TAP"
  DACHS_VERSION=$(dachs --version 2>&1 | head -n1 || echo "DaCHS")
  log "DaCHS: $DACHS_VERSION, pid $DACHS_PID, $DACHS_NOTE"
fi

# --- the workloads -------------------------------------------------------------------------------
SKY_SCHEMA=dp02_dc2_catalogs
# The DP0 light-curve query (issue 5) in skyshard's names.
SKY_LC="SELECT src.ccdVisitId, src.band, visinfo.expMidptMJD, scisql_nanojanskyToAbMag(psfFlux) AS psfMag FROM $SKY_SCHEMA.ForcedSource AS src JOIN $SKY_SCHEMA.CcdVisit AS visinfo ON visinfo.ccdVisitId = src.ccdVisitId WHERE src.objectId = {id}"
# DaCHS has no scisql UDFs: the same magnitude written out (scisql's definition,
# -2.5 log10(nJy) + 31.4; NULL for flux <= 0 as scisql gives).
DACHS_LC="SELECT src.ccdVisitId, src.band, visinfo.expMidptMJD, CASE WHEN src.psfFlux > 0 THEN -2.5 * LOG10(src.psfFlux) + 31.4 ELSE NULL END AS psfMag FROM lsst.forcedsource AS src JOIN lsst.ccdvisit AS visinfo ON visinfo.ccdVisitId = src.ccdVisitId WHERE src.objectId = {id}"
SAMPLE_SIZE=20000
WARMUP=5
FORMAT=votable/b2   # BINARY2 from both (DaCHS's default would be BINARY)
printf 'server\tworkload\tclients\tload1\tload5\tload15\trss_kb\n' >"$OUT/cells.tsv"

bench_cell() {  # bench_cell SERVER WORKLOAD CLIENTS
  local server=$1 w=$2 c=$3 tap n pid
  local -a extra
  if [[ $server == skyshard ]]; then
    tap=$SKY_TAP; n=$N_SKY; pid=$SKY_PID
    extra=(--object-table "$SKY_SCHEMA.Object" --lc-query "$SKY_LC")
  else
    tap=$DACHS_TAP; n=$N_DACHS; pid=$DACHS_PID
    extra=(--object-table lsst.object --lc-query "$DACHS_LC")
  fi
  local la
  la=$(loadavg)
  log "$server: $w C=$c (n <= $n, <= ${DURATION} s; load average $la)"
  run_client "$LOGS/client-$server.log" "$T_CELL" "$PY" "$PEER_DIR/bench_tap.py" \
    --tap "$tap" --workloads "$w" -c "$c" \
    -n "$n" --duration "$DURATION" --seed "$SEED" --warmup "$WARMUP" --centers objects \
    --radius-arcmin 1 --sample-file "$GEN/object.csv" --sample-size "$SAMPLE_SIZE" \
    --format "$FORMAT" --label "$server" --json-out "$OUT/cells.jsonl" \
    --raw-out "$OUT/raw-$server.csv" "${extra[@]}" ||
    die "$server: $w C=$c failed (see $LOGS/client-$server.log)"
  local rss
  if [[ $server == dachs ]]; then
    rss=$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import tap_stream as s
print(sum(s.rss_kb(p) for p in s.descendants([int(sys.argv[2])])))' "$BENCH_DIR" "$pid")
  else
    rss=$(rss_kb "$pid")
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$server" "$w" "$c" "${la// /$'\t'}" "$rss" >>"$OUT/cells.tsv"
}

SERVERS=(skyshard)
[[ $RUN_DACHS == 1 ]] && SERVERS+=(dachs)
for w in cone lightcurve; do
  for c in 1 8; do
    for s in "${SERVERS[@]}"; do bench_cell "$s" "$w" "$c"; done
  done
done

# The same queries again from wrk (C, keep-alive): what each server sustains when the client
# costs next to nothing (on 2 cores the Python client above is as busy as the server).
WRK_SECONDS=$(( DURATION < 20 ? DURATION : 20 ))
[[ $TINY == 1 ]] && WRK_SECONDS=3
for w in cone lightcurve; do
  for c in 1 8; do
    for s in "${SERVERS[@]}"; do
      if [[ $s == skyshard ]]; then
        tap=$SKY_TAP; extra=(--object-table "$SKY_SCHEMA.Object" --lc-query "$SKY_LC")
      else
        tap=$DACHS_TAP; extra=(--object-table lsst.object --lc-query "$DACHS_LC")
      fi
      la=$(loadavg)
      log "$s: $w C=$c with wrk, ${WRK_SECONDS} s (load average $la)"
      run_client "$LOGS/client-$s.log" "$T_CELL" "$PY" "$BENCH_DIR/tap_wrk.py" --tap "$tap" \
        --workload "$w" -c "$c" --duration "$WRK_SECONDS" --seed "$SEED" --warmup "$WARMUP" \
        --sample-file "$GEN/object.csv" --sample-size "$SAMPLE_SIZE" --radius-arcmin 1 \
        --format "$FORMAT" --label "$s;load=$la" --json-out "$OUT/wrk.jsonl" "${extra[@]}" ||
        die "$s: $w C=$c with wrk failed (see $LOGS/client-$s.log)"
    done
  done
done

# Upload cross-match: N positions near objects (and some anywhere), 2" radius.
for s in "${SERVERS[@]}"; do
  if [[ $s == skyshard ]]; then tap=$SKY_TAP; tbl="$SKY_SCHEMA.Object"; else tap=$DACHS_TAP; tbl=lsst.object; fi
  la=$(loadavg)
  log "$s: upload cross-match, $XMATCH_ROWS rows (load average $la)"
  run_client "$LOGS/client-$s.log" "$T_STREAM" "$PY" "$BENCH_DIR/tap_xmatch.py" --tap "$tap" \
    --objects-csv "$GEN/object.csv" --rows "$XMATCH_ROWS" --seed "$SEED" --repeat 3 \
    --object-table "$tbl" --label "$s;load=$la" --json-out "$OUT/xmatch.jsonl" ||
    die "$s: upload cross-match failed (see $LOGS/client-$s.log)"
done

# Large download: STREAM_ROWS forced sources, fixed-width columns, BINARY2; async for both,
# also sync for skyshard (DaCHS's sync path stops at its 120 s sync limit).
for s in "${SERVERS[@]}"; do
  if [[ $s == skyshard ]]; then
    tap=$SKY_TAP; tbl="$SKY_SCHEMA.ForcedSource"; pidargs=(--pid "$SKY_PID"); modes=(async sync)
  else
    tap=$DACHS_TAP; tbl=lsst.forcedsource; pidargs=(--pid "$DACHS_PID" --tree); modes=(async)
  fi
  for m in "${modes[@]}"; do
    la=$(loadavg)
    log "$s: $m download of $STREAM_ROWS rows (load average $la)"
    run_client "$LOGS/client-$s.log" "$T_STREAM" "$PY" "$BENCH_DIR/tap_stream.py" --tap "$tap" \
      --mode "$m" --maxrec "$STREAM_ROWS" --expect-rows "$STREAM_ROWS" "${pidargs[@]}" \
      --query "SELECT TOP $STREAM_ROWS objectId, ccdVisitId, psfFlux, psfFluxErr FROM $tbl" \
      --label "$s;load=$la" --json-out "$OUT/stream.jsonl" ||
      die "$s: $m download failed (see $LOGS/client-$s.log)"
  done
done
SKY_HWM_KB=$(hwm_kb "$SKY_PID")

# --- checks --------------------------------------------------------------------------------------
if [[ $VERIFY == 1 ]]; then
  log "checking skyshard's answers against brute force over the CSV files ..."
  run_client "$LOGS/verify.log" "$T_VERIFY" "$PY" "$BENCH_DIR/tap_verify.py" --data "$GEN" \
    --raw "$OUT/raw-skyshard.csv" \
    --seed "$SEED" --sample-size "$SAMPLE_SIZE" --warmup "$WARMUP" --radius-arcmin 1 \
    --xmatch-json "$OUT/xmatch.jsonl" --xmatch-rows "$XMATCH_ROWS" --xmatch-radius-arcsec 2 \
    --xmatch-seed "$SEED" --xmatch-jitter-arcsec 1 \
    --stream-json "$OUT/stream.jsonl" --stream-rows "$STREAM_ROWS" ||
    die "skyshard's answers disagree with brute force (see $LOGS/verify.log)"
fi

# --- report --------------------------------------------------------------------------------------
REPORT_ARGS=(--out "$OUT" --md "$WORKDIR/bench_tap.md" --jsonl "$OUT/results.jsonl"
  --machine "$NPROC cores ($CPU_MODEL), $(( MEM_KB / 1048576 )) GiB RAM, $OS_NAME, kernel $(uname -r)"
  --data "gen_data.py --objects $OBJECTS --per-object $PER_OBJECT --seed $GEN_SEED: object $OBJ_ROWS, forcedsource $FS_ROWS, ccdvisit $VISIT_ROWS rows ($(( CSV_BYTES / 1048576 )) MiB CSV); skyshard store $LOAD_NOTE; DaCHS $DACHS_NOTE"
  --date "$START_DATE" --sky-hwm-kb "$SKY_HWM_KB" --stream-rows "$STREAM_ROWS"
  --xmatch-rows "$XMATCH_ROWS" --n-sky "$N_SKY" --n-dachs "$N_DACHS" --duration "$DURATION")
[[ $RUN_DACHS == 1 ]] && REPORT_ARGS+=(--dachs)
"$PY" "$BENCH_DIR/tap_report.py" "${REPORT_ARGS[@]}" || die "the report found disagreeing answers"
log "OK"
