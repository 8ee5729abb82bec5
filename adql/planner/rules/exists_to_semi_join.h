// Rewrite rule: correlated EXISTS / NOT EXISTS subqueries become semi / anti joins. See
// exists_to_semi_join.cc.
#pragma once

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

void DecorrelateExists(plan::PlanPtr* plan, const PlannerOptions& options);

}  // namespace skyshard::adql::planner
