// Tests of the neighbour order of spatial joins (indexing/disc_pixels.h, NeighbourPixelOrder and
// NeighbourPixels): at the order chosen for a radius r, every position within r of a position in
// a pixel P lies in P or in one of P's neighbours. Checked against Healpix itself: positions at
// and next to pixel corners (where the property is tightest), at the 8 points where three base
// pixels meet, at the poles and across RA 0/360, at every order 0-20, with the far positions
// placed exactly at the largest radius of that order in 48 directions. The same sampling at 2.5
// times that reach does find positions outside the neighbours (the check can fail).
#include <geom_utils.h>
#include <gtest/gtest.h>
#include <healpix_base.h>
#include <pointing.h>
#include <vec3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "indexing/disc_pixels.h"
#include "indexing/healpix_index.h"

namespace skyshard {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kDeg = kPi / 180;

struct Pos {
  double ra;
  double dec;
};

// The position `dist` radians from p in direction `bearing` (radians).
Pos Offset(Pos p, double dist, double bearing) {
  const double dec1 = p.dec * kDeg, ra1 = p.ra * kDeg;
  const double sin_dec =
      std::sin(dec1) * std::cos(dist) + std::cos(dec1) * std::sin(dist) * std::cos(bearing);
  const double dec2 = std::asin(std::clamp(sin_dec, -1.0, 1.0));
  const double ra2 = ra1 + std::atan2(std::sin(bearing) * std::sin(dist) * std::cos(dec1),
                                      std::cos(dist) - std::sin(dec1) * std::sin(dec2));
  double ra = std::fmod(ra2 / kDeg, 360.0);
  if (ra < 0) ra += 360;
  return {ra, std::clamp(dec2 / kDeg, -90.0, 90.0)};
}

Pos FromVec(const vec3& v) {
  const pointing p(v);
  return {p.phi / kDeg, 90 - p.theta / kDeg};
}

// The largest radius (radians) NeighbourPixelOrder maps to `order`, as it computes it.
double Reach(int order) { return kNeighbourReach / static_cast<double>(1ULL << order) - 4e-8; }

// Centres to test at `order`: corners of random pixels and of the pixels at the special points,
// each nudged a little into every pixel that meets there, plus the poles and RA 0/360.
std::vector<Pos> Centres(int order, std::mt19937_64& rng) {
  T_Healpix_Base<int64> base(order, NEST);
  std::vector<int64> pixels;
  std::uniform_int_distribution<int64> pick(0, base.Npix() - 1);
  for (int i = 0; i < 150; ++i) pixels.push_back(pick(rng));
  // The 8 points where three base pixels meet (z = +-2/3, RA a multiple of 90), the poles, the
  // equator at RA 0.
  std::vector<Pos> special = {{0, 90}, {0, -90}, {0, 0}, {359.9999999, 0}};
  for (double ra : {0.0, 90.0, 180.0, 270.0}) {
    for (double dec : {std::asin(2.0 / 3) / kDeg, -std::asin(2.0 / 3) / kDeg}) {
      special.push_back({ra, dec});
    }
  }
  const double pixel_size = std::sqrt(kPi / 3) / static_cast<double>(1ULL << order);
  std::uniform_real_distribution<double> u(0, 1);
  for (const Pos& s : special) {
    for (int i = 0; i < 8; ++i) {
      const Pos p = Offset(s, 1e-3 * pixel_size, 2 * kPi * u(rng));
      pixels.push_back(base.ang2pix(pointing((90 - p.dec) * kDeg, p.ra * kDeg)));
    }
  }
  std::vector<Pos> out = special;
  for (int64 pix : pixels) {
    std::vector<vec3> corners;
    base.boundaries(pix, 1, corners);
    for (const vec3& c : corners) {
      const Pos corner = FromVec(c);
      out.push_back(corner);
      for (int i = 0; i < 4; ++i) {
        out.push_back(Offset(corner, 1e-6 * pixel_size, kPi / 4 + i * kPi / 2));
      }
    }
  }
  return out;
}

// Positions at `dist` from a centre, in 48 directions, that lie outside the centre's pixel and
// its neighbours.
int Escapes(int order, const std::vector<Pos>& centres, double dist) {
  int escapes = 0;
  std::array<uint64_t, 8> near{};
  for (const Pos& c : centres) {
    const uint64_t p = PixelAt(order, c.ra, c.dec);
    const int n = NeighbourPixels(order, p, &near);
    for (int d = 0; d < 48; ++d) {
      const Pos far = Offset(c, dist, 2 * kPi * d / 48);
      const uint64_t q = PixelAt(order, far.ra, far.dec);
      if (q != p && std::find(near.begin(), near.begin() + n, q) == near.begin() + n) {
        ++escapes;
      }
    }
  }
  return escapes;
}

TEST(NeighbourPixelsTest, EveryPositionWithinTheReachIsInANeighbour) {
  std::mt19937_64 rng(5);
  for (int order = 0; order <= kMaxDiscPixelOrder; ++order) {
    const std::vector<Pos> centres = Centres(order, rng);
    EXPECT_EQ(Escapes(order, centres, Reach(order)), 0) << "order " << order;
    EXPECT_EQ(Escapes(order, centres, 0.5 * Reach(order)), 0) << "order " << order;
    // Teeth: well beyond the reach (and the ~0.7 / 2^k of the proof), positions leave the
    // neighbours.
    if (order >= 1) {
      EXPECT_GT(Escapes(order, centres, 2.5 * Reach(order)), 0) << order;
    }
  }
}

// The proof's constant (docs/query_engine.md, "The order and its proof"), recomputed: at orders
// 0-3, the distance from every pixel to every pixel of its second ring (the nearest pixels that
// are not neighbours), boundaries sampled 32 points an edge, minus the largest step between
// samples (each boundary point is within half a step of a sample), stays above 0.6 / 2^k, above
// kNeighbourReach / 2^k with room to spare.
TEST(NeighbourPixelsTest, NonNeighboursAreFartherThanTheReach) {
  for (int order = 0; order <= 3; ++order) {
    T_Healpix_Base<int64> base(order, NEST);
    const int64 n = base.Npix();
    std::vector<std::vector<vec3>> edge(static_cast<size_t>(n));
    double step = 0;
    for (int64 p = 0; p < n; ++p) {
      auto& b = edge[static_cast<size_t>(p)];
      base.boundaries(p, 32, b);
      for (size_t i = 0; i < b.size(); ++i) {
        step = std::max(step, v_angle(b[i], b[(i + 1) % b.size()]));
      }
    }
    double nearest_cos = -1;  // the largest cosine: the smallest distance
    for (int64 p = 0; p < n; ++p) {
      fix_arr<int64, 8> ring1;
      base.neighbors(p, ring1);
      std::vector<int64> near = {p};
      for (size_t i = 0; i < 8; ++i) {
        if (ring1[i] >= 0) near.push_back(ring1[i]);
      }
      std::vector<int64> ring2;
      for (int64 q : near) {
        fix_arr<int64, 8> r;
        base.neighbors(q, r);
        for (size_t i = 0; i < 8; ++i) {
          if (r[i] >= 0 && std::find(near.begin(), near.end(), r[i]) == near.end()) {
            ring2.push_back(r[i]);
          }
        }
      }
      for (int64 q : ring2) {
        for (const vec3& x : edge[static_cast<size_t>(p)]) {
          for (const vec3& y : edge[static_cast<size_t>(q)]) {
            nearest_cos = std::max(nearest_cos, dotprod(x, y));
          }
        }
      }
    }
    const double scale = static_cast<double>(1ULL << order);
    const double bound = (std::acos(std::min(1.0, nearest_cos)) - step) * scale;
    EXPECT_GE(bound, 0.6) << "order " << order;
    EXPECT_GT(bound, kNeighbourReach * 1.2) << "order " << order;
  }
}

// A partitioned join's margin: every position within the reach of the neighbour order k of a
// position in a partition (an arbitrary range of order-29 indexes, as the Gather cuts them)
// lies in NeighbourhoodRanges(c, partition) for every c <= k; and the margin is a thin ring.
TEST(NeighbourPixelsTest, NeighbourhoodRangesHoldEveryPositionWithinTheReach) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  for (int parts : {2, 7, 40, 300}) {
    for (int p = 0; p < parts; p += std::max(1, parts / 5)) {
      const uint64_t begin = kIndexPixels / static_cast<uint64_t>(parts) * static_cast<uint64_t>(p);
      const uint64_t end = p + 1 == parts ? ~uint64_t{0}
                                          : kIndexPixels / static_cast<uint64_t>(parts) *
                                                static_cast<uint64_t>(p + 1);
      const std::vector<IndexRange> partition = {{begin, end}};
      for (int k : {4, 10, 16}) {
        for (int c : {0, 2, std::min(k, 8)}) {
          const std::vector<IndexRange> margin = NeighbourhoodRanges(c, partition);
          auto inside = [&](uint64_t index) {
            for (const IndexRange& r : margin) {
              if (index >= r.begin && index < r.end) return true;
            }
            return false;
          };
          uint64_t covered = 0;
          for (const IndexRange& r : margin) covered += r.end - r.begin;
          const uint64_t own = std::min(end, kIndexPixels) - begin;
          EXPECT_GE(covered, own);
          if (parts == 40 && c == 8) {
            EXPECT_LE(covered, own + own / 4) << "a thin margin";
          }
          int misses = 0, tried = 0;
          for (int i = 0; i < 4000 && tried < 400; ++i) {
            const Pos x = {360 * u(rng), std::asin(2 * u(rng) - 1) / kDeg};
            const uint64_t ix = HealpixIndex29(x.ra, x.dec);
            if (ix < begin || ix >= end) continue;
            ++tried;
            for (int d = 0; d < 16; ++d) {
              const Pos y = Offset(x, Reach(k) * u(rng), 2 * kPi * u(rng));
              misses += inside(HealpixIndex29(y.ra, y.dec)) ? 0 : 1;
            }
          }
          EXPECT_EQ(misses, 0) << parts << " " << p << " " << k << " " << c;
        }
      }
    }
  }
  // Positions on the partition's edge: the pixel corners next to its first index.
  for (int c : {3, 5}) {
    T_Healpix_Base<int64> base(c + 2, NEST);
    for (int64 pix = 0; pix < base.Npix(); pix += 97) {
      const uint64_t begin = static_cast<uint64_t>(pix) << (2 * (kIndexOrder - c - 2));
      const std::vector<IndexRange> partition = {{begin, begin + (uint64_t{1} << 40)}};
      const std::vector<IndexRange> margin = NeighbourhoodRanges(c, partition);
      std::vector<vec3> corners;
      base.boundaries(pix, 1, corners);
      for (const vec3& v : corners) {
        const Pos x = FromVec(v);
        const uint64_t ix = HealpixIndex29(x.ra, x.dec);
        if (ix < partition[0].begin || ix >= partition[0].end) continue;
        for (int d = 0; d < 24; ++d) {
          const Pos y = Offset(x, Reach(c), 2 * kPi * d / 24);
          const uint64_t iy = HealpixIndex29(y.ra, y.dec);
          bool in = false;
          for (const IndexRange& r : margin) in = in || (iy >= r.begin && iy < r.end);
          EXPECT_TRUE(in) << c << " " << pix;
        }
      }
    }
  }
}

