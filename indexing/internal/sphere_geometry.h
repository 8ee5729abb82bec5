// Sphere geometry for the HEALPix index: unit vectors, numerically stable great-circle
// distances, and the distance bounds to a coordinate box that make the box cover provably
// inclusive. Internal to indexing/; nothing here is part of the public API, and no Healpix type
// appears here.
//
// Angles are in radians unless a name ends in Deg.
//
// Thread safety: every function is pure and every type is a plain value; all are safe to use
// concurrently.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace skyshard::indexing_internal {

inline constexpr double kPi = std::numbers::pi;
inline constexpr double kHalfPi = std::numbers::pi / 2;
inline constexpr double kDegToRad = std::numbers::pi / 180.0;
inline constexpr double kRadToDeg = 180.0 / std::numbers::pi;
inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

struct Vec3 {
  double x;
  double y;
  double z;
};

inline double Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

inline Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

inline double Length(const Vec3& a) { return std::sqrt(Dot(a, a)); }

inline Vec3 Scaled(const Vec3& a, double s) { return {a.x * s, a.y * s, a.z * s}; }

inline Vec3 Sum(const Vec3& a, const Vec3& b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }

// Unit vector of (ra, dec) in radians.
inline Vec3 UnitVector(double ra, double dec) {
  const double cos_dec = std::cos(dec);
  return {cos_dec * std::cos(ra), cos_dec * std::sin(ra), std::sin(dec)};
}

// RA in degrees reduced into [0, 360). fmod is exact; only the final wrap can round, and
// -tiny + 360 rounding up to 360 is mapped back to 0.
inline double NormalizeRaDeg(double ra_deg) {
  if (ra_deg >= 0 && ra_deg < 360.0) return ra_deg;  // the common case, kept off fmod
  double r = std::fmod(ra_deg, 360.0);
  if (r < 0) r += 360.0;
  if (r >= 360.0) r = 0.0;
  return r;
}

// Angular distance via the Vincenty form atan2(|a x b|, a . b) written in (ra, dec): well
// conditioned from 0 up to and including antipodal points (unlike acos near 0 or the
// haversine's asin near pi).
inline double AngularDistance(double ra1, double dec1, double ra2, double dec2) {
  const double d_ra = ra2 - ra1;
  const double s1 = std::sin(dec1), c1 = std::cos(dec1);
  const double s2 = std::sin(dec2), c2 = std::cos(dec2);
  const double sin_d_ra = std::sin(d_ra), cos_d_ra = std::cos(d_ra);
  const double a = c2 * sin_d_ra;
  const double b = c1 * s2 - s1 * c2 * cos_d_ra;
  return std::atan2(std::hypot(a, b), s1 * s2 + c1 * c2 * cos_d_ra);
}

// Separation in [0, pi] between two longitudes.
inline double LongitudeGap(double lon1, double lon2) {
  double d = std::fmod(std::fabs(lon1 - lon2), 2 * kPi);
  if (d > kPi) d = 2 * kPi - d;
  return d;
}

// Exact distance from (lon, lat) to the half great circle at longitude `edge_lon` running from
// pole to pole (a RA edge of a box, extended over all Dec). Within 90 degrees of longitude the
// nearest point is the foot of the perpendicular; beyond, it is the nearer pole.
inline double DistanceToHalfMeridian(double lon, double lat, double edge_lon) {
  const double gap = LongitudeGap(lon, edge_lon);
  if (gap <= kHalfPi) {
    return std::asin(std::clamp(std::cos(lat) * std::sin(gap), 0.0, 1.0));
  }
  return kHalfPi - std::fabs(lat);
}

// A coordinate box in radians: longitudes [lon_lo, lon_lo + lon_width] (wrapping) unless
// full_lon, latitudes [lat_lo, lat_hi]. The box is the intersection of a latitude band and a
// longitude lune, which gives cheap lower bounds on distances to it and to its complement.
struct CoordBox {
  double lon_lo;
  double lon_width;  // in [0, 2*pi)
  bool full_lon;
  double lat_lo;
  double lat_hi;

  bool LonInside(double lon) const {
    if (full_lon) return true;
    double off = std::fmod(lon - lon_lo, 2 * kPi);
    if (off < 0) off += 2 * kPi;
    return off <= lon_width;
  }

  // Lower bound on the angular distance from (lon, lat) to the box; 0 inside. The box lies in
  // both the band and the lune, so its distance is at least the larger of the distances to
  // them, each of which is computed exactly.
  double DistanceLowerBound(double lon, double lat) const {
    const double to_band = std::max({0.0, lat_lo - lat, lat - lat_hi});
    double to_lune = 0;
    if (!LonInside(lon)) {
      to_lune = std::min(DistanceToHalfMeridian(lon, lat, lon_lo),
                         DistanceToHalfMeridian(lon, lat, lon_lo + lon_width));
    }
    return std::max(to_band, to_lune);
  }

  // For a point inside the box, a lower bound on its distance to the box's boundary (how far
  // it sits from every point outside). Poles and a full RA range contribute no boundary.
  double DepthLowerBound(double lon, double lat) const {
    double depth = kInfinity;
    if (lat_lo > -kHalfPi) depth = std::min(depth, lat - lat_lo);
    if (lat_hi < kHalfPi) depth = std::min(depth, lat_hi - lat);
    if (!full_lon) {
      depth = std::min({depth, DistanceToHalfMeridian(lon, lat, lon_lo),
                        DistanceToHalfMeridian(lon, lat, lon_lo + lon_width)});
    }
    return depth;
  }
};

}  // namespace skyshard::indexing_internal
