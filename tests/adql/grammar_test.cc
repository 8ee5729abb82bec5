// The IVOA ADQL 2.1 validation corpus (../shared/adql-corpus/ivoa/*.xml, the "lyonetia"
// queries): every query marked valid="true" must parse and every one marked valid="false" must
// be rejected. Files and queries may declare user-defined functions (<functions>); those, and
// only those, are known to the parser for the queries they cover, as in the IVOA validator.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "adql/parser/parser.h"
#include "tests/adql/parse_cache_check.h"

namespace skyshard::adql {
namespace {

const char kCorpusDir[] = SKYSHARD_SOURCE_DIR "/../shared/adql-corpus/ivoa";

struct CorpusQuery {
  std::string file;
  std::string description;
  std::string adql;
  bool valid = false;
  std::vector<std::string> functions;
};

// "ivo_healpix_index(hpxOrder INTEGER, ...) -> BIGINT" -> "ivo_healpix_index".
void AddDeclaredFunctions(const pugi::xml_node& functions, std::vector<std::string>* names) {
  for (pugi::xml_node function : functions.children("function")) {
    std::string form = function.child("form").text().as_string();
    size_t begin = form.find_first_not_of(" \t\r\n");
    size_t paren = form.find('(');
    if (begin == std::string::npos || paren == std::string::npos || paren <= begin) continue;
    std::string name = form.substr(begin, paren - begin);
    name.erase(name.find_last_not_of(" \t") + 1);
    names->push_back(name);
  }
}

std::vector<CorpusQuery> LoadCorpus() {
  std::vector<CorpusQuery> queries;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpusDir)) {
    if (entry.path().extension() == ".xml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    pugi::xml_document doc;
    pugi::xml_parse_result loaded = doc.load_file(path.c_str());
    EXPECT_TRUE(loaded) << path << ": " << loaded.description();
    if (!loaded) continue;
    pugi::xml_node root = doc.child("queries");
    std::vector<std::string> file_functions;
    AddDeclaredFunctions(root.child("functions"), &file_functions);
    for (pugi::xml_node query : root.children("query")) {
      CorpusQuery q;
      q.file = path.filename().string();
      q.description = query.child("description").text().as_string();
      pugi::xml_node adql = query.child("adql");
      q.adql = adql.text().as_string();
      q.valid = std::string(adql.attribute("valid").as_string("false")) == "true";
      q.functions = file_functions;
      AddDeclaredFunctions(query.child("functions"), &q.functions);
      queries.push_back(std::move(q));
    }
  }
  return queries;
}

TEST(AdqlCorpusTest, ValidQueriesParseAndInvalidOnesAreRejected) {
  std::vector<CorpusQuery> corpus = LoadCorpus();
  ASSERT_GT(corpus.size(), 150U) << "corpus not found at " << kCorpusDir;
  int valid = 0;
  int invalid = 0;
  int accepted = 0;
  int rejected = 0;
  for (const CorpusQuery& q : corpus) {
    ParseOptions options;
    options.known_functions = q.functions;
    SyntaxErrorInfo info;
    Result<ParseResult> result = Parse(q.adql, options, &info);
    if (q.valid) {
      ++valid;
      if (result.ok()) {
        ++accepted;
      } else {
        ADD_FAILURE() << q.file << ": valid query rejected: " << result.status().ToString()
                      << "\nquery:\n"
                      << q.adql;
      }
    } else {
      ++invalid;
      if (!result.ok()) {
        ++rejected;
        // Every rejection is a positioned syntax error.
        EXPECT_EQ(result.status().code(), StatusCode::kSyntaxError) << q.adql;
        EXPECT_GT(info.line, 0) << q.adql;
        EXPECT_GT(info.column, 0) << q.adql;
        EXPECT_FALSE(info.message.empty()) << q.adql;
      } else {
        ADD_FAILURE() << q.file << ": invalid query accepted (" << q.description << "):\n"
                      << q.adql;
      }
    }
  }
  std::cout << "[ corpus   ] IVOA ADQL corpus: " << accepted << " of " << valid
            << " valid queries accepted, " << rejected << " of " << invalid
            << " invalid queries rejected (" << corpus.size() << " queries)" << std::endl;
  EXPECT_EQ(accepted, valid);
  EXPECT_EQ(rejected, invalid);
}

// The parse cache serves every valid query of the corpus exactly as the parser parses it, from a
// template made of the same query with other constants (tests/adql/parse_cache_check.h).
TEST(AdqlCorpusTest, ParseCacheServesTheTreeTheParserBuilds) {
  int checked = 0;
  int with_literals = 0;
  for (const CorpusQuery& q : LoadCorpus()) {
    if (!q.valid) continue;
    ParseOptions options;
    options.known_functions = q.functions;
    testing::CacheCheck outcome;
    const std::string problem = testing::CheckParseCache(q.adql, options, &outcome);
    EXPECT_EQ(problem, "") << q.file << "\nquery:\n" << q.adql;
    auto shape = ShapeOf(q.adql);
    if (shape.has_value() && !shape->literals.empty()) ++with_literals;
    if (outcome == testing::CacheCheck::kChecked) ++checked;
  }
  std::cout << "[ corpus   ] parse cache: " << checked << " of " << with_literals
            << " valid queries with literals served from a template" << std::endl;
  // Queries whose shape the cache refuses are parsed every time, which is correct but slow:
  // nearly all should be cacheable.
  EXPECT_GE(checked * 10, with_literals * 9);
}

// Without declarations, a user-defined function call is parsed generically (the binder
// resolves it later), so the corpus's valid queries all parse with default options too.
TEST(AdqlCorpusTest, ValidQueriesParseWithDefaultOptions) {
  for (const CorpusQuery& q : LoadCorpus()) {
    if (!q.valid) continue;
    Status status = CheckSyntax(q.adql);
    EXPECT_TRUE(status.ok()) << status.ToString() << "\nquery:\n" << q.adql;
  }
}

}  // namespace
}  // namespace skyshard::adql

namespace skyshard::adql {
namespace {

// Every prefix of a valid corpus query (cut at each token boundary and in the middle of tokens)
// is either valid or a positioned syntax error; nothing crashes or throws.
TEST(AdqlCorpusTest, TruncatedQueriesNeverCrash) {
  int truncations = 0;
  for (const CorpusQuery& q : LoadCorpus()) {
    if (!q.valid) continue;
    size_t step = std::max<size_t>(1, q.adql.size() / 40);
    for (size_t cut = 0; cut < q.adql.size(); cut += step) {
      ++truncations;
      SyntaxErrorInfo info;
      Result<ParseResult> result = Parse(std::string_view(q.adql).substr(0, cut), {}, &info);
      if (result.ok()) continue;
      ASSERT_EQ(result.status().code(), StatusCode::kSyntaxError)
          << result.status().ToString() << "\nquery: " << q.adql.substr(0, cut);
      EXPECT_GE(info.line, 1);
      EXPECT_GE(info.column, 1);
    }
  }
  std::cout << "[ corpus   ] " << truncations << " truncated corpus queries parsed" << std::endl;
}

}  // namespace
}  // namespace skyshard::adql
