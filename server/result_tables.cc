#include "server/result_tables.h"

#include <utility>

namespace skyshard::server {

FieldInfo FieldFromColumn(const adql::plan::OutputColumn& column) {
  FieldInfo f;
  f.name = column.name;
  f.type = column.storage_type;
  f.unit = column.unit;
  f.ucd = column.ucd;
  f.utype = column.utype;
  f.description = column.description;
  // The writer accepts an arraysize only for strings (and timestamps); the catalog's value
  // comes with a column read unchanged.
  if (IsString(f.type.type)) {
    f.arraysize = column.arraysize;
    f.datatype = column.votable_datatype;
  }
  return f;
}

adql::UploadedTable UploadFromVOTable(const std::string& name, VOTableData table) {
  adql::UploadedTable upload;
  upload.def.name = name;
  upload.def.kind = TableKind::kPlain;
  upload.def.row_count = table.num_rows;
  int32_t index = 0;
  for (const FieldInfo& f : table.fields) {
    ColumnDef c;
    c.name = f.name;
    c.type = f.type;
    c.unit = f.unit;
    c.ucd = f.ucd;
    c.description = f.description;
    c.votable_datatype = f.datatype;
    c.column_index = index++;
    upload.def.columns.push_back(std::move(c));
  }
  auto rows = std::make_shared<adql::MemoryTable>();
  rows->batches = std::move(table.batches);
  upload.rows = std::move(rows);
  return upload;
}

}  // namespace skyshard::server
