// Catalog: the description of a data release as TAP_SCHEMA will publish it — its schema name,
// tables, columns (type, unit, UCD, description, arraysize), primary and foreign keys, and row
// counts — plus what the store needs to lay the tables out (which table is spatial, which is a
// child of which).
//
// The catalog is persisted inside each release's store as JSON (docs/storage.md); ToJson and
// FromJson are exact inverses.
//
// Thread safety: plain values; a const Catalog may be shared between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/types.h"

namespace skyshard {

struct ColumnDef {
  std::string name;
  ColumnType type;
  std::string unit;  // e.g. "deg", "nJy"; empty when none
  std::string ucd;   // e.g. "pos.eq.ra;meta.main"
  std::string description;
  std::string arraysize;     // VOTable arraysize: "" for scalars, "*" or "n" or "n*" for strings
  bool principal = false;    // TAP_SCHEMA.columns.principal
  bool indexed = false;      // TAP_SCHEMA.columns.indexed
  int32_t column_index = 0;  // TAP_SCHEMA.columns.column_index (order shown to users)
  // VOTable datatype of a string column when it is not unicodeChar: "char" for the char columns
  // of an uploaded VOTable (results give them back as they came); empty for stored tables.
  std::string votable_datatype;
};

struct ForeignKeyDef {
  std::string name;
  std::string description;
  std::vector<std::string> columns;
  std::string target_table;
  std::vector<std::string> target_columns;
};

enum class TableKind : uint8_t {
  kPlain = 0,    // keyed by primary key (or by load order when there is none)
  kSpatial = 1,  // keyed by HEALPix index of its position, then primary key
  kChild = 2,    // keyed by its parent's spatial key and id, then its own primary key
};

struct TableDef {
  std::string name;  // e.g. "Object"
  std::string description;
  uint32_t id = 0;  // table id used in keys; unique within a release, never 0
  TableKind kind = TableKind::kPlain;
  std::vector<ColumnDef> columns;  // in stored order
  std::string primary_key;         // column name, or empty
  // kSpatial: the position columns (ra, dec), in degrees.
  std::string ra_column;
  std::string dec_column;
  // kChild: the parent table and the column of this table holding the parent's primary key.
  std::string parent_table;
  std::string parent_key;
  std::vector<ForeignKeyDef> foreign_keys;
  // Whether the store has a primary-key index for this table (0x02 keys, docs/storage.md):
  // always for spatial tables with an integer key, for child tables only when asked for.
  bool key_index = false;
  int32_t table_index = 0;  // TAP_SCHEMA.tables.table_index
  uint64_t row_count = 0;
  uint64_t bytes = 0;  // approximate stored size

  // Index of the column named `name` (case-insensitive), or -1.
  int ColumnIndex(const std::string& name) const;
};

struct Catalog {
  std::string release;  // the TAP schema name, e.g. "dp02_dc2_catalogs"
  std::string description;
  std::vector<TableDef> tables;
  std::string loaded_at;  // ISO-8601 time the release was published

  // The table named `name` (case-insensitive), or nullptr.
  const TableDef* FindTable(const std::string& name) const;
  TableDef* FindTable(const std::string& name);

  std::string ToJson() const;
  static Result<Catalog> FromJson(const std::string& json);
};

}  // namespace skyshard
