// QueryEngine: the whole path of one ADQL query over one published release, for the TAP service
// and the command line: parse (adql/parser) -> bind (adql/binder) -> optimise (adql/planner) ->
// execute (adql/exec), rows streamed into a RowSink.
//
// Usage:
//   SKY_ASSIGN_OR_RETURN(auto engine, QueryEngine::Open(store));
//   QueryRequest request;
//   request.adql = "SELECT TOP 10 * FROM dp02_dc2_catalogs.Object";
//   SKY_RETURN_IF_ERROR(engine->Run(request, &sink, &stats));
//
// Thread safety: an engine is immutable once opened; Run, Explain and Check may be called
// concurrently from any number of threads (one call per query).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "adql/binder/query_catalog.h"
#include "adql/exec/executor.h"
#include "adql/parse_cache.h"
#include "adql/parser/parser.h"
#include "common/status.h"
#include "storage/store.h"

namespace skyshard::adql {

// A table uploaded with a query (TAP UPLOAD, `skyshard query --upload`): TAP_UPLOAD.<def.name>.
struct UploadedTable {
  TableDef def;
  std::shared_ptr<const MemoryTable> rows;
};

struct QueryRequest {
  std::string adql;
  std::vector<UploadedTable> uploads;
  int64_t max_rows = -1;  // MAXREC: -1 for no limit; 0 gives the columns only
  bool enable_rewrites = true;
  ExecOptions exec;  // threads, memory, deadline, cancel (max_rows is taken from above)
};

class QueryEngine {
 public:
  // An engine over `store` (shared: the engine keeps it open). Builds the QueryCatalog
  // (release tables and TAP_SCHEMA) and reads the small plain tables (CcdVisit: at most
  // `cache_table_bytes` stored) into memory, where joins read them without touching RocksDB.
  // Errors: InvalidArgument for a catalog whose names clash; the store's errors reading a
  // table to cache.
  static Result<std::unique_ptr<QueryEngine>> Open(std::shared_ptr<const Store> store,
                                                   uint64_t cache_table_bytes = 64 << 20);

  // Runs the query; see Execute (adql/exec/executor.h) for what the sink receives. Errors: the
  // parser's SyntaxError / LimitExceeded, the binder's NotFound / InvalidArgument / Unsupported,
  // the executor's errors. When `error` is given and the error has a position, it is filled in.
  Status Run(const QueryRequest& request, RowSink* sink, ExecStats* stats = nullptr,
             SyntaxErrorInfo* error = nullptr) const;

  // The optimised plan of the query as compact text (plan::Explain), without running it.
  Result<std::string> Explain(const QueryRequest& request, SyntaxErrorInfo* error = nullptr) const;

  // Parses and binds only: OK when the query would run.
  Status Check(const QueryRequest& request, SyntaxErrorInfo* error = nullptr) const;

  const QueryCatalog& catalog() const { return catalog_; }
  const Store& store() const { return *store_; }
  // Queries parsed and queries that reused the parse of an earlier one of the same shape.
  ParseCache::Stats parse_cache_stats() const { return parse_cache_->stats(); }

  ~QueryEngine();

 private:
  QueryEngine(std::shared_ptr<const Store> store, QueryCatalog catalog);

  std::shared_ptr<const Store> store_;
  QueryCatalog catalog_;
  // Parses each shape of query once (adql/parse_cache.h); internally synchronised.
  std::unique_ptr<ParseCache> parse_cache_;
};

}  // namespace skyshard::adql
