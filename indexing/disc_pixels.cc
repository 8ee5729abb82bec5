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

// The RING-scheme base at `order`: its disc query works ring by ring in closed form, several
// times cheaper for a small disc than the NEST scheme's descent through the orders.
const HealpixBase& RingBaseAt(int order) {
  static const std::array<HealpixBase, kMaxDiscPixelOrder + 1> bases = [] {
    std::array<HealpixBase, kMaxDiscPixelOrder + 1> b;
    for (int o = 0; o <= kMaxDiscPixelOrder; ++o) b[static_cast<size_t>(o)].Set(o, RING);
    return b;
  }();
  return bases[static_cast<size_t>(order)];
}

// DiscCoverOrder: no finer order than one where the discs would touch more than this many
// pixels in all (16 bytes each while sorting).
constexpr double kMaxCoverPixels = 4e6;

// At most about how many pixels a disc touches `finer` orders finer than DiscPixelOrder (pixels
// at least 2 r / 2^finer across there).
double PixelsPerDisc(int finer) {
  const double side_in_diameters = 1.0 / static_cast<double>(1 << finer);
  const double across = 1 / side_in_diameters + 2;
  return across * across;
}

// Pixels [begin, end) at one order.
struct PixelSpan {
  uint64_t begin;
  uint64_t end;
};

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

int DiscCoverOrder(double radius_deg, size_t count, int finer) {
  const int coarsest = DiscPixelOrder(radius_deg);
  int order = std::clamp(coarsest + std::max(0, finer), coarsest, kMaxDiscPixelOrder);
  // A disc touches at most about (2 r / side + 2)^2 pixels: 9 at DiscPixelOrder (whose side is
  // at least 2 r), 16 one order finer, 36 two orders finer.
  while (order > coarsest &&
         static_cast<double>(count) * PixelsPerDisc(order - coarsest) > kMaxCoverPixels) {
    --order;
  }
  return order;
}

std::vector<IndexRange> DiscCoverRanges(int order, const std::vector<SkyPoint>& centres,
                                        double radius_deg, uint64_t max_gap_pixels) {
  if (order < 0 || order > kMaxDiscPixelOrder) return {{0, kIndexPixels}};
  std::vector<PixelSpan> spans;
  const uint64_t all = 12ULL << (2 * order);
  const HealpixBase& ring = RingBaseAt(order);
  rangeset<int64> set;
  std::vector<uint64_t> nested;
  for (const SkyPoint& c : centres) {
    if (!std::isfinite(c.ra_deg) || !std::isfinite(c.dec_deg) || c.dec_deg < -90 ||
        c.dec_deg > 90 || !std::isfinite(radius_deg) || radius_deg < 0 ||
        radius_deg >= kAllPixelsRadiusDeg) {
      spans.push_back({0, all});
      continue;
    }
    // Inclusive (oversampling 1: the radius enlarged by the largest pixel radius at `order`),
    // plus the 4 mas margin against rounding: every pixel that touches the disc, and some that
    // only come within a pixel of it. Healpix's RING query works ring by ring in closed form, a
    // small disc in ~0.5 us where the NEST query's descent through the orders takes ~10 us.
    try {
      const auto v = UnitVector(c.ra_deg * kDegToRad, c.dec_deg * kDegToRad);
      set.clear();
      ring.query_disc_inclusive(pointing(vec3(v.x, v.y, v.z)), radius_deg * kDegToRad + kMarginRad,
                                set, 1);
    } catch (...) {
      spans.push_back({0, all});
      continue;
    }
    nested.clear();
    const auto count = static_cast<tdiff>(set.nranges());
    for (tdiff i = 0; i < count; ++i) {
      for (int64 p = set.ivbegin(i); p < set.ivend(i); ++p) {
        nested.push_back(static_cast<uint64_t>(ring.ring2nest(p)));
      }
    }
    std::sort(nested.begin(), nested.end());
    for (uint64_t p : nested) {
      if (!spans.empty() && spans.back().end == p) {
        spans.back().end = p + 1;
      } else {
        spans.push_back({p, p + 1});
      }
    }
  }
  std::sort(spans.begin(), spans.end(),
            [](const PixelSpan& a, const PixelSpan& b) { return a.begin < b.begin; });
  const int shift = 2 * (kIndexOrder - order);
  std::vector<IndexRange> out;
  uint64_t begin = 0, end = 0;
  bool open = false;
  for (const PixelSpan& s : spans) {
    // Overlapping, adjacent or at most max_gap_pixels apart: one range.
    if (open && s.begin <= end + max_gap_pixels) {
      end = std::max(end, s.end);
      continue;
    }
    if (open) out.push_back({begin << shift, end << shift});
    begin = s.begin;
    end = s.end;
    open = true;
  }
  if (open) out.push_back({begin << shift, end << shift});
  return out;
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
