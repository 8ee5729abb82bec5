// Lookup join: the right input is a whole in-memory table with a primary-key index
// (MemoryTable::BuildKeyIndex), under Filters and Projects, joined on that key (Join::lookup_key,
// set by adql/planner/rules/key_lookup_join.cc). Nothing is built: for each left batch the left
// key of every row is looked up in the index, the rows found are gathered into a batch of the
// Scan's columns, the right input's Scan filter, Filters and Projects are applied to that batch
// only, and the whole join condition is checked on each pair, as JoinOperator does. A LEFT join
// then adds the left rows left unmatched, with NULLs on the right.
//
// Key comparison follows the hash join (hash_join.cc): both keys are compared in their common
// type, so a DOUBLE 3.0 finds the key 3 and 3.5 finds nothing; a NULL key finds nothing. A
// DOUBLE beyond 2^53 in magnitude equals, as a double, every integer key that rounds to it: it
// is compared with every key when the index holds such large keys (rare; never for CcdVisit).
//
// Thread safety: none; an operator belongs to one thread. The MemoryTable is only read.

#include <cmath>

#include "adql/binder/query_catalog.h"
#include "adql/exec/internal/column_util.h"
#include "adql/exec/internal/expression_evaluator.h"
#include "adql/exec/internal/expression_nodes.h"
#include "adql/exec/internal/operator.h"
#include "adql/planner/logical_plan.h"

namespace skyshard::adql::exec {
namespace {

// 2^53: below it every integer is a double, and a double equals one integer at most.
constexpr double kExactDoubles = 9007199254740992.0;

class LookupJoinOperator final : public Operator {
 public:
  LookupJoinOperator(const plan::Join& node, OperatorPtr left, ExecContext* ctx)
      : node_(node),
        left_(std::move(left)),
        ctx_(ctx),
        left_types_(StorageTypes(*node.children[0])),
        right_types_(StorageTypes(*node.children[1])) {}

  Status Init() {
    const auto k = static_cast<size_t>(node_.lookup_key);
    if (node_.lookup_key < 0 || k >= node_.left_keys.size() || k >= node_.right_keys.size()) {
      return Status::Internal("lookup join without its key");
    }
    if (node_.type != plan::JoinType::kInner && node_.type != plan::JoinType::kLeft) {
      return Status::Internal("lookup join of a type other than INNER or LEFT");
    }
    // The right input, top down to its Scan; its steps run bottom up on the rows looked up.
    const plan::PlanNode* n = node_.children[1].get();
    while (n->kind == plan::PlanKind::kFilter || n->kind == plan::PlanKind::kProject) {
      steps_.push_back(Step{n, nullptr, {}});
      n = n->children[0].get();
    }
    if (n->kind != plan::PlanKind::kScan) return Status::Internal("lookup join not over a scan");
    scan_ = &n->As<plan::Scan>();
    if (scan_->table == nullptr || scan_->table->rows == nullptr ||
        !scan_->table->rows->has_key_index()) {
      return Status::Internal("lookup join over a table without a key index");
    }
    table_ = scan_->table->rows.get();
    if (scan_->filter != nullptr) {
      SKY_ASSIGN_OR_RETURN(scan_filter_, ExpressionEvaluator::Compile(*scan_->filter, ctx_));
    }
    for (Step& s : steps_) {
      if (s.node->kind == plan::PlanKind::kFilter) {
        SKY_ASSIGN_OR_RETURN(
            s.condition, ExpressionEvaluator::Compile(*s.node->As<plan::Filter>().condition, ctx_));
      } else {
        for (const plan::ExprPtr& e : s.node->As<plan::Project>().expressions) {
          SKY_ASSIGN_OR_RETURN(auto ev, ExpressionEvaluator::Compile(*e, ctx_));
          s.expressions.push_back(std::move(ev));
        }
      }
    }
    SKY_ASSIGN_OR_RETURN(left_key_, ExpressionEvaluator::Compile(*node_.left_keys[k], ctx_));
    SKY_ASSIGN_OR_RETURN(domain_,
                         internal::ComparisonDomain(left_key_->type(), node_.right_keys[k]->type));
    if (domain_ != ValueType::kNull && domain_ != ValueType::kBigInt &&
        domain_ != ValueType::kDouble) {
      return Status::Internal("lookup join on a key that is not a number");
    }
    if (node_.condition != nullptr) {
      SKY_ASSIGN_OR_RETURN(condition_, ExpressionEvaluator::Compile(*node_.condition, ctx_));
    }
    return Status::OK();
  }

