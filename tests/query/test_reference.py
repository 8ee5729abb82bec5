#!/usr/bin/python3
"""Tests of the query corpus's own machinery, without skyshard: the reference functions
(geometry, scisql, IVOA, math), the reference loader's CSV reader and value conversion, the
comparison of skyshard's CSV with reference rows, and the corpus file reader. Every corpus
file must parse. Run: tests/query/test_reference.py (unittest).
"""
import glob
import math
import os
import sqlite3
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402
import corpus_file  # noqa: E402
import reference_db  # noqa: E402
import reference_functions as rf  # noqa: E402
import run_corpus  # noqa: E402

ARCSEC = 1 / 3600.0


class GeometryTest(unittest.TestCase):
    def test_distance_known_values(self):
        self.assertEqual(rf.ang_sep(10, 20, 10, 20), 0.0)
        self.assertAlmostEqual(rf.ang_sep(0, 0, 90, 0), 90.0, places=12)
        self.assertAlmostEqual(rf.ang_sep(0, 0, 180, 0), 180.0, places=12)
        self.assertAlmostEqual(rf.ang_sep(0, 90, 0, -90), 180.0, places=12)
        self.assertAlmostEqual(rf.ang_sep(0, 0, 0, 1), 1.0, places=13)
        # Across RA 0: 359.5 and 0.5 on the equator are 1 degree apart.
        self.assertAlmostEqual(rf.ang_sep(359.5, 0, 0.5, 0), 1.0, places=12)
        # At the pole RA does not matter.
        self.assertLess(rf.ang_sep(0, 90, 123, 90), 1e-12)

    def test_distance_agrees_with_haversine_and_is_precise_when_tiny(self):
        for ra1, dec1, ra2, dec2 in [(10, 20, 10.0001, 20.0001), (359.9999, -45, 0.0001, -45),
                                     (45, 30, 45 + 1e-7, 30), (200, -89.99, 20, -89.99),
                                     (1, 2, 3, 4), (100, 60, 280, -60)]:
            v, h = rf.ang_sep(ra1, dec1, ra2, dec2), rf.haversine_sep(ra1, dec1, ra2, dec2)
            self.assertLess(abs(v - h), 1e-9 * max(v, 1e-300) + 1e-13, (ra1, dec1, ra2, dec2))
        # Close pairs keep full relative precision (the haversine is accurate there).
        for ra1, dec1, ra2, dec2 in [(294.5434667622714, 26.651167859459047,
                                      294.54346899143513, 26.651164412051248),
                                     (10, -60, 10 + 1e-9, -60 + 1e-9), (0, 89.9, 1e-8, 89.9)]:
            v, h = rf.ang_sep(ra1, dec1, ra2, dec2), rf.haversine_sep(ra1, dec1, ra2, dec2)
            self.assertLess(abs(v - h), 1e-11 * h, (ra1, dec1, ra2, dec2))
        # 0.1 arcsec along a parallel at dec 60: 0.2 arcsec of RA.
        d = rf.ang_sep(10, 60, 10 + 0.2 * ARCSEC, 60) / ARCSEC
        self.assertAlmostEqual(d, 0.1, places=6)

    def test_circle(self):
        self.assertTrue(rf.in_circle(0.5, 0, 359.5, 0, 1.0 + 1e-9))
        self.assertFalse(rf.in_circle(0.5, 0, 359.5, 0, 0.999))
        self.assertTrue(rf.in_circle(77, -90, 0, -89.5, 0.5 + 1e-9))
        # Radii over 90 degrees.
        self.assertTrue(rf.in_circle(0, 0, 180, 0, 180))
        self.assertFalse(rf.in_circle(0, 0, 180, 0, 179.9))
        self.assertTrue(rf.in_circle(0, 0.2, 180, 0, 179.9))

    def test_coordinate_box(self):
        # RA [0, 10], dec [-5, 5]: edges inside.
        for ra, dec in [(0, 0), (10, 0), (10, 5), (5, -5), (1e-9, 0)]:
            self.assertTrue(rf.in_coord_box(ra, dec, 5, 0, 10, 10), (ra, dec))
        for ra, dec in [(359.999999999, 0), (10.000001, 0), (5, 5.000001)]:
            self.assertFalse(rf.in_coord_box(ra, dec, 5, 0, 10, 10), (ra, dec))
        # Across RA 0.
        self.assertTrue(rf.in_coord_box(359.5, 0.5, 0, 0, 2, 2))
        self.assertTrue(rf.in_coord_box(0.5, -0.5, 0, 0, 2, 2))
        self.assertFalse(rf.in_coord_box(2, 0, 0, 0, 2, 2))
        # The pole is in whatever RA it carries; near it RA still counts.
        self.assertTrue(rf.in_coord_box(180, 90, 0, 90, 20, 2))
        self.assertFalse(rf.in_coord_box(180, 89.5, 0, 90, 20, 2))
        # Width is coordinate degrees, not divided by cos(dec).
        self.assertTrue(rf.in_coord_box(24.9, 60, 20, 70, 10, 20))
        self.assertFalse(rf.in_coord_box(25.1, 60, 20, 70, 10, 20))
        # w >= 360: every RA.
        self.assertTrue(rf.in_coord_box(123, -89.6, 180, -90, 360, 1))

    def test_polygon(self):
        tri = [(44.99, 29.99), (45.01, 29.99), (45.0, 30.01)]
        self.assertTrue(rf.in_polygon(45, 30, tri))
        self.assertTrue(rf.in_polygon(45, 30, list(reversed(tri))))  # either orientation
        self.assertFalse(rf.in_polygon(45.02, 30, tri))
        # Vertices and points on an edge are inside.
        self.assertTrue(rf.in_polygon(10, 5, [(10, 0), (10, 5), (0, 0)]))
        self.assertTrue(rf.in_polygon(5, 0, [(10, 0), (10, 5), (0, 0)]))
        # Around the north pole, across RA 0.
        cap = [(0, 85), (120, 85), (240, 85)]
        self.assertTrue(rf.in_polygon(180, 89, cap))
        self.assertTrue(rf.in_polygon(0, 90, cap))
        self.assertFalse(rf.in_polygon(180, 86, cap))
        sq = [(358, -2), (2, -2), (2, 2), (358, 2)]
        self.assertTrue(rf.in_polygon(359.5, 0.5, sq))
        self.assertFalse(rf.in_polygon(3, 0, sq))
        # Not convex, degenerate.
        self.assertIsNone(rf.in_polygon(15, 15, [(10, 10), (20, 20), (20, 10), (10, 20)]))
        self.assertIsNone(rf.in_polygon(15, 15, [(10, 10), (10, 10), (20, 10)]))
        self.assertIsNone(rf.in_polygon(15, 15, [(0, 0), (10, 0), (20, 0)]))

    def test_geometry_values_and_adql_functions(self):
        p = rf.POINT("ICRS", 1.5, -2.25)
        self.assertEqual(p, rf.POINT(1.5, -2.25))
        self.assertEqual((rf.COORD1(p), rf.COORD2(p)), (1.5, -2.25))
        self.assertIsNone(rf.POINT("ICRS", None, 1))
        c1 = rf.CIRCLE("ICRS", 0, 0, 1)
        self.assertEqual(c1, rf.CIRCLE(0, 0, 1))
        self.assertEqual(c1, rf.CIRCLE(rf.POINT(0, 0), 1))
        self.assertEqual(c1, rf.CIRCLE("ICRS", rf.POINT(0, 0), 1))
        self.assertEqual(c1, rf.REGION("CIRCLE ICRS 0 0 1"))
        self.assertEqual(rf.BOX(5, 0, 10, 10), rf.BOX("ICRS", rf.POINT(5, 0), 10, 10))
        self.assertEqual(rf.POLYGON(0, 0, 10, 0, 0, 10),
                         rf.POLYGON("ICRS", rf.POINT(0, 0), rf.POINT(10, 0), rf.POINT(0, 10)))
        self.assertEqual(rf.CONTAINS(rf.POINT(359.9, 0), c1), 1)
        self.assertEqual(rf.CONTAINS(rf.POINT(2, 0), c1), 0)
        self.assertIsNone(rf.CONTAINS(None, c1))
        self.assertEqual(rf.INTERSECTS(c1, rf.POINT(0.5, 0)), 1)
        self.assertAlmostEqual(rf.DISTANCE(rf.POINT(0, 0), rf.POINT(0, 3)), 3.0, places=12)
        self.assertAlmostEqual(rf.DISTANCE(0, 0, 0, 3), 3.0, places=12)
        # Areas in square degrees: a cap of 1 degree ~ pi, the whole sky 41253.
        self.assertAlmostEqual(rf.AREA(c1), 3.14155, places=4)
        self.assertAlmostEqual(rf.AREA(rf.CIRCLE(0, 0, 180)), 41252.96, places=1)
        self.assertAlmostEqual(rf.AREA(rf.BOX(0, 0, 360, 180)), 41252.96, places=1)
        octant = 4 * math.pi * (180 / math.pi) ** 2 / 8
        self.assertAlmostEqual(rf.AREA(rf.POLYGON(0, 0, 90, 0, 0, 90)), octant, places=9)

    def test_scisql(self):
        self.assertAlmostEqual(rf.scisql_nanojanskyToAbMag(3631e9), 0.0, places=12)
        self.assertAlmostEqual(rf.scisql_nanojanskyToAbMag(1), 31.4000656223, places=9)
        self.assertIsNone(rf.scisql_nanojanskyToAbMag(0))
        self.assertIsNone(rf.scisql_nanojanskyToAbMag(-5))
        self.assertAlmostEqual(rf.scisql_abMagToNanojansky(0), 3631e9, delta=1e-3)
        self.assertAlmostEqual(rf.scisql_nanojanskyToAbMagSigma(100, 10), 0.1085736, places=6)
        self.assertIsNone(rf.scisql_nanojanskyToAbMagSigma(100, -1))
        self.assertEqual(rf.scisql_s2PtInCircle(None, 0, 0, 0, 1), 0)
        self.assertIsNone(rf.scisql_s2PtInCircle(0, 91, 0, 0, 1))
        self.assertIsNone(rf.scisql_s2PtInCircle(0, 0, 0, 0, 181))
        # [350, 10] wraps; [-10, 10] is the same box; ra_min > ra_max outside [0, 360]: NULL.
        self.assertEqual(rf.scisql_s2PtInBox(355, 0, 350, -1, 10, 1), 1)
        self.assertEqual(rf.scisql_s2PtInBox(355, 0, -10, -1, 10, 1), 1)
        self.assertEqual(rf.scisql_s2PtInBox(180, 0, 350, -1, 10, 1), 0)
        self.assertIsNone(rf.scisql_s2PtInBox(0, 0, 10, -1, -10, 1))
        self.assertEqual(rf.scisql_s2PtInBox(123, 0, -100, -1, 300, 1), 1)
        self.assertAlmostEqual(rf.scisql_angSep(1, 0, 0, 0, 1, 0), 90.0, places=12)
        self.assertIsNone(rf.scisql_angSep(0, 0, 0, 0, 1, 0))
        self.assertEqual(rf.scisql_s2PtInCPoly(45, 30, 44.99, 29.99, 45.01, 29.99, 45, 30.01), 1)
        self.assertIsNone(rf.scisql_s2PtInCPoly(15, 15, 10, 10, 20, 20, 20, 10, 10, 20))

    def test_healpix_against_the_healpix_library(self):
        # Values printed by Healpix C++ (T_Healpix_Base<int64>::ang2pix, NEST).
        for order, ra, dec, pix in [(0, 45, 0, 5), (5, 10, 20, 4965), (10, 293.4, 47.4, 3871579),
                                    (12, 0.0001, -89.995, 134217728),
                                    (29, 359.99999999, -89.9999, 3170534137669883205),
                                    (8, 120, 60, 123271), (20, 250, -41.9, 11384162127111)]:
            self.assertEqual(rf.healpix_nest(order, ra, dec), pix, (order, ra, dec))

    def test_ivoa(self):
        self.assertEqual(rf.ivo_hasword("north pole 2", "POLE"), 1)
        self.assertEqual(rf.ivo_hasword("shown", "show"), 0)
        self.assertEqual(rf.ivo_hasword("x", "..."), 0)
        self.assertEqual(rf.ivo_nocasematch("North Pole", "north%"), 1)
        self.assertEqual(rf.ivo_nocasematch("North Pole", "north_"), 0)
        self.assertEqual(rf.ivo_hashlist_has("np#sp#eq", "NP"), 1)
        self.assertEqual(rf.ivo_hashlist_has("np#sp#eq", "n#p"), 0)
        self.assertEqual(rf.ivo_interval_overlaps(1, 2, 2, 3), 1)
        self.assertEqual(rf.ivo_interval_overlaps(1, 2, 2.5, 3), 0)
        self.assertEqual(rf.ivo_interval_overlaps(3, 2, 0, 10), 0)
        self.assertEqual(rf.ivo_hms_to_degrees("12:30:00"), 187.5)
        self.assertAlmostEqual(rf.ivo_hms_to_degrees("3h34m45.4s"), 53.689166666666, places=9)
        self.assertIsNone(rf.ivo_hms_to_degrees("12:60:00"))
        self.assertEqual(rf.ivo_dms_to_degrees("-10:30:00"), -10.5)
        self.assertEqual(rf.ivo_to_mjd("1970-01-01T00:00:00"), 40587.0)
        self.assertEqual(rf.ivo_to_mjd("2022-01-01"), 59580.0)

    def test_timestamps(self):
        for text, canon in [("2022-01-01", "2022-01-01T00:00:00"),
                            ("1969-12-31T23:59:59.5", "1969-12-31T23:59:59.500000"),
                            ("2021-03-04 05:06:07.000001Z", "2021-03-04T05:06:07.000001"),
                            ("2000-02-29T12:00", "2000-02-29T12:00:00")]:
            self.assertEqual(rf.to_timestamp(text), canon)
        self.assertEqual(rf.parse_timestamp("1970-01-01T00:00:01"), 1000000)
        self.assertEqual(rf.parse_timestamp("1969-12-31T23:59:59.5"), -500000)

    def test_math(self):
        self.assertEqual(rf.adql_round(2.5), 3.0)
        self.assertEqual(rf.adql_round(-2.5), -3.0)
        self.assertEqual(rf.adql_round(1234.5, -2), 1200.0)
        self.assertAlmostEqual(rf.adql_round(1.25, 1), 1.3)
        self.assertEqual(rf.adql_truncate(-2.7), -2.0)
        self.assertEqual(rf.adql_truncate(1239.9, -1), 1230.0)
        self.assertEqual(rf.to_real(0.1), 0.10000000149011612)

    def test_sqlite_registration(self):
        conn = sqlite3.connect(":memory:")
        rf.register(conn)
        row = conn.execute(
            "SELECT log(100), log10(100), mod(-7, 3), round(2.5), truncate(-2.5), "
            "CONTAINS(POINT('ICRS', 359.9, 0), CIRCLE('ICRS', 0, 0, 1)), "
            "DISTANCE(POINT(0, 0), POINT(0, 1)), scisql_nanojanskyToAbMag(-1), "
            "ivo_healpix_index(0, 45, 0), pi()").fetchone()
        self.assertAlmostEqual(row[0], math.log(100))
        self.assertEqual(row[1:5], (2.0, -1.0, 3.0, -2.0))
        self.assertEqual(row[5], 1)
        self.assertAlmostEqual(row[6], 1.0, places=12)
        self.assertIsNone(row[7])
        self.assertEqual(row[8], 5)


