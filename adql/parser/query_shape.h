// Query shape: the text of an ADQL query with its literals taken out, so that queries that
// differ only in their constants (every cone search a portal sends, every light curve) can share
// one parse (adql/parse_cache.h).
//
// The shape is found by a lexical scan that follows the token rules of ADQLLexer.g4 for what it
// must tell apart: string literals ('...' with '' inside), delimited identifiers ("..." with ""
// inside), '--' comments, regular identifiers (a letter, then letters, digits and '_': the digits
// of g_psfFlux are not a number) and the four kinds of number literal (HEX_LITERAL,
// UNSIGNED_INTEGER, EXACT_DECIMAL, APPROX_NUMBER). It is not a parser: it says nothing of
// whether the text is ADQL. Every literal becomes a marker of its kind in `key`; the numbers
// after TOP and OFFSET are not literals in the grammar (they are part of the clause), so they
// stay in the key as written. Two texts with the same key therefore lex into the same tokens but
// for the literals' values, and a literal keeps its kind (an integer stays an integer).
//
// Thread safety: a pure function.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adql/ast/expression.h"

namespace skyshard::adql {

struct ShapeLiteral {
  ast::LiteralKind kind = ast::LiteralKind::kInteger;
  // What the syntax tree's Literal::text holds for it: numbers as written, strings without
  // their quotes and with '' turned into '.
  std::string text;
  ast::Position position;  // where it starts, as the parser counts (1-based; code points)
  size_t offset = 0;       // where its token starts in the text, in bytes
  size_t length = 0;       // its token's length in bytes (quotes included)
};

struct QueryShape {
  std::string key;
  std::vector<ShapeLiteral> literals;  // in text order
};

// The shape of `adql`, or nullopt when the text has something the scan does not model (an
// unterminated string or delimited identifier, a number run into letters such as 10AND, a
// control byte used as a marker): such a query is simply parsed every time.
std::optional<QueryShape> ShapeOf(std::string_view adql);

}  // namespace skyshard::adql
