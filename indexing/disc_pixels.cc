#include "indexing/disc_pixels.h"

#include <healpix_base.h>
#include <pointing.h>
#include <rangeset.h>
#include <vec3.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "indexing/internal/sphere_geometry.h"

namespace skyshard {
namespace {

using HealpixBase = T_Healpix_Base<int64>;
using indexing_internal::kDegToRad;
using indexing_internal::kPi;
using indexing_internal::UnitVector;

// As for covers (healpix_index.cc): added to every radius so that rounding in Healpix and in the
// degree-to-radian conversions can never drop a touching pixel (4 mas, far below a pixel at
// kMaxDiscPixelOrder), and an oversampling factor of 4 that drops most pixels which only come
// within a pixel radius of the disc without touching it.
constexpr double kMarginRad = 2e-8;
constexpr int kOversampleFactor = 4;

// From this radius on every pixel is returned: the inclusive query enlarges the radius by a
// pixel radius, and beyond pi Healpix drops pixels; at order 0 (where such radii land) a disc
// this large touches nearly all 12 base pixels anyway.
constexpr double kAllPixelsRadiusDeg = 90;

const HealpixBase& BaseAt(int order) {
  static const std::array<HealpixBase, kMaxDiscPixelOrder + 1> bases = [] {
    std::array<HealpixBase, kMaxDiscPixelOrder + 1> b;
    for (int o = 0; o <= kMaxDiscPixelOrder; ++o) b[static_cast<size_t>(o)].Set(o, NEST);
    return b;
  }();
  return bases[static_cast<size_t>(order)];
}

void AllPixels(int order, std::vector<uint64_t>* out) {
  const uint64_t n = 12ULL << (2 * order);
  for (uint64_t p = 0; p < n; ++p) out->push_back(p);
}

}  // namespace

int DiscPixelOrder(double radius_deg) {
  if (!(radius_deg > 0) || !std::isfinite(radius_deg)) {
    return radius_deg == 0 ? kMaxDiscPixelOrder : 0;
  }
  const double side0 = std::sqrt(kPi / 3) / kDegToRad;  // mean side at order 0, degrees
  int k = 0;
  while (k < kMaxDiscPixelOrder && side0 / static_cast<double>(1ULL << (k + 1)) >= 2 * radius_deg) {
    ++k;
  }
  return k;
}

int NeighbourPixelOrder(double radius_deg) {
  if (!(radius_deg >= 0) || !std::isfinite(radius_deg)) return -1;
  // Rounding of positions to pixels (HealpixIndex29 is exact to ~1e-9 rad) on either side.
  const double reach_needed = radius_deg * kDegToRad + 2 * kMarginRad;
  if (reach_needed > kNeighbourReach) return -1;
  int k = 0;
  while (k < kMaxDiscPixelOrder &&
         reach_needed <= kNeighbourReach / static_cast<double>(1ULL << (k + 1))) {
    ++k;
  }
  return k;
}

int NeighbourPixels(int order, uint64_t pixel, std::array<uint64_t, 8>* out) {
  if (order < 0 || order > kMaxDiscPixelOrder || pixel >= (12ULL << (2 * order))) return 0;
  fix_arr<int64, 8> result;
  BaseAt(order).neighbors(static_cast<int64>(pixel), result);
  int n = 0;
  for (size_t i = 0; i < 8; ++i) {
    const int64 q = result[i];
    if (q < 0 || static_cast<uint64_t>(q) == pixel) continue;
    bool seen = false;
    for (int j = 0; j < n; ++j)
      seen = seen || (*out)[static_cast<size_t>(j)] == static_cast<uint64_t>(q);
    if (!seen) (*out)[static_cast<size_t>(n++)] = static_cast<uint64_t>(q);
  }
  return n;
}

void DiscPixels(int order, double ra_deg, double dec_deg, double radius_deg,
                std::vector<uint64_t>* out) {
  if (order < 0 || order > kMaxDiscPixelOrder) return;
  if (!std::isfinite(ra_deg) || !std::isfinite(dec_deg) || dec_deg < -90 || dec_deg > 90 ||
      !std::isfinite(radius_deg) || radius_deg < 0 || radius_deg >= kAllPixelsRadiusDeg) {
    AllPixels(order, out);
    return;
  }
  thread_local rangeset<int64> set;
  try {
    const auto v = UnitVector(ra_deg * kDegToRad, dec_deg * kDegToRad);
    set.clear();
    BaseAt(order).query_disc_inclusive(pointing(vec3(v.x, v.y, v.z)),
                                       radius_deg * kDegToRad + kMarginRad, set, kOversampleFactor);
  } catch (...) {
    AllPixels(order, out);
    return;
  }
  const auto count = static_cast<tdiff>(set.nranges());
  for (tdiff i = 0; i < count; ++i) {
    for (int64 p = set.ivbegin(i); p < set.ivend(i); ++p) out->push_back(static_cast<uint64_t>(p));
  }
}

std::vector<IndexRange> NeighbourhoodRanges(int order, const std::vector<IndexRange>& ranges) {
  if (order < 0 || order > kMaxDiscPixelOrder) return {{0, kIndexPixels}};
  const int shift = 2 * (kIndexOrder - order);
  std::vector<uint64_t> pixels;
  std::array<uint64_t, 8> near{};
  for (const IndexRange& r : ranges) {
    const uint64_t end = std::min(r.end, kIndexPixels);
    if (r.begin >= end) continue;
    for (uint64_t p = r.begin >> shift; p <= (end - 1) >> shift; ++p) {
      pixels.push_back(p);
      const int n = NeighbourPixels(order, p, &near);
      pixels.insert(pixels.end(), near.begin(), near.begin() + n);
    }
  }
  std::sort(pixels.begin(), pixels.end());
  pixels.erase(std::unique(pixels.begin(), pixels.end()), pixels.end());
  return PixelRanges(order, pixels);
}

std::vector<IndexRange> PixelRanges(int order, const std::vector<uint64_t>& pixels) {
  const int shift = 2 * (kIndexOrder - order);
  std::vector<IndexRange> out;
  for (uint64_t p : pixels) {
    const uint64_t begin = p << shift, end = (p + 1) << shift;
    if (!out.empty() && out.back().end == begin) {
      out.back().end = end;
    } else {
      out.push_back({begin, end});
    }
  }
  return out;
}

}  // namespace skyshard
