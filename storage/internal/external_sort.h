// External sort of key/value records into non-overlapping RocksDB SST files, the heart of the
// bulk loader (docs/storage.md, "Bulk load").
//
// Each loader thread appends records of one stream (a table's rows, or its primary-key index)
// to its own RunBuilder; a full buffer is sorted in memory and written to a run file. When all
// input is read, MergeRuns splits the key space into partitions from the runs' sparse key
// samples and merges the partitions in parallel, each into its own SST file. Partitions never
// share a key, so the SST files do not overlap and RocksDB can ingest them straight into the
// bottom level. Equal keys (duplicate primary keys) are detected during the merge.
//
// Thread safety: a RunBuilder belongs to one thread; RunSet::Add is thread-safe; MergeRuns
// runs its own threads and must not race with RunBuilders of the same RunSet.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skyshard::internal {

// Copies `key` (which must not point into `*out`) into `*out`: a plain memcpy when the sizes
// match, as the keys of one stream mostly do; std::string::assign takes its general path,
// which cost 3% of a merge that keeps each record's key.
inline void CopyKey(std::string_view key, std::string* out) {
  if (out->size() == key.size()) {
    std::memcpy(out->data(), key.data(), key.size());
  } else {
    out->assign(key.data(), key.size());
  }
}

// How many bytes of sorted runs a load may keep in memory instead of writing them to run
// files: a load that fits never writes a run, a larger one spills only what does not fit.
class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t bytes) : available_(bytes) {}
  bool TryReserve(uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    if (n > available_) return false;
    available_ -= n;
    return true;
  }
  void Release(uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    available_ += n;
  }

 private:
  std::mutex mu_;
  uint64_t available_;
};

// The memory of finished sort buffers and memory runs, kept for the next ones instead of being
// freed. On a virtual machine whose host takes back what the guest frees, memory touched for the
// first time costs a host fault and a zeroing per page: at full size the kernel's zeroing of
// fresh pages was a fifth of a load's CPU. A load's tables are loaded one after the other, so
// the buffers of one serve the next. Holds at most `max_bytes` of capacity. Thread-safe.
class BufferPool {
 public:
  struct SortEntry {
    uint64_t order[3];
    uint64_t offset;
  };
  explicit BufferPool(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  // A pooled buffer of at least `capacity` (the smallest such), cleared; a new, empty one when
  // none is that large, and then the smaller pooled buffers of its kind are
  // freed: the caller is about to allocate anew, and buffers of a size no table asks for again
  // would only add to the load's peak memory.
  std::string TakeBytes(size_t capacity) { return Take(&bytes_, capacity); }
  std::vector<SortEntry> TakeEntries(size_t capacity) { return Take(&entries_, capacity); }
  std::vector<uint64_t> TakeWords(size_t capacity) { return Take(&words_, capacity); }
  // Keeps `buffer`'s memory for a later Take, or frees it when the pool is full or the buffer
  // is small (under 64 KiB: not worth keeping).
  void Give(std::string buffer) { Put(&bytes_, std::move(buffer)); }
  void Give(std::vector<SortEntry> buffer) { Put(&entries_, std::move(buffer)); }
  void Give(std::vector<uint64_t> buffer) { Put(&words_, std::move(buffer)); }

 private:
  template <typename T>
  static uint64_t Bytes(const T& buffer) {
    return buffer.capacity() * sizeof(typename T::value_type);
  }
  template <typename T>
  T Take(std::vector<T>* pool, size_t capacity) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t best = pool->size();
    for (size_t i = 0; i < pool->size(); ++i) {
      const size_t c = (*pool)[i].capacity();
      if (c >= capacity && (best == pool->size() || c < (*pool)[best].capacity())) best = i;
    }
    if (best == pool->size()) {
      for (const T& b : *pool) held_ -= Bytes(b);
      pool->clear();  // every pooled buffer of this kind is smaller
      return T();
    }
    T buffer = std::move((*pool)[best]);
    pool->erase(pool->begin() + static_cast<std::ptrdiff_t>(best));
    held_ -= Bytes(buffer);
    return buffer;
  }
  template <typename T>
  void Put(std::vector<T>* pool, T buffer) {
    buffer.clear();
    std::lock_guard<std::mutex> lock(mu_);
    if (Bytes(buffer) < (64u << 10) || held_ + Bytes(buffer) > max_bytes_) return;
    held_ += Bytes(buffer);
    pool->push_back(std::move(buffer));
  }

