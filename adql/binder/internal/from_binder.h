// FROM clause binding: table references to the plan that produces the FROM row and the
// FromScope (scope.h) that names its columns.
//  - A table name is a common table expression of the query (WITH; its query is bound afresh
//    at each reference, so each reference is a plan of its own), else a catalog table
//    (QueryCatalog::Find: schema-qualified or not, case-insensitively unless delimited), read
//    by a full Scan of all its columns (the planner prunes and picks access paths).
//  - A derived table is its query's plan, named by its alias.
//  - A join is a Join of the two sides; USING / NATURAL columns are compared by `=` and
//    coalesced as SQL says: the left column for INNER and LEFT joins, the right one for RIGHT,
//    COALESCE(left, right) (computed by a Project above the join) for FULL; `*` lists them
//    first, once. A comma is a CROSS join.
// Errors: NotFound for unknown tables and schemas (with suggestions), InvalidArgument for
// ambiguous names, a table name given twice, bad USING columns, ON conditions that are not
// conditions.
//
// Thread safety: used by one Bind() call.
#pragma once

#include <vector>

#include "adql/ast/query.h"
#include "adql/binder/internal/bind_context.h"
#include "adql/binder/internal/scope.h"
#include "adql/planner/logical_plan.h"
#include "common/status.h"

namespace skyshard::adql::internal {

struct BoundFrom {
  plan::PlanPtr plan;  // produces the FROM row
  FromScope scope;     // names it
};

// Binds the comma-separated `from` list of a block whose enclosing block is `outer` (reached
// with depth step `outer_step`; see BlockScope), which ON conditions and derived tables may
// refer to. REQUIRES: `from` is not empty.
Result<BoundFrom> BindFrom(BindContext* context, const std::vector<ast::TableRefPtr>& from,
                           const BlockScope* outer, int outer_step);

}  // namespace skyshard::adql::internal
