// The state of a GROUP BY: the distinct group keys and, per group, the partial state of each
// aggregate (a count, a sum, the extreme value, the set of distinct values for DISTINCT
// aggregates). The hash aggregate operator fills one from its input; a Gather with kAggregate
// merge fills one per partition on worker threads and merges them (Merge) into the final rows.
//
// Semantics: COUNT(*) counts rows, COUNT(x) non-NULL values; SUM of integers is BIGINT (an error
// "bigint out of range" on overflow), of floating point DOUBLE; AVG is DOUBLE; MIN and MAX work
// on numbers, text and timestamps; an aggregate over no value (other than COUNT) is NULL;
// DISTINCT aggregates use each distinct non-NULL value once. Without GROUP BY there is exactly
// one group, even over no rows.
//
// Thread safety: none; each table belongs to one thread (Merge reads the other table, which its
// thread has finished with).
#pragma once

#include <memory>
#include <vector>

#include "adql/exec/internal/expression_evaluator.h"
#include "adql/exec/internal/hash_table.h"
#include "adql/planner/logical_plan.h"

namespace skyshard::adql::exec {

class AggregateTable {
 public:
  AggregateTable(const plan::Aggregate& node, ExecContext* ctx);
  // Compiles the group and argument expressions. Unsupported for an aggregate over geometry.
  Status Init();
  // Adds the rows of `input` (the Aggregate's input columns).
  Status Consume(const ColumnBatch& input);
  // Adds the groups and states of `other` (a table of the same node). `other` is left empty.
  Status Merge(AggregateTable* other);
  // The result rows, a batch at a time (groups in first-seen order); false at the end.
  // REQUIRES: all input consumed and merged.
  Result<bool> Emit(ColumnBatch* out);

 private:
  struct State {
    std::vector<int64_t> counts;
    std::vector<int64_t> int_sums;
    std::vector<double> double_sums;
    ColumnVector extreme;              // MIN/MAX; NULL until a value is seen
    std::unique_ptr<RowSet> distinct;  // (group id, value) pairs of a DISTINCT aggregate
    ValueType arg_type = ValueType::kNull;
    bool int_sum = false;
  };

  // The group ids of rows [0, n) of the key columns `keys` (inserting new groups).
  Status GroupIds(const std::vector<const ColumnVector*>& keys, size_t n,
                  std::vector<uint32_t>* ids);
  void GrowStates(size_t groups);
  // Adds values[0..n) (non-DISTINCT semantics) to groups ids[0..n) of aggregate `k`.
  Status Update(size_t k, const ColumnVector& values, const std::vector<uint32_t>& ids, size_t n);
  Status FinishDistinct();

  const plan::Aggregate& node_;
  ExecContext* ctx_;
  std::vector<std::unique_ptr<ExpressionEvaluator>> group_exprs_, arg_exprs_;
  std::vector<ColumnType> group_types_;
  std::unique_ptr<RowSet> groups_;
  size_t group_count_ = 0;
  std::vector<State> states_;
  MemoryReservation state_memory_;
  bool finished_ = false;
  size_t emitted_ = 0;
  // Scratch.
  ColumnBatch keys_, pairs_;
  std::vector<uint32_t> ids_, pair_ids_, rows_scratch_;
  std::vector<uint8_t> inserted_;
  std::vector<EvalVector> key_values_;
  std::vector<const ColumnVector*> key_columns_;
  EvalVector value_;
  ColumnVector column_;
};

}  // namespace skyshard::adql::exec
