#!/usr/bin/python3
"""Upload cross-match benchmark: a TAP_UPLOAD table of N positions joined with Object.

Builds an upload table from the object CSV of the peer's gen_data.py: N objects drawn
at random (seeded), each moved by up to --jitter-arcsec in a random direction, and every fifth
row replaced by a random position on the sphere (most of which match nothing). The table goes
up as a VOTable (BINARY2) in a multipart POST to /sync (UPLOAD=up,param:up), with

  SELECT u.up_id, o.<id> FROM TAP_UPLOAD.up AS u JOIN <object-table> AS o
  ON 1 = CONTAINS(POINT('ICRS', o.<ra>, o.<dec>), CIRCLE('ICRS', u.up_ra, u.up_dec, <r>))

--repeat times (after one warm-up), one request at a time, and reports p50/min latency, the
rows returned and the upload size. The rows of every repeat must be the same, or it fails.
MAXREC is set high (DaCHS truncates at 20000 rows by default).

The upload depends only on (--objects-csv, --rows, --seed, --jitter-arcsec), so two servers
get the same table; build_upload() is also what tap_verify.py uses for its brute-force count.
Only loopback URLs are accepted. Standard library only (urllib), plus the peer's bench_tap.py.
"""
import argparse
import base64
import json
import math
import os
import random
import statistics
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
# The DaCHS peer's client (../shared/peers/dachs/bench_tap.py, or $DACHS_PEER), reused.
PEER_DIR = os.environ.get("DACHS_PEER") or os.path.join(HERE, "..", "..", "..", "shared", "peers", "dachs")
sys.path.insert(0, HERE)
sys.path.insert(0, PEER_DIR)
import bench_tap as client  # noqa: E402  (the peer's client: samples, row counting)


def build_upload(objects_csv, n, seed, jitter_arcsec):
    """[(up_id, ra, dec)] with n rows; ra/dec are rounded to the text sent (%.10f)."""
    rng = random.Random("xmatch/%d" % seed)
    sample = client.sample_from_file(objects_csv, "objectId", "coord_ra", "coord_dec", n, rng)
    rows = []
    for i, (_, ra, dec) in enumerate(sample):
        if i % 5 == 4:
            ra = rng.uniform(0.0, 360.0)
            dec = math.degrees(math.asin(rng.uniform(-1.0, 1.0)))
        else:
            d = math.radians(rng.uniform(0.0, jitter_arcsec) / 3600.0)
            pa = rng.uniform(0.0, 2 * math.pi)
            a0, b0 = math.radians(ra), math.radians(dec)
            sb = math.sin(b0) * math.cos(d) + math.cos(b0) * math.sin(d) * math.cos(pa)
            b = math.asin(max(-1.0, min(1.0, sb)))
            a = a0 + math.atan2(math.sin(pa) * math.sin(d) * math.cos(b0),
                                math.cos(d) - math.sin(b0) * sb)
            ra, dec = math.degrees(a) % 360.0, math.degrees(b)
        rows.append((i + 1, float("%.10f" % ra), float("%.10f" % dec)))
    return rows


def votable(rows):
    """The upload as a VOTable with BINARY2 serialization: compact enough that 10 k rows stay
    under DaCHS's 500 kB limit on sync uploads ([web]maxSyncUploadSize), and exact."""
    data = b"".join(struct.pack(">Bqdd", 0, *r) for r in rows)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">'
            '<RESOURCE type="results"><TABLE name="up">'
            '<FIELD name="up_id" datatype="long" ucd="meta.id"/>'
            '<FIELD name="up_ra" datatype="double" unit="deg" ucd="pos.eq.ra"/>'
            '<FIELD name="up_dec" datatype="double" unit="deg" ucd="pos.eq.dec"/>'
            '<DATA><BINARY2><STREAM encoding="base64">\n').encode() + \
        base64.encodebytes(data) + \
        b"</STREAM></BINARY2></DATA></TABLE></RESOURCE></VOTABLE>\n"


def multipart(fields, files):
    boundary = "----skyshard-bench-" + uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                      % (boundary, k, v)).encode())
    for k, (fname, data) in files.items():
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                      "Content-Type: application/x-votable+xml\r\n\r\n"
                      % (boundary, k, fname)).encode() + data + b"\r\n")
    parts.append(("--%s--\r\n" % boundary).encode())
    return b"".join(parts), "multipart/form-data; boundary=" + boundary


