#include "adql/planner/planner.h"

namespace skyshard::adql {

Result<plan::PlanPtr> Optimize(plan::PlanPtr plan, const PlannerOptions& /*options*/) {
  return plan;
}

}  // namespace skyshard::adql
