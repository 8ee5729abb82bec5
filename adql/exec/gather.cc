// Gather: runs its fragment (children[0], a pipeline over one Scan) once per partition of that
// scan's key space on worker threads, and merges what the partitions produce:
//  - kConcat: batches in whatever order they come, through one bounded queue (a slow consumer
//    blocks the workers; the sink runs on the caller's thread);
//  - kOrdered: each partition's stream is sorted; a k-way merge on the caller's thread keeps
//    the order (one thread and a two-batch queue per partition);
//  - kAggregate: children[0] is an Aggregate; each worker aggregates its partitions' rows into
//    its own AggregateTable (partial states), which are then merged into the final groups.
// Partitions: a spatial or child table read in full splits [0, kIndexPixels) into equal pieces
// (the last one reading through the end of the table, orphans included);
// a range read splits its ranges into pieces of equal pixel count; a plain table, an in-memory
// table and key lookups are not split (one partition, run on the caller's thread without any
// worker, which keeps a cone search as cheap as a plain scan).
//
// Errors and cancellation: the first worker error stops every worker and is returned; the
// workers check the cancel flag and the deadline at every batch; destroying the operator (a
// Limit that has its rows, a failing query) stops and joins the workers.

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <new>
#include <thread>

#include "adql/binder/query_catalog.h"
#include "adql/exec/internal/aggregate_table.h"
#include "adql/exec/internal/expression_evaluator.h"
#include "adql/exec/internal/operator.h"

namespace skyshard::adql::exec {
namespace {

// A queue of batches with a capacity; Push blocks while full, Pop while empty.
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

  void AddProducer() {
    std::lock_guard<std::mutex> lock(mu_);
    ++producers_;
  }
  // False when the queue was closed (the consumer is gone or the query failed).
  bool Push(ColumnBatch batch) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(batch));
    not_empty_.notify_one();
    return true;
  }
  void ProducerDone() {
    std::lock_guard<std::mutex> lock(mu_);
    --producers_;
    not_empty_.notify_all();
  }
  // A batch, or false when every producer is done (or the queue closed) and none is left.
  bool Pop(ColumnBatch* out) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty() || producers_ == 0; });
    if (closed_ || items_.empty()) return false;
    *out = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    items_.clear();
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<ColumnBatch> items_;
  size_t capacity_;
  int producers_ = 0;
  bool closed_ = false;
};

// The scan a fragment partitions: the first store Scan down its first inputs.
const plan::Scan* FindScan(const plan::PlanNode& node) {
  if (node.kind == plan::PlanKind::kScan) return &node.As<plan::Scan>();
  if (node.kind == plan::PlanKind::kGather || node.children.empty()) return nullptr;
  return FindScan(*node.children[0]);
}

