// Children of restricted parents (light curves): a child table (ForcedSource, DiaSource:
// TableDef kChild, rows keyed by their parent's HEALPix index and key) joined to its parent
// table on `child.parent_key = parent.primary_key`, where the parent's scan already reads only
// some rows, reads only those parents' children:
//  - parent by keys (kPrimaryKeys K)  -> child kChildrenOf K (one contiguous read per parent);
//  - parent by ranges (a cone: kRanges R) -> child kRanges R (Store::Scan applies ranges to a
//    child's *parent's* position, so the cone's ranges hold exactly its objects' children);
//  - parent empty -> child empty.
// Any child row outside these has a parent_key no parent row that reaches the join carries,
// so the equality drops it anyway: the result is unchanged.
//
// Worked example (a light curve of every object in a cone, issue 5):
//   SELECT o.objectId, s.psfFlux
//   FROM dp02_dc2_catalogs.Object AS o
//   JOIN dp02_dc2_catalogs.ForcedSource AS s ON s.objectId = o.objectId
//   WHERE CONTAINS(POINT(o.coord_ra, o.coord_dec), CIRCLE(62, -37, 0.05)) = 1
// After spatial pushdown the Object scan is `ranges=16 CIRCLE(62 -37 0.05)` and the
// ForcedSource scan is full; this rule makes it `ranges=16 CIRCLE(62 -37 0.05)` too, so each
// light curve is read once, next to its object. With `WHERE o.objectId = X` instead, the Object
// scan is `keys=1` and the ForcedSource scan becomes `children-of=1`.
//
// Where the child scan may be restricted: the join's condition must hold the equality as a
// conjunct, and the child's side must be one whose unmatched rows the join drops (either side
// of an inner or semi join, the null-producing side of an outer join, the right of an anti
// join). Between the join and the child scan only Filters, Projects of bare columns, Sorts
// without limit, Distincts and inner joins may stand (a LIMIT or an aggregate would see
// different rows). Between the join and the parent scan, anything that passes the parent key
// through unchanged (the parent rows reaching the join are a subset of those read).
#include "adql/planner/rules/children_of_parent.h"

#include <utility>

#include "adql/binder/query_catalog.h"
#include "adql/planner/internal/expr_util.h"
#include "adql/planner/internal/plan_util.h"
#include "common/ascii.h"

namespace skyshard::adql::planner {
namespace {

using plan::JoinType;
using plan::PlanKind;
using plan::ScanAccess;

// TraceColumn restricted to nodes through which dropping scan rows only drops output rows
// carrying those rows' values.
ColumnOrigin TraceStrict(PlanNode& node, int column) {
  if (column < 0 || static_cast<size_t>(column) >= node.schema.size()) return {};
  switch (node.kind) {
    case PlanKind::kScan: {
      auto& s = node.As<plan::Scan>();
      if (static_cast<size_t>(column) >= s.columns.size()) return {};
      return {&s, s.columns[static_cast<size_t>(column)]};
    }
    case PlanKind::kFilter:
    case PlanKind::kDistinct:
      return TraceStrict(*node.children[0], column);
    case PlanKind::kSort:
      if (node.As<plan::Sort>().limit >= 0) return {};
      return TraceStrict(*node.children[0], column);
    case PlanKind::kProject: {
      const Expr& e = *node.As<plan::Project>().expressions[static_cast<size_t>(column)];
      if (e.kind != ExprKind::kColumn || e.depth != 0) return {};
      return TraceStrict(*node.children[0], e.column);
    }
    case PlanKind::kJoin: {
      if (node.As<plan::Join>().type != JoinType::kInner) return {};
      const int left = static_cast<int>(node.children[0]->schema.size());
      if (column < left) return TraceStrict(*node.children[0], column);
      return TraceStrict(*node.children[1], column - left);
    }
    default:
      return {};
  }
}

bool MayRestrict(JoinType type, bool right_side) {
  switch (type) {
    case JoinType::kInner:
    case JoinType::kSemi:
      return true;
    case JoinType::kLeft:
    case JoinType::kAnti:
      return right_side;
    case JoinType::kRight:
      return !right_side;
    default:
      return false;
  }
}

bool IsStoreTable(const plan::Scan* s) {
  return s != nullptr && s->table != nullptr && s->table->source == QueryTable::Source::kStore;
}

// Restricts the child scan behind column `child_col` by the parent scan behind `parent_col`,
// when they are a child table's parent key and its parent's primary key.
void TryRestrict(PlanNode& join, int child_col, int parent_col) {
  const int left = static_cast<int>(join.children[0]->schema.size());
  const bool child_right = child_col >= left;
  if (!MayRestrict(join.As<plan::Join>().type, child_right)) return;
  ColumnOrigin child =
      TraceStrict(*join.children[child_right ? 1 : 0], child_right ? child_col - left : child_col);
  const bool parent_right = parent_col >= left;
  if (parent_right == child_right) return;
  ColumnOrigin parent = TraceColumn(*join.children[parent_right ? 1 : 0],
                                    parent_right ? parent_col - left : parent_col);
  if (!IsStoreTable(child.scan) || !IsStoreTable(parent.scan)) return;
  const TableDef& cdef = child.scan->table->def;
  const TableDef& pdef = parent.scan->table->def;
  if (cdef.kind != TableKind::kChild || child.scan->table->schema != parent.scan->table->schema ||
      !EqualsIgnoreCase(cdef.parent_table, pdef.name) ||
      child.table_column != cdef.ColumnIndex(cdef.parent_key) || pdef.primary_key.empty() ||
      parent.table_column != pdef.ColumnIndex(pdef.primary_key)) {
    return;
  }
  if (child.scan->access.kind != ScanAccess::Kind::kFull) return;
  const ScanAccess& from = parent.scan->access;
  ScanAccess& to = child.scan->access;
  switch (from.kind) {
    case ScanAccess::Kind::kPrimaryKeys:
      to = {};
      to.kind = from.keys.empty() ? ScanAccess::Kind::kEmpty : ScanAccess::Kind::kChildrenOf;
      to.keys = from.keys;
      break;
    case ScanAccess::Kind::kRanges:
      to = from;
      break;
    case ScanAccess::Kind::kEmpty:
      to = {};
      to.kind = ScanAccess::Kind::kEmpty;
      break;
    default:
      break;
  }
}

void Visit(PlanNode& node) {
  // Bottom-up, so that a restriction made below reaches joins above.
  for (PlanPtr& c : node.children) Visit(*c);
  if (node.kind != PlanKind::kJoin) return;
  const auto& j = node.As<plan::Join>();
  if (j.condition == nullptr) return;
  std::vector<const Expr*> conjuncts;
  CollectConjuncts(*j.condition, &conjuncts);
  for (const Expr* c : conjuncts) {
    if (c->kind != ExprKind::kComparison || c->op != plan::Op::kEqual) continue;
    const Expr& a = *c->args[0];
    const Expr& b = *c->args[1];
    if (a.kind != ExprKind::kColumn || b.kind != ExprKind::kColumn || a.depth != 0 ||
        b.depth != 0) {
      continue;
    }
    TryRestrict(node, a.column, b.column);
    TryRestrict(node, b.column, a.column);
  }
}

}  // namespace

void RestrictChildrenToParents(plan::PlanPtr* plan, const PlannerOptions& /*options*/) {
  Visit(**plan);
}

}  // namespace skyshard::adql::planner
