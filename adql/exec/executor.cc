// Execute: builds the operator tree of a plan and drives it, sending each batch to the sink on
// the caller's thread (converted to the plan's column types), and stopping at max_rows.

#include "adql/exec/executor.h"

#include <exception>
#include <new>

#include "adql/exec/internal/column_util.h"
#include "adql/exec/internal/exec_context.h"
#include "adql/exec/internal/operator.h"

namespace skyshard::adql {

namespace exec {

std::vector<ColumnType> StorageTypes(const plan::PlanNode& node) {
  std::vector<ColumnType> types;
  types.reserve(node.schema.size());
  for (const auto& c : node.schema) types.push_back(c.storage_type);
  return types;
}

Result<OperatorPtr> BuildOperator(const plan::PlanNode& node, ExecContext* ctx,
                                  const ScanPartition* partition) {
  auto child = [&](size_t i) -> Result<OperatorPtr> {
    if (i >= node.children.size()) return Status::Internal("plan node without its input");
    return BuildOperator(*node.children[i], ctx, partition);
  };
  switch (node.kind) {
    case plan::PlanKind::kScan:
      return MakeScan(node.As<plan::Scan>(), ctx, partition);
    case plan::PlanKind::kFilter: {
      SKY_ASSIGN_OR_RETURN(auto in, child(0));
      return MakeFilter(node.As<plan::Filter>(), std::move(in), ctx);
    }
    case plan::PlanKind::kProject: {
      SKY_ASSIGN_OR_RETURN(auto in, child(0));
      return MakeProject(node.As<plan::Project>(), std::move(in), ctx);
    }
    case plan::PlanKind::kJoin: {
      const auto& join = node.As<plan::Join>();
      if (join.spatial.has_value() && join.type != plan::JoinType::kCross &&
          join.condition != nullptr) {
        SKY_ASSIGN_OR_RETURN(auto right, child(1));
        return MakeSpatialJoin(join, std::move(right), ctx, partition);
      }
      SKY_ASSIGN_OR_RETURN(auto left, child(0));
      if (join.lookup_key >= 0) return MakeLookupJoin(join, std::move(left), ctx);
      SKY_ASSIGN_OR_RETURN(auto right, child(1));
      if (!join.left_keys.empty() && join.type != plan::JoinType::kCross) {
        return MakeHashJoin(join, std::move(left), std::move(right), ctx);
      }
      return MakeNestedLoopJoin(join, std::move(left), std::move(right), ctx);
    }
    case plan::PlanKind::kAggregate: {
      SKY_ASSIGN_OR_RETURN(auto in, child(0));
      return MakeHashAggregate(node.As<plan::Aggregate>(), std::move(in), ctx);
    }
    case plan::PlanKind::kDistinct: {
      SKY_ASSIGN_OR_RETURN(auto in, child(0));
      return MakeDistinct(node.As<plan::Distinct>(), std::move(in), ctx);
    }
    case plan::PlanKind::kSort: {
      SKY_ASSIGN_OR_RETURN(auto in, child(0));
      return MakeSort(node.As<plan::Sort>(), std::move(in), ctx);
    }
    case plan::PlanKind::kLimit: {
      SKY_ASSIGN_OR_RETURN(auto in, child(0));
      return MakeLimit(node.As<plan::Limit>(), std::move(in), ctx);
    }
    case plan::PlanKind::kSetOperation: {
      SKY_ASSIGN_OR_RETURN(auto left, child(0));
      SKY_ASSIGN_OR_RETURN(auto right, child(1));
      return MakeSetOperation(node.As<plan::SetOperation>(), std::move(left), std::move(right),
                              ctx);
    }
    case plan::PlanKind::kGather:
      return MakeGather(node.As<plan::Gather>(), ctx);
  }
  return Status::Internal("unknown plan node");
}

Status RunPlan(const plan::PlanNode& node, ExecContext* ctx,
               const std::function<Status(const ColumnBatch&, bool* stop)>& f) {
  SKY_ASSIGN_OR_RETURN(OperatorPtr op, BuildOperator(node, ctx));
  ColumnBatch batch;
  bool stop = false;
  while (!stop) {
    SKY_ASSIGN_OR_RETURN(bool more, op->Next(&batch));
    if (!more) break;
    SKY_RETURN_IF_ERROR(f(batch, &stop));
  }
  return Status::OK();
}

namespace {

Status Drive(const plan::PlanNode& plan, const Store* store, RowSink* sink,
             const ExecOptions& options, ExecStats* stats) {
  QueryState state(store, options);
  if (state.options.batch_rows == 0) state.options.batch_rows = 4096;
  ExecContext ctx;
  ctx.query = &state;
  const std::vector<ColumnType> types = StorageTypes(plan);
  SKY_RETURN_IF_ERROR(sink->Begin(plan.schema));
  ExecStats local;
  Status status = [&]() -> Status {
    SKY_ASSIGN_OR_RETURN(OperatorPtr root, BuildOperator(plan, &ctx));
    const int64_t max_rows = options.max_rows;
    ColumnBatch batch;
    while (true) {
      SKY_ASSIGN_OR_RETURN(bool more, root->Next(&batch));
      if (!more) break;
      if (batch.num_rows == 0) continue;
      if (max_rows >= 0 && local.rows >= max_rows) {
        local.overflow = true;
        break;
      }
      if (max_rows >= 0 && local.rows + static_cast<int64_t>(batch.num_rows) > max_rows) {
        Truncate(static_cast<size_t>(max_rows - local.rows), &batch);
        local.overflow = true;
      }
      if (batch.num_rows > 0) {
        SKY_RETURN_IF_ERROR(ConformBatch(types, &batch));
        SKY_RETURN_IF_ERROR(sink->Write(batch));
        local.rows += static_cast<int64_t>(batch.num_rows);
      }
      if (local.overflow) break;
    }
    return Status::OK();
  }();
  local.rows_read = state.rows_read.load();
  if (stats != nullptr) *stats = local;
  return status;
}

}  // namespace
}  // namespace exec

Status Execute(const plan::PlanNode& plan, const Store* store, RowSink* sink,
               const ExecOptions& options, ExecStats* stats) {
  try {
    return exec::Drive(plan, store, sink, options, stats);
  } catch (const std::bad_alloc&) {
    return Status::LimitExceeded("query ran out of memory");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("query failed: ") + e.what());
  }
}

}  // namespace skyshard::adql
