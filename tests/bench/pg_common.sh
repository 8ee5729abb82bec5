# shellcheck shell=bash
# PostgreSQL 15 + q3c for the benchmarks (bench_load.sh, bench_query.sh): a private cluster in a
# temporary directory under the workdir (initdb, unix socket only, a private port, started as
# the postgres user with runuser when run as root), server-side COPY of the generated CSV files,
# and its clean-up. Sourced, never run; tests/bench/README.md describes the method.
#
# The caller defines the functions die MESSAGE, log MESSAGE, run_to SECONDS COMMAND..., now
# (date +%s.%N) and secs T0 T1, and the variables WORKDIR, LOGS, BENCH_DIR (this directory) and
# T_SHORT (seconds for short steps); pg_session also reads T_PG. This file sets PG_BIN (unless
# given), PSQL, PGTMP, PG_PORT (the port actually used), PG_ARGS (psql's connection arguments),
# PG_STARTED and PG_VERSION. The system cluster (port 5432, /var/lib/postgresql) is never
# touched.

# shellcheck disable=SC2034  # set here, read by the scripts that source this file
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PSQL=""
PGTMP=""
PG_STARTED=0
PG_VERSION=""
PG_ARGS=()

as_pg() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Dies unless PostgreSQL 15 (initdb, pg_ctl, psql) is installed and, as root, a postgres user
# exists. Sets PSQL.
pg_check_install() {
  [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] ||
    die "PostgreSQL 15 not found in $PG_BIN (install postgresql-15 postgresql-15-q3c, or use --skip-pg)"
  PSQL=$PG_BIN/psql
  [[ -x $PSQL ]] || PSQL=$(command -v psql) || die "psql not found"
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no postgres user"
  fi
}

# shared_buffers in MB: 128 for a tiny run (TINY=1), else 25% of RAM (MEM_KB), at most 8 GB.
pg_shared_mb() {  # pg_shared_mb TINY MEM_KB
  local mb
  if [[ $1 == 1 ]]; then
    mb=128
  else
    mb=$(( $2 / 1024 / 4 )); [[ $mb -le 8192 ]] || mb=8192
  fi
  echo "$mb"
}

