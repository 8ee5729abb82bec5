#include "storage/felis.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/ascii.h"

namespace skyshard {

namespace {

// yaml-cpp counts lines from 0 and marks synthesised nodes with -1.
int LineOf(const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  return mark.line < 0 ? 0 : mark.line + 1;
}

// Builds "<source>:<line>: table T, column c: " error prefixes.
class Context {
 public:
  explicit Context(const std::string& source) : source_(source) {}

  Status Error(int line, const std::string& table, const std::string& column,
               const std::string& what) const {
    std::string msg = source_;
    if (line > 0) msg += ":" + std::to_string(line);
    msg += ": ";
    if (!table.empty()) {
      msg += "table " + table;
      if (!column.empty()) msg += ", column " + column;
      msg += ": ";
    }
    return Status::InvalidArgument(msg + what);
  }

 private:
  const std::string& source_;
};

// Felis writes empty values such as `fits:tunit:` as YAML null; those read as "".
bool ScalarText(const YAML::Node& node, std::string* out) {
  if (node.IsNull()) {
    out->clear();
    return true;
  }
  if (!node.IsScalar()) return false;
  *out = node.Scalar();
  return true;
}

// Whole-string integer parse; from_chars also rejects values out of T's range.
template <typename T>
bool ParseInt(const std::string& text, T* out) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, *out);
  return ec == std::errc() && ptr == end && begin != end;
}

// Splits a Felis reference "#Table.column" into its parts. Felis ids are "#" + table + "." +
// column; neither part contains a dot in sdm_schemas, so the first dot separates them.
bool SplitReference(const std::string& ref, std::string* table, std::string* column) {
  std::string_view s(ref);
  if (s.empty() || s.front() != '#') return false;
  s.remove_prefix(1);
  size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == s.size()) return false;
  *table = std::string(s.substr(0, dot));
  *column = std::string(s.substr(dot + 1));
  return true;
}

// A reference from inside table `table` (primaryKey, constraint columns) to one of its own
// columns; returns the column name or an error naming `field`.
Status OwnColumnReference(const Context& ctx, const YAML::Node& node, const TableDef& table,
                          const char* field, std::string* column) {
  std::string ref;
  if (!ScalarText(node, &ref) || ref.empty()) {
    return ctx.Error(
        LineOf(node), table.name, "",
        std::string(field) + ": expected a column reference \"#" + table.name + ".column\"");
  }
  std::string ref_table;
  if (!SplitReference(ref, &ref_table, column)) {
    return ctx.Error(LineOf(node), table.name, "",
                     std::string(field) + " '" + ref + "' is not a column reference \"#" +
                         table.name + ".column\"");
  }
  if (ref_table != table.name) {
    return ctx.Error(LineOf(node), table.name, "",
                     std::string(field) + " '" + ref + "' names table " + ref_table +
                         ", expected a column of " + table.name);
  }
  if (table.ColumnIndex(*column) < 0) {
    return ctx.Error(LineOf(node), table.name, "",
                     std::string(field) + " '" + ref + "' names unknown column '" + *column + "'");
  }
  return Status::OK();
}

// The list form or the single-string form of a reference field.
std::vector<YAML::Node> ReferenceItems(const YAML::Node& node) {
  std::vector<YAML::Node> items;
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) items.push_back(item);
  } else {
    items.push_back(node);
  }
  return items;
}

