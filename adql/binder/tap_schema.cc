#include "adql/binder/internal/tap_schema.h"

#include <optional>
#include <string>
#include <utility>

#include "adql/parser/parser.h"
#include "common/ascii.h"
#include "common/types.h"

namespace skyshard::adql::internal {

namespace {

constexpr ColumnType kText{DataType::kVarChar, 0};
constexpr ColumnType kInt{DataType::kInteger, 0};

struct ColumnSpec {
  const char* name;
  ColumnType type;
  const char* description;
  const char* ucd;
  bool principal;
};

// A TAP_SCHEMA table under construction: its definition and its rows in one batch.
class TableBuilder {
 public:
  TableBuilder(const char* name, const char* description, int table_index,
               const std::vector<ColumnSpec>& columns) {
    table_.schema = kTapSchemaName;
    table_.source = QueryTable::Source::kMemory;
    table_.def.name = name;
    table_.def.description = description;
    table_.def.kind = TableKind::kPlain;
    table_.def.table_index = table_index;
    std::vector<ColumnType> types;
    int index = 0;
    for (const ColumnSpec& spec : columns) {
      ColumnDef col;
      col.name = spec.name;
      col.type = spec.type;
      col.description = spec.description;
      col.ucd = spec.ucd;
      col.principal = spec.principal;
      col.arraysize = IsString(spec.type.type) ? "*" : "";
      col.column_index = ++index;
      table_.def.columns.push_back(std::move(col));
      types.push_back(spec.type);
    }
    batch_.Reset(types);
  }

  // Appends a row; `values` holds one entry per column: a string for text columns, the decimal
  // digits for integer columns, std::nullopt for NULL.
  void Add(const std::vector<std::optional<std::string>>& values) {
    for (size_t i = 0; i < values.size(); ++i) {
      ColumnVector& col = batch_.columns[i];
      if (!values[i].has_value()) {
        col.AppendNull();
      } else if (IsString(col.type.type)) {
        col.AppendString(*values[i]);
      } else {
        col.AppendInt(std::stoll(*values[i]));
      }
    }
    ++batch_.num_rows;
  }

  QueryTable Finish() {
    table_.def.row_count = batch_.num_rows;
    auto rows = std::make_shared<MemoryTable>();
    rows->batches.push_back(std::move(batch_));
    table_.rows = std::move(rows);
    return std::move(table_);
  }

  const TableDef& def() const { return table_.def; }
  TableDef& mutable_def() { return table_.def; }

