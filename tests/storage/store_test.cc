#include "storage/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "common/types.h"
#include "indexing/healpix_index.h"
#include "storage/bulk_loader.h"
#include "storage/data_dir.h"
#include "tests/storage/test_release.h"

namespace skyshard {
namespace {

using testing::LoadAndOpen;
using testing::MakeTestRelease;
using testing::TempDir;
using testing::TestRelease;

// Angular distance by the haversine formula in long double: independent of indexing/.
long double RefDistanceDeg(double ra1, double dec1, double ra2, double dec2) {
  const long double d2r = 3.14159265358979323846264338327950288L / 180.0L;
  long double s1 = std::sin((static_cast<long double>(dec2) - dec1) * d2r / 2);
  long double s2 = std::sin((static_cast<long double>(ra2) - ra1) * d2r / 2);
  long double a = s1 * s1 + std::cos(dec1 * d2r) * std::cos(dec2 * d2r) * s2 * s2;
  return 2 * std::asin(std::sqrt(std::min(1.0L, a))) / d2r;
}

class StoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_dir_ = new std::string(TempDir("store-src"));
    data_dir_ = new std::string(TempDir("store-data"));
    release_ = new TestRelease(MakeTestRelease(*src_dir_, 20000, 3, 11, 3));
    // Little memory: the sort spills, some runs stay in memory and some go to run files, and
    // the merge sees both kinds.
    auto store = LoadAndOpen(release_->manifest, *data_dir_, 4ull << 20);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = store->release();
  }
  static void TearDownTestSuite() {
    delete store_;
    std::filesystem::remove_all(*src_dir_);
    std::filesystem::remove_all(*data_dir_);
    delete release_;
    delete src_dir_;
    delete data_dir_;
  }

  // Every value of column `col` returned by `it`, as ints.
  static std::vector<int64_t> DrainInts(RowIterator* it, size_t col) {
    std::vector<int64_t> out;
    ColumnBatch b;
    for (;;) {
      auto n = it->Next(&b, 1000);
      EXPECT_TRUE(n.ok()) << n.status().ToString();
      if (!n.ok() || *n == 0) break;
      for (size_t r = 0; r < *n; ++r) out.push_back(b.columns[col].ints[r]);
    }
    return out;
  }

  static std::string* src_dir_;
  static std::string* data_dir_;
  static TestRelease* release_;
  static Store* store_;
};

std::string* StoreTest::src_dir_ = nullptr;
std::string* StoreTest::data_dir_ = nullptr;
TestRelease* StoreTest::release_ = nullptr;
Store* StoreTest::store_ = nullptr;

TEST_F(StoreTest, CatalogDescribesWhatWasLoaded) {
  const Catalog& c = store_->catalog();
  EXPECT_EQ(c.release, "testrel");
  const TableDef* obj = c.FindTable("obj");
  ASSERT_NE(obj, nullptr);
  EXPECT_EQ(obj->kind, TableKind::kSpatial);
  EXPECT_EQ(obj->row_count, release_->objects.size());
  // Only the columns the files carry, in schema order, with units and UCDs from the schema.
  ASSERT_EQ(obj->columns.size(), 4u);
  EXPECT_EQ(obj->columns[1].name, "ra");
  EXPECT_EQ(obj->columns[1].unit, "deg");
  EXPECT_EQ(obj->columns[1].ucd, "pos.eq.ra;meta.main");
  EXPECT_EQ(obj->primary_key, "objectId");
  const TableDef* src = c.FindTable("Src");
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->kind, TableKind::kChild);
  EXPECT_EQ(src->parent_table, "Obj");
  EXPECT_EQ(src->row_count, release_->sources.size());
  ASSERT_EQ(src->foreign_keys.size(), 1u);
  EXPECT_EQ(src->foreign_keys[0].target_table, "Obj");
  EXPECT_EQ(c.FindTable("AllTypes")->row_count, 3u);
}

