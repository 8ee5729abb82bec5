// Tests of the planner (adql/planner/planner.h): plan shapes after Parse -> Bind -> Optimize
// (a cone is a range read, an id lookup is a point read, TOP + ORDER BY is a top-k, the DP0
// light curve is a children-of read and a hash join building CcdVisit), the ranges a pushed
// region reads, the cases that must not be rewritten, and the rules one by one on hand-built
// plans.
#include "adql/planner/planner.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "adql/binder/binder.h"
#include "adql/binder/query_catalog.h"
#include "adql/parser/parser.h"
#include "adql/planner/logical_plan.h"
#include "adql/planner/plan_kind.h"
#include "adql/planner/rules/constant_folding.h"
#include "indexing/healpix_index.h"
#include "indexing/index_ranges.h"
#include "storage/catalog.h"

namespace skyshard::adql {
namespace {

using plan::Expr;
using plan::ExprKind;
using plan::ExprPtr;
using plan::Op;
using plan::PlanKind;
using plan::PlanNode;
using plan::PlanPtr;
using plan::ScanAccess;

ColumnDef Column(std::string name, DataType type) {
  ColumnDef c;
  c.name = std::move(name);
  c.type = {type, 0};
  return c;
}

// A DP0.2-like release: Object (spatial), ForcedSource (child of Object), CcdVisit (plain),
// and an Object-like table whose position is stored as REAL.
Catalog TestCatalog() {
  Catalog cat;
  cat.release = "dp02_dc2_catalogs";
  TableDef object;
  object.name = "Object";
  object.id = 1;
  object.kind = TableKind::kSpatial;
  object.columns = {
      Column("objectId", DataType::kBigInt),  Column("coord_ra", DataType::kDouble),
      Column("coord_dec", DataType::kDouble), Column("g_psfFlux", DataType::kDouble),
      Column("r_psfFlux", DataType::kDouble), Column("detect_isPrimary", DataType::kBoolean)};
  object.primary_key = "objectId";
  object.ra_column = "coord_ra";
  object.dec_column = "coord_dec";
  object.key_index = true;
  object.row_count = 10'000'000;
  cat.tables.push_back(object);

  TableDef fs;
  fs.name = "ForcedSource";
  fs.id = 2;
  fs.kind = TableKind::kChild;
  fs.columns = {Column("forcedSourceId", DataType::kBigInt), Column("objectId", DataType::kBigInt),
                Column("ccdVisitId", DataType::kBigInt),     Column("band", DataType::kVarChar),
                Column("psfFlux", DataType::kDouble),        Column("coord_ra", DataType::kDouble),
                Column("coord_dec", DataType::kDouble)};
  fs.primary_key = "forcedSourceId";
  fs.parent_table = "Object";
  fs.parent_key = "objectId";
  fs.row_count = 100'000'000;
  cat.tables.push_back(fs);

  TableDef ccd;
  ccd.name = "CcdVisit";
  ccd.id = 3;
  ccd.kind = TableKind::kPlain;
  ccd.columns = {Column("ccdVisitId", DataType::kBigInt), Column("band", DataType::kVarChar),
                 Column("expMidptMJD", DataType::kDouble)};
  ccd.primary_key = "ccdVisitId";
  ccd.row_count = 20'000;
  cat.tables.push_back(ccd);

  TableDef real_pos = object;
  real_pos.name = "RealPos";
  real_pos.id = 4;
  real_pos.columns[1].type = {DataType::kReal, 0};
  real_pos.columns[2].type = {DataType::kReal, 0};
  cat.tables.push_back(real_pos);
  return cat;
}

class PlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto qc = QueryCatalog::FromStore(TestCatalog());
    ASSERT_TRUE(qc.ok()) << qc.status().ToString();
    catalog_ = std::make_unique<QueryCatalog>(std::move(qc).value());
  }

  const QueryTable* Table(const std::string& name) const {
    return catalog_->Find("dp02_dc2_catalogs", false, name, false);
  }

  // Parse + bind; the binder's plan.
  PlanPtr Bound(const std::string& adql) {
    auto parsed = Parse(adql);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    if (!parsed.ok()) return nullptr;
    BindOptions bo;
    bo.query_text = adql;
    auto bound = Bind(*parsed->query, *catalog_, bo);
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    if (!bound.ok()) return nullptr;
    return std::move(bound).value();
  }

  // Parse + bind + optimise.
  PlanPtr Planned(const std::string& adql, PlannerOptions options = Options()) {
    PlanPtr bound = Bound(adql);
    if (bound == nullptr) return nullptr;
    auto optimised = Optimize(std::move(bound), options);
    EXPECT_TRUE(optimised.ok()) << optimised.status().ToString();
    if (!optimised.ok()) return nullptr;
    return std::move(optimised).value();
  }

  std::string Plan(const std::string& adql, PlannerOptions options = Options()) {
    PlanPtr p = Planned(adql, options);
    return p == nullptr ? "<error>" : plan::Explain(*p);
  }

  // No parallel fragments unless asked: the shapes below are about access paths.
  static PlannerOptions Options() {
    PlannerOptions o;
    o.threads = 1;
    return o;
  }

  std::unique_ptr<QueryCatalog> catalog_;
};

// The first Scan of `node` (depth first), or null.
const plan::Scan* FindScan(const PlanNode& node, const std::string& table = "") {
  if (node.kind == PlanKind::kScan) {
    const auto& s = node.As<plan::Scan>();
    if (table.empty() || s.table->def.name == table) return &s;
  }
  for (const PlanPtr& c : node.children) {
    if (const plan::Scan* s = FindScan(*c, table)) return s;
  }
  return nullptr;
}

