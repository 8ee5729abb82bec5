// EngineBackend: QueryBackend over adql::QueryEngine, the backend the real server runs on.
//
// Thread safety: as QueryEngine: immutable once opened; Run may be called concurrently.
#pragma once

#include <memory>
#include <string>

#include "adql/query_engine.h"
#include "server/internal/query_backend.h"
#include "storage/store.h"

namespace skyshard::server {

class EngineBackend final : public QueryBackend {
 public:
  // Opens the engine over `store`. Errors: those of adql::QueryEngine::Open.
  static Result<std::unique_ptr<EngineBackend>> Open(std::shared_ptr<const Store> store);

  const std::vector<std::shared_ptr<const adql::QueryTable>>& tables() const override {
    return engine_->catalog().tables();
  }
  std::string release_schema() const override { return engine_->catalog().release_schema(); }
  Status Run(const adql::QueryRequest& request, adql::RowSink* sink, adql::ExecStats* stats,
             adql::SyntaxErrorInfo* error) const override {
    return engine_->Run(request, sink, stats, error);
  }
  // How queries were parsed (adql/parse_cache.h): for the metrics.
  adql::ParseCache::Stats parse_cache_stats() const { return engine_->parse_cache_stats(); }

 private:
  explicit EngineBackend(std::unique_ptr<adql::QueryEngine> engine) : engine_(std::move(engine)) {}

  std::unique_ptr<adql::QueryEngine> engine_;
};

}  // namespace skyshard::server
