#include "adql/binder/internal/expression_binder.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <utility>

#include "adql/binder/internal/expr_tree.h"
#include "adql/binder/internal/names.h"
#include "adql/binder/internal/query_binder.h"
#include "adql/binder/internal/type_rules.h"
#include "adql/binder/internal/units.h"
#include "common/ascii.h"
#include "common/types.h"

namespace skyshard::adql::internal {

namespace {

using plan::Expr;
using plan::ExprKind;
using plan::ExprPtr;
using plan::Op;
using plan::Value;

// The clause name that marks an aggregate's own argument (where another aggregate is nested).
constexpr char kAggregateArgument[] = "an aggregate's argument";

std::string TypeName(ValueType t) { return std::string(ValueTypeName(t)); }

ExprPtr At(ExprPtr e, ast::Position position) {
  e->position = position;
  return e;
}

ExprPtr Make(ExprKind kind, ValueType type, std::vector<ExprPtr> args, ast::Position position,
             Op op = Op::kNone) {
  return At(Expr::Make(kind, type, std::move(args), op), position);
}

std::vector<ExprPtr> Args(ExprPtr a) {
  std::vector<ExprPtr> args;
  args.push_back(std::move(a));
  return args;
}

std::vector<ExprPtr> Args(ExprPtr a, ExprPtr b) {
  std::vector<ExprPtr> args;
  args.push_back(std::move(a));
  args.push_back(std::move(b));
  return args;
}

bool IsConstant(const Expr& e) { return e.kind == ExprKind::kConstant; }

bool IsNullOr(ValueType t, bool (*pred)(ValueType)) { return t == ValueType::kNull || pred(t); }

bool IsString(ValueType t) { return t == ValueType::kVarChar; }

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

Op ComparisonOp(ast::BinaryOperator op) {
  switch (op) {
    case ast::BinaryOperator::kEqual:
      return Op::kEqual;
    case ast::BinaryOperator::kNotEqual:
      return Op::kNotEqual;
    case ast::BinaryOperator::kLess:
      return Op::kLess;
    case ast::BinaryOperator::kGreater:
      return Op::kGreater;
    case ast::BinaryOperator::kLessEqual:
      return Op::kLessEqual;
    case ast::BinaryOperator::kGreaterEqual:
      return Op::kGreaterEqual;
    default:
      return Op::kNone;
  }
}

Op ArithmeticOp(ast::BinaryOperator op) {
  switch (op) {
    case ast::BinaryOperator::kAdd:
      return Op::kAdd;
    case ast::BinaryOperator::kSubtract:
      return Op::kSubtract;
    case ast::BinaryOperator::kMultiply:
      return Op::kMultiply;
    case ast::BinaryOperator::kDivide:
      return Op::kDivide;
    case ast::BinaryOperator::kBitAnd:
      return Op::kBitAnd;
    case ast::BinaryOperator::kBitOr:
      return Op::kBitOr;
    case ast::BinaryOperator::kBitXor:
      return Op::kBitXor;
    case ast::BinaryOperator::kConcat:
      return Op::kConcat;
    default:
      return Op::kNone;
  }
}

// The aggregate function of a registry aggregate, or nullopt for one the plan cannot express.
std::optional<plan::AggregateFunction> AggregateOf(const FunctionInfo& info, bool count_star) {
  const std::string& n = info.name;
  if (n == "COUNT") {
    return count_star ? plan::AggregateFunction::kCountStar : plan::AggregateFunction::kCount;
  }
  if (n == "SUM") return plan::AggregateFunction::kSum;
  if (n == "AVG") return plan::AggregateFunction::kAvg;
  if (n == "MIN") return plan::AggregateFunction::kMin;
  if (n == "MAX") return plan::AggregateFunction::kMax;
  return std::nullopt;
}

bool SameCall(const plan::AggregateCall& a, const plan::AggregateCall& b) {
  if (a.function != b.function || a.distinct != b.distinct || a.type != b.type) return false;
  if ((a.argument == nullptr) != (b.argument == nullptr)) return false;
  return a.argument == nullptr || SameExpr(*a.argument, *b.argument);
}

// For a geometry function whose arguments did not fit: the signature the call fits when its
// VARCHAR arguments are regions, after wrapping them in REGION(...); an error (and `args`,
// `types` unchanged) when there is none.
Result<const Signature*> RetryWithRegions(const FunctionInfo& info, std::vector<ExprPtr>* args,
                                          std::vector<ValueType>* types) {
  const FunctionRegistry& registry = FunctionRegistry::Default();
  bool geometric = false;
  for (const Signature& s : info.signatures) {
    for (const Param& p : s.params) geometric = geometric || IsGeometry(p.type);
  }
  std::vector<ValueType> as_region = *types;
  bool changed = false;
  for (ValueType& t : as_region) {
    if (t == ValueType::kVarChar) {
      t = ValueType::kRegion;
      changed = true;
    }
  }
  const FunctionInfo* region = registry.Find("REGION");
  if (!geometric || !changed || region == nullptr) return Status::NotFound("no retry");
  Result<const Signature*> signature = registry.Resolve(info.name, as_region);
  Result<const Signature*> region_signature = registry.Resolve("REGION", {ValueType::kVarChar});
  if (!signature.ok() || !region_signature.ok()) return Status::NotFound("no retry");
  for (size_t i = 0; i < args->size(); ++i) {
    if ((*types)[i] != ValueType::kVarChar) continue;
    ExprPtr& arg = (*args)[i];
    const ast::Position p = arg->position;
    arg = Make(ExprKind::kFunction, ValueType::kRegion, Args(std::move(arg)), p);
    arg->function = region;
    arg->signature = *region_signature;
  }
  *types = std::move(as_region);
  return signature;
}

constexpr char kTimestampForms[] =
    "write 'YYYY-MM-DD', 'YYYY-MM-DDThh:mm[:ss[.ffffff]]' or the same with a space for T";

}  // namespace

ExpressionBinder::ExpressionBinder(BindContext* context, const BlockScope* scope,
                                   AggregateSink* aggregates, std::string clause)
    : context_(context), scope_(scope), aggregates_(aggregates), clause_(std::move(clause)) {}

Result<ExprPtr> ExpressionBinder::Bind(const ast::Expression& expression) {
  return BindNode(expression);
}

Result<ExprPtr> ExpressionBinder::BindCondition(const ast::Expression& expression,
                                                const std::string& what) {
  SKY_ASSIGN_OR_RETURN(ExprPtr e, BindNode(expression));
  return AsCondition(std::move(e), expression.position, what);
}

Result<ExprPtr> ExpressionBinder::AsCondition(ExprPtr e, ast::Position position,
                                              const std::string& what) {
  if (e->type == ValueType::kBoolean || e->type == ValueType::kNull) return e;
  if (e->kind == ExprKind::kFunction && e->function != nullptr &&
      e->function->kind == FunctionKind::kGeometryPredicate) {
    // ADQL writes `CONTAINS(...) = 1`; a bare CONTAINS is accepted as that.
    ast::Position p = e->position;
    return Make(ExprKind::kComparison, ValueType::kBoolean,
                Args(std::move(e), At(Expr::Constant(Value::Int(1, ValueType::kInteger)), p)), p,
                Op::kEqual);
  }
  std::string message = what + " must be a condition (true or false), got " + TypeName(e->type);
  if (IsNumeric(e->type)) message += "; compare it with a value, e.g. `... = 1`";
  return context_->Invalid(position, 1, message);
}

Result<ExprPtr> ExpressionBinder::BindNode(const ast::Expression& e) {
  BindContext::DepthGuard guard(context_);
  if (guard.Exceeded()) return context_->DepthError(e.position);
  switch (e.kind()) {
    case ast::ExpressionKind::kLiteral:
      return BindLiteral(e.As<ast::Literal>());
    case ast::ExpressionKind::kColumnRef:
      return BindColumn(e.As<ast::ColumnRef>());
    case ast::ExpressionKind::kUnary:
      return BindUnary(e.As<ast::Unary>());
    case ast::ExpressionKind::kBinary:
      return BindBinary(e.As<ast::Binary>());
    case ast::ExpressionKind::kBetween:
      return BindBetween(e.As<ast::Between>());
    case ast::ExpressionKind::kLike:
      return BindLike(e.As<ast::Like>());
    case ast::ExpressionKind::kIn:
      return BindIn(e.As<ast::In>());
    case ast::ExpressionKind::kExists:
      return BindSubquery(*e.As<ast::Exists>().subquery, e.position, plan::SubqueryMode::kExists);
    case ast::ExpressionKind::kIsNull: {
      const auto& is_null = e.As<ast::IsNull>();
      SKY_ASSIGN_OR_RETURN(ExprPtr operand, BindNode(*is_null.operand));
      ExprPtr out =
          Make(ExprKind::kIsNull, ValueType::kBoolean, Args(std::move(operand)), e.position);
      out->negated = is_null.negated;
      return out;
    }
    case ast::ExpressionKind::kSubquery:
      return BindSubquery(*e.As<ast::SubqueryExpression>().subquery, e.position,
                          plan::SubqueryMode::kScalar);
    case ast::ExpressionKind::kCase:
      return BindCase(e.As<ast::Case>());
    case ast::ExpressionKind::kCast:
      return BindCast(e.As<ast::Cast>());
    case ast::ExpressionKind::kFunctionCall:
      return BindFunction(e.As<ast::FunctionCall>());
  }
  return context_->Error(StatusCode::kInternal, e.position, 1, "unknown expression kind");
}

// ---- Literals and columns ------------------------------------------------------------------

Result<ExprPtr> ExpressionBinder::BindLiteral(const ast::Literal& literal) {
  const std::string& text = literal.text;
  const size_t width = std::max<size_t>(1, CodePoints(text));
  switch (literal.literal_kind) {
    case ast::LiteralKind::kNull:
      return At(Expr::Constant(Value::Null()), literal.position);
    case ast::LiteralKind::kString:
      return At(Expr::Constant(Value::String(text)), literal.position);
    case ast::LiteralKind::kInteger: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size()) {
        return context_->Invalid(literal.position, width,
                                 "integer " + text +
                                     " is out of range (BIGINT holds up to 9223372036854775807); "
                                     "write it as a decimal, e.g. " +
                                     text + ".0");
      }
      const ValueType type =
          v <= std::numeric_limits<int32_t>::max() ? ValueType::kInteger : ValueType::kBigInt;
      return At(Expr::Constant(Value::Int(v, type)), literal.position);
    }
    case ast::LiteralKind::kHexInteger: {
      std::string_view digits = std::string_view(text).substr(std::min<size_t>(2, text.size()));
      while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
      uint64_t u = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), u, 16);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
        return context_->Invalid(literal.position, width,
                                 "hexadecimal integer " + text + " does not fit 64 bits");
      }
      // Beyond INT64_MAX a hexadecimal literal is the 64-bit pattern (flag masks).
      const auto v = static_cast<int64_t>(u);
      const ValueType type = u <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max())
                                 ? ValueType::kInteger
                                 : ValueType::kBigInt;
      return At(Expr::Constant(Value::Int(v, type)), literal.position);
    }
    case ast::LiteralKind::kExactDecimal:
    case ast::LiteralKind::kApproximate: {
      errno = 0;
      char* end = nullptr;
      const double d = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size() || !std::isfinite(d)) {
        return context_->Invalid(literal.position, width,
                                 "number " + text + " is out of the range of DOUBLE PRECISION");
      }
      return At(Expr::Constant(Value::Double(d)), literal.position);
    }
  }
  return context_->Error(StatusCode::kInternal, literal.position, width, "unknown literal");
}

