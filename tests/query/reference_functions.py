"""ADQL, IVOA and scisql functions written again, independently of skyshard, for the reference
database of the query corpus (tests/query/README.md).

Everything here is plain double-precision Python written from the documented semantics
(docs/functions.md, docs/indexing.md, the ADQL 2.1 Recommendation), never from skyshard's C++.
`register(conn)` installs the functions into an sqlite3 connection under their ADQL names, so
that most corpus queries run on SQLite as written.

Geometry values cannot travel through SQLite as objects, so POINT, CIRCLE, BOX and POLYGON
return a text encoding ("P|ra|dec", "C|ra|dec|r", "B|ra|dec|w|h", "G|ra1|dec1|ra2|dec2|...",
floats written with repr, which reads back to the same bits) that CONTAINS, DISTANCE, COORD1 ...
decode. A NULL coordinate makes the geometry NULL, and a NULL geometry makes the predicate NULL.

Thread safety: pure functions; a connection is used by one thread.
"""
import functools
import math
import random
import re
import struct

# ---------------------------------------------------------------------------------------------
# Spherical geometry (degrees in, degrees out)
# ---------------------------------------------------------------------------------------------


def unit_vector(ra, dec):
    a, d = math.radians(ra), math.radians(dec)
    return (math.cos(d) * math.cos(a), math.cos(d) * math.sin(a), math.sin(d))


def cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def norm(a):
    return math.sqrt(dot(a, a))


def ang_sep(ra1, dec1, ra2, dec2):
    """Great-circle distance in degrees, Vincenty's atan2 form. The terms that cancel for
    close points are rewritten around the coordinate differences,
      cos(d1) sin(d2) - sin(d1) cos(d2) cos(dra) = sin(d2 - d1) + 2 sin(d1) cos(d2) sin^2(dra/2)
      sin(d1) sin(d2) + cos(d1) cos(d2) cos(dra) = cos(d2 - d1) - 2 cos(d1) cos(d2) sin^2(dra/2)
    so that the result keeps its relative precision from 1e-12 degrees to 180."""
    d1, d2 = math.radians(dec1), math.radians(dec2)
    ddec = math.radians(dec2 - dec1)
    dra = math.radians(math.remainder(ra2 - ra1, 360.0))
    s1, c1, c2 = math.sin(d1), math.cos(d1), math.cos(d2)
    hav = math.sin(dra / 2) ** 2
    num1 = c2 * math.sin(dra)
    num2 = math.sin(ddec) + 2 * s1 * c2 * hav
    den = math.cos(ddec) - 2 * c1 * c2 * hav
    return math.degrees(math.atan2(math.hypot(num1, num2), den))


def haversine_sep(ra1, dec1, ra2, dec2):
    """Great-circle distance in degrees by the haversine; used to cross-check ang_sep."""
    d1, d2 = math.radians(dec1), math.radians(dec2)
    ddec, dra = math.radians(dec2 - dec1), math.radians(ra2 - ra1)
    h = math.sin(ddec / 2) ** 2 + math.cos(d1) * math.cos(d2) * math.sin(dra / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(h))))


def in_circle(ra, dec, cra, cdec, r):
    return ang_sep(ra, dec, cra, cdec) <= r


def in_coord_box(ra, dec, cra, cdec, w, h):
    """ADQL BOX as a coordinate box (docs/indexing.md): Dec in [cdec-h/2, cdec+h/2] and RA in
    [cra-w/2, cra+w/2] modulo 360; a pole inside the Dec range is inside whatever its RA."""
    lo, hi = cdec - h / 2.0, cdec + h / 2.0
    if dec < lo or dec > hi:
        return False
    if w >= 360.0 or abs(dec) == 90.0:
        return True
    ra_low = cra - w / 2.0
    return (ra - ra_low) % 360.0 <= w


def polygon_normals(vertices):
    """Inward unit normals of the great-circle edges of a convex polygon given as [(ra, dec)]
    in either orientation, or None when it is not convex or is degenerate."""
    return _polygon_normals(tuple(tuple(v) for v in vertices))


