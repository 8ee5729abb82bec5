// Walks over bound expressions and plans that the binder's checks need: structural equality of
// expressions (to match a select-list or ORDER BY expression with a GROUP BY one), and visits
// of every expression a plan holds (to find and rewrite a subquery's outer references).
//
// Thread safety: pure functions over values the caller owns.
#pragma once

#include <functional>

#include "adql/planner/logical_plan.h"
#include "common/status.h"

namespace skyshard::adql::internal {

// True when `a` and `b` compute the same value: the same tree of operators, constants,
// functions and columns (positions in the text do not matter). Subqueries never compare equal.
bool SameExpr(const plan::Expr& a, const plan::Expr& b);

// Calls `visit` on the root of every expression `node` and its descendants hold (conditions,
// projections, keys, aggregate arguments, scan filters), stopping at the first error. `visit`
// is responsible for the expression's own subtree, subqueries included.
Status ForEachPlanExpr(plan::PlanNode& node, const std::function<Status(plan::ExprPtr&)>& visit);
void ForEachPlanExpr(const plan::PlanNode& node,
                     const std::function<void(const plan::Expr&)>& visit);

// The depth of `e`'s tree (a leaf is 1; subquery plans do not count), or `cap` + 1 when it is
// deeper than `cap` (the walk never goes deeper than that, so it is safe on any tree).
int ExprDepth(const plan::Expr& e, int cap);

// True when `plan`, a subquery's plan, refers to a column of a query enclosing it: a column
// reference `level` or more levels out, counting levels from `level` = 1 at the plan's own
// expressions (one more inside each nested subquery).
bool RefersOutside(const plan::PlanNode& plan, int level = 1);

}  // namespace skyshard::adql::internal
