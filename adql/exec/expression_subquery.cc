// Subquery expressions: (SELECT ...) as a value, EXISTS (...), x IN (SELECT ...).
//
// An uncorrelated subquery runs once per query, on first use, and its result (the value, whether
// a row exists, or the set of values for IN) is shared by every thread through QueryState. A
// correlated one runs once per distinct combination of the outer columns it reads: the outer
// row is pushed on ExecContext::outer (where its depth > 0 column references find it), the
// subquery plan is built and run, and the result is remembered for rows with the same values.

#include <cmath>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "adql/exec/internal/column_util.h"
#include "adql/exec/internal/expression_nodes.h"
#include "adql/exec/internal/operator.h"
#include "adql/planner/logical_plan.h"

namespace skyshard::adql::exec::internal {
namespace {

struct SubqueryResult {
  explicit SubqueryResult(MemoryTracker* memory) : reservation(memory) {}
  bool any_row = false;
  plan::Value scalar;
  bool has_null = false;
  bool has_nan = false;
  std::unordered_set<int64_t> ints;
  std::unordered_set<double> doubles;
  std::unordered_set<std::string> strings;
  MemoryReservation reservation;
};

void CollectExprRefs(const plan::Expr& e, int level, std::set<int>* cols);

void CollectPlanRefs(const plan::PlanNode& node, int level, std::set<int>* cols) {
  auto expr = [&](const plan::ExprPtr& e) {
    if (e != nullptr) CollectExprRefs(*e, level, cols);
  };
  switch (node.kind) {
    case plan::PlanKind::kScan:
      expr(node.As<plan::Scan>().filter);
      break;
    case plan::PlanKind::kFilter:
      expr(node.As<plan::Filter>().condition);
      break;
    case plan::PlanKind::kProject:
      for (const auto& e : node.As<plan::Project>().expressions) expr(e);
      break;
    case plan::PlanKind::kJoin: {
      const auto& j = node.As<plan::Join>();
      expr(j.condition);
      for (const auto& e : j.left_keys) expr(e);
      for (const auto& e : j.right_keys) expr(e);
      break;
    }
    case plan::PlanKind::kAggregate: {
      const auto& a = node.As<plan::Aggregate>();
      for (const auto& e : a.groups) expr(e);
      for (const auto& c : a.aggregates) expr(c.argument);
      break;
    }
    case plan::PlanKind::kSort:
      for (const auto& k : node.As<plan::Sort>().keys) expr(k.expression);
      break;
    case plan::PlanKind::kGather:
      for (const auto& k : node.As<plan::Gather>().keys) expr(k.expression);
      break;
    default:
      break;
  }
  for (const auto& c : node.children) CollectPlanRefs(*c, level, cols);
}

// The columns of the row `level` levels out that `e` reads (and -1 when it reads further out).
void CollectExprRefs(const plan::Expr& e, int level, std::set<int>* cols) {
  if (e.kind == plan::ExprKind::kColumn) {
    if (e.depth == level) cols->insert(e.column);
    if (e.depth > level) cols->insert(-1);
  }
  for (const auto& a : e.args) CollectExprRefs(*a, level, cols);
  if (e.subquery != nullptr) CollectPlanRefs(*e.subquery, level + 1, cols);
}

class SubqueryNode final : public Node {
 public:
  SubqueryNode(const plan::Expr& e, ExecContext* ctx, NodePtr left, ValueType domain,
               std::vector<int> outer_columns, bool correlated)
      : Node(e.type),
        expr_(e),
        ctx_(ctx),
        left_(std::move(left)),
        domain_(domain),
        outer_columns_(std::move(outer_columns)),
        correlated_(correlated) {}

  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    if (expr_.subquery_mode == plan::SubqueryMode::kIn) {
      SKY_RETURN_IF_ERROR(left_->Eval(in, sel, &left_v_));
      if (domain_ != ValueType::kNull) SKY_RETURN_IF_ERROR(Coerce(&left_v_, domain_, sel));
    }
    if (!correlated_) {
      SKY_ASSIGN_OR_RETURN(const SubqueryResult* r, Shared());
      if (expr_.subquery_mode == plan::SubqueryMode::kScalar) {
        return SetConstant(r->scalar, type_, out);
      }
      PrepareOutput(type_, sel.n, out);
      sel.ForEach([&](size_t i) { Write(*r, i, out); });
      return Status::OK();
    }
    PrepareOutput(type_, sel.n, out);
    Status status;
    sel.ForEach([&](size_t i) {
      if (!status.ok()) return;
      auto r = ForRow(in, i);
      if (!r.ok()) {
        status = r.status();
        return;
      }
      Write(**r, i, out);
    });
    return status;
  }

