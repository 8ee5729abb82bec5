#include "adql/planner/internal/plan_util.h"

#include <algorithm>
#include <utility>

#include "adql/binder/query_catalog.h"

namespace skyshard::adql::planner {

void AddFilter(PlanPtr* slot, std::vector<ExprPtr> conjuncts) {
  if (conjuncts.empty()) return;
  if ((*slot)->kind == plan::PlanKind::kFilter) {
    auto& f = (*slot)->As<plan::Filter>();
    std::vector<ExprPtr> all = SplitConjuncts(std::move(f.condition));
    for (ExprPtr& c : conjuncts) all.push_back(std::move(c));
    f.condition = CombineConjuncts(std::move(all));
    return;
  }
  auto f = std::make_unique<plan::Filter>();
  f->schema = (*slot)->schema;
  f->condition = CombineConjuncts(std::move(conjuncts));
  f->children.push_back(std::move(*slot));
  *slot = std::move(f);
}

ColumnOrigin TraceColumn(PlanNode& node, int column) {
  if (column < 0 || static_cast<size_t>(column) >= node.schema.size()) return {};
  switch (node.kind) {
    case plan::PlanKind::kScan: {
      auto& s = node.As<plan::Scan>();
      if (static_cast<size_t>(column) >= s.columns.size()) return {};
      return {&s, s.columns[static_cast<size_t>(column)]};
    }
    case plan::PlanKind::kFilter:
    case plan::PlanKind::kSort:
    case plan::PlanKind::kLimit:
    case plan::PlanKind::kDistinct:
    case plan::PlanKind::kGather:
      return TraceColumn(*node.children[0], column);
    case plan::PlanKind::kProject: {
      const Expr& e = *node.As<plan::Project>().expressions[static_cast<size_t>(column)];
      if (e.kind != ExprKind::kColumn || e.depth != 0) return {};
      return TraceColumn(*node.children[0], e.column);
    }
    case plan::PlanKind::kJoin: {
      const int left = static_cast<int>(node.children[0]->schema.size());
      if (column < left) return TraceColumn(*node.children[0], column);
      auto type = node.As<plan::Join>().type;
      if (type == plan::JoinType::kSemi || type == plan::JoinType::kAnti) return {};
      return TraceColumn(*node.children[1], column - left);
    }
    case plan::PlanKind::kAggregate:
    case plan::PlanKind::kSetOperation:
      return {};
  }
  return {};
}

void ForEachSubqueryPlan(PlanNode& node, const std::function<void(PlanPtr&)>& fn) {
  std::function<void(Expr&)> visit = [&](Expr& e) {
    for (ExprPtr& a : e.args) visit(*a);
    if (e.subquery != nullptr) fn(e.subquery);
  };
  ForEachExprSlot(node, [&](ExprPtr& slot) { visit(*slot); });
}

double EstimateRows(const PlanNode& node) {
  switch (node.kind) {
    case plan::PlanKind::kScan: {
      const auto& s = node.As<plan::Scan>();
      const double rows = s.table == nullptr
                              ? 1e6
                              : static_cast<double>(std::max<uint64_t>(s.table->def.row_count, 1));
      switch (s.access.kind) {
        case plan::ScanAccess::Kind::kFull:
          return rows;
        case plan::ScanAccess::Kind::kRanges: {
          double pixels = 0;
          for (const IndexRange& r : s.access.ranges)
            pixels += static_cast<double>(r.end - r.begin);
          return std::max(1.0, rows * pixels / static_cast<double>(kIndexPixels));
        }
        case plan::ScanAccess::Kind::kPrimaryKeys:
          return static_cast<double>(s.access.keys.size());
        case plan::ScanAccess::Kind::kChildrenOf:
          return static_cast<double>(s.access.keys.size()) * 1000;
        case plan::ScanAccess::Kind::kEmpty:
          return 0;
      }
      return rows;
    }
    case plan::PlanKind::kJoin: {
      const double l = EstimateRows(*node.children[0]);
      const double r = EstimateRows(*node.children[1]);
      const auto type = node.As<plan::Join>().type;
      if (type == plan::JoinType::kSemi || type == plan::JoinType::kAnti) return l;
      return std::max(l, r);
    }
    case plan::PlanKind::kLimit: {
      const auto& l = node.As<plan::Limit>();
      const double child = EstimateRows(*node.children[0]);
      return l.count >= 0 ? std::min(child, static_cast<double>(l.count)) : child;
    }
    case plan::PlanKind::kSetOperation:
      return EstimateRows(*node.children[0]) + EstimateRows(*node.children[1]);
    default:
      return node.children.empty() ? 1 : EstimateRows(*node.children[0]);
  }
}

bool PlanHasSubquery(const PlanNode& node) {
  bool found = false;
  ForEachExprSlot(node, [&](const Expr& e) { found = found || HasSubquery(e); });
  if (found) return true;
  return std::any_of(node.children.begin(), node.children.end(),
                     [](const PlanPtr& c) { return PlanHasSubquery(*c); });
}

void SwapJoinInputs(PlanPtr* slot) {
  auto& j = (*slot)->As<plan::Join>();
  const int left = static_cast<int>(j.children[0]->schema.size());
  const int right = static_cast<int>(j.children[1]->schema.size());
  auto to_swapped = [&](int c) { return c < left ? c + right : c - left; };
  if (j.condition != nullptr) RemapColumns(*j.condition, to_swapped);
  if (j.spatial.has_value() && j.spatial->residual != nullptr) {
    RemapColumns(*j.spatial->residual, to_swapped);
  }
  std::swap(j.children[0], j.children[1]);
  std::swap(j.left_keys, j.right_keys);
  if (j.spatial.has_value()) {
    std::swap(j.spatial->left_ra, j.spatial->right_ra);
    std::swap(j.spatial->left_dec, j.spatial->right_dec);
  }
  if (j.type == plan::JoinType::kLeft) {
    j.type = plan::JoinType::kRight;
  } else if (j.type == plan::JoinType::kRight) {
    j.type = plan::JoinType::kLeft;
  }
  std::vector<plan::OutputColumn> original = j.schema;
  j.schema = j.children[0]->schema;
  j.schema.insert(j.schema.end(), j.children[1]->schema.begin(), j.children[1]->schema.end());
  auto p = std::make_unique<plan::Project>();
  for (int c = 0; c < left + right; ++c) {
    p->expressions.push_back(Expr::Column(to_swapped(c), original[static_cast<size_t>(c)].type));
  }
  p->schema = std::move(original);
  p->children.push_back(std::move(*slot));
  *slot = std::move(p);
}

}  // namespace skyshard::adql::planner
