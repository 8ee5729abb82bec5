#include "server/internal/query_slots.h"

#include <string>

namespace skyshard::server {

QuerySlots::Slot& QuerySlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = other.owner_;
    other.owner_ = nullptr;
  }
  return *this;
}

void QuerySlots::Slot::Release() {
  if (owner_ != nullptr) owner_->ReleaseOne();
  owner_ = nullptr;
}

Result<QuerySlots::Slot> QuerySlots::Acquire(bool bounded, const std::atomic<bool>* cancel,
                                             std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (shutdown_) return Status::Cancelled("the service is shutting down");
  if (running_ < max_running_) {
    ++running_;
    return Slot(this);
  }
  if (bounded && queued_ >= max_queued_) {
    return Status::Cancelled("the service is busy: " + std::to_string(running_) +
                             " queries are running and " + std::to_string(queued_) +
                             " are waiting; try again later, or submit the query to /async");
  }
  ++queued_;
  while (true) {
    if (shutdown_) {
      --queued_;
      return Status::Cancelled("the service is shutting down");
    }
    if (cancel != nullptr && cancel->load()) {
      --queued_;
      return Status::Cancelled("query cancelled while waiting for a free query slot");
    }
    if (running_ < max_running_) {
      --queued_;
      ++running_;
      return Slot(this);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      --queued_;
      return Status::Cancelled("query exceeded its time limit while waiting for a free query slot");
    }
    // Wake up now and then to notice the cancel flag, which nobody notifies us of.
    auto wake =
        std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
    cv_.wait_until(lock, wake);
  }
}

void QuerySlots::ReleaseOne() {
  {
    std::lock_guard lock(mu_);
    --running_;
  }
  cv_.notify_all();
}

void QuerySlots::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

int QuerySlots::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

int QuerySlots::queued() const {
  std::lock_guard lock(mu_);
  return queued_;
}

}  // namespace skyshard::server