Status ParseColumn(const Context& ctx, const YAML::Node& node, const std::string& table_name,
                   ColumnDef* column) {
  if (!node.IsMap()) {
    return ctx.Error(LineOf(node), table_name, "", "each column must be a mapping");
  }
  // Find the name first so that every later error can say which column it is about.
  std::string datatype;
  bool has_datatype = false;
  uint32_t length = 0;
  bool has_arraysize = false;
  int datatype_line = LineOf(node);
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    if (key == "name") {
      if (!ScalarText(kv.second, &column->name) || column->name.empty()) {
        return ctx.Error(LineOf(kv.first), table_name, "",
                         "column `name` must be a non-empty string");
      }
    }
  }
  if (column->name.empty()) {
    return ctx.Error(LineOf(node), table_name, "", "column without a `name`");
  }
  const std::string& name = column->name;
  for (const auto& kv : node) {
    const std::string& key = kv.first.Scalar();
    const YAML::Node& value = kv.second;
    std::string text;
    auto expect_scalar = [&]() -> Status {
      if (ScalarText(value, &text)) return Status::OK();
      return ctx.Error(LineOf(kv.first), table_name, name, "`" + key + "` must be a scalar");
    };
    if (key == "datatype") {
      SKY_RETURN_IF_ERROR(expect_scalar());
      datatype = text;
      has_datatype = !text.empty();
      datatype_line = LineOf(value);
    } else if (key == "length") {
      SKY_RETURN_IF_ERROR(expect_scalar());
      if (!ParseInt(text, &length)) {
        return ctx.Error(LineOf(value), table_name, name,
                         "length '" + text + "' is not a non-negative integer");
      }
    } else if (key == "description") {
      SKY_RETURN_IF_ERROR(expect_scalar());
      column->description = text;
    } else if (key == "fits:tunit") {
      SKY_RETURN_IF_ERROR(expect_scalar());
      column->unit = text;
    } else if (key == "ivoa:ucd") {
      SKY_RETURN_IF_ERROR(expect_scalar());
      column->ucd = text;
    } else if (key == "votable:arraysize") {
      SKY_RETURN_IF_ERROR(expect_scalar());
      column->arraysize = text;
      has_arraysize = !text.empty();
    } else if (key == "tap:principal") {
      SKY_RETURN_IF_ERROR(expect_scalar());
      int64_t v = 0;
      if (text == "true" || text == "false") {
        column->principal = text == "true";
      } else if (ParseInt(text, &v) && (v == 0 || v == 1)) {
        column->principal = v == 1;
      } else {
        return ctx.Error(LineOf(value), table_name, name,
                         "tap:principal '" + text + "' must be 0 or 1");
      }
    } else if (key == "tap:column_index") {
      SKY_RETURN_IF_ERROR(expect_scalar());
      if (!ParseInt(text, &column->column_index)) {
        return ctx.Error(LineOf(value), table_name, name,
                         "tap:column_index '" + text + "' is not an integer");
      }
    }
    // Other keys ("@id", mysql:datatype, nullable, precision, ...) do not affect what is stored
    // or published.
  }
  if (!has_datatype) {
    return ctx.Error(LineOf(node), table_name, name, "column without a `datatype`");
  }
  Result<ColumnType> type = ColumnTypeFromFelis(datatype, length);
  if (!type.ok()) {
    return ctx.Error(datatype_line, table_name, name, type.status().message());
  }
  column->type = *type;
  if (!has_arraysize) {
    // VOTable needs an arraysize for character data; Felis leaves it implicit.
    if (column->type.type == DataType::kChar) {
      column->arraysize = column->type.length > 0 ? std::to_string(column->type.length) : "*";
    } else if (column->type.type == DataType::kVarChar) {
      column->arraysize = "*";
    } else {
      column->arraysize.clear();
    }
  }
  return Status::OK();
}

// A parsed ForeignKey constraint whose target is checked once every table is known.
struct PendingReference {
  size_t table;
  size_t foreign_key;
  std::vector<int> lines;  // of each referencedColumns item
};

