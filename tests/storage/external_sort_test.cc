// The loader's external sort (storage/internal/external_sort.h) against std::sort of the same
// records: runs in memory and in files, several builders, records in stretches (a parent's
// children) and interleaved, and duplicate keys within a run and across runs.
#include "storage/internal/external_sort.h"

#include <gtest/gtest.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table_properties.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "storage/internal/keys.h"
#include "storage/internal/rocksdb_options.h"
#include "tests/storage/test_release.h"

namespace skyshard::internal {
namespace {

namespace fs = std::filesystem;

using Record = std::pair<std::string, std::string>;

// A child-row key: prefix, then three big-endian components.
std::string Key(uint64_t a, uint64_t b, uint64_t c) {
  std::string k = keys::RowPrefix(7);
  keys::PutU64(&k, a);
  keys::PutU64(&k, b);
  keys::PutU64(&k, c);
  return k;
}

class ExternalSortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        skyshard::testing::TempDir(std::string("external-sort-") +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ + "/tmp");
    fs::create_directories(dir_ + "/sst");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Sorts `records` through `builders` run builders (record i goes to builder
  // (i / stretch) % builders, each flushing every `flush_every` records), keeping runs in
  // memory up to `memory` bytes, and returns the merged stream.
  Result<std::vector<Record>> Sort(const std::vector<Record>& records, int builders, size_t stretch,
                                   size_t flush_every, uint64_t memory) {
    RunSet set("t");
    MemoryBudget budget(memory);
    {
      std::vector<std::unique_ptr<RunBuilder>> b;
      std::vector<size_t> pending(static_cast<size_t>(builders), 0);
      for (int i = 0; i < builders; ++i) {
        b.push_back(std::make_unique<RunBuilder>(&set, dir_ + "/tmp", &budget));
      }
      for (size_t i = 0; i < records.size(); ++i) {
        const size_t w = (i / stretch) % static_cast<size_t>(builders);
        // Both ways of adding a record, and records taken back before they are finished.
        if (i % 3 == 0) {
          b[w]->StartRecord(Key(~uint64_t{0}, i, i))->append("taken back");
          b[w]->AbortRecord();
        }
        if (i % 2 == 0) {
          b[w]->Add(records[i].first, records[i].second);
        } else {
          b[w]->StartRecord(records[i].first)->append(records[i].second);
          b[w]->FinishRecord();
        }
        if (++pending[w] == flush_every) {
          SKY_RETURN_IF_ERROR(b[w]->Flush());
          pending[w] = 0;
        }
      }
      for (auto& builder : b) SKY_RETURN_IF_ERROR(builder->Flush());
    }
    MergeOptions mo;
    mo.sst_dir = dir_ + "/sst";
    mo.threads = 2;
    mo.partition_bytes = 64 << 10;  // many partitions, so that stretches cross their bounds
    std::map<int, std::vector<Record>> parts;
    std::mutex mu;
    mo.on_record = [&](int p, std::string_view k, std::string_view v) {
      std::lock_guard<std::mutex> lock(mu);
      parts[p].emplace_back(std::string(k), std::string(v));
      return Status::OK();
    };
    mo.describe_duplicate = [](std::string_view k) {
      return "duplicate " + std::to_string(keys::GetU64(k.data() + k.size() - 8));
    };
    SKY_ASSIGN_OR_RETURN(MergeResult r, MergeRuns(&set, mo));
    std::vector<Record> out;
    for (auto& [p, recs] : parts) out.insert(out.end(), recs.begin(), recs.end());
    if (r.records != out.size()) return Status::Internal("record count differs");
    return out;
  }

  std::string dir_;
};

// Parents in random order, each with `children` consecutive records, as a child table's files
// have them (ordered by parent id, not by sky position).
std::vector<Record> ChildRecords(size_t parents, size_t children, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Record> out;
  for (size_t p = 0; p < parents; ++p) {
    const uint64_t hpx = rng() >> 20;
    for (size_t c = 0; c < children; ++c) {
      const uint64_t id = p * children + c;
      out.emplace_back(Key(hpx, p, id),
                       "value-" + std::to_string(id) + std::string(rng() % 40, 'x'));
    }
  }
  return out;
}

std::vector<Record> Sorted(std::vector<Record> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST_F(ExternalSortTest, MergedStreamIsTheSortedInput) {
  const auto records = ChildRecords(20000, 10, 1);
  const auto expected = Sorted(records);
  struct Case {
    int builders;
    size_t stretch, flush_every;
    uint64_t memory;
  };
  for (const Case& c : {Case{1, 1, 1 << 30, 1ull << 30},   // one run, in memory
                        Case{2, 10, 7000, 1ull << 30},     // stretches, many memory runs
                        Case{3, 1, 9000, 0},               // interleaved, every run in a file
                        Case{2, 10, 5000, 2ull << 20}}) {  // some runs in memory, some in files
    auto r = Sort(records, c.builders, c.stretch, c.flush_every, c.memory);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->size(), expected.size());
    EXPECT_TRUE(*r == expected) << "builders " << c.builders << " stretch " << c.stretch;
  }
}

// A sort buffer is dealt into buckets by the top bits of its first key word before it is
// sorted: skewed skies (one pixel holding a third of the rows, a tight cluster, a few far
// outliers), buffers whose first words are all equal, and keys of a spatial table (one word and
// the primary key) must still come out in key order.
TEST_F(ExternalSortTest, SkewedAndEqualLeadingKeysSortExactly) {
  std::mt19937_64 rng(5);
  std::vector<Record> skewed, equal;
  for (uint64_t i = 0; i < 60000; ++i) {
    uint64_t hpx;
    switch (i % 3) {
      case 0:
        hpx = 1ull << 50;  // one crowded pixel
        break;
      case 1:
        hpx = (1ull << 50) + rng() % 300;  // a cluster around it
        break;
      default:
        hpx = i % 1000 == 2 ? ~0ull - rng() % 5 : rng() >> 3;  // spread, a few at the top
        break;
    }
    std::string key = keys::RowPrefix(3);
    keys::PutU64(&key, hpx);
    keys::PutU64(&key, rng() >> 1);  // the primary key: a spatial table's key ends here
    skewed.emplace_back(key, std::to_string(i));
    equal.emplace_back(Key(42, rng() % 1000, i), std::to_string(i));
  }
  for (const auto* records : {&skewed, &equal}) {
    auto r = Sort(*records, 1, 1, 1 << 30, 1ull << 30);  // one buffer, one run
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(*r == Sorted(*records));
    auto files = Sort(*records, 2, 1, 25000, 0);  // runs written to files
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    EXPECT_TRUE(*files == Sorted(*records));
  }
}

// A buffer whose parents' children come in stretches is sorted stretch by stretch; a parent
// whose children are split into two stretches, far apart, must still come out in order, both
// when its stretches follow each other in key order and when they interleave.
TEST_F(ExternalSortTest, SplitAndInterleavedStretchesSortExactly) {
  std::mt19937_64 rng(9);
  for (const bool interleave : {false, true}) {
    std::vector<Record> first_half, second_half;
    for (uint64_t p = 0; p < 3000; ++p) {
      const uint64_t hpx = rng() >> 8;
      for (uint64_t c = 0; c < 10; ++c) {
        const bool first = interleave ? c % 2 == 0 : c < 5;
        // Only some parents are split: the others' ten children stay in one stretch.
        auto& half = (p % 3 == 0 && !first) ? second_half : first_half;
        half.emplace_back(Key(hpx, p, p * 10 + c), std::to_string(c));
      }
    }
    std::vector<Record> records = first_half;
    records.insert(records.end(), second_half.begin(), second_half.end());
    auto r = Sort(records, 1, 1, 1 << 30, 1ull << 30);  // one buffer, one run
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(*r == Sorted(records)) << "interleave " << interleave;
  }
}

// A run keeps each stretch's size in 24 bits: a parent whose children pass 16 MiB is cut into
// several stretches, and a single record of 16 MiB or more keeps its size in its own header.
// Both, among ordinary stretches, come out in key order from runs in memory and in files.
TEST_F(ExternalSortTest, StretchesAndRecordsBeyondSixteenMiBSortExactly) {
  auto records = ChildRecords(2000, 5, 12);
  for (uint64_t c = 0; c < 4; ++c) {  // one parent, 4 x 7 MiB of children
    records.emplace_back(Key(uint64_t{1} << 40, 99999, c), std::string(7 << 20, 'a' + c));
  }
  records.emplace_back(Key(uint64_t{1} << 30, 99998, 0), std::string(17 << 20, 'z'));
  records.emplace_back(Key(uint64_t{1} << 30, 99998, 1), "after the large one");
  const auto expected = Sorted(records);
  for (const uint64_t memory : {uint64_t{1} << 30, uint64_t{0}}) {
    auto r = Sort(records, 1, 1, 1 << 30, memory);  // one run, in memory or in a file
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(*r == expected) << "memory " << memory;
  }
}

// The pool hands back the smallest buffer that is large enough, never holds more than its
// limit, and drops the buffers of a kind once they are all too small for what is asked.
// A builder's last run stays in memory whatever the budget (its buffer was counted already);
// the earlier runs beyond the budget go to files, and a builder without a budget writes every
// run, the last included, to a file. The merge gives the sorted input either way.
TEST_F(ExternalSortTest, LastRunStaysInMemoryBeyondTheBudget) {
  const auto records = ChildRecords(20000, 10, 4);
  const auto expected = Sorted(records);
  for (const bool with_budget : {true, false}) {
    fs::remove_all(dir_ + "/tmp");
    fs::create_directories(dir_ + "/tmp");
    RunSet set("t");
    MemoryBudget none(0);
    {
      RunBuilder b(&set, dir_ + "/tmp", with_budget ? &none : nullptr);
      for (size_t i = 0; i < records.size(); ++i) {
        b.Add(records[i].first, records[i].second);
        if ((i + 1) % 60000 == 0) {
          ASSERT_TRUE(b.Flush().ok());
        }
      }
      ASSERT_TRUE(b.FlushLast().ok());
    }
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir_ + "/tmp")) files += e.is_regular_file();
    EXPECT_EQ(files, with_budget ? 3u : 4u) << "with budget " << with_budget;
    MergeOptions mo;
    mo.sst_dir = dir_ + "/sst";
    std::vector<Record> out;
    std::mutex mu;
    mo.threads = 1;
    mo.on_record = [&](int, std::string_view k, std::string_view v) {
      std::lock_guard<std::mutex> lock(mu);
      out.emplace_back(std::string(k), std::string(v));
      return Status::OK();
    };
    auto r = MergeRuns(&set, mo);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(out == expected) << "with budget " << with_budget;
    fs::remove_all(dir_ + "/sst");
    fs::create_directories(dir_ + "/sst");
  }
}