 private:
  // Row i of the result from `r`.
  void Write(const SubqueryResult& r, size_t i, EvalVector* out) {
    ColumnVector& o = out->owned;
    switch (expr_.subquery_mode) {
      case plan::SubqueryMode::kExists:
        o.nulls[i] = 0;
        o.ints[i] = r.any_row != expr_.negated;
        return;
      case plan::SubqueryMode::kScalar: {
        EvalVector one;
        if (!SetConstant(r.scalar, type_, &one).ok() || one.IsNull(0)) return;
        o.nulls[i] = 0;
        switch (VPhysOf(type_)) {
          case VPhys::kInt:
            o.ints[i] = one.col().ints[0];
            break;
          case VPhys::kDouble:
            o.doubles[i] = one.col().doubles[0];
            break;
          case VPhys::kString:
            o.strings[i] = one.col().strings[0];
            break;
          case VPhys::kGeo:
            out->geo[i] = one.geo[0];
            break;
        }
        return;
      }
      case plan::SubqueryMode::kIn: {
        int truth;  // 1, 0, -1 (NULL)
        if (!r.any_row) {
          truth = 0;
        } else if (domain_ == ValueType::kNull || left_v_.IsNull(i)) {
          truth = -1;
        } else {
          const ColumnVector& c = left_v_.col();
          const size_t k = left_v_.Index(i);
          bool found;
          switch (VPhysOf(domain_)) {
            case VPhys::kInt:
              found = r.ints.count(c.ints[k]) > 0;
              break;
            case VPhys::kDouble: {
              const double d = c.doubles[k];
              found = std::isnan(d) ? r.has_nan : r.doubles.count(d == 0 ? 0.0 : d) > 0;
              break;
            }
            default:
              found = r.strings.count(c.strings[k]) > 0;
              break;
          }
          truth = found ? 1 : (r.has_null ? -1 : 0);
        }
        if (truth < 0) return;
        o.nulls[i] = 0;
        o.ints[i] = (truth == 1) != expr_.negated;
        return;
      }
    }
  }

  Result<std::shared_ptr<const SubqueryResult>> Compute() {
    auto r = std::make_shared<SubqueryResult>(&ctx_->query->memory);
    const plan::PlanNode& plan = *expr_.subquery;
    const plan::SubqueryMode mode = expr_.subquery_mode;
    int64_t rows = 0;
    Status run = RunPlan(plan, ctx_, [&](const ColumnBatch& batch, bool* stop) -> Status {
      if (batch.num_rows == 0) return Status::OK();
      r->any_row = true;
      if (mode == plan::SubqueryMode::kExists) {
        *stop = true;
        return Status::OK();
      }
      if (batch.columns.empty()) return Status::Internal("subquery without a column");
      if (mode == plan::SubqueryMode::kScalar) {
        rows += static_cast<int64_t>(batch.num_rows);
        if (rows > 1) {
          return Status::InvalidArgument(
              "more than one row returned by a subquery used as an expression");
        }
        r->scalar = ValueOfColumn(batch.columns[0], 0);
        return Status::OK();
      }
      if (domain_ == ValueType::kNull) return Status::OK();
      ColumnVector c = batch.columns[0];
      SKY_RETURN_IF_ERROR(ConvertColumn(plan::StorageTypeOf(domain_), &c));
      for (size_t i = 0; i < batch.num_rows; ++i) {
        if (c.nulls[i]) {
          r->has_null = true;
          continue;
        }
        switch (VPhysOf(domain_)) {
          case VPhys::kInt:
            r->ints.insert(c.ints[i]);
            break;
          case VPhys::kDouble:
            if (std::isnan(c.doubles[i])) {
              r->has_nan = true;
            } else {
              r->doubles.insert(c.doubles[i] == 0 ? 0.0 : c.doubles[i]);
            }
            break;
          default:
            r->strings.insert(c.strings[i]);
            break;
        }
      }
      return r->reservation.SetTotal((r->ints.size() + r->doubles.size()) * 32 +
                                     r->strings.size() * 64);
    });
    SKY_RETURN_IF_ERROR(run);
    return std::shared_ptr<const SubqueryResult>(std::move(r));
  }

