// Executor tests over a real store: the storage tests' small release (tests/storage/
// test_release.h) loaded with LoadRelease, read through every access path, in parallel
// fragments (Gather) and with cancellation; answers computed here from the source rows.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <numbers>
#include <random>
#include <set>
#include <thread>

#include "../storage/test_release.h"
#include "adql/binder/binder.h"
#include "adql/parser/parser.h"
#include "adql/planner/planner.h"
#include "exec_test_util.h"
#include "indexing/healpix_index.h"
#include "storage/bulk_loader.h"
#include "storage/data_dir.h"
#include "storage/store.h"

namespace skyshard::adql::testing {
namespace {

using VT = ValueType;
using skyshard::testing::MakeTestRelease;
using skyshard::testing::TempDir;
using skyshard::testing::TestObject;
using skyshard::testing::TestRelease;

class ExecStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_dir_ = new std::string(TempDir("exec-src"));
    data_dir_ = new std::string(TempDir("exec-data"));
    release_ = new TestRelease(MakeTestRelease(*src_dir_, 20000, 3, 17, 2));
    auto store = skyshard::testing::LoadAndOpen(release_->manifest, *data_dir_, 64ull << 20,
                                                /*child_key_index=*/true);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = store->release();
    auto catalog = QueryCatalog::FromStore(store_->catalog());
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = new QueryCatalog(std::move(catalog).value());
  }
  static void TearDownTestSuite() {
    delete catalog_;
    delete store_;
    std::filesystem::remove_all(*src_dir_);
    std::filesystem::remove_all(*data_dir_);
    delete release_;
    delete src_dir_;
    delete data_dir_;
  }

  // Plans `adql` with catalog x catalog joins partitioned whatever the input sizes (the test
  // tables have 20 k rows a side), checks that they are, runs it on 2 threads and returns its
  // rows as "col0|col1", sorted. `explained` (may be null) receives the plan, `stats` (may be
  // null) the execution's statistics.
  static std::vector<std::string> RunPartitioned(const std::string& adql, size_t batch_rows,
                                                 std::string* explained, ExecStats* stats) {
    auto parsed = Parse(adql);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    BindOptions bo;
    bo.query_text = adql;
    auto bound = Bind(*parsed->query, *catalog_, bo);
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    PlannerOptions po;
    po.threads = 2;
    po.partitioned_join_min_rows = 0;  // 20 k rows a side: partition anyway
    auto planned = Optimize(std::move(bound).value(), po);
    EXPECT_TRUE(planned.ok()) << planned.status().ToString();
    const std::string plan_text = plan::Explain(**planned);
    EXPECT_NE(plan_text.find("partitioned(order="), std::string::npos) << plan_text;
    if (explained != nullptr) *explained = plan_text;
    ExecOptions o;
    o.threads = 2;
    o.batch_rows = batch_rows;
    auto rows = Run(**planned, o, stats);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<std::string> out;
    for (const auto& row : *rows) out.push_back(row[0] + "|" + row[1]);
    std::sort(out.begin(), out.end());
    return out;
  }

  static const QueryTable* Table(const std::string& name) {
    const QueryTable* t = catalog_->Find("", false, name, false);
    EXPECT_NE(t, nullptr) << name;
    return t;
  }
  // Scan of Obj: objectId, ra, dec, mag.
  static std::unique_ptr<plan::Scan> ObjScan() {
    auto s = std::make_unique<plan::Scan>();
    s->table = Table("Obj");
    const auto& cols = s->table->def.columns;
    for (const char* n : {"objectId", "ra", "dec", "mag"}) {
      const int c = s->table->def.ColumnIndex(n);
      s->columns.push_back(c);
      plan::OutputColumn o = Out(n, ValueTypeOf(cols[static_cast<size_t>(c)].type.type));
      o.storage_type = cols[static_cast<size_t>(c)].type;
      s->schema.push_back(o);
    }
    return s;
  }
  // Scan of Src: srcId, objectId, band, flux.
  static std::unique_ptr<plan::Scan> SrcScan() {
    auto s = std::make_unique<plan::Scan>();
    s->table = Table("Src");
    const auto& cols = s->table->def.columns;
    for (const char* n : {"srcId", "objectId", "band", "flux"}) {
      const int c = s->table->def.ColumnIndex(n);
      s->columns.push_back(c);
      plan::OutputColumn o = Out(n, ValueTypeOf(cols[static_cast<size_t>(c)].type.type));
      o.storage_type = cols[static_cast<size_t>(c)].type;
      s->schema.push_back(o);
    }
    return s;
  }

