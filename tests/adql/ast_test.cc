// The syntax tree (adql/ast/) built by the parser and printed back to ADQL:
//  - parse -> print -> parse gives an equal tree, and printing is a fixed point, for every valid
//    query of the IVOA corpus (../shared/adql-corpus/ivoa/*.xml) and for the features the
//    corpus does not exercise;
//  - the tree has the shape the ADQL text says (expected shapes written by hand, as compact
//    S-expressions of a dump written here, independent of the printer);
//  - nodes know where their text starts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "adql/ast/equality.h"
#include "adql/ast/printer.h"
#include "adql/parser/parser.h"

namespace skyshard::adql {
namespace {

const char kCorpusDir[] = SKYSHARD_SOURCE_DIR "/../shared/adql-corpus/ivoa";

// The valid queries of the corpus (as in grammar_test.cc).
std::vector<std::string> LoadValidCorpusQueries() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpusDir)) {
    if (entry.path().extension() == ".xml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> queries;
  for (const auto& path : files) {
    pugi::xml_document doc;
    pugi::xml_parse_result loaded = doc.load_file(path.c_str());
    EXPECT_TRUE(loaded) << path << ": " << loaded.description();
    for (pugi::xml_node query : doc.child("queries").children("query")) {
      pugi::xml_node adql = query.child("adql");
      if (std::string(adql.attribute("valid").as_string("false")) == "true") {
        queries.emplace_back(adql.text().as_string());
      }
    }
  }
  return queries;
}

// ---- A compact dump of the tree, for shape tests -----------------------------------------

std::string Dump(const ast::Query& query);
std::string Dump(const ast::Expression& e);
std::string Dump(const ast::TableRef& table);

std::string Dump(const ast::Identifier& identifier) {
  return identifier.delimited ? "\"" + identifier.name + "\"" : identifier.name;
}

std::string Dump(const ast::QualifiedName& name) {
  std::string out;
  for (const ast::Identifier& part : name) out += (out.empty() ? "" : ".") + Dump(part);
  return out;
}

template <typename T>
std::string DumpList(const std::vector<T>& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += " ";
    if constexpr (std::is_same_v<T, ast::Identifier>) {
      out += Dump(item);
    } else {
      out += Dump(*item);
    }
  }
  return out;
}

