// The ADQL parser's error messages (position, caret, expected tokens, hand-written hints), its
// limits (size, nesting depth), the language features the IVOA corpus does not cover, and its
// robustness against garbage.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "adql/parser/parser.h"

namespace skyshard::adql {
namespace {

// The message of a failed parse ("" when it parsed).
std::string ErrorOf(std::string_view adql, SyntaxErrorInfo* info = nullptr,
                    const ParseOptions& options = {}) {
  Result<ParseResult> result = Parse(adql, options, info);
  return result.ok() ? std::string() : result.status().message();
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(AdqlErrorTest, MessageHasLineColumnExpectedAndCaret) {
  SyntaxErrorInfo info;
  std::string message = ErrorOf("SELECT a\nFROM t\nWHERE x = ", &info);
  EXPECT_EQ(message,
            "line 3, column 10: unexpected end of query, expected an expression\n"
            "WHERE x = \n"
            "         ^");
  EXPECT_EQ(info.line, 3);
  EXPECT_EQ(info.column, 10);
  EXPECT_EQ(info.message, "unexpected end of query");
  EXPECT_EQ(info.expected, "an expression");
}

TEST(AdqlErrorTest, CaretSpansTheOffendingTokenAndKeepsTabs) {
  SyntaxErrorInfo info;
  std::string message = ErrorOf("SELECT a\n\tFROM t WHERE a = 1 ORDER x", &info);
  EXPECT_EQ(info.line, 2);
  EXPECT_EQ(info.column, 27);
  EXPECT_EQ(info.expected, "BY");
  EXPECT_NE(message.find("\n\tFROM t WHERE a = 1 ORDER x\n\t                         ^"),
            std::string::npos)
      << message;
}

TEST(AdqlErrorTest, EndOfInputPointsAfterTheLastTokenNotAtTrailingComments) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT a FROM t WHERE\n-- a comment\n\n", &info);
  EXPECT_EQ(info.line, 1);
  EXPECT_EQ(info.column, 22);
  EXPECT_EQ(info.expected, "a condition");
}

TEST(AdqlErrorTest, EmptyQuery) {
  SyntaxErrorInfo info;
  std::string message = ErrorOf("  -- nothing\n", &info);
  EXPECT_EQ(info.line, 1);
  EXPECT_EQ(info.column, 1);
  EXPECT_EQ(info.message, "unexpected end of query");
  EXPECT_EQ(info.expected, "SELECT, WITH or '('");
}

TEST(AdqlErrorTest, LimitInsteadOfTop) {
  SyntaxErrorInfo info;
  std::string message = ErrorOf("SELECT * FROM t LIMIT 10", &info);
  EXPECT_EQ(info.column, 17);
  EXPECT_EQ(info.hint, "ADQL has no LIMIT; write SELECT TOP n ...");
  EXPECT_NE(message.find("\n                ^^^^^"), std::string::npos) << message;
  ErrorOf("select * from t where x > 1 limit 5", &info);
  EXPECT_EQ(info.column, 29);
  EXPECT_EQ(info.hint, "ADQL has no LIMIT; write SELECT TOP n ...");
}

TEST(AdqlErrorTest, MissingFrom) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT a, b WHERE a > 1", &info);
  EXPECT_EQ(info.column, 13);
  EXPECT_EQ(info.message, "missing FROM clause");
  ErrorOf("SELECT a, b", &info);
  EXPECT_EQ(info.message, "missing FROM clause");
  EXPECT_EQ(info.column, 12);
}

TEST(AdqlErrorTest, StringsInDoubleQuotes) {
  const std::string kHint = "strings are in single quotes; double quotes delimit identifiers";
  SyntaxErrorInfo info;
  ErrorOf("SELECT IN_UNIT(x, \"deg\") FROM t", &info);
  EXPECT_EQ(info.column, 19);
  EXPECT_EQ(info.hint, kHint);
  ErrorOf("SELECT * FROM t WHERE 1 = CONTAINS(POINT(\"ICRS\", ra, dec), c)", &info);
  EXPECT_EQ(info.column, 42);
  EXPECT_EQ(info.hint, kHint);
  ErrorOf("SELECT * FROM t WHERE name = \"M31", &info);
  EXPECT_EQ(info.message, "unterminated delimited identifier: the closing \" is missing");
  EXPECT_EQ(info.column, 30);
  EXPECT_EQ(info.hint, kHint);
}

TEST(AdqlErrorTest, UnbalancedParentheses) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT a FROM t WHERE (a > 1 AND (b < 2)", &info);
  EXPECT_EQ(info.message, "unbalanced parentheses");
  EXPECT_EQ(info.hint, "this '(' is never closed");
  EXPECT_EQ(info.column, 23);
  ErrorOf("SELECT a) FROM t", &info);
  EXPECT_EQ(info.hint, "this ')' has no matching '('");
  EXPECT_EQ(info.column, 9);
}

TEST(AdqlErrorTest, TrailingGarbage) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT a FROM t x y", &info);
  EXPECT_EQ(info.column, 19);
  EXPECT_EQ(info.message, "unexpected 'y'");
  EXPECT_EQ(info.hint, "the query is complete before this point; remove the trailing text");
  ErrorOf("SELECT a FROM t;", &info);
  EXPECT_EQ(info.column, 16);
  EXPECT_EQ(info.hint, "ADQL has no statement separator; remove the ';'");
}

