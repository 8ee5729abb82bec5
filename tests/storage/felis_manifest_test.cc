// Tests for the catalog JSON form, the Felis schema reader and the release manifest reader.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/catalog.h"
#include "storage/felis.h"
#include "storage/manifest.h"

namespace skyshard {
namespace {

namespace fs = std::filesystem;

const char kDp02Path[] = SKYSHARD_SOURCE_DIR "/../shared/schemas/dp02_dc2.yaml";

// 1-based line of the first line of `text` containing `needle`; the tests compute expected
// error lines from the text they wrote instead of hard-coding numbers.
int LineContaining(const std::string& text, const std::string& needle) {
  size_t pos = text.find(needle);
  if (pos == std::string::npos) return -1;
  int line = 1;
  for (size_t i = 0; i < pos; ++i) line += text[i] == '\n';
  return line;
}

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "skyshard-fm-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

  void Write(const std::string& relative, const std::string& content) const {
    fs::path p = path_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

 private:
  fs::path path_;
};

// ---------------------------------------------------------------------------------------------
// Catalog

void ExpectSameCatalog(const Catalog& a, const Catalog& b) {
  EXPECT_EQ(a.release, b.release);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.loaded_at, b.loaded_at);
  ASSERT_EQ(a.tables.size(), b.tables.size());
  for (size_t i = 0; i < a.tables.size(); ++i) {
    const TableDef& x = a.tables[i];
    const TableDef& y = b.tables[i];
    SCOPED_TRACE("table " + x.name);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.description, y.description);
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.primary_key, y.primary_key);
    EXPECT_EQ(x.ra_column, y.ra_column);
    EXPECT_EQ(x.dec_column, y.dec_column);
    EXPECT_EQ(x.parent_table, y.parent_table);
    EXPECT_EQ(x.parent_key, y.parent_key);
    EXPECT_EQ(x.table_index, y.table_index);
    EXPECT_EQ(x.row_count, y.row_count);
    EXPECT_EQ(x.bytes, y.bytes);
    ASSERT_EQ(x.columns.size(), y.columns.size());
    for (size_t c = 0; c < x.columns.size(); ++c) {
      const ColumnDef& p = x.columns[c];
      const ColumnDef& q = y.columns[c];
      SCOPED_TRACE("column " + p.name);
      EXPECT_EQ(p.name, q.name);
      EXPECT_EQ(p.type, q.type);
      EXPECT_EQ(p.unit, q.unit);
      EXPECT_EQ(p.ucd, q.ucd);
      EXPECT_EQ(p.description, q.description);
      EXPECT_EQ(p.arraysize, q.arraysize);
      EXPECT_EQ(p.principal, q.principal);
      EXPECT_EQ(p.indexed, q.indexed);
      EXPECT_EQ(p.column_index, q.column_index);
    }
    ASSERT_EQ(x.foreign_keys.size(), y.foreign_keys.size());
    for (size_t f = 0; f < x.foreign_keys.size(); ++f) {
      EXPECT_EQ(x.foreign_keys[f].name, y.foreign_keys[f].name);
      EXPECT_EQ(x.foreign_keys[f].description, y.foreign_keys[f].description);
      EXPECT_EQ(x.foreign_keys[f].columns, y.foreign_keys[f].columns);
      EXPECT_EQ(x.foreign_keys[f].target_table, y.foreign_keys[f].target_table);
      EXPECT_EQ(x.foreign_keys[f].target_columns, y.foreign_keys[f].target_columns);
    }
  }
}

