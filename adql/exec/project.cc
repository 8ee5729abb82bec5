// Project: one output column per expression. A bare column of the input is moved (or, when used
// again, copied) rather than evaluated; other expressions are evaluated over the whole batch.

#include "adql/exec/internal/column_util.h"
#include "adql/exec/internal/expression_evaluator.h"
#include "adql/exec/internal/operator.h"

namespace skyshard::adql::exec {
namespace {

class ProjectOperator final : public Operator {
 public:
  ProjectOperator(const plan::Project& node, OperatorPtr input, ExecContext* ctx)
      : node_(node), input_(std::move(input)), ctx_(ctx) {}

  Status Init() {
    const size_t n = node_.expressions.size();
    evaluators_.resize(n);
    column_of_.assign(n, -1);
    for (size_t i = 0; i < n; ++i) {
      const plan::Expr& e = *node_.expressions[i];
      if (e.kind == plan::ExprKind::kColumn && e.depth == 0 && VPhysOf(e.type) != VPhys::kGeo) {
        column_of_[i] = e.column;
        continue;
      }
      SKY_ASSIGN_OR_RETURN(evaluators_[i], ExpressionEvaluator::Compile(e, ctx_));
    }
    // A bare column is moved out of the input at its last use, copied before.
    last_use_.assign(n, false);
    std::vector<bool> seen;
    for (size_t i = n; i-- > 0;) {
      const int c = column_of_[i];
      if (c < 0) continue;
      if (static_cast<size_t>(c) >= seen.size()) seen.resize(static_cast<size_t>(c) + 1, false);
      if (!seen[static_cast<size_t>(c)]) last_use_[i] = true;
      seen[static_cast<size_t>(c)] = true;
    }
    return Status::OK();
  }

  Result<bool> Next(ColumnBatch* out) override {
    SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    SKY_ASSIGN_OR_RETURN(bool more, input_->Next(&in_));
    if (!more) return false;
    const size_t n = evaluators_.size();
    out->columns.resize(n);
    out->num_rows = in_.num_rows;
    // Computed columns first: they read the input before bare columns are moved out of it.
    for (size_t i = 0; i < n; ++i) {
      if (column_of_[i] < 0)
        SKY_RETURN_IF_ERROR(evaluators_[i]->EvaluateColumn(in_, &out->columns[i]));
    }
    for (size_t i = 0; i < n; ++i) {
      const int c = column_of_[i];
      if (c < 0) continue;
      if (static_cast<size_t>(c) >= in_.columns.size()) {
        return Status::Internal("project reads column #" + std::to_string(c) + " of an input of " +
                                std::to_string(in_.columns.size()));
      }
      if (last_use_[i]) {
        // Swapped, not moved: the input gets back the vectors of this column's previous batch,
        // so that the operator below refills them in place instead of allocating them again.
        std::swap(out->columns[i], in_.columns[static_cast<size_t>(c)]);
      } else {
        out->columns[i] = in_.columns[static_cast<size_t>(c)];
      }
    }
    return true;
  }

 private:
  const plan::Project& node_;
  OperatorPtr input_;
  ExecContext* ctx_;
  std::vector<std::unique_ptr<ExpressionEvaluator>> evaluators_;
  std::vector<int> column_of_;
  std::vector<bool> last_use_;
  ColumnBatch in_;
};

}  // namespace

Result<OperatorPtr> MakeProject(const plan::Project& node, OperatorPtr input, ExecContext* ctx) {
  auto op = std::make_unique<ProjectOperator>(node, std::move(input), ctx);
  SKY_RETURN_IF_ERROR(op->Init());
  return OperatorPtr(std::move(op));
}

}  // namespace skyshard::adql::exec
