// Bound expressions: the typed form of an ADQL value expression or condition, after the binder
// (adql/binder/binder.h) has resolved every name to a column position and every function to its
// registry entry. The planner rewrites them and the executor (adql/exec/) evaluates them over
// column batches.
//
// A bound expression refers to columns by position in the input of the plan operator that owns
// it (a Filter's input, a Project's input, a Join's left columns followed by its right columns,
// ...), never by name. A column of an enclosing query (a correlated subquery's outer reference)
// has depth > 0: depth 1 is the row of the operator that evaluates the subquery expression, one
// level out; depth 2 two levels out, and so on.
//
// Types (ValueType, adql/functions/function_registry.h) follow ADQL: integers widen to BIGINT and
// to DOUBLE; comparisons, logic and predicates are BOOLEAN with SQL three-valued logic (NULL is
// "unknown"); a BOOLEAN compares with the integers 1 and 0 (`detect_isPrimary = 1`); CONTAINS and
// INTERSECTS return INTEGER 1 or 0, as ADQL says.
//
// Ownership: an expression owns its children (unique_ptr); a subquery expression owns its plan.
// Clone() makes a deep copy. Thread safety: plain values; const access from many threads is safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adql/ast/node.h"
#include "adql/functions/function_registry.h"

namespace skyshard::adql::plan {

struct PlanNode;  // adql/planner/logical_plan.h
using PlanPtr = std::unique_ptr<PlanNode>;

// A constant. `type` is the value's type; a NULL keeps the type it was cast or inferred to
// (ValueType::kNull for a bare NULL literal).
struct Value {
  ValueType type = ValueType::kNull;
  bool is_null = true;
  int64_t int_value = 0;     // kSmallInt, kInteger, kBigInt, kBoolean (0/1), kTimestamp (µs)
  double double_value = 0;   // kReal, kDouble
  std::string string_value;  // kVarChar

  static Value Null(ValueType type = ValueType::kNull);
  static Value Int(int64_t v, ValueType type = ValueType::kBigInt);
  static Value Double(double v, ValueType type = ValueType::kDouble);
  static Value String(std::string v);
  static Value Boolean(bool v);

  // ADQL text of the value ("NULL", "42", "1.5", "'text'"), for plans and messages.
  std::string ToString() const;
};

enum class ExprKind {
  kConstant,    // value
  kColumn,      // column, depth
  kUnary,       // op (kNegate, kBitNot), args[0]
  kBinary,      // op (arithmetic, bitwise, concatenation), args[0], args[1]
  kComparison,  // op (kEqual ... kGreaterEqual), args[0], args[1]
  kAnd,         // args (two or more)
  kOr,          // args (two or more)
  kNot,         // args[0]
  kIsNull,      // args[0]; negated for IS NOT NULL
  kLike,        // args[0] LIKE args[1] [ESCAPE args[2]]; negated, case_insensitive
  kInList,      // args[0] IN (args[1], ...); negated
  kCase,        // see below
  kCast,        // args[0]; type (and cast_length for CHAR(n)/VARCHAR(n))
  kFunction,    // function, signature, args: scalar functions, geometry, UDFs (not aggregates)
  kSubquery,    // subquery_mode, subquery (a plan), args[0] for kIn; negated for NOT IN/EXISTS
};

enum class Op {
  kNone,
  // kUnary
  kNegate,
  kBitNot,
  // kBinary
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,  // integer / integer is integer division truncating toward zero, as in SQL
  kBitAnd,
  kBitOr,
  kBitXor,
  kConcat,
  // kComparison
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
};

enum class SubqueryMode {
  kScalar,  // (SELECT one column ...): its single value, NULL when empty, error when > 1 row
  kExists,  // EXISTS (...)
  kIn,      // args[0] IN (SELECT one column ...), with SQL NULL semantics
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// One node of a bound expression tree. Which members mean something depends on `kind` (see
// ExprKind); the others keep their defaults.
struct Expr {
  ExprKind kind = ExprKind::kConstant;
  ValueType type = ValueType::kNull;  // the type of the result
  ast::Position position;             // where the expression's text starts (for errors)

  Value value;  // kConstant

  int column = -1;  // kColumn: the input column's position
  int depth = 0;    // kColumn: 0 for the operator's own input; > 0 for an enclosing query's row

  Op op = Op::kNone;              // kUnary, kBinary, kComparison
  std::vector<ExprPtr> args;      // operands, arguments (see ExprKind)
  bool negated = false;           // kIsNull, kLike, kInList, kSubquery (kExists, kIn)
  bool case_insensitive = false;  // kLike: ILIKE

  // kCase: args hold [operand] (when has_operand) then condition/result pairs, then [else]
  // (when has_else). A simple CASE compares the operand with each condition by `=`.
  bool has_operand = false;
  bool has_else = false;

  int64_t cast_length = 0;  // kCast to CHAR(n)/VARCHAR(n): n; 0 when not given

  // kFunction: the registry's entry and the signature the call bound to (never an aggregate).
  const FunctionInfo* function = nullptr;
  const Signature* signature = nullptr;

  // kSubquery.
  SubqueryMode subquery_mode = SubqueryMode::kScalar;
  PlanPtr subquery;
  bool correlated = false;  // the subquery refers to columns of an enclosing query

  Expr();
  ~Expr();
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  // A deep copy (the subquery plan included).
  ExprPtr Clone() const;

  static ExprPtr Constant(Value v);
  static ExprPtr Column(int index, ValueType type, int depth = 0);
  static ExprPtr Make(ExprKind kind, ValueType type, std::vector<ExprPtr> args, Op op = Op::kNone);
};

// Compact text of an expression for EXPLAIN and plan-shape tests: columns as #index (outer ones
// as #depth.index), constants as ADQL literals, functions by name:
// "CONTAINS(POINT(#1, #2), CIRCLE(10.0, 20.0, 0.1)) = 1", "(#0 > 5 AND #3 IS NOT NULL)".
std::string ToString(const Expr& expr);

}  // namespace skyshard::adql::plan
