// MeteredBackend: a QueryBackend that runs each query through another backend and records it
// in Metrics (kind of plan, outcome, rows, latency) — sync queries, async jobs and any other
// handler's queries alike, since they all reach the engine through the service's backend.
//
// QueryTrace: what the access log says about the queries of one HTTP request. The handler of a
// request runs its queries on its own thread (a sync query streams on the thread that handles
// the request), so the front handler installs a trace for that thread (ScopedQueryTrace) and
// MeteredBackend fills it; queries run elsewhere (async jobs on the job workers) leave it
// untouched. This avoids threading a trace through every handler's signature.
//
// Thread safety: MeteredBackend may be called concurrently, as the backend it wraps. A trace
// belongs to the thread that installed it.
#pragma once

#include <cstdint>
#include <string>

#include "server/internal/metrics.h"
#include "server/internal/query_backend.h"

namespace skyshard::server {

struct QueryTrace {
  int queries = 0;        // queries run during the request
  std::string adql_hash;  // of the last query: 16 hex digits (AdqlHash)
  adql::QueryKind kind = adql::QueryKind::kNone;
  int64_t rows = 0;   // rows of all its queries
  std::string error;  // the last query's error message, if it failed
};

// A stable 64-bit hash of the ADQL text (FNV-1a), as 16 lower-case hex digits: equal queries
// have equal hashes across runs and servers, so logs can be grouped by query.
std::string AdqlHash(std::string_view adql);

// Installs `trace` as the current thread's trace for its lifetime (restoring the previous one).
class ScopedQueryTrace {
 public:
  explicit ScopedQueryTrace(QueryTrace* trace);
  ~ScopedQueryTrace();
  ScopedQueryTrace(const ScopedQueryTrace&) = delete;
  ScopedQueryTrace& operator=(const ScopedQueryTrace&) = delete;

 private:
  QueryTrace* previous_;
};

class MeteredBackend final : public QueryBackend {
 public:
  // `inner` and `metrics` must outlive the backend.
  MeteredBackend(const QueryBackend* inner, Metrics* metrics) : inner_(inner), metrics_(metrics) {}

  const std::vector<std::shared_ptr<const adql::QueryTable>>& tables() const override {
    return inner_->tables();
  }
  std::string release_schema() const override { return inner_->release_schema(); }
  Status Run(const adql::QueryRequest& request, adql::RowSink* sink, adql::ExecStats* stats,
             adql::SyntaxErrorInfo* error) const override;

 private:
  const QueryBackend* inner_;
  Metrics* metrics_;
};

}  // namespace skyshard::server
