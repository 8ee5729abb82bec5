#include "server/internal/metered_backend.h"

#include <chrono>
#include <cstdio>

namespace skyshard::server {
namespace {

thread_local QueryTrace* current_trace = nullptr;

}  // namespace

std::string AdqlHash(std::string_view adql) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : adql) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

ScopedQueryTrace::ScopedQueryTrace(QueryTrace* trace) : previous_(current_trace) {
  current_trace = trace;
}

ScopedQueryTrace::~ScopedQueryTrace() { current_trace = previous_; }

Status MeteredBackend::Run(const adql::QueryRequest& request, adql::RowSink* sink,
                           adql::ExecStats* stats, adql::SyntaxErrorInfo* error) const {
  adql::ExecStats local;
  if (stats == nullptr) stats = &local;
  const auto start = std::chrono::steady_clock::now();
  Status status = inner_->Run(request, sink, stats, error);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_->RecordQuery(stats->kind, status.ok(), stats->rows, seconds);
  if (QueryTrace* trace = current_trace) {
    ++trace->queries;
    trace->adql_hash = AdqlHash(request.adql);
    trace->kind = stats->kind;
    trace->rows += stats->rows;
    trace->error = status.ok() ? std::string() : status.message();
  }
  return status;
}

}  // namespace skyshard::server
