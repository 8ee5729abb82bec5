// Reader for Felis YAML schemas, the format in which Rubin's sdm_schemas describe a data
// release (see ../shared/schemas/dp02_dc2.yaml): a schema with tables, each with columns
// (name, datatype, length, fits:tunit, ivoa:ucd, description, votable:arraysize,
// tap:principal, tap:column_index), primaryKey ("#Table.column"), tap:table_index and
// ForeignKey constraints.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "storage/catalog.h"

namespace skyshard {

struct FelisSchema {
  std::string name;  // the schema's `name`
  std::string description;
  // Every table of the file, with all its columns; TableDef::id, kind and the position/parent
  // fields are left at their defaults (the manifest decides them).
  std::vector<TableDef> tables;

  const TableDef* FindTable(const std::string& name) const;  // case-insensitive
};

// Parses a Felis YAML file. Returns NotFound if the file is missing, InvalidArgument naming
// the file, the line and the offending table/column for malformed YAML, a column without name
// or datatype, an unknown datatype, or a primaryKey/foreign key naming an unknown column.
Result<FelisSchema> ReadFelisSchema(const std::string& path);
// Same, from YAML text; `source_name` is used in error messages.
Result<FelisSchema> ParseFelisSchema(const std::string& yaml_text, const std::string& source_name);

}  // namespace skyshard