  Result<bool> Next(ColumnBatch* out) override {
    while (true) {
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      SKY_ASSIGN_OR_RETURN(bool more, left_->Next(&left_batch_));
      if (!more) return false;
      SKY_RETURN_IF_ERROR(ConformBatch(left_types_, &left_batch_));
      SKY_RETURN_IF_ERROR(JoinBatch(out));
      if (out->num_rows > 0) return true;
    }
  }

 private:
  // One Filter or Project of the right input.
  struct Step {
    const plan::PlanNode* node;
    std::unique_ptr<ExpressionEvaluator> condition;                 // Filter
    std::vector<std::unique_ptr<ExpressionEvaluator>> expressions;  // Project
  };

  // lrows_ / refs_: the (left row, table row) pairs whose keys are equal.
  Status FindCandidates() {
    lrows_.clear();
    refs_.clear();
    const size_t n = left_batch_.num_rows;
    if (domain_ == ValueType::kNull) return Status::OK();  // a bare NULL key equals nothing
    const Selection all = Selection::All(n);
    SKY_RETURN_IF_ERROR(left_key_->Evaluate(left_batch_, all, &key_));
    SKY_RETURN_IF_ERROR(internal::Coerce(&key_, domain_, all));
    const ColumnVector& keys = key_.col();
    for (size_t i = 0; i < n; ++i) {
      if (key_.IsNull(i)) continue;
      const auto row = static_cast<uint32_t>(i);
      if (domain_ == ValueType::kBigInt) {
        if (const MemoryRowRef* r = table_->FindKey(keys.ints[key_.Index(i)])) {
          lrows_.push_back(row);
          refs_.push_back(*r);
        }
        continue;
      }
      const double d = keys.doubles[key_.Index(i)];
      if (!std::isfinite(d)) continue;
      if (std::fabs(d) < kExactDoubles) {
        if (d != std::trunc(d)) continue;
        if (const MemoryRowRef* r = table_->FindKey(static_cast<int64_t>(d))) {
          lrows_.push_back(row);
          refs_.push_back(*r);
        }
      } else if (static_cast<double>(table_->max_abs_key()) >= kExactDoubles) {
        table_->ForEachKey([&](int64_t k, const MemoryRowRef& r) {
          if (static_cast<double>(k) == d) {
            lrows_.push_back(row);
            refs_.push_back(r);
          }
        });
      }
    }
    return Status::OK();
  }

  // right_: the right input's rows for the candidates (dropping the pairs its Filters reject).
  Status EvaluateRight() {
    right_.columns.resize(scan_->columns.size());
    for (size_t c = 0; c < scan_->columns.size(); ++c) {
      const auto col = static_cast<size_t>(scan_->columns[c]);
      ColumnVector& dst = right_.columns[c];
      dst.Clear();
      for (const MemoryRowRef& r : refs_) {
        const ColumnBatch& src = table_->batches[r.batch];
        if (col >= src.columns.size()) {
          return Status::Internal("column " + std::to_string(col) + " missing in memory table " +
                                  scan_->table->QualifiedName());
        }
        dst.type = src.columns[col].type;
        AppendValue(src.columns[col], r.row, &dst);
      }
    }
    right_.num_rows = refs_.size();
    if (scan_filter_ != nullptr) SKY_RETURN_IF_ERROR(Keep(scan_filter_.get()));
    for (size_t s = steps_.size(); s-- > 0 && right_.num_rows > 0;) {
      Step& step = steps_[s];
      if (step.condition != nullptr) {
        SKY_RETURN_IF_ERROR(Keep(step.condition.get()));
        continue;
      }
      projected_.columns.resize(step.expressions.size());
      for (size_t e = 0; e < step.expressions.size(); ++e) {
        SKY_RETURN_IF_ERROR(step.expressions[e]->EvaluateColumn(right_, &projected_.columns[e]));
      }
      projected_.num_rows = right_.num_rows;
      std::swap(right_, projected_);
    }
    if (right_.num_rows == 0) return Status::OK();
    return ConformBatch(right_types_, &right_);
  }