Result<ExprPtr> ExpressionBinder::BindColumn(const ast::ColumnRef& ref) {
  SKY_ASSIGN_OR_RETURN(ColumnLookup found, ResolveColumn(context_, *scope_, ref));
  return At(Expr::Column(found.position, found.column->meta.type, found.depth), ref.position);
}

// ---- Operators -----------------------------------------------------------------------------

Result<ExprPtr> ExpressionBinder::BindUnary(const ast::Unary& unary) {
  SKY_ASSIGN_OR_RETURN(ExprPtr operand, BindNode(*unary.operand));
  const ValueType t = operand->type;
  switch (unary.op) {
    case ast::UnaryOperator::kPlus:
      if (!IsNullOr(t, IsNumeric)) {
        return context_->Invalid(unary.position, 1, "unary + needs a number, got " + TypeName(t));
      }
      return operand;
    case ast::UnaryOperator::kMinus:
      if (!IsNullOr(t, IsNumeric)) {
        return context_->Invalid(unary.position, 1, "unary - needs a number, got " + TypeName(t));
      }
      // A negative number is a constant (`coord_dec > -30` compares with a constant).
      if (IsConstant(*operand) && !operand->value.is_null) {
        Value v = operand->value;
        if (IsInteger(t)) {
          if (v.int_value == std::numeric_limits<int64_t>::min()) {
            return context_->Invalid(unary.position, 1, "integer out of range");
          }
          v.int_value = -v.int_value;
        } else {
          v.double_value = -v.double_value;
        }
        return At(Expr::Constant(std::move(v)), unary.position);
      }
      return Make(ExprKind::kUnary, t == ValueType::kSmallInt ? ValueType::kInteger : t,
                  Args(std::move(operand)), unary.position, Op::kNegate);
    case ast::UnaryOperator::kBitNot:
      if (!IsNullOr(t, IsInteger)) {
        return context_->Invalid(unary.position, 1, "~ needs an integer, got " + TypeName(t));
      }
      return Make(ExprKind::kUnary, t == ValueType::kSmallInt ? ValueType::kInteger : t,
                  Args(std::move(operand)), unary.position, Op::kBitNot);
    case ast::UnaryOperator::kNot: {
      SKY_ASSIGN_OR_RETURN(
          operand, AsCondition(std::move(operand), unary.operand->position, "the operand of NOT"));
      if (operand->kind == ExprKind::kSubquery &&
          operand->subquery_mode == plan::SubqueryMode::kExists) {
        operand->negated = !operand->negated;
        operand->position = unary.position;
        return operand;
      }
      return Make(ExprKind::kNot, ValueType::kBoolean, Args(std::move(operand)), unary.position);
    }
  }
  return context_->Error(StatusCode::kInternal, unary.position, 1, "unknown unary operator");
}

