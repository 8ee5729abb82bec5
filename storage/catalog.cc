#include "storage/catalog.h"

#include <array>
#include <cstddef>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "common/ascii.h"

namespace skyshard {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<DataType, 9> kAllDataTypes = {
    DataType::kSmallInt, DataType::kInteger, DataType::kBigInt,
    DataType::kReal,     DataType::kDouble,  DataType::kBoolean,
    DataType::kChar,     DataType::kVarChar, DataType::kTimestamp,
};

std::string_view TableKindName(TableKind kind) {
  switch (kind) {
    case TableKind::kPlain:
      return "plain";
    case TableKind::kSpatial:
      return "spatial";
    case TableKind::kChild:
      return "child";
  }
  return "plain";
}

Json ColumnToJson(const ColumnDef& c) {
  Json j;
  j["name"] = c.name;
  j["type"] = {{"type", std::string(AdqlTypeName(c.type.type))}, {"length", c.type.length}};
  j["unit"] = c.unit;
  j["ucd"] = c.ucd;
  j["description"] = c.description;
  j["arraysize"] = c.arraysize;
  j["principal"] = c.principal;
  j["indexed"] = c.indexed;
  j["column_index"] = c.column_index;
  return j;
}

Json ForeignKeyToJson(const ForeignKeyDef& fk) {
  Json j;
  j["name"] = fk.name;
  j["description"] = fk.description;
  j["columns"] = fk.columns;
  j["target_table"] = fk.target_table;
  j["target_columns"] = fk.target_columns;
  return j;
}

Json TableToJson(const TableDef& t) {
  Json j;
  j["name"] = t.name;
  j["description"] = t.description;
  j["id"] = t.id;
  j["kind"] = std::string(TableKindName(t.kind));
  j["primary_key"] = t.primary_key;
  j["ra_column"] = t.ra_column;
  j["dec_column"] = t.dec_column;
  j["parent_table"] = t.parent_table;
  j["parent_key"] = t.parent_key;
  j["table_index"] = t.table_index;
  j["key_index"] = t.key_index;
  j["row_count"] = t.row_count;
  j["bytes"] = t.bytes;
  Json columns = Json::array();
  for (const ColumnDef& c : t.columns) columns.push_back(ColumnToJson(c));
  j["columns"] = std::move(columns);
  Json fks = Json::array();
  for (const ForeignKeyDef& fk : t.foreign_keys) fks.push_back(ForeignKeyToJson(fk));
  j["foreign_keys"] = std::move(fks);
  return j;
}

// Reads typed fields out of one JSON object; `where` ("tables[2].columns[7]") prefixes every
// error so that a corrupt catalog can be located without a debugger.
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string where) : object_(object), where_(std::move(where)) {}

  Status String(const char* key, std::string* out) const {
    const Json* v = nullptr;
    SKY_RETURN_IF_ERROR(Find(key, &v));
    if (!v->is_string()) return Bad(key, "a string");
    *out = v->get_ref<const std::string&>();
    return Status::OK();
  }

  Status Bool(const char* key, bool* out) const {
    const Json* v = nullptr;
    SKY_RETURN_IF_ERROR(Find(key, &v));
    if (!v->is_boolean()) return Bad(key, "true or false");
    *out = v->get<bool>();
    return Status::OK();
  }

  Status Int32(const char* key, int32_t* out) const {
    const Json* v = nullptr;
    SKY_RETURN_IF_ERROR(Find(key, &v));
    if (v->is_number_unsigned()) {
      uint64_t u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
        return Bad(key, "a 32-bit integer");
      }
      *out = static_cast<int32_t>(u);
      return Status::OK();
    }
    if (v->is_number_integer()) {
      int64_t i = v->get<int64_t>();
      if (i < std::numeric_limits<int32_t>::min()) return Bad(key, "a 32-bit integer");
      *out = static_cast<int32_t>(i);
      return Status::OK();
    }
    return Bad(key, "an integer");
  }

  Status UInt64(const char* key, uint64_t* out) const {
    const Json* v = nullptr;
    SKY_RETURN_IF_ERROR(Find(key, &v));
    // nlohmann keeps non-negative integers as uint64, so counts above 2^63 survive; a double
    // here would mean the value was already rounded.
    if (!v->is_number_unsigned()) return Bad(key, "a non-negative integer");
    *out = v->get<uint64_t>();
    return Status::OK();
  }

  Status UInt32(const char* key, uint32_t* out) const {
    uint64_t u = 0;
    SKY_RETURN_IF_ERROR(UInt64(key, &u));
    if (u > std::numeric_limits<uint32_t>::max()) return Bad(key, "a 32-bit unsigned integer");
    *out = static_cast<uint32_t>(u);
    return Status::OK();
  }

  Status StringList(const char* key, std::vector<std::string>* out) const {
    const Json* v = nullptr;
    SKY_RETURN_IF_ERROR(Find(key, &v));
    if (!v->is_array()) return Bad(key, "an array of strings");
    out->clear();
    for (const Json& item : *v) {
      if (!item.is_string()) return Bad(key, "an array of strings");
      out->push_back(item.get_ref<const std::string&>());
    }
    return Status::OK();
  }

  Status Array(const char* key, const Json** out) const {
    SKY_RETURN_IF_ERROR(Find(key, out));
    if (!(*out)->is_array()) return Bad(key, "an array");
    return Status::OK();
  }

  Status Object(const char* key, const Json** out) const {
    SKY_RETURN_IF_ERROR(Find(key, out));
    if (!(*out)->is_object()) return Bad(key, "an object");
    return Status::OK();
  }

  // REQUIRES: `key` is present.
  Status Bad(const char* key, std::string_view expected) const {
    std::string got = object_.find(key)->dump(-1, ' ', false, Json::error_handler_t::replace);
    if (got.size() > 60) got = got.substr(0, 57) + "...";
    return Status::Corruption("catalog JSON: " + Path(key) + ": expected " + std::string(expected) +
                              ", got " + got);
  }

  std::string Path(const char* key) const { return where_.empty() ? key : where_ + "." + key; }

 private:
  Status Find(const char* key, const Json** out) const {
    auto it = object_.find(key);
    if (it == object_.end()) {
      return Status::Corruption("catalog JSON: missing field '" + Path(key) + "'");
    }
    *out = &*it;
    return Status::OK();
  }

  const Json& object_;
  std::string where_;
};

