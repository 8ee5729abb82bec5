#include "adql/ast/equality.h"

#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

namespace skyshard::adql::ast {

namespace {

bool Equal(const Identifier& a, const Identifier& b) {
  return a.delimited == b.delimited && a.name == b.name;
}

bool Equal(const std::optional<Identifier>& a, const std::optional<Identifier>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || Equal(*a, *b);
}

bool Equal(const QueryBody& a, const QueryBody& b);

// Pointers may be null (an absent WHERE, ELSE, ...): equal when both are null or both point at
// equal trees.
template <typename T>
bool EqualPointers(const std::unique_ptr<T>& a, const std::unique_ptr<T>& b) {
  if ((a == nullptr) != (b == nullptr)) return false;
  return a == nullptr || Equal(*a, *b);
}

template <typename T>
bool EqualLists(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if constexpr (std::is_same_v<T, Identifier>) {
      if (!Equal(a[i], b[i])) return false;
    } else {
      if (!EqualPointers(a[i], b[i])) return false;
    }
  }
  return true;
}

bool EqualSelectItem(const SelectItem& a, const SelectItem& b) {
  return a.kind == b.kind && EqualPointers(a.expression, b.expression) && Equal(a.alias, b.alias) &&
         EqualLists(a.qualifier, b.qualifier);
}

bool EqualSelect(const Select& a, const Select& b) {
  if (a.distinct != b.distinct || a.top != b.top || a.items.size() != b.items.size()) {
    return false;
  }
  for (size_t i = 0; i < a.items.size(); ++i) {
    if (!EqualSelectItem(a.items[i], b.items[i])) return false;
  }
  return EqualLists(a.from, b.from) && EqualPointers(a.where, b.where) &&
         EqualLists(a.group_by, b.group_by) && EqualPointers(a.having, b.having);
}

bool Equal(const QueryBody& a, const QueryBody& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case QueryBodyKind::kSelect:
      return EqualSelect(a.As<Select>(), b.As<Select>());
    case QueryBodyKind::kSetOperation: {
      const auto& x = a.As<SetOperation>();
      const auto& y = b.As<SetOperation>();
      if (x.steps.size() != y.steps.size()) return false;
      for (size_t i = 0; i < x.steps.size(); ++i) {
        if (x.steps[i].op != y.steps[i].op || x.steps[i].all != y.steps[i].all) return false;
      }
      return EqualLists(x.operands, y.operands);
    }
    case QueryBodyKind::kNested:
      return EqualPointers(a.As<NestedQuery>().query, b.As<NestedQuery>().query);
  }
  return false;
}

}  // namespace

bool Equal(const TableRef& a, const TableRef& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case TableRefKind::kNamedTable: {
      const auto& x = a.As<NamedTable>();
      const auto& y = b.As<NamedTable>();
      return EqualLists(x.name, y.name) && Equal(x.alias, y.alias);
    }
    case TableRefKind::kDerivedTable: {
      const auto& x = a.As<DerivedTable>();
      const auto& y = b.As<DerivedTable>();
      return EqualPointers(x.query, y.query) && Equal(x.alias, y.alias);
    }
    case TableRefKind::kJoin: {
      const auto& x = a.As<Join>();
      const auto& y = b.As<Join>();
      return x.type == y.type && x.natural == y.natural && EqualPointers(x.left, y.left) &&
             EqualPointers(x.right, y.right) && EqualPointers(x.on, y.on) &&
             EqualLists(x.using_columns, y.using_columns);
    }
  }
  return false;
}