std::string Dump(const ast::Expression& e) {
  switch (e.kind()) {
    case ast::ExpressionKind::kLiteral: {
      const auto& literal = e.As<ast::Literal>();
      if (literal.literal_kind == ast::LiteralKind::kNull) return "NULL";
      if (literal.literal_kind == ast::LiteralKind::kString) return "'" + literal.text + "'";
      return literal.text;
    }
    case ast::ExpressionKind::kColumnRef:
      return Dump(e.As<ast::ColumnRef>().name);
    case ast::ExpressionKind::kUnary: {
      const auto& unary = e.As<ast::Unary>();
      const char* op[] = {"+", "-", "~", "NOT"};
      return std::string("(") + op[static_cast<int>(unary.op)] + " " + Dump(*unary.operand) + ")";
    }
    case ast::ExpressionKind::kBinary: {
      const auto& binary = e.As<ast::Binary>();
      std::string out = "(" + Dump(*binary.operands[0]);
      for (size_t i = 0; i < binary.operators.size(); ++i) {
        out += " " + std::string(ast::Spelling(binary.operators[i])) + " " +
               Dump(*binary.operands[i + 1]);
      }
      return out + ")";
    }
    case ast::ExpressionKind::kBetween: {
      const auto& between = e.As<ast::Between>();
      return std::string(between.negated ? "(NOT-BETWEEN " : "(BETWEEN ") + Dump(*between.operand) +
             " " + Dump(*between.low) + " " + Dump(*between.high) + ")";
    }
    case ast::ExpressionKind::kLike: {
      const auto& like = e.As<ast::Like>();
      std::string out = std::string("(") + (like.negated ? "NOT-" : "") +
                        (like.case_insensitive ? "ILIKE " : "LIKE ") + Dump(*like.operand) + " " +
                        Dump(*like.pattern);
      if (like.escape != nullptr) out += " ESCAPE " + Dump(*like.escape);
      return out + ")";
    }
    case ast::ExpressionKind::kIn: {
      const auto& in = e.As<ast::In>();
      std::string out = std::string(in.negated ? "(NOT-IN " : "(IN ") + Dump(*in.operand) + " ";
      out += in.subquery != nullptr ? Dump(*in.subquery) : "[" + DumpList(in.list) + "]";
      return out + ")";
    }
    case ast::ExpressionKind::kExists:
      return "(EXISTS " + Dump(*e.As<ast::Exists>().subquery) + ")";
    case ast::ExpressionKind::kIsNull: {
      const auto& is_null = e.As<ast::IsNull>();
      return std::string(is_null.negated ? "(IS-NOT-NULL " : "(IS-NULL ") + Dump(*is_null.operand) +
             ")";
    }
    case ast::ExpressionKind::kSubquery:
      return Dump(*e.As<ast::SubqueryExpression>().subquery);
    case ast::ExpressionKind::kCase: {
      const auto& c = e.As<ast::Case>();
      std::string out = "(CASE";
      if (c.operand != nullptr) out += " " + Dump(*c.operand);
      for (const auto& when : c.whens) {
        out += " (WHEN " + Dump(*when.condition) + " " + Dump(*when.result) + ")";
      }
      if (c.else_result != nullptr) out += " (ELSE " + Dump(*c.else_result) + ")";
      return out + ")";
    }
    case ast::ExpressionKind::kCast: {
      const auto& cast = e.As<ast::Cast>();
      std::string out = "(CAST " + Dump(*cast.operand) + " " + std::string(Spelling(cast.target));
      if (cast.length.has_value()) out += "/" + std::to_string(*cast.length);
      return out + ")";
    }
    case ast::ExpressionKind::kFunctionCall: {
      const auto& call = e.As<ast::FunctionCall>();
      std::string out = (call.user_defined ? "udf:" : "") + call.name + "[";
      if (call.distinct) out += "distinct ";
      if (call.count_star) out += "*";
      return out + DumpList(call.arguments) + "]";
    }
  }
  return "?";
}

std::string Dump(const ast::TableRef& table) {
  switch (table.kind()) {
    case ast::TableRefKind::kNamedTable: {
      const auto& named = table.As<ast::NamedTable>();
      return Dump(named.name) + (named.alias ? "=" + Dump(*named.alias) : "");
    }
    case ast::TableRefKind::kDerivedTable: {
      const auto& derived = table.As<ast::DerivedTable>();
      return Dump(*derived.query) + "=" + Dump(derived.alias);
    }
    case ast::TableRefKind::kJoin: {
      const auto& join = table.As<ast::Join>();
      const char* type[] = {"inner", "left", "right", "full", "cross"};
      std::string out = std::string("(") + (join.natural ? "natural-" : "") +
                        type[static_cast<int>(join.type)] + " " + Dump(*join.left) + " " +
                        Dump(*join.right);
      if (join.on != nullptr) out += " on " + Dump(*join.on);
      if (!join.using_columns.empty()) out += " using " + DumpList(join.using_columns);
      return out + ")";
    }
  }
  return "?";
}

std::string Dump(const ast::QueryBody& body) {
  switch (body.kind()) {
    case ast::QueryBodyKind::kSelect: {
      const auto& select = body.As<ast::Select>();
      std::string out = "(select";
      if (select.distinct) out += " distinct";
      if (select.top) out += " top " + std::to_string(*select.top);
      out += " [";
      for (size_t i = 0; i < select.items.size(); ++i) {
        const ast::SelectItem& item = select.items[i];
        if (i > 0) out += " ";
        if (item.kind == ast::SelectItemKind::kAll) out += "*";
        if (item.kind == ast::SelectItemKind::kAllOf) out += Dump(item.qualifier) + ".*";
        if (item.kind == ast::SelectItemKind::kExpression) out += Dump(*item.expression);
        if (item.alias) out += "=" + Dump(*item.alias);
      }
      out += "] from [" + DumpList(select.from) + "]";
      if (select.where != nullptr) out += " where " + Dump(*select.where);
      if (!select.group_by.empty()) out += " group [" + DumpList(select.group_by) + "]";
      if (select.having != nullptr) out += " having " + Dump(*select.having);
      return out + ")";
    }
    case ast::QueryBodyKind::kSetOperation: {
      const auto& set = body.As<ast::SetOperation>();
      std::string out = "(" + Dump(*set.operands[0]);
      const char* op[] = {"union", "except", "intersect"};
      for (size_t i = 0; i < set.steps.size(); ++i) {
        out += std::string(" ") + op[static_cast<int>(set.steps[i].op)] +
               (set.steps[i].all ? "-all " : " ") + Dump(*set.operands[i + 1]);
      }
      return out + ")";
    }
    case ast::QueryBodyKind::kNested:
      return Dump(*body.As<ast::NestedQuery>().query);
  }
  return "?";
}

