#include "adql/planner/plan_kind.h"

#include "adql/binder/query_catalog.h"

namespace skyshard::adql {
namespace {

struct Seen {
  bool spatial_join = false;
  bool child_by_key = false;
  bool ranges = false;
};

void Walk(const plan::PlanNode& node, Seen* seen) {
  if (node.kind == plan::PlanKind::kJoin && node.As<plan::Join>().spatial.has_value()) {
    seen->spatial_join = true;
  }
  if (node.kind == plan::PlanKind::kScan) {
    const auto& scan = node.As<plan::Scan>();
    using Access = plan::ScanAccess::Kind;
    const bool child = scan.table != nullptr && scan.table->def.kind == TableKind::kChild;
    // A light curve reads the child rows of given parents: ScanChildren (the DP0 form, "WHERE
    // src.objectId = X") or, with a child primary-key index, point reads of child rows.
    if (child &&
        (scan.access.kind == Access::kChildrenOf || scan.access.kind == Access::kPrimaryKeys)) {
      seen->child_by_key = true;
    }
    if (scan.access.kind == Access::kRanges) seen->ranges = true;
  }
  for (const plan::PlanPtr& child : node.children) Walk(*child, seen);
}

}  // namespace

QueryKind ClassifyPlan(const plan::PlanNode& plan) {
  Seen seen;
  Walk(plan, &seen);
  if (seen.spatial_join) return QueryKind::kCrossMatch;
  if (seen.child_by_key) return QueryKind::kLightCurve;
  if (seen.ranges) return QueryKind::kCone;
  return QueryKind::kOther;
}

std::string_view QueryKindName(QueryKind kind) {
  switch (kind) {
    case QueryKind::kNone:
      return "none";
    case QueryKind::kCone:
      return "cone";
    case QueryKind::kLightCurve:
      return "lightcurve";
    case QueryKind::kCrossMatch:
      return "crossmatch";
    case QueryKind::kOther:
      return "other";
  }
  return "other";
}

}  // namespace skyshard::adql
