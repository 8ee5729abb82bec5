// The binder's typing rules for operators and for values that meet (CASE branches, set
// operation columns, comparison operands), after ADQL 2.1 section 2.3 and SQL:
//  - numbers: SMALLINT < INTEGER < BIGINT < REAL < DOUBLE PRECISION; two numbers meet in the
//    wider type, except that REAL with an integer meets in DOUBLE PRECISION (an integer does
//    not fit a REAL's 24-bit mantissa) and arithmetic on SMALLINTs is done in INTEGER;
//  - a bare NULL meets anything, in the other type;
//  - other types meet only themselves (VARCHAR, TIMESTAMP, BOOLEAN, each geometry type).
//
// Thread safety: pure functions.
#pragma once

#include <optional>

#include "adql/ast/expression.h"
#include "adql/functions/function_registry.h"

namespace skyshard::adql::internal {

// True for SMALLINT, INTEGER and BIGINT.
bool IsInteger(ValueType t);

// The type in which values of types `a` and `b` meet (see above); nullopt when they do not.
std::optional<ValueType> CommonType(ValueType a, ValueType b);

// The result type of `a <op> b` for the arithmetic operators + - * /. REQUIRES: both numeric or
// NULL.
ValueType ArithmeticType(ValueType a, ValueType b);

// True when values of the two types may be compared (=, <, IN, ...) as they are: two numbers,
// two equal non-geometry types, or a NULL with anything.
bool Comparable(ValueType a, ValueType b);

// The type ADQL's CAST gives (CHAR(n) and VARCHAR(n) are VARCHAR).
ValueType CastTargetType(ast::CastType type);

}  // namespace skyshard::adql::internal
