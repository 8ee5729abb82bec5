// Helpers the planner's rewrite rules share for plan trees (adql/planner/logical_plan.h):
// inserting filters, following a column down to the table it comes from, visiting the plans of
// subquery expressions, and rough row-count estimates.
//
// Thread safety: pure functions over the values passed in.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "adql/planner/internal/expr_util.h"
#include "adql/planner/logical_plan.h"

namespace skyshard::adql::planner {

// Adds `conjuncts` as a filter on the rows of `*slot`: appended to the condition when *slot is
// a Filter, else a new Filter above it (same schema). Does nothing for no conjuncts.
void AddFilter(PlanPtr* slot, std::vector<ExprPtr> conjuncts);

// Where an output column of a node comes from, when it is a stored column passed through
// unchanged by Filter, Project (a bare column), Sort, Limit, Distinct, Gather and the sides of
// joins: the Scan and the table column position (TableDef::columns). `scan` is null when the
// column is computed or comes from elsewhere. Every row leaving `node` then carries, in that
// column, the value the Scan read (or NULL, for an outer join's missing side).
struct ColumnOrigin {
  plan::Scan* scan = nullptr;
  int table_column = -1;
};
ColumnOrigin TraceColumn(PlanNode& node, int column);

// Calls `fn` for each subquery plan held by the expressions of `node` (not below them, not in
// its children).
void ForEachSubqueryPlan(PlanNode& node, const std::function<void(PlanPtr&)>& fn);

// A rough upper bound of the rows `node` produces, from the catalog's row counts and the access
// paths chosen; for choosing a join's build side only.
double EstimateRows(const PlanNode& node);

// True when some expression of `node` or of a node below holds a subquery.
bool PlanHasSubquery(const PlanNode& node);

// Swaps the inputs of the Join in *slot (so that the other side is built), keeping the join's
// output columns in their order with a Project put above it: the condition, the hash keys and
// the spatial keys are renumbered, and LEFT and RIGHT trade places.
// REQUIRES: (*slot)->kind == PlanKind::kJoin.
void SwapJoinInputs(PlanPtr* slot);

}  // namespace skyshard::adql::planner
