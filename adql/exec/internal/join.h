// What the hash join (hash_join.cc) and the nested-loop join (nested_loop_join.cc) share: the
// right input held in memory, the candidate pairs a subclass proposes for each left batch, the
// join condition checked on them, and the outer, semi and anti join bookkeeping (unmatched left
// rows after each left batch, unmatched right rows at the end).
//
// Thread safety: none; an operator belongs to one thread.
#pragma once

#include <memory>
#include <vector>

#include "adql/exec/internal/expression_evaluator.h"
#include "adql/exec/internal/hash_table.h"
#include "adql/exec/internal/operator.h"

namespace skyshard::adql::exec {

class JoinOperator : public Operator {
 public:
  JoinOperator(const plan::Join& node, OperatorPtr left, OperatorPtr right, ExecContext* ctx);
  Status Init();
  Result<bool> Next(ColumnBatch* out) final;

 protected:
  // Called for each right batch (already conformed), after its rows were appended to
  // right_rows() at `first_row`.
  virtual Status AddRightBatch(const ColumnBatch& batch, size_t first_row) = 0;
  // Called once the right input is read.
  virtual Status FinishBuild() { return Status::OK(); }
  // A new left batch: prepare its candidates.
  virtual Status StartLeft(const ColumnBatch& left) = 0;
  // Appends up to `max` candidate pairs (left row, right row) of the current left batch;
  // false when there are no more for this batch. `skip_left` marks left rows that need no
  // more candidates (semi and anti joins, once matched).
  virtual bool NextCandidates(size_t max, const std::vector<uint8_t>& skip_left,
                              std::vector<uint32_t>* left_out,
                              std::vector<uint32_t>* right_out) = 0;

  const ColumnBatch& right_rows() const { return right_.rows(); }
  ExecContext* ctx() { return ctx_; }
  RowStore& right_store() { return right_; }

  // For a subclass that knows of some candidates that they satisfy the join condition but for
  // `residual` (null: nothing), a part of it: a cross-match's pairs clearly within the radius
  // (adql/exec/spatial_join.cc). It then appends to sure() one flag per candidate pair it
  // proposes (1: only `residual` need be checked); the rest get the whole condition.
  Status UseSureCandidates(const plan::Expr* residual);
  std::vector<uint8_t>* sure() { return &sure_; }

 private:
  Status Build();
  // out = left rows `lrows` beside right rows `rrows` (kNone: NULLs).
  void Assemble(const std::vector<uint32_t>& lrows, const std::vector<uint32_t>& rrows,
                ColumnBatch* out);
  // keep_ = the pairs (rows of `pairs`) that satisfy the condition, checking only the residual
  // on the sure ones.
  Status SelectPairs(const ColumnBatch& pairs);

  const plan::Join& node_;
  plan::JoinType type_;
  OperatorPtr left_, right_input_;
  ExecContext* ctx_;
  std::vector<ColumnType> left_types_, right_types_;
  RowStore right_;
  std::unique_ptr<ExpressionEvaluator> condition_;
  bool built_ = false;
  bool have_left_ = false;
  bool left_done_ = false;
  size_t right_remainder_ = 0;
  ColumnBatch left_batch_;
  ColumnBatch pair_scratch_;
  std::vector<uint8_t> left_matched_, right_matched_;
  std::vector<uint32_t> lrows_, rrows_, keep_;
  bool use_sure_ = false;
  std::unique_ptr<ExpressionEvaluator> residual_;  // null: sure pairs need no check
  std::vector<uint8_t> sure_;
  std::vector<uint32_t> sure_rows_, unsure_rows_, keep_sure_;
};

}  // namespace skyshard::adql::exec
