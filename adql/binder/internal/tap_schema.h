// TAP_SCHEMA (TAP 1.1 section 4) generated from a release's catalog: the tables schemas,
// tables, columns, keys and key_columns, with the TAP 1.1 columns (table_index, column_index,
// arraysize, xtype, "size", std), describing the release's tables and TAP_SCHEMA itself.
// Names keep the catalog's case; table names are schema-qualified ("dp02_dc2_catalogs.Object").
// VOSI /tables is generated from the same QueryCatalog, so the two agree.
//
// Thread safety: pure function.
#pragma once

#include <vector>

#include "adql/binder/query_catalog.h"
#include "storage/catalog.h"

namespace skyshard::adql {

inline constexpr const char* kTapSchemaName = "TAP_SCHEMA";
inline constexpr const char* kTapUploadSchemaName = "TAP_UPLOAD";

namespace internal {

// The five TAP_SCHEMA tables (schema "TAP_SCHEMA", rows in memory) for `catalog`.
std::vector<QueryTable> MakeTapSchema(const Catalog& catalog);

}  // namespace internal
}  // namespace skyshard::adql
