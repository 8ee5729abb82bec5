#!/usr/bin/env python3
"""The PostgreSQL 15 + q3c side of the query benchmark (tests/bench/bench_query.sh).

Runs the queries that query_bench runs on skyshard, in their PostgreSQL form, over the tables
that bench_query.sh loaded ("Object", "ForcedSource", "CcdVisit"), at the same positions and
objects (the file written by `query_bench sample`). It drives psql, which Debian's python3 can
run without any driver: each workload is a generated script of literal queries, run by one
psql session per client with `\\timing on` and its results sent to /dev/null; the "Time: x ms"
lines psql prints after each query (from sending it to having received its whole result,
before printing) are the latencies. Queries/s with C clients is the number of queries over the
wall time of the C sessions running in parallel (they start together; their start-up, a few
milliseconds, is included).

Before the timed passes each workload runs once with its results written to a file (warm-up,
and the row counts and aggregate values that bench_query.sh compares with skyshard's).

Prints one JSON object a line per measurement, with the fields of query_bench's lines
("system": "postgresql"), and writes the counts in query_bench's --counts-out format.

Usage:
  pg_query_bench.py --psql PSQL --host SOCKET_DIR --port PORT --positions FILE --workdir DIR
                    [--only LIST] [--cone-queries N] [--deg-queries N] [--lc-queries N]
                    [--scan-runs N] [--select-rows N] [--clients 1,2]
                    [--json-out FILE] [--counts-out FILE]
Exit status: 0 when every query ran, 1 when psql failed (the message on stderr), 2 on usage.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

MEASUREMENTS = ["cone_1arcmin", "cone_1deg", "count_predicate", "groupby_band", "select_1m",
                "lightcurve"]
TIME_RE = re.compile(r"^Time: ([0-9]+(?:\.[0-9]+)?) ms")
MARKER = "@@query "


class PsqlError(Exception):
    pass


def percentile(values, q):
    """Nearest rank, as query_bench computes it."""
    if not values:
        return 0.0
    v = sorted(values)
    rank = int(math.ceil(q * len(v)))
    return v[min(max(rank, 1), len(v)) - 1]


class Runner:
    def __init__(self, args):
        self.args = args
        self.base = [args.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", args.host,
                     "-p", str(args.port), "-U", "postgres", "-d", "postgres"]
        os.makedirs(args.workdir, exist_ok=True)
        self.json_out = open(args.json_out, "w") if args.json_out else None
        self.counts_out = open(args.counts_out, "w") if args.counts_out else None
        self.results = []

    def script(self, name, lines):
        path = os.path.join(self.args.workdir, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def start(self, script, output):
        return subprocess.Popen(self.base + ["-o", output, "-f", script],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    @staticmethod
    def finish(proc, script):
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise PsqlError(f"psql -f {script} failed (exit {proc.returncode}): {err.strip()}")
        return out

    def timed(self, name, queries, clients):
        """Runs `queries` split round-robin over `clients` psql sessions, timed; returns
        (latencies in ms, wall seconds)."""
        scripts = []
        for c in range(clients):
            mine = queries[c::clients]
            scripts.append(self.script(f"{name}-c{clients}-{c}.sql", ["\\timing on"] + mine))
        t0 = time.monotonic()
        procs = [self.start(s, "/dev/null") for s in scripts]
        outs = [self.finish(p, s) for p, s in zip(procs, scripts)]
        wall = time.monotonic() - t0
        lat = []
        for c, out in enumerate(outs):
            got = [float(m.group(1)) for m in map(TIME_RE.match, out.splitlines()) if m]
            want = len(queries[c::clients])
            if len(got) != want:
                raise PsqlError(f"{name}: psql printed {len(got)} timings for {want} queries")
            lat.extend(got)
        return lat, wall

    def results_of(self, name, queries):
        """Runs `queries` once in one session with their rows written to a file; returns the
        rows (lists of fields) of each query."""
        lines = []
        for i, q in enumerate(queries):
            lines += [f"\\qecho '{MARKER}{i}'", q]
        script = self.script(f"{name}-results.sql", lines)
        output = os.path.join(self.args.workdir, f"{name}-results.out")
        self.finish(self.start(script, output), script)
        rows = [None] * len(queries)
        current = None
        with open(output) as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith(MARKER):
                    current = int(line[len(MARKER):])
                    rows[current] = []
                elif current is not None and line != "":
                    rows[current].append(["NULL" if v == "" else v for v in line.split("|")])
        if any(r is None for r in rows):
            raise PsqlError(f"{name}: the results file lacks some queries")
        return rows

    def emit(self, record):
        record = {"bench": "query", "system": "postgresql", **record}
        line = json.dumps(record)
        print(line, flush=True)
        if self.json_out:
            self.json_out.write(line + "\n")
            self.json_out.flush()
        self.results.append(record)

    def count(self, name, key, values):
        if self.counts_out:
            self.counts_out.write("\t".join([name, str(key)] + [str(v) for v in values]) + "\n")

    def latency(self, name, queries, clients, what):
        log(f"{name}: {len(queries)} queries, warm-up pass ...")
        rows = self.results_of(name, queries)
        for i, r in enumerate(rows):
            self.count(name, i, [len(r)])
        total = sum(len(r) for r in rows)
        for c in clients:
            lat, wall = self.timed(name, queries, c)
            self.emit({"name": name, "what": what, "kind": "latency", "clients": c,
                       "queries": len(lat), "p50_ms": percentile(lat, 0.5),
                       "p99_ms": percentile(lat, 0.99), "mean_ms": sum(lat) / len(lat),
                       "max_ms": max(lat), "qps": len(lat) / wall, "wall_s": wall,
                       "rows_per_query": total / len(queries)})

    def explain(self, name, query):
        """EXPLAIN ANALYZE of one query: where PostgreSQL's time goes (planning, execution)."""
        rows = self.results_of(f"{name}-explain", ["EXPLAIN (ANALYZE, SUMMARY ON, COSTS OFF) " + query])[0]
        times = {}
        ranges = 0
        for (text, *_) in rows:
            m = re.search(r"(Planning|Execution) Time: ([0-9.]+) ms", text)
            if m:
                times[m.group(1).lower()] = float(m.group(2))
            ranges += "Index Scan on" in text
        self.emit({"name": f"{name}_explain", "kind": "info", "planning_ms": times.get("planning"),
                   "execution_ms": times.get("execution"), "index_scans": ranges})

    def scan(self, name, query, runs, rows_basis, basis_what, what, values_query=None):
        """`values_query` (default: the query) gives the rows compared with skyshard's."""
        log(f"{name}: warm-up + {runs} runs ...")
        if values_query is None:
            result = self.results_of(name, [query])[0]
            result_rows = len(result)
            if result_rows < 64:
                for row in result:
                    self.count(name, "row", row)
        else:
            result_rows = int(self.results_of(name, [values_query])[0][0][0])
        self.count(name, "rows", [result_rows])
        lat, _ = self.timed(name, [query] * (runs + 1), 1)
        times = [t / 1e3 for t in lat[1:]]  # the first run is the warm-up
        median = percentile(times, 0.5)
        self.emit({"name": name, "what": what, "kind": "scan", "clients": 1, "runs": runs,
                   "median_s": median, "best_s": min(times), "result_rows": result_rows,
                   "rows_basis": rows_basis, "rows_basis_what": basis_what,
                   "rows_per_s": rows_basis / median})