@functools.lru_cache(maxsize=1024)
def _polygon_normals(vertices):
    vs = [unit_vector(ra, dec) for ra, dec in vertices]
    n = len(vs)
    if n < 3:
        return None
    normals = []
    for i in range(n):
        c = cross(vs[i], vs[(i + 1) % n])
        length = norm(c)
        if length == 0:
            return None
        normals.append(tuple(x / length for x in c))
    # Orientation from the first vertex not on the first edge.
    sign = 0
    for k in range(2, n):
        s = dot(normals[0], vs[k])
        if abs(s) > 1e-12:
            sign = 1 if s > 0 else -1
            break
    if sign == 0:
        return None
    normals = [tuple(sign * x for x in c) for c in normals]
    for i in range(n):
        for k in range(n):
            if k in (i, (i + 1) % n):
                continue
            if dot(normals[i], vs[k]) <= 1e-12:
                return None  # some vertex is not strictly inside the edge: not convex
    return normals


def in_polygon(ra, dec, vertices):
    normals = polygon_normals(vertices)
    if normals is None:
        return None
    p = unit_vector(ra, dec)
    return all(dot(nrm, p) >= -1e-12 for nrm in normals)


# ---------------------------------------------------------------------------------------------
# Geometry values as text
# ---------------------------------------------------------------------------------------------

_TAGS = ("P|", "C|", "B|", "G|")


def is_geometry(v):
    return isinstance(v, str) and v[:2] in _TAGS


def encode(tag, numbers):
    if any(x is None for x in numbers):
        return None
    return tag + "|" + "|".join(repr(float(x)) for x in numbers)


@functools.lru_cache(maxsize=4096)
def decode(g):
    parts = g.split("|")
    return parts[0], tuple(float(x) for x in parts[1:])


def _strip_coosys(args, plain_count):
    """Drops a leading coordinate system (a string that is not a geometry, or NULL) when the
    argument count says there is one."""
    args = list(args)
    if len(args) == plain_count + 1 and (args[0] is None or
                                         (isinstance(args[0], str) and not is_geometry(args[0]))):
        return args[1:]
    return args


def POINT(*args):
    a = _strip_coosys(args, 2)
    return encode("P", a)


def CIRCLE(*args):
    a = list(args)
    if len(a) == 4 or (len(a) == 3 and is_geometry(a[1])):
        a = a[1:]  # coordinate system
    if len(a) == 2:
        if a[0] is None:
            return None
        _, (ra, dec) = decode(a[0])
        a = [ra, dec, a[1]]
    return encode("C", a)


def BOX(*args):
    a = list(args)
    if len(a) == 5 or (len(a) == 4 and is_geometry(a[1])):
        a = a[1:]
    if len(a) == 3:
        if a[0] is None:
            return None
        _, (ra, dec) = decode(a[0])
        a = [ra, dec, a[1], a[2]]
    return encode("B", a)


def POLYGON(*args):
    a = list(args)
    if a and (a[0] is None or (isinstance(a[0], str) and not is_geometry(a[0]))):
        a = a[1:]
    if a and all(is_geometry(x) or x is None for x in a) and any(is_geometry(x) for x in a):
        if any(x is None for x in a):
            return None
        coords = []
        for p in a:
            coords.extend(decode(p)[1])
        a = coords
    return encode("G", a)


def REGION(stcs):
    """A region from STC-S: `Circle [frame] ra dec r`, `Box [frame] ra dec w h`,
    `Polygon [frame] ra1 dec1 ...`, `Position [frame] ra dec` (case-insensitive)."""
    if stcs is None:
        return None
    words = stcs.split()
    shape = words[0].lower()
    nums = []
    for w in words[1:]:
        try:
            nums.append(float(w))
        except ValueError:
            if nums:
                raise ValueError("unexpected %r in STC-S" % w)
    tag = {"circle": "C", "box": "B", "polygon": "G", "position": "P"}[shape]
    return encode(tag, nums)


def COORD1(p):
    return None if p is None else decode(p)[1][0]


def COORD2(p):
    return None if p is None else decode(p)[1][1]


