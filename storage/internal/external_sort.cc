#include "storage/internal/external_sort.h"

#include <fcntl.h>
#include <lz4.h>
#include <rocksdb/env.h>
#include <rocksdb/sst_file_writer.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <queue>
#include <thread>
#include <utility>
#include <vector>

#include "storage/internal/file_io.h"
#include "storage/internal/huge_pages.h"
#include "storage/internal/keys.h"
#include "storage/internal/rocksdb_options.h"
#include "storage/internal/rocksdb_status.h"

namespace skyshard::internal {

namespace {

constexpr uint64_t kSampleBytes = 64 << 10;
constexpr size_t kIoBuffer = 1 << 20;
constexpr size_t kHeader = 6;  // u16 key field + u32 value length
// The key field: the bytes of key the record holds, and a flag for a record that continues a
// stretch, whose key's first kSharedKey bytes (prefix and the two words a stretch shares) are
// those of the record before it and are not repeated.
constexpr uint16_t kContinues = 0x8000;
constexpr uint16_t kKeyBytes = 0x7fff;
constexpr size_t kSharedKey = keys::kPrefixSize + 16;

// A record's header: bytes of key held, whether it continues a stretch, value length.
struct RecordHeader {
  size_t key_bytes;
  bool continues;
  uint32_t value_bytes;
  size_t size() const { return kHeader + key_bytes + value_bytes; }
};

RecordHeader ReadHeader(const char* rec) {
  uint16_t field;
  uint32_t vlen;
  std::memcpy(&field, rec, 2);
  std::memcpy(&vlen, rec + 2, 4);
  return RecordHeader{static_cast<size_t>(field & kKeyBytes), (field & kContinues) != 0, vlen};
}

std::atomic<uint64_t> g_run_counter{0};

// Big-endian value of up to 8 key bytes from `at`, zero-padded: a prefix of the key order.
uint64_t OrderBytes(std::string_view key, size_t at) {
  if (key.size() >= at + 8) return keys::GetU64(key.data() + at);
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i)
    v = (v << 8) | (at + i < key.size() ? static_cast<uint8_t>(key[at + i]) : 0);
  return v;
}

// The three key words that order run entries: key bytes [5, 29) as big-endian integers.
void KeyWords(std::string_view key, uint64_t words[3]) {
  for (int i = 0; i < 3; ++i) words[i] = OrderBytes(key, keys::kPrefixSize + 8 * i);
}

// The bytes of the stretch at `place` in `data` (MemoryRun::Place): its size field, or for a
// single large record the size in its header.
uint64_t StretchSize(const char* data, uint64_t place) {
  const uint64_t size = MemoryRun::Size(place);
  if (size != 0) return size;
  return ReadHeader(data + MemoryRun::Offset(place)).size();
}

// Whether the stretch at `place` is a single record.
bool SingleRecord(const char* data, uint64_t place) {
  return ReadHeader(data + MemoryRun::Offset(place)).size() == StretchSize(data, place);
}

// Sequential reader of one run file, from a starting offset.
class RunCursor {
 public:
  // Positions the cursor at `start` (a file offset, or a stretch's index for a memory run).
  Status Open(const RunFile& run, uint64_t start) {
    if (run.memory != nullptr) {
      memory_ = run.memory.get();
      index_ = start;
      return AdvanceMemory();
    }
    return Open(run.path, start);
  }

