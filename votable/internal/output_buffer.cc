#include "votable/internal/output_buffer.h"

#include <algorithm>

namespace skyshard::votable_internal {

namespace {
// Reserving more than this up front would waste memory when flush_bytes is set very high.
constexpr size_t kMaxReserve = 1 << 20;
}  // namespace

OutputBuffer::OutputBuffer(ByteSink* sink, size_t flush_bytes)
    : sink_(sink), flush_bytes_(std::max<size_t>(flush_bytes, 1)) {
  buf_.reserve(std::min(flush_bytes_ + 1024, kMaxReserve));
}

Status OutputBuffer::Flush() {
  if (buf_.empty()) return Status::OK();
  Status s = sink_->Write(buf_);
  buf_.clear();
  return s;
}

}  // namespace skyshard::votable_internal
