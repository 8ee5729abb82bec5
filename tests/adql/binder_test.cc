// The ADQL binder (adql/binder/binder.h) over a small hand-built DP0.2-like catalog (the real
// DP0.2 names of ../shared/schemas/dp02_dc2.yaml): plan shapes and types (plan::Explain), output
// columns and their metadata, name resolution, the aggregate rules, and error messages with
// their positions. Expected plans are written from SQL semantics, by hand.
//
// The declarative corpus (tests/adql/binder_corpus/*.test) is run by binder_corpus_test.cc.
#include "adql/binder/binder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adql/binder/internal/units.h"
#include "adql/binder/query_catalog.h"
#include "adql/parser/parser.h"
#include "adql/planner/logical_plan.h"
#include "storage/catalog.h"

namespace skyshard::adql {
namespace {

ColumnDef Col(std::string name, DataType type, std::string unit = "", std::string ucd = "",
              uint32_t length = 0) {
  ColumnDef c;
  c.name = std::move(name);
  c.type = ColumnType{type, length};
  c.unit = std::move(unit);
  c.ucd = std::move(ucd);
  c.description = "the " + c.name;
  if (type == DataType::kChar) c.arraysize = std::to_string(length);
  return c;
}

// Object (spatial), ForcedSource (its child), CcdVisit (plain): a few real columns each.
Catalog TestCatalog() {
  Catalog catalog;
  catalog.release = "dp02_dc2_catalogs";
  TableDef object;
  object.name = "Object";
  object.id = 1;
  object.kind = TableKind::kSpatial;
  object.primary_key = "objectId";
  object.ra_column = "coord_ra";
  object.dec_column = "coord_dec";
  object.columns = {Col("objectId", DataType::kBigInt, "", "meta.id;src;meta.main"),
                    Col("coord_ra", DataType::kDouble, "deg", "pos.eq.ra;meta.main"),
                    Col("coord_dec", DataType::kDouble, "deg", "pos.eq.dec;meta.main"),
                    Col("detect_isPrimary", DataType::kBoolean),
                    Col("refExtendedness", DataType::kDouble),
                    Col("g_psfFlux", DataType::kDouble, "nJy"),
                    Col("r_psfFlux", DataType::kDouble, "nJy"),
                    Col("i_psfFlux", DataType::kDouble, "nJy"),
                    Col("tract", DataType::kBigInt),
                    Col("patch", DataType::kBigInt)};
  TableDef forced;
  forced.name = "ForcedSource";
  forced.id = 2;
  forced.kind = TableKind::kChild;
  forced.primary_key = "forcedSourceId";
  forced.parent_table = "Object";
  forced.parent_key = "objectId";
  forced.columns = {Col("forcedSourceId", DataType::kBigInt, "", "meta.id;meta.main"),
                    Col("objectId", DataType::kBigInt, "", "meta.id"),
                    Col("ccdVisitId", DataType::kBigInt),
                    Col("band", DataType::kChar, "", "meta.id;instr.filter", 1),
                    Col("psfFlux", DataType::kDouble, "nJy"),
                    Col("psfFluxErr", DataType::kDouble, "nJy"),
                    Col("psfFlux_flag", DataType::kBoolean),
                    Col("coord_ra", DataType::kDouble, "deg"),
                    Col("coord_dec", DataType::kDouble, "deg")};
  TableDef visit;
  visit.name = "CcdVisit";
  visit.id = 3;
  visit.primary_key = "ccdVisitId";
  visit.columns = {
      Col("ccdVisitId", DataType::kBigInt),     Col("visitId", DataType::kBigInt),
      Col("band", DataType::kChar, "", "", 1),  Col("detector", DataType::kBigInt),
      Col("zeroPoint", DataType::kReal, "mag"), Col("seeing", DataType::kDouble, "arcsec"),
      Col("expMidpt", DataType::kTimestamp),    Col("expMidptMJD", DataType::kDouble, "d")};
  catalog.tables = {object, forced, visit};
  return catalog;
}

class BinderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<QueryCatalog> qc = QueryCatalog::FromStore(TestCatalog());
    ASSERT_TRUE(qc.ok()) << qc.status().ToString();
    catalog_ = new QueryCatalog(std::move(qc).value());
    TableDef upload;
    upload.name = "targets";
    upload.columns = {Col("id", DataType::kInteger), Col("ra", DataType::kDouble, "deg"),
                      Col("dec", DataType::kDouble, "deg")};
    ASSERT_TRUE(catalog_->AddUpload(upload, nullptr).ok());
  }
  static void TearDownTestSuite() {
    delete catalog_;
    catalog_ = nullptr;
  }

  // The plan of `adql`, or the error ("ERROR <code>: <first line of the message>").
  static Result<plan::PlanPtr> BindText(const std::string& adql, SyntaxErrorInfo* info = nullptr) {
    Result<ParseResult> parsed = Parse(adql);
    if (!parsed.ok()) return parsed.status();
    BindOptions options;
    options.query_text = adql;
    return Bind(*parsed->query, *catalog_, options, info);
  }

  static std::string ExplainOf(const std::string& adql) {
    Result<plan::PlanPtr> p = BindText(adql);
    if (!p.ok()) return "ERROR " + p.status().ToString();
    return plan::Explain(**p);
  }

  // "name TYPE, name TYPE".
  static std::string ColumnsOf(const std::string& adql) {
    Result<plan::PlanPtr> p = BindText(adql);
    if (!p.ok()) return "ERROR " + p.status().ToString();
    std::string out;
    for (const plan::OutputColumn& c : (*p)->schema) {
      if (!out.empty()) out += ", ";
      out += c.name + " " + std::string(ValueTypeName(c.type));
    }
    return out;
  }

  // The first line of the error message ("" when it binds).
  static std::string ErrorOf(const std::string& adql, StatusCode* code = nullptr) {
    Result<plan::PlanPtr> p = BindText(adql);
    if (p.ok()) return "";
    if (code != nullptr) *code = p.status().code();
    const std::string& m = p.status().message();
    return m.substr(0, m.find('\n'));
  }

  static QueryCatalog* catalog_;
};

QueryCatalog* BinderTest::catalog_ = nullptr;

const char kObjectScan[] =
    "Scan dp02_dc2_catalogs.Object full [objectId, coord_ra, coord_dec, detect_isPrimary, "
    "refExtendedness, g_psfFlux, r_psfFlux, i_psfFlux, tract, patch]";