// A query without WITH, ORDER BY or OFFSET dumps as its body; otherwise {with ...; body; ...}.
std::string Dump(const ast::Query& query) {
  if (query.with.empty() && query.order_by.empty() && !query.offset) {
    return "{" + Dump(*query.body) + "}";
  }
  std::string out = "{";
  for (const ast::CommonTableExpression& cte : query.with) {
    out += "with " + Dump(cte.name);
    if (!cte.columns.empty()) out += "(" + DumpList(cte.columns) + ")";
    out += "=" + Dump(*cte.query) + "; ";
  }
  out += Dump(*query.body);
  if (!query.order_by.empty()) {
    out += "; order";
    for (const ast::OrderItem& item : query.order_by) {
      out += " " + Dump(*item.expression) + (item.descending ? " desc" : "");
    }
  }
  if (query.offset) out += "; offset " + std::to_string(*query.offset);
  return out + "}";
}

// ---- Helpers --------------------------------------------------------------------------------

std::unique_ptr<ast::Query> ParseOrDie(const std::string& adql) {
  Result<ParseResult> result = Parse(adql);
  EXPECT_TRUE(result.ok()) << result.status().ToString() << "\nquery: " << adql;
  if (!result.ok()) return nullptr;
  EXPECT_NE(result->query, nullptr);
  return std::move(result->query);
}

std::string Shape(const std::string& adql) {
  std::unique_ptr<ast::Query> query = ParseOrDie(adql);
  return query == nullptr ? "<error>" : Dump(*query);
}

// parse -> print -> parse gives an equal tree, and printing is a fixed point. Returns false
// (after reporting) when either fails.
bool RoundTrips(const std::string& adql) {
  Result<ParseResult> first = Parse(adql);
  if (!first.ok()) {
    ADD_FAILURE() << "does not parse: " << first.status().ToString() << "\n" << adql;
    return false;
  }
  std::string printed = ast::ToAdql(*first->query);
  Result<ParseResult> second = Parse(printed);
  if (!second.ok()) {
    ADD_FAILURE() << "the printed query does not parse: " << second.status().ToString()
                  << "\noriginal: " << adql << "\nprinted:  " << printed;
    return false;
  }
  if (!ast::Equal(*first->query, *second->query)) {
    ADD_FAILURE() << "the printed query parses to another tree\noriginal: " << adql
                  << "\nprinted:  " << printed << "\nfirst:  " << Dump(*first->query)
                  << "\nsecond: " << Dump(*second->query);
    return false;
  }
  std::string reprinted = ast::ToAdql(*second->query);
  if (reprinted != printed) {
    ADD_FAILURE() << "printing is not a fixed point\nprinted:   " << printed
                  << "\nreprinted: " << reprinted;
    return false;
  }
  return true;
}

// ---- Round trips ------------------------------------------------------------------------------

TEST(AdqlAstRoundTripTest, EveryValidCorpusQuery) {
  std::vector<std::string> corpus = LoadValidCorpusQueries();
  ASSERT_GT(corpus.size(), 150U) << "corpus not found at " << kCorpusDir;
  int passed = 0;
  for (const std::string& adql : corpus) passed += RoundTrips(adql) ? 1 : 0;
  std::cout << "[ corpus   ] parse -> print -> parse: " << passed << " of " << corpus.size()
            << " valid IVOA corpus queries give an equal tree and a fixed point" << std::endl;
  EXPECT_EQ(passed, static_cast<int>(corpus.size()));
}

