// Rewrite rule: projection pushdown. See projection_pushdown.cc.
#pragma once

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

// Makes every Scan read only the columns used above it, and drops unused columns of
// intermediate Projects, renumbering the column references above.
void PushDownProjections(plan::PlanPtr* plan, const PlannerOptions& options);

}  // namespace skyshard::adql::planner
