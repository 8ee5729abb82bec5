// HEALPix index and region covers. See docs/indexing.md for the definitions and guarantees.

#include "indexing/healpix_index.h"

#include <healpix_base.h>
#include <pointing.h>
#include <rangeset.h>
#include <vec3.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "indexing/internal/sphere_geometry.h"

namespace skyshard {
namespace {

using indexing_internal::AngularDistance;
using indexing_internal::CoordBox;
using indexing_internal::Cross;
using indexing_internal::Dot;
using indexing_internal::kDegToRad;
using indexing_internal::kHalfPi;
using indexing_internal::kPi;
using indexing_internal::Length;
using indexing_internal::NormalizeRaDeg;
using indexing_internal::Scaled;
using indexing_internal::Sum;
using indexing_internal::UnitVector;
using indexing_internal::Vec3;

using HealpixBase = T_Healpix_Base<int64>;

// Finest order a cover query may use, and the oversampling of its inclusive test. Healpix
// compares cosines of pixel-centre distances; the finest test order (20 + 2) keeps those
// distances >= ~3e-7 rad, where a double cosine still resolves ~1e-9 rad.
constexpr int kMaxQueryOrder = 20;
constexpr int kOversampleFactor = 4;
constexpr int kOversampleOrders = 2;  // log2(kOversampleFactor)

// Added to every cover radius so that rounding in Healpix (and in the degree-to-radian
// conversions) can never drop a pixel that touches the region. 2e-8 rad = 4 mas: far above the
// rounding error and far below the size of any query pixel.
constexpr double kCoverMarginRad = 2e-8;

// Healpix assumes no point of a pixel is farther from its centre than max_pixrad; the box cover
// (our own traversal) adds 1% on top so it does not rest on that bound being tight.
constexpr double kPixradSafety = 1.01;

// Polygon Contains accepts points this far (radians, ~2e-11 deg) outside an edge plane, so that
// vertices and points computed on an edge count as inside despite rounding.
constexpr double kEdgeToleranceRad = 1e-13;

// A polygon vertex closer than this (radians) to the great circle of a non-adjacent edge, or an
// edge shorter than this, makes the polygon degenerate.
constexpr double kDegenerateRad = 1e-12;

// Healpix's query_polygon rejects a corner when |(v_i x v_i+1) . v_i+2| <= 1e-10; for polygons
// that small (a few arcsec) the cover uses the enclosing disc instead. 1e-9 leaves a margin.
constexpr double kHealpixCornerLimit = 1e-9;

// Nested Healpix bases for orders 0..29, built once.
const HealpixBase& BaseAt(int order) {
  static const std::array<HealpixBase, kIndexOrder + 1> bases = [] {
    std::array<HealpixBase, kIndexOrder + 1> b;
    for (int o = 0; o <= kIndexOrder; ++o) b[o].Set(o, NEST);
    return b;
  }();
  return bases[order];
}

// loc2pix is protected in T_Healpix_Base; it takes z = sin(dec) and cos(dec) directly, which
// avoids forming theta = 90 - dec and so keeps full precision next to the poles.
class Order29Base : public HealpixBase {
 public:
  Order29Base() : HealpixBase(kIndexOrder, NEST) {}
  int64 FromZPhi(double z, double phi, double sin_theta) const {
    return loc2pix(z, phi, sin_theta, true);
  }
};

const Order29Base& Base29() {
  static const Order29Base base;
  return base;
}

uint64_t ShiftToOrder29(uint64_t pixel, int order) { return pixel << (2 * (kIndexOrder - order)); }

std::vector<IndexRange> WholeSky() { return {IndexRange{0, kIndexPixels}}; }

// Sorts, merges overlapping and adjacent ranges, and drops empty ones.
std::vector<IndexRange> Normalize(std::vector<IndexRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const IndexRange& a, const IndexRange& b) { return a.begin < b.begin; });
  std::vector<IndexRange> out;
  out.reserve(ranges.size());
  for (const IndexRange& r : ranges) {
    if (r.end <= r.begin) continue;
    if (!out.empty() && r.begin <= out.back().end) {
      out.back().end = std::max(out.back().end, r.end);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::vector<IndexRange> FromRangeset(const rangeset<int64>& set, int order) {
  std::vector<IndexRange> out;
  out.reserve(set.nranges());
  const auto count = static_cast<tdiff>(set.nranges());
  for (tdiff i = 0; i < count; ++i) {
    out.push_back({ShiftToOrder29(static_cast<uint64_t>(set.ivbegin(i)), order),
                   ShiftToOrder29(static_cast<uint64_t>(set.ivend(i)), order)});
  }
  return Normalize(std::move(out));
}

// Picks the query order from the region's area (steradians) and perimeter (radians). The mean
// pixel side at order k is sqrt(pi/3) / 2^k. It should be about 1/4 of the region's effective
// width 2A/P (exactly the radius for a disc) so the cover hugs the region, but no smaller than
// P/512 so that at most a few hundred pixels straddle the boundary (each may start a range).
// 1/8 hugs closer (a 1' disc's cover is 1.35x its area instead of 1.75x) but costs twice the
// time (40 instead of 20 us) and twice the ranges (16 instead of 9 seeks): more than reading
// the extra rows.
int ChooseOrder(double area, double perimeter) {
  double target = 0;
  if (perimeter > 0 && std::isfinite(area) && std::isfinite(perimeter)) {
    target = std::max(2 * area / perimeter / 4, perimeter / 512);
  }
  if (!(target > 0)) return kMaxQueryOrder;
  const double k = std::floor(std::log2(std::sqrt(kPi / 3) / target));
  if (k <= 0) return 0;
  if (k >= kMaxQueryOrder) return kMaxQueryOrder;
  return static_cast<int>(k);
}

// Inclusive Healpix disc cover; Healpix throws only on invalid arguments, which the callers
// exclude, but a throw still degrades to the (trivially inclusive) whole sky.
std::vector<IndexRange> DiscCover(const Vec3& centre, double radius_rad, int order) {
  try {
    rangeset<int64> set;
    BaseAt(order).query_disc_inclusive(pointing(vec3(centre.x, centre.y, centre.z)),
                                       radius_rad + kCoverMarginRad, set, kOversampleFactor);
    return FromRangeset(set, order);
  } catch (...) {
    return WholeSky();
  }
}

std::string FormatNumber(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "nan";
  return std::string(buf, end);
}

bool ValidPosition(double ra, double dec) {
  return std::isfinite(ra) && std::isfinite(dec) && dec >= -90.0 && dec <= 90.0;
}

// ---------------------------------------------------------------------------------------------

class Circle final : public Region {
 public:
  Circle(double ra_deg, double dec_deg, double radius_deg)
      : ra_deg_(NormalizeRaDeg(ra_deg)),
        dec_deg_(dec_deg),
        radius_deg_(radius_deg),
        whole_sky_(radius_deg >= 180.0),
        // Beyond 90 deg sin^2(d/2) flattens out and loses angular resolution, so the test is
        // turned around: inside iff the distance to the antipode is >= 180 - radius.
        use_antipode_(radius_deg > 90.0) {
    double ref_ra = ra_deg_ * kDegToRad;
    double ref_dec = dec_deg_ * kDegToRad;
    double limit = radius_deg_ * kDegToRad;
    if (use_antipode_) {
      ref_ra += kPi;
      ref_dec = -ref_dec;
      limit = (180.0 - radius_deg_) * kDegToRad;
    }
    ref_ra_ = ref_ra;
    ref_dec_ = ref_dec;
    cos_ref_dec_ = std::cos(ref_dec);
    const double s = std::sin(0.5 * limit);
    hav_limit_ = s * s;
  }

  bool Contains(double ra_deg, double dec_deg) const override {
    if (!ValidPosition(ra_deg, dec_deg)) return false;
    if (whole_sky_) return true;
    const double dec = dec_deg * kDegToRad;
    const double s_dec = std::sin(0.5 * (dec - ref_dec_));
    // Reduce RA exactly first, as HealpixIndex29 does, so both paths see the same position.
    const double s_ra = std::sin(0.5 * (NormalizeRaDeg(ra_deg) * kDegToRad - ref_ra_));
    const double h = s_dec * s_dec + cos_ref_dec_ * std::cos(dec) * s_ra * s_ra;
    return use_antipode_ ? h >= hav_limit_ : h <= hav_limit_;
  }

  std::vector<IndexRange> Cover() const override {
    // Beyond a hemisphere, Healpix answers an "inclusive" disc query through the complement of
    // the antipodal disc, which leaves out pixels that touch the boundary (rows near the
    // antipode were missed). Such a disc covers more than half the sky anyway: read it all.
    if (whole_sky_ || radius_deg_ > 90.0) return WholeSky();
    const double r = radius_deg_ * kDegToRad;
    const double area = 4 * kPi * std::pow(std::sin(0.5 * r), 2);
    const double perimeter = 2 * kPi * std::sin(r);
    const Vec3 centre = UnitVector(ra_deg_ * kDegToRad, dec_deg_ * kDegToRad);
    return DiscCover(centre, r, ChooseOrder(area, perimeter));
  }

  std::string ToString() const override {
    return "CIRCLE(" + FormatNumber(ra_deg_) + " " + FormatNumber(dec_deg_) + " " +
           FormatNumber(radius_deg_) + ")";
  }

 private:
  double ra_deg_;
  double dec_deg_;
  double radius_deg_;
  bool whole_sky_;
  bool use_antipode_;
  double ref_ra_ = 0;
  double ref_dec_ = 0;
  double cos_ref_dec_ = 1;
  double hav_limit_ = 0;
};

// ---------------------------------------------------------------------------------------------

class Box final : public Region {
 public:
  Box(double ra_deg, double dec_deg, double width_deg, double height_deg)
      : ra_deg_(NormalizeRaDeg(ra_deg)),
        dec_deg_(dec_deg),
        width_deg_(width_deg),
        height_deg_(height_deg),
        full_ra_(width_deg >= 360.0),
        ra_lo_deg_(full_ra_ ? 0.0 : NormalizeRaDeg(ra_deg_ - 0.5 * width_deg)),
        ra_span_deg_(full_ra_ ? 360.0 : width_deg),
        dec_lo_deg_(std::max(-90.0, dec_deg - 0.5 * height_deg)),
        dec_hi_deg_(std::min(90.0, dec_deg + 0.5 * height_deg)) {}

  bool Contains(double ra_deg, double dec_deg) const override {
    if (!ValidPosition(ra_deg, dec_deg)) return false;
    if (dec_deg < dec_lo_deg_ || dec_deg > dec_hi_deg_) return false;
    if (full_ra_) return true;
    // A pole is a single point whatever its RA, and it lies in the closure of any box whose
    // Dec range reaches it (the RA edges meet there), so it is inside.
    if (dec_deg == 90.0 || dec_deg == -90.0) return true;
    double off = NormalizeRaDeg(ra_deg) - ra_lo_deg_;
    if (off < 0) off += 360.0;
    return off <= ra_span_deg_;
  }

  std::vector<IndexRange> Cover() const override;

  std::string ToString() const override {
    return "BOX(" + FormatNumber(ra_deg_) + " " + FormatNumber(dec_deg_) + " " +
           FormatNumber(width_deg_) + " " + FormatNumber(height_deg_) + ")";
  }

 private:
  double ra_deg_;
  double dec_deg_;
  double width_deg_;
  double height_deg_;
  bool full_ra_;
  double ra_lo_deg_;
  double ra_span_deg_;
  double dec_lo_deg_;
  double dec_hi_deg_;
};

// Healpix has no inclusive query for a coordinate box (its Dec edges are small circles), so the
// box is covered by the same hierarchical descent Healpix uses for discs: a pixel is kept when
// its centre is within (1% over) max_pixrad of the box, which every pixel touching the box
// satisfies, and a pixel whose centre is deeper than that inside the box is kept whole. Distances
// use exact lower bounds (CoordBox), so the test can only err toward keeping a pixel.
std::vector<IndexRange> Box::Cover() const {
  if (full_ra_ && dec_lo_deg_ <= -90.0 && dec_hi_deg_ >= 90.0) return WholeSky();
  const CoordBox box{ra_lo_deg_ * kDegToRad, std::min(ra_span_deg_, 360.0) * kDegToRad, full_ra_,
                     dec_lo_deg_ * kDegToRad, dec_hi_deg_ * kDegToRad};
  const double lon_span = full_ra_ ? 2 * kPi : box.lon_width;
  const double area = lon_span * (std::sin(box.lat_hi) - std::sin(box.lat_lo));
  double perimeter = lon_span * (std::cos(box.lat_lo) + std::cos(box.lat_hi));
  if (!full_ra_) perimeter += 2 * (box.lat_hi - box.lat_lo);
  const int order = ChooseOrder(area, perimeter);
  const int fine_order = order + kOversampleOrders;

  std::array<double, kIndexOrder + 1> reach{};
  for (int o = 0; o <= fine_order; ++o) {
    reach[o] = kPixradSafety * BaseAt(o).max_pixrad() + kCoverMarginRad;
  }

  std::vector<IndexRange> out;
  std::vector<std::pair<int64, int>> stack;  // (pixel, order), depth first
  for (int64 p = 11; p >= 0; --p) stack.emplace_back(p, 0);
  try {
    while (!stack.empty()) {
      const auto [pix, o] = stack.back();
      stack.pop_back();
      const pointing centre = BaseAt(o).pix2ang(pix);
      const double lon = centre.phi;
      const double lat = kHalfPi - centre.theta;
      const double distance = box.DistanceLowerBound(lon, lat);
      if (distance > reach[o]) continue;

      const bool whole = distance == 0 && box.DepthLowerBound(lon, lat) > reach[o];
      if (o < order) {
        if (whole) {
          const auto p = static_cast<uint64_t>(pix);
          out.push_back({ShiftToOrder29(p, o), ShiftToOrder29(p + 1, o)});
        } else {
          for (int64 c = 3; c >= 0; --c) stack.emplace_back(4 * pix + c, o + 1);
        }
        continue;
      }
      if (o < fine_order && !whole) {
        // Not yet decided: refine, as Healpix's oversampling does. Sub-pixels have a smaller
        // reach, so this drops pixels that passed only because they are large.
        for (int64 c = 3; c >= 0; --c) stack.emplace_back(4 * pix + c, o + 1);
        continue;
      }
      // Keep the pixel at the query order, and skip its remaining sub-pixels.
      const uint64_t parent = static_cast<uint64_t>(pix) >> (2 * (o - order));
      out.push_back({ShiftToOrder29(parent, order), ShiftToOrder29(parent + 1, order)});
      while (!stack.empty() && stack.back().second > order &&
             (static_cast<uint64_t>(stack.back().first) >> (2 * (stack.back().second - order))) ==
                 parent) {
        stack.pop_back();
      }
    }
  } catch (...) {
    return WholeSky();
  }
  return Normalize(std::move(out));
}

// ---------------------------------------------------------------------------------------------

class Polygon final : public Region {
 public:
  // REQUIRES: inward unit normals of a validated convex polygon.
  Polygon(std::vector<double> ra_dec, std::vector<Vec3> vertices, std::vector<Vec3> normals)
      : ra_dec_(std::move(ra_dec)), vertices_(std::move(vertices)), normals_(std::move(normals)) {}

  bool Contains(double ra_deg, double dec_deg) const override {
    if (!ValidPosition(ra_deg, dec_deg)) return false;
    const Vec3 p = UnitVector(NormalizeRaDeg(ra_deg) * kDegToRad, dec_deg * kDegToRad);
    for (const Vec3& n : normals_) {
      if (Dot(n, p) < -kEdgeToleranceRad) return false;
    }
    return true;
  }

  std::vector<IndexRange> Cover() const override;

  std::string ToString() const override {
    std::string s = "POLYGON(";
    for (size_t i = 0; i < ra_dec_.size(); ++i) {
      if (i > 0) s += " ";
      s += FormatNumber(ra_dec_[i]);
    }
    return s + ")";
  }

 private:
  std::vector<IndexRange> EnclosingDiscCover(int order) const;

  std::vector<double> ra_dec_;
  std::vector<Vec3> vertices_;
  std::vector<Vec3> normals_;  // inward unit normals of the edge planes
};

// A disc of radius <= 90 deg is convex, so one holding every vertex holds the whole polygon.
std::vector<IndexRange> Polygon::EnclosingDiscCover(int order) const {
  Vec3 sum{0, 0, 0};
  for (const Vec3& v : vertices_) sum = Sum(sum, v);
  const double len = Length(sum);
  if (!(len > 0)) return WholeSky();
  const Vec3 centre = Scaled(sum, 1 / len);
  double radius = 0;
  for (const Vec3& v : vertices_) {
    radius = std::max(radius, std::atan2(Length(Cross(centre, v)), Dot(centre, v)));
  }
  if (radius > kHalfPi) return WholeSky();
  return DiscCover(centre, radius, order);
}

std::vector<IndexRange> Polygon::Cover() const {
  const size_t n = vertices_.size();
  double perimeter = 0;
  double area = 0;
  double corner = 1;  // smallest |(v_i x v_i+1) . v_i+2|, the quantity Healpix checks
  for (size_t i = 0; i < n; ++i) {
    const Vec3& a = vertices_[i];
    const Vec3& b = vertices_[(i + 1) % n];
    perimeter += std::atan2(Length(Cross(a, b)), Dot(a, b));
    corner = std::min(corner, std::fabs(Dot(Cross(a, b), vertices_[(i + 2) % n])));
    if (i >= 1 && i + 1 < n) {
      // Fan triangle (v0, a, b): tan(E/2) = |v0.(a x b)| / (1 + v0.a + a.b + b.v0).
      const Vec3& v0 = vertices_[0];
      area +=
          2 * std::atan2(std::fabs(Dot(v0, Cross(a, b))), 1 + Dot(v0, a) + Dot(a, b) + Dot(b, v0));
    }
  }
  const int order = ChooseOrder(area, perimeter);
  if (corner <= kHealpixCornerLimit) return EnclosingDiscCover(order);
  try {
    std::vector<pointing> corners;
    corners.reserve(n);
    for (const Vec3& v : vertices_) corners.emplace_back(vec3(v.x, v.y, v.z));
    rangeset<int64> set;
    BaseAt(order).query_polygon_inclusive(corners, set, kOversampleFactor);
    return FromRangeset(set, order);
  } catch (...) {
    return EnclosingDiscCover(order);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------

uint64_t HealpixIndex29(double ra_deg, double dec_deg) {
  if (!std::isfinite(ra_deg) || !std::isfinite(dec_deg)) return 0;
  const double dec = std::clamp(dec_deg, -90.0, 90.0) * kDegToRad;
  const double phi = NormalizeRaDeg(ra_deg) * kDegToRad;
  return static_cast<uint64_t>(Base29().FromZPhi(std::sin(dec), phi, std::cos(dec)));
}

double AngularDistanceDeg(double ra1, double dec1, double ra2, double dec2) {
  return AngularDistance(ra1 * kDegToRad, dec1 * kDegToRad, ra2 * kDegToRad, dec2 * kDegToRad) /
         kDegToRad;
}

Result<std::unique_ptr<Region>> MakeCircle(double ra_deg, double dec_deg, double radius_deg) {
  if (!ValidPosition(ra_deg, dec_deg)) {
    return Status::InvalidArgument("CIRCLE: centre (" + FormatNumber(ra_deg) + ", " +
                                   FormatNumber(dec_deg) +
                                   ") must have a finite RA and a Dec in [-90, 90]");
  }
  if (!std::isfinite(radius_deg) || radius_deg < 0) {
    return Status::InvalidArgument("CIRCLE: radius " + FormatNumber(radius_deg) +
                                   " must be a finite number >= 0 (degrees)");
  }
  return std::unique_ptr<Region>(new Circle(ra_deg, dec_deg, radius_deg));
}

Result<std::unique_ptr<Region>> MakeBox(double ra_deg, double dec_deg, double width_deg,
                                        double height_deg) {
  if (!ValidPosition(ra_deg, dec_deg)) {
    return Status::InvalidArgument("BOX: centre (" + FormatNumber(ra_deg) + ", " +
                                   FormatNumber(dec_deg) +
                                   ") must have a finite RA and a Dec in [-90, 90]");
  }
  if (!std::isfinite(width_deg) || width_deg < 0 || !std::isfinite(height_deg) || height_deg < 0) {
    return Status::InvalidArgument("BOX: width " + FormatNumber(width_deg) + " and height " +
                                   FormatNumber(height_deg) +
                                   " must be finite numbers >= 0 (degrees)");
  }
  return std::unique_ptr<Region>(new Box(ra_deg, dec_deg, width_deg, height_deg));
}

Result<std::unique_ptr<Region>> MakePolygon(const std::vector<double>& ra_dec_pairs) {
  if (ra_dec_pairs.size() % 2 != 0) {
    return Status::InvalidArgument("POLYGON: expected (ra, dec) pairs, got " +
                                   std::to_string(ra_dec_pairs.size()) + " numbers");
  }
  const size_t n = ra_dec_pairs.size() / 2;
  if (n < 3) {
    return Status::InvalidArgument("POLYGON: needs at least 3 vertices, got " + std::to_string(n));
  }
  std::vector<Vec3> vertices;
  vertices.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const double ra = ra_dec_pairs[2 * i];
    const double dec = ra_dec_pairs[2 * i + 1];
    if (!ValidPosition(ra, dec)) {
      return Status::InvalidArgument("POLYGON: vertex " + std::to_string(i + 1) + " (" +
                                     FormatNumber(ra) + ", " + FormatNumber(dec) +
                                     ") must have a finite RA and a Dec in [-90, 90]");
    }
    vertices.push_back(UnitVector(NormalizeRaDeg(ra) * kDegToRad, dec * kDegToRad));
  }

  // Convex (in either orientation) means every vertex lies strictly on the same side of every
  // edge's great circle; that also rules out self-intersection and multiple windings.
  std::vector<Vec3> normals;
  normals.reserve(n);
  int orientation = 0;
  for (size_t i = 0; i < n; ++i) {
    // a x (b - a) equals a x b, but b - a is formed before the products: for a short edge
    // a x b cancels catastrophically and would tilt the edge plane by ~1e-16 / |edge| rad.
    const Vec3 raw = Cross(vertices[i], Sum(vertices[(i + 1) % n], Scaled(vertices[i], -1)));
    const double len = Length(raw);
    if (len < kDegenerateRad) {
      return Status::InvalidArgument("POLYGON: edge from vertex " + std::to_string(i + 1) +
                                     " is degenerate (repeated or antipodal vertices)");
    }
    const Vec3 normal = Scaled(raw, 1 / len);
    for (size_t j = 0; j < n; ++j) {
      if (j == i || j == (i + 1) % n) continue;
      const double side = Dot(normal, vertices[j]);
      if (std::fabs(side) <= kDegenerateRad) {
        return Status::InvalidArgument("POLYGON: vertex " + std::to_string(j + 1) +
                                       " lies on the great circle of the edge from vertex " +
                                       std::to_string(i + 1) + " (degenerate polygon)");
      }
      const int sign = side > 0 ? 1 : -1;
      if (orientation == 0) orientation = sign;
      if (sign != orientation) {
        return Status::InvalidArgument(
            "POLYGON: not convex (vertex " + std::to_string(j + 1) +
            " is on the outer side of the edge from vertex " + std::to_string(i + 1) +
            "); only convex polygons with great-circle edges are supported");
      }
    }
    normals.push_back(normal);
  }
  for (Vec3& normal : normals) normal = Scaled(normal, orientation);
  return std::unique_ptr<Region>(
      new Polygon(ra_dec_pairs, std::move(vertices), std::move(normals)));
}

}  // namespace skyshard
