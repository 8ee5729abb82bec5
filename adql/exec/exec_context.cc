#include "adql/exec/internal/exec_context.h"

#include <chrono>
#include <string>

namespace skyshard::adql::exec {

Status MemoryTracker::Reserve(size_t bytes) {
  size_t before = used_.fetch_add(bytes, std::memory_order_relaxed);
  if (before + bytes > limit_) {
    used_.fetch_sub(bytes, std::memory_order_relaxed);
    const size_t mb = limit_ >> 20;
    return Status::LimitExceeded(
        "query needs more than " +
        (mb > 0 ? std::to_string(mb) + " MB" : std::to_string(limit_) + " bytes") +
        " of memory (the limit per query); sorting, grouping, joining or removing duplicates "
        "over fewer rows (a tighter WHERE, TOP) would fit");
  }
  return Status::OK();
}

Status MemoryReservation::SetTotal(size_t total) {
  if (total > bytes_) {
    SKY_RETURN_IF_ERROR(tracker_->Reserve(total - bytes_));
  } else {
    tracker_->Release(bytes_ - total);
  }
  bytes_ = total;
  return Status::OK();
}

Status QueryState::CheckInterrupt() const {
  if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
    return Status::Cancelled("query cancelled");
  }
  if (options.deadline != std::chrono::steady_clock::time_point::max() &&
      std::chrono::steady_clock::now() >= options.deadline) {
    return Status::Cancelled("query exceeded its time limit");
  }
  return Status::OK();
}

SubqueryCache* QueryState::CacheFor(const plan::Expr* expr) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = subqueries_[expr];
  if (slot == nullptr) slot = std::make_unique<SubqueryCache>();
  return slot.get();
}

}  // namespace skyshard::adql::exec
