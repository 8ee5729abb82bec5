// Tests of the HEALPix index and region covers against independent brute force.
//
// The reference answers never come from skyshard: positions are turned into long-double unit
// vectors, distances come from atan2(|a x b|, a . b) in long double, the box test walks RA
// images explicitly, and the polygon test uses triple products against the vertex centroid.
// Healpix itself (at a coarse order, through a different entry point) checks the pixel numbers.

#include <gtest/gtest.h>
#include <healpix_base.h>
#include <pointing.h>
#include <vec3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iomanip>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "indexing/healpix_index.h"

namespace skyshard {
namespace {

using LD = long double;
constexpr LD kPiL = std::numbers::pi_v<long double>;
constexpr LD kDegL = kPiL / 180;
constexpr double kArcsec = 1.0 / 3600;
constexpr double kArcmin = 1.0 / 60;
// Contains may disagree with brute force only this close (degrees) to the region's boundary.
constexpr double kBoundaryTolDeg = 1e-9;

struct Sky {
  double ra;
  double dec;
};

struct LVec {
  LD x, y, z;
};

// sin and cos of an angle in degrees. The reduction by a multiple of 90 degrees is exact in long
// double, which keeps sinl/cosl on their fast path (|x| <= pi/4) and makes exact quadrant
// angles exact.
void SinCosDeg(double deg, LD* sin_out, LD* cos_out) {
  const double q = std::floor(deg / 90 + 0.5);
  const LD r = (deg - 90 * static_cast<LD>(q)) * kDegL;
  const LD s = sinl(r), c = cosl(r);
  switch (static_cast<int64_t>(q) & 3) {
    case 0:
      *sin_out = s;
      *cos_out = c;
      break;
    case 1:
      *sin_out = c;
      *cos_out = -s;
      break;
    case 2:
      *sin_out = -s;
      *cos_out = -c;
      break;
    default:
      *sin_out = -c;
      *cos_out = s;
      break;
  }
}

LVec ToVec(double ra, double dec) {
  LD sa, ca, sd, cd;
  SinCosDeg(ra, &sa, &ca);
  SinCosDeg(dec, &sd, &cd);
  return {cd * ca, cd * sa, sd};
}
LD Dot(const LVec& a, const LVec& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
LVec Cross(const LVec& a, const LVec& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
LD Norm(const LVec& a) { return sqrtl(Dot(a, a)); }
LVec Add(const LVec& a, const LVec& b, LD s = 1) {
  return {a.x + s * b.x, a.y + s * b.y, a.z + s * b.z};
}
LVec Scale(const LVec& a, LD s) { return {a.x * s, a.y * s, a.z * s}; }

Sky ToSky(const LVec& v) {
  LD ra = atan2l(v.y, v.x) / kDegL;
  if (ra < 0) ra += 360;
  if (ra >= 360) ra = 0;
  const LD dec = atan2l(v.z, sqrtl(v.x * v.x + v.y * v.y)) / kDegL;
  return {static_cast<double>(ra), static_cast<double>(dec)};
}

LD DistDeg(const LVec& a, const LVec& b) { return atan2l(Norm(Cross(a, b)), Dot(a, b)) / kDegL; }
LD DistDeg(Sky a, Sky b) { return DistDeg(ToVec(a.ra, a.dec), ToVec(b.ra, b.dec)); }

// The point `dist_deg` from `c` along azimuth `az` (radians, from north through east).
Sky Offset(Sky c, LD dist_deg, LD az) {
  const LD a = c.ra * kDegL, d = c.dec * kDegL;
  const LVec centre = ToVec(c.ra, c.dec);
  const LVec east{-sinl(a), cosl(a), 0};
  const LVec north{-sinl(d) * cosl(a), -sinl(d) * sinl(a), cosl(d)};
  const LD r = dist_deg * kDegL;
  const LVec dir = Add(Scale(north, cosl(az)), east, sinl(az));
  return ToSky(Add(Scale(centre, cosl(r)), dir, sinl(r)));
}

Sky FromHealpix(const vec3& v) { return ToSky({v.x, v.y, v.z}); }

// Deterministic per test: reseeded from the test's name whenever a new test starts, so a test
// draws the same cases whether it runs alone (as under CTest) or with the others.
std::mt19937_64& Rng() {
  static std::mt19937_64 rng;
  static const ::testing::TestInfo* seeded_for = nullptr;
  const ::testing::TestInfo* current = ::testing::UnitTest::GetInstance()->current_test_info();
  if (current != seeded_for) {
    seeded_for = current;
    const std::string name =
        current ? std::string(current->test_suite_name()) + "." + current->name() : "";
    rng.seed(std::hash<std::string>{}(name) ^ 20240611);
  }
  return rng;
}
double Uniform(double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(Rng());
}

// Uniform (by area) in the disc of radius r_deg around c.
Sky RandomInDisc(Sky c, double r_deg) {
  const LD s = sinl(std::min<LD>(r_deg, 180) * kDegL / 2);
  const LD d = 2 * asinl(sqrtl(Uniform(0, 1)) * s) / kDegL;
  return Offset(c, d, Uniform(0, 2 * std::numbers::pi));
}

Sky RandomOnSphere() { return {Uniform(0, 360), asin(Uniform(-1, 1)) * 180 / std::numbers::pi}; }

const T_Healpix_Base<int64>& Healpix(int order) {
  static const std::vector<T_Healpix_Base<int64>> bases = [] {
    std::vector<T_Healpix_Base<int64>> b(30);
    for (int o = 0; o < 30; ++o) b[o].Set(o, NEST);
    return b;
  }();
  return bases[order];
}

// A random corner of a random pixel at `order`.
Sky RandomPixelCorner(int order) {
  const auto& base = Healpix(order);
  std::uniform_int_distribution<int64> pick(0, base.Npix() - 1);
  std::vector<vec3> corners;
  base.boundaries(pick(Rng()), 1, corners);
  return FromHealpix(corners[std::uniform_int_distribution<int>(0, 3)(Rng())]);
}

bool InCover(const std::vector<IndexRange>& cover, uint64_t index) {
  auto it = std::upper_bound(cover.begin(), cover.end(), index,
                             [](uint64_t v, const IndexRange& r) { return v < r.begin; });
  return it != cover.begin() && index < std::prev(it)->end;
}

// ---------------------------------------------------------------------------------------------
// Independent truths: whether a point is inside, and whether it is within kBoundaryTolDeg of the
// boundary (where rounding may legitimately decide either way).

struct Truth {
  bool inside;
  bool near;
};
using TruthFn = std::function<Truth(Sky)>;

TruthFn CircleTruth(Sky c, double r) {
  return [c, r](Sky p) {
    if (r >= 180) return Truth{true, false};
    const LD d = DistDeg(c, p);
    return Truth{d <= r, fabsl(d - r) <= kBoundaryTolDeg};
  };
}

struct BoxSpec {
  double ra, dec, w, h;
};

TruthFn BoxTruth(BoxSpec b) {
  return [b](Sky p) {
    const LD d1 = std::max<LD>(-90, static_cast<LD>(b.dec) - static_cast<LD>(b.h) / 2);
    const LD d2 = std::min<LD>(90, static_cast<LD>(b.dec) + static_cast<LD>(b.h) / 2);
    const bool in_dec = p.dec >= d1 && p.dec <= d2;
    bool near = (d1 > -90 && fabsl(p.dec - d1) <= kBoundaryTolDeg) ||
                (d2 < 90 && fabsl(p.dec - d2) <= kBoundaryTolDeg);
    bool in_ra = b.w >= 360 || fabs(p.dec) == 90;
    if (!in_ra) {
      const LD lo = static_cast<LD>(b.ra) - static_cast<LD>(b.w) / 2,
               hi = static_cast<LD>(b.ra) + static_cast<LD>(b.w) / 2;
      for (int k = -3; k <= 3; ++k) {  // every image of the RA, whatever ranges they came in
        const LD a = static_cast<LD>(p.ra) + 360 * k;
        if (a >= lo && a <= hi) in_ra = true;
        if (fabsl(a - lo) <= kBoundaryTolDeg || fabsl(a - hi) <= kBoundaryTolDeg) near = true;
      }
    }
    return Truth{in_dec && in_ra, near};
  };
}

TruthFn PolygonTruth(const std::vector<Sky>& vertices) {
  std::vector<LVec> v;
  LVec centroid{0, 0, 0};
  for (Sky s : vertices) {
    v.push_back(ToVec(s.ra, s.dec));
    centroid = Add(centroid, v.back());
  }
  // A convex spherical polygon is the cone over its vertices, so the vertex sum is inside it and
  // fixes which side of each edge is "in", whatever order the vertices were given in.
  const LD orient = Dot(Cross(v[0], v[1]), centroid) > 0 ? 1 : -1;
  return [v, orient](Sky p) {
    const LVec q = ToVec(p.ra, p.dec);
    bool inside = true, near = false;
    for (size_t i = 0; i < v.size(); ++i) {
      const LVec n = Cross(v[i], v[(i + 1) % v.size()]);
      const LD side = orient * Dot(n, q) / Norm(n);
      if (side < 0) inside = false;
      if (fabsl(side) <= sinl(kBoundaryTolDeg * kDegL)) near = true;
    }
    return Truth{inside, near};
  };
}

// ---------------------------------------------------------------------------------------------

void CheckCoverShape(const std::string& label, const std::vector<IndexRange>& cover) {
  ASSERT_FALSE(cover.empty()) << label;
  for (size_t i = 0; i < cover.size(); ++i) {
    ASSERT_LT(cover[i].begin, cover[i].end) << label << " range " << i;
    ASSERT_LE(cover[i].end, kIndexPixels) << label << " range " << i;
    if (i > 0) {
      ASSERT_LT(cover[i - 1].end, cover[i].begin) << label << " unmerged at " << i;
    }
  }
  EXPECT_LT(cover.size(), 1000u) << label;
}

double CoverAreaSr(const std::vector<IndexRange>& cover) {
  LD pixels = 0;
  for (const IndexRange& r : cover) pixels += static_cast<LD>(r.end - r.begin);
  return static_cast<double>(pixels / static_cast<LD>(kIndexPixels) * 4 * kPiL);
}

struct RegionStats {
  size_t points = 0;
  size_t inside = 0;
  size_t max_ranges = 0;
  double worst_area_ratio = 0;  // among regions with a compactness bound
};
RegionStats& Totals() {
  static RegionStats s;
  return s;
}

// Points every region is tested with besides its own: the poles (any RA), points a hair off
// them, and RA written as 0 and 360.
void AddCommonPoints(std::vector<Sky>& pts) {
  for (double ra : {0.0, 45.0, 90.0, 180.0, 270.0, 359.999999999, 123.456}) {
    for (double dec : {90.0, -90.0, 90 - 1e-9, -90 + 1e-9, 89.9999, -89.9999}) {
      pts.push_back({ra, dec});
    }
  }
  for (double dec : {-60.0, -1e-9, 0.0, 1e-9, 30.0}) {
    pts.push_back({0.0, dec});
    pts.push_back({360.0, dec});
    pts.push_back({-1e-10, dec});
    pts.push_back({1e-10, dec});
  }
}

// Corners of pixels around (c, r): at orders near the cover's own and at order 29 next to the
// boundary points, i.e. exactly the positions whose pixel assignment is the most fragile.
void AddPixelCorners(Sky c, double r, const std::vector<Sky>& boundary, std::vector<Sky>& pts) {
  const double r_rad = std::min(180.0, 1.3 * r + 1e-4) * std::numbers::pi / 180;
  const int natural =
      std::clamp(static_cast<int>(std::floor(std::log2(58.6 * 8 / std::max(r, 1e-6)))), 0, 22);
  std::vector<vec3> corners;
  for (int o = std::max(0, natural - 1); o <= std::min(29, natural + 2); ++o) {
    const LVec cv = ToVec(c.ra, c.dec);
    const pointing centre(
        vec3(static_cast<double>(cv.x), static_cast<double>(cv.y), static_cast<double>(cv.z)));
    std::vector<int64> pix;
    Healpix(o).query_disc_inclusive(centre, r_rad, pix, 1);
    std::shuffle(pix.begin(), pix.end(), Rng());
    if (pix.size() > 50) pix.resize(50);
    for (int64 p : pix) {
      Healpix(o).boundaries(p, 1, corners);
      for (const vec3& v : corners) pts.push_back(FromHealpix(v));
    }
  }
  for (size_t i = 0; i < boundary.size(); i += 4) {
    Healpix(29).boundaries(static_cast<int64>(HealpixIndex29(boundary[i].ra, boundary[i].dec)), 1,
                           corners);
    for (const vec3& v : corners) pts.push_back(FromHealpix(v));
  }
}

// The core property check: no misses, exact Contains, well-formed and compact cover.
void CheckRegion(const std::string& label, const Region& region, const TruthFn& truth,
                 std::vector<Sky> pts, double region_area_sr = -1, double max_area_ratio = 0) {
  const std::vector<IndexRange> cover = region.Cover();
  CheckCoverShape(label, cover);
  if (region_area_sr > 0 && max_area_ratio > 0) {
    Totals().worst_area_ratio =
        std::max(Totals().worst_area_ratio, CoverAreaSr(cover) / region_area_sr);
    EXPECT_LE(CoverAreaSr(cover), max_area_ratio * region_area_sr)
        << label << ": cover too loose (" << cover.size() << " ranges)";
  }
  // The same positions written with RA shifted by +-360 must behave identically.
  const size_t n = pts.size();
  for (size_t i = 0; i < n; i += 5) {
    pts.push_back({pts[i].ra + 360, pts[i].dec});
    pts.push_back({pts[i].ra - 360, pts[i].dec});
  }
  int failures = 0;
  RegionStats& totals = Totals();
  totals.max_ranges = std::max(totals.max_ranges, cover.size());
  for (Sky p : pts) {
    const Truth t = truth(p);
    const uint64_t index = HealpixIndex29(p.ra, p.dec);
    const bool covered = InCover(cover, index);
    const bool contains = region.Contains(p.ra, p.dec);
    ++totals.points;
    totals.inside += t.inside;
    bool ok = true;
    if (t.inside && !covered) ok = false;             // a miss by the cover
    if (contains && !covered) ok = false;             // the two paths would disagree
    if (!t.near && contains != t.inside) ok = false;  // exact test wrong
    if (!ok && ++failures <= 5) {
      ADD_FAILURE() << label << std::setprecision(17) << ": point (" << p.ra << ", " << p.dec
                    << ") truth=" << t.inside << " near=" << t.near << " contains=" << contains
                    << " covered=" << covered << " index=" << index;
    }
  }
  EXPECT_EQ(failures, 0) << label;
}

// ---------------------------------------------------------------------------------------------
// HealpixIndex29

TEST(HealpixIndex29Test, PrefixesMatchHealpixAtCoarserOrders) {
  std::vector<Sky> pts;
  for (int i = 0; i < 20000; ++i) pts.push_back(RandomOnSphere());
  for (int i = 0; i < 2000; ++i) pts.push_back({Uniform(0, 360), Uniform(89.9, 90)});
  for (int i = 0; i < 2000; ++i) pts.push_back({Uniform(0, 360), Uniform(-90, -89.9)});
  for (int i = 0; i < 2000; ++i) pts.push_back({Uniform(-1e-6, 1e-6), Uniform(-90, 90)});
  for (int i = 0; i < 2000; ++i) pts.push_back({Uniform(0, 360), Uniform(41.7, 42.1)});  // z=2/3
  int mismatches = 0;
  for (Sky p : pts) {
    const uint64_t index = HealpixIndex29(p.ra, p.dec);
    ASSERT_LT(index, kIndexPixels);
    // Healpix through the pointing (colatitude) entry point, at each order separately.
    double ra = std::fmod(p.ra, 360.0);
    if (ra < 0) ra += 360;
    const pointing ptg((90.0 - p.dec) * std::numbers::pi / 180, ra * std::numbers::pi / 180);
    for (int k : {0, 1, 3, 8, 13, 20, 26, 29}) {
      const auto expected = static_cast<uint64_t>(Healpix(k).ang2pix(ptg));
      if ((index >> (2 * (29 - k))) != expected && ++mismatches <= 5) {
        ADD_FAILURE() << "order " << k << " at (" << p.ra << ", " << p.dec << ")";
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(HealpixIndex29Test, PixelCentreIsWithinPixelRadiusOfInput) {
  const double max_pixrad_deg = Healpix(29).max_pixrad() * 180 / std::numbers::pi;
  ASSERT_LT(max_pixrad_deg, 1e-3 * kArcsec);  // sanity: order-29 pixels are sub-mas
  std::vector<Sky> pts;
  for (int i = 0; i < 20000; ++i) pts.push_back(RandomOnSphere());
  for (int i = 0; i < 500; ++i) {
    pts.push_back(RandomPixelCorner(std::uniform_int_distribution<int>(0, 29)(Rng())));
  }
  for (double ra : {0.0, 90.0, 181.0, 359.9999999}) {
    pts.push_back({ra, 90});
    pts.push_back({ra, -90});
  }
  for (Sky p : pts) {
    const uint64_t index = HealpixIndex29(p.ra, p.dec);
    const vec3 centre = Healpix(29).pix2vec(static_cast<int64>(index));
    const LD d = DistDeg(ToVec(p.ra, p.dec), LVec{centre.x, centre.y, centre.z});
    ASSERT_LE(d, max_pixrad_deg * (1 + 1e-6) + 1e-12) << p.ra << " " << p.dec;
    ASSERT_LE(d, 1e-3 * kArcsec);
  }
}

TEST(HealpixIndex29Test, RaIsTakenModulo360AndBadInputIsSafe) {
  for (double dec : {-90.0, -45.0, 0.0, 12.5, 89.0, 90.0}) {
    const uint64_t at0 = HealpixIndex29(0, dec);
    EXPECT_EQ(HealpixIndex29(360, dec), at0) << dec;
    EXPECT_EQ(HealpixIndex29(-360, dec), at0) << dec;
    EXPECT_EQ(HealpixIndex29(720, dec), at0) << dec;
    EXPECT_EQ(HealpixIndex29(-90, dec), HealpixIndex29(270, dec)) << dec;
  }
  EXPECT_EQ(HealpixIndex29(10, 95), HealpixIndex29(10, 90));
  EXPECT_EQ(HealpixIndex29(10, -95), HealpixIndex29(10, -90));
  EXPECT_EQ(HealpixIndex29(std::nan(""), 0), 0u);
  EXPECT_EQ(HealpixIndex29(0, INFINITY), 0u);
}

TEST(HealpixIndex29Test, IsFast) {
  std::vector<Sky> pts;
  for (int i = 0; i < 200000; ++i) pts.push_back(RandomOnSphere());
  const auto start = std::chrono::steady_clock::now();
  uint64_t sink = 0;
  for (Sky p : pts) sink ^= HealpixIndex29(p.ra, p.dec);
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      static_cast<double>(pts.size());
  std::printf("HealpixIndex29: %.1f ns per call (checksum %llx)\n", ns,
              static_cast<unsigned long long>(sink));
  // Only a loose guard: sanitizer builds are several times slower than release.
  EXPECT_LT(ns, 5000);
}

TEST(AngularDistanceTest, MatchesLongDoubleAtAllScales) {
  for (int i = 0; i < 5000; ++i) {
    const Sky a = i % 7 == 0 ? Sky{Uniform(0, 360), i % 2 ? 90.0 : -90.0} : RandomOnSphere();
    const double d = std::pow(10.0, Uniform(-9, std::log10(180.0)));
    const Sky b = Offset(a, d, Uniform(0, 2 * std::numbers::pi));
    const LD truth = DistDeg(a, b);
    EXPECT_NEAR(AngularDistanceDeg(a.ra, a.dec, b.ra, b.dec), static_cast<double>(truth),
                1e-12 + 1e-13 * static_cast<double>(truth))
        << a.ra << " " << a.dec << " " << b.ra << " " << b.dec;
  }
  EXPECT_NEAR(AngularDistanceDeg(10, 20, 190, -20), 180.0, 1e-12);
  EXPECT_EQ(AngularDistanceDeg(10, 20, 10, 20), 0.0);
  EXPECT_NEAR(AngularDistanceDeg(0, 90, 123, 90), 0.0, 1e-12);
}

// ---------------------------------------------------------------------------------------------
// Circles

std::vector<Sky> CirclePoints(Sky c, double r, std::vector<Sky>* boundary_out) {
  std::vector<Sky> pts, boundary;
  const double sample_r = std::min(180.0, 1.25 * r + 2e-6);
  for (int i = 0; i < 300; ++i) pts.push_back(RandomInDisc(c, sample_r));
  for (int i = 0; i < 100; ++i) pts.push_back(RandomInDisc(c, std::min(180.0, r + 3e-6)));
  if (r < 180) {
    for (int i = 0; i < 30; ++i) {
      const double az = Uniform(0, 2 * std::numbers::pi);
      for (double dr : {0.0, -1e-9, 1e-9, -3e-8, 3e-8, -1e-6 * r, 1e-6 * r}) {
        if (r + dr < 0) continue;
        boundary.push_back(Offset(c, r + dr, az));
      }
    }
  }
  pts.push_back(c);
  pts.insert(pts.end(), boundary.begin(), boundary.end());
  AddCommonPoints(pts);
  AddPixelCorners(c, r, boundary, pts);
  if (boundary_out) *boundary_out = boundary;
  return pts;
}

void CheckCircle(Sky c, double r, bool check_area = true) {
  const std::string label = "CIRCLE(" + std::to_string(c.ra) + " " + std::to_string(c.dec) + " " +
                            std::to_string(r) + ")";
  auto region = MakeCircle(c.ra, c.dec, r);
  ASSERT_TRUE(region.ok()) << label << " " << region.status().ToString();
  const double area = static_cast<double>(4 * kPiL * powl(sinl(std::min(r, 180.0) * kDegL / 2), 2));
  // Compactness is promised for regions large against the finest query pixel (~0.2").
  const bool compact = check_area && r >= kArcmin;
  CheckRegion(label, **region, CircleTruth(c, r), CirclePoints(c, r, nullptr), area,
              compact ? 3.0 : 0.0);
}

std::vector<Sky> InterestingCentres() {
  std::vector<Sky> centres = {{0, 90},         {123.4, 90},           {0, -90},    {300, -90},
                              {0, 0},          {359.9999999, 10},     {1e-7, -45}, {0, 89.99},
                              {180, -89.9999}, {45, 41.8103148957786}};  // last: z = 2/3 ring
  for (int order : {0, 2, 5, 9, 14, 20, 29}) centres.push_back(RandomPixelCorner(order));
  for (int i = 0; i < 3; ++i) centres.push_back(RandomOnSphere());
  return centres;
}

TEST(CircleTest, NoMissesAndExactAtAllScales) {
  const std::vector<double> radii = {0.1 * kArcsec, kArcsec, kArcmin, 1.0, 30.0};
  for (Sky c : InterestingCentres()) {
    for (double r : radii) CheckCircle(c, r);
  }
}

TEST(CircleTest, RandomCentresAndRadii) {
  for (int i = 0; i < 40; ++i) {
    const double r = std::pow(10.0, Uniform(std::log10(0.1 * kArcsec), std::log10(60.0)));
    CheckCircle(RandomOnSphere(), r);
  }
}

TEST(CircleTest, LargeRadiiUpToWholeSky) {
  for (double r : {90.0, 120.0, 179.9, 179.999999}) CheckCircle({10, 20}, r);
  CheckCircle({0, 90}, 150.0);
  // Discs beyond a hemisphere whose antipode is a HEALPix base-pixel vertex (0, 0): rows a few
  // degrees from the antipode are inside and were once missed by the cover.
  for (double r : {100.0, 150.0, 170.0, 179.9}) {
    auto region = MakeCircle(180, 0, r);
    ASSERT_TRUE(region.ok());
    const auto cover = (*region)->Cover();
    for (int i = 0; i < 2000; ++i) {
      const Sky p = RandomInDisc({0, 0}, 15.0);
      if ((*region)->Contains(p.ra, p.dec)) {
        EXPECT_TRUE(InCover(cover, HealpixIndex29(p.ra, p.dec)))
            << "CIRCLE(180 0 " << r << ") misses (" << p.ra << ", " << p.dec << ")";
      }
    }
  }
  for (double r : {180.0, 250.0}) {
    auto region = MakeCircle(10, 20, r);
    ASSERT_TRUE(region.ok());
    EXPECT_EQ((*region)->Cover(), (std::vector<IndexRange>{{0, kIndexPixels}}));
    for (int i = 0; i < 100; ++i) {
      const Sky p = RandomOnSphere();
      EXPECT_TRUE((*region)->Contains(p.ra, p.dec));
    }
  }
  auto zero = MakeCircle(33, -44, 0);
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE((*zero)->Contains(33, -44));
  EXPECT_FALSE((*zero)->Contains(33, -44.0000001));
  EXPECT_TRUE(InCover((*zero)->Cover(), HealpixIndex29(33, -44)));
}

TEST(CircleTest, CoverIsCompact) {
  // A 1-degree disc: its cover must be a modest multiple of its area, in few ranges.
  auto region = MakeCircle(150, 2.2, 1.0);
  ASSERT_TRUE(region.ok());
  const auto cover = (*region)->Cover();
  const double area = 2 * std::numbers::pi * (1 - std::cos(std::numbers::pi / 180));
  EXPECT_LE(CoverAreaSr(cover), 2.0 * area);
  EXPECT_GE(CoverAreaSr(cover), area);
  EXPECT_LE(cover.size(), 300u);
}

TEST(CircleTest, RejectsBadArguments) {
  EXPECT_EQ(MakeCircle(0, 0, -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeCircle(0, 0, std::nan("")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeCircle(0, 0, INFINITY).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeCircle(0, 91, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeCircle(INFINITY, 0, 1).status().code(), StatusCode::kInvalidArgument);
  auto ok = MakeCircle(10, 20, 0.5);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->ToString(), "CIRCLE(10 20 0.5)");
}

// ---------------------------------------------------------------------------------------------
// Boxes

std::vector<Sky> BoxPoints(BoxSpec b, std::vector<Sky>* boundary_out) {
  const double d1 = std::max(-90.0, b.dec - b.h / 2), d2 = std::min(90.0, b.dec + b.h / 2);
  const double w = std::min(b.w, 360.0);
  const double lo = b.ra - w / 2, hi = b.ra + w / 2;
  std::vector<Sky> pts, boundary;
  // Uniform by area in the box grown by 20% (plus a little) on each side.
  const double mra = 0.2 * w + 1e-5, mdec = 0.2 * (d2 - d1) + 1e-5;
  const double z1 = std::sin(std::max(-90.0, d1 - mdec) * std::numbers::pi / 180);
  const double z2 = std::sin(std::min(90.0, d2 + mdec) * std::numbers::pi / 180);
  for (int i = 0; i < 400; ++i) {
    pts.push_back(
        {Uniform(lo - mra, hi + mra), std::asin(Uniform(z1, z2)) * 180 / std::numbers::pi});
  }
  for (int i = 0; i < 25; ++i) {
    const double ra = Uniform(lo, hi), dec = Uniform(d1, d2);
    for (double e : {0.0, -1e-9, 1e-9, -3e-8, 3e-8}) {
      boundary.push_back({ra, std::clamp(d1 + e, -90.0, 90.0)});
      boundary.push_back({ra, std::clamp(d2 + e, -90.0, 90.0)});
      if (b.w < 360) {
        boundary.push_back({lo + e, dec});
        boundary.push_back({hi + e, dec});
      }
    }
  }
  for (double ra : {lo, hi}) {
    for (double dec : {d1, d2}) boundary.push_back({ra, dec});
  }
  pts.insert(pts.end(), boundary.begin(), boundary.end());
  AddCommonPoints(pts);
  // Corners of pixels around the box: use a disc through its corners as the neighbourhood.
  const Sky centre{b.ra, (d1 + d2) / 2};
  double reach = 0;
  for (double ra : {lo, hi, b.ra + 180}) {
    for (double dec : {d1, d2}) {
      if (ra == b.ra + 180 && b.w < 360) continue;
      reach = std::max(reach, static_cast<double>(DistDeg(centre, Sky{ra, dec})));
    }
  }
  AddPixelCorners(centre, reach, boundary, pts);
  if (boundary_out) *boundary_out = boundary;
  return pts;
}

void CheckBox(BoxSpec b, double max_area_ratio = 0) {
  const std::string label = "BOX(" + std::to_string(b.ra) + " " + std::to_string(b.dec) + " " +
                            std::to_string(b.w) + " " + std::to_string(b.h) + ")";
  auto region = MakeBox(b.ra, b.dec, b.w, b.h);
  ASSERT_TRUE(region.ok()) << label;
  const LD d1 = std::max<LD>(-90, static_cast<LD>(b.dec) - static_cast<LD>(b.h) / 2);
  const LD d2 = std::min<LD>(90, static_cast<LD>(b.dec) + static_cast<LD>(b.h) / 2);
  const double area =
      static_cast<double>(std::min<LD>(b.w, 360) * kDegL * (sinl(d2 * kDegL) - sinl(d1 * kDegL)));
  CheckRegion(label, **region, BoxTruth(b), BoxPoints(b, nullptr), area, max_area_ratio);
}

TEST(BoxTest, EdgeCases) {
  CheckBox({0.5, 10, 3, 2}, 3.0);     // crosses RA 0
  CheckBox({359.5, -20, 3, 2}, 3.0);  // crosses RA 0 from the other side
  CheckBox({0, 0, 10, 10}, 3.0);
  CheckBox({10, 85, 20, 10}, 3.0);    // touches the north pole
  CheckBox({200, -88, 30, 5}, 3.0);   // touches the south pole
  CheckBox({100, 90, 40, 2});         // centred on the pole: a thin lune
  CheckBox({0, 0, 360, 20}, 3.0);     // every RA
  CheckBox({10, 60, 400, 1});         // width over 360
  CheckBox({180, 45, 200, 30}, 3.0);  // RA range over 180 degrees
  CheckBox({0, 0, 359, 170}, 3.0);
  CheckBox({50, 30, kArcsec, kArcsec});
  CheckBox({50, -30, 0.1 * kArcsec, 0.1 * kArcsec});
  CheckBox({123, -60, 1, 0.001});  // thin
  CheckBox({0, 89.9999, 10, 1e-4});
  CheckBox({300, -10, 0, 0});  // a single point
  CheckBox({0, 0, 360, 180});  // whole sky
  for (int order : {3, 10, 17}) {
    const Sky c = RandomPixelCorner(order);
    CheckBox({c.ra, c.dec, 0.3, 0.2}, 3.0);
  }
}

TEST(BoxTest, RandomBoxes) {
  for (int i = 0; i < 40; ++i) {
    const Sky c = i % 4 == 0 ? Sky{Uniform(-1, 1), Uniform(-90, 90)} : RandomOnSphere();
    const double w = std::pow(10.0, Uniform(-4.5, 2.5));
    const double h = i % 3 == 0 ? w : std::pow(10.0, Uniform(-4.5, 2.2));
    CheckBox({c.ra, c.dec, w, h});
  }
}

TEST(BoxTest, WholeSkyAndBadArguments) {
  auto all = MakeBox(0, 0, 360, 180);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)->Cover(), (std::vector<IndexRange>{{0, kIndexPixels}}));
  EXPECT_EQ(MakeBox(0, 0, -1, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeBox(0, 0, 1, std::nan("")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeBox(0, -90.5, 1, 1).status().code(), StatusCode::kInvalidArgument);
  // The RA half-width is in coordinate degrees, not scaled by cos(dec).
  auto box = MakeBox(0, 60, 10, 2);
  ASSERT_TRUE(box.ok());
  EXPECT_TRUE((*box)->Contains(4.99, 60));
  EXPECT_TRUE((*box)->Contains(355.01, 60.99));
  EXPECT_FALSE((*box)->Contains(5.01, 60));
}

// ---------------------------------------------------------------------------------------------
// Polygons

// A convex polygon: n vertices on a circle of radius r around c at sorted random azimuths.
std::vector<Sky> RandomConvex(Sky c, double r, int n) {
  std::vector<double> az;
  for (int i = 0; i < n; ++i) az.push_back(Uniform(0, 2 * std::numbers::pi));
  std::sort(az.begin(), az.end());
  // Keep consecutive vertices apart so that none is nearly on its neighbours' edge.
  for (int i = 0; i < n; ++i) az[i] = 0.6 * az[i] + 0.4 * (2 * std::numbers::pi * i / n);
  std::vector<Sky> v;
  for (double a : az) v.push_back(Offset(c, r, a));
  return v;
}

LD GirardArea(const std::vector<Sky>& vertices) {
  const size_t n = vertices.size();
  std::vector<LVec> v;
  for (Sky s : vertices) v.push_back(ToVec(s.ra, s.dec));
  LD sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const LVec& p = v[(i + n - 1) % n];
    const LVec& q = v[i];
    const LVec& r = v[(i + 1) % n];
    const LVec t1 = Add(p, q, -Dot(p, q)), t2 = Add(r, q, -Dot(r, q));
    sum += atan2l(Norm(Cross(t1, t2)), Dot(t1, t2));
  }
  return sum - (n - 2) * kPiL;
}

std::vector<Sky> PolygonPoints(const std::vector<Sky>& v) {
  LVec sum{0, 0, 0};
  for (Sky s : v) sum = Add(sum, ToVec(s.ra, s.dec));
  const Sky centre = ToSky(sum);
  double reach = 0;
  for (Sky s : v) reach = std::max(reach, static_cast<double>(DistDeg(centre, s)));
  std::vector<Sky> pts, boundary;
  for (int i = 0; i < 400; ++i) pts.push_back(RandomInDisc(centre, 1.3 * reach + 2e-6));
  for (size_t i = 0; i < v.size(); ++i) {
    const LVec a = ToVec(v[i].ra, v[i].dec),
               b = ToVec(v[(i + 1) % v.size()].ra, v[(i + 1) % v.size()].dec);
    LVec n = Cross(a, b);
    n = Scale(n, 1 / Norm(n));
    boundary.push_back(v[i]);
    for (int k = 0; k < 6; ++k) {
      const LD t = Uniform(0, 1);
      LVec e = Add(Scale(a, 1 - t), b, t);
      e = Scale(e, 1 / Norm(e));
      for (double off : {0.0, -1e-9, 1e-9, -3e-8, 3e-8}) {
        const LD s = off * kDegL;
        boundary.push_back(ToSky(Add(Scale(e, cosl(s)), n, sinl(s))));
      }
    }
  }
  pts.insert(pts.end(), boundary.begin(), boundary.end());
  AddCommonPoints(pts);
  AddPixelCorners(centre, reach, boundary, pts);
  return pts;
}

void CheckPolygon(const std::vector<Sky>& v, bool reversed, double max_area_ratio) {
  std::vector<double> pairs;
  std::string label = "POLYGON(";
  for (size_t i = 0; i < v.size(); ++i) {
    const Sky s = reversed ? v[v.size() - 1 - i] : v[i];
    pairs.push_back(s.ra);
    pairs.push_back(s.dec);
    label += std::to_string(s.ra) + " " + std::to_string(s.dec) + " ";
  }
  label += ")";
  auto region = MakePolygon(pairs);
  ASSERT_TRUE(region.ok()) << label << " " << region.status().ToString();
  CheckRegion(label, **region, PolygonTruth(v), PolygonPoints(v),
              static_cast<double>(GirardArea(v)), max_area_ratio);
}

TEST(PolygonTest, RandomConvexPolygonsAtAllScales) {
  const std::vector<double> radii = {0.1 * kArcsec, kArcsec, kArcmin, 1.0, 30.0};
  int i = 0;
  for (Sky c : InterestingCentres()) {
    for (double r : radii) {
      const int n = 3 + (i++ % 6);
      // Inscribed polygons lose area against their circle (a triangle keeps 41%), so the
      // compactness bound is checked for polygons of 5+ vertices.
      CheckPolygon(RandomConvex(c, r, n), i % 2 == 0, r >= kArcmin && n >= 5 ? 4.0 : 0.0);
    }
  }
}

TEST(PolygonTest, SpecialShapes) {
  CheckPolygon({{0, 90}, {0, 60}, {90, 60}}, false, 4.0);  // vertex on the pole
  CheckPolygon({{0, -90}, {200, -70}, {140, -70}}, true, 4.0);
  CheckPolygon({{359, -1}, {1, -1}, {1, 1}, {359, 1}}, false, 4.0);  // straddles RA 0
  CheckPolygon({{0, 10}, {120, 10}, {240, 10}}, false, 4.0);         // contains the pole
  CheckPolygon({{10, 0}, {100, 0}, {100, 80}}, true, 4.0);           // big, right angles
  CheckPolygon({{10, 10}, {10.0001, 10}, {10, 10.3}}, false, 0.0);   // thin sliver
}

TEST(PolygonTest, OrientationDoesNotMatter) {
  const std::vector<double> ccw = {10, 10, 20, 10, 20, 20, 10, 20};
  const std::vector<double> cw = {10, 20, 20, 20, 20, 10, 10, 10};
  auto a = MakePolygon(ccw);
  auto b = MakePolygon(cw);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 2000; ++i) {
    const Sky p = {Uniform(5, 25), Uniform(5, 25)};
    EXPECT_EQ((*a)->Contains(p.ra, p.dec), (*b)->Contains(p.ra, p.dec));
  }
  EXPECT_TRUE((*a)->Contains(15, 15));
  EXPECT_TRUE((*a)->Contains(10, 10));  // a vertex is on the boundary, hence inside
}

TEST(PolygonTest, RejectsInvalidPolygons) {
  auto code = [](const std::vector<double>& p) { return MakePolygon(p).status().code(); };
  const auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_EQ(code({}), kInvalid);
  EXPECT_EQ(code({0, 0, 1, 1}), kInvalid);                        // two vertices
  EXPECT_EQ(code({0, 0, 1, 1, 2}), kInvalid);                     // odd count
  EXPECT_EQ(code({0, 0, 1, 0, 1, 0, 0, 1}), kInvalid);            // repeated vertex
  EXPECT_EQ(code({0, 0, 10, 0, 20, 0}), kInvalid);                // on one great circle
  EXPECT_EQ(code({0, 0, 180, 0, 90, 10}), kInvalid);              // antipodal neighbours
  EXPECT_EQ(code({0, 0, 10, 0, 5, 2, 10, 10, 0, 10}), kInvalid);  // dent: non-convex
  EXPECT_EQ(code({0, 0, 10, 10, 10, 0, 0, 10}), kInvalid);        // bow tie
  EXPECT_EQ(code({0, 0, 10, 0, std::nan(""), 5}), kInvalid);
  EXPECT_EQ(code({0, 0, 10, 0, 5, 95}), kInvalid);
  // A pentagram visits convex-position vertices in the wrong order.
  std::vector<double> star;
  for (int k : {0, 2, 4, 1, 3}) {
    const Sky s = Offset({50, 50}, 5, 2 * std::numbers::pi * k / 5);
    star.push_back(s.ra);
    star.push_back(s.dec);
  }
  EXPECT_EQ(code(star), kInvalid);
  auto ok = MakePolygon({1, 2, 3, 4, 5, 7});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->ToString(), "POLYGON(1 2 3 4 5 7)");
}

TEST(Summary, Print) {
  std::printf("checked %zu points (%zu inside), largest cover %zu ranges, worst area ratio %.2f\n",
              Totals().points, Totals().inside, Totals().max_ranges, Totals().worst_area_ratio);
}

}  // namespace
}  // namespace skyshard