def geometry_contains(point, region):
    """CONTAINS(point, region) -> 1/0, NULL for a NULL argument."""
    if point is None or region is None:
        return None
    ptag, (ra, dec) = decode(point)
    tag, v = decode(region)
    if ptag != "P":
        raise ValueError("reference CONTAINS only takes a point as its first argument")
    if tag == "C":
        inside = in_circle(ra, dec, v[0], v[1], v[2])
    elif tag == "B":
        inside = in_coord_box(ra, dec, v[0], v[1], v[2], v[3])
    elif tag == "G":
        inside = in_polygon(ra, dec, list(zip(v[0::2], v[1::2])))
        if inside is None:
            raise ValueError("not a convex polygon")
    elif tag == "P":
        inside = ang_sep(ra, dec, v[0], v[1]) == 0.0
    else:
        raise ValueError("unknown geometry " + tag)
    return 1 if inside else 0


def CONTAINS(a, b):
    return geometry_contains(a, b)


def INTERSECTS(a, b):
    if a is None or b is None:
        return None
    ta, va = decode(a)
    tb, vb = decode(b)
    if ta == "P":
        return geometry_contains(a, b)
    if tb == "P":
        return geometry_contains(b, a)
    if ta == "C" and tb == "C":
        return 1 if ang_sep(va[0], va[1], vb[0], vb[1]) <= va[2] + vb[2] else 0
    raise ValueError("reference INTERSECTS only handles points and circle pairs")


def DISTANCE(*args):
    if len(args) == 2:
        if args[0] is None or args[1] is None:
            return None
        (_, p), (_, q) = decode(args[0]), decode(args[1])
        args = (p[0], p[1], q[0], q[1])
    if any(x is None for x in args):
        return None
    return ang_sep(*args)


def AREA(g):
    """Area in square degrees: a cap, a coordinate box, a spherical polygon (Girard)."""
    if g is None:
        return None
    tag, v = decode(g)
    sr = (180.0 / math.pi) ** 2
    if tag == "P":
        return 0.0
    if tag == "C":
        return 2 * math.pi * (1 - math.cos(math.radians(v[2]))) * sr
    if tag == "B":
        lo = max(-90.0, v[1] - v[3] / 2)
        hi = min(90.0, v[1] + v[3] / 2)
        w = min(v[2], 360.0)
        return math.radians(w) * (math.sin(math.radians(hi)) - math.sin(math.radians(lo))) * sr
    if tag == "G":
        vs = [unit_vector(ra, dec) for ra, dec in zip(v[0::2], v[1::2])]
        n = len(vs)
        total = 0.0
        for i in range(n):
            a, b, c = vs[i - 1], vs[i], vs[(i + 1) % n]
            # Interior angle at b between the arcs to a and to c.
            ta = cross(cross(b, a), b)
            tc = cross(cross(b, c), b)
            total += math.atan2(norm(cross(ta, tc)), dot(ta, tc))
        return (total - (n - 2) * math.pi) * sr
    raise ValueError(tag)


# ---------------------------------------------------------------------------------------------
# scisql (docs/functions.md "Rubin scisql")
# ---------------------------------------------------------------------------------------------


def _bad_coord(*xs):
    return any(not math.isfinite(x) for x in xs)


def scisql_angSep(*args):
    if any(x is None for x in args):
        return None
    if len(args) == 4:
        return ang_sep(*args)
    a, b = args[:3], args[3:]
    if norm(a) == 0 or norm(b) == 0:
        return None
    return math.degrees(math.atan2(norm(cross(a, b)), dot(a, b)))


def scisql_s2PtInCircle(ra, dec, cra, cdec, r):
    if any(x is None for x in (ra, dec, cra, cdec, r)):
        return 0
    if _bad_coord(ra, dec, cra, cdec, r) or abs(dec) > 90 or abs(cdec) > 90 or not 0 <= r <= 180:
        return None
    return 1 if ang_sep(ra, dec, cra, cdec) <= r else 0


