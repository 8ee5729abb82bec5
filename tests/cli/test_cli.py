#!/usr/bin/python3
"""End-to-end tests of the `skyshard` command: gen -> load -> releases -> drop, in CSV and FITS,
with the row counts checked against the generated files themselves (counted here, not by
skyshard), and the command's error behaviour (exit codes, messages).

Usage: test_cli.py PATH/TO/skyshard
"""
import csv
import glob
import io
import math
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BINARY = None


def run(*args, check=True):
    p = subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"skyshard {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return p


def csv_rows(pattern):
    n = 0
    for f in glob.glob(pattern):
        with open(f, "rb") as fh:
            n += sum(1 for _ in fh) - 1  # minus the header
    return n


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skyshard-cli-")
        cls.csv = os.path.join(cls.tmp, "csv")
        cls.fits = os.path.join(cls.tmp, "fits")
        run("gen", "dp02", "--out", cls.csv, "--objects", "3000", "--epochs", "4", "--seed", "9")
        run("gen", "dp02", "--out", cls.fits, "--objects", "3000", "--epochs", "4", "--seed", "9",
            "--format", "fits")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def releases(self, data):
        return json.loads(run("releases", "--data", data, "--json").stdout)

    def test_csv_and_fits_load_the_same_rows(self):
        expected = {
            "Object": csv_rows(os.path.join(self.csv, "object-*.csv")),
            "ForcedSource": csv_rows(os.path.join(self.csv, "forcedsource-*.csv")),
            "CcdVisit": csv_rows(os.path.join(self.csv, "ccdvisit.csv")),
            "DiaObject": csv_rows(os.path.join(self.csv, "diaobject-*.csv")),
            "DiaSource": csv_rows(os.path.join(self.csv, "diasource-*.csv")),
        }
        self.assertEqual(expected["Object"], 3000)
        self.assertEqual(expected["ForcedSource"], 12000)
        for name, src in (("csv", self.csv), ("fits", self.fits)):
            data = os.path.join(self.tmp, "data-" + name)
            out = run("load", "--data", data, os.path.join(src, "manifest.yaml")).stdout
            self.assertIn("loaded dp02_dc2_catalogs", out)
            rels = self.releases(data)
            self.assertEqual([r["name"] for r in rels], ["dp02_dc2_catalogs"])
            got = {t["name"]: t["rows"] for t in rels[0]["tables"]}
            self.assertEqual(got, expected, name)
            kinds = {t["name"]: t["kind"] for t in rels[0]["tables"]}
            self.assertEqual(kinds["Object"], "spatial")
            self.assertEqual(kinds["ForcedSource"], "child")
            self.assertEqual(kinds["CcdVisit"], "plain")
            text = run("releases", "--data", data).stdout
            self.assertIn("ForcedSource", text)
            self.assertIn(str(expected["ForcedSource"]), text)

    def test_releases_lists_a_release_it_cannot_read(self):
        # Two releases in one data directory; one of them damaged (its store's CURRENT file
        # gone, as a store of another format or a broken disk would also leave it unreadable).
        data = os.path.join(self.tmp, "data-unreadable")
        manifest = os.path.join(self.csv, "manifest.yaml")
        other = os.path.join(self.csv, "other.yaml")
        with open(manifest) as f:
            text = f.read()
        self.assertIn("release: dp02_dc2_catalogs", text)
        with open(other, "w") as f:
            f.write(text.replace("release: dp02_dc2_catalogs", "release: other"))
        run("load", "--data", data, manifest)
        run("load", "--data", data, other)
        rels = {r["name"]: r for r in self.releases(data)}
        os.remove(os.path.join(data, rels["other"]["name"] + ".v" + str(rels["other"]["version"]),
                               "CURRENT"))
        p = run("releases", "--data", data, "--json", check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        listed = {r["name"]: r for r in json.loads(p.stdout)}
        self.assertEqual(sorted(listed), ["dp02_dc2_catalogs", "other"])
        self.assertIn("no store in", listed["other"]["error"])
        self.assertNotIn("error", listed["dp02_dc2_catalogs"])
        self.assertEqual(listed["dp02_dc2_catalogs"]["rows"], rels["dp02_dc2_catalogs"]["rows"])
        self.assertIn("skyshard: error: NotFound: release other", p.stderr)
        p = run("releases", "--data", data, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("other  version", p.stdout)
        self.assertIn("cannot be read", p.stdout)
        self.assertIn("ForcedSource", p.stdout)  # the readable release's tables

    def test_replace_and_drop(self):
        data = os.path.join(self.tmp, "data-replace")
        manifest = os.path.join(self.csv, "manifest.yaml")
        run("load", "--data", data, manifest)
        first = self.releases(data)[0]["version"]
        again = run("load", "--data", data, manifest, check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn("--replace", again.stderr)
        run("load", "--data", data, manifest, "--replace")
        self.assertEqual(self.releases(data)[0]["version"], first + 1)
        self.assertEqual(len([d for d in os.listdir(data) if ".v" in d]), 1)
        run("drop", "--data", data, "dp02_dc2_catalogs")
        self.assertEqual(self.releases(data), [])
        missing = run("drop", "--data", data, "dp02_dc2_catalogs", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no release", missing.stderr)

    def test_truncated_fits_is_refused_and_nothing_is_published(self):
        src = os.path.join(self.tmp, "fits-cut")
        shutil.copytree(self.fits, src)
        victim = sorted(glob.glob(os.path.join(src, "forcedsource-*.fits")))[0]
        size = os.path.getsize(victim)
        with open(victim, "r+b") as fh:
            fh.truncate(size // 2)
        data = os.path.join(self.tmp, "data-cut")
        p = run("load", "--data", data, os.path.join(src, "manifest.yaml"), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("truncated", p.stderr)
        self.assertIn(os.path.basename(victim), p.stderr)
        self.assertEqual(self.releases(data), [])
        self.assertFalse(os.path.exists(os.path.join(data, "staging", "dp02_dc2_catalogs.load")))

    def test_parse_reports_success_or_the_error_position(self):
        ok = run("parse", "SELECT TOP 5 objectId FROM dp02_dc2_catalogs.Object WHERE "
                          "CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', 10, 20, 0.1)) = 1")
        doc = json.loads(ok.stdout)
        self.assertEqual(doc["success"], True)
        # The printed tree is ADQL that parses again to the same text.
        again = json.loads(run("parse", doc["adql"]).stdout)
        self.assertEqual(again["adql"], doc["adql"])
        self.assertIn("CONTAINS", doc["adql"])
        bad = run("parse", "SELECT objectId\nFROM Object\nLIMIT 10", check=False)
        self.assertEqual(bad.returncode, 1)
        doc = json.loads(bad.stdout)
        self.assertEqual(doc["success"], False)
        self.assertEqual((doc["line"], doc["column"]), (3, 1))
        self.assertIn("TOP", doc["error"])

    def loaded(self):
        """A data directory with the CSV release loaded once for the query tests."""
        data = os.path.join(self.tmp, "data-query")
        if not os.path.exists(data):
            run("load", "--data", data, os.path.join(self.csv, "manifest.yaml"))
        return data

    def objects(self):
        rows = []
        for f in sorted(glob.glob(os.path.join(self.csv, "object-*.csv"))):
            with open(f, newline="") as fh:
                rows.extend(csv.DictReader(fh))
        return rows

    def test_parse_with_data_binds_names_and_suggests(self):
        data = self.loaded()
        ok = json.loads(run("parse", "--data", data,
                            "SELECT objectId, coord_ra FROM dp02_dc2_catalogs.Object").stdout)
        self.assertTrue(ok["success"])
        self.assertEqual([c["name"] for c in ok["columns"]], ["objectId", "coord_ra"])
        self.assertEqual([c["type"] for c in ok["columns"]], ["BIGINT", "DOUBLE PRECISION"])
        bad = run("parse", "--data", data,
                  "SELECT psfMag FROM dp02_dc2_catalogs.ForcedSource", check=False)
        self.assertEqual(bad.returncode, 1)
        doc = json.loads(bad.stdout)
        self.assertEqual((doc["line"], doc["column"]), (1, 8))
        self.assertIn("did you mean psfFlux", doc["error"])

    def test_query_cone_matches_brute_force_over_the_files(self):
        data = self.loaded()
        ra0, dec0, r = 60.0, -35.0, 10.0
        def sep(ra, dec):
            a, b, c, d = map(math.radians, (ra, dec, ra0, dec0))
            h = math.sin((b - d) / 2) ** 2 + math.cos(b) * math.cos(d) * math.sin((a - c) / 2) ** 2
            return math.degrees(2 * math.asin(min(1.0, math.sqrt(h))))
        expected = sorted(int(o["objectId"]) for o in self.objects()
                          if o["coord_ra"] and sep(float(o["coord_ra"]), float(o["coord_dec"])) <= r)
        q = ("SELECT objectId FROM dp02_dc2_catalogs.Object WHERE CONTAINS(POINT('ICRS', coord_ra, "
             f"coord_dec), CIRCLE('ICRS', {ra0}, {dec0}, {r})) = 1 ORDER BY objectId")
        self.assertGreater(len(expected), 5)  # a cone that holds rows proves something
        got = [int(line) for line in run("query", "--data", data, q).stdout.split()[1:]]
        self.assertEqual(got, expected)
        plan = run("query", "--data", data, "--explain", q).stdout
        self.assertIn("ranges=", plan)

    def test_query_upload_joins_a_csv_file(self):
        data = self.loaded()
        objs = self.objects()[:5]
        upload = os.path.join(self.tmp, "ids.csv")
        with open(upload, "w") as fh:
            fh.write("id,label\n")
            for i, o in enumerate(objs):
                fh.write(f"{o['objectId']},\"obj, {i}\"\n")
        q = ("SELECT u.label, o.objectId FROM TAP_UPLOAD.ids AS u JOIN dp02_dc2_catalogs.Object AS o "
             "ON o.objectId = u.id ORDER BY u.label")
        out = run("query", "--data", data, "--upload", "ids=" + upload, q).stdout
        rows = list(csv.reader(io.StringIO(out)))
        self.assertEqual(rows[0], ["label", "objectId"])
        self.assertEqual(rows[1:], [[f"obj, {i}", o["objectId"]] for i, o in enumerate(objs)])
        bad = run("query", "--data", data, "--upload", "ids", q, check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("NAME=FILE", bad.stderr)

    def test_query_errors_say_where(self):
        data = self.loaded()
        p = run("query", "--data", data, "SELECT nope FROM dp02_dc2_catalogs.Object", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("line 1, column 8", p.stderr)
        self.assertIn("no column nope", p.stderr)

    def test_usage_errors_exit_2_with_a_hint(self):
        for args in (["load"], ["load", "--data"], ["releases"], ["frobnicate"],
                     ["load", "--data", "/tmp/x", "--bogus", "m.yaml"],
                     ["gen", "dp03", "--out", "/tmp/x", "--objects", "1"],
                     ["gen", "dp02", "--out", "/tmp/x", "--objects", "many"]):
            p = run(*args, check=False)
            self.assertEqual(p.returncode, 2, args)
            self.assertTrue(p.stderr.strip(), args)

    def test_runtime_errors_exit_1_with_a_message(self):
        p = run("load", "--data", os.path.join(self.tmp, "d"), "/nonexistent/manifest.yaml",
                check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("NotFound", p.stderr)
        self.assertIn("/nonexistent/manifest.yaml", p.stderr)
        p = run("releases", "--data", "/nonexistent/data", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("does not exist", p.stderr)
        p = run("gen", "dp02", "--out", os.path.join(self.tmp, "g"), "--objects", "0",
                check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("objects", p.stderr)

    def test_query_fits_output_matches_csv(self):
        """`query --format fits` read with astropy.io.fits: every value equals the CSV output of
        the same query (NULL: TNULL for integers, NaN for floats, logical 0, empty string)."""
        import struct
        import numpy as np
        from astropy.io import fits
        data = self.loaded()
        for q in ("SELECT TOP 400 * FROM dp02_dc2_catalogs.Object ORDER BY objectId",
                  "SELECT * FROM dp02_dc2_catalogs.CcdVisit ORDER BY ccdVisitId",
                  # NULLs of every type (CASE ... THEN NULL), a smallint and a real.
                  "SELECT TOP 300 objectId, "
                  "CASE WHEN MOD(footprintArea, 3) = 0 THEN NULL "
                  "ELSE CAST(footprintArea AS SMALLINT) END AS s, "
                  "CASE WHEN MOD(footprintArea, 4) = 2 THEN NULL ELSE footprintArea END AS i, "
                  "CASE WHEN MOD(footprintArea, 4) = 3 THEN NULL ELSE objectId END AS k, "
                  "CASE WHEN MOD(footprintArea, 2) = 0 THEN NULL ELSE detect_isPrimary END AS b, "
                  "CASE WHEN MOD(footprintArea, 5) = 0 THEN NULL ELSE refBand END AS c, "
                  "CASE WHEN MOD(footprintArea, 3) = 1 THEN NULL ELSE g_psfFlux END AS f, "
                  "CASE WHEN MOD(footprintArea, 3) = 2 THEN NULL "
                  "ELSE CAST(coord_ra AS REAL) END AS r "
                  "FROM dp02_dc2_catalogs.Object ORDER BY objectId"):
            rows = list(csv.reader(io.StringIO(run("query", "--data", data, q).stdout,
                                               newline="")))
            p = subprocess.run([BINARY, "query", "--data", data, "--format", "fits", q],
                               capture_output=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            hdul = fits.open(io.BytesIO(p.stdout))
            table = hdul[1]
            self.assertEqual(table.header["QUERY"], q)
            self.assertEqual(table.header["NAXIS2"], len(rows) - 1)
            self.assertEqual([c.name for c in table.columns], rows[0])
            raw = bytes(table.data.tobytes()) if len(table.data) else b""
            row_bytes = table.header["NAXIS1"]
            offset = 0
            nulls = {}
            for i, col in enumerate(table.columns):
                code = col.format[-1]
                width = col.format.dtype.itemsize
                tnull = table.header.get("TNULL%d" % (i + 1))
                for r, row in enumerate(rows[1:]):
                    text = row[i]
                    cell = raw[r * row_bytes + offset:r * row_bytes + offset + width]
                    where = "%s row %d: csv %r, fits %r" % (col.name, r, text, cell)
                    nulls[col.name] = nulls.get(col.name, 0) + (text == "")
                    if code in "IJK":
                        v = int.from_bytes(cell, "big", signed=True)
                        if text == "":
                            self.assertEqual(v, tnull, where)
                        else:
                            self.assertEqual(v, int(text), where)
                            self.assertNotEqual(v, tnull, where)
                            self.assertEqual(int(table.data[col.name][r]), v, where)
                    elif code in "ED":
                        fmt = ">f" if code == "E" else ">d"
                        v = struct.unpack(fmt, cell)[0]
                        if text in ("", "NaN"):
                            self.assertTrue(math.isnan(v), where)
                        else:
                            want = float(np.float32(float(text))) if code == "E" else float(text)
                            self.assertEqual(struct.pack(fmt, v), struct.pack(fmt, want), where)
                    elif code == "L":
                        want = {"": b"\0", "true": b"T", "false": b"F"}[text]
                        self.assertEqual(cell, want, where)
                    else:  # nA: NUL-padded bytes; NULL and "" are both empty
                        self.assertEqual(cell.split(b"\0", 1)[0].decode(), text, where)
                        self.assertEqual(table.data[col.name][r], text.rstrip(), where)
                offset += width
            self.assertEqual(offset, row_bytes)
            if "CASE" in q:  # the test must see NULLs of every type
                self.assertEqual([c for c, n in nulls.items() if n == 0], ["objectId"])
        # A failing query writes no FITS at all: nothing on stdout, the error on stderr.
        p = subprocess.run([BINARY, "query", "--data", data, "--format", "fits",
                            "SELECT nope FROM dp02_dc2_catalogs.Object"],
                           capture_output=True, timeout=300)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, b"")
        self.assertIn(b"no column nope", p.stderr)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
