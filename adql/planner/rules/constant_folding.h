// Rewrite rule: constant folding. See constant_folding.cc for what folds and a worked example.
#pragma once

#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"

namespace skyshard::adql::planner {

// Folds the constant parts of every expression of `*plan` (not of subquery plans: the planner
// runs every rule on those separately), and removes Filters whose condition became TRUE.
void FoldConstants(plan::PlanPtr* plan, const PlannerOptions& options);

// Folds one expression in place (exposed for tests and for the other rules).
void FoldExpression(plan::ExprPtr* e);

}  // namespace skyshard::adql::planner
