// The binder: turns the syntax tree of an ADQL query (adql/ast/) into a typed plan
// (adql/planner/logical_plan.h) against the tables of a QueryCatalog, or into a precise error.
//
// It resolves every table name (schema-qualified or not, case-insensitively unless delimited,
// TAP_SCHEMA and TAP_UPLOAD included), every column reference (qualified by a table name or
// alias, or bare; ambiguous bare names are errors), select-list aliases in ORDER BY, output
// positions in ORDER BY, USING and NATURAL join columns, `*` and `t.*`, CTEs (WITH), derived
// tables, and outer references of correlated subqueries. It types every expression (with the
// function registry for function calls), checks the aggregate and GROUP BY rules (a column
// outside an aggregate must be grouped; no aggregate in WHERE, GROUP BY or inside another
// aggregate), and that set-operation operands have the same number of columns with compatible
// types.
//
// The plan it returns is the straightforward one: Scan (full) -> Join ... -> Filter (WHERE) ->
// Aggregate -> Filter (HAVING) -> Project -> Distinct -> Sort -> Limit (TOP / OFFSET). The
// planner's rules make it fast; the binder does not optimise.
//
// Errors (Status codes; every message names the place as "line L, column C: ..." followed by the
// query's line and a caret under the offending name, as the parser's syntax errors do):
//  - NotFound: "no table psfFlux in dp02_dc2_catalogs; did you mean ForcedSource?",
//    "no column psfMag in dp02_dc2_catalogs.ForcedSource; did you mean psfFlux?",
//    unknown function (from the registry, with its suggestion);
//  - InvalidArgument: ambiguous column or table, wrong argument type or count, an ungrouped
//    column beside an aggregate, aggregates where none may be, a set operation of unequal
//    widths, ORDER BY position out of range, a scalar subquery of several columns, ...;
//  - Unsupported: a construct the engine cannot run yet (the message says which).
// When `error` is given, its line, column and message are filled in for errors with a position.
//
// Thread safety: Bind is reentrant; the catalog and the tree are only read.
#pragma once

#include <memory>
#include <string_view>

#include "adql/ast/query.h"
#include "adql/binder/query_catalog.h"
#include "adql/parser/parser.h"
#include "adql/planner/logical_plan.h"
#include "common/status.h"

namespace skyshard::adql {

struct BindOptions {
  // The text the tree was parsed from, to quote the offending line under error messages;
  // empty: messages carry the position only.
  std::string_view query_text;
};

// Binds `query` against `catalog`. Success: the plan, owned by the caller; it refers to
// QueryTables of `catalog`, which must outlive it. Errors: see above.
Result<plan::PlanPtr> Bind(const ast::Query& query, const QueryCatalog& catalog,
                           const BindOptions& options = {}, SyntaxErrorInfo* error = nullptr);

}  // namespace skyshard::adql