Result<ExprPtr> ExpressionBinder::BindBinary(const ast::Binary& binary) {
  if (binary.operands.size() < 2 || binary.operators.size() + 1 != binary.operands.size()) {
    return context_->Error(StatusCode::kInternal, binary.position, 1, "malformed operator chain");
  }
  const ast::BinaryOperator first = binary.operators[0];
  if (first == ast::BinaryOperator::kAnd || first == ast::BinaryOperator::kOr) {
    const ExprKind kind = first == ast::BinaryOperator::kAnd ? ExprKind::kAnd : ExprKind::kOr;
    const std::string what =
        std::string("an operand of ") + (kind == ExprKind::kAnd ? "AND" : "OR");
    std::vector<ExprPtr> args;
    for (const ast::ExpressionPtr& operand : binary.operands) {
      SKY_ASSIGN_OR_RETURN(ExprPtr e, BindCondition(*operand, what));
      if (e->kind == kind) {  // (a AND b) AND c is one AND of three
        for (ExprPtr& inner : e->args) args.push_back(std::move(inner));
      } else {
        args.push_back(std::move(e));
      }
    }
    return Make(kind, ValueType::kBoolean, std::move(args), binary.position);
  }
  // A chain of n operators is n levels deep once bound (a - b - c is ((a - b) - c)): bound the
  // depth while folding, where it grows beyond the syntax tree's, so that no tree built here
  // (nor any later recursive walk over it: planner, executor, destruction) outgrows its stack.
  SKY_ASSIGN_OR_RETURN(ExprPtr acc, BindNode(*binary.operands[0]));
  int depth = ExprDepth(*acc, kMaxBindDepth);
  for (size_t i = 0; i < binary.operators.size(); ++i) {
    SKY_ASSIGN_OR_RETURN(ExprPtr right, BindNode(*binary.operands[i + 1]));
    depth = std::max(depth, ExprDepth(*right, kMaxBindDepth)) + 1;
    if (depth > kMaxBindDepth) {
      return context_->Error(StatusCode::kLimitExceeded, binary.position, 1,
                             "the expression is too long: more than " +
                                 std::to_string(kMaxBindDepth) + " nested operations");
    }
    const ast::Position op_position = i < binary.operator_positions.size()
                                          ? binary.operator_positions[i]
                                          : binary.operands[i + 1]->position;
    SKY_ASSIGN_OR_RETURN(
        acc, BindOperator(binary.operators[i], op_position, std::move(acc), std::move(right)));
    acc->position = binary.position;
  }
  return acc;
}

