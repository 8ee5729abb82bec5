#!/usr/bin/python3
"""Reads back what votable_dump wrote and compares every value and NULL with expected.json.

Usage: check_votable.py PATH/TO/votable_dump [--keep DIR]

Each VOTable is read twice, by independent readers: astropy.io.votable (what clients use), and
a reader in this file (ElementTree for TABLEDATA; struct over the base64 STREAM for BINARY and
BINARY2) that sees what astropy hides: NaN versus NULL, empty versus NULL, whitespace at the
ends of a TD. Then `stilts votlint` must report no ERROR or WARNING for each VOTable. CSV and TSV
are read with Python's csv module and a TSV splitter. Exit status 0 when everything matches.
"""

import base64
import datetime
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import warnings
import xml.etree.ElementTree as ET
from fractions import Fraction

import numpy as np
from astropy.io.votable import parse

NS = "{http://www.ivoa.net/xml/VOTable/v1.3}"
EPOCH = datetime.datetime(1970, 1, 1)
failures = []


def fail(where, msg):
    failures.append(f"{where}: {msg}")
    if len(failures) < 40:
        print(f"FAIL {where}: {msg}")


def f32(bits):
    return struct.unpack(">f", struct.pack(">I", bits))[0]


def f64(bits):
    return struct.unpack(">d", struct.pack(">Q", bits))[0]


def iso(micros):
    return EPOCH + datetime.timedelta(microseconds=micros)


def nearest_float32(text, bits):
    """True when decimal `text` rounds to the float32 with `bits` (checked with exact rationals,
    not through a double, so double rounding cannot hide an error)."""
    want = np.frombuffer(struct.pack("<I", bits), dtype="<f4")[0]
    if text in ("NaN", "+Inf", "-Inf"):
        return {"NaN": math.isnan, "+Inf": lambda v: v == math.inf,
                "-Inf": lambda v: v == -math.inf}[text](float(want))
    x = Fraction(text)
    if x == 0:
        return float(want) == 0 and math.copysign(1, float(want)) == math.copysign(1, float(text))
    if not math.isfinite(float(want)):
        return False
    err = abs(x - Fraction(float(want)))
    for direction in (np.float32(np.inf), np.float32(-np.inf)):
        with np.errstate(over="ignore"):
            neighbour = np.nextafter(want, direction)
        if math.isfinite(float(neighbour)) and abs(x - Fraction(float(neighbour))) < err:
            return False
    return True


def same_double(got, bits):
    want = f64(bits)
    if math.isnan(want):
        return math.isnan(got)
    return struct.pack(">d", got) == struct.pack(">Q", bits)


# ---- the exact readers ---------------------------------------------------------------------

def read_tabledata(root):
    rows = []
    for tr in root.iter(NS + "TR"):
        rows.append([td.text if td.text is not None else "" for td in tr.findall(NS + "TD")])
    return rows


