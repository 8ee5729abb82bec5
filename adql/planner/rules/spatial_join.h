// Rewrite rule: positional cross-match as a spatial join. See spatial_join.cc.
#pragma once

#include <optional>

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

// Marks joins whose condition bounds the separation of a left and a right position by a
// constant (Join::spatial), puts the smaller input on the build (right) side, and lets the
// executor restrict a probe-side scan to the build side's neighbourhood.
void PlanSpatialJoins(plan::PlanPtr* plan, const PlannerOptions& options);

// The spatial keys of one conjunct of a join condition over `left_width` left columns followed
// by the right ones (right keys renumbered to the right input); nullopt when the conjunct does
// not bound a separation (see spatial_join.cc for the forms recognised).
std::optional<plan::SpatialJoinKeys> SpatialKeysOf(const plan::Expr& conjunct, int left_width);

}  // namespace skyshard::adql::planner