Result<ExprPtr> ExpressionBinder::BindOperator(ast::BinaryOperator op, ast::Position op_position,
                                               ExprPtr left, ExprPtr right) {
  const std::string spelling(ast::Spelling(op));
  const size_t width = spelling.size();
  const Op comparison = ComparisonOp(op);
  if (comparison != Op::kNone) {
    SKY_RETURN_IF_ERROR(Coerce(&left, &right, op_position, spelling));
    return Make(ExprKind::kComparison, ValueType::kBoolean, Args(std::move(left), std::move(right)),
                op_position, comparison);
  }
  const Op arithmetic = ArithmeticOp(op);
  const ValueType lt = left->type;
  const ValueType rt = right->type;
  const std::string got = TypeName(lt) + " and " + TypeName(rt);
  switch (arithmetic) {
    case Op::kAdd:
    case Op::kSubtract:
    case Op::kMultiply:
    case Op::kDivide:
      if (!IsNullOr(lt, IsNumeric) || !IsNullOr(rt, IsNumeric)) {
        return context_->Invalid(op_position, width,
                                 "operator " + spelling + " needs numbers, got " + got);
      }
      return Make(ExprKind::kBinary, ArithmeticType(lt, rt),
                  Args(std::move(left), std::move(right)), op_position, arithmetic);
    case Op::kBitAnd:
    case Op::kBitOr:
    case Op::kBitXor:
      if (!IsNullOr(lt, IsInteger) || !IsNullOr(rt, IsInteger)) {
        return context_->Invalid(op_position, width,
                                 "operator " + spelling + " needs integers, got " + got);
      }
      return Make(ExprKind::kBinary, ArithmeticType(lt, rt),
                  Args(std::move(left), std::move(right)), op_position, arithmetic);
    case Op::kConcat:
      if (!IsNullOr(lt, IsString) || !IsNullOr(rt, IsString)) {
        return context_->Invalid(
            op_position, width,
            "operator || needs strings, got " + got + "; convert a number with CAST(x AS VARCHAR)");
      }
      return Make(ExprKind::kBinary, ValueType::kVarChar, Args(std::move(left), std::move(right)),
                  op_position, arithmetic);
    default:
      break;
  }
  return context_->Invalid(op_position, width, "operator " + spelling + " is not allowed here");
}

