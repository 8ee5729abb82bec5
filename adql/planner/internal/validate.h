// A consistency check of a plan after the planner's rules: every column reference lies within
// the input of the node that owns it, schemas agree with their nodes. A failure is a bug in a
// rule; Optimize reports it as Internal rather than hand the executor a broken plan.
//
// Thread safety: pure function.
#pragma once

#include "adql/planner/logical_plan.h"
#include "common/status.h"

namespace skyshard::adql::planner {

// OK, or Internal naming the first inconsistent node.
Status ValidatePlan(const plan::PlanNode& plan);

}  // namespace skyshard::adql::planner
