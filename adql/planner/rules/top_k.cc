// Top-k: a Sort that only the first rows of are read keeps only those (a bounded heap instead
// of sorting everything; Sort::limit).
//  - TOP / OFFSET over ORDER BY: Limit(offset o, count c) directly over a Sort gives the Sort a
//    limit of o + c. The Limit stays (it still skips the offset and counts).
//  - MAXREC: with PlannerOptions::max_rows = m >= 0 the caller reads at most m rows, so the
//    Sort that orders the result (reached from the root through Projects and Limits) needs
//    only o + m rows (o the offsets of the Limits passed on the way). No Limit is added: the
//    executor stops after m rows by itself.
//
// Worked example:
//   SELECT TOP 10 objectId, g_psfFlux FROM dp02_dc2_catalogs.Object ORDER BY g_psfFlux DESC
//   Limit count=10 <- Sort #1 DESC <- Project ... <- Scan Object full
// becomes
//   Limit count=10 <- TopK 10 #1 DESC <- Project ... <- Scan Object full
// and with MAXREC 5 (max_rows 6, one more to detect the overflow) `TopK 6`.
#include "adql/planner/rules/top_k.h"

#include <algorithm>
#include <limits>

namespace skyshard::adql::planner {
namespace {

using plan::PlanKind;

int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (a > std::numeric_limits<int64_t>::max() - b) return std::numeric_limits<int64_t>::max();
  return a + b;
}

void Tighten(plan::Sort& s, int64_t limit) {
  if (limit < 0) return;
  s.limit = s.limit < 0 ? limit : std::min(s.limit, limit);
}

void Visit(plan::PlanNode& node) {
  for (plan::PlanPtr& c : node.children) Visit(*c);
  if (node.kind != PlanKind::kLimit || node.children[0]->kind != PlanKind::kSort) return;
  const auto& l = node.As<plan::Limit>();
  if (l.count < 0) return;
  Tighten(node.children[0]->As<plan::Sort>(),
          SaturatingAdd(std::max<int64_t>(l.offset, 0), l.count));
}

// Early MAXREC: from the root down through row-for-row nodes to the result's Sort.
void ApplyMaxRows(plan::PlanNode& root, int64_t max_rows) {
  int64_t offset = 0;
  plan::PlanNode* node = &root;
  while (true) {
    switch (node->kind) {
      case PlanKind::kLimit:
        offset = SaturatingAdd(offset, std::max<int64_t>(node->As<plan::Limit>().offset, 0));
        break;
      case PlanKind::kProject:
        break;
      case PlanKind::kSort:
        Tighten(node->As<plan::Sort>(), SaturatingAdd(offset, max_rows));
        return;
      default:
        return;
    }
    node = node->children[0].get();
  }
}

}  // namespace

void UseTopK(plan::PlanPtr* plan, const PlannerOptions& options) {
  Visit(**plan);
  if (options.max_rows >= 0) ApplyMaxRows(**plan, options.max_rows);
}

}  // namespace skyshard::adql::planner