Status ExpressionBinder::Coerce(ExprPtr* left, ExprPtr* right, ast::Position position,
                                const std::string& what) {
  const ValueType lt = (*left)->type;
  const ValueType rt = (*right)->type;
  if (Comparable(lt, rt)) return Status::OK();

  // A BOOLEAN meets the integers 1 and 0 as TRUE and FALSE.
  auto to_boolean = [](ExprPtr* side) {
    const Expr& e = **side;
    if (!IsConstant(e) || e.value.is_null || !IsInteger(e.type) ||
        (e.value.int_value != 0 && e.value.int_value != 1)) {
      return false;
    }
    ast::Position p = e.position;
    *side = At(Expr::Constant(Value::Boolean(e.value.int_value == 1)), p);
    return true;
  };
  if (lt == ValueType::kBoolean && IsNumeric(rt)) {
    if (to_boolean(right)) return Status::OK();
  } else if (rt == ValueType::kBoolean && IsNumeric(lt)) {
    if (to_boolean(left)) return Status::OK();
  }
  if ((lt == ValueType::kBoolean && IsNumeric(rt)) ||
      (rt == ValueType::kBoolean && IsNumeric(lt))) {
    return context_->Invalid(position, what.size(),
                             "a BOOLEAN compares with the constants 1 and 0 or with another "
                             "BOOLEAN, not with " +
                                 TypeName(IsNumeric(rt) ? rt : lt));
  }

  // A string meets a TIMESTAMP as a timestamp: constants are read now, so that a bad one is an
  // error here; other strings are cast when the query runs.
  auto to_timestamp = [this](ExprPtr* side) -> Status {
    Expr& e = **side;
    ast::Position p = e.position;
    if (IsConstant(e) && !e.value.is_null) {
      Result<int64_t> micros = ParseTimestamp(e.value.string_value);
      if (!micros.ok()) {
        return context_->Invalid(
            p, CodePoints(e.value.string_value) + 2,
            "'" + e.value.string_value + "' is not a timestamp; " + kTimestampForms);
      }
      *side = At(Expr::Constant(Value::Int(*micros, ValueType::kTimestamp)), p);
      return Status::OK();
    }
    *side = Make(ExprKind::kCast, ValueType::kTimestamp, Args(std::move(*side)), p);
    return Status::OK();
  };
  if (lt == ValueType::kTimestamp && rt == ValueType::kVarChar) return to_timestamp(right);
  if (rt == ValueType::kTimestamp && lt == ValueType::kVarChar) return to_timestamp(left);

  if (IsGeometry(lt) || IsGeometry(rt)) {
    return context_->Invalid(
        position, what.size(),
        "geometries cannot be compared with " + what + "; use CONTAINS, INTERSECTS or DISTANCE");
  }
  return context_->Invalid(
      position, what.size(),
      "cannot compare " + TypeName(lt) + " with " + TypeName(rt) + " (" + what + ")");
}

// ---- Predicates ----------------------------------------------------------------------------

Result<ExprPtr> ExpressionBinder::BindBetween(const ast::Between& between) {
  // x BETWEEN a AND b is x >= a AND x <= b; NOT BETWEEN is x < a OR x > b.
  SKY_ASSIGN_OR_RETURN(ExprPtr operand, BindNode(*between.operand));
  SKY_ASSIGN_OR_RETURN(ExprPtr low, BindNode(*between.low));
  SKY_ASSIGN_OR_RETURN(ExprPtr high, BindNode(*between.high));
  ExprPtr low_operand = operand->Clone();
  SKY_RETURN_IF_ERROR(Coerce(&low_operand, &low, between.position, "BETWEEN"));
  SKY_RETURN_IF_ERROR(Coerce(&operand, &high, between.position, "BETWEEN"));
  const ast::Position p = between.position;
  ExprPtr lower =
      Make(ExprKind::kComparison, ValueType::kBoolean, Args(std::move(low_operand), std::move(low)),
           p, between.negated ? Op::kLess : Op::kGreaterEqual);
  ExprPtr upper =
      Make(ExprKind::kComparison, ValueType::kBoolean, Args(std::move(operand), std::move(high)), p,
           between.negated ? Op::kGreater : Op::kLessEqual);
  return Make(between.negated ? ExprKind::kOr : ExprKind::kAnd, ValueType::kBoolean,
              Args(std::move(lower), std::move(upper)), p);
}

Result<ExprPtr> ExpressionBinder::BindLike(const ast::Like& like) {
  const std::string what = like.case_insensitive ? "ILIKE" : "LIKE";
  std::vector<ExprPtr> args;
  SKY_ASSIGN_OR_RETURN(ExprPtr operand, BindNode(*like.operand));
  SKY_ASSIGN_OR_RETURN(ExprPtr pattern, BindNode(*like.pattern));
  for (const ExprPtr* e : {&operand, &pattern}) {
    if (!IsNullOr((*e)->type, IsString)) {
      return context_->Invalid((*e)->position, 1,
                               what + " needs strings, got " + TypeName((*e)->type) +
                                   "; convert a number with CAST(x AS VARCHAR)");
    }
  }
  args.push_back(std::move(operand));
  args.push_back(std::move(pattern));
  if (like.escape != nullptr) {
    SKY_ASSIGN_OR_RETURN(ExprPtr escape, BindNode(*like.escape));
    if (!IsNullOr(escape->type, IsString)) {
      return context_->Invalid(escape->position, 1,
                               "ESCAPE needs a string, got " + TypeName(escape->type));
    }
    if (IsConstant(*escape) && !escape->value.is_null &&
        CodePoints(escape->value.string_value) != 1) {
      return context_->Invalid(
          escape->position, CodePoints(escape->value.string_value) + 2,
          "ESCAPE needs exactly one character, got '" + escape->value.string_value + "'");
    }
    args.push_back(std::move(escape));
  }
  ExprPtr out = Make(ExprKind::kLike, ValueType::kBoolean, std::move(args), like.position);
  out->negated = like.negated;
  out->case_insensitive = like.case_insensitive;
  return out;
}

