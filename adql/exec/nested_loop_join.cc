// Nested-loop join: every left row against every right row (held in memory), the join condition
// deciding. Used for CROSS joins, for conditions without equalities (a cross-match by
// DISTANCE), and whenever the planner has not named hash keys (the binder's plans).

#include "adql/exec/internal/join.h"

namespace skyshard::adql::exec {
namespace {

class NestedLoopJoinOperator final : public JoinOperator {
 public:
  using JoinOperator::JoinOperator;

 protected:
  Status AddRightBatch(const ColumnBatch&, size_t) override { return Status::OK(); }

  Status StartLeft(const ColumnBatch& left) override {
    left_rows_ = left.num_rows;
    position_ = 0;
    right_position_ = 0;
    return Status::OK();
  }

  bool NextCandidates(size_t max, const std::vector<uint8_t>& skip_left,
                      std::vector<uint32_t>* left_out, std::vector<uint32_t>* right_out) override {
    const size_t nr = right_rows().num_rows;
    if (nr == 0) return false;
    while (position_ < left_rows_) {
      if (!skip_left.empty() && skip_left[position_]) {
        ++position_;
        right_position_ = 0;
        continue;
      }
      while (right_position_ < nr) {
        if (left_out->size() >= max) return true;
        left_out->push_back(static_cast<uint32_t>(position_));
        right_out->push_back(static_cast<uint32_t>(right_position_));
        ++right_position_;
      }
      ++position_;
      right_position_ = 0;
      // Semi and anti joins: let the caller mark matches before this row's next candidates.
      if (!skip_left.empty() && !left_out->empty()) return position_ < left_rows_;
    }
    return false;
  }

 private:
  size_t left_rows_ = 0;
  size_t position_ = 0;
  size_t right_position_ = 0;
};

}  // namespace

Result<OperatorPtr> MakeNestedLoopJoin(const plan::Join& node, OperatorPtr left, OperatorPtr right,
                                       ExecContext* ctx) {
  auto op = std::make_unique<NestedLoopJoinOperator>(node, std::move(left), std::move(right), ctx);
  SKY_RETURN_IF_ERROR(op->Init());
  return OperatorPtr(std::move(op));
}

}  // namespace skyshard::adql::exec
