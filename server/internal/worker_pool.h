// WorkerPool: threads that run request handlers, so that a handler may block (a sync query, a
// UWS WAIT, a slow client) without holding up the network threads. Threads are created on
// demand up to `max_threads` and reused; beyond that, tasks wait in FIFO order.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace skyshard::server {

class WorkerPool {
 public:
  explicit WorkerPool(int max_threads) : max_threads_(max_threads < 1 ? 1 : max_threads) {}
  ~WorkerPool() { Stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on a pool thread. Returns false (and drops the task) after Stop.
  bool Submit(std::function<void()> task);

  // Waits until every submitted task has finished.
  void WaitIdle();

  // Finishes the queued tasks, then joins the threads. Idempotent.
  void Stop();

 private:
  void Loop();

  const int max_threads_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  int idle_ = 0;
  int busy_ = 0;
  bool stopping_ = false;
};

}  // namespace skyshard::server
