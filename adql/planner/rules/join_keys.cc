// Join keys: each conjunct `l = r` of a join condition with l over the left input only and r
// over the right only (or the mirror) becomes a pair of hash keys, so that the executor runs a
// hash join instead of a nested loop. The condition keeps every conjunct (the executor
// evaluates it on each candidate pair, so the keys only have to be a necessary condition).
//
// Build side: the executor builds its hash table from the right input and streams the left
// (Join's comment in logical_plan.h). For an inner join whose left input is a small dimension
// table (a kPlain store table such as CcdVisit, read whole but small) and whose right input is
// not, the inputs are swapped, with a Project above restoring the column order.
//
// Worked example (the DP0 light curve):
//   SELECT src.ccdVisitId, src.band, visinfo.expMidptMJD
//   FROM dp02_dc2_catalogs.ForcedSource AS src
//   JOIN dp02_dc2_catalogs.CcdVisit AS visinfo ON visinfo.ccdVisitId = src.ccdVisitId
//   WHERE src.objectId = 1651589610221899038
//   Join inner on (#4 = #1)                       (#4: visinfo.ccdVisitId, #1: src.ccdVisitId)
// becomes
//   Join inner hash(#1 = #0) on (#4 = #1)
// with ForcedSource (children-of=1) streamed and CcdVisit built. Written the other way round
// (`FROM CcdVisit JOIN ForcedSource ...`) the inputs are swapped so that CcdVisit still builds.
//
// Keys pair only values the executor hashes in a common type: two numbers, or two values of the
// same (non-geometry) type; anything else stays a nested-loop condition.
// Conjuncts with subqueries or volatile functions are not keys.
#include "adql/planner/rules/join_keys.h"

#include <utility>

#include "adql/binder/query_catalog.h"
#include "adql/planner/internal/expr_util.h"
#include "adql/planner/internal/plan_util.h"

namespace skyshard::adql::planner {
namespace {

using plan::JoinType;
using plan::PlanKind;

bool HashCompatible(ValueType a, ValueType b) {
  // The executor's hash join compares key pairs in their common type (adql/exec/hash_join.cc).
  if (IsNumeric(a) && IsNumeric(b)) return true;
  if (a != b) return false;
  return a != ValueType::kNull && !IsGeometry(a);
}

// -1: no column; 0: left only; 1: right only; 2: both.
int SideOf(const Expr& e, int left_width) {
  bool l = false, r = false;
  for (int c : ScopeColumns(e)) (c < left_width ? l : r) = true;
  if (l && r) return 2;
  if (l) return 0;
  if (r) return 1;
  return -1;
}

void FillKeys(plan::Join& j) {
  j.left_keys.clear();
  j.right_keys.clear();
  if (j.condition == nullptr || j.type == JoinType::kCross) return;
  const int left_width = static_cast<int>(j.children[0]->schema.size());
  std::vector<const Expr*> conjuncts;
  CollectConjuncts(*j.condition, &conjuncts);
  for (const Expr* c : conjuncts) {
    if (c->kind != ExprKind::kComparison || c->op != plan::Op::kEqual || !IsMovable(*c)) continue;
    const Expr* a = c->args[0].get();
    const Expr* b = c->args[1].get();
    int sa = SideOf(*a, left_width), sb = SideOf(*b, left_width);
    if (sa == 1 && sb == 0) {
      std::swap(a, b);
      std::swap(sa, sb);
    }
    if (sa != 0 || sb != 1 || !HashCompatible(a->type, b->type)) continue;
    ExprPtr r = b->Clone();
    RemapColumns(*r, [&](int col) { return col - left_width; });
    j.left_keys.push_back(a->Clone());
    j.right_keys.push_back(std::move(r));
  }
}

// The store table behind a chain of Filters and Projects, or null.
const QueryTable* BaseTable(const PlanNode& node) {
  switch (node.kind) {
    case PlanKind::kScan:
      return node.As<plan::Scan>().table;
    case PlanKind::kFilter:
    case PlanKind::kProject:
      return BaseTable(*node.children[0]);
    default:
      return nullptr;
  }
}

bool IsMemoryTable(const PlanNode& node) {
  const QueryTable* t = BaseTable(node);
  return t != nullptr && t->source == QueryTable::Source::kMemory;
}

bool IsDimension(const PlanNode& node) {
  const QueryTable* t = BaseTable(node);
  return t != nullptr && t->source == QueryTable::Source::kStore &&
         t->def.kind == TableKind::kPlain;
}

void Visit(PlanPtr* slot) {
  for (PlanPtr& c : (*slot)->children) Visit(&c);
  if ((*slot)->kind != PlanKind::kJoin) return;
  auto& j = (*slot)->As<plan::Join>();
  FillKeys(j);
  if (j.type == JoinType::kInner && !j.left_keys.empty() && IsDimension(*j.children[0]) &&
      !IsDimension(*j.children[1]) && !IsMemoryTable(*j.children[1])) {
    SwapJoinInputs(slot);
  }
}

}  // namespace

void ChooseJoinKeys(plan::PlanPtr* plan, const PlannerOptions& /*options*/) { Visit(plan); }

}  // namespace skyshard::adql::planner
