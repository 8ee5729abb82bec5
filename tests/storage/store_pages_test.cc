// Store reads against the page boundaries of format 3 (docs/storage.md, "Pages"): ranges that
// start and end inside a page, several ranges in one page, children split over two pages,
// lookups of the first and last rows of pages and of keys between pages, damaged pages. The
// page boundaries are read from the RocksDB store directly; the expected rows come from the
// files the test wrote.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "indexing/healpix_index.h"
#include "storage/bulk_loader.h"
#include "storage/data_dir.h"
#include "storage/internal/keys.h"
#include "storage/page_codec.h"
#include "storage/store.h"
#include "tests/storage/test_release.h"

namespace skyshard {
namespace {

using testing::LoadAndOpen;
using testing::MakeTestRelease;
using testing::TempDir;
using testing::TestRelease;
using testing::WriteText;

// One page of a table as stored: its first and last rows' keys (ordered key components).
struct PageBounds {
  std::vector<uint64_t> first, last;
  size_t rows = 0;
};

// Reads the page boundaries of `table` straight from the RocksDB store in `directory`.
std::vector<PageBounds> ReadPages(const std::string& directory, const TableDef& table) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Options options;
  EXPECT_TRUE(rocksdb::DB::OpenForReadOnly(options, directory, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  const PageLayout layout = PageLayout::ForTable(table);
  const std::string prefix = keys::RowPrefix(table.id);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  std::vector<PageBounds> pages;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    PageView view;
    EXPECT_TRUE(view.Parse(&layout, std::string_view(it->value().data(), it->value().size())).ok());
    PageBounds p;
    p.rows = view.rows();
    for (size_t c = 0; c < layout.key_components; ++c) {
      p.first.push_back(view.KeyOrder(c, 0));
      p.last.push_back(view.KeyOrder(c, view.rows() - 1));
      // The page is stored under its last row's key.
      EXPECT_EQ(p.last.back(), keys::GetU64(it->key().data() + keys::kPrefixSize + 8 * c));
    }
    pages.push_back(p);
  }
  return pages;
}

std::string StoreDirectory(const std::string& data_dir, const std::string& release) {
  auto dir = DataDir::Open(data_dir, false);
  EXPECT_TRUE(dir.ok());
  auto info = (*dir)->Find(release);
  EXPECT_TRUE(info.ok());
  return info->directory;
}

// Every row of `it`: column 0 as ints.
std::vector<int64_t> Drain(RowIterator* it, size_t batch_rows) {
  std::vector<int64_t> out;
  ColumnBatch b;
  for (;;) {
    auto n = it->Next(&b, batch_rows);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    if (!n.ok() || *n == 0) break;
    EXPECT_EQ(b.num_rows, *n);
    for (size_t r = 0; r < *n; ++r) out.push_back(b.columns[0].ints[r]);
  }
  return out;
}

class StorePagesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_dir_ = new std::string(TempDir("pages-src"));
    data_dir_ = new std::string(TempDir("pages-data"));
    release_ = new TestRelease(MakeTestRelease(*src_dir_, 20000, 3, 29, 3));
    auto store = LoadAndOpen(release_->manifest, *data_dir_, 8ull << 20);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    directory_ = new std::string(StoreDirectory(*data_dir_, "testrel"));
    store_ = store->release();
  }
  static void TearDownTestSuite() {
    delete store_;
    std::filesystem::remove_all(*src_dir_);
    std::filesystem::remove_all(*data_dir_);
    delete release_;
    delete src_dir_;
    delete data_dir_;
    delete directory_;
  }

  static std::string* src_dir_;
  static std::string* data_dir_;
  static std::string* directory_;
  static TestRelease* release_;
  static Store* store_;
};

std::string* StorePagesTest::src_dir_ = nullptr;
std::string* StorePagesTest::data_dir_ = nullptr;
std::string* StorePagesTest::directory_ = nullptr;
TestRelease* StorePagesTest::release_ = nullptr;
Store* StorePagesTest::store_ = nullptr;

