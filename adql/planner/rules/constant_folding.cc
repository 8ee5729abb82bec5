// Constant folding: an operator whose operands are all constants becomes a constant, so that
// later rules see plain numbers (spatial pushdown needs the radius of a cone as a number, key
// lookups need the key) and the executor does not recompute them per row.
//
// Worked example:
//   SELECT * FROM dp02_dc2_catalogs.Object
//   WHERE CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(62.0, -37.0, 1.0 / 60)) = 1 AND 1 = 1
// The binder's filter is
//   ((CONTAINS(POINT(#1, #2), CIRCLE(62, -37, (1 / 60))) = 1) AND (1 = 1))
// and folding gives
//   (CONTAINS(POINT(#1, #2), CIRCLE(62, -37, 0.016666666666666666)) = 1)
// (1 / 60 with a DOUBLE operand is DOUBLE division; `1 = 1` is TRUE and drops out of the AND).
//
// What folds, and only when the value is the one the executor would compute, bit for bit:
//  - integer +, -, *, / (truncating) and unary minus, when the result fits the expression's
//    integer type (else it stays: the executor reports the overflow); no division by zero;
//  - DOUBLE +, -, *, / (IEEE, operands widened to DOUBLE as the executor does); no division by
//    zero; no REAL results (their rounding is the executor's business);
//  - comparisons of two numbers (exact: integers as integers, DOUBLE only when the integer
//    converts exactly), with NULL giving NULL;
//  - NOT, IS [NOT] NULL, CAST of a number to DOUBLE;
//  - AND / OR by three-valued logic: a FALSE operand makes an AND FALSE, a TRUE one drops out
//    (when the rest are BOOLEAN), and the mirror for OR.
// Never folded: functions (RAND and ivo_normal_random are volatile; the others are evaluated
// by the executor's own code, which the planner does not duplicate), strings, subqueries.
#include "adql/planner/rules/constant_folding.h"

#include <cmath>
#include <limits>
#include <utility>

#include "adql/planner/internal/expr_util.h"
#include "adql/planner/internal/plan_util.h"