const PlanNode* FindNode(const PlanNode& node, PlanKind kind) {
  if (node.kind == kind) return &node;
  for (const PlanPtr& c : node.children) {
    if (const PlanNode* n = FindNode(*c, kind)) return n;
  }
  return nullptr;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<IndexRange> CircleCover(double ra, double dec, double r) {
  auto region = MakeCircle(ra, dec, r);
  EXPECT_TRUE(region.ok());
  return region.value()->Cover();
}

// ---- Spatial pushdown ---------------------------------------------------------------------

TEST_F(PlannerTest, ConeIsARangeReadWithTheExactTestKept) {
  PlanPtr p = Planned(
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', 10, 20, 0.0166667)) = 1");
  ASSERT_NE(p, nullptr);
  const plan::Scan* s = FindScan(*p);
  ASSERT_NE(s, nullptr) << plan::Explain(*p);
  EXPECT_EQ(s->access.kind, ScanAccess::Kind::kRanges) << plan::Explain(*p);
  EXPECT_EQ(s->access.ranges, CircleCover(10, 20, 0.0166667));
  EXPECT_EQ(s->access.description, MakeCircle(10, 20, 0.0166667).value()->ToString());
  ASSERT_NE(s->filter, nullptr);
  EXPECT_TRUE(Contains(plan::ToString(*s->filter), "CONTAINS")) << plan::Explain(*p);
  // Only the columns used: objectId and the position the filter reads.
  EXPECT_EQ(s->columns.size(), 3u) << plan::Explain(*p);
  // No Filter left above the scan.
  EXPECT_EQ(FindNode(*p, PlanKind::kFilter), nullptr) << plan::Explain(*p);
}

TEST_F(PlannerTest, ConeForms) {
  const std::vector<std::string> conditions = {
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.5)) = 1",
      "1 = CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.5))",
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.5)) <> 0",
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(POINT(10, 20), 0.5)) = 1",
      "INTERSECTS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.5)) = 1",
      "INTERSECTS(CIRCLE(10, 20, 0.5), POINT(coord_ra, coord_dec)) = 1",
      "DISTANCE(POINT(coord_ra, coord_dec), POINT(10, 20)) < 0.5",
      "DISTANCE(POINT(10, 20), POINT(coord_ra, coord_dec)) <= 0.5",
      "0.5 > DISTANCE(POINT(coord_ra, coord_dec), POINT(10, 20))",
      "DISTANCE(coord_ra, coord_dec, 10, 20) < 0.5",
      "scisql_angSep(coord_ra, coord_dec, 10, 20) < 0.5",
      "scisql_s2PtInCircle(coord_ra, coord_dec, 10, 20, 0.5) = 1",
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 1.0 / 2)) = 1",
      "CONTAINS(POINT(coord_ra, coord_dec), REGION('CIRCLE ICRS 10 20 0.5')) = 1",
      "g_psfFlux > 5 AND CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.5)) = 1",
  };
  const auto expected = CircleCover(10, 20, 0.5);
  for (const std::string& c : conditions) {
    PlanPtr p = Planned("SELECT objectId FROM dp02_dc2_catalogs.Object WHERE " + c);
    ASSERT_NE(p, nullptr) << c;
    const plan::Scan* s = FindScan(*p);
    EXPECT_EQ(s->access.kind, ScanAccess::Kind::kRanges) << c << "\n" << plan::Explain(*p);
    EXPECT_EQ(s->access.ranges, expected) << c;
  }
}

TEST_F(PlannerTest, BoxAndPolygon) {
  PlanPtr p = Planned(
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), BOX(10, 20, 2, 1)) = 1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.ranges, MakeBox(10, 20, 2, 1).value()->Cover());

  p = Planned(
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), POLYGON(10, 20, 11, 20, 11, 21)) = 1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.ranges, MakePolygon({10, 20, 11, 20, 11, 21}).value()->Cover());

  // scisql_s2PtInBox(ra, dec, ra_min, dec_min, ra_max, dec_max), wrapping through RA 0.
  p = Planned(
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "scisql_s2PtInBox(coord_ra, coord_dec, 350, -5, 10, 5) = 1");
  ASSERT_NE(p, nullptr);
  const plan::Scan* s = FindScan(*p);
  ASSERT_EQ(s->access.kind, ScanAccess::Kind::kRanges) << plan::Explain(*p);
  // Every corner and the middle of the box is in a range.
  auto covered = [&](double ra, double dec) {
    const uint64_t i = HealpixIndex29(ra, dec);
    for (const IndexRange& r : s->access.ranges) {
      if (i >= r.begin && i < r.end) return true;
    }
    return false;
  };
  EXPECT_TRUE(covered(350, -5));
  EXPECT_TRUE(covered(10, 5));
  EXPECT_TRUE(covered(0, 0));
  EXPECT_TRUE(covered(359.9999, 4.9999));
  EXPECT_FALSE(covered(180, 0));
}

TEST_F(PlannerTest, OrOfConesIsTheUnionAndOfConesTheIntersection) {
  PlanPtr p = Planned(
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.1)) = 1 OR "
      "DISTANCE(POINT(coord_ra, coord_dec), POINT(100, -30)) < 0.2");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.ranges,
            UnionRanges(CircleCover(10, 20, 0.1), CircleCover(100, -30, 0.2)));
  EXPECT_TRUE(Contains(plan::Explain(*p), " OR ")) << plan::Explain(*p);

  p = Planned(
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 1)) = 1 AND "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10.5, 20, 1)) = 1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.ranges,
            IntersectRanges(CircleCover(10, 20, 1), CircleCover(10.5, 20, 1)));

  // Disjoint cones AND-ed: nothing to read.
  p = Planned(
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.1)) = 1 AND "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(100, 20, 0.1)) = 1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.kind, ScanAccess::Kind::kEmpty);
}

TEST_F(PlannerTest, WhatMustStayAFullScan) {
  // Adjacent literals below are one query split over lines, not a missing comma.
  // NOLINTBEGIN(bugprone-suspicious-missing-comma)
  const std::vector<std::string> queries = {
      // An OR with a non-spatial branch could pass rows anywhere.
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.5)) = 1 OR g_psfFlux > 3",
      // = 0 passes the rows outside.
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.5)) = 0",
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "DISTANCE(POINT(coord_ra, coord_dec), POINT(10, 20)) > 0.5",
      // Degenerate regions: the executor decides (no crash, no ranges).
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, -1)) = 1",
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 95, 1)) = 1",
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), POLYGON(10, 0, 11, 0, 12, 0)) = 1",
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), POLYGON(0, 0, 10, 0, 1, 1, 0, 10)) = 1",
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, NULL)) = 1",
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), REGION('CIRCLE GALACTIC 10 20 1')) = 1",
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE('GALACTIC', 10, 20, 1)) = 1",
      // Not the position columns.
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_dec, coord_ra), CIRCLE(10, 20, 1)) = 1",
      // A child table's own position is not its key.
      "SELECT forcedSourceId FROM dp02_dc2_catalogs.ForcedSource WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 1)) = 1",
      // Position stored as REAL: the index was computed from other values.
      "SELECT objectId FROM dp02_dc2_catalogs.RealPos WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 1)) = 1",
      // A column, not a constant, as the radius.
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, g_psfFlux)) = 1",
  };
  // NOLINTEND(bugprone-suspicious-missing-comma)
  for (const std::string& q : queries) {
    PlanPtr p = Planned(q);
    ASSERT_NE(p, nullptr) << q;
    const plan::Scan* s = FindScan(*p);
    ASSERT_NE(s, nullptr) << q;
    EXPECT_EQ(s->access.kind, ScanAccess::Kind::kFull) << q << "\n" << plan::Explain(*p);
  }
}