  Status Open(const std::string& path, uint64_t offset) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Status::IOError(ErrnoMessage("cannot open run", path));
    if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
      return Status::IOError(ErrnoMessage("cannot seek run", path));
    }
    buf_.resize(kIoBuffer);
    return Advance();
  }
  ~RunCursor() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool valid() const { return valid_; }
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }
  // Key order of two valid cursors' records: the key bytes after the space and table prefix,
  // as one integer, decide almost every comparison of the merge without a memcmp.
  static bool Less(const RunCursor& a, const RunCursor& b) { return a.Below(b.head_, b.key_); }
  // Whether the valid cursor's key is below `key`, whose Head is `head`.
  bool Below(uint64_t head, std::string_view key) const {
    if (head_ != head) return head_ < head;
    return key_ < key;
  }
  // Key bytes [kPrefixSize, kPrefixSize + 8) as a big-endian integer: the keys of one run set
  // share their prefix (space and table), so this orders them as their bytes do, but for ties.
  static uint64_t Head(std::string_view key) { return OrderBytes(key, keys::kPrefixSize); }

  // Moves to the next record.
  Status Advance() {
    if (memory_ != nullptr) return AdvanceMemory();
    if (!Ensure(kHeader)) return status_;
    if (end_ - pos_ == 0) {
      valid_ = false;
      return Status::OK();
    }
    if (end_ - pos_ < kHeader) return Status::Corruption("run file " + path_ + " is truncated");
    const size_t need = ReadHeader(buf_.data() + pos_).size();
    if (!Ensure(need)) return status_;
    if (end_ - pos_ < need) return Status::Corruption("run file " + path_ + " is truncated");
    if (Decode(buf_.data() + pos_) == 0) {
      return Status::Corruption("run file " + path_ + " is damaged: a record continues no key");
    }
    pos_ += need;
    return Status::OK();
  }

 private:
  Status AdvanceMemory() {
    if (stretch_at_ == stretch_end_) {
      if (index_ >= memory_->offsets.size()) {
        valid_ = false;
        return Status::OK();
      }
      // Stretches of a memory run are visited in key order, i.e. at random addresses: ask for
      // the start of the one a few steps ahead now so that the merge does not wait for memory
      // (an Object row spans five cache lines; the rest of a longer stretch is read in order,
      // which the hardware prefetches).
      constexpr uint64_t kAhead = 16;
      constexpr uint64_t kAheadBytes = 320;
      const char* const data = memory_->data.data();
      if (index_ + kAhead < memory_->offsets.size()) {
        const uint64_t ahead = memory_->offsets[index_ + kAhead];
        const char* p = data + MemoryRun::Offset(ahead);
        const char* const end = p + std::min(MemoryRun::Size(ahead), kAheadBytes);
        for (; p < end; p += 64) __builtin_prefetch(p);
      }
      const uint64_t place = memory_->offsets[index_++];
      stretch_at_ = data + MemoryRun::Offset(place);
      stretch_end_ = stretch_at_ + StretchSize(data, place);
    }
    const size_t size = Decode(stretch_at_);
    if (size == 0) return Status::Corruption("a memory run's stretch starts with no whole key");
    stretch_at_ += size;
    return Status::OK();
  }

  // Reads the record at `rec` (its whole size available) into key_ and value_ and returns its
  // size. The key of a record that continues a stretch is rebuilt in shared_ from the key
  // before it. Returns 0 when there is no key before it to continue.
  size_t Decode(const char* rec) {
    const RecordHeader h = ReadHeader(rec);
    const char* const key = rec + kHeader;
    if (h.continues) {
      if (!have_shared_) return 0;
      if (shared_.size() != kSharedKey + h.key_bytes) shared_.resize(kSharedKey + h.key_bytes);
      std::memcpy(shared_.data() + kSharedKey, key, h.key_bytes);
      key_ = std::string_view(shared_.data(), shared_.size());
    } else {
      key_ = std::string_view(key, h.key_bytes);
      have_shared_ = h.key_bytes >= kSharedKey;
      if (have_shared_) {
        if (shared_.size() < kSharedKey) shared_.resize(kSharedKey);
        std::memcpy(shared_.data(), key, kSharedKey);
      }
    }
    value_ = std::string_view(key + h.key_bytes, h.value_bytes);
    head_ = Head(key_);
    valid_ = true;
    return h.size();
  }

  // Makes at least `n` bytes available at pos_ unless the file ends first. The record last
  // returned is invalidated.
  bool Ensure(size_t n) {
    if (end_ - pos_ >= n) return true;
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
    if (buf_.size() < n) buf_.resize(std::max(n, buf_.size() * 2));
    while (end_ < n && !eof_) {
      ssize_t r = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
      if (r < 0) {
        if (errno == EINTR) continue;
        status_ = Status::IOError(ErrnoMessage("cannot read run", path_));
        return false;
      }
      if (r == 0) eof_ = true;
      end_ += static_cast<size_t>(r);
    }
    return true;
  }

  const MemoryRun* memory_ = nullptr;
  uint64_t index_ = 0;                // the next stretch of a memory run
  const char* stretch_at_ = nullptr;  // the next record of the current stretch
  const char* stretch_end_ = nullptr;
  std::string shared_;        // the last whole key's first kSharedKey bytes, then a continuation's
  bool have_shared_ = false;  // whether shared_ holds a whole key's first bytes
  std::string path_;
  int fd_ = -1;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false, valid_ = false;
  std::string_view key_, value_;
  uint64_t head_ = 0;
  Status status_;
};

}  // namespace