TEST_F(StoreTest, EveryTypeAndNullRoundTrips) {
  const TableDef* t = store_->catalog().FindTable("AllTypes");
  ASSERT_NE(t, nullptr);
  std::vector<int> all;
  for (size_t i = 0; i < t->columns.size(); ++i) all.push_back(static_cast<int>(i));
  auto it = store_->Scan(*t, all, {});
  ASSERT_TRUE(it.ok());
  ColumnBatch b;
  auto n = (*it)->Next(&b, 100);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, 3u);
  // Rows come back in primary-key order: INT64_MIN, 1, 2.
  auto& c = b.columns;
  EXPECT_EQ(c[0].ints[0], INT64_MIN);
  EXPECT_EQ(c[1].ints[0], 32767);
  EXPECT_EQ(c[2].ints[0], -2147483648LL);
  EXPECT_EQ(c[3].doubles[0], -0.25);
  EXPECT_EQ(c[4].doubles[0], 1.7976931348623157e308);
  EXPECT_EQ(c[5].ints[0], 0);
  EXPECT_EQ(c[6].strings[0], "a");
  EXPECT_FALSE(c[7].IsNull(0));
  EXPECT_EQ(c[7].strings[0], "");
  EXPECT_EQ(c[8].ints[0], 0);
  EXPECT_EQ(c[0].ints[1], 1);
  EXPECT_EQ(c[1].ints[1], -32768);
  EXPECT_EQ(c[2].ints[1], 2147483647);
  EXPECT_EQ(c[3].doubles[1], 1.5);
  EXPECT_EQ(c[4].doubles[1], -1e-300);
  EXPECT_EQ(c[5].ints[1], 1);
  EXPECT_EQ(c[6].strings[1], "abcd");
  EXPECT_EQ(c[7].strings[1], "with, comma");
  EXPECT_EQ(FormatTimestamp(c[8].ints[1]), "2023-05-01T03:04:05.123456");
  EXPECT_EQ(c[0].ints[2], 2);
  for (size_t col = 1; col < c.size(); ++col) EXPECT_TRUE(c[col].IsNull(2)) << col;
  EXPECT_EQ(*(*it)->Next(&b, 100), 0u);
}

TEST_F(StoreTest, ConeReadsExactlyTheRowsBruteForceFinds) {
  const TableDef* obj = store_->catalog().FindTable("Obj");
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  struct Cone {
    double ra, dec, r;
  };
  std::vector<Cone> cones = {{10, 20, 0.003},  {0, 90, 1},   {0, -90, 0.5},       {0, 0, 2},
                             {359.999, 45, 1}, {180, 0, 30}, {10, 20, 1.0 / 3600}};
  for (int i = 0; i < 30; ++i) {
    cones.push_back(
        {360 * u(rng), std::asin(2 * u(rng) - 1) * 180 / M_PI, std::pow(10.0, -3 + 4.5 * u(rng))});
  }
  for (const Cone& cone : cones) {
    auto region = MakeCircle(cone.ra, cone.dec, cone.r);
    ASSERT_TRUE(region.ok());
    auto it = store_->Scan(*obj, {0, 1, 2}, (*region)->Cover());
    ASSERT_TRUE(it.ok());
    std::set<int64_t> got;
    size_t candidates = 0;
    ColumnBatch b;
    for (;;) {
      auto n = (*it)->Next(&b, 512);
      ASSERT_TRUE(n.ok());
      if (*n == 0) break;
      candidates += *n;
      for (size_t r = 0; r < *n; ++r) {
        if ((*region)->Contains(b.columns[1].doubles[r], b.columns[2].doubles[r])) {
          got.insert(b.columns[0].ints[r]);
        }
      }
    }
    std::set<int64_t> want;
    for (const auto& o : release_->objects) {
      if (RefDistanceDeg(cone.ra, cone.dec, o.ra, o.dec) <= cone.r) want.insert(o.id);
    }
    EXPECT_EQ(got, want) << "cone " << cone.ra << " " << cone.dec << " " << cone.r;
    // The ranges bound the read: the candidates are the rows of the cover, which for any cone
    // of a degree or less is a small multiple of the result (plus a few rows), never the table.
    if (cone.r <= 1) {
      EXPECT_LE(candidates, 4 * want.size() + 20) << cone.r;
    }
  }
}

