// What the operators of one running query share: the store, the options, the memory budget,
// the cancel flag and deadline, counters, the cache of uncorrelated subquery results
// (QueryState, one per Execute call), and what one thread of it sees (ExecContext: the rows of
// the enclosing queries for correlated subqueries).
//
// Thread safety: QueryState is shared by the worker threads of a Gather; its members are atomic
// or guarded by its mutex. An ExecContext belongs to one thread (a worker gets a copy).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "adql/binder/bound_expression.h"
#include "adql/exec/executor.h"
#include "common/status.h"

namespace skyshard::adql::exec {

// Bytes held by the operators of one query against ExecOptions::memory_limit_bytes.
class MemoryTracker {
 public:
  explicit MemoryTracker(size_t limit) : limit_(limit) {}
  // Success: `bytes` more are accounted. LimitExceeded (nothing accounted) when the total would
  // pass the limit.
  Status Reserve(size_t bytes);
  void Release(size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

 private:
  std::atomic<size_t> used_{0};
  size_t limit_;
};

// One operator's share of the budget: grows with what it holds, gives it all back when
// destroyed.
class MemoryReservation {
 public:
  explicit MemoryReservation(MemoryTracker* tracker) : tracker_(tracker) {}
  ~MemoryReservation() { tracker_->Release(bytes_); }
  MemoryReservation(const MemoryReservation&) = delete;
  MemoryReservation& operator=(const MemoryReservation&) = delete;

  // Accounts `total` bytes for this holder (more or fewer than before). LimitExceeded when
  // growing would pass the query's limit.
  Status SetTotal(size_t total);
  Status Grow(size_t bytes) { return SetTotal(bytes_ + bytes); }
  size_t bytes() const { return bytes_; }

 private:
  MemoryTracker* tracker_;
  size_t bytes_ = 0;
};

// The result of an uncorrelated subquery, computed once per query and shared by every thread.
struct SubqueryCache {
  std::mutex mu;
  bool done = false;
  Status status;
  std::shared_ptr<const void> value;  // what the expression node stored (its own type)
};

struct QueryState {
  QueryState(const Store* store_in, const ExecOptions& options_in)
      : store(store_in), options(options_in), memory(options_in.memory_limit_bytes) {}

  const Store* store;
  ExecOptions options;
  MemoryTracker memory;
  std::atomic<int64_t> rows_read{0};

  // OK, or Cancelled when the cancel flag is set or the deadline has passed.
  Status CheckInterrupt() const;

  // The cache entry of the uncorrelated subquery `expr` (created empty on first use).
  SubqueryCache* CacheFor(const plan::Expr* expr);

 private:
  std::mutex mu_;
  std::unordered_map<const plan::Expr*, std::unique_ptr<SubqueryCache>> subqueries_;
};

// A row of an enclosing query, as seen by a correlated subquery's column references of depth > 0.
using OuterRow = std::vector<plan::Value>;

struct ExecContext {
  QueryState* query = nullptr;
  // The rows of the enclosing queries, innermost last: a column of depth d reads
  // outer[outer.size() - d].
  std::vector<std::shared_ptr<const OuterRow>> outer;

  Status CheckInterrupt() const { return query->CheckInterrupt(); }
  size_t batch_rows() const { return query->options.batch_rows; }
};

}  // namespace skyshard::adql::exec
