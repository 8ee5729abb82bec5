// Rewrite rule: spatial pushdown. See spatial_pushdown.cc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"
#include "indexing/healpix_index.h"

namespace skyshard::adql::planner {

// Turns full scans of spatial tables whose filter bounds the position into HEALPix range reads.
void PushDownSpatial(plan::PlanPtr* plan, const PlannerOptions& options);

// The rows of a spatial table's scan that can satisfy `condition` (over the scan's output
// columns, the position being columns `ra` and `dec`): the union or intersection of region
// covers, and their description; nullopt when the condition does not bound the position.
struct SpatialBound {
  std::vector<IndexRange> ranges;
  std::string description;
};
std::optional<SpatialBound> BoundOf(const plan::Expr& condition, int ra, int dec);

}  // namespace skyshard::adql::planner
