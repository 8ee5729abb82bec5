// Photometry, spherical geometry, astrometry, time and the small numeric UDFs. HEALPix is in
// udf_healpix.cc, the text functions in udf_text.cc.

#include "adql/functions/udf_math.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "common/types.h"

namespace skyshard::adql::udf {
namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;
constexpr double kRadToDeg = 180.0 / std::numbers::pi;
constexpr double kAbZeroPointNjy = 3631e9;  // 3631 Jy in nJy
// 2.5 / ln(10): d(mag) / d(ln flux).
constexpr double kMagPerLnFlux = 2.5 / std::numbers::ln10;

struct Vec3 {
  double x, y, z;
};

Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
double Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
double Norm(const Vec3& a) { return std::hypot(a.x, a.y, a.z); }

Vec3 UnitVector(double ra_deg, double dec_deg) {
  const double ra = ra_deg * kDegToRad;
  const double dec = dec_deg * kDegToRad;
  return {std::cos(dec) * std::cos(ra), std::cos(dec) * std::sin(ra), std::sin(dec)};
}

bool ValidLatitude(double dec) { return std::isfinite(dec) && dec >= -90.0 && dec <= 90.0; }

// x modulo 360, in [0, 360).
double ReduceDegrees(double x) {
  double r = std::fmod(x, 360.0);
  if (r < 0) r += 360.0;
  return r >= 360.0 ? 0.0 : r;  // -1e-20 + 360 rounds to 360
}

// The great-circle distance in degrees between two positions: Vincenty's atan2 formula, with its
// terms rewritten around the coordinate differences (which a double subtraction gives exactly for
// nearby positions):
//   y = sin(dd) + 2 sin(d1) cos(d2) sin^2(da/2),  x = cos(d2) sin(da),
//   w = cos(dd) - 2 cos(d1) cos(d2) sin^2(da/2),  angle = atan2(hypot(x, y), w),
// so that nothing cancels at tiny separations (where acos, and the textbook Vincenty form with
// cos(d1) sin(d2) - sin(d1) cos(d2) cos(da), lose their relative precision) and atan2 stays well
// conditioned up to 180 degrees (where the haversine's asin does not).
double VincentyDeg(double ra1, double dec1, double ra2, double dec2) {
  // ra2 - ra1 exactly as diff + err (Knuth's two-sum), reduced to [-180, 180] (remainder is
  // exact), so that 359.9999 and 0.0001 are as close as 0.0001 and 0.0003.
  const double diff = ra2 - ra1;
  const double back = diff - ra2;
  const double err = (ra2 - (diff - back)) + (-ra1 - back);
  const double dra = (std::remainder(diff, 360.0) + err) * kDegToRad;
  const double ddec = (dec2 - dec1) * kDegToRad;
  const double d1 = dec1 * kDegToRad;
  const double d2 = dec2 * kDegToRad;
  const double cos_d2 = std::cos(d2);
  const double half = std::sin(dra / 2.0);
  const double versine = 2.0 * half * half;  // 1 - cos(dra)
  const double x = cos_d2 * std::sin(dra);
  const double y = std::sin(ddec) + std::sin(d1) * cos_d2 * versine;
  const double w = std::cos(ddec) - std::cos(d1) * cos_d2 * versine;
  return std::atan2(std::hypot(x, y), w) * kRadToDeg;
}

bool AllPresent(std::initializer_list<const OptDouble*> values) {
  return std::all_of(values.begin(), values.end(),
                     [](const OptDouble* v) { return v->has_value(); });
}
bool AllFinite(std::initializer_list<const OptDouble*> values) {
  return std::all_of(values.begin(), values.end(),
                     [](const OptDouble* v) { return std::isfinite(**v); });
}

}  // namespace

// ---- Photometry
// ----------------------------------------------------------------------------------

OptDouble NanojanskyToAbMag(OptDouble flux_njy) {
  if (!flux_njy || !std::isfinite(*flux_njy) || *flux_njy <= 0) return std::nullopt;
  // Subtracting logarithms (rather than taking log10(flux / 3631e9)) cannot underflow for the
  // smallest positive fluxes, and gives exactly 0 at 3631 Jy.
  return -2.5 * (std::log10(*flux_njy) - std::log10(kAbZeroPointNjy));
}