TEST(NeighbourPixelsTest, OrderOfARadius) {
  for (int order = 0; order < kMaxDiscPixelOrder; ++order) {
    const double r = Reach(order) / kDeg;
    EXPECT_EQ(NeighbourPixelOrder(r * (1 - 1e-9)), order) << r;
    EXPECT_EQ(NeighbourPixelOrder(r * (1 + 1e-6)), order - 1) << r;
  }
  EXPECT_EQ(NeighbourPixelOrder(1.0 / 3600), 16);
  EXPECT_EQ(NeighbourPixelOrder(0), kMaxDiscPixelOrder);
  EXPECT_EQ(NeighbourPixelOrder(1e-9), kMaxDiscPixelOrder);
  EXPECT_EQ(NeighbourPixelOrder(28), 0);
  EXPECT_EQ(NeighbourPixelOrder(30), -1);
  EXPECT_EQ(NeighbourPixelOrder(-1), -1);
  EXPECT_EQ(NeighbourPixelOrder(NAN), -1);
  EXPECT_EQ(NeighbourPixelOrder(INFINITY), -1);
}

TEST(NeighbourPixelsTest, NeighboursAreDistinctSymmetricAndAdjacent) {
  std::mt19937_64 rng(9);
  for (int order : {0, 1, 2, 5, 12, 20}) {
    T_Healpix_Base<int64> base(order, NEST);
    std::uniform_int_distribution<int64> pick(0, base.Npix() - 1);
    std::vector<int64> pixels;
    for (int i = 0; i < 300; ++i) pixels.push_back(pick(rng));
    // The pixels at the poles and at a point where three base pixels meet (7 neighbours).
    pixels.push_back(base.ang2pix(pointing(0, 0)));
    pixels.push_back(base.ang2pix(pointing(kPi, 0)));
    pixels.push_back(base.ang2pix(pointing(std::acos(2.0 / 3) + 1e-12, 1e-12)));
    int sevens = 0;
    for (int64 pix : pixels) {
      const auto p = static_cast<uint64_t>(pix);
      std::array<uint64_t, 8> near{};
      const int n = NeighbourPixels(order, p, &near);
      ASSERT_GE(n, order == 0 ? 4 : 7) << order << " " << p;
      sevens += n == 7 ? 1 : 0;
      std::vector<uint64_t> sorted(near.begin(), near.begin() + n);
      std::sort(sorted.begin(), sorted.end());
      ASSERT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
      ASSERT_EQ(std::find(sorted.begin(), sorted.end(), p), sorted.end());
      for (uint64_t q : sorted) {
        std::array<uint64_t, 8> back{};
        const int m = NeighbourPixels(order, q, &back);
        EXPECT_NE(std::find(back.begin(), back.begin() + m, p), back.begin() + m)
            << order << ": " << q << " is a neighbour of " << p << " but not the reverse";
        // Adjacent: the centres are within two pixel radii.
        const double d = v_angle(base.pix2vec(pix), base.pix2vec(static_cast<int64>(q)));
        EXPECT_LE(d, 2 * base.max_pixrad() * (1 + 1e-9)) << order << " " << p << " " << q;
      }
    }
    if (order > 0) {
      EXPECT_GE(sevens, 1) << order;
    }
  }
  std::array<uint64_t, 8> near{};
  EXPECT_EQ(NeighbourPixels(3, 12ULL << 6, &near), 0);  // beyond the last pixel
  EXPECT_EQ(NeighbourPixels(kMaxDiscPixelOrder + 1, 0, &near), 0);
}

}  // namespace
}  // namespace skyshard
