// SELECT block binding. The plan is the straightforward one:
//
//   Scan/Join... (FROM) -> Filter (WHERE) -> Aggregate (GROUP BY, aggregates)
//     -> Filter (HAVING) -> Project (select list [+ hidden ORDER BY columns]) -> Distinct
//     -> Sort (ORDER BY) -> Limit (TOP, OFFSET) [-> Project dropping the hidden columns]
//
// Select list: `*` is the FROM row's columns (USING columns once, first), `t.*` one table
// reference's; an expression's output column is named by its alias, else the column's own name
// for a bare column (whose metadata it keeps), else the lower-case function name for a function
// call ("count", "avg", "contains"), else "colN" for the N-th select item. Names are not made
// unique here (a derived table may have two columns of one name; referring to it by that name
// is then ambiguous); Bind() makes the final output's names unique.
//
// GROUP BY items are expressions over the FROM row, an output position (GROUP BY 1) or a
// select-list alias when no FROM column has that name (as DaCHS and PostgreSQL accept).
//
// ORDER BY items are an output position, an output column's name (aliases first, as SQL says),
// or an expression: one equal to a select-list expression sorts by that output column, any
// other (allowed unless DISTINCT) is computed as a hidden column of the Project, which a final
// Project drops after the Sort and Limit.
//
// Example: SELECT TOP 5 objectId FROM Object ORDER BY coord_ra
//   Project [objectId] = #0
//     Limit count=5
//       Sort #1
//         Project [objectId, _sort1] = #0, #2
//           Scan dp02_dc2_catalogs.Object full [objectId, coord_dec, coord_ra, ...]
//
// Thread safety: used by one Bind() call.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "adql/ast/query.h"
#include "adql/binder/internal/bind_context.h"
#include "adql/binder/internal/scope.h"
#include "adql/planner/logical_plan.h"
#include "common/status.h"

namespace skyshard::adql::internal {

// Binds `select` with the ORDER BY and OFFSET of the query whose body it is (null / nullopt
// for an operand of a set operation). `outer`, `outer_step`: see BlockScope.
Result<plan::PlanPtr> BindSelect(BindContext* context, const ast::Select& select,
                                 const std::vector<ast::OrderItem>* order_by,
                                 std::optional<int64_t> offset, const BlockScope* outer,
                                 int outer_step);

}  // namespace skyshard::adql::internal