TEST_F(StorePagesTest, RangesStartingAndEndingInsidePages) {
  const TableDef* obj = store_->catalog().FindTable("Obj");
  const std::vector<PageBounds> pages = ReadPages(*directory_, *obj);
  ASSERT_GT(pages.size(), 3u);
  // The objects in key order, keyed independently of the store.
  std::vector<std::pair<uint64_t, int64_t>> rows;
  for (const auto& o : release_->objects) rows.emplace_back(HealpixIndex29(o.ra, o.dec), o.id);
  std::sort(rows.begin(), rows.end());
  size_t page_rows = 0;
  for (const auto& p : pages) page_rows += p.rows;
  ASSERT_EQ(page_rows, rows.size());
  // Where each page starts in `rows`, to tell ranges that start inside a page.
  std::set<uint64_t> page_first_hpx;
  for (const auto& p : pages) page_first_hpx.insert(p.first[0]);

  std::mt19937_64 rng(31);
  size_t inside_starts = 0, shared_pages = 0;
  for (int trial = 0; trial < 300; ++trial) {
    // Sorted, disjoint ranges whose ends are row keys (+0 or +1), so that they begin and end
    // between rows, mostly inside pages; short gaps put several ranges in one page.
    std::vector<IndexRange> ranges;
    size_t at = rng() % rows.size();
    const int count = 1 + static_cast<int>(rng() % 6);
    for (int r = 0; r < count && at < rows.size(); ++r) {
      const uint64_t begin = rows[at].first + (rng() % 2);
      const size_t len = trial % 3 == 0 ? rng() % 2000 : rng() % 8;
      const size_t end_at = std::min(rows.size() - 1, at + len);
      const uint64_t end = rows[end_at].first + 1 + (rng() % 2);
      if (!ranges.empty() && begin <= ranges.back().end) break;
      if (end <= begin) break;
      ranges.push_back({begin, end});
      if (page_first_hpx.count(begin) == 0) ++inside_starts;
      at = end_at + 1 + rng() % 5;
    }
    if (ranges.empty()) continue;
    // Two ranges in one page: the page holding the first range's end also holds the next's
    // begin.
    for (size_t r = 0; r + 1 < ranges.size(); ++r) {
      auto page_of = [&](uint64_t hpx) {
        return std::lower_bound(pages.begin(), pages.end(), hpx,
                                [](const PageBounds& p, uint64_t h) { return p.last[0] < h; }) -
               pages.begin();
      };
      shared_pages += page_of(ranges[r].end - 1) == page_of(ranges[r + 1].begin);
    }
    std::vector<int64_t> want;
    for (const auto& [hpx, id] : rows) {
      for (const IndexRange& r : ranges) {
        if (hpx >= r.begin && hpx < r.end) want.push_back(id);
      }
    }
    auto it = store_->Scan(*obj, {0, 1}, ranges);
    ASSERT_TRUE(it.ok());
    // Small batches end inside pages too.
    EXPECT_EQ(Drain(it->get(), 1 + rng() % 50), want) << "trial " << trial;
  }
  EXPECT_GT(inside_starts, 100u);
  EXPECT_GT(shared_pages, 20u);
}

TEST_F(StorePagesTest, ChildrenSplitOverTwoPages) {
  const TableDef* src = store_->catalog().FindTable("Src");
  const std::vector<PageBounds> pages = ReadPages(*directory_, *src);
  ASSERT_GT(pages.size(), 3u);
  std::map<int64_t, std::vector<int64_t>> want;
  for (const auto& s : release_->sources) want[s.object_id].push_back(s.id);
  const int src_id = src->ColumnIndex("srcId"), obj_id = src->ColumnIndex("objectId");
  size_t split = 0;
  for (size_t p = 0; p + 1 < pages.size(); ++p) {
    // The parent key is the second key component (ordered: sign bit flipped).
    if (pages[p].last[0] != pages[p + 1].first[0] || pages[p].last[1] != pages[p + 1].first[1]) {
      continue;
    }
    ++split;
    const auto parent = static_cast<int64_t>(pages[p].last[1] ^ (uint64_t{1} << 63));
    std::vector<int64_t> expected = want[parent];
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(expected.size(), 3u);
    for (size_t batch : {size_t{1}, size_t{2}, size_t{100}}) {
      auto it = store_->ScanChildren(*src, {src_id, obj_id}, parent);
      ASSERT_TRUE(it.ok());
      EXPECT_EQ(Drain(it->get(), batch), expected) << parent;
    }
  }
  EXPECT_GT(split, 0u) << "no parent's children span two pages: the test proves nothing";
}

