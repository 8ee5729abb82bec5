#include "storage/internal/unique_keys.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <queue>
#include <thread>

#include "storage/internal/file_io.h"
#include "storage/internal/huge_pages.h"

namespace skyshard::internal {

namespace {

constexpr uint64_t kSampleEvery = 4096;
constexpr size_t kReadKeys = 1 << 16;  // keys per read of a run file (512 KiB)

std::atomic<uint64_t> g_keys_run_counter{0};

int64_t Unflip(uint64_t v) { return static_cast<int64_t>(v ^ (uint64_t{1} << 63)); }

}  // namespace

struct UniqueKeys::Run {
  ~Run() {
    if (budget != nullptr) budget->Release(reserved);
    if (!path.empty()) ::unlink(path.c_str());
  }
  MemoryBudget* budget = nullptr;
  uint64_t reserved = 0;
  std::vector<uint64_t> memory;  // the sorted keys, when the run stayed in memory
  std::string path;              // else the run file: the sorted keys, 8 bytes each
  uint64_t count = 0;
  std::vector<uint64_t> samples;  // keys [0], [kSampleEvery], [2 * kSampleEvery], ...
};

namespace {

// Reads one run from the first key >= lo.
class KeyCursor {
 public:
  Status Open(const std::vector<uint64_t>* memory, const std::string& path, uint64_t count,
              const std::vector<uint64_t>& samples, uint64_t lo) {
    count_ = count;
    if (memory != nullptr) {
      data_ = memory->data();
      index_ = static_cast<uint64_t>(std::lower_bound(memory->begin(), memory->end(), lo) -
                                     memory->begin());
      end_index_ = count;
      return Status::OK();
    }
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Status::IOError(ErrnoMessage("cannot open run", path));
    // Start at the last sample below lo, then skip forward.
    auto it = std::lower_bound(samples.begin(), samples.end(), lo);
    const uint64_t block =
        it == samples.begin() ? 0 : static_cast<uint64_t>(it - samples.begin()) - 1;
    file_next_ = block * kSampleEvery;
    buf_.resize(kReadKeys);
    data_ = buf_.data();
    SKY_RETURN_IF_ERROR(Fill());
    while (valid() && value() < lo) SKY_RETURN_IF_ERROR(Next());
    return Status::OK();
  }
  ~KeyCursor() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool valid() const { return index_ < end_index_; }
  uint64_t value() const { return data_[index_]; }
  Status Next() {
    if (++index_ < end_index_ || fd_ < 0) return Status::OK();
    return Fill();
  }

 private:
  // Reads the next block of a run file into buf_.
  Status Fill() {
    index_ = 0;
    end_index_ = 0;
    const uint64_t n = std::min<uint64_t>(kReadKeys, count_ - std::min(count_, file_next_));
    if (n == 0) return Status::OK();
    char* p = reinterpret_cast<char*>(buf_.data());
    size_t want = n * sizeof(uint64_t);
    auto offset = static_cast<off_t>(file_next_ * sizeof(uint64_t));
    while (want > 0) {
      ssize_t r = ::pread(fd_, p, want, offset);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Status::IOError(ErrnoMessage("cannot read run", path_));
      if (r == 0) return Status::Corruption("run file " + path_ + " is truncated");
      p += r;
      offset += r;
      want -= static_cast<size_t>(r);
    }
    file_next_ += n;
    end_index_ = n;
    return Status::OK();
  }

