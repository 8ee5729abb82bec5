// The expression evaluator: compiles a bound expression (adql/binder/bound_expression.h) into a
// tree of vectorised nodes and evaluates it over ColumnBatches, a whole column at a time.
//
// Values: numbers, text and booleans (0/1 integers) as in ColumnVector, with a NULL flag per row;
// geometry values as Geometry (internal/geometry.h), which leave the evaluator as STC-S text.
// A constant (or an expression of constants, folded on first use) is a vector of one value.
//
// Evaluation takes a selection: only the selected rows are computed (the others are NULL).
// AND, OR, CASE and COALESCE evaluate their later operands only on the rows that still need
// them, so `x <> 0 AND y / x > 1` and `CASE WHEN x = 0 THEN NULL ELSE 1 / x END` never divide by
// zero.
//
// Semantics (PostgreSQL's unless said): SQL three-valued logic; integer arithmetic checks
// overflow ("bigint out of range"); integer / integer truncates toward zero; a division (or MOD)
// by zero is an error ("division by zero") for integers and for floating point alike; a math
// function outside its domain (LOG of 0, SQRT of -1, ACOS of 2) gives NULL, not an error, so
// that one bad row does not fail a query; NaN compares equal to itself and larger than every
// number; text compares bytewise.
//
// Thread safety: an ExpressionEvaluator belongs to one thread (it keeps per-query caches:
// constant regions, compiled LIKE patterns, IN-list sets, correlated subquery results).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "adql/binder/bound_expression.h"
#include "adql/exec/internal/exec_context.h"
#include "adql/exec/internal/geometry.h"
#include "common/column_batch.h"
#include "common/status.h"

namespace skyshard::adql::exec {

// The physical form of a ValueType's values in an EvalVector.
enum class VPhys : uint8_t { kInt, kDouble, kString, kGeo };
VPhys VPhysOf(ValueType t);

// The values of one expression over the rows of a batch.
struct EvalVector {
  ValueType type = ValueType::kNull;
  bool constant = false;              // one value (index 0) for every row
  ColumnVector owned;                 // values and nulls when `ref` is null
  const ColumnVector* ref = nullptr;  // a column of the input batch, used in place
  std::vector<Geometry> geo;          // geometry types: the values (nulls in owned.nulls)

  const ColumnVector& col() const { return ref != nullptr ? *ref : owned; }
  size_t Index(size_t i) const { return constant ? 0 : i; }
  bool IsNull(size_t i) const { return col().nulls[Index(i)] != 0; }
};

// The rows of a batch an evaluation computes: all `n`, or rows[0..count) (ascending).
struct Selection {
  size_t n = 0;
  const uint32_t* rows = nullptr;
  size_t count = 0;

  static Selection All(size_t n) { return Selection{n, nullptr, n}; }
  static Selection Of(size_t n, const std::vector<uint32_t>& rows) {
    return Selection{n, rows.data(), rows.size()};
  }
  bool all() const { return rows == nullptr; }
  template <typename F>
  void ForEach(F&& f) const {
    if (rows == nullptr) {
      for (size_t i = 0; i < n; ++i) f(i);
    } else {
      for (size_t k = 0; k < count; ++k) f(static_cast<size_t>(rows[k]));
    }
  }
};

namespace internal {
class Node;
}

class ExpressionEvaluator {
 public:
  // Compiles `expr`. `ctx` (for correlated column references and subqueries) must outlive the
  // evaluator. Errors: Unsupported for a function the engine cannot evaluate
  // (ivo_geom_transform, ...), InvalidArgument for a malformed expression.
  static Result<std::unique_ptr<ExpressionEvaluator>> Compile(const plan::Expr& expr,
                                                              ExecContext* ctx);
  ~ExpressionEvaluator();

  ValueType type() const { return type_; }

  // Evaluates over the selected rows of `batch`. `out` may refer to a column of `batch`: it is
  // valid while `batch` is unchanged. Errors: InvalidArgument for data errors (division by
  // zero, overflow, a bad cast), Cancelled, LimitExceeded, the store's errors (subqueries).
  Status Evaluate(const ColumnBatch& batch, const Selection& sel, EvalVector* out);
  Status Evaluate(const ColumnBatch& batch, EvalVector* out) {
    return Evaluate(batch, Selection::All(batch.num_rows), out);
  }
  // The values as a column of type StorageTypeOf(type()) (or the input column's own type when
  // the expression is a column), batch.num_rows long; geometry as STC-S text.
  Status EvaluateColumn(const ColumnBatch& batch, ColumnVector* out);
  // The rows (ascending) of `sel` for which the predicate is true: not NULL and not 0.
  Status Select(const ColumnBatch& batch, const Selection& sel, std::vector<uint32_t>* rows);

 private:
  ExpressionEvaluator() = default;
  std::unique_ptr<internal::Node> root_;
  ValueType type_ = ValueType::kNull;
  EvalVector scratch_;
};

// Copies the values of `v` for rows [0, n) into `out` as a column of type
// StorageTypeOf(v.type) (geometry as STC-S text), expanding a constant.
void MaterializeColumn(const EvalVector& v, size_t n, ColumnVector* out);
// Row `row` of `v` as a Value of v.type (geometry as its STC-S text, type VARCHAR).
plan::Value ValueAt(const EvalVector& v, size_t row);
// Row `row` of a batch column as a Value.
plan::Value ValueOfColumn(const ColumnVector& c, size_t row);

}  // namespace skyshard::adql::exec