const char kForcedScan[] =
    "Scan dp02_dc2_catalogs.ForcedSource full [forcedSourceId, objectId, ccdVisitId, band, "
    "psfFlux, psfFluxErr, psfFlux_flag, coord_ra, coord_dec]";
const char kVisitScan[] =
    "Scan dp02_dc2_catalogs.CcdVisit full [ccdVisitId, visitId, band, detector, zeroPoint, "
    "seeing, expMidpt, expMidptMJD]";

std::string Lines(std::initializer_list<std::string> lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// ---- Shapes --------------------------------------------------------------------------------

TEST_F(BinderTest, SimpleSelectWhere) {
  EXPECT_EQ(ExplainOf("SELECT objectId, coord_ra FROM dp02_dc2_catalogs.Object "
                      "WHERE coord_dec > -30"),
            Lines({"Project [objectId, coord_ra] = #0, #1", "  Filter (#2 > -30)",
                   std::string("    ") + kObjectScan}));
}

TEST_F(BinderTest, TopOrderByHiddenColumn) {
  // coord_ra is not selected: it is projected as a hidden column, then dropped.
  EXPECT_EQ(
      ExplainOf("SELECT TOP 5 objectId FROM dp02_dc2_catalogs.Object ORDER BY coord_ra"),
      Lines({"Project [objectId] = #0", "  Limit count=5", "    Sort #1",
             "      Project [objectId, _sort1] = #0, #1", std::string("        ") + kObjectScan}));
}

TEST_F(BinderTest, OrderByAliasPositionAndSelectedExpression) {
  EXPECT_EQ(ExplainOf("SELECT objectId AS id, g_psfFlux - r_psfFlux AS gr "
                      "FROM dp02_dc2_catalogs.Object ORDER BY gr DESC, 1 OFFSET 10"),
            Lines({"Limit offset=10", "  Sort #1 DESC, #0", "    Project [id, gr] = #0, (#5 - #6)",
                   std::string("      ") + kObjectScan}));
  // An ORDER BY expression equal to a select expression sorts by that output column.
  EXPECT_EQ(ExplainOf("SELECT g_psfFlux - r_psfFlux FROM Object ORDER BY g_psfFlux - r_psfFlux"),
            Lines({"Sort #0", "  Project [col1] = (#5 - #6)", std::string("    ") + kObjectScan}));
}

TEST_F(BinderTest, DistinctOrderByMustBeSelected) {
  EXPECT_EQ(ExplainOf("SELECT DISTINCT band FROM dp02_dc2_catalogs.ForcedSource ORDER BY band"),
            Lines({"Sort #0", "  Distinct", "    Project [band] = #3",
                   std::string("      ") + kForcedScan}));
  EXPECT_EQ(ErrorOf("SELECT DISTINCT band FROM dp02_dc2_catalogs.ForcedSource ORDER BY psfFlux"),
            "line 1, column 67: with SELECT DISTINCT, ORDER BY expressions must appear in the "
            "select list");
}

TEST_F(BinderTest, AggregateGroupHaving) {
  EXPECT_EQ(
      ExplainOf("SELECT band, COUNT(*) AS n, AVG(psfFlux) FROM dp02_dc2_catalogs.ForcedSource "
                "WHERE psfFlux_flag = 0 GROUP BY band HAVING COUNT(*) > 10"),
      Lines({"Project [band, n, avg] = #0, #1, #2", "  Filter (#1 > 10)",
             "    Aggregate group=(#3) COUNT(*) AVG(#4)", "      Filter (#6 = FALSE)",
             std::string("        ") + kForcedScan}));
  EXPECT_EQ(ColumnsOf("SELECT band, COUNT(*) AS n, AVG(psfFlux), SUM(tract), MIN(band) "
                      "FROM ForcedSource, Object GROUP BY band"),
            "band VARCHAR, n BIGINT, avg DOUBLE PRECISION, sum BIGINT, min VARCHAR");
  EXPECT_EQ(ErrorOf("SELECT coord_ra FROM ForcedSource, Object"),
            "line 1, column 8: column coord_ra is ambiguous: it is in "
            "dp02_dc2_catalogs.ForcedSource or dp02_dc2_catalogs.Object; qualify it with a "
            "table name or alias");
}

TEST_F(BinderTest, AggregateTypes) {
  EXPECT_EQ(ColumnsOf("SELECT COUNT(*), COUNT(DISTINCT band), SUM(ccdVisitId), SUM(psfFlux), "
                      "AVG(ccdVisitId), MIN(band), MAX(psfFlux) FROM ForcedSource"),
            "count BIGINT, count_2 BIGINT, sum BIGINT, sum_2 DOUBLE PRECISION, "
            "avg DOUBLE PRECISION, min VARCHAR, max DOUBLE PRECISION");
}

TEST_F(BinderTest, AggregateWithoutGroupBy) {
  EXPECT_EQ(
      ExplainOf("SELECT COUNT(*) FROM dp02_dc2_catalogs.Object"),
      Lines({"Project [count] = #0", "  Aggregate COUNT(*)", std::string("    ") + kObjectScan}));
  // The same aggregate twice is computed once.
  EXPECT_EQ(ExplainOf("SELECT MAX(coord_ra) - MIN(coord_ra), MAX(coord_ra) FROM Object"),
            Lines({"Project [col1, max] = (#0 - #1), #0", "  Aggregate MAX(#1) MIN(#1)",
                   std::string("    ") + kObjectScan}));
}

// MIN and MAX take the type of their argument, BOOLEAN included (FALSE < TRUE); only geometry
// has no order.
TEST_F(BinderTest, MinMaxOfBoolean) {
  EXPECT_EQ(ColumnsOf("SELECT MIN(detect_isPrimary), MAX(detect_isPrimary), "
                      "MAX(DISTINCT psfFlux_flag) FROM Object, ForcedSource"),
            "min BOOLEAN, max BOOLEAN, max_2 BOOLEAN");
  EXPECT_EQ(ExplainOf("SELECT tract, MIN(detect_isPrimary) FROM Object GROUP BY tract"),
            Lines({"Project [tract, min] = #0, #1", "  Aggregate group=(#8) MIN(#3)",
                   std::string("    ") + kObjectScan}));
  StatusCode code = StatusCode::kOk;
  EXPECT_EQ(ErrorOf("SELECT MAX(POINT(coord_ra, coord_dec)) FROM Object", &code),
            "line 1, column 8: MAX is not defined for POINT");
  EXPECT_EQ(code, StatusCode::kInvalidArgument);
}

TEST_F(BinderTest, GroupByExpressionAliasAndPosition) {
  const std::string shape =
      Lines({"Project [t, count] = #0, #1", "  Aggregate group=((#8 / 100)) COUNT(*)",
             std::string("    ") + kObjectScan});
  EXPECT_EQ(ExplainOf("SELECT tract / 100 AS t, COUNT(*) FROM Object GROUP BY tract / 100"), shape);
  EXPECT_EQ(ExplainOf("SELECT tract / 100 AS t, COUNT(*) FROM Object GROUP BY t"), shape);
  EXPECT_EQ(ExplainOf("SELECT tract / 100 AS t, COUNT(*) FROM Object GROUP BY 1"), shape);
}

TEST_F(BinderTest, AggregateRuleErrors) {
  StatusCode code = StatusCode::kOk;
  EXPECT_EQ(ErrorOf("SELECT band, psfFlux, COUNT(*) FROM ForcedSource GROUP BY band", &code),
            "line 1, column 14: column psfFlux must appear in GROUP BY or be used in an "
            "aggregate function");
  EXPECT_EQ(code, StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorOf("SELECT objectId FROM Object WHERE COUNT(*) > 1"),
            "line 1, column 35: aggregate functions are not allowed in WHERE (COUNT)");
  EXPECT_EQ(ErrorOf("SELECT SUM(MAX(psfFlux)) FROM ForcedSource"),
            "line 1, column 12: aggregate function calls cannot be nested (MAX inside another "
            "aggregate)");
  EXPECT_EQ(ErrorOf("SELECT COUNT(*) FROM ForcedSource GROUP BY COUNT(*)"),
            "line 1, column 44: aggregate functions are not allowed in GROUP BY (COUNT)");
  EXPECT_EQ(ErrorOf("SELECT * FROM ForcedSource GROUP BY band"),
            "line 1, column 8: column forcedSourceId must appear in GROUP BY or be used in an "
            "aggregate function");
  EXPECT_EQ(ErrorOf("SELECT band FROM ForcedSource GROUP BY band HAVING psfFlux > 0"),
            "line 1, column 52: column psfFlux must appear in GROUP BY or be used in an "
            "aggregate function");
  EXPECT_EQ(
      ErrorOf("SELECT SUM(band) FROM ForcedSource"),
      "line 1, column 8: no form of SUM takes (VARCHAR); with 1 arguments it is SUM(x BIGINT) "
      "-> BIGINT or SUM(x DOUBLE PRECISION) -> DOUBLE PRECISION");
}

TEST_F(BinderTest, OrderByAggregateNotSelected) {
  EXPECT_EQ(ExplainOf("SELECT band FROM ForcedSource GROUP BY band ORDER BY COUNT(*) DESC"),
            Lines({"Project [band] = #0", "  Sort #1 DESC", "    Project [band, _sort1] = #0, #1",
                   "      Aggregate group=(#3) COUNT(*)", std::string("        ") + kForcedScan}));
}

// ---- Joins ---------------------------------------------------------------------------------

TEST_F(BinderTest, JoinOnWithAliases) {
  EXPECT_EQ(ExplainOf("SELECT fs.psfFlux, cv.expMidptMJD FROM dp02_dc2_catalogs.ForcedSource AS fs "
                      "JOIN dp02_dc2_catalogs.CcdVisit AS cv ON fs.ccdVisitId = cv.ccdVisitId "
                      "WHERE cv.band = 'r'"),
            Lines({"Project [psfFlux, expMidptMJD] = #4, #16", "  Filter (#11 = 'r')",
                   "    Join inner on (#2 = #9)", std::string("      ") + kForcedScan,
                   std::string("      ") + kVisitScan}));
}

TEST_F(BinderTest, UsingJoinCoalescesColumns) {
  // INNER/LEFT: the left column; `*` lists the USING column first and once.
  EXPECT_EQ(
      ColumnsOf("SELECT * FROM ForcedSource AS f JOIN CcdVisit AS c USING (ccdVisitId)"),
      "ccdVisitId BIGINT, forcedSourceId BIGINT, objectId BIGINT, band VARCHAR, "
      "psfFlux DOUBLE PRECISION, psfFluxErr DOUBLE PRECISION, psfFlux_flag BOOLEAN, "
      "coord_ra DOUBLE PRECISION, coord_dec DOUBLE PRECISION, visitId BIGINT, band_2 VARCHAR, "
      "detector BIGINT, zeroPoint REAL, seeing DOUBLE PRECISION, expMidpt TIMESTAMP, "
      "expMidptMJD DOUBLE PRECISION");
  EXPECT_EQ(ExplainOf("SELECT ccdVisitId, c.ccdVisitId FROM ForcedSource AS f "
                      "RIGHT JOIN CcdVisit AS c USING (ccdVisitId)"),
            Lines({"Project [ccdVisitId, ccdVisitId_2] = #9, #9", "  Join right on (#2 = #9)",
                   std::string("    ") + kForcedScan, std::string("    ") + kVisitScan}));
  // FULL: COALESCE(left, right), computed above the join.
  const std::string kFullJoinProject =
      "  Project [forcedSourceId, objectId, ccdVisitId, band, psfFlux, psfFluxErr, "
      "psfFlux_flag, coord_ra, coord_dec, ccdVisitId, visitId, band, detector, zeroPoint, "
      "seeing, expMidpt, expMidptMJD, ccdVisitId] = #0, #1, #2, #3, #4, #5, #6, #7, #8, #9, "
      "#10, #11, #12, #13, #14, #15, #16, COALESCE(#2, #9)";
  EXPECT_EQ(ExplainOf("SELECT ccdVisitId FROM ForcedSource AS f FULL JOIN CcdVisit AS c "
                      "USING (ccdVisitId)"),
            Lines({"Project [ccdVisitId] = #17", kFullJoinProject, "    Join full on (#2 = #9)",
                   std::string("      ") + kForcedScan, std::string("      ") + kVisitScan}));
}

TEST_F(BinderTest, NaturalJoin) {
  // Common columns of ForcedSource and CcdVisit: ccdVisitId and band.
  EXPECT_EQ(ExplainOf("SELECT COUNT(*) FROM ForcedSource NATURAL JOIN CcdVisit"),
            Lines({"Project [count] = #0", "  Aggregate COUNT(*)",
                   "    Join inner on ((#2 = #9) AND (#3 = #11))",
                   std::string("      ") + kForcedScan, std::string("      ") + kVisitScan}));
  EXPECT_EQ(ErrorOf("SELECT ccdVisitId FROM ForcedSource, CcdVisit"),
            "line 1, column 8: column ccdVisitId is ambiguous: it is in "
            "dp02_dc2_catalogs.ForcedSource or dp02_dc2_catalogs.CcdVisit; qualify it with a "
            "table name or alias");
}

TEST_F(BinderTest, JoinErrors) {
  EXPECT_EQ(ErrorOf("SELECT * FROM Object JOIN ForcedSource USING (psfFlux)"),
            "line 1, column 47: USING column psfFlux is not in the left side of the join");
  EXPECT_EQ(ErrorOf("SELECT * FROM Object, Object"),
            "line 1, column 23: table name Object appears twice in FROM; give one of them an "
            "alias");
  EXPECT_EQ(ErrorOf("SELECT * FROM Object AS o JOIN ForcedSource AS f ON o.objectId = f.objectid "
                    "AND COUNT(*) > 1"),
            "line 1, column 81: aggregate functions are not allowed in a JOIN condition (COUNT)");
}

// ---- Names ---------------------------------------------------------------------------------

TEST_F(BinderTest, NamesAreCaseInsensitiveUnlessDelimited) {
  EXPECT_EQ(ColumnsOf("select OBJECTID, o.Coord_RA from DP02_DC2_CATALOGS.object as O"),
            "objectId BIGINT, coord_ra DOUBLE PRECISION");
  EXPECT_EQ(ColumnsOf("SELECT \"objectId\" FROM \"dp02_dc2_catalogs\".\"Object\""),
            "objectId BIGINT");
  EXPECT_EQ(ErrorOf("SELECT \"objectid\" FROM Object"),
            "line 1, column 8: no column \"objectid\" in dp02_dc2_catalogs.Object; did you mean "
            "objectId?");
  EXPECT_EQ(ErrorOf("SELECT x FROM \"object\""),
            "line 1, column 15: no table \"object\" in dp02_dc2_catalogs; did you mean Object?");
}

TEST_F(BinderTest, UnknownNamesSuggest) {
  SyntaxErrorInfo info;
  Result<plan::PlanPtr> p =
      BindText("SELECT fs.psfMag\nFROM dp02_dc2_catalogs.ForcedSource AS fs", &info);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(p.status().message(),
            "line 1, column 11: no column psfMag in dp02_dc2_catalogs.ForcedSource; did you mean "
            "psfFlux?\n"
            "SELECT fs.psfMag\n"
            "          ^^^^^^");
  EXPECT_EQ(info.line, 1);
  EXPECT_EQ(info.column, 11);
  EXPECT_EQ(info.message,
            "no column psfMag in dp02_dc2_catalogs.ForcedSource; did you mean psfFlux?");
  EXPECT_EQ(ErrorOf("SELECT * FROM dp02_dc2_catalogs.psfFlux"),
            "line 1, column 33: no table psfFlux in dp02_dc2_catalogs");
  EXPECT_EQ(ErrorOf("SELECT * FROM dp02_dc2_catalogs.ForcedSorce"),
            "line 1, column 33: no table ForcedSorce in dp02_dc2_catalogs; did you mean "
            "ForcedSource?");
  EXPECT_EQ(ErrorOf("SELECT * FROM dp02_dc2_catalog.Object"),
            "line 1, column 15: no schema dp02_dc2_catalog; did you mean dp02_dc2_catalogs?");
  EXPECT_EQ(ErrorOf("SELECT x.objectId FROM Object AS o"),
            "line 1, column 8: no table x in the FROM clause");
  EXPECT_EQ(ErrorOf("SELECT Object.objectId FROM Object AS o"),
            "line 1, column 8: no table Object in the FROM clause");
  EXPECT_EQ(ErrorOf("SELECT TOP 1 scisql_nanojanskyToAbMg(g_psfFlux) FROM Object"),
            "line 1, column 14: unknown function scisql_nanojanskyToAbMg; did you mean "
            "scisql_nanojanskyToAbMag?");
  EXPECT_EQ(ErrorOf("SELECT x FROM rubin.dp02_dc2_catalogs.Object"),
            "line 1, column 15: this service has no catalog level: write the table as "
            "schema.table, without rubin");
}

TEST_F(BinderTest, QualifiedColumnsAndStars) {
  EXPECT_EQ(ColumnsOf("SELECT dp02_dc2_catalogs.Object.objectId, Object.tract, c.* "
                      "FROM dp02_dc2_catalogs.Object, CcdVisit AS c WHERE c.ccdVisitId = 1"),
            "objectId BIGINT, tract BIGINT, ccdVisitId BIGINT, visitId BIGINT, band VARCHAR, "
            "detector BIGINT, zeroPoint REAL, seeing DOUBLE PRECISION, expMidpt TIMESTAMP, "
            "expMidptMJD DOUBLE PRECISION");
  EXPECT_EQ(ErrorOf("SELECT f.* FROM Object AS o"),
            "line 1, column 8: no table f in the FROM clause");
}

TEST_F(BinderTest, TapSchemaAndUploads) {
  EXPECT_EQ(ColumnsOf("SELECT table_name FROM TAP_SCHEMA.tables WHERE schema_name = "
                      "'dp02_dc2_catalogs'"),
            "table_name VARCHAR");
  EXPECT_EQ(
      ExplainOf("SELECT o.objectId, t.id FROM Object AS o JOIN TAP_UPLOAD.targets AS t "
                "ON DISTANCE(o.coord_ra, o.coord_dec, t.ra, t.dec) < 0.001"),
      Lines({"Project [objectId, id] = #0, #10",
             "  Join inner on (DISTANCE(#1, #2, #11, #12) < 0.001)",
             std::string("    ") + kObjectScan, "    Scan TAP_UPLOAD.targets full [id, ra, dec]"}));
}

// IN_UNIT(x, 'unit') is x times the factor from x's catalog unit (ADQL 2.1 section 2.4).
TEST_F(BinderTest, InUnitIsAMultiplicationByAConstant) {
  EXPECT_EQ(ExplainOf("SELECT IN_UNIT(coord_dec, 'arcsec') AS d, IN_UNIT(coord_ra, 'rad') AS r, "
                      "IN_UNIT(g_psfFlux, 'Jy') AS f FROM Object"),
            Lines({"Project [d, r, f] = (#2 * 3600), (#1 * 0.017453292519943295), (#5 * 1e-09)",
                   std::string("  ") + kObjectScan}));
  // Through unary minus, a derived table's column, an IN_UNIT's own unit, and in WHERE.
  EXPECT_EQ(ExplainOf("SELECT IN_UNIT(-seeing, 'mas') AS s FROM CcdVisit "
                      "WHERE IN_UNIT(expMidptMJD, 'h') > 24"),
            Lines({"Project [s] = (-#5 * 1000)", "  Filter ((#7 * 24) > 24)",
                   std::string("    ") + kVisitScan}));
  EXPECT_EQ(ColumnsOf("SELECT IN_UNIT(a, 'deg') FROM (SELECT IN_UNIT(seeing, 'arcmin') AS a "
                      "FROM CcdVisit) AS v"),
            "in_unit DOUBLE PRECISION");
  EXPECT_EQ(ExplainOf("SELECT IN_UNIT(IN_UNIT(zeroPoint, 'mmag'), 'mag') AS z FROM CcdVisit"),
            Lines({"Project [z] = ((#4 * 1000) * 0.001)", std::string("  ") + kVisitScan}));
  // The output column carries the new unit.
  Result<plan::PlanPtr> p = BindText("SELECT IN_UNIT(psfFlux, 'uJy') FROM ForcedSource");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->schema[0].unit, "uJy");
  EXPECT_EQ((*p)->schema[0].type, ValueType::kDouble);

  StatusCode code = StatusCode::kOk;
  EXPECT_EQ(ErrorOf("SELECT IN_UNIT(refExtendedness, 'arcsec') FROM Object", &code),
            "line 1, column 16: IN_UNIT cannot convert to arcsec: the value has no known unit "
            "(IN_UNIT converts a column with a unit in the catalog, e.g. IN_UNIT(coord_ra, "
            "'rad'))");
  EXPECT_EQ(code, StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorOf("SELECT IN_UNIT(coord_ra + 1, 'rad') FROM Object"),
            "line 1, column 16: IN_UNIT cannot convert to rad: the value has no known unit "
            "(IN_UNIT converts a column with a unit in the catalog, e.g. IN_UNIT(coord_ra, "
            "'rad'))");
  EXPECT_EQ(ErrorOf("SELECT IN_UNIT(coord_ra, 'Jy') FROM Object", &code),
            "line 1, column 26: IN_UNIT: cannot convert deg to Jy: they measure different "
            "quantities (deg is rad, Jy is kg.s**-2)");
  EXPECT_EQ(code, StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorOf("SELECT IN_UNIT(zeroPoint, 'nJy') FROM CcdVisit"),
            "line 1, column 27: IN_UNIT: cannot convert mag to nJy: they measure different "
            "quantities (mag is mag, nJy is kg.s**-2)");
  EXPECT_EQ(ErrorOf("SELECT IN_UNIT(coord_ra, 'furlong') FROM Object"),
            "line 1, column 26: IN_UNIT: unknown unit 'furlong' (converting deg to furlong)");
  EXPECT_EQ(ErrorOf("SELECT IN_UNIT(expMidptMJD, 'MJD') FROM CcdVisit"),
            "line 1, column 29: IN_UNIT: unknown unit 'MJD' (converting d to MJD)");
}

