// Key-lookup joins: a join whose build (right) input is a whole in-memory table with a
// primary-key index (a cached dimension table such as CcdVisit, MemoryTable::BuildKeyIndex),
// joined on exactly that key, needs no hash table: each left row's key is looked up in the
// index (adql/exec/lookup_join.cc). The hash join would read and hash the whole table on every
// query; the lookup costs one probe per left row.
//
// Applies to inner and left joins (the outer side streams; a miss is a NULL-extended row) with
// no spatial keys, when:
//  - the right input is Filters and Projects over a Scan with kFull access of a kMemory table
//    whose rows carry a key index, with no subquery, volatile or failing expression among them
//    (the executor evaluates them on the looked-up rows only, so they must not be able to fail
//    on rows the lookup skips);
//  - some hash key pair left_keys[k] = right_keys[k] has a right key that is the indexed column
//    passed through unchanged, and a numeric left key (an INTEGER key is looked up as is; a
//    DOUBLE one by value, so 3.0 finds 3 and 3.5 nothing).
// The whole condition is still checked on each pair, as for a hash join.
// An inner join with such a table on the left and any other input on the right has its inputs
// swapped first (SwapJoinInputs: a Project restores the column order): streaming the other
// input through lookups costs one probe per row, where a hash join would build from all of it.
// RIGHT, FULL, SEMI and ANTI joins stay hash joins.
//
// Worked example (the DP0 light curve):
//   SELECT src.ccdVisitId, src.band, visinfo.expMidptMJD
//   FROM dp02_dc2_catalogs.ForcedSource AS src
//   JOIN dp02_dc2_catalogs.CcdVisit AS visinfo ON visinfo.ccdVisitId = src.ccdVisitId
//   WHERE src.objectId = 1651589610221899038
// after join keys:
//   Join inner hash(#1 = #0) on (#4 = #1)
//     Scan dp02_dc2_catalogs.ForcedSource children-of=1 [objectId, ccdVisitId, band, psfFlux]
//     Scan dp02_dc2_catalogs.CcdVisit full [ccdVisitId, expMidptMJD]     (cached in memory)
// becomes
//   Join inner lookup(#1 -> CcdVisit.ccdVisitId) on (#4 = #1)
// with the same inputs: src.ccdVisitId (#1) is looked up in CcdVisit's key index, and CcdVisit
// is never scanned.
// Written `FROM CcdVisit JOIN ForcedSource ...`, the inputs are swapped first, then the same.
#include "adql/planner/rules/key_lookup_join.h"

#include "adql/binder/query_catalog.h"
#include "adql/functions/function_registry.h"
#include "adql/planner/internal/expr_util.h"
#include "adql/planner/internal/plan_util.h"

namespace skyshard::adql::planner {
namespace {

using plan::JoinType;
using plan::PlanKind;

// The indexed memory table read whole under a chain of Filters and Projects whose expressions
// may be evaluated on some of its rows only; null when `node` is not such a chain.
const MemoryTable* IndexedMemoryScan(const PlanNode& node) {
  bool plain = true;
  ForEachExprSlot(node, [&](const Expr& e) { plain = plain && IsMovable(e) && !MayFail(e); });
  if (!plain) return nullptr;
  switch (node.kind) {
    case PlanKind::kFilter:
    case PlanKind::kProject:
      return IndexedMemoryScan(*node.children[0]);
    case PlanKind::kScan: {
      const auto& s = node.As<plan::Scan>();
      if (s.table == nullptr || s.table->source != QueryTable::Source::kMemory ||
          s.table->rows == nullptr || !s.table->rows->has_key_index() ||
          s.access.kind != plan::ScanAccess::Kind::kFull) {
        return nullptr;
      }
      return s.table->rows.get();
    }
    default:
      return nullptr;
  }
}

// The position k of the key pair that can be looked up in the right input's index, or -1.
int LookupKey(plan::Join& j) {
  if (j.spatial.has_value() || j.condition == nullptr || j.left_keys.empty()) return -1;
  if (j.type != JoinType::kInner && j.type != JoinType::kLeft) return -1;
  const MemoryTable* rows = IndexedMemoryScan(*j.children[1]);
  if (rows == nullptr) return -1;
  for (size_t k = 0; k < j.right_keys.size() && k < j.left_keys.size(); ++k) {
    const Expr& r = *j.right_keys[k];
    if (r.kind != ExprKind::kColumn || r.depth != 0 || !IsNumeric(j.left_keys[k]->type)) {
      continue;
    }
    const ColumnOrigin origin = TraceColumn(*j.children[1], r.column);
    if (origin.scan != nullptr && origin.table_column == rows->key_column()) {
      return static_cast<int>(k);
    }
  }
  return -1;
}

void Visit(PlanPtr* slot) {
  for (PlanPtr& c : (*slot)->children) Visit(&c);
  if ((*slot)->kind != PlanKind::kJoin) return;
  auto* j = &(*slot)->As<plan::Join>();
  j->lookup_key = LookupKey(*j);
  if (j->lookup_key >= 0 || j->type != JoinType::kInner || j->spatial.has_value() ||
      j->left_keys.empty() || IndexedMemoryScan(*j->children[0]) == nullptr) {
    return;
  }
  // The indexed table is on the left: try it on the right.
  PlanPtr original = (*slot)->Clone();
  SwapJoinInputs(slot);
  PlanNode* join = slot->get();
  while (join->kind != PlanKind::kJoin && !join->children.empty()) join = join->children[0].get();
  if (join->kind != PlanKind::kJoin) {
    *slot = std::move(original);
    return;
  }
  j = &join->As<plan::Join>();
  j->lookup_key = LookupKey(*j);
  if (j->lookup_key < 0) *slot = std::move(original);
}

}  // namespace

void UseKeyLookupJoins(plan::PlanPtr* plan, const PlannerOptions& /*options*/) { Visit(plan); }

}  // namespace skyshard::adql::planner