TEST_F(PlannerTest, ConeOnTheNullProducingSideOfAnOuterJoinStaysAbove) {
  // The WHERE on the right side of a LEFT JOIN filters NULL-extended rows too: it must not
  // move into the right input.
  PlanPtr p = Planned(
      "SELECT c.ccdVisitId, o.objectId FROM dp02_dc2_catalogs.CcdVisit AS c "
      "LEFT JOIN dp02_dc2_catalogs.Object AS o ON o.objectId = c.ccdVisitId "
      "WHERE o.g_psfFlux IS NULL");
  ASSERT_NE(p, nullptr);
  const PlanNode* filter = FindNode(*p, PlanKind::kFilter);
  ASSERT_NE(filter, nullptr) << plan::Explain(*p);
  EXPECT_EQ(filter->children[0]->kind, PlanKind::kJoin) << plan::Explain(*p);
  EXPECT_EQ(FindScan(*p, "Object")->filter, nullptr) << plan::Explain(*p);

  // A WHERE on the preserved side moves down.
  p = Planned(
      "SELECT c.ccdVisitId, o.objectId FROM dp02_dc2_catalogs.Object AS o "
      "LEFT JOIN dp02_dc2_catalogs.CcdVisit AS c ON o.objectId = c.ccdVisitId "
      "WHERE CONTAINS(POINT(o.coord_ra, o.coord_dec), CIRCLE(10, 20, 0.5)) = 1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p, "Object")->access.kind, ScanAccess::Kind::kRanges) << plan::Explain(*p);
}

// ---- Key lookups --------------------------------------------------------------------------

TEST_F(PlannerTest, IdLookupIsAPointRead) {
  PlanPtr p =
      Planned("SELECT * FROM dp02_dc2_catalogs.Object WHERE objectId = 1651589610221899038");
  ASSERT_NE(p, nullptr);
  const plan::Scan* s = FindScan(*p);
  EXPECT_EQ(s->access.kind, ScanAccess::Kind::kPrimaryKeys) << plan::Explain(*p);
  EXPECT_EQ(s->access.keys, std::vector<int64_t>{1651589610221899038});
  EXPECT_NE(s->filter, nullptr);

  p = Planned("SELECT objectId FROM dp02_dc2_catalogs.Object WHERE objectId IN (3, 1, 2, 3)");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.keys, (std::vector<int64_t>{1, 2, 3})) << plan::Explain(*p);

  p = Planned("SELECT objectId FROM dp02_dc2_catalogs.Object WHERE objectId = 5 OR objectId = 7");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.keys, (std::vector<int64_t>{5, 7})) << plan::Explain(*p);

  // A key lookup beats a cone.
  p = Planned(
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE objectId = 5 AND "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.5)) = 1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.kind, ScanAccess::Kind::kPrimaryKeys) << plan::Explain(*p);

  // A plain table keyed by its integer primary key.
  p = Planned("SELECT * FROM dp02_dc2_catalogs.CcdVisit WHERE ccdVisitId = 42");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.kind, ScanAccess::Kind::kPrimaryKeys) << plan::Explain(*p);

  // Two keys that no row has at once: empty.
  p = Planned("SELECT * FROM dp02_dc2_catalogs.Object WHERE objectId = 1 AND objectId = 2");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.kind, ScanAccess::Kind::kEmpty) << plan::Explain(*p);

  // Never true.
  p = Planned("SELECT * FROM dp02_dc2_catalogs.Object WHERE 1 = 0");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.kind, ScanAccess::Kind::kEmpty) << plan::Explain(*p);
}

TEST_F(PlannerTest, KeyConditionsThatAreNotLookups) {
  const std::vector<std::string> queries = {
      "SELECT * FROM dp02_dc2_catalogs.Object WHERE objectId <> 5",
      "SELECT * FROM dp02_dc2_catalogs.Object WHERE objectId NOT IN (1, 2)",
      "SELECT * FROM dp02_dc2_catalogs.Object WHERE objectId = 5 OR g_psfFlux > 1",
      "SELECT * FROM dp02_dc2_catalogs.Object WHERE objectId + 0 = 5",
      "SELECT * FROM dp02_dc2_catalogs.Object WHERE objectId = 5.5",
      // ForcedSource has no key index (loaded without --child-index).
      "SELECT * FROM dp02_dc2_catalogs.ForcedSource WHERE forcedSourceId = 5",
  };
  for (const std::string& q : queries) {
    PlanPtr p = Planned(q);
    ASSERT_NE(p, nullptr) << q;
    EXPECT_EQ(FindScan(*p)->access.kind, ScanAccess::Kind::kFull) << q << "\n" << plan::Explain(*p);
  }
  // An aggregate over no rows still has its row: the scan is empty, the Aggregate stays.
  PlanPtr p = Planned("SELECT COUNT(*) FROM dp02_dc2_catalogs.Object WHERE 1 = 0");
  ASSERT_NE(p, nullptr);
  EXPECT_NE(FindNode(*p, PlanKind::kAggregate), nullptr);
  // HAVING false stays above the aggregate.
  p = Planned("SELECT COUNT(*) FROM dp02_dc2_catalogs.Object HAVING 1 = 0");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.kind, ScanAccess::Kind::kFull) << plan::Explain(*p);
}

// ---- Light curves ---------------------------------------------------------------------------

TEST_F(PlannerTest, Dp0LightCurveIsChildrenOfAndAHashJoinBuildingCcdVisit) {
  const std::string q =
      "SELECT src.ccdVisitId, src.band, visinfo.expMidptMJD, "
      "scisql_nanojanskyToAbMag(psfFlux) as psfMag "
      "FROM dp02_dc2_catalogs.ForcedSource as src "
      "JOIN dp02_dc2_catalogs.CcdVisit as visinfo ON visinfo.ccdVisitId = src.ccdVisitId "
      "WHERE src.objectId = 1651589610221899038";
  PlanPtr p = Planned(q);
  ASSERT_NE(p, nullptr);
  const std::string explain = plan::Explain(*p);
  const plan::Scan* fs = FindScan(*p, "ForcedSource");
  ASSERT_NE(fs, nullptr);
  EXPECT_EQ(fs->access.kind, ScanAccess::Kind::kChildrenOf) << explain;
  EXPECT_EQ(fs->access.keys, std::vector<int64_t>{1651589610221899038});
  const PlanNode* join = FindNode(*p, PlanKind::kJoin);
  ASSERT_NE(join, nullptr);
  const auto& j = join->As<plan::Join>();
  EXPECT_EQ(j.type, plan::JoinType::kInner);
  ASSERT_EQ(j.left_keys.size(), 1u) << explain;
  // CcdVisit on the right: the build side.
  EXPECT_EQ(FindScan(*join->children[1])->table->def.name, "CcdVisit") << explain;
  EXPECT_EQ(FindScan(*join->children[1])->access.kind, ScanAccess::Kind::kFull);
  EXPECT_EQ(FindNode(*p, PlanKind::kGather), nullptr) << explain;

  // Written the other way round, CcdVisit still builds, and the columns keep their order.
  PlanPtr r = Planned(
      "SELECT visinfo.expMidptMJD, src.ccdVisitId "
      "FROM dp02_dc2_catalogs.CcdVisit as visinfo "
      "JOIN dp02_dc2_catalogs.ForcedSource as src ON visinfo.ccdVisitId = src.ccdVisitId "
      "WHERE src.objectId = 1651589610221899038");
  ASSERT_NE(r, nullptr);
  const PlanNode* rj = FindNode(*r, PlanKind::kJoin);
  ASSERT_NE(rj, nullptr);
  EXPECT_EQ(FindScan(*rj->children[1])->table->def.name, "CcdVisit") << plan::Explain(*r);
  EXPECT_EQ(FindScan(*r, "ForcedSource")->access.kind, ScanAccess::Kind::kChildrenOf);
  EXPECT_EQ(r->schema[0].name, "expMidptMJD");
  EXPECT_EQ(r->schema[1].name, "ccdVisitId");
}