class LoaderTest(unittest.TestCase):
    def test_csv_records(self):
        recs = reference_db.read_csv_records('a,b,c\r\n1,,"x,""y"""\n"",2,\n\n"l1\nl2",3,4')
        self.assertEqual(recs[1], [("1", False), ("", False), ('x,"y"', True)])
        self.assertEqual(recs[2], [("", True), ("2", False), ("", False)])
        self.assertEqual(recs[3], [("l1\nl2", True), ("3", False), ("4", False)])
        self.assertEqual(len(recs), 4)
        # In a result, an empty line is a row of one NULL.
        self.assertEqual(reference_db.read_csv_records("x\r\n\r\n1\r\n", skip_blank_lines=False),
                         [[("x", False)], [("", False)], [("1", False)]])

    def test_convert(self):
        c = reference_db.convert
        self.assertIsNone(c("string", "", False))
        self.assertEqual(c("string", "", True), "")
        self.assertIsNone(c("int", "", True))
        self.assertEqual(c("int", "+42", False), 42)
        self.assertEqual(c("int", "9223372036854775807", False), 2 ** 63 - 1)
        self.assertEqual(c("real", "21.3", False), 21.299999237060547)
        self.assertEqual(c("bool", "true", False), 1)
        self.assertEqual(c("bool", "0", False), 0)
        self.assertEqual(c("timestamp", "2022-02-01", False), "2022-02-01T00:00:00")

    def test_edge_release_loads(self):
        ref = reference_db.load_release(os.path.join(HERE, "fixture", "edgecases", "manifest.yaml"))
        self.assertEqual(ref.release, "edgecases")
        self.assertEqual(ref.query("SELECT COUNT(*) FROM Pts"), [(40,)])
        self.assertEqual(ref.query("SELECT COUNT(*) FROM NoRows"), [(0,)])
        self.assertEqual(ref.query("SELECT name FROM Pts WHERE id = 38"), [("line1\nline2",)])
        self.assertEqual(ref.query("SELECT big FROM Pts WHERE id = 1"), [(2 ** 63 - 1,)])
        self.assertEqual(ref.query("SELECT COUNT(*) FROM Vals WHERE k IS NULL AND v IS NULL"),
                         [(2,)])
        # LIKE is case-sensitive in the reference, as in ADQL.
        self.assertEqual(ref.query("SELECT COUNT(*) FROM Pts WHERE name LIKE 'MIXED%'"), [(0,)])