TEST(AdqlErrorTest, ReservedWordsAsNames) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT distance FROM stars", &info);
  EXPECT_EQ(info.column, 8);
  EXPECT_EQ(info.hint,
            "DISTANCE is an ADQL function; to use it as a name, write it in double quotes: "
            "\"distance\"");
  ErrorOf("SELECT * FROM table", &info);
  EXPECT_EQ(info.column, 15);
  EXPECT_NE(info.hint.find("TABLE is a reserved word"), std::string::npos) << info.hint;
  EXPECT_TRUE(CheckSyntax("SELECT \"distance\", \"table\".\"select\" FROM \"table\"").ok());
}

TEST(AdqlErrorTest, LexicalErrors) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT 'abc FROM t", &info);
  EXPECT_EQ(info.message, "unterminated string: the closing ' is missing");
  EXPECT_EQ(info.column, 8);
  ErrorOf("SELECT a FROM t WHERE a = 1 # 2", &info);
  EXPECT_EQ(info.message, "unexpected character '#'");
  EXPECT_EQ(info.column, 29);
  ErrorOf("SELECT _a FROM t", &info);
  EXPECT_EQ(info.column, 8);
  EXPECT_NE(info.hint.find("a name starts with a letter"), std::string::npos);
}

TEST(AdqlErrorTest, InvalidUtf8IsRefusedWithAPosition) {
  SyntaxErrorInfo info;
  Status status = CheckSyntax("SELECT a FROM t\nWHERE b = '\xC3\x28'");
  EXPECT_EQ(status.code(), StatusCode::kSyntaxError);
  ErrorOf("SELECT a FROM t\nWHERE b = '\xC3\x28'", &info);
  EXPECT_EQ(info.message, "the query is not valid UTF-8");
  EXPECT_EQ(info.line, 2);
  EXPECT_EQ(info.column, 12);
  // Valid UTF-8 outside ASCII is fine in strings and delimited identifiers; columns count
  // characters, not bytes.
  EXPECT_TRUE(CheckSyntax("SELECT \"Δ ra\" FROM t WHERE n = 'Ångström'").ok());
  ErrorOf("SELECT 'é' é FROM t", &info);
  EXPECT_EQ(info.column, 12);
}

