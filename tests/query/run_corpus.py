#!/usr/bin/python3
"""The query corpus: runs every query of tests/query/corpus/*.test through `skyshard query`,
with rewrites on and with --no-rewrites, and compares the rows with those of an independent
reference (SQLite over the same CSV files, or Python). See tests/query/README.md.

Usage:
  run_corpus.py [--skyshard PATH] [--filter SUBSTR] [--keep] [--fixture DIR] [--jobs N]
                [--modes both|on|off] [--reference-only [--show]] [--verbose]

--reference-only runs only the reference side (no `skyshard query` needed): every reference
query must succeed; it reports how many return rows and lists the empty ones not marked `empty`.
--fixture DIR reuses (or creates, then keeps) the generated files and the loaded store in DIR.
Exit status: 0 when every case passes, 1 otherwise, 2 on a usage or fixture error.
"""
import argparse
import collections
import concurrent.futures
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402
import corpus_file  # noqa: E402
import reference_db  # noqa: E402
from reference_db import read_csv_records  # noqa: E402

# The generated release: small enough that a run takes seconds, big enough that cones around
# its clusters and the joins hit rows. Corpus cases name objectIds and positions of this exact
# release: changing these numbers (or the generator's sky model) means revisiting them.
GEN_OBJECTS = 4000
GEN_EPOCHS = 3
GEN_SEED = 11
EDGE_DIR = os.path.join(HERE, "fixture", "edgecases")
QUERY_TIMEOUT_S = 120


def run_checked(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(cmd), p.returncode, p.stdout,
                                                     p.stderr))
    return p


def build_fixture(skyshard, root, load):
    """Generates the dp02 release into root/dp02 and loads it and the edge-case release into
    root/data (skipped when root/data already holds them). Returns the manifests by release."""
    gen_dir = os.path.join(root, "dp02")
    data_dir = os.path.join(root, "data")
    stamp = os.path.join(root, "fixture.done")
    digest = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(EDGE_DIR, "*"))):
        with open(path, "rb") as f:
            digest.update(path.encode() + b"\0" + f.read())
    want = "%d %d %d %s\n" % (GEN_OBJECTS, GEN_EPOCHS, GEN_SEED, digest.hexdigest())
    fresh = not (os.path.exists(stamp) and open(stamp).read() == want)
    if fresh:
        shutil.rmtree(gen_dir, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)
        if os.path.exists(stamp):
            os.remove(stamp)
        run_checked([skyshard, "gen", "dp02", "--out", gen_dir, "--objects", str(GEN_OBJECTS),
                     "--epochs", str(GEN_EPOCHS), "--seed", str(GEN_SEED), "--format", "csv"])
    manifests = {"dp02_dc2_catalogs": os.path.join(gen_dir, "manifest.yaml"),
                 "edgecases": os.path.join(EDGE_DIR, "manifest.yaml")}
    if load and (fresh or not os.path.isdir(data_dir)):
        for manifest in manifests.values():
            run_checked([skyshard, "load", "--data", data_dir, "--threads", "1", "--replace",
                         manifest])
    if fresh:
        with open(stamp, "w") as f:
            f.write(want)
    return manifests, data_dir


# ---------------------------------------------------------------------------------------------
# Helpers offered to `python` references
# ---------------------------------------------------------------------------------------------


def multiset_intersect(a, b):
    """INTERSECT ALL: each row min(count in a, count in b) times."""
    cb = collections.Counter(b)
    out = []
    for r in a:
        if cb[r] > 0:
            cb[r] -= 1
            out.append(r)
    return out


def multiset_except(a, b):
    """EXCEPT ALL: each row max(0, count in a - count in b) times."""
    cb = collections.Counter(b)
    out = []
    for r in a:
        if cb[r] > 0:
            cb[r] -= 1
        else:
            out.append(r)
    return out


def distinct(rows):
    return list(dict.fromkeys(rows))


