#include "adql/exec/internal/join.h"

#include <algorithm>

namespace skyshard::adql::exec {

JoinOperator::JoinOperator(const plan::Join& node, OperatorPtr left, OperatorPtr right,
                           ExecContext* ctx)
    : node_(node),
      type_(node.type),
      left_(std::move(left)),
      right_input_(std::move(right)),
      ctx_(ctx),
      left_types_(StorageTypes(*node.children[0])),
      right_types_(StorageTypes(*node.children[1])),
      right_(right_types_, &ctx->query->memory) {}

Status JoinOperator::Init() {
  if (node_.condition != nullptr) {
    SKY_ASSIGN_OR_RETURN(condition_, ExpressionEvaluator::Compile(*node_.condition, ctx_));
  }
  return Status::OK();
}

Status JoinOperator::UseSureCandidates(const plan::Expr* residual) {
  use_sure_ = true;
  residual_.reset();
  if (residual != nullptr) {
    SKY_ASSIGN_OR_RETURN(residual_, ExpressionEvaluator::Compile(*residual, ctx_));
  }
  return Status::OK();
}

Status JoinOperator::SelectPairs(const ColumnBatch& pairs) {
  const size_t n = pairs.num_rows;
  if (!use_sure_ || sure_.size() != n) {
    return condition_->Select(pairs, Selection::All(n), &keep_);
  }
  sure_rows_.clear();
  unsure_rows_.clear();
  for (size_t k = 0; k < n; ++k)
    (sure_[k] ? sure_rows_ : unsure_rows_).push_back(static_cast<uint32_t>(k));
  if (unsure_rows_.empty() && residual_ == nullptr) {
    keep_.swap(sure_rows_);
    return Status::OK();
  }
  keep_.clear();
  if (!unsure_rows_.empty()) {
    SKY_RETURN_IF_ERROR(condition_->Select(pairs, Selection::Of(n, unsure_rows_), &keep_));
  }
  if (residual_ != nullptr && !sure_rows_.empty()) {
    SKY_RETURN_IF_ERROR(residual_->Select(pairs, Selection::Of(n, sure_rows_), &keep_sure_));
  } else {
    keep_sure_.swap(sure_rows_);
  }
  // Both ascending: merged, the pairs keep their order.
  unsure_rows_.swap(keep_);
  keep_.resize(unsure_rows_.size() + keep_sure_.size());
  std::merge(unsure_rows_.begin(), unsure_rows_.end(), keep_sure_.begin(), keep_sure_.end(),
             keep_.begin());
  return Status::OK();
}

Status JoinOperator::Build() {
  ColumnBatch batch;
  while (true) {
    SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    SKY_ASSIGN_OR_RETURN(bool more, right_input_->Next(&batch));
    if (!more) break;
    SKY_RETURN_IF_ERROR(ConformBatch(right_types_, &batch));
    const size_t first = right_.size();
    SKY_RETURN_IF_ERROR(right_.Append(batch, nullptr, batch.num_rows));
    SKY_RETURN_IF_ERROR(AddRightBatch(batch, first));
  }
  right_input_.reset();
  SKY_RETURN_IF_ERROR(FinishBuild());
  if (type_ == plan::JoinType::kRight || type_ == plan::JoinType::kFull) {
    right_matched_.assign(right_.size(), 0);
  }
  built_ = true;
  return Status::OK();
}

void JoinOperator::Assemble(const std::vector<uint32_t>& lrows, const std::vector<uint32_t>& rrows,
                            ColumnBatch* out) {
  const bool semi = type_ == plan::JoinType::kSemi || type_ == plan::JoinType::kAnti;
  const size_t nl = left_types_.size();
  const size_t nr = semi && out->columns.size() == nl ? 0 : right_types_.size();
  std::vector<ColumnType> types = left_types_;
  if (nr > 0) types.insert(types.end(), right_types_.begin(), right_types_.end());
  out->Reset(types);
  const size_t n = std::max(lrows.size(), rrows.size());
  for (size_t c = 0; c < nl; ++c) {
    if (lrows.empty()) {
      AppendNulls(n, &out->columns[c]);
    } else {
      AppendRows(left_batch_.columns[c], lrows.data(), lrows.size(), &out->columns[c]);
    }
  }
  for (size_t c = 0; c < nr; ++c) {
    if (rrows.empty()) {
      AppendNulls(n, &out->columns[nl + c]);
    } else {
      AppendRows(right_.rows().columns[c], rrows.data(), rrows.size(), &out->columns[nl + c]);
    }
  }
  out->num_rows = n;
}

Result<bool> JoinOperator::Next(ColumnBatch* out) {
  if (!built_) SKY_RETURN_IF_ERROR(Build());
  const bool semi_or_anti = type_ == plan::JoinType::kSemi || type_ == plan::JoinType::kAnti;
  const bool emits_pairs = !semi_or_anti;
  const size_t batch_rows = ctx_->batch_rows();
  while (!left_done_) {
    SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    if (!have_left_) {
      SKY_ASSIGN_OR_RETURN(bool more, left_->Next(&left_batch_));
      if (!more) {
        left_done_ = true;
        left_.reset();
        break;
      }
      SKY_RETURN_IF_ERROR(ConformBatch(left_types_, &left_batch_));
      SKY_RETURN_IF_ERROR(StartLeft(left_batch_));
      left_matched_.assign(left_batch_.num_rows, 0);
      have_left_ = true;
    }
    lrows_.clear();
    rrows_.clear();
    sure_.clear();
    static const std::vector<uint8_t> kNoSkip;
    const bool got =
        NextCandidates(batch_rows, semi_or_anti ? left_matched_ : kNoSkip, &lrows_, &rrows_);
    if (!lrows_.empty()) {
      if (condition_ != nullptr) {
        ColumnBatch& pairs = emits_pairs ? *out : pair_scratch_;
        pairs.columns.resize(left_types_.size() + right_types_.size());
        Assemble(lrows_, rrows_, &pairs);
        SKY_RETURN_IF_ERROR(SelectPairs(pairs));
        for (uint32_t k : keep_) {
          left_matched_[lrows_[k]] = 1;
          if (!right_matched_.empty()) right_matched_[rrows_[k]] = 1;
        }
        if (emits_pairs && !keep_.empty()) {
          if (keep_.size() != pairs.num_rows) KeepRows(keep_, out);
          return true;
        }
      } else {
        for (size_t k = 0; k < lrows_.size(); ++k) {
          left_matched_[lrows_[k]] = 1;
          if (!right_matched_.empty()) right_matched_[rrows_[k]] = 1;
        }
        if (emits_pairs) {
          out->columns.resize(left_types_.size() + right_types_.size());
          Assemble(lrows_, rrows_, out);
          return true;
        }
      }
      if (got) continue;
    }
    if (got) continue;
    // The left batch is done: its unmatched (outer, anti) or matched (semi) rows.
    have_left_ = false;
    lrows_.clear();
    rrows_.clear();
    for (size_t i = 0; i < left_batch_.num_rows; ++i) {
      const bool matched = left_matched_[i] != 0;
      if ((type_ == plan::JoinType::kSemi && matched) ||
          (!matched && (type_ == plan::JoinType::kAnti || type_ == plan::JoinType::kLeft ||
                        type_ == plan::JoinType::kFull))) {
        lrows_.push_back(static_cast<uint32_t>(i));
      }
    }
    if (lrows_.empty()) continue;
    if (semi_or_anti) {
      out->columns.resize(left_types_.size());
    } else {
      out->columns.resize(left_types_.size() + right_types_.size());
    }
    Assemble(lrows_, rrows_, out);
    return true;
  }
  // Unmatched right rows of RIGHT and FULL joins.
  if (!right_matched_.empty()) {
    lrows_.clear();
    rrows_.clear();
    while (right_remainder_ < right_matched_.size() && rrows_.size() < batch_rows) {
      if (!right_matched_[right_remainder_]) {
        rrows_.push_back(static_cast<uint32_t>(right_remainder_));
      }
      ++right_remainder_;
    }
    if (!rrows_.empty()) {
      out->columns.resize(left_types_.size() + right_types_.size());
      Assemble(lrows_, rrows_, out);
      return true;
    }
  }
  return false;
}

}  // namespace skyshard::adql::exec
