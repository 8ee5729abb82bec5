#include "votable/byte_sink.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace skyshard {

Status StringSink::Write(std::string_view data) {
  contents_.append(data);
  ++num_writes_;
  largest_write_ = std::max(largest_write_, data.size());
  return Status::OK();
}

Result<std::unique_ptr<FileSink>> FileSink::Open(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return Status::IOError(path + ": cannot open for writing: " + std::strerror(errno));
  }
  return std::unique_ptr<FileSink>(new FileSink(path, file));
}

FileSink::~FileSink() {
  if (file_ != nullptr) std::fclose(file_);
}

Status FileSink::Write(std::string_view data) {
  if (file_ == nullptr) return Status::IOError(path_ + ": write after close");
  if (data.empty()) return Status::OK();
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
    return Status::IOError(path_ + ": write failed: " + std::strerror(errno));
  }
  return Status::OK();
}

Status FileSink::Close() {
  if (file_ == nullptr) return Status::IOError(path_ + ": closed twice");
  const bool flushed = std::fflush(file_) == 0;
  const int flush_errno = errno;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed) return Status::IOError(path_ + ": flush failed: " + std::strerror(flush_errno));
  if (!closed) return Status::IOError(path_ + ": close failed: " + std::strerror(errno));
  return Status::OK();
}

}  // namespace skyshard
