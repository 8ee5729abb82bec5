// Predicate pushdown: each conjunct of a WHERE (or HAVING, or ON) condition moves down the plan
// to the lowest operator whose input has all the columns it reads, ending, when it reads one
// table only, in that table's Scan::filter, where spatial pushdown and key lookups look for it.
//
// Worked example (the Rubin light curve):
//   SELECT src.ccdVisitId, src.band, visinfo.expMidptMJD
//   FROM dp02_dc2_catalogs.ForcedSource AS src
//   JOIN dp02_dc2_catalogs.CcdVisit AS visinfo ON visinfo.ccdVisitId = src.ccdVisitId
//   WHERE src.objectId = 1651589610221899038
// The binder gives
//   Project <- Filter (#1 = 1651589610221899038) <- Join inner on (#20 = #2) <- Scan, Scan
// and the WHERE conjunct reads the left side only, so it moves into the ForcedSource scan:
//   Project <- Join inner on (#20 = #2) <- Scan ForcedSource filter=(#1 = 16515...), Scan CcdVisit
// which key lookups then turn into a children-of read.
//
// Where a conjunct may go (SQL semantics, NULLs included):
//  - below a Filter (merged), Sort without limit, Distinct: always;
//  - below a Project: with its columns replaced by the projected expressions, when those are
//    free of subqueries and volatile functions (RAND would be drawn twice);
//  - below an Aggregate with GROUP BY: when it reads group keys only (HAVING on a key);
//  - into a join's side: WHERE conjuncts into the preserved side of an outer join only (never
//    the null-producing side: `LEFT JOIN ... WHERE right.x IS NULL` must see the NULLs); ON
//    conjuncts of an outer join into its null-producing side only; both ways for inner joins,
//    and a WHERE conjunct over both sides of an inner or cross join joins the join condition.
//    A conjunct that could fail at run time (integer division, CAST, error-reporting
//    functions) is not moved into a join side, where it would see rows the join drops.
// Conjuncts holding subqueries or volatile functions never move: a correlated subquery's
// outer references name the operator that evaluates it.
#include "adql/planner/rules/predicate_pushdown.h"

#include <algorithm>
#include <utility>

#include "adql/planner/internal/expr_util.h"
#include "adql/planner/internal/plan_util.h"

