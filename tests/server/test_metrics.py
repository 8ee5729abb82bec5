#!/usr/bin/python3
"""/metrics and the access log after a known workload (issue 7).

Starts `skyshard serve` on a free loopback port over a generated release (gen dp02 -> load) with
an access log, runs a workload whose every request and query the test counts itself — sync cone
searches, DP0 light curves, one query with a syntax error, one async job — and checks that the
Prometheus counters moved by exactly that workload (counts by endpoint and status, response
bytes as received by the client, queries and rows by kind of plan, latency histograms), that
the gauges describe the idle server (no running query, the job COMPLETED, the store's size on
disk as os.walk measures it), and that the access log holds one JSON line per request with the
right fields (the ADQL hash recomputed here as FNV-1a).

Usage: test_metrics.py PATH/TO/skyshard
"""
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_tap_service as tts  # noqa: E402  (make_release, Server, free_port, http)

SKYSHARD = None
RELEASE = "dp02_dc2_catalogs"


def fnv1a64(text):
    h = 14695981039346656037
    for b in text.encode():
        h ^= b
        h = (h * 1099511628211) % (1 << 64)
    return "%016x" % h


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{(name, frozenset(labels)): value}, {family: type}; asserts the text's format."""
    samples, types, helps = {}, {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helps.add(line.split()[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert kind in ("counter", "gauge", "histogram"), line
            types[name] = kind
            continue
        assert line and not line.startswith("#"), "unexpected line: %r" % line
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name, labels, value = m.group(1), m.group(3) or "", m.group(4)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
        assert family in types, "sample %s has no TYPE line" % name
        assert family in helps, "sample %s has no HELP line" % name
        key = (name, frozenset(LABEL.findall(labels)))
        assert key not in samples, "duplicate sample %r" % line
        samples[key] = float(value.replace("+Inf", "inf"))
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skyshard-metrics-")
        cls.data = tts.make_release(SKYSHARD, cls.tmp, 3000, 4)
        cls.access_log = os.path.join(cls.tmp, "access.log")
        cls.config = os.path.join(cls.tmp, "skyshard.json")
        with open(cls.config, "w") as f:
            json.dump({"access_log": cls.access_log, "max_wait_s": 10}, f)
        cls.port = tts.free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        tts.SERVER = SKYSHARD
        cls.server = tts.Server(cls.data, cls.port, cls.config)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def scrape(self):
        status, headers, body = tts.http("GET", self.base + "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        return parse_metrics(body.decode())

    def log_lines(self):
        with open(self.access_log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def wait_log(self, n):
        """The access log once it has n lines (a line is written just after its response)."""
        deadline = time.time() + 10
        while True:
            lines = self.log_lines()
            if len(lines) >= n or time.time() > deadline:
                return lines
            time.sleep(0.05)

    def test_workload(self):
        before, types = self.scrape()
        # The access log up to the scrape's own line (written just after its response, so
        # perhaps after the client has it).
        deadline = time.time() + 10
        while True:
            lines = self.log_lines()
            scraped = [i for i, line in enumerate(lines) if line["path"] == "/metrics"]
            if scraped or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(scraped), 1, lines)
        log_start = scraped[0] + 1
        requests = []  # (method, path, status, bytes, endpoint, query or None, rows, job)

        def sync(adql, expect=200):
            status, _, body = tts.http("POST", self.base + "/tap/sync",
                                   {"LANG": "ADQL", "QUERY": adql, "RESPONSEFORMAT": "csv"})
            self.assertEqual(status, expect, body[:500])
            rows = len(body.decode().splitlines()) - 1 if status == 200 else 0
            requests.append(("POST", "/tap/sync", status, len(body), "sync", adql, rows, None))
            return status, body, rows

        # One full-scan query for object ids (kind "other"), k cones, m light curves.
        _, body, _ = sync(f"SELECT TOP 3 objectId FROM {RELEASE}.Object")
        ids = [int(x) for x in body.decode().splitlines()[1:]]
        self.assertEqual(len(ids), 3)
        cones = [(62.0, -37.0, 0.2), (55.0, -30.0, 0.5), (70.5, -40.0, 0.3)]
        cone_rows = 0
        for ra, dec, r in cones:
            _, _, rows = sync(f"SELECT objectId, coord_ra, coord_dec FROM {RELEASE}.Object WHERE "
                              f"CONTAINS(POINT('ICRS', coord_ra, coord_dec), "
                              f"CIRCLE('ICRS', {ra}, {dec}, {r})) = 1")
            cone_rows += rows
        lc_rows = 0
        for oid in ids[:2]:
            _, _, rows = sync(
                "SELECT src.band, visinfo.expMidptMJD, src.psfFlux "
                f"FROM {RELEASE}.ForcedSource AS src JOIN {RELEASE}.CcdVisit AS visinfo "
                f"ON visinfo.ccdVisitId = src.ccdVisitId WHERE src.objectId = {oid}")
            self.assertGreater(rows, 0)
            lc_rows += rows
        bad = "SELECT objectId\nFROM FROM nowhere"
        status, body, _ = sync(bad, expect=400)
        self.assertIn(b"line 2, column 6", body)

        # One async job (a cone): create, poll, fetch the result.
        async_adql = (f"SELECT objectId FROM {RELEASE}.Object WHERE CONTAINS(POINT('ICRS', "
                      f"coord_ra, coord_dec), CIRCLE('ICRS', 62, -37, 0.3)) = 1")
        status, headers, body = tts.http("POST", self.base + "/tap/async",
                                     {"LANG": "ADQL", "QUERY": async_adql, "PHASE": "RUN",
                                      "RESPONSEFORMAT": "csv"})
        self.assertEqual(status, 303)
        job_url = headers["Location"]
        job = job_url.rsplit("/", 1)[1]
        requests.append(("POST", "/tap/async", 303, len(body), "async", None, 0, job))
        for _ in range(200):
            status, _, phase = tts.http("GET", job_url + "/phase")
            requests.append(("GET", f"/tap/async/{job}/phase", status, len(phase), "async",
                             None, 0, job))
            if phase in (b"COMPLETED", b"ERROR", b"ABORTED"):
                break
            time.sleep(0.05)
        self.assertEqual(phase, b"COMPLETED")
        status, _, body = tts.http("GET", job_url + "/results/result")
        self.assertEqual(status, 200)
        async_rows = len(body.decode().splitlines()) - 1
        requests.append(("GET", f"/tap/async/{job}/results/result", status, len(body), "async",
                         None, 0, job))
        # A portal page and a missing path.
        status, _, body = tts.http("GET", self.base + "/portal/index.html")
        self.assertEqual(status, 200)
        requests.append(("GET", "/portal/index.html", 200, len(body), "portal", None, 0, None))
        status, _, body = tts.http("GET", self.base + "/nowhere")
        self.assertEqual(status, 404)
        requests.append(("GET", "/nowhere", 404, len(body), "other", None, 0, None))

        after, types = self.scrape()

        # ---- Format: histogram buckets cumulative, +Inf equal to the count ----------------
        for (name, labels), v in after.items():
            if name.endswith("_bucket"):
                base = name[:-len("_bucket")]
                other = frozenset(kv for kv in labels if kv[0] != "le")
                le = dict(labels)["le"]
                if le == "+Inf":
                    self.assertEqual(v, after[(base + "_count", other)], name)
        for family, kind in types.items():
            if kind != "histogram":
                continue
            series = {}
            for (name, labels), v in after.items():
                if name == family + "_bucket":
                    d = dict(labels)
                    le = float(d.pop("le").replace("+Inf", "inf"))
                    series.setdefault(frozenset(d.items()), []).append((le, v))
            for buckets in series.values():
                counts = [c for _, c in sorted(buckets)]
                self.assertEqual(counts, sorted(counts), family)

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        # ---- Requests by endpoint and status; bytes as the client received them -----------
        expected = {}
        bytes_by_endpoint = {}
        for method, path, status, n, endpoint, *_ in requests:
            expected[(endpoint, str(status))] = expected.get((endpoint, str(status)), 0) + 1
            bytes_by_endpoint[endpoint] = bytes_by_endpoint.get(endpoint, 0) + n
        for (endpoint, code), n in expected.items():
            self.assertEqual(delta("skyshard_http_requests_total", endpoint=endpoint, code=code),
                             n, (endpoint, code))
        moved = {dict(k[1])["endpoint"] + "/" + dict(k[1])["code"]
                 for k, v in after.items() if k[0] == "skyshard_http_requests_total"
                 and v != value(before, k[0], **dict(k[1]))}
        self.assertEqual(moved - {"metrics/200"},
                         {f"{e}/{c}" for e, c in expected})
        self.assertEqual(delta("skyshard_http_requests_total", endpoint="metrics", code="200"), 1)
        for endpoint, n in bytes_by_endpoint.items():
            self.assertEqual(delta("skyshard_http_response_bytes_total", endpoint=endpoint), n,
                             endpoint)
        self.assertEqual(delta("skyshard_http_request_duration_seconds_count", endpoint="sync"),
                         expected[("sync", "200")] + expected[("sync", "400")])

        # ---- Queries by kind of plan ---------------------------------------------------------
        want = {("cone", "ok"): len(cones) + 1, ("lightcurve", "ok"): 2, ("other", "ok"): 1,
                ("none", "error"): 1}
        for kind in ("none", "cone", "lightcurve", "crossmatch", "other"):
            for status in ("ok", "error"):
                self.assertEqual(delta("skyshard_queries_total", kind=kind, status=status),
                                 want.get((kind, status), 0), (kind, status))
            self.assertEqual(delta("skyshard_query_duration_seconds_count", kind=kind),
                             sum(n for (k, _), n in want.items() if k == kind), kind)
        self.assertEqual(delta("skyshard_query_rows_total", kind="cone"), cone_rows + async_rows)
        self.assertEqual(delta("skyshard_query_rows_total", kind="lightcurve"), lc_rows)
        self.assertEqual(delta("skyshard_query_rows_total", kind="other"), 3)
        self.assertGreater(delta("skyshard_query_duration_seconds_sum", kind="cone"), 0)

        # ---- Gauges ----------------------------------------------------------------------------
        self.assertEqual(value(after, "skyshard_queries_running"), 0)
        self.assertEqual(value(after, "skyshard_queries_queued"), 0)
        self.assertEqual(value(after, "skyshard_async_jobs", phase="COMPLETED"), 1)
        hits = value(after, "skyshard_block_cache_hits_total")
        misses = value(after, "skyshard_block_cache_misses_total")
        self.assertGreater(hits + misses, 0)
        self.assertAlmostEqual(value(after, "skyshard_block_cache_hit_ratio"),
                               hits / (hits + misses), places=6)
        release_dirs = [d for d in os.listdir(self.data) if d.startswith(RELEASE + ".v")]
        self.assertEqual(len(release_dirs), 1)
        on_disk = 0
        for root, _, files in os.walk(os.path.join(self.data, release_dirs[0])):
            on_disk += sum(os.path.getsize(os.path.join(root, f)) for f in files)
        reported = value(after, "skyshard_store_size_bytes", release=RELEASE)
        # RocksDB may append to its LOG between the two measurements; the data files do not
        # change.
        self.assertLessEqual(abs(reported - on_disk), 4096, (reported, on_disk))
        self.assertGreater(reported, 100000)

        # ---- Access log: one line per request, with its fields -------------------------------
        # A line is written once its response is out, so lines of back-to-back requests may
        # swap: compare as multisets.
        lines = self.wait_log(log_start + len(requests) + 1)
        workload = lines[log_start:]
        self.assertEqual(len(workload), len(requests) + 1, workload)  # + the second scrape
        scrapes = [line for line in workload if line["path"] == "/metrics"]
        self.assertEqual(len(scrapes), 1)
        self.assertEqual(scrapes[0]["endpoint"], "metrics")
        for line in workload:
            self.assertRegex(line["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertRegex(line["client"], r"^127\.0\.0\.1:\d+$")
            self.assertGreaterEqual(line["duration_ms"], 0)
        def logged(line):
            return (line["method"], line["path"], line["status"], line["bytes"],
                    line["endpoint"], line.get("adql_hash"), line.get("rows"), line.get("job"))

        def expected_line(r):
            method, path, status, n, endpoint, adql, rows, job = r
            return (method, path, status, n, endpoint, fnv1a64(adql) if adql else None,
                    rows if adql else None, job)

        self.assertEqual(sorted(map(logged, [l for l in workload if l["path"] != "/metrics"]),
                                key=repr),
                         sorted(map(expected_line, requests), key=repr))
        # The kind of each query, by its hash.
        kinds = {line["adql_hash"]: line["kind"] for line in workload if "adql_hash" in line}
        queries = [r[5] for r in requests if r[5] is not None]
        self.assertEqual([kinds[fnv1a64(q)] for q in queries],
                         ["other"] + ["cone"] * len(cones) + ["lightcurve"] * 2 + ["none"])
        errors = [line for line in workload if "error" in line]
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0]["adql_hash"], fnv1a64(bad))
        self.assertIn("line 2, column 6", errors[0]["error"])

if __name__ == "__main__":
    SKYSHARD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
