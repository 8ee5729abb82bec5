// Sets of order-29 HEALPix index ranges (indexing/healpix_index.h) combined: the planner
// pushes an OR of regions as the union of their covers and an AND as the intersection; the
// spatial join intersects its probe ranges with a cone. The cover of an OR of regions is the union
// of their covers, the cover of an AND the intersection. Both inputs and the result are sorted,
// non-overlapping and merged (no two ranges touch), as Region::Cover returns them and Store::Scan
// takes them.
//
// Thread safety: pure functions.
#pragma once

#include <vector>

#include "indexing/healpix_index.h"

namespace skyshard {

std::vector<IndexRange> UnionRanges(const std::vector<IndexRange>& a,
                                    const std::vector<IndexRange>& b);
std::vector<IndexRange> IntersectRanges(const std::vector<IndexRange>& a,
                                        const std::vector<IndexRange>& b);

}  // namespace skyshard