Status ColumnTypeFromJson(const ObjectReader& column, ColumnType* out) {
  const Json* type = nullptr;
  SKY_RETURN_IF_ERROR(column.Object("type", &type));
  ObjectReader r(*type, column.Path("type"));
  std::string name;
  SKY_RETURN_IF_ERROR(r.String("type", &name));
  bool found = false;
  for (DataType t : kAllDataTypes) {
    if (AdqlTypeName(t) == name) {
      out->type = t;
      found = true;
      break;
    }
  }
  if (!found) return r.Bad("type", "an ADQL type name such as \"BIGINT\" or \"VARCHAR\"");
  return r.UInt32("length", &out->length);
}

Status ColumnFromJson(const Json& j, const std::string& where, ColumnDef* c) {
  if (!j.is_object()) return Status::Corruption("catalog JSON: " + where + ": expected an object");
  ObjectReader r(j, where);
  SKY_RETURN_IF_ERROR(r.String("name", &c->name));
  SKY_RETURN_IF_ERROR(ColumnTypeFromJson(r, &c->type));
  SKY_RETURN_IF_ERROR(r.String("unit", &c->unit));
  SKY_RETURN_IF_ERROR(r.String("ucd", &c->ucd));
  SKY_RETURN_IF_ERROR(r.String("description", &c->description));
  SKY_RETURN_IF_ERROR(r.String("arraysize", &c->arraysize));
  SKY_RETURN_IF_ERROR(r.Bool("principal", &c->principal));
  SKY_RETURN_IF_ERROR(r.Bool("indexed", &c->indexed));
  return r.Int32("column_index", &c->column_index);
}

Status ForeignKeyFromJson(const Json& j, const std::string& where, ForeignKeyDef* fk) {
  if (!j.is_object()) return Status::Corruption("catalog JSON: " + where + ": expected an object");
  ObjectReader r(j, where);
  SKY_RETURN_IF_ERROR(r.String("name", &fk->name));
  SKY_RETURN_IF_ERROR(r.String("description", &fk->description));
  SKY_RETURN_IF_ERROR(r.StringList("columns", &fk->columns));
  SKY_RETURN_IF_ERROR(r.String("target_table", &fk->target_table));
  return r.StringList("target_columns", &fk->target_columns);
}