  // Keeps the right rows (and their pairs) for which `predicate` is true.
  Status Keep(ExpressionEvaluator* predicate) {
    SKY_RETURN_IF_ERROR(predicate->Select(right_, Selection::All(right_.num_rows), &keep_));
    if (keep_.size() == right_.num_rows) return Status::OK();
    KeepRows(keep_, &right_);
    for (size_t k = 0; k < keep_.size(); ++k) lrows_[k] = lrows_[keep_[k]];
    lrows_.resize(keep_.size());
    return Status::OK();
  }

  Status JoinBatch(ColumnBatch* out) {
    std::vector<ColumnType> types = left_types_;
    types.insert(types.end(), right_types_.begin(), right_types_.end());
    out->Reset(types);
    const size_t nl = left_types_.size();
    SKY_RETURN_IF_ERROR(FindCandidates());
    if (!lrows_.empty()) SKY_RETURN_IF_ERROR(EvaluateRight());
    if (!lrows_.empty()) {
      for (size_t c = 0; c < nl; ++c) {
        AppendRows(left_batch_.columns[c], lrows_.data(), lrows_.size(), &out->columns[c]);
      }
      for (size_t c = 0; c < right_types_.size(); ++c) {
        out->columns[nl + c] = std::move(right_.columns[c]);
      }
      out->num_rows = lrows_.size();
      if (condition_ != nullptr) {
        SKY_RETURN_IF_ERROR(condition_->Select(*out, Selection::All(out->num_rows), &keep_));
        if (keep_.size() != out->num_rows) {
          KeepRows(keep_, out);
          for (size_t k = 0; k < keep_.size(); ++k) lrows_[k] = lrows_[keep_[k]];
          lrows_.resize(keep_.size());
        }
      }
    }
    if (node_.type != plan::JoinType::kLeft) return Status::OK();
    matched_.assign(left_batch_.num_rows, 0);
    for (uint32_t r : lrows_) matched_[r] = 1;
    unmatched_.clear();
    for (size_t i = 0; i < left_batch_.num_rows; ++i) {
      if (matched_[i] == 0) unmatched_.push_back(static_cast<uint32_t>(i));
    }
    if (unmatched_.empty()) return Status::OK();
    for (size_t c = 0; c < nl; ++c) {
      AppendRows(left_batch_.columns[c], unmatched_.data(), unmatched_.size(), &out->columns[c]);
    }
    for (size_t c = 0; c < right_types_.size(); ++c) {
      AppendNulls(unmatched_.size(), &out->columns[nl + c]);
    }
    out->num_rows += unmatched_.size();
    return Status::OK();
  }

  const plan::Join& node_;
  OperatorPtr left_;
  ExecContext* ctx_;
  std::vector<ColumnType> left_types_, right_types_;
  std::vector<Step> steps_;  // top down
  const plan::Scan* scan_ = nullptr;
  const MemoryTable* table_ = nullptr;
  std::unique_ptr<ExpressionEvaluator> scan_filter_, left_key_, condition_;
  ValueType domain_ = ValueType::kNull;
  EvalVector key_;
  ColumnBatch left_batch_, right_, projected_;
  std::vector<uint32_t> lrows_, keep_, unmatched_;
  std::vector<MemoryRowRef> refs_;
  std::vector<uint8_t> matched_;
};

}  // namespace

Result<OperatorPtr> MakeLookupJoin(const plan::Join& node, OperatorPtr left, ExecContext* ctx) {
  auto op = std::make_unique<LookupJoinOperator>(node, std::move(left), ctx);
  SKY_RETURN_IF_ERROR(op->Init());
  return OperatorPtr(std::move(op));
}

}  // namespace skyshard::adql::exec