bool Equal(const Expression& a, const Expression& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ExpressionKind::kLiteral: {
      const auto& x = a.As<Literal>();
      const auto& y = b.As<Literal>();
      return x.literal_kind == y.literal_kind && x.text == y.text;
    }
    case ExpressionKind::kColumnRef:
      return EqualLists(a.As<ColumnRef>().name, b.As<ColumnRef>().name);
    case ExpressionKind::kUnary: {
      const auto& x = a.As<Unary>();
      const auto& y = b.As<Unary>();
      return x.op == y.op && EqualPointers(x.operand, y.operand);
    }
    case ExpressionKind::kBinary: {
      const auto& x = a.As<Binary>();
      const auto& y = b.As<Binary>();
      return x.operators == y.operators && EqualLists(x.operands, y.operands);
    }
    case ExpressionKind::kBetween: {
      const auto& x = a.As<Between>();
      const auto& y = b.As<Between>();
      return x.negated == y.negated && EqualPointers(x.operand, y.operand) &&
             EqualPointers(x.low, y.low) && EqualPointers(x.high, y.high);
    }
    case ExpressionKind::kLike: {
      const auto& x = a.As<Like>();
      const auto& y = b.As<Like>();
      return x.negated == y.negated && x.case_insensitive == y.case_insensitive &&
             EqualPointers(x.operand, y.operand) && EqualPointers(x.pattern, y.pattern) &&
             EqualPointers(x.escape, y.escape);
    }
    case ExpressionKind::kIn: {
      const auto& x = a.As<In>();
      const auto& y = b.As<In>();
      return x.negated == y.negated && EqualPointers(x.operand, y.operand) &&
             EqualLists(x.list, y.list) && EqualPointers(x.subquery, y.subquery);
    }
    case ExpressionKind::kExists:
      return EqualPointers(a.As<Exists>().subquery, b.As<Exists>().subquery);
    case ExpressionKind::kIsNull: {
      const auto& x = a.As<IsNull>();
      const auto& y = b.As<IsNull>();
      return x.negated == y.negated && EqualPointers(x.operand, y.operand);
    }
    case ExpressionKind::kSubquery:
      return EqualPointers(a.As<SubqueryExpression>().subquery,
                           b.As<SubqueryExpression>().subquery);
    case ExpressionKind::kCase: {
      const auto& x = a.As<Case>();
      const auto& y = b.As<Case>();
      if (x.whens.size() != y.whens.size()) return false;
      for (size_t i = 0; i < x.whens.size(); ++i) {
        if (!EqualPointers(x.whens[i].condition, y.whens[i].condition) ||
            !EqualPointers(x.whens[i].result, y.whens[i].result)) {
          return false;
        }
      }
      return EqualPointers(x.operand, y.operand) && EqualPointers(x.else_result, y.else_result);
    }
    case ExpressionKind::kCast: {
      const auto& x = a.As<Cast>();
      const auto& y = b.As<Cast>();
      return x.target == y.target && x.length == y.length && EqualPointers(x.operand, y.operand);
    }
    case ExpressionKind::kFunctionCall: {
      const auto& x = a.As<FunctionCall>();
      const auto& y = b.As<FunctionCall>();
      return x.name == y.name && x.user_defined == y.user_defined && x.distinct == y.distinct &&
             x.count_star == y.count_star && EqualLists(x.arguments, y.arguments);
    }
  }
  return false;
}

bool Equal(const Query& a, const Query& b) {
  if (a.with.size() != b.with.size() || a.order_by.size() != b.order_by.size() ||
      a.offset != b.offset) {
    return false;
  }
  for (size_t i = 0; i < a.with.size(); ++i) {
    const CommonTableExpression& x = a.with[i];
    const CommonTableExpression& y = b.with[i];
    if (!Equal(x.name, y.name) || !EqualLists(x.columns, y.columns) ||
        !EqualPointers(x.query, y.query)) {
      return false;
    }
  }
  for (size_t i = 0; i < a.order_by.size(); ++i) {
    if (a.order_by[i].descending != b.order_by[i].descending ||
        !EqualPointers(a.order_by[i].expression, b.order_by[i].expression)) {
      return false;
    }
  }
  return EqualPointers(a.body, b.body);
}

}  // namespace skyshard::adql::ast
