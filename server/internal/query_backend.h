// QueryBackend: what the TAP handler needs from the query engine — the tables a query can see
// (for VOSI /tables) and running a query into a RowSink. The server runs over EngineBackend
// (engine_backend.h, the real adql::QueryEngine); tests run the handler over a fake.
//
// Thread safety: implementations must allow concurrent calls from many threads.
#pragma once

#include <memory>
#include <vector>

#include "adql/binder/query_catalog.h"
#include "adql/exec/executor.h"
#include "adql/parser/parser.h"
#include "adql/query_engine.h"
#include "common/status.h"

namespace skyshard::server {

class QueryBackend {
 public:
  virtual ~QueryBackend() = default;

  // Every table of the service (release tables, then TAP_SCHEMA), as adql::QueryCatalog lists
  // them. Owned by the backend; valid for its lifetime.
  virtual const std::vector<std::shared_ptr<const adql::QueryTable>>& tables() const = 0;

  // The release's schema name, e.g. "dp02_dc2_catalogs".
  virtual std::string release_schema() const = 0;

  // Runs a query as adql::QueryEngine::Run does (same errors, same sink protocol).
  virtual Status Run(const adql::QueryRequest& request, adql::RowSink* sink, adql::ExecStats* stats,
                     adql::SyntaxErrorInfo* error) const = 0;
};

}  // namespace skyshard::server