  Result<const SubqueryResult*> Shared() {
    if (shared_ == nullptr) {
      SubqueryCache* cache = ctx_->query->CacheFor(&expr_);
      std::lock_guard<std::mutex> lock(cache->mu);
      if (!cache->done) {
        auto r = Compute();
        cache->done = true;
        if (r.ok()) {
          cache->value = std::move(r).value();
        } else {
          cache->status = r.status();
        }
      }
      SKY_RETURN_IF_ERROR(cache->status);
      shared_ = std::static_pointer_cast<const SubqueryResult>(cache->value);
    }
    return shared_.get();
  }

  Result<const SubqueryResult*> ForRow(const ColumnBatch& in, size_t row) {
    key_.clear();
    for (int c : outer_columns_) {
      if (c < 0 || static_cast<size_t>(c) >= in.columns.size()) continue;
      AppendKey(ValueOfColumn(in.columns[static_cast<size_t>(c)], row), &key_);
    }
    auto it = memo_.find(key_);
    if (it != memo_.end()) return it->second.get();
    auto outer = std::make_shared<OuterRow>();
    outer->reserve(in.columns.size());
    for (const auto& c : in.columns) outer->push_back(ValueOfColumn(c, row));
    ctx_->outer.push_back(std::move(outer));
    auto r = Compute();
    ctx_->outer.pop_back();
    SKY_RETURN_IF_ERROR(r.status());
    if (memo_.size() >= 100000) memo_.clear();
    const SubqueryResult* raw = r->get();
    memo_.emplace(key_, std::move(r).value());
    return raw;
  }

  const plan::Expr& expr_;
  ExecContext* ctx_;
  NodePtr left_;
  ValueType domain_;
  std::vector<int> outer_columns_;
  bool correlated_;
  std::shared_ptr<const SubqueryResult> shared_;
  std::unordered_map<std::string, std::shared_ptr<const SubqueryResult>> memo_;
  std::string key_;
  EvalVector left_v_;
};

}  // namespace

Result<NodePtr> CompileSubquery(const plan::Expr& e, ExecContext* ctx) {
  if (e.subquery == nullptr) return Status::Internal("subquery expression without its plan");
  NodePtr left;
  ValueType domain = ValueType::kNull;
  if (e.subquery_mode == plan::SubqueryMode::kIn) {
    if (e.args.empty()) return Status::Internal("IN subquery without its operand");
    SKY_ASSIGN_OR_RETURN(left, CompileNode(*e.args[0], ctx));
    if (e.subquery->schema.empty()) return Status::Internal("IN subquery without a column");
    SKY_ASSIGN_OR_RETURN(domain, ComparisonDomain(left->type(), e.subquery->schema[0].type));
  }
  std::set<int> refs;
  CollectPlanRefs(*e.subquery, 1, &refs);
  const bool correlated = e.correlated || !refs.empty();
  std::vector<int> columns(refs.begin(), refs.end());
  return NodePtr(new SubqueryNode(e, ctx, std::move(left), domain, std::move(columns), correlated));
}

}  // namespace skyshard::adql::exec::internal
