#!/usr/bin/python3
"""End-to-end tests of the TAP service: `skyshard serve` on a free loopback port over a generated
release (gen dp02 -> load), driven over HTTP by pyvo, STILTS (tapquery, cone, votlint) and plain
requests (bad requests, a client leaving mid-stream), with results checked against brute-force
computations over full-table reads; the DALI examples and Simple Cone Search are run and checked
the same way. Last comes `stilts taplint`, whose errors must all be among the known ones listed in the test with their
reasons (SKYSHARD_TAPLINT_STRICT=1 makes any taplint error fail the test).

Usage: test_tap_service.py PATH/TO/skyshard [PATH/TO/SERVER] [TapServiceTest.test_x ...]
  SERVER defaults to skyshard; it is run as `SERVER serve --data DIR --port N --bind 127.0.0.1`.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

SKYSHARD = None
SERVER = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, data=None, headers=None):
    """(status, headers, body) without following redirects."""
    body = None
    if data is not None:
        body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def angular_distance(ra1, dec1, ra2, dec2):
    """Great-circle distance in degrees (haversine; numpy arrays welcome)."""
    import numpy as np
    ra1, dec1, ra2, dec2 = (np.radians(x) for x in (ra1, dec1, ra2, dec2))
    h = (np.sin((dec2 - dec1) / 2) ** 2 +
         np.cos(dec1) * np.cos(dec2) * np.sin((ra2 - ra1) / 2) ** 2)
    return np.degrees(2 * np.arcsin(np.sqrt(np.minimum(1.0, h))))


def scs_error(body):
    """The value of the SCS 1.03 error INFO (name="Error", a child of VOTABLE)."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(body)
    infos = [e for e in root if e.tag.endswith("INFO") and e.get("name") == "Error"]
    assert len(infos) == 1, body
    return infos[0].get("value")


def plain(value):
    """A table cell as a Python float, or None when it is NULL (masked)."""
    import numpy as np
    return None if np.ma.is_masked(value) else float(value)


