// Every literal of a syntax tree, for the parse cache (adql/parse_cache.h), which puts the
// constants of a new query into a tree parsed from another query of the same shape.
//
// Thread safety: reads and returns pointers into `query`; the caller owns the tree.
#pragma once

#include <vector>

#include "adql/ast/query.h"

namespace skyshard::adql::ast {

// The Literal nodes of `query` (NULL included), sorted by their position in the text.
std::vector<Literal*> CollectLiterals(Query& query);

}  // namespace skyshard::adql::ast