 private:
  QueryTable table_;
  ColumnBatch batch_;
};

std::optional<std::string> OrNull(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

std::string Int(int64_t v) { return std::to_string(v); }

}  // namespace

std::vector<QueryTable> MakeTapSchema(const Catalog& catalog) {
  TableBuilder schemas(
      "schemas", "The schemas of this service.", 1,
      {{"schema_name", kText, "schema name for reference to tap_schema.schemas", "meta.id", true},
       {"utype", kText, "lists the utypes of schemas", "", true},
       {"description", kText, "describes schemas in the tableset", "meta.note", true},
       {"schema_index", kInt, "recommended sort order when listing schemas", "meta.number", true}});
  TableBuilder tables(
      "tables", "The tables of this service.", 2,
      {{"schema_name", kText, "the schema this table belongs to", "meta.id", true},
       {"table_name", kText, "the fully qualified table name", "meta.id", true},
       {"table_type", kText, "one of: table, view", "meta.code", true},
       {"utype", kText, "lists the utype of tables in the tableset", "", true},
       {"description", kText, "describes tables in the tableset", "meta.note", true},
       {"table_index", kInt, "recommended sort order when listing tables", "meta.number", true}});
  TableBuilder columns(
      "columns", "The columns of every table of this service.", 3,
      {{"table_name", kText, "the table this column belongs to", "meta.id", true},
       {"column_name", kText, "the column name", "meta.id", true},
       {"datatype", kText, "the VOTable datatype of the column", "meta.code", true},
       {"arraysize", kText, "the VOTable arraysize of the column", "meta.code", true},
       {"size", kInt, "deprecated: the arraysize as an integer", "meta.number", false},
       {"xtype", kText, "the VOTable xtype of the column", "meta.code", true},
       {"unit", kText, "the unit in VOUnit format", "meta.unit", true},
       {"ucd", kText, "the UCD of the column", "meta.ucd", true},
       {"utype", kText, "the utype of the column", "", true},
       {"description", kText, "describes the column", "meta.note", true},
       {"principal", kInt, "1 for a principal column, else 0", "meta.code", true},
       {"indexed", kInt, "1 for an indexed column, else 0", "meta.code", true},
       {"std", kInt, "1 for a column defined by a standard, else 0", "meta.code", true},
       {"column_index", kInt, "recommended sort order when listing columns", "meta.number", true}});
  TableBuilder keys("keys", "The foreign keys between tables of this service.", 4,
                    {{"key_id", kText, "unique key identifier", "meta.id", true},
                     {"from_table", kText, "the table with the foreign key", "meta.id", true},
                     {"target_table", kText, "the table with the primary key", "meta.id", true},
                     {"utype", kText, "lists the utype of keys", "", true},
                     {"description", kText, "describes the key", "meta.note", true}});
  TableBuilder key_columns(
      "key_columns", "The columns of the foreign keys.", 5,
      {{"key_id", kText, "key identifier from TAP_SCHEMA.keys", "meta.id", true},
       {"from_column", kText, "the column in the from_table", "meta.id", true},
       {"target_column", kText, "the column in the target_table", "meta.id", true}});

  const std::string tap = kTapSchemaName;
  schemas.Add({catalog.release, std::nullopt, OrNull(catalog.description), Int(0)});
  schemas.Add(
      {tap, std::nullopt, "A description of the tables and columns of this service.", Int(1)});

  auto add_table = [&](const std::string& schema, const TableDef& def) {
    std::string qualified = schema + "." + def.name;
    tables.Add(
        {schema, qualified, "table", std::nullopt, OrNull(def.description), Int(def.table_index)});
    int position = 0;
    for (const ColumnDef& col : def.columns) {
      ++position;
      VOTableType vt = VOTableTypeOf(col.type, col.arraysize);
      std::optional<std::string> size;
      if (!vt.arraysize.empty() && vt.arraysize != "*") {
        std::string digits = vt.arraysize;
        if (digits.back() == '*') digits.pop_back();
        size = digits;
      }
      bool indexed = col.indexed || EqualsIgnoreCase(col.name, def.primary_key) ||
                     EqualsIgnoreCase(col.name, def.ra_column) ||
                     EqualsIgnoreCase(col.name, def.dec_column);
      columns.Add({qualified, QuoteIdentifierIfNeeded(col.name), vt.datatype, OrNull(vt.arraysize),
                   size, OrNull(vt.xtype), OrNull(col.unit), OrNull(col.ucd), std::nullopt,
                   OrNull(col.description), Int(col.principal ? 1 : 0), Int(indexed ? 1 : 0),
                   Int(schema == tap ? 1 : 0),
                   Int(col.column_index > 0 ? col.column_index : position)});
    }
    int n = 0;
    for (const ForeignKeyDef& fk : def.foreign_keys) {
      ++n;
      std::string id = !fk.name.empty() ? fk.name : def.name + "_fk" + std::to_string(n);
      std::string target = fk.target_table.find('.') == std::string::npos
                               ? schema + "." + fk.target_table
                               : fk.target_table;
      keys.Add({id, qualified, target, std::nullopt, OrNull(fk.description)});
      for (size_t i = 0; i < fk.columns.size() && i < fk.target_columns.size(); ++i) {
        key_columns.Add({id, fk.columns[i], fk.target_columns[i]});
      }
    }
  };
  for (const TableDef& def : catalog.tables) add_table(catalog.release, def);
  // TAP_SCHEMA's own foreign keys (TAP 1.1 section 4), so that it describes itself fully.
  auto fk = [&](TableBuilder* from, const char* name, const char* column, const char* target,
                const char* target_column) {
    ForeignKeyDef key;
    key.name = name;
    key.columns = {column};
    key.target_table = tap + "." + target;
    key.target_columns = {target_column};
    from->mutable_def().foreign_keys.push_back(std::move(key));
  };
  fk(&tables, "tables_schema_name", "schema_name", "schemas", "schema_name");
  fk(&columns, "columns_table_name", "table_name", "tables", "table_name");
  fk(&keys, "keys_from_table", "from_table", "tables", "table_name");
  fk(&keys, "keys_target_table", "target_table", "tables", "table_name");
  fk(&key_columns, "key_columns_key_id", "key_id", "keys", "key_id");
  // TAP_SCHEMA describes itself, so its own tables appear in tables and columns. Their
  // definitions are known before their rows, so they can be listed now.
  std::vector<TableDef> self_defs = {schemas.def(), tables.def(), columns.def(), keys.def(),
                                     key_columns.def()};
  for (const TableDef& def : self_defs) add_table(tap, def);

  std::vector<QueryTable> out;
  out.push_back(schemas.Finish());
  out.push_back(tables.Finish());
  out.push_back(columns.Finish());
  out.push_back(keys.Finish());
  out.push_back(key_columns.Finish());
  return out;
}

}  // namespace skyshard::adql::internal
