// HEALPix spatial index: the 64-bit NESTED pixel number at order 29 of a position on the sky,
// and the conversion of sky regions (disc, box, convex polygon) into sorted, merged lists of
// order-29 index ranges that cover them.
//
// A region's cover is *inclusive*: it contains every order-29 pixel that touches the region, so
// a row whose index lies outside every range is certainly outside the region; rows inside the
// ranges must still pass Region::Contains (the exact test). Together they give zero misses and
// zero false positives.
//
// All angles are in degrees. RA is taken modulo 360; Dec must lie in [-90, 90].
//
// Thread safety: all functions and Region objects are immutable and safe to use concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace skyshard {

constexpr int kIndexOrder = 29;                      // order of the stored index
constexpr uint64_t kIndexPixels = 12ULL << 58;       // 12 * 4^29 pixels at kIndexOrder

// NESTED index at order 29 of (ra, dec). REQUIRES: finite ra, dec in [-90, 90].
uint64_t HealpixIndex29(double ra_deg, double dec_deg);

// A half-open range [begin, end) of order-29 NESTED indexes.
struct IndexRange {
  uint64_t begin;
  uint64_t end;
  bool operator==(const IndexRange&) const = default;
};

// A region of the sky with an exact containment test and an inclusive HEALPix cover.
class Region {
 public:
  virtual ~Region() = default;

  // Exact test: true iff (ra, dec) lies inside the region (boundary counts as inside).
  virtual bool Contains(double ra_deg, double dec_deg) const = 0;

  // Sorted, non-overlapping, merged order-29 ranges covering the region. The query order is
  // chosen from the region's size so that the list stays short (at most a few hundred ranges)
  // while the covered area stays close to the region's own.
  virtual std::vector<IndexRange> Cover() const = 0;

  // Human-readable description, e.g. "CIRCLE(10 20 0.5)".
  virtual std::string ToString() const = 0;
};

// Disc of `radius_deg` around (ra, dec). Returns InvalidArgument for a negative or non-finite
// radius or a centre outside the sphere. A radius >= 180 covers the whole sky.
Result<std::unique_ptr<Region>> MakeCircle(double ra_deg, double dec_deg, double radius_deg);

// ADQL BOX: centre (ra, dec), full widths in RA and Dec measured as in ADQL 2.x (the box is
// bounded by great circles through the centre's offsets; see docs/indexing.md for the exact
// definition chosen). Returns InvalidArgument for negative/non-finite sizes.
Result<std::unique_ptr<Region>> MakeBox(double ra_deg, double dec_deg, double width_deg,
                                        double height_deg);

// Convex spherical polygon with vertices given as (ra, dec) pairs in order (either
// orientation; edges are great-circle arcs). Returns InvalidArgument for fewer than 3
// vertices, a non-convex or degenerate polygon, or bad coordinates.
Result<std::unique_ptr<Region>> MakePolygon(const std::vector<double>& ra_dec_pairs);

// Angular distance in degrees between two positions (haversine-stable formula).
double AngularDistanceDeg(double ra1, double dec1, double ra2, double dec2);

}  // namespace skyshard