OptDouble NanojanskyToAbMagSigma(OptDouble flux_njy, OptDouble flux_sigma_njy) {
  if (!AllPresent({&flux_njy, &flux_sigma_njy}) || !AllFinite({&flux_njy, &flux_sigma_njy}) ||
      *flux_njy <= 0 || *flux_sigma_njy < 0) {
    return std::nullopt;
  }
  return kMagPerLnFlux * *flux_sigma_njy / *flux_njy;
}

OptDouble AbMagToNanojansky(OptDouble mag) {
  if (!mag || !std::isfinite(*mag)) return std::nullopt;
  const double flux = kAbZeroPointNjy * std::pow(10.0, -0.4 * *mag);
  return std::isfinite(flux) ? OptDouble(flux) : std::nullopt;
}

OptDouble AbMagToNanojanskySigma(OptDouble mag, OptDouble mag_sigma) {
  if (!AllPresent({&mag, &mag_sigma}) || !AllFinite({&mag, &mag_sigma}) || *mag_sigma < 0) {
    return std::nullopt;
  }
  const OptDouble flux = AbMagToNanojansky(mag);
  if (!flux) return std::nullopt;
  const double sigma = *flux / kMagPerLnFlux * *mag_sigma;
  return std::isfinite(sigma) ? OptDouble(sigma) : std::nullopt;
}

// ---- Spherical geometry
// --------------------------------------------------------------------------

OptDouble AngSep(OptDouble ra1, OptDouble dec1, OptDouble ra2, OptDouble dec2) {
  if (!AllPresent({&ra1, &dec1, &ra2, &dec2}) || !AllFinite({&ra1, &dec1, &ra2, &dec2}) ||
      !ValidLatitude(*dec1) || !ValidLatitude(*dec2)) {
    return std::nullopt;
  }
  return VincentyDeg(*ra1, *dec1, *ra2, *dec2);
}

OptDouble AngSepVectors(OptDouble x1, OptDouble y1, OptDouble z1, OptDouble x2, OptDouble y2,
                        OptDouble z2) {
  if (!AllPresent({&x1, &y1, &z1, &x2, &y2, &z2}) || !AllFinite({&x1, &y1, &z1, &x2, &y2, &z2})) {
    return std::nullopt;
  }
  const Vec3 a{*x1, *y1, *z1};
  const Vec3 b{*x2, *y2, *z2};
  if (Norm(a) == 0 || Norm(b) == 0) return std::nullopt;
  // atan2(|a x b|, a . b) needs no normalisation and is accurate at every angle.
  return std::atan2(Norm(Cross(a, b)), Dot(a, b)) * kRadToDeg;
}

OptInt S2PtInCircle(OptDouble ra, OptDouble dec, OptDouble center_ra, OptDouble center_dec,
                    OptDouble radius) {
  if (!AllPresent({&ra, &dec, &center_ra, &center_dec, &radius})) return 0;
  if (!AllFinite({&ra, &dec, &center_ra, &center_dec, &radius}) || !ValidLatitude(*dec) ||
      !ValidLatitude(*center_dec) || *radius < 0 || *radius > 180) {
    return std::nullopt;
  }
  return VincentyDeg(*ra, *dec, *center_ra, *center_dec) <= *radius ? 1 : 0;
}

OptInt S2PtInBox(OptDouble ra, OptDouble dec, OptDouble ra_min, OptDouble dec_min, OptDouble ra_max,
                 OptDouble dec_max) {
  if (!AllPresent({&ra, &dec, &ra_min, &dec_min, &ra_max, &dec_max})) return 0;
  if (!AllFinite({&ra, &dec, &ra_min, &dec_min, &ra_max, &dec_max}) || !ValidLatitude(*dec) ||
      !ValidLatitude(*dec_min) || !ValidLatitude(*dec_max)) {
    return std::nullopt;
  }
  // The RA range as a start and an eastward extent in [0, 360].
  double start = *ra_min;
  double extent = 0;
  const bool both_in_circle = *ra_min >= 0 && *ra_min <= 360 && *ra_max >= 0 && *ra_max <= 360;
  if (both_in_circle) {
    extent = *ra_max >= *ra_min ? *ra_max - *ra_min : *ra_max - *ra_min + 360.0;
  } else {
    if (*ra_min > *ra_max) return std::nullopt;
    extent = *ra_max - *ra_min;
    if (extent >= 360.0) extent = 360.0;
    start = ReduceDegrees(*ra_min);
  }
  if (*dec < *dec_min || *dec > *dec_max) return 0;
  // The offset east of the start, in [0, 360): compare with the extent rather than reduce both
  // ends, so that a box ending exactly at 360 holds RA 0 and one starting at 0 holds RA 360.
  const double offset = ReduceDegrees(*ra - start);
  return offset <= extent ? 1 : 0;
}