def python_namespace(ref):
    schema = ref.schema

    def table(name):
        for t in schema["tables"]:
            if t["name"].lower() == name.lower():
                return t
        raise KeyError(name)

    def qualified(t):
        return ref.release + "." + t["name"]

    def tap_tables():
        """(schema_name, table_name) of the release's tables, TAP_SCHEMA.tables style."""
        return [(ref.release, qualified(t)) for t in schema["tables"]]

    def tap_columns(name=None):
        """Dicts of the columns of one table (or all): TAP_SCHEMA.columns fields."""
        out = []
        for t in schema["tables"]:
            if name is not None and t["name"].lower() != name.lower():
                continue
            for c in t["columns"]:
                out.append({"table_name": qualified(t), "column_name": c["name"],
                            "unit": c.get("fits:tunit"), "ucd": c.get("ivoa:ucd"),
                            "description": c.get("description"),
                            "column_index": c.get("tap:column_index"),
                            "principal": c.get("tap:principal", 0)})
        return out

    def tap_keys():
        """(from_table, target_table) of the release's foreign keys."""
        out = []
        for t in schema["tables"]:
            for con in t.get("constraints", []) or []:
                if con.get("@type") == "ForeignKey":
                    target = con["referencedColumns"][0].lstrip("#").split(".")[0]
                    out.append((qualified(t), ref.release + "." + table(target)["name"]))
        return out

    return {"sql": ref.query, "ref": ref, "schema": schema, "table": table,
            "intersect_all": multiset_intersect, "except_all": multiset_except,
            "distinct": distinct, "tap_tables": tap_tables, "tap_columns": tap_columns,
            "tap_keys": tap_keys, "release": ref.release, "sorted": sorted, "len": len}


def reference_result(case, refs):
    """(column count or None, rows) of the case's reference."""
    ref = refs[case.release]
    if case.python:
        rows = eval(case.reference, python_namespace(ref))  # noqa: S307 (our own corpus)
        rows = [tuple(r) for r in rows]
        return (len(rows[0]) if rows else None), rows
    cur = ref.conn.execute(case.reference)
    rows = [tuple(r) for r in cur.fetchall()]
    return len(cur.description), rows


# ---------------------------------------------------------------------------------------------
# Running skyshard
# ---------------------------------------------------------------------------------------------


def run_engine(skyshard, data_dir, case, rewrites):
    cmd = [skyshard, "query", "--data", data_dir, "--release", case.release, "--format", "csv"]
    if case.maxrec is not None:
        cmd += ["--maxrec", str(case.maxrec)]
    if not rewrites:
        cmd.append("--no-rewrites")
    cmd.append(case.adql)
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=QUERY_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"rc": None, "stdout": "", "stderr": "timed out after %d s" % QUERY_TIMEOUT_S,
                "seconds": QUERY_TIMEOUT_S}
    return {"rc": p.returncode, "stdout": p.stdout.decode("utf-8", "replace"),
            "stderr": p.stderr.decode("utf-8", "replace"), "seconds": time.monotonic() - start}


def check_case(case, expected, result):
    """None when the engine's result is right, else a description of what is wrong."""
    rc, out, err = result["rc"], result["stdout"], result["stderr"]
    if case.error is not None:
        if rc == 1 and case.error.lower() in err.lower():
            return None
        if rc == 0:
            return "expected an error containing %r, but the query succeeded:\n%s" % (
                case.error, _clip(out))
        return "expected exit 1 and an error containing %r; got exit %s:\n%s" % (
            case.error, rc, _clip(err))
    if rc != 0:
        return "exit %s:\n%s" % (rc, _clip(err))
    try:
        records = read_csv_records(out, skip_blank_lines=False)
    except ValueError as e:
        return "unreadable CSV (%s):\n%s" % (e, _clip(out))
    if not records:
        return "no header row in the output"
    header, rows = records[0], records[1:]
    ncols, exp_rows = expected
    problems = []
    if ncols is not None and len(header) != ncols:
        problems.append("expected %d columns, got %d: %s" % (
            ncols, len(header), ",".join(t for t, _ in header)))
    if case.columns is not None and [t for t, _ in header] != case.columns:
        problems.append("expected columns %s, got %s" % (
            ",".join(case.columns), ",".join(t for t, _ in header)))
    bad_width = [r for r in rows if len(r) != len(header)]
    if bad_width:
        problems.append("a row of %d fields under a header of %d" % (len(bad_width[0]),
                                                                     len(header)))
    if problems:
        return "\n".join(problems)
    if case.rowcount:
        if len(rows) != len(exp_rows):
            return "expected %d rows, got %d" % (len(exp_rows), len(rows))
        return None
    return compare.compare_rows(exp_rows, rows, case.ordered, case.rel_tol, case.abs_tol)


def _clip(text, limit=1500):
    text = text.rstrip("\n")
    return text if len(text) <= limit else text[:limit] + "\n... (%d bytes more)" % (
        len(text) - limit)


