// Name matching for the binder: how a name written in a query (an ast::Identifier, regular or
// delimited) matches a name the catalog or the query itself declares, and "did you mean"
// suggestions for names that match nothing.
//
// ADQL compares regular identifiers case-insensitively and delimited ones ("Object") exactly;
// the declared side's spelling does not matter (a catalog column coord_ra matches coord_ra,
// COORD_RA and "coord_ra", not "COORD_RA").
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adql/ast/node.h"

namespace skyshard::adql::internal {

// True when the written `name` designates the declared name `declared`.
bool NameMatches(const ast::Identifier& name, std::string_view declared);

// The name as written, for messages: delimited names keep their quotes.
std::string Written(const ast::Identifier& name);
std::string Written(const ast::QualifiedName& name);

// Caret width of a written identifier, in code points (quotes included when delimited).
size_t WrittenWidth(const ast::Identifier& name);

// The closest of `candidates` to `name` by edit distance, compared case-insensitively: those at
// the smallest distance, when it is small for the name's length; at most 3, in candidate order,
// without duplicates; failing that, the shortest names that begin like `name` (the same stem:
// psfMag -> psfFlux). Empty when none is close.
std::vector<std::string> Suggest(std::string_view name, const std::vector<std::string>& candidates);

// "; did you mean X?", "; did you mean X or Y?", or "" when `suggestions` is empty.
std::string DidYouMean(const std::vector<std::string>& suggestions);

}  // namespace skyshard::adql::internal