// Language features the corpus does not exercise, and printing traps (signs, quotes,
// parentheses that change the tree).
TEST(AdqlAstRoundTripTest, WholeLanguage) {
  // NOLINTBEGIN(bugprone-suspicious-missing-comma)
  const char* kQueries[] = {
      "sElEcT a FrOm t",
      "SELECT \"Mixed Case\", \"with \"\"quotes\"\"\" FROM \"My Table\"",
      "SELECT c.s.t.col, s.\"t\".col FROM c.s.t",
      "SELECT 1, 1.5, .5, 1., 1e3, 1.5E-3, 0x1F, 'it''s', 'con' 'tinued', '' FROM t",
      "SELECT ALL TOP 5 a AS x, b y, t.* FROM t",
      "SELECT DISTINCT * FROM t",
      "SELECT * FROM a CROSS JOIN b NATURAL LEFT OUTER JOIN c RIGHT JOIN d ON a.x = d.x",
      "SELECT * FROM a NATURAL JOIN b FULL JOIN c USING (x, y) INNER JOIN d ON (c.x = d.x)",
      "SELECT * FROM (a JOIN b ON a.x = b.x), c",
      "SELECT * FROM a JOIN (b JOIN c ON b.x = c.x) ON a.x = b.x",
      "SELECT * FROM (a JOIN b ON a.x = b.x) JOIN c ON a.x = c.x",
      "SELECT * FROM (SELECT a FROM t) AS d, (SELECT b FROM u) e",
      "SELECT * FROM t WHERE a NOT BETWEEN 1 AND 2 OR NOT (b <> 3 AND c != 4)",
      "SELECT * FROM t WHERE (a = 1 OR b = 2) AND c = 3",
      "SELECT * FROM t WHERE NOT (NOT a = 1)",
      "SELECT * FROM t WHERE name LIKE 'a!%%' ESCAPE '!' AND n NOT ILIKE 'X%'",
      "SELECT * FROM t WHERE a IN (1, 2, 3) AND b NOT IN (SELECT b FROM u)",
      "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id) AND x IS NOT NULL",
      "SELECT * FROM t WHERE NOT EXISTS (SELECT * FROM u) AND y IS NULL",
      "SELECT a, (SELECT MAX(b) FROM u WHERE u.a = t.a) AS m FROM t",
      "SELECT a - b + c, a - (b + c), (a - b) + c, a * (b + c), -a, - (a + b), -(-a), +1, ~a"
      " FROM t",
      "SELECT a - -1, a * -b, 2 - (-3), a || b || 'x', a & b | c ^ d, (a & b) | c FROM t",
      "SELECT (a + b) * c / d, a / (b / c), ((a)) FROM t WHERE (a + b) = c AND -a < +b",
      "SELECT CAST(a AS SMALLINT), CAST(a AS DOUBLE PRECISION), CAST(a AS CHAR(10)),"
      " CAST(a AS VARCHAR), CAST(a AS TIMESTAMP), CAST(p AS POINT) FROM t",
      "SELECT COALESCE(a, b, 0), CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END,"
      " CASE WHEN a > 1 AND b < 2 THEN 1 WHEN c IS NULL THEN NULL END FROM t",
      "SELECT COUNT(*), COUNT(DISTINCT a), SUM(ALL b), AVG(c), MIN(d), MAX(e) FROM t"
      " GROUP BY f, g HAVING COUNT(*) > 1 AND SUM(b) < 10",
      "SELECT ABS(a), CEILING(a), LOG10(a), POWER(a, 2), PI(), RAND(), RAND(1), ROUND(a),"
      " ROUND(a, 2), TRUNCATE(a, 1), ATAN2(a, b), LOWER(s), UPPER(s),"
      " IN_UNIT(a, 'deg' 'ree') FROM t",
      "SELECT POINT('ICRS', ra, dec), CIRCLE(POINT(1, 2), 0.5), BOX('', 1, 2, 3, 4),"
      " POLYGON(1, 2, 3, 4, 5, 6), REGION('Circle ICRS 1 2 3'), DISTANCE(p, q),"
      " DISTANCE(1, 2, 3, 4), AREA(c), CENTROID(c), COORD1(p), COORD2(p), COORDSYS(p) FROM t"
      " WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 20, 1)) = 1"
      " AND INTERSECTS(c, BOX(NULL, 1, 2, 3, 4)) = 0",
      "SELECT ivo_healpix_index(10, ra, dec), f(), g(1, 'x') FROM t",
      "WITH a AS (SELECT x FROM t), \"B\" (p, q) AS (SELECT 1, 2 FROM u ORDER BY 1)"
      " SELECT * FROM a, \"B\"",
      "SELECT a FROM t UNION SELECT b FROM u UNION ALL SELECT c FROM v EXCEPT SELECT d FROM w",
      "SELECT a FROM t UNION SELECT b FROM u INTERSECT ALL SELECT c FROM v",
      "(SELECT a FROM t UNION SELECT b FROM u) INTERSECT SELECT c FROM v",
      "(SELECT a FROM t ORDER BY a OFFSET 2) UNION (SELECT b FROM u) ORDER BY 1 DESC OFFSET 5",
      "(SELECT a FROM t)",
      "SELECT a FROM t ORDER BY a ASC, b DESC, a + b, 2 OFFSET 10",
      "SELECT TOP 99999999999999999999999 a FROM t OFFSET 99999999999999999999",
      "SELECT 'line\nbreak', \"tab\tname\" FROM t -- a comment\n WHERE a = 'x' 'y'",
      "SELECT * FROM t WHERE a = 1 OR b = 2 OR c = 3 AND d = 4 AND (e = 5 OR f = 6)",
      "SELECT * FROM t WHERE a || b LIKE 'x%' AND a + 1 BETWEEN b - 1 AND b * 2",
      "SELECT * FROM t WHERE a IN ((SELECT MAX(b) FROM u), 2)",
  };
  // NOLINTEND(bugprone-suspicious-missing-comma)
  for (const char* adql : kQueries) EXPECT_TRUE(RoundTrips(adql)) << adql;
}