TEST_F(StorePagesTest, LookupsOfTheFirstAndLastRowsOfPages) {
  const TableDef* obj = store_->catalog().FindTable("Obj");
  const std::vector<PageBounds> pages = ReadPages(*directory_, *obj);
  std::map<int64_t, testing::TestObject> by_id;
  for (const auto& o : release_->objects) by_id[o.id] = o;
  for (const auto& p : pages) {
    for (uint64_t ordered : {p.first[1], p.last[1]}) {
      const auto id = static_cast<int64_t>(ordered ^ (uint64_t{1} << 63));
      ASSERT_EQ(by_id.count(id), 1u);
      auto it = store_->LookupPrimaryKey(*obj, {1, 0, 2, 0}, id);
      ASSERT_TRUE(it.ok());
      ColumnBatch b;
      auto n = (*it)->Next(&b, 10);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      ASSERT_EQ(*n, 1u);
      EXPECT_EQ(b.columns[0].doubles[0], by_id[id].ra);
      EXPECT_EQ(b.columns[1].ints[0], id);
      EXPECT_EQ(b.columns[2].doubles[0], by_id[id].dec);
      EXPECT_EQ(b.columns[3].ints[0], id);  // a repeated column
      EXPECT_EQ(*(*it)->Next(&b, 10), 0u);
    }
  }
}

// A plain table (keyed by its primary key directly, no index): lookups of the first and last
// rows of its pages and of the absent keys between rows and between pages.
TEST(StorePagesPlainTest, LookupsByKeyAcrossPages) {
  const std::string src_dir = TempDir("pages-plain-src"), data_dir = TempDir("pages-plain-data");
  WriteText(src_dir + "/schema.yaml", R"(name: plainrel
description: A plain table of many pages.
tables:
- name: Plain
  description: Rows keyed by an even id.
  primaryKey: "#Plain.id"
  columns:
  - name: id
    datatype: long
  - name: note
    datatype: string
  - name: x
    datatype: double
)");
  WriteText(src_dir + "/manifest.yaml", R"(release: plainrel
schema: schema.yaml
tables:
  Plain:
    files: [plain.csv]
)");
  std::string csv = "id,note,x\n";
  constexpr int64_t kRows = 6000;
  auto note = [](int64_t id) { return std::string(static_cast<size_t>((id % 37 + 37) % 37), 'n'); };
  for (int64_t i = 0; i < kRows; ++i) {
    const int64_t id = 2 * i - 3000;  // even ids, negative ones too
    csv += std::to_string(id) + "," + note(id) + "," + std::to_string(i) + ".5\n";
  }
  WriteText(src_dir + "/plain.csv", csv);
  LoadOptions o;
  o.data_dir = data_dir;
  o.manifest_path = src_dir + "/manifest.yaml";
  ASSERT_TRUE(LoadRelease(o, nullptr).ok());
  const std::string directory = StoreDirectory(data_dir, "plainrel");
  auto store = Store::OpenReadOnly(directory);
  ASSERT_TRUE(store.ok());
  const TableDef* t = (*store)->catalog().FindTable("Plain");
  const std::vector<PageBounds> pages = ReadPages(directory, *t);
  ASSERT_GT(pages.size(), 3u);
  auto lookup = [&](int64_t id) {
    auto it = (*store)->LookupPrimaryKey(*t, {0, 1, 2}, id);
    EXPECT_TRUE(it.ok());
    ColumnBatch b;
    auto n = (*it)->Next(&b, 10);
    EXPECT_TRUE(n.ok());
    if (*n == 1) {
      EXPECT_EQ(b.columns[0].ints[0], id);
      EXPECT_EQ(b.columns[1].strings[0], note(id));
      const int64_t row = (id + 3000) / 2;  // the row's line in the file, from 0
      EXPECT_EQ(b.columns[2].doubles[0], static_cast<double>(row) + 0.5);
    }
    return *n;
  };
  for (const auto& p : pages) {
    const auto first = static_cast<int64_t>(p.first[0] ^ (uint64_t{1} << 63));
    const auto last = static_cast<int64_t>(p.last[0] ^ (uint64_t{1} << 63));
    EXPECT_EQ(lookup(first), 1u);
    EXPECT_EQ(lookup(last), 1u);
    EXPECT_EQ(lookup(first - 1), 0u);  // between this page and the one before
    EXPECT_EQ(lookup(last + 1), 0u);   // between this page and the next
    EXPECT_EQ(lookup(first + 1), 0u);  // between two rows of the page
  }
  EXPECT_EQ(lookup(-1000000), 0u);  // before the table
  EXPECT_EQ(lookup(1000000), 0u);   // after it
  std::filesystem::remove_all(src_dir);
  std::filesystem::remove_all(data_dir);
}