Status ParseConstraint(const Context& ctx, const YAML::Node& node, TableDef* table,
                       std::vector<PendingReference>* pending, size_t table_pos) {
  if (!node.IsMap()) {
    return ctx.Error(LineOf(node), table->name, "", "each constraint must be a mapping");
  }
  std::string type;
  if (const YAML::Node t = node["@type"]; t) ScalarText(t, &type);
  // Unique and Check constraints carry nothing TAP_SCHEMA publishes.
  if (type != "ForeignKey") return Status::OK();

  ForeignKeyDef fk;
  if (const YAML::Node n = node["name"]; n) ScalarText(n, &fk.name);
  if (const YAML::Node d = node["description"]; d) ScalarText(d, &fk.description);
  const std::string label = "foreign key" + (fk.name.empty() ? "" : " " + fk.name);
  const YAML::Node columns = node["columns"];
  const YAML::Node referenced = node["referencedColumns"];
  if (!columns || !referenced) {
    return ctx.Error(LineOf(node), table->name, "",
                     label + ": needs both `columns` and `referencedColumns`");
  }
  for (const YAML::Node& item : ReferenceItems(columns)) {
    std::string column;
    SKY_RETURN_IF_ERROR(OwnColumnReference(ctx, item, *table, "foreign key column", &column));
    fk.columns.push_back(column);
  }
  PendingReference ref{table_pos, table->foreign_keys.size(), {}};
  for (const YAML::Node& item : ReferenceItems(referenced)) {
    std::string text, target_table, target_column;
    if (!ScalarText(item, &text) || !SplitReference(text, &target_table, &target_column)) {
      return ctx.Error(
          LineOf(item), table->name, "",
          label + ": referenced column '" + text + "' is not a column reference \"#Table.column\"");
    }
    if (!fk.target_table.empty() && target_table != fk.target_table) {
      return ctx.Error(
          LineOf(item), table->name, "",
          label + ": referenced columns span tables " + fk.target_table + " and " + target_table);
    }
    fk.target_table = target_table;
    fk.target_columns.push_back(target_column);
    ref.lines.push_back(LineOf(item));
  }
  if (fk.columns.empty() || fk.columns.size() != fk.target_columns.size()) {
    return ctx.Error(LineOf(node), table->name, "",
                     label +
                         ": `columns` and `referencedColumns` must have the same, non-zero "
                         "number of entries");
  }
  table->foreign_keys.push_back(std::move(fk));
  pending->push_back(std::move(ref));
  return Status::OK();
}

Status ParseTable(const Context& ctx, const YAML::Node& node, TableDef* table,
                  std::vector<PendingReference>* pending, size_t table_pos) {
  if (!node.IsMap()) return ctx.Error(LineOf(node), "", "", "each table must be a mapping");
  const YAML::Node name = node["name"];
  if (!name || !ScalarText(name, &table->name) || table->name.empty()) {
    return ctx.Error(LineOf(node), "", "", "table without a `name`");
  }
  if (const YAML::Node d = node["description"]; d && !ScalarText(d, &table->description)) {
    return ctx.Error(LineOf(d), table->name, "", "`description` must be a string");
  }
  if (const YAML::Node index = node["tap:table_index"]; index) {
    std::string text;
    if (!ScalarText(index, &text) || !ParseInt(text, &table->table_index)) {
      return ctx.Error(LineOf(index), table->name, "",
                       "tap:table_index '" + text + "' is not an integer");
    }
  }

  const YAML::Node columns = node["columns"];
  if (!columns || !columns.IsSequence() || columns.size() == 0) {
    return ctx.Error(LineOf(columns ? columns : node), table->name, "",
                     "`columns` must be a non-empty list");
  }
  table->columns.reserve(columns.size());
  for (const YAML::Node& c : columns) {
    ColumnDef column;
    SKY_RETURN_IF_ERROR(ParseColumn(ctx, c, table->name, &column));
    // Names are matched case-insensitively in ADQL, so names differing only in case would be
    // ambiguous.
    if (table->ColumnIndex(column.name) >= 0) {
      return ctx.Error(LineOf(c), table->name, column.name, "duplicate column name");
    }
    table->columns.push_back(std::move(column));
  }

  if (const YAML::Node pk = node["primaryKey"]; pk && !pk.IsNull()) {
    std::vector<std::string> key_columns;
    for (const YAML::Node& item : ReferenceItems(pk)) {
      std::string column;
      SKY_RETURN_IF_ERROR(OwnColumnReference(ctx, item, *table, "primaryKey", &column));
      key_columns.push_back(column);
    }
    // A composite key cannot be stored in TableDef::primary_key; the table is then keyed by
    // load order.
    if (key_columns.size() == 1) table->primary_key = key_columns.front();
  }

  if (const YAML::Node constraints = node["constraints"]; constraints) {
    if (!constraints.IsSequence()) {
      return ctx.Error(LineOf(constraints), table->name, "", "`constraints` must be a list");
    }
    for (const YAML::Node& c : constraints) {
      SKY_RETURN_IF_ERROR(ParseConstraint(ctx, c, table, pending, table_pos));
    }
  }
  return Status::OK();
}