  static Result<std::vector<std::vector<std::string>>> Run(const plan::PlanNode& p,
                                                           ExecOptions o = {},
                                                           ExecStats* stats = nullptr) {
    CollectSink sink;
    SKY_RETURN_IF_ERROR(Execute(p, store_, &sink, o, stats));
    return sink.rows;
  }
  static std::set<int64_t> Ids(const std::vector<std::vector<std::string>>& rows) {
    std::set<int64_t> ids;
    for (const auto& r : rows) ids.insert(std::stoll(r[0]));
    return ids;
  }

  static std::string* src_dir_;
  static std::string* data_dir_;
  static TestRelease* release_;
  static Store* store_;
  static QueryCatalog* catalog_;
};

std::string* ExecStoreTest::src_dir_ = nullptr;
std::string* ExecStoreTest::data_dir_ = nullptr;
TestRelease* ExecStoreTest::release_ = nullptr;
Store* ExecStoreTest::store_ = nullptr;
QueryCatalog* ExecStoreTest::catalog_ = nullptr;

ExprPtr ContainsCircle(double ra, double dec, double r) {
  auto point = Call("POINT", Args(Col(1, VT::kDouble), Col(2, VT::kDouble)));
  auto circle = Call("CIRCLE", Args(Dbl(ra), Dbl(dec), Dbl(r)));
  return Cmp(Op::kEqual, Call("CONTAINS", Args(std::move(point), std::move(circle))),
             Int(1, VT::kInteger));
}

PlanPtr GatherOf(PlanPtr fragment, plan::Gather::Merge merge, int partitions) {
  auto g = std::make_unique<plan::Gather>();
  g->schema = fragment->schema;
  g->merge = merge;
  g->partitions = partitions;
  g->children.push_back(std::move(fragment));
  return g;
}

TEST_F(ExecStoreTest, ConeSearchRangeReadMatchesBruteForce) {
  for (auto [ra, dec, r] :
       {std::tuple{10.0, 20.0, 0.003}, std::tuple{0.0, 0.0, 2.0}, std::tuple{359.99, 45.0, 1.0},
        std::tuple{0.0, 90.0, 5.0}, std::tuple{123.0, -40.0, 10.0}}) {
    std::set<int64_t> expected;
    for (const auto& o : release_->objects) {
      if (AngularDistanceDeg(o.ra, o.dec, ra, dec) <= r) expected.insert(o.id);
    }
    auto region = MakeCircle(ra, dec, r);
    ASSERT_TRUE(region.ok());
    auto scan = ObjScan();
    scan->access.kind = plan::ScanAccess::Kind::kRanges;
    scan->access.ranges = (*region)->Cover();
    scan->filter = ContainsCircle(ra, dec, r);
    ExecStats stats;
    auto rows = Run(*scan, {}, &stats);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    EXPECT_EQ(Ids(*rows), expected) << ra << " " << dec << " " << r;
    EXPECT_LT(stats.rows_read, 20000) << "a cone must not read the whole table";
    // The same cone as a full scan with a filter, and as parallel range partitions.
    auto full = ObjScan();
    full->filter = ContainsCircle(ra, dec, r);
    auto rows_full = Run(*full);
    ASSERT_TRUE(rows_full.ok());
    EXPECT_EQ(Ids(*rows_full), expected);
    auto parallel = GatherOf(scan->Clone(), plan::Gather::Merge::kConcat, 3);
    ExecOptions o;
    o.threads = 2;
    auto rows_par = Run(*parallel, o);
    ASSERT_TRUE(rows_par.ok());
    EXPECT_EQ(Ids(*rows_par), expected);
    EXPECT_EQ(rows_par->size(), expected.size());
  }
}

