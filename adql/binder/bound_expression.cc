#include "adql/binder/bound_expression.h"

#include <charconv>
#include <utility>

#include "adql/planner/logical_plan.h"
#include "common/types.h"

namespace skyshard::adql::plan {

Value Value::Null(ValueType type) {
  Value v;
  v.type = type;
  return v;
}

Value Value::Int(int64_t i, ValueType type) {
  Value v;
  v.type = type;
  v.is_null = false;
  v.int_value = i;
  return v;
}

Value Value::Double(double d, ValueType type) {
  Value v;
  v.type = type;
  v.is_null = false;
  v.double_value = d;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.type = ValueType::kVarChar;
  v.is_null = false;
  v.string_value = std::move(s);
  return v;
}

Value Value::Boolean(bool b) { return Int(b ? 1 : 0, ValueType::kBoolean); }

namespace {

std::string ShortestDouble(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  out += '\'';
  return out;
}

std::string_view OpText(Op op) {
  switch (op) {
    case Op::kNone:
      return "?";
    case Op::kNegate:
    case Op::kSubtract:
      return "-";
    case Op::kBitNot:
      return "~";
    case Op::kAdd:
      return "+";
    case Op::kMultiply:
      return "*";
    case Op::kDivide:
      return "/";
    case Op::kBitAnd:
      return "&";
    case Op::kBitOr:
      return "|";
    case Op::kBitXor:
      return "^";
    case Op::kConcat:
      return "||";
    case Op::kEqual:
      return "=";
    case Op::kNotEqual:
      return "<>";
    case Op::kLess:
      return "<";
    case Op::kLessEqual:
      return "<=";
    case Op::kGreater:
      return ">";
    case Op::kGreaterEqual:
      return ">=";
  }
  return "?";
}

void Append(const Expr& e, std::string* out);

void AppendList(const std::vector<ExprPtr>& args, size_t from, std::string* out) {
  for (size_t i = from; i < args.size(); ++i) {
    if (i > from) *out += ", ";
    Append(*args[i], out);
  }
}

void Append(const Expr& e, std::string* out) {
  switch (e.kind) {
    case ExprKind::kConstant:
      *out += e.value.ToString();
      return;
    case ExprKind::kColumn:
      *out += '#';
      if (e.depth > 0) *out += std::to_string(e.depth) + ".";
      *out += std::to_string(e.column);
      return;
    case ExprKind::kUnary:
      *out += OpText(e.op);
      Append(*e.args[0], out);
      return;
    case ExprKind::kBinary:
    case ExprKind::kComparison:
      *out += '(';
      Append(*e.args[0], out);
      *out += ' ';
      *out += OpText(e.op);
      *out += ' ';
      Append(*e.args[1], out);
      *out += ')';
      return;
    case ExprKind::kAnd:
    case ExprKind::kOr:
      *out += '(';
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i > 0) *out += e.kind == ExprKind::kAnd ? " AND " : " OR ";
        Append(*e.args[i], out);
      }
      *out += ')';
      return;
    case ExprKind::kNot:
      *out += "NOT ";
      Append(*e.args[0], out);
      return;
    case ExprKind::kIsNull:
      Append(*e.args[0], out);
      *out += e.negated ? " IS NOT NULL" : " IS NULL";
      return;
    case ExprKind::kLike:
      Append(*e.args[0], out);
      *out += e.negated ? " NOT" : "";
      *out += e.case_insensitive ? " ILIKE " : " LIKE ";
      Append(*e.args[1], out);
      if (e.args.size() > 2) {
        *out += " ESCAPE ";
        Append(*e.args[2], out);
      }
      return;
    case ExprKind::kInList:
      Append(*e.args[0], out);
      *out += e.negated ? " NOT IN (" : " IN (";
      AppendList(e.args, 1, out);
      *out += ')';
      return;
    case ExprKind::kCase: {
      *out += "CASE";
      size_t i = 0;
      if (e.has_operand) {
        *out += ' ';
        Append(*e.args[i++], out);
      }
      size_t pairs_end = e.args.size() - (e.has_else ? 1 : 0);
      for (; i < pairs_end; i += 2) {
        *out += " WHEN ";
        Append(*e.args[i], out);
        *out += " THEN ";
        Append(*e.args[i + 1], out);
      }
      if (e.has_else) {
        *out += " ELSE ";
        Append(*e.args.back(), out);
      }
      *out += " END";
      return;
    }
    case ExprKind::kCast:
      *out += "CAST(";
      Append(*e.args[0], out);
      *out += " AS ";
      *out += ValueTypeName(e.type);
      if (e.cast_length > 0) *out += "(" + std::to_string(e.cast_length) + ")";
      *out += ')';
      return;
    case ExprKind::kFunction:
      *out += e.function != nullptr ? e.function->name : "?";
      *out += '(';
      AppendList(e.args, 0, out);
      *out += ')';
      return;
    case ExprKind::kSubquery:
      if (e.subquery_mode == SubqueryMode::kIn) {
        Append(*e.args[0], out);
        *out += e.negated ? " NOT IN " : " IN ";
      } else if (e.subquery_mode == SubqueryMode::kExists) {
        *out += e.negated ? "NOT EXISTS " : "EXISTS ";
      }
      *out += e.correlated ? "(correlated subquery)" : "(subquery)";
      return;
  }
}

}  // namespace

std::string Value::ToString() const {
  if (is_null) return "NULL";
  switch (type) {
    case ValueType::kReal:
    case ValueType::kDouble:
      return ShortestDouble(double_value);
    case ValueType::kVarChar:
      return Quote(string_value);
    case ValueType::kBoolean:
      return int_value != 0 ? "TRUE" : "FALSE";
    case ValueType::kTimestamp:
      return "'" + FormatTimestamp(int_value) + "'";
    default:
      return std::to_string(int_value);
  }
}

Expr::Expr() = default;
Expr::~Expr() = default;

ExprPtr Expr::Clone() const {
  auto copy = std::make_unique<Expr>();
  copy->kind = kind;
  copy->type = type;
  copy->position = position;
  copy->value = value;
  copy->column = column;
  copy->depth = depth;
  copy->op = op;
  copy->args.reserve(args.size());
  for (const ExprPtr& a : args) copy->args.push_back(a->Clone());
  copy->negated = negated;
  copy->case_insensitive = case_insensitive;
  copy->has_operand = has_operand;
  copy->has_else = has_else;
  copy->cast_length = cast_length;
  copy->function = function;
  copy->signature = signature;
  copy->subquery_mode = subquery_mode;
  if (subquery != nullptr) copy->subquery = subquery->Clone();
  copy->correlated = correlated;
  return copy;
}

ExprPtr Expr::Constant(Value v) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kConstant;
  e->type = v.type;
  e->value = std::move(v);
  return e;
}

ExprPtr Expr::Column(int index, ValueType type, int depth) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kColumn;
  e->type = type;
  e->column = index;
  e->depth = depth;
  return e;
}

ExprPtr Expr::Make(ExprKind kind, ValueType type, std::vector<ExprPtr> args, Op op) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->type = type;
  e->args = std::move(args);
  e->op = op;
  return e;
}

std::string ToString(const Expr& expr) {
  std::string out;
  Append(expr, &out);
  return out;
}

}  // namespace skyshard::adql::plan
