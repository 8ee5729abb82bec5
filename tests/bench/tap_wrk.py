#!/usr/bin/python3
"""The TAP benchmark's second client: wrk (C, keep-alive) with the same queries as the peer's
bench_tap.py (same seed, sample and templates), to measure what the server itself sustains when
the client costs next to nothing. On a 2-core machine the Python client spends about as much CPU
per query as skyshard, so its figures are client-bound; wrk's are the server's.

  tap_wrk.py --tap URL --workload cone|lightcurve -c C --duration S --sample-file object.csv
             [--seed S] [--sample-size N] [--warmup W] [--radius-arcmin R]
             [--object-table T] [--lc-query TEMPLATE] [--format F] [--label L] [--json-out F]

Appends one JSON line: label, workload, clients, qps, p50_ms, p90_ms, p99_ms, requests.
Exits non-zero when wrk fails, when any answer is not HTTP 2xx, or on socket errors.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.environ.get("DACHS_PEER", os.path.join(os.path.dirname(__file__),
                                                              "../../../shared/peers/dachs")))
import bench_tap  # noqa: E402  (the peer's client: its sampling, so the queries are the same)

HERE = os.path.dirname(os.path.abspath(__file__))
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def queries(args):
    """The query sequence bench_tap.py sends for this seed, sample and workload."""
    rng = random.Random(args.seed)
    sample = bench_tap.sample_from_file(args.sample_file, "objectId", "coord_ra", "coord_dec",
                                        args.sample_size, rng)
    total = args.n + args.warmup
    crng = random.Random("%d/%s" % (args.seed, args.workload))
    if args.workload == "cone":
        r_deg = args.radius_arcmin / 60.0
        template = ("SELECT * FROM %s WHERE CONTAINS(POINT('ICRS', coord_ra, coord_dec), "
                    "CIRCLE('ICRS', {ra}, {dec}, {r_deg}))=1" % args.object_table)
        centres = [(s[1], s[2]) for s in (crng.choice(sample) for _ in range(total))]
        return [template.format(ra="%.8f" % ra, dec="%.8f" % dec, r_deg="%.10g" % r_deg)
                for ra, dec in centres]
    return [args.lc_query.format(id=crng.choice(sample)[0]) for _ in range(total)]


def parse_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError("unreadable wrk latency %r" % text)
    return float(m.group(1)) * UNITS[m.group(2)]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tap", required=True)
    ap.add_argument("--workload", choices=["cone", "lightcurve"], required=True)
    ap.add_argument("-c", type=int, required=True)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--sample-file", required=True)
    ap.add_argument("--sample-size", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-n", type=int, default=5000, help="distinct queries in the cycle")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--radius-arcmin", type=float, default=1.0)
    ap.add_argument("--object-table", default="lsst.object")
    ap.add_argument("--lc-query", default=None)
    ap.add_argument("--format", default="votable/b2")
    ap.add_argument("--label", default="")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    if args.workload == "lightcurve" and not args.lc_query:
        sys.exit("--lc-query is needed for the lightcurve workload")
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    url = urllib.parse.urlparse(args.tap)
    host = url.hostname or ""
    if not (host == "localhost" or host == "::1" or host.startswith("127.")):
        sys.exit("refusing non-loopback TAP URL %s" % args.tap)

    with tempfile.NamedTemporaryFile("w", suffix=".bodies", delete=False) as f:
        for q in queries(args):
            f.write(urllib.parse.urlencode({"REQUEST": "doQuery", "LANG": "ADQL", "QUERY": q,
                                            "RESPONSEFORMAT": args.format}) + "\n")
        bodies = f.name
    try:
        env = dict(os.environ, TAP_WRK_BODIES=bodies, TAP_WRK_PATH=url.path.rstrip("/") + "/sync")
        cmd = [wrk, "-t", str(min(args.c, 2)), "-c", str(args.c), "-d", "%ds" % args.duration,
               "--timeout", "30s", "--latency", "-s", os.path.join(HERE, "tap_wrk.lua"),
               "%s://%s" % (url.scheme, url.netloc)]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True,
                           timeout=args.duration + 120)
    finally:
        os.unlink(bodies)
    out = p.stdout + p.stderr
    print(out)
    if p.returncode != 0:
        sys.exit("wrk failed (exit %d)" % p.returncode)
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        sys.exit("some answers were not HTTP 2xx")
    if re.search(r"Socket errors:", out):
        sys.exit("wrk saw socket errors")
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
    qps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    reqs = re.search(r"(\d+) requests in", out)
    if not (qps and reqs and set(lat) == {"50", "90", "99"}):
        sys.exit("could not read wrk's output")
    result = {"label": args.label, "workload": args.workload, "clients": args.c,
              "qps": float(qps.group(1)), "requests": int(reqs.group(1)),
              "p50_ms": parse_ms(lat["50"]), "p90_ms": parse_ms(lat["90"]),
              "p99_ms": parse_ms(lat["99"]), "duration_s": args.duration}
    print(json.dumps(result))
    if args.json_out:
        with open(args.json_out, "a") as f:
            f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