TEST_F(ExecStoreTest, ParallelFullScanConcatOrderedAggregate) {
  std::set<int64_t> all;
  for (const auto& o : release_->objects) all.insert(o.id);
  ExecOptions o;
  o.threads = 2;
  o.batch_rows = 1000;
  // Concat: every row once.
  auto concat = GatherOf(ObjScan(), plan::Gather::Merge::kConcat, 5);
  auto rows = Run(*concat, o);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->size(), all.size());
  EXPECT_EQ(Ids(*rows), all);

  // Ordered: each partition sorted by objectId, merged in order.
  auto sort = std::make_unique<plan::Sort>();
  sort->schema = ObjScan()->schema;
  sort->keys.push_back({Col(0, VT::kBigInt), false});
  sort->children.push_back(ObjScan());
  auto ordered = GatherOf(std::move(sort), plan::Gather::Merge::kOrdered, 4);
  ordered->As<plan::Gather>().keys.push_back({Col(0, VT::kBigInt), false});
  rows = Run(*ordered, o);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  std::vector<int64_t> got;
  for (const auto& r : *rows) got.push_back(std::stoll(r[0]));
  EXPECT_EQ(got, std::vector<int64_t>(all.begin(), all.end()));

  // Aggregate: COUNT(*), SUM(objectId % 1000), MIN(ra), MAX(dec), COUNT(mag) per band of ra.
  auto make_aggregate = [] {
    auto a = std::make_unique<plan::Aggregate>();
    a->groups.push_back(
        Cast(Bin(Op::kDivide, Col(1, VT::kDouble), Int(90), VT::kDouble), VT::kInteger));
    auto agg = [](plan::AggregateFunction f, ExprPtr arg, VT t) {
      plan::AggregateCall c;
      c.function = f;
      c.argument = std::move(arg);
      c.type = t;
      return c;
    };
    a->aggregates.push_back(agg(plan::AggregateFunction::kCountStar, nullptr, VT::kBigInt));
    a->aggregates.push_back(agg(plan::AggregateFunction::kMin, Col(1, VT::kDouble), VT::kDouble));
    a->aggregates.push_back(agg(plan::AggregateFunction::kMax, Col(2, VT::kDouble), VT::kDouble));
    a->aggregates.push_back(agg(plan::AggregateFunction::kCount, Col(3, VT::kReal), VT::kBigInt));
    auto distinct = agg(plan::AggregateFunction::kCount, Col(0, VT::kBigInt), VT::kBigInt);
    distinct.distinct = true;
    a->aggregates.push_back(std::move(distinct));
    a->schema = {Out("q", VT::kInteger),      Out("n", VT::kBigInt),     Out("min_ra", VT::kDouble),
                 Out("max_dec", VT::kDouble), Out("n_mag", VT::kBigInt), Out("n_ids", VT::kBigInt)};
    a->children.push_back(ObjScan());
    return a;
  };
  auto serial = Run(*make_aggregate(), o);
  ASSERT_TRUE(serial.ok()) << serial.status().ToString();
  auto parallel = GatherOf(make_aggregate(), plan::Gather::Merge::kAggregate, 6);
  auto par = Run(*parallel, o);
  ASSERT_TRUE(par.ok()) << par.status().ToString();
  auto sorted = [](std::vector<std::vector<std::string>> r) {
    std::sort(r.begin(), r.end());
    return r;
  };
  EXPECT_EQ(sorted(*par), sorted(*serial));
  int64_t total = 0;
  for (const auto& r : *par) total += std::stoll(r[1]);
  EXPECT_EQ(total, 20000);
  for (const auto& r : *par) EXPECT_EQ(r[1], r[5]);  // ids are distinct
}

TEST_F(ExecStoreTest, KeyLookupsAndChildren) {
  const auto& objs = release_->objects;
  auto scan = ObjScan();
  scan->access.kind = plan::ScanAccess::Kind::kPrimaryKeys;
  scan->access.keys = {objs[5].id, objs[100].id, 42};
  std::sort(scan->access.keys.begin(), scan->access.keys.end());
  auto rows = Run(*scan);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(Ids(*rows), (std::set<int64_t>{objs[5].id, objs[100].id}));

  auto src = SrcScan();
  src->access.kind = plan::ScanAccess::Kind::kChildrenOf;
  src->access.keys = {objs[7].id, objs[300].id};
  std::sort(src->access.keys.begin(), src->access.keys.end());
  std::set<int64_t> expected;
  for (const auto& s : release_->sources) {
    if (s.object_id == objs[7].id || s.object_id == objs[300].id) expected.insert(s.id);
  }
  rows = Run(*src);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(Ids(*rows), expected);

  auto empty = ObjScan();
  empty->access.kind = plan::ScanAccess::Kind::kEmpty;
  rows = Run(*empty);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
}