  std::mutex mu_;
  const uint64_t max_bytes_;
  uint64_t held_ = 0;
  std::vector<std::string> bytes_;
  std::vector<std::vector<SortEntry>> entries_;
  std::vector<std::vector<uint64_t>> words_;
};

// A sorted run kept in memory: a builder's buffer and where its stretches of records lie, in key
// order. A stretch is one record, or records that follow each other in the buffer and in key
// order (a parent's children, as files hold them together), visited in turn.
// Gives its reservation back to the budget when the last reference goes.
struct MemoryRun {
  MemoryRun(MemoryBudget* b, uint64_t n, BufferPool* p) : budget(b), reserved(n), pool(p) {}
  ~MemoryRun() {
    budget->Release(reserved);
    if (pool != nullptr) {
      pool->Give(std::move(data));
      pool->Give(std::move(offsets));
    }
  }
  MemoryRun(const MemoryRun&) = delete;
  MemoryRun& operator=(const MemoryRun&) = delete;

  // Where a stretch lies, as `offsets` holds it: its offset in the low 40 bits, its size in
  // bytes above, or 0 there for a single record of kMaxStretch bytes or more (its size is then
  // in its header).
  static constexpr uint64_t kMaxOffset = uint64_t{1} << 40;
  static constexpr uint64_t kMaxStretch = uint64_t{1} << 24;
  static uint64_t Place(uint64_t offset, uint64_t size) {
    return offset | ((size < kMaxStretch ? size : 0) << 40);
  }
  static uint64_t Offset(uint64_t place) { return place & (kMaxOffset - 1); }
  static uint64_t Size(uint64_t place) { return place >> 40; }

  MemoryBudget* budget;
  uint64_t reserved;
  BufferPool* pool;  // takes data and offsets back; may be null
  std::string data;
  std::vector<uint64_t> offsets;  // the stretches' Place()s, in key order
};

struct RunFile {
  std::string path;                   // a run file, or empty for a memory run
  std::shared_ptr<MemoryRun> memory;  // the run, when it stayed in memory
  uint64_t records = 0;
  uint64_t bytes = 0;
  // A key about every 64 KiB of records (the first key of a stretch) and where that stretch
  // starts: the file offset, or the index into memory->offsets.
  std::vector<std::pair<std::string, uint64_t>> samples;
};

class RunSet {
 public:
  explicit RunSet(std::string name) : name_(std::move(name)) {}
  void Add(RunFile run);
  const std::string& name() const { return name_; }
  std::vector<RunFile> TakeRuns();

 private:
  std::string name_;
  std::mutex mu_;
  std::vector<RunFile> runs_;
};

class RunBuilder {
 public:
  // Sorted runs stay in memory while `budget` (may be null) allows, else they are written as
  // `<tmp_dir>/<set name>.<unique>.run`. Buffers come from and go back to `pool` (may be null;
  // it must outlive the builder and its memory runs).
  RunBuilder(RunSet* set, std::string tmp_dir, MemoryBudget* budget, BufferPool* pool = nullptr);

  // Reserves room for about `bytes` of records (address space only, until used), so that the
  // buffer does not grow by copying. The caller flushes before the buffer reaches
  // MemoryRun::kMaxOffset bytes.
  void Reserve(uint64_t bytes);
  ~RunBuilder();

