// The transformer: turns a checked ANTLR parse tree of a whole query into skyshard's own syntax
// tree (adql/ast/), the only thing later stages see. Each rule of adql/parser/ADQLParser.g4 maps
// to a node: operator chains to one Binary, UNION / EXCEPT and INTERSECT chains to one
// SetOperation, joins to a left-deep tree of Join, parentheses to nothing (the tree's shape
// keeps them). Positions come from the first token of each construct.
//
// Internal to adql/parser/: uses ANTLR types.
//
// Thread safety: reentrant.
#pragma once

#include <memory>

#include "ADQLParser.h"
#include "adql/ast/query.h"

namespace skyshard::adql::internal {

struct TransformOutcome {
  // The tree; null when it would nest deeper than allowed.
  std::unique_ptr<ast::Query> query;
  // Where the tree first went deeper than `max_depth` (owned by the token stream), or null.
  antlr4::Token* too_deep = nullptr;
};

// Builds the syntax tree of `tree`. Depth is counted as ParseOptions::max_tree_depth says.
// REQUIRES: `tree` is a complete parse (no error nodes) that passed CheckParseTree.
TransformOutcome TransformParseTree(grammar::ADQLParser::QueryContext* tree, int max_depth);

}  // namespace skyshard::adql::internal
