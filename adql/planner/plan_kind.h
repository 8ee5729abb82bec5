// What kind of query a physical plan is, for the operator's eye: the TAP service's latency
// histograms and access log split queries this way (docs/operations.md, /metrics). The kind is
// read from the optimised plan — the access paths the planner chose — never from the ADQL text,
// so that a cone written in any of its forms counts as a cone, and a query that merely mentions
// CIRCLE but reads every row does not.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "adql/planner/logical_plan.h"

namespace skyshard::adql {

enum class QueryKind {
  kNone,        // no plan: the query failed to parse or bind
  kCone,        // reads HEALPix index ranges (a cone, box or polygon search)
  kLightCurve,  // reads a child table by its parent's key(s) (ForcedSource of some objects)
  kCrossMatch,  // a spatial join (bounded-separation cross-match)
  kOther,       // anything else: full scans, key lookups of one table, TAP_SCHEMA, uploads
};

// The kind of `plan`. When several apply, the first of cross-match, light curve, cone wins:
// a cross-match restricted to a cone is a cross-match, the light curves of the objects in a
// cone are light curves.
QueryKind ClassifyPlan(const plan::PlanNode& plan);

// "none", "cone", "lightcurve", "crossmatch", "other": the label values of /metrics.
std::string_view QueryKindName(QueryKind kind);

}  // namespace skyshard::adql