// ---- Shapes -----------------------------------------------------------------------------------

TEST(AdqlAstShapeTest, SelectTopAndItems) {
  EXPECT_EQ(Shape("SELECT TOP 10 ra, dec AS d, t.*, * FROM cat.t AS x"),
            "{(select top 10 [ra dec=d t.* *] from [cat.t=x])}");
  EXPECT_EQ(Shape("SELECT DISTINCT \"Ra\" \"R\" FROM \"S\".t"),
            "{(select distinct [\"Ra\"=\"R\"] from [\"S\".t])}");
  EXPECT_EQ(Shape("SELECT ALL a FROM t WHERE a > 1 GROUP BY a HAVING COUNT(*) >= 2"),
            "{(select [a] from [t] where (a > 1) group [a] having (COUNT[*] >= 2))}");
}

TEST(AdqlAstShapeTest, Literals) {
  EXPECT_EQ(Shape("SELECT 42, 0x2A, 4.20, .5, 1e-3, 'it''s' ' ok', NULL FROM t"),
            "{(select [42 0x2A 4.20 .5 1e-3 'it's ok' NULL] from [t])}");
  std::unique_ptr<ast::Query> query = ParseOrDie("SELECT 0x1F, 2.5E3, 7., 'x' FROM t");
  ASSERT_NE(query, nullptr);
  const auto& items = query->body->As<ast::Select>().items;
  EXPECT_EQ(items[0].expression->As<ast::Literal>().literal_kind, ast::LiteralKind::kHexInteger);
  EXPECT_EQ(items[1].expression->As<ast::Literal>().literal_kind, ast::LiteralKind::kApproximate);
  EXPECT_EQ(items[2].expression->As<ast::Literal>().literal_kind, ast::LiteralKind::kExactDecimal);
  EXPECT_EQ(items[3].expression->As<ast::Literal>().literal_kind, ast::LiteralKind::kString);
}