  // Appends a record. REQUIRES: key.size() >= 13 (the 5-byte prefix and 8 ordering bytes),
  // key.size() < 32768.
  void Add(std::string_view key, std::string_view value);
  // Add in three steps, for a caller that writes the value straight into the run buffer instead
  // of copying it there: StartRecord appends the record's header and key and returns the
  // buffer, to which the caller appends the value; FinishRecord then completes the record, or
  // AbortRecord takes it back. No other member may be called in between.
  // REQUIRES: as for Add.
  std::string* StartRecord(std::string_view key);
  void FinishRecord();
  void AbortRecord();
  size_t buffered_bytes() const { return data_.size() + entries_.size() * sizeof(Entry); }
  // Sorts the buffered records and writes them as one run (no-op when empty).
  Status Flush();
  // Flush for the last time: the run stays in memory even beyond the budget (its buffer was
  // counted in the memory the load may use, and is no longer needed for reading), unless the
  // builder has no budget; no buffer is taken for more records. Add must not follow.
  Status FlushLast();

 private:
  // One entry a stretch: records appended one after the other whose keys share their first two
  // words and increase in the third (a parent's children, as files hold them together; a
  // ForcedSource buffer has a tenth as many entries as records). Key bytes [5, 29) of the
  // stretch's first record as three big-endian integers decide every comparison of the keys
  // the loader makes (spatial index, parent key, row key) without touching the record;
  // `offset` is the stretch's place and size in data_, as a MemoryRun::Place.
  using Entry = BufferPool::SortEntry;

  // Replaces entries_ by one entry a record, and data_ by a copy whose every record has its
  // whole key, for a buffer whose stretches cannot be ordered whole: two of them share their
  // first two key words (a parent's children split between places, or a duplicate key).
  void SplitStretches();
  Status Flush(bool last);
  RunSet* set_;
  std::string tmp_dir_;
  MemoryBudget* budget_;
  BufferPool* pool_;
  uint64_t reserve_bytes_ = 0;
  std::string data_;
  size_t open_ = 0;  // where the record being written (StartRecord) begins in data_
  std::vector<Entry> entries_;
  uint64_t records_ = 0;                // records in data_
  uint64_t last_order_ = 0;             // the third key word of the last record
  uint64_t open_order_[3] = {0, 0, 0};  // the key words of the record being written
  bool continues_ = false;  // whether the record being written continues the last stretch
};

// Turns the records of one partition, in key order, into the records written to its SST file
// (the loader packs rows into pages, storage/internal/page_packer.h). One packer per partition,
// used by one thread.
class RecordPacker {
 public:
  using Emit = std::function<Status(std::string_view key, std::string_view value)>;
  virtual ~RecordPacker() = default;
  // Takes the next record (keys strictly increasing); may write records through `emit`, in
  // increasing key order, every one of them <= `key`. The views are valid during the call only.
  virtual Status Add(std::string_view key, std::string_view value, const Emit& emit) = 0;
  // Writes whatever is still held through `emit`.
  virtual Status Finish(const Emit& emit) = 0;
};

struct MergeOptions {
  std::string sst_dir;  // where the SST files go
  int threads = 2;
  uint64_t partition_bytes = 128ull << 20;  // target size of one partition before compression
  // Bloom filters serve point lookups of keys that may be absent (primary-key index, plain
  // tables); streams that are only range-read or looked up by known keys skip them.
  bool bloom_filters = true;
  // Called once with the number of partitions before any on_record call. May be empty.
  std::function<void(int partitions)> on_start;
  // Called for every record in key order within a partition (partition p's calls are made on
  // one thread, partitions in parallel). May be empty.
  std::function<Status(int partition, std::string_view key, std::string_view value)> on_record;
  // When set, every partition's records go through a packer of its own and the SST file gets
  // what the packers write (MergeResult::records still counts the records merged).
  std::function<std::unique_ptr<RecordPacker>()> make_packer;
  // Describes a duplicate key for the error message.
  std::function<std::string(std::string_view key)> describe_duplicate;
};

struct MergeResult {
  std::vector<std::string> sst_files;  // in key order
  uint64_t records = 0;
  uint64_t sst_bytes = 0;
  int partitions = 0;
};

// Merges every run of `set` into SST files; deletes the run files. Returns InvalidArgument
// (with describe_duplicate's text) on a duplicate key, IOError on a write failure.
Result<MergeResult> MergeRuns(RunSet* set, const MergeOptions& options);

}  // namespace skyshard::internal
