"""The reference database of the query corpus: a release's CSV files loaded into SQLite with
Python's own readers, never through skyshard (tests/query/README.md).

`load_release(manifest_path)` reads the manifest and the Felis schema with PyYAML, reads every
CSV file with `read_csv_records` below, and returns a `Reference` holding an in-memory sqlite3
connection with one table per release table (the plain table name, no schema), the functions of
reference_functions.py registered, and the schema kept for TAP_SCHEMA expectations.

Values are stored as the store keeps them: integers (and booleans, as 0/1) as Python ints,
`double` as floats, `float` (REAL) rounded to the nearest 32-bit float, strings as text,
timestamps as the canonical text a result carries ('2023-05-01T03:04:05.123456'), so that text
order is time order. Columns have no declared type, so SQLite never converts a value.

Thread safety: a Reference is used by one thread.
"""
import glob
import math
import os
import sqlite3

import yaml

import reference_functions as rf

INTEGER_TYPES = {"byte", "short", "int", "long", "bigint", "smallint", "integer"}
FLOAT_TYPES = {"float", "real"}
DOUBLE_TYPES = {"double"}
BOOLEAN_TYPES = {"boolean", "bool"}
STRING_TYPES = {"char", "string", "unicode", "text", "varchar"}
TIMESTAMP_TYPES = {"timestamp"}


def read_csv_records(text, skip_blank_lines=True):
    """Parses RFC 4180 text (records ended by CRLF or LF) into lists of (value, quoted) fields.
    A quoted field may hold commas, doubled quotes and line breaks. A blank line is skipped
    (data files), or with skip_blank_lines=False is a record of one empty field (a result of
    one column holding NULL)."""
    records = []
    fields = []
    i, n = 0, len(text)
    at_record_start = True
    while i < n:
        if at_record_start and skip_blank_lines and text[i] in "\r\n":
            # A blank line.
            i += 2 if text.startswith("\r\n", i) else 1
            continue
        at_record_start = False
        if text[i] == '"':
            j = i + 1
            buf = []
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise ValueError("unterminated quoted field")
                buf.append(text[j:k])
                if text.startswith('""', k):
                    buf.append('"')
                    j = k + 2
                else:
                    i = k + 1
                    break
            fields.append(("".join(buf), True))
        else:
            j = i
            while j < n and text[j] not in ",\r\n":
                j += 1
            fields.append((text[i:j], False))
            i = j
        if i >= n:
            break
        if text[i] == ",":
            i += 1
            if i >= n:
                fields.append(("", False))  # "a,b," at the very end
            continue
        if text.startswith("\r\n", i):
            i += 2
        elif text[i] == "\n":
            i += 1
        else:
            raise ValueError("unexpected %r after a quoted field at offset %d" % (text[i], i))
        records.append(fields)
        fields = []
        at_record_start = True
    if fields:
        records.append(fields)
    return records


def column_kind(felis_type):
    t = felis_type.lower()
    if "(" in t:
        t = t[:t.index("(")]
    for kind, names in (("int", INTEGER_TYPES), ("real", FLOAT_TYPES), ("double", DOUBLE_TYPES),
                        ("bool", BOOLEAN_TYPES), ("string", STRING_TYPES),
                        ("timestamp", TIMESTAMP_TYPES)):
        if t in names:
            return kind
    raise ValueError("unknown Felis datatype " + felis_type)


def convert(kind, text, quoted):
    """A CSV field as the store holds it (None for NULL)."""
    if kind == "string":
        if text == "" and not quoted:
            return None
        return text
    t = text.strip(" \t")
    if t == "":
        return None
    if kind == "int":
        return int(t.lstrip("+"))
    if kind in ("double", "real"):
        v = float(t)
        if math.isnan(v):
            raise ValueError("NaN cannot be stored in SQLite; keep it out of the fixture")
        return rf.to_real(v) if kind == "real" else v
    if kind == "bool":
        b = t.lower()
        if b in ("1", "true", "t", "yes"):
            return 1
        if b in ("0", "false", "f", "no"):
            return 0
        raise ValueError("not a boolean: " + text)
    if kind == "timestamp":
        return rf.format_timestamp(rf.parse_timestamp(t))
    raise AssertionError(kind)


class Reference:
    def __init__(self, release, schema, conn):
        self.release = release  # the manifest's release name (the ADQL schema)
        self.schema = schema  # the Felis YAML, parsed
        self.conn = conn
        self.tables = [t["name"] for t in schema["tables"]]

    def query(self, sql):
        """Rows of `sql` as a list of tuples."""
        return [tuple(r) for r in self.conn.execute(sql).fetchall()]


def load_release(manifest_path, reverse_rows=False):
    """The reference of one release. `reverse_rows` inserts the rows in reverse order, so that
    a query whose ORDER BY leaves ties gives a different order (a check of the corpus)."""
    manifest_path = os.path.abspath(manifest_path)
    base = os.path.dirname(manifest_path)
    with open(manifest_path) as f:
        manifest = yaml.safe_load(f)
    with open(os.path.join(base, manifest["schema"])) as f:
        schema = yaml.safe_load(f)
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute("PRAGMA case_sensitive_like = ON")  # ADQL LIKE is case-sensitive
    rf.register(conn)
    felis_tables = {t["name"].lower(): t for t in schema["tables"]}
    for name, entry in manifest["tables"].items():
        table = felis_tables[name.lower()]
        columns = table["columns"]
        kinds = {c["name"].lower(): column_kind(c["datatype"]) for c in columns}
        col_sql = ", ".join('"%s"' % c["name"] for c in columns)
        conn.execute('CREATE TABLE "%s" (%s)' % (table["name"], col_sql))
        patterns = entry["files"] if isinstance(entry["files"], list) else [entry["files"]]
        files = sorted({os.path.normpath(p) for pat in patterns
                        for p in glob.glob(os.path.join(base, pat))}, reverse=reverse_rows)
        for path in files:
            with open(path, encoding="utf-8", newline="") as f:
                records = read_csv_records(f.read())
            header = [h.strip() for h, _ in records[0]]
            header_kinds = [kinds[h.lower()] for h in header]
            rows = []
            for rec in records[1:]:
                if len(rec) != len(header):
                    raise ValueError("%s: a record of %d fields, expected %d"
                                     % (path, len(rec), len(header)))
                rows.append([convert(k, t, q) for k, (t, q) in zip(header_kinds, rec)])
            if reverse_rows:
                rows.reverse()
            cols = ", ".join('"%s"' % h for h in header)
            marks = ", ".join("?" for _ in header)
            conn.executemany('INSERT INTO "%s" (%s) VALUES (%s)' % (table["name"], cols, marks),
                             rows)
        # Keys and join columns, so that the reference's joins stay fast.
        for c in columns:
            if c["name"].lower() in ("objectid", "ccdvisitid", "diaobjectid", "id", "k"):
                conn.execute('CREATE INDEX "ix_%s_%s" ON "%s" ("%s")'
                             % (table["name"], c["name"], table["name"], c["name"]))
    conn.commit()
    return Reference(manifest["release"], schema, conn)