TEST(AdqlAstShapeTest, OperatorsChainLeftToRightAndKeepParentheses) {
  EXPECT_EQ(Shape("SELECT a - b + c * d / e FROM t"),
            "{(select [(a - b + (c * d / e))] from [t])}");
  EXPECT_EQ(Shape("SELECT (a - b) + c, a - (b + c), -a * ~b, 'x' || a & 1 FROM t"),
            "{(select [((a - b) + c) (a - (b + c)) ((- a) * (~ b)) ('x' || (a & 1))] from [t])}");
  EXPECT_EQ(Shape("SELECT * FROM t WHERE a = 1 OR b = 2 AND NOT c < 3 AND (d = 4 OR e <> 5)"),
            "{(select [*] from [t] where ((a = 1) OR ((b = 2) AND (NOT (c < 3)) AND "
            "((d = 4) OR (e <> 5)))))}");
  EXPECT_EQ(Shape("SELECT * FROM t WHERE a != 1"), "{(select [*] from [t] where (a <> 1))}");
}

TEST(AdqlAstShapeTest, Predicates) {
  EXPECT_EQ(Shape("SELECT * FROM t WHERE a NOT BETWEEN 1 AND b + 1 AND s ILIKE 'x!%' ESCAPE '!'"
                  " AND u NOT LIKE 'y' AND v IN (1, 2) AND w NOT IN (SELECT w FROM u)"
                  " AND x IS NOT NULL AND y IS NULL AND NOT EXISTS (SELECT 1 FROM u)"),
            "{(select [*] from [t] where ((NOT-BETWEEN a 1 (b + 1)) AND "
            "(ILIKE s 'x!%' ESCAPE '!') AND (NOT-LIKE u 'y') AND (IN v [1 2]) AND "
            "(NOT-IN w {(select [w] from [u])}) AND (IS-NOT-NULL x) AND (IS-NULL y) AND "
            "(NOT (EXISTS {(select [1] from [u])}))))}");
}

TEST(AdqlAstShapeTest, Joins) {
  EXPECT_EQ(Shape("SELECT * FROM a JOIN b ON a.x = b.x LEFT OUTER JOIN c USING (y, \"Z\")"
                  " NATURAL RIGHT JOIN d CROSS JOIN e, f FULL JOIN g ON f.k = g.k"),
            "{(select [*] from [(cross (natural-right (left (inner a b on (a.x = b.x)) c using "
            "y \"Z\") d) e) (full f g on (f.k = g.k))])}");
  EXPECT_EQ(Shape("SELECT * FROM a INNER JOIN (b NATURAL JOIN c) ON a.x = b.x"),
            "{(select [*] from [(inner a (natural-inner b c) on (a.x = b.x))])}");
  // Parentheses around a left operand do not change the tree.
  EXPECT_EQ(Shape("SELECT * FROM (a JOIN b USING (k)) JOIN c USING (k)"),
            Shape("SELECT * FROM a JOIN b USING (k) JOIN c USING (k)"));
  EXPECT_EQ(Shape("SELECT * FROM (SELECT TOP 1 x FROM u) AS s"),
            "{(select [*] from [{(select top 1 [x] from [u])}=s])}");
}

TEST(AdqlAstShapeTest, WithSetOperationsOrderAndOffset) {
  EXPECT_EQ(Shape("WITH c (n) AS (SELECT a FROM t) SELECT n FROM c ORDER BY n DESC, 2 OFFSET 3"),
            "{with c(n)={(select [a] from [t])}; (select [n] from [c]); order n desc 2; "
            "offset 3}");
  // INTERSECT binds more tightly than UNION and EXCEPT, which chain left to right.
  EXPECT_EQ(Shape("SELECT a FROM t UNION ALL SELECT b FROM u INTERSECT SELECT c FROM v"
                  " EXCEPT SELECT d FROM w"),
            "{((select [a] from [t]) union-all ((select [b] from [u]) intersect "
            "(select [c] from [v])) except (select [d] from [w]))}");
  EXPECT_EQ(Shape("(SELECT a FROM t ORDER BY a) UNION SELECT b FROM u ORDER BY 1"),
            "{({(select [a] from [t]); order a} union (select [b] from [u])); order 1}");
}