TEST_F(StoreTest, ChildrenOfAParentAreOneRangeRead) {
  const TableDef* src = store_->catalog().FindTable("Src");
  std::map<int64_t, std::vector<int64_t>> want;
  for (const auto& s : release_->sources) want[s.object_id].push_back(s.id);
  const size_t src_id = static_cast<size_t>(src->ColumnIndex("srcId"));
  const size_t obj_id = static_cast<size_t>(src->ColumnIndex("objectId"));
  int checked = 0;
  for (const auto& [object_id, ids] : want) {
    if (checked++ % 97 != 0 && object_id != release_->objects.front().id) continue;
    auto it =
        store_->ScanChildren(*src, {static_cast<int>(src_id), static_cast<int>(obj_id)}, object_id);
    ASSERT_TRUE(it.ok());
    std::vector<int64_t> got = DrainInts(it->get(), 0);
    std::vector<int64_t> expected = ids;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(got, expected) << object_id;
  }
  auto none = store_->ScanChildren(*src, {0}, 12345);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(DrainInts(none->get(), 0).empty());
}

TEST_F(StoreTest, PrimaryKeyLookups) {
  const TableDef* obj = store_->catalog().FindTable("Obj");
  for (size_t i = 0; i < release_->objects.size(); i += 1237) {
    const auto& o = release_->objects[i];
    auto it = store_->LookupPrimaryKey(*obj, {0, 1, 2}, o.id);
    ASSERT_TRUE(it.ok());
    ColumnBatch b;
    ASSERT_EQ(*(*it)->Next(&b, 10), 1u);
    EXPECT_EQ(b.columns[0].ints[0], o.id);
    EXPECT_EQ(b.columns[1].doubles[0], o.ra);
    EXPECT_EQ(b.columns[2].doubles[0], o.dec);
  }
  auto missing = store_->LookupPrimaryKey(*obj, {0}, 42);
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(DrainInts(missing->get(), 0).empty());
  // Without --child-index a child table has no key index: lookups say so instead of scanning.
  const TableDef* src = store_->catalog().FindTable("Src");
  EXPECT_FALSE(src->key_index);
  EXPECT_TRUE(obj->key_index);
  auto no_index = store_->LookupPrimaryKey(*src, {0, 1}, release_->sources[777].id);
  ASSERT_FALSE(no_index.ok());
  EXPECT_EQ(no_index.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(no_index.status().message().find("--child-index"), std::string::npos);
}

TEST(StoreChildIndexTest, ChildKeyIndexServesLookups) {
  const std::string src_dir = TempDir("childidx-src"), data_dir = TempDir("childidx-data");
  auto rel = MakeTestRelease(src_dir, 3000, 3, 21, 2);
  LoadOptions o;
  o.data_dir = data_dir;
  o.manifest_path = rel.manifest;
  o.memory_bytes = 64ull << 20;
  o.child_key_index = true;
  ASSERT_TRUE(LoadRelease(o, nullptr).ok());
  auto dir = DataDir::Open(data_dir, false);
  auto store = Store::OpenReadOnly((*dir)->Find("testrel")->directory);
  ASSERT_TRUE(store.ok());
  const TableDef* src = (*store)->catalog().FindTable("Src");
  ASSERT_TRUE(src->key_index);
  const int id_col = src->ColumnIndex("srcId"), obj_col = src->ColumnIndex("objectId");
  for (size_t i = 0; i < rel.sources.size(); i += 251) {
    const auto& s = rel.sources[i];
    auto it = (*store)->LookupPrimaryKey(*src, {id_col, obj_col}, s.id);
    ASSERT_TRUE(it.ok()) << it.status().ToString();
    ColumnBatch b;
    ASSERT_EQ(*(*it)->Next(&b, 10), 1u);
    EXPECT_EQ(b.columns[0].ints[0], s.id);
    EXPECT_EQ(b.columns[1].ints[0], s.object_id);
  }
  auto missing = (*store)->LookupPrimaryKey(*src, {id_col}, -1);
  ASSERT_TRUE(missing.ok());
  ColumnBatch b;
  EXPECT_EQ(*(*missing)->Next(&b, 10), 0u);
  std::filesystem::remove_all(src_dir);
  std::filesystem::remove_all(data_dir);
}

TEST_F(StoreTest, FullScanReturnsEveryRowOnce) {
  const TableDef* src = store_->catalog().FindTable("Src");
  auto it = store_->Scan(*src, {src->ColumnIndex("srcId")}, {});
  ASSERT_TRUE(it.ok());
  std::vector<int64_t> got = DrainInts(it->get(), 0);
  std::sort(got.begin(), got.end());
  std::vector<int64_t> want;
  for (const auto& s : release_->sources) want.push_back(s.id);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace skyshard
