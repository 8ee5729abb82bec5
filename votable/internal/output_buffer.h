// OutputBuffer: the bounded buffer between a writer and its ByteSink. Writers append whole rows
// and call MaybeFlush at row boundaries, so a row is never split across a failed write and a
// half-written row can be taken back with Truncate.
//
// Thread safety: none; owned by one writer.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"
#include "votable/byte_sink.h"

namespace skyshard::votable_internal {

class OutputBuffer {
 public:
  // REQUIRES: sink outlives the buffer; flush_bytes >= 1.
  OutputBuffer(ByteSink* sink, size_t flush_bytes);

  std::string* data() { return &buf_; }
  size_t size() const { return buf_.size(); }
  void Truncate(size_t n) { buf_.resize(n); }

  // Hands the buffer to the sink once it holds flush_bytes or more. Returns the sink's error.
  Status MaybeFlush() { return buf_.size() >= flush_bytes_ ? Flush() : Status::OK(); }
  // Hands whatever is buffered to the sink. Returns the sink's error.
  Status Flush();

 private:
  ByteSink* sink_;
  size_t flush_bytes_;
  std::string buf_;
};

}  // namespace skyshard::votable_internal