def log(msg):
    print(f"pg_query_bench: {msg}", file=sys.stderr, flush=True)


def cone(ra, dec, radius):
    return ('SELECT "objectId", "coord_ra", "coord_dec" FROM "Object" '
            f'WHERE q3c_radial_query("coord_ra", "coord_dec", {ra}, {dec}, {radius});')


def light_curve(object_id):
    # The DP0 query (issue 5) in PostgreSQL's spelling; scisql_nanojanskyToAbMag is the SQL
    # function bench_query.sh defines (inlined by the planner).
    return ('SELECT src."ccdVisitId", src."band", visinfo."expMidptMJD", '
            'scisql_nanojanskyToAbMag(src."psfFlux") AS "psfMag" '
            'FROM "ForcedSource" AS src JOIN "CcdVisit" AS visinfo '
            f'ON visinfo."ccdVisitId" = src."ccdVisitId" WHERE src."objectId" = {object_id};')


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--psql", required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--positions", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--only", default=",".join(MEASUREMENTS))
    p.add_argument("--cone-queries", type=int)
    p.add_argument("--deg-queries", type=int, default=50)
    p.add_argument("--lc-queries", type=int)
    p.add_argument("--scan-runs", type=int, default=3)
    p.add_argument("--select-rows", type=int, default=1000000)
    p.add_argument("--clients", default="1,2")
    p.add_argument("--json-out")
    p.add_argument("--counts-out")
    args = p.parse_args()
    only = [m for m in args.only.split(",") if m]
    for m in only:
        if m not in MEASUREMENTS:
            p.error(f"unknown measurement in --only: {m}")
    clients = [int(c) for c in args.clients.split(",") if c]
    # Positions stay text: the same digits as skyshard's queries.
    positions = []
    with open(args.positions) as f:
        for line in f:
            if line.strip():
                object_id, ra, dec = line.split()
                positions.append((object_id, ra, dec))
    if not positions:
        p.error(f"{args.positions} holds no positions")
    n_cone = min(args.cone_queries if args.cone_queries is not None else len(positions),
                 len(positions))
    n_lc = min(args.lc_queries if args.lc_queries is not None else len(positions), len(positions))
    n_deg = min(args.deg_queries, len(positions))
    runs = max(1, args.scan_runs)

    r = Runner(args)
    try:
        table_rows = {}
        for t in ("Object", "ForcedSource"):
            table_rows[t] = int(r.results_of(f"rows-{t}", [f'SELECT count(*) FROM "{t}";'])[0][0][0])
        # The round trip of an empty query: what the client/server hop adds to every latency.
        r.latency("pg_roundtrip", ["SELECT 1;"] * max(n_cone, 1), [1], "SELECT 1 (round trip)")
        if "cone_1arcmin" in only:
            r.explain("cone_1arcmin", cone(positions[0][1], positions[0][2], "1.0/60"))
            r.latency("cone_1arcmin", [cone(ra, dec, "1.0/60") for _, ra, dec in positions[:n_cone]],
                      clients, "cone r=1 arcmin on Object at random objects")
        if "cone_1deg" in only:
            r.latency("cone_1deg", [cone(ra, dec, "1.0") for _, ra, dec in positions[:n_deg]], [1],
                      "cone r=1 deg on Object at random objects")
        if "count_predicate" in only:
            r.scan("count_predicate", 'SELECT count(*) FROM "Object" WHERE "g_psfFlux" > 1000;',
                   runs, table_rows["Object"], "Object rows",
                   "COUNT(*) over Object WHERE g_psfFlux > 1000")
        if "groupby_band" in only:
            r.scan("groupby_band",
                   'SELECT "band", count(*), avg("psfFlux") FROM "ForcedSource" GROUP BY "band";',
                   runs, table_rows["ForcedSource"], "ForcedSource rows",
                   "GROUP BY band, COUNT(*), AVG(psfFlux) over ForcedSource")
        if "select_1m" in only:
            n = min(args.select_rows, table_rows["ForcedSource"])
            r.scan("select_1m", f'SELECT * FROM "ForcedSource" LIMIT {n};', runs, n,
                   "rows returned", f"SELECT * FROM ForcedSource LIMIT {n} into psql (discarded)",
                   values_query=f'SELECT count(*) FROM (SELECT * FROM "ForcedSource" LIMIT {n}) s;')
        if "lightcurve" in only:
            r.latency("lightcurve", [light_curve(oid) for oid, _, _ in positions[:n_lc]], clients,
                      "DP0 light curve (ForcedSource JOIN CcdVisit) of an object")
    except PsqlError as e:
        log(f"FAIL: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
