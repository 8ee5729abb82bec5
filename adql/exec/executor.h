// The executor: runs a plan (adql/planner/logical_plan.h) over a Store and the in-memory tables
// of its QueryCatalog, and streams the result rows, batch by batch, into a RowSink.
//
// Operators (one file each under adql/exec/) work a batch at a time on typed ColumnBatches:
// scan (Store::Scan / LookupPrimaryKey / ScanChildren, or a MemoryTable), filter, project, hash
// join (inner, outer, semi, anti; nested loop when there is no equality key), hash aggregate,
// distinct, sort and top-k, limit, set operations, and Gather (fragments in parallel on worker
// threads, merged). Subquery expressions run their plan once when uncorrelated, per outer row
// (with the outer values bound) when correlated.
//
// Memory: operators that hold rows (hash tables, sorts, distinct, set operations) account their
// bytes against ExecOptions::memory_limit_bytes; a query that needs more fails with
// LimitExceeded "query needs more than N MB of memory ..." rather than being killed. Streaming
// operators hold a batch or two, so a full-table SELECT runs in flat memory.
//
// Cancellation: the cancel flag and the deadline are checked at least once per batch by every
// operator and by every worker; the query then stops within about 100 ms with Cancelled
// ("query cancelled" / "query exceeded its time limit of N s"), and everything it held is
// freed when Execute returns.
//
// Back-pressure: the sink is called on the thread that called Execute; a slow sink slows the
// query (workers wait on a bounded queue). The first batches reach the sink before the last
// rows are read.
//
// Thread safety: Execute may be called concurrently for distinct queries; the Store, the plan and
// the catalog are only read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "adql/planner/logical_plan.h"
#include "adql/planner/plan_kind.h"
#include "common/column_batch.h"
#include "common/status.h"
#include "storage/store.h"

namespace skyshard::adql {

// Where result rows go: the CLI's CSV writer, the TAP service's VOTable writer, a test.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // Called once, before any row, with the result's columns (the plan root's schema).
  virtual Status Begin(const std::vector<plan::OutputColumn>& columns) = 0;
  // Called for each non-empty batch of result rows, in result order; the batch's column types
  // are the columns' storage_type. The batch is valid during the call only. An error stops the
  // query and is returned by Execute.
  virtual Status Write(const ColumnBatch& batch) = 0;
};

struct ExecOptions {
  int threads = 0;                              // worker threads for Gather; 0: hardware
  size_t memory_limit_bytes = size_t{1} << 30;  // per query
  size_t batch_rows = 4096;                     // rows per batch between operators
  // Stop after this many result rows; -1: all. ExecStats::overflow says whether more existed.
  int64_t max_rows = -1;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  const std::atomic<bool>* cancel = nullptr;  // set by another thread to stop the query
};

struct ExecStats {
  int64_t rows = 0;       // result rows sent to the sink
  bool overflow = false;  // max_rows was reached and more rows existed
  int64_t rows_read = 0;  // rows read from tables
  // Set by QueryEngine::Run from the optimised plan (adql/planner/plan_kind.h); kNone when the
  // query failed before it had a plan. Execute alone leaves it kNone.
  QueryKind kind = QueryKind::kNone;
};

// Runs `plan`, sending its rows to `sink` (Begin first, even for an empty result). Success: all
// rows (or max_rows of them) were sent. Errors: Cancelled (cancel flag or deadline),
// LimitExceeded (memory), InvalidArgument for errors in the data that only show at run time
// (a scalar subquery with two rows, a division by zero of integers, ...), the store's IOError or
// Corruption, the sink's error.
// REQUIRES: `store` is the store of the release the plan's tables come from (may be null when
// the plan reads only in-memory tables); the plan's QueryCatalog outlives the call.
Status Execute(const plan::PlanNode& plan, const Store* store, RowSink* sink,
               const ExecOptions& options, ExecStats* stats = nullptr);

}  // namespace skyshard::adql