  const uint64_t* data_ = nullptr;
  uint64_t index_ = 0, end_index_ = 0;
  uint64_t count_ = 0;
  std::string path_;
  int fd_ = -1;
  uint64_t file_next_ = 0;  // index in the file of the key after buf_'s
  std::vector<uint64_t> buf_;
};

}  // namespace

UniqueKeys::UniqueKeys(std::string tmp_dir, std::string name, MemoryBudget* budget)
    : tmp_dir_(std::move(tmp_dir)), name_(std::move(name)), budget_(budget) {}

UniqueKeys::~UniqueKeys() = default;

std::unique_ptr<UniqueKeys::Writer> UniqueKeys::NewWriter(uint64_t buffer_bytes) {
  std::unique_ptr<Writer> w(new Writer(this));
  w->keys_.reserve(buffer_bytes / sizeof(uint64_t));
  AdviseHugePages(w->keys_.data(), w->keys_.capacity() * sizeof(uint64_t));
  return w;
}

Status UniqueKeys::Writer::Flush() {
  if (keys_.empty()) return Status::OK();
  if (!std::is_sorted(keys_.begin(), keys_.end())) std::sort(keys_.begin(), keys_.end());
  return set_->AddRun(&keys_);
}

Status UniqueKeys::AddRun(std::vector<uint64_t>* sorted) {
  auto run = std::make_unique<Run>();
  run->count = sorted->size();
  run->samples.reserve(run->count / kSampleEvery + 1);
  for (uint64_t i = 0; i < run->count; i += kSampleEvery) run->samples.push_back((*sorted)[i]);
  const uint64_t bytes = run->count * sizeof(uint64_t);
  if (budget_ != nullptr && budget_->TryReserve(bytes)) {
    run->budget = budget_;
    run->reserved = bytes;
    const size_t capacity = sorted->capacity();
    run->memory = std::move(*sorted);
    *sorted = std::vector<uint64_t>();
    sorted->reserve(capacity);
    AdviseHugePages(sorted->data(), sorted->capacity() * sizeof(uint64_t));
  } else {
    run->path = tmp_dir_ + "/" + name_ + "." + std::to_string(g_keys_run_counter++) + ".keys";
    int fd = ::open(run->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      Status s = Status::IOError(ErrnoMessage("cannot create run", run->path));
      run->path.clear();  // nothing to unlink
      return s;
    }
    Status s = WriteAll(fd, reinterpret_cast<const char*>(sorted->data()), bytes, run->path);
    if (::close(fd) != 0 && s.ok()) s = Status::IOError(ErrnoMessage("cannot close", run->path));
    SKY_RETURN_IF_ERROR(s);  // ~Run removes the file
    sorted->clear();
  }
  std::lock_guard<std::mutex> lock(mu_);
  runs_.push_back(std::move(run));
  return Status::OK();
}

Result<uint64_t> UniqueKeys::Check(int threads,
                                   const std::function<std::string(int64_t)>& describe) {
  std::vector<std::unique_ptr<Run>> runs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    runs = std::move(runs_);
  }
  uint64_t total = 0;
  std::vector<uint64_t> samples;
  for (const auto& r : runs) {
    total += r->count;
    samples.insert(samples.end(), r->samples.begin(), r->samples.end());
  }
  if (total == 0) return uint64_t{0};
  std::sort(samples.begin(), samples.end());
  samples.erase(std::unique(samples.begin(), samples.end()), samples.end());
  // Key ranges [bounds[p], bounds[p + 1]), the last one open: several per thread, as their
  // sizes differ.
  const uint64_t wanted = std::min<uint64_t>(
      samples.size(), total > (1u << 20) ? static_cast<uint64_t>(std::max(1, threads)) * 4 : 1);
  std::vector<uint64_t> bounds(1, 0);
  for (uint64_t i = 1; i < wanted; ++i) bounds.push_back(samples[i * samples.size() / wanted]);
  const int nparts = static_cast<int>(wanted);

  // Per range: keys seen, and the smallest duplicate (if any).
  std::vector<uint64_t> counts(wanted, 0);
  std::vector<int> has_dup(wanted, 0);
  std::vector<uint64_t> dups(wanted, 0);
  std::vector<Status> statuses(wanted);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  auto merge_range = [&](int p) -> Status {
    const uint64_t lo = bounds[static_cast<size_t>(p)];
    const bool last = p + 1 == nparts;
    const uint64_t hi = last ? 0 : bounds[static_cast<size_t>(p) + 1];
    std::vector<std::unique_ptr<KeyCursor>> cursors;
    for (const auto& r : runs) {
      auto c = std::make_unique<KeyCursor>();
      SKY_RETURN_IF_ERROR(
          c->Open(r->path.empty() ? &r->memory : nullptr, r->path, r->count, r->samples, lo));
      if (c->valid() && (last || c->value() < hi)) cursors.push_back(std::move(c));
    }
    auto greater = [](const KeyCursor* a, const KeyCursor* b) { return a->value() > b->value(); };
    std::priority_queue<KeyCursor*, std::vector<KeyCursor*>, decltype(greater)> heap(greater);
    for (auto& c : cursors) heap.push(c.get());
    uint64_t n = 0, prev = 0;
    while (!heap.empty() && !failed) {
      KeyCursor* c = heap.top();
      heap.pop();
      // Drain this run while it stays below the next run's key: sorted input (one run ahead of
      // the others) then costs no heap operation per key.
      const uint64_t limit = heap.empty() ? ~uint64_t{0} : heap.top()->value();
      while (c->valid() && c->value() <= limit && (last || c->value() < hi)) {
        const uint64_t v = c->value();
        if (n > 0 && v == prev) {
          has_dup[static_cast<size_t>(p)] = 1;
          dups[static_cast<size_t>(p)] = v;
          counts[static_cast<size_t>(p)] = n;
          return Status::OK();
        }
        prev = v;
        ++n;
        SKY_RETURN_IF_ERROR(c->Next());
      }
      if (c->valid() && (last || c->value() < hi)) heap.push(c);
    }
    counts[static_cast<size_t>(p)] = n;
    return Status::OK();
  };
  auto worker = [&]() {
    for (int p = next++; p < nparts && !failed; p = next++) {
      statuses[static_cast<size_t>(p)] = merge_range(p);
      if (!statuses[static_cast<size_t>(p)].ok()) failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  runs.clear();  // removes the run files
  for (const Status& s : statuses) SKY_RETURN_IF_ERROR(s);
  for (int p = 0; p < nparts; ++p) {
    if (has_dup[static_cast<size_t>(p)]) {
      return Status::InvalidArgument(describe(Unflip(dups[static_cast<size_t>(p)])));
    }
  }
  uint64_t n = 0;
  for (uint64_t c : counts) n += c;
  return n;
}

}  // namespace skyshard::internal
