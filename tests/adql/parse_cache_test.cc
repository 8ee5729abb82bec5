// The parse cache (adql/parse_cache.h) and the query shape it keys on (adql/parser/
// query_shape.h): shapes found as the lexer finds tokens, trees served from templates equal to
// fresh parses (also under concurrency and eviction), and, through QueryEngine, errors reported
// where the query has them even when its tree came from a template of another text. Over the
// whole ADQL corpora: corpus_test.cc and grammar_test.cc (tests/adql/parse_cache_check.h).
#include "adql/parse_cache.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "adql/ast/equality.h"
#include "adql/ast/printer.h"
#include "adql/parser/query_shape.h"
#include "adql/query_engine.h"
#include "tests/adql/parse_cache_check.h"
#include "tests/storage/test_release.h"

namespace skyshard::adql {
namespace {

using ast::LiteralKind;

TEST(QueryShapeTest, LiteralsBecomeMarkersOfTheirKind) {
  const std::string q =
      "SELECT TOP 10 g_psfFlux, 'it''s' AS s FROM t WHERE x > 1.5 AND y < 2e-3 AND z = 0x1F "
      "AND w = 42 OFFSET 5";
  auto shape = ShapeOf(q);
  ASSERT_TRUE(shape.has_value());
  EXPECT_EQ(shape->key,
            "SELECT TOP 10 g_psfFlux, \x01s AS s FROM t WHERE x > \x01"
            "d AND y < \x01"
            "a AND z = \x01h AND w = \x01i OFFSET 5");
  ASSERT_EQ(shape->literals.size(), 5U);
  EXPECT_EQ(shape->literals[0].kind, LiteralKind::kString);
  EXPECT_EQ(shape->literals[0].text, "it's");
  EXPECT_EQ(shape->literals[0].offset, q.find('\''));
  EXPECT_EQ(shape->literals[0].length, 7U);
  EXPECT_EQ(shape->literals[1].kind, LiteralKind::kExactDecimal);
  EXPECT_EQ(shape->literals[1].text, "1.5");
  EXPECT_EQ(shape->literals[2].kind, LiteralKind::kApproximate);
  EXPECT_EQ(shape->literals[2].text, "2e-3");
  EXPECT_EQ(shape->literals[3].kind, LiteralKind::kHexInteger);
  EXPECT_EQ(shape->literals[4].kind, LiteralKind::kInteger);
  EXPECT_EQ(shape->literals[4].text, "42");
}

TEST(QueryShapeTest, QuotedTextAndCommentsAreNotScannedForLiterals) {
  auto shape = ShapeOf(
      "SELECT \"col 1\" -- a comment with 'quotes' and 12\n"
      "FROM \"t\"\"2\" WHERE a.b = .5");
  ASSERT_TRUE(shape.has_value());
  ASSERT_EQ(shape->literals.size(), 1U);
  EXPECT_EQ(shape->literals[0].text, ".5");
  EXPECT_EQ(shape->literals[0].position.line, 2);
  EXPECT_EQ(shape->literals[0].position.column, 25);
}

TEST(QueryShapeTest, ColumnsCountCodePoints) {
  // 'é' is two bytes, one column.
  auto shape = ShapeOf("SELECT 'é', 3 FROM t");
  ASSERT_TRUE(shape.has_value());
  ASSERT_EQ(shape->literals.size(), 2U);
  EXPECT_EQ(shape->literals[1].position.column, 13);
  EXPECT_EQ(shape->literals[1].offset, 13U);
}

TEST(QueryShapeTest, TextTheScanDoesNotModelHasNoShape) {
  EXPECT_FALSE(ShapeOf("SELECT 'open FROM t").has_value());
  EXPECT_FALSE(ShapeOf("SELECT \"open FROM t").has_value());
  EXPECT_FALSE(ShapeOf("SELECT a FROM t WHERE 10AND b").has_value());
  EXPECT_FALSE(ShapeOf("SELECT 2mass_id FROM t").has_value());
  EXPECT_FALSE(ShapeOf("SELECT 1e+ FROM t").has_value());
  EXPECT_FALSE(ShapeOf("SELECT \x01i FROM t").has_value());
}

TEST(QueryShapeTest, SameKeyOnlyForTheSameTokensButLiterals) {
  EXPECT_EQ(ShapeOf("SELECT * FROM t WHERE x = 1")->key,
            ShapeOf("SELECT * FROM t WHERE x = 12345")->key);
  EXPECT_NE(ShapeOf("SELECT * FROM t WHERE x = 1")->key,
            ShapeOf("SELECT * FROM t WHERE x = 1.0")->key);
  EXPECT_NE(ShapeOf("SELECT TOP 1 * FROM t")->key, ShapeOf("SELECT TOP 2 * FROM t")->key);
  EXPECT_NE(ShapeOf("SELECT * FROM t WHERE x = 1")->key,
            ShapeOf("SELECT * FROM t WHERE x = -1")->key);
}

std::string Cone(double ra, double dec, double r) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "SELECT objectId, 'tag' AS t FROM cat.Object WHERE CONTAINS(POINT('ICRS', "
                "coord_ra, coord_dec), CIRCLE('ICRS', %.9g, %.9g, %.9g)) = 1 AND mag < %d",
                ra, dec, r, static_cast<int>(ra) % 30);
  return buf;
}