TEST(BufferPoolTest, TakesTheSmallestFittingBufferWithinItsLimit) {
  constexpr size_t kK = 1000 * 1000;  // sizes in MB: the pool ignores buffers under 64 KiB
  auto buffer = [](size_t capacity) {
    std::string s;
    s.reserve(capacity);
    s = "dirty";
    return s;
  };
  BufferPool pool(10 * kK);
  pool.Give(buffer(4 * kK));
  pool.Give(buffer(2 * kK));
  pool.Give(buffer(3 * kK));
  pool.Give(buffer(5 * kK));  // over the limit with the others: freed, not kept
  std::string b = pool.TakeBytes(2500 * 1000);
  EXPECT_GE(b.capacity(), 3 * kK);
  EXPECT_LT(b.capacity(), 4 * kK);
  EXPECT_TRUE(b.empty());  // handed out cleared
  std::string c = pool.TakeBytes(3500 * 1000);
  EXPECT_GE(c.capacity(), 4 * kK);
  EXPECT_LT(pool.TakeBytes(3500 * 1000).capacity(), kK);  // only the 2 MB is left: too small...
  EXPECT_LT(pool.TakeBytes(100).capacity(), kK);          // ...and was dropped by that miss
  pool.Give(std::move(b));
  pool.Give(std::move(c));
  EXPECT_GE(pool.TakeBytes(3900 * 1000).capacity(), 4 * kK);
  std::vector<uint64_t> words;
  words.reserve(kK / 4);  // 2 MB, within the limit beside the 3 MB buffer still pooled
  pool.Give(std::move(words));
  EXPECT_GE(pool.TakeWords(kK / 8).capacity(), kK / 4);
  EXPECT_EQ(pool.TakeEntries(1).capacity(), 0u);  // kinds do not mix
}

