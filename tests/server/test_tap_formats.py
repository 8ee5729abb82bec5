#!/usr/bin/python3
"""End-to-end tests of FITS output and of uploads by URL in the TAP service: `skyshard serve` on
a free loopback port over a generated release (its own, not test_tap_service.py's), driven by
pyvo and plain HTTP.

* FITS: async and sync jobs with RESPONSEFORMAT=fits, read with astropy.io.fits and compared
  value by value with the VOTable (BINARY2) result of the same query read by pyvo/astropy; the
  overflow keyword; a failing FITS query answered with an HTTP error.
* URL uploads: a tiny http.server on loopback serves a VOTable; a query with
  UPLOAD=mytab,http://127.0.0.1:PORT/x.vot gives the same rows as the same table sent inline;
  a redirect is followed; a 404, an unreachable port, file: and ftp: schemes, a document over
  max_upload_bytes, a redirect loop and an https server with an untrusted certificate are each
  refused with HTTP 400 and a message naming the URL and the reason.

Usage: test_tap_formats.py PATH/TO/skyshard
"""
import http.server
import io
import math
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
from xml.etree import ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_tap_service as tts  # noqa: E402  (the Server helper and http())

SKYSHARD = None
MAX_UPLOAD_BYTES = 200_000


# ---- the upload server ----------------------------------------------------------------------

class UploadHandler(http.server.BaseHTTPRequestHandler):
    documents = {}  # path -> bytes

    def do_GET(self):  # noqa: N802 (http.server's name)
        path = urllib.parse.urlsplit(self.path).path
        if path == "/redirect":
            return self.redirect("/x.vot")
        if path == "/redirect-chain":  # three hops, the most the service follows
            return self.redirect("/redirect-2")
        if path == "/redirect-2":
            return self.redirect("/redirect")
        if path == "/loop":
            return self.redirect("/loop")
        body = self.documents.get(path)
        if body is None:
            self.send_error(404, "File not found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-votable+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def start_http_server(tls_context=None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), UploadHandler)
    if tls_context is not None:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---- reading results ------------------------------------------------------------------------

def is_null(v):
    import numpy as np
    if v is None or np.ma.is_masked(v):
        return True
    return isinstance(v, (float, np.floating)) and math.isnan(v)


def norm(v):
    """A cell as a plain Python value; NULL and NaN as None, bytes as str without trailing
    blanks (FITS readers strip them; an empty string is NULL in FITS)."""
    import numpy as np
    if is_null(v):
        return None
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, str):
        v = v.rstrip()
        return v if v else None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, np.float32):
        return ("float32", float(v))
    return float(v)


def fits_columns(data):
    """{name: [values]} of the first table extension of FITS bytes, with the NULL conventions of
    docs/votable.md undone by hand (TNULL, NaN, logical 0, empty strings), plus the header."""
    from astropy.io import fits
    import numpy as np
    hdul = fits.open(io.BytesIO(data))
    table = hdul[1]
    out = {}
    raw = np.frombuffer(table.data.tobytes(), dtype=np.uint8).reshape(len(table.data), -1) \
        if len(table.data) else None
    offset = 0
    for i, col in enumerate(table.columns, start=1):
        fmt = col.format
        width = fmt.dtype.itemsize
        values = []
        code = str(fmt)[-1]
        for r in range(len(table.data)):
            cell = raw[r, offset:offset + width].tobytes()
            if code == "L":
                values.append(None if cell == b"\0" else cell == b"T")
            elif code in "IJK":
                v = int.from_bytes(cell, "big", signed=True)
                tnull = table.header.get("TNULL%d" % i)
                values.append(None if tnull is not None and v == tnull else v)
            elif code == "E":
                v = float(np.frombuffer(cell, dtype=">f4")[0])
                values.append(None if math.isnan(v) else ("float32", v))
            elif code == "D":
                v = float(np.frombuffer(cell, dtype=">f8")[0])
                values.append(None if math.isnan(v) else v)
            else:
                values.append(norm(cell.split(b"\0", 1)[0]))
        # astropy's own reading must agree with the raw bytes (it masks TNULL, reads NaN).
        parsed = table.data.field(col.name)
        for r, v in enumerate(values):
            if code in "IJKED":
                got = parsed[r]
                if code in "IJK" and table.header.get("TNULL%d" % i) == got:
                    got = None
                got = norm(got)
                if code == "E" and got is not None:
                    got = ("float32", float(np.float32(got[1] if isinstance(got, tuple) else got)))
                assert got == v, (col.name, r, got, v)
        out[col.name] = values
        offset += width
    return out, table.header


