// QuerySlots: admission control for queries. At most `max_running` queries run at once (sync and
// async together); sync requests beyond that wait in a queue of at most `max_queued`, and are
// refused at once when it is full (so an overloaded service answers "busy" quickly instead of
// piling up connections). Async jobs wait without a bound: they are QUEUED jobs already.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/status.h"

namespace skyshard::server {

class QuerySlots {
 public:
  // REQUIRES: max_running >= 1, max_queued >= 0.
  QuerySlots(int max_running, int max_queued)
      : max_running_(max_running), max_queued_(max_queued) {}

  // A held slot; released when destroyed.
  class Slot {
   public:
    Slot() = default;
    explicit Slot(QuerySlots* owner) : owner_(owner) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { Release(); }
    void Release();

   private:
    QuerySlots* owner_ = nullptr;
  };

  // Waits for a slot. With `bounded`, fails at once with Cancelled ("the service is busy ...")
  // when max_queued requests already wait. Fails with Cancelled when `cancel` becomes true, at
  // `deadline`, or after Shutdown().
  Result<Slot> Acquire(bool bounded, const std::atomic<bool>* cancel,
                       std::chrono::steady_clock::time_point deadline);

  // Wakes every waiter with Cancelled and refuses new ones.
  void Shutdown();

  int running() const;
  int queued() const;

 private:
  void ReleaseOne();

  const int max_running_;
  const int max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
  int queued_ = 0;
  bool shutdown_ = false;
};

}  // namespace skyshard::server