// CcdVisit cached in memory with its key indexed, as QueryEngine::Open does for small plain
// tables: joins on ccdVisitId become lookups into it.
void CacheCcdVisit(QueryCatalog* catalog) {
  auto rows = std::make_shared<MemoryTable>();
  ColumnBatch b;
  b.Reset({{DataType::kBigInt, 0}, {DataType::kVarChar, 0}, {DataType::kDouble, 0}});
  for (int i = 0; i < 3; ++i) {
    b.columns[0].AppendInt(100 + i);
    b.columns[1].AppendString("r");
    b.columns[2].AppendDouble(60000.0 + i);
  }
  b.num_rows = 3;
  rows->batches.push_back(std::move(b));
  ASSERT_TRUE(rows->BuildKeyIndex(0).ok());
  ASSERT_TRUE(catalog->CacheInMemory("CcdVisit", std::move(rows)).ok());
}

TEST_F(PlannerTest, Dp0LightCurveIsChildrenOfAndALookupIntoCachedCcdVisit) {
  CacheCcdVisit(catalog_.get());
  const std::string q =
      "SELECT src.ccdVisitId, src.band, visinfo.expMidptMJD, "
      "scisql_nanojanskyToAbMag(psfFlux) as psfMag "
      "FROM dp02_dc2_catalogs.ForcedSource as src "
      "JOIN dp02_dc2_catalogs.CcdVisit as visinfo ON visinfo.ccdVisitId = src.ccdVisitId "
      "WHERE src.objectId = 1651589610221899038";
  EXPECT_EQ(Plan(q),
            "Project [ccdVisitId, band, expMidptMJD, psfMag] = #1, #2, #5, "
            "scisql_nanojanskyToAbMag(#3)\n"
            "  Join inner lookup(#1 -> CcdVisit.ccdVisitId) on (#4 = #1)\n"
            "    Scan dp02_dc2_catalogs.ForcedSource children-of=1 [objectId, ccdVisitId, band, "
            "psfFlux] filter=(#0 = 1651589610221899038)\n"
            "    Scan dp02_dc2_catalogs.CcdVisit full [ccdVisitId, expMidptMJD]\n");

  // Written the other way round: the inputs are swapped so that CcdVisit is looked up, and
  // the columns keep their order.
  PlanPtr r = Planned(
      "SELECT visinfo.expMidptMJD, src.ccdVisitId "
      "FROM dp02_dc2_catalogs.CcdVisit as visinfo "
      "JOIN dp02_dc2_catalogs.ForcedSource as src ON visinfo.ccdVisitId = src.ccdVisitId "
      "WHERE src.objectId = 1651589610221899038");
  ASSERT_NE(r, nullptr);
  const std::string explain = plan::Explain(*r);
  const PlanNode* rj = FindNode(*r, PlanKind::kJoin);
  ASSERT_NE(rj, nullptr);
  EXPECT_GE(rj->As<plan::Join>().lookup_key, 0) << explain;
  EXPECT_EQ(FindScan(*rj->children[1])->table->def.name, "CcdVisit") << explain;
  EXPECT_EQ(FindScan(*rj->children[0])->access.kind, ScanAccess::Kind::kChildrenOf) << explain;
  EXPECT_TRUE(Contains(explain, "lookup(#1 -> CcdVisit.ccdVisitId)")) << explain;
  EXPECT_EQ(r->schema[0].name, "expMidptMJD");
  EXPECT_EQ(r->schema[1].name, "ccdVisitId");

  // LEFT joins look up too; a filter on CcdVisit stays on its scan.
  const std::string left = Plan(
      "SELECT src.ccdVisitId, visinfo.band FROM dp02_dc2_catalogs.ForcedSource as src "
      "LEFT JOIN dp02_dc2_catalogs.CcdVisit as visinfo ON visinfo.ccdVisitId = src.ccdVisitId "
      "AND visinfo.band = 'r' WHERE src.objectId = 5");
  EXPECT_TRUE(Contains(left, "Join left lookup(")) << left;
  EXPECT_TRUE(Contains(left, "CcdVisit full [ccdVisitId, band] filter=")) << left;
}

// Correlated EXISTS / NOT EXISTS (rules/exists_to_semi_join.cc): a distance condition becomes a
// semi (anti) spatial join, an equality a hash semi join; a subquery the rule cannot take apart
// stays a correlated subquery in a Filter.
TEST_F(PlannerTest, CorrelatedExistsIsASemiJoin) {
  const std::string exists_near =
      "EXISTS (SELECT 1 FROM dp02_dc2_catalogs.Object AS o WHERE DISTANCE(POINT(d.coord_ra, "
      "d.coord_dec), POINT(o.coord_ra, o.coord_dec)) < 1.0 / 3600 AND o.objectId <> d.objectId)";
  struct Case {
    std::string adql;
    plan::JoinType type;
    bool spatial;
  };
  for (const Case& c : {
           Case{"SELECT d.objectId FROM dp02_dc2_catalogs.Object AS d WHERE " + exists_near,
                plan::JoinType::kSemi, true},
           Case{"SELECT d.objectId FROM dp02_dc2_catalogs.Object AS d WHERE d.coord_dec > 0 AND "
                "NOT " +
                    exists_near,
                plan::JoinType::kAnti, true},
           Case{"SELECT d.objectId FROM dp02_dc2_catalogs.Object AS d WHERE EXISTS (SELECT "
                "DISTINCT s.forcedSourceId FROM dp02_dc2_catalogs.ForcedSource AS s WHERE "
                "s.objectId = d.objectId AND s.psfFlux > 20)",
                plan::JoinType::kSemi, false},
       }) {
    PlanPtr p = Planned(c.adql);
    ASSERT_NE(p, nullptr) << c.adql;
    const PlanNode* j = FindNode(*p, PlanKind::kJoin);
    ASSERT_NE(j, nullptr) << c.adql << "\n" << plan::Explain(*p);
    const auto& join = j->As<plan::Join>();
    EXPECT_EQ(join.type, c.type) << plan::Explain(*p);
    EXPECT_EQ(join.spatial.has_value(), c.spatial) << plan::Explain(*p);
    EXPECT_EQ(join.left_keys.size(), c.spatial ? 0u : 1u) << plan::Explain(*p);
    EXPECT_FALSE(Contains(plan::Explain(*p), "subquery")) << plan::Explain(*p);
    // The semi join keeps the outer rows' columns only.
    EXPECT_EQ(j->schema.size(), j->children[0]->schema.size()) << plan::Explain(*p);
  }
  // Left alone: EXISTS under OR, TOP in the subquery, an aggregate in it, and the outer row read
  // below the subquery's WHERE (in a join condition).
  for (const std::string& adql : {
           "SELECT d.objectId FROM dp02_dc2_catalogs.Object AS d WHERE d.coord_dec < 0 OR " +
               exists_near,
           std::string("SELECT d.objectId FROM dp02_dc2_catalogs.Object AS d WHERE EXISTS "
                       "(SELECT TOP 1 s.objectId FROM dp02_dc2_catalogs.ForcedSource AS s WHERE "
                       "s.objectId = d.objectId)"),
           std::string(
               "SELECT d.objectId FROM dp02_dc2_catalogs.Object AS d WHERE EXISTS "
               "(SELECT COUNT(*) FROM dp02_dc2_catalogs.ForcedSource AS s WHERE s.objectId = "
               "d.objectId)"),
           std::string("SELECT d.objectId FROM dp02_dc2_catalogs.Object AS d WHERE EXISTS "
                       "(SELECT 1 FROM dp02_dc2_catalogs.ForcedSource AS s JOIN "
                       "dp02_dc2_catalogs.CcdVisit AS v ON v.ccdVisitId = s.ccdVisitId AND "
                       "s.objectId = d.objectId)"),
       }) {
    PlanPtr p = Planned(adql);
    ASSERT_NE(p, nullptr) << adql;
    EXPECT_TRUE(Contains(plan::Explain(*p), "EXISTS (correlated subquery)")) << adql << "\n"
                                                                             << plan::Explain(*p);
  }
}