// The VOUnit factors: exact where the definitions are (powers of ten, ratios of integers).
TEST(Units, ConversionFactors) {
  auto factor = [](std::string_view from, std::string_view to) {
    Result<double> f = internal::UnitConversionFactor(from, to);
    EXPECT_TRUE(f.ok()) << from << " -> " << to << ": " << f.status().ToString();
    return f.ok() ? *f : std::nan("");
  };
  EXPECT_EQ(factor("deg", "arcsec"), 3600);
  EXPECT_EQ(factor("deg", "arcmin"), 60);
  EXPECT_EQ(factor("deg", "mas"), 3600000);
  EXPECT_EQ(factor("arcsec", "deg"), 1.0 / 3600);
  EXPECT_EQ(factor("deg", "rad"), M_PI / 180);
  EXPECT_EQ(factor("rad", "deg"), 180 / M_PI);
  EXPECT_EQ(factor("nJy", "Jy"), 1e-9);
  EXPECT_EQ(factor("nJy", "mJy"), 1e-6);
  EXPECT_EQ(factor("Jy", "nJy"), 1e9);
  EXPECT_EQ(factor("mag", "mmag"), 1000);
  EXPECT_EQ(factor("d", "s"), 86400);
  EXPECT_EQ(factor("d", "h"), 24);
  EXPECT_EQ(factor("yr", "d"), 365.25);
  EXPECT_EQ(factor("a", "Ma"), 1e-6);
  EXPECT_EQ(factor("km", "m"), 1000);
  EXPECT_EQ(factor("dam", "m"), 10);
  EXPECT_EQ(factor("ms", "s"), 1e-3);
  EXPECT_EQ(factor("pixel**2", "pix**2"), 1);
  EXPECT_EQ(factor("km/s", "m.s**-1"), 1000);
  EXPECT_EQ(factor("km.s**(-1)", "m/s"), 1000);
  EXPECT_EQ(factor("Pa", "kg.m**-1.s**-2"), 1);
  EXPECT_EQ(factor("KiB", "bit"), 8192);
  EXPECT_EQ(factor("cd", "cd"), 1);  // the candela, not a centiday
  EXPECT_DOUBLE_EQ(factor("deg**2", "sr"), (M_PI / 180) * (M_PI / 180));
  EXPECT_DOUBLE_EQ(factor("10**-26 W.m**-2.Hz**-1", "Jy"), 1);
  EXPECT_DOUBLE_EQ(factor("1e3 m", "km"), 1);
  EXPECT_DOUBLE_EQ(factor("pc", "AU"), 648000 / M_PI);
  EXPECT_DOUBLE_EQ(factor("erg/s", "W"), 1e-7);
  EXPECT_DOUBLE_EQ(factor("eV", "J"), 1.602176634e-19);

  auto error = [](std::string_view from, std::string_view to) {
    Result<double> f = internal::UnitConversionFactor(from, to);
    EXPECT_FALSE(f.ok()) << from << " -> " << to;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
    return f.ok() ? std::string() : f.status().message();
  };
  EXPECT_EQ(error("deg", "s"),
            "cannot convert deg to s: they measure different quantities (deg is rad, s is s)");
  EXPECT_EQ(error("rad", ""),
            "'' is not a VOUnit: an empty string is not a unit (converting "
            "rad to )");
  EXPECT_EQ(error("mag", "Jy"),
            "cannot convert mag to Jy: they measure different quantities "
            "(mag is mag, Jy is kg.s**-2)");
  EXPECT_EQ(error("m**(1/2)", "m"),
            "'m**(1/2)' is not a VOUnit: expected ')' at character 6 (fractional powers are not "
            "supported) (converting m**(1/2) to m)");
  EXPECT_EQ(error("kmas", "deg"), "unknown unit 'kmas' (converting kmas to deg)");
  EXPECT_EQ(error("m s", "m"),
            "'m s' is not a VOUnit: unexpected ' ' at character 2 (converting m s to m)");
  EXPECT_EQ(error("rad", "1"),
            "'1' is not a VOUnit: expected a unit at character 2 "
            "(converting rad to 1)");
  EXPECT_FALSE(internal::UnitConversionFactor("Ym**999", "m").ok());  // out of range
}

