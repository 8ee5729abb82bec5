// Scan: rows of a stored table through the access path the planner chose (full, HEALPix ranges,
// primary keys, children of parents) or of an in-memory table (TAP_SCHEMA, uploads), with the
// scan's pushed-down filter applied to each batch as it is read.

#include <algorithm>

#include "adql/binder/query_catalog.h"
#include "adql/exec/internal/column_util.h"
#include "adql/exec/internal/expression_evaluator.h"
#include "adql/exec/internal/operator.h"
#include "storage/store.h"

namespace skyshard::adql::exec {
namespace {

class ScanOperator final : public Operator {
 public:
  ScanOperator(const plan::Scan& node, ExecContext* ctx) : node_(node), ctx_(ctx) {}

  Status Init(const ScanPartition* partition) {
    const QueryTable* table = node_.table;
    if (table == nullptr) return Status::Internal("scan without a table");
    if (node_.filter != nullptr) {
      SKY_ASSIGN_OR_RETURN(filter_, ExpressionEvaluator::Compile(*node_.filter, ctx_));
    }
    access_ = node_.access.kind;
    ranges_ = node_.access.ranges;
    if (partition != nullptr && partition->scan == &node_) {
      access_ = plan::ScanAccess::Kind::kRanges;
      ranges_ = partition->ranges;
    }
    if (table->source == QueryTable::Source::kMemory) {
      if (access_ != plan::ScanAccess::Kind::kFull && access_ != plan::ScanAccess::Kind::kEmpty) {
        return Status::Internal("in-memory table " + table->QualifiedName() +
                                " read by an index access path");
      }
      if (table->rows == nullptr) return Status::Internal("in-memory table without rows");
      return Status::OK();
    }
    if (ctx_->query->store == nullptr) {
      return Status::InvalidArgument("no store to read " + table->QualifiedName() + " from");
    }
    return Status::OK();
  }

  Result<bool> Next(ColumnBatch* out) override {
    while (true) {
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      SKY_ASSIGN_OR_RETURN(bool more, ReadRaw(out));
      if (!more) return false;
      ctx_->query->rows_read.fetch_add(static_cast<int64_t>(out->num_rows),
                                       std::memory_order_relaxed);
      if (filter_ == nullptr) return true;
      SKY_RETURN_IF_ERROR(filter_->Select(*out, Selection::All(out->num_rows), &rows_));
      if (rows_.empty()) continue;
      if (rows_.size() != out->num_rows) KeepRows(rows_, out);
      return true;
    }
  }

 private:
  // The next batch as read, before the filter; false at the end.
  Result<bool> ReadRaw(ColumnBatch* out) {
    if (access_ == plan::ScanAccess::Kind::kEmpty) return false;
    if (node_.table->source == QueryTable::Source::kMemory) return ReadMemory(out);
    while (true) {
      if (iterator_ == nullptr) {
        SKY_ASSIGN_OR_RETURN(bool opened, OpenNextIterator());
        if (!opened) return false;
      }
      SKY_ASSIGN_OR_RETURN(size_t n, iterator_->Next(out, ctx_->batch_rows()));
      if (n > 0) {
        out->num_rows = n;
        return true;
      }
      iterator_.reset();
      if (access_ == plan::ScanAccess::Kind::kFull || access_ == plan::ScanAccess::Kind::kRanges) {
        return false;
      }
    }
  }

  // Opens the iterator for the next piece of the access path; false when there is none.
  Result<bool> OpenNextIterator() {
    const Store& store = *ctx_->query->store;
    const TableDef& def = node_.table->def;
    switch (access_) {
      case plan::ScanAccess::Kind::kFull:
      case plan::ScanAccess::Kind::kRanges: {
        if (opened_) return false;
        opened_ = true;
        if (access_ == plan::ScanAccess::Kind::kRanges && ranges_.empty()) return false;
        if (access_ == plan::ScanAccess::Kind::kRanges && def.kind == TableKind::kPlain) {
          return Status::Internal("HEALPix ranges on the plain table " + def.name);
        }
        SKY_ASSIGN_OR_RETURN(iterator_, store.Scan(def, node_.columns, ranges_));
        return true;
      }
      case plan::ScanAccess::Kind::kPrimaryKeys:
      case plan::ScanAccess::Kind::kChildrenOf: {
        if (next_key_ >= node_.access.keys.size()) return false;
        const int64_t key = node_.access.keys[next_key_++];
        if (access_ == plan::ScanAccess::Kind::kPrimaryKeys) {
          SKY_ASSIGN_OR_RETURN(iterator_, store.LookupPrimaryKey(def, node_.columns, key));
        } else {
          SKY_ASSIGN_OR_RETURN(iterator_, store.ScanChildren(def, node_.columns, key));
        }
        return true;
      }
      case plan::ScanAccess::Kind::kEmpty:
        return false;
    }
    return false;
  }

  Result<bool> ReadMemory(ColumnBatch* out) {
    const MemoryTable& mem = *node_.table->rows;
    while (memory_batch_ < mem.batches.size()) {
      const ColumnBatch& src = mem.batches[memory_batch_];
      if (memory_row_ >= src.num_rows) {
        ++memory_batch_;
        memory_row_ = 0;
        continue;
      }
      const size_t end = std::min(src.num_rows, memory_row_ + ctx_->batch_rows());
      out->columns.resize(node_.columns.size());
      for (size_t c = 0; c < node_.columns.size(); ++c) {
        const auto col = static_cast<size_t>(node_.columns[c]);
        if (col >= src.columns.size()) {
          return Status::Internal("column " + std::to_string(col) + " missing in memory table " +
                                  node_.table->QualifiedName());
        }
        out->columns[c].Clear();
        out->columns[c].type = src.columns[col].type;
        AppendRange(src.columns[col], memory_row_, end, &out->columns[c]);
      }
      out->num_rows = end - memory_row_;
      memory_row_ = end;
      return true;
    }
    return false;
  }

  const plan::Scan& node_;
  ExecContext* ctx_;
  std::unique_ptr<ExpressionEvaluator> filter_;
  plan::ScanAccess::Kind access_ = plan::ScanAccess::Kind::kFull;
  std::vector<IndexRange> ranges_;
  std::unique_ptr<RowIterator> iterator_;
  bool opened_ = false;
  size_t next_key_ = 0;
  size_t memory_batch_ = 0, memory_row_ = 0;
  std::vector<uint32_t> rows_;
};

}  // namespace

Result<OperatorPtr> MakeScan(const plan::Scan& node, ExecContext* ctx,
                             const ScanPartition* partition) {
  auto op = std::make_unique<ScanOperator>(node, ctx);
  SKY_RETURN_IF_ERROR(op->Init(partition));
  return OperatorPtr(std::move(op));
}

}  // namespace skyshard::adql::exec