Result<ExprPtr> ExpressionBinder::BindIn(const ast::In& in) {
  SKY_ASSIGN_OR_RETURN(ExprPtr operand, BindNode(*in.operand));
  if (in.subquery != nullptr) {
    SKY_ASSIGN_OR_RETURN(
        ExprPtr sub, BindSubquery(*in.subquery, in.subquery->position, plan::SubqueryMode::kIn));
    const auto& schema = sub->subquery->schema;
    if (schema.size() != 1) {
      return context_->Invalid(
          in.subquery->position, 1,
          "the subquery of IN must return one column, got " + std::to_string(schema.size()));
    }
    if (!Comparable(operand->type, schema[0].type)) {
      return context_->Invalid(in.position, 1,
                               "cannot compare " + TypeName(operand->type) +
                                   " with the subquery's " + TypeName(schema[0].type) + " (IN)");
    }
    sub->args.push_back(std::move(operand));
    sub->negated = in.negated;
    sub->position = in.position;
    return sub;
  }
  std::vector<ExprPtr> items;
  for (const ast::ExpressionPtr& item : in.list) {
    SKY_ASSIGN_OR_RETURN(ExprPtr e, BindNode(*item));
    SKY_RETURN_IF_ERROR(Coerce(&operand, &e, item->position, "IN"));
    items.push_back(std::move(e));
  }
  std::vector<ExprPtr> args;
  args.push_back(std::move(operand));
  for (ExprPtr& e : items) args.push_back(std::move(e));
  ExprPtr out = Make(ExprKind::kInList, ValueType::kBoolean, std::move(args), in.position);
  out->negated = in.negated;
  return out;
}

Result<ExprPtr> ExpressionBinder::BindSubquery(const ast::Query& query, ast::Position position,
                                               plan::SubqueryMode mode) {
  SKY_ASSIGN_OR_RETURN(plan::PlanPtr subplan, BindQuery(context_, query, scope_, 1));
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kSubquery;
  e->position = position;
  e->subquery_mode = mode;
  e->type = ValueType::kBoolean;
  if (mode == plan::SubqueryMode::kScalar) {
    if (subplan->schema.size() != 1) {
      return context_->Invalid(position, 1,
                               "a subquery used as a value must return one column, got " +
                                   std::to_string(subplan->schema.size()));
    }
    e->type = subplan->schema[0].type;
  }
  e->correlated = RefersOutside(*subplan, 1);
  e->subquery = std::move(subplan);
  return e;
}

// ---- CASE and CAST -------------------------------------------------------------------------

Result<ExprPtr> ExpressionBinder::BindCase(const ast::Case& c) {
  ExprPtr operand;
  if (c.operand != nullptr) {
    SKY_ASSIGN_OR_RETURN(operand, BindNode(*c.operand));
  }
  std::vector<ExprPtr> pairs;
  std::vector<const Expr*> results;
  for (const ast::Case::When& when : c.whens) {
    ExprPtr condition;
    if (operand != nullptr) {
      SKY_ASSIGN_OR_RETURN(condition, BindNode(*when.condition));
      SKY_RETURN_IF_ERROR(Coerce(&operand, &condition, when.condition->position, "CASE"));
    } else {
      SKY_ASSIGN_OR_RETURN(condition, BindCondition(*when.condition, "a WHEN condition"));
    }
    SKY_ASSIGN_OR_RETURN(ExprPtr result, BindNode(*when.result));
    pairs.push_back(std::move(condition));
    pairs.push_back(std::move(result));
  }
  ExprPtr else_result;
  if (c.else_result != nullptr) {
    SKY_ASSIGN_OR_RETURN(else_result, BindNode(*c.else_result));
  }
  ValueType type = ValueType::kNull;
  auto meet = [&](const Expr& result) -> Status {
    std::optional<ValueType> common = CommonType(type, result.type);
    if (!common.has_value()) {
      return context_->Invalid(result.position, 1,
                               "CASE results have incompatible types: " + TypeName(type) + " and " +
                                   TypeName(result.type));
    }
    type = *common;
    return Status::OK();
  };
  for (size_t i = 1; i < pairs.size(); i += 2) SKY_RETURN_IF_ERROR(meet(*pairs[i]));
  if (else_result != nullptr) SKY_RETURN_IF_ERROR(meet(*else_result));

  std::vector<ExprPtr> args;
  const bool has_operand = operand != nullptr;
  if (has_operand) args.push_back(std::move(operand));
  for (ExprPtr& e : pairs) args.push_back(std::move(e));
  const bool has_else = else_result != nullptr;
  if (has_else) args.push_back(std::move(else_result));
  ExprPtr out = Make(ExprKind::kCase, type, std::move(args), c.position);
  out->has_operand = has_operand;
  out->has_else = has_else;
  return out;
}

