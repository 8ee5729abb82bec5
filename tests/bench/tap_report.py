#!/usr/bin/python3
"""Report of bench_tap.sh: compares skyshard with DaCHS, checks that their answers agree.

Reads the run's files in --out (written by bench_tap.sh and its clients):
  cells.jsonl    the peer's bench_tap.py --json-out, one line per (server, workload, clients)
  cells.tsv      bench_tap.sh: load averages before each cell, server RssAnon after it
  raw-S.csv      the peer's bench_tap.py --raw-out: workload,C,t,latency_ms,rows per query
  xmatch.jsonl   tap_xmatch.py; stream.jsonl: tap_stream.py (label "server;load=a b c")
  wrk.jsonl      tap_wrk.py: the same cone and light-curve queries from wrk

Checks (exit 1 on any failure):
  - every cell of both servers ran without errors;
  - with --dachs: at C=1, query i returned the same number of rows from both servers, for
    every i both ran (the same seed gives the same query sequence);
  - for each server, the C=8 cell returned as many rows in all as the same queries did at
    C=1 (C=8 runs a prefix of the same sequence; checked when C=1 ran at least as many);
  - the upload cross-match and the large download returned the same rows from both servers.

Prints the table and writes it as markdown (--md) and all figures as JSON lines (--jsonl),
one object per server and measurement, with the load averages beside each figure.
"""
import argparse
import csv
import json
import os
import sys

GOALS = {  # (workload, clients) -> (metric, bound, text)
    ("cone", 1): ("p50_ms", 1.0, "p50 <= 1 ms"),
    ("cone", 8): ("qps", 3000.0, ">= 3000 q/s"),
    ("lightcurve", 1): ("p50_ms", 1.0, "p50 <= 1 ms"),
    ("lightcurve", 8): ("qps", 2000.0, ">= 2000 q/s"),
}


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def split_label(label):
    server, _, load = label.partition(";load=")
    return server, load


def raw_rows(path):
    """{(workload, C): [rows per query, in completion order]}"""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for w, c, _, _, rows in csv.reader(f):
            out.setdefault((w, int(c)), []).append(int(rows))
    return out


def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "%.*f" % (nd, v)
    return str(v)


