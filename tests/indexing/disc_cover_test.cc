// Tests of the disc covers a restricted spatial join reads (indexing/disc_pixels.h,
// DiscCoverOrder and DiscCoverRanges): every position within the radius of a centre has its
// order-29 index in the ranges (positions placed just inside the radius in 48 directions, around
// centres at the poles, across RA 0/360, at pixel corners and at random); the ranges hold every
// pixel of the NEST scheme's own inclusive disc query (DiscPixels, another Healpix code path);
// they are sorted and merged, with no gap of at most max_gap_pixels left; and they stay close to
// the discs (the check can fail: a cover of every pixel would pass the others).
#include <gtest/gtest.h>
#include <healpix_base.h>
#include <pointing.h>
#include <vec3.h>

#include <algorithm>
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

// The position `dist` degrees from c in direction `bearing` (radians), RA in [0, 360).
SkyPoint Offset(SkyPoint c, double dist, double bearing) {
  const double d = dist * kDeg, dec1 = c.dec_deg * kDeg;
  const double sin_dec =
      std::sin(dec1) * std::cos(d) + std::cos(dec1) * std::sin(d) * std::cos(bearing);
  const double dec2 = std::asin(std::clamp(sin_dec, -1.0, 1.0));
  const double ra2 = c.ra_deg * kDeg + std::atan2(std::sin(bearing) * std::sin(d) * std::cos(dec1),
                                                  std::cos(d) - std::sin(dec1) * std::sin(dec2));
  double ra = std::fmod(ra2 / kDeg, 360.0);
  if (ra < 0) ra += 360;
  if (ra >= 360) ra = 0;
  return {ra, std::clamp(dec2 / kDeg, -90.0, 90.0)};
}

bool Inside(const std::vector<IndexRange>& ranges, uint64_t index) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), index,
                             [](uint64_t x, const IndexRange& r) { return x < r.begin; });
  return it != ranges.begin() && index < std::prev(it)->end;
}

// Centres: the poles, RA 0/360, the corners of some pixels at `order`, random positions.
std::vector<SkyPoint> Centres(int order, size_t random, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<SkyPoint> c = {{0, 90},          {123, 90}, {0, -90},    {359.9999999999, -89.9999},
                             {359.9999999, 0}, {0, 0},    {1e-10, 45}, {180, -0.0000001}};
  T_Healpix_Base<int64> base(order, NEST);
  for (int64 pix = 0; pix < base.Npix() && c.size() < 40; pix += base.Npix() / 17 + 1) {
    std::vector<vec3> corners;
    base.boundaries(pix, 1, corners);
    for (const vec3& v : corners) {
      const pointing p(v);
      c.push_back({p.phi / kDeg, 90 - p.theta / kDeg});
    }
  }
  for (size_t i = 0; i < random; ++i) {
    c.push_back({360 * u(rng), std::asin(2 * u(rng) - 1) / kDeg});
  }
  return c;
}

TEST(DiscCoverTest, HoldsEveryPositionWithinTheRadius) {
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<double> u(0, 1);
  for (double r : {0.01 / 3600, 1.0 / 3600, 60.0 / 3600, 1.0, 10.0}) {
    for (int finer : {0, 1, 2}) {
      const std::vector<SkyPoint> centres = Centres(DiscPixelOrder(r) + finer, 30, rng);
      const int order = DiscCoverOrder(r, centres.size(), finer);
      const std::vector<IndexRange> ranges = DiscCoverRanges(order, centres, r, 4);
      int misses = 0;
      for (const SkyPoint& c : centres) {
        EXPECT_TRUE(Inside(ranges, HealpixIndex29(c.ra_deg, c.dec_deg)));
        for (int d = 0; d < 48; ++d) {
          const double bearing = 2 * kPi * (d + u(rng)) / 48;
          for (double f : {1 - 1e-9, 0.999, 0.5 + 0.5 * u(rng)}) {
            const SkyPoint p = Offset(c, r * f, bearing);
            misses += Inside(ranges, HealpixIndex29(p.ra_deg, p.dec_deg)) ? 0 : 1;
          }
        }
      }
      EXPECT_EQ(misses, 0) << "r=" << r << " finer=" << finer << " order=" << order;
    }
  }
}