TEST(AdqlAstShapeTest, CaseCastAndSubqueries) {
  EXPECT_EQ(Shape("SELECT CASE a WHEN 1 THEN 'x' ELSE 'y' END,"
                  " CASE WHEN a > 0 AND b IS NULL THEN 1 END,"
                  " CAST(a AS VARCHAR(12)), CAST(b AS DOUBLE PRECISION),"
                  " (SELECT MAX(c) FROM u WHERE u.k = t.k) FROM t"),
            "{(select [(CASE a (WHEN 1 'x') (ELSE 'y')) "
            "(CASE (WHEN ((a > 0) AND (IS-NULL b)) 1)) (CAST a VARCHAR/12) "
            "(CAST b DOUBLE PRECISION) {(select [MAX[c]] from [u] where (u.k = t.k))}] "
            "from [t])}");
}

TEST(AdqlAstShapeTest, FunctionsAndGeometry) {
  EXPECT_EQ(Shape("SELECT count(*), Count(DISTINCT a), sum(ALL b), log10(c), pi(), rand(),"
                  " coalesce(a, 0), in_unit(d, 'deg'), lower(s), ivo_Healpix(10, ra) FROM t"),
            "{(select [COUNT[*] COUNT[distinct a] SUM[b] LOG10[c] PI[] RAND[] COALESCE[a 0] "
            "IN_UNIT[d 'deg'] LOWER[s] udf:ivo_Healpix[10 ra]] from [t])}");
  EXPECT_EQ(Shape("SELECT * FROM t WHERE contains(point('ICRS', ra, dec),"
                  " circle('ICRS', 10.5, -20, 1)) = 1 AND distance(p, q) < region('Box 1 2 3 4')"),
            "{(select [*] from [t] where ((CONTAINS[POINT['ICRS' ra dec] CIRCLE['ICRS' 10.5 "
            "(- 20) 1]] = 1) AND (DISTANCE[p q] < REGION['Box 1 2 3 4'])))}");
}

TEST(AdqlAstShapeTest, DelimitedNamesAreUnquoted) {
  std::unique_ptr<ast::Query> query = ParseOrDie("SELECT \"a\"\"b\".c FROM \"a\"\"b\"");
  ASSERT_NE(query, nullptr);
  const auto& select = query->body->As<ast::Select>();
  const ast::QualifiedName& name = select.items[0].expression->As<ast::ColumnRef>().name;
  ASSERT_EQ(name.size(), 2U);
  EXPECT_EQ(name[0].name, "a\"b");
  EXPECT_TRUE(name[0].delimited);
  EXPECT_EQ(name[1].name, "c");
  EXPECT_FALSE(name[1].delimited);
  EXPECT_EQ(ast::ToAdql(*query), "SELECT \"a\"\"b\".c FROM \"a\"\"b\"");
}

// ---- Positions --------------------------------------------------------------------------------

TEST(AdqlAstPositionTest, NodesKnowWhereTheirTextStarts) {
  std::unique_ptr<ast::Query> query = ParseOrDie(
      "SELECT ra,\n"
      "       \tCOUNT(*) AS n\n"
      "FROM cat.t AS x LEFT JOIN u ON x.k = u.k\n"
      "WHERE ra + 1 > 2 AND dec IN (SELECT d FROM v)\n"
      "ORDER BY n DESC");
  ASSERT_NE(query, nullptr);
  auto at = [](ast::Position p) { return std::to_string(p.line) + ":" + std::to_string(p.column); };
  EXPECT_EQ(at(query->position), "1:1");
  const auto& select = query->body->As<ast::Select>();
  EXPECT_EQ(at(select.position), "1:1");
  EXPECT_EQ(at(select.items[0].expression->position), "1:8");
  EXPECT_EQ(at(select.items[1].position), "2:9");  // a tab is one column
  EXPECT_EQ(at(select.items[1].alias->position), "2:21");
  const auto& join = select.from[0]->As<ast::Join>();
  EXPECT_EQ(at(join.position), "3:17");
  EXPECT_EQ(at(join.left->position), "3:6");
  EXPECT_EQ(at(join.left->As<ast::NamedTable>().name[1].position), "3:10");
  EXPECT_EQ(at(join.right->position), "3:27");
  EXPECT_EQ(at(join.on->position), "3:32");
  const auto& where = select.where->As<ast::Binary>();
  EXPECT_EQ(at(where.position), "4:7");
  EXPECT_EQ(at(where.operator_positions[0]), "4:18");
  const auto& comparison = where.operands[0]->As<ast::Binary>();
  EXPECT_EQ(at(comparison.operator_positions[0]), "4:14");
  const auto& sum = comparison.operands[0]->As<ast::Binary>();
  EXPECT_EQ(at(sum.operator_positions[0]), "4:10");
  EXPECT_EQ(at(sum.operands[1]->position), "4:12");
  const auto& in = where.operands[1]->As<ast::In>();
  EXPECT_EQ(at(in.position), "4:22");
  EXPECT_EQ(at(in.subquery->position), "4:30");
  EXPECT_EQ(at(query->order_by[0].position), "5:10");
}

