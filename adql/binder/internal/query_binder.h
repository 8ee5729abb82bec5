// Query binding: a whole ast::Query (WITH list, body, ORDER BY, OFFSET) to a plan, and a query
// body (a SELECT, a set operation, a parenthesised query) to the plan of its rows.
//  - WITH: the CTEs become visible to the body (and each to the CTEs declared after it); a
//    reference binds the CTE's query afresh (from_binder.h).
//  - A SELECT body takes the query's ORDER BY and OFFSET (select_binder.h: they may name
//    select-list aliases and columns the select list does not return).
//  - A set operation binds its operands left to right into SetOperation nodes (operands must
//    have as many columns, of types that meet: type_rules.h; an operand whose column type is
//    not the common one gets a Project that casts it); the result takes the left operand's
//    names; ORDER BY may name its output columns by name or position, and OFFSET is a Limit.
//
// Thread safety: used by one Bind() call.
#pragma once

#include "adql/ast/query.h"
#include "adql/binder/internal/bind_context.h"
#include "adql/binder/internal/scope.h"
#include "adql/planner/logical_plan.h"
#include "common/status.h"

namespace skyshard::adql::internal {

// Binds `query`, whose enclosing block is `outer` (null at the top and for CTEs), reached with
// depth step `outer_step` (see BlockScope). Success: the plan, whose schema is the query's
// output columns.
Result<plan::PlanPtr> BindQuery(BindContext* context, const ast::Query& query,
                                const BlockScope* outer, int outer_step);

}  // namespace skyshard::adql::internal