TEST_F(BinderTest, OutputMetadataKeptForBareColumns) {
  Result<plan::PlanPtr> p =
      BindText("SELECT coord_ra, coord_ra * 2 AS twice, band FROM ForcedSource");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto& schema = (*p)->schema;
  ASSERT_EQ(schema.size(), 3u);
  EXPECT_EQ(schema[0].unit, "deg");
  EXPECT_EQ(schema[0].description, "the coord_ra");
  EXPECT_EQ(schema[0].storage_type, (ColumnType{DataType::kDouble, 0}));
  EXPECT_EQ(schema[1].name, "twice");
  EXPECT_EQ(schema[1].unit, "");
  EXPECT_EQ(schema[1].storage_type, (ColumnType{DataType::kDouble, 0}));
  EXPECT_EQ(schema[2].ucd, "meta.id;instr.filter");
  EXPECT_EQ(schema[2].arraysize, "1");
  EXPECT_EQ(schema[2].storage_type, (ColumnType{DataType::kChar, 1}));
}

// ---- Expressions and types ------------------------------------------------------------------

TEST_F(BinderTest, LiteralTypes) {
  EXPECT_EQ(ColumnsOf("SELECT 1, 2147483647, 2147483648, 1.5, 1e3, 'x', NULL, 0x10 FROM Object"),
            "col1 INTEGER, col2 INTEGER, col3 BIGINT, col4 DOUBLE PRECISION, "
            "col5 DOUBLE PRECISION, col6 VARCHAR, col7 NULL, col8 INTEGER");
  EXPECT_EQ(ErrorOf("SELECT 99999999999999999999 FROM Object"),
            "line 1, column 8: integer 99999999999999999999 is out of range (BIGINT holds up to "
            "9223372036854775807); write it as a decimal, e.g. 99999999999999999999.0");
}