namespace skyshard::adql::planner {
namespace {

using plan::JoinType;
using plan::PlanKind;

enum class Side { kNone, kLeft, kRight, kBoth };

// Which join inputs a conjunct over the join's columns reads (kNone: no column).
Side SideOf(const Expr& e, int left_width) {
  bool left = false, right = false;
  for (int c : ScopeColumns(e)) (c < left_width ? left : right) = true;
  if (left && right) return Side::kBoth;
  if (left) return Side::kLeft;
  if (right) return Side::kRight;
  return Side::kNone;
}

void ShiftToRight(Expr& e, int left_width) {
  RemapColumns(e, [&](int c) { return c - left_width; });
}

// Tries to move `conjuncts` below `*child` (the input of a Filter). Returns those that stay.
std::vector<ExprPtr> PushInto(PlanPtr* child, std::vector<ExprPtr> conjuncts) {
  std::vector<ExprPtr> stay;
  PlanNode& node = **child;
  switch (node.kind) {
    case PlanKind::kFilter:
    case PlanKind::kScan: {
      std::vector<ExprPtr> moved;
      for (ExprPtr& c : conjuncts) (IsMovable(*c) ? moved : stay).push_back(std::move(c));
      if (node.kind == PlanKind::kFilter) {
        AddFilter(child, std::move(moved));
      } else if (!moved.empty()) {
        auto& s = node.As<plan::Scan>();
        std::vector<ExprPtr> all = SplitConjuncts(std::move(s.filter));
        for (ExprPtr& c : moved) all.push_back(std::move(c));
        s.filter = CombineConjuncts(std::move(all));
      }
      return stay;
    }
    case PlanKind::kSort:
      if (node.As<plan::Sort>().limit >= 0) return conjuncts;
      [[fallthrough]];
    case PlanKind::kDistinct: {
      std::vector<ExprPtr> moved;
      for (ExprPtr& c : conjuncts) (IsMovable(*c) ? moved : stay).push_back(std::move(c));
      AddFilter(&node.children[0], std::move(moved));
      return stay;
    }
    case PlanKind::kProject: {
      auto& p = node.As<plan::Project>();
      std::vector<const Expr*> replacement;
      std::vector<bool> substitutable;
      for (const ExprPtr& e : p.expressions) {
        replacement.push_back(e.get());
        substitutable.push_back(IsMovable(*e));
      }
      std::vector<ExprPtr> moved;
      for (ExprPtr& c : conjuncts) {
        bool ok = IsMovable(*c);
        for (int col : ScopeColumns(*c)) ok = ok && substitutable[static_cast<size_t>(col)];
        if (ok) {
          moved.push_back(Substitute(*c, replacement));
        } else {
          stay.push_back(std::move(c));
        }
      }
      AddFilter(&node.children[0], std::move(moved));
      return stay;
    }
    case PlanKind::kAggregate: {
      auto& a = node.As<plan::Aggregate>();
      if (a.groups.empty()) return conjuncts;  // one row even of no input: nothing moves
      std::vector<const Expr*> replacement;
      for (const ExprPtr& g : a.groups) replacement.push_back(g.get());
      std::vector<ExprPtr> moved;
      for (ExprPtr& c : conjuncts) {
        bool ok = IsMovable(*c);
        for (int col : ScopeColumns(*c)) {
          ok = ok && static_cast<size_t>(col) < a.groups.size() &&
               IsMovable(*a.groups[static_cast<size_t>(col)]);
        }
        if (ok) {
          moved.push_back(Substitute(*c, replacement));
        } else {
          stay.push_back(std::move(c));
        }
      }
      AddFilter(&node.children[0], std::move(moved));
      return stay;
    }
    case PlanKind::kJoin: {
      auto& j = node.As<plan::Join>();
      const int left_width = static_cast<int>(node.children[0]->schema.size());
      std::vector<ExprPtr> to_left, to_right, to_condition;
      for (ExprPtr& c : conjuncts) {
        if (!IsMovable(*c) || MayFail(*c)) {
          stay.push_back(std::move(c));
          continue;
        }
        const Side side = SideOf(*c, left_width);
        switch (j.type) {
          case JoinType::kInner:
          case JoinType::kCross:
            if (side == Side::kLeft || side == Side::kNone) {
              to_left.push_back(std::move(c));
            } else if (side == Side::kRight) {
              ShiftToRight(*c, left_width);
              to_right.push_back(std::move(c));
            } else {
              to_condition.push_back(std::move(c));
            }
            break;
          case JoinType::kLeft:
          case JoinType::kSemi:
          case JoinType::kAnti:
            // The output's columns are the left input's (and the right's, NULL-extended).
            if (side == Side::kLeft || side == Side::kNone) {
              to_left.push_back(std::move(c));
            } else {
              stay.push_back(std::move(c));
            }
            break;
          case JoinType::kRight:
            if (side == Side::kRight || side == Side::kNone) {
              ShiftToRight(*c, left_width);
              to_right.push_back(std::move(c));
            } else {
              stay.push_back(std::move(c));
            }
            break;
          case JoinType::kFull:
            stay.push_back(std::move(c));
            break;
        }
      }
      AddFilter(&node.children[0], std::move(to_left));
      AddFilter(&node.children[1], std::move(to_right));
      if (!to_condition.empty()) {
        std::vector<ExprPtr> all = SplitConjuncts(std::move(j.condition));
        for (ExprPtr& c : to_condition) all.push_back(std::move(c));
        j.condition = CombineConjuncts(std::move(all));
        if (j.type == JoinType::kCross) j.type = JoinType::kInner;
      }
      return stay;
    }
    case PlanKind::kLimit:
    case PlanKind::kSetOperation:
    case PlanKind::kGather:
      return conjuncts;
  }
  return conjuncts;
}

// Moves the single-side conjuncts of a join's own ON condition into that side, where the
// join type allows it.
void PushJoinCondition(PlanNode& node) {
  auto& j = node.As<plan::Join>();
  if (j.condition == nullptr || j.type == JoinType::kFull || j.type == JoinType::kCross) return;
  const int left_width = static_cast<int>(node.children[0]->schema.size());
  std::vector<ExprPtr> keep, to_left, to_right;
  for (ExprPtr& c : SplitConjuncts(std::move(j.condition))) {
    if (!IsMovable(*c) || MayFail(*c)) {
      keep.push_back(std::move(c));
      continue;
    }
    const Side side = SideOf(*c, left_width);
    // Which side may lose the rows a one-sided ON conjunct rejects: for an inner join either;
    // for an outer join only the null-producing one (the preserved side keeps every row); for
    // a semi join either (a left row failing it matches nothing); for an anti join the right.
    bool left_ok = false, right_ok = false;
    switch (j.type) {
      case JoinType::kInner:
      case JoinType::kSemi:
        left_ok = right_ok = true;
        break;
      case JoinType::kLeft:
      case JoinType::kAnti:
        right_ok = true;
        break;
      case JoinType::kRight:
        left_ok = true;
        break;
      default:
        break;
    }
    if ((side == Side::kLeft || (side == Side::kNone && left_ok)) && left_ok) {
      to_left.push_back(std::move(c));
    } else if ((side == Side::kRight || side == Side::kNone) && right_ok) {
      ShiftToRight(*c, left_width);
      to_right.push_back(std::move(c));
    } else {
      keep.push_back(std::move(c));
    }
  }
  AddFilter(&node.children[0], std::move(to_left));
  AddFilter(&node.children[1], std::move(to_right));
  j.condition = CombineConjuncts(std::move(keep));
}

void Push(PlanPtr* slot) {
  PlanNode& node = **slot;
  if (node.kind == PlanKind::kFilter) {
    auto& f = node.As<plan::Filter>();
    std::vector<ExprPtr> stay = PushInto(&node.children[0], SplitConjuncts(std::move(f.condition)));
    if (stay.empty()) {
      PlanPtr child = std::move(node.children[0]);
      *slot = std::move(child);
      Push(slot);
      return;
    }
    f.condition = CombineConjuncts(std::move(stay));
  } else if (node.kind == PlanKind::kJoin) {
    PushJoinCondition(node);
  }
  for (PlanPtr& c : (*slot)->children) Push(&c);
}

}  // namespace

void PushDownPredicates(plan::PlanPtr* plan, const PlannerOptions& /*options*/) { Push(plan); }

}  // namespace skyshard::adql::planner