TEST_F(PlannerTest, JoinsThatStayHashJoinsOverCachedCcdVisit) {
  CacheCcdVisit(catalog_.get());
  // Not on the key; RIGHT and FULL joins (the memory table must be scanned for its unmatched
  // rows); the memory table on the left of a LEFT join; a key through an expression.
  for (const std::string& q : {
           std::string("SELECT s.ccdVisitId FROM dp02_dc2_catalogs.ForcedSource AS s "
                       "JOIN dp02_dc2_catalogs.CcdVisit AS c ON c.band = s.band "
                       "WHERE s.objectId = 5"),
           std::string("SELECT s.ccdVisitId FROM dp02_dc2_catalogs.ForcedSource AS s "
                       "RIGHT JOIN dp02_dc2_catalogs.CcdVisit AS c ON c.ccdVisitId = s.ccdVisitId "
                       "WHERE s.objectId = 5"),
           std::string("SELECT s.ccdVisitId FROM dp02_dc2_catalogs.ForcedSource AS s "
                       "FULL JOIN dp02_dc2_catalogs.CcdVisit AS c ON c.ccdVisitId = s.ccdVisitId"),
           std::string("SELECT s.ccdVisitId FROM dp02_dc2_catalogs.CcdVisit AS c "
                       "LEFT JOIN dp02_dc2_catalogs.ForcedSource AS s "
                       "ON c.ccdVisitId = s.ccdVisitId"),
           std::string("SELECT s.ccdVisitId FROM dp02_dc2_catalogs.ForcedSource AS s "
                       "JOIN dp02_dc2_catalogs.CcdVisit AS c ON c.ccdVisitId + 1 = s.ccdVisitId "
                       "WHERE s.objectId = 5"),
       }) {
    const std::string p = Plan(q);
    EXPECT_FALSE(Contains(p, "lookup(")) << q << "\n" << p;
    EXPECT_TRUE(Contains(p, "hash(")) << q << "\n" << p;
  }
  // The same query over the uncached (store) CcdVisit is a hash join.
  SetUp();
  const std::string store = Plan(
      "SELECT s.ccdVisitId FROM dp02_dc2_catalogs.ForcedSource AS s "
      "JOIN dp02_dc2_catalogs.CcdVisit AS c ON c.ccdVisitId = s.ccdVisitId WHERE s.objectId = 5");
  EXPECT_FALSE(Contains(store, "lookup(")) << store;
}

TEST_F(PlannerTest, LightCurvesOfObjectsByKeyAndByCone) {
  PlanPtr p = Planned(
      "SELECT o.objectId, s.psfFlux FROM dp02_dc2_catalogs.Object AS o "
      "JOIN dp02_dc2_catalogs.ForcedSource AS s ON s.objectId = o.objectId "
      "WHERE o.objectId IN (10, 20)");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p, "Object")->access.kind, ScanAccess::Kind::kPrimaryKeys);
  const plan::Scan* fs = FindScan(*p, "ForcedSource");
  EXPECT_EQ(fs->access.kind, ScanAccess::Kind::kChildrenOf) << plan::Explain(*p);
  EXPECT_EQ(fs->access.keys, (std::vector<int64_t>{10, 20}));

  p = Planned(
      "SELECT o.objectId, s.psfFlux FROM dp02_dc2_catalogs.Object AS o, "
      "dp02_dc2_catalogs.ForcedSource AS s WHERE s.objectId = o.objectId AND "
      "CONTAINS(POINT(o.coord_ra, o.coord_dec), CIRCLE(62, -37, 0.05)) = 1");
  ASSERT_NE(p, nullptr);
  fs = FindScan(*p, "ForcedSource");
  EXPECT_EQ(fs->access.kind, ScanAccess::Kind::kRanges) << plan::Explain(*p);
  EXPECT_EQ(fs->access.ranges, CircleCover(62, -37, 0.05));
  const PlanNode* join = FindNode(*p, PlanKind::kJoin);
  ASSERT_NE(join, nullptr);
  EXPECT_EQ(join->As<plan::Join>().left_keys.size(), 1u) << plan::Explain(*p);

  // A LEFT JOIN keeps every object: the child (null-producing) side may be restricted ...
  p = Planned(
      "SELECT o.objectId, s.psfFlux FROM dp02_dc2_catalogs.Object AS o "
      "LEFT JOIN dp02_dc2_catalogs.ForcedSource AS s ON s.objectId = o.objectId "
      "WHERE o.objectId = 10");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p, "ForcedSource")->access.kind, ScanAccess::Kind::kChildrenOf)
      << plan::Explain(*p);
  // ... but not when the child is the preserved side.
  p = Planned(
      "SELECT o.objectId, s.psfFlux FROM dp02_dc2_catalogs.ForcedSource AS s "
      "LEFT JOIN dp02_dc2_catalogs.Object AS o ON s.objectId = o.objectId AND o.objectId = 10");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p, "ForcedSource")->access.kind, ScanAccess::Kind::kFull)
      << plan::Explain(*p);
  EXPECT_EQ(FindScan(*p, "Object")->access.kind, ScanAccess::Kind::kPrimaryKeys)
      << plan::Explain(*p);
}

// ---- Top-k and MAXREC ---------------------------------------------------------------------