TEST(AdqlErrorTest, SemanticFormsOfGeometryArguments) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT CIRCLE('ICRS', 1, 2) FROM t", &info);
  EXPECT_EQ(info.column, 23);
  ErrorOf("SELECT POINT(1, 2, 3) FROM t", &info);
  EXPECT_EQ(info.column, 14);
  EXPECT_NE(info.message.find("coordinate system"), std::string::npos);
  ErrorOf("SELECT DISTANCE(1, 2) FROM t", &info);
  EXPECT_EQ(info.column, 17);
  ErrorOf("SELECT * FROM t WHERE 1 = CONTAINS(POINT(1, 2), 'circle')", &info);
  EXPECT_EQ(info.column, 49);
  ErrorOf("SELECT POLYGON(POINT(1, 2), 3, 4, POINT(5, 6)) FROM t", &info);
  EXPECT_EQ(info.message, "POLYGON mixes coordinates and points");
}

TEST(AdqlErrorTest, UnknownFunctionsWhenTheKnownAreListed) {
  ParseOptions options;
  options.known_functions = std::vector<std::string>{"ivo_healpix_index"};
  SyntaxErrorInfo info;
  ErrorOf("SELECT IVO_HEALPIX_INDEX(6, ra, dec), foo(ra) FROM t", &info, options);
  EXPECT_EQ(info.message, "unknown function 'foo'");
  EXPECT_EQ(info.column, 39);
  EXPECT_TRUE(CheckSyntax("SELECT foo(ra) FROM t").ok());
}

TEST(AdqlLimitTest, NestingDepth) {
  const std::string ok = "SELECT " + Repeat("(", 199) + "1" + Repeat(")", 199) + " FROM t";
  EXPECT_TRUE(CheckSyntax(ok).ok()) << CheckSyntax(ok).ToString();
  const std::string deep = "SELECT " + Repeat("(", 201) + "1" + Repeat(")", 201) + " FROM t";
  SyntaxErrorInfo info;
  Result<ParseResult> result = Parse(deep, {}, &info);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(info.column, 208);  // the 201st '('
  EXPECT_EQ(info.message, "the query nests too deeply");
  // Conditions, subqueries and CASE count too.
  std::string conditions = "SELECT a FROM t WHERE " + Repeat("(", 150) + "a = 1" + Repeat(")", 150);
  EXPECT_TRUE(CheckSyntax(conditions).ok());
  std::string subqueries = "SELECT a FROM t WHERE a IN " +
                           Repeat("(SELECT a FROM t WHERE a IN ", 220) + "(1)" + Repeat(")", 220);
  EXPECT_EQ(CheckSyntax(subqueries).code(), StatusCode::kLimitExceeded);
  std::string cases =
      "SELECT " + Repeat("CASE WHEN a = 1 THEN ", 250) + "1" + Repeat(" END", 250) + " FROM t";
  EXPECT_EQ(CheckSyntax(cases).code(), StatusCode::kLimitExceeded);
  ParseOptions shallow;
  shallow.max_nesting_depth = 3;
  EXPECT_TRUE(CheckSyntax("SELECT f(g(h(1))) FROM t", shallow).ok());
  EXPECT_EQ(CheckSyntax("SELECT f(g(h(i(1)))) FROM t", shallow).code(), StatusCode::kLimitExceeded);
}

TEST(AdqlLimitTest, HugeInputsAreRefusedOrParsedQuickly) {
  auto start = std::chrono::steady_clock::now();
  // A million '(' is refused by the nesting scan, not by the stack.
  EXPECT_EQ(CheckSyntax("SELECT " + Repeat("(", 1000000)).code(), StatusCode::kLimitExceeded);
  // Long operator chains make wide trees, not deep ones.
  std::string sum = "SELECT 1" + Repeat(" + a", 20000) + " FROM t";
  EXPECT_TRUE(CheckSyntax(sum).ok());
  std::string ands = "SELECT a FROM t WHERE a = 1" + Repeat(" AND a = 1", 10000);
  EXPECT_TRUE(CheckSyntax(ands).ok());
  // Stacked prefix operators are not ADQL and fail at once.
  EXPECT_EQ(CheckSyntax("SELECT a FROM t WHERE " + Repeat("NOT ", 100000) + "a = 1").code(),
            StatusCode::kSyntaxError);
  ParseOptions small;
  small.max_query_bytes = 100;
  EXPECT_EQ(CheckSyntax("SELECT a FROM t WHERE a IN (" + Repeat("1, ", 50) + "1)", small).code(),
            StatusCode::kLimitExceeded);
  EXPECT_EQ(CheckSyntax(Repeat("x", (1 << 20) + 1)).code(), StatusCode::kLimitExceeded);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 10.0);
}