def scisql_s2PtInBox(ra, dec, ra_min, dec_min, ra_max, dec_max):
    if any(x is None for x in (ra, dec, ra_min, dec_min, ra_max, dec_max)):
        return 0
    if _bad_coord(ra, dec, ra_min, dec_min, ra_max, dec_max) or abs(dec) > 90:
        return None
    if not dec_min <= dec <= dec_max:
        return 0
    ra = ra % 360.0
    if 0 <= ra_min <= 360 and 0 <= ra_max <= 360:
        lo, hi = ra_min, ra_max
    else:
        if ra_min > ra_max:
            return None
        if ra_max - ra_min >= 360:
            return 1
        lo, hi = ra_min % 360.0, ra_max % 360.0
    if lo <= hi:
        return 1 if lo <= ra <= hi else 0
    return 1 if (ra >= lo or ra <= hi) else 0


def scisql_s2PtInCPoly(ra, dec, *verts):
    if ra is None or dec is None or any(x is None for x in verts):
        return 0
    if _bad_coord(ra, dec, *verts) or abs(dec) > 90:
        return None
    inside = in_polygon(ra, dec, list(zip(verts[0::2], verts[1::2])))
    if inside is None:
        return None
    return 1 if inside else 0


def scisql_nanojanskyToAbMag(flux):
    if flux is None or flux <= 0:
        return None
    return -2.5 * math.log10(flux * 1e-9 / 3631.0)


def scisql_nanojanskyToAbMagSigma(flux, sigma):
    if flux is None or sigma is None or flux <= 0 or sigma < 0:
        return None
    return 2.5 / math.log(10.0) * sigma / flux


def scisql_abMagToNanojansky(mag):
    if mag is None:
        return None
    return 3631e9 * 10.0 ** (-0.4 * mag)


def scisql_abMagToNanojanskySigma(mag, sigma):
    if mag is None or sigma is None or sigma < 0:
        return None
    return scisql_abMagToNanojansky(mag) * math.log(10.0) / 2.5 * sigma


# ---------------------------------------------------------------------------------------------
# IVOA UDFs
# ---------------------------------------------------------------------------------------------


def _spread_bits(v):
    out = 0
    bit = 0
    while v:
        out |= (v & 1) << (2 * bit)
        v >>= 1
        bit += 1
    return out


def healpix_nest(order, ra, dec):
    """NESTED HEALPix index from the definition (Gorski et al. 2005, section 4)."""
    nside = 1 << order
    z = math.sin(math.radians(dec))
    st = math.cos(math.radians(dec))  # sin(theta)
    za = abs(z)
    tt = (math.radians(ra % 360.0) / (math.pi / 2)) % 4.0
    if za <= 2.0 / 3.0:
        t1 = nside * (0.5 + tt)
        t2 = nside * (z * 0.75)
        jp = int(t1 - t2)
        jm = int(t1 + t2)
        ifp, ifm = jp >> order, jm >> order
        if ifp == ifm:
            face = ifp | 4
        elif ifp < ifm:
            face = ifp
        else:
            face = ifm + 8
        ix = jm & (nside - 1)
        iy = nside - (jp & (nside - 1)) - 1
    else:
        ntt = min(3, int(tt))
        tp = tt - ntt
        tmp = nside * st * math.sqrt(3.0 / (1.0 + za))  # = nside sqrt(3 (1 - |z|))
        jp = min(nside - 1, int(tp * tmp))
        jm = min(nside - 1, int((1.0 - tp) * tmp))
        if z >= 0:
            face, ix, iy = ntt, nside - jm - 1, nside - jp - 1
        else:
            face, ix, iy = ntt + 8, jp, jm
    return (face << (2 * order)) + _spread_bits(ix) + (_spread_bits(iy) << 1)


def ivo_healpix_index(order, *pos):
    if order is None or any(x is None for x in pos):
        return None
    if len(pos) == 1:
        _, (ra, dec) = decode(pos[0])
    else:
        ra, dec = pos
    if not 0 <= order <= 29:
        raise ValueError("order out of range")
    return healpix_nest(order, ra, dec)


_WORD = re.compile(rb"[A-Za-z0-9\x80-\xff]+")


