// Parallel fragments: a pipeline that reads many rows of one spatial or child table (a Scan
// with kFull or kRanges access, under Filters and Projects) runs as a Gather: the executor runs
// the pipeline once per partition of the scan's HEALPix key space on its worker threads and
// merges what the partitions produce.
//  - A pipeline under an Aggregate whose functions all merge (COUNT, SUM, MIN, MAX, AVG, none
//    DISTINCT): the Aggregate joins the fragment and the Gather merges partial states
//    (Merge::kAggregate).
//  - A pipeline under a top-k Sort: each partition keeps its own top k, the Gather merges the
//    sorted streams (Merge::kOrdered) and the Sort stays above it.
//  - Otherwise the partitions' rows are concatenated (Merge::kConcat).
// Fragments are plain plan nodes (no pointers into shared state but the QueryTable), so a
// Gather's child could be shipped to another process unchanged.
//
// Worked example:
//   SELECT band, COUNT(*), AVG(psfFlux) FROM dp02_dc2_catalogs.ForcedSource GROUP BY band
//   Aggregate group=(#2) COUNT(*) AVG(#5) <- Scan ForcedSource full [...]
// becomes
//   Gather aggregate <- Aggregate group=(#2) COUNT(*) AVG(#5) <- Scan ForcedSource full [...]
//
// When not: inside a subquery's plan (run per outer row), for pipelines holding subqueries,
// for scans estimated below PlannerOptions::parallel_min_rows, with a single worker thread, and
// under a LIMIT / TOP (or a MAXREC truncation) with no ORDER BY or aggregate between: there a
// sequential scan gives the first rows in key order, and a parallel one could give others.
#include "adql/planner/rules/parallel_fragments.h"

#include <thread>
#include <utility>

#include "adql/binder/query_catalog.h"
#include "adql/planner/internal/expr_util.h"
#include "adql/planner/internal/plan_util.h"

namespace skyshard::adql::planner {
namespace {

using plan::Gather;
using plan::PlanKind;
using plan::ScanAccess;

// True when `node` is Filters / Projects over one Scan that is worth splitting.
bool IsPipeline(const PlanNode& node, const PlannerOptions& options) {
  bool has_subquery = false;
  ForEachExprSlot(node, [&](const Expr& e) { has_subquery = has_subquery || HasSubquery(e); });
  if (has_subquery) return false;
  switch (node.kind) {
    case PlanKind::kFilter:
    case PlanKind::kProject:
      return IsPipeline(*node.children[0], options);
    case PlanKind::kScan: {
      const auto& s = node.As<plan::Scan>();
      if (s.table == nullptr || s.table->source != QueryTable::Source::kStore) return false;
      const TableKind kind = s.table->def.kind;
      if (kind != TableKind::kSpatial && kind != TableKind::kChild) return false;
      if (s.access.kind != ScanAccess::Kind::kFull && s.access.kind != ScanAccess::Kind::kRanges) {
        return false;
      }
      return EstimateRows(node) >= static_cast<double>(options.parallel_min_rows);
    }
    default:
      return false;
  }
}

bool MergeableAggregate(const plan::Aggregate& a) {
  for (const plan::AggregateCall& c : a.aggregates) {
    if (c.distinct) return false;
    if (c.argument != nullptr && HasSubquery(*c.argument)) return false;
  }
  for (const ExprPtr& g : a.groups) {
    if (HasSubquery(*g)) return false;
  }
  return true;
}

std::unique_ptr<Gather> MakeGather(PlanPtr child, Gather::Merge merge) {
  auto g = std::make_unique<Gather>();
  g->merge = merge;
  g->schema = child->schema;
  g->children.push_back(std::move(child));
  return g;
}

// `truncated`: the rows produced here may be cut short above (LIMIT, MAXREC) with nothing
// in between that looks at all of them.
void Visit(PlanPtr* slot, bool truncated, const PlannerOptions& options) {
  PlanNode& node = **slot;
  switch (node.kind) {
    case PlanKind::kSort: {
      auto& s = node.As<plan::Sort>();
      bool keys_plain = true;
      for (const plan::SortKey& k : s.keys) keys_plain = keys_plain && !HasSubquery(*k.expression);
      if (s.limit >= 0 && keys_plain && IsPipeline(*node.children[0], options)) {
        // Sort(k) <- Gather ordered <- Sort(k) <- pipeline.
        auto inner = std::make_unique<plan::Sort>();
        inner->schema = s.schema;
        inner->limit = s.limit;
        for (const plan::SortKey& k : s.keys) {
          inner->keys.push_back({k.expression->Clone(), k.descending});
        }
        inner->children.push_back(std::move(node.children[0]));
        auto g = MakeGather(std::move(inner), Gather::Merge::kOrdered);
        for (const plan::SortKey& k : s.keys)
          g->keys.push_back({k.expression->Clone(), k.descending});
        node.children[0] = std::move(g);
        return;
      }
      Visit(&node.children[0], /*truncated=*/false, options);
      return;
    }
    case PlanKind::kAggregate: {
      if (MergeableAggregate(node.As<plan::Aggregate>()) &&
          IsPipeline(*node.children[0], options)) {
        PlanPtr agg = std::move(*slot);
        *slot = MakeGather(std::move(agg), Gather::Merge::kAggregate);
        return;
      }
      Visit(&node.children[0], /*truncated=*/false, options);
      return;
    }
    case PlanKind::kFilter:
    case PlanKind::kProject:
    case PlanKind::kScan:
      if (!truncated && IsPipeline(node, options)) {
        PlanPtr pipeline = std::move(*slot);
        *slot = MakeGather(std::move(pipeline), Gather::Merge::kConcat);
        return;
      }
      break;
    case PlanKind::kLimit:
      truncated = true;
      break;
    case PlanKind::kGather:
      return;
    default:
      break;
  }
  for (PlanPtr& c : (*slot)->children) Visit(&c, truncated, options);
}

}  // namespace

void SplitIntoFragments(plan::PlanPtr* plan, const PlannerOptions& options) {
  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 1) return;
  Visit(plan, /*truncated=*/options.max_rows >= 0, options);
}

}  // namespace skyshard::adql::planner