// Language features the IVOA corpus does not exercise.
TEST(AdqlFeatureTest, AcceptsTheWholeLanguage) {
  // Long queries are split over adjacent literals on purpose.
  // NOLINTBEGIN(bugprone-suspicious-missing-comma)
  const char* kValid[] = {
      "sElEcT a FrOm t",
      "SELECT \"Mixed Case\", \"with \"\"quotes\"\"\" FROM \"My Table\"",
      "SELECT c.s.t.col, s.t.col FROM c.s.t",
      "SELECT 1, 1.5, .5, 1., 1e3, 1.5E-3, 0x1F, 'it''s', 'con' 'tinued' FROM t",
      "SELECT a -- comment\nFROM t -- another",
      "SELECT a\r\nFROM\tt\f",
      "SELECT ALL TOP 5 a AS x, b y, t.* FROM t",
      "SELECT * FROM a CROSS JOIN b NATURAL LEFT OUTER JOIN c RIGHT JOIN d ON a.x = d.x",
      "SELECT * FROM a NATURAL JOIN b FULL JOIN c USING (x, y) INNER JOIN d ON (c.x = d.x)",
      "SELECT * FROM (a JOIN b ON a.x = b.x), c",
      "SELECT * FROM t WHERE a NOT BETWEEN 1 AND 2 OR NOT (b <> 3 AND c != 4)",
      "SELECT * FROM t WHERE name LIKE 'a!%%' ESCAPE '!' AND n NOT ILIKE 'X%'",
      "SELECT * FROM t WHERE a IN (1, 2, 3) AND b NOT IN (SELECT b FROM u)",
      "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id) AND x IS NOT NULL",
      "SELECT * FROM t WHERE NOT EXISTS (SELECT * FROM u) AND y IS NULL",
      "SELECT a, (SELECT MAX(b) FROM u WHERE u.a = t.a) AS m FROM t",
      "SELECT a, COUNT(*), COUNT(DISTINCT b), COUNT(ALL c), SUM(d), AVG(e), MIN(f), MAX(g) "
      "FROM t GROUP BY a HAVING COUNT(*) > 1 ORDER BY 2 DESC, a ASC OFFSET 10",
      "SELECT a FROM t UNION ALL SELECT a FROM u EXCEPT ALL SELECT a FROM v "
      "INTERSECT ALL SELECT a FROM w ORDER BY a",
      "WITH x (a, b) AS (SELECT a, b FROM t), y AS (SELECT * FROM x) SELECT * FROM y",
      "SELECT CAST(a AS DOUBLE PRECISION), CAST(b AS CHAR(3)), COALESCE(a, b, 0) FROM t",
      "SELECT CASE WHEN a > 0 THEN 'p' WHEN a < 0 THEN 'n' ELSE 'z' END FROM t",
      "SELECT CASE a WHEN 1 THEN 'one' END, LOWER(s) || UPPER(s), IN_UNIT(d, 'km') FROM t",
      "SELECT ABS(a), CEILING(a), DEGREES(a), EXP(a), FLOOR(a), LOG(a), LOG10(a), MOD(a, 2), "
      "PI(), POWER(a, 2), RADIANS(a), RAND(), RAND(1), ROUND(a), ROUND(a, 2), SQRT(a), "
      "TRUNCATE(a), TRUNCATE(a, -1) FROM t",
      "SELECT ACOS(a), ASIN(a), ATAN(a), ATAN2(a, b), COS(a), COT(a), SIN(a), TAN(a) FROM t",
      "SELECT a & b, a | b, a ^ b, ~a, -a * +b / 2 FROM t",
      "SELECT DISTANCE(1, 2, 3, 4), DISTANCE(POINT(1, 2), p), AREA(BOX('', 1, 2, 3, 4)), "
      "BOX(p, 1, 2), BOX(1, 2, 3, 4), CIRCLE(p, 1), CIRCLE(1, 2, 3), "
      "POLYGON(POINT(0, 0), POINT(1, 0), p), COORD1(p), COORD2(POINT(1, 2)), COORDSYS(c) "
      "FROM t",
      "SELECT * FROM t WHERE 1 = INTERSECTS(REGION('circle ICRS 1 2 3'), s_region)",
      "SELECT ivo_healpix_index(10, ra, dec), scisql_s2PtInCircle(ra, dec, 1, 2, 3) FROM t "
      "WHERE scisql_s2PtInCircle(ra, dec, 1, 2, 3) = 1 AND ivo_nofunc() IS NULL",
  };
  // NOLINTEND(bugprone-suspicious-missing-comma)
  for (const char* adql : kValid) {
    Status status = CheckSyntax(adql);
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
}

TEST(AdqlFeatureTest, RejectsWhatIsNotAdql) {
  const char* kInvalid[] = {
      "SELECT - -1 FROM t",                                // one sign at most
      "SELECT * FROM (SELECT a FROM t)",                   // a derived table needs an alias
      "SELECT a FROM t ORDER BY a UNION SELECT a FROM u",  // ORDER BY ends the expression
      "SELECT a FROM t WHERE a",                           // a value is not a condition
      "SELECT TOP 1.5 a FROM t",
      "SELECT a FROM t GROUP a",
      "SELECT a FROM t JOIN u",  // no join condition
      "SELECT a FROM t NATURAL JOIN u ON t.a = u.a",
      "SELECT * FROM t WHERE REGION(s) = 1",  // REGION takes a literal
      "SELECT CASE WHEN a THEN 1 END FROM t",
      "SELECT CAST(a AS VARCHAR(n)) FROM t",
      "SELECT \"\" FROM t",  // empty delimited identifier
      "SELECT a FROM t WHERE a = /* no block comments */ 1",
      "SELECT COUNT(*, a) FROM t",
      "SELECT t.*.x FROM t",
      "SELECT a FROM s.\"t\"(1)",
  };
  for (const char* adql : kInvalid) {
    Result<ParseResult> result = Parse(adql);
    EXPECT_FALSE(result.ok()) << adql;
    if (!result.ok()) {
      EXPECT_EQ(result.status().code(), StatusCode::kSyntaxError) << adql;
    }
  }
}

TEST(AdqlFeatureTest, ReportsUserDefinedFunctions) {
  Result<ParseResult> result = Parse(
      "SELECT ivo_healpix_index(6, ra, dec), IVO_HEALPIX_INDEX(7, ra, dec) FROM t "
      "WHERE scisql_s2PtInCircle(ra, dec, 1, 2, 3) = 1");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->user_defined_functions,
            (std::vector<std::string>{"ivo_healpix_index", "scisql_s2PtInCircle"}));
}

