#!/usr/bin/env python3
"""Runs a command that writes a large result to stdout and measures how it streams.

  stream_probe.py --rows N [--check-csv] [--label L] [--json-out F] -- CMD ARGS...

Reads the command's stdout as fast as it comes (discarding it), counts bytes and newlines, and
samples the command's own memory (RssAnon from /proc/PID/status: heap and stacks, not the
mapped store files, which are page cache) and its VmRSS every 20 ms. Prints one JSON object
(and appends it to --json-out): rows (newlines, less one with --csv-header), bytes, seconds,
rows_per_s, mb_per_s, first_byte_s (time to the first byte of output), peak_anon_mb (the sampled
maximum of RssAnon), anon_mb_at: the sampled RssAnon when 10%, 50% and 90% of the bytes had
arrived, which shows whether memory grows with the result, and peak_rss_mb (VmHWM at the end,
or the sampled maximum of VmRSS; it includes the store's mapped pages that the command read). --rows gives the
number of rows the output holds (for rows/s); with --check-csv the output is CSV with a header
line and its lines are counted and must be exactly that many.

Exits non-zero when the command fails or, with --check-csv, when the row count differs.
A benchmark helper (tests/bench/bench_query.sh), not a test.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time


def read_status(pid, key):
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, required=True, help="rows in the output")
    ap.add_argument("--check-csv", action="store_true",
                    help="count the CSV lines (less the header) and compare with --rows")
    ap.add_argument("--label", default="")
    ap.add_argument("--json-out")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    if not cmd:
        ap.error("no command given")

    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, bufsize=0)
    samples = []  # (bytes so far, RssAnon)
    state = {"bytes": 0, "peak": 0, "peak_anon": 0, "hwm": None, "done": False}

    def sampler():
        while not state["done"]:
            rss = read_status(proc.pid, "VmRSS")
            anon = read_status(proc.pid, "RssAnon")
            if rss is not None and anon is not None:
                samples.append((state["bytes"], anon))
                state["peak"] = max(state["peak"], rss)
                state["peak_anon"] = max(state["peak_anon"], anon)
                hwm = read_status(proc.pid, "VmHWM")
                if hwm is not None:
                    state["hwm"] = hwm
            time.sleep(0.02)

    t = threading.Thread(target=sampler, daemon=True)
    t.start()
    first_byte = None
    newlines = 0
    fd = proc.stdout.fileno()
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        if first_byte is None:
            first_byte = time.monotonic() - start
        state["bytes"] += len(chunk)
        newlines += chunk.count(b"\n")
    rc = proc.wait()
    seconds = time.monotonic() - start
    state["done"] = True
    t.join()
    if rc != 0:
        print(f"stream_probe: {cmd[0]} exited with status {rc}", file=sys.stderr)
        return 1

    total = state["bytes"]
    rows = args.rows
    counted = newlines - 1 if args.check_csv else None

    def anon_at(share):
        for b, anon in samples:
            if b >= share * total:
                return round(anon / 2**20, 1)
        return None

    peak = max(state["peak"], state["hwm"] or 0)
    out = {
        "label": args.label,
        "rows": rows,
        "checked": args.check_csv,
        "bytes": total,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds) if seconds > 0 else None,
        "mb_per_s": round(total / 2**20 / seconds, 1) if seconds > 0 else None,
        "first_byte_s": round(first_byte, 3) if first_byte is not None else None,
        "peak_anon_mb": round(state["peak_anon"] / 2**20, 1),
        "anon_mb_at": {"10%": anon_at(0.1), "50%": anon_at(0.5), "90%": anon_at(0.9)},
        "peak_rss_mb": round(peak / 2**20, 1),
    }
    line = json.dumps(out)
    print(line)
    if args.json_out:
        with open(args.json_out, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    if args.check_csv and counted != rows:
        print(f"stream_probe: {args.label or cmd[0]}: {counted} CSV rows, expected {rows}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
