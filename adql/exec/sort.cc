// Sort (ORDER BY): holds the input's rows and their sort keys, orders them, emits them in
// batches. NULLs sort as the largest value (last ascending, first descending), as PostgreSQL
// does; ties keep input order. With a limit (TOP n ... ORDER BY, the planner's top-k) only the
// best `limit` rows are kept: whenever the held rows reach twice the limit the worst are dropped,
// so memory stays O(limit) however large the input.
//
// The sort itself runs in slices of 64 Ki rows, then merges them, checking the cancel flag
// between steps, so a cancelled sort of many rows stops promptly.

#include <algorithm>
#include <numeric>

#include "adql/exec/internal/expression_evaluator.h"
#include "adql/exec/internal/hash_table.h"
#include "adql/exec/internal/operator.h"

namespace skyshard::adql::exec {
namespace {

constexpr size_t kSortSlice = 64 * 1024;

class SortOperator final : public Operator {
 public:
  SortOperator(const plan::Sort& node, OperatorPtr input, ExecContext* ctx)
      : node_(node), input_(std::move(input)), ctx_(ctx), types_(StorageTypes(*node.children[0])) {}

  Status Init() {
    std::vector<ColumnType> key_types;
    for (const auto& k : node_.keys) {
      SKY_ASSIGN_OR_RETURN(auto ev, ExpressionEvaluator::Compile(*k.expression, ctx_));
      key_types.push_back(plan::StorageTypeOf(ev->type()));
      keys_.push_back(std::move(ev));
      descending_.push_back(k.descending);
    }
    key_types_ = key_types;
    rows_ = std::make_unique<RowStore>(types_, &ctx_->query->memory);
    key_rows_ = std::make_unique<RowStore>(key_types_, &ctx_->query->memory);
    return Status::OK();
  }

  Result<bool> Next(ColumnBatch* out) override {
    if (!sorted_) {
      SKY_RETURN_IF_ERROR(Consume());
      SKY_RETURN_IF_ERROR(SortAll());
      sorted_ = true;
    }
    SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    size_t end = std::min(order_.size(), emitted_ + ctx_->batch_rows());
    if (node_.limit >= 0) end = std::min(end, static_cast<size_t>(node_.limit));
    if (emitted_ >= end) {
      rows_.reset();
      key_rows_.reset();
      return false;
    }
    out->Reset(types_);
    for (size_t c = 0; c < types_.size(); ++c) {
      AppendRows(rows_->rows().columns[c], order_.data() + emitted_, end - emitted_,
                 &out->columns[c]);
    }
    out->num_rows = end - emitted_;
    emitted_ = end;
    return true;
  }

 private:
  bool Less(uint32_t a, uint32_t b) const {
    const ColumnBatch& k = key_rows_->rows();
    for (size_t c = 0; c < k.columns.size(); ++c) {
      int r = CompareValues(k.columns[c], a, k.columns[c], b);
      if (r != 0) return descending_[c] ? r > 0 : r < 0;
    }
    return a < b;
  }

  Status Consume() {
    if (node_.limit == 0) return Status::OK();
    ColumnBatch batch, keys;
    const auto limit = static_cast<size_t>(node_.limit);
    while (true) {
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      SKY_ASSIGN_OR_RETURN(bool more, input_->Next(&batch));
      if (!more) break;
      SKY_RETURN_IF_ERROR(ConformBatch(types_, &batch));
      keys.columns.resize(keys_.size());
      keys.num_rows = batch.num_rows;
      for (size_t k = 0; k < keys_.size(); ++k) {
        SKY_RETURN_IF_ERROR(keys_[k]->EvaluateColumn(batch, &keys.columns[k]));
        SKY_RETURN_IF_ERROR(ConvertColumn(key_types_[k], &keys.columns[k]));
      }
      SKY_RETURN_IF_ERROR(rows_->Append(batch, nullptr, batch.num_rows));
      SKY_RETURN_IF_ERROR(key_rows_->Append(keys, nullptr, keys.num_rows));
      if (node_.limit > 0 && rows_->size() >= 2 * limit + ctx_->batch_rows()) {
        SKY_RETURN_IF_ERROR(Prune(limit));
      }
    }
    input_.reset();
    return Status::OK();
  }

  // Keeps only the best `limit` rows held (top-k).
  Status Prune(size_t limit) {
    std::vector<uint32_t> idx(rows_->size());
    std::iota(idx.begin(), idx.end(), 0);
    const size_t keep = std::min(limit, idx.size());
    std::partial_sort(idx.begin(), idx.begin() + static_cast<ptrdiff_t>(keep), idx.end(),
                      [this](uint32_t a, uint32_t b) { return Less(a, b); });
    idx.resize(keep);
    std::sort(idx.begin(), idx.end());  // keep input order among the survivors
    auto rows = std::make_unique<RowStore>(types_, &ctx_->query->memory);
    auto keys = std::make_unique<RowStore>(key_types_, &ctx_->query->memory);
    SKY_RETURN_IF_ERROR(rows->Append(rows_->rows(), idx.data(), idx.size()));
    SKY_RETURN_IF_ERROR(keys->Append(key_rows_->rows(), idx.data(), idx.size()));
    rows_ = std::move(rows);
    key_rows_ = std::move(keys);
    return Status::OK();
  }

  Status SortAll() {
    const size_t n = rows_->size();
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), 0);
    auto less = [this](uint32_t a, uint32_t b) { return Less(a, b); };
    if (node_.limit >= 0 && static_cast<size_t>(node_.limit) < n) {
      const auto k = static_cast<ptrdiff_t>(node_.limit);
      std::partial_sort(order_.begin(), order_.begin() + k, order_.end(), less);
      order_.resize(static_cast<size_t>(k));
      return Status::OK();
    }
    for (size_t b = 0; b < n; b += kSortSlice) {
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      const size_t e = std::min(n, b + kSortSlice);
      std::sort(order_.begin() + static_cast<ptrdiff_t>(b),
                order_.begin() + static_cast<ptrdiff_t>(e), less);
    }
    for (size_t width = kSortSlice; width < n; width *= 2) {
      for (size_t b = 0; b + width < n; b += 2 * width) {
        SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
        const size_t m = b + width, e = std::min(n, b + 2 * width);
        std::inplace_merge(order_.begin() + static_cast<ptrdiff_t>(b),
                           order_.begin() + static_cast<ptrdiff_t>(m),
                           order_.begin() + static_cast<ptrdiff_t>(e), less);
      }
    }
    return Status::OK();
  }

  const plan::Sort& node_;
  OperatorPtr input_;
  ExecContext* ctx_;
  std::vector<ColumnType> types_, key_types_;
  std::vector<std::unique_ptr<ExpressionEvaluator>> keys_;
  std::vector<bool> descending_;
  std::unique_ptr<RowStore> rows_, key_rows_;
  std::vector<uint32_t> order_;
  bool sorted_ = false;
  size_t emitted_ = 0;
};

}  // namespace

Result<OperatorPtr> MakeSort(const plan::Sort& node, OperatorPtr input, ExecContext* ctx) {
  auto op = std::make_unique<SortOperator>(node, std::move(input), ctx);
  SKY_RETURN_IF_ERROR(op->Init());
  return OperatorPtr(std::move(op));
}

}  // namespace skyshard::adql::exec
