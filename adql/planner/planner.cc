// The planner's driver: runs the rewrite rules (rules/, one file each) in a fixed order, on the
// query's plan and on the plan of every subquery expression in it.
//
// The order matters: correlated EXISTS subqueries become semi joins before anything else (the
// subquery's tables then belong to this plan, and every rule below sees the join); folding
// first among the others (later rules want plain constants); predicate pushdown
// before the access-path rules (they read Scan::filter); spatial pushdown, then key lookups
// (a point read beats a range read, an empty scan beats both), then children-of-parent (it
// reads the parents' access paths); projection pushdown after every rule that moves
// expressions; join keys after projection pushdown (it may add a Project when it swaps a
// join's inputs); spatial joins after join keys (a cross-match bound overrides hash keys and
// may swap the inputs again); key-lookup joins after both (they need the hash keys, and leave
// cross-matches alone); top-k; parallel fragments last (they wrap what the others produced,
// and only in the outermost query: a subquery's plan runs once per outer row).
#include "adql/planner/planner.h"

#include <functional>
#include <utility>

#include "adql/planner/internal/plan_util.h"
#include "adql/planner/internal/validate.h"
#include "adql/planner/rules/children_of_parent.h"
#include "adql/planner/rules/constant_folding.h"
#include "adql/planner/rules/exists_to_semi_join.h"
#include "adql/planner/rules/join_keys.h"
#include "adql/planner/rules/key_lookup.h"
#include "adql/planner/rules/key_lookup_join.h"
#include "adql/planner/rules/parallel_fragments.h"
#include "adql/planner/rules/predicate_pushdown.h"
#include "adql/planner/rules/projection_pushdown.h"
#include "adql/planner/rules/spatial_join.h"
#include "adql/planner/rules/spatial_pushdown.h"
#include "adql/planner/rules/top_k.h"

namespace skyshard::adql {
namespace {

using plan::PlanNode;
using plan::PlanPtr;

// Every subquery plan held by the expressions of `node` or of the nodes below it (not nested
// inside those subqueries: each level is handled when its own plan is optimised).
void ForEachSubqueryPlanInTree(PlanNode& node, const std::function<void(PlanPtr&)>& fn) {
  planner::ForEachSubqueryPlan(node, fn);
  for (PlanPtr& c : node.children) ForEachSubqueryPlanInTree(*c, fn);
}

Status ValidateTree(const PlanNode& node) {
  SKY_RETURN_IF_ERROR(planner::ValidatePlan(node));
  Status status;
  ForEachSubqueryPlanInTree(const_cast<PlanNode&>(node), [&](PlanPtr& sub) {
    if (status.ok()) status = ValidateTree(*sub);
  });
  return status;
}

void Rewrite(PlanPtr* plan, const PlannerOptions& options, bool outermost) {
  planner::DecorrelateExists(plan, options);
  // Subqueries first, each as a query of its own (no MAXREC, no parallel fragments).
  PlannerOptions inner = options;
  inner.max_rows = -1;
  ForEachSubqueryPlanInTree(**plan, [&](PlanPtr& sub) { Rewrite(&sub, inner, false); });

  planner::FoldConstants(plan, options);
  planner::PushDownPredicates(plan, options);
  planner::PushDownSpatial(plan, options);
  planner::LookUpKeys(plan, options);
  planner::RestrictChildrenToParents(plan, options);
  planner::PushDownProjections(plan, options);
  planner::ChooseJoinKeys(plan, options);
  planner::PlanSpatialJoins(plan, options);
  planner::UseKeyLookupJoins(plan, options);
  planner::UseTopK(plan, options);
  if (outermost) planner::SplitIntoFragments(plan, options);
}

}  // namespace

Result<plan::PlanPtr> Optimize(plan::PlanPtr plan, const PlannerOptions& options) {
  if (!options.enable_rewrites || plan == nullptr) return plan;
  // A plan the rules do not understand is run as it is rather than rewritten.
  if (!ValidateTree(*plan).ok()) return plan;
  Rewrite(&plan, options, /*outermost=*/true);
  SKY_RETURN_IF_ERROR(ValidateTree(*plan));
  return plan;
}

}  // namespace skyshard::adql