def query_text(args):
    return ("SELECT u.up_id, o.{id} FROM TAP_UPLOAD.up AS u JOIN {t} AS o ON 1 = CONTAINS("
            "POINT('ICRS', o.{ra}, o.{dec}), CIRCLE('ICRS', u.up_ra, u.up_dec, {r}))").format(
                id=args.id_col, t=args.object_table, ra=args.ra_col, dec=args.dec_col,
                r="%.10g" % (args.radius_arcsec / 3600.0))


def post(args, body, ctype):
    req = urllib.request.Request(args.tap.rstrip("/") + "/sync", data=body, method="POST",
                                 headers={"Content-Type": ctype})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=args.timeout) as resp:
        data = resp.read()
        rctype = resp.headers.get("Content-Type", "")
    dt = time.perf_counter() - t
    rows, status = client.count_rows(data, rctype)
    if status in ("ERROR", "UNPARSED"):
        raise ValueError("query failed (%s): %r" % (status, data[:400]))
    if status == "OVERFLOW":
        raise ValueError("result truncated (QUERY_STATUS=OVERFLOW): raise MAXREC")
    return dt, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tap", required=True)
    ap.add_argument("--objects-csv", required=True, help="gen_data.py's object.csv")
    ap.add_argument("--rows", type=int, default=10000, help="upload rows (default 10000)")
    ap.add_argument("--radius-arcsec", type=float, default=2.0)
    ap.add_argument("--jitter-arcsec", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs after a warm-up")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--format", default="votable/b2")
    ap.add_argument("--maxrec", type=int, default=10000000)
    ap.add_argument("--object-table", default="lsst.object")
    ap.add_argument("--id-col", default="objectId")
    ap.add_argument("--ra-col", default="coord_ra")
    ap.add_argument("--dec-col", default="coord_dec")
    ap.add_argument("--label", default="")
    ap.add_argument("--json-out", default=None, help="append one JSON line here")
    args = ap.parse_args()
    host = urllib.parse.urlparse(args.tap).hostname or ""
    if not (host == "localhost" or host == "::1" or host.startswith("127.")):
        sys.exit("tap_xmatch: refusing non-loopback TAP URL %s" % args.tap)
    if args.rows < 1 or args.repeat < 1:
        sys.exit("tap_xmatch: --rows and --repeat must be at least 1")

    rows = build_upload(args.objects_csv, args.rows, args.seed, args.jitter_arcsec)
    table = votable(rows)
    q = query_text(args)
    body, ctype = multipart({"REQUEST": "doQuery", "LANG": "ADQL", "QUERY": q,
                             "RESPONSEFORMAT": args.format, "MAXREC": str(args.maxrec),
                             "UPLOAD": "up,param:up"}, {"up": ("up.xml", table)})
    lat, counts = [], []
    try:
        post(args, body, ctype)  # warm-up
        for _ in range(args.repeat):
            dt, n = post(args, body, ctype)
            lat.append(dt)
            counts.append(n)
    except (urllib.error.URLError, OSError, ValueError) as ex:
        msg = str(ex)
        if isinstance(ex, urllib.error.HTTPError):
            msg += " " + ex.read()[:400].decode("utf-8", "replace")
        sys.exit("tap_xmatch: %s: %s" % (args.tap, msg))
    if len(set(counts)) != 1:
        sys.exit("tap_xmatch: repeats returned different row counts: %s" % counts)
    res = {"workload": "xmatch_upload", "tap": args.tap, "label": args.label,
           "upload_rows": args.rows, "upload_bytes": len(table),
           "radius_arcsec": args.radius_arcsec, "repeat": args.repeat,
           "p50_ms": round(statistics.median(lat) * 1000, 2),
           "min_ms": round(min(lat) * 1000, 2), "max_ms": round(max(lat) * 1000, 2),
           "rows": counts[0],
           "upload_rows_per_s": round(args.rows / statistics.median(lat), 1),
           "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    print("xmatch_upload  upload %d rows (%.0f KiB)  r=%.3g\"  p50 %.1f ms  min %.1f ms  "
          "rows %d" % (args.rows, len(table) / 1024, args.radius_arcsec, res["p50_ms"],
                       res["min_ms"], res["rows"]), flush=True)
    if args.json_out:
        with open(args.json_out, "a") as f:
            f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