TEST(DiscCoverTest, HoldsTheNestSchemesDiscPixelsAndIsMerged) {
  std::mt19937_64 rng(22);
  for (double r : {1.0 / 3600, 0.1, 3.0}) {
    for (int finer : {0, 2}) {
      const int order = DiscCoverOrder(r, 50, finer);
      const std::vector<SkyPoint> centres = Centres(order, 20, rng);
      for (uint64_t gap : {uint64_t{0}, uint64_t{4}, uint64_t{1000}}) {
        const std::vector<IndexRange> ranges = DiscCoverRanges(order, centres, r, gap);
        const int shift = 2 * (kIndexOrder - order);
        for (size_t i = 0; i < ranges.size(); ++i) {
          ASSERT_LT(ranges[i].begin, ranges[i].end);
          EXPECT_EQ(ranges[i].begin % (uint64_t{1} << shift), 0u);
          EXPECT_EQ(ranges[i].end % (uint64_t{1} << shift), 0u);
          if (i > 0) {
            // Sorted, and no gap of at most `gap` pixels left open.
            EXPECT_GT(ranges[i].begin, ranges[i - 1].end + (gap << shift));
          }
        }
        for (const SkyPoint& c : centres) {
          std::vector<uint64_t> pixels;
          DiscPixels(order, c.ra_deg, c.dec_deg, r, &pixels);
          for (uint64_t p : pixels) {
            EXPECT_TRUE(Inside(ranges, p << shift)) << "r=" << r << " order " << order;
          }
        }
      }
    }
  }
}

TEST(DiscCoverTest, StaysCloseToTheDiscs) {
  // 1000 discs of 1 arcsec: a few pixels each, a tiny share of the sky; the finer cover smaller.
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<SkyPoint> centres;
  for (int i = 0; i < 1000; ++i)
    centres.push_back({360 * u(rng), std::asin(2 * u(rng) - 1) / kDeg});
  const double r = 1.0 / 3600;
  const double disc_share = 1000 * kPi * (r * kDeg) * (r * kDeg) / (4 * kPi);
  double share[3] = {0, 0, 0};
  for (int finer : {0, 2}) {
    const std::vector<IndexRange> ranges =
        DiscCoverRanges(DiscCoverOrder(r, centres.size(), finer), centres, r, 4);
    long double span = 0;
    for (const IndexRange& x : ranges) span += static_cast<long double>(x.end - x.begin);
    share[finer] = static_cast<double>(span / static_cast<long double>(kIndexPixels));
    EXPECT_LE(ranges.size(), 5 * centres.size()) << finer;
    EXPECT_GE(ranges.size(), centres.size() / 2) << finer;  // far apart: not merged together
  }
  EXPECT_GT(share[2], disc_share);
  EXPECT_LT(share[2], 20 * disc_share);
  EXPECT_LT(share[2], share[0]);
  EXPECT_LT(share[0], 100 * disc_share);
}

TEST(DiscCoverTest, OrderAndInvalidInput) {
  // Two orders finer than DiscPixelOrder for a few discs; coarser for very many; never coarser
  // than DiscPixelOrder nor finer than kMaxDiscPixelOrder.
  const double r = 1.0 / 3600;
  EXPECT_EQ(DiscCoverOrder(r, 10, 2), DiscPixelOrder(r) + 2);
  EXPECT_EQ(DiscCoverOrder(r, 10, 0), DiscPixelOrder(r));
  EXPECT_LT(DiscCoverOrder(r, 10'000'000, 2), DiscPixelOrder(r) + 2);
  EXPECT_EQ(DiscCoverOrder(r, 100'000'000, 2), DiscPixelOrder(r));
  EXPECT_EQ(DiscCoverOrder(1e-6 / 3600, 1, 2), kMaxDiscPixelOrder);
  EXPECT_EQ(DiscCoverOrder(45, 1, -3), DiscPixelOrder(45));
  // A centre that is not a position, or a radius of 90 degrees or more: every pixel.
  const std::vector<IndexRange> all = {{0, kIndexPixels}};
  EXPECT_EQ(DiscCoverRanges(5, {{std::nan(""), 0}}, 1, 0), all);
  EXPECT_EQ(DiscCoverRanges(5, {{0, 91}}, 1, 0), all);
  EXPECT_EQ(DiscCoverRanges(5, {{0, 0}}, 90, 0), all);
  EXPECT_EQ(DiscCoverRanges(-1, {{0, 0}}, 1, 0), all);
  EXPECT_EQ(DiscCoverRanges(kMaxDiscPixelOrder + 1, {{0, 0}}, 1, 0), all);
  EXPECT_TRUE(DiscCoverRanges(5, {}, 1, 0).empty());
}

}  // namespace
}  // namespace skyshard