TEST(ParseCacheTest, ServesEachQueryAsTheParserWould) {
  ParseCache cache;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int i = 0; i < 50; ++i) {
    const std::string q = Cone(u(rng) * 360, u(rng) * 80, u(rng));
    auto served = cache.Parse(q, ParseOptions{});
    ASSERT_TRUE(served.ok()) << served.status().ToString();
    auto fresh = Parse(q);
    ASSERT_TRUE(fresh.ok());
    EXPECT_TRUE(ast::Equal(served->query(), *fresh->query)) << ast::ToAdql(served->query()) << "\n"
                                                            << q;
  }
  EXPECT_EQ(cache.stats().misses, 1U);
  EXPECT_EQ(cache.stats().hits, 49U);
}

TEST(ParseCacheTest, ShapesItCannotCacheAreParsedEveryTime) {
  ParseCache cache;
  // Adjacent string literals are one literal to the parser, two to the scan.
  for (const char* q : {"SELECT 'a' 'b' AS s FROM t", "SELECT 'c' 'd' AS s FROM t"}) {
    auto served = cache.Parse(q, ParseOptions{});
    ASSERT_TRUE(served.ok());
    EXPECT_TRUE(ast::Equal(served->query(), *Parse(q)->query));
  }
  EXPECT_EQ(cache.stats().hits, 0U);
  EXPECT_EQ(cache.stats().misses, 1U);
  EXPECT_EQ(cache.stats().uncacheable, 1U);
  // So are texts without a shape, and syntax errors stay the parser's.
  SyntaxErrorInfo info;
  auto bad = cache.Parse("SELECT a FROM t WHERE 10AND b", ParseOptions{}, &info);
  EXPECT_EQ(bad.status().code(), StatusCode::kSyntaxError);
  EXPECT_EQ(info.column, 23);
  auto bad2 = cache.Parse("SELECT a FROM t WHERE x = 1 +", ParseOptions{}, &info);
  EXPECT_EQ(bad2.status().code(), StatusCode::kSyntaxError);
}

TEST(ParseCacheTest, ConcurrentQueriesOfOneShapeEachGetTheirOwnTree) {
  ParseCache cache(/*max_shapes=*/4, /*trees_per_shape=*/2);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t));
      std::uniform_real_distribution<double> u(0.0, 1.0);
      for (int i = 0; i < 200; ++i) {
        // Two shapes of the same query, and a third one now and then that evicts nothing.
        const std::string q = Cone(u(rng) * 360, (i % 2 == 0 ? 1 : -1) * u(rng) * 80, u(rng));
        auto served = cache.Parse(q, ParseOptions{});
        if (!served.ok()) {
          ++failures[t];
          continue;
        }
        const std::string printed = ast::ToAdql(served->query());
        std::this_thread::yield();  // hold the tree while others run
        if (printed != ast::ToAdql(served->query()) ||
            !ast::Equal(served->query(), *Parse(q)->query)) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
  EXPECT_GT(cache.stats().hits, 400U);
}