OptInt S2PtInCPoly(OptDouble ra, OptDouble dec, const std::vector<OptDouble>& vertices) {
  if (!ra || !dec) return 0;
  for (const OptDouble& v : vertices) {
    if (!v) return 0;
  }
  const size_t n = vertices.size() / 2;
  if (vertices.size() % 2 != 0 || n < 3 || n > 20) return std::nullopt;
  if (!std::isfinite(*ra) || !ValidLatitude(*dec)) return std::nullopt;
  std::vector<Vec3> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const double vra = *vertices[2 * i];
    const double vdec = *vertices[2 * i + 1];
    if (!std::isfinite(vra) || !ValidLatitude(vdec)) return std::nullopt;
    v.push_back(UnitVector(vra, vdec));
  }
  // Convexity: every corner turns the same way (the sign of (v[i-1] x v[i]) . v[i+1]); that
  // sign is the orientation. A star polygon turns one way too but winds twice around its
  // centre, so also require the edges to wind exactly once around the vertex centroid.
  double orientation = 0;
  for (size_t i = 0; i < n; ++i) {
    const double turn = Dot(Cross(v[(i + n - 1) % n], v[i]), v[(i + 1) % n]);
    if (turn == 0 || (orientation != 0 && (turn > 0) != (orientation > 0))) return std::nullopt;
    orientation = turn;
  }
  Vec3 c{0, 0, 0};
  for (const Vec3& u : v) c = {c.x + u.x, c.y + u.y, c.z + u.z};
  const double c_norm = Norm(c);
  if (c_norm == 0) return std::nullopt;
  c = {c.x / c_norm, c.y / c_norm, c.z / c_norm};
  double winding = 0;
  for (size_t i = 0; i < n; ++i) {
    const Vec3& a = v[i];
    const Vec3& b = v[(i + 1) % n];
    if (Dot(a, c) <= 0) return std::nullopt;  // not within the hemisphere around the centroid
    winding += std::atan2(Dot(Cross(a, b), c), Dot(a, b) - Dot(a, c) * Dot(b, c));
  }
  if (std::abs(std::abs(winding) - 2 * std::numbers::pi) > 1e-6) return std::nullopt;

  const Vec3 p = UnitVector(*ra, *dec);
  for (size_t i = 0; i < n; ++i) {
    const double side = Dot(Cross(v[i], v[(i + 1) % n]), p);
    if ((orientation > 0 && side < 0) || (orientation < 0 && side > 0)) return 0;
  }
  return 1;
}

// ---- Astrometry
// ----------------------------------------------------------------------------------