TEST_F(ExecStoreTest, HashJoinSourcesToObjects) {
  // Src JOIN Obj ON Src.objectId = Obj.objectId WHERE flux > 500: srcId, Obj.ra
  auto join = std::make_unique<plan::Join>();
  join->type = plan::JoinType::kInner;
  auto left = FilterOf(SrcScan(), Cmp(Op::kGreater, Col(3, VT::kDouble), Int(500)));
  auto right = ObjScan();
  join->schema = left->schema;
  join->schema.insert(join->schema.end(), right->schema.begin(), right->schema.end());
  join->condition = Cmp(Op::kEqual, Col(1, VT::kBigInt), Col(4, VT::kBigInt));
  join->left_keys.push_back(Col(1, VT::kBigInt));
  join->right_keys.push_back(Col(0, VT::kBigInt));
  join->children.push_back(std::move(left));
  join->children.push_back(std::move(right));
  auto project = ProjectOf(std::move(join), Args(Col(0, VT::kBigInt), Col(5, VT::kDouble)));
  std::map<int64_t, double> ra_of;
  for (const auto& o : release_->objects) ra_of[o.id] = o.ra;
  std::set<std::vector<std::string>> expected;
  for (const auto& s : release_->sources) {
    if (s.flux > 500) expected.insert({std::to_string(s.id), D(ra_of[s.object_id])});
  }
  auto rows = Run(*project);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->size(), expected.size());
  EXPECT_EQ(std::set<std::vector<std::string>>(rows->begin(), rows->end()), expected);
}

// A sink that takes its time, so that a query is still running when it is cancelled.
class SlowSink final : public RowSink {
 public:
  Status Begin(const std::vector<plan::OutputColumn>&) override { return Status::OK(); }
  Status Write(const ColumnBatch& batch) override {
    rows += batch.num_rows;
    ++writes;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return Status::OK();
  }
  size_t rows = 0;
  int writes = 0;
};

TEST_F(ExecStoreTest, CancellationStopsParallelScanPromptly) {
  for (bool parallel : {false, true}) {
    std::atomic<bool> cancel{false};
    ExecOptions o;
    o.cancel = &cancel;
    o.threads = 2;
    o.batch_rows = 64;
    PlanPtr p = ObjScan();
    if (parallel) p = GatherOf(std::move(p), plan::Gather::Merge::kConcat, 4);
    SlowSink sink;
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      cancel.store(true);
    });
    const auto start = std::chrono::steady_clock::now();
    Status s = Execute(*p, store_, &sink, o);
    const auto took = std::chrono::steady_clock::now() - start;
    canceller.join();
    EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
    EXPECT_GT(sink.rows, 0u);
    EXPECT_LT(sink.rows, 20000u);
    EXPECT_LT(took, std::chrono::milliseconds(1000));
  }
  // A deadline in the middle of a parallel aggregate.
  ExecOptions o;
  o.threads = 2;
  o.batch_rows = 16;
  o.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
  auto a = std::make_unique<plan::Aggregate>();
  plan::AggregateCall c;
  c.function = plan::AggregateFunction::kCountStar;
  a->aggregates.push_back(std::move(c));
  a->schema = {Out("n", VT::kBigInt)};
  // A slow fragment: a correlated-free but expensive filter over every row.
  auto scan = ObjScan();
  a->children.push_back(std::move(scan));
  auto g = GatherOf(std::move(a), plan::Gather::Merge::kAggregate, 8);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CollectSink sink;
  EXPECT_EQ(Execute(*g, store_, &sink, o).code(), StatusCode::kCancelled);
}

TEST_F(ExecStoreTest, StreamsInFlatMemoryAndStopsAtMaxRows) {
  // A full scan under a 1 MB budget: nothing is held, so it runs; the first rows reach the
  // sink long before the last are read.
  ExecOptions o;
  o.memory_limit_bytes = 1 << 20;
  o.batch_rows = 500;
  CollectSink sink;
  ExecStats stats;
  ASSERT_TRUE(
      Execute(*GatherOf(ObjScan(), plan::Gather::Merge::kConcat, 4), store_, &sink, o, &stats)
          .ok());
  EXPECT_EQ(sink.rows.size(), 20000u);
  EXPECT_GE(sink.writes, 40);
  EXPECT_EQ(stats.rows_read, 20000);
  // max_rows: 10 rows, overflow, and the scan stops early.
  o.max_rows = 10;
  CollectSink sink2;
  ExecStats stats2;
  ASSERT_TRUE(Execute(*ObjScan(), store_, &sink2, o, &stats2).ok());
  EXPECT_EQ(sink2.rows.size(), 10u);
  EXPECT_TRUE(stats2.overflow);
  EXPECT_LE(stats2.rows_read, 1000);
  // A sort of everything does not fit in 256 KB.
  auto sort = std::make_unique<plan::Sort>();
  sort->schema = ObjScan()->schema;
  sort->keys.push_back({Col(1, VT::kDouble), false});
  sort->children.push_back(ObjScan());
  CollectSink sink3;
  ExecOptions small;
  small.memory_limit_bytes = 256 << 10;
  Status s = Execute(*sort, store_, &sink3, small);
  EXPECT_EQ(s.code(), StatusCode::kLimitExceeded) << s.ToString();
  // ... but its top 5 does (top-k holds about 2 * 5 + a batch of rows).
  sort->limit = 5;
  small.batch_rows = 500;
  CollectSink sink4;
  ASSERT_TRUE(Execute(*sort, store_, &sink4, small).ok());
  ASSERT_EQ(sink4.rows.size(), 5u);
  std::vector<double> ras;
  for (const auto& ob : release_->objects) ras.push_back(ob.ra);
  std::sort(ras.begin(), ras.end());
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(sink4.rows[i][1], D(ras[i]));
}

}  // namespace
}  // namespace skyshard::adql::testing