TEST(ParseCacheTest, LongQueriesAreNotKept) {
  ParseCache cache;
  std::string q = "SELECT a FROM t WHERE x = 1";
  std::string pad = " --" + std::string(ParseCache::kMaxCachedQueryBytes, 'x') + "\n";
  q.insert(8, pad);  // a long comment after "SELECT a"
  for (int i = 0; i < 2; ++i) {
    auto served = cache.Parse(q, ParseOptions{});
    ASSERT_TRUE(served.ok()) << served.status().ToString();
    EXPECT_TRUE(ast::Equal(served->query(), *Parse(q)->query));
  }
  EXPECT_EQ(cache.stats().hits, 0U);
  EXPECT_EQ(cache.stats().uncacheable, 2U);
}

TEST(ParseCacheTest, EvictsTheLeastRecentlyUsedShape) {
  ParseCache cache(/*max_shapes=*/2, /*trees_per_shape=*/1);
  const std::vector<std::string> shapes = {
      "SELECT a FROM t WHERE x = 1", "SELECT a FROM t WHERE y = 1", "SELECT a FROM t WHERE z = 1"};
  for (int round = 0; round < 3; ++round) {
    for (const std::string& q : shapes) {
      auto served = cache.Parse(q, ParseOptions{});
      ASSERT_TRUE(served.ok());
      EXPECT_TRUE(ast::Equal(served->query(), *Parse(q)->query));
    }
  }
  // Three shapes round-robin through two places: every query is a miss.
  EXPECT_EQ(cache.stats().hits, 0U);
  EXPECT_EQ(cache.stats().misses, 9U);
  auto again = cache.Parse("SELECT a FROM t WHERE z = 2", ParseOptions{});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(cache.stats().hits, 1U);
}

TEST(ParseCacheTest, TheCorpusHelperFindsAWrongTree) {
  // The helper must be able to fail: a variant with another shape is reported.
  testing::CacheCheck outcome;
  EXPECT_EQ(testing::CheckParseCache("SELECT a FROM t WHERE x = 1", ParseOptions{}, &outcome), "");
  EXPECT_EQ(outcome, testing::CacheCheck::kChecked);
  EXPECT_EQ(testing::CheckParseCache("SELECT a FROM t", ParseOptions{}, &outcome), "");
  EXPECT_EQ(outcome, testing::CacheCheck::kNotCacheable);
}

// Through the engine: a query whose tree comes from a template of a text with literals of other
// lengths still gets its binding error at its own line and column.
class ParseCacheEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = skyshard::testing::TempDir("parse-cache-src");
    data_ = skyshard::testing::TempDir("parse-cache-data");
    auto release = skyshard::testing::MakeTestRelease(src_, 200, 2, 5, 1);
    auto store = skyshard::testing::LoadAndOpen(release.manifest, data_, 64ull << 20);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto engine = QueryEngine::Open(std::shared_ptr<const Store>(std::move(store).value()));
    ASSERT_TRUE(engine.ok());
    engine_ = std::move(engine).value();
  }
  void TearDown() override {
    engine_.reset();
    std::filesystem::remove_all(src_);
    std::filesystem::remove_all(data_);
  }

  Status Check(const std::string& adql, SyntaxErrorInfo* info) {
    QueryRequest request;
    request.adql = adql;
    return engine_->Check(request, info);
  }

  std::string src_, data_;
  std::unique_ptr<QueryEngine> engine_;
};

TEST_F(ParseCacheEngineTest, BindErrorsOfCachedTreesAreReportedWhereTheyAre) {
  SyntaxErrorInfo info;
  ASSERT_TRUE(Check("SELECT objectId, 1 AS a FROM Obj WHERE objectId = 1", &info).ok());
  // Same shape, a longer first literal, and an integer too large for BIGINT.
  const std::string bad =
      "SELECT objectId, 123456 AS a FROM Obj WHERE objectId = "
      "99999999999999999999999";
  Status s = Check(bad, &info);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(info.line, 1);
  EXPECT_EQ(info.column, static_cast<int>(bad.find("9999")) + 1) << s.ToString();
  EXPECT_EQ(engine_->parse_cache_stats().hits, 1U);
}

}  // namespace
}  // namespace skyshard::adql
