// Nesting scan: a pass over the token list, before parsing, that finds unbalanced parentheses
// and nesting deeper than the limit. Parsing is recursive descent, so bounding the nesting here
// bounds the parser's stack depth and the parse tree's depth; and an unbalanced parenthesis is
// reported at the parenthesis itself rather than wherever the parser gives up.
//
// Internal to adql/parser/: uses ANTLR types.
//
// Thread safety: reentrant.
#pragma once

#include <string>
#include <vector>

#include "antlr4-runtime.h"

namespace skyshard::adql::internal {

enum class NestingProblem { kNone, kUnopenedParen, kUnclosedParen, kTooDeep };

struct NestingResult {
  NestingProblem problem = NestingProblem::kNone;
  antlr4::Token* token = nullptr;  // where; owned by the token stream
};

// Scans `tokens` (the whole, lexed stream). Parentheses and CASE ... END each open a level.
// REQUIRES: max_depth >= 1.
NestingResult ScanNesting(const std::vector<antlr4::Token*>& tokens, int max_depth);

}  // namespace skyshard::adql::internal
