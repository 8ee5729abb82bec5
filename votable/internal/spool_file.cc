#include "votable/internal/spool_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace skyshard::votable_internal {
namespace {

Status Errno(const std::string& what, const std::string& dir) {
  return Status::IOError(what + " in " + dir + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<SpoolFile>> SpoolFile::Create(const std::string& dir) {
  std::string path = dir + "/skyshard-spool-XXXXXX";
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return Errno("cannot create a temporary file", dir);
  // Anonymous from now on: nothing is left behind, whatever happens to the process.
  ::unlink(name.data());
  std::unique_ptr<SpoolFile> file(new SpoolFile(fd, dir));
  file->buffer_.reserve(kBufferBytes);
  return file;
}

SpoolFile::~SpoolFile() { ::close(fd_); }

Status SpoolFile::FlushBuffer() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write the temporary file", dir_);
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return Status::OK();
}

Status SpoolFile::Append(std::string_view data) {
  if (reading_) return Status::Internal("SpoolFile::Append after Rewind");
  size_ += data.size();
  if (buffer_.size() + data.size() > kBufferBytes) {
    SKY_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() > kBufferBytes) {
      buffer_.assign(data);
      return FlushBuffer();
    }
  }
  buffer_.append(data);
  return Status::OK();
}

Status SpoolFile::Rewind() {
  if (!reading_) SKY_RETURN_IF_ERROR(FlushBuffer());
  if (::lseek(fd_, 0, SEEK_SET) != 0) return Errno("cannot rewind the temporary file", dir_);
  reading_ = true;
  buffer_.clear();
  read_pos_ = 0;
  return Status::OK();
}

Status SpoolFile::Read(void* out, size_t n) {
  if (!reading_) return Status::Internal("SpoolFile::Read before Rewind");
  auto* dst = static_cast<char*>(out);
  while (n > 0) {
    if (read_pos_ == buffer_.size()) {
      buffer_.resize(kBufferBytes);
      ssize_t got;
      do {
        got = ::read(fd_, buffer_.data(), buffer_.size());
      } while (got < 0 && errno == EINTR);
      if (got < 0) return Errno("cannot read the temporary file", dir_);
      buffer_.resize(static_cast<size_t>(got));
      read_pos_ = 0;
      if (got == 0) return Status::Corruption("the temporary file in " + dir_ + " ended early");
    }
    const size_t take = std::min(n, buffer_.size() - read_pos_);
    std::memcpy(dst, buffer_.data() + read_pos_, take);
    dst += take;
    read_pos_ += take;
    n -= take;
  }
  return Status::OK();
}

}  // namespace skyshard::votable_internal
