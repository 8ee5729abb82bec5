# Helpers shared by the benchmark scripts (bench_load.sh, bench_query.sh, bench_xmatch.sh,
# bench_tap.sh). Sourced, not run: the sourcing script sets BENCH_NAME first (its messages'
# prefix). Defines:
#   die MSG...            print "NAME: FAIL: MSG" to stderr and exit 1
#   log MSG...            print "NAME [Ns]: MSG" (N: seconds since the script started)
#   need_arg FLAG VALUE   die unless the option FLAG has a non-empty value
#   now                   the time in seconds, with nanoseconds
#   secs T0 T1            T1 - T0 with three decimals
#   hbytes N              N bytes in KiB, MiB or GiB
#   loadavg               the 1, 5 and 15 minute load averages
#   run_to SECONDS CMD... CMD, killed after SECONDS (every step of a benchmark is bounded)
#   dir_bytes PATH...     the apparent size of PATHs in bytes
# and sets the machine's description: NPROC, MEM_KB, CPU_MODEL, OS_NAME, START_DATE (UTC).
# shellcheck shell=bash

die() { echo "$BENCH_NAME: FAIL: $*" >&2; exit 1; }
log() { echo "$BENCH_NAME [${SECONDS}s]: $*"; }
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
hbytes() {
  awk -v n="$1" 'BEGIN { if (n >= 2^30) printf "%.2f GiB", n/2^30; else if (n >= 2^20) printf "%.1f MiB", n/2^20;
                         else printf "%.1f KiB", n/2^10 }'
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
run_to() { local t=$1; shift; timeout --foreground -k 10 "$t" "$@"; }
dir_bytes() { du -cb --apparent-size "$@" 2>/dev/null | tail -n1 | cut -f1; }

NPROC=$(nproc)
MEM_KB=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
CPU_MODEL=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[[ -n $CPU_MODEL ]] || CPU_MODEL=$(uname -m)
OS_NAME=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-Linux}" || echo Linux)
START_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
