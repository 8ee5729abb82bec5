// The build side's ranges of one partition of a partitioned spatial join (catalog x catalog,
// adql/exec/spatial_join.cc): the order-29 ranges of every pixel at the margin order that
// overlaps the partition's ranges or touches one that does. The set is NeighbourhoodRanges's
// (indexing/disc_pixels.h), computed from the partition's boundary only: a partition of a
// quarter of the sky at order 8 has ~200 k pixels, of which a few thousand lie on its edge, and
// NeighbourhoodRanges lists and sorts the 9 neighbours of each (a fifth of the CPU of a 1 M x 1 M
// match before this).
//
// Thread safety: a pure function, safe to call concurrently.
#pragma once

#include <vector>

#include "indexing/index_ranges.h"

namespace skyshard::adql::exec {

// The order-29 ranges, sorted, disjoint and merged, of every pixel at `order` that overlaps
// `ranges` (order-29 ranges, sorted, disjoint; an end beyond kIndexPixels counts as
// kIndexPixels) or is a neighbour (NeighbourPixels) of one that does: exactly
// NeighbourhoodRanges(order, ranges). Out of range orders give every pixel's range, as there.
std::vector<IndexRange> PartitionNeighbourhood(int order, const std::vector<IndexRange>& ranges);

}  // namespace skyshard::adql::exec
