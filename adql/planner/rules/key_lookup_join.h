// Rewrite rule: key-lookup joins. See key_lookup_join.cc.
#pragma once

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

// Marks inner and left equi-joins whose right input is an in-memory table read whole and
// joined on its indexed integer primary key as lookup joins (Join::lookup_key), swapping the
// inputs of an inner join that has such a table on the left.
// REQUIRES: join keys were chosen (ChooseJoinKeys) and spatial joins planned.
void UseKeyLookupJoins(plan::PlanPtr* plan, const PlannerOptions& options);

}  // namespace skyshard::adql::planner