def _words(s):
    return {w.lower() for w in _WORD.findall(s.encode("utf-8"))}


def ivo_hasword(haystack, needle):
    if haystack is None or needle is None:
        return None
    nw = _words(needle)
    if not nw:
        return 0
    return 1 if nw <= _words(haystack) else 0


def like_to_regex(pattern, escape=None):
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if escape is not None and c == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return "".join(out)


def ivo_nocasematch(s, pattern):
    if s is None or pattern is None:
        return None
    rx = like_to_regex(pattern.lower())
    return 1 if re.fullmatch(rx, s.lower(), re.S) else 0


def ivo_hashlist_has(hashlist, item):
    if hashlist is None or item is None:
        return None
    if "#" in item:
        return 0
    return 1 if item.lower() in [w.lower() for w in hashlist.split("#")] else 0


def ivo_interval_overlaps(a1, b1, a2, b2):
    if any(x is None for x in (a1, b1, a2, b2)):
        return None
    if a1 > b1 or a2 > b2:
        return 0
    return 1 if a1 <= b2 and a2 <= b1 else 0


def _sexagesimal(text):
    t = text.strip()
    m = re.fullmatch(r"(\d+(?:\.\d*)?)[:hHdD ](\d+(?:\.\d*)?)[:mM ](\d+(?:\.\d*)?)[sS]?", t)
    if m:
        return [float(x) for x in m.groups()]
    m = re.fullmatch(r"(\d\d)(\d\d)(\d\d(?:\.\d*)?)", t)
    if m:
        return [float(x) for x in m.groups()]
    return None


def ivo_hms_to_degrees(hms):
    if hms is None:
        return None
    p = _sexagesimal(hms)
    if p is None or p[1] >= 60 or p[2] >= 60:
        return None
    return 15.0 * (p[0] + p[1] / 60.0 + p[2] / 3600.0)


def ivo_dms_to_degrees(dms):
    if dms is None:
        return None
    t = dms.strip()
    sign = 1.0
    if t[:1] in "+-":
        sign = -1.0 if t[0] == "-" else 1.0
        t = t[1:]
    p = _sexagesimal(t)
    if p is None or p[1] >= 60 or p[2] >= 60:
        return None
    return sign * (p[0] + p[1] / 60.0 + p[2] / 3600.0)


def parse_timestamp(text):
    """Microseconds since 1970 of 'YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z]'."""
    m = re.fullmatch(r"(-?\d{4,})-(\d\d)-(\d\d)"
                     r"(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?Z?", text.strip())
    if not m:
        raise ValueError("not a timestamp: %r" % text)
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hh = int(m.group(4) or 0)
    mm = int(m.group(5) or 0)
    ss = int(m.group(6) or 0)
    frac = int((m.group(7) or "0").ljust(6, "0"))
    return ((_days_from_civil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss) * 1000000 + frac)


def _days_from_civil(y, m, d):
    # Howard Hinnant's days_from_civil.
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(z):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def format_timestamp(micros):
    """'YYYY-MM-DDTHH:MM:SS[.ffffff]': the form in which results carry timestamps."""
    secs, frac = divmod(micros, 1000000)
    days, rem = divmod(secs, 86400)
    y, m, d = _civil_from_days(days)
    out = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, m, d, rem // 3600, rem // 60 % 60, rem % 60)
    if frac:
        out += ".%06d" % frac
    return out


def ivo_to_mjd(t):
    if t is None:
        return None
    return 40587.0 + parse_timestamp(t) / 86400e6


def ivo_to_jd(t):
    if t is None:
        return None
    return ivo_to_mjd(t) + 2400000.5


def to_timestamp(text):
    """CAST(text AS TIMESTAMP) in the reference: the canonical text form."""
    if text is None:
        return None
    return format_timestamp(parse_timestamp(text))


# ---------------------------------------------------------------------------------------------
# ADQL math (SQLite's own log() is base 10, its round() refuses negative digits: ours replace
# them). Angles in radians, results double.
# ---------------------------------------------------------------------------------------------