def ratio(a, b):
    if not a or not b:
        return None
    return a / b


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--machine", default="")
    ap.add_argument("--data", default="")
    ap.add_argument("--date", default="")
    ap.add_argument("--sky-hwm-kb", type=int, default=0)
    ap.add_argument("--stream-rows", type=int, default=0)
    ap.add_argument("--xmatch-rows", type=int, default=0)
    ap.add_argument("--n-sky", type=int, default=0)
    ap.add_argument("--n-dachs", type=int, default=0)
    ap.add_argument("--duration", type=int, default=0)
    ap.add_argument("--dachs", action="store_true")
    args = ap.parse_args()

    errors = []
    cells = {}
    for r in read_jsonl(os.path.join(args.out, "cells.jsonl")):
        cells[(r["label"], r["workload"], r["concurrency"])] = r
    with open(os.path.join(args.out, "cells.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            key = (row["server"], row["workload"], int(row["clients"]))
            if key in cells:
                cells[key]["load"] = "%s %s %s" % (row["load1"], row["load5"], row["load15"])
                cells[key]["server_rss_mb"] = round(int(row["rss_kb"] or 0) / 1024, 1)
    servers = ["skyshard"] + (["dachs"] if args.dachs else [])
    raw = {s: raw_rows(os.path.join(args.out, "raw-%s.csv" % s)) for s in servers}

    for key, r in sorted(cells.items()):
        if r["errors"]:
            errors.append("%s %s C=%d: %d errors, e.g. %s" % (key + (r["errors"],
                                                              r["first_errors"][:1])))
    # Per-query agreement at C=1, and C=8 against C=1 for each server.
    for w in ("cone", "lightcurve"):
        if args.dachs:
            a, b = raw["skyshard"].get((w, 1), []), raw["dachs"].get((w, 1), [])
            n = min(len(a), len(b))
            bad = [i for i in range(n) if a[i] != b[i]]
            if bad:
                i = bad[0]
                errors.append("%s C=1: %d of %d queries differ in row count, first query %d: "
                              "skyshard %d rows, DaCHS %d" % (w, len(bad), n, i, a[i], b[i]))
            else:
                print("check: %s C=1: the first %d queries returned the same rows from both "
                      "servers (%d rows)" % (w, n, sum(a[:n])))
        for s in servers:
            one, eight = raw[s].get((w, 1), []), raw[s].get((w, 8), [])
            if eight and len(one) >= len(eight):
                if sum(eight) != sum(one[:len(eight)]):
                    errors.append("%s %s: C=8 returned %d rows for its %d queries, C=1 %d for "
                                  "the same queries" % (s, w, sum(eight), len(eight),
                                                        sum(one[:len(eight)])))
    xm = {split_label(r["label"])[0]: r for r in read_jsonl(os.path.join(args.out, "xmatch.jsonl"))}
    st = {}
    for r in read_jsonl(os.path.join(args.out, "stream.jsonl")):
        st[(split_label(r["label"])[0], r["workload"])] = r
    if args.dachs and "skyshard" in xm and "dachs" in xm:
        if xm["skyshard"]["rows"] != xm["dachs"]["rows"]:
            errors.append("upload cross-match: skyshard %d rows, DaCHS %d"
                          % (xm["skyshard"]["rows"], xm["dachs"]["rows"]))
        else:
            print("check: upload cross-match: %d rows from both servers" % xm["skyshard"]["rows"])
    for (s, w), r in st.items():
        if args.stream_rows and r["rows"] != args.stream_rows:
            errors.append("%s %s: %d rows, expected %d" % (s, w, r["rows"], args.stream_rows))

    # --- JSON lines --------------------------------------------------------------------------
    records = []
    for (s, w, c), r in sorted(cells.items()):
        records.append({"server": s, "workload": w, "clients": c, "qps": r["qps"],
                        "p50_ms": r["p50_ms"], "p90_ms": r["p90_ms"], "p99_ms": r["p99_ms"],
                        "max_ms": r["max_ms"], "ok": r["ok"], "errors": r["errors"],
                        "rows_per_query": r["rows_mean"], "wall_s": r["wall_s"],
                        "stopped_by": r["stopped_by"], "load": r.get("load", ""),
                        "server_rss_mb": r.get("server_rss_mb"), "date": args.date})
    for s, r in xm.items():
        records.append({"server": s, "workload": "xmatch_upload", "clients": 1,
                        "upload_rows": r["upload_rows"], "p50_ms": r["p50_ms"],
                        "min_ms": r["min_ms"], "rows": r["rows"],
                        "load": split_label(r["label"])[1], "date": args.date})
    for (s, w), r in st.items():
        rec = {"server": s, "workload": w, "clients": 1}
        rec.update({k: v for k, v in r.items() if k not in ("label", "tap", "workload", "time")})
        rec.update({"load": split_label(r["label"])[1], "date": args.date})
        records.append(rec)
    with open(args.jsonl, "w") as f:
        for rec in records:
            f.write(json.dumps(rec) + "\n")

    # --- table -------------------------------------------------------------------------------
    lines = []
    lines.append("### skyshard vs DaCHS over TAP, %s" % args.date)
    lines.append("")
    lines.append("- Machine: %s." % args.machine)
    lines.append("- Data: %s." % args.data)
    lines.append("- Client: the peer's bench_tap.py, urllib, one HTTP "
                 "connection per query, on the same cores as the servers; RESPONSEFORMAT=votable/b2; "
                 "cones r = 1' centred on random objects; at most %d (skyshard) / %d (DaCHS) "
                 "queries and %d s per cell." % (args.n_sky, args.n_dachs, args.duration))
    lines.append("")
    hdr = ["workload", "C", "skyshard q/s", "p50 ms", "p99 ms"]
    if args.dachs:
        hdr += ["DaCHS q/s", "p50 ms", "p99 ms", "q/s ratio", "p50 ratio"]
    hdr += ["rows/q", "goal (skyshard)", "load avg (1/5/15)"]
    lines.append("| " + " | ".join(hdr) + " |")
    lines.append("|" + "|".join(["---"] * 2 + ["---:"] * (len(hdr) - 4) + ["---"] * 2) + "|")
    for w in ("cone", "lightcurve"):
        for c in (1, 8):
            a = cells.get(("skyshard", w, c))
            b = cells.get(("dachs", w, c)) if args.dachs else None
            if not a:
                continue
            row = [w, str(c), fmt(a["qps"]), fmt(a["p50_ms"], 2), fmt(a["p99_ms"], 2)]
            load = "skyshard %s" % a.get("load", "?")
            if args.dachs:
                row += [fmt(b["qps"]) if b else "-", fmt(b["p50_ms"], 1) if b else "-",
                        fmt(b["p99_ms"], 1) if b else "-",
                        fmt(ratio(a["qps"], b["qps"]) if b else None, 0) + "x",
                        fmt(ratio(b["p50_ms"], a["p50_ms"]) if b else None, 0) + "x"]
                if b:
                    load += "; DaCHS %s" % b.get("load", "?")
            metric, bound, text = GOALS[(w, c)]
            v = a[metric]
            met = v <= bound if metric == "p50_ms" else v >= bound
            row += [fmt(a["rows_mean"], 2), "%s: %s" % (text, "met" if met else "MISSED"), load]
            lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    wrk = read_jsonl(os.path.join(args.out, "wrk.jsonl"))
    if wrk:
        lines.append("The same queries from wrk (C, keep-alive connections; tests/bench/tap_wrk.py):")
        lines.append("")
        lines.append("| server | workload | C | q/s | p50 ms | p90 ms | p99 ms | goal | load avg |")
        lines.append("|---|---|---:|---:|---:|---:|---:|---|---|")
        goals = {"cone": 3000, "lightcurve": 2000}
        for r in wrk:
            server, load = split_label(r["label"])
            goal = "-"
            if server == "skyshard":
                if r["clients"] == 1:
                    ok = r["p50_ms"] <= 1.0
                    goal = "p50 <= 1 ms: %s" % ("met" if ok else "MISSED")
                else:
                    ok = r["qps"] >= goals[r["workload"]]
                    goal = ">= %d q/s: %s" % (goals[r["workload"]], "met" if ok else "MISSED")
            lines.append("| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %s | %s |" % (
                server, r["workload"], r["clients"], r["qps"], r["p50_ms"], r["p90_ms"],
                r["p99_ms"], goal, load))
        lines.append("")
    if xm:
        lines.append("| upload cross-match | upload rows | p50 ms | min ms | pairs | load avg |")
        lines.append("|---|---:|---:|---:|---:|---|")
        for s in servers:
            if s in xm:
                r = xm[s]
                lines.append("| %s | %d | %.1f | %.1f | %d | %s |" % (
                    s, r["upload_rows"], r["p50_ms"], r["min_ms"], r["rows"],
                    split_label(r["label"])[1]))
        if args.dachs and "dachs" in xm and "skyshard" in xm:
            lines.append("")
            lines.append("Cross-match ratio (DaCHS p50 / skyshard p50): %.1fx." % (
                xm["dachs"]["p50_ms"] / xm["skyshard"]["p50_ms"]))
        lines.append("")
    if st:
        lines.append("| download | rows | MiB | exec s | download s | total s | rows/s | "
                     "server RssAnon before / peak MB | goal | load avg |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for s in servers:
            for w in ("stream_async", "stream_sync"):
                r = st.get((s, w))
                if not r:
                    continue
                goal = "-"
                if s == "skyshard":
                    ok = r["rows_per_s"] >= 2e6 and r.get("rss_peak_mb", 1e9) < 300
                    goal = ">= 2 M rows/s, RssAnon < 300 MB: %s" % ("met" if ok else "MISSED")
                lines.append("| %s %s | %d | %.0f | %.2f | %.2f | %.2f | %s | %s / %s%s | %s | %s |" % (
                    s, w.replace("stream_", ""), r["rows"], r["bytes"] / 2**20, r["exec_s"],
                    r["download_s"], r["total_s"], "{:,}".format(r["rows_per_s"]),
                    r.get("rss_before_mb", "-"), r.get("rss_peak_mb", "-"),
                    " (process tree)" if r.get("rss_tree") else "", goal,
                    split_label(r["label"])[1]))
        lines.append("")
    if args.sky_hwm_kb:
        lines.append("skyshard serve VmHWM (peak RSS since start, whole run): %.0f MB." % (
            args.sky_hwm_kb / 1024))
    text = "\n".join(lines) + "\n"
    with open(args.md, "w") as f:
        f.write(text)
    print()
    print(text)
    if errors:
        for e in errors:
            print("tap_report: FAIL: " + e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