TEST_F(PlannerTest, TopWithOrderByIsATopK) {
  PlanPtr p = Planned(
      "SELECT TOP 10 objectId, g_psfFlux FROM dp02_dc2_catalogs.Object ORDER BY g_psfFlux DESC");
  ASSERT_NE(p, nullptr);
  const PlanNode* sort = FindNode(*p, PlanKind::kSort);
  ASSERT_NE(sort, nullptr);
  EXPECT_EQ(sort->As<plan::Sort>().limit, 10) << plan::Explain(*p);
  EXPECT_NE(FindNode(*p, PlanKind::kLimit), nullptr);

  p = Planned("SELECT objectId FROM dp02_dc2_catalogs.Object ORDER BY g_psfFlux OFFSET 5");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindNode(*p, PlanKind::kSort)->As<plan::Sort>().limit, -1) << plan::Explain(*p);

  PlannerOptions maxrec = Options();
  maxrec.max_rows = 6;
  p = Planned("SELECT objectId FROM dp02_dc2_catalogs.Object ORDER BY g_psfFlux", maxrec);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindNode(*p, PlanKind::kSort)->As<plan::Sort>().limit, 6) << plan::Explain(*p);
  EXPECT_EQ(FindNode(*p, PlanKind::kLimit), nullptr);

  p = Planned("SELECT TOP 3 objectId FROM dp02_dc2_catalogs.Object ORDER BY g_psfFlux", maxrec);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindNode(*p, PlanKind::kSort)->As<plan::Sort>().limit, 3) << plan::Explain(*p);
}

// ---- Parallel fragments -------------------------------------------------------------------

TEST_F(PlannerTest, ParallelFragments) {
  PlannerOptions par = Options();
  par.threads = 4;
  PlanPtr p = Planned(
      "SELECT band, COUNT(*), AVG(psfFlux) FROM dp02_dc2_catalogs.ForcedSource "
      "GROUP BY band",
      par);
  ASSERT_NE(p, nullptr);
  const PlanNode* g = FindNode(*p, PlanKind::kGather);
  ASSERT_NE(g, nullptr) << plan::Explain(*p);
  EXPECT_EQ(g->As<plan::Gather>().merge, plan::Gather::Merge::kAggregate);
  EXPECT_EQ(g->children[0]->kind, PlanKind::kAggregate);

  p = Planned("SELECT COUNT(DISTINCT band) FROM dp02_dc2_catalogs.ForcedSource", par);
  ASSERT_NE(p, nullptr);
  g = FindNode(*p, PlanKind::kGather);
  ASSERT_NE(g, nullptr) << plan::Explain(*p);
  EXPECT_EQ(g->As<plan::Gather>().merge, plan::Gather::Merge::kConcat) << plan::Explain(*p);

  p = Planned("SELECT TOP 5 objectId FROM dp02_dc2_catalogs.Object ORDER BY g_psfFlux", par);
  ASSERT_NE(p, nullptr);
  g = FindNode(*p, PlanKind::kGather);
  ASSERT_NE(g, nullptr) << plan::Explain(*p);
  EXPECT_EQ(g->As<plan::Gather>().merge, plan::Gather::Merge::kOrdered);
  EXPECT_EQ(g->children[0]->kind, PlanKind::kSort);
  EXPECT_EQ(g->children[0]->As<plan::Sort>().limit, 5);

  // TOP without ORDER BY: the first rows in key order, sequentially.
  p = Planned("SELECT TOP 5 objectId FROM dp02_dc2_catalogs.Object", par);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindNode(*p, PlanKind::kGather), nullptr) << plan::Explain(*p);

  // A cone is too small to split; a point read is not split.
  p = Planned(
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.0166667)) = 1",
      par);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindNode(*p, PlanKind::kGather), nullptr) << plan::Explain(*p);

  // A full scan with a filter.
  p = Planned("SELECT objectId FROM dp02_dc2_catalogs.Object WHERE g_psfFlux > 3", par);
  ASSERT_NE(p, nullptr);
  g = FindNode(*p, PlanKind::kGather);
  ASSERT_NE(g, nullptr) << plan::Explain(*p);
  EXPECT_EQ(g->As<plan::Gather>().merge, plan::Gather::Merge::kConcat);
}

// ---- Rewrites off, and plans the rules leave alone -----------------------------------------

TEST_F(PlannerTest, RewritesOffKeepsTheBindersPlan) {
  const std::string q =
      "SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
      "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 0.5)) = 1";
  PlanPtr bound = Bound(q);
  ASSERT_NE(bound, nullptr);
  const std::string before = plan::Explain(*bound);
  PlannerOptions off;
  off.enable_rewrites = false;
  auto p = Optimize(std::move(bound), off);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(plan::Explain(**p), before);
}

TEST_F(PlannerTest, CorrelatedSubqueryColumnsSurvivePruning) {
  // The subquery reads o.g_psfFlux from the outer scope: the outer scan must keep it and the
  // reference must follow the column's new position.
  PlanPtr p = Planned(
      "SELECT o.objectId FROM dp02_dc2_catalogs.Object AS o WHERE EXISTS "
      "(SELECT 1 FROM dp02_dc2_catalogs.ForcedSource AS s WHERE s.objectId = o.objectId "
      "AND s.psfFlux > o.g_psfFlux)");
  ASSERT_NE(p, nullptr);
  // Validation inside Optimize would have failed on a dangling column; check the scan too.
  const plan::Scan* o = FindScan(*p, "Object");
  ASSERT_NE(o, nullptr) << plan::Explain(*p);
  bool has_flux = false;
  for (const auto& c : o->schema) has_flux = has_flux || c.name == "g_psfFlux";
  EXPECT_TRUE(has_flux) << plan::Explain(*p);
}

TEST_F(PlannerTest, ManyQueryShapesOptimiseToValidPlans) {
  // Optimize validates its output (every column within its input); these only have to pass.
  // Adjacent literals below are one query split over lines, not a missing comma.
  // NOLINTBEGIN(bugprone-suspicious-missing-comma)
  const std::vector<std::string> queries = {
      "SELECT * FROM dp02_dc2_catalogs.Object",
      "SELECT DISTINCT band FROM dp02_dc2_catalogs.ForcedSource WHERE psfFlux > 0",
      "SELECT t.x FROM (SELECT objectId AS x, g_psfFlux AS f FROM dp02_dc2_catalogs.Object) AS t "
      "WHERE t.f > 1",
      "SELECT objectId FROM dp02_dc2_catalogs.Object UNION SELECT objectId FROM "
      "dp02_dc2_catalogs.ForcedSource",
      "SELECT band, COUNT(*) AS n FROM dp02_dc2_catalogs.ForcedSource GROUP BY band "
      "HAVING band = 'r' AND COUNT(*) > 3",
      "SELECT o.objectId FROM dp02_dc2_catalogs.Object AS o WHERE o.objectId IN "
      "(SELECT objectId FROM dp02_dc2_catalogs.ForcedSource WHERE psfFlux > 5)",
      "SELECT o.objectId, (SELECT COUNT(*) FROM dp02_dc2_catalogs.ForcedSource AS s "
      "WHERE s.objectId = o.objectId) AS n FROM dp02_dc2_catalogs.Object AS o "
      "WHERE o.objectId = 7",
      "SELECT a.objectId, b.objectId FROM dp02_dc2_catalogs.Object AS a "
      "FULL OUTER JOIN dp02_dc2_catalogs.Object AS b ON a.objectId = b.objectId AND a.g_psfFlux > "
      "1",
      "SELECT a.objectId FROM dp02_dc2_catalogs.Object AS a CROSS JOIN "
      "dp02_dc2_catalogs.CcdVisit AS c WHERE a.objectId = c.ccdVisitId AND c.band = 'g'",
      "SELECT COUNT(*) FROM dp02_dc2_catalogs.Object",
      "SELECT RAND() AS r, objectId FROM dp02_dc2_catalogs.Object WHERE objectId = 1",
      "WITH c AS (SELECT objectId, coord_ra, coord_dec FROM dp02_dc2_catalogs.Object) "
      "SELECT objectId FROM c WHERE CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(1, 2, 3)) = 1",
      "SELECT TOP 3 o.objectId, s.band FROM dp02_dc2_catalogs.Object AS o JOIN "
      "dp02_dc2_catalogs.ForcedSource AS s ON s.objectId = o.objectId ORDER BY s.psfFlux",
  };
  // NOLINTEND(bugprone-suspicious-missing-comma)
  for (const std::string& q : queries) {
    for (int threads : {1, 4}) {
      PlannerOptions o = Options();
      o.threads = threads;
      o.max_rows = threads == 4 ? 100 : -1;
      PlanPtr p = Planned(q, o);
      EXPECT_NE(p, nullptr) << q;
    }
  }
}

