// The node types of the expression evaluator (internal/expression_evaluator.h) and the helpers
// its three source files share: expression_evaluator.cc (columns, constants, operators,
// predicates, CASE, CAST), expression_functions.cc (scalar and geometry functions) and
// expression_subquery.cc (scalar, EXISTS and IN subqueries).
//
// Thread safety: a node belongs to one thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adql/exec/internal/expression_evaluator.h"

namespace skyshard::adql::exec::internal {

class Node {
 public:
  explicit Node(ValueType type) : type_(type) {}
  virtual ~Node() = default;
  // Computes the selected rows of `in` into `out` (see ExpressionEvaluator::Evaluate).
  virtual Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) = 0;
  ValueType type() const { return type_; }

 protected:
  ValueType type_;
};
using NodePtr = std::unique_ptr<Node>;

Result<NodePtr> CompileNode(const plan::Expr& e, ExecContext* ctx);
// REQUIRES: e.kind == kFunction.
Result<NodePtr> CompileFunction(const plan::Expr& e, ExecContext* ctx);
// REQUIRES: e.kind == kSubquery.
Result<NodePtr> CompileSubquery(const plan::Expr& e, ExecContext* ctx);

// True when `e` has the same value for every row: no column, no subquery, no random function.
bool IsConstantExpr(const plan::Expr& e);

// Makes `out` a non-constant vector of `type`, `n` rows, all NULL.
void PrepareOutput(ValueType type, size_t n, EvalVector* out);
// Makes `out` a constant vector holding `v` converted to `type` (NULL stays NULL).
Status SetConstant(const plan::Value& v, ValueType type, EvalVector* out);
// Converts the selected rows of `v` (in place) to `to`, as CAST does (with `cast_length` for
// CHAR(n)/VARCHAR(n)); only relabels when the values need no change. InvalidArgument for a
// value that does not convert.
Status Coerce(EvalVector* v, ValueType to, const Selection& sel, int64_t cast_length = 0);
// The type both sides of a comparison (or IN) are converted to: kBigInt, kDouble, kVarChar or
// kTimestamp; kNull when either is a bare NULL. InvalidArgument for geometry or mixed types
// that do not compare.
Result<ValueType> ComparisonDomain(ValueType a, ValueType b);

// SQL LIKE of `text` against `pattern` ('%' any run, '_' one UTF-8 character, `escape` (0 for
// none) makes the next character literal); `fold` compares ASCII case-insensitively.
bool LikeMatch(std::string_view text, std::string_view pattern, char escape, bool fold);

// Text of a Value for error messages and memo keys.
void AppendKey(const plan::Value& v, std::string* out);

}  // namespace skyshard::adql::exec::internal
