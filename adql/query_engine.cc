#include "adql/query_engine.h"

#include <utility>

#include "adql/binder/binder.h"
#include "adql/parse_cache.h"
#include "adql/planner/plan_kind.h"
#include "adql/planner/planner.h"

namespace skyshard::adql {

QueryEngine::QueryEngine(std::shared_ptr<const Store> store, QueryCatalog catalog)
    : store_(std::move(store)),
      catalog_(std::move(catalog)),
      parse_cache_(std::make_unique<ParseCache>()) {}

QueryEngine::~QueryEngine() = default;

namespace {

// Every row of the stored table `def`, in memory.
Result<std::shared_ptr<const MemoryTable>> ReadWhole(const Store& store, const TableDef& def) {
  std::vector<int> projection(def.columns.size());
  for (size_t i = 0; i < projection.size(); ++i) projection[i] = static_cast<int>(i);
  SKY_ASSIGN_OR_RETURN(auto rows, store.Scan(def, projection, {}));
  auto table = std::make_shared<MemoryTable>();
  while (true) {
    ColumnBatch batch;
    SKY_ASSIGN_OR_RETURN(size_t n, rows->Next(&batch, 4096));
    if (n == 0) break;
    table->batches.push_back(std::move(batch));
  }
  // An integer primary key is indexed, for joins on it (adql/exec/lookup_join.cc). A key that
  // is not unique (the store does not enforce it for plain tables) leaves the table unindexed:
  // such joins are then hash joins, as before.
  const int key = def.primary_key.empty() ? -1 : def.ColumnIndex(def.primary_key);
  if (key >= 0) {
    const DataType t = def.columns[static_cast<size_t>(key)].type.type;
    if (t == DataType::kSmallInt || t == DataType::kInteger || t == DataType::kBigInt) {
      [[maybe_unused]] const bool indexed = table->BuildKeyIndex(key).ok();
    }
  }
  return std::shared_ptr<const MemoryTable>(std::move(table));
}

}  // namespace

Result<std::unique_ptr<QueryEngine>> QueryEngine::Open(std::shared_ptr<const Store> store,
                                                       uint64_t cache_table_bytes) {
  SKY_ASSIGN_OR_RETURN(QueryCatalog catalog, QueryCatalog::FromStore(store->catalog()));
  // Plain tables are dimension tables (CcdVisit, Visit): small, and joined with every light
  // curve. Reading them once here turns each such join into a walk over memory.
  for (const TableDef& def : store->catalog().tables) {
    if (def.kind != TableKind::kPlain || def.bytes > cache_table_bytes) continue;
    SKY_ASSIGN_OR_RETURN(auto rows, ReadWhole(*store, def));
    SKY_RETURN_IF_ERROR(catalog.CacheInMemory(def.name, std::move(rows)));
  }
  return std::unique_ptr<QueryEngine>(new QueryEngine(std::move(store), std::move(catalog)));
}

namespace {

// What Run, Explain and Check share: the query's catalog (with its uploads) and its plan. The
// plan refers to the catalog's tables, so both live together.
struct PreparedQuery {
  QueryCatalog catalog;
  plan::PlanPtr plan;
};

Result<std::unique_ptr<PreparedQuery>> PrepareTree(const QueryCatalog& base,
                                                   const QueryRequest& request,
                                                   const ast::Query& query, bool optimize,
                                                   SyntaxErrorInfo* error) {
  auto prepared = std::make_unique<PreparedQuery>();
  prepared->catalog = base;
  for (const UploadedTable& upload : request.uploads) {
    SKY_RETURN_IF_ERROR(prepared->catalog.AddUpload(upload.def, upload.rows));
  }
  BindOptions bind_options;
  bind_options.query_text = request.adql;
  SKY_ASSIGN_OR_RETURN(prepared->plan, Bind(query, prepared->catalog, bind_options, error));
  if (optimize) {
    PlannerOptions planner_options;
    planner_options.enable_rewrites = request.enable_rewrites;
    planner_options.max_rows = request.max_rows >= 0 ? request.max_rows + 1 : -1;
    planner_options.threads = request.exec.threads;
    SKY_ASSIGN_OR_RETURN(prepared->plan, Optimize(std::move(prepared->plan), planner_options));
  }
  return prepared;
}

Result<std::unique_ptr<PreparedQuery>> Prepare(const QueryCatalog& base, ParseCache* cache,
                                               const QueryRequest& request, bool optimize,
                                               SyntaxErrorInfo* error) {
  SKY_ASSIGN_OR_RETURN(ParseCache::Lease lease, cache->Parse(request.adql, ParseOptions{}, error));
  auto prepared = PrepareTree(base, request, lease.query(), optimize, error);
  if (prepared.ok() || !lease.from_cache()) return prepared;
  // A tree from the cache may carry the positions of the query it was first parsed from: parse
  // this one to report the error where it is.
  lease = ParseCache::Lease();
  SKY_ASSIGN_OR_RETURN(ParseResult parsed, Parse(request.adql, ParseOptions{}, error));
  return PrepareTree(base, request, *parsed.query, optimize, error);
}

}  // namespace

Status QueryEngine::Run(const QueryRequest& request, RowSink* sink, ExecStats* stats,
                        SyntaxErrorInfo* error) const {
  SKY_ASSIGN_OR_RETURN(auto prepared,
                       Prepare(catalog_, parse_cache_.get(), request, /*optimize=*/true, error));
  ExecOptions options = request.exec;
  options.max_rows = request.max_rows;
  Status status = Execute(*prepared->plan, store_.get(), sink, options, stats);
  if (stats != nullptr) stats->kind = ClassifyPlan(*prepared->plan);
  return status;
}

Result<std::string> QueryEngine::Explain(const QueryRequest& request,
                                         SyntaxErrorInfo* error) const {
  SKY_ASSIGN_OR_RETURN(auto prepared,
                       Prepare(catalog_, parse_cache_.get(), request, /*optimize=*/true, error));
  return plan::Explain(*prepared->plan);
}

Status QueryEngine::Check(const QueryRequest& request, SyntaxErrorInfo* error) const {
  SKY_ASSIGN_OR_RETURN(auto prepared,
                       Prepare(catalog_, parse_cache_.get(), request, /*optimize=*/false, error));
  return Status::OK();
}

}  // namespace skyshard::adql
