// Tests of the positional cross-match (issue 5): the planner turns every form of a bounded
// separation between two tables' positions into a spatial join (plan shapes), and the spatial
// join returns exactly the pairs that the nested loop (the binder's plan, rewrites off) and an
// independent brute force (long-double haversine) return, on generated uploads with dense
// clusters, at both poles, across RA 0/360, for radii from 0.01 arcsec to 1 degree, for inner,
// left, right, semi and self joins, with residual predicates and within a memory budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "adql/binder/binder.h"
#include "adql/binder/query_catalog.h"
#include "adql/exec/executor.h"
#include "adql/exec/internal/spatial_neighbourhood.h"
#include "adql/parser/parser.h"
#include "adql/planner/logical_plan.h"
#include "adql/planner/planner.h"
#include "exec_test_util.h"
#include "indexing/disc_pixels.h"
#include "storage/catalog.h"

namespace skyshard::adql {
namespace {

using testing::CollectSink;

constexpr double kPi = std::numbers::pi;
constexpr double kDeg = kPi / 180;

ColumnDef Column(std::string name, DataType type) {
  ColumnDef c;
  c.name = std::move(name);
  c.type = {type, 0};
  return c;
}

// A store release with one large spatial table (plans only; nothing reads it here).
Catalog StoreCatalog() {
  Catalog cat;
  cat.release = "dp02_dc2_catalogs";
  TableDef object;
  object.name = "Object";
  object.id = 1;
  object.kind = TableKind::kSpatial;
  object.columns = {Column("objectId", DataType::kBigInt), Column("coord_ra", DataType::kDouble),
                    Column("coord_dec", DataType::kDouble), Column("g_psfFlux", DataType::kDouble),
                    Column("detect_isPrimary", DataType::kBoolean)};
  object.primary_key = "objectId";
  object.ra_column = "coord_ra";
  object.dec_column = "coord_dec";
  object.key_index = true;
  object.row_count = 10'000'000;
  cat.tables.push_back(object);
  return cat;
}

struct Pos {
  double ra;
  double dec;
};

// The position `dist` degrees from p in direction `bearing` (radians), RA in [0, 360).
Pos Offset(Pos p, double dist, double bearing) {
  const double d = dist * kDeg, dec1 = p.dec * kDeg, ra1 = p.ra * kDeg;
  const double sin_dec =
      std::sin(dec1) * std::cos(d) + std::cos(dec1) * std::sin(d) * std::cos(bearing);
  const double dec2 = std::asin(std::clamp(sin_dec, -1.0, 1.0));
  const double ra2 = ra1 + std::atan2(std::sin(bearing) * std::sin(d) * std::cos(dec1),
                                      std::cos(d) - std::sin(dec1) * std::sin(dec2));
  double ra = std::fmod(ra2 / kDeg, 360.0);
  if (ra < 0) ra += 360;
  if (ra >= 360) ra = 0;
  return {ra, std::clamp(dec2 / kDeg, -90.0, 90.0)};
}

// Brute-force separation in degrees, in long double (haversine), independent of the engine.
long double SeparationDeg(Pos a, Pos b) {
  const long double k = std::numbers::pi_v<long double> / 180;
  const long double sd = std::sin((static_cast<long double>(b.dec) - a.dec) * k / 2);
  const long double sr = std::sin((static_cast<long double>(b.ra) - a.ra) * k / 2);
  const long double h = sd * sd + std::cos(a.dec * k) * std::cos(b.dec * k) * sr * sr;
  return 2 * std::asin(std::sqrt(std::min<long double>(1, h))) / k;
}

// Generated positions: around a few centres (poles, RA 0/360, random), each "a" position with
// "b" positions at separations spread over [0, 2r] (so many pairs lie near the radius), dense
// clusters (many positions within r of each other), and some scattered over the whole sky.
struct Sky {
  std::vector<Pos> a, b;
};

Sky Generate(double r, uint32_t seed, size_t clusters = 24, size_t per_cluster = 30) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Pos> centres = {{0, 90},      {123, 90},          {0, -90},       {300, -89.9999},
                              {0, 0},       {359.9999, 10},     {0.00001, -45}, {180, 89.99},
                              {45, -89.99}, {359.99999, -0.001}};
  while (centres.size() < clusters) {
    centres.push_back({360 * u(rng), std::asin(2 * u(rng) - 1) / kDeg});
  }
  Sky s;
  for (const Pos& c : centres) {
    for (size_t i = 0; i < per_cluster; ++i) {
      // Cluster members within ~3r of the centre: dense (many within r of each other).
      const Pos p = Offset(c, 3 * r * u(rng), 2 * kPi * u(rng));
      s.a.push_back(p);
      if (i % 3 == 0) s.a.push_back(p);  // twins at one position
      s.b.push_back(Offset(p, 2 * r * u(rng), 2 * kPi * u(rng)));
      if (i % 4 == 0) s.b.push_back(Offset(p, r * (1 + 1e-7 * (u(rng) - 0.5)), 2 * kPi * u(rng)));
      if (i % 5 == 0) s.b.push_back(c);
    }
  }
  for (int i = 0; i < 60; ++i) {
    s.a.push_back({360 * u(rng), std::asin(2 * u(rng) - 1) / kDeg});
    s.b.push_back({360 * u(rng), std::asin(2 * u(rng) - 1) / kDeg});
  }
  // The exact poles and RA edges.
  s.a.push_back({0, 90});
  s.a.push_back({359.999999999, -90});
  s.b.push_back({270, 90});
  s.b.push_back({0, 0});
  s.a.push_back({359.9999999999, 0});
  return s;
}

std::shared_ptr<MemoryTable> Rows(const std::vector<Pos>& pos, bool with_nulls) {
  auto t = std::make_shared<MemoryTable>();
  ColumnBatch b;
  b.Reset({{DataType::kBigInt, 0}, {DataType::kDouble, 0}, {DataType::kDouble, 0}});
  for (size_t i = 0; i < pos.size(); ++i) {
    if (b.num_rows == 700) {  // several batches
      t->batches.push_back(std::move(b));
      b = ColumnBatch();
      b.Reset({{DataType::kBigInt, 0}, {DataType::kDouble, 0}, {DataType::kDouble, 0}});
    }
    b.columns[0].AppendInt(static_cast<int64_t>(i));
    b.columns[1].AppendDouble(pos[i].ra);
    b.columns[2].AppendDouble(pos[i].dec);
    ++b.num_rows;
  }
  if (with_nulls) {
    b.columns[0].AppendInt(static_cast<int64_t>(pos.size()));
    b.columns[1].AppendNull();
    b.columns[2].AppendDouble(0);
    ++b.num_rows;
  }
  t->batches.push_back(std::move(b));
  return t;
}

TableDef UploadDef(const std::string& name) {
  TableDef d;
  d.name = name;
  d.columns = {Column("id", DataType::kBigInt), Column("ra", DataType::kDouble),
               Column("dec", DataType::kDouble)};
  return d;
}

class XmatchTest : public ::testing::Test {
 protected:
  void SetUp() override { Reset(); }