void RunSet::Add(RunFile run) {
  std::lock_guard<std::mutex> lock(mu_);
  runs_.push_back(std::move(run));
}

std::vector<RunFile> RunSet::TakeRuns() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(runs_);
}

RunBuilder::RunBuilder(RunSet* set, std::string tmp_dir, MemoryBudget* budget, BufferPool* pool)
    : set_(set), tmp_dir_(std::move(tmp_dir)), budget_(budget), pool_(pool) {}

RunBuilder::~RunBuilder() {
  if (pool_ != nullptr) {
    pool_->Give(std::move(data_));
    pool_->Give(std::move(entries_));
  }
}

void RunBuilder::Add(std::string_view key, std::string_view value) {
  StartRecord(key)->append(value);
  FinishRecord();
}

std::string* RunBuilder::StartRecord(std::string_view key) {
  open_ = data_.size();
  KeyWords(key, open_order_);
  // A record continues the last entry's stretch (which ends where it begins) when its key
  // shares the stretch's first two words and follows the last record's. Its third word is then
  // above zero, so its key is longer than kSharedKey, whose bytes it shares with the stretch.
  continues_ = false;
  if (!entries_.empty()) {
    const Entry& last = entries_.back();
    continues_ = last.order[0] == open_order_[0] && last.order[1] == open_order_[1] &&
                 last_order_ < open_order_[2] && MemoryRun::Size(last.offset) != 0;
  }
  const size_t skip = continues_ ? kSharedKey : 0;
  const auto field = static_cast<uint16_t>((key.size() - skip) | (continues_ ? kContinues : 0));
  char header[kHeader] = {};
  std::memcpy(header, &field, 2);
  data_.append(header, kHeader);
  data_.append(key.data() + skip, key.size() - skip);
  return &data_;
}

void RunBuilder::FinishRecord() {
  const size_t key_bytes = ReadHeader(data_.data() + open_).key_bytes;
  size_t size = data_.size() - open_;
  const auto vlen = static_cast<uint32_t>(size - kHeader - key_bytes);
  std::memcpy(data_.data() + open_ + 2, &vlen, 4);
  ++records_;
  last_order_ = open_order_[2];
  if (continues_) {
    Entry& last = entries_.back();
    const uint64_t bytes = MemoryRun::Size(last.offset);
    if (bytes + size < MemoryRun::kMaxStretch) {
      last.offset = MemoryRun::Place(MemoryRun::Offset(last.offset), bytes + size);
      return;
    }
    // The stretch is full: this record starts the next one, so it gets its whole key back.
    char shared[kSharedKey];
    std::memcpy(shared, data_.data() + MemoryRun::Offset(last.offset) + kHeader, kSharedKey);
    data_.insert(open_ + kHeader, shared, kSharedKey);
    const auto field = static_cast<uint16_t>(key_bytes + kSharedKey);
    std::memcpy(data_.data() + open_, &field, 2);
    size += kSharedKey;
  }
  entries_.push_back(
      Entry{{open_order_[0], open_order_[1], open_order_[2]}, MemoryRun::Place(open_, size)});
}

