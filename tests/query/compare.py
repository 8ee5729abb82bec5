"""Compares skyshard's CSV output with the reference rows of the query corpus.

skyshard's CSV (docs/votable.md "CSV"): a header row, then records ended by CRLF; NULL is an
empty unquoted field, an empty string is `""`; numbers as shortest round-trip text (`NaN`,
`+Inf`, `-Inf`); REAL values as the shortest text of the float; booleans `true`/`false`;
timestamps `YYYY-MM-DDTHH:MM:SS[.ffffff]`.

Reference rows are Python values from SQLite: None, int (booleans are 0/1), float, str.

Cell rules:
  - None matches only an empty unquoted field.
  - str matches the field's text exactly.
  - int matches an integer literal of the same value, `true`/`false` for 1/0, or a float within
    tolerance when |value| < 2^53 (so a 64-bit id squeezed through a double never matches).
  - float matches a number within max(abs_tol, rel_tol * magnitude) (infinities by sign), or
    a REAL printed as a float: a field of at most 9 significant digits that rounds to the same
    float as the expected value, when the expected value is itself a float (from a REAL column).

Rows compare as a multiset (both sides sorted, then merged; rows equal within the tolerance
that sorted apart are paired up afterwards), or in order for `ordered` cases.
"""
import math
import re

import reference_functions as rf