  void Reset() {
    auto qc = QueryCatalog::FromStore(StoreCatalog());
    ASSERT_TRUE(qc.ok()) << qc.status().ToString();
    catalog_ = std::make_unique<QueryCatalog>(std::move(qc).value());
  }

  void Upload(const Sky& sky) {
    Reset();
    ASSERT_TRUE(catalog_->AddUpload(UploadDef("a"), Rows(sky.a, true)).ok());
    ASSERT_TRUE(catalog_->AddUpload(UploadDef("b"), Rows(sky.b, true)).ok());
  }

  Result<plan::PlanPtr> Plan(const std::string& adql, bool rewrites) {
    auto parsed = Parse(adql);
    if (!parsed.ok()) return parsed.status();
    BindOptions bo;
    bo.query_text = adql;
    SKY_ASSIGN_OR_RETURN(plan::PlanPtr bound, Bind(*parsed->query, *catalog_, bo));
    PlannerOptions po;
    po.enable_rewrites = rewrites;
    po.threads = 1;
    return Optimize(std::move(bound), po);
  }

  std::string Explain(const std::string& adql) {
    auto p = Plan(adql, true);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? plan::Explain(**p) : "<error>";
  }

  // The rows as sorted text; ADD_FAILURE on an error.
  std::vector<std::string> Run(const std::string& adql, bool rewrites, size_t memory = 1 << 30,
                               Status* status = nullptr) {
    auto p = Plan(adql, rewrites);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok()) return {};
    if (rewrites) explained_ = plan::Explain(**p);
    CollectSink sink;
    ExecOptions eo;
    eo.threads = 1;
    eo.memory_limit_bytes = memory;
    eo.batch_rows = batch_rows_;
    Status s = Execute(**p, nullptr, &sink, eo);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << adql;
    }
    std::vector<std::string> out;
    for (const auto& row : sink.rows) {
      std::string line;
      for (const auto& v : row) line += v + "|";
      out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Runs `adql` with the spatial join and as the binder's nested loop: same rows.
  std::vector<std::string> Both(const std::string& adql) {
    std::vector<std::string> fast = Run(adql, true);
    EXPECT_NE(explained_.find("spatial(r="), std::string::npos) << explained_;
    std::vector<std::string> slow = Run(adql, false);
    EXPECT_EQ(fast, slow) << adql << "\n" << explained_;
    return fast;
  }

  std::unique_ptr<QueryCatalog> catalog_;
  std::string explained_;
  size_t batch_rows_ = 4096;
};

// ---------------------------------------------------------------------------------------------
// Plan shapes.

TEST_F(XmatchTest, EveryConditionFormIsASpatialJoin) {
  Upload(Generate(1.0 / 3600, 1));
  const std::string from = " FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON ";
  const std::vector<std::string> conditions = {
      "DISTANCE(POINT('ICRS', a.ra, a.dec), POINT('ICRS', b.ra, b.dec)) < 1./3600",
      "DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) <= 0.001",
      "DISTANCE(a.ra, a.dec, b.ra, b.dec) < 0.001",
      "0.001 > DISTANCE(POINT(b.ra, b.dec), POINT(a.ra, a.dec))",
      "CONTAINS(POINT('ICRS', a.ra, a.dec), CIRCLE('ICRS', b.ra, b.dec, 0.001)) = 1",
      "CONTAINS(POINT(b.ra, b.dec), CIRCLE(a.ra, a.dec, 0.001)) = 1",
      "1 = CONTAINS(POINT(b.ra, b.dec), CIRCLE(POINT(a.ra, a.dec), 0.001))",
      "CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, 0.001)) <> 0",
      "INTERSECTS(CIRCLE(b.ra, b.dec, 0.001), POINT(a.ra, a.dec)) = 1",
      "scisql_angSep(a.ra, a.dec, b.ra, b.dec) < 0.001",
      "scisql_s2PtInCircle(a.ra, a.dec, b.ra, b.dec, 0.001) = 1",
      "DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 0.001 AND a.id < b.id",
      "a.id = b.id AND DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 0.001",
      "DISTANCE(POINT(a.ra + 0, a.dec), POINT(b.ra, b.dec * 1.0)) < 0.001",
  };
  for (const std::string& c : conditions) {
    const std::string plan = Explain("SELECT a.id, b.id" + from + c);
    EXPECT_NE(plan.find("Join inner spatial(r="), std::string::npos) << c << "\n" << plan;
    EXPECT_EQ(plan.find("hash("), std::string::npos) << c << "\n" << plan;
  }
  // WHERE over a comma join and over CROSS JOIN, LEFT and RIGHT joins, semi joins.
  const std::string d = "DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 0.001";
  EXPECT_NE(Explain("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a, TAP_UPLOAD.b AS b WHERE " + d)
                .find("spatial(r=0.001"),
            std::string::npos);
  EXPECT_NE(Explain("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a CROSS JOIN TAP_UPLOAD.b AS b WHERE " +
                    d + " AND a.id > 3")
                .find("spatial(r=0.001"),
            std::string::npos);
  EXPECT_NE(Explain("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a LEFT JOIN TAP_UPLOAD.b AS b ON " + d)
                .find("spatial(r=0.001"),
            std::string::npos);
}

TEST_F(XmatchTest, ExplainShowsTheRadiusAndThePositions) {
  Upload(Generate(1.0 / 3600, 1));
  const std::string plan = Explain(
      "SELECT a.id, b.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b "
      "ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 1./3600");
  EXPECT_NE(plan.find("Join inner spatial(r=0.000277778 (#1, #2) ~ (#1, #2)) on "),
            std::string::npos)
      << plan;
}

TEST_F(XmatchTest, NonSpatialJoinsStayAsTheyWere) {
  Upload(Generate(1.0 / 3600, 1));
  const std::string from = "SELECT a.id, b.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON ";
  for (const std::string& c : {
           std::string("a.id = b.id"),
           std::string("DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) > 0.001"),
           std::string("DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < b.dec"),
           std::string("DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 0.001 OR a.id = 1"),
           std::string("DISTANCE(POINT(a.ra, a.dec), POINT(a.ra, b.dec)) < 0.001"),
           std::string("DISTANCE(POINT(a.ra, a.dec), POINT(10, 20)) < 0.001"),
           std::string("DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < -1"),
           std::string("CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, 0.001)) = 0"),
           std::string("CONTAINS(POINT('GALACTIC', a.ra, a.dec), CIRCLE(b.ra, b.dec, 0.1)) = 1"),
           std::string("NOT (DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 0.001)"),
       }) {
    const std::string plan = Explain(from + c);
    EXPECT_EQ(plan.find("spatial("), std::string::npos) << c << "\n" << plan;
  }
}

TEST_F(XmatchTest, SmallerInputBuildsAndProbeScanIsRestricted) {
  Upload(Generate(1.0 / 3600, 1));
  // Upload written first: it moves to the build (right) side; Object is probed and, being
  // keyed by the probe position, read by ranges near the targets.
  std::string plan = Explain(
      "SELECT u.id, o.objectId FROM TAP_UPLOAD.a AS u JOIN dp02_dc2_catalogs.Object AS o "
      "ON DISTANCE(POINT(u.ra, u.dec), POINT(o.coord_ra, o.coord_dec)) < 1./3600");
  EXPECT_NE(plan.find("Join inner spatial(r=0.000277778 (#1, #2) ~ (#1, #2) probe-ranges)"),
            std::string::npos)
      << plan;
  const size_t join = plan.find("Join");
  EXPECT_LT(plan.find("Scan dp02_dc2_catalogs.Object", join), plan.find("Scan TAP_UPLOAD.a", join))
      << plan;
  EXPECT_EQ(plan.rfind("Project", 0), 0u) << plan;
  // A LEFT join of the upload keeps its rows: swapped into a RIGHT join, Object still probes
  // and its scan may still be restricted (unmatched probe rows are dropped in a RIGHT join).
  plan = Explain(
      "SELECT u.id, o.objectId FROM TAP_UPLOAD.a AS u LEFT JOIN dp02_dc2_catalogs.Object AS o "
      "ON CONTAINS(POINT(o.coord_ra, o.coord_dec), CIRCLE(u.ra, u.dec, 0.001)) = 1");
  EXPECT_NE(plan.find("Join right spatial(r=0.001"), std::string::npos) << plan;
  EXPECT_NE(plan.find("probe-ranges"), std::string::npos) << plan;
  // Object LEFT JOIN upload keeps every Object row: no restriction.
  plan = Explain(
      "SELECT u.id, o.objectId FROM dp02_dc2_catalogs.Object AS o LEFT JOIN TAP_UPLOAD.a AS u "
      "ON DISTANCE(POINT(u.ra, u.dec), POINT(o.coord_ra, o.coord_dec)) < 0.001");
  EXPECT_NE(plan.find("Join left spatial(r=0.001"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("probe-ranges"), std::string::npos) << plan;
  // A self-join of Object within 5 arcsec, in a cone: spatial, the cone on both sides.
  plan = Explain(
      "SELECT a.objectId, b.objectId FROM dp02_dc2_catalogs.Object AS a "
      "JOIN dp02_dc2_catalogs.Object AS b "
      "ON DISTANCE(POINT(a.coord_ra, a.coord_dec), POINT(b.coord_ra, b.coord_dec)) < 5./3600 "
      "AND a.objectId < b.objectId "
      "WHERE CONTAINS(POINT(a.coord_ra, a.coord_dec), CIRCLE(10, 20, 0.1)) = 1");
  EXPECT_NE(plan.find("spatial(r=0.00138889"), std::string::npos) << plan;
  EXPECT_NE(plan.find("ranges="), std::string::npos) << plan;
}

TEST_F(XmatchTest, CatalogByCatalogIsPartitioned) {
  Upload(Generate(1.0 / 3600, 1));
  const std::string on =
      " ON DISTANCE(POINT(a.coord_ra, a.coord_dec), POINT(b.coord_ra, b.coord_dec)) < 1./3600";
  // Object x Object (10 M rows each): a Gather over the probe scan's partitions, 40 of about
  // 250 k build rows, margins at order 8 (the margin order, below the neighbour order 16).
  std::string plan = Explain(
      "SELECT COUNT(*) FROM dp02_dc2_catalogs.Object AS a JOIN dp02_dc2_catalogs.Object AS b" + on);
  EXPECT_NE(plan.find("Gather concat partitions=40\n"), std::string::npos) << plan;
  EXPECT_NE(plan.find("spatial(r=0.000277778 (#0, #1) ~ (#0, #1) partitioned(order=8))"),
            std::string::npos)
      << plan;
  EXPECT_LT(plan.find("Gather concat"), plan.find("Join inner")) << plan;
  // Left and semi joins too; the margin order never exceeds the join's neighbour order
  // (1 degree: order 4 at most).
  plan = Explain(
      "SELECT a.objectId, b.objectId FROM dp02_dc2_catalogs.Object AS a LEFT JOIN "
      "dp02_dc2_catalogs.Object AS b ON DISTANCE(POINT(a.coord_ra, a.coord_dec), "
      "POINT(b.coord_ra, b.coord_dec)) < 1");
  EXPECT_NE(plan.find("Join left spatial(r=1 (#1, #2) ~ (#1, #2) partitioned(order=4))"),
            std::string::npos)
      << plan;
  // Built whole: a RIGHT join (unmatched build rows), a cone on one side (small), an upload, a
  // radius beyond the neighbour form.
  for (const std::string& q : {
           "SELECT a.objectId FROM dp02_dc2_catalogs.Object AS a RIGHT JOIN "
           "dp02_dc2_catalogs.Object AS b" +
               on,
           "SELECT a.objectId FROM dp02_dc2_catalogs.Object AS a JOIN "
           "dp02_dc2_catalogs.Object AS b" +
               on + " WHERE CONTAINS(POINT(b.coord_ra, b.coord_dec), CIRCLE(10, 20, 0.5)) = 1",
           std::string("SELECT u.id FROM TAP_UPLOAD.a AS u JOIN dp02_dc2_catalogs.Object AS b "
                       "ON DISTANCE(POINT(u.ra, u.dec), POINT(b.coord_ra, b.coord_dec)) < 0.01"),
           std::string("SELECT a.objectId FROM dp02_dc2_catalogs.Object AS a JOIN "
                       "dp02_dc2_catalogs.Object AS b ON DISTANCE(POINT(a.coord_ra, "
                       "a.coord_dec), POINT(b.coord_ra, b.coord_dec)) < 40"),
       }) {
    plan = Explain(q);
    EXPECT_NE(plan.find("spatial(r="), std::string::npos) << q << "\n" << plan;
    EXPECT_EQ(plan.find("partitioned("), std::string::npos) << q << "\n" << plan;
  }
}

// ---------------------------------------------------------------------------------------------
// Exactness.

// Pairs (a.id, b.id) within r by brute force; pairs whose separation is within 1e-12 degrees of
// r are left out of both sides (rounding decides them).
struct Expected {
  std::vector<std::string> pairs;
  std::vector<std::pair<int64_t, int64_t>> ambiguous;
};

Expected BruteForce(const Sky& s, double r, bool strict) {
  Expected e;
  for (size_t i = 0; i < s.a.size(); ++i) {
    for (size_t j = 0; j < s.b.size(); ++j) {
      const long double d = SeparationDeg(s.a[i], s.b[j]);
      if (std::fabs(static_cast<double>(d) - r) <= 1e-12 + r * 1e-12) {
        e.ambiguous.push_back({static_cast<int64_t>(i), static_cast<int64_t>(j)});
        continue;
      }
      if (strict ? d < r : d <= r)
        e.pairs.push_back(std::to_string(i) + "|" + std::to_string(j) + "|");
    }
  }
  std::sort(e.pairs.begin(), e.pairs.end());
  return e;
}

std::vector<std::string> WithoutAmbiguous(const std::vector<std::string>& rows, const Expected& e) {
  std::vector<std::string> skip;
  for (auto [i, j] : e.ambiguous) skip.push_back(std::to_string(i) + "|" + std::to_string(j) + "|");
  std::sort(skip.begin(), skip.end());
  std::vector<std::string> out;
  for (const std::string& r : rows) {
    if (!std::binary_search(skip.begin(), skip.end(), r)) out.push_back(r);
  }
  return out;
}

TEST_F(XmatchTest, MatchesBruteForceAtEveryRadius) {
  const std::vector<double> radii = {0.01 / 3600, 0.1 / 3600, 1.0 / 3600, 10.0 / 3600,
                                     1.0 / 60,    0.1,        1.0};
  uint32_t seed = 7;
  for (double r : radii) {
    const Sky sky = Generate(r, seed++);
    Upload(sky);
    char rs[40];
    std::snprintf(rs, sizeof rs, "%.17g", r);
    const std::string radius = rs;
    const Expected expect = BruteForce(sky, r, /*strict=*/true);
    const Expected expect_le = BruteForce(sky, r, /*strict=*/false);
    ASSERT_GT(expect.pairs.size(), sky.a.size() / 2) << r;
    const std::string sel = "SELECT a.id, b.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON ";
    auto rows = Both(sel + "DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < " + radius);
    EXPECT_EQ(WithoutAmbiguous(rows, expect), expect.pairs) << "r=" << r;
    rows = Both(sel + "DISTANCE(a.ra, a.dec, b.ra, b.dec) <= " + radius);
    EXPECT_EQ(WithoutAmbiguous(rows, expect_le), expect_le.pairs) << "r=" << r;
    rows = Both(sel + "CONTAINS(POINT(a.ra, a.dec), CIRCLE(b.ra, b.dec, " + radius + ")) = 1");
    EXPECT_EQ(WithoutAmbiguous(rows, expect_le), expect_le.pairs) << "r=" << r;
    rows = Both(sel + "scisql_angSep(a.ra, a.dec, b.ra, b.dec) < " + radius);
    EXPECT_EQ(WithoutAmbiguous(rows, expect), expect.pairs) << "r=" << r;
    rows = Both(sel + "scisql_s2PtInCircle(b.ra, b.dec, a.ra, a.dec, " + radius + ") = 1");
    EXPECT_EQ(WithoutAmbiguous(rows, expect_le), expect_le.pairs) << "r=" << r;
    // WHERE over a comma join, b written first (b builds: equal sizes keep the order).
    rows = Both(
        "SELECT a.id, b.id FROM TAP_UPLOAD.b AS b, TAP_UPLOAD.a AS a WHERE "
        "DISTANCE(POINT(b.ra, b.dec), POINT(a.ra, a.dec)) < " +
        radius);
    EXPECT_EQ(WithoutAmbiguous(rows, expect), expect.pairs) << "r=" << r;
  }
}

TEST_F(XmatchTest, OuterSemiSelfAndResidual) {
  const double r = 2.0 / 3600;
  const Sky sky = Generate(r, 99);
  Upload(sky);
  const std::string d = "DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 0.000555555";
  // LEFT and RIGHT joins keep unmatched rows (and the NULL-position rows).
  auto left = Both("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a LEFT JOIN TAP_UPLOAD.b AS b ON " + d);
  EXPECT_GT(left.size(), sky.a.size());
  Both("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a RIGHT JOIN TAP_UPLOAD.b AS b ON " + d);
  Both("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a FULL JOIN TAP_UPLOAD.b AS b ON " + d);
  // Residual predicates, in ON and in WHERE.
  Both("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON " + d +
       " AND a.id < b.id AND b.dec > -30");
  Both("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a, TAP_UPLOAD.b AS b WHERE " + d +
       " AND MOD(a.id, 3) = 1");
  // Self-join, pairs once.
  auto self = Both("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.a AS b ON " + d +
                   " AND a.id < b.id");
  EXPECT_GT(self.size(), 100u);
  // Aggregates over a match, EXISTS (a semi join when decorrelated, else a subquery).
  Both("SELECT a.id, COUNT(*) FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON " + d +
       " GROUP BY a.id");
  // Small batches: candidates of one probe row span several output batches.
  batch_rows_ = 7;
  Both("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.a AS b ON " + d);
  Both("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a LEFT JOIN TAP_UPLOAD.b AS b ON " + d);
  batch_rows_ = 4096;
}

TEST_F(XmatchTest, InvalidPositionsMeetEveryRow) {
  // Dec beyond a pole, NaN and infinite RA: not filed under a pixel, compared with every row
  // (whatever DISTANCE makes of them, the spatial join agrees with the nested loop).
  Sky sky = Generate(1.0, 5, 12, 5);
  sky.a.push_back({10, 95});
  sky.b.push_back({10, 91});
  sky.b.push_back({std::nan(""), 0});
  sky.a.push_back({INFINITY, 0});
  sky.a.push_back({-10, 0});  // a negative RA is valid: RA is taken modulo 360
  sky.b.push_back({350.0000001, 0});
  Upload(sky);
  const std::string sel = "SELECT a.id, b.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON ";
  Both(sel + "DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 1");
  Both(sel + "scisql_angSep(a.ra, a.dec, b.ra, b.dec) <= 1");
}

TEST_F(XmatchTest, LargeRadiiAndZero) {
  const Sky sky = Generate(5.0, 3, 12, 10);
  Upload(sky);
  const std::string sel = "SELECT a.id, b.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON ";
  for (const char* r : {"5", "30", "45", "60", "89.9", "100", "179.5", "180", "200"}) {
    Both(sel + "DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < " + r);
  }
  Both(sel + "DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) <= 0");
}

TEST_F(XmatchTest, BuildSideBeyondTheBudgetFails) {
  const Sky sky = Generate(1.0 / 3600, 4, 40, 100);
  Upload(sky);
  Status s;
  Run("SELECT a.id, b.id FROM TAP_UPLOAD.a AS a JOIN TAP_UPLOAD.b AS b ON "
      "DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 0.001",
      true, 64 << 10, &s);
  EXPECT_EQ(s.code(), StatusCode::kLimitExceeded) << s.ToString();
  EXPECT_NE(s.ToString().find("query needs more than"), std::string::npos) << s.ToString();
}

// Nearest neighbour: the idiom users write, a correlated subquery ordered by distance with
// TOP 1, gives each target's nearest source within the radius (as STILTS find=best1 does for
// the pairs' left side); checked against brute force.
TEST_F(XmatchTest, NearestNeighbourSubquery) {
  const double r = 5.0 / 3600;
  const Sky sky = Generate(r, 12, 8, 10);
  Upload(sky);
  auto rows =
      Run("SELECT a.id, (SELECT TOP 1 b.id FROM TAP_UPLOAD.b AS b "
          "WHERE DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 0.0013888889 "
          "ORDER BY DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)), b.id) AS best "
          "FROM TAP_UPLOAD.a AS a WHERE a.ra IS NOT NULL",
          true);
  std::vector<std::string> expect;
  for (size_t i = 0; i < sky.a.size(); ++i) {
    long double best = 1e9;
    int64_t best_j = -1;
    for (size_t j = 0; j < sky.b.size(); ++j) {
      const long double d = SeparationDeg(sky.a[i], sky.b[j]);
      if (d < 0.0013888889L && d < best) {
        best = d;
        best_j = static_cast<int64_t>(j);
      }
    }
    expect.push_back(std::to_string(i) + "|" + (best_j < 0 ? "NULL" : std::to_string(best_j)) +
                     "|");
  }
  std::sort(expect.begin(), expect.end());
  ASSERT_EQ(rows.size(), expect.size());
  for (size_t k = 0; k < rows.size(); ++k) {
    if (rows[k] == expect[k]) continue;
    // A tie (the same separation up to rounding, e.g. the pole under two RAs) may go either way.
    const size_t i = std::stoul(rows[k]);
    const std::string got = rows[k].substr(rows[k].find('|') + 1);
    const std::string want = expect[k].substr(expect[k].find('|') + 1);
    ASSERT_EQ(std::stoul(expect[k]), i);
    ASSERT_NE(got, "NULL|") << rows[k];
    ASSERT_NE(want, "NULL|") << expect[k];
    const long double d1 = SeparationDeg(sky.a[i], sky.b[std::stoul(got)]);
    const long double d2 = SeparationDeg(sky.a[i], sky.b[std::stoul(want)]);
    EXPECT_LE(std::fabs(static_cast<double>(d1 - d2)), 1e-13) << rows[k] << " vs " << expect[k];
  }
}

// A partition's build ranges (adql/exec/spatial_neighbourhood.cc, walking only the partition's
// edge) are exactly NeighbourhoodRanges's (every pixel of the partition with its neighbours,
// listed and sorted): the equal index-space pieces the Gather makes, the last one open-ended,
// single pixels, ranges across base pixels, unaligned ends, several ranges, none.
TEST(PartitionNeighbourhoodTest, EqualsEveryPixelWithItsNeighbours) {
  std::mt19937_64 rng(5);
  int cases = 0;
  for (int order = 0; order <= 7; ++order) {
    const uint64_t pixels = 12ULL << (2 * order);
    const int shift = 2 * (kIndexOrder - order);
    std::vector<std::vector<IndexRange>> sets;
    for (uint64_t parts : {1, 2, 3, 4, 7, 16}) {
      for (uint64_t p = 0; p < parts; ++p) {
        const uint64_t e = p + 1 == parts ? kRangeToEnd : kIndexPixels / parts * (p + 1);
        sets.push_back({{kIndexPixels / parts * p, e}});
      }
    }
    for (int k = 0; k < 40; ++k) {
      std::vector<IndexRange> ranges;
      uint64_t at = rng() % (kIndexPixels / 4);
      const int n = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < n && at < kIndexPixels; ++i) {
        // Lengths from a fraction of a pixel to many pixels, unaligned.
        const uint64_t len = 1 + rng() % ((uint64_t{1} << shift) * (1 + rng() % (pixels / 8 + 1)));
        const uint64_t end = std::min(at + len, kIndexPixels);
        ranges.push_back({at, end});
        at = end + 1 + rng() % (kIndexPixels / 8);
      }
      sets.push_back(ranges);
    }
    sets.push_back({});
    sets.push_back({{0, 1}});
    sets.push_back({{kIndexPixels - 1, kIndexPixels}});
    for (const auto& ranges : sets) {
      const std::vector<IndexRange> got = exec::PartitionNeighbourhood(order, ranges);
      const std::vector<IndexRange> want = NeighbourhoodRanges(order, ranges);
      ASSERT_EQ(got.size(), want.size()) << "order " << order << ", case " << cases;
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i].begin, want[i].begin) << "order " << order << ", case " << cases;
        ASSERT_EQ(got[i].end, want[i].end) << "order " << order << ", case " << cases;
      }
      ++cases;
    }
  }
  EXPECT_EQ(exec::PartitionNeighbourhood(-1, {{0, 5}}).size(), 1U);
  EXPECT_EQ(exec::PartitionNeighbourhood(kMaxDiscPixelOrder + 1, {{0, 5}}).back().end,
            kIndexPixels);
}

}  // namespace
}  // namespace skyshard::adql
