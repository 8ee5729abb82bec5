// UNION / INTERSECT / EXCEPT, with and without ALL, columns matched by position and converted
// to the output's types. UNION ALL streams both inputs; UNION streams them through a set of the
// rows seen; INTERSECT and EXCEPT first hold the right input's distinct rows with their counts,
// then stream the left input against them (bag semantics for ALL: a row appearing m times on
// the left and n on the right appears min(m, n) times in INTERSECT ALL and max(m - n, 0) times
// in EXCEPT ALL). NULLs are equal, as SQL says for set operations.

#include "adql/exec/internal/hash_table.h"
#include "adql/exec/internal/operator.h"

namespace skyshard::adql::exec {
namespace {

class SetOperationOperator final : public Operator {
 public:
  SetOperationOperator(const plan::SetOperation& node, OperatorPtr left, OperatorPtr right,
                       ExecContext* ctx)
      : op_(node.op),
        all_(node.all),
        types_(StorageTypes(node)),
        left_(std::move(left)),
        right_(std::move(right)),
        ctx_(ctx),
        seen_(types_, &ctx->query->memory),
        right_rows_(types_, &ctx->query->memory) {}

  Result<bool> Next(ColumnBatch* out) override {
    if (op_ == plan::SetOperator::kUnion) return NextUnion(out);
    if (!built_) SKY_RETURN_IF_ERROR(BuildRight());
    while (true) {
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      SKY_ASSIGN_OR_RETURN(bool more, left_->Next(out));
      if (!more) return false;
      SKY_RETURN_IF_ERROR(ConformBatch(types_, out));
      SKY_RETURN_IF_ERROR(right_rows_.Lookup(*out, /*insert=*/false, &ids_, &inserted_));
      if (!all_ && op_ == plan::SetOperator::kExcept) {
        SKY_RETURN_IF_ERROR(seen_.Lookup(*out, /*insert=*/true, &seen_ids_, &first_));
      }
      rows_.clear();
      for (size_t i = 0; i < out->num_rows; ++i) {
        const uint32_t id = ids_[i];
        const bool in_right = id != HashIndex::kNone && counts_[id] > 0;
        bool keep;
        if (op_ == plan::SetOperator::kIntersect) {
          keep = in_right;
          if (keep) counts_[id] = all_ ? counts_[id] - 1 : 0;
        } else if (all_) {
          keep = !in_right;
          if (in_right) --counts_[id];
        } else {
          keep = id == HashIndex::kNone && first_[i];
        }
        if (keep) rows_.push_back(static_cast<uint32_t>(i));
      }
      if (rows_.empty()) continue;
      if (rows_.size() != out->num_rows) KeepRows(rows_, out);
      return true;
    }
  }

 private:
  Result<bool> NextUnion(ColumnBatch* out) {
    while (true) {
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      Operator* input = on_left_ ? left_.get() : right_.get();
      SKY_ASSIGN_OR_RETURN(bool more, input->Next(out));
      if (!more) {
        if (!on_left_) return false;
        on_left_ = false;
        left_.reset();
        continue;
      }
      SKY_RETURN_IF_ERROR(ConformBatch(types_, out));
      if (all_) return true;
      SKY_RETURN_IF_ERROR(seen_.Lookup(*out, /*insert=*/true, &ids_, &inserted_));
      rows_.clear();
      for (size_t i = 0; i < out->num_rows; ++i) {
        if (inserted_[i]) rows_.push_back(static_cast<uint32_t>(i));
      }
      if (rows_.empty()) continue;
      if (rows_.size() != out->num_rows) KeepRows(rows_, out);
      return true;
    }
  }

  Status BuildRight() {
    ColumnBatch batch;
    while (true) {
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      SKY_ASSIGN_OR_RETURN(bool more, right_->Next(&batch));
      if (!more) break;
      SKY_RETURN_IF_ERROR(ConformBatch(types_, &batch));
      SKY_RETURN_IF_ERROR(right_rows_.Lookup(batch, /*insert=*/true, &ids_, &inserted_));
      counts_.resize(right_rows_.size(), 0);
      for (uint32_t id : ids_) ++counts_[id];
    }
    right_.reset();
    built_ = true;
    return Status::OK();
  }

  plan::SetOperator op_;
  bool all_;
  std::vector<ColumnType> types_;
  OperatorPtr left_, right_;
  ExecContext* ctx_;
  RowSet seen_;        // UNION: rows sent; EXCEPT: left rows seen
  RowSet right_rows_;  // INTERSECT, EXCEPT: the right input's distinct rows
  std::vector<int64_t> counts_;
  bool built_ = false;
  bool on_left_ = true;
  std::vector<uint32_t> ids_, seen_ids_, rows_;
  std::vector<uint8_t> inserted_, first_;
};

}  // namespace

Result<OperatorPtr> MakeSetOperation(const plan::SetOperation& node, OperatorPtr left,
                                     OperatorPtr right, ExecContext* ctx) {
  return OperatorPtr(new SetOperationOperator(node, std::move(left), std::move(right), ctx));
}

}  // namespace skyshard::adql::exec
