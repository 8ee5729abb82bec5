// The loader's external sort (storage/internal/external_sort.h) against std::sort of the same
// records: runs in memory and in files, several builders, records in stretches (a parent's
// children) and interleaved, and duplicate keys within a run and across runs.
#include "storage/internal/external_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "storage/internal/keys.h"
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
        b[w]->Add(records[i].first, records[i].second);
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

}  // namespace
}  // namespace skyshard::internal