TEST_F(ExternalSortTest, DuplicateKeysAreFoundWithinAndAcrossRuns) {
  auto records = ChildRecords(5000, 10, 2);
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 6; ++trial) {
    auto with_dup = records;
    // A record repeated elsewhere: next to itself (one stretch), or far away (another run).
    const size_t from = rng() % with_dup.size();
    const size_t to = trial % 2 == 0 ? (from + 1) % with_dup.size() : rng() % with_dup.size();
    if (from == to) continue;
    with_dup[to] = with_dup[from];
    const uint64_t id = keys::GetU64(with_dup[from].first.data() + with_dup[from].first.size() - 8);
    auto r = Sort(with_dup, 2, 10, 3000, trial < 3 ? 1ull << 30 : 0);
    ASSERT_FALSE(r.ok()) << "trial " << trial;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "duplicate " + std::to_string(id));
  }
}

// Keys that end in the same eight bytes are still distinct keys: the merge's duplicate check
// must compare them whole (the loader's keys end with the primary key, but the sort does not
// rely on it).
TEST_F(ExternalSortTest, KeysSharingTheirLastBytesAreNotDuplicates) {
  std::vector<Record> records;
  std::mt19937_64 rng(4);
  // Every key ends in the same word, so every two keys next to each other after the sort do.
  for (uint64_t p = 0; p < 10000; ++p) records.emplace_back(Key(rng() % 500, p, 7), "v");
  for (uint64_t memory : {uint64_t{1} << 30, uint64_t{0}}) {
    auto r = Sort(records, 2, 1, 1000, memory);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, Sorted(records));
  }
}

