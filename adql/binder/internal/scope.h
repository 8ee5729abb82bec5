// Name resolution: the columns a query block can name, and how a column reference (bare or
// qualified by a table name or alias) or a `*` / `t.*` finds them.
//
// A FROM clause produces rows (the "FROM row"): the columns of its table references side by
// side, left to right, as the Join operators lay them out. FromScope describes that row: each
// column with its name, type and metadata and the table reference (Range) it comes from, plus
// the columns USING / NATURAL joins coalesce. A BlockScope is one query block's view: its own
// FROM row, then the enclosing blocks' rows for the outer references of a correlated subquery.
//
// Rules (SQL and ADQL):
//  - a bare name must match exactly one column of the innermost block that has it (ambiguous
//    otherwise); a column merged into a USING / NATURAL join column is found by a qualified
//    name only, the join column by the bare name;
//  - a qualifier is a table reference's alias, or (without alias) its table name, optionally
//    schema-qualified; a qualifier matching nothing in a block is looked up in the enclosing
//    blocks;
//  - names compare as names.h says (regular: case-insensitively; delimited: exactly).
//
// Thread safety: plain values, used by one Bind() call.
#pragma once

#include <string>
#include <vector>

#include "adql/ast/expression.h"
#include "adql/binder/internal/bind_context.h"
#include "adql/planner/logical_plan.h"
#include "common/status.h"
#include "storage/catalog.h"

namespace skyshard::adql::internal {

// One column of a FROM row.
struct ScopeColumn {
  plan::OutputColumn meta;  // the name as declared, the type, the metadata
  int range = -1;           // index into FromScope::ranges; -1: a coalesced FULL JOIN column
  bool merged = false;      // merged into a USING/NATURAL column: qualified names only
};

// One table reference of a FROM clause (a table, a derived table, a CTE reference).
struct Range {
  std::string name;          // what qualifies its columns: the alias, else the table's name
  std::string schema;        // a catalog table without alias: its schema (for schema.table.col)
  std::string description;   // for messages: "dp02_dc2_catalogs.Object", "s" (a derived table)
  std::vector<int> columns;  // its columns' positions in the row, in the table's order
};

struct FromScope {
  std::vector<ScopeColumn> columns;  // the row
  std::vector<Range> ranges;
  std::vector<int> star;  // the positions `*` expands to, in order

  // Appends `other` (the right side of a join): its columns follow ours.
  void Append(const FromScope& other);
};

// One query block's names; `outer` is the enclosing block's, for correlated references.
struct BlockScope {
  const FromScope* from = nullptr;
  const BlockScope* outer = nullptr;
  // Depth added when a reference resolves in `outer` (bound_expression.h): 1 when this block
  // is a subquery expression evaluated per outer row; a derived table is part of the enclosing
  // plan and takes its enclosing block's link (outer and step) instead.
  int outer_step = 1;
};

// Where a column reference resolved.
struct ColumnLookup {
  int position = -1;  // in the FROM row of the block it resolved in
  int depth = 0;      // 0: this block; > 0: an enclosing one (Expr::depth)
  const ScopeColumn* column = nullptr;
};

// The output column for a catalog column read unchanged (name, types, VOTable metadata).
plan::OutputColumn OutputColumnOf(const ColumnDef& def);

// Resolves `ref` in `scope` and its enclosing blocks. Errors (positioned at the name):
// NotFound "no column X in T[; did you mean Y?]", "no table T in the FROM clause[; ...]";
// InvalidArgument "column X is ambiguous ...", "table reference T is ambiguous ...".
Result<ColumnLookup> ResolveColumn(BindContext* context, const BlockScope& scope,
                                   const ast::ColumnRef& ref);

// Like ResolveColumn without the errors: the column when `name` (one part) names exactly one
// column of the innermost block, else nullopt-like {position -1}.
ColumnLookup FindBareColumn(const FromScope& from, const ast::Identifier& name,
                            bool* ambiguous = nullptr);

// The positions `qualifier.*` expands to, in the block's own FROM row. Errors: NotFound for a
// qualifier that names no table reference, InvalidArgument for an ambiguous one.
Result<std::vector<int>> ResolveStar(BindContext* context, const FromScope& from,
                                     const ast::QualifiedName& qualifier);

}  // namespace skyshard::adql::internal
