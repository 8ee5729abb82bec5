// Rewrite rule: parallel fragments. See parallel_fragments.cc.
#pragma once

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

// Wraps scan pipelines over large spatial and child tables in Gathers that run them per
// partition of the key space on the executor's worker threads.
void SplitIntoFragments(plan::PlanPtr* plan, const PlannerOptions& options);

}  // namespace skyshard::adql::planner