TEST_F(BinderTest, ArithmeticTypes) {
  EXPECT_EQ(ColumnsOf("SELECT ccdVisitId + 1, detector * 2.0, zeroPoint + zeroPoint, "
                      "zeroPoint + 1, 7 / 2, -detector, ccdVisitId & 255, band || 'x' "
                      "FROM CcdVisit"),
            "col1 BIGINT, col2 DOUBLE PRECISION, col3 REAL, col4 DOUBLE PRECISION, col5 INTEGER, "
            "col6 BIGINT, col7 BIGINT, col8 VARCHAR");
  EXPECT_EQ(ErrorOf("SELECT band + 1 FROM CcdVisit"),
            "line 1, column 13: operator + needs numbers, got VARCHAR and INTEGER");
  EXPECT_EQ(ErrorOf("SELECT seeing || 'x' FROM CcdVisit"),
            "line 1, column 15: operator || needs strings, got DOUBLE PRECISION and VARCHAR; "
            "convert a number with CAST(x AS VARCHAR)");
}

TEST_F(BinderTest, BooleanComparesWithOneAndZero) {
  EXPECT_EQ(ExplainOf("SELECT objectId FROM Object WHERE detect_isPrimary = 1"),
            Lines({"Project [objectId] = #0", "  Filter (#3 = TRUE)",
                   std::string("    ") + kObjectScan}));
  EXPECT_EQ(ErrorOf("SELECT objectId FROM Object WHERE detect_isPrimary = 2"),
            "line 1, column 52: a BOOLEAN compares with the constants 1 and 0 or with another "
            "BOOLEAN, not with INTEGER");
}

