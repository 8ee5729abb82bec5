// UniqueKeys (storage/internal/unique_keys.h) against std::sort + adjacent_find over the same
// keys: counts, the smallest duplicate, runs kept in memory and runs spilled to files, one
// writer or several on threads, keys in order or not, and the extremes of int64.
#include "storage/internal/unique_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <thread>

#include "tests/storage/test_release.h"

namespace skyshard::internal {
namespace {

namespace fs = std::filesystem;

class UniqueKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        skyshard::testing::TempDir(std::string("unique-keys-") +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Feeds `keys` to `writers` writers (round-robin slices of the input, each on its own
  // thread), each flushing every `flush_every` keys, then checks.
  Result<uint64_t> Run(const std::vector<int64_t>& keys, MemoryBudget* budget, int writers,
                       size_t flush_every) {
    UniqueKeys set(dir_, "t", budget);
    std::vector<std::thread> threads;
    std::vector<Status> statuses(static_cast<size_t>(writers));
    const size_t slice =
        (keys.size() + static_cast<size_t>(writers) - 1) / static_cast<size_t>(writers);
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        auto writer = set.NewWriter(flush_every * sizeof(uint64_t));
        const size_t begin = std::min(keys.size(), static_cast<size_t>(w) * slice);
        const size_t end = std::min(keys.size(), begin + slice);
        Status s;
        for (size_t i = begin; i < end && s.ok(); ++i) {
          writer->Add(keys[i]);
          if (writer->buffered_bytes() >= flush_every * sizeof(uint64_t)) s = writer->Flush();
        }
        if (s.ok()) s = writer->Flush();
        statuses[static_cast<size_t>(w)] = s;
      });
    }
    for (auto& t : threads) t.join();
    for (const Status& s : statuses) {
      if (!s.ok()) return s;
    }
    auto r = set.Check(2, [](int64_t k) { return "duplicate " + std::to_string(k); });
    // Every run file is gone once checked.
    EXPECT_TRUE(fs::is_empty(dir_)) << dir_;
    return r;
  }

  // The smallest key that occurs more than once, by brute force.
  static std::optional<int64_t> SmallestDuplicate(std::vector<int64_t> keys) {
    std::sort(keys.begin(), keys.end());
    auto it = std::adjacent_find(keys.begin(), keys.end());
    if (it == keys.end()) return std::nullopt;
    return *it;
  }

  void ExpectAgrees(const std::vector<int64_t>& keys, MemoryBudget* budget, int writers,
                    size_t flush_every) {
    auto r = Run(keys, budget, writers, flush_every);
    auto dup = SmallestDuplicate(keys);
    if (dup.has_value()) {
      ASSERT_FALSE(r.ok()) << "duplicate " << *dup << " not found";
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(r.status().message(), "duplicate " + std::to_string(*dup));
    } else {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(*r, keys.size());
    }
  }

  std::string dir_;
};

std::vector<int64_t> Shuffled(size_t n, uint64_t seed) {
  std::vector<int64_t> keys(n);
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < n; ++i) keys[i] = static_cast<int64_t>(rng());  // distinct w.h.p.
  return keys;
}

TEST_F(UniqueKeysTest, EmptyInputHasNoKeys) {
  ExpectAgrees({}, nullptr, 1, 16);
  MemoryBudget budget(1 << 20);
  ExpectAgrees({}, &budget, 2, 16);
}

TEST_F(UniqueKeysTest, DistinctKeysInMemoryAndInFiles) {
  const auto keys = Shuffled(3'000'000, 1);
  MemoryBudget all(1ull << 30);
  ExpectAgrees(keys, &all, 2, 200'000);     // every run in memory
  ExpectAgrees(keys, nullptr, 2, 200'000);  // every run in a file
  MemoryBudget some(5'000'000);             // some of each
  ExpectAgrees(keys, &some, 3, 150'000);
}

TEST_F(UniqueKeysTest, FindsTheSmallestDuplicateWhereverItIs) {
  for (uint64_t seed = 0; seed < 6; ++seed) {
    auto keys = Shuffled(1'500'000, 100 + seed);
    std::mt19937_64 rng(seed);
    // Two duplicates, copied from anywhere to anywhere (often another writer's slice).
    for (int d = 0; d < 2; ++d) keys[rng() % keys.size()] = keys[rng() % keys.size()];
    MemoryBudget some(4'000'000);
    ExpectAgrees(keys, seed % 2 == 0 ? &some : nullptr, 1 + static_cast<int>(seed % 3),
                 100'000 + seed * 7919);
  }
}

TEST_F(UniqueKeysTest, DuplicateWithinOneRunAndAtTheExtremes) {
  std::vector<int64_t> keys = {std::numeric_limits<int64_t>::max(), -1, 0, 1,
                               std::numeric_limits<int64_t>::min()};
  ExpectAgrees(keys, nullptr, 1, 16);
  keys.push_back(std::numeric_limits<int64_t>::min());
  ExpectAgrees(keys, nullptr, 1, 16);  // both in one run
  ExpectAgrees(keys, nullptr, 2, 2);   // in two runs
  keys.pop_back();
  keys.push_back(std::numeric_limits<int64_t>::max());
  ExpectAgrees(keys, nullptr, 2, 1);
}

TEST_F(UniqueKeysTest, KeysAlreadyInOrderAcrossManyRuns) {
  // Ids in load order, as a generated release or a survey's files have them: each run is one
  // block of the key space, so the merge drains runs whole.
  std::vector<int64_t> keys(2'000'000);
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = -1'000'000 + static_cast<int64_t>(i) * 3;
  MemoryBudget some(6'000'000);
  ExpectAgrees(keys, &some, 1, 64'000);
  keys[1'999'999] = keys[0];  // the last key repeats the first
  ExpectAgrees(keys, &some, 1, 64'000);
}

}  // namespace
}  // namespace skyshard::internal
