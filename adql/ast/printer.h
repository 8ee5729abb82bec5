// ADQL text from a syntax tree (adql/ast/): the inverse of the parser. Parsing the printed text
// gives back an equal tree (adql/ast/equality.h), and printing is a fixed point:
// ToAdql(Parse(ToAdql(t))) == ToAdql(t). Used for logs, error messages and queries rewritten for
// another service.
//
// The text is on one line; keywords are in upper case; names are printed as written, in double
// quotes when they were delimited (or when they could not be read as a regular identifier);
// strings in single quotes with ' doubled; numbers as written. Parentheses only where the
// grammar needs them: around an operand that binds less tightly than its operator, or that is an
// operator chain of the same precedence (so `(a - b) + c` keeps its parentheses and `a - b + c`
// has none), and around a join that is the right operand of a join.
//
// A regular identifier that happens to be a reserved word (a name set by a program) is printed
// as it is and will not read back; such names must be marked delimited.
//
// Thread safety: reentrant; the tree is only read.
#pragma once

#include <string>

#include "adql/ast/expression.h"
#include "adql/ast/query.h"

namespace skyshard::adql::ast {

// The ADQL text of `query`. REQUIRES: the tree is well formed (the REQUIRES of each node hold).
std::string ToAdql(const Query& query);

// The ADQL text of `expression`, as it would appear in a select list or a WHERE clause.
std::string ToAdql(const Expression& expression);

}  // namespace skyshard::adql::ast
