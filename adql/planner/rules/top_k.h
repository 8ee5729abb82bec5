// Rewrite rule: top-k and early MAXREC. See top_k.cc.
#pragma once

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

void UseTopK(plan::PlanPtr* plan, const PlannerOptions& options);

}  // namespace skyshard::adql::planner
