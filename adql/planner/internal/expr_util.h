// Helpers the planner's rewrite rules share for bound expressions (adql/binder/bound_expression.h):
// splitting and joining conjunctions, visiting and renumbering the columns an expression reads
// from its operator's input (including the outer references of correlated subqueries nested in
// it), and the properties that decide whether an expression may be moved (subqueries, volatile
// functions, run-time errors).
//
// Scope: an expression owned by a plan operator reads that operator's input row through columns
// of depth 0; inside a subquery nested n levels deep in the expression, the same row is read by
// columns of depth n (bound_expression.h). The *scope columns* of an expression are all those
// columns, wherever they sit; renumbering an operator's input must renumber all of them.
//
// Thread safety: pure functions over the values passed in.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "adql/binder/bound_expression.h"
#include "adql/planner/logical_plan.h"

namespace skyshard::adql::planner {

using plan::Expr;
using plan::ExprKind;
using plan::ExprPtr;
using plan::PlanNode;
using plan::PlanPtr;

// The conjuncts of `e` (the arguments of nested ANDs, flattened); `e` itself when it is not an
// AND. Consumes `e`; a null `e` gives none.
std::vector<ExprPtr> SplitConjuncts(ExprPtr e);
// Const view of the same.
void CollectConjuncts(const Expr& e, std::vector<const Expr*>* out);
// The AND of `conjuncts` (BOOLEAN); the single conjunct itself when there is one; null when none.
ExprPtr CombineConjuncts(std::vector<ExprPtr> conjuncts);

// Calls `fn` for every scope column of `e` (see the header comment).
void ForEachScopeColumn(Expr& e, const std::function<void(Expr&)>& fn);
void ForEachScopeColumn(const Expr& e, const std::function<void(const Expr&)>& fn);
// The same for every expression owned by `node` and by the nodes below it, taken as the plan of
// a subquery whose outer row is at depth `level`.
void ForEachScopeColumnInPlan(PlanNode& node, int level, const std::function<void(Expr&)>& fn);

// The scope columns' positions, sorted and distinct.
std::vector<int> ScopeColumns(const Expr& e);
// Renumbers every scope column: column c becomes map(c). REQUIRES: map(c) >= 0 for each.
void RemapColumns(Expr& e, const std::function<int(int)>& map);
// A copy of `e` with each depth-0 column c replaced by a copy of *replacement[c].
// REQUIRES: !HasSubquery(e) (a subquery's outer references could not be replaced).
ExprPtr Substitute(const Expr& e, const std::vector<const Expr*>& replacement);

// True when `e` holds a subquery expression anywhere.
bool HasSubquery(const Expr& e);
// True when `e` calls a function whose value changes from call to call (RAND,
// ivo_normal_random): such an expression may be neither duplicated nor moved.
bool IsVolatile(const Expr& e);
// True when evaluating `e` on a row might fail the query (integer division, casts, functions
// that report errors): such a conjunct is not moved where it would see rows it did not see.
bool MayFail(const Expr& e);
// True when `e` may be moved to another operator over the same rows: no subquery (whose outer
// references name the operator that evaluates it) and nothing volatile.
inline bool IsMovable(const Expr& e) { return !HasSubquery(e) && !IsVolatile(e); }

// Calls `fn` for each expression slot of `node` (not its children): Scan::filter,
// Filter::condition, Project::expressions, Join::condition and keys, Aggregate groups and
// arguments, Sort and Gather keys. Null slots are skipped.
void ForEachExprSlot(PlanNode& node, const std::function<void(ExprPtr&)>& fn);
void ForEachExprSlot(const PlanNode& node, const std::function<void(const Expr&)>& fn);

// True when `e` is a call of the function `name` (compared case-insensitively).
bool IsCall(const Expr& e, std::string_view name);
// A non-NULL numeric constant's value as a double (integers converted), else nullopt.
std::optional<double> NumericConstant(const Expr& e);
// A non-NULL integer constant's value (SMALLINT, INTEGER, BIGINT), else nullopt.
std::optional<int64_t> IntegerConstant(const Expr& e);
// True for a constant that makes a condition false: FALSE, NULL (of any type) or integer 0.
bool IsFalseConstant(const Expr& e);
// True for the BOOLEAN constant TRUE.
bool IsTrueConstant(const Expr& e);
// True for SMALLINT, INTEGER and BIGINT.
bool IsIntegerType(ValueType t);

// A condition that may bound a position, as the spatial rules (spatial_pushdown.cc,
// spatial_join.cc) read it: either a separation function (DISTANCE, scisql_angSep) compared with
// a constant, written `call op constant` (`5 > DISTANCE(...)` is read `DISTANCE(...) < 5`), or a
// 0/1 predicate (CONTAINS, INTERSECTS, scisql_s2PtIn*) that the condition requires to be 1
// (`= 1`, `1 =`, `<> 0`, `> 0`, or standing alone). Which calls actually bound a position is
// each rule's business; this only takes the comparison apart.
struct BoundingCall {
  const Expr* call = nullptr;      // the function call
  bool separation = false;         // true: `call op *constant` bounds the separation
  plan::Op op = plan::Op::kNone;   // with `separation`
  const Expr* constant = nullptr;  // with `separation`
};
std::optional<BoundingCall> AsBoundingCall(const Expr& e);

}  // namespace skyshard::adql::planner
