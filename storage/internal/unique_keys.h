// UniqueKeys: checks that a table's 64-bit primary keys are unique when no key index is
// built for them (a child table loaded without --child-index, docs/storage.md "Bulk load").
//
// The keys of a child table's rows are (parent's spatial key, parent key, key): the row sort
// finds duplicates only within one parent. Uniqueness over the whole table needs the keys in
// key order, and nothing else: this sorts bare 8-byte keys (the general run sort of
// external_sort.h would carry a 13-byte record, its 6-byte header, a 32-byte sort entry and an
// 8-byte offset for each). Each loader thread fills a Writer; a full buffer is sorted (a pass
// tells when it already is, as ids usually come in order) and kept as a sorted run in memory
// while the budget allows, else written to a run file. Check merges the runs, in key ranges
// in parallel, and stops at the first key seen twice.
//
// Thread safety: a Writer belongs to one thread; UniqueKeys::Check must not race with Writers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/internal/external_sort.h"

namespace skyshard::internal {

class UniqueKeys {
 public:
  // Runs that do not fit `budget` (may be null: every run goes to a file) are written as
  // `<tmp_dir>/<name>.<unique>.keys`.
  UniqueKeys(std::string tmp_dir, std::string name, MemoryBudget* budget);
  ~UniqueKeys();
  UniqueKeys(const UniqueKeys&) = delete;
  UniqueKeys& operator=(const UniqueKeys&) = delete;

  class Writer {
   public:
    void Add(int64_t key) { keys_.push_back(static_cast<uint64_t>(key) ^ (uint64_t{1} << 63)); }
    size_t buffered_bytes() const { return keys_.size() * sizeof(uint64_t); }
    // Sorts the buffered keys into a run (no-op when empty).
    Status Flush();

   private:
    friend class UniqueKeys;
    explicit Writer(UniqueKeys* set) : set_(set) {}
    UniqueKeys* set_;
    std::vector<uint64_t> keys_;  // sign bit flipped: unsigned order is signed order
  };

  // A writer whose buffer has room for `buffer_bytes` of keys.
  std::unique_ptr<Writer> NewWriter(uint64_t buffer_bytes);

  // Merges every run on up to `threads` threads; deletes the run files. Returns the number of
  // keys, or InvalidArgument with `describe(key)` for a key seen twice (the smallest such key).
  Result<uint64_t> Check(int threads, const std::function<std::string(int64_t)>& describe);

 private:
  struct Run;
  Status AddRun(std::vector<uint64_t>* sorted);

  std::string tmp_dir_;
  std::string name_;
  MemoryBudget* budget_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Run>> runs_;
};

}  // namespace skyshard::internal