Result<FelisSchema> ParseOrThrow(const std::string& yaml_text, const std::string& source_name) {
  Context ctx(source_name);
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return ctx.Error(e.mark.line < 0 ? 0 : e.mark.line + 1, "", "", "invalid YAML: " + e.msg);
  }
  if (!root.IsMap() || !root["tables"]) {
    return ctx.Error(LineOf(root), "", "", "not a Felis schema: no top-level `tables` list");
  }
  FelisSchema schema;
  if (const YAML::Node n = root["name"]; n && !ScalarText(n, &schema.name)) {
    return ctx.Error(LineOf(n), "", "", "`name` must be a string");
  }
  if (const YAML::Node d = root["description"]; d && !ScalarText(d, &schema.description)) {
    return ctx.Error(LineOf(d), "", "", "`description` must be a string");
  }
  const YAML::Node tables = root["tables"];
  if (!tables.IsSequence()) {
    return ctx.Error(LineOf(tables), "", "", "`tables` must be a list of tables");
  }
  std::vector<PendingReference> pending;
  std::vector<int> table_lines;
  schema.tables.reserve(tables.size());
  for (const YAML::Node& t : tables) {
    TableDef table;
    SKY_RETURN_IF_ERROR(ParseTable(ctx, t, &table, &pending, schema.tables.size()));
    if (schema.FindTable(table.name) != nullptr) {
      return ctx.Error(LineOf(t), table.name, "", "duplicate table name");
    }
    schema.tables.push_back(std::move(table));
    table_lines.push_back(LineOf(t));
  }

  // Foreign keys may point forward in the file, so their targets are resolved last.
  for (const PendingReference& ref : pending) {
    const TableDef& table = schema.tables[ref.table];
    const ForeignKeyDef& fk = table.foreign_keys[ref.foreign_key];
    const TableDef* target = schema.FindTable(fk.target_table);
    const std::string label = "foreign key" + (fk.name.empty() ? "" : " " + fk.name);
    if (target == nullptr) {
      return ctx.Error(ref.lines.front(), table.name, "",
                       label + " references unknown table " + fk.target_table);
    }
    for (size_t i = 0; i < fk.target_columns.size(); ++i) {
      if (target->ColumnIndex(fk.target_columns[i]) < 0) {
        return ctx.Error(ref.lines[i], table.name, "",
                         label + " references unknown column " + fk.target_columns[i] +
                             " of table " + fk.target_table);
      }
    }
  }
  return schema;
}

}  // namespace

const TableDef* FelisSchema::FindTable(const std::string& table_name) const {
  for (const TableDef& t : tables) {
    if (EqualsIgnoreCase(t.name, table_name)) return &t;
  }
  return nullptr;
}

Result<FelisSchema> ParseFelisSchema(const std::string& yaml_text, const std::string& source_name) {
  try {
    return ParseOrThrow(yaml_text, source_name);
  } catch (const YAML::Exception& e) {
    // Node accessors throw on type confusion the checks above did not foresee.
    std::string where = source_name;
    if (e.mark.line >= 0) where += ":" + std::to_string(e.mark.line + 1);
    return Status::InvalidArgument(where + ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::Internal(source_name + ": " + e.what());
  }
}

Result<FelisSchema> ReadFelisSchema(const std::string& path) {
  std::error_code ec;
  std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (st.type() == std::filesystem::file_type::not_found) {
    return Status::NotFound("Felis schema " + path + " does not exist");
  }
  if (ec) return Status::IOError("cannot access Felis schema " + path + ": " + ec.message());
  if (st.type() == std::filesystem::file_type::directory) {
    return Status::InvalidArgument("Felis schema " + path + " is a directory, not a YAML file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot open Felis schema " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read Felis schema " + path);
  return ParseFelisSchema(text.str(), path);
}

}  // namespace skyshard
