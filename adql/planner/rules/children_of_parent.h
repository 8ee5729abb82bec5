// Rewrite rule: a child table joined to its parent reads only the restricted parents' children.
// See children_of_parent.cc.
#pragma once

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

void RestrictChildrenToParents(plan::PlanPtr* plan, const PlannerOptions& options);

}  // namespace skyshard::adql::planner