def _num(f):
    def g(*args):
        if any(x is None for x in args):
            return None
        return f(*args)
    return g


def adql_round(x, n=0):
    scale = 10.0 ** abs(n)
    if n >= 0:
        return math.copysign(math.floor(abs(x) * scale + 0.5), x) / scale
    return math.copysign(math.floor(abs(x) / scale + 0.5), x) * scale


def adql_truncate(x, n=0):
    scale = 10.0 ** abs(n)
    if n >= 0:
        return math.trunc(x * scale) / scale
    return math.trunc(x / scale) * scale


def to_real(x):
    """A double rounded to the nearest float (the store keeps REAL columns as floats)."""
    if x is None:
        return None
    return struct.unpack("<f", struct.pack("<f", x))[0]


def mod(x, y):
    """ADQL MOD: the remainder with the sign of x; exact for two integers (ids beyond 2^53),
    a double otherwise."""
    if isinstance(x, int) and isinstance(y, int):
        if y == 0:
            raise ZeroDivisionError("division by zero")
        r = abs(x) % abs(y)
        return -r if x < 0 else r
    return math.fmod(x, y)


MATH = {
    "ceiling": (1, lambda x: float(math.ceil(x))),
    "floor": (1, lambda x: float(math.floor(x))),
    "degrees": (1, math.degrees),
    "radians": (1, math.radians),
    "exp": (1, math.exp),
    "log": (1, math.log),
    "log10": (1, math.log10),
    "sqrt": (1, math.sqrt),
    "mod": (2, mod),
    "power": (2, math.pow),
    "acos": (1, math.acos),
    "asin": (1, math.asin),
    "atan": (1, math.atan),
    "atan2": (2, math.atan2),
    "cos": (1, math.cos),
    "sin": (1, math.sin),
    "tan": (1, math.tan),
    "cot": (1, lambda x: 1.0 / math.tan(x)),
}


def register(conn, rand_seed=12345):
    """Installs every function above into `conn` under its ADQL name (case-insensitive in
    SQLite, as in ADQL)."""
    det = {"deterministic": True}
    for name, (nargs, f) in MATH.items():
        conn.create_function(name, nargs, _num(f), **det)
    conn.create_function("round", 1, _num(adql_round), **det)
    conn.create_function("round", 2, _num(adql_round), **det)
    conn.create_function("truncate", 1, _num(adql_truncate), **det)
    conn.create_function("truncate", 2, _num(adql_truncate), **det)
    conn.create_function("pi", 0, lambda: math.pi, **det)
    rng = random.Random(rand_seed)
    conn.create_function("rand", 0, rng.random)
    conn.create_function("rand", 1, lambda seed: rng.random())
    conn.create_function("to_real", 1, to_real, **det)
    conn.create_function("to_timestamp", 1, to_timestamp, **det)
    for f in (POINT, CIRCLE, BOX, POLYGON, DISTANCE, scisql_angSep, scisql_s2PtInCPoly):
        conn.create_function(f.__name__, -1, f, **det)
    for f in (REGION, COORD1, COORD2, AREA, scisql_nanojanskyToAbMag, scisql_abMagToNanojansky,
              ivo_to_mjd, ivo_to_jd, ivo_hms_to_degrees, ivo_dms_to_degrees):
        conn.create_function(f.__name__, 1, f, **det)
    for f in (CONTAINS, INTERSECTS, scisql_nanojanskyToAbMagSigma,
              scisql_abMagToNanojanskySigma, ivo_hasword, ivo_nocasematch, ivo_hashlist_has):
        conn.create_function(f.__name__, 2, f, **det)
    conn.create_function("ivo_healpix_index", 2, ivo_healpix_index, **det)
    conn.create_function("ivo_healpix_index", 3, ivo_healpix_index, **det)
    conn.create_function("ivo_interval_overlaps", 4, ivo_interval_overlaps, **det)
    conn.create_function("scisql_s2PtInCircle", 5, scisql_s2PtInCircle, **det)
    conn.create_function("scisql_s2PtInBox", 6, scisql_s2PtInBox, **det)
