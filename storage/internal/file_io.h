// POSIX file helpers shared by storage/: an error message with errno's text, and a write that
// goes on until every byte is written. Internal to storage/.
//
// Thread safety: pure functions (errno is per thread).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
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

}  // namespace skyshard::internal
