// Rewrite rule: key lookups. See key_lookup.cc.
#pragma once

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

// Turns scans whose filter fixes the primary key (or a child table's parent key) to constants
// into point reads, and scans whose filter is never true into empty scans.
void LookUpKeys(plan::PlanPtr* plan, const PlannerOptions& options);

}  // namespace skyshard::adql::planner