_INT = re.compile(r"^[+-]?\d+$")
_SPECIAL = {"nan": math.nan, "+inf": math.inf, "inf": math.inf, "-inf": -math.inf,
            "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf}


def parse_number(text):
    t = text.strip().lower()
    if t in _SPECIAL:
        return _SPECIAL[t]
    return float(t)


def _significant_digits(text):
    mant = re.split(r"[eE]", text.strip().lstrip("+-"))[0].replace(".", "").lstrip("0")
    return len(mant.rstrip("0")) if mant else 0


def cell_equal(expected, got, rel_tol, abs_tol):
    """`got` is (text, quoted) from skyshard's CSV."""
    text, quoted = got
    if expected is None:
        return text == "" and not quoted
    if text == "" and not quoted:
        return False
    if isinstance(expected, str):
        return text == expected
    if isinstance(expected, bool):
        expected = int(expected)
    if isinstance(expected, int):
        if text in ("true", "false") and expected in (0, 1):
            return (text == "true") == (expected == 1)
        if _INT.match(text):
            return int(text) == expected
        if abs(expected) >= 2 ** 53:
            return False
        try:
            v = parse_number(text)
        except ValueError:
            return False
        return _close(float(expected), v, rel_tol, abs_tol)
    if isinstance(expected, float):
        try:
            v = parse_number(text)
        except ValueError:
            return False
        if _close(expected, v, rel_tol, abs_tol):
            return True
        if (math.isfinite(expected) and rf.to_real(expected) == expected and
                _significant_digits(text) <= 9 and rf.to_real(v) == expected):
            return True
        return False
    raise TypeError("unexpected reference value %r" % (expected,))


def _close(a, b, rel_tol, abs_tol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(abs_tol, rel_tol * max(abs(a), abs(b)))


def row_equal(expected, got, rel_tol, abs_tol):
    return len(expected) == len(got) and all(
        cell_equal(e, g, rel_tol, abs_tol) for e, g in zip(expected, got))


def _expected_key(row):
    out = []
    for v in row:
        if v is None:
            out.append((0, 0.0, ""))
        elif isinstance(v, (int, float)):
            out.append((1, v, ""))  # ints stay exact: ids above 2^53 must not tie
        else:
            out.append((2, 0.0, v))
    return tuple(out)


def _got_key(row, kinds):
    out = []
    for (text, quoted), kind in zip(row, kinds):
        if text == "" and not quoted:
            out.append((0, 0.0, ""))
            continue
        if kind == "num":
            if text in ("true", "false"):
                out.append((1, 1.0 if text == "true" else 0.0, ""))
                continue
            try:
                out.append((1, int(text) if _INT.match(text) else parse_number(text), ""))
                continue
            except ValueError:
                pass
        out.append((2, 0.0, text))
    return tuple(out)


def _column_kinds(expected_rows, width):
    kinds = []
    for c in range(width):
        kind = "num"
        for r in expected_rows:
            if r[c] is not None:
                kind = "str" if isinstance(r[c], str) else "num"
                break
        kinds.append(kind)
    return kinds


def _nan_safe(key):
    # NaN does not order; map it above +Inf so that sorting is total.
    return tuple((r, (math.inf if v != v else v), s) for r, v, s in key)


def compare_rows(expected, got, ordered, rel_tol, abs_tol, max_report=5):
    """Returns None when they match, else a text explaining the first differences."""
    if ordered:
        lines = []
        if len(expected) != len(got):
            lines.append("expected %d rows, got %d" % (len(expected), len(got)))
        for i in range(max(len(expected), len(got))):
            e = expected[i] if i < len(expected) else None
            g = got[i] if i < len(got) else None
            if e is None or g is None or not row_equal(e, g, rel_tol, abs_tol):
                lines.append("  row %d: expected %s" % (i + 1, fmt_expected(e)))
                lines.append("  row %d:      got %s" % (i + 1, fmt_got(g)))
                if len(lines) >= 2 * max_report + 1:
                    break
        return "\n".join(lines) if lines else None

    width = len(expected[0]) if expected else (len(got[0]) if got else 0)
    kinds = _column_kinds(expected, width)
    exp_sorted = sorted(expected, key=lambda r: _nan_safe(_expected_key(r)))
    got_sorted = sorted(got, key=lambda r: _nan_safe(_got_key(r, kinds)))
    if len(exp_sorted) == len(got_sorted) and all(
            row_equal(e, g, rel_tol, abs_tol) for e, g in zip(exp_sorted, got_sorted)):
        return None
    # A merge of the two sorted lists finds what is missing and what is extra; rows that are
    # equal within the tolerance but sorted apart are then paired up (quadratic, bounded).
    missing, extra = [], []
    i = j = 0
    while i < len(exp_sorted) and j < len(got_sorted):
        e, g = exp_sorted[i], got_sorted[j]
        if row_equal(e, g, rel_tol, abs_tol):
            i += 1
            j += 1
        elif _nan_safe(_expected_key(e)) < _nan_safe(_got_key(g, kinds)):
            missing.append(e)
            i += 1
        else:
            extra.append(g)
            j += 1
    missing += exp_sorted[i:]
    extra += got_sorted[j:]
    if len(missing) * len(extra) <= 1_000_000:
        still_missing = []
        for e in missing:
            for k, g in enumerate(extra):
                if row_equal(e, g, rel_tol, abs_tol):
                    del extra[k]
                    break
            else:
                still_missing.append(e)
        missing = still_missing
    if not missing and not extra:
        return None
    lines = ["expected %d rows, got %d; %d expected rows missing, %d unexpected rows"
             % (len(expected), len(got), len(missing), len(extra))]
    for e in missing[:max_report]:
        lines.append("  missing    %s" % fmt_expected(e))
    if len(missing) > max_report:
        lines.append("  ... %d more missing" % (len(missing) - max_report))
    for g in extra[:max_report]:
        lines.append("  unexpected %s" % fmt_got(g))
    if len(extra) > max_report:
        lines.append("  ... %d more unexpected" % (len(extra) - max_report))
    return "\n".join(lines)


def fmt_expected(row):
    if row is None:
        return "(no row)"
    return "(" + ", ".join("NULL" if v is None else repr(v) for v in row) + ")"


def fmt_got(row):
    if row is None:
        return "(no row)"
    return "(" + ", ".join("NULL" if (t == "" and not q) else (repr(t) if q else t)
                           for t, q in row) + ")"