def make_release(skyshard, root, objects, epochs):
    """Generates a DP0.2-like release (`skyshard gen dp02`) under root/gen and loads it into the
    data directory root/data, which it returns. Shared by the tests of tests/server/."""
    gen = os.path.join(root, "gen")
    data = os.path.join(root, "data")
    for args in (["gen", "dp02", "--out", gen, "--objects", str(objects), "--epochs", str(epochs)],
                 ["load", "--data", data, os.path.join(gen, "manifest.yaml")]):
        p = subprocess.run([skyshard, *args], capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise AssertionError(f"skyshard {' '.join(args)} failed:\n{p.stderr}")
    return data


class Server:
    """`SERVER serve` on a loopback port (the module's SERVER, set by the test's main)."""

    def __init__(self, data, port, config=None):
        self.data, self.port, self.config = data, port, config
        self.proc = None
        self.log = None

    def start(self):
        args = [SERVER, "serve", "--data", self.data, "--port", str(self.port), "--bind",
                "127.0.0.1"]
        if self.config:
            args += ["--config", self.config]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited:\n" + self.output())
            try:
                status, _, _ = http("GET", self.url + "/availability")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("server did not start:\n" + self.output())

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/tap"

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("server did not stop on signal %d" % sig)
        return self.proc.returncode if self.proc else None


class TapServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skyshard-tap-")
        cls.data = make_release(SKYSHARD, cls.tmp, 2000, 3)
        cls.config = os.path.join(cls.tmp, "skyshard.json")
        with open(cls.config, "w") as f:
            f.write('{"max_wait_s": 10, "sync_timeout_s": 60}\n')
        cls.server = Server(cls.data, free_port(), cls.config)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.server.stop()
            assert code == 0, "server exit status %s:\n%s" % (code, cls.server.output())
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- VOSI -------------------------------------------------------------------------------

    def test_capabilities_and_availability(self):
        status, headers, body = http("GET", self.server.url + "/capabilities")
        self.assertEqual(status, 200)
        self.assertIn(b'standardID="ivo://ivoa.net/std/TAP"', body)
        self.assertIn(b"features-udf", body)
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*")
        status, _, body = http("GET", self.server.url + "/availability")
        self.assertIn(b"<vosi:available>true</vosi:available>", body)

    def test_pyvo_sees_tables(self):
        import pyvo
        service = pyvo.dal.TAPService(self.server.url)
        names = [t.name for t in service.tables]
        self.assertIn("dp02_dc2_catalogs.Object", names)
        self.assertIn("TAP_SCHEMA.columns", names)
        obj = service.tables["dp02_dc2_catalogs.Object"]
        columns = [c.name for c in obj.columns]
        self.assertIn("coord_ra", columns)
        status, _, body = http("GET", self.server.url + "/tables?detail=min")
        self.assertEqual(status, 200)
        self.assertNotIn(b"<column>", body)
        status, _, _ = http("GET", self.server.url + "/tables/dp02_dc2_catalogs.Object")
        self.assertEqual(status, 200)
        status, _, _ = http("GET", self.server.url + "/tables/nope.nothing")
        self.assertEqual(status, 404)

    # ---- sync ---------------------------------------------------------------------------

    def test_sync_errors(self):
        for params, code, text in [
            ({"QUERY": "SELECT 1"}, 400, b"missing LANG"),
            ({"LANG": "ADQL"}, 400, b"missing QUERY"),
            ({"LANG": "FOO", "QUERY": "SELECT 1"}, 400, b"unknown query language"),
            ({"LANG": "ADQL", "QUERY": "SELECT 1", "MAXREC": "x"}, 400, b"MAXREC"),
            ({"LANG": "ADQL", "QUERY": "SELEKT"}, 400, b"QUERY_STATUS"),
        ]:
            status, headers, body = http("POST", self.server.url + "/sync", params)
            self.assertEqual(status, code, (params, body))
            self.assertIn("votable", headers.get("Content-Type", ""))
            self.assertIn(b'value="ERROR"', body)
            self.assertIn(text, body)

    def test_sync_query_with_pyvo(self):
        import pyvo
        service = pyvo.dal.TAPService(self.server.url)
        result = service.run_sync("SELECT TOP 5 objectId, coord_ra FROM dp02_dc2_catalogs.Object")
        self.assertEqual(len(result), 5)
        self.assertEqual(list(result.fieldnames[:2]), ["objectId", "coord_ra"])

    def test_sync_maxrec_overflow(self):
        import pyvo
        service = pyvo.dal.TAPService(self.server.url)
        result = service.run_sync("SELECT objectId FROM dp02_dc2_catalogs.Object", maxrec=3)
        self.assertEqual(len(result), 3)

    # ---- async ------------------------------------------------------------------------------

    def test_async_job_with_pyvo(self):
        import pyvo
        service = pyvo.dal.TAPService(self.server.url)
        job = service.submit_job("SELECT TOP 7 objectId FROM dp02_dc2_catalogs.Object",
                                 runid="r1")
        self.assertEqual(job.phase, "PENDING")
        job.run()
        job.wait(phases=["COMPLETED", "ERROR", "ABORTED"], timeout=60)
        self.assertEqual(job.phase, "COMPLETED")
        self.assertEqual(len(job.fetch_result()), 7)
        url = job.url
        job.delete()
        status, _, _ = http("GET", url)
        self.assertEqual(status, 404)

    def test_async_error_job(self):
        status, headers, _ = http("POST", self.server.url + "/async",
                                  {"LANG": "ADQL", "QUERY": "SELECT nope FROM nothing",
                                   "PHASE": "RUN"})
        self.assertEqual(status, 303)
        job = headers["Location"]
        status, _, body = http("GET", job + "?WAIT=10&PHASE=QUEUED")
        for _ in range(100):
            status, _, phase = http("GET", job + "/phase")
            if phase in (b"ERROR", b"COMPLETED"):
                break
            time.sleep(0.1)
        self.assertEqual(phase, b"ERROR")
        status, _, body = http("GET", job + "/error")
        self.assertEqual(status, 200)
        self.assertIn(b'value="ERROR"', body)
        status, headers, _ = http("DELETE", job)
        self.assertEqual(status, 303)
        self.assertTrue(headers["Location"].endswith("/tap/async"))

    def test_uws_resources_and_filters(self):
        status, headers, _ = http("POST", self.server.url + "/async",
                                  {"LANG": "ADQL", "QUERY": "SELECT 1"})
        job = headers["Location"]
        for sub, expected in [("/phase", b"PENDING"), ("/quote", b""), ("/owner", b"")]:
            status, _, body = http("GET", job + sub)
            self.assertEqual((status, body), (200, expected), sub)
        status, _, body = http("GET", self.server.url + "/async?PHASE=PENDING&LAST=1")
        self.assertIn(job.rsplit("/", 1)[1].encode(), body)
        self.assertEqual(http("GET", self.server.url + "/async/../../etc/passwd")[0], 404)
        self.assertEqual(http("GET", self.server.url + "/async/nosuchjob")[0], 404)
        self.assertEqual(http("POST", job, {"ACTION": "DELETE"})[0], 303)

    # ---- HTTP -------------------------------------------------------------------------------

    def test_chunked_upload_body_and_limits(self):
        # A chunked POST body (as TOPCAT sends uploads).
        host, port = "127.0.0.1", self.server.port
        body = b"LANG=ADQL&QUERY=SELEKT"
        with socket.create_connection((host, port), timeout=30) as s:
            s.sendall(b"POST /tap/sync HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"
                      + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
            reply = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 400"), reply[:200])
        self.assertIn(b'value="ERROR"', reply)

    def test_upload_with_pyvo(self):
        import pyvo
        from astropy.table import Table
        service = pyvo.dal.TAPService(self.server.url)
        mine = Table({"ra": [10.0, 20.0], "dec": [-1.0, 2.0], "name": ["a", "b"]})
        result = service.run_sync("SELECT * FROM TAP_UPLOAD.mine", uploads={"mine": mine})
        self.assertEqual(len(result), 2)

    def test_restart_after_kill_keeps_jobs(self):
        url = self.server.url
        status, headers, _ = http("POST", url + "/async",
                                  {"LANG": "ADQL", "FORMAT": "csv", "PHASE": "RUN",
                                   "QUERY": "SELECT TOP 4 objectId FROM dp02_dc2_catalogs.Object"})
        done = headers["Location"]
        http("GET", done + "?WAIT=10&PHASE=QUEUED")
        http("GET", done + "?WAIT=10&PHASE=EXECUTING")
        status, _, phase = http("GET", done + "/phase")
        status, headers, _ = http("POST", url + "/async", {"LANG": "ADQL", "QUERY": "SELECT 1"})
        pending = headers["Location"]
        self.server.stop(signal.SIGKILL)
        self.server.start()
        status, _, after = http("GET", done + "/phase")
        self.assertEqual((status, after), (200, phase))
        if phase == b"COMPLETED":
            status, _, body = http("GET", done + "/results/result")
            self.assertEqual(status, 200)
            self.assertEqual(len(body.decode().splitlines()), 5)
        status, _, body = http("GET", pending + "/phase")
        self.assertEqual((status, body), (200, b"PENDING"))
        # A clean stop (SIGTERM) also keeps everything.
        self.assertEqual(self.server.stop(), 0)
        self.server.start()
        self.assertEqual(http("GET", pending + "/phase")[2], b"PENDING")

    def test_twenty_jobs_survive_kill_mid_run(self):
        """20 async jobs, the server killed (-9) while they run: after the restart every job is
        still listed and ends COMPLETED with the right answer (re-run) or ERROR with a message;
        none is lost or left stuck."""
        import xml.etree.ElementTree as ET
        url = self.server.url
        bands = self.full_table("ForcedSource", "band")["band"]
        per_band = {}
        for b in bands:
            per_band[str(b)] = per_band.get(str(b), 0) + 1
        pairs = sum(n * n for n in per_band.values())  # a self-join on band: a quadratic job
        jobs = {}
        for i in range(20):
            query = (f"SELECT COUNT(*) AS n, {i} AS k FROM dp02_dc2_catalogs.ForcedSource AS a "
                     "JOIN dp02_dc2_catalogs.ForcedSource AS b ON a.band = b.band")
            status, headers, _ = http("POST", url + "/async",
                                      {"LANG": "ADQL", "FORMAT": "csv", "PHASE": "RUN",
                                       "QUERY": query})
            self.assertEqual(status, 303)
            jobs[headers["Location"].rsplit("/", 1)[1]] = i
        # Kill once some job is executing (or after 2 s, whatever happened by then).
        first = next(iter(jobs))
        http("GET", f"{url}/async/{first}?WAIT=2&PHASE=QUEUED")
        unfinished = [j for j in jobs
                      if http("GET", f"{url}/async/{j}/phase")[2] in (b"QUEUED", b"EXECUTING")]
        self.server.stop(signal.SIGKILL)
        # The test means something only if the kill met running work.
        self.assertGreater(len(unfinished), 5)
        self.server.start()
        status, _, body = http("GET", url + "/async")
        self.assertEqual(status, 200)
        listed = {e.get("id") for e in ET.fromstring(body).iter()
                  if e.tag.endswith("jobref")}
        self.assertTrue(set(jobs) <= listed, set(jobs) - listed)
        outcomes = {}
        deadline = time.time() + 300
        for job, i in jobs.items():
            while True:
                status, _, _ = http("GET", f"{url}/async/{job}?WAIT=10")
                self.assertEqual(status, 200)
                phase = http("GET", f"{url}/async/{job}/phase")[2].decode()
                if phase in ("COMPLETED", "ERROR", "ABORTED"):
                    break
                self.assertIn(phase, ("QUEUED", "EXECUTING"))
                self.assertLess(time.time(), deadline, f"job {job} stuck in {phase}")
            outcomes[phase] = outcomes.get(phase, 0) + 1
            if phase == "COMPLETED":
                status, _, result = http("GET", f"{url}/async/{job}/results/result")
                self.assertEqual(status, 200)
                self.assertEqual(result.decode().splitlines()[1:], [f"{pairs},{i}"])
            else:
                self.assertEqual(phase, "ERROR", job)
                status, _, error = http("GET", f"{url}/async/{job}/error")
                self.assertEqual(status, 200)
                self.assertTrue(error.strip(), f"job {job}: ERROR without a message")
        self.assertEqual(sum(outcomes.values()), 20)
        print(f"\n20 jobs, {len(unfinished)} unfinished at the kill: {outcomes}", file=sys.stderr)

    # ---- shared brute-force data --------------------------------------------------------

    _full = {}

    def full_table(self, name, columns):
        """Every row of dp02_dc2_catalogs.<name> (the columns given) through pyvo, once."""
        import pyvo
        key = (name, columns)
        if key not in self._full:
            service = pyvo.dal.TAPService(self.server.url)
            result = service.run_sync(f"SELECT {columns} FROM dp02_dc2_catalogs.{name}")
            self.assertFalse(result.query_status == "OVERFLOW")
            self._full[key] = result.to_table()
        return self._full[key]

    def objects_in_cone(self, ra, dec, radius):
        """objectIds whose angular distance from (ra, dec) is < radius, and those within 1e-9
        degrees of the edge (either answer is right for them), by brute force."""
        import numpy as np
        t = self.full_table("Object", "objectId, coord_ra, coord_dec")
        d = angular_distance(ra, dec, np.asarray(t["coord_ra"], float),
                             np.asarray(t["coord_dec"], float))
        ids = np.asarray(t["objectId"], dtype=np.int64)
        inside = {int(i) for i in ids[d < radius - 1e-9]}
        edge = {int(i) for i in ids[np.abs(d - radius) <= 1e-9]}
        return inside, edge

    # ---- DALI examples ------------------------------------------------------------------

    def examples_document(self):
        import xml.etree.ElementTree as ET
        status, headers, body = http("GET", self.server.url + "/examples")
        self.assertEqual(status, 200, body[:500])
        self.assertIn(headers.get("Content-Type", "").split(";")[0],
                      ("application/xhtml+xml", "text/html"))
        root = ET.fromstring(body)  # DALI: well-formed XML
        vocab = [e for e in root.iter() if "vocab" in e.attrib]
        self.assertEqual([e.get("vocab") for e in vocab], ["http://www.ivoa.net/rdf/examples#"])
        examples = {}
        for e in vocab[0].iter():
            if e.get("typeof") != "example":
                continue
            self.assertEqual(e.get("resource"), "#" + e.get("id"))
            props = {}
            for p in e.iter():
                if p.get("property") in ("name", "query", "table"):
                    self.assertEqual(len(list(p)), 0, "plain text only")
                    props.setdefault(p.get("property"), []).append(p.text)
            self.assertEqual(len(props["name"]), 1)
            self.assertEqual(len(props["query"]), 1)
            examples[e.get("id")] = props
        return examples

    def test_examples_run_and_agree_with_brute_force(self):
        import pyvo
        from astropy.table import Table
        service = pyvo.dal.TAPService(self.server.url)
        examples = self.examples_document()
        self.assertEqual(set(examples), {"cone", "lightcurve", "crossmatch", "bands", "tables"})
        # pyvo reads the same queries.
        self.assertEqual(sorted(q["QUERY"] for q in service.examples),
                         sorted(e["query"][0] for e in examples.values()))
        names = {t.name for t in service.tables}
        for e in examples.values():
            for table in e.get("table", []):
                self.assertIn(table, names)

        # The cone: exactly the objects a brute-force distance puts inside.
        cone = examples["cone"]["query"][0]
        m = re.search(r"CIRCLE\('ICRS', ([-+\d.eE]+), ([-+\d.eE]+), ([\d.eE]+)\)", cone)
        ra, dec, radius = (float(g) for g in m.groups())
        inside, edge = self.objects_in_cone(ra, dec, radius)
        self.assertGreater(len(inside), 0)
        got = {int(i) for i in service.run_sync(cone)["objectId"]}
        self.assertEqual(got - edge, inside)

        # The light curve: the object's ForcedSource rows joined with CcdVisit in Python.
        curve = examples["lightcurve"]["query"][0]
        object_id = int(re.search(r"objectId = (\d+)", curve).group(1))
        fs = self.full_table("ForcedSource", "objectId, ccdVisitId, band, psfFlux, psfFluxErr")
        cv = self.full_table("CcdVisit", "ccdVisitId, expMidptMJD")
        mjd = {int(k): float(v) for k, v in zip(cv["ccdVisitId"], cv["expMidptMJD"])}
        expected = sorted(((mjd[int(r["ccdVisitId"])], str(r["band"]), plain(r["psfFlux"]),
                            plain(r["psfFluxErr"])) for r in fs
                           if int(r["objectId"]) == object_id), key=lambda t: t[0])
        self.assertGreater(len(expected), 0)
        result = service.run_sync(curve).to_table()
        rows = [(float(r[0]), str(r[1]), plain(r[2]), plain(r[3])) for r in result]
        self.assertEqual(rows, expected)  # ORDER BY the time: already sorted

        # The aggregate: counts and mean flux per band over the cone, from the same tables.
        bands = examples["bands"]["query"][0]
        m = re.search(r"CIRCLE\('ICRS', ([-+\d.eE]+), ([-+\d.eE]+), ([\d.eE]+)\)", bands)
        inside, edge = self.objects_in_cone(*(float(g) for g in m.groups()))
        self.assertEqual(edge, set())
        per_band = {}
        for r in fs:
            if int(r["objectId"]) in inside:
                per_band.setdefault(str(r["band"]), []).append(r["psfFlux"])
        result = service.run_sync(bands).to_table()
        self.assertEqual([str(b) for b in result["band"]], sorted(per_band))
        for r in result:
            fluxes = [plain(f) for f in per_band[str(r["band"])]]
            self.assertEqual(int(r["n"]), len(fluxes))
            finite = [f for f in fluxes if f is not None and f == f]
            self.assertAlmostEqual(float(r["mean_flux"]), sum(finite) / len(finite),
                                   delta=1e-9 * max(1.0, abs(sum(finite) / len(finite))))

        # The cross-match: upload real positions (and one far from everything); each matches its
        # own object at distance ~0, plus whatever brute force finds within 2 arcsec.
        objects = self.full_table("Object", "objectId, coord_ra, coord_dec")
        pick = objects[::400]
        mylist = Table({"ra": list(pick["coord_ra"]) + [45.0],
                        "dec": list(pick["coord_dec"]) + [30.0]})
        result = service.run_sync(examples["crossmatch"]["query"][0],
                                  uploads={"mylist": mylist}).to_table()
        got = sorted((round(float(r["ra"]), 9), round(float(r["dec"]), 9), int(r["objectId"]))
                     for r in result)
        expected = []
        for ra, dec in zip(mylist["ra"], mylist["dec"]):
            inside, edge = self.objects_in_cone(float(ra), float(dec), 2.0 / 3600)
            self.assertEqual(edge, set())
            expected += [(round(float(ra), 9), round(float(dec), 9), i) for i in inside]
        self.assertEqual(got, sorted(expected))
        for oid in pick["objectId"]:
            self.assertIn(int(oid), [g[2] for g in got])
        self.assertTrue(all(float(d) < 2.0 for d in result["dist_arcsec"]))

        self.assertGreater(len(service.run_sync(examples["tables"]["query"][0])), 5)

    # ---- Simple Cone Search ----------------------------------------------------------------

    SCS_TABLE = "dp02_dc2_catalogs.Object"

    def scs_url(self, table=None):
        return f"http://127.0.0.1:{self.server.port}/scs/{table or self.SCS_TABLE}?"

    def test_cone_search_with_stilts_matches_brute_force(self):
        objects = self.full_table("Object", "objectId, coord_ra, coord_dec")
        # A cone around the real object with the most neighbours among the first 100.
        radius = 1.0
        ra, dec = max(((float(r["coord_ra"]), float(r["coord_dec"])) for r in objects[:100]),
                      key=lambda p: len(self.objects_in_cone(p[0], p[1], radius)[0]))
        inside, edge = self.objects_in_cone(ra, dec, radius)
        self.assertGreater(len(inside), 1)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "cone.csv")
            p = subprocess.run(["stilts", "cone", "serviceurl=" + self.scs_url(), f"lon={ra!r}",
                                f"lat={dec!r}", f"radius={radius!r}", "verb=1", "ofmt=csv",
                                "out=" + out], capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(out) as f:
                lines = f.read().splitlines()
        self.assertEqual(lines[0], "objectId,coord_ra,coord_dec")
        got = {int(line.split(",")[0]) for line in lines[1:]}
        self.assertEqual(got - edge, inside)

        # The response's FIELDs carry the SCS 1.03 UCDs, ID_MAIN a character array.
        from astropy.io.votable import parse
        import io
        for verb, ncols in (("1", 3), ("3", len(self.full_table("Object", "*").colnames))):
            status, headers, body = http("GET", self.scs_url() +
                                         f"RA={ra!r}&DEC={dec!r}&SR={radius!r}&VERB={verb}")
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/xml"))
            table = parse(io.BytesIO(body)).get_first_table()
            ucds = [f.ucd for f in table.fields]
            for ucd in ("ID_MAIN", "POS_EQ_RA_MAIN", "POS_EQ_DEC_MAIN"):
                self.assertEqual(ucds.count(ucd), 1, ucds)
            # A character array, as SCS requires (skyshard writes every string as unicodeChar).
            id_field = table.fields[ucds.index("ID_MAIN")]
            self.assertIn(id_field.datatype, ("char", "unicodeChar"))
            self.assertEqual(id_field.arraysize, "*")
            self.assertEqual(len(table.fields), ncols)
            self.assertEqual({int(i) for i in table.array["objectId"]} - edge, inside)
        # pyvo's SCS client (VERB=2: key, position and the principal columns).
        import pyvo
        scs = pyvo.dal.SCSService(self.scs_url())
        result = scs.search(pos=(ra, dec), radius=radius, verbosity=2)
        self.assertEqual({int(i) for i in result["objectId"]} - edge, inside)
        self.assertIn("g_psfFlux", result.fieldnames)
        self.assertLess(len(result.fieldnames), ncols)
        with self.assertRaisesRegex(pyvo.dal.DALQueryError, "maximum search radius"):
            scs.search(pos=(ra, dec), radius=45)
        # Results and error documents are valid VOTables.
        for query in (f"RA={ra!r}&DEC={dec!r}&SR={radius!r}&VERB=3", "RA=1&DEC=91&SR=1"):
            status, _, body = http("GET", self.scs_url() + query)
            with tempfile.NamedTemporaryFile(suffix=".xml") as f:
                f.write(body)
                f.flush()
                p = subprocess.run(["stilts", "votlint", f.name], capture_output=True, text=True,
                                   timeout=300)
            self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), query)
        # SR=0: the metadata, no rows.
        status, _, body = http("GET", self.scs_url() + f"RA={ra!r}&DEC={dec!r}&SR=0")
        table = parse(io.BytesIO(body)).get_first_table()
        self.assertEqual(len(table.array), 0)
        self.assertGreater(len(table.fields), 3)
        # /scs names the services.
        status, _, body = http("GET", f"http://127.0.0.1:{self.server.port}/scs")
        self.assertEqual(status, 200)
        self.assertIn(self.scs_url().encode(), body)
        self.assertIn(self.scs_url("dp02_dc2_catalogs.DiaObject").encode(), body)

    def test_cone_search_errors(self):
        for query, message in [
            ("RA=10&DEC=95&SR=0.1", "DEC=95 is out of range"),
            ("RA=x&DEC=5&SR=0.1", "RA='x' is not a decimal number"),
            ("RA=10&DEC=5", "missing SR parameter"),
            ("RA=10&DEC=5&SR=-1", "SR=-1 is negative"),
            ("RA=10&DEC=5&SR=45", "larger than this service's maximum search radius"),
        ]:
            status, headers, body = http("GET", self.scs_url() + query)
            self.assertEqual(status, 200, query)
            self.assertIn(message, scs_error(body), query)
        status, _, body = http("GET", self.scs_url("dp02_dc2_catalogs.CcdVisit") +
                               "RA=1&DEC=1&SR=1")
        self.assertEqual(status, 404)
        self.assertIn("no cone-search service for table 'dp02_dc2_catalogs.CcdVisit'",
                      scs_error(body))
        # STILTS reports the service's error and fails.
        p = subprocess.run(["stilts", "cone", "serviceurl=" + self.scs_url(), "lon=10",
                            "lat=5", "radius=45", "ofmt=csv", "out=-"],
                           capture_output=True, text=True, timeout=300)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn("maximum search radius", p.stderr)

    # ---- STILTS tapquery -----------------------------------------------------------------

    def stilts_tapquery(self, adql, *extra):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out.vot")
            p = subprocess.run(["stilts", "tapquery", "tapurl=" + self.server.url,
                                "adql=" + adql, "ofmt=votable", "out=" + out, *extra],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            from astropy.table import Table
            return Table.read(out, format="votable")

    def assertSameRows(self, a, b):
        self.assertEqual(a.colnames, b.colnames)
        self.assertEqual(len(a), len(b))
        for ra_, rb in zip(a, b):
            self.assertEqual([str(v) for v in ra_], [str(v) for v in rb])

    def test_stilts_tapquery_sync_async_and_upload(self):
        import pyvo
        from astropy.table import Table
        service = pyvo.dal.TAPService(self.server.url)
        adql = ("SELECT TOP 50 objectId, coord_ra, coord_dec, g_psfFlux, refBand "
                "FROM dp02_dc2_catalogs.Object WHERE coord_dec > 0 ORDER BY objectId")
        expected = service.run_sync(adql).to_table()
        self.assertEqual(len(expected), 50)
        self.assertSameRows(self.stilts_tapquery(adql, "sync=true"), expected)
        self.assertSameRows(self.stilts_tapquery(adql, "sync=false", "poll=200"), expected)

        objects = self.full_table("Object", "objectId, coord_ra, coord_dec")
        mine = Table({"id": list(range(20)), "ra": objects["coord_ra"][:20],
                      "dec": objects["coord_dec"][:20]})
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "mine.vot")
            mine.write(path, format="votable")
            upload_adql = ("SELECT u.id, o.objectId FROM TAP_UPLOAD.mine AS u "
                           "JOIN dp02_dc2_catalogs.Object AS o ON 1 = CONTAINS("
                           "POINT('ICRS', o.coord_ra, o.coord_dec), "
                           "CIRCLE('ICRS', u.ra, u.dec, 1.0/3600)) ORDER BY u.id, o.objectId")
            got = self.stilts_tapquery(upload_adql, "sync=true", "nupload=1", "upload1=" + path,
                                       "upname1=mine")
        expected = service.run_sync(upload_adql, uploads={"mine": mine}).to_table()
        self.assertSameRows(got, expected)
        # Each uploaded position is one of the objects: it finds at least itself.
        for i in range(20):
            self.assertIn(int(objects["objectId"][i]),
                          [int(o) for u, o in zip(got["id"], got["objectId"]) if int(u) == i])

    # ---- bad requests ----------------------------------------------------------------------

    def raw_request(self, request):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as s:
            s.sendall(request)
            reply = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        return reply

    def test_bad_requests_are_answered_precisely(self):
        url = self.server.url
        # Malformed multipart: the final boundary never comes.
        body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"LANG\"\r\n\r\nADQL\r\n"
                b"--XyZ\r\nContent-Disposition: form-data; name=\"QUERY\"\r\n\r\nSELECT 1")
        status, _, reply = http("POST", url + "/sync", body,
                                {"Content-Type": "multipart/form-data; boundary=XyZ"})
        self.assertEqual(status, 400, reply)
        self.assertIn(b"malformed multipart", reply)
        # No boundary at all.
        status, _, reply = http("POST", url + "/sync", b"x", {"Content-Type": "multipart/form-data"})
        self.assertEqual(status, 400, reply)
        self.assertIn(b"boundary", reply)
        # A bad VOTable upload.
        body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"LANG\"\r\n\r\nADQL\r\n"
                b"--XyZ\r\nContent-Disposition: form-data; name=\"QUERY\"\r\n\r\n"
                b"SELECT * FROM TAP_UPLOAD.t\r\n"
                b"--XyZ\r\nContent-Disposition: form-data; name=\"UPLOAD\"\r\n\r\nt,param:f\r\n"
                b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"t.xml\"\r\n\r\n"
                b"<VOTABLE><RESOURCE><TABLE><FIELD name=\"a\" datatype=\"int\"/><DATA><TABLEDATA>"
                b"<TR><TD>12x</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>\r\n"
                b"--XyZ--\r\n")
        status, _, reply = http("POST", url + "/sync", body,
                                {"Content-Type": "multipart/form-data; boundary=XyZ"})
        self.assertEqual(status, 400, reply)
        self.assertIn(b"UPLOAD t", reply)
        self.assertIn(b"12x", reply)
        # Invalid LANG, FORMAT, MAXREC.
        for params, text in [
            ({"LANG": "SQL", "QUERY": "SELECT 1"}, b"unknown query language LANG=SQL"),
            ({"LANG": "ADQL", "QUERY": "SELECT 1", "FORMAT": "image/png"}, b"image/png"),
            ({"LANG": "ADQL", "QUERY": "SELECT 1", "RESPONSEFORMAT": "votable/xyz"},
             b"votable/xyz"),
            ({"LANG": "ADQL", "QUERY": "SELECT 1", "MAXREC": "-1"}, b"MAXREC must be"),
            ({"LANG": "ADQL", "QUERY": "SELECT 1", "MAXREC": "1e3"}, b"'1e3'"),
        ]:
            status, _, reply = http("POST", url + "/sync", params)
            self.assertEqual(status, 400, (params, reply))
            self.assertIn(b'value="ERROR"', reply)
            self.assertIn(text, reply, params)
        # Unknown job ids and path tricks: 404 naming what was asked for, nothing else served.
        for path, text in [
            ("/async/nosuchjob", b"no job 'nosuchjob'"),
            ("/async/nosuchjob/phase", b"no job 'nosuchjob'"),
            ("/async/../../etc/passwd", b"no job '..'"),
            ("/async/%2e%2e/%2e%2e/etc/passwd", b"no job '..'"),
            ("/async/..%2f..%2fetc%2fpasswd", b"no job '..'"),
            ("/async/%00", b"no job"),
        ]:
            for method in ("GET", "DELETE"):
                status, _, reply = http(method, url + path)
                self.assertEqual(status, 404, (method, path, reply))
                self.assertIn(text, reply, path)
                self.assertNotIn(b"root:", reply)
        # A raw request whose path climbs out of /tap.
        reply = self.raw_request(b"GET /tap/../../etc/passwd HTTP/1.1\r\nHost: x\r\n"
                                 b"Connection: close\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 404"), reply[:200])
        self.assertNotIn(b"root:", reply)

    def running_queries(self):
        status, _, body = http("GET", self.server.url + "/availability")
        m = re.search(rb"(\d+) running", body)
        self.assertIsNotNone(m, body)
        return int(m.group(1))

    def test_client_disconnecting_mid_stream_leaks_no_query(self):
        # A result far larger than the socket buffers: every ForcedSource row with every visit.
        query = urllib.parse.urlencode({
            "LANG": "ADQL", "FORMAT": "votable/td",
            "QUERY": "SELECT * FROM dp02_dc2_catalogs.ForcedSource AS a, "
                     "dp02_dc2_catalogs.CcdVisit AS b"})
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as s:
            s.sendall(b"GET /tap/sync?" + query.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            head = s.recv(4096)
            self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:200])
            self.assertEqual(self.running_queries(), 1)
        deadline = time.time() + 10
        while self.running_queries() != 0 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.running_queries(), 0)
        # The server still answers queries.
        status, _, body = http("POST", self.server.url + "/sync",
                               {"LANG": "ADQL", "QUERY": "SELECT TOP 1 objectId FROM "
                                "dp02_dc2_catalogs.Object", "FORMAT": "csv"})
        self.assertEqual(status, 200)
        self.assertEqual(len(body.decode().splitlines()), 2)

    # ---- taplint (last: it creates jobs of its own) --------------------------------------

    # The taplint errors still expected, each with its reason; any other error fails the test.
    # (None: features-adql-conditional, which STILTS 3.4.7 rejects, is not declared.)
    KNOWN_TAPLINT_ERRORS = set()

    def test_zz_taplint(self):
        self.assertIsNotNone(shutil.which("stilts"), "stilts is installed by scripts/install-deps.sh")
        p = subprocess.run(["stilts", "taplint", "tapurl=" + self.server.url, "maxrepeat=10",
                            "report=EW"],
                           capture_output=True, text=True, timeout=600)
        out = p.stdout + p.stderr
        with open(os.path.join(os.environ.get("TAPLINT_LOG_DIR", self.tmp), "taplint.txt"),
                  "w") as f:
            f.write(out)
        m = re.search(r"Totals: Errors: (\d+); Warnings: (\d+)", out)
        self.assertIsNotNone(m, out[-3000:])
        errors, warnings = int(m.group(1)), int(m.group(2))
        print(f"\ntaplint: {errors} errors, {warnings} warnings", file=sys.stderr)
        codes = re.findall(r"^(E-[A-Z0-9]+-[A-Z0-9]+)-\d+", out, re.M)
        self.assertEqual(len(codes), errors, out[-3000:])
        unexpected = sorted(set(codes) - self.KNOWN_TAPLINT_ERRORS)
        self.assertEqual(unexpected, [], out[-5000:])
        # Warnings too are driven to zero (issue 6): any new one fails the test.
        self.assertEqual(warnings, 0, "\n".join(re.findall(r"^W-.*$", out, re.M)))
        if os.environ.get("SKYSHARD_TAPLINT_STRICT") == "1":
            self.assertEqual(errors, 0, out[-5000:])

if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    SKYSHARD = os.path.abspath(sys.argv[1])
    # Further arguments: a server binary (a path), then unittest names to run (TapServiceTest.x).
    rest = sys.argv[2:]
    SERVER = os.path.abspath(rest.pop(0)) if rest and os.path.sep in rest[0] else SKYSHARD
    unittest.main(argv=sys.argv[:1] + rest, verbosity=2)
