// Coarse HEALPix pixels for spatial joins (adql/exec/spatial_join.cc): the pixel of a position at
// an order k < 29, and every pixel at order k that a disc touches. A cross-match with radius r
// files each build-side position under every pixel its disc of radius r touches, and looks each
// probe-side position up under its own pixel: a pair within r always meets (docs/indexing.md,
// "Pixels for spatial joins"; docs/query_engine.md, "Cross-match").
//
// Pixels are NESTED; the pixel at order k of a position is the top bits of its order-29 index,
// HealpixIndex29(ra, dec) >> 2 * (29 - k), so a pixel at order k owns the contiguous order-29
// range [p << 2 * (29 - k), (p + 1) << 2 * (29 - k)).
//
// Angles in degrees. Thread safety: pure functions, safe to call concurrently.
#pragma once

#include <cstdint>
#include <vector>

#include "indexing/healpix_index.h"

namespace skyshard {

// The finest order DiscPixels works at (pixels of ~0.2 arcsec; see kMaxQueryOrder in
// docs/indexing.md: below that Healpix's cosine comparisons stop resolving distances).
constexpr int kMaxDiscPixelOrder = 20;

// The order a spatial join of radius `radius_deg` uses: the finest order <= kMaxDiscPixelOrder
// whose mean pixel side is at least twice the radius (so a disc touches a handful of pixels and
// a pixel holds few positions outside the discs that touch it); 0 for large or invalid radii.
int DiscPixelOrder(double radius_deg);

// The pixel at `order` of (ra, dec). REQUIRES: 0 <= order <= 29 (positions as HealpixIndex29:
// RA modulo 360, Dec clamped, non-finite input gives pixel 0).
inline uint64_t PixelAt(int order, double ra_deg, double dec_deg) {
  return HealpixIndex29(ra_deg, dec_deg) >> (2 * (kIndexOrder - order));
}

// Appends to `out` (sorted, distinct) every pixel at `order` that touches the disc of
// `radius_deg` around (ra, dec): inclusive (a pixel containing a point within the radius is
// always there; a few more that only come near it may be). A radius >= 90 is every pixel.
// REQUIRES: 0 <= order <= kMaxDiscPixelOrder, finite ra, dec in [-90, 90], radius finite and
// >= 0 (a call that breaks them appends every pixel, which is still inclusive).
void DiscPixels(int order, double ra_deg, double dec_deg, double radius_deg,
                std::vector<uint64_t>* out);

// The order-29 ranges of `pixels` (sorted, distinct, at `order`), adjacent ones merged.
std::vector<IndexRange> PixelRanges(int order, const std::vector<uint64_t>& pixels);

}  // namespace skyshard
