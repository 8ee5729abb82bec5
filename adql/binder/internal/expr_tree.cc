#include "adql/binder/internal/expr_tree.h"

#include <algorithm>

namespace skyshard::adql::internal {

namespace {

bool SameValue(const plan::Value& a, const plan::Value& b) {
  return a.type == b.type && a.is_null == b.is_null && a.int_value == b.int_value &&
         (a.double_value == b.double_value ||
          (a.double_value != a.double_value && b.double_value != b.double_value)) &&
         a.string_value == b.string_value;
}

bool ExprRefersOutside(const plan::Expr& e, int level) {
  if (e.kind == plan::ExprKind::kColumn && e.depth >= level) return true;
  for (const plan::ExprPtr& arg : e.args) {
    if (arg != nullptr && ExprRefersOutside(*arg, level)) return true;
  }
  return e.subquery != nullptr && RefersOutside(*e.subquery, level + 1);
}

}  // namespace

bool SameExpr(const plan::Expr& a, const plan::Expr& b) {
  if (a.kind != b.kind || a.type != b.type || a.op != b.op || a.negated != b.negated ||
      a.case_insensitive != b.case_insensitive || a.has_operand != b.has_operand ||
      a.has_else != b.has_else || a.cast_length != b.cast_length || a.function != b.function ||
      a.signature != b.signature || a.args.size() != b.args.size()) {
    return false;
  }
  switch (a.kind) {
    case plan::ExprKind::kConstant:
      return SameValue(a.value, b.value);
    case plan::ExprKind::kColumn:
      return a.column == b.column && a.depth == b.depth;
    case plan::ExprKind::kSubquery:
      return false;
    default:
      break;
  }
  for (size_t i = 0; i < a.args.size(); ++i) {
    if ((a.args[i] == nullptr) != (b.args[i] == nullptr)) return false;
    if (a.args[i] != nullptr && !SameExpr(*a.args[i], *b.args[i])) return false;
  }
  return true;
}

namespace {

// Both walks, mutable and const: `Node` is plan::PlanNode or const plan::PlanNode; `visit`
// takes the expression slot (ExprPtr& or const ExprPtr&) and returns a Status.
template <typename Node, typename Visit>
Status Walk(Node& node, const Visit& visit) {
  auto one = [&visit](auto& e) { return e == nullptr ? Status::OK() : visit(e); };
  switch (node.kind) {
    case plan::PlanKind::kScan:
      SKY_RETURN_IF_ERROR(one(node.template As<plan::Scan>().filter));
      break;
    case plan::PlanKind::kFilter:
      SKY_RETURN_IF_ERROR(one(node.template As<plan::Filter>().condition));
      break;
    case plan::PlanKind::kProject:
      for (auto& e : node.template As<plan::Project>().expressions) SKY_RETURN_IF_ERROR(one(e));
      break;
    case plan::PlanKind::kJoin: {
      auto& join = node.template As<plan::Join>();
      SKY_RETURN_IF_ERROR(one(join.condition));
      for (auto& e : join.left_keys) SKY_RETURN_IF_ERROR(one(e));
      for (auto& e : join.right_keys) SKY_RETURN_IF_ERROR(one(e));
      break;
    }
    case plan::PlanKind::kAggregate: {
      auto& aggregate = node.template As<plan::Aggregate>();
      for (auto& e : aggregate.groups) SKY_RETURN_IF_ERROR(one(e));
      for (auto& call : aggregate.aggregates) SKY_RETURN_IF_ERROR(one(call.argument));
      break;
    }
    case plan::PlanKind::kSort:
      for (auto& key : node.template As<plan::Sort>().keys)
        SKY_RETURN_IF_ERROR(one(key.expression));
      break;
    case plan::PlanKind::kGather:
      for (auto& key : node.template As<plan::Gather>().keys) {
        SKY_RETURN_IF_ERROR(one(key.expression));
      }
      break;
    case plan::PlanKind::kDistinct:
    case plan::PlanKind::kLimit:
    case plan::PlanKind::kSetOperation:
      break;
  }
  for (auto& child : node.children) SKY_RETURN_IF_ERROR(Walk(*child, visit));
  return Status::OK();
}

}  // namespace

Status ForEachPlanExpr(plan::PlanNode& node, const std::function<Status(plan::ExprPtr&)>& visit) {
  return Walk(node, visit);
}

void ForEachPlanExpr(const plan::PlanNode& node,
                     const std::function<void(const plan::Expr&)>& visit) {
  Status ignored = Walk(node, [&visit](const plan::ExprPtr& e) {
    visit(*e);
    return Status::OK();
  });
  (void)ignored;
}

int ExprDepth(const plan::Expr& e, int cap) {
  if (cap <= 0) return 1;
  int deepest = 0;
  for (const plan::ExprPtr& arg : e.args) {
    if (arg != nullptr) deepest = std::max(deepest, ExprDepth(*arg, cap - 1));
  }
  return deepest + 1;
}

bool RefersOutside(const plan::PlanNode& plan, int level) {
  bool found = false;
  ForEachPlanExpr(plan, [&found, level](const plan::Expr& e) {
    if (!found && ExprRefersOutside(e, level)) found = true;
  });
  return found;
}

}  // namespace skyshard::adql::internal