// Random bytes and random token soup: every outcome is a parse or a positioned error.
TEST(AdqlRobustnessTest, GarbageNeverCrashes) {
  std::mt19937 rng(20240611);
  const std::vector<std::string> kPieces = {
      "SELECT", "FROM",    "WHERE",  "(",    ")",     ",",   "'s'",   "\"q\"", "1",   "2.5e3",
      "a",      "t.*",     "*",      "+",    "-",     "||",  "=",     "<",     "AND", "OR",
      "NOT",    "IN",      "CASE",   "WHEN", "THEN",  "END", "JOIN",  "ON",    "AS",  "UNION",
      "WITH",   "POINT",   "CIRCLE", "TOP",  "--",    "\n",  "'",     "\"",    ";",   "_",
      "CAST",   "BETWEEN", "IS",     "NULL", "ORDER", "BY",  "GROUP", "COUNT", "x(",  "\t"};
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3000; ++i) {
    std::string query;
    int length = static_cast<int>(rng() % 40);
    if (i % 3 == 0) {
      for (int k = 0; k < length; ++k) query += static_cast<char>(rng() % 256);
    } else {
      for (int k = 0; k < length; ++k) query += kPieces[rng() % kPieces.size()] + " ";
    }
    SyntaxErrorInfo info;
    Result<ParseResult> result = Parse(query, {}, &info);
    if (result.ok()) continue;
    StatusCode code = result.status().code();
    ASSERT_TRUE(code == StatusCode::kSyntaxError || code == StatusCode::kLimitExceeded)
        << result.status().ToString() << "\nquery: " << query;
    EXPECT_GE(info.line, 1) << query;
    EXPECT_GE(info.column, 1) << query;
    EXPECT_EQ(result.status().message().rfind("line ", 0), 0U) << query;
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 20.0);
}