std::vector<std::vector<IndexRange>> SplitRanges(const std::vector<IndexRange>& ranges,
                                                 size_t parts) {
  uint64_t total = 0;
  for (const auto& r : ranges) total += r.end - r.begin;
  std::vector<std::vector<IndexRange>> out;
  if (total == 0 || parts <= 1) {
    out.push_back(ranges);
    return out;
  }
  const uint64_t target = (total + parts - 1) / parts;
  std::vector<IndexRange> cur;
  uint64_t in_cur = 0;
  for (IndexRange r : ranges) {
    while (r.begin < r.end) {
      const uint64_t take = std::min(r.end - r.begin, target - in_cur);
      cur.push_back({r.begin, r.begin + take});
      r.begin += take;
      in_cur += take;
      if (in_cur == target) {
        out.push_back(std::move(cur));
        cur.clear();
        in_cur = 0;
      }
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

class GatherOperator final : public Operator {
 public:
  GatherOperator(const plan::Gather& node, ExecContext* ctx) : node_(node), ctx_(ctx) {}

  ~GatherOperator() override { Stop(); }

  Status Init() {
    if (node_.children.empty()) return Status::Internal("Gather without a fragment");
    int threads = ctx_->query->options.threads;
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads_ = static_cast<size_t>(threads);
    size_t parts = node_.partitions > 0 ? static_cast<size_t>(node_.partitions) : threads_;
    const plan::PlanNode& fragment = FragmentRoot();
    scan_ = FindScan(fragment);
    bool splittable = scan_ != nullptr && scan_->table != nullptr &&
                      scan_->table->source == QueryTable::Source::kStore &&
                      scan_->table->def.kind != TableKind::kPlain;
    if (splittable && scan_->access.kind == plan::ScanAccess::Kind::kFull) {
      for (size_t p = 0; p < parts; ++p) {
        const uint64_t b = kIndexPixels / parts * p;
        // The last piece reads through the end of the table: a child table's orphan rows
        // (loaded with --allow-orphans) are keyed past every pixel.
        const uint64_t e = p + 1 == parts ? kRangeToEnd : kIndexPixels / parts * (p + 1);
        partitions_.push_back(ScanPartition{scan_, {{b, e}}});
      }
    } else if (splittable && scan_->access.kind == plan::ScanAccess::Kind::kRanges) {
      for (auto& r : SplitRanges(scan_->access.ranges, parts)) {
        partitions_.push_back(ScanPartition{scan_, std::move(r)});
      }
    }
    if (partitions_.size() <= 1) {
      partitions_.clear();  // one partition: the fragment as it is, on this thread
      single_ = true;
    }
    if (node_.merge == plan::Gather::Merge::kOrdered) {
      for (const auto& k : node_.keys) {
        SKY_ASSIGN_OR_RETURN(auto ev, ExpressionEvaluator::Compile(*k.expression, ctx_));
        keys_.push_back(std::move(ev));
        descending_.push_back(k.descending);
      }
    }
    if (node_.merge == plan::Gather::Merge::kAggregate &&
        node_.children[0]->kind != plan::PlanKind::kAggregate) {
      return Status::Internal("Gather aggregate over a fragment that is not an Aggregate");
    }
    return Status::OK();
  }

  Result<bool> Next(ColumnBatch* out) override {
    SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    if (single_) {
      if (inline_ == nullptr) {
        SKY_ASSIGN_OR_RETURN(inline_, BuildOperator(*node_.children[0], ctx_));
      }
      return inline_->Next(out);
    }
    switch (node_.merge) {
      case plan::Gather::Merge::kConcat:
        return NextConcat(out);
      case plan::Gather::Merge::kOrdered:
        return NextOrdered(out);
      case plan::Gather::Merge::kAggregate:
        return NextAggregate(out);
    }
    return false;
  }

 private:
  const plan::PlanNode& FragmentRoot() const {
    if (node_.merge == plan::Gather::Merge::kAggregate &&
        node_.children[0]->kind == plan::PlanKind::kAggregate &&
        !node_.children[0]->children.empty()) {
      return *node_.children[0]->children[0];
    }
    return *node_.children[0];
  }

  void Fail(const Status& s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (error_.ok()) error_ = s;
    }
    stop_.store(true);
    for (auto& q : queues_) q->Close();
  }
  Status Error() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

  void Stop() {
    stop_.store(true);
    for (auto& q : queues_) q->Close();
    for (auto& t : workers_) {
      if (t.joinable()) t.join();
    }
    workers_.clear();
  }

  // Runs the fragment over partition `p`, pushing its batches into `queue`.
  bool RunPartition(size_t p, ExecContext* ctx, BatchQueue* queue) {
    try {
      return RunPartitionOrThrow(p, ctx, queue);
    } catch (const std::bad_alloc&) {
      Fail(Status::LimitExceeded("query ran out of memory"));
    } catch (const std::exception& e) {
      Fail(Status::Internal(std::string("query failed: ") + e.what()));
    }
    return false;
  }

  bool RunPartitionOrThrow(size_t p, ExecContext* ctx, BatchQueue* queue) {
    auto op = BuildOperator(FragmentRoot(), ctx, &partitions_[p]);
    if (!op.ok()) {
      Fail(op.status());
      return false;
    }
    while (!stop_.load()) {
      ColumnBatch batch;
      auto more = (*op)->Next(&batch);
      if (!more.ok()) {
        Fail(more.status());
        return false;
      }
      if (!*more) return true;
      if (!queue->Push(std::move(batch))) return false;
    }
    return false;
  }

  Result<bool> NextConcat(ColumnBatch* out) {
    if (!started_) {
      started_ = true;
      const size_t n = std::min(threads_, partitions_.size());
      queues_.push_back(std::make_unique<BatchQueue>(2 * n));
      BatchQueue* queue = queues_[0].get();
      for (size_t w = 0; w < n; ++w) {
        queue->AddProducer();
        workers_.emplace_back([this, queue] {
          ExecContext ctx = *ctx_;
          while (!stop_.load()) {
            const size_t p = next_partition_.fetch_add(1);
            if (p >= partitions_.size()) break;
            if (!RunPartition(p, &ctx, queue)) break;
          }
          queue->ProducerDone();
        });
      }
    }
    if (queues_[0]->Pop(out)) return true;
    SKY_RETURN_IF_ERROR(Error());
    SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    Stop();
    return false;
  }

  // ---- kOrdered --------------------------------------------------------------------------------

  struct Stream {
    ColumnBatch batch;
    ColumnBatch keys;
    size_t pos = 0;
    bool done = false;
  };

  Status Advance(size_t s) {
    Stream& st = streams_[s];
    while (true) {
      if (!queues_[s]->Pop(&st.batch)) {
        st.done = true;
        return Error();
      }
      if (st.batch.num_rows == 0) continue;
      st.pos = 0;
      st.keys.columns.resize(keys_.size());
      st.keys.num_rows = st.batch.num_rows;
      for (size_t k = 0; k < keys_.size(); ++k) {
        SKY_RETURN_IF_ERROR(keys_[k]->EvaluateColumn(st.batch, &st.keys.columns[k]));
        SKY_RETURN_IF_ERROR(
            ConvertColumn(plan::StorageTypeOf(keys_[k]->type()), &st.keys.columns[k]));
      }
      return Status::OK();
    }
  }

  bool StreamLess(size_t a, size_t b) const {
    const Stream& x = streams_[a];
    const Stream& y = streams_[b];
    for (size_t k = 0; k < keys_.size(); ++k) {
      const int r = CompareValues(x.keys.columns[k], x.pos, y.keys.columns[k], y.pos);
      if (r != 0) return descending_[k] ? r > 0 : r < 0;
    }
    return a < b;
  }

  Result<bool> NextOrdered(ColumnBatch* out) {
    if (!started_) {
      started_ = true;
      for (size_t p = 0; p < partitions_.size(); ++p) {
        queues_.push_back(std::make_unique<BatchQueue>(2));
        BatchQueue* queue = queues_.back().get();
        queue->AddProducer();
        workers_.emplace_back([this, p, queue] {
          ExecContext ctx = *ctx_;
          RunPartition(p, &ctx, queue);
          queue->ProducerDone();
        });
      }
      streams_.resize(partitions_.size());
      for (size_t s = 0; s < streams_.size(); ++s) SKY_RETURN_IF_ERROR(Advance(s));
    }
    const std::vector<ColumnType> types = StorageTypes(node_);
    out->Reset(types);
    size_t rows = 0;
    while (rows < ctx_->batch_rows()) {
      size_t best = streams_.size();
      for (size_t s = 0; s < streams_.size(); ++s) {
        if (streams_[s].done) continue;
        if (best == streams_.size() || StreamLess(s, best)) best = s;
      }
      if (best == streams_.size()) break;
      Stream& st = streams_[best];
      if (out->columns.size() != st.batch.columns.size())
        out->columns.resize(st.batch.columns.size());
      for (size_t c = 0; c < st.batch.columns.size(); ++c) {
        if (rows == 0) out->columns[c].type = st.batch.columns[c].type;
        AppendValue(st.batch.columns[c], st.pos, &out->columns[c]);
      }
      ++rows;
      if (++st.pos >= st.batch.num_rows) {
        SKY_RETURN_IF_ERROR(Advance(best));
        SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      }
    }
    out->num_rows = rows;
    if (rows == 0) {
      SKY_RETURN_IF_ERROR(Error());
      Stop();
      return false;
    }
    return true;
  }

  // ---- kAggregate ------------------------------------------------------------------------------

  Result<bool> NextAggregate(ColumnBatch* out) {
    if (!started_) {
      started_ = true;
      const auto& aggregate = node_.children[0]->As<plan::Aggregate>();
      const size_t n = std::min(threads_, partitions_.size());
      tables_.resize(n);
      contexts_.resize(n);
      for (size_t w = 0; w < n; ++w) {
        contexts_[w] = std::make_unique<ExecContext>(*ctx_);
        tables_[w] = std::make_unique<AggregateTable>(aggregate, contexts_[w].get());
        SKY_RETURN_IF_ERROR(tables_[w]->Init());
      }
      for (size_t w = 0; w < n; ++w) {
        workers_.emplace_back([this, w] {
          try {
            AggregatePartitions(w);
          } catch (const std::bad_alloc&) {
            Fail(Status::LimitExceeded("query ran out of memory"));
          } catch (const std::exception& e) {
            Fail(Status::Internal(std::string("query failed: ") + e.what()));
          }
        });
      }
      for (auto& t : workers_) t.join();
      workers_.clear();
      SKY_RETURN_IF_ERROR(Error());
      SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      for (size_t w = 1; w < tables_.size(); ++w) {
        SKY_RETURN_IF_ERROR(tables_[0]->Merge(tables_[w].get()));
        tables_[w].reset();
      }
    }
    return tables_[0]->Emit(out);
  }

  // Worker `w` of a kAggregate merge: aggregates partitions into its own table until none is
  // left.
  void AggregatePartitions(size_t w) {
    ExecContext* ctx = contexts_[w].get();
    AggregateTable* table = tables_[w].get();
    while (!stop_.load()) {
      const size_t p = next_partition_.fetch_add(1);
      if (p >= partitions_.size()) break;
      auto op = BuildOperator(FragmentRoot(), ctx, &partitions_[p]);
      if (!op.ok()) {
        Fail(op.status());
        return;
      }
      ColumnBatch batch;
      while (!stop_.load()) {
        auto more = (*op)->Next(&batch);
        if (!more.ok()) {
          Fail(more.status());
          return;
        }
        if (!*more) break;
        Status s = table->Consume(batch);
        if (!s.ok()) {
          Fail(s);
          return;
        }
      }
    }
  }

  const plan::Gather& node_;
  ExecContext* ctx_;
  size_t threads_ = 1;
  const plan::Scan* scan_ = nullptr;
  std::vector<ScanPartition> partitions_;
  bool single_ = false;
  OperatorPtr inline_;
  bool started_ = false;
  std::atomic<size_t> next_partition_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  Status error_;
  std::vector<std::unique_ptr<BatchQueue>> queues_;
  std::vector<std::thread> workers_;
  std::vector<std::unique_ptr<ExpressionEvaluator>> keys_;
  std::vector<bool> descending_;
  std::vector<Stream> streams_;
  std::vector<std::unique_ptr<ExecContext>> contexts_;
  std::vector<std::unique_ptr<AggregateTable>> tables_;
};

}  // namespace

Result<OperatorPtr> MakeGather(const plan::Gather& node, ExecContext* ctx) {
  auto op = std::make_unique<GatherOperator>(node, ctx);
  SKY_RETURN_IF_ERROR(op->Init());
  return OperatorPtr(std::move(op));
}

}  // namespace skyshard::adql::exec
