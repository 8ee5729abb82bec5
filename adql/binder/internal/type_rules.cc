#include "adql/binder/internal/type_rules.h"

namespace skyshard::adql::internal {

namespace {

int NumericRank(ValueType t) {
  switch (t) {
    case ValueType::kSmallInt:
      return 1;
    case ValueType::kInteger:
      return 2;
    case ValueType::kBigInt:
      return 3;
    case ValueType::kReal:
      return 4;
    case ValueType::kDouble:
      return 5;
    default:
      return 0;
  }
}

}  // namespace

bool IsInteger(ValueType t) {
  return t == ValueType::kSmallInt || t == ValueType::kInteger || t == ValueType::kBigInt;
}

std::optional<ValueType> CommonType(ValueType a, ValueType b) {
  if (a == ValueType::kNull) return b;
  if (b == ValueType::kNull) return a;
  if (IsNumeric(a) && IsNumeric(b)) {
    if ((a == ValueType::kReal && IsInteger(b)) || (b == ValueType::kReal && IsInteger(a))) {
      return ValueType::kDouble;
    }
    return NumericRank(a) >= NumericRank(b) ? a : b;
  }
  if (a == b) return a;
  return std::nullopt;
}

ValueType ArithmeticType(ValueType a, ValueType b) {
  std::optional<ValueType> common = CommonType(a, b);
  ValueType t = common.value_or(ValueType::kDouble);
  return t == ValueType::kSmallInt ? ValueType::kInteger : t;
}

bool Comparable(ValueType a, ValueType b) {
  if (a == ValueType::kNull || b == ValueType::kNull) return true;
  if (IsNumeric(a) && IsNumeric(b)) return true;
  return a == b && !IsGeometry(a);
}

ValueType CastTargetType(ast::CastType type) {
  switch (type) {
    case ast::CastType::kSmallint:
      return ValueType::kSmallInt;
    case ast::CastType::kInteger:
      return ValueType::kInteger;
    case ast::CastType::kBigint:
      return ValueType::kBigInt;
    case ast::CastType::kReal:
      return ValueType::kReal;
    case ast::CastType::kDoublePrecision:
      return ValueType::kDouble;
    case ast::CastType::kChar:
    case ast::CastType::kVarchar:
      return ValueType::kVarChar;
    case ast::CastType::kTimestamp:
      return ValueType::kTimestamp;
    case ast::CastType::kPoint:
      return ValueType::kPoint;
    case ast::CastType::kCircle:
      return ValueType::kCircle;
    case ast::CastType::kPolygon:
      return ValueType::kPolygon;
  }
  return ValueType::kNull;
}

}  // namespace skyshard::adql::internal