Result<SkyPoint> EpochPropPos(OptDouble ra, OptDouble dec, OptDouble parallax_mas,
                              OptDouble pmra_mas_yr, OptDouble pmdec_mas_yr,
                              OptDouble radial_velocity_km_s, OptDouble ref_epoch,
                              OptDouble out_epoch) {
  if (!AllPresent({&ra, &dec, &ref_epoch, &out_epoch})) {
    return Status::InvalidArgument(
        "ivo_epoch_prop_pos: ra, dec, ref_epoch and out_epoch must not be NULL");
  }
  const double plx = parallax_mas.value_or(0.0);
  const double pmra = pmra_mas_yr.value_or(0.0);
  const double pmdec = pmdec_mas_yr.value_or(0.0);
  const double rv = radial_velocity_km_s.value_or(0.0);
  if (!std::isfinite(*ra) || !ValidLatitude(*dec) || !std::isfinite(*ref_epoch) ||
      !std::isfinite(*out_epoch) || !std::isfinite(plx) || !std::isfinite(pmra) ||
      !std::isfinite(pmdec) || !std::isfinite(rv)) {
    return Status::InvalidArgument(
        "ivo_epoch_prop_pos: arguments must be finite and dec within [-90, 90]");
  }
  constexpr double kMasToRad = kDegToRad / 3.6e6;
  // The astronomical unit in km divided by the Julian year in s: km/s per (AU/yr).
  constexpr double kAuPerYearKmS = 149597870.7 / (365.25 * 86400.0);
  const double a = *ra * kDegToRad;
  const double d = *dec * kDegToRad;
  // The normal triad at the star: r towards it, p towards increasing RA, q towards the north.
  const Vec3 r{std::cos(d) * std::cos(a), std::cos(d) * std::sin(a), std::sin(d)};
  const Vec3 p{-std::sin(a), std::cos(a), 0.0};
  const Vec3 q{-std::sin(d) * std::cos(a), -std::sin(d) * std::sin(a), std::cos(d)};
  const double mu_a = pmra * kMasToRad;
  const double mu_d = pmdec * kMasToRad;
  const Vec3 mu{p.x * mu_a + q.x * mu_d, p.y * mu_a + q.y * mu_d, p.z * mu_a + q.z * mu_d};
  // Radial proper motion (rad/yr): the radial velocity in units of the distance per year. With
  // no parallax the star is infinitely far and its radial motion changes nothing.
  const double zeta = rv * plx / kAuPerYearKmS * kMasToRad;
  const double t = *out_epoch - *ref_epoch;
  const double mu2 = Dot(mu, mu);
  const double f = 1.0 / std::sqrt(1.0 + 2.0 * zeta * t + (mu2 + zeta * zeta) * t * t);
  const Vec3 u{(r.x * (1.0 + zeta * t) + mu.x * t) * f, (r.y * (1.0 + zeta * t) + mu.y * t) * f,
               (r.z * (1.0 + zeta * t) + mu.z * t) * f};
  if (!std::isfinite(u.x) || !std::isfinite(u.y) || !std::isfinite(u.z)) {
    return Status::InvalidArgument("ivo_epoch_prop_pos: the propagated position is undefined");
  }
  SkyPoint out;
  out.ra = ReduceDegrees(std::atan2(u.y, u.x) * kRadToDeg);
  out.dec = std::atan2(u.z, std::hypot(u.x, u.y)) * kRadToDeg;
  return out;
}

// ---- Time
// ----------------------------------------------------------------------------------------

namespace {

constexpr int64_t kMicrosPerDay = 86400LL * 1000000LL;
constexpr double kMjdOfUnixEpoch = 40587.0;
constexpr double kJdOfMjdZero = 2400000.5;

// Whole days since the Unix epoch (rounded down) and the fraction of the day, so that the sum
// with a large offset is rounded once.
std::pair<int64_t, double> DaysAndFraction(int64_t micros) {
  int64_t days = micros / kMicrosPerDay;
  int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  return {days, static_cast<double>(rest) / static_cast<double>(kMicrosPerDay)};
}

}  // namespace

OptDouble ToMjd(std::optional<int64_t> micros) {
  if (!micros) return std::nullopt;
  const auto [days, fraction] = DaysAndFraction(*micros);
  return (kMjdOfUnixEpoch + static_cast<double>(days)) + fraction;
}

OptDouble ToJd(std::optional<int64_t> micros) {
  if (!micros) return std::nullopt;
  const auto [days, fraction] = DaysAndFraction(*micros);
  return (kMjdOfUnixEpoch + kJdOfMjdZero + static_cast<double>(days)) + fraction;
}

Result<OptDouble> TextToMjd(OptText text) {
  if (!text) return OptDouble();
  SKY_ASSIGN_OR_RETURN(const int64_t micros, ParseTimestamp(*text));
  return ToMjd(micros);
}

Result<OptDouble> TextToJd(OptText text) {
  if (!text) return OptDouble();
  SKY_ASSIGN_OR_RETURN(const int64_t micros, ParseTimestamp(*text));
  return ToJd(micros);
}

// ---- Miscellaneous
// -------------------------------------------------------------------------------

OptInt IntervalOverlaps(OptDouble a1, OptDouble b1, OptDouble a2, OptDouble b2) {
  if (!AllPresent({&a1, &b1, &a2, &b2})) return std::nullopt;
  return (*a1 <= *b1 && *a2 <= *b2 && *a1 <= *b2 && *a2 <= *b1) ? 1 : 0;
}

OptDouble NormalRandom(OptDouble mu, OptDouble sigma, double u1, double u2) {
  if (!mu || !sigma) return std::nullopt;
  return *mu + *sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace skyshard::adql::udf
