// Hash join: the right input is held in memory and indexed on its key expressions
// (Join::right_keys, filled by the planner); each left batch is probed through its keys
// (left_keys). Key pairs of different types compare in their common type (an INTEGER id equals
// a DOUBLE 3.0). Rows with a NULL key match nothing, as `=` says. The whole join condition is
// still checked on each candidate pair (it may hold more than the equalities).

#include "adql/exec/internal/expression_nodes.h"
#include "adql/exec/internal/join.h"
#include "adql/planner/logical_plan.h"

namespace skyshard::adql::exec {
namespace {

class HashJoinOperator final : public JoinOperator {
 public:
  HashJoinOperator(const plan::Join& node, OperatorPtr left, OperatorPtr right, ExecContext* ctx)
      : JoinOperator(node, std::move(left), std::move(right), ctx), node_(node) {}

  Status InitKeys() {
    SKY_RETURN_IF_ERROR(Init());
    if (node_.left_keys.size() != node_.right_keys.size()) {
      return Status::Internal("hash join with unequal key lists");
    }
    std::vector<ColumnType> key_types;
    for (size_t k = 0; k < node_.left_keys.size(); ++k) {
      SKY_ASSIGN_OR_RETURN(auto l, ExpressionEvaluator::Compile(*node_.left_keys[k], ctx()));
      SKY_ASSIGN_OR_RETURN(auto r, ExpressionEvaluator::Compile(*node_.right_keys[k], ctx()));
      SKY_ASSIGN_OR_RETURN(ValueType d, internal::ComparisonDomain(l->type(), r->type()));
      if (d == ValueType::kNull) never_matches_ = true;
      domains_.push_back(d);
      key_types.push_back(plan::StorageTypeOf(d == ValueType::kNull ? ValueType::kBigInt : d));
      left_keys_.push_back(std::move(l));
      right_keys_.push_back(std::move(r));
    }
    keys_ = std::make_unique<RowStore>(key_types, &ctx()->query->memory);
    return Status::OK();
  }

 protected:
  Status AddRightBatch(const ColumnBatch& batch, size_t first_row) override {
    SKY_RETURN_IF_ERROR(EvaluateKeys(right_keys_, batch, &key_batch_));
    SKY_RETURN_IF_ERROR(keys_->Append(key_batch_, nullptr, key_batch_.num_rows));
    HashKeys(key_batch_, &hashes_);
    next_.resize(first_row + batch.num_rows, HashIndex::kNone);
    const ColumnBatch& stored = keys_->rows();
    const size_t index_before = index_.bytes();
    for (size_t i = 0; i < batch.num_rows; ++i) {
      if (never_matches_ || HasNullKey(key_batch_, i)) continue;
      const auto row = static_cast<uint32_t>(first_row + i);
      const uint32_t head =
          index_.Find(hashes_[i], [&](uint32_t r) { return RowsEqual(stored, r, stored, row); });
      if (head == HashIndex::kNone) {
        index_.Insert(hashes_[i], row);
      } else {
        next_[row] = next_[head];
        next_[head] = row;
      }
    }
    return right_store().AccountExtra(index_.bytes() - index_before +
                                      batch.num_rows * sizeof(uint32_t));
  }

  Status StartLeft(const ColumnBatch& left) override {
    SKY_RETURN_IF_ERROR(EvaluateKeys(left_keys_, left, &probe_keys_));
    HashKeys(probe_keys_, &probe_hashes_);
    position_ = 0;
    chain_ = HashIndex::kNone;
    return Status::OK();
  }

  bool NextCandidates(size_t max, const std::vector<uint8_t>& skip_left,
                      std::vector<uint32_t>* left_out, std::vector<uint32_t>* right_out) override {
    const ColumnBatch& stored = keys_->rows();
    const size_t n = probe_keys_.num_rows;
    while (position_ < n) {
      if (chain_ == HashIndex::kNone) {
        if (never_matches_ || HasNullKey(probe_keys_, position_) ||
            (!skip_left.empty() && skip_left[position_])) {
          ++position_;
          continue;
        }
        const size_t i = position_;
        chain_ = index_.Find(probe_hashes_[i],
                             [&](uint32_t r) { return RowsEqual(probe_keys_, i, stored, r); });
        if (chain_ == HashIndex::kNone) {
          ++position_;
          continue;
        }
      }
      while (chain_ != HashIndex::kNone) {
        if (left_out->size() >= max) return true;
        left_out->push_back(static_cast<uint32_t>(position_));
        right_out->push_back(chain_);
        chain_ = next_[chain_];
      }
      ++position_;
    }
    return false;
  }

 private:
  Status EvaluateKeys(std::vector<std::unique_ptr<ExpressionEvaluator>>& keys,
                      const ColumnBatch& batch, ColumnBatch* out) {
    out->columns.resize(keys.size());
    out->num_rows = batch.num_rows;
    const Selection all = Selection::All(batch.num_rows);
    for (size_t k = 0; k < keys.size(); ++k) {
      SKY_RETURN_IF_ERROR(keys[k]->Evaluate(batch, all, &value_));
      if (domains_[k] != ValueType::kNull) {
        SKY_RETURN_IF_ERROR(internal::Coerce(&value_, domains_[k], all));
      }
      MaterializeColumn(value_, batch.num_rows, &out->columns[k]);
      if (domains_[k] == ValueType::kNull) {
        out->columns[k].Clear();
        out->columns[k].type = plan::StorageTypeOf(ValueType::kBigInt);
        AppendNulls(batch.num_rows, &out->columns[k]);
      } else {
        out->columns[k].type = plan::StorageTypeOf(domains_[k]);
      }
    }
    return Status::OK();
  }

  static bool HasNullKey(const ColumnBatch& keys, size_t row) {
    for (const auto& c : keys.columns) {
      if (c.nulls[row]) return true;
    }
    return false;
  }

  static void HashKeys(const ColumnBatch& keys, std::vector<uint64_t>* hashes) {
    HashRows(keys, hashes);
  }

  const plan::Join& node_;
  std::vector<std::unique_ptr<ExpressionEvaluator>> left_keys_, right_keys_;
  std::vector<ValueType> domains_;
  bool never_matches_ = false;
  std::unique_ptr<RowStore> keys_;
  HashIndex index_;
  std::vector<uint32_t> next_;
  std::vector<uint64_t> hashes_, probe_hashes_;
  ColumnBatch key_batch_, probe_keys_;
  EvalVector value_;
  size_t position_ = 0;
  uint32_t chain_ = HashIndex::kNone;
};

}  // namespace

Result<OperatorPtr> MakeHashJoin(const plan::Join& node, OperatorPtr left, OperatorPtr right,
                                 ExecContext* ctx) {
  auto op = std::make_unique<HashJoinOperator>(node, std::move(left), std::move(right), ctx);
  SKY_RETURN_IF_ERROR(op->InitKeys());
  return OperatorPtr(std::move(op));
}

}  // namespace skyshard::adql::exec
