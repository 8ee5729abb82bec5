// The physical operators: a pull-based tree, one batch at a time. Each plan node kind has a
// factory (one source file each: scan.cc, filter.cc, project.cc, hash_join.cc, lookup_join.cc,
// nested_loop_join.cc, spatial_join.cc, hash_aggregate.cc, distinct.cc, sort.cc, limit.cc,
// set_operation.cc, gather.cc); BuildOperator (executor.cc) builds the tree of a plan.
//
// Contract of Next: fills `out` (Reset to the operator's column types) with one or more rows and
// returns true, or returns false at the end (and keeps returning false). Operators check the
// query's cancel flag and deadline at least once per batch they read.
//
// Thread safety: an operator tree belongs to one thread.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "adql/exec/internal/exec_context.h"
#include "adql/planner/logical_plan.h"
#include "common/column_batch.h"
#include "common/status.h"

namespace skyshard::adql::exec {

class Operator {
 public:
  virtual ~Operator() = default;
  virtual Result<bool> Next(ColumnBatch* out) = 0;
};
using OperatorPtr = std::unique_ptr<Operator>;

// One partition of a Gather: `scan` reads only `ranges` (order-29 index ranges) instead of its
// own access path's.
struct ScanPartition {
  const plan::Scan* scan = nullptr;
  std::vector<IndexRange> ranges;
};

// Builds the operator tree of `node`. `ctx` must outlive the tree. `partition`, when given,
// restricts the scan it names.
Result<OperatorPtr> BuildOperator(const plan::PlanNode& node, ExecContext* ctx,
                                  const ScanPartition* partition = nullptr);

// Runs `node` to its end (or until `f` sets *stop), calling `f` for each batch.
Status RunPlan(const plan::PlanNode& node, ExecContext* ctx,
               const std::function<Status(const ColumnBatch&, bool* stop)>& f);

// The column types of a node's output batches.
std::vector<ColumnType> StorageTypes(const plan::PlanNode& node);

// Factories, one per operator file. Inputs are already built.
Result<OperatorPtr> MakeScan(const plan::Scan& node, ExecContext* ctx,
                             const ScanPartition* partition);
Result<OperatorPtr> MakeFilter(const plan::Filter& node, OperatorPtr input, ExecContext* ctx);
Result<OperatorPtr> MakeProject(const plan::Project& node, OperatorPtr input, ExecContext* ctx);
Result<OperatorPtr> MakeHashJoin(const plan::Join& node, OperatorPtr left, OperatorPtr right,
                                 ExecContext* ctx);
// Looks the right input's rows up in its table's key index (lookup_join.cc); the right input
// is never built as an operator. REQUIRES: node.lookup_key >= 0.
Result<OperatorPtr> MakeLookupJoin(const plan::Join& node, OperatorPtr left, ExecContext* ctx);
// Builds its left input itself (possibly only after reading the right one: spatial_join.cc).
Result<OperatorPtr> MakeSpatialJoin(const plan::Join& node, OperatorPtr right, ExecContext* ctx,
                                    const ScanPartition* partition);
Result<OperatorPtr> MakeNestedLoopJoin(const plan::Join& node, OperatorPtr left, OperatorPtr right,
                                       ExecContext* ctx);
Result<OperatorPtr> MakeHashAggregate(const plan::Aggregate& node, OperatorPtr input,
                                      ExecContext* ctx);
Result<OperatorPtr> MakeDistinct(const plan::Distinct& node, OperatorPtr input, ExecContext* ctx);
Result<OperatorPtr> MakeSort(const plan::Sort& node, OperatorPtr input, ExecContext* ctx);
Result<OperatorPtr> MakeLimit(const plan::Limit& node, OperatorPtr input, ExecContext* ctx);
Result<OperatorPtr> MakeSetOperation(const plan::SetOperation& node, OperatorPtr left,
                                     OperatorPtr right, ExecContext* ctx);
// Builds its own inputs (one tree per partition, on worker threads).
Result<OperatorPtr> MakeGather(const plan::Gather& node, ExecContext* ctx);

}  // namespace skyshard::adql::exec