// A catalog using every DataType, every TableKind and extreme counts.
Catalog SampleCatalog() {
  const DataType kTypes[] = {DataType::kSmallInt, DataType::kInteger, DataType::kBigInt,
                             DataType::kReal,     DataType::kDouble,  DataType::kBoolean,
                             DataType::kChar,     DataType::kVarChar, DataType::kTimestamp};
  Catalog c;
  c.release = "dp02_dc2_catalogs";
  c.description = "Rubin \"DP0.2\"\nwith a newline and UTF-8: \xc3\xa9";
  c.loaded_at = "2024-05-01T12:00:00Z";

  TableDef object;
  object.name = "Object";
  object.description = "objects";
  object.id = 1;
  object.kind = TableKind::kSpatial;
  object.primary_key = "objectId";
  object.ra_column = "coord_ra";
  object.dec_column = "coord_dec";
  object.table_index = -5;
  object.row_count = std::numeric_limits<uint64_t>::max();  // beyond double precision
  object.bytes = (uint64_t{1} << 53) + 1;
  int32_t index = 0;
  for (DataType t : kTypes) {
    ColumnDef col;
    col.name = "c_" + std::string(AdqlTypeName(t));
    col.type = ColumnType{t, IsString(t) ? 17u : 0u};
    col.unit = index % 2 ? "deg" : "";
    col.ucd = "pos.eq.ra;meta.main";
    col.description = "column of type " + ColumnTypeToString(col.type);
    col.arraysize = IsString(t) ? "17*" : "";
    col.principal = index % 2 == 0;
    col.indexed = index % 3 == 0;
    col.column_index = index++ * 10 - 7;
    object.columns.push_back(col);
  }

  TableDef source;
  source.name = "ForcedSource";
  source.id = 2;
  source.kind = TableKind::kChild;
  source.parent_table = "Object";
  source.parent_key = "objectId";
  source.row_count = 123456789012345ull;
  source.columns.push_back(
      ColumnDef{"objectId", {DataType::kBigInt, 0}, "", "meta.id", "", "", true, true, 0, ""});
  source.foreign_keys.push_back(
      ForeignKeyDef{"Obj_FS", "link", {"objectId"}, "Object", {"c_BIGINT"}});

  TableDef visit;
  visit.name = "CcdVisit";
  visit.id = std::numeric_limits<uint32_t>::max();
  visit.kind = TableKind::kPlain;
  visit.columns.push_back(ColumnDef{"band",
                                    {DataType::kChar, 1},
                                    "",
                                    "",
                                    "",
                                    "1",
                                    false,
                                    false,
                                    std::numeric_limits<int32_t>::min(),
                                    ""});
  visit.foreign_keys.push_back(ForeignKeyDef{"two", "", {"a", "b"}, "X", {"c", "d"}});

  c.tables = {object, source, visit};
  return c;
}

TEST(CatalogTest, JsonRoundTripIsExact) {
  Catalog original = SampleCatalog();
  std::string json = original.ToJson();
  Result<Catalog> back = Catalog::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameCatalog(original, *back);
  EXPECT_EQ(back->ToJson(), json);
}

