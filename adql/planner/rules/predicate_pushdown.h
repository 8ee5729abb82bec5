// Rewrite rule: predicate pushdown. See predicate_pushdown.cc.
#pragma once

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

// Moves the conjuncts of Filters (and of join conditions) as far down as their meaning allows:
// below Projects, Sorts, Distincts and group keys, into the sides of joins and into
// Scan::filter.
void PushDownPredicates(plan::PlanPtr* plan, const PlannerOptions& options);

}  // namespace skyshard::adql::planner
