// Distinct: passes each row the first time it is seen (NULLs equal), streaming: a row leaves as
// soon as its batch is read. Holds every distinct row, accounted against the memory budget.

#include "adql/exec/internal/hash_table.h"
#include "adql/exec/internal/operator.h"

namespace skyshard::adql::exec {
namespace {

class DistinctOperator final : public Operator {
 public:
  DistinctOperator(std::vector<ColumnType> types, OperatorPtr input, ExecContext* ctx)
      : types_(std::move(types)),
        input_(std::move(input)),
        ctx_(ctx),
        set_(types_, &ctx->query->memory) {}

  Result<bool> Next(ColumnBatch* out) override {
    while (true) {
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      SKY_ASSIGN_OR_RETURN(bool more, input_->Next(out));
      if (!more) return false;
      SKY_RETURN_IF_ERROR(ConformBatch(types_, out));
      SKY_RETURN_IF_ERROR(set_.Lookup(*out, /*insert=*/true, &ids_, &inserted_));
      rows_.clear();
      for (size_t i = 0; i < out->num_rows; ++i) {
        if (inserted_[i]) rows_.push_back(static_cast<uint32_t>(i));
      }
      if (rows_.empty()) continue;
      if (rows_.size() != out->num_rows) KeepRows(rows_, out);
      return true;
    }
  }

 private:
  std::vector<ColumnType> types_;
  OperatorPtr input_;
  ExecContext* ctx_;
  RowSet set_;
  std::vector<uint32_t> ids_, rows_;
  std::vector<uint8_t> inserted_;
};

}  // namespace

Result<OperatorPtr> MakeDistinct(const plan::Distinct& node, OperatorPtr input, ExecContext* ctx) {
  return OperatorPtr(new DistinctOperator(StorageTypes(node), std::move(input), ctx));
}

}  // namespace skyshard::adql::exec