class CompareTest(unittest.TestCase):
    def eq(self, expected, text, quoted=False):
        return compare.cell_equal(expected, (text, quoted), 1e-9, 1e-12)

    def test_cells(self):
        self.assertTrue(self.eq(None, ""))
        self.assertFalse(self.eq(None, "", quoted=True))  # "" is the empty string
        self.assertTrue(self.eq("", "", quoted=True))
        self.assertFalse(self.eq("", ""))
        self.assertTrue(self.eq(1, "true"))
        self.assertTrue(self.eq(0, "false"))
        self.assertFalse(self.eq(2, "true"))
        self.assertTrue(self.eq(1609000000000000003, "1609000000000000003"))
        # A 64-bit id squeezed through a double does not match.
        self.assertFalse(self.eq(1609000000000000003, "1.609e+18"))
        self.assertFalse(self.eq(1609000000000000003, "1609000000000000000"))
        self.assertTrue(self.eq(3, "3.0000000000000004"))
        self.assertTrue(self.eq(0.1 + 0.2, "0.3"))
        self.assertFalse(self.eq(0.3, "0.30001"))
        self.assertTrue(self.eq(math.inf, "+Inf"))
        self.assertTrue(self.eq(-math.inf, "-Inf"))
        # A REAL printed as a float.
        self.assertTrue(self.eq(21.299999237060547, "21.3"))
        self.assertFalse(self.eq(21.3, "21.3000001"))
        self.assertFalse(self.eq("a", ""))
        self.assertFalse(self.eq(1.5, ""))

    def test_rows(self):
        exp = [(1, "a", None), (2, "b", 1.5), (2, "b", 1.5)]
        got = [[("2", False), ("b", False), ("1.5", False)],
               [("1", False), ("a", False), ("", False)],
               [("2", False), ("b", False), ("1.5000000000000002", False)]]
        self.assertIsNone(compare.compare_rows(exp, got, False, 1e-9, 1e-12))
        self.assertIsNotNone(compare.compare_rows(exp, got, True, 1e-9, 1e-12))
        self.assertIsNotNone(compare.compare_rows(exp, got[:2], False, 1e-9, 1e-12))
        diff = compare.compare_rows(exp, got[:2] + [got[1]], False, 1e-9, 1e-12)
        self.assertIn("missing", diff)
        # Many 64-bit ids that are equal as doubles still line up.
        ids = [1609000000000000001 + 7 * i for i in range(3000)]
        exp = [(i,) for i in ids]
        got = [[(str(i), False)] for i in reversed(ids)]
        self.assertIsNone(compare.compare_rows(exp, got, False, 1e-9, 1e-12))
        got[5] = [(str(ids[5] + 1), False)]
        diff = compare.compare_rows(exp, got, False, 1e-9, 1e-12)
        self.assertIn("1 expected rows missing, 1 unexpected rows", diff)