TEST_F(BinderTest, TimestampComparedWithString) {
  EXPECT_EQ(ExplainOf("SELECT ccdVisitId FROM CcdVisit WHERE expMidpt > '2023-01-02T03:04:05'"),
            Lines({"Project [ccdVisitId] = #0", "  Filter (#6 > '2023-01-02T03:04:05')",
                   std::string("    ") + kVisitScan}));
  EXPECT_EQ(ErrorOf("SELECT ccdVisitId FROM CcdVisit WHERE expMidpt > 'yesterday'"),
            "line 1, column 50: 'yesterday' is not a timestamp; write 'YYYY-MM-DD', "
            "'YYYY-MM-DDThh:mm[:ss[.ffffff]]' or the same with a space for T");
  EXPECT_EQ(ErrorOf("SELECT ccdVisitId FROM CcdVisit WHERE expMidpt > 5"),
            "line 1, column 48: cannot compare TIMESTAMP with INTEGER (>)");
}

TEST_F(BinderTest, BetweenBecomesComparisons) {
  EXPECT_EQ(ExplainOf("SELECT objectId FROM Object WHERE coord_ra BETWEEN 10 AND 20 "
                      "AND coord_dec NOT BETWEEN -5 AND 5"),
            Lines({"Project [objectId] = #0",
                   "  Filter ((#1 >= 10) AND (#1 <= 20) AND ((#2 < -5) OR (#2 > 5)))",
                   std::string("    ") + kObjectScan}));
}

