#include "adql/ast/expression.h"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "adql/ast/query.h"

namespace skyshard::adql::ast {

Expression::~Expression() = default;

std::unique_ptr<Literal> Literal::Number(double value) {
  assert(std::isfinite(value) && value >= 0);
  // The shortest decimal text that reads back as `value` (std::to_chars without a precision).
  std::array<char, 64> buffer{};
  auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  assert(error == std::errc());
  std::string text(buffer.data(), end);
  auto literal = std::make_unique<Literal>();
  if (text.find_first_of("eE") != std::string::npos) {
    literal->literal_kind = LiteralKind::kApproximate;
  } else {
    literal->literal_kind = LiteralKind::kExactDecimal;
    // "1" would read back as an integer.
    if (text.find('.') == std::string::npos) text += ".0";
  }
  literal->text = std::move(text);
  return literal;
}

int Precedence(BinaryOperator op) {
  switch (op) {
    case BinaryOperator::kOr:
      return 1;
    case BinaryOperator::kAnd:
      return 2;
    case BinaryOperator::kEqual:
    case BinaryOperator::kNotEqual:
    case BinaryOperator::kLess:
    case BinaryOperator::kGreater:
    case BinaryOperator::kLessEqual:
    case BinaryOperator::kGreaterEqual:
      return 4;
    case BinaryOperator::kConcat:
      return 5;
    case BinaryOperator::kBitAnd:
    case BinaryOperator::kBitOr:
    case BinaryOperator::kBitXor:
      return 6;
    case BinaryOperator::kAdd:
    case BinaryOperator::kSubtract:
      return 7;
    case BinaryOperator::kMultiply:
    case BinaryOperator::kDivide:
      return 8;
  }
  return 0;
}

std::string_view Spelling(BinaryOperator op) {
  switch (op) {
    case BinaryOperator::kOr:
      return "OR";
    case BinaryOperator::kAnd:
      return "AND";
    case BinaryOperator::kEqual:
      return "=";
    case BinaryOperator::kNotEqual:
      return "<>";
    case BinaryOperator::kLess:
      return "<";
    case BinaryOperator::kGreater:
      return ">";
    case BinaryOperator::kLessEqual:
      return "<=";
    case BinaryOperator::kGreaterEqual:
      return ">=";
    case BinaryOperator::kConcat:
      return "||";
    case BinaryOperator::kBitAnd:
      return "&";
    case BinaryOperator::kBitOr:
      return "|";
    case BinaryOperator::kBitXor:
      return "^";
    case BinaryOperator::kAdd:
      return "+";
    case BinaryOperator::kSubtract:
      return "-";
    case BinaryOperator::kMultiply:
      return "*";
    case BinaryOperator::kDivide:
      return "/";
  }
  return "?";
}

std::unique_ptr<Binary> Binary::Make(ExpressionPtr left, BinaryOperator op, ExpressionPtr right) {
  auto binary = std::make_unique<Binary>();
  binary->position = left->position;
  binary->operands.push_back(std::move(left));
  binary->operands.push_back(std::move(right));
  binary->operators.push_back(op);
  return binary;
}

// The nodes that own a Query are defined here, where Query is complete.
In::In() : Expression(kKind) {}
In::~In() = default;
Exists::Exists() : Expression(kKind) {}
Exists::~Exists() = default;
SubqueryExpression::SubqueryExpression() : Expression(kKind) {}
SubqueryExpression::~SubqueryExpression() = default;

std::string_view Spelling(CastType type) {
  switch (type) {
    case CastType::kSmallint:
      return "SMALLINT";
    case CastType::kInteger:
      return "INTEGER";
    case CastType::kBigint:
      return "BIGINT";
    case CastType::kReal:
      return "REAL";
    case CastType::kDoublePrecision:
      return "DOUBLE PRECISION";
    case CastType::kChar:
      return "CHAR";
    case CastType::kVarchar:
      return "VARCHAR";
    case CastType::kTimestamp:
      return "TIMESTAMP";
    case CastType::kPoint:
      return "POINT";
    case CastType::kCircle:
      return "CIRCLE";
    case CastType::kPolygon:
      return "POLYGON";
  }
  return "?";
}

}  // namespace skyshard::adql::ast