namespace skyshard::adql::testing {
namespace {

// A catalog x catalog cross-match planned in coarse-pixel partitions (each partition reads its
// build rows plus a margin ring) finds for every object exactly the partners a brute force over
// the generated positions finds. At r = 0.5 deg many pairs straddle the partitions' edges (the
// poles and RA 0/360 included). Inner and left joins.
TEST_F(ExecStoreTest, PartitionedCrossMatchMatchesBruteForce) {
  const double r = 0.5;
  auto run = [](const std::string& adql, std::string* explained) {
    return RunPartitioned(adql, /*batch_rows=*/1000, explained, nullptr);
  };
  // Brute force: sort by Dec, compare each object with those within r in Dec.
  std::map<int64_t, int64_t> partners;
  // The dense clump (Dec 20) is left out of the query: thousands of partners each would only
  // make the test slow.
  std::vector<TestObject> kept;
  for (const auto& o : release_->objects) {
    if (o.dec < 19 || o.dec > 21) kept.push_back(o);
  }
  const auto& objs = kept;
  std::vector<size_t> by_dec(objs.size());
  for (size_t i = 0; i < objs.size(); ++i) by_dec[i] = i;
  std::sort(by_dec.begin(), by_dec.end(),
            [&](size_t x, size_t y) { return objs[x].dec < objs[y].dec; });
  auto sep = [](const TestObject& a, const TestObject& b) {
    const long double k = std::numbers::pi_v<long double> / 180;
    const long double sd = std::sin((b.dec - a.dec) * k / 2);
    const long double sr = std::sin((b.ra - a.ra) * k / 2);
    const long double h = sd * sd + std::cos(a.dec * k) * std::cos(b.dec * k) * sr * sr;
    return 2 * std::asin(std::sqrt(std::min<long double>(1, h))) / k;
  };
  for (const auto& o : objs) partners[o.id] = 0;
  for (size_t x = 0; x < by_dec.size(); ++x) {
    for (size_t y = x + 1; y < by_dec.size(); ++y) {
      const TestObject& a = objs[by_dec[x]];
      const TestObject& b = objs[by_dec[y]];
      if (b.dec - a.dec > r) break;
      if (sep(a, b) < r) {
        ++partners[a.id];
        ++partners[b.id];
      }
    }
  }
  std::vector<std::string> inner;
  std::vector<std::string> left;
  int64_t matched = 0;
  for (const auto& [id, n] : partners) {
    if (n > 0) inner.push_back(std::to_string(id) + "|" + std::to_string(n));
    left.push_back(std::to_string(id) + "|" + std::to_string(n));
    if (n > 0) ++matched;
  }
  std::sort(inner.begin(), inner.end());
  std::sort(left.begin(), left.end());
  ASSERT_GT(matched, 1000);  // many matches, across the partitions' edges too

  std::string explained;
  // b's restriction in ON, so that the LEFT join keeps the objects without a partner.
  const std::string on =
      " ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 0.5 AND a.objectId <> b.objectId"
      " AND b.dec NOT BETWEEN 19 AND 21 WHERE a.dec NOT BETWEEN 19 AND 21 GROUP BY a.objectId";
  EXPECT_EQ(run("SELECT a.objectId, COUNT(*) FROM Obj AS a JOIN Obj AS b" + on, &explained), inner);
  EXPECT_NE(explained.find("partitioned(order="), std::string::npos) << explained;
  EXPECT_EQ(
      run("SELECT a.objectId, COUNT(b.objectId) FROM Obj AS a LEFT JOIN Obj AS b" + on, &explained),
      left);
  EXPECT_NE(explained.find("partitioned(order="), std::string::npos) << explained;
}

// A partitioned self-join (the same scan on both sides, `a.objectId < b.objectId` to halve the
// pairs) reads the table once per partition: its probe rows are the build rows in the partition
// (adql/exec/spatial_join.cc, SelfProbe). The pairs equal a brute force's, and those of the same
// join with the two sides made different by a filter that keeps every row (so both scans are
// read), which reads the table's rows once more.
TEST_F(ExecStoreTest, PartitionedSelfJoinReadsTheTableOnce) {
  const double r = 0.3;
  auto run = [](const std::string& adql, ExecStats* stats) {
    return RunPartitioned(adql, /*batch_rows=*/700, nullptr, stats);
  };
  std::vector<TestObject> objs;
  for (const auto& o : release_->objects) {
    if (o.dec < 19 || o.dec > 21) objs.push_back(o);  // the dense clump left out (speed)
  }
  std::sort(objs.begin(), objs.end(),
            [](const TestObject& x, const TestObject& y) { return x.dec < y.dec; });
  auto sep = [](const TestObject& a, const TestObject& b) {
    const long double k = std::numbers::pi_v<long double> / 180;
    const long double sd = std::sin((b.dec - a.dec) * k / 2);
    const long double sr = std::sin((b.ra - a.ra) * k / 2);
    const long double h = sd * sd + std::cos(a.dec * k) * std::cos(b.dec * k) * sr * sr;
    return 2 * std::asin(std::sqrt(std::min<long double>(1, h))) / k;
  };
  std::vector<std::string> want;
  for (size_t x = 0; x < objs.size(); ++x) {
    for (size_t y = x + 1; y < objs.size() && objs[y].dec - objs[x].dec <= r; ++y) {
      if (sep(objs[x], objs[y]) >= r) continue;
      const int64_t lo = std::min(objs[x].id, objs[y].id), hi = std::max(objs[x].id, objs[y].id);
      want.push_back(std::to_string(lo) + "|" + std::to_string(hi));
    }
  }
  std::sort(want.begin(), want.end());
  ASSERT_GT(want.size(), 500U);  // many pairs, across the partitions' edges too

  const std::string select =
      "SELECT a.objectId, b.objectId FROM Obj AS a JOIN Obj AS b"
      " ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 0.3 AND a.objectId < b.objectId"
      " WHERE a.dec NOT BETWEEN 19 AND 21 AND b.dec NOT BETWEEN 19 AND 21";
  ExecStats self_stats;
  EXPECT_EQ(run(select, &self_stats), want);
  ExecStats two_stats;
  EXPECT_EQ(run(select + " AND b.dec >= -90", &two_stats), want);
  // The second reads the left scan's rows too: every row of Obj, once.
  EXPECT_EQ(two_stats.rows_read - self_stats.rows_read,
            static_cast<int64_t>(release_->objects.size()));
}

// ---------------------------------------------------------------------------------------------
// Uploaded targets x a stored catalog: the probe scan of Obj reads only the ranges of the
// targets' disc covers (adql/exec/spatial_join.cc, DecideRestriction) and must return exactly the
// pairs a brute force over the source rows finds, for clustered, spread, polar and RA 0/360
// targets, one target alone, and radii from 0.01 arcsec to 1 degree.

struct Target {
  double ra, dec;
};

// The position `dist` degrees from (ra, dec) in direction `bearing` (radians), RA in [0, 360).
Target OffsetBy(double ra, double dec, double dist, double bearing) {
  const double k = std::numbers::pi / 180;
  const double d = dist * k, dec1 = dec * k;
  const double sin_dec =
      std::sin(dec1) * std::cos(d) + std::cos(dec1) * std::sin(d) * std::cos(bearing);
  const double dec2 = std::asin(std::clamp(sin_dec, -1.0, 1.0));
  const double ra2 = ra * k + std::atan2(std::sin(bearing) * std::sin(d) * std::cos(dec1),
                                         std::cos(d) - std::sin(dec1) * std::sin(dec2));
  double out = std::fmod(ra2 / k, 360.0);
  if (out < 0) out += 360;
  if (out >= 360) out = 0;
  return {out, std::clamp(dec2 / k, -90.0, 90.0)};
}

class UploadCrossMatchTest : public ExecStoreTest {
 protected:
  struct Outcome {
    std::vector<std::string> pairs;  // "target id|objectId", sorted
    int64_t rows_read = 0;
    std::string plan;
  };

