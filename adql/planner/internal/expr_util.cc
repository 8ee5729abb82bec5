#include "adql/planner/internal/expr_util.h"

#include <algorithm>
#include <utility>

#include "common/ascii.h"

namespace skyshard::adql::planner {

std::vector<ExprPtr> SplitConjuncts(ExprPtr e) {
  std::vector<ExprPtr> out;
  if (e == nullptr) return out;
  if (e->kind != ExprKind::kAnd) {
    out.push_back(std::move(e));
    return out;
  }
  for (ExprPtr& a : e->args) {
    for (ExprPtr& c : SplitConjuncts(std::move(a))) out.push_back(std::move(c));
  }
  return out;
}

void CollectConjuncts(const Expr& e, std::vector<const Expr*>* out) {
  if (e.kind != ExprKind::kAnd) {
    out->push_back(&e);
    return;
  }
  for (const ExprPtr& a : e.args) CollectConjuncts(*a, out);
}

ExprPtr CombineConjuncts(std::vector<ExprPtr> conjuncts) {
  if (conjuncts.empty()) return nullptr;
  if (conjuncts.size() == 1) return std::move(conjuncts[0]);
  auto e = Expr::Make(ExprKind::kAnd, ValueType::kBoolean, std::move(conjuncts));
  e->position = e->args[0]->position;
  return e;
}

namespace {

void VisitScope(Expr& e, int level, const std::function<void(Expr&)>& fn) {
  if (e.kind == ExprKind::kColumn) {
    if (e.depth == level) fn(e);
    return;
  }
  for (ExprPtr& a : e.args) VisitScope(*a, level, fn);
  if (e.subquery != nullptr) ForEachScopeColumnInPlan(*e.subquery, level + 1, fn);
}

}  // namespace

void ForEachScopeColumnInPlan(PlanNode& node, int level, const std::function<void(Expr&)>& fn) {
  ForEachExprSlot(node, [&](ExprPtr& slot) { VisitScope(*slot, level, fn); });
  for (PlanPtr& c : node.children) ForEachScopeColumnInPlan(*c, level, fn);
}

void ForEachScopeColumn(Expr& e, const std::function<void(Expr&)>& fn) { VisitScope(e, 0, fn); }

void ForEachScopeColumn(const Expr& e, const std::function<void(const Expr&)>& fn) {
  // The visit does not modify anything; the const_cast only shares the traversal.
  VisitScope(const_cast<Expr&>(e), 0, [&](Expr& c) { fn(c); });
}

std::vector<int> ScopeColumns(const Expr& e) {
  std::vector<int> out;
  ForEachScopeColumn(e, [&](const Expr& c) { out.push_back(c.column); });
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void RemapColumns(Expr& e, const std::function<int(int)>& map) {
  ForEachScopeColumn(e, [&](Expr& c) { c.column = map(c.column); });
}

ExprPtr Substitute(const Expr& e, const std::vector<const Expr*>& replacement) {
  if (e.kind == ExprKind::kColumn && e.depth == 0) {
    ExprPtr r = replacement[static_cast<size_t>(e.column)]->Clone();
    return r;
  }
  ExprPtr copy = e.Clone();
  for (size_t i = 0; i < e.args.size(); ++i) copy->args[i] = Substitute(*e.args[i], replacement);
  return copy;
}

bool HasSubquery(const Expr& e) {
  if (e.kind == ExprKind::kSubquery) return true;
  return std::any_of(e.args.begin(), e.args.end(),
                     [](const ExprPtr& a) { return HasSubquery(*a); });
}

bool IsVolatile(const Expr& e) {
  if (e.kind == ExprKind::kFunction && (IsCall(e, "RAND") || IsCall(e, "ivo_normal_random"))) {
    return true;
  }
  return std::any_of(e.args.begin(), e.args.end(), [](const ExprPtr& a) { return IsVolatile(*a); });
}

namespace {

// Functions that return NULL (never an error) for bad values (docs/functions.md), or that only
// build values: a conjunct made of them and of comparisons cannot fail a query.
bool IsTotalFunction(const Expr& e) {
  static constexpr std::string_view kTotal[] = {"ABS",
                                                "CEILING",
                                                "FLOOR",
                                                "ROUND",
                                                "TRUNCATE",
                                                "SIN",
                                                "COS",
                                                "TAN",
                                                "ATAN",
                                                "ATAN2",
                                                "DEGREES",
                                                "RADIANS",
                                                "PI",
                                                "EXP",
                                                "LOWER",
                                                "UPPER",
                                                "COALESCE",
                                                "POINT",
                                                "CIRCLE",
                                                "BOX",
                                                "POLYGON",
                                                "CONTAINS",
                                                "INTERSECTS",
                                                "DISTANCE",
                                                "COORD1",
                                                "COORD2",
                                                "scisql_angSep",
                                                "scisql_s2PtInCircle",
                                                "scisql_s2PtInBox",
                                                "scisql_s2PtInCPoly",
                                                "scisql_nanojanskyToAbMag",
                                                "scisql_nanojanskyToAbMagSigma",
                                                "scisql_abMagToNanojansky",
                                                "scisql_abMagToNanojanskySigma",
                                                "ivo_hasword",
                                                "ivo_nocasematch",
                                                "ivo_hashlist_has",
                                                "ivo_interval_overlaps"};
  return std::any_of(std::begin(kTotal), std::end(kTotal),
                     [&](std::string_view n) { return IsCall(e, n); });
}

}  // namespace

bool MayFail(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kBinary:
      if (e.op == plan::Op::kDivide) {
        std::optional<double> d = NumericConstant(*e.args[1]);
        if (!d.has_value() || *d == 0) return true;
      }
      break;
    case ExprKind::kCast:
      if (!(e.type == ValueType::kDouble && IsNumeric(e.args[0]->type))) return true;
      break;
    case ExprKind::kFunction:
      if (!IsTotalFunction(e)) return true;
      break;
    case ExprKind::kSubquery:
      return true;  // a scalar subquery of several rows is an error
    default:
      break;
  }
  return std::any_of(e.args.begin(), e.args.end(), [](const ExprPtr& a) { return MayFail(*a); });
}

void ForEachExprSlot(PlanNode& node, const std::function<void(ExprPtr&)>& fn) {
  auto one = [&](ExprPtr& e) {
    if (e != nullptr) fn(e);
  };
  switch (node.kind) {
    case plan::PlanKind::kScan:
      one(node.As<plan::Scan>().filter);
      break;
    case plan::PlanKind::kFilter:
      one(node.As<plan::Filter>().condition);
      break;
    case plan::PlanKind::kProject:
      for (ExprPtr& e : node.As<plan::Project>().expressions) one(e);
      break;
    case plan::PlanKind::kJoin: {
      auto& j = node.As<plan::Join>();
      one(j.condition);
      for (ExprPtr& e : j.left_keys) one(e);
      for (ExprPtr& e : j.right_keys) one(e);
      break;
    }
    case plan::PlanKind::kAggregate: {
      auto& a = node.As<plan::Aggregate>();
      for (ExprPtr& e : a.groups) one(e);
      for (plan::AggregateCall& c : a.aggregates) one(c.argument);
      break;
    }
    case plan::PlanKind::kSort:
      for (plan::SortKey& k : node.As<plan::Sort>().keys) one(k.expression);
      break;
    case plan::PlanKind::kGather:
      for (plan::SortKey& k : node.As<plan::Gather>().keys) one(k.expression);
      break;
    case plan::PlanKind::kDistinct:
    case plan::PlanKind::kLimit:
    case plan::PlanKind::kSetOperation:
      break;
  }
}

void ForEachExprSlot(const PlanNode& node, const std::function<void(const Expr&)>& fn) {
  ForEachExprSlot(const_cast<PlanNode&>(node), [&](ExprPtr& e) { fn(*e); });
}

bool IsCall(const Expr& e, std::string_view name) {
  return e.kind == ExprKind::kFunction && e.function != nullptr &&
         EqualsIgnoreCase(e.function->name, name);
}

bool IsIntegerType(ValueType t) {
  return t == ValueType::kSmallInt || t == ValueType::kInteger || t == ValueType::kBigInt;
}

std::optional<double> NumericConstant(const Expr& e) {
  if (e.kind != ExprKind::kConstant || e.value.is_null) return std::nullopt;
  if (IsIntegerType(e.value.type)) return static_cast<double>(e.value.int_value);
  if (e.value.type == ValueType::kReal || e.value.type == ValueType::kDouble) {
    return e.value.double_value;
  }
  return std::nullopt;
}

std::optional<int64_t> IntegerConstant(const Expr& e) {
  if (e.kind != ExprKind::kConstant || e.value.is_null || !IsIntegerType(e.value.type)) {
    return std::nullopt;
  }
  return e.value.int_value;
}

bool IsFalseConstant(const Expr& e) {
  if (e.kind != ExprKind::kConstant) return false;
  if (e.value.is_null) return true;
  if (e.value.type == ValueType::kBoolean || IsIntegerType(e.value.type)) {
    return e.value.int_value == 0;
  }
  return false;
}

bool IsTrueConstant(const Expr& e) {
  return e.kind == ExprKind::kConstant && !e.value.is_null && e.value.type == ValueType::kBoolean &&
         e.value.int_value != 0;
}

namespace {

using plan::Op;

// Comparison operator seen from the other side: `c < x` is `x > c`.
Op Flip(Op op) {
  switch (op) {
    case Op::kLess:
      return Op::kGreater;
    case Op::kLessEqual:
      return Op::kGreaterEqual;
    case Op::kGreater:
      return Op::kLess;
    case Op::kGreaterEqual:
      return Op::kLessEqual;
    default:
      return op;
  }
}

bool Holds(double v, Op op, double c) {
  switch (op) {
    case Op::kEqual:
      return v == c;
    case Op::kNotEqual:
      return v != c;
    case Op::kLess:
      return v < c;
    case Op::kLessEqual:
      return v <= c;
    case Op::kGreater:
      return v > c;
    case Op::kGreaterEqual:
      return v >= c;
    default:
      return false;
  }
}

}  // namespace

std::optional<BoundingCall> AsBoundingCall(const Expr& e) {
  if (e.kind == ExprKind::kFunction) {
    // A 0/1 predicate standing as a condition: true only for 1.
    if (!IsIntegerType(e.type)) return std::nullopt;
    return BoundingCall{&e, false, plan::Op::kNone, nullptr};
  }
  if (e.kind != ExprKind::kComparison) return std::nullopt;
  const Expr* x = e.args[0].get();
  const Expr* c = e.args[1].get();
  Op op = e.op;
  if (x->kind == ExprKind::kConstant) {
    std::swap(x, c);
    op = Flip(op);
  }
  if (c->kind != ExprKind::kConstant || x->kind != ExprKind::kFunction) return std::nullopt;
  if (IsCall(*x, "DISTANCE") || IsCall(*x, "scisql_angSep")) {
    return BoundingCall{x, true, op, c};
  }
  std::optional<double> v = NumericConstant(*c);
  if (!v.has_value() && c->value.type == ValueType::kBoolean && !c->value.is_null) {
    v = static_cast<double>(c->value.int_value);
  }
  // The predicate's values are 1, 0 and NULL: it bounds the position when 1 passes the
  // comparison and 0 does not.
  if (!v.has_value() || !Holds(1, op, *v) || Holds(0, op, *v)) return std::nullopt;
  return BoundingCall{x, false, plan::Op::kNone, nullptr};
}

}  // namespace skyshard::adql::planner
