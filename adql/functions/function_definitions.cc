// The list itself. Descriptions are one line each and written for the TAP capabilities, where a
// client (TOPCAT's "Service" tab, pyvo) shows them next to the form. Semantics in full, with the
// NULL rules, are in docs/functions.md and, for the UDFs, udf_math.h.

#include "adql/functions/internal/function_definitions.h"

#include <string>
#include <utility>
#include <vector>

#include "adql/functions/function_registry.h"

namespace skyshard::adql::internal {
namespace {

constexpr ValueType kInt = ValueType::kInteger;
constexpr ValueType kLong = ValueType::kBigInt;
constexpr ValueType kDbl = ValueType::kDouble;
constexpr ValueType kStr = ValueType::kVarChar;
constexpr ValueType kTime = ValueType::kTimestamp;
constexpr ValueType kPt = ValueType::kPoint;
constexpr ValueType kGeo = ValueType::kGeometry;
constexpr ValueType kAnyType = ValueType::kAny;

constexpr std::string_view kUdfFeature = "ivo://ivoa.net/std/TAPRegExt#features-udf";
constexpr std::string_view kGeoFeature = "ivo://ivoa.net/std/TAPRegExt#features-adqlgeo";
constexpr std::string_view kStringFeature = "ivo://ivoa.net/std/TAPRegExt#features-adql-string";
constexpr std::string_view kConditionalFeature =
    "ivo://ivoa.net/std/TAPRegExt#features-adql-conditional";
constexpr std::string_view kUnitFeature = "ivo://ivoa.net/std/TAPRegExt#features-adql-unit";

Signature Sig(std::vector<Param> params, ValueType result) {
  Signature s;
  s.params = std::move(params);
  s.result = result;
  return s;
}

// A signature whose last `repeat` parameters may occur again, up to `max_args` arguments in all.
Signature Variadic(std::vector<Param> params, int repeat, ValueType result, int max_args = 0) {
  Signature s = Sig(std::move(params), result);
  s.repeat = repeat;
  s.max_args = max_args;
  return s;
}

// A signature whose result has the type of argument `arg` (`fallback` when that is NULL).
Signature SameAs(std::vector<Param> params, int arg, ValueType fallback) {
  Signature s = Sig(std::move(params), fallback);
  s.result_rule = ResultRule::kArgument;
  s.result_arg = arg;
  return s;
}

FunctionInfo Fn(std::string name, FunctionKind kind, FunctionOrigin origin,
                std::string_view feature, std::string description,
                std::vector<Signature> signatures, bool evaluable = true) {
  FunctionInfo f;
  f.name = std::move(name);
  f.kind = kind;
  f.origin = origin;
  f.feature_type = feature;
  f.description = std::move(description);
  f.signatures = std::move(signatures);
  f.evaluable = evaluable;
  return f;
}

// ADQL 2.1 section 2.3: every mathematical function takes and returns DOUBLE PRECISION.
FunctionInfo Math(std::string name, std::vector<Signature> signatures, std::string description) {
  return Fn(std::move(name), FunctionKind::kScalar, FunctionOrigin::kAdql, "",
            std::move(description), std::move(signatures));
}

FunctionInfo Math1(std::string name, std::string description) {
  return Math(std::move(name), {Sig({{"x", kDbl}}, kDbl)}, std::move(description));
}

FunctionInfo Udf(std::string name, std::vector<Signature> signatures, std::string description,
                 bool evaluable = true) {
  return Fn(std::move(name), FunctionKind::kScalar, FunctionOrigin::kUserDefined, kUdfFeature,
            std::move(description), std::move(signatures), evaluable);
}

FunctionInfo Geo(std::string name, FunctionKind kind, std::vector<Signature> signatures,
                 std::string description) {
  return Fn(std::move(name), kind, FunctionOrigin::kAdql, kGeoFeature, std::move(description),
            std::move(signatures));
}

void AddAdqlMath(std::vector<FunctionInfo>& f) {
  f.push_back(Math1("ABS", "absolute value of x"));
  f.push_back(Math1("CEILING", "smallest integer not less than x"));
  f.push_back(Math1("DEGREES", "converts the angle x from radians to degrees"));
  f.push_back(Math1("EXP", "e raised to the power x"));
  f.push_back(Math1("FLOOR", "largest integer not greater than x"));
  f.push_back(Math1("LOG", "natural logarithm of x (x > 0)"));
  f.push_back(Math1("LOG10", "base-10 logarithm of x (x > 0)"));
  // Integers stay exact (MOD(objectId, 100) on ids beyond 2^53); any other number is a double.
  f.push_back(
      Math("MOD", {Sig({{"x", kLong}, {"y", kLong}}, kLong), Sig({{"x", kDbl}, {"y", kDbl}}, kDbl)},
           "remainder of x / y, with the sign of x"));
  f.push_back(Math("PI", {Sig({}, kDbl)}, "the constant pi"));
  f.push_back(Math("POWER", {Sig({{"x", kDbl}, {"y", kDbl}}, kDbl)}, "x raised to the power y"));
  f.push_back(Math1("RADIANS", "converts the angle x from degrees to radians"));
  f.push_back(Math1("SQRT", "non-negative square root of x"));
  f.push_back(Math("RAND", {Sig({}, kDbl), Sig({{"seed", kDbl}}, kDbl)},
                   "a pseudo-random number in [0, 1); the argument is ignored"));
  f.push_back(Math("ROUND", {Sig({{"x", kDbl}}, kDbl), Sig({{"x", kDbl}, {"n", kInt}}, kDbl)},
                   "x rounded to n decimal places (default 0; n < 0 rounds left of the point)"));
  f.push_back(Math("TRUNCATE", {Sig({{"x", kDbl}}, kDbl), Sig({{"x", kDbl}, {"n", kInt}}, kDbl)},
                   "x truncated towards zero to n decimal places (default 0)"));
  f.push_back(Math1("ACOS", "arc cosine of x in radians, in [0, pi]; |x| <= 1"));
  f.push_back(Math1("ASIN", "arc sine of x in radians, in [-pi/2, pi/2]; |x| <= 1"));
  f.push_back(Math1("ATAN", "arc tangent of x in radians, in [-pi/2, pi/2]"));
  f.push_back(Math("ATAN2", {Sig({{"y", kDbl}, {"x", kDbl}}, kDbl)},
                   "polar angle of the point (x, y) in radians, in [-pi, pi]"));
  f.push_back(Math1("COS", "cosine of the angle x in radians"));
  f.push_back(Math1("COT", "cotangent of the angle x in radians"));
  f.push_back(Math1("SIN", "sine of the angle x in radians"));
  f.push_back(Math1("TAN", "tangent of the angle x in radians"));
}

void AddAdqlOther(std::vector<FunctionInfo>& f) {
  f.push_back(Fn("LOWER", FunctionKind::kScalar, FunctionOrigin::kAdql, kStringFeature,
                 "s in lower case", {Sig({{"s", kStr}}, kStr)}));
  f.push_back(Fn("UPPER", FunctionKind::kScalar, FunctionOrigin::kAdql, kStringFeature,
                 "s in upper case", {Sig({{"s", kStr}}, kStr)}));
  Signature coalesce = Variadic({{"value1", kAnyType}, {"value2", kAnyType}}, 1, ValueType::kNull);
  coalesce.result_rule = ResultRule::kCommonType;
  f.push_back(Fn("COALESCE", FunctionKind::kScalar, FunctionOrigin::kAdql, kConditionalFeature,
                 "the first argument that is not NULL (NULL if all are)", {coalesce}));
  f.push_back(Fn("IN_UNIT", FunctionKind::kScalar, FunctionOrigin::kAdql, kUnitFeature,
                 "x converted to the VOUnit `unit` from the unit of its column",
                 {Sig({{"x", kDbl}, {"unit", kStr}}, kDbl)}));

  auto agg = [&f](std::string name, std::vector<Signature> sigs, std::string description) {
    f.push_back(Fn(std::move(name), FunctionKind::kAggregate, FunctionOrigin::kAdql, "",
                   std::move(description), std::move(sigs)));
  };
  agg("COUNT", {Sig({}, kLong), Sig({{"x", kAnyType}}, kLong)},
      "number of rows (COUNT(*), written as no argument here) or of non-NULL values");
  agg("SUM", {Sig({{"x", kLong}}, kLong), Sig({{"x", kDbl}}, kDbl)},
      "sum of the non-NULL values: BIGINT for integers, DOUBLE PRECISION otherwise");
  agg("AVG", {Sig({{"x", kDbl}}, kDbl)}, "mean of the non-NULL values");
  agg("MIN", {SameAs({{"x", kAnyType}}, 0, ValueType::kNull)}, "smallest non-NULL value");
  agg("MAX", {SameAs({{"x", kAnyType}}, 0, ValueType::kNull)}, "largest non-NULL value");
}

void AddAdqlGeometry(std::vector<FunctionInfo>& f) {
  using K = FunctionKind;
  f.push_back(Geo("POINT", K::kGeometryConstructor,
                  {Sig({{"coosys", kStr}, {"ra", kDbl}, {"dec", kDbl}}, kPt),
                   Sig({{"ra", kDbl}, {"dec", kDbl}}, kPt)},
                  "the position (ra, dec) in degrees"));
  f.push_back(Geo(
      "CIRCLE", K::kGeometryConstructor,
      {Sig({{"coosys", kStr}, {"ra", kDbl}, {"dec", kDbl}, {"radius", kDbl}}, ValueType::kCircle),
       Sig({{"coosys", kStr}, {"center", kPt}, {"radius", kDbl}}, ValueType::kCircle),
       Sig({{"ra", kDbl}, {"dec", kDbl}, {"radius", kDbl}}, ValueType::kCircle),
       Sig({{"center", kPt}, {"radius", kDbl}}, ValueType::kCircle)},
      "the disc of `radius` degrees around a centre"));
  f.push_back(Geo(
      "BOX", K::kGeometryConstructor,
      {Sig({{"coosys", kStr}, {"ra", kDbl}, {"dec", kDbl}, {"width", kDbl}, {"height", kDbl}},
           ValueType::kBox),
       Sig({{"coosys", kStr}, {"center", kPt}, {"width", kDbl}, {"height", kDbl}}, ValueType::kBox),
       Sig({{"ra", kDbl}, {"dec", kDbl}, {"width", kDbl}, {"height", kDbl}}, ValueType::kBox),
       Sig({{"center", kPt}, {"width", kDbl}, {"height", kDbl}}, ValueType::kBox)},
      "the coordinate box of `width` x `height` degrees around a centre (deprecated in ADQL "
      "2.1)"));
  const std::vector<Param> vertices = {{"ra1", kDbl},  {"dec1", kDbl}, {"ra2", kDbl},
                                       {"dec2", kDbl}, {"ra3", kDbl},  {"dec3", kDbl}};
  std::vector<Param> with_sys = {{"coosys", kStr}};
  with_sys.insert(with_sys.end(), vertices.begin(), vertices.end());
  f.push_back(Geo(
      "POLYGON", K::kGeometryConstructor,
      {Variadic(with_sys, 2, ValueType::kPolygon),
       Variadic({{"coosys", kStr}, {"p1", kPt}, {"p2", kPt}, {"p3", kPt}}, 1, ValueType::kPolygon),
       Variadic(vertices, 2, ValueType::kPolygon),
       Variadic({{"p1", kPt}, {"p2", kPt}, {"p3", kPt}}, 1, ValueType::kPolygon)},
      "the spherical polygon through three or more vertices (great-circle edges)"));
  f.push_back(Geo("REGION", K::kGeometryConstructor, {Sig({{"stcs", kStr}}, ValueType::kRegion)},
                  "the region described by an STC-S string"));
  f.push_back(Geo("CONTAINS", K::kGeometryPredicate,
                  {Sig({{"contained", kGeo}, {"container", kGeo}}, kInt)},
                  "1 if the first geometry lies within the second, else 0"));
  f.push_back(Geo("INTERSECTS", K::kGeometryPredicate, {Sig({{"a", kGeo}, {"b", kGeo}}, kInt)},
                  "1 if the two geometries overlap, else 0"));
  f.push_back(Geo("DISTANCE", K::kScalar,
                  {Sig({{"p1", kPt}, {"p2", kPt}}, kDbl),
                   Sig({{"ra1", kDbl}, {"dec1", kDbl}, {"ra2", kDbl}, {"dec2", kDbl}}, kDbl)},
                  "great-circle distance in degrees between two positions"));
  f.push_back(
      Geo("AREA", K::kScalar, {Sig({{"g", kGeo}}, kDbl)}, "area of a geometry in square degrees"));
  f.push_back(Geo("CENTROID", K::kScalar, {Sig({{"g", kGeo}}, kPt)},
                  "centre of mass of a geometry, as a POINT"));
  f.push_back(
      Geo("COORD1", K::kScalar, {Sig({{"p", kPt}}, kDbl)}, "first coordinate (ra) of a POINT"));
  f.push_back(
      Geo("COORD2", K::kScalar, {Sig({{"p", kPt}}, kDbl)}, "second coordinate (dec) of a POINT"));
  f.push_back(Geo("COORDSYS", K::kScalar, {Sig({{"g", kGeo}}, kStr)},
                  "coordinate system of a geometry (deprecated in ADQL 2.1)"));
}

void AddIvoa(std::vector<FunctionInfo>& f) {
  f.push_back(Udf("ivo_healpix_index",
                  {Sig({{"hpx_order", kInt}, {"ra", kDbl}, {"dec", kDbl}}, kLong),
                   Sig({{"hpx_order", kInt}, {"p", kPt}}, kLong)},
                  "NESTED HEALPix index at order 0..29 of the cell containing a position"));
  f.push_back(Udf("ivo_healpix_center", {Sig({{"hpx_order", kInt}, {"hpx_index", kLong}}, kPt)},
                  "centre of the NESTED HEALPix cell `hpx_index` at order 0..29, as a POINT"));
  f.push_back(Udf("ivo_epoch_prop_pos",
                  {Sig({{"ra", kDbl},
                        {"dec", kDbl},
                        {"parallax", kDbl},
                        {"pmra", kDbl},
                        {"pmdec", kDbl},
                        {"radial_velocity", kDbl},
                        {"ref_epoch", kDbl},
                        {"out_epoch", kDbl}},
                       kPt)},
                  "position at out_epoch (Julian years) propagated by linear space motion "
                  "(Lindegren's rigorous treatment); parallax in mas, proper motions in mas/yr "
                  "(pmra includes cos dec), radial velocity in km/s"));
  {
    Signature transform = SameAs({{"from_sys", kStr}, {"to_sys", kStr}, {"geo", kGeo}}, 2, kGeo);
    f.push_back(Udf("ivo_geom_transform", {transform},
                    "a geometry transformed between reference frames (not supported yet)",
                    /*evaluable=*/false));
  }
  f.push_back(Udf("ivo_to_jd", {Sig({{"d", kTime}}, kDbl), Sig({{"d", kStr}}, kDbl)},
                  "Julian Date of a timestamp (or an ISO 8601 string), naively, without time "
                  "scales"));
  f.push_back(Udf("ivo_to_mjd", {Sig({{"d", kTime}}, kDbl), Sig({{"d", kStr}}, kDbl)},
                  "Modified Julian Date of a timestamp (or an ISO 8601 string), naively, without "
                  "time scales"));
  f.push_back(Fn("ivo_string_agg", FunctionKind::kAggregate, FunctionOrigin::kUserDefined,
                 kUdfFeature,
                 "the non-NULL values of `expression` in the group joined by `delimiter`",
                 {Sig({{"expression", kStr}, {"delimiter", kStr}}, kStr)}));
  // Known, so that a call gets a precise error, but the plan's aggregates (COUNT, SUM, AVG,
  // MIN, MAX) cannot express it yet: not published in the capabilities until they can.
  f.back().evaluable = false;
  f.push_back(Udf("ivo_nocasematch", {Sig({{"str", kStr}, {"pattern", kStr}}, kInt)},
                  "1 if str matches the LIKE pattern (% and _) ignoring case, else 0"));
  f.push_back(Udf("ivo_hasword", {Sig({{"haystack", kStr}, {"needle", kStr}}, kInt)},
                  "1 if every word of needle occurs as a word in haystack (ignoring ASCII case), "
                  "else 0"));
  f.push_back(Udf("ivo_hashlist_has", {Sig({{"hashlist", kStr}, {"item", kStr}}, kInt)},
                  "1 if item is one of the #-separated words of hashlist (ignoring case), else 0"));
  f.push_back(Udf("ivo_interval_overlaps",
                  {Sig({{"a1", kDbl}, {"b1", kDbl}, {"a2", kDbl}, {"b2", kDbl}}, kInt)},
                  "1 if the closed intervals [a1, b1] and [a2, b2] overlap, else 0"));
  f.push_back(Udf("ivo_normal_random", {Sig({{"mu", kDbl}, {"sigma", kDbl}}, kDbl)},
                  "a pseudo-random number from the normal distribution N(mu, sigma)"));
  f.push_back(Udf("ivo_hms_to_degrees", {Sig({{"hms", kStr}}, kDbl)},
                  "degrees from hours, minutes, seconds ('h:m:s', 'hhmmss' or 'hHmMsS'); NULL if "
                  "unparsable"));
  f.push_back(Udf("ivo_dms_to_degrees", {Sig({{"dms", kStr}}, kDbl)},
                  "degrees from signed degrees, minutes, seconds ('d:m:s', 'ddmmss' or "
                  "'dDmMsS'); NULL if unparsable"));
  f.push_back(Udf("ivo_simbadpoint", {Sig({{"identifier", kStr}}, kPt)},
                  "position of an object resolved by Simbad (not supported: no outbound network)",
                  /*evaluable=*/false));
}

void AddScisqlAndGavo(std::vector<FunctionInfo>& f) {
  f.push_back(
      Udf("scisql_angSep",
          {Sig({{"ra1", kDbl}, {"dec1", kDbl}, {"ra2", kDbl}, {"dec2", kDbl}}, kDbl),
           Sig({{"x1", kDbl}, {"y1", kDbl}, {"z1", kDbl}, {"x2", kDbl}, {"y2", kDbl}, {"z2", kDbl}},
               kDbl)},
          "angular separation in degrees of two positions (degrees) or 3-vectors"));
  f.push_back(
      Udf("scisql_s2PtInCircle",
          {Sig({{"ra", kDbl},
                {"dec", kDbl},
                {"center_ra", kDbl},
                {"center_dec", kDbl},
                {"radius", kDbl}},
               kInt)},
          "1 if (ra, dec) lies within `radius` degrees of the centre, else 0 (0 if any is NULL)"));
  f.push_back(Udf("scisql_s2PtInBox",
                  {Sig({{"ra", kDbl},
                        {"dec", kDbl},
                        {"ra_min", kDbl},
                        {"dec_min", kDbl},
                        {"ra_max", kDbl},
                        {"dec_max", kDbl}},
                       kInt)},
                  "1 if (ra, dec) lies in the coordinate box (RA may wrap through 0/360), else "
                  "0 (0 if any is NULL)"));
  f.push_back(Udf("scisql_s2PtInCPoly",
                  {Variadic({{"ra", kDbl},
                             {"dec", kDbl},
                             {"ra1", kDbl},
                             {"dec1", kDbl},
                             {"ra2", kDbl},
                             {"dec2", kDbl},
                             {"ra3", kDbl},
                             {"dec3", kDbl}},
                            2, kInt, /*max_args=*/42)},
                  "1 if (ra, dec) lies in the convex polygon of 3 to 20 vertices (ra, dec pairs "
                  "following the point), else 0 (0 if any is NULL)"));
  f.push_back(Udf("scisql_s2PtInEllipse",
                  {Sig({{"ra", kDbl},
                        {"dec", kDbl},
                        {"center_ra", kDbl},
                        {"center_dec", kDbl},
                        {"semi_major_arcsec", kDbl},
                        {"semi_minor_arcsec", kDbl},
                        {"position_angle", kDbl}},
                       kInt)},
                  "1 if (ra, dec) lies in the spherical ellipse (not supported yet)",
                  /*evaluable=*/false));
  f.push_back(Udf("scisql_nanojanskyToAbMag", {Sig({{"flux", kDbl}}, kDbl)},
                  "AB magnitude of a flux in nJy: -2.5 log10(flux / 3631e9); NULL if flux <= 0"));
  f.push_back(Udf("scisql_nanojanskyToAbMagSigma",
                  {Sig({{"flux", kDbl}, {"flux_sigma", kDbl}}, kDbl)},
                  "AB magnitude error from a flux and its error in nJy: 2.5 / ln(10) * "
                  "flux_sigma / flux; NULL if flux <= 0 or flux_sigma < 0"));
  f.push_back(Udf("scisql_abMagToNanojansky", {Sig({{"mag", kDbl}}, kDbl)},
                  "flux in nJy of an AB magnitude: 3631e9 * 10^(-0.4 mag)"));
  f.push_back(Udf("scisql_abMagToNanojanskySigma",
                  {Sig({{"mag", kDbl}, {"mag_sigma", kDbl}}, kDbl)},
                  "flux error in nJy from an AB magnitude and its error: flux(mag) * ln(10) / "
                  "2.5 * mag_sigma; NULL if mag_sigma < 0"));
  f.push_back(Udf("gavo_to_mjd", {Sig({{"d", kTime}}, kDbl)},
                  "Modified Julian Date of a timestamp (DaCHS name of ivo_to_mjd)"));
  f.push_back(Udf("gavo_to_jd", {Sig({{"d", kTime}}, kDbl)},
                  "Julian Date of a timestamp (DaCHS name of ivo_to_jd)"));
}

}  // namespace

std::vector<FunctionInfo> DefaultFunctions() {
  std::vector<FunctionInfo> f;
  AddAdqlMath(f);
  AddAdqlOther(f);
  AddAdqlGeometry(f);
  AddIvoa(f);
  AddScisqlAndGavo(f);
  return f;
}

}  // namespace skyshard::adql::internal