TEST(AdqlErrorTest, NumberRunIntoLettersIsOneErrorAtItsStart) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT 2mass_id FROM t", &info);
  EXPECT_EQ(info.column, 8);
  EXPECT_EQ(info.message, "malformed number '2mass_id'");
  EXPECT_EQ(info.hint, "a name cannot start with a digit; delimit it: \"2mass_id\"");
  for (const char* query : {"SELECT 0x FROM t", "SELECT 1e+ FROM t", "SELECT 1.5e FROM t",
                            "SELECT a FROM t WHERE a = 1AND b = 2"}) {
    ErrorOf(query, &info);
    EXPECT_EQ(info.message.rfind("malformed number '", 0), 0u) << query;
    EXPECT_EQ(info.hint.find("a name cannot"), std::string::npos) << query;
  }
  // The numbers themselves still lex as numbers.
  EXPECT_EQ(ErrorOf("SELECT 1e5, 1E+5, 1.5e-3, .5, 5., 0x1F, 0XaB, 10 FROM t"), "");
}

TEST(AdqlErrorTest, TooManyNamePartsAreAnErrorAtTheExtraPart) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT a.b.c.d.e FROM t", &info);
  EXPECT_EQ(info.column, 16);
  EXPECT_NE(info.hint.find("at most four parts"), std::string::npos);
  ErrorOf("SELECT * FROM a.b.c.d", &info);
  EXPECT_EQ(info.column, 21);
  EXPECT_NE(info.hint.find("at most three parts"), std::string::npos);
  ErrorOf("SELECT a.b.c.d.* FROM t", &info);
  EXPECT_EQ(info.column, 14);
  EXPECT_EQ(ErrorOf("SELECT a.b.c.d, a.b.c.* FROM a.b.c"), "");
}

TEST(AdqlErrorTest, MissingParenthesisAfterAKeywordThatIsNoFunction) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT * FROM t JOIN u USING a", &info);
  EXPECT_EQ(info.column, 30);
  EXPECT_EQ(info.expected, "'('");
  EXPECT_EQ(info.hint.find("ADQL function"), std::string::npos);
  ErrorOf("WITH x AS SELECT a FROM t SELECT * FROM x", &info);
  EXPECT_EQ(info.column, 11);
  EXPECT_EQ(info.hint.find("ADQL function"), std::string::npos);
  ErrorOf("SELECT count FROM t", &info);
  EXPECT_EQ(info.column, 8);
  EXPECT_NE(info.hint.find("COUNT is an ADQL function"), std::string::npos);
}

TEST(AdqlErrorTest, EmptyDelimitedIdentifier) {
  SyntaxErrorInfo info;
  ErrorOf("SELECT \"\" FROM t", &info);
  EXPECT_EQ(info.column, 8);
  EXPECT_EQ(info.message, "empty delimited identifier");
  EXPECT_EQ(ErrorOf("SELECT \"\"\"\", \"a\"\"b\" FROM t"), "");
}

}  // namespace
}  // namespace skyshard::adql