class CorpusFileTest(unittest.TestCase):
    def test_every_corpus_file_parses(self):
        files = sorted(glob.glob(os.path.join(HERE, "corpus", "*.test")))
        self.assertTrue(files)
        total = 0
        for path in files:
            cases = corpus_file.read_corpus_file(path)
            self.assertTrue(cases, path)
            total += len(cases)
        self.assertGreaterEqual(total, 300)

    def test_format(self):
        text = ("# a comment\nrelease edgecases\n\n# describes it\nquery ordered tol=1e-6\n"
                "SELECT a\nFROM edgecases.T\n----\nSELECT a FROM T ORDER BY a\n====\n\n"
                "query error no column x\nSELECT x FROM edgecases.T\n====\n\n"
                "query\nSELECT b FROM edgecases.T\n====\n")
        with tempfile.NamedTemporaryFile("w", suffix=".test", delete=False) as f:
            f.write(text)
        try:
            cases = corpus_file.read_corpus_file(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(len(cases), 3)
        a, b, c = cases
        self.assertEqual((a.release, a.description, a.ordered, a.rel_tol),
                         ("edgecases", "describes it", True, 1e-6))
        self.assertEqual(a.adql, "SELECT a\nFROM edgecases.T")
        self.assertEqual(a.reference, "SELECT a FROM T ORDER BY a")
        self.assertEqual((b.error, b.reference), ("no column x", None))
        self.assertEqual(c.reference, "SELECT b FROM T")

    def test_multisets(self):
        a = [(1,), (1,), (1,), (2,), (None,)]
        b = [(1,), (1,), (None,), (None,), (3,)]
        self.assertEqual(sorted(run_corpus.multiset_intersect(a, b), key=str),
                         sorted([(1,), (1,), (None,)], key=str))
        self.assertEqual(sorted(run_corpus.multiset_except(a, b), key=str),
                         sorted([(1,), (2,)], key=str))


if __name__ == "__main__":
    unittest.main()