def votable_columns(table):
    """{name: [values]} of an astropy Table read from a VOTable."""
    import numpy as np
    out = {}
    for name in table.colnames:
        col = table[name]
        values = []
        for r in range(len(col)):
            v = col[r]
            if getattr(col, "mask", None) is not None and np.ma.getmaskarray(col)[r]:
                values.append(None)
            elif col.dtype == np.float32:
                values.append(None if math.isnan(v) else ("float32", float(v)))
            else:
                values.append(norm(v))
        out[name] = values
    return out


class TapFormatsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skyshard-tapfmt-")
        cls.data = tts.make_release(SKYSHARD, cls.tmp, 1500, 2)
        cls.config = os.path.join(cls.tmp, "skyshard.json")
        with open(cls.config, "w") as f:
            f.write('{"max_wait_s": 30, "sync_timeout_s": 120, "read_timeout_s": 5, '
                    '"max_upload_bytes": %d}\n' % MAX_UPLOAD_BYTES)
        tts.SERVER = SKYSHARD
        cls.server = tts.Server(cls.data, tts.free_port(), cls.config)
        cls.server.start()
        cls.http = start_http_server()
        cls.base = "http://127.0.0.1:%d" % cls.http.server_address[1]

    @classmethod
    def tearDownClass(cls):
        try:
            cls.http.shutdown()
            code = cls.server.stop()
            assert code == 0, "server exit status %s:\n%s" % (code, cls.server.output())
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def service(self):
        import pyvo
        return pyvo.dal.TAPService(self.server.url)

    def fetch(self, url):
        status, headers, body = tts.http("GET", url)
        self.assertEqual(status, 200, body[:500])
        return headers, body

    def run_async(self, adql, fmt, maxrec=None, uploads=None):
        """Runs an async job; returns (result Content-Type, result bytes)."""
        job = self.service().submit_job(adql, maxrec=maxrec, uploads=uploads,
                                        RESPONSEFORMAT=fmt)
        try:
            job.run()
            job.wait(phases=["COMPLETED", "ERROR", "ABORTED"], timeout=120)
            self.assertEqual(job.phase, "COMPLETED", job.phase)
            headers, body = self.fetch(job.result_uri)
            return headers.get("Content-Type"), body
        finally:
            job.delete()

    def assertSameColumns(self, fits_cols, vot_cols):
        self.assertEqual(list(fits_cols), list(vot_cols))
        for name in vot_cols:
            self.assertEqual(len(fits_cols[name]), len(vot_cols[name]), name)
            for r, (a, b) in enumerate(zip(fits_cols[name], vot_cols[name])):
                self.assertEqual(a, b, "column %s, row %d" % (name, r))

    # ---- FITS -----------------------------------------------------------------------------

    def compare_fits_with_votable(self, adql, expected_rows_at_least):
        from astropy.io.votable import parse_single_table
        ctype, fits_bytes = self.run_async(adql, "fits")
        self.assertEqual(ctype, "application/fits")
        self.assertTrue(fits_bytes.startswith(b"SIMPLE  =                    T"))
        self.assertEqual(len(fits_bytes) % 2880, 0)
        _, vot_bytes = self.run_async(adql, "votable")
        vot = parse_single_table(io.BytesIO(vot_bytes)).to_table()
        fits_cols, header = fits_columns(fits_bytes)
        self.assertGreaterEqual(len(vot), expected_rows_at_least)
        self.assertEqual(header["NAXIS2"], len(vot))
        self.assertEqual(header["QUERY"], adql)
        self.assertEqual(header["QSTATUS"], "OK")
        vot_cols = votable_columns(vot)
        self.assertSameColumns(fits_cols, vot_cols)
        # Units, UCDs and descriptions travel too: compare with the VOTable's FIELD attributes.
        ns = "{http://www.ivoa.net/xml/VOTable/v1.3}"
        fields = ElementTree.fromstring(vot_bytes).iter(ns + "FIELD")
        for i, field in enumerate(fields, start=1):
            self.assertEqual(header.get("TTYPE%d" % i), field.get("name"))
            self.assertEqual(header.get("TUNIT%d" % i), field.get("unit"), field.get("name"))
            self.assertEqual(header.get("TUCD%d" % i), field.get("ucd"), field.get("name"))
            desc = field.find(ns + "DESCRIPTION")
            self.assertEqual(header.get("TCOMM%d" % i), None if desc is None else desc.text,
                             field.get("name"))
        return fits_cols

    def test_async_fits_matches_votable_for_every_type(self):
        # Object: bigint, int, float, double, boolean, char, with NULLs among the fluxes.
        cols = self.compare_fits_with_votable(
            "SELECT TOP 700 * FROM dp02_dc2_catalogs.Object ORDER BY objectId", 700)
        self.assertTrue(any(v is None for c in cols.values() for v in c), "no NULL tested")
        # CcdVisit: timestamps and strings.
        self.compare_fits_with_votable(
            "SELECT * FROM dp02_dc2_catalogs.CcdVisit ORDER BY ccdVisitId", 10)

    def test_sync_fits_and_overflow(self):
        adql = "SELECT objectId, coord_ra FROM dp02_dc2_catalogs.Object ORDER BY objectId"
        status, headers, body = tts.http("POST", self.server.url + "/sync",
                                         {"LANG": "ADQL", "QUERY": adql, "MAXREC": "25",
                                          "RESPONSEFORMAT": "application/fits"})
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(headers.get("Content-Type"), "application/fits")
        cols, header = fits_columns(body)
        self.assertEqual(header["QSTATUS"], "OVERFLOW")
        self.assertEqual(len(cols["objectId"]), 25)
        csv_status, _, csv_body = tts.http("POST", self.server.url + "/sync",
                                           {"LANG": "ADQL", "QUERY": adql, "MAXREC": "25",
                                            "RESPONSEFORMAT": "csv"})
        self.assertEqual(csv_status, 200)
        lines = csv_body.decode().split("\r\n")[1:26]
        self.assertEqual(cols["objectId"], [int(l.split(",")[0]) for l in lines])
        self.assertEqual(cols["coord_ra"], [float(l.split(",")[1]) for l in lines])

    def test_failing_fits_query_is_an_http_error(self):
        for adql in ("SELECT nope FROM dp02_dc2_catalogs.Object",
                     "SELECT TOP 5 objectId FROM TAP_UPLOAD.missing"):
            status, headers, body = tts.http("POST", self.server.url + "/sync",
                                             {"LANG": "ADQL", "QUERY": adql,
                                              "RESPONSEFORMAT": "fits"})
            self.assertEqual(status, 400, body[:300])
            self.assertIn(b'value="ERROR"', body)
            self.assertIn("xml", headers.get("Content-Type"))
        # Nothing left in the sync spool directory.
        spool = os.path.join(self.data, "uws", "spool")
        self.assertEqual(os.listdir(spool) if os.path.isdir(spool) else [], [])

    # ---- uploads by URL -------------------------------------------------------------------

    def upload_table(self):
        """An astropy table of real object ids with labels, and its VOTable bytes."""
        from astropy.table import Table
        ids = self.service().run_sync(
            "SELECT TOP 12 objectId, coord_ra FROM dp02_dc2_catalogs.Object ORDER BY coord_ra")
        ids = [int(x) for x in ids["objectId"]]
        t = Table({"id": ids, "label": ["obj %d, ok" % i for i in range(len(ids))],
                   "w": [i * 0.5 for i in range(len(ids))]})
        buf = io.BytesIO()
        t.write(buf, format="votable")
        return t, buf.getvalue()

    def test_url_upload_matches_inline(self):
        table, vot = self.upload_table()
        UploadHandler.documents["/x.vot"] = vot
        adql = ("SELECT u.label, u.w, o.objectId, o.coord_dec FROM TAP_UPLOAD.mytab AS u "
                "JOIN dp02_dc2_catalogs.Object AS o ON o.objectId = u.id ORDER BY u.label")
        service = self.service()
        inline = votable_columns(service.run_sync(adql, uploads={"mytab": table}).to_table())
        self.assertEqual(len(inline["label"]), len(table))
        for path in ("/x.vot", "/redirect", "/redirect-chain"):
            by_url = service.run_sync(adql, uploads={"mytab": self.base + path}).to_table()
            self.assertSameColumns(votable_columns(by_url), inline)
        # Async jobs fetch the URL when they run; FITS output of an uploaded join, too.
        _, fits_bytes = self.run_async(adql, "fits", uploads={"mytab": self.base + "/x.vot"})
        self.assertSameColumns(fits_columns(fits_bytes)[0], inline)

    def sync_upload_error(self, uri):
        status, _, body = tts.http("POST", self.server.url + "/sync",
                                   {"LANG": "ADQL", "QUERY": "SELECT * FROM TAP_UPLOAD.mytab",
                                    "UPLOAD": "mytab," + uri})
        self.assertEqual(status, 400, body[:500])
        self.assertIn(b'value="ERROR"', body)
        return body.decode()

    def test_url_upload_errors(self):
        _, vot = self.upload_table()
        UploadHandler.documents["/x.vot"] = vot
        UploadHandler.documents["/big.vot"] = vot + b" " * MAX_UPLOAD_BYTES
        msg = self.sync_upload_error(self.base + "/missing.vot")
        self.assertIn(self.base + "/missing.vot", msg)
        self.assertIn("404", msg)
        dead = "http://127.0.0.1:%d/x.vot" % tts.free_port()
        msg = self.sync_upload_error(dead)
        self.assertIn(dead, msg)
        self.assertIn("cannot connect", msg)
        msg = self.sync_upload_error("file:///etc/passwd")
        self.assertIn("scheme file", msg)
        self.assertNotIn("root:", msg)
        msg = self.sync_upload_error("ftp://127.0.0.1/x.vot")
        self.assertIn("scheme ftp", msg)
        msg = self.sync_upload_error(self.base + "/big.vot")
        self.assertIn("larger than the limit of %d bytes" % MAX_UPLOAD_BYTES, msg)
        msg = self.sync_upload_error(self.base + "/loop")
        self.assertIn("redirect", msg)
        msg = self.sync_upload_error("http://127.0.0.1:notaport/x.vot")
        self.assertIn("bad port", msg)

    def test_url_upload_timeout(self):
        # A server that accepts and never answers: the read timeout (5 s here) ends the wait.
        import socket
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        try:
            url = "http://127.0.0.1:%d/x.vot" % silent.getsockname()[1]
            start = time.time()
            msg = self.sync_upload_error(url)
            self.assertIn("timed out", msg)
            self.assertLess(time.time() - start, 30)
        finally:
            silent.close()

    def test_https_upload_with_an_untrusted_certificate_is_refused(self):
        key = os.path.join(self.tmp, "key.pem")
        cert = os.path.join(self.tmp, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server = start_http_server(ctx)
        try:
            url = "https://127.0.0.1:%d/x.vot" % server.server_address[1]
            msg = self.sync_upload_error(url)
            self.assertIn(url, msg)
            self.assertIn("TLS handshake", msg)
            self.assertIn("certificate verify failed", msg)
        finally:
            server.shutdown()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    SKYSHARD = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2, warnings="ignore")