  // Runs the cross-match of `targets` (TAP_UPLOAD.t: id, ra, dec) with Obj at radius `r_text`
  // degrees (an ADQL literal), in the DISTANCE or the CONTAINS form.
  static Outcome Match(const std::vector<Target>& targets, const std::string& r_text,
                       bool contains) {
    QueryCatalog catalog = *catalog_;
    TableDef def;
    def.name = "t";
    for (const char* n : {"id", "ra", "dec"}) {
      ColumnDef c;
      c.name = n;
      c.type = {std::string(n) == "id" ? DataType::kBigInt : DataType::kDouble, 0};
      def.columns.push_back(c);
    }
    auto rows = std::make_shared<MemoryTable>();
    ColumnBatch b;
    b.Reset({{DataType::kBigInt, 0}, {DataType::kDouble, 0}, {DataType::kDouble, 0}});
    for (size_t i = 0; i < targets.size(); ++i) {
      b.columns[0].AppendInt(static_cast<int64_t>(i));
      b.columns[1].AppendDouble(targets[i].ra);
      b.columns[2].AppendDouble(targets[i].dec);
      ++b.num_rows;
    }
    rows->batches.push_back(std::move(b));
    EXPECT_TRUE(catalog.AddUpload(def, rows).ok());
    const std::string on =
        contains ? "CONTAINS(POINT(a.ra, a.dec), CIRCLE(t.ra, t.dec, " + r_text + ")) = 1"
                 : "DISTANCE(POINT(t.ra, t.dec), POINT(a.ra, a.dec)) < " + r_text;
    const std::string adql =
        "SELECT t.id, a.objectId FROM TAP_UPLOAD.t AS t JOIN Obj AS a ON " + on;
    Outcome out;
    auto parsed = Parse(adql);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    if (!parsed.ok()) return out;
    BindOptions bo;
    bo.query_text = adql;
    auto bound = Bind(*parsed->query, catalog, bo);
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    if (!bound.ok()) return out;
    PlannerOptions po;
    po.threads = 2;
    auto planned = Optimize(std::move(bound).value(), po);
    EXPECT_TRUE(planned.ok()) << planned.status().ToString();
    if (!planned.ok()) return out;
    out.plan = plan::Explain(**planned);
    ExecOptions o;
    o.threads = 2;
    o.batch_rows = 700;
    ExecStats stats;
    auto result = Run(**planned, o, &stats);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return out;
    for (const auto& row : *result) out.pairs.push_back(row[0] + "|" + row[1]);
    std::sort(out.pairs.begin(), out.pairs.end());
    out.rows_read = stats.rows_read;
    return out;
  }

