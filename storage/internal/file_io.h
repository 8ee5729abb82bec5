// POSIX file helpers shared by storage/: an error message with errno's text, and a write that
// goes on until every byte is written. Internal to storage/.
//
// Thread safety: pure functions (errno is per thread).
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/status.h"

namespace skyshard::internal {

// "<what> <path>: <strerror(errno)>"; call right after the failing call.
inline std::string ErrnoMessage(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Writes all `n` bytes at `p` to `fd` (retrying short writes and EINTR); IOError naming `path`.
inline Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(ErrnoMessage("cannot write", path));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

// Drops the pages of a file that is read once, front to back, from the page cache as the reader
// leaves them behind: an input file of a load is never read again, and the pages it would
// otherwise leave in the cache (as much as the input) would push out the pages a served store
// needs, and cost first-touch time on machines that hand back free memory (docs/storage.md,
// "Bulk load"). Pages are dropped in steps of kStep bytes, kept well behind the kernel's
// readahead. Each step goes back over the previous one: the page cache holds files in folios of
// up to a few MiB, and a folio is dropped only by advice that covers it whole, so one that
// straddled the previous step's end is dropped now. With `map` (the file mapped at offset 0),
// the range is unmapped from it first, since the kernel keeps mapped pages. Never fails: the
// advice is only an optimization.
//
// Thread safety: one per reader.
class DropBehind {
 public:
  static constexpr uint64_t kStep = uint64_t{8} << 20;

  // Drops nothing before `from` (another reader may be reading there).
  DropBehind(int fd, uint64_t from, const unsigned char* map = nullptr)
      : fd_(fd), map_(map), from_(PageFloor(from)), dropped_(from_) {}

  // The reader needs no byte before `offset` any more. `last`: nor after it (it has read its
  // part of the file), so whatever is left behind is dropped now, however little.
  void Advance(uint64_t offset, bool last = false) {
    offset = last ? PageCeil(offset) : PageFloor(offset);
    if (offset <= dropped_ || (!last && offset < dropped_ + kStep)) return;
    const uint64_t begin = std::max(from_, dropped_ - std::min(dropped_, kStep));
    const uint64_t n = offset - begin;
    if (map_ != nullptr) {
      (void)::madvise(const_cast<unsigned char*>(map_) + begin, n, MADV_DONTNEED);
    }
    (void)::posix_fadvise(fd_, static_cast<off_t>(begin), static_cast<off_t>(n),
                          POSIX_FADV_DONTNEED);
    dropped_ = offset;
  }

 private:
  static uint64_t PageSize() {
    static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    return page;
  }
  static uint64_t PageFloor(uint64_t offset) { return offset / PageSize() * PageSize(); }
  static uint64_t PageCeil(uint64_t offset) { return PageFloor(offset + PageSize() - 1); }

  int fd_;
  const unsigned char* map_;
  uint64_t from_;     // nothing before it is dropped
  uint64_t dropped_;  // dropped up to here (but for a folio that straddles it)
};

}  // namespace skyshard::internal
