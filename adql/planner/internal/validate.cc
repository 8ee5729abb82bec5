#include "adql/planner/internal/validate.h"

#include <string>

#include "adql/planner/internal/expr_util.h"

namespace skyshard::adql::planner {
namespace {

using plan::PlanKind;

Status Bad(const plan::PlanNode& node, const std::string& what) {
  return Status::Internal("planner produced an inconsistent plan (" + what + ") at:\n" +
                          plan::Explain(node));
}

bool Within(const Expr& e, size_t width) {
  for (int c : ScopeColumns(e)) {
    if (c < 0 || static_cast<size_t>(c) >= width) return false;
  }
  return true;
}

Status Check(const plan::PlanNode& node) {
  for (const PlanPtr& c : node.children) {
    if (c == nullptr) return Bad(node, "missing input");
    SKY_RETURN_IF_ERROR(Check(*c));
  }
  auto width = [&](size_t i) { return node.children[i]->schema.size(); };
  bool ok = true;
  switch (node.kind) {
    case PlanKind::kScan: {
      const auto& s = node.As<plan::Scan>();
      if (s.columns.size() != node.schema.size() || s.columns.empty()) return Bad(node, "columns");
      if (s.filter != nullptr && !Within(*s.filter, node.schema.size())) return Bad(node, "filter");
      return Status::OK();
    }
    case PlanKind::kFilter:
    case PlanKind::kSort:
    case PlanKind::kLimit:
    case PlanKind::kDistinct:
    case PlanKind::kGather:
      if (node.children.size() != 1 || node.schema.size() != width(0)) return Bad(node, "schema");
      ForEachExprSlot(node, [&](const Expr& e) { ok = ok && Within(e, width(0)); });
      return ok ? Status::OK() : Bad(node, "column out of range");
    case PlanKind::kProject:
      if (node.children.size() != 1 ||
          node.As<plan::Project>().expressions.size() != node.schema.size()) {
        return Bad(node, "schema");
      }
      ForEachExprSlot(node, [&](const Expr& e) { ok = ok && Within(e, width(0)); });
      return ok ? Status::OK() : Bad(node, "column out of range");
    case PlanKind::kAggregate: {
      const auto& a = node.As<plan::Aggregate>();
      if (node.children.size() != 1 ||
          a.groups.size() + a.aggregates.size() != node.schema.size()) {
        return Bad(node, "schema");
      }
      ForEachExprSlot(node, [&](const Expr& e) { ok = ok && Within(e, width(0)); });
      return ok ? Status::OK() : Bad(node, "column out of range");
    }
    case PlanKind::kJoin: {
      const auto& j = node.As<plan::Join>();
      if (node.children.size() != 2) return Bad(node, "inputs");
      const bool semi = j.type == plan::JoinType::kSemi || j.type == plan::JoinType::kAnti;
      if (node.schema.size() != width(0) + (semi ? 0 : width(1))) return Bad(node, "schema");
      if (j.condition != nullptr && !Within(*j.condition, width(0) + width(1))) {
        return Bad(node, "condition");
      }
      if (j.left_keys.size() != j.right_keys.size()) return Bad(node, "keys");
      for (const ExprPtr& k : j.left_keys) ok = ok && Within(*k, width(0));
      for (const ExprPtr& k : j.right_keys) ok = ok && Within(*k, width(1));
      if (!ok) return Bad(node, "keys");
      if (j.lookup_key != -1) {
        // A lookup join looks the left key up in the right table's key index: an inner or left
        // join, a key pair that exists, the right one a bare column.
        const bool kind = j.type == plan::JoinType::kInner || j.type == plan::JoinType::kLeft;
        if (!kind || j.lookup_key < 0 || static_cast<size_t>(j.lookup_key) >= j.right_keys.size() ||
            j.right_keys[static_cast<size_t>(j.lookup_key)]->kind != plan::ExprKind::kColumn) {
          return Bad(node, "lookup key");
        }
      }
      return Status::OK();
    }
    case PlanKind::kSetOperation:
      if (node.children.size() != 2 || width(0) != width(1) || node.schema.size() != width(0)) {
        return Bad(node, "schema");
      }
      return Status::OK();
  }
  return Status::OK();
}

}  // namespace

Status ValidatePlan(const plan::PlanNode& plan) { return Check(plan); }

}  // namespace skyshard::adql::planner
