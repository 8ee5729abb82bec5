#include "adql/binder/query_catalog.h"

#include <string>
#include <utility>

#include "adql/binder/internal/tap_schema.h"
#include "common/ascii.h"

namespace skyshard::adql {

uint64_t MemoryTable::row_count() const {
  uint64_t n = 0;
  for (const ColumnBatch& b : batches) n += b.num_rows;
  return n;
}

Status MemoryTable::BuildKeyIndex(int column) {
  key_column_ = -1;
  key_index_.clear();
  max_abs_key_ = 0;
  std::unordered_map<int64_t, MemoryRowRef> index;
  uint64_t max_abs = 0;
  index.reserve(row_count());
  for (size_t b = 0; b < batches.size(); ++b) {
    const ColumnBatch& batch = batches[b];
    if (column < 0 || static_cast<size_t>(column) >= batch.columns.size()) {
      return Status::InvalidArgument("key column " + std::to_string(column) +
                                     " is missing in a memory table of " +
                                     std::to_string(batch.columns.size()) + " columns");
    }
    const ColumnVector& keys = batch.columns[static_cast<size_t>(column)];
    const DataType t = keys.type.type;
    if (t != DataType::kSmallInt && t != DataType::kInteger && t != DataType::kBigInt) {
      return Status::InvalidArgument("key column " + std::to_string(column) +
                                     " of a memory table is not an integer column");
    }
    for (size_t r = 0; r < batch.num_rows; ++r) {
      if (keys.IsNull(r)) continue;
      const int64_t k = keys.ints[r];
      if (!index.emplace(k, MemoryRowRef{static_cast<uint32_t>(b), static_cast<uint32_t>(r)})
               .second) {
        return Status::InvalidArgument("key " + std::to_string(k) +
                                       " occurs twice in the key column " + std::to_string(column) +
                                       " of a memory table");
      }
      const uint64_t a = k < 0 ? 0 - static_cast<uint64_t>(k) : static_cast<uint64_t>(k);
      if (a > max_abs) max_abs = a;
    }
  }
  key_index_ = std::move(index);
  max_abs_key_ = max_abs;
  key_column_ = column;
  return Status::OK();
}

std::string QueryTable::QualifiedName() const { return schema + "." + def.name; }

namespace {

bool NameMatches(std::string_view actual, std::string_view written, bool delimited) {
  return delimited ? actual == written : EqualsIgnoreCase(actual, written);
}

// A regular ADQL identifier: a letter, then letters, digits and underscores.
bool IsRegularIdentifier(std::string_view name) {
  if (name.empty()) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!letter(name[0])) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  }
  return true;
}

}  // namespace

Result<QueryCatalog> QueryCatalog::FromStore(const Catalog& catalog) {
  QueryCatalog out;
  out.release_schema_ = catalog.release;
  if (EqualsIgnoreCase(catalog.release, kTapSchemaName) ||
      EqualsIgnoreCase(catalog.release, kTapUploadSchemaName)) {
    return Status::InvalidArgument("release name '" + catalog.release +
                                   "' clashes with the TAP schema of the same name");
  }
  for (const TableDef& def : catalog.tables) {
    auto table = std::make_shared<QueryTable>();
    table->schema = catalog.release;
    table->def = def;
    table->source = QueryTable::Source::kStore;
    out.tables_.push_back(std::move(table));
  }
  for (QueryTable& table : internal::MakeTapSchema(catalog)) {
    out.tables_.push_back(std::make_shared<QueryTable>(std::move(table)));
  }
  return out;
}

Status QueryCatalog::AddUpload(TableDef def, std::shared_ptr<const MemoryTable> rows) {
  if (!IsRegularIdentifier(def.name)) {
    return Status::InvalidArgument("upload table name '" + def.name +
                                   "' is not a valid ADQL name (a letter, then letters, digits "
                                   "or underscores)");
  }
  if (Find(kTapUploadSchemaName, false, def.name, false) != nullptr) {
    return Status::InvalidArgument("table '" + def.name + "' is uploaded twice");
  }
  auto table = std::make_shared<QueryTable>();
  table->schema = kTapUploadSchemaName;
  def.kind = TableKind::kPlain;
  def.row_count = rows != nullptr ? rows->row_count() : 0;
  table->def = std::move(def);
  table->source = QueryTable::Source::kMemory;
  table->rows = rows != nullptr ? std::move(rows) : std::make_shared<MemoryTable>();
  tables_.push_back(std::move(table));
  return Status::OK();
}

Status QueryCatalog::CacheInMemory(std::string_view name, std::shared_ptr<const MemoryTable> rows) {
  for (auto& table : tables_) {
    if (table->schema != release_schema_ || table->def.name != name) continue;
    auto copy = std::make_shared<QueryTable>(*table);
    copy->source = QueryTable::Source::kMemory;
    copy->rows = std::move(rows);
    table = std::move(copy);
    return Status::OK();
  }
  return Status::NotFound("no table " + std::string(name) + " in " + release_schema_);
}

const QueryTable* QueryCatalog::Find(std::string_view schema, bool schema_delimited,
                                     std::string_view name, bool name_delimited,
                                     bool* ambiguous) const {
  if (ambiguous != nullptr) *ambiguous = false;
  const QueryTable* found = nullptr;
  for (const auto& table : tables_) {
    if (!schema.empty() && !NameMatches(table->schema, schema, schema_delimited)) continue;
    if (!NameMatches(table->def.name, name, name_delimited)) continue;
    if (found != nullptr) {
      if (ambiguous != nullptr) *ambiguous = true;
      return nullptr;
    }
    found = table.get();
  }
  return found;
}

}  // namespace skyshard::adql
