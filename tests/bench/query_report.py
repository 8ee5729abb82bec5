#!/usr/bin/env python3
"""The report of the query benchmark (tests/bench/bench_query.sh): compares the results of
skyshard (query_bench) and PostgreSQL (pg_query_bench.py) query by query, and prints one table
of the measurements with both systems, their ratio and the issues' goals.

Usage:
  query_report.py --sky SKY.jsonl --sky-counts SKY.tsv [--pg PG.jsonl --pg-counts PG.tsv]
                  [--markdown OUT.md]

Counts: every cone and light curve must return the same number of rows on both systems, every
scan the same number of rows, and the aggregates the same values (integers exactly, floating
point within a relative 1e-6: the two systems sum in different orders). Goals are reported,
never enforced.

Exit status: 0 when the results agree (or PostgreSQL was skipped), 1 when they disagree or a
measurement failed, 2 on a usage error.
"""

import argparse
import collections
import json
import sys

# (measurement, clients, metric, label, absolute goal, ratio goal). Lower is better for
# latencies (ratio = PostgreSQL / skyshard), higher for rates (ratio = skyshard / PostgreSQL).
ROWS = [
    ("cone_1arcmin", 1, "p50_ms", "cone r=1' p50 ms, 1 client", ("<=", 0.2), 3),
    ("cone_1arcmin", 1, "p99_ms", "cone r=1' p99 ms, 1 client", None, None),
    ("cone_1arcmin", 1, "qps", "cone r=1' queries/s, 1 client", None, 3),
    ("cone_1arcmin", 2, "p50_ms", "cone r=1' p50 ms, 2 clients", None, None),
    ("cone_1arcmin", 2, "p99_ms", "cone r=1' p99 ms, 2 clients", None, None),
    ("cone_1arcmin", 2, "qps", "cone r=1' queries/s, 2 clients", None, 3),
    ("cone_1deg", 1, "p50_ms", "cone r=1 deg p50 ms", None, 3),
    ("cone_1deg", 1, "p99_ms", "cone r=1 deg p99 ms", None, None),
    ("count_predicate", 1, "rows_per_s", "COUNT where g_psfFlux > 1000, rows/s", (">=", 15e6), 3),
    ("groupby_band", 1, "rows_per_s", "GROUP BY band over ForcedSource, rows/s", (">=", 15e6), 3),
    ("select_1m", 1, "rows_per_s", "SELECT 1 M rows streamed, rows/s", (">=", 15e6), 3),
    ("lightcurve", 1, "p50_ms", "light curve p50 ms, 1 client", ("<=", 0.3), None),
    ("lightcurve", 1, "p99_ms", "light curve p99 ms, 1 client", None, None),
    ("lightcurve", 1, "qps", "light curve queries/s, 1 client", None, None),
    ("lightcurve", 2, "qps", "light curve queries/s, 2 clients", None, None),
]
LOWER_IS_BETTER = {"p50_ms", "p99_ms"}
REL_TOL = 1e-6


def read_jsonl(path):
    out = {}
    errors = []
    if not path:
        return out, errors
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            j = json.loads(line)
            if "error" in j:
                errors.append(f"{j['system']} {j['name']}: {j['error']}")
                continue
            out[(j["name"], j.get("clients", 1))] = j
    return out, errors


def read_counts(path):
    """name -> {"per_query": {index: rows}, "rows": n, "values": [rows of fields]}"""
    out = collections.defaultdict(lambda: {"per_query": {}, "rows": None, "values": []})
    if not path:
        return out
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 3:
                continue
            name, key, values = fields[0], fields[1], fields[2:]
            if key == "rows":
                out[name]["rows"] = int(values[0])
            elif key == "row":
                out[name]["values"].append(values)
            else:
                out[name]["per_query"][int(key)] = int(values[0])
    return out


