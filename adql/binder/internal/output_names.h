// Output column names the user did not write: the name of a select-list expression without an
// alias, and unique names for the final result.
//
// Choice: the final result's names are made unique (a later duplicate gets "_2", "_3", ...,
// compared case-insensitively, the first keeps its name), because VOTable readers (astropy,
// pyvo) and CSV consumers key columns by name and would silently rename or drop one.
// Intermediate results (derived tables, CTEs, subqueries) keep duplicates, as SQL does;
// referring to such a name is then an ambiguity error.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "adql/ast/expression.h"
#include "adql/planner/logical_plan.h"

namespace skyshard::adql::internal {

// The name of the `index`-th (0-based) select item `expression`, which has no alias and is not
// a bare column: the function's name in lower case for a call ("count", "avg", "distance",
// "ivo_healpix_index"), else "col<index + 1>".
std::string GeneratedName(const ast::Expression& expression, size_t index);

// Renames later duplicates in `columns` (see above).
void MakeNamesUnique(std::vector<plan::OutputColumn>* columns);

}  // namespace skyshard::adql::internal