void RunBuilder::AbortRecord() { data_.resize(open_); }

void RunBuilder::Reserve(uint64_t bytes) {
  reserve_bytes_ = bytes;
  if (pool_ != nullptr && data_.capacity() < bytes) data_ = pool_->TakeBytes(bytes);
  if (pool_ != nullptr && entries_.capacity() < bytes / 64) {
    entries_ = pool_->TakeEntries(bytes / 64);
  }
  data_.reserve(bytes);
  entries_.reserve(bytes / 64);
  AdviseHugePages(data_.data(), data_.capacity());
  AdviseHugePages(entries_.data(), entries_.capacity() * sizeof(Entry));
}

namespace {

// Whole-key order of two run entries whose three order words tie; kept out of line so that
// the comparator around it stays small enough to be inlined into the sorts.
[[gnu::noinline]] bool TieLess(std::string_view a, std::string_view b) { return a < b; }

// Sorts [begin, end) by `less`, whose first criterion is order[0]: an in-place radix pass
// (American flag sort) on the top bits of order[0], taken over the range the entries span,
// deals them into up to 4096 buckets, and each bucket is then sorted by comparison. That does
// about half the comparisons of one std::sort of a full sort buffer (millions of entries).
template <typename Entry, typename Less>
void SortEntries(Entry* begin, Entry* end, const Less& less) {
  constexpr int kBits = 12;
  const auto n = static_cast<size_t>(end - begin);
  if (n < (size_t{1} << kBits)) {
    std::sort(begin, end, less);
    return;
  }
  uint64_t lo = begin->order[0], hi = lo;
  for (const Entry* e = begin; e != end; ++e) {
    lo = std::min(lo, e->order[0]);
    hi = std::max(hi, e->order[0]);
  }
  const int range_bits = hi == lo ? 0 : 64 - __builtin_clzll(hi - lo);
  const int shift = std::max(0, range_bits - kBits);
  const size_t buckets = static_cast<size_t>((hi - lo) >> shift) + 1;
  auto bucket = [lo, shift](const Entry& e) {
    return static_cast<size_t>((e.order[0] - lo) >> shift);
  };
  std::vector<size_t> start(buckets + 1, 0), next(buckets);
  for (const Entry* e = begin; e != end; ++e) ++start[bucket(*e) + 1];
  for (size_t b = 0; b < buckets; ++b) start[b + 1] += start[b];
  std::copy(start.begin(), start.end() - 1, next.begin());
  for (size_t b = 0; b < buckets; ++b) {
    while (next[b] < start[b + 1]) {
      const size_t to = bucket(begin[next[b]]);
      if (to == b) {
        ++next[b];
      } else {
        std::swap(begin[next[b]], begin[next[to]++]);
      }
    }
  }
  for (size_t b = 0; b < buckets; ++b) {
    if (start[b + 1] - start[b] > 1) std::sort(begin + start[b], begin + start[b + 1], less);
  }
}

}  // namespace

void RunBuilder::SplitStretches() {
  // Every record gets its whole key back, as it now starts a stretch of its own: a new buffer,
  // at most kSharedKey bytes a record larger.
  const uint64_t bytes = data_.size() + records_ * kSharedKey;
  std::string data = pool_ != nullptr ? pool_->TakeBytes(bytes) : std::string();
  data.reserve(bytes);
  AdviseHugePages(data.data(), data.capacity());
  std::vector<Entry> split = pool_ != nullptr ? pool_->TakeEntries(records_) : std::vector<Entry>();
  split.reserve(records_);
  const char* base = data_.data();
  for (const Entry& e : entries_) {
    uint64_t at = MemoryRun::Offset(e.offset);
    const uint64_t end = at + StretchSize(base, e.offset);
    const char* shared = base + at + kHeader;  // the stretch's first record has a whole key
    while (at < end) {
      const RecordHeader h = ReadHeader(base + at);
      const size_t skip = h.continues ? kSharedKey : 0;
      const auto field = static_cast<uint16_t>(h.key_bytes + skip);
      const size_t from = data.size();
      data.append(reinterpret_cast<const char*>(&field), 2);
      data.append(base + at + 2, 4);
      data.append(shared, skip);
      data.append(base + at + kHeader, h.key_bytes + h.value_bytes);
      const std::string_view key(data.data() + from + kHeader, h.key_bytes + skip);
      Entry entry;
      KeyWords(key, entry.order);
      entry.offset = MemoryRun::Place(from, data.size() - from);
      split.push_back(entry);
      at += h.size();
    }
  }
  data_.swap(data);
  entries_.swap(split);
  if (pool_ != nullptr) {
    pool_->Give(std::move(data));
    pool_->Give(std::move(split));
  }
}