def same_value(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return abs(x - y) <= REL_TOL * max(abs(x), abs(y), 1e-300)


def compare_counts(sky, pg):
    """Returns a list of disagreements (strings)."""
    problems = []
    for name in sorted(set(sky) & set(pg)):
        s, p = sky[name], pg[name]
        bad = [i for i in sorted(set(s["per_query"]) & set(p["per_query"]))
               if s["per_query"][i] != p["per_query"][i]]
        for i in bad[:5]:
            problems.append(f"{name} query {i}: skyshard {s['per_query'][i]} rows, "
                            f"PostgreSQL {p['per_query'][i]}")
        if len(bad) > 5:
            problems.append(f"{name}: {len(bad) - 5} more queries disagree")
        if s["rows"] is not None and p["rows"] is not None and s["rows"] != p["rows"]:
            problems.append(f"{name}: skyshard {s['rows']} rows, PostgreSQL {p['rows']}")
        sv, pv = sorted(s["values"]), sorted(p["values"])
        if len(sv) != len(pv) or any(len(a) != len(b) or not all(map(same_value, a, b))
                                     for a, b in zip(sv, pv)):
            problems.append(f"{name}: results differ: skyshard {sv}, PostgreSQL {pv}")
    return problems


def fmt(metric, v):
    if v is None:
        return "-"
    if metric in LOWER_IS_BETTER:
        return f"{v:.3f}"
    if v >= 1e6:
        return f"{v / 1e6:.2f} M"
    if v >= 1e4:
        return f"{v / 1e3:.1f} k"
    return f"{v:.0f}"


def goal_text(abs_goal, ratio_goal):
    parts = []
    if abs_goal:
        op, v = abs_goal
        parts.append(f"{op} {fmt('p50_ms' if op == '<=' else 'rows_per_s', v)}")
    if ratio_goal:
        parts.append(f">= {ratio_goal}x PG")
    return ", ".join(parts) if parts else "-"


def verdict(metric, sky, ratio, abs_goal, ratio_goal):
    if not abs_goal and not ratio_goal:
        return "-"
    if sky is None:
        return "n/a"
    ok = True
    if abs_goal:
        op, v = abs_goal
        ok &= sky <= v if op == "<=" else sky >= v
    if ratio_goal:
        if ratio is None:
            return "met" if ok else "MISSED"  # judged on the absolute goal alone
        ok &= ratio >= ratio_goal
    return "met" if ok else "MISSED"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sky", required=True)
    p.add_argument("--sky-counts", required=True)
    p.add_argument("--pg")
    p.add_argument("--pg-counts")
    p.add_argument("--markdown")
    args = p.parse_args()

    sky, sky_errors = read_jsonl(args.sky)
    pg, pg_errors = read_jsonl(args.pg)
    table = []
    for name, clients, metric, label, abs_goal, ratio_goal in ROWS:
        s = sky.get((name, clients), {}).get(metric)
        q = pg.get((name, clients), {}).get(metric)
        if s is None and q is None:
            continue
        ratio = None
        if s and q:
            ratio = q / s if metric in LOWER_IS_BETTER else s / q
        table.append((label, fmt(metric, s), fmt(metric, q),
                      f"{ratio:.2f}x" if ratio is not None else "-",
                      goal_text(abs_goal, ratio_goal),
                      verdict(metric, s, ratio, abs_goal, ratio_goal)))
    notes = []
    for (name, clients), j in sorted(sky.items()):
        if clients == 1 and "rows_per_query" in j:
            notes.append(f"{name}: {j['rows_per_query']:.1f} rows per query on average")
    ex = pg.get(("cone_1arcmin_explain", 1))
    if ex and ex.get("planning_ms") is not None:
        notes.append(f"PostgreSQL, EXPLAIN ANALYZE of the first 1' cone: planning {ex['planning_ms']:.3f} ms, "
                     f"execution {ex['execution_ms']:.3f} ms ({ex['index_scans']} q3c index range scans)")
    rt = pg.get(("pg_roundtrip", 1))
    if rt:
        notes.append(f"PostgreSQL round trip of `SELECT 1` through psql: p50 {rt['p50_ms']:.3f} ms "
                     "(included in every PostgreSQL latency, absent from skyshard's)")

    head = ("measurement", "skyshard", "PostgreSQL", "ratio", "goal", "")
    widths = [max(len(str(r[i])) for r in table + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731
                               for i, (c, w) in enumerate(zip(r, widths)))
    print(line(head))
    for r in table:
        print(line(r))
    for n in notes:
        print("  " + n)

    problems = compare_counts(read_counts(args.sky_counts), read_counts(args.pg_counts))
    problems += sky_errors + pg_errors
    if args.pg_counts:
        checked = sorted(set(read_counts(args.sky_counts)) & set(read_counts(args.pg_counts)))
        print(f"results compared with PostgreSQL: {', '.join(checked) or 'none'}: "
              f"{'DISAGREE' if problems else 'agree'}")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| measurement | skyshard | PostgreSQL + q3c | skyshard vs PostgreSQL | goal | |\n")
            f.write("|---|---:|---:|---:|---|---|\n")
            for r in table:
                f.write("| " + " | ".join(r) + " |\n")
            f.write("\n")
            for n in notes:
                f.write(f"- {n}\n")
    for msg in problems:
        print(f"query_report: {msg}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