# Creates the cluster in a fresh $WORKDIR/pg.XXXXXX, configures it with SETTINGS (space-separated
# key=value pairs, written to postgresql.conf after the private port and socket), starts it on
# the first free port from FIRST_PORT on, and creates the q3c extension.
# REQUIRES: pg_check_install ran.
pg_start() {  # pg_start FIRST_PORT SETTINGS
  local kv
  PG_PORT=$1
  PGTMP=$(mktemp -d "$WORKDIR/pg.XXXXXX")
  [[ ${#PGTMP} -le 80 ]] || die "socket directory path too long: $PGTMP (use a shorter --workdir)"
  if [[ $EUID -eq 0 ]]; then chown postgres: "$PGTMP"; fi
  chmod 700 "$PGTMP"

  port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q . ; }
  for _ in $(seq 1 20); do
    if [[ $PG_PORT -ne 5432 ]] && ! port_busy "$PG_PORT"; then break; fi
    PG_PORT=$(( PG_PORT + 1 ))
  done
  port_busy "$PG_PORT" && die "no free port near $PG_PORT"

  log "PostgreSQL: initdb in $PGTMP/data ..."
  as_pg timeout "$T_SHORT" "$PG_BIN/initdb" -D "$PGTMP/data" -U postgres -A trust -E UTF8 \
    --locale=C --no-sync >"$LOGS/initdb.log" 2>&1 || { cat "$LOGS/initdb.log" >&2; die "initdb failed"; }
  {
    echo "# skyshard $(basename "$0")"
    echo "port = $PG_PORT"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$PGTMP'"
    for kv in $2; do echo "${kv%%=*} = '${kv#*=}'"; done
    echo "min_wal_size = '1GB'"
    echo "log_min_messages = warning"
  } >>"$PGTMP/data/postgresql.conf"

  PG_ARGS=(-X -q -v ON_ERROR_STOP=1 -h "$PGTMP" -p "$PG_PORT" -U postgres -d postgres)
  log "PostgreSQL: starting on socket $PGTMP port $PG_PORT (not the system cluster) ..."
  PG_STARTED=1
  as_pg timeout "$T_SHORT" "$PG_BIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 100 start \
    >"$LOGS/pg_ctl.log" 2>&1 || { cat "$LOGS/pg_ctl.log" "$PGTMP/server.log" >&2; die "pg_ctl start failed"; }

  # shellcheck disable=SC2034  # read by the caller
  PG_VERSION=$(pgq -At -c 'SHOW server_version' | cut -d' ' -f1)
  pgq -c 'CREATE EXTENSION q3c' || die "CREATE EXTENSION q3c failed (is postgresql-15-q3c installed?)"
}

# psql on the private cluster, stopping at the first error, within T_SHORT seconds.
pgq() { run_to "$T_SHORT" "$PSQL" "${PG_ARGS[@]}" "$@"; }

# A SQL string literal.
sqlstr() { printf "'%s'" "${1//\'/\'\'}"; }

# Writes $PGTMP/copy-TABLE.sql: BEGIN; CREATE TABLE (pg_schema.py); COPY every CSV file of
# TABLE (FREEZE: the table is new in this transaction, so with wal_level=minimal the data skips
# the WAL); COMMIT. Returns non-zero when pg_schema.py fails.
pg_write_copy_sql() {  # pg_write_copy_sql MANIFEST TABLE
  local manifest=$1 t=$2 f
  {
    echo "BEGIN;"
    python3 "$BENCH_DIR/pg_schema.py" "$manifest" --tables "$t" || return 1
    while read -r f; do
      echo "COPY \"$t\" FROM $(sqlstr "$f") WITH (FORMAT csv, HEADER true, FREEZE true);"
    done < <(python3 "$BENCH_DIR/pg_schema.py" "$manifest" --files "$t")
    echo "COMMIT;"
  } >"$PGTMP/copy-$t.sql"
}

# One loading session for TABLE: the COPY script, then INDEX_SQL, then ANALYZE, each within
# T_PG seconds; writes "copy_s index_s analyze_s total_s" to $PGTMP/steps-TABLE.
pg_session() {  # pg_session TABLE INDEX_SQL
  local t=$1 index_sql=$2 a b c d
  local q=("$PSQL" "${PG_ARGS[@]}")
  a=$(now)
  run_to "$T_PG" "${q[@]}" -f "$PGTMP/copy-$t.sql" || { echo "COPY $t failed" >&2; return 1; }
  b=$(now)
  run_to "$T_PG" "${q[@]}" -c "$index_sql" || { echo "index on $t failed" >&2; return 1; }
  c=$(now)
  run_to "$T_PG" "${q[@]}" -c "ANALYZE \"$t\"" || { echo "ANALYZE $t failed" >&2; return 1; }
  d=$(now)
  echo "$(secs "$a" "$b") $(secs "$b" "$c") $(secs "$c" "$d") $(secs "$a" "$d")" >"$PGTMP/steps-$t"
}

# Stops the cluster cleanly (fast shutdown); the trap's pg_kill stops it otherwise.
pg_stop() {
  as_pg timeout "$T_SHORT" "$PG_BIN/pg_ctl" -D "$PGTMP/data" -m fast -w -t 100 stop >/dev/null 2>&1 ||
    log "WARNING: pg_ctl stop failed; the trap stops it (immediate)"
  as_pg test -f "$PGTMP/data/postmaster.pid" || PG_STARTED=0
}

# For the exit trap: stops a running cluster at once (immediate shutdown).
pg_kill() {
  if [[ $PG_STARTED == 1 ]]; then
    as_pg timeout 60 "$PG_BIN/pg_ctl" -D "$PGTMP/data" -m immediate -w -t 50 stop >/dev/null 2>&1
  fi
}

# For the exit trap, after pg_kill: keeps the server log in $LOGS and removes the cluster.
pg_remove() {
  if [[ -n $PGTMP && -d $PGTMP ]]; then
    cp "$PGTMP/server.log" "$LOGS/pg-server.log" 2>/dev/null
    rm -rf -- "$PGTMP"
  fi
}