Result<ExprPtr> ExpressionBinder::BindCast(const ast::Cast& cast) {
  SKY_ASSIGN_OR_RETURN(ExprPtr operand, BindNode(*cast.operand));
  const ValueType from = operand->type;
  const ValueType to = CastTargetType(cast.target);
  const std::string target(ast::Spelling(cast.target));
  if (from == ValueType::kNull) return At(Expr::Constant(Value::Null(to)), cast.position);

  bool allowed = false;
  if (IsNumeric(to)) {
    allowed = IsNumeric(from) || from == ValueType::kVarChar || from == ValueType::kBoolean;
  } else if (to == ValueType::kVarChar) {
    allowed = true;  // every value has a text form (geometries: STC-S)
  } else if (to == ValueType::kTimestamp) {
    allowed = from == ValueType::kTimestamp || from == ValueType::kVarChar;
  } else if (IsGeometry(to)) {
    if (from == to) return operand;
    if (from == ValueType::kVarChar) {
      return context_->Unsupported(cast.position, 4,
                                   "CAST of a string to " + target + " is not supported yet");
    }
  }
  if (!allowed) {
    return context_->Invalid(cast.position, 4, "cannot cast " + TypeName(from) + " to " + target);
  }
  if (to == ValueType::kTimestamp && from == ValueType::kVarChar && IsConstant(*operand) &&
      !operand->value.is_null) {
    Result<int64_t> micros = ParseTimestamp(operand->value.string_value);
    if (!micros.ok()) {
      return context_->Invalid(
          operand->position, CodePoints(operand->value.string_value) + 2,
          "'" + operand->value.string_value + "' is not a timestamp; " + kTimestampForms);
    }
    return At(Expr::Constant(Value::Int(*micros, ValueType::kTimestamp)), cast.position);
  }
  ExprPtr out = Make(ExprKind::kCast, to, Args(std::move(operand)), cast.position);
  if (cast.length.has_value()) out->cast_length = *cast.length;
  return out;
}

// ---- Functions -----------------------------------------------------------------------------

Result<ExprPtr> ExpressionBinder::BindFunction(const ast::FunctionCall& call) {
  const size_t width = std::max<size_t>(1, CodePoints(call.name));
  const FunctionInfo* info = context_->registry().Find(call.name);
  if (info == nullptr) {
    Result<const Signature*> missing = context_->registry().Resolve(call.name, {});
    return context_->Error(
        missing.ok() ? StatusCode::kNotFound : missing.status().code(), call.position, width,
        missing.ok() ? "unknown function " + call.name : missing.status().message());
  }
  if (info->kind == FunctionKind::kAggregate) return BindAggregate(call, *info);
  if (call.distinct || call.count_star) {
    return context_->Invalid(call.position, width,
                             (call.distinct ? "DISTINCT" : "*") +
                                 std::string(" is only allowed in an aggregate function"));
  }
  std::vector<ExprPtr> args;
  std::vector<ValueType> types;
  for (const ast::ExpressionPtr& argument : call.arguments) {
    SKY_ASSIGN_OR_RETURN(ExprPtr e, BindNode(*argument));
    types.push_back(e->type);
    args.push_back(std::move(e));
  }
  Result<const Signature*> signature = context_->registry().Resolve(info->name, types);
  if (!signature.ok()) {
    // A string where a geometry is expected is read as REGION(string): an STC-S column such as
    // ObsCore's s_region in INTERSECTS(s_region, CIRCLE(...)).
    if (Result<const Signature*> as_region = RetryWithRegions(*info, &args, &types);
        as_region.ok()) {
      signature = std::move(as_region);
    } else {
      return context_->Error(signature.status().code(), call.position, width,
                             signature.status().message());
    }
  }
  if (info->name == "IN_UNIT") return BindInUnit(call, std::move(args));
  ExprPtr out =
      Make(ExprKind::kFunction, (*signature)->ResultType(types), std::move(args), call.position);
  out->function = info;
  out->signature = *signature;
  return out;
}

std::optional<std::string> InUnitTarget(const ast::Expression& e) {
  if (e.kind() != ast::ExpressionKind::kFunctionCall) return std::nullopt;
  const auto& call = e.As<ast::FunctionCall>();
  if (!EqualsIgnoreCase(call.name, "IN_UNIT") || call.arguments.size() != 2 ||
      call.arguments[1]->kind() != ast::ExpressionKind::kLiteral) {
    return std::nullopt;
  }
  const auto& unit = call.arguments[1]->As<ast::Literal>();
  if (unit.literal_kind != ast::LiteralKind::kString) return std::nullopt;
  return unit.text;
}