namespace skyshard::adql::planner {
namespace {

using plan::Op;
using plan::Value;

bool FitsType(int64_t v, ValueType t) {
  switch (t) {
    case ValueType::kSmallInt:
      return v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max();
    case ValueType::kInteger:
      return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
    case ValueType::kBigInt:
      return true;
    default:
      return false;
  }
}

bool IsIntegral(const Value& v) { return IsIntegerType(v.type) || v.type == ValueType::kBoolean; }

// The value as a DOUBLE, when the conversion is exact.
std::optional<double> ExactDouble(const Value& v) {
  if (v.type == ValueType::kDouble || v.type == ValueType::kReal) return v.double_value;
  if (IsIntegral(v)) {
    constexpr int64_t kExact = int64_t{1} << 53;
    if (v.int_value > kExact || v.int_value < -kExact) return std::nullopt;
    return static_cast<double>(v.int_value);
  }
  return std::nullopt;
}

ExprPtr ConstantLike(const Expr& e, Value v) {
  ExprPtr c = Expr::Constant(std::move(v));
  c->position = e.position;
  return c;
}

// Arithmetic on two constants; null when it does not fold.
ExprPtr FoldBinary(const Expr& e) {
  const Value& a = e.args[0]->value;
  const Value& b = e.args[1]->value;
  const bool numeric_args = (IsIntegerType(a.type) || a.type == ValueType::kDouble ||
                             a.type == ValueType::kReal || a.type == ValueType::kNull) &&
                            (IsIntegerType(b.type) || b.type == ValueType::kDouble ||
                             b.type == ValueType::kReal || b.type == ValueType::kNull);
  if (!numeric_args) return nullptr;
  if (e.op != Op::kAdd && e.op != Op::kSubtract && e.op != Op::kMultiply && e.op != Op::kDivide) {
    return nullptr;
  }
  if (a.is_null || b.is_null) {
    if (!IsIntegerType(e.type) && e.type != ValueType::kDouble) return nullptr;
    return ConstantLike(e, Value::Null(e.type));
  }
  if (IsIntegerType(e.type)) {
    if (!IsIntegerType(a.type) || !IsIntegerType(b.type)) return nullptr;
    int64_t r = 0;
    const int64_t x = a.int_value, y = b.int_value;
    switch (e.op) {
      case Op::kAdd:
        if (__builtin_add_overflow(x, y, &r)) return nullptr;
        break;
      case Op::kSubtract:
        if (__builtin_sub_overflow(x, y, &r)) return nullptr;
        break;
      case Op::kMultiply:
        if (__builtin_mul_overflow(x, y, &r)) return nullptr;
        break;
      case Op::kDivide:
        if (y == 0 || (x == std::numeric_limits<int64_t>::min() && y == -1)) return nullptr;
        r = x / y;
        break;
      default:
        return nullptr;
    }
    if (!FitsType(r, e.type)) return nullptr;
    return ConstantLike(e, Value::Int(r, e.type));
  }
  if (e.type != ValueType::kDouble) return nullptr;
  // REAL operands would be widened from float; their value is already a double here, which
  // is the widened value.
  std::optional<double> x = IsIntegerType(a.type)
                                ? std::optional<double>(static_cast<double>(a.int_value))
                                : std::optional<double>(a.double_value);
  std::optional<double> y = IsIntegerType(b.type)
                                ? std::optional<double>(static_cast<double>(b.int_value))
                                : std::optional<double>(b.double_value);
  double r = 0;
  switch (e.op) {
    case Op::kAdd:
      r = *x + *y;
      break;
    case Op::kSubtract:
      r = *x - *y;
      break;
    case Op::kMultiply:
      r = *x * *y;
      break;
    case Op::kDivide:
      if (*y == 0) return nullptr;
      r = *x / *y;
      break;
    default:
      return nullptr;
  }
  if (!std::isfinite(r)) return nullptr;
  return ConstantLike(e, Value::Double(r, ValueType::kDouble));
}

ExprPtr FoldComparison(const Expr& e) {
  const Value& a = e.args[0]->value;
  const Value& b = e.args[1]->value;
  auto numeric = [](const Value& v) {
    return IsIntegral(v) || v.type == ValueType::kDouble || v.type == ValueType::kReal;
  };
  if (a.is_null || b.is_null) {
    if (a.type == ValueType::kVarChar || b.type == ValueType::kVarChar) return nullptr;
    return ConstantLike(e, Value::Null(ValueType::kBoolean));
  }
  if (!numeric(a) || !numeric(b)) return nullptr;
  int cmp = 0;
  if (IsIntegral(a) && IsIntegral(b)) {
    cmp = a.int_value < b.int_value ? -1 : a.int_value > b.int_value ? 1 : 0;
  } else {
    std::optional<double> x = ExactDouble(a), y = ExactDouble(b);
    if (!x.has_value() || !y.has_value() || std::isnan(*x) || std::isnan(*y)) return nullptr;
    cmp = *x < *y ? -1 : *x > *y ? 1 : 0;
  }
  bool r = false;
  switch (e.op) {
    case Op::kEqual:
      r = cmp == 0;
      break;
    case Op::kNotEqual:
      r = cmp != 0;
      break;
    case Op::kLess:
      r = cmp < 0;
      break;
    case Op::kLessEqual:
      r = cmp <= 0;
      break;
    case Op::kGreater:
      r = cmp > 0;
      break;
    case Op::kGreaterEqual:
      r = cmp >= 0;
      break;
    default:
      return nullptr;
  }
  return ConstantLike(e, Value::Boolean(r));
}

bool IsBooleanConstant(const Expr& e) {
  return e.kind == ExprKind::kConstant && (e.value.type == ValueType::kBoolean ||
                                           (e.value.is_null && e.type != ValueType::kVarChar));
}

// AND / OR with constant operands. `*e` is replaced when something folds.
void FoldLogic(ExprPtr* e) {
  Expr& x = **e;
  const bool is_and = x.kind == ExprKind::kAnd;
  // AND: FALSE dominates whatever the others are (three-valued logic), TRUE is neutral; OR
  // the mirror.
  for (const ExprPtr& a : x.args) {
    if (a->kind == ExprKind::kConstant && !a->value.is_null &&
        a->value.type == ValueType::kBoolean && (a->value.int_value != 0) != is_and) {
      *e = ConstantLike(x, Value::Boolean(!is_and));
      return;
    }
  }
  // Dropping neutral operands is only safe when every operand is BOOLEAN: an integer
  // predicate (CONTAINS) left alone would mean something else than inside its AND.
  for (const ExprPtr& a : x.args) {
    if (a->type != ValueType::kBoolean && !IsBooleanConstant(*a)) return;
  }
  std::vector<ExprPtr> kept;
  bool saw_null = false;
  for (ExprPtr& a : x.args) {
    if (a->kind == ExprKind::kConstant) {
      saw_null = saw_null || a->value.is_null;
      continue;  // neutral, or NULL (kept once below)
    }
    kept.push_back(std::move(a));
  }
  if (saw_null) kept.push_back(ConstantLike(x, Value::Null(ValueType::kBoolean)));
  if (kept.empty()) {
    *e = ConstantLike(x, Value::Boolean(is_and));
  } else if (kept.size() == 1) {
    ExprPtr only = std::move(kept[0]);
    *e = std::move(only);
  } else {
    x.args = std::move(kept);
  }
}

bool AllConstant(const Expr& e) {
  for (const ExprPtr& a : e.args) {
    if (a->kind != ExprKind::kConstant) return false;
  }
  return true;
}

}  // namespace

void FoldExpression(ExprPtr* e) {
  Expr& x = **e;
  if (x.kind == ExprKind::kSubquery) {
    for (ExprPtr& a : x.args) FoldExpression(&a);
    return;
  }
  for (ExprPtr& a : x.args) FoldExpression(&a);
  switch (x.kind) {
    case ExprKind::kAnd:
    case ExprKind::kOr:
      FoldLogic(e);
      return;
    case ExprKind::kNot:
      if (IsBooleanConstant(*x.args[0])) {
        const Value& v = x.args[0]->value;
        *e = ConstantLike(
            x, v.is_null ? Value::Null(ValueType::kBoolean) : Value::Boolean(v.int_value == 0));
      }
      return;
    case ExprKind::kIsNull:
      if (x.args[0]->kind == ExprKind::kConstant) {
        *e = ConstantLike(x, Value::Boolean(x.args[0]->value.is_null != x.negated));
      }
      return;
    case ExprKind::kUnary:
      if (x.op == plan::Op::kNegate && AllConstant(x)) {
        const Value& v = x.args[0]->value;
        if (v.is_null) {
          if (IsIntegerType(x.type) || x.type == ValueType::kDouble) {
            *e = ConstantLike(x, Value::Null(x.type));
          }
        } else if (IsIntegerType(x.type) && IsIntegerType(v.type)) {
          if (v.int_value != std::numeric_limits<int64_t>::min() &&
              FitsType(-v.int_value, x.type)) {
            *e = ConstantLike(x, Value::Int(-v.int_value, x.type));
          }
        } else if (x.type == ValueType::kDouble && v.type == ValueType::kDouble) {
          *e = ConstantLike(x, Value::Double(-v.double_value));
        }
      }
      return;
    case ExprKind::kBinary:
      if (AllConstant(x)) {
        if (ExprPtr r = FoldBinary(x)) *e = std::move(r);
      }
      return;
    case ExprKind::kComparison:
      if (AllConstant(x)) {
        if (ExprPtr r = FoldComparison(x)) *e = std::move(r);
      }
      return;
    case ExprKind::kCast:
      if (x.type == ValueType::kDouble && x.args[0]->kind == ExprKind::kConstant) {
        const Value& v = x.args[0]->value;
        if (v.is_null) {
          *e = ConstantLike(x, Value::Null(ValueType::kDouble));
        } else if (IsIntegerType(v.type)) {
          *e = ConstantLike(x, Value::Double(static_cast<double>(v.int_value)));
        } else if (v.type == ValueType::kDouble) {
          *e = ConstantLike(x, Value::Double(v.double_value));
        }
      }
      return;
    default:
      return;
  }
}

void FoldConstants(plan::PlanPtr* plan, const PlannerOptions& options) {
  for (PlanPtr& c : (*plan)->children) FoldConstants(&c, options);
  ForEachExprSlot(**plan, [](ExprPtr& e) { FoldExpression(&e); });
  PlanNode& node = **plan;
  if (node.kind == plan::PlanKind::kFilter && IsTrueConstant(*node.As<plan::Filter>().condition)) {
    PlanPtr child = std::move(node.children[0]);
    *plan = std::move(child);
    return;
  }
  if (node.kind == plan::PlanKind::kScan) {
    auto& s = node.As<plan::Scan>();
    if (s.filter != nullptr && IsTrueConstant(*s.filter)) s.filter = nullptr;
  }
}

}  // namespace skyshard::adql::planner
