// QueryCatalog: every table one query may name, under its TAP schema:
//  - the release's tables, from the store's catalog, under the release's schema name
//    (dp02_dc2_catalogs.Object); rows come from the Store;
//  - TAP_SCHEMA.schemas, tables, columns, keys and key_columns (TAP 1.1, with the TAP 1.1
//    columns), generated from the same catalog, so that they agree with VOSI /tables; rows are
//    held in memory (a few thousand at most);
//  - TAP_UPLOAD.<name> for each table uploaded with the query (AddUpload); rows in memory,
//    bounded by the server's upload limits.
// The binder resolves FROM names against it; a Scan refers to a QueryTable; the executor reads
// a QueryTable's rows from the Store or from its MemoryTable.
//
// Name lookup: a regular (undelimited) name matches case-insensitively; a delimited one
// ("Object") exactly. A table name without a schema matches in any schema, and is ambiguous
// when it does in several.
//
// Thread safety: a QueryCatalog is built by one thread, then only read (concurrent const access
// is safe). QueryTables live as long as their catalog; the engine keeps one catalog per
// release and copies it (cheaply: tables are shared) to add a query's uploads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/column_batch.h"
#include "common/status.h"
#include "storage/catalog.h"

namespace skyshard::adql {

// Where a row of a MemoryTable is: batches[batch].columns[*][row].
struct MemoryRowRef {
  uint32_t batch = 0;
  uint32_t row = 0;
};

// Rows held in memory (TAP_SCHEMA, uploads, cached dimension tables): batches whose columns
// follow the table's columns.
//
// Primary-key index: BuildKeyIndex maps the integer primary key to its row, so that a join on
// that key (adql/exec/lookup_join.cc) looks rows up instead of hashing the whole table per
// query. It is built once, before the table is shared (QueryEngine::Open), and only read after.
struct MemoryTable {
  std::vector<ColumnBatch> batches;
  uint64_t row_count() const;

  // Indexes the integer-like column `column` (a position in the batches' columns). Success:
  // has_key_index() is true and FindKey answers. Returns InvalidArgument (and leaves no index)
  // when the column is missing or not integer-like, or when a key occurs twice; rows whose key
  // is NULL are not indexed (they match no key). REQUIRES: no concurrent reader.
  Status BuildKeyIndex(int column);
  bool has_key_index() const { return key_column_ >= 0; }
  // The table column the index is on, or -1.
  int key_column() const { return key_column_; }
  // The row whose key is `key`, or nullptr. REQUIRES: has_key_index().
  const MemoryRowRef* FindKey(int64_t key) const {
    auto it = key_index_.find(key);
    return it == key_index_.end() ? nullptr : &it->second;
  }
  // The largest |key| indexed (0 for none): a DOUBLE key beyond 2^53 in magnitude may equal
  // several integer keys, and a caller can then test every entry (ForEachKey) instead.
  uint64_t max_abs_key() const { return max_abs_key_; }
  template <typename F>
  void ForEachKey(F&& f) const {
    for (const auto& [k, ref] : key_index_) f(k, ref);
  }

 private:
  int key_column_ = -1;
  std::unordered_map<int64_t, MemoryRowRef> key_index_;
  uint64_t max_abs_key_ = 0;
};

struct QueryTable {
  enum class Source { kStore, kMemory };

  std::string schema;  // "dp02_dc2_catalogs", "TAP_SCHEMA", "TAP_UPLOAD"
  TableDef def;        // the name, columns, kind and keys (def.name: "Object")
  Source source = Source::kStore;
  std::shared_ptr<const MemoryTable> rows;  // kMemory

  // "dp02_dc2_catalogs.Object".
  std::string QualifiedName() const;
};

class QueryCatalog {
 public:
  QueryCatalog() = default;

  // The tables of `catalog` under the schema catalog.release, plus TAP_SCHEMA describing them
  // (and itself). Success: the catalog; InvalidArgument when the catalog's names clash.
  static Result<QueryCatalog> FromStore(const Catalog& catalog);

  // Adds TAP_UPLOAD.<name> with the columns of `def` and the rows of `rows`. Returns
  // InvalidArgument when the name is not a regular ADQL identifier or already uploaded.
  Status AddUpload(TableDef def, std::shared_ptr<const MemoryTable> rows);

  // Replaces the release table `name` (exact spelling) by a copy whose rows are `rows`, held in
  // memory: small dimension tables (CcdVisit) that joins read whole, often. NotFound when there
  // is no such release table.
  Status CacheInMemory(std::string_view name, std::shared_ptr<const MemoryTable> rows);

  // The table `name` in `schema` (empty: any schema). `*_delimited` says whether the name was
  // written in double quotes. Returns nullptr when there is none; sets *ambiguous (when not
  // null) when a schema-less name matches in several schemas.
  const QueryTable* Find(std::string_view schema, bool schema_delimited, std::string_view name,
                         bool name_delimited, bool* ambiguous = nullptr) const;

  // Every table, release tables first, then TAP_SCHEMA, then uploads.
  const std::vector<std::shared_ptr<const QueryTable>>& tables() const { return tables_; }

  // The release's schema name ("dp02_dc2_catalogs"); empty for an empty catalog.
  const std::string& release_schema() const { return release_schema_; }

 private:
  std::string release_schema_;
  std::vector<std::shared_ptr<const QueryTable>> tables_;
};

}  // namespace skyshard::adql
