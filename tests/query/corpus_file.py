"""Reader of the query corpus files, tests/query/corpus/*.test (format: tests/query/README.md).

A file is a sequence of records; between records, blank lines are skipped, `#` lines are
comments (those just above a record describe it) and `release NAME` selects the release that
the following records query (default: dp02_dc2_catalogs).

    # what the query checks
    query [ordered] [tol=1e-6] [empty] [rowcount] [maxrec=N] [columns=a,b] [python]
    ADQL text, any number of lines
    ----
    the reference: SQLite SQL, or with `python` a Python expression over helpers
    ====

Without a `----` section the reference SQL is the ADQL with the release's schema prefix
removed (`dp02_dc2_catalogs.Object` -> `Object`). `query error SUBSTRING` records have no
reference: skyshard must exit 1 with SUBSTRING (ASCII case ignored) in its message.
"""
import re
from dataclasses import dataclass, field
from typing import List, Optional

DEFAULT_RELEASE = "dp02_dc2_catalogs"


@dataclass
class Case:
    path: str
    line: int
    release: str
    description: str
    adql: str
    reference: Optional[str] = None  # SQL or Python text; None for error cases
    python: bool = False
    ordered: bool = False
    empty: bool = False  # an empty result is intended
    rowcount: bool = False  # compare the number of rows only
    rel_tol: float = 1e-9
    abs_tol: float = 1e-12
    maxrec: Optional[int] = None
    columns: Optional[List[str]] = None
    error: Optional[str] = None
    flags: List[str] = field(default_factory=list)

    @property
    def name(self):
        return "%s:%d" % (self.path, self.line)


def strip_schema(adql, release):
    """The ADQL text with `release.` before table names removed, for SQLite."""
    return re.sub(r'(?i)\b%s\s*\.\s*' % re.escape(release), "", adql)


def _parse_header(line, case):
    rest = line[len("query"):].strip()
    while rest:
        if rest.startswith("error"):
            msg = rest[len("error"):].strip()
            if not msg:
                raise ValueError("`error` needs the expected message substring")
            case.error = msg
            return
        token, _, rest = rest.partition(" ")
        rest = rest.strip()
        case.flags.append(token)
        if token == "ordered":
            case.ordered = True
        elif token == "empty":
            case.empty = True
        elif token == "rowcount":
            case.rowcount = True
        elif token == "python":
            case.python = True
        elif token.startswith("tol="):
            case.rel_tol = float(token[4:])
            case.abs_tol = max(case.abs_tol, case.rel_tol * 1e-3)
        elif token.startswith("abstol="):
            case.abs_tol = float(token[7:])
        elif token.startswith("maxrec="):
            case.maxrec = int(token[7:])
        elif token.startswith("columns="):
            case.columns = token[8:].split(",")
        else:
            raise ValueError("unknown flag %r" % token)


def read_corpus_file(path, display_path=None):
    display_path = display_path or path
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    cases = []
    release = DEFAULT_RELEASE
    comments = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            comments = []
            i += 1
            continue
        if stripped.startswith("#"):
            comments.append(stripped.lstrip("#").strip())
            i += 1
            continue
        if stripped.startswith("release "):
            release = stripped.split()[1]
            comments = []
            i += 1
            continue
        if stripped == "query" or stripped.startswith("query "):
            case = Case(path=display_path, line=i + 1, release=release,
                        description=" ".join(comments), adql="")
            try:
                _parse_header(stripped, case)
            except ValueError as e:
                raise ValueError("%s:%d: %s" % (display_path, i + 1, e))
            comments = []
            i += 1
            body, ref = [], None
            while i < len(lines) and lines[i].strip() != "====":
                if lines[i].strip() == "----" and ref is None:
                    ref = []
                elif ref is None:
                    body.append(lines[i])
                else:
                    ref.append(lines[i])
                i += 1
            if i >= len(lines):
                raise ValueError("%s:%d: record not closed by ====" % (display_path, case.line))
            i += 1
            case.adql = "\n".join(body).strip()
            if not case.adql:
                raise ValueError("%s:%d: no query" % (display_path, case.line))
            if case.error is not None:
                if ref is not None:
                    raise ValueError("%s:%d: an error record has no reference"
                                     % (display_path, case.line))
            elif ref is not None:
                case.reference = "\n".join(ref).strip()
            elif case.python:
                raise ValueError("%s:%d: `python` needs a ---- section" % (display_path, case.line))
            else:
                case.reference = strip_schema(case.adql, release)
            cases.append(case)
            continue
        raise ValueError("%s:%d: expected `query`, `release`, a comment or a blank line, got %r"
                         % (display_path, i + 1, line))
    return cases
