// ADQL parser: turns the text of an ADQL 2.1 query into a parse result, or into a syntax error
// that says where (line, column, a caret under the offending text), what was wrong and what was
// expected. The grammar is adql/parser/ADQLLexer.g4 and ADQLParser.g4 (ANTLR 4); no ANTLR type
// appears in this header. What is accepted and the error format: docs/adql.md.
//
// The parser checks syntax only (plus the few constraints of the ADQL BNF that need no catalog,
// such as which arguments of CIRCLE may be a coordinate system); names and types are the
// binder's job. A successful parse yields the query's syntax tree (adql/ast/), built by the
// transformer (internal/transformer.h); ast::ToAdql (adql/ast/printer.h) prints it back.
//
// Thread safety: Parse() and CheckSyntax() are reentrant and may be called concurrently from any
// number of threads (each call builds its own lexer and parser; ANTLR's shared prediction caches
// are internally synchronised). Results are plain values.
//
// Resources: the input is refused before parsing when it is longer than
// ParseOptions::max_query_bytes or nests parentheses and CASE deeper than
// ParseOptions::max_nesting_depth, so parse time and memory stay bounded and the recursive
// descent stays well inside an 8 MiB thread stack (about 2 MiB at the default depth of 200).
// The syntax tree is refused when it would nest deeper than ParseOptions::max_tree_depth, so
// that the stages that walk it recursively stay within their stack too.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adql/ast/query.h"
#include "common/status.h"

namespace skyshard::adql {

struct ParseOptions {
  // Longer queries are refused (LimitExceeded).
  size_t max_query_bytes = 1 << 20;
  // Parentheses (of any kind: grouping, function calls, subqueries) and CASE ... END nested
  // deeper than this are refused (LimitExceeded). REQUIRES: 1 <= max_nesting_depth <= 1000.
  int max_nesting_depth = 200;
  // When set, a call to a function that is neither an ADQL function nor named here (compared
  // case-insensitively) is an error. Unset (the default): any identifier followed by an
  // argument list is a user-defined function call, left for the binder to resolve.
  std::optional<std::vector<std::string>> known_functions;
  // The syntax tree may nest at most this deep (LimitExceeded beyond, pointing at the first
  // construct past the limit). Each value expression inside another (a parenthesis, a function
  // argument, an operand of a predicate), each condition inside another, each subquery and each
  // JOIN of a chain (a JOIN b JOIN c nests two deep) counts one level; operator chains
  // (a + b + ..., x AND y AND ...) are one node and count one. Queries within
  // max_nesting_depth nest less than 4 levels a parenthesis (raise this with a higher
  // max_nesting_depth). REQUIRES: max_tree_depth >= 1.
  int max_tree_depth = 1000;
};

// Where and what the first error is, for the TAP layer (e.g. a JSON or VOTable error with a
// position). line and column are 1-based; column counts characters (a tab is one column).
struct SyntaxErrorInfo {
  int line = 0;
  int column = 0;
  std::string message;   // what was wrong, e.g. "unexpected 'WHERE'"
  std::string expected;  // readable expected-token list ("FROM or ','"); empty when not useful
  std::string hint;      // a hand-written explanation of a common mistake; may be empty
};

// What a successful parse yields.
struct ParseResult {
  // The syntax tree of the whole query; never null. Owned by the caller.
  std::unique_ptr<ast::Query> query;

  // Names of the user-defined functions the query calls, as written, in order of first
  // appearance, without duplicates (compared case-insensitively).
  std::vector<std::string> user_defined_functions;
};

// Parses `adql`. On success returns the ParseResult. Errors:
//  - SyntaxError: the text is not ADQL 2.1; the message is
//      "line L, column C: <what was wrong>[, expected <...>][; <hint>]\n<the line>\n<caret>"
//  - LimitExceeded: too long, or nested too deeply, in the text or in the syntax tree (same
//    message layout, pointing at the first place past the limit).
//  - Internal: an unexpected failure inside the parser (never thrown through).
// When `error` is not null and the result is an error with a position, *error is filled in.
// No input may crash, hang, or exhaust memory.
Result<ParseResult> Parse(std::string_view adql, const ParseOptions& options = {},
                          SyntaxErrorInfo* error = nullptr);

// Parse() without the result: OK when `adql` is valid ADQL 2.1.
Status CheckSyntax(std::string_view adql, const ParseOptions& options = {});

// True when `name` can be written in a query as it is: a letter, then letters, digits and '_',
// and not a word ADQL reserves (SIZE, VALUE, ...).
bool IsRegularIdentifier(std::string_view name);

// `name` as a query must write it: unchanged when IsRegularIdentifier(name), else in double
// quotes with inner quotes doubled ("size", "Mixed Case"). TAP_SCHEMA and VOSI /tables publish
// names this way, so that a client can paste them into ADQL.
std::string QuoteIdentifierIfNeeded(std::string_view name);

}  // namespace skyshard::adql