// ---- Limits and programmatic trees -------------------------------------------------------------

TEST(AdqlAstLimitTest, LongChainsAreWideAndDeepTreesAreRefused) {
  std::string sum = "SELECT 1";
  for (int i = 0; i < 20000; ++i) sum += " + a";
  sum += " FROM t";
  std::unique_ptr<ast::Query> query = ParseOrDie(sum);
  ASSERT_NE(query, nullptr);
  const auto& chain = query->body->As<ast::Select>().items[0].expression->As<ast::Binary>();
  EXPECT_EQ(chain.operands.size(), 20001U);
  EXPECT_TRUE(RoundTrips(sum));

  std::string joins = "SELECT * FROM t0";
  for (int i = 1; i <= 50; ++i) joins += " JOIN t" + std::to_string(i) + " USING (k)";
  EXPECT_TRUE(RoundTrips(joins));
  ParseOptions shallow;
  shallow.max_tree_depth = 20;
  SyntaxErrorInfo info;
  Result<ParseResult> refused = Parse(joins, shallow, &info);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(info.line, 1);
  EXPECT_EQ(info.message, "the query nests too deeply");

  // Queries at the default nesting limit fit in the default tree depth.
  std::string nested = "SELECT ";
  for (int i = 0; i < 199; ++i) nested += "ABS(";
  nested += "a";
  for (int i = 0; i < 199; ++i) nested += ")";
  nested += " FROM t";
  EXPECT_TRUE(RoundTrips(nested));
  std::string subqueries = "SELECT a FROM t WHERE a IN ";
  for (int i = 0; i < 198; ++i) subqueries += "(SELECT a FROM t WHERE a IN ";
  subqueries += "(1)";
  for (int i = 0; i < 198; ++i) subqueries += ")";
  EXPECT_TRUE(RoundTrips(subqueries));
}

TEST(AdqlAstPrinterTest, ProgrammaticTrees) {
  // Numbers print so that they read back exactly.
  for (double value : {0.1, 1.0, 1e300, 5e-324, 123456.789, 2.5e-7}) {
    std::unique_ptr<ast::Literal> literal = ast::Literal::Number(value);
    std::string text = ast::ToAdql(*literal);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), value) << text;
    Result<ParseResult> parsed = Parse("SELECT " + text + " FROM t");
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_TRUE(ast::Equal(*parsed->query->body->As<ast::Select>().items[0].expression, *literal))
        << text;
  }
  // Signs are never printed as "--" (a comment), and a name that is not a regular identifier
  // is quoted even when not marked delimited.
  auto minus_one = std::make_unique<ast::Unary>();
  minus_one->op = ast::UnaryOperator::kMinus;
  minus_one->operand = ast::Literal::Number(1);
  auto column = std::make_unique<ast::ColumnRef>();
  column->name.push_back({"my col", false, {}});
  auto difference =
      ast::Binary::Make(std::move(column), ast::BinaryOperator::kSubtract, std::move(minus_one));
  auto negated = std::make_unique<ast::Unary>();
  negated->op = ast::UnaryOperator::kMinus;
  negated->operand = std::move(difference);
  EXPECT_EQ(ast::ToAdql(*negated), "-(\"my col\" - -1.0)");
}

}  // namespace
}  // namespace skyshard::adql
