// Projection pushdown: a scan reads (decodes, copies, ships between operators) only the columns
// something above it uses; a derived table's Project computes only the columns its consumer
// reads. The query's own result columns never change.
//
// Worked example:
//   SELECT objectId FROM dp02_dc2_catalogs.Object WHERE g_psfFlux > 1000
// arrives as
//   Project [objectId] = #0
//     Scan Object full [objectId, coord_ra, coord_dec, g_psfFlux, ...all 900 columns...]
//          filter=(#3 > 1000)
// and becomes
//   Project [objectId] = #0
//     Scan Object full [objectId, g_psfFlux] filter=(#1 > 1000)
//
// Each node is told which of its output columns are needed, asks its inputs for what it needs
// itself (its expressions' columns) and renumbers its expressions by the positions its inputs
// answer with. Columns read by a correlated subquery inside an expression (its outer
// references, at depth 1 inside it, depth 2 inside a subquery in it, ...) count as used and are
// renumbered with the rest. Nodes whose output defines the query's meaning keep it whole:
// the root, Distinct (duplicates are over all columns), set operations (columns by position)
// and Aggregates. A scan always keeps at least one column (a batch carries its row count in
// its columns), and a Project at least one expression. Projected expressions holding a
// subquery are kept even when unused (a scalar subquery of two rows is an error).
#include "adql/planner/rules/projection_pushdown.h"

#include <utility>

#include "adql/planner/internal/expr_util.h"
#include "adql/planner/internal/plan_util.h"

