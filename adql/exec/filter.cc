// Filter: keeps the rows of each input batch for which the condition is true (NULL counts as
// false), compacting the batch in place; batches left empty are skipped.

#include "adql/exec/internal/column_util.h"
#include "adql/exec/internal/expression_evaluator.h"
#include "adql/exec/internal/operator.h"

namespace skyshard::adql::exec {
namespace {

class FilterOperator final : public Operator {
 public:
  FilterOperator(OperatorPtr input, std::unique_ptr<ExpressionEvaluator> condition,
                 ExecContext* ctx)
      : input_(std::move(input)), condition_(std::move(condition)), ctx_(ctx) {}

  Result<bool> Next(ColumnBatch* out) override {
    while (true) {
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      SKY_ASSIGN_OR_RETURN(bool more, input_->Next(out));
      if (!more) return false;
      SKY_RETURN_IF_ERROR(condition_->Select(*out, Selection::All(out->num_rows), &rows_));
      if (rows_.empty()) continue;
      if (rows_.size() != out->num_rows) KeepRows(rows_, out);
      return true;
    }
  }

 private:
  OperatorPtr input_;
  std::unique_ptr<ExpressionEvaluator> condition_;
  ExecContext* ctx_;
  std::vector<uint32_t> rows_;
};

}  // namespace

Result<OperatorPtr> MakeFilter(const plan::Filter& node, OperatorPtr input, ExecContext* ctx) {
  if (node.condition == nullptr) return input;
  SKY_ASSIGN_OR_RETURN(auto condition, ExpressionEvaluator::Compile(*node.condition, ctx));
  return OperatorPtr(new FilterOperator(std::move(input), std::move(condition), ctx));
}

}  // namespace skyshard::adql::exec
