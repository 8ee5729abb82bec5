// ByteSink: where a result writer sends its bytes. The HTTP layer implements it on top of a
// chunked response body; StringSink collects everything in memory (tests, small documents) and
// FileSink writes a file (async job results).
//
// Writers hand over bytes in pieces of a bounded size (see ResultWriterOptions::flush_bytes), so
// a sink that forwards each piece keeps the memory of a result stream flat.
//
// Thread safety: a sink is used by one thread at a time; distinct sinks are independent.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace skyshard {

class ByteSink {
 public:
  virtual ~ByteSink() = default;

  // Appends `data` to the destination. `data` is only valid during the call. Success means the
  // bytes were accepted (not necessarily delivered); an error (IOError when a file or socket
  // fails, Cancelled when the client went away) is final: the writer stops and reports it.
  virtual Status Write(std::string_view data) = 0;
};

// Collects everything written into one string. Write never fails.
class StringSink : public ByteSink {
 public:
  Status Write(std::string_view data) override;

  // Everything written so far; valid until the next Write or the sink's destruction.
  const std::string& contents() const { return contents_; }
  // How many Write calls there were and the largest piece, to check that writers stream.
  size_t num_writes() const { return num_writes_; }
  size_t largest_write() const { return largest_write_; }

 private:
  std::string contents_;
  size_t num_writes_ = 0;
  size_t largest_write_ = 0;
};

// Writes a file through stdio buffering.
class FileSink : public ByteSink {
 public:
  // Creates or truncates `path`. The caller owns the returned sink. Returns IOError (with the
  // path and the system's reason) when the file cannot be opened for writing.
  static Result<std::unique_ptr<FileSink>> Open(const std::string& path);

  // Closes the file if Close was not called; errors are then lost.
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  // Returns IOError naming the path when the write fails, or after Close.
  Status Write(std::string_view data) override;

  // Flushes and closes the file. Success means every byte reached the operating system.
  // Returns IOError on a failed flush or close, or when called twice.
  Status Close();

 private:
  FileSink(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}

  std::string path_;
  std::FILE* file_;
};

}  // namespace skyshard
