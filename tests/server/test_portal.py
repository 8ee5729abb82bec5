#!/usr/bin/python3
"""The web portal end to end in headless Chromium (issue 7).

Starts `skyshard serve` over a generated release, drives Debian's chromium through
chromium-driver with python3-selenium (no browser download), and checks each page against the
TAP service queried directly over HTTP: the schema browser lists a table's columns as VOSI
/tap/tables does; an example query shows as many rows as the same ADQL returns; a syntax error
is shown at the line and column the parser reports, which is where the test put the mistake;
a light curve has one SVG series per band with as many points per band as the same ADQL
returns; the cone-search sky plot has one point per object within the radius, computed here by
brute force from every object's position. A screenshot of each page is saved into OUT_DIR.

Usage: test_portal.py PATH/TO/skyshard OUT_DIR
"""
import csv
import io
import math
import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_tap_service as tts  # noqa: E402  (make_release, Server, free_port, http)

SKYSHARD = None
OUT_DIR = None
RELEASE = "dp02_dc2_catalogs"
TITLE = "Test Archive"


def tap_csv(base, adql, maxrec=None):
    params = {"LANG": "ADQL", "QUERY": adql, "RESPONSEFORMAT": "csv"}
    if maxrec is not None:
        params["MAXREC"] = str(maxrec)
    req = urllib.request.Request(base + "/tap/sync", urllib.parse.urlencode(params).encode())
    with urllib.request.urlopen(req, timeout=60) as r:
        rows = list(csv.reader(io.StringIO(r.read().decode())))
    return rows[0], rows[1:]


def tap_error(base, adql):
    req = urllib.request.Request(base + "/tap/sync", urllib.parse.urlencode(
        {"LANG": "ADQL", "QUERY": adql}).encode())
    try:
        urllib.request.urlopen(req, timeout=60)
    except urllib.error.HTTPError as e:
        doc = ET.fromstring(e.read())
        for info in doc.iter("{http://www.ivoa.net/xml/VOTable/v1.3}INFO"):
            if info.get("name") == "QUERY_STATUS":
                return info.text.strip()
    raise AssertionError("query did not fail: " + adql)


def separation(ra1, dec1, ra2, dec2):
    """Great-circle distance in degrees (haversine)."""
    r = math.radians
    a = (math.sin(r(dec2 - dec1) / 2) ** 2 +
         math.cos(r(dec1)) * math.cos(r(dec2)) * math.sin(r(ra2 - ra1) / 2) ** 2)
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(a))))


class PortalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skyshard-portal-")
        cls.data = tts.make_release(SKYSHARD, cls.tmp, 2000, 30)
        config = os.path.join(cls.tmp, "skyshard.json")
        with open(config, "w") as f:
            f.write('{"service_title": "%s", "service_description": "Portal test."}\n' % TITLE)
        cls.port = tts.free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        tts.SERVER = SKYSHARD
        cls.server = tts.Server(cls.data, cls.port, config)
        cls.server.start()
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1000", "--hide-scrollbars"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        os.makedirs(OUT_DIR, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.driver.quit()
        finally:
            cls.server.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def open(self, page):
        self.driver.get(self.base + "/portal/" + page)

    def wait(self, css, timeout=30):
        return WebDriverWait(self.driver, timeout).until(
            EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def shot(self, name):
        # Full-page height, so that the screenshot shows the whole result.
        height = self.driver.execute_script("return document.body.scrollHeight")
        self.driver.set_window_size(1280, min(max(height + 40, 700), 2000))
        self.driver.save_screenshot(os.path.join(OUT_DIR, name + ".png"))
        self.driver.set_window_size(1280, 1000)

    def no_js_errors(self):
        logs = self.driver.get_log("browser")
        errors = [entry for entry in logs if entry["level"] == "SEVERE"]
        self.assertEqual(errors, [])

    def test_1_landing(self):
        self.open("")
        self.wait("#release")
        self.assertEqual(self.driver.find_element(By.ID, "title").text, TITLE)
        self.assertEqual(self.driver.find_element(By.ID, "release").text, RELEASE)
        links = [a.get_attribute("href") for a in self.driver.find_elements(By.CSS_SELECTOR, "#links a")]
        self.assertIn(self.base + "/tap", links)
        self.assertIn(self.base + "/tap/examples", links)
        self.assertTrue(any(f"/scs/{RELEASE}.Object?" in h for h in links), links)
        snippets = self.driver.find_element(By.ID, "pyvo").text
        self.assertIn(f'pyvo.dal.TAPService("{self.base}/tap")', snippets)
        self.shot("landing")
        self.no_js_errors()

    def test_2_schema_browser(self):
        table = RELEASE + ".ForcedSource"
        with urllib.request.urlopen(self.base + "/tap/tables/" + table, timeout=30) as r:
            vosi = ET.fromstring(r.read())
        vosi_columns = [c.findtext("name") for c in vosi.iter("column")]
        self.assertGreater(len(vosi_columns), 5)
        _, count = tap_csv(self.base, f"SELECT COUNT(*) FROM {table}")

        self.open("schema.html")
        link = self.wait(f"#tables a[data-table='{table}']")
        link.click()
        self.wait("#columns")
        self.assertEqual(self.driver.find_element(By.ID, "table-name").text, table)
        names = [td.text for td in self.driver.find_elements(
            By.CSS_SELECTOR, "#columns tbody tr td:first-child")]
        self.assertEqual(names, vosi_columns)
        self.assertEqual(self.driver.find_element(By.ID, "row-count").text.replace(",", ""),
                         count[0][0])
        self.shot("schema")
        # The search box finds columns by name across tables.
        box = self.driver.find_element(By.ID, "search")
        box.send_keys("psfFluxErr")
        self.wait("#matches")
        hits = {(tr.find_elements(By.TAG_NAME, "td")[0].text,
                 tr.find_elements(By.TAG_NAME, "td")[1].text)
                for tr in self.driver.find_elements(By.CSS_SELECTOR, "#matches tbody tr")}
        self.assertIn((table, "psfFluxErr"), hits)
        self.assertIn((RELEASE + ".Object", "g_psfFluxErr"), hits)
        self.assertTrue(all("psffluxerr" in c.lower() for _, c in hits), hits)
        self.shot("schema-search")
        self.no_js_errors()

    def test_3_example_query(self):
        self.open("query.html")
        button = self.wait("#examples button.example")
        adql = button.get_attribute("title")
        button.click()
        self.wait("#result-grid")
        shown = int(self.driver.find_element(By.ID, "row-count").get_attribute("data-rows"))
        _, rows = tap_csv(self.base, adql, maxrec=1000)
        self.assertGreater(len(rows), 0)
        self.assertEqual(shown, len(rows))
        grid_rows = self.driver.find_elements(By.CSS_SELECTOR, "#result-grid tbody tr")
        self.assertEqual(len(grid_rows), min(50, len(rows)))
        first = [td.text for td in grid_rows[0].find_elements(By.TAG_NAME, "td")]
        self.assertEqual(first, [v.strip() for v in rows[0]])
        formats = [a.get_attribute("data-format") for a in
                   self.driver.find_elements(By.CSS_SELECTOR, "#downloads a")]
        self.assertIn("votable", formats)
        self.assertIn("csv", formats)
        self.shot("query")
        # The same query as an async job: the phase is followed to COMPLETED and the result
        # link gives the same rows.
        self.driver.find_element(By.ID, "submit-async").click()
        link = self.wait("#async-result", timeout=60)
        self.assertEqual(self.driver.find_element(By.ID, "async-phase").text, "COMPLETED")
        from astropy.io.votable import parse_single_table
        with urllib.request.urlopen(link.get_attribute("href"), timeout=60) as r:
            votable = parse_single_table(io.BytesIO(r.read()))
        _, all_rows = tap_csv(self.base, adql)
        self.assertEqual(len(votable.array), len(all_rows))
        self.shot("query-async")
        self.no_js_errors()

    def test_4_syntax_error(self):
        adql = f"SELECT objectId, coord_ra\nFROM {RELEASE}.Object\nWHERE objectId = = 3"
        # The mistake is the second '=' on line 3.
        want_line, want_column = 3, adql.split("\n")[2].index("= =") + 3
        message = tap_error(self.base, adql)
        self.assertIn(f"line {want_line}, column {want_column}", message)
        self.open("query.html")
        self.wait("#examples button.example")
        editor = self.driver.find_element(By.ID, "adql")
        editor.clear()
        editor.send_keys(adql)
        self.driver.find_element(By.ID, "run").click()
        box = self.wait("#error")
        self.assertEqual(box.get_attribute("data-line"), str(want_line))
        self.assertEqual(box.get_attribute("data-column"), str(want_column))
        context = self.driver.find_element(By.ID, "error-context").text.split("\n")
        self.assertEqual(context[0], adql.split("\n")[2])
        self.assertEqual(context[1].index("^"), want_column - 1)
        # The editor's cursor is at the mistake.
        start = self.driver.execute_script("return document.getElementById('adql').selectionStart")
        self.assertEqual(start, adql.index("= = 3") + 2)
        self.shot("query-error")
        # The browser logs the 400 of the failed query, and nothing else.
        errors = [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        self.assertEqual(len(errors), 1, errors)
        self.assertIn("/tap/sync", errors[0]["message"])
        self.assertIn("400", errors[0]["message"])

    def light_curve_rows(self, oid):
        cols, rows = tap_csv(self.base, (
            "SELECT src.band, visinfo.expMidptMJD, src.psfFlux, "
            "scisql_nanojanskyToAbMag(src.psfFlux) AS psfMag "
            f"FROM {RELEASE}.ForcedSource AS src JOIN {RELEASE}.CcdVisit AS visinfo "
            f"ON visinfo.ccdVisitId = src.ccdVisitId WHERE src.objectId = {oid}"))
        return [dict(zip(cols, r)) for r in rows]

    def test_5_light_curve(self):
        _, ids = tap_csv(self.base, f"SELECT TOP 20 objectId FROM {RELEASE}.Object")
        # An object measured in several bands.
        oid, rows = None, []
        for (candidate,) in ids:
            rows = self.light_curve_rows(candidate)
            if len({r["band"] for r in rows}) >= 3:
                oid = candidate
                break
        self.assertIsNotNone(oid)
        for y, column in (("flux", "psfFlux"), ("mag", "psfMag")):
            want = {}
            for r in rows:
                if r[column] != "":
                    want[r["band"]] = want.get(r["band"], 0) + 1
            self.open(f"lightcurve.html?objectId={oid}&y={y}")
            self.wait("#lightcurve")
            series = self.driver.find_elements(By.CSS_SELECTOR, "#lightcurve g.series")
            got = {g.get_attribute("data-band"): len(g.find_elements(By.TAG_NAME, "circle"))
                   for g in series}
            self.assertEqual(len(series), len(got))  # one series per band
            self.assertEqual(got, want, y)
            self.assertIn(f"src.objectId = {oid}", self.driver.find_element(By.ID, "adql").text)
            self.shot("lightcurve" if y == "mag" else "lightcurve-flux")
        self.no_js_errors()

    def test_6_cone_search(self):
        _, everything = tap_csv(self.base, f"SELECT objectId, coord_ra, coord_dec FROM {RELEASE}.Object")
        # Centred on an object in a dense part of the sky (of the first 100, the one whose 13th
        # neighbour is nearest), the radius half-way between its 12th and 13th nearest
        # neighbours: no object lies near the edge, where rounding could decide.
        def neighbours(row):
            ra, dec = float(row[1]), float(row[2])
            return sorted((separation(ra, dec, float(r[1]), float(r[2])), r[0])
                          for r in everything)
        centre = min(everything[:100], key=lambda row: neighbours(row)[13][0])
        ra, dec = float(centre[1]), float(centre[2])
        dist = neighbours(centre)
        radius = (dist[12][0] + dist[13][0]) / 2
        self.assertGreater(dist[13][0] - dist[12][0], 1e-9)
        want = {oid for d, oid in dist if d <= radius}
        self.assertEqual(len(want), 13)
        self.open(f"cone.html?ra={ra}&dec={dec}&radius={radius}")
        self.wait("#skyplot")
        circles = self.driver.find_elements(By.CSS_SELECTOR, "#skyplot g.series circle")
        labels = {c.find_element(By.TAG_NAME, "title").get_attribute("textContent")
                  for c in circles}
        self.assertEqual(len(circles), len(want))
        self.assertEqual(labels, want)
        self.shot("cone")
        self.no_js_errors()


if __name__ == "__main__":
    OUT_DIR = os.path.abspath(sys.argv.pop(2))
    SKYSHARD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