Status TableFromJson(const Json& j, const std::string& where, TableDef* t) {
  if (!j.is_object()) return Status::Corruption("catalog JSON: " + where + ": expected an object");
  ObjectReader r(j, where);
  SKY_RETURN_IF_ERROR(r.String("name", &t->name));
  SKY_RETURN_IF_ERROR(r.String("description", &t->description));
  SKY_RETURN_IF_ERROR(r.UInt32("id", &t->id));
  std::string kind;
  SKY_RETURN_IF_ERROR(r.String("kind", &kind));
  if (kind == "plain") {
    t->kind = TableKind::kPlain;
  } else if (kind == "spatial") {
    t->kind = TableKind::kSpatial;
  } else if (kind == "child") {
    t->kind = TableKind::kChild;
  } else {
    return r.Bad("kind", "\"plain\", \"spatial\" or \"child\"");
  }
  SKY_RETURN_IF_ERROR(r.String("primary_key", &t->primary_key));
  SKY_RETURN_IF_ERROR(r.String("ra_column", &t->ra_column));
  SKY_RETURN_IF_ERROR(r.String("dec_column", &t->dec_column));
  SKY_RETURN_IF_ERROR(r.String("parent_table", &t->parent_table));
  SKY_RETURN_IF_ERROR(r.String("parent_key", &t->parent_key));
  SKY_RETURN_IF_ERROR(r.Int32("table_index", &t->table_index));
  SKY_RETURN_IF_ERROR(r.Bool("key_index", &t->key_index));
  SKY_RETURN_IF_ERROR(r.UInt64("row_count", &t->row_count));
  SKY_RETURN_IF_ERROR(r.UInt64("bytes", &t->bytes));

  const Json* columns = nullptr;
  SKY_RETURN_IF_ERROR(r.Array("columns", &columns));
  t->columns.resize(columns->size());
  for (size_t i = 0; i < columns->size(); ++i) {
    SKY_RETURN_IF_ERROR(ColumnFromJson(
        (*columns)[i], r.Path("columns") + "[" + std::to_string(i) + "]", &t->columns[i]));
  }
  const Json* fks = nullptr;
  SKY_RETURN_IF_ERROR(r.Array("foreign_keys", &fks));
  t->foreign_keys.resize(fks->size());
  for (size_t i = 0; i < fks->size(); ++i) {
    SKY_RETURN_IF_ERROR(ForeignKeyFromJson(
        (*fks)[i], r.Path("foreign_keys") + "[" + std::to_string(i) + "]", &t->foreign_keys[i]));
  }
  return Status::OK();
}

Result<Catalog> FromJsonOrThrow(const std::string& json) {
  // Parse without exceptions: a corrupt catalog is data, not a programming error.
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corruption("catalog JSON: not valid JSON");
  if (!j.is_object()) return Status::Corruption("catalog JSON: expected an object at the top");
  Catalog catalog;
  ObjectReader r(j, "");
  SKY_RETURN_IF_ERROR(r.String("release", &catalog.release));
  SKY_RETURN_IF_ERROR(r.String("description", &catalog.description));
  SKY_RETURN_IF_ERROR(r.String("loaded_at", &catalog.loaded_at));
  const Json* tables = nullptr;
  SKY_RETURN_IF_ERROR(r.Array("tables", &tables));
  catalog.tables.resize(tables->size());
  for (size_t i = 0; i < tables->size(); ++i) {
    SKY_RETURN_IF_ERROR(
        TableFromJson((*tables)[i], "tables[" + std::to_string(i) + "]", &catalog.tables[i]));
  }
  return catalog;
}

}  // namespace

int TableDef::ColumnIndex(const std::string& column_name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (EqualsIgnoreCase(columns[i].name, column_name)) return static_cast<int>(i);
  }
  return -1;
}

const TableDef* Catalog::FindTable(const std::string& name) const {
  for (const TableDef& t : tables) {
    if (EqualsIgnoreCase(t.name, name)) return &t;
  }
  return nullptr;
}

TableDef* Catalog::FindTable(const std::string& name) {
  return const_cast<TableDef*>(std::as_const(*this).FindTable(name));
}

std::string Catalog::ToJson() const {
  Json j;
  j["release"] = release;
  j["description"] = description;
  j["loaded_at"] = loaded_at;
  Json table_array = Json::array();
  for (const TableDef& t : tables) table_array.push_back(TableToJson(t));
  j["tables"] = std::move(table_array);
  // Descriptions come from operators' YAML; replacing invalid UTF-8 keeps dump() from throwing
  // (it would otherwise escape this noexcept-by-contract function).
  return j.dump(1, ' ', false, Json::error_handler_t::replace);
}

Result<Catalog> Catalog::FromJson(const std::string& json) {
  try {
    return FromJsonOrThrow(json);
  } catch (const std::exception& e) {
    // Every access is type-checked first, so this is only a backstop (e.g. bad_alloc).
    return Status::Corruption(std::string("catalog JSON: ") + e.what());
  }
}

}  // namespace skyshard