  // The pairs within `r` degrees, by brute force over the source rows (long-double haversine).
  static std::vector<std::string> Brute(const std::vector<Target>& targets, double r) {
    const long double k = std::numbers::pi_v<long double> / 180;
    std::vector<std::string> out;
    for (size_t i = 0; i < targets.size(); ++i) {
      const Target& t = targets[i];
      for (const TestObject& o : release_->objects) {
        if (std::abs(o.dec - t.dec) > r * 1.001) continue;  // |dDec| never exceeds the distance
        const long double sd = std::sin((static_cast<long double>(o.dec) - t.dec) * k / 2);
        const long double sr = std::sin((static_cast<long double>(o.ra) - t.ra) * k / 2);
        const long double h = sd * sd + std::cos(t.dec * k) * std::cos(o.dec * k) * sr * sr;
        const long double sep = 2 * std::asin(std::sqrt(std::min<long double>(1, h))) / k;
        if (sep < r) out.push_back(std::to_string(i) + "|" + std::to_string(o.id));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Both forms give the brute force's pairs; the catalog is read restricted (fewer rows read
  // than the upload and Obj hold). Returns the number of pairs.
  static size_t Check(const std::vector<Target>& targets, double r, const std::string& what) {
    char r_text[40];
    std::snprintf(r_text, sizeof(r_text), "%.17g", r);
    const std::vector<std::string> expected = Brute(targets, r);
    for (bool contains : {false, true}) {
      const Outcome got = Match(targets, r_text, contains);
      std::vector<std::string> missing, extra;
      std::set_difference(expected.begin(), expected.end(), got.pairs.begin(), got.pairs.end(),
                          std::back_inserter(missing));
      std::set_difference(got.pairs.begin(), got.pairs.end(), expected.begin(), expected.end(),
                          std::back_inserter(extra));
      EXPECT_TRUE(missing.empty() && extra.empty())
          << what << " r=" << r_text << " contains=" << contains << ": " << missing.size()
          << " pairs missing (first " << (missing.empty() ? "-" : missing[0]) << "), "
          << extra.size() << " extra (first " << (extra.empty() ? "-" : extra[0]) << ")\n"
          << got.plan;
      EXPECT_NE(got.plan.find("spatial(r="), std::string::npos) << got.plan;
      const auto table_rows = static_cast<int64_t>(release_->objects.size());
      EXPECT_LT(got.rows_read - static_cast<int64_t>(targets.size()), table_rows)
          << what << " r=" << r_text << ": Obj read whole, not restricted";
    }
    return expected.size();
  }

  // Targets near the source rows: at them, and at distances just inside and outside r.
  static std::vector<Target> NearObjects(const std::vector<TestObject>& objects, double r, size_t n,
                                         std::mt19937_64& rng) {
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<Target> out;
    for (size_t i = 0; i < n; ++i) {
      const TestObject& o =
          objects[static_cast<size_t>(u(rng) * static_cast<double>(objects.size())) %
                  objects.size()];
      const double bearing = 2 * std::numbers::pi * u(rng);
      switch (i % 4) {
        case 0:
          out.push_back({o.ra, o.dec});
          break;
        case 1:
          out.push_back(OffsetBy(o.ra, o.dec, r * (1 - 1e-6), bearing));
          break;
        case 2:
          out.push_back(OffsetBy(o.ra, o.dec, r * (1 + 1e-6), bearing));
          break;
        default:
          out.push_back(OffsetBy(o.ra, o.dec, r * u(rng), bearing));
      }
    }
    return out;
  }
};

TEST_F(UploadCrossMatchTest, SingleTarget) {
  const TestObject& o = release_->objects[100];
  EXPECT_GE(Check({{o.ra, o.dec}}, 1.0 / 3600, "one target on an object"), 1u);
  // In the dense clump (one object in five within 0.01 degree of (10, 20)).
  EXPECT_GE(Check({{10.0, 20.0}}, 1.0 / 3600, "one target in the clump"), 1u);
  Check({{123.0, -33.0}}, 1e-2 / 3600, "one target, 0.01 arcsec");
}

TEST_F(UploadCrossMatchTest, ClusteredTargets) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<TestObject> clump;
  for (const TestObject& o : release_->objects) {
    if (std::abs(o.dec - 20) < 0.01 && std::abs(o.ra - 10) < 0.01) clump.push_back(o);
  }
  ASSERT_GT(clump.size(), 1000u);
  for (double r : {0.01 / 3600, 1.0 / 3600, 5.0 / 3600}) {
    std::vector<Target> targets = NearObjects(clump, r, 300, rng);
    for (int i = 0; i < 50; ++i)
      targets.push_back({10 + 0.02 * (u(rng) - 0.5), 20 + 0.02 * (u(rng) - 0.5)});
    EXPECT_GT(Check(targets, r, "clustered"), 150u);
  }
}

TEST_F(UploadCrossMatchTest, TargetsOverTheWholeSky) {
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> u(0, 1);
  for (double r : {1.0 / 3600, 30.0 / 3600}) {
    std::vector<Target> targets = NearObjects(release_->objects, r, 300, rng);
    for (int i = 0; i < 200; ++i) {
      targets.push_back({360 * u(rng), std::asin(2 * u(rng) - 1) * 180 / std::numbers::pi});
    }
    EXPECT_GT(Check(targets, r, "whole sky"), 150u);
  }
}

TEST_F(UploadCrossMatchTest, PolesAndRaWrap) {
  std::mt19937_64 rng(7);
  // The release's objects at the poles and at RA 0/360 (its first 18 rows).
  std::vector<TestObject> edge(release_->objects.begin(), release_->objects.begin() + 18);
  for (double r : {0.01 / 3600, 1.0 / 3600, 0.01}) {
    std::vector<Target> targets = NearObjects(edge, r, 200, rng);
    for (Target t : std::vector<Target>{{0, 90},
                                        {180, 90},
                                        {359.9999999999, -90},
                                        {0, -89.99999},
                                        {359.99999999, 0},
                                        {1e-10, 45},
                                        {359.9999, -60.00001}}) {
      targets.push_back(t);
    }
    EXPECT_GT(Check(targets, r, "poles and RA 0/360"), 50u);
  }
}

TEST_F(UploadCrossMatchTest, LargeRadii) {
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> u(0, 1);
  for (double r : {0.1, 0.5, 1.0}) {
    std::vector<Target> targets = NearObjects(release_->objects, r, 12, rng);
    targets.push_back({10.3, 20.2});  // the clump within r
    targets.push_back({0, 90});
    targets.push_back({359.5, -89.6});  // the south pole 0.4 degree away
    targets.push_back({360 * u(rng), 0});
    EXPECT_GT(Check(targets, r, "large radius"), 4000u);
  }
}

}  // namespace
}  // namespace skyshard::adql::testing
