// SpoolFile: an anonymous temporary file for bytes that must be produced before they can be
// sent (the FITS writer's rows). It is created with mkstemp in a given directory and unlinked at
// once, so it takes no name in the directory and disappears with its descriptor: when the
// writer is destroyed, fails, or the process dies. Appends are buffered (one fixed buffer);
// after Rewind the bytes are read back in order, also through that buffer. Memory is the buffer,
// whatever the file's size.
//
// Thread safety: none; owned by one writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skyshard::votable_internal {

class SpoolFile {
 public:
  // Creates the file in `dir`. Returns IOError naming the directory and the system's reason
  // when it cannot (missing directory, no permission, no space). The caller owns the result.
  static Result<std::unique_ptr<SpoolFile>> Create(const std::string& dir);

  ~SpoolFile();
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  // Appends `data`. IOError when the disk fails (the file is then unusable).
  // REQUIRES: Rewind not called.
  Status Append(std::string_view data);

  // Writes out what is buffered and positions the file at its start for Read.
  Status Rewind();

  // Reads exactly `n` bytes into `out`. IOError on a read error, Corruption when the file ends
  // first. REQUIRES: Rewind succeeded.
  Status Read(void* out, size_t n);

  // Bytes appended so far.
  uint64_t size() const { return size_; }

 private:
  SpoolFile(int fd, std::string dir) : fd_(fd), dir_(std::move(dir)) {}
  Status FlushBuffer();

  static constexpr size_t kBufferBytes = size_t{1} << 20;

  int fd_;
  std::string dir_;  // for messages
  std::string buffer_;
  size_t read_pos_ = 0;  // next unread byte of buffer_ while reading
  uint64_t size_ = 0;
  bool reading_ = false;
};

}  // namespace skyshard::votable_internal