TEST(CatalogTest, JsonRoundTripOfEmptyCatalog) {
  Catalog empty;
  Result<Catalog> back = Catalog::FromJson(empty.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSameCatalog(empty, *back);
}

TEST(CatalogTest, JsonUsesDocumentedEncoding) {
  nlohmann::json j = nlohmann::json::parse(SampleCatalog().ToJson());
  EXPECT_EQ(j["release"], "dp02_dc2_catalogs");
  EXPECT_EQ(j["tables"][0]["kind"], "spatial");
  EXPECT_EQ(j["tables"][1]["kind"], "child");
  EXPECT_EQ(j["tables"][2]["kind"], "plain");
  EXPECT_EQ(j["tables"][0]["columns"][2]["type"]["type"], "BIGINT");
  EXPECT_EQ(j["tables"][0]["columns"][6]["type"]["type"], "CHAR");
  EXPECT_EQ(j["tables"][0]["columns"][6]["type"]["length"], 17);
  EXPECT_EQ(j["tables"][0]["row_count"].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
}

TEST(CatalogTest, FromJsonNamesMissingOrBadField) {
  nlohmann::json good = nlohmann::json::parse(SampleCatalog().ToJson());
  struct Case {
    const char* what;
    nlohmann::json doc;
    const char* expected;  // substring of the message
  };
  std::vector<Case> cases;
  {
    nlohmann::json j = good;
    j.erase("release");
    cases.push_back({"no release", j, "'release'"});
  }
  {
    nlohmann::json j = good;
    j["tables"][1].erase("row_count");
    cases.push_back({"no row_count", j, "tables[1].row_count"});
  }
  {
    nlohmann::json j = good;
    j["tables"][0]["columns"][3]["type"]["type"] = "QUUX";
    cases.push_back({"bad type", j, "tables[0].columns[3].type.type"});
  }
  {
    nlohmann::json j = good;
    j["tables"][0]["columns"][3]["type"].erase("length");
    cases.push_back({"no length", j, "tables[0].columns[3].type.length"});
  }
  {
    nlohmann::json j = good;
    j["tables"][2]["kind"] = "nested";
    cases.push_back({"bad kind", j, "tables[2].kind"});
  }
  {
    nlohmann::json j = good;
    j["tables"][0]["row_count"] = -1;
    cases.push_back({"negative count", j, "tables[0].row_count"});
  }
  {
    nlohmann::json j = good;
    j["tables"][0]["id"] = uint64_t{1} << 32;
    cases.push_back({"id too large", j, "tables[0].id"});
  }
  {
    nlohmann::json j = good;
    j["tables"][0]["columns"][0]["principal"] = 1;
    cases.push_back({"principal not bool", j, "tables[0].columns[0].principal"});
  }
  {
    nlohmann::json j = good;
    j["tables"][1]["foreign_keys"][0]["columns"] = "objectId";
    cases.push_back({"fk columns not array", j, "tables[1].foreign_keys[0].columns"});
  }
  {
    nlohmann::json j = good;
    j["tables"] = nlohmann::json::object();
    cases.push_back({"tables not array", j, "tables"});
  }
  for (const Case& c : cases) {
    Result<Catalog> r = Catalog::FromJson(c.doc.dump());
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << c.what;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << c.what << ": " << r.status().message();
  }
  for (const char* text : {"", "{", "[1,2]", "null", "{\"release\": 1}"}) {
    Result<Catalog> r = Catalog::FromJson(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << text;
  }
}

TEST(CatalogTest, FindTableAndColumnIgnoreAsciiCase) {
  Catalog c = SampleCatalog();
  ASSERT_NE(c.FindTable("object"), nullptr);
  EXPECT_EQ(c.FindTable("OBJECT")->id, 1u);
  EXPECT_EQ(c.FindTable("forcedsource")->id, 2u);
  EXPECT_EQ(c.FindTable("Obj"), nullptr);
  EXPECT_EQ(c.FindTable(""), nullptr);
  const Catalog& cc = c;
  EXPECT_EQ(cc.FindTable("ccdVISIT"), &c.tables[2]);
  c.FindTable("ccdvisit")->row_count = 42;
  EXPECT_EQ(c.tables[2].row_count, 42u);

  const TableDef& object = c.tables[0];
  EXPECT_EQ(object.ColumnIndex("c_bigint"), 2);
  EXPECT_EQ(object.ColumnIndex("C_TIMESTAMP"), 8);
  EXPECT_EQ(object.ColumnIndex("c_big"), -1);
  EXPECT_EQ(object.ColumnIndex(""), -1);
}

// ---------------------------------------------------------------------------------------------
// Felis: the real DP0.2 schema, checked against an independent walk of the same YAML.

std::string Text(const YAML::Node& n) { return n && !n.IsNull() ? n.as<std::string>() : ""; }

TEST(FelisTest, ParsesDp02SchemaLikeAnIndependentWalk) {
  const auto start = std::chrono::steady_clock::now();
  Result<FelisSchema> schema = ReadFelisSchema(kDp02Path);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  RecordProperty("parse_seconds", std::to_string(seconds));
  EXPECT_LT(seconds, 3.0);  // generous for sanitizer builds; about 0.1 s in a release build

  YAML::Node root = YAML::LoadFile(kDp02Path);
  EXPECT_EQ(schema->name, root["name"].as<std::string>());
  ASSERT_EQ(schema->tables.size(), root["tables"].size());
  EXPECT_EQ(schema->tables.size(), 12u);

  for (const char* name : {"Object", "ForcedSource", "CcdVisit"}) {
    SCOPED_TRACE(name);
    YAML::Node yt;
    for (const YAML::Node& t : root["tables"]) {
      if (t["name"].as<std::string>() == name) yt = t;
    }
    ASSERT_TRUE(yt.IsDefined());
    const TableDef* table = schema->FindTable(name);
    ASSERT_NE(table, nullptr);
    EXPECT_EQ(table->table_index, yt["tap:table_index"].as<int>());
    const std::string pk = yt["primaryKey"].as<std::string>();  // "#Table.column"
    EXPECT_EQ("#" + std::string(name) + "." + table->primary_key, pk);

    ASSERT_EQ(table->columns.size(), yt["columns"].size());
    size_t with_unit = 0;
    for (size_t i = 0; i < table->columns.size(); ++i) {
      const YAML::Node yc = yt["columns"][i];
      const ColumnDef& c = table->columns[i];
      EXPECT_EQ(c.name, yc["name"].as<std::string>());
      EXPECT_EQ(c.unit, Text(yc["fits:tunit"])) << c.name;
      EXPECT_EQ(c.ucd, Text(yc["ivoa:ucd"])) << c.name;
      EXPECT_EQ(c.description, Text(yc["description"])) << c.name;
      EXPECT_EQ(c.principal, yc["tap:principal"] && yc["tap:principal"].as<int>() == 1);
      if (yc["tap:column_index"]) {
        EXPECT_EQ(c.column_index, yc["tap:column_index"].as<int>());
      }
      with_unit += !c.unit.empty();
    }
    EXPECT_GT(with_unit, 0u);

    size_t fk_count = 0;
    for (const YAML::Node& con : yt["constraints"]) {
      fk_count += con["@type"].as<std::string>() == "ForeignKey";
    }
    EXPECT_EQ(table->foreign_keys.size(), fk_count);
  }

  const TableDef& object = *schema->FindTable("Object");
  const ColumnDef& ra = object.columns[object.ColumnIndex("coord_ra")];
  EXPECT_EQ(ra.type, (ColumnType{DataType::kDouble, 0}));
  EXPECT_EQ(ra.unit, "deg");
  EXPECT_EQ(ra.ucd, "pos.eq.ra;meta.main");
  EXPECT_EQ(ra.arraysize, "");
  const ColumnDef& band = object.columns[object.ColumnIndex("refBand")];
  EXPECT_EQ(band.type, (ColumnType{DataType::kChar, 1}));
  EXPECT_EQ(band.arraysize, "*");  // votable:arraysize wins over the length

  const TableDef& forced = *schema->FindTable("ForcedSource");
  ASSERT_EQ(forced.foreign_keys.size(), 2u);
  EXPECT_EQ(forced.foreign_keys[0].name, "Obj_FS");
  EXPECT_EQ(forced.foreign_keys[0].columns, std::vector<std::string>{"objectId"});
  EXPECT_EQ(forced.foreign_keys[0].target_table, "Object");
  EXPECT_EQ(forced.foreign_keys[0].target_columns, std::vector<std::string>{"objectId"});

  // Columns commented out in the file are not columns.
  const TableDef* matches = schema->FindTable("MatchesTruth");
  ASSERT_NE(matches, nullptr);
  EXPECT_EQ(matches->ColumnIndex("match_row"), -1);
  EXPECT_EQ(schema->FindTable("MatchesObject"), nullptr);
  EXPECT_EQ(matches->primary_key, "");  // the file gives none
}

// ---------------------------------------------------------------------------------------------
// Felis: small files with known content.

constexpr char kSmallSchema[] = R"(---
name: small
"@id": "#small"
description: A small schema
version: 1.2.3
tables:
- name: Star
  "@id": "#Star"
  description: Stars
  primaryKey: "#Star.id"
  tap:table_index: 7
  mysql:engine: MyISAM
  columns:
  - name: id
    datatype: BIGINT
    tap:principal: 1
    tap:column_index: 3
  - name: ra
    datatype: double
    fits:tunit: deg
    ivoa:ucd: pos.eq.ra
    description: Right ascension
  - name: band
    datatype: char
    length: 10
    fits:tunit:
  - name: label
    datatype: string
  - name: code
    datatype: CHAR(16)
  - name: fixed
    datatype: char
    length: 4
    votable:arraysize: 4*
  - name: n
    datatype: int
    votable:arraysize: 3
  - name: t
    datatype: timestamp
    tap:principal: 0
  indexes:
  - name: idx_ra
    columns: ["#Star.ra"]
  constraints:
  - name: uniq
    "@type": Unique
    columns: ["#Star.ra"]
- name: Obs
  primaryKey:
  - "#Obs.star"
  - "#Obs.epoch"
  columns:
  - name: star
    datatype: long
  - name: epoch
    datatype: double
  constraints:
  - name: Star_Obs
    "@type": ForeignKey
    description: Star of the observation
    columns:
    - "#Obs.star"
    referencedColumns:
    - "#Star.id"
- name: Single
  primaryKey: ["#Single.k"]
  columns:
  - name: k
    datatype: short
)";

TEST(FelisTest, SmallSchemaFields) {
  Result<FelisSchema> r = ParseFelisSchema(kSmallSchema, "small.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "small");
  EXPECT_EQ(r->description, "A small schema");
  ASSERT_EQ(r->tables.size(), 3u);

  const TableDef& star = r->tables[0];
  EXPECT_EQ(star.name, "Star");
  EXPECT_EQ(star.description, "Stars");
  EXPECT_EQ(star.primary_key, "id");
  EXPECT_EQ(star.table_index, 7);
  EXPECT_EQ(star.id, 0u);
  EXPECT_EQ(star.kind, TableKind::kPlain);
  EXPECT_TRUE(star.foreign_keys.empty());  // Unique constraints are not foreign keys
  ASSERT_EQ(star.columns.size(), 8u);

  struct Expected {
    const char* name;
    ColumnType type;
    const char* arraysize;
  };
  const Expected expected[] = {
      {"id", {DataType::kBigInt, 0}, ""},    {"ra", {DataType::kDouble, 0}, ""},
      {"band", {DataType::kChar, 10}, "10"}, {"label", {DataType::kVarChar, 0}, "*"},
      {"code", {DataType::kChar, 16}, "16"}, {"fixed", {DataType::kChar, 4}, "4*"},
      {"n", {DataType::kInteger, 0}, "3"},   {"t", {DataType::kTimestamp, 0}, ""},
  };
  for (size_t i = 0; i < std::size(expected); ++i) {
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(star.columns[i].name, expected[i].name);
    EXPECT_EQ(star.columns[i].type, expected[i].type);
    EXPECT_EQ(star.columns[i].arraysize, expected[i].arraysize);
  }
  EXPECT_TRUE(star.columns[0].principal);
  EXPECT_EQ(star.columns[0].column_index, 3);
  EXPECT_FALSE(star.columns[1].principal);
  EXPECT_EQ(star.columns[1].unit, "deg");
  EXPECT_EQ(star.columns[1].ucd, "pos.eq.ra");
  EXPECT_EQ(star.columns[1].description, "Right ascension");
  EXPECT_EQ(star.columns[2].unit, "");
  EXPECT_FALSE(star.columns[7].principal);

  const TableDef& obs = r->tables[1];
  EXPECT_EQ(obs.primary_key, "");  // composite
  ASSERT_EQ(obs.foreign_keys.size(), 1u);
  EXPECT_EQ(obs.foreign_keys[0].name, "Star_Obs");
  EXPECT_EQ(obs.foreign_keys[0].description, "Star of the observation");
  EXPECT_EQ(obs.foreign_keys[0].columns, std::vector<std::string>{"star"});
  EXPECT_EQ(obs.foreign_keys[0].target_table, "Star");
  EXPECT_EQ(obs.foreign_keys[0].target_columns, std::vector<std::string>{"id"});

  EXPECT_EQ(r->tables[2].primary_key, "k");  // a one-element list is a single key
  EXPECT_EQ(r->FindTable("single"), &r->tables[2]);
  EXPECT_EQ(r->FindTable("Sing"), nullptr);
}

// Replaces the first occurrence of `from` in kSmallSchema.
std::string SmallWith(const std::string& from, const std::string& to) {
  std::string s = kSmallSchema;
  size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

void ExpectFelisError(const std::string& yaml, const std::string& needle_for_line,
                      const std::vector<std::string>& fragments) {
  Result<FelisSchema> r = ParseFelisSchema(yaml, "bad.yaml");
  ASSERT_FALSE(r.ok()) << "expected an error mentioning " << fragments.front();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string& msg = r.status().message();
  int line = LineContaining(yaml, needle_for_line);
  ASSERT_GT(line, 0) << needle_for_line;
  EXPECT_EQ(msg.rfind("bad.yaml:" + std::to_string(line) + ": ", 0), 0u) << msg;
  for (const std::string& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << msg;
}

TEST(FelisTest, UnknownDatatypeNamesTableColumnAndLine) {
  std::string yaml = SmallWith("datatype: string", "datatype: quux");
  ExpectFelisError(yaml, "datatype: quux",
                   {"table Star, column label", "unknown datatype 'quux'", "expected"});
}

TEST(FelisTest, ColumnWithoutNameOrDatatype) {
  ExpectFelisError(SmallWith("  - name: label\n    datatype: string\n", "  - datatype: string\n"),
                   "  - datatype: string", {"table Star", "without a `name`"});
  ExpectFelisError(SmallWith("  - name: label\n    datatype: string\n",
                             "  - name: label\n    description: no type\n"),
                   "  - name: label", {"table Star, column label", "`datatype`"});
}

TEST(FelisTest, DuplicateColumn) {
  ExpectFelisError(SmallWith("  - name: label\n", "  - name: RA\n"), "  - name: RA",
                   {"table Star, column RA", "duplicate column"});
}

TEST(FelisTest, PrimaryKeyNamingUnknownColumn) {
  ExpectFelisError(SmallWith("primaryKey: \"#Star.id\"", "primaryKey: \"#Star.ident\""),
                   "#Star.ident", {"table Star", "primaryKey", "'ident'"});
  ExpectFelisError(SmallWith("  - \"#Obs.epoch\"", "  - \"#Obs.when\""), "#Obs.when",
                   {"table Obs", "primaryKey", "'when'"});
  ExpectFelisError(SmallWith("primaryKey: \"#Star.id\"", "primaryKey: id"), "primaryKey: id",
                   {"table Star", "not a column reference"});
}

TEST(FelisTest, ForeignKeyToUnknownTableOrColumn) {
  ExpectFelisError(SmallWith("    - \"#Star.id\"", "    - \"#Star.ident\""), "#Star.ident",
                   {"table Obs", "Star_Obs", "unknown column ident"});
  ExpectFelisError(SmallWith("    - \"#Star.id\"", "    - \"#Planet.id\""), "#Planet.id",
                   {"table Obs", "unknown table Planet"});
  ExpectFelisError(SmallWith("    - \"#Obs.star\"\n", "    - \"#Obs.sun\"\n"), "#Obs.sun",
                   {"table Obs", "unknown column 'sun'"});
}

TEST(FelisTest, BadIntegers) {
  ExpectFelisError(SmallWith("length: 10", "length: ten"), "length: ten",
                   {"column band", "length 'ten'"});
  ExpectFelisError(SmallWith("tap:principal: 1", "tap:principal: 2"), "tap:principal: 2",
                   {"column id", "tap:principal"});
  ExpectFelisError(SmallWith("tap:table_index: 7", "tap:table_index: x"), "tap:table_index: x",
                   {"table Star", "tap:table_index"});
}

TEST(FelisTest, NotYamlOrNoTables) {
  const std::string broken = "name: x\ntables:\n- name: [unclosed\n  columns: {\n";
  Result<FelisSchema> r = ParseFelisSchema(broken, "broken.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("broken.yaml:", 0), 0u) << r.status().message();
  EXPECT_NE(r.status().message().find("invalid YAML"), std::string::npos);

  for (const char* text : {"", "just a sentence", "name: x\ndescription: y\n", "- 1\n- 2\n"}) {
    Result<FelisSchema> s = ParseFelisSchema(text, "plain.txt");
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find("plain.txt"), std::string::npos);
    EXPECT_NE(s.status().message().find("tables"), std::string::npos) << s.status().message();
  }
  ExpectFelisError("name: x\ntables: 3\n", "tables: 3", {"`tables` must be a list"});
  std::string twice = SmallWith("- name: Single\n", "- name: STAR\n");
  twice.replace(twice.find("#Single.k"), 9, "#STAR.k");
  ExpectFelisError(twice, "- name: STAR", {"table STAR", "duplicate table"});
}

TEST(FelisTest, MissingFileIsNotFound) {
  Result<FelisSchema> r = ReadFelisSchema("/nonexistent/dir/schema.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/dir/schema.yaml"), std::string::npos);
}

TEST(FelisTest, ReadFileUsesPathInErrors) {
  TempDir dir;
  dir.Write("s.yaml", SmallWith("datatype: double", "datatype: float128"));
  std::string path = (dir.path() / "s.yaml").string();
  Result<FelisSchema> r = ReadFelisSchema(path);
  ASSERT_FALSE(r.ok());
  int line = LineContaining(SmallWith("datatype: double", "datatype: float128"), "float128");
  EXPECT_EQ(r.status().message().rfind(path + ":" + std::to_string(line) + ":", 0), 0u)
      << r.status().message();
}

// ---------------------------------------------------------------------------------------------
// Manifest

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("object-1.csv", "a\n");
    dir_.Write("object-2.csv", "a\n");
    dir_.Write("object-10.csv", "a\n");
    dir_.Write("object-dir.csv/inner.csv", "a\n");  // a directory matching the glob
    dir_.Write("fs-a.fits", "x");
    dir_.Write("fs-b.fits", "x");
    dir_.Write("fs-c.fits", "x");
    dir_.Write("data/ccdvisit.csv", "a\n");
  }

  // Writes `text` as manifest.yaml in the temp dir, reads it.
  Result<Manifest> Read(const std::string& text) {
    text_ = text;
    dir_.Write("manifest.yaml", text);
    return ReadManifest(ManifestPath());
  }

  std::string ManifestPath() const { return (dir_.path() / "manifest.yaml").string(); }
  std::string Abs(const std::string& rel) const { return (dir_.path() / rel).string(); }

  // Expects InvalidArgument "<manifest>:<line of needle>: ..." containing every fragment.
  void ExpectError(const std::string& text, const std::string& needle_for_line,
                   const std::vector<std::string>& fragments) {
    Result<Manifest> r = Read(text);
    ASSERT_FALSE(r.ok()) << "expected an error mentioning " << fragments.front();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
    int line = LineContaining(text, needle_for_line);
    ASSERT_GT(line, 0) << needle_for_line;
    const std::string& msg = r.status().message();
    EXPECT_EQ(msg.rfind(ManifestPath() + ":" + std::to_string(line) + ": ", 0), 0u) << msg;
    for (const std::string& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << msg;
  }

  TempDir dir_;
  std::string text_;
};

constexpr char kGoodManifest[] = R"(# a release
release: dp02_dc2_catalogs
schema: ../schemas/dp02_dc2.yaml
tables:
  ForcedSource:
    files: ["fs-{a,b}.fits", fs-b.fits]
    parent: {table: Object, key: objectId}
  Object:
    files: [object-*.csv, object-1.csv]
    position: [coord_ra, coord_dec]
  CcdVisit:
    files: data/ccdvisit.csv
)";

TEST_F(ManifestTest, GoodManifest) {
  Result<Manifest> r = Read(kGoodManifest);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, ManifestPath());
  EXPECT_EQ(r->release, "dp02_dc2_catalogs");
  EXPECT_EQ(r->schema_path, (dir_.path().parent_path() / "schemas/dp02_dc2.yaml").string());
  ASSERT_EQ(r->tables.size(), 3u);

  const ManifestTable& fs_table = r->tables[0];  // file order, not alphabetical
  EXPECT_EQ(fs_table.name, "ForcedSource");
  EXPECT_EQ(fs_table.file_patterns, (std::vector<std::string>{"fs-{a,b}.fits", "fs-b.fits"}));
  EXPECT_EQ(fs_table.files, (std::vector<std::string>{Abs("fs-a.fits"), Abs("fs-b.fits")}));
  EXPECT_EQ(fs_table.parent_table, "Object");
  EXPECT_EQ(fs_table.parent_key, "objectId");
  EXPECT_EQ(fs_table.ra_column, "");

  const ManifestTable& object = r->tables[1];
  EXPECT_EQ(object.name, "Object");
  // Sorted by byte order, de-duplicated, the directory object-dir.csv left out.
  EXPECT_EQ(object.files, (std::vector<std::string>{Abs("object-1.csv"), Abs("object-10.csv"),
                                                    Abs("object-2.csv")}));
  EXPECT_EQ(object.ra_column, "coord_ra");
  EXPECT_EQ(object.dec_column, "coord_dec");
  EXPECT_EQ(object.parent_table, "");

  const ManifestTable& ccd = r->tables[2];
  EXPECT_EQ(ccd.file_patterns, std::vector<std::string>{"data/ccdvisit.csv"});
  EXPECT_EQ(ccd.files, std::vector<std::string>{Abs("data/ccdvisit.csv")});
  for (const ManifestTable& t : r->tables) {
    for (const std::string& f : t.files) EXPECT_TRUE(fs::path(f).is_absolute()) << f;
  }
}

TEST_F(ManifestTest, PathsAreRelativeToTheManifestNotTheWorkingDirectory) {
  dir_.Write("manifest.yaml", kGoodManifest);
  TempDir elsewhere;  // a decoy working directory with files the globs would also match
  elsewhere.Write("object-99.csv", "a\n");
  elsewhere.Write("data/ccdvisit.csv", "a\n");
  const fs::path saved = fs::current_path();
  fs::current_path(elsewhere.path());
  Result<Manifest> from_elsewhere = ReadManifest(ManifestPath());
  // A relative manifest path is resolved against the working directory, once.
  fs::current_path(dir_.path().parent_path());
  Result<Manifest> relative = ReadManifest((dir_.path().filename() / "manifest.yaml").string());
  fs::current_path(saved);

  ASSERT_TRUE(from_elsewhere.ok()) << from_elsewhere.status().ToString();
  EXPECT_EQ(from_elsewhere->tables[1].files.size(), 3u);
  EXPECT_EQ(from_elsewhere->tables[2].files, std::vector<std::string>{Abs("data/ccdvisit.csv")});
  ASSERT_TRUE(relative.ok()) << relative.status().ToString();
  EXPECT_EQ(relative->path, ManifestPath());
  EXPECT_EQ(relative->tables[2].files, std::vector<std::string>{Abs("data/ccdvisit.csv")});
  EXPECT_EQ(relative->schema_path, from_elsewhere->schema_path);
}

TEST_F(ManifestTest, AbsolutePatternIsKept) {
  std::string text =
      "release: r1\nschema: s.yaml\ntables:\n  T:\n    files: [" + Abs("fs-c.fits") + "]\n";
  Result<Manifest> r = Read(text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tables[0].files, std::vector<std::string>{Abs("fs-c.fits")});
}

TEST_F(ManifestTest, MissingManifestIsNotFound) {
  Result<Manifest> r = ReadManifest(Abs("no-such-manifest.yaml"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("no-such-manifest.yaml"), std::string::npos);
}

TEST_F(ManifestTest, GlobMatchingNothing) {
  ExpectError(
      "release: r\nschema: s.yaml\ntables:\n  Object:\n    files: [object-1.csv, "
      "objekt-*.csv]\n",
      "objekt",
      {"table Object", "files pattern 'objekt-*.csv' matches no file in " + dir_.path().string()});
  // Only a directory matches: still no file.
  ExpectError("release: r\nschema: s.yaml\ntables:\n  Object:\n    files: [object-dir.*]\n",
              "object-dir", {"table Object", "matches no file"});
}

TEST_F(ManifestTest, BadRelease) {
  for (const char* release : {"1dp02", "dp02-dc2", "_x", "\"dp 02\""}) {
    ExpectError(std::string("schema: s.yaml\nrelease: ") + release +
                    "\ntables:\n  T:\n    files: [fs-a.fits]\n",
                "release:", {"release", "regular ADQL identifier"});
  }
  ExpectError("release: [a, b]\nschema: s.yaml\ntables:\n  T:\n    files: [fs-a.fits]\n",
              "release:", {"release: expected a string"});
}

TEST_F(ManifestTest, MissingTopLevelFields) {
  ExpectError("schema: s.yaml\ntables:\n  T:\n    files: [fs-a.fits]\n", "schema",
              {"missing required field 'release'"});
  ExpectError("release: r\ntables:\n  T:\n    files: [fs-a.fits]\n", "release",
              {"missing required field 'schema'"});
  ExpectError("release: r\nschema: s.yaml\n", "release", {"missing required field 'tables'"});
  ExpectError("release: r\nschema: s.yaml\ntables: {}\n", "tables:", {"tables: expected"});
  ExpectError("release: r\nschema: s.yaml\ntables:\n  T:\n    position: [a, b]\n",
              "  T:", {"table T", "missing required field 'files'"});
  ExpectError("release: r\nschema: s.yaml\ntables:\n  T:\n    files: []\n",
              "files:", {"table T", "files: expected a list"});
}

TEST_F(ManifestTest, UnknownKeysListTheValidOnes) {
  ExpectError("release: r\nschema: s.yaml\ntabels:\n  T:\n    files: [fs-a.fits]\n", "tabels",
              {"unknown key 'tabels'", "release, schema, tables"});
  ExpectError(
      "release: r\nschema: s.yaml\ntables:\n  T:\n    files: [fs-a.fits]\n"
      "    postion: [ra, dec]\n",
      "postion", {"table T", "unknown key 'postion'", "files, position, parent"});
  ExpectError(
      "release: r\nschema: s.yaml\ntables:\n  P:\n    files: [fs-a.fits]\n"
      "    position: [ra, dec]\n  C:\n    files: [fs-b.fits]\n"
      "    parent:\n      table: P\n      kee: pid\n",
      "kee", {"table C: parent", "unknown key 'kee'", "table, key"});
}

TEST_F(ManifestTest, BadPosition) {
  ExpectError(
      "release: r\nschema: s.yaml\ntables:\n  T:\n    files: [fs-a.fits]\n"
      "    position: [ra, dec, z]\n",
      "position", {"table T", "position", "two column names"});
  ExpectError(
      "release: r\nschema: s.yaml\ntables:\n  T:\n    files: [fs-a.fits]\n"
      "    position: ra\n",
      "position", {"table T", "position"});
}

TEST_F(ManifestTest, BadParent) {
  const std::string head = "release: r\nschema: s.yaml\ntables:\n";
  const std::string object = "  Object:\n    files: [object-1.csv]\n    position: [ra, dec]\n";
  ExpectError(head + object + "  FS:\n    files: [fs-a.fits]\n    parent: {table: Object}\n",
              "parent:", {"table FS", "parent: missing field 'key'"});
  ExpectError(head + object + "  FS:\n    files: [fs-a.fits]\n    parent: {key: objectId}\n",
              "parent:", {"table FS", "parent: missing field 'table'"});
  ExpectError(head + object + "  FS:\n    files: [fs-a.fits]\n    parent: Object\n",
              "parent:", {"table FS", "parent: expected a mapping"});
  // The parent may come later in the file, but must be there.
  ExpectError(
      head + "  FS:\n    files: [fs-a.fits]\n    parent: {table: Objekt, key: id}\n" + object,
      "parent:", {"table FS", "'Objekt' is not a table of this manifest"});
  ExpectError(head + "  V:\n    files: [fs-c.fits]\n" +
                  "  FS:\n    files: [fs-a.fits]\n    parent: {table: V, key: id}\n",
              "parent:", {"table FS", "parent table V has no `position`"});
  ExpectError(head + object +
                  "  FS:\n    files: [fs-a.fits]\n    position: [ra, dec]\n"
                  "    parent: {table: Object, key: objectId}\n",
              "parent:", {"table FS", "both `position` and `parent`"});
}

TEST_F(ManifestTest, ParentListedAfterChildIsAccepted) {
  Result<Manifest> r = Read(
      "release: r\nschema: s.yaml\ntables:\n  FS:\n    files: [fs-a.fits]\n"
      "    parent: {table: object, key: objectId}\n"
      "  Object:\n    files: [object-1.csv]\n    position: [ra, dec]\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tables[0].parent_table, "object");  // as written
}

TEST_F(ManifestTest, DuplicateTablesAndInvalidYaml) {
  ExpectError(
      "release: r\nschema: s.yaml\ntables:\n  T:\n    files: [fs-a.fits]\n"
      "  t:\n    files: [fs-b.fits]\n",
      "  t:", {"table t is listed twice"});
  Result<Manifest> broken = Read("release: r\nschema: s.yaml\ntables:\n  T:\n    files: [x\n");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.status().message().rfind(ManifestPath() + ":", 0), 0u);
  EXPECT_NE(broken.status().message().find("invalid YAML"), std::string::npos);
  Result<Manifest> empty = Read("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("expected a mapping"), std::string::npos);
}

}  // namespace
}  // namespace skyshard