def _indent(text, prefix="    "):
    return "\n".join(prefix + line for line in text.split("\n"))


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skyshard", default=os.path.normpath(os.path.join(HERE, "..", "..",
                                                                         "build", "skyshard")))
    ap.add_argument("--filter", default=None,
                    help="run only cases whose file:line, description or ADQL contains this")
    ap.add_argument("--keep", action="store_true", help="keep the fixture directory")
    ap.add_argument("--fixture", default=None, help="reuse/keep the fixture in this directory")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--modes", choices=["both", "on", "off"], default="both")
    ap.add_argument("--reference-only", action="store_true")
    ap.add_argument("--show", action="store_true",
                    help="with --reference-only: print the first reference rows of each case")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("files", nargs="*", help="corpus files (default: corpus/*.test)")
    args = ap.parse_args()

    files = args.files or sorted(glob.glob(os.path.join(HERE, "corpus", "*.test")))
    cases = []
    try:
        for path in files:
            cases += corpus_file.read_corpus_file(path, os.path.relpath(path, HERE))
    except ValueError as e:
        print("corpus: %s" % e, file=sys.stderr)
        return 2
    if args.filter:
        f = args.filter.lower()
        cases = [c for c in cases if f in c.name.lower() or f in c.description.lower() or
                 f in c.adql.lower()]
    if not os.path.exists(args.skyshard):
        print("corpus: no skyshard binary at %s (--skyshard PATH)" % args.skyshard,
              file=sys.stderr)
        return 2

    root = args.fixture or tempfile.mkdtemp(prefix="skyshard-corpus-")
    os.makedirs(root, exist_ok=True)
    try:
        t0 = time.monotonic()
        try:
            manifests, data_dir = build_fixture(args.skyshard, root,
                                                load=not args.reference_only)
            refs = {name: reference_db.load_release(m) for name, m in manifests.items()}
            args.manifests = manifests
        except Exception as e:  # noqa: BLE001 (report any fixture failure and stop)
            print("corpus: fixture: %s" % e, file=sys.stderr)
            return 2
        if args.verbose:
            print("fixture ready in %.1f s: %s" % (time.monotonic() - t0, root))
        return run(args, cases, refs, data_dir)
    finally:
        if args.keep or args.fixture:
            print("fixture kept in %s" % root)
        else:
            shutil.rmtree(root, ignore_errors=True)


