#!/usr/bin/python3
"""Write a skyshard release manifest and Felis schema for the DaCHS peer's CSV files.

The DaCHS peer (../shared/peers/dachs/gen_data.py) writes three CSV files:

  object.csv        objectId,coord_ra,coord_dec,g_psfFlux,r_psfFlux,i_psfFlux
  ccdvisit.csv      ccdVisitId,band,expMidptMJD
  forcedsource.csv  objectId,ccdVisitId,band,psfFlux,psfFluxErr

skyshard's loader requires every column of a table's Felis schema to be present in its files,
and the DP0.2 schema of `skyshard gen dp02` has many more columns (and a forcedSourceId key
that the peer's files lack). So this script writes, next to the CSV files, a Felis schema
that declares exactly these columns under the DP0.2 names (release dp02_dc2_catalogs, tables
Object, ForcedSource and CcdVisit, the same column names, Felis types, units and UCDs as
DP0.2), and a manifest that loads the *same files* DaCHS imports: both servers then hold
identical rows. ForcedSource has no primary key here (the peer's rows have no
forcedSourceId); the loader keys such a child table by load order, which is what DaCHS does
too (its forcedsource table has no primary key either).

  tap_manifest.py DIR        writes DIR/skyshard_tap.yaml (schema) and DIR/skyshard_tap_manifest.yaml

Exits non-zero with a message naming the file when a CSV is missing or its header is not the
one expected.
"""
import os
import sys

RELEASE = "dp02_dc2_catalogs"

# (name, felis datatype, extra keys) per column, in file order. Descriptions and UCDs follow
# DP0.2 (dp02_dc2.yaml); `band` is char(1) as in DP0.2.
TABLES = [
    ("Object", "object.csv", "objectId", 10, [
        ("objectId", "long", {"ivoa:ucd": "meta.id;src;meta.main",
                              "description": "Identifier of the object, unique in the release."}),
        ("coord_ra", "double", {"fits:tunit": "deg", "ivoa:ucd": "pos.eq.ra;meta.main",
                                "description": "ICRS right ascension of the object centroid."}),
        ("coord_dec", "double", {"fits:tunit": "deg", "ivoa:ucd": "pos.eq.dec;meta.main",
                                 "description": "ICRS declination of the object centroid."}),
        ("g_psfFlux", "double", {"fits:tunit": "nJy", "ivoa:ucd": "phot.flux;em.opt.B",
                                 "description": "PSF flux in the g band."}),
        ("r_psfFlux", "double", {"fits:tunit": "nJy", "ivoa:ucd": "phot.flux;em.opt.R",
                                 "description": "PSF flux in the r band."}),
        ("i_psfFlux", "double", {"fits:tunit": "nJy", "ivoa:ucd": "phot.flux;em.opt.I",
                                 "description": "PSF flux in the i band."}),
    ]),
    ("ForcedSource", "forcedsource.csv", None, 30, [
        ("objectId", "long", {"ivoa:ucd": "meta.id;src",
                              "description": "The measured Object (Object.objectId)."}),
        ("ccdVisitId", "long", {"ivoa:ucd": "meta.id;obs.image",
                                "description": "The visit image measured (CcdVisit.ccdVisitId)."}),
        ("band", "char", {"length": 1, "ivoa:ucd": "meta.id;instr.filter",
                          "description": "Band of the visit (one of ugrizy)."}),
        ("psfFlux", "double", {"fits:tunit": "nJy", "ivoa:ucd": "phot.flux",
                               "description": "Forced PSF flux on the visit image."}),
        ("psfFluxErr", "double", {"fits:tunit": "nJy", "ivoa:ucd": "stat.error;phot.flux",
                                  "description": "Uncertainty of psfFlux."}),
    ]),
    ("CcdVisit", "ccdvisit.csv", "ccdVisitId", 80, [
        ("ccdVisitId", "long", {"ivoa:ucd": "meta.id;obs.image;meta.main",
                                "description": "Identifier of the CCD image."}),
        ("band", "char", {"length": 1, "ivoa:ucd": "meta.id;instr.bandpass",
                          "description": "Abstract band of the exposure (one of ugrizy)."}),
        ("expMidptMJD", "double", {"fits:tunit": "d", "ivoa:ucd": "time.epoch;obs.exposure",
                                   "description": "Middle of the exposure (TAI), as a MJD."}),
    ]),
]


def yaml_str(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def schema_text():
    out = ["name: " + RELEASE, "'@id': '#" + RELEASE + "'",
           "description: " + yaml_str("The DaCHS benchmark peer's synthetic LSST-like catalog "
                                      "(gen_data.py), under DP0.2 names."),
           "tables:"]
    for name, _, pk, index, cols in TABLES:
        out += ["- name: " + name, "  '@id': '#%s'" % name,
                "  description: " + yaml_str(name + " of the DaCHS peer's synthetic catalog."),
                "  tap:table_index: %d" % index]
        if pk:
            out.append("  primaryKey: '#%s.%s'" % (name, pk))
        if name == "ForcedSource":
            out += ["  constraints:",
                    "  - name: Obj_FS", "    '@type': ForeignKey",
                    "    '@id': '#FK_ForcedSource_objectId_Object_objectId'",
                    "    columns: ['#ForcedSource.objectId']",
                    "    referencedColumns: ['#Object.objectId']",
                    "  - name: CcdV_FS", "    '@type': ForeignKey",
                    "    '@id': '#FK_ForcedSource_ccdVisitId_CcdVisit_ccdVisitId'",
                    "    columns: ['#ForcedSource.ccdVisitId']",
                    "    referencedColumns: ['#CcdVisit.ccdVisitId']"]
        out.append("  columns:")
        for i, (cname, dtype, extra) in enumerate(cols, 1):
            out += ["  - name: " + cname, "    '@id': '#%s.%s'" % (name, cname),
                    "    datatype: " + dtype]
            for k in ("length", "fits:tunit", "ivoa:ucd", "description"):
                if k in extra:
                    v = extra[k]
                    out.append("    %s: %s" % (k, v if isinstance(v, int) else yaml_str(v)))
            out += ["    tap:principal: 1", "    tap:column_index: %d" % i]
    return "\n".join(out) + "\n"


MANIFEST = """\
# Written by tests/bench/tap_manifest.py: the DaCHS peer's CSV files under DP0.2 names.
release: dp02_dc2_catalogs
schema: skyshard_tap.yaml
tables:
  Object:
    files: [object.csv]
    position: [coord_ra, coord_dec]
  ForcedSource:
    files: [forcedsource.csv]
    parent: {table: Object, key: objectId}
  CcdVisit:
    files: [ccdvisit.csv]
"""


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tap_manifest.py DIR (the directory of gen_data.py's CSV files)")
    d = sys.argv[1]
    for name, fname, _, _, cols in TABLES:
        path = os.path.join(d, fname)
        try:
            with open(path) as f:
                header = f.readline().strip()
        except OSError as ex:
            sys.exit("tap_manifest: %s: %s" % (path, ex.strerror))
        want = ",".join(c[0] for c in cols)
        if header != want:
            sys.exit("tap_manifest: %s: header is %r, expected %r (table %s)"
                     % (path, header, want, name))
    for fname, text in (("skyshard_tap.yaml", schema_text()),
                        ("skyshard_tap_manifest.yaml", MANIFEST)):
        tmp = os.path.join(d, fname + ".tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, os.path.join(d, fname))


if __name__ == "__main__":
    main()