Status RunBuilder::Flush() { return Flush(/*last=*/false); }

Status RunBuilder::FlushLast() { return Flush(/*last=*/true); }

Status RunBuilder::Flush(bool last) {
  if (entries_.empty()) return Status::OK();
  // The first record of a stretch has its whole key. (SplitStretches replaces data_.)
  auto key_of = [this](const Entry& e) {
    const char* rec = data_.data() + MemoryRun::Offset(e.offset);
    return std::string_view(rec + kHeader, ReadHeader(rec).key_bytes);
  };
  // Small enough to be inlined into the sorts; the rare tie of all three words (keys longer
  // than 29 bytes, or duplicates) compares whole keys out of line.
  auto less = [&](const Entry& a, const Entry& b) {
    if (a.order[0] != b.order[0]) return a.order[0] < b.order[0];
    if (a.order[1] != b.order[1]) return a.order[1] < b.order[1];
    if (a.order[2] != b.order[2]) return a.order[2] < b.order[2];
    return TieLess(key_of(a), key_of(b));
  };
  // A release written in key order (objects by sky pixel, each one's sources after it) gives
  // sorted buffers: one pass tells, and saves the sort. On unsorted input the pass stops at the
  // first pair out of order. (`skyshard gen` writes objects in id order, not pixel order.)
  if (!std::is_sorted(entries_.begin(), entries_.end(), less)) {
    SortEntries(entries_.data(), entries_.data() + entries_.size(), less);
  }
  // Sorted stretches give the records in key order unless two of them share their first two
  // key words (a parent's children split between places, a duplicate key) and one holds more
  // than a record: their records may interleave, so every record is then sorted on its own.
  for (size_t i = 1; i < entries_.size(); ++i) {
    const Entry& a = entries_[i - 1];
    const Entry& b = entries_[i];
    if (a.order[0] == b.order[0] && a.order[1] == b.order[1] &&
        (!SingleRecord(data_.data(), a.offset) || !SingleRecord(data_.data(), b.offset))) {
      SplitStretches();
      SortEntries(entries_.data(), entries_.data() + entries_.size(), less);
      break;
    }
  }
  const char* const base = data_.data();
  RunFile run;
  run.records = records_;
  const uint64_t reserve = data_.size() + entries_.size() * sizeof(uint64_t);
  // The last run needs no reservation: its buffer is already part of the memory the load may
  // use, and writing it out would only make the merge read it back.
  if (budget_ != nullptr && (last || budget_->TryReserve(reserve))) {
    // Keep the sorted buffer as it is: the merge reads it in place.
    auto mem = std::make_shared<MemoryRun>(budget_, last ? 0 : reserve, pool_);
    if (pool_ != nullptr) mem->offsets = pool_->TakeWords(entries_.size());
    mem->offsets.reserve(entries_.size());
    AdviseHugePages(mem->offsets.data(), mem->offsets.capacity() * sizeof(uint64_t));
    uint64_t unsampled = kSampleBytes;
    for (size_t i = 0; i < entries_.size(); ++i) {
      mem->offsets.push_back(entries_[i].offset);
      if (unsampled >= kSampleBytes) {
        run.samples.emplace_back(std::string(key_of(entries_[i])), i);
        unsampled = 0;
      }
      unsampled += StretchSize(base, entries_[i].offset);
    }
    run.bytes = data_.size();
    mem->data = std::move(data_);
    run.memory = std::move(mem);
    set_->Add(std::move(run));
    data_ = std::string();
    entries_.clear();
    records_ = 0;
    if (!last) Reserve(reserve_bytes_);
    return Status::OK();
  }
  run.path = tmp_dir_ + "/" + set_->name() + "." + std::to_string(g_run_counter++) + ".run";
  int fd = ::open(run.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(ErrnoMessage("cannot create run", run.path));
  std::string out;
  out.reserve(kIoBuffer + 4096);
  Status s;
  uint64_t offset = 0;
  uint64_t unsampled = kSampleBytes;
  for (size_t i = 0; i < entries_.size() && s.ok(); ++i) {
    // A stretch's records lie in key order one after the other: copied as one.
    const char* rec = base + MemoryRun::Offset(entries_[i].offset);
    const uint64_t len = StretchSize(base, entries_[i].offset);
    if (unsampled >= kSampleBytes) {
      run.samples.emplace_back(std::string(key_of(entries_[i])), offset);
      unsampled = 0;
    }
    unsampled += len;
    out.append(rec, len);
    offset += len;
    if (out.size() >= kIoBuffer) {
      s = WriteAll(fd, out.data(), out.size(), run.path);
      out.clear();
    }
  }
  if (s.ok()) s = WriteAll(fd, out.data(), out.size(), run.path);
  if (::close(fd) != 0 && s.ok()) s = Status::IOError(ErrnoMessage("cannot close", run.path));
  SKY_RETURN_IF_ERROR(s);
  run.bytes = offset;
  set_->Add(std::move(run));
  data_.clear();
  entries_.clear();
  records_ = 0;
  return Status::OK();
}

namespace {

struct Partition {
  std::string lo;  // inclusive; empty = from the start
  std::string hi;  // exclusive; empty = to the end
};

struct HeapItem {
  RunCursor* cursor;
};

// One partition's SST file, created at its first record. A file of row pages (`probe`) is
// compressed with LZ4 only when that pays: its first pages are held back and compressed once to
// see, and unless LZ4 saves an eighth of their bytes (below that RocksDB would store each block
// uncompressed anyway, after trying) the file is written without compression. Object's pages of
// doubles gain about 5% from LZ4, and the attempts cost the loader CPU and every scan of them a
// decompression of the few blocks that did gain; ForcedSource's gain 40% and stay compressed.
class PartitionWriter {
 public:
  PartitionWriter(std::string path, bool bloom_filters, bool probe)
      : path_(std::move(path)), bloom_filters_(bloom_filters), probe_(probe) {}

  Status Put(std::string_view key, std::string_view value) {
    if (writer_ == nullptr) {
      if (probe_ && held_.size() < kProbePages) {
        held_.emplace_back(std::string(key), std::string(value));
        return Status::OK();
      }
      SKY_RETURN_IF_ERROR(Open());
    }
    return Write(key, value);
  }

  // Writes what is held back and closes the file; `*bytes` is 0 and the file absent when no
  // record came.
  Status Finish(uint64_t* bytes) {
    if (writer_ == nullptr && !held_.empty()) SKY_RETURN_IF_ERROR(Open());
    if (writer_ == nullptr) {
      *bytes = 0;
      return Status::OK();
    }
    rocksdb::ExternalSstFileInfo info;
    SKY_RETURN_IF_ERROR(FromRocks(writer_->Finish(&info), "cannot finish " + path_));
    *bytes = info.file_size;
    return Status::OK();
  }

  bool empty() const { return writer_ == nullptr && held_.empty(); }

 private:
  static constexpr size_t kProbePages = 16;

  Status Open() {
    rocksdb::Options ropts = StoreOptions();
    if (probe_ && !CompressionPays()) {
      ropts.compression = ropts.bottommost_compression = rocksdb::kNoCompression;
    }
    // The page cache of what was written is dropped as the file grows: a store is as large as
    // its input, and the page cache it would fill is memory touched for the first time
    // (BufferPool says what that costs); dropped pages are reused by the next writes.
    writer_ = std::make_unique<rocksdb::SstFileWriter>(
        rocksdb::EnvOptions(), ropts, /*column_family=*/nullptr,
        /*invalidate_page_cache=*/true, rocksdb::Env::IO_TOTAL,
        /*skip_filters=*/!bloom_filters_);
    SKY_RETURN_IF_ERROR(FromRocks(writer_->Open(path_), "cannot create " + path_));
    for (const auto& [k, v] : held_) SKY_RETURN_IF_ERROR(Write(k, v));
    held_.clear();
    return Status::OK();
  }

  bool CompressionPays() const {
    uint64_t raw = 0, packed = 0;
    std::string out;
    for (const auto& kv : held_) {
      const std::string& v = kv.second;
      out.resize(static_cast<size_t>(LZ4_compressBound(static_cast<int>(v.size()))));
      const int n = LZ4_compress_default(v.data(), out.data(), static_cast<int>(v.size()),
                                         static_cast<int>(out.size()));
      raw += v.size();
      packed += n > 0 ? static_cast<uint64_t>(n) : v.size();
    }
    return packed * 8 < raw * 7;
  }

  Status Write(std::string_view key, std::string_view value) {
    return FromRocks(writer_->Put(rocksdb::Slice(key.data(), key.size()),
                                  rocksdb::Slice(value.data(), value.size())),
                     "cannot write " + path_);
  }

  const std::string path_;
  const bool bloom_filters_;
  const bool probe_;
  std::unique_ptr<rocksdb::SstFileWriter> writer_;
  std::vector<std::pair<std::string, std::string>> held_;
};

// Merges the records of every run in [part.lo, part.hi) into one SST file.
Status MergePartition(const std::vector<RunFile>& runs, const Partition& part, int index,
                      const MergeOptions& options, std::string* sst_path, uint64_t* records,
                      uint64_t* sst_bytes) {
  std::vector<std::unique_ptr<RunCursor>> cursors;
  for (const RunFile& run : runs) {
    // Start at the last sample at or before lo; skip forward to lo.
    uint64_t offset = 0;
    if (!part.lo.empty()) {
      auto it = std::upper_bound(run.samples.begin(), run.samples.end(), part.lo,
                                 [](const std::string& k, const auto& s) { return k < s.first; });
      if (it != run.samples.begin()) offset = std::prev(it)->second;
    }
    auto c = std::make_unique<RunCursor>();
    SKY_RETURN_IF_ERROR(c->Open(run, offset));
    while (c->valid() && !part.lo.empty() && c->key() < part.lo) SKY_RETURN_IF_ERROR(c->Advance());
    if (c->valid() && (part.hi.empty() || c->key() < part.hi)) cursors.push_back(std::move(c));
  }
  auto greater = [](const RunCursor* a, const RunCursor* b) { return RunCursor::Less(*b, *a); };
  std::priority_queue<RunCursor*, std::vector<RunCursor*>, decltype(greater)> heap(greater);
  for (auto& c : cursors) heap.push(c.get());

  *sst_path = options.sst_dir + "/part-" + std::to_string(index) + ".sst";
  std::unique_ptr<RecordPacker> packer;
  if (options.make_packer) packer = options.make_packer();
  PartitionWriter writer(*sst_path, options.bloom_filters, /*probe=*/packer != nullptr);
  auto put = [&writer](std::string_view key, std::string_view value) {
    return writer.Put(key, value);
  };
  const RecordPacker::Emit emit = put;
  std::string prev;
  uint64_t n = 0;
  const uint64_t hi_head = RunCursor::Head(part.hi);
  auto in_partition = [&part, hi_head](const RunCursor* c) {
    return c->valid() && (part.hi.empty() || c->Below(hi_head, part.hi));
  };
  // Whether `k` is the key before it: keys end with the row's primary key (keys.h), so their
  // last eight bytes nearly always tell them apart without a whole comparison.
  auto repeats = [&prev](std::string_view k) {
    if (k.size() != prev.size() || k.size() < 8) return k == prev;
    uint64_t a, b;
    std::memcpy(&a, k.data() + k.size() - 8, 8);
    std::memcpy(&b, prev.data() + prev.size() - 8, 8);
    return a == b && k == prev;
  };
  while (!heap.empty()) {
    RunCursor* c = heap.top();
    heap.pop();
    // Take records from this run while they stay below every other run's next key: a run whose
    // records come in stretches (a parent's children, input already in key order) costs one
    // heap step a stretch instead of one a record. An equal key stops the stretch, so a
    // duplicate across runs still meets its twin as `prev`.
    const RunCursor* other = heap.empty() ? nullptr : heap.top();
    do {
      std::string_view k = c->key();
      if (n > 0 && repeats(k)) {
        return Status::InvalidArgument(options.describe_duplicate ? options.describe_duplicate(k)
                                                                  : "duplicate key");
      }
      if (packer != nullptr) {
        SKY_RETURN_IF_ERROR(packer->Add(k, c->value(), emit));
      } else {
        SKY_RETURN_IF_ERROR(put(k, c->value()));
      }
      if (options.on_record) SKY_RETURN_IF_ERROR(options.on_record(index, k, c->value()));
      CopyKey(k, &prev);
      ++n;
      SKY_RETURN_IF_ERROR(c->Advance());
    } while (in_partition(c) && (other == nullptr || RunCursor::Less(*c, *other)));
    if (in_partition(c)) heap.push(c);
  }
  if (packer != nullptr) SKY_RETURN_IF_ERROR(packer->Finish(emit));
  *records = n;
  if (writer.empty()) sst_path->clear();  // nothing in this partition
  return writer.Finish(sst_bytes);
}

}  // namespace

Result<MergeResult> MergeRuns(RunSet* set, const MergeOptions& options) {
  std::vector<RunFile> runs = set->TakeRuns();
  MergeResult result;
  uint64_t total_bytes = 0;
  std::vector<std::string> samples;
  for (const RunFile& r : runs) {
    total_bytes += r.bytes;
    for (const auto& s : r.samples) samples.push_back(s.first);
  }
  if (runs.empty()) return result;
  std::sort(samples.begin(), samples.end());
  samples.erase(std::unique(samples.begin(), samples.end()), samples.end());
  // Enough partitions to keep every core busy to the end (several per thread, as partitions
  // differ in size) and each SST of a reasonable size.
  uint64_t wanted =
      std::max<uint64_t>(1, (total_bytes + options.partition_bytes - 1) / options.partition_bytes);
  if (total_bytes > (8ull << 20)) wanted = std::max<uint64_t>(wanted, options.threads * 4ull);
  wanted = std::min<uint64_t>(wanted, samples.size());
  std::vector<Partition> parts(wanted);
  for (uint64_t i = 1; i < wanted; ++i) {
    const std::string& split = samples[i * samples.size() / wanted];
    parts[i - 1].hi = split;
    parts[i].lo = split;
  }
  const int nparts = static_cast<int>(parts.size());
  if (options.on_start) options.on_start(nparts);
  std::vector<std::string> paths(parts.size());
  std::vector<uint64_t> counts(parts.size()), sizes(parts.size());
  std::vector<Status> statuses(parts.size());
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&]() {
    for (int p = next++; p < nparts && !failed; p = next++) {
      statuses[p] = MergePartition(runs, parts[p], p, options, &paths[p], &counts[p], &sizes[p]);
      if (!statuses[p].ok()) failed = true;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, options.threads); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  for (const RunFile& r : runs) {
    if (!r.path.empty()) ::unlink(r.path.c_str());
  }
  for (const Status& s : statuses) SKY_RETURN_IF_ERROR(s);
  for (int p = 0; p < nparts; ++p) {
    result.records += counts[p];
    if (paths[p].empty()) continue;
    result.sst_files.push_back(paths[p]);
    result.sst_bytes += sizes[p];
  }
  result.partitions = nparts;
  return result;
}

}  // namespace skyshard::internal