TEST_F(BinderTest, GeometryFunctions) {
  EXPECT_EQ(ExplainOf("SELECT objectId FROM Object WHERE CONTAINS(POINT('ICRS', coord_ra, "
                      "coord_dec), CIRCLE('ICRS', 62, -37, 0.1)) = 1"),
            Lines({"Project [objectId] = #0",
                   "  Filter (CONTAINS(POINT('ICRS', #1, #2), CIRCLE('ICRS', 62, -37, 0.1)) = 1)",
                   std::string("    ") + kObjectScan}));
  EXPECT_EQ(ColumnsOf("SELECT POINT(coord_ra, coord_dec), DISTANCE(POINT(coord_ra, coord_dec), "
                      "POINT(62, -37)) AS d, CONTAINS(POINT(coord_ra, coord_dec), "
                      "CIRCLE(62, -37, 1)) FROM Object"),
            "point POINT, d DOUBLE PRECISION, contains INTEGER");
  EXPECT_EQ(ErrorOf("SELECT objectId FROM Object WHERE POINT(coord_ra, coord_dec) = 1"),
            "line 1, column 62: geometries cannot be compared with =; use CONTAINS, INTERSECTS "
            "or DISTANCE");
}

TEST_F(BinderTest, CaseCastCoalesce) {
  EXPECT_EQ(ColumnsOf("SELECT CASE WHEN psfFlux > 0 THEN 1 ELSE 2.5 END, "
                      "CASE band WHEN 'r' THEN 'red' END, CAST(psfFlux AS INTEGER), "
                      "CAST(band AS VARCHAR(8)), COALESCE(psfFlux, 0), "
                      "CAST('2020-01-01' AS TIMESTAMP) FROM ForcedSource"),
            "col1 DOUBLE PRECISION, col2 VARCHAR, col3 INTEGER, col4 VARCHAR, "
            "coalesce DOUBLE PRECISION, col6 TIMESTAMP");
  EXPECT_EQ(ErrorOf("SELECT CASE WHEN psfFlux > 0 THEN 1 ELSE 'x' END FROM ForcedSource"),
            "line 1, column 42: CASE results have incompatible types: INTEGER and VARCHAR");
}

TEST_F(BinderTest, InListLikeIsNull) {
  EXPECT_EQ(ExplainOf("SELECT band FROM CcdVisit WHERE band IN ('g', 'r') AND band NOT LIKE 'u%' "
                      "AND seeing IS NOT NULL"),
            Lines({"Project [band] = #2",
                   "  Filter (#2 IN ('g', 'r') AND #2 NOT LIKE 'u%' AND #5 IS NOT NULL)",
                   std::string("    ") + kVisitScan}));
}

// ---- Subqueries, CTEs, derived tables, set operations -----------------------------------------

TEST_F(BinderTest, CorrelatedExistsSubquery) {
  EXPECT_EQ(ExplainOf("SELECT o.objectId FROM Object AS o WHERE EXISTS (SELECT 1 FROM "
                      "ForcedSource AS f WHERE f.objectId = o.objectId AND f.psfFlux > 100)"),
            Lines({"Project [objectId] = #0", "  Filter EXISTS (correlated subquery)",
                   std::string("    ") + kObjectScan}));
  Result<plan::PlanPtr> p = BindText(
      "SELECT o.objectId FROM Object AS o WHERE NOT EXISTS (SELECT 1 FROM ForcedSource AS f "
      "WHERE f.objectId = o.objectId)");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto& filter = (*p)->children[0]->As<plan::Filter>();
  ASSERT_EQ(filter.condition->kind, plan::ExprKind::kSubquery);
  EXPECT_TRUE(filter.condition->negated);
  EXPECT_TRUE(filter.condition->correlated);
  EXPECT_EQ(
      plan::Explain(*filter.condition->subquery),
      Lines({"Project [col1] = 1", "  Filter (#1 = #1.0)", "    " + std::string(kForcedScan)}));
}

TEST_F(BinderTest, ScalarAndInSubqueries) {
  Result<plan::PlanPtr> p = BindText(
      "SELECT objectId, (SELECT MAX(psfFlux) FROM ForcedSource) AS m FROM Object "
      "WHERE objectId IN (SELECT objectId FROM ForcedSource WHERE band = 'r')");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(plan::Explain(**p),
            Lines({"Project [objectId, m] = #0, (subquery)", "  Filter #0 IN (subquery)",
                   std::string("    ") + kObjectScan}));
  EXPECT_EQ((*p)->schema[1].type, ValueType::kDouble);
  EXPECT_EQ(ErrorOf("SELECT objectId FROM Object WHERE objectId IN (SELECT objectId, band FROM "
                    "ForcedSource)"),
            "line 1, column 48: the subquery of IN must return one column, got 2");
  EXPECT_EQ(ErrorOf("SELECT (SELECT objectId, band FROM ForcedSource) FROM Object"),
            "line 1, column 8: a subquery used as a value must return one column, got 2");
}

TEST_F(BinderTest, CorrelatedSubqueryInAggregateQuery) {
  // The subquery's reference to f.band is renumbered to the group column (#0 of the Aggregate).
  Result<plan::PlanPtr> p = BindText(
      "SELECT f.band, (SELECT COUNT(*) FROM CcdVisit AS c WHERE c.band = f.band) AS visits "
      "FROM ForcedSource AS f GROUP BY f.band");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto& project = (*p)->As<plan::Project>();
  ASSERT_EQ(project.expressions[1]->kind, plan::ExprKind::kSubquery);
  EXPECT_TRUE(project.expressions[1]->correlated);
  EXPECT_EQ(plan::Explain(*project.expressions[1]->subquery),
            Lines({"Project [count] = #0", "  Aggregate COUNT(*)", "    Filter (#2 = #1.0)",
                   std::string("      ") + kVisitScan}));
  EXPECT_EQ(ErrorOf("SELECT f.band, (SELECT COUNT(*) FROM CcdVisit AS c WHERE c.seeing > "
                    "f.psfFlux) FROM ForcedSource AS f GROUP BY f.band"),
            "line 1, column 69: column psfFlux must appear in GROUP BY or be used in an "
            "aggregate function");
}

