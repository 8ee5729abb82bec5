#!/usr/bin/env python3
"""PostgreSQL DDL for a release written by `skyshard gen dp02 --format csv`.

Reads the release's manifest.yaml, its Felis schema (the manifest's `schema:` entry,
e.g. dp02_dc2.yaml) and the CSV header of each table's first file, and prints one
CREATE TABLE statement per table with PostgreSQL types matching the Felis datatypes
and the columns in CSV header order (so that COPY ... WITH (FORMAT csv, HEADER true)
loads the files as they are). Identifiers are double-quoted to keep their mixed case:
"Object", "objectId".

Usage:
  pg_schema.py MANIFEST.yaml [--tables Object,ForcedSource]   # CREATE TABLE statements
  pg_schema.py MANIFEST.yaml --list-tables                    # the manifest's tables
  pg_schema.py MANIFEST.yaml --files TABLE                    # TABLE's CSV files, absolute
                                                              # paths, one a line
Exit status 2 on any mismatch (unknown datatype, a CSV column missing from the schema,
a schema column missing from the CSV, no files for a table).
"""

import argparse
import csv
import glob
import os
import sys

import yaml

# Felis datatype -> PostgreSQL type. char and string are handled in pg_type().
_SIMPLE_TYPES = {
    "boolean": "boolean",
    "byte": "smallint",  # PostgreSQL has no 1-byte integer
    "short": "smallint",
    "int": "integer",
    "long": "bigint",
    "float": "real",
    "double": "double precision",
    "timestamp": "timestamp",
    "text": "text",
    "string": "text",
    "unicode": "text",
}


class SchemaError(Exception):
    pass


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pg_type(column: dict) -> str:
    datatype = str(column.get("datatype", "")).strip().lower()
    length = column.get("length")
    if datatype == "char":
        # char(1) is the natural fit for band letters; longer fixed-length values keep
        # their exact text (no blank padding) in varchar(n).
        if length is None:
            return "text"
        n = int(length)
        return "char(1)" if n == 1 else f"varchar({n})"
    if datatype in ("string", "unicode", "text") and length is not None:
        return f"varchar({int(length)})"
    if datatype in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[datatype]
    raise SchemaError(f"column {column.get('name')!r}: unsupported Felis datatype {datatype!r}")


def load_release(manifest_path: str):
    with open(manifest_path, encoding="utf-8") as f:
        manifest = yaml.safe_load(f)
    base = os.path.dirname(os.path.abspath(manifest_path))
    schema_path = os.path.join(base, manifest["schema"])
    with open(schema_path, encoding="utf-8") as f:
        schema = yaml.safe_load(f)
    felis_tables = {t["name"]: t for t in schema.get("tables", [])}
    return manifest, base, felis_tables


def table_files(manifest: dict, base: str, table: str) -> list:
    tables = manifest.get("tables") or {}
    if table not in tables:
        raise SchemaError(f"table {table!r} is not in the manifest (has: {', '.join(tables)})")
    entry = tables[table] or {}
    patterns = entry.get("files") or []
    if isinstance(patterns, str):
        patterns = [patterns]
    files = []
    for pattern in patterns:
        files.extend(sorted(glob.glob(os.path.join(base, pattern))))
    if not files:
        raise SchemaError(f"table {table!r}: no file matches {patterns}")
    return files


def csv_header(path: str) -> list:
    with open(path, newline="", encoding="utf-8") as f:
        row = next(csv.reader(f), None)
    if not row:
        raise SchemaError(f"{path}: empty file, no CSV header")
    return row


def create_table(table: str, felis_table: dict, header: list) -> str:
    columns = {c["name"]: c for c in felis_table.get("columns", [])}
    missing_in_schema = [h for h in header if h not in columns]
    if missing_in_schema:
        raise SchemaError(f"table {table!r}: CSV columns not in the schema: {missing_in_schema}")
    missing_in_csv = [c for c in columns if c not in header]
    if missing_in_csv:
        raise SchemaError(f"table {table!r}: schema columns not in the CSV: {missing_in_csv}")
    lines = [f"  {quote_ident(h)} {pg_type(columns[h])}" for h in header]
    return f"CREATE TABLE {quote_ident(table)} (\n" + ",\n".join(lines) + "\n);"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifest", help="manifest.yaml of a CSV release")
    parser.add_argument("--tables", help="comma-separated tables (default: all in the manifest)")
    parser.add_argument("--files", metavar="TABLE", help="print TABLE's CSV files instead")
    parser.add_argument("--list-tables", action="store_true",
                        help="print the manifest's tables, one a line, instead")
    args = parser.parse_args(argv)
    try:
        manifest, base, felis_tables = load_release(args.manifest)
        if args.list_tables:
            for table in manifest.get("tables") or {}:
                print(table)
            return 0
        if args.files:
            for path in table_files(manifest, base, args.files):
                if not path.endswith(".csv"):
                    raise SchemaError(f"{path}: not a CSV file")
                print(path)
            return 0
        names = args.tables.split(",") if args.tables else list(manifest.get("tables") or {})
        statements = []
        for table in names:
            if table not in felis_tables:
                raise SchemaError(f"table {table!r} is not in the schema {manifest['schema']}")
            files = table_files(manifest, base, table)
            statements.append(create_table(table, felis_tables[table], csv_header(files[0])))
        print("\n\n".join(statements))
        return 0
    except (SchemaError, OSError, KeyError, yaml.YAMLError) as e:
        print(f"pg_schema.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