std::string ExpressionBinder::UnitOf(const ast::Expression& e) const {
  switch (e.kind()) {
    case ast::ExpressionKind::kColumnRef: {
      Result<ColumnLookup> column = ResolveColumn(context_, *scope_, e.As<ast::ColumnRef>());
      return column.ok() ? column->column->meta.unit : std::string();
    }
    case ast::ExpressionKind::kUnary: {
      const auto& unary = e.As<ast::Unary>();
      if (unary.op == ast::UnaryOperator::kPlus || unary.op == ast::UnaryOperator::kMinus) {
        return UnitOf(*unary.operand);
      }
      return std::string();
    }
    case ast::ExpressionKind::kFunctionCall:
      return InUnitTarget(e).value_or(std::string());
    default:
      return std::string();
  }
}

// IN_UNIT (ADQL 2.1 section 2.4) is a multiplication by a constant: VOUnits has no offsets, and
// only units that differ by a factor convert (units.h). The unit of x is known from the
// catalog, so that IN_UNIT(coord_dec, 'arcsec') binds as coord_dec * 3600.
Result<ExprPtr> ExpressionBinder::BindInUnit(const ast::FunctionCall& call,
                                             std::vector<ExprPtr> args) {
  const size_t width = std::max<size_t>(1, CodePoints(call.name));
  const std::optional<std::string> to = InUnitTarget(call);
  if (!to.has_value() || args.size() != 2) {
    return context_->Invalid(call.position, width,
                             "IN_UNIT takes a value and a unit written as a string literal");
  }
  const ast::Expression& x = *call.arguments[0];
  const std::string from = UnitOf(x);
  if (from.empty()) {
    return context_->Invalid(x.position, 1,
                             "IN_UNIT cannot convert to " + *to +
                                 ": the value has no known unit (IN_UNIT converts a column "
                                 "with a unit in the catalog, e.g. IN_UNIT(coord_ra, 'rad'))");
  }
  Result<double> factor = UnitConversionFactor(from, *to);
  if (!factor.ok()) {
    return context_->Invalid(call.arguments[1]->position, std::max<size_t>(1, CodePoints(*to) + 2),
                             "IN_UNIT: " + factor.status().message());
  }
  ExprPtr value = std::move(args[0]);
  ExprPtr scale = At(Expr::Constant(Value::Double(*factor)), call.position);
  return Make(ExprKind::kBinary, ValueType::kDouble, Args(std::move(value), std::move(scale)),
              call.position, Op::kMultiply);
}

Result<ExprPtr> ExpressionBinder::BindAggregate(const ast::FunctionCall& call,
                                                const FunctionInfo& info) {
  const size_t width = std::max<size_t>(1, CodePoints(call.name));
  if (aggregates_ == nullptr) {
    if (clause_ == kAggregateArgument) {
      return context_->Invalid(
          call.position, width,
          "aggregate function calls cannot be nested (" + info.name + " inside another aggregate)");
    }
    return context_->Invalid(
        call.position, width,
        "aggregate functions are not allowed in " + clause_ + " (" + info.name + ")");
  }
  std::optional<plan::AggregateFunction> function = AggregateOf(info, call.count_star);
  if (!function.has_value()) {
    return context_->Unsupported(call.position, width,
                                 info.name + " is not supported by this service yet");
  }
  std::vector<ExprPtr> args;
  std::vector<ValueType> types;
  ExpressionBinder argument_binder(context_, scope_, nullptr, kAggregateArgument);
  for (const ast::ExpressionPtr& argument : call.arguments) {
    SKY_ASSIGN_OR_RETURN(ExprPtr e, argument_binder.Bind(*argument));
    types.push_back(e->type);
    args.push_back(std::move(e));
  }
  Result<const Signature*> signature = context_->registry().Resolve(info.name, types);
  if (!signature.ok()) {
    return context_->Error(signature.status().code(), call.position, width,
                           signature.status().message());
  }
  if ((*function == plan::AggregateFunction::kMin || *function == plan::AggregateFunction::kMax) &&
      !types.empty() && IsGeometry(types[0])) {
    return context_->Invalid(call.position, width,
                             info.name + " is not defined for " + TypeName(types[0]));
  }
  plan::AggregateCall aggregate;
  aggregate.function = *function;
  aggregate.distinct = call.distinct;
  aggregate.argument = args.empty() ? nullptr : std::move(args[0]);
  aggregate.type = (*signature)->ResultType(types);
  if (aggregate.type == ValueType::kNull) aggregate.type = ValueType::kDouble;  // MIN(NULL)
  std::vector<plan::AggregateCall>& calls = aggregates_->calls;
  size_t index = 0;
  while (index < calls.size() && !SameCall(calls[index], aggregate)) ++index;
  const ValueType type = aggregate.type;
  if (index == calls.size()) calls.push_back(std::move(aggregate));
  return At(Expr::Column(static_cast<int>(index), type, kAggregateMarkerDepth), call.position);
}

}  // namespace skyshard::adql::internal