namespace skyshard::adql::planner {
namespace {

using plan::PlanKind;
using Needed = std::vector<bool>;
using Map = std::vector<int>;  // old output position -> new one, -1 when dropped

void Mark(const Expr& e, Needed* need) {
  ForEachScopeColumn(e, [&](const Expr& c) {
    if (c.column >= 0 && static_cast<size_t>(c.column) < need->size()) {
      (*need)[static_cast<size_t>(c.column)] = true;
    }
  });
}

void Renumber(Expr& e, const Map& map) {
  RemapColumns(e, [&](int c) { return map[static_cast<size_t>(c)]; });
}

Map Identity(size_t n) {
  Map m(n);
  for (size_t i = 0; i < n; ++i) m[i] = static_cast<int>(i);
  return m;
}

Map Prune(PlanPtr* slot, Needed required);

// Prunes child `i` of `node` for `need` and returns its map.
Map PruneChild(PlanNode& node, size_t i, Needed need) {
  return Prune(&node.children[i], std::move(need));
}

// For nodes whose output is their input's (Filter, Sort, Limit, Gather): the input needs what
// is required plus what the node's own expressions read.
Map PrunePassThrough(PlanNode& node, Needed required) {
  ForEachExprSlot(node, [&](const Expr& e) { Mark(e, &required); });
  Map map = PruneChild(node, 0, std::move(required));
  ForEachExprSlot(node, [&](ExprPtr& e) { Renumber(*e, map); });
  node.schema = node.children[0]->schema;
  return map;
}

Map PruneScan(plan::Scan& s, Needed required) {
  if (s.filter != nullptr) Mark(*s.filter, &required);
  bool any = false;
  for (bool b : required) any = any || b;
  if (!any && !required.empty()) required[0] = true;
  Map map(required.size(), -1);
  std::vector<int> columns;
  std::vector<plan::OutputColumn> schema;
  for (size_t i = 0; i < required.size(); ++i) {
    if (!required[i]) continue;
    map[i] = static_cast<int>(columns.size());
    columns.push_back(s.columns[i]);
    schema.push_back(s.schema[i]);
  }
  s.columns = std::move(columns);
  s.schema = std::move(schema);
  if (s.filter != nullptr) Renumber(*s.filter, map);
  return map;
}

Map PruneProject(plan::Project& p, Needed required) {
  // Keep what is required, what holds a subquery, and at least one expression.
  bool any = false;
  for (size_t i = 0; i < required.size(); ++i) {
    if (HasSubquery(*p.expressions[i])) required[i] = true;
    any = any || required[i];
  }
  if (!any && !required.empty()) required[0] = true;
  Map map(required.size(), -1);
  std::vector<ExprPtr> expressions;
  std::vector<plan::OutputColumn> schema;
  for (size_t i = 0; i < required.size(); ++i) {
    if (!required[i]) continue;
    map[i] = static_cast<int>(expressions.size());
    expressions.push_back(std::move(p.expressions[i]));
    schema.push_back(p.schema[i]);
  }
  p.expressions = std::move(expressions);
  p.schema = std::move(schema);
  Needed need(p.children[0]->schema.size(), false);
  for (const ExprPtr& e : p.expressions) Mark(*e, &need);
  Map child = PruneChild(p, 0, std::move(need));
  for (ExprPtr& e : p.expressions) Renumber(*e, child);
  return map;
}

Map PruneJoin(plan::Join& j, Needed required) {
  const size_t left = j.children[0]->schema.size();
  const size_t right = j.children[1]->schema.size();
  Needed all(left + right, false);
  for (size_t i = 0; i < required.size() && i < all.size(); ++i) all[i] = required[i];
  if (j.condition != nullptr) Mark(*j.condition, &all);
  // Keys are over one input each; mark them on their side.
  for (const ExprPtr& k : j.left_keys) Mark(*k, &all);
  Needed right_need(all.begin() + static_cast<std::ptrdiff_t>(left), all.end());
  for (const ExprPtr& k : j.right_keys) Mark(*k, &right_need);
  Needed left_need(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(left));
  Map lmap = PruneChild(j, 0, std::move(left_need));
  Map rmap = PruneChild(j, 1, std::move(right_need));
  const int new_left = static_cast<int>(j.children[0]->schema.size());
  Map both(left + right, -1);
  for (size_t i = 0; i < left; ++i) both[i] = lmap[i];
  for (size_t i = 0; i < right; ++i) {
    both[left + i] = rmap[i] < 0 ? -1 : new_left + rmap[i];
  }
  if (j.condition != nullptr) Renumber(*j.condition, both);
  for (ExprPtr& k : j.left_keys) Renumber(*k, lmap);
  for (ExprPtr& k : j.right_keys) Renumber(*k, rmap);
  j.schema = j.children[0]->schema;
  const bool semi = j.type == plan::JoinType::kSemi || j.type == plan::JoinType::kAnti;
  if (!semi) {
    j.schema.insert(j.schema.end(), j.children[1]->schema.begin(), j.children[1]->schema.end());
    return both;
  }
  return lmap;
}

// Nodes that keep their output: their inputs need what their expressions read (or all).
Map PruneFixed(PlanNode& node, bool needs_all_input) {
  for (size_t i = 0; i < node.children.size(); ++i) {
    const size_t width = node.children[i]->schema.size();
    Needed need(width, needs_all_input);
    if (!needs_all_input) ForEachExprSlot(node, [&](const Expr& e) { Mark(e, &need); });
    Map map = PruneChild(node, i, std::move(need));
    if (!needs_all_input) ForEachExprSlot(node, [&](ExprPtr& e) { Renumber(*e, map); });
  }
  return Identity(node.schema.size());
}

Map Prune(PlanPtr* slot, Needed required) {
  PlanNode& node = **slot;
  switch (node.kind) {
    case PlanKind::kScan:
      return PruneScan(node.As<plan::Scan>(), std::move(required));
    case PlanKind::kFilter:
    case PlanKind::kSort:
    case PlanKind::kLimit:
    case PlanKind::kGather:
      return PrunePassThrough(node, std::move(required));
    case PlanKind::kProject:
      return PruneProject(node.As<plan::Project>(), std::move(required));
    case PlanKind::kJoin:
      return PruneJoin(node.As<plan::Join>(), std::move(required));
    case PlanKind::kAggregate:
      return PruneFixed(node, /*needs_all_input=*/false);
    case PlanKind::kDistinct:
    case PlanKind::kSetOperation:
      return PruneFixed(node, /*needs_all_input=*/true);
  }
  return Identity(node.schema.size());
}

}  // namespace

void PushDownProjections(plan::PlanPtr* plan, const PlannerOptions& /*options*/) {
  Prune(plan, Needed((*plan)->schema.size(), true));
}

}  // namespace skyshard::adql::planner