TEST_F(PlannerTest, DerivedTableConeReachesTheScan) {
  PlanPtr p = Planned(
      "WITH c AS (SELECT objectId, coord_ra, coord_dec FROM dp02_dc2_catalogs.Object) "
      "SELECT objectId FROM c WHERE CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(1, 2, 3)) = 1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(FindScan(*p)->access.kind, ScanAccess::Kind::kRanges) << plan::Explain(*p);
}

// Compact plan strings (plan::Explain): a cone that stops being a range read, an id lookup that
// stops being a point read, a TOP that loses its top-k or a light curve that loses its
// children-of read shows here as a one-line diff.
TEST_F(PlannerTest, PlanShapes) {
  struct Case {
    const char* adql;
    const char* plan;
  };
  const Case cases[] = {
      {"SELECT src.ccdVisitId, src.band, visinfo.expMidptMJD, "
       "scisql_nanojanskyToAbMag(psfFlux) as psfMag "
       "FROM dp02_dc2_catalogs.ForcedSource as src "
       "JOIN dp02_dc2_catalogs.CcdVisit as visinfo ON visinfo.ccdVisitId = src.ccdVisitId "
       "WHERE src.objectId = 1651589610221899038",
       "Project [ccdVisitId, band, expMidptMJD, psfMag] = #1, #2, #5, "
       "scisql_nanojanskyToAbMag(#3)\n"
       "  Join inner hash(#1 = #0) on (#4 = #1)\n"
       "    Scan dp02_dc2_catalogs.ForcedSource children-of=1 [objectId, ccdVisitId, band, "
       "psfFlux] filter=(#0 = 1651589610221899038)\n"
       "    Scan dp02_dc2_catalogs.CcdVisit full [ccdVisitId, expMidptMJD]\n"},
      {"SELECT TOP 10 objectId, g_psfFlux FROM dp02_dc2_catalogs.Object "
       "WHERE CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', 10, 20, 0.0166667)) = 1 "
       "ORDER BY g_psfFlux DESC",
       "Limit count=10\n"
       "  TopK 10 #1 DESC\n"
       "    Project [objectId, g_psfFlux] = #0, #3\n"
       "      Scan dp02_dc2_catalogs.Object ranges=9 CIRCLE(10 20 0.0166667) [objectId, coord_ra, "
       "coord_dec, g_psfFlux] filter=(CONTAINS(POINT('ICRS', #1, #2), CIRCLE('ICRS', 10, 20, "
       "0.0166667)) = 1)\n"},
      {"SELECT objectId, g_psfFlux FROM dp02_dc2_catalogs.Object WHERE objectId IN (7, 5)",
       "Project [objectId, g_psfFlux] = #0, #1\n"
       "  Scan dp02_dc2_catalogs.Object keys=2 [objectId, g_psfFlux] filter=#0 IN (7, 5)\n"},
      {"SELECT a.objectId FROM dp02_dc2_catalogs.Object AS a CROSS JOIN "
       "dp02_dc2_catalogs.CcdVisit AS c WHERE a.objectId = c.ccdVisitId AND c.band = 'g'",
       "Project [objectId] = #0\n"
       "  Join inner hash(#0 = #0) on (#0 = #1)\n"
       "    Scan dp02_dc2_catalogs.Object full [objectId]\n"
       "    Scan dp02_dc2_catalogs.CcdVisit full [ccdVisitId, band] filter=(#1 = 'g')\n"},
      {"SELECT band, COUNT(*) AS n FROM dp02_dc2_catalogs.ForcedSource GROUP BY band "
       "HAVING band = 'r' AND COUNT(*) > 3",
       "Project [band, n] = #0, #1\n"
       "  Filter (#1 > 3)\n"
       "    Aggregate group=(#0) COUNT(*)\n"
       "      Scan dp02_dc2_catalogs.ForcedSource full [band] filter=(#0 = 'r')\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(Plan(c.adql), c.plan) << c.adql;

  PlannerOptions par = Options();
  par.threads = 4;
  EXPECT_EQ(
      Plan("SELECT band, COUNT(*) AS n, AVG(psfFlux) AS m FROM dp02_dc2_catalogs.ForcedSource "
           "GROUP BY band",
           par),
      "Project [band, n, m] = #0, #1, #2\n"
      "  Gather aggregate\n"
      "    Aggregate group=(#0) COUNT(*) AVG(#1)\n"
      "      Scan dp02_dc2_catalogs.ForcedSource full [band, psfFlux]\n");
}

// ---- Query kind (adql/planner/plan_kind.h) -------------------------------------------------

// The kind comes from the access paths the planner chose, so a query that only mentions a
// region but must read everything is not a cone, and the same cone with rewrites off is not.
TEST_F(PlannerTest, QueryKindFollowsThePlan) {
  struct Case {
    const char* adql;
    QueryKind kind;
  };
  const Case cases[] = {
      {"SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
       "CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', 10, 20, 0.0166667)) = 1",
       QueryKind::kCone},
      {"SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
       "1 = CONTAINS(POINT(coord_ra, coord_dec), BOX(10, 20, 1, 1))",
       QueryKind::kCone},
      // OR with a non-spatial condition: a full scan, not a cone.
      {"SELECT objectId FROM dp02_dc2_catalogs.Object WHERE "
       "CONTAINS(POINT(coord_ra, coord_dec), CIRCLE(10, 20, 1)) = 1 OR g_psfFlux > 5",
       QueryKind::kOther},
      {"SELECT src.ccdVisitId, src.band, visinfo.expMidptMJD "
       "FROM dp02_dc2_catalogs.ForcedSource as src "
       "JOIN dp02_dc2_catalogs.CcdVisit as visinfo ON visinfo.ccdVisitId = src.ccdVisitId "
       "WHERE src.objectId = 1651589610221899038",
       QueryKind::kLightCurve},
      // Light curves of several objects: the objects by key, their ForcedSource rows
      // children-of.
      {"SELECT o.objectId, s.psfFlux FROM dp02_dc2_catalogs.Object AS o "
       "JOIN dp02_dc2_catalogs.ForcedSource AS s ON s.objectId = o.objectId "
       "WHERE o.objectId IN (10, 20)",
       QueryKind::kLightCurve},
      {"SELECT a.objectId, b.objectId FROM dp02_dc2_catalogs.Object AS a "
       "JOIN dp02_dc2_catalogs.RealPos AS b ON "
       "DISTANCE(POINT(a.coord_ra, a.coord_dec), POINT(b.coord_ra, b.coord_dec)) < 1./3600",
       QueryKind::kCrossMatch},
      // A cross-match inside a cone is a cross-match.
      {"SELECT a.objectId FROM dp02_dc2_catalogs.Object AS a, dp02_dc2_catalogs.RealPos AS b "
       "WHERE CONTAINS(POINT(a.coord_ra, a.coord_dec), CIRCLE(b.coord_ra, b.coord_dec, 0.001)) "
       "= 1 AND CONTAINS(POINT(a.coord_ra, a.coord_dec), CIRCLE(10, 20, 1)) = 1",
       QueryKind::kCrossMatch},
      {"SELECT objectId, g_psfFlux FROM dp02_dc2_catalogs.Object WHERE objectId = 7",
       QueryKind::kOther},
      {"SELECT band, COUNT(*) FROM dp02_dc2_catalogs.ForcedSource GROUP BY band",
       QueryKind::kOther},
      {"SELECT table_name FROM TAP_SCHEMA.tables", QueryKind::kOther},
  };
  for (const Case& c : cases) {
    PlanPtr p = Planned(c.adql);
    ASSERT_NE(p, nullptr) << c.adql;
    EXPECT_EQ(QueryKindName(ClassifyPlan(*p)), QueryKindName(c.kind)) << c.adql << "\n"
                                                                      << plan::Explain(*p);
  }
  // Rewrites off: the binder's plan reads everything, so the cone is no longer one.
  PlannerOptions off = Options();
  off.enable_rewrites = false;
  PlanPtr p = Planned(cases[0].adql, off);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(ClassifyPlan(*p), QueryKind::kOther) << plan::Explain(*p);
  EXPECT_EQ(QueryKindName(QueryKind::kNone), "none");
}

// ---- Rules on hand-built expressions ------------------------------------------------------

ExprPtr Int(int64_t v) { return Expr::Constant(plan::Value::Int(v)); }
ExprPtr Dbl(double v) { return Expr::Constant(plan::Value::Double(v)); }
ExprPtr Bin(Op op, ExprPtr a, ExprPtr b, ValueType t) {
  std::vector<ExprPtr> args;
  args.push_back(std::move(a));
  args.push_back(std::move(b));
  return Expr::Make(ExprKind::kBinary, t, std::move(args), op);
}

std::string Folded(ExprPtr e) {
  planner::FoldExpression(&e);
  return plan::ToString(*e);
}

TEST(ConstantFoldingTest, FoldsOnlyWhatTheExecutorWouldComputeTheSame) {
  EXPECT_EQ(Folded(Bin(Op::kAdd, Int(2), Int(3), ValueType::kBigInt)), "5");
  EXPECT_EQ(Folded(Bin(Op::kDivide, Int(7), Int(-2), ValueType::kBigInt)), "-3");
  EXPECT_EQ(Folded(Bin(Op::kDivide, Dbl(1), Int(60), ValueType::kDouble)),
            plan::Value::Double(1.0 / 60).ToString());
  // Division by zero and overflow stay for the executor to report.
  EXPECT_EQ(Folded(Bin(Op::kDivide, Int(1), Int(0), ValueType::kBigInt)), "(1 / 0)");
  EXPECT_EQ(
      Folded(Bin(Op::kMultiply, Int(int64_t{1} << 40), Int(int64_t{1} << 40), ValueType::kBigInt)),
      "(1099511627776 * 1099511627776)");
  EXPECT_EQ(Folded(Bin(Op::kAdd, Int(2147483647), Int(1), ValueType::kInteger)),
            "(2147483647 + 1)");
  // NULL propagates.
  EXPECT_EQ(Folded(Bin(Op::kAdd, Int(1), Expr::Constant(plan::Value::Null(ValueType::kBigInt)),
                       ValueType::kBigInt)),
            "NULL");
  // Functions are not folded (RAND above all).
  const FunctionInfo* rand = FunctionRegistry::Default().Find("RAND");
  ASSERT_NE(rand, nullptr);
  auto call = Expr::Make(ExprKind::kFunction, ValueType::kDouble, {});
  call->function = rand;
  call->signature = &rand->signatures[0];
  EXPECT_EQ(Folded(std::move(call)), "RAND()");
}

TEST(ConstantFoldingTest, ThreeValuedLogic) {
  auto cmp = [](int64_t a, int64_t b) {
    std::vector<ExprPtr> args;
    args.push_back(Int(a));
    args.push_back(Int(b));
    return Expr::Make(ExprKind::kComparison, ValueType::kBoolean, std::move(args), Op::kEqual);
  };
  auto col = Expr::Column(0, ValueType::kBoolean);
  std::vector<ExprPtr> args;
  args.push_back(cmp(1, 1));
  args.push_back(std::move(col));
  EXPECT_EQ(Folded(Expr::Make(ExprKind::kAnd, ValueType::kBoolean, std::move(args))), "#0");

  args.clear();
  args.push_back(cmp(1, 2));
  args.push_back(Expr::Column(0, ValueType::kBoolean));
  EXPECT_EQ(Folded(Expr::Make(ExprKind::kAnd, ValueType::kBoolean, std::move(args))), "FALSE");

  args.clear();
  args.push_back(cmp(1, 1));
  args.push_back(Expr::Column(0, ValueType::kBoolean));
  EXPECT_EQ(Folded(Expr::Make(ExprKind::kOr, ValueType::kBoolean, std::move(args))), "TRUE");

  // NULL AND x stays (it is NULL or FALSE depending on x).
  args.clear();
  args.push_back(Expr::Constant(plan::Value::Null(ValueType::kBoolean)));
  args.push_back(Expr::Column(0, ValueType::kBoolean));
  EXPECT_EQ(Folded(Expr::Make(ExprKind::kAnd, ValueType::kBoolean, std::move(args))),
            "(#0 AND NULL)");
}

TEST(RangeSetTest, UnionAndIntersection) {
  using V = std::vector<IndexRange>;
  EXPECT_EQ(UnionRanges(V{{0, 5}, {10, 20}}, V{{5, 7}, {15, 30}}), (V{{0, 7}, {10, 30}}));
  EXPECT_EQ(IntersectRanges(V{{0, 5}, {10, 20}}, V{{3, 12}, {15, 30}}),
            (V{{3, 5}, {10, 12}, {15, 20}}));
  EXPECT_EQ(IntersectRanges(V{{0, 5}}, V{{5, 7}}), V{});
}

}  // namespace
}  // namespace skyshard::adql