def read_binary(root, fields, with_flags):
    """Returns rows of (null_flag or None, raw value) decoded from the STREAM."""
    stream = next(root.iter(NS + "STREAM"))
    data = base64.b64decode("".join(stream.text.split()), validate=True)
    pos = 0
    rows = []
    nflag = (len(fields) + 7) // 8

    def take(n):
        nonlocal pos
        if pos + n > len(data):
            raise ValueError("stream ends inside a row")
        b = data[pos:pos + n]
        pos += n
        return b

    while pos < len(data):
        flags = take(nflag) if with_flags else None
        row = []
        for i, f in enumerate(fields):
            dt, size = f.get("datatype"), f.get("arraysize")
            null = bool(flags[i // 8] & (0x80 >> (i % 8))) if with_flags else None
            if dt in ("short", "int", "long"):
                fmt = {"short": ">h", "int": ">i", "long": ">q"}[dt]
                v = struct.unpack(fmt, take(struct.calcsize(fmt)))[0]
            elif dt == "float":
                v = struct.unpack(">I", take(4))[0]
            elif dt == "double":
                v = struct.unpack(">Q", take(8))[0]
            elif dt == "boolean":
                v = take(1).decode("ascii")
            else:
                width = 2 if dt == "unicodeChar" else 1
                if size.endswith("*"):
                    n = struct.unpack(">I", take(4))[0]
                    raw = take(n * width)
                else:
                    raw = take(int(size) * width)
                text = raw.decode("utf-16-be" if width == 2 else "utf-8")
                v = text.split("\0", 1)[0] if not size.endswith("*") else text
            row.append((null, v))
        rows.append(row)
    return rows


def check_exact(name, fmt, root, fields_xml, exp):
    types = [f["type"] for f in exp["fields"]]
    if fmt == "td":
        rows = read_tabledata(root)
    else:
        rows = read_binary(root, fields_xml, fmt == "b2")
    if len(rows) != len(exp["rows"]):
        fail(name, f"{len(rows)} rows, expected {len(exp['rows'])}")
        return
    sentinels = {}
    for i, f in enumerate(fields_xml):
        values = f.find(NS + "VALUES")
        if values is not None and values.get("null") is not None:
            sentinels[i] = int(values.get("null"))
    for r, (got_row, want_row) in enumerate(zip(rows, exp["rows"])):
        for c, (got, want) in enumerate(zip(got_row, want_row)):
            where = f"{name} exact row {r} col {exp['fields'][c]['name']}"
            t = types[c]
            if fmt == "td":
                text = got
                if want is None or (t in ("CHAR", "VARCHAR") and want == ""):
                    # NULL is an empty TD; so is an empty string (VOTable 1.4 section 5.1).
                    if text != "":
                        fail(where, f"NULL/empty written as {text!r}")
                    continue
                if t in ("SMALLINT", "INTEGER", "BIGINT"):
                    ok = text == str(want)
                elif t == "BOOLEAN":
                    ok = text == ("T" if want else "F")
                elif t == "REAL":
                    ok = nearest_float32(text, want)
                elif t == "DOUBLE":
                    ok = same_double(float(text), want)
                elif t == "TIMESTAMP":
                    ok = datetime.datetime.fromisoformat(text) == iso(want)
                else:
                    ok = text == want
                if not ok:
                    fail(where, f"wrote {text!r}, expected {want!r}")
                continue
            null, v = got
            if fmt == "b2":
                if null != (want is None):
                    fail(where, f"NULL flag {null}, expected value {want!r}")
                    continue
                if want is None:
                    continue
            else:  # BINARY: NULL only through sentinels, NaN, '?' and empty strings
                if t in ("SMALLINT", "INTEGER", "BIGINT"):
                    if want is None or want == sentinels.get(c):
                        if v != sentinels.get(c):
                            fail(where, f"NULL written as {v}, sentinel {sentinels.get(c)}")
                        continue
                elif t in ("REAL", "DOUBLE"):
                    if want is None:
                        if not math.isnan(f32(v) if t == "REAL" else f64(v)):
                            fail(where, "NULL float is not NaN")
                        continue
                elif t == "BOOLEAN":
                    if want is None:
                        if v != "?":
                            fail(where, f"NULL boolean written as {v!r}")
                        continue
                elif want is None:
                    if v != "":
                        fail(where, f"NULL string written as {v!r}")
                    continue
            if t == "BOOLEAN":
                ok = v == ("T" if want else "F")
            elif t == "TIMESTAMP":
                ok = datetime.datetime.fromisoformat(v) == iso(want)
            else:
                ok = v == want  # integers, float bits, strings
            if not ok:
                fail(where, f"read {v!r}, expected {want!r}")


# ---- astropy --------------------------------------------------------------------------------

def check_astropy(name, fmt, path, exp):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vot = parse(path, verify="warn")
    for w in caught:
        # W03: a FIELD name that is not an XML ID (the test has one on purpose) gets an ID made up.
        if "W03" not in str(w.message):
            fail(name, f"astropy warning: {w.message}")
    table = vot.get_first_table()
    for f, want in zip(table.fields, exp["fields"]):
        for attr in ("name", "ucd", "utype", "description"):
            if (getattr(f, attr) or "") != want[attr]:
                fail(name, f"FIELD {attr} {getattr(f, attr)!r}, expected {want[attr]!r}")
        if (str(f.unit) if f.unit is not None else "") != want["unit"]:
            fail(name, f"FIELD unit {f.unit!r}, expected {want['unit']!r}")
    arr = table.array
    if len(arr) != len(exp["rows"]):
        fail(name, f"astropy reads {len(arr)} rows, expected {len(exp['rows'])}")
        return
    sentinel_hit = 0
    for c, fexp in enumerate(exp["fields"]):
        t = fexp["type"]
        col = arr[table.fields[c].name]
        data, mask = np.ma.getdata(col), np.ma.getmaskarray(col)
        for r, row in enumerate(exp["rows"]):
            want = row[c]
            where = f"{name} astropy row {r} col {fexp['name']}"
            got, masked = data[r], bool(mask[r])
            if t in ("SMALLINT", "INTEGER", "BIGINT"):
                if want is None:
                    ok = masked
                elif masked and fmt == "b" and want == -(1 << {"SMALLINT": 15, "INTEGER": 31,
                                                                 "BIGINT": 63}[t]):
                    ok, sentinel_hit = True, sentinel_hit + 1  # BINARY cannot tell it from NULL
                else:
                    ok = not masked and int(got) == want
            elif t in ("REAL", "DOUBLE"):
                wv = f32(want) if (want is not None and t == "REAL") else (
                    f64(want) if want is not None else None)
                if want is None or math.isnan(wv):
                    ok = masked or math.isnan(float(got))  # astropy takes NaN as NULL
                elif t == "REAL":
                    ok = not masked and struct.pack(">f", got) == struct.pack(">I", want)
                else:
                    ok = not masked and struct.pack(">d", got) == struct.pack(">Q", want)
            elif t == "BOOLEAN":
                ok = masked if want is None else (not masked and bool(got) == want)
            elif t == "TIMESTAMP":
                if want is None:
                    ok = masked or got == ""
                else:
                    ok = datetime.datetime.fromisoformat(str(got)) == iso(want)
            else:
                w = "" if want is None else want
                g = "" if masked else str(got)
                # astropy strips white space at the ends of a TD (the exact reader checks it).
                ok = g == w or (fmt == "td" and g == w.strip())
            if not ok:
                fail(where, f"astropy {got!r} (masked {masked}), expected {want!r}")
    if sentinel_hit:
        print(f"{name}: {sentinel_hit} integers equal to the BINARY NULL sentinel read as NULL")


def check_structure(name, root, status, exp, stream_error):
    if root.tag != NS + "VOTABLE" or root.get("version") != "1.4":
        fail(name, f"root {root.tag} version {root.get('version')}")
    res = root.find(NS + "RESOURCE")
    if res is None or res.get("type") != "results":
        fail(name, "no RESOURCE type=results")
        return []
    kids = list(res)
    infos = [(k.get("name"), k.get("value")) for k in kids if k.tag == NS + "INFO"]
    if not kids or kids[0].tag != NS + "INFO" or infos[0] != ("QUERY_STATUS", "OK"):
        fail(name, "first child is not INFO QUERY_STATUS=OK")
    tags = [k.tag.replace(NS, "") for k in kids]
    after = kids[tags.index("TABLE") + 1:]
    if status == "OK":
        if after:
            fail(name, f"elements after TABLE: {[k.tag for k in after]}")
    else:
        if len(after) != 1 or after[0].get("name") != "QUERY_STATUS" or \
                after[0].get("value") != status:
            fail(name, f"no single trailing INFO QUERY_STATUS={status}")
        elif status == "ERROR" and after[0].text != stream_error:
            fail(name, f"trailing error text {after[0].text!r}")
    if ("QUERY", "SELECT * FROM t WHERE a < 1 AND b = 'x'") not in infos:
        fail(name, f"INFO QUERY missing: {infos}")
    fields = list(res.find(NS + "TABLE").iter(NS + "FIELD"))
    for f, want in zip(fields, exp["fields"]):
        if f.get("name") != want["name"]:
            fail(name, f"FIELD name {f.get('name')!r}, expected {want['name']!r}")
        if want["type"] == "TIMESTAMP" and f.get("xtype") != "timestamp":
            fail(name, "timestamp FIELD without xtype=timestamp")
    return fields


def check_delimited(name, path, exp, tsv):
    import csv
    with open(path, newline="", encoding="utf-8") as fh:
        if tsv:
            text = fh.read()
            if not text.endswith("\n"):
                fail(name, "no final LF")
            esc = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}

            def unescape(s):
                out, i = [], 0
                while i < len(s):
                    if s[i] == "\\":
                        out.append(esc[s[i + 1]])
                        i += 2
                    else:
                        out.append(s[i])
                        i += 1
                return "".join(out)
            records = [[unescape(x) for x in line.split("\t")] for line in text[:-1].split("\n")]
        else:
            records = list(csv.reader(fh, strict=True))
    if records[0] != [f["name"] for f in exp["fields"]]:
        fail(name, f"header {records[0]}")
    if len(records) - 1 != len(exp["rows"]):
        fail(name, f"{len(records) - 1} rows, expected {len(exp['rows'])}")
        return
    for r, (rec, row) in enumerate(zip(records[1:], exp["rows"])):
        for c, (text, want) in enumerate(zip(rec, row)):
            t = exp["fields"][c]["type"]
            if want is None:
                ok = text == ""
            elif t in ("SMALLINT", "INTEGER", "BIGINT"):
                ok = text == str(want)
            elif t == "BOOLEAN":
                ok = text == ("true" if want else "false")
            elif t == "REAL":
                ok = nearest_float32(text, want)
            elif t == "DOUBLE":
                ok = same_double(float(text), want)
            elif t == "TIMESTAMP":
                ok = datetime.datetime.fromisoformat(text) == iso(want)
            else:
                ok = text == want
            if not ok:
                fail(f"{name} row {r} col {exp['fields'][c]['name']}", f"{text!r} vs {want!r}")


def votlint(path):
    out = subprocess.run(["stilts", "votlint", f"votable={path}"], capture_output=True, text=True)
    lines = [l for l in (out.stdout + out.stderr).splitlines()
             if l.startswith("ERROR") or l.startswith("WARNING")]
    for l in lines:
        fail(os.path.basename(path), f"votlint: {l}")
    if out.returncode != 0:
        fail(os.path.basename(path), f"votlint exit {out.returncode}: {out.stderr[-500:]}")


def main():
    dump = sys.argv[1]
    keep = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--keep" else None
    with tempfile.TemporaryDirectory() as tmp:
        out = keep or tmp
        os.makedirs(out, exist_ok=True)
        subprocess.run([dump, out], check=True)
        with open(os.path.join(out, "expected.json"), encoding="utf-8") as fh:
            exp = json.load(fh)
        for key in ("td", "b", "b2"):
            info = exp["files"][key]
            path = os.path.join(out, info["path"])
            root = ET.parse(path).getroot()
            fields = check_structure(info["path"], root, info["status"], exp, exp["stream_error"])
            check_exact(info["path"], key, root, fields, exp)
            check_astropy(info["path"], key, path, exp)
            votlint(path)
        err = os.path.join(out, exp["error"]["path"])
        root = ET.parse(err).getroot()
        infos = list(root.iter(NS + "INFO"))
        if len(infos) != 1 or infos[0].get("value") != "ERROR" or \
                infos[0].text != exp["error"]["message"]:
            fail("error.vot", "not one INFO QUERY_STATUS=ERROR with the message")
        vot = parse(err, verify="exception")
        res = vot.resources[0]
        if res.type != "results" or [(i.name, i.value, i.content) for i in res.infos] != [
                ("QUERY_STATUS", "ERROR", exp["error"]["message"])]:
            fail("error.vot", f"astropy sees {[(i.name, i.value, i.content) for i in res.infos]}")
        votlint(err)
        check_delimited("result.csv", os.path.join(out, exp["files"]["csv"]["path"]), exp, False)
        check_delimited("result.tsv", os.path.join(out, exp["files"]["tsv"]["path"]), exp, True)
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print(f"OK: {len(exp['rows'])} rows in 5 formats and the error document read back exactly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
