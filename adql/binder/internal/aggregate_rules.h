// The aggregate and GROUP BY rules of an aggregating query block (one with GROUP BY, HAVING or
// an aggregate call in its select list, HAVING or ORDER BY):
//  - the Aggregate's output is its group expressions, then its aggregate calls;
//  - after it (HAVING, the select list, ORDER BY) an expression may use aggregate calls,
//    expressions equal to a group expression, constants and outer references, and nothing
//    else: `SELECT band, coord_ra, COUNT(*) ... GROUP BY band` is an error at coord_ra;
//  - a correlated subquery there sees the Aggregate's output too, so its references to this
//    block's columns must be grouped columns, and are renumbered to the group's output column.
// (No aggregate in WHERE, GROUP BY, JOIN conditions or inside another aggregate: the
// ExpressionBinder refuses those where it meets them.)
//
// Example: SELECT band, COUNT(*) AS n FROM ForcedSource GROUP BY band HAVING AVG(psfFlux) > 0
//   groups: [#band]; aggregates: [COUNT(*), AVG(#psfFlux)]
//   HAVING: AVG marker 1 -> #2 (> 0); select list: #band -> #0, COUNT marker 0 -> #1.
//
// Thread safety: pure functions over values the caller owns.
#pragma once

#include <vector>

#include "adql/ast/expression.h"
#include "adql/binder/internal/bind_context.h"
#include "adql/binder/internal/scope.h"
#include "adql/functions/function_registry.h"
#include "adql/planner/logical_plan.h"
#include "common/status.h"

namespace skyshard::adql::internal {

// True when `expression` calls an aggregate function outside any subquery.
bool ContainsAggregate(const ast::Expression& expression, const FunctionRegistry& registry);

// Rewrites `*expr`, bound over the FROM row `from` with aggregate markers
// (expression_binder.h), to read the Aggregate's output: a subtree equal to groups[i] becomes
// column i, aggregate marker k becomes column groups.size() + k. Errors: InvalidArgument at a
// column that is neither grouped nor inside an aggregate.
Status RewriteOverAggregate(BindContext* context, const FromScope& from,
                            const std::vector<plan::ExprPtr>& groups, plan::ExprPtr* expr);

}  // namespace skyshard::adql::internal
