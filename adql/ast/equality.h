// Structural equality of ADQL syntax trees (adql/ast/), ignoring source positions: two trees are
// equal when they have the same shape, kinds, operators, flags, names (compared exactly, with
// their delimited flags) and literal texts. Used by the parse -> print -> parse tests and by
// anything that needs to recognise a repeated expression (GROUP BY items in the select list).
//
// Thread safety: reentrant; the trees are only read.
#pragma once

#include "adql/ast/expression.h"
#include "adql/ast/query.h"

namespace skyshard::adql::ast {

// True when `a` and `b` are the same tree apart from positions.
bool Equal(const Query& a, const Query& b);
bool Equal(const Expression& a, const Expression& b);
bool Equal(const TableRef& a, const TableRef& b);

}  // namespace skyshard::adql::ast
