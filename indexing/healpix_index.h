// HEALPix spatial index: the 64-bit NESTED pixel number at order 29 of a position on the sky,
// and the conversion of sky regions (disc, box, convex polygon) into sorted, merged lists of
// order-29 index ranges that cover them.
//
// A region's cover is *inclusive*: it contains every order-29 pixel that touches the region, so
// a row whose index lies outside every range is certainly outside the region; rows inside the
// ranges must still pass Region::Contains (the exact test). Together they give zero misses and
// zero false positives.
//
// All angles are in degrees. RA is taken modulo 360; Dec must lie in [-90, 90]. The index and
// cover algorithms, the order choice and the precision guarantees are in docs/indexing.md.
//
// Thread safety: all functions and Region objects are immutable and safe to use concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace skyshard {

constexpr int kIndexOrder = 29;                 // order of the stored index
constexpr uint64_t kIndexPixels = 12ULL << 58;  // 12 * 4^29 pixels at kIndexOrder

// NESTED index at order 29 of (ra, dec), in [0, kIndexPixels). RA is reduced modulo 360.
// Takes about 40 ns. REQUIRES: finite ra, dec in [-90, 90] (a Dec outside is clamped to the
// nearer pole and a non-finite input gives 0, so a bad row cannot cause undefined behaviour).
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

  // Exact test: true iff (ra, dec) lies inside the region (boundary counts as inside). False
  // for a non-finite coordinate or a Dec outside [-90, 90]. About 50-100 ns per call.
  virtual bool Contains(double ra_deg, double dec_deg) const = 0;

  // Sorted, non-overlapping, merged order-29 ranges covering the region. The query order is
  // chosen from the region's size so that the list stays short (at most a few hundred ranges)
  // while the covered area stays close to the region's own. Every position for which Contains
  // is true has its HealpixIndex29 inside one of the ranges. Cannot fail: if Healpix ever threw,
  // the cover would degrade to the whole sky, which is still inclusive. Costs well under a
  // millisecond for typical regions; callers that reuse a cover should keep it.
  virtual std::vector<IndexRange> Cover() const = 0;

  // Human-readable description, e.g. "CIRCLE(10 20 0.5)".
  virtual std::string ToString() const = 0;
};

// Disc of `radius_deg` around (ra, dec): every position whose great-circle distance to the
// centre is <= radius. A radius >= 180 covers the whole sky. Success: a Region owned by the
// caller. Returns InvalidArgument for a negative or non-finite radius or a centre with a
// non-finite RA or a Dec outside [-90, 90].
Result<std::unique_ptr<Region>> MakeCircle(double ra_deg, double dec_deg, double radius_deg);

// ADQL BOX as a *coordinate* box (the pgsphere / GAVO DaCHS / scisql_s2PtInBox reading): a
// position is inside iff its Dec lies in [dec - h/2, dec + h/2] clipped to [-90, 90] and its RA
// lies in [ra - w/2, ra + w/2] taken modulo 360 (so a box may straddle RA 0/360; w >= 360 means
// every RA). The RA half-width is in coordinate degrees, not scaled by cos(dec), so the Dec
// edges are small circles, not great circles. A pole inside the Dec range is inside whatever its
// RA (it is a single point where the RA edges meet). See docs/indexing.md.
// Success: a Region owned by the caller. Returns InvalidArgument for a centre outside the sphere
// or a negative or non-finite width or height.
Result<std::unique_ptr<Region>> MakeBox(double ra_deg, double dec_deg, double width_deg,
                                        double height_deg);

// Convex spherical polygon with vertices given as (ra, dec) pairs in order (either
// orientation; edges are great-circle arcs; the polygon must fit in a hemisphere). Contains
// counts points on an edge (to within ~1e-13 rad) as inside. Success: a Region owned by the
// caller. Returns InvalidArgument for an odd count of numbers, fewer than 3 vertices, a vertex
// with a non-finite RA or a Dec outside [-90, 90], a repeated or antipodal consecutive vertex,
// three vertices on one great circle (degenerate), or a non-convex or self-intersecting polygon.
Result<std::unique_ptr<Region>> MakePolygon(const std::vector<double>& ra_dec_pairs);

// Great-circle distance in degrees between two positions, in [0, 180]. Uses the Vincenty
// (atan2) form, accurate to a few ulps at every separation from 0 to 180 degrees.
double AngularDistanceDeg(double ra1, double dec1, double ra2, double dec2);

}  // namespace skyshard