TEST_F(BinderTest, DerivedTableAndCte) {
  EXPECT_EQ(ExplainOf("SELECT s.band FROM (SELECT band, COUNT(*) AS n FROM ForcedSource "
                      "GROUP BY band) AS s WHERE s.n > 5"),
            "Project [band] = #0\n  Filter (#1 > 5)\n" +
                Lines({"    Project [band, n] = #0, #1", "      Aggregate group=(#3) COUNT(*)",
                       std::string("        ") + kForcedScan}));
  EXPECT_EQ(ColumnsOf("WITH counts (b, n) AS (SELECT band, COUNT(*) FROM ForcedSource GROUP BY "
                      "band) SELECT x.b, y.n FROM counts AS x JOIN counts AS y ON x.b = y.b"),
            "b VARCHAR, n BIGINT");
  EXPECT_EQ(ErrorOf("WITH a AS (SELECT objectId FROM b), b AS (SELECT objectId FROM Object) "
                    "SELECT * FROM a"),
            "line 1, column 33: no table b in dp02_dc2_catalogs");
  EXPECT_EQ(ErrorOf("WITH c (x, y) AS (SELECT objectId FROM Object) SELECT * FROM c"),
            "line 1, column 6: WITH c names 2 columns, but its query returns 1");
}

TEST_F(BinderTest, SetOperations) {
  EXPECT_EQ(
      ExplainOf("SELECT detector FROM CcdVisit UNION SELECT seeing FROM CcdVisit "
                "ORDER BY 1 DESC"),
      Lines({"Sort #0 DESC", "  Union", "    Project [detector] = CAST(#0 AS DOUBLE PRECISION)",
             "      Project [detector] = #3", std::string("        ") + kVisitScan,
             "    Project [seeing] = #5", std::string("      ") + kVisitScan}));
  EXPECT_EQ(ColumnsOf("SELECT objectId AS id FROM Object INTERSECT ALL SELECT ccdVisitId "
                      "FROM CcdVisit EXCEPT SELECT 1 FROM CcdVisit ORDER BY id"),
            "id BIGINT");
  EXPECT_EQ(ErrorOf("SELECT objectId, tract FROM Object UNION SELECT objectId FROM ForcedSource"),
            "line 1, column 36: the operands of UNION have different numbers of columns: 2 and 1");
  EXPECT_EQ(ErrorOf("SELECT objectId FROM Object UNION ALL SELECT band FROM ForcedSource"),
            "line 1, column 29: column 1 (objectId) of UNION ALL has types that do not meet: "
            "BIGINT and VARCHAR");
}

TEST_F(BinderTest, OrderByErrors) {
  EXPECT_EQ(ErrorOf("SELECT objectId FROM Object ORDER BY 2"),
            "line 1, column 38: ORDER BY position 2 is not in the select list (1 to 1)");
  EXPECT_EQ(ErrorOf("SELECT objectId AS a, tract AS a FROM Object ORDER BY a"),
            "line 1, column 55: ORDER BY a is ambiguous: several output columns have this name");
  EXPECT_EQ(ErrorOf("SELECT objectId FROM Object ORDER BY POINT(coord_ra, coord_dec)"),
            "line 1, column 38: cannot sort by a geometry (POINT)");
}

TEST_F(BinderTest, OutputNamesAreUnique) {
  EXPECT_EQ(ColumnsOf("SELECT o.objectId, f.objectId, COUNT(*) AS objectId_2 FROM Object AS o "
                      "JOIN ForcedSource AS f ON o.objectId = f.objectId GROUP BY o.objectId, "
                      "f.objectId"),
            "objectId BIGINT, objectId_3 BIGINT, objectId_2 BIGINT");
}

TEST_F(BinderTest, ErrorInfoWithoutQueryText) {
  Result<ParseResult> parsed = Parse("SELECT nope FROM Object");
  ASSERT_TRUE(parsed.ok());
  SyntaxErrorInfo info;
  Result<plan::PlanPtr> p = Bind(*parsed->query, *catalog_, {}, &info);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "line 1, column 8: no column nope in dp02_dc2_catalogs.Object");
  EXPECT_EQ(info.line, 1);
  EXPECT_EQ(info.column, 8);
}

TEST_F(BinderTest, DeepNestingIsBoundedNotCrashing) {
  std::string q = "SELECT objectId FROM Object WHERE ";
  for (int i = 0; i < 150; ++i) q += "(";
  q += "coord_ra > 1";
  for (int i = 0; i < 150; ++i) q += ")";
  EXPECT_EQ(ErrorOf(q), "");
  std::string sub = "SELECT objectId FROM Object";
  for (int i = 0; i < 40; ++i) sub = "SELECT objectId FROM (" + sub + ") AS t" + std::to_string(i);
  EXPECT_EQ(ErrorOf(sub), "");
  // Subqueries nested as deep as the parser allows (200 parentheses).
  std::string nested = "1";
  for (int i = 0; i < 190; ++i) {
    nested = "(SELECT " + nested + " FROM Object AS o" + std::to_string(i) + " WHERE o" +
             std::to_string(i) + ".objectId > 0)";
  }
  EXPECT_EQ(ErrorOf("SELECT " + nested + " FROM Object"), "");
  // An operator chain is one syntax node but as deep as it is long once bound: bounded.
  std::string sum = "SELECT objectId";
  for (int i = 0; i < 500; ++i) sum += " + 1";
  EXPECT_EQ(ErrorOf(sum + " FROM Object"), "");
  for (int i = 0; i < 5000; ++i) sum += " - 1";
  StatusCode code = StatusCode::kOk;
  EXPECT_EQ(ErrorOf(sum + " FROM Object", &code),
            "line 1, column 8: the expression is too long: more than 2000 nested operations");
  EXPECT_EQ(code, StatusCode::kLimitExceeded);
  std::string ors = "SELECT objectId FROM Object WHERE objectId = 0";
  for (int i = 1; i < 5000; ++i) ors += " OR objectId = " + std::to_string(i);
  EXPECT_EQ(ErrorOf(ors), "");
}

TEST_F(BinderTest, CloneOfBoundPlanExplainsTheSame) {
  Result<plan::PlanPtr> p = BindText(
      "SELECT band, COUNT(*) FROM ForcedSource AS f WHERE EXISTS (SELECT 1 FROM CcdVisit AS c "
      "WHERE c.ccdVisitId = f.ccdVisitId) GROUP BY band ORDER BY 2 DESC");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(plan::Explain(*(*p)->Clone()), plan::Explain(**p));
}

}  // namespace
}  // namespace skyshard::adql
