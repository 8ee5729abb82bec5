// Located error messages in the text of an ADQL query, in the one layout docs/adql.md gives:
//
//   line L, column C: <what was wrong>[, expected <...>][; <hint>]
//   <the query's line L>
//   <a caret under the offending text>
//
// Shared by the parser (syntax errors, adql/parser/parser.h) and the binder (unknown names,
// type errors, adql/binder/binder.h), so that every error of a query reads alike.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "adql/parser/parser.h"

namespace skyshard::adql {

// Where an error is: 1-based line, 0-based column in code points, caret width in code points.
struct ErrorSite {
  size_t line = 1;
  size_t column0 = 0;
  size_t width = 1;
};

// "line L, column C: <message>[, expected <expected>][; <hint>]\n<source line>\n<caret>"
// (a long line is cut to a window around the column; tabs are repeated in the caret line so
// that the caret lines up in a terminal), and fills `info` (line, column, message, expected,
// hint) when it is not null. A site past the end of its line points just after it.
std::string FormatError(std::string_view source, const ErrorSite& site, const std::string& message,
                        const std::string& expected, const std::string& hint,
                        SyntaxErrorInfo* info);

}  // namespace skyshard::adql
