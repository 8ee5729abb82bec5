// The binder's declarative corpus (tests/adql/binder_corpus/*.test; format in its README.md)
// over the real DP0.2 schema (../shared/schemas/dp02_dc2.yaml, every table and column) plus the
// fixture tables of binder_corpus/README.md, uploaded as TAP_UPLOAD tables. Expectations are
// written from the ADQL and SQL rules, by hand.
//
// Also: every valid query of the parser's corpus (tests/adql/corpus) and of the IVOA corpus
// (../shared/adql-corpus/ivoa) must bind or fail cleanly (a positioned NotFound,
// InvalidArgument or Unsupported), never crash or fail with Internal.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "adql/binder/binder.h"
#include "adql/binder/query_catalog.h"
#include "adql/parser/parser.h"
#include "adql/planner/logical_plan.h"
#include "storage/felis.h"

namespace skyshard::adql {
namespace {

const char kCorpusDir[] = SKYSHARD_SOURCE_DIR "/tests/adql/binder_corpus";
const char kParseCorpusDir[] = SKYSHARD_SOURCE_DIR "/tests/adql/corpus";
const char kIvoaCorpusDir[] = SKYSHARD_SOURCE_DIR "/../shared/adql-corpus/ivoa";
const char kSchema[] = SKYSHARD_SOURCE_DIR "/../shared/schemas/dp02_dc2.yaml";

ColumnDef Col(const std::string& name, DataType type, uint32_t length = 0) {
  ColumnDef c;
  c.name = name;
  c.type = ColumnType{type, length};
  return c;
}

// The fixture tables (binder_corpus/README.md): generic names for the parser corpus's queries.
std::vector<TableDef> FixtureTables() {
  auto table = [](const std::string& name, std::vector<ColumnDef> columns) {
    TableDef def;
    def.name = name;
    def.columns = std::move(columns);
    return def;
  };
  std::vector<ColumnDef> generic = {
      Col("a", DataType::kInteger),    Col("b", DataType::kInteger),
      Col("c", DataType::kDouble),     Col("d", DataType::kDouble),
      Col("e", DataType::kDouble),     Col("id", DataType::kBigInt),
      Col("x", DataType::kDouble),     Col("y", DataType::kDouble),
      Col("ra", DataType::kDouble),    Col("dec", DataType::kDouble),
      Col("name", DataType::kVarChar), Col("s", DataType::kVarChar),
      Col("flag", DataType::kBoolean), Col("ts", DataType::kTimestamp),
      Col("mag", DataType::kReal),     Col("n", DataType::kSmallInt)};
  std::vector<TableDef> out;
  for (const char* name : {"t", "u", "v", "w", "stars"}) out.push_back(table(name, generic));
  out.push_back(
      table("my_targets", {Col("id", DataType::kBigInt), Col("ra", DataType::kDouble),
                           Col("dec", DataType::kDouble), Col("name", DataType::kVarChar)}));
  return out;
}

const QueryCatalog& CorpusCatalog() {
  static const QueryCatalog* catalog = [] {
    Result<FelisSchema> schema = ReadFelisSchema(kSchema);
    EXPECT_TRUE(schema.ok()) << schema.status().ToString();
    Catalog c;
    c.release = "dp02_dc2_catalogs";
    if (schema.ok()) c.tables = schema->tables;
    uint32_t id = 1;
    for (TableDef& t : c.tables) t.id = id++;
    Result<QueryCatalog> qc = QueryCatalog::FromStore(c);
    EXPECT_TRUE(qc.ok()) << qc.status().ToString();
    auto* out = new QueryCatalog(qc.ok() ? std::move(qc).value() : QueryCatalog());
    for (TableDef& t : FixtureTables()) {
      Status s = out->AddUpload(std::move(t), nullptr);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    return out;
  }();
  return *catalog;
}

std::string CodeName(StatusCode code) { return std::string(StatusCodeName(code)); }

struct Record {
  std::string where;
  std::string kind;  // ok, error, plan
  std::string code;  // error: the expected StatusCode name
  int line = 0;      // error: the expected position
  int column = 0;
  std::string query;
  std::vector<std::string> section;
};

std::vector<std::filesystem::path> Files(const std::string& dir, const std::string& ext) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ext) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> ReadLines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// Reads the binder corpus format (binder_corpus/README.md).
std::vector<Record> ReadCorpus(const std::filesystem::path& path, std::string* problem) {
  std::vector<Record> records;
  std::vector<std::string> lines = ReadLines(path);
  size_t i = 0;
  while (i < lines.size()) {
    const std::string& header = lines[i];
    if (header.empty() || header[0] == '#') {
      ++i;
      continue;
    }
    Record r;
    r.where = path.filename().string() + ":" + std::to_string(i + 1);
    std::istringstream words(header);
    words >> r.kind;
    if (r.kind == "error") {
      std::string at;
      char colon = 0;
      words >> r.code >> at;
      std::istringstream pos(at);
      pos >> r.line >> colon >> r.column;
      if (r.code.empty() || colon != ':' || r.line <= 0) {
        *problem = r.where + ": bad error header '" + header + "'";
        return {};
      }
    } else if (r.kind != "ok" && r.kind != "plan") {
      *problem = r.where + ": unknown header '" + header + "'";
      return {};
    }
    ++i;
    std::vector<std::string> query;
    while (i < lines.size() && lines[i] != "----" && lines[i] != "====")
      query.push_back(lines[i++]);
    for (size_t q = 0; q < query.size(); ++q) r.query += (q > 0 ? "\n" : "") + query[q];
    if (i < lines.size() && lines[i] == "----") {
      ++i;
      while (i < lines.size() && lines[i] != "====") {
        if (!lines[i].empty()) r.section.push_back(lines[i]);
        ++i;
      }
    }
    if (i >= lines.size()) {
      *problem = r.where + ": record without ====";
      return {};
    }
    ++i;  // ====
    records.push_back(std::move(r));
  }
  return records;
}

Result<plan::PlanPtr> BindText(const std::string& adql, SyntaxErrorInfo* info = nullptr) {
  Result<ParseResult> parsed = Parse(adql);
  if (!parsed.ok()) return parsed.status();
  BindOptions options;
  options.query_text = adql;
  return Bind(*parsed->query, CorpusCatalog(), options, info);
}

// "name TYPE" per output column.
std::vector<std::string> ColumnLines(const plan::PlanNode& p) {
  std::vector<std::string> out;
  for (const plan::OutputColumn& c : p.schema) {
    out.push_back(c.name + " " + std::string(ValueTypeName(c.type)));
  }
  return out;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

TEST(BinderCorpus, Records) {
  int ok = 0;
  int errors = 0;
  int plans = 0;
  std::map<std::string, int> per_file;
  for (const auto& path : Files(kCorpusDir, ".test")) {
    std::string problem;
    std::vector<Record> records = ReadCorpus(path, &problem);
    ASSERT_TRUE(problem.empty()) << problem;
    per_file[path.filename().string()] = static_cast<int>(records.size());
    for (const Record& r : records) {
      SCOPED_TRACE(r.where);
      SyntaxErrorInfo info;
      Result<plan::PlanPtr> bound = BindText(r.query, &info);
      if (r.kind == "error") {
        ++errors;
        if (bound.ok()) {
          ADD_FAILURE() << r.where << ": bound, expected " << r.code << "\n"
                        << r.query << "\n"
                        << plan::Explain(**bound);
          continue;
        }
        const std::string& message = bound.status().message();
        const std::string first = message.substr(0, message.find('\n'));
        EXPECT_EQ(CodeName(bound.status().code()), r.code) << r.where << ": " << message;
        EXPECT_EQ(info.line, r.line) << r.where << ": " << message;
        EXPECT_EQ(info.column, r.column) << r.where << ": " << message;
        for (const std::string& expected : r.section) {
          EXPECT_NE(first.find(expected), std::string::npos)
              << r.where << ": '" << expected << "' not in: " << first;
        }
        continue;
      }
      if (!bound.ok()) {
        ADD_FAILURE() << r.where << ": " << bound.status().ToString() << "\n" << r.query;
        continue;
      }
      if (r.kind == "plan") {
        ++plans;
        EXPECT_EQ(plan::Explain(**bound), JoinLines(r.section)) << r.where << "\n" << r.query;
      } else {
        ++ok;
        if (!r.section.empty()) {
          EXPECT_EQ(JoinLines(ColumnLines(**bound)), JoinLines(r.section)) << r.where << "\n"
                                                                           << r.query;
        }
      }
      // A bound plan is plain data: its deep copy explains the same.
      EXPECT_EQ(plan::Explain(*(*bound)->Clone()), plan::Explain(**bound)) << r.where;
    }
  }
  std::cout << "[ binder corpus ] " << ok << " bind, " << errors << " errors, " << plans
            << " plans, in " << per_file.size() << " files" << std::endl;
  EXPECT_GE(ok + errors + plans, 150);
}

// Decodes the escapes of the parser corpus (tests/adql/corpus/README.md); false when unknown.
bool Unescape(const std::string& text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out->push_back(text[i]);
      continue;
    }
    if (++i == text.size()) return false;
    switch (text[i]) {
      case '\\':
        out->push_back('\\');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'v':
        out->push_back('\v');
        break;
      case 'x': {
        if (i + 2 >= text.size()) return false;
        out->push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
        i += 2;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

// The valid queries of the parser's corpus.
std::vector<std::string> ParseCorpusQueries() {
  std::vector<std::string> queries;
  for (const auto& path : Files(kParseCorpusDir, ".test")) {
    std::vector<std::string> lines = ReadLines(path);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].rfind("valid", 0) != 0) continue;
      const bool escaped = lines[i].find("escaped") != std::string::npos;
      std::string query;
      size_t j = i + 1;
      for (; j < lines.size() && lines[j] != "----" && lines[j] != "===="; ++j) {
        query += (j > i + 1 ? "\n" : "") + lines[j];
      }
      if (escaped) {
        std::string decoded;
        if (!Unescape(query, &decoded)) continue;
        query = decoded;
      }
      queries.push_back(query);
      i = j;
    }
  }
  return queries;
}

std::vector<std::string> IvoaCorpusQueries() {
  std::vector<std::string> queries;
  if (!std::filesystem::exists(kIvoaCorpusDir)) return queries;
  for (const auto& path : Files(kIvoaCorpusDir, ".xml")) {
    pugi::xml_document doc;
    if (!doc.load_file(path.c_str())) continue;
    for (pugi::xml_node query : doc.child("queries").children("query")) {
      pugi::xml_node adql = query.child("adql");
      if (std::string(adql.attribute("valid").as_string("false")) == "true") {
        queries.emplace_back(adql.text().as_string());
      }
    }
  }
  return queries;
}

// Binds each query that parses: OK, or an error with a position and a user-facing code.
void BindsOrFailsCleanly(const std::vector<std::string>& queries, const std::string& corpus) {
  int bound = 0;
  int failed = 0;
  std::map<std::string, int> by_code;
  for (const std::string& q : queries) {
    Result<ParseResult> parsed = Parse(q);
    if (!parsed.ok()) continue;
    BindOptions options;
    options.query_text = q;
    SyntaxErrorInfo info;
    Result<plan::PlanPtr> p = Bind(*parsed->query, CorpusCatalog(), options, &info);
    if (p.ok()) {
      ++bound;
      EXPECT_FALSE((*p)->schema.empty()) << q;
      EXPECT_EQ(plan::Explain(*(*p)->Clone()), plan::Explain(**p)) << q;
      continue;
    }
    ++failed;
    // SKYSHARD_BINDER_VERBOSE=1 lists the failures (to review them by hand).
    if (std::getenv("SKYSHARD_BINDER_VERBOSE") != nullptr) {
      std::cout << "---\n" << q << "\n=> " << p.status().ToString() << std::endl;
    }
    const StatusCode code = p.status().code();
    ++by_code[CodeName(code)];
    EXPECT_TRUE(code == StatusCode::kNotFound || code == StatusCode::kInvalidArgument ||
                code == StatusCode::kUnsupported || code == StatusCode::kLimitExceeded)
        << q << "\n"
        << p.status().ToString();
    EXPECT_GT(info.line, 0) << q << "\n" << p.status().ToString();
    EXPECT_EQ(p.status().message().rfind("line ", 0), 0u) << p.status().message();
  }
  std::cout << "[ " << corpus << " ] " << bound << " bind, " << failed << " fail cleanly (";
  for (const auto& [code, n] : by_code) std::cout << " " << code << "=" << n;
  std::cout << " )" << std::endl;
}

TEST(BinderCorpus, ParseCorpusBindsOrFailsCleanly) {
  std::vector<std::string> queries = ParseCorpusQueries();
  EXPECT_GT(queries.size(), 300u);
  BindsOrFailsCleanly(queries, "parser corpus");
}

TEST(BinderCorpus, IvoaCorpusBindsOrFailsCleanly) {
  BindsOrFailsCleanly(IvoaCorpusQueries(), "IVOA corpus");
}

}  // namespace
}  // namespace skyshard::adql
