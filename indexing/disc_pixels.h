// Coarse HEALPix pixels for spatial joins (adql/exec/spatial_join.cc): the pixel of a position at
// an order k < 29, its neighbours, the order at which the neighbours hold every position within a
// radius, and every pixel at order k that a disc touches. A cross-match with radius r
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

#include <array>
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

// The neighbour order of a spatial join of radius `radius_deg`: the finest order k <=
// kMaxDiscPixelOrder at which every position within the radius of a position in an order-k pixel
// P lies in P or in one of P's neighbours (NeighbourPixels), so that a join may file each
// position under its own pixel only and look in 9 pixels. -1 when no order has that property
// (radius beyond ~28 degrees), or the radius is negative or not finite.
//
// The order is the finest k with radius + 4e-8 rad <= kNeighbourReach / 2^k. The distance from
// an order-k pixel to any pixel that is not its neighbour is about 0.70 / 2^k rad at the
// narrowest places, and at least 0.67 / 2^k (a lower bound computed over every pixel of orders
// 0-5, falling towards ~0.69 / 2^k as the order grows: docs/query_engine.md, "The order and its
// proof"), so 0.5 stays below it; the 4e-8 rad cover the rounding of HealpixIndex29 at pixel
// edges. tests/indexing/neighbour_pixels_test.cc checks the property at pixel corners at
// orders 0-20.
constexpr double kNeighbourReach = 0.5;
int NeighbourPixelOrder(double radius_deg);

// The distinct neighbours of `pixel` at `order` (the pixels sharing an edge or a corner with it:
// 8; 7 for a pixel at one of the 8 points where only three base pixels meet; fewer at order 0),
// written to (*out)[0..n), n returned. REQUIRES: 0 <= order <= kMaxDiscPixelOrder (0 is returned
// otherwise) and pixel < 12 * 4^order (likewise).
int NeighbourPixels(int order, uint64_t pixel, std::array<uint64_t, 8>* out);

// Appends to `out` (sorted, distinct) every pixel at `order` that touches the disc of
// `radius_deg` around (ra, dec): inclusive (a pixel containing a point within the radius is
// always there; a few more that only come near it may be). A radius >= 90 is every pixel.
// REQUIRES: 0 <= order <= kMaxDiscPixelOrder, finite ra, dec in [-90, 90], radius finite and
// >= 0 (a call that breaks them appends every pixel, which is still inclusive).
void DiscPixels(int order, double ra_deg, double dec_deg, double radius_deg,
                std::vector<uint64_t>* out);

// The order-29 ranges, merged, of every pixel at `order` that overlaps `ranges` (order-29 ranges,
// sorted, disjoint; an end beyond kIndexPixels counts as kIndexPixels) or is a neighbour of one
// that does. A partitioned spatial join reads its build side over these: every position within
// the join's radius of a position in `ranges` lies in them when `order` is at most the join's
// NeighbourPixelOrder (two touching pixels at a finer order lie in touching or equal pixels at
// every coarser one). REQUIRES: 0 <= order <= kMaxDiscPixelOrder (else every pixel's range).
std::vector<IndexRange> NeighbourhoodRanges(int order, const std::vector<IndexRange>& ranges);

// The order-29 ranges of `pixels` (sorted, distinct, at `order`), adjacent ones merged.
std::vector<IndexRange> PixelRanges(int order, const std::vector<uint64_t>& pixels);

// A position in degrees (the centre of a disc).
struct SkyPoint {
  double ra_deg = 0;
  double dec_deg = 0;
};

// The order DiscCoverRanges works at for `count` discs of `radius_deg`: `finer` orders finer
// than DiscPixelOrder(radius_deg) (pixels of at least 2 r across there; a disc touches at most
// about 9 of them, in few ranges: the fewest seeks; 36 of a quarter of that area two orders
// finer: the fewest rows read), but coarser while `count` discs would touch more than about
// 4 M pixels in all (a dense list of centres, whose covers merge anyway), never coarser than
// DiscPixelOrder nor finer than kMaxDiscPixelOrder.
int DiscCoverOrder(double radius_deg, size_t count, int finer);

// The order-29 ranges (sorted, merged: no two touch) of every pixel at `order` that touches the
// disc of `radius_deg` around one of `centres` (Healpix's inclusive disc query, as DiscPixels
// but in the RING scheme, several times faster: exact at the poles and across RA 0/360; a few
// pixels that only come near the disc may be in), with every gap of at most `max_gap_pixels` pixels
// at `order` between two ranges filled in: reading a few keys past a range costs less than a seek
// to the next. Every stored position within the radius of a centre has its key in the result.
// Centres that are not valid positions (non-finite, Dec beyond a pole) cover every pixel, as
// DiscPixels does. REQUIRES: 0 <= order <= kMaxDiscPixelOrder (else every pixel's range).
std::vector<IndexRange> DiscCoverRanges(int order, const std::vector<SkyPoint>& centres,
                                        double radius_deg, uint64_t max_gap_pixels);

}  // namespace skyshard