// A run record that continues a stretch holds only the key bytes after the stretch's shared
// ones: a run file that starts with one (damaged; the loader never writes it) is refused, not
// read with a made-up key.
TEST_F(ExternalSortTest, ARunFileStartingMidStretchIsCorruption) {
  const std::string path = dir_ + "/tmp/damaged.run";
  {
    std::ofstream out(path, std::ios::binary);
    const uint16_t field = 0x8000 | 8;  // continues; 8 key bytes held
    const uint32_t vlen = 1;
    out.write(reinterpret_cast<const char*>(&field), 2);
    out.write(reinterpret_cast<const char*>(&vlen), 4);
    out << "12345678v";  // the 8 key bytes, then the value
  }
  RunSet set("t");
  RunFile run;
  run.path = path;
  run.records = 1;
  run.bytes = 15;
  run.samples.emplace_back(Key(0, 0, 0), 0);
  set.Add(std::move(run));
  MergeOptions mo;
  mo.sst_dir = dir_ + "/sst";
  mo.threads = 1;
  auto r = MergeRuns(&set, mo);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.status().message(), "run file " + path + " is damaged: a record continues no key");
}

// Packs every `per_page` records into one "page": the values concatenated, under the last key.
class ConcatPacker final : public RecordPacker {
 public:
  explicit ConcatPacker(size_t per_page) : per_page_(per_page) {}
  Status Add(std::string_view key, std::string_view value, const Emit& emit) override {
    page_.append(value);
    last_.assign(key);
    if (++n_ == per_page_) return Finish(emit);
    return Status::OK();
  }
  Status Finish(const Emit& emit) override {
    if (n_ == 0) return Status::OK();
    n_ = 0;
    Status s = emit(last_, page_);
    page_.clear();
    return s;
  }

 private:
  const size_t per_page_;
  size_t n_ = 0;
  std::string page_, last_;
};

// Each SST file of pages is LZ4-compressed only when LZ4 saves at least an eighth of its first
// pages (PartitionWriter): pages of random bytes are written uncompressed, pages of text
// compressed. Either way every page reaches its file, the ones held back to decide included,
// in files of fewer and of more pages than are held back.
TEST_F(ExternalSortTest, CompressionIsChosenPerFileOfPages) {
  std::mt19937_64 rng(5);
  for (const auto& [random, count] : {std::pair{true, 1000}, std::pair{true, 9000},
                                      std::pair{false, 1000}, std::pair{false, 9000}}) {
    SCOPED_TRACE(std::string(random ? "random" : "text") + " pages, records " +
                 std::to_string(count));
    fs::remove_all(dir_ + "/sst");
    fs::create_directories(dir_ + "/sst");
    RunSet set("t");
    MemoryBudget budget(1ull << 30);
    std::vector<Record> records;
    {
      RunBuilder b(&set, dir_ + "/tmp", &budget);
      for (uint64_t i = 0; i < static_cast<uint64_t>(count); ++i) {
        std::string v(200, 'a');
        for (char& c : v) c = random ? static_cast<char>(rng()) : "skyshard "[rng() % 9];
        records.emplace_back(Key(i / 3, i, i), v);
        b.Add(records.back().first, v);
      }
      ASSERT_TRUE(b.Flush().ok());
    }
    MergeOptions mo;
    mo.sst_dir = dir_ + "/sst";
    mo.make_packer = [] { return std::make_unique<ConcatPacker>(100); };
    auto r = MergeRuns(&set, mo);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::vector<Record> pages;
    for (const std::string& path : r->sst_files) {
      rocksdb::SstFileReader reader(StoreOptions());
      ASSERT_TRUE(reader.Open(path).ok()) << path;
      EXPECT_EQ(reader.GetTableProperties()->compression_name, random ? "NoCompression" : "LZ4")
          << path;
      std::unique_ptr<rocksdb::Iterator> it(reader.NewIterator(rocksdb::ReadOptions()));
      size_t n = 0;
      for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
        pages.emplace_back(it->key().ToString(), it->value().ToString());
      }
      ASSERT_TRUE(it->status().ok());
      // 1000 records: one file of 10 pages, all of them held back; 9000: files of 30 or more.
      EXPECT_TRUE(count == 1000 ? n < 16 : n > 16) << n << " pages in " << path;
    }
    // The pages the packer wrote, partition by partition: each partition's records packed on
    // their own, so a page never spans two files.
    size_t next = 0;
    for (const Record& page : pages) {
      std::string want;
      while (next < records.size() && records[next].first <= page.first) {
        want += records[next++].second;
      }
      ASSERT_EQ(page.second, want) << "page ending at record " << next;
    }
    EXPECT_EQ(next, records.size());
  }
}

}  // namespace
}  // namespace skyshard::internal
