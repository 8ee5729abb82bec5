#!/usr/bin/python3
"""Checks the TAP benchmark's answers against a brute-force computation over the CSV files.

bench_tap.sh --tiny runs skyshard alone (no DaCHS in CI), so the row counts it got are checked
here against counts computed directly from gen_data.py's CSV files with numpy:

  cone        for every query of the C=1 cell (the peer's bench_tap.py --raw-out, in query order):
              the objects within r of the centre, by the haversine distance;
  lightcurve  the forcedsource rows of the object (each joins exactly one ccdvisit row; that
              every visit id exists is checked too);
  xmatch      the (upload row, object) pairs within the radius, for tap_xmatch.build_upload;
  stream      min(N, forcedsource rows).

The query sequences are rebuilt exactly as the peer's bench_tap.py builds them (same seed, same
sample, same formatted centres), so query i of the raw file is query i here.

  tap_verify.py --data DIR --raw RAW.csv --seed S --sample-size N --warmup W --radius-arcmin R
                [--xmatch-json F --xmatch-rows N --xmatch-radius-arcsec R --xmatch-seed S
                 --xmatch-jitter-arcsec J] [--stream-json F --stream-rows N]

Prints one line per check and exits non-zero on the first disagreement, naming the query.
"""
import argparse
import json
import math
import os
import random
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# The DaCHS peer's client (../shared/peers/dachs/bench_tap.py, or $DACHS_PEER): its query
# sequences and its VOTable row counting are reused, not copied.
PEER_DIR = os.environ.get("DACHS_PEER") or os.path.join(HERE, "..", "..", "..", "shared", "peers", "dachs")
sys.path.insert(0, HERE)
sys.path.insert(0, PEER_DIR)
import bench_tap as client  # noqa: E402
import tap_xmatch  # noqa: E402


def load_objects(d):
    a = np.genfromtxt(os.path.join(d, "object.csv"), delimiter=",", skip_header=1,
                      usecols=(1, 2), dtype=np.float64)
    return np.radians(a[:, 0]), np.radians(a[:, 1])


def count_within(ra, dec, ra0, dec0, r_deg):
    """Objects within r of (ra0, dec0), all in degrees but ra/dec arrays in radians."""
    a0, d0 = math.radians(ra0), math.radians(dec0)
    hav = (np.sin((dec - d0) / 2) ** 2
           + np.cos(dec) * math.cos(d0) * np.sin((ra - a0) / 2) ** 2)
    h = math.sin(math.radians(r_deg) / 2) ** 2
    return int(np.count_nonzero(hav <= h))


def raw_rows(path, workload):
    out = []
    with open(path) as f:
        for line in f:
            w, conc, _, _, rows = line.strip().split(",")
            if w == workload and conc == "1":
                out.append(int(rows))
    return out


def fail(msg):
    sys.exit("tap_verify: FAIL: " + msg)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--raw", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--sample-size", type=int, required=True)
    ap.add_argument("--warmup", type=int, required=True)
    ap.add_argument("--radius-arcmin", type=float, required=True)
    ap.add_argument("--xmatch-json")
    ap.add_argument("--xmatch-rows", type=int)
    ap.add_argument("--xmatch-radius-arcsec", type=float)
    ap.add_argument("--xmatch-seed", type=int)
    ap.add_argument("--xmatch-jitter-arcsec", type=float)
    ap.add_argument("--stream-json")
    ap.add_argument("--stream-rows", type=int)
    args = ap.parse_args()

    objects_csv = os.path.join(args.data, "object.csv")
    ra, dec = load_objects(args.data)
    fs = np.genfromtxt(os.path.join(args.data, "forcedsource.csv"), delimiter=",",
                       skip_header=1, usecols=(0, 1), dtype=np.int64)
    visits = np.genfromtxt(os.path.join(args.data, "ccdvisit.csv"), delimiter=",",
                           skip_header=1, usecols=(0,), dtype=np.int64)
    if not np.isin(fs[:, 1], visits).all():
        fail("forcedsource.csv has ccdVisitIds missing from ccdvisit.csv")
    fs_ids = np.sort(fs[:, 0])

    # The sample and query sequences of the peer's bench_tap.py main() / make_queries().
    rng = random.Random(args.seed)
    sample = client.sample_from_file(objects_csv, "objectId", "coord_ra", "coord_dec",
                                     args.sample_size, rng)
    r_deg = float("%.10g" % (args.radius_arcmin / 60.0))

    got = raw_rows(args.raw, "cone")
    if not got:
        fail("no C=1 cone results in %s" % args.raw)
    crng = random.Random("%d/cone" % args.seed)
    centres = [(s[1], s[2]) for s in (crng.choice(sample)
                                      for _ in range(args.warmup + len(got)))]
    for i, (c, n) in enumerate(zip(centres[args.warmup:], got)):
        ra0, dec0 = float("%.8f" % c[0]), float("%.8f" % c[1])
        want = count_within(ra, dec, ra0, dec0, r_deg)
        if want != n:
            fail("cone %d at (%.8f, %.8f) r=%g deg: the server returned %d rows, brute force %d"
                 % (i, ra0, dec0, r_deg, n, want))
    print("tap_verify: %d cones agree with brute force (%d rows in all)" % (len(got), sum(got)))

    got = raw_rows(args.raw, "lightcurve")
    if not got:
        fail("no C=1 lightcurve results in %s" % args.raw)
    crng = random.Random("%d/lightcurve" % args.seed)
    ids = [crng.choice(sample)[0] for _ in range(args.warmup + len(got))]
    for i, (oid, n) in enumerate(zip(ids[args.warmup:], got)):
        want = int(np.searchsorted(fs_ids, oid, "right") - np.searchsorted(fs_ids, oid, "left"))
        if want != n:
            fail("light curve %d of objectId %d: the server returned %d rows, brute force %d"
                 % (i, oid, n, want))
    print("tap_verify: %d light curves agree with brute force (%d rows in all)"
          % (len(got), sum(got)))

    if args.xmatch_json:
        with open(args.xmatch_json) as f:
            res = [json.loads(line) for line in f if line.strip()]
        if not res:
            fail("no result in %s" % args.xmatch_json)
        up = tap_xmatch.build_upload(objects_csv, args.xmatch_rows, args.xmatch_seed,
                                     args.xmatch_jitter_arcsec)
        r = float("%.10g" % (args.xmatch_radius_arcsec / 3600.0))
        want = sum(count_within(ra, dec, u[1], u[2], r) for u in up)
        for x in res:
            if x["rows"] != want:
                fail("upload cross-match (%s): the server returned %d rows, brute force %d"
                     % (x["label"], x["rows"], want))
        print("tap_verify: upload cross-match of %d rows agrees with brute force (%d pairs)"
              % (args.xmatch_rows, want))

    if args.stream_json:
        with open(args.stream_json) as f:
            res = [json.loads(line) for line in f if line.strip()]
        if not res:
            fail("no result in %s" % args.stream_json)
        want = min(args.stream_rows, len(fs))
        for x in res:
            if x["rows"] != want:
                fail("%s: the server returned %d rows, expected %d"
                     % (x["workload"], x["rows"], want))
        print("tap_verify: %d large downloads returned %d rows each" % (len(res), want))


if __name__ == "__main__":
    main()
