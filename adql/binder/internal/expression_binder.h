// ExpressionBinder: turns one ADQL value expression or condition (adql/ast/expression.h) into a
// bound, typed expression (adql/binder/bound_expression.h) over a query block's FROM row.
//
// What it does: resolves column references (scope.h), types literals (an integer is INTEGER
// when it fits 32 bits, else BIGINT; decimals and approximate numbers DOUBLE PRECISION; strings
// VARCHAR), types operators (type_rules.h), resolves functions against the registry, binds
// subqueries (scalar, IN, EXISTS; query_binder.h) with this block as their enclosing scope, and
// applies the comparison conveniences ADQL services offer: a BOOLEAN compares with the integers
// 1 and 0 (`detect_isPrimary = 1`), and a string constant compared with a TIMESTAMP becomes a
// timestamp constant (`expMidpt > '2023-01-01'`); a string where a geometry function wants a
// geometry is read as REGION(string) (an STC-S column: INTERSECTS(s_region, CIRCLE(...)) = 1).
// BETWEEN becomes two comparisons.
//
// Aggregates: where they are allowed (the select list, HAVING and ORDER BY of an aggregating
// block), an AggregateSink collects each distinct call, and the call's place in the expression
// holds a marker (a column of depth kAggregateMarkerDepth whose index is the call's) that
// RewriteOverAggregate (aggregate_rules.h) turns into the Aggregate's output column. Elsewhere a
// call is an error naming the clause.
//
// Thread safety: one binder per expression, used by one thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adql/ast/expression.h"
#include "adql/binder/internal/bind_context.h"
#include "adql/binder/internal/scope.h"
#include "adql/planner/logical_plan.h"
#include "common/status.h"

namespace skyshard::adql::internal {

// The depth of an aggregate marker column (never a real depth, which is >= 0).
inline constexpr int kAggregateMarkerDepth = -1;

// The aggregate calls of one block, in order of first appearance (duplicates share one).
struct AggregateSink {
  std::vector<plan::AggregateCall> calls;
};

// For IN_UNIT(x, 'unit') (any case of the name): the unit it converts to; nullopt for any other
// expression. The select list gives its output column this unit.
std::optional<std::string> InUnitTarget(const ast::Expression& e);

class ExpressionBinder {
 public:
  // Binds over `scope`. `aggregates`: where aggregate calls go; null when none is allowed here,
  // and then `clause` names the place for the error ("WHERE", "GROUP BY", "a JOIN condition").
  ExpressionBinder(BindContext* context, const BlockScope* scope, AggregateSink* aggregates,
                   std::string clause);

  // The bound expression. Errors: NotFound (names, functions), InvalidArgument (types, rules),
  // Unsupported, LimitExceeded (depth); each positioned in the query text.
  Result<plan::ExprPtr> Bind(const ast::Expression& expression);

  // Bind, then require a condition (BOOLEAN, or a bare CONTAINS / INTERSECTS, which becomes
  // `... = 1`). `what` names it in the error: "the WHERE condition".
  Result<plan::ExprPtr> BindCondition(const ast::Expression& expression, const std::string& what);

 private:
  Result<plan::ExprPtr> BindNode(const ast::Expression& e);
  Result<plan::ExprPtr> BindLiteral(const ast::Literal& literal);
  Result<plan::ExprPtr> BindColumn(const ast::ColumnRef& ref);
  Result<plan::ExprPtr> BindUnary(const ast::Unary& unary);
  Result<plan::ExprPtr> BindBinary(const ast::Binary& binary);
  Result<plan::ExprPtr> BindOperator(ast::BinaryOperator op, ast::Position op_position,
                                     plan::ExprPtr left, plan::ExprPtr right);
  Result<plan::ExprPtr> BindBetween(const ast::Between& between);
  Result<plan::ExprPtr> BindLike(const ast::Like& like);
  Result<plan::ExprPtr> BindIn(const ast::In& in);
  Result<plan::ExprPtr> BindCase(const ast::Case& c);
  Result<plan::ExprPtr> BindCast(const ast::Cast& cast);
  Result<plan::ExprPtr> BindFunction(const ast::FunctionCall& call);
  Result<plan::ExprPtr> BindAggregate(const ast::FunctionCall& call, const FunctionInfo& info);
  // IN_UNIT(x, 'unit') with its arguments bound: x times the factor from x's unit.
  Result<plan::ExprPtr> BindInUnit(const ast::FunctionCall& call, std::vector<plan::ExprPtr> args);
  // The VOUnit of `e` when it is known: a column's (catalog or derived table), through unary
  // + and -, and IN_UNIT's target; empty when none. REQUIRES: `e` was bound successfully.
  std::string UnitOf(const ast::Expression& e) const;
  Result<plan::ExprPtr> BindSubquery(const ast::Query& query, ast::Position position,
                                     plan::SubqueryMode mode);

  // Requires `e` to be a condition (see BindCondition).
  Result<plan::ExprPtr> AsCondition(plan::ExprPtr e, ast::Position position,
                                    const std::string& what);
  // Makes `left` and `right` comparable, converting a constant side where ADQL allows (1/0 to
  // BOOLEAN, a string to TIMESTAMP), or returns the error for `what` ("=", "IN", ...).
  Status Coerce(plan::ExprPtr* left, plan::ExprPtr* right, ast::Position position,
                const std::string& what);

  BindContext* context_;
  const BlockScope* scope_;
  AggregateSink* aggregates_;
  std::string clause_;
};

}  // namespace skyshard::adql::internal
