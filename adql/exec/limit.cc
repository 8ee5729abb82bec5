// Limit: skips `offset` rows, then passes `count` rows (all when -1) and stops reading its input
// as soon as it has them, so TOP 10 over a huge scan reads about one batch.

#include <algorithm>

#include "adql/exec/internal/column_util.h"
#include "adql/exec/internal/operator.h"

namespace skyshard::adql::exec {
namespace {

class LimitOperator final : public Operator {
 public:
  LimitOperator(OperatorPtr input, int64_t offset, int64_t count, ExecContext* ctx)
      : input_(std::move(input)), to_skip_(std::max<int64_t>(0, offset)), left_(count), ctx_(ctx) {}

  Result<bool> Next(ColumnBatch* out) override {
    while (true) {
      if (left_ == 0) {
        input_.reset();  // frees what the input holds as soon as possible
        return false;
      }
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      SKY_ASSIGN_OR_RETURN(bool more, input_->Next(out));
      if (!more) {
        left_ = 0;
        return false;
      }
      if (to_skip_ > 0) {
        const auto skip =
            static_cast<size_t>(std::min<int64_t>(to_skip_, static_cast<int64_t>(out->num_rows)));
        to_skip_ -= static_cast<int64_t>(skip);
        if (skip == out->num_rows) continue;
        DropFront(skip, out);
      }
      if (left_ > 0 && static_cast<int64_t>(out->num_rows) > left_) {
        Truncate(static_cast<size_t>(left_), out);
      }
      if (left_ > 0) left_ -= static_cast<int64_t>(out->num_rows);
      return true;
    }
  }

 private:
  OperatorPtr input_;
  int64_t to_skip_;
  int64_t left_;  // -1: no limit
  ExecContext* ctx_;
};

}  // namespace

Result<OperatorPtr> MakeLimit(const plan::Limit& node, OperatorPtr input, ExecContext* ctx) {
  return OperatorPtr(new LimitOperator(std::move(input), node.offset, node.count, ctx));
}

}  // namespace skyshard::adql::exec