// Damaged pages and a store of format 2: errors, never a crash or wrong rows.
TEST(StorePagesDamageTest, DamagedPagesAndOldFormatsAreRefused) {
  const std::string src_dir = TempDir("pages-dmg-src"), data_dir = TempDir("pages-dmg-data");
  auto rel = MakeTestRelease(src_dir, 3000, 2, 37, 1);
  LoadOptions o;
  o.data_dir = data_dir;
  o.manifest_path = rel.manifest;
  ASSERT_TRUE(LoadRelease(o, nullptr).ok());
  const std::string directory = StoreDirectory(data_dir, "testrel");
  TableDef obj;
  {
    auto store = Store::OpenReadOnly(directory);
    ASSERT_TRUE(store.ok());
    obj = *(*store)->catalog().FindTable("Obj");
  }
  // Overwrite the second page of Obj with a truncated copy of itself.
  std::string page_key;
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), directory, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    it->Seek(keys::RowPrefix(obj.id));
    ASSERT_TRUE(it->Valid());
    it->Next();
    ASSERT_TRUE(it->Valid());
    page_key = it->key().ToString();
    const std::string value = it->value().ToString();
    it.reset();
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), page_key, value.substr(0, value.size() - 3)).ok());
    ASSERT_TRUE(db->Close().ok());
  }
  {
    auto store = Store::OpenReadOnly(directory);
    ASSERT_TRUE(store.ok());
    auto it = (*store)->Scan(obj, {0, 1}, {});
    ASSERT_TRUE(it.ok());
    ColumnBatch b;
    Status s;
    for (;;) {
      auto n = (*it)->Next(&b, 100);
      if (!n.ok()) {
        s = n.status();
        break;
      }
      ASSERT_NE(*n, 0u) << "the damaged page was read without an error";
    }
    EXPECT_EQ(s.code(), StatusCode::kCorruption);
    EXPECT_NE(s.message().find("table Obj"), std::string::npos) << s.ToString();
    const std::string pk = std::to_string(keys::GetI64(page_key.data() + keys::kPrefixSize + 8));
    EXPECT_NE(s.message().find(pk), std::string::npos) << s.ToString();
  }
  // A store of format 2 (rows one a key) is refused with the way out.
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), directory, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(),
                        rocksdb::Slice(keys::kFormatKey.data(), keys::kFormatKey.size()), "2")
                    .ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto old = Store::OpenReadOnly(directory);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(old.status().message().find("--replace"), std::string::npos) << old.status().ToString();
  std::filesystem::remove_all(src_dir);
  std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace skyshard
