// Rewrite rule: join keys and build side. See join_keys.cc.
#pragma once

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

// Fills Join::left_keys / right_keys from the equalities of join conditions, and puts a small
// dimension table on the build (right) side of inner joins.
void ChooseJoinKeys(plan::PlanPtr* plan, const PlannerOptions& options);

}  // namespace skyshard::adql::planner
