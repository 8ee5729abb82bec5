// Correlated EXISTS -> semi join. A WHERE conjunct `[NOT] EXISTS (subquery)` whose subquery
// reads the outer row only in its own WHERE runs, unrewritten, once per outer row: the subquery
// cannot use an index for a condition that names the outer row (its cone centre, its key), so
// each run reads its whole table. As a semi join (anti join for NOT EXISTS) the condition is a
// join condition, and the join rules that follow turn it into what it really is: a positional
// cross-match (rules/spatial_join.cc), a hash join on equal keys (rules/join_keys.cc), or a
// nested loop.
//
// The subquery qualifies when, below its select list (Project nodes, which EXISTS never
// evaluates), and DISTINCT or ORDER BY without a limit (which change no row's existence), it is
// one Filter over an input that does not refer to any enclosing query, and the Filter's
// condition refers to the outer row (depth 1) and to its own input (depth 0) only, with no
// subquery or volatile function in it. EXISTS is two-valued, so the semi join is exact: an
// outer row is kept when some inner row makes the condition true, dropped otherwise (anti: the
// reverse). Anything else (an aggregate, TOP, a reference below the Filter, a deeper outer
// reference) stays a correlated subquery.
//
// Worked example (the DP0 "objects with a counterpart" query):
//   SELECT COUNT(*) FROM DiaObject AS d WHERE EXISTS (SELECT 1 FROM Object AS o
//     WHERE DISTANCE(POINT(d.ra, d.decl), POINT(o.coord_ra, o.coord_dec)) < 1.0/3600)
//   Aggregate COUNT(*) <- Filter EXISTS(Project [1] <- Filter DISTANCE(^#1, ^#2, #1, #2) < r
//                                       <- Scan Object) <- Scan DiaObject
// becomes
//   Aggregate COUNT(*) <- Join semi DISTANCE(#1, #2, #w+1, #w+2) < r <- Scan DiaObject, Scan Object
// (w: DiaObject's width; ^ an outer reference), which rules/spatial_join.cc then plans as a
// partitioned cross-match.
#include "adql/planner/rules/exists_to_semi_join.h"

#include <utility>
#include <vector>

#include "adql/planner/internal/expr_util.h"

namespace skyshard::adql::planner {
namespace {

using plan::PlanKind;

// Whether `e` (inside a subquery `nesting` levels below the query of interest) reads a row of
// that query or of one enclosing it.
bool ReadsOuter(const Expr& e, int nesting);

bool ReadsOuter(const PlanNode& node, int nesting) {
  bool found = false;
  ForEachExprSlot(node, [&](const Expr& e) { found = found || ReadsOuter(e, nesting); });
  for (const PlanPtr& c : node.children) found = found || ReadsOuter(*c, nesting);
  return found;
}

bool ReadsOuter(const Expr& e, int nesting) {
  if (e.kind == ExprKind::kColumn && e.depth >= nesting) return true;
  for (const ExprPtr& a : e.args) {
    if (ReadsOuter(*a, nesting)) return true;
  }
  return e.subquery != nullptr && ReadsOuter(*e.subquery, nesting + 1);
}

// Whether every column of `e` has depth 0 or 1 (no subquery may hide others).
bool OnlyLocalAndOuterColumns(const Expr& e) {
  if (e.kind == ExprKind::kColumn) return e.depth <= 1;
  for (const ExprPtr& a : e.args) {
    if (!OnlyLocalAndOuterColumns(*a)) return false;
  }
  return true;
}

// The join condition from the subquery's: outer column c (depth 1) becomes left column c,
// inner column c (depth 0) right column left_width + c.
void ToJoinColumns(Expr& e, int left_width) {
  if (e.kind == ExprKind::kColumn) {
    if (e.depth == 1) {
      e.depth = 0;
    } else {
      e.column += left_width;
    }
    return;
  }
  for (ExprPtr& a : e.args) ToJoinColumns(*a, left_width);
}

// The Filter slot of a qualifying EXISTS subquery plan, or null.
PlanPtr* QualifyingFilter(PlanPtr& sub) {
  PlanPtr* slot = &sub;
  while (true) {
    PlanNode& n = **slot;
    const bool transparent = n.kind == PlanKind::kProject || n.kind == PlanKind::kDistinct ||
                             (n.kind == PlanKind::kSort && n.As<plan::Sort>().limit < 0);
    if (!transparent) break;
    slot = &n.children[0];
  }
  if ((*slot)->kind != PlanKind::kFilter) return nullptr;
  const auto& f = (*slot)->As<plan::Filter>();
  if (f.condition == nullptr || HasSubquery(*f.condition) || IsVolatile(*f.condition) ||
      !OnlyLocalAndOuterColumns(*f.condition) || ReadsOuter(*(*slot)->children[0], 1)) {
    return nullptr;
  }
  return slot;
}

// Whether conjunct `c` is an EXISTS this rule rewrites.
bool Qualifies(Expr& c) {
  return c.kind == ExprKind::kSubquery && c.subquery_mode == plan::SubqueryMode::kExists &&
         c.correlated && QualifyingFilter(c.subquery) != nullptr;
}

bool AnyConjunctQualifies(Expr& e) {
  if (e.kind != ExprKind::kAnd) return Qualifies(e);
  for (ExprPtr& a : e.args) {
    if (AnyConjunctQualifies(*a)) return true;
  }
  return false;
}

// Rewrites Filter `slot`: each qualifying EXISTS conjunct becomes a semi (anti) join of the
// Filter's input with the subquery's input; the other conjuncts stay in a Filter above. A
// Filter without one is left exactly as it is.
void RewriteFilter(PlanPtr* slot) {
  auto& filter = (*slot)->As<plan::Filter>();
  if (filter.condition == nullptr || !AnyConjunctQualifies(*filter.condition)) return;
  std::vector<ExprPtr> conjuncts = SplitConjuncts(std::move(filter.condition));
  PlanPtr input = std::move((*slot)->children[0]);
  std::vector<ExprPtr> kept;
  for (ExprPtr& c : conjuncts) {
    if (!Qualifies(*c)) {
      kept.push_back(std::move(c));
      continue;
    }
    PlanPtr* inner = QualifyingFilter(c->subquery);
    auto& sub_filter = (*inner)->As<plan::Filter>();
    const int left_width = static_cast<int>(input->schema.size());
    auto join = std::make_unique<plan::Join>();
    join->type = c->negated ? plan::JoinType::kAnti : plan::JoinType::kSemi;
    join->schema = input->schema;
    join->condition = std::move(sub_filter.condition);
    ToJoinColumns(*join->condition, left_width);
    join->children.push_back(std::move(input));
    join->children.push_back(std::move((*inner)->children[0]));
    input = std::move(join);
  }
  if (kept.empty()) {
    *slot = std::move(input);
    return;
  }
  filter.condition = CombineConjuncts(std::move(kept));
  (*slot)->children[0] = std::move(input);
}

void Visit(PlanPtr* slot) {
  for (PlanPtr& c : (*slot)->children) Visit(&c);
  if ((*slot)->kind == PlanKind::kFilter) RewriteFilter(slot);
}

}  // namespace

void DecorrelateExists(PlanPtr* plan, const PlannerOptions& /*options*/) { Visit(plan); }

}  // namespace skyshard::adql::planner