def run(args, cases, refs, data_dir):
    # The reference side first (one thread: sqlite3 connections are not shared).
    expected = {}
    ref_failures = []
    for case in cases:
        if case.error is not None:
            continue
        try:
            expected[id(case)] = reference_result(case, refs)
        except Exception as e:  # noqa: BLE001 (a broken reference is a corpus failure)
            ref_failures.append((case, "%s: %s" % (type(e).__name__, e)))
    per_file = collections.OrderedDict()
    for case in cases:
        per_file.setdefault(case.path, []).append(case)

    if args.reference_only:
        # An `ordered` case must not depend on the order rows were stored in.
        reversed_refs = {name: reference_db.load_release(m, reverse_rows=True)
                         for name, m in args.manifests.items()}
        for case in cases:
            if case.ordered and id(case) in expected:
                try:
                    again = reference_result(case, reversed_refs)
                except Exception as e:  # noqa: BLE001
                    again = (None, [repr(e)])
                if not _same_rows(again[1], expected[id(case)][1], case.rel_tol):
                    ref_failures.append((case, "`ordered`, but ORDER BY leaves ties: the rows "
                                         "come back in another order when stored reversed"))
        return report_reference(per_file, expected, ref_failures, args.show)

    modes = {"both": [True, False], "on": [True], "off": [False]}[args.modes]
    jobs = []
    for case in cases:
        if case.error is None and id(case) not in expected:
            continue
        for rewrites in modes:
            jobs.append((case, rewrites))
    results = {}
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_engine, args.skyshard, data_dir, c, rw): (id(c), rw)
                   for c, rw in jobs}
        for fut in concurrent.futures.as_completed(futures):
            results[futures[fut]] = fut.result()
    elapsed = time.monotonic() - start

    failures = []  # (case, rewrites, text)
    passed = collections.Counter()  # (path, rewrites) -> count
    for case in cases:
        for rewrites in modes:
            if (id(case), rewrites) not in results:
                continue
            res = results[(id(case), rewrites)]
            try:
                problem = check_case(case, expected.get(id(case)), res)
            except Exception:  # noqa: BLE001 (a checker bug must not hide the rest)
                problem = "checker error:\n" + traceback.format_exc()
            if problem is None:
                passed[(case.path, rewrites)] += 1
            else:
                failures.append((case, rewrites, problem))

    for case, text in ref_failures:
        print("REFERENCE FAILED %s %s\n  ADQL: %s\n  reference: %s\n%s\n" % (
            case.name, case.description, case.adql.replace("\n", " "),
            (case.reference or "").replace("\n", " "), _indent(text)))
    for case, rewrites, text in failures:
        print("FAILED %s [%s] %s\n  ADQL: %s\n%s\n" % (
            case.name, "rewrites on" if rewrites else "--no-rewrites", case.description,
            case.adql.replace("\n", " "), _indent(text)))

    mode_names = {True: "rewrites on", False: "rewrites off"}
    if args.verbose:
        by_case = {(id(c), rw): c for c in cases for rw in modes}
        slowest = sorted(results.items(), key=lambda kv: -kv[1]["seconds"])[:40]
        print("slowest queries:")
        for key, res in slowest:
            c = by_case[key]
            print("  %6.2f s %s [%s] %s" % (res["seconds"], c.name, mode_names[key[1]],
                                            c.adql.replace("\n", " ")[:100]))
    for path, fcases in per_file.items():
        parts = ["%d passed (%s)" % (passed[(path, rw)], mode_names[rw]) for rw in modes]
        print("%-40s %3d queries, %s" % (path + ":", len(fcases), ", ".join(parts)))
    total = len(cases)
    ok = [sum(passed[(p, rw)] for p in per_file) for rw in modes]
    if all(n == total for n in ok) and not ref_failures:
        print("corpus: %d queries, %d passed x %d modes (%.1f s)" % (total, total, len(modes),
                                                                      elapsed))
        return 0
    print("corpus: %d queries; %s; %d reference failures (%.1f s)" % (
        total, "; ".join("%s: %d passed, %d failed" % (mode_names[rw], n, total - n)
                         for rw, n in zip(modes, ok)), len(ref_failures), elapsed))
    return 1


def _same_rows(a, b, rel_tol):
    def same(x, y):
        if isinstance(x, float) or isinstance(y, float):
            return (x is not None and y is not None and
                    abs(x - y) <= max(1e-12, rel_tol * max(abs(x), abs(y))))
        return x == y
    return len(a) == len(b) and all(len(r) == len(s) and all(same(x, y) for x, y in zip(r, s))
                                    for r, s in zip(a, b))


def report_reference(per_file, expected, ref_failures, show=False):
    for case, text in ref_failures:
        print("REFERENCE FAILED %s %s\n  reference: %s\n%s\n" % (
            case.name, case.description, (case.reference or "").replace("\n", " "),
            _indent(text)))
    totals = collections.Counter()
    unmarked_empty = []
    if show:
        for fcases in per_file.values():
            for c in fcases:
                if id(c) not in expected:
                    continue
                rows = expected[id(c)][1]
                print("%s %s: %d rows" % (c.name, c.description, len(rows)))
                for r in rows[:8]:
                    print("    " + compare.fmt_expected(r))
    for path, fcases in per_file.items():
        n_err = sum(1 for c in fcases if c.error is not None)
        with_rows = sum(1 for c in fcases if id(c) in expected and expected[id(c)][1])
        empty = sum(1 for c in fcases if id(c) in expected and not expected[id(c)][1])
        unmarked_empty += [c for c in fcases
                           if id(c) in expected and not expected[id(c)][1] and not c.empty]
        print("%-40s %3d queries: %3d with rows, %2d empty, %2d errors" % (
            path + ":", len(fcases), with_rows, empty, n_err))
        totals.update(queries=len(fcases), rows=with_rows, empty=empty, errors=n_err)
    for c in unmarked_empty:
        print("EMPTY (not marked `empty`) %s %s" % (c.name, c.description))
    print("reference: %d queries: %d with rows, %d empty, %d error cases; %d reference failures"
          % (totals["queries"], totals["rows"], totals["empty"], totals["errors"],
             len(ref_failures)))
    return 1 if ref_failures or unmarked_empty else 0


if __name__ == "__main__":
    sys.exit(main())
