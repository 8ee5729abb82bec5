#include "adql/binder/internal/aggregate_rules.h"

#include <string>

#include "adql/binder/internal/expr_tree.h"
#include "adql/binder/internal/expression_binder.h"

namespace skyshard::adql::internal {

namespace {

using plan::Expr;
using plan::ExprKind;
using plan::ExprPtr;

bool ContainsAggregateWithin(const ast::Expression& e, const FunctionRegistry& registry, int depth);

Status UngroupedError(BindContext* context, const FromScope& from, const Expr& column) {
  std::string name = "?";
  if (column.column >= 0 && static_cast<size_t>(column.column) < from.columns.size()) {
    name = from.columns[static_cast<size_t>(column.column)].meta.name;
  }
  return context->Invalid(
      column.position, name.size(),
      "column " + name + " must appear in GROUP BY or be used in an aggregate function");
}

// Renumbers the references of a subquery plan's expressions to the aggregating block, which
// are `level` levels out, from FROM-row positions to group output columns.
Status RemapOuter(BindContext* context, const FromScope& from, const std::vector<ExprPtr>& groups,
                  plan::PlanNode& subplan, int level);

Status RemapOuterInExpr(BindContext* context, const FromScope& from,
                        const std::vector<ExprPtr>& groups, Expr& e, int level) {
  if (e.kind == ExprKind::kColumn && e.depth == level) {
    for (size_t i = 0; i < groups.size(); ++i) {
      const Expr& g = *groups[i];
      if (g.kind == ExprKind::kColumn && g.depth == 0 && g.column == e.column) {
        e.column = static_cast<int>(i);
        return Status::OK();
      }
    }
    return UngroupedError(context, from, e);
  }
  for (ExprPtr& arg : e.args) {
    if (arg != nullptr) SKY_RETURN_IF_ERROR(RemapOuterInExpr(context, from, groups, *arg, level));
  }
  if (e.subquery != nullptr) {
    SKY_RETURN_IF_ERROR(RemapOuter(context, from, groups, *e.subquery, level + 1));
  }
  return Status::OK();
}

Status RemapOuter(BindContext* context, const FromScope& from, const std::vector<ExprPtr>& groups,
                  plan::PlanNode& subplan, int level) {
  return ForEachPlanExpr(
      subplan, [&](ExprPtr& e) { return RemapOuterInExpr(context, from, groups, *e, level); });
}

}  // namespace

bool ContainsAggregate(const ast::Expression& e, const FunctionRegistry& registry) {
  return ContainsAggregateWithin(e, registry, kMaxBindDepth);
}

namespace {

bool ContainsAggregateWithin(const ast::Expression& e, const FunctionRegistry& registry,
                             int depth) {
  // Deeper trees are refused by the binder's own depth bound before this matters.
  if (depth <= 0) return false;
  auto has = [&registry, depth](const ast::ExpressionPtr& child) {
    return child != nullptr && ContainsAggregateWithin(*child, registry, depth - 1);
  };
  auto any = [&has](const std::vector<ast::ExpressionPtr>& list) {
    for (const ast::ExpressionPtr& child : list) {
      if (has(child)) return true;
    }
    return false;
  };
  switch (e.kind()) {
    case ast::ExpressionKind::kLiteral:
    case ast::ExpressionKind::kColumnRef:
    case ast::ExpressionKind::kExists:
    case ast::ExpressionKind::kSubquery:
      return false;
    case ast::ExpressionKind::kUnary:
      return has(e.As<ast::Unary>().operand);
    case ast::ExpressionKind::kBinary:
      return any(e.As<ast::Binary>().operands);
    case ast::ExpressionKind::kBetween: {
      const auto& b = e.As<ast::Between>();
      return has(b.operand) || has(b.low) || has(b.high);
    }
    case ast::ExpressionKind::kLike: {
      const auto& l = e.As<ast::Like>();
      return has(l.operand) || has(l.pattern) || has(l.escape);
    }
    case ast::ExpressionKind::kIn: {
      const auto& in = e.As<ast::In>();
      return has(in.operand) || any(in.list);
    }
    case ast::ExpressionKind::kIsNull:
      return has(e.As<ast::IsNull>().operand);
    case ast::ExpressionKind::kCase: {
      const auto& c = e.As<ast::Case>();
      if (has(c.operand) || has(c.else_result)) return true;
      for (const ast::Case::When& w : c.whens) {
        if (has(w.condition) || has(w.result)) return true;
      }
      return false;
    }
    case ast::ExpressionKind::kCast:
      return has(e.As<ast::Cast>().operand);
    case ast::ExpressionKind::kFunctionCall: {
      const auto& call = e.As<ast::FunctionCall>();
      const FunctionInfo* info = registry.Find(call.name);
      if (info != nullptr && info->kind == FunctionKind::kAggregate) return true;
      return any(call.arguments);
    }
  }
  return false;
}

}  // namespace

Status RewriteOverAggregate(BindContext* context, const FromScope& from,
                            const std::vector<ExprPtr>& groups, ExprPtr* expr) {
  Expr& e = **expr;
  if (e.kind == ExprKind::kColumn && e.depth == kAggregateMarkerDepth) {
    const ast::Position p = e.position;
    *expr = Expr::Column(static_cast<int>(groups.size()) + e.column, e.type);
    (*expr)->position = p;
    return Status::OK();
  }
  for (size_t i = 0; i < groups.size(); ++i) {
    if (SameExpr(e, *groups[i])) {
      const ast::Position p = e.position;
      *expr = Expr::Column(static_cast<int>(i), e.type);
      (*expr)->position = p;
      return Status::OK();
    }
  }
  if (e.kind == ExprKind::kColumn && e.depth == 0) return UngroupedError(context, from, e);
  if (e.subquery != nullptr) SKY_RETURN_IF_ERROR(RemapOuter(context, from, groups, *e.subquery, 1));
  for (ExprPtr& arg : e.args) {
    if (arg != nullptr) SKY_RETURN_IF_ERROR(RewriteOverAggregate(context, from, groups, &arg));
  }
  return Status::OK();
}

}  // namespace skyshard::adql::internal
