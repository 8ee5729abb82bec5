// JobManager: the UWS 1.1 job list behind TAP /async — creating jobs, moving them through their
// phases (PENDING -> QUEUED -> EXECUTING -> COMPLETED / ERROR / ABORTED), running QUEUED jobs
// on worker threads (each takes a QuerySlot, so async and sync queries share one bound),
// persisting every change through the JobStore, blocking WAIT requests, and destroying jobs at
// their destruction time (the reaper).
//
// Restart (Start): finished jobs come back as they were; QUEUED jobs are queued again in
// creation order; a job found EXECUTING (the server was killed) is queued again, unless it had
// already been started twice, in which case it goes to ERROR saying so. A clean Shutdown
// cancels running jobs and leaves them QUEUED, so they run again after the restart.
//
// The manager knows nothing of TAP: a JobRunner runs a job and writes its result.
//
// Thread safety: every public method may be called concurrently from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "server/internal/job_store.h"
#include "server/internal/query_slots.h"
#include "server/internal/uws_job.h"

namespace skyshard::server {

// What running a job produced. status OK: the result file (in the job's directory) is complete.
struct JobOutcome {
  Status status;
  std::string result_file;
  std::string result_mime;
  uint64_t result_bytes = 0;
  int64_t result_rows = 0;
  bool result_overflow = false;
};

// Runs `job` (a snapshot), stopping when *cancel becomes true or at `deadline`.
using JobRunner =
    std::function<JobOutcome(const Job& job, const JobStore& store, const std::atomic<bool>* cancel,
                             std::chrono::steady_clock::time_point deadline)>;

struct JobLimits {
  int workers = 2;  // jobs executing at once (each also needs a slot)
  int64_t default_execution_duration_s = 3600;
  int64_t max_execution_duration_s = 86400;       // 0: unlimited
  int64_t destruction_period_s = 7 * 86400;       // from creation
  int64_t max_destruction_period_s = 30 * 86400;  // from now, for a client's DESTRUCTION
  std::chrono::seconds reaper_interval{60};
};

class JobManager {
 public:
  JobManager(JobStore* store, QuerySlots* slots, JobRunner runner, JobLimits limits);
  ~JobManager();
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // Loads and recovers the stored jobs, then starts the workers and the reaper. Lines saying
  // what recovery did are appended to *log (when not null). IOError when the store fails.
  Status Start(std::vector<std::string>* log = nullptr);

  // Stops accepting work, cancels executing jobs (they return to QUEUED on disk), joins the
  // threads. Idempotent.
  void Shutdown();

  // Creates a PENDING job with `params` (RUNID becomes the run id) and the inline uploads
  // `parts`; with `run`, queues it at once. Returns the job id. IOError from the store;
  // Cancelled after Shutdown.
  Result<std::string> Create(std::vector<Param> params, const std::vector<InlinePart>& parts,
                             bool run);

  // A snapshot of the job. NotFound for an unknown id.
  Result<Job> Get(const std::string& id) const;
  // Snapshots of every job, newest first.
  std::vector<Job> List() const;
  // How many jobs are in each phase now (phases with no job absent), for /metrics: one pass
  // under the lock, no copies of the jobs.
  std::map<Phase, int64_t> CountByPhase() const;

  // Adds `params` (and `parts`) to a PENDING job: a parameter given again replaces the old
  // value(s). NotFound; AlreadyExists (HTTP 403) when the job is not PENDING.
  Status AddParameters(const std::string& id, std::vector<Param> params,
                       const std::vector<InlinePart>& parts);

  // PHASE=RUN: a PENDING job is queued; QUEUED/EXECUTING: nothing changes. NotFound;
  // AlreadyExists (403) for a job that has finished.
  Status Run(const std::string& id);
  // PHASE=ABORT: an active job becomes ABORTED at once (an executing query is cancelled); a
  // finished job is left as it is. NotFound.
  Status Abort(const std::string& id);
  // Destroys the job and its files (cancelling it if executing). NotFound.
  Status Delete(const std::string& id);
  // Sets the destruction time (capped at now + max_destruction_period_s). NotFound.
  Status SetDestruction(const std::string& id, SystemTime when);
  // Sets the execution duration in seconds (0 or negative: the longest allowed). NotFound;
  // AlreadyExists (403) unless the job is PENDING or QUEUED.
  Status SetExecutionDuration(const std::string& id, int64_t seconds);

  // Blocks while the job is active and (when `phase` is given) still in `phase` and unchanged,
  // for at most `timeout` (UWS 1.1 section 2.2.1.2); returns the job's state then. NotFound.
  Result<Job> Wait(const std::string& id, std::optional<Phase> phase,
                   std::chrono::milliseconds timeout);

  const JobLimits& limits() const { return limits_; }
  const JobStore& store() const { return *store_; }

 private:
  struct Entry {
    Job job;
    std::atomic<bool> cancel{false};
    enum class Stop { kNone, kUser, kShutdown, kDeleted } stop = Stop::kNone;
  };

  void WorkerLoop();
  void ReaperLoop();
  void ReapExpired();
  // REQUIRES: mu_ held.
  Status SaveLocked(const Entry& entry);
  void QueueLocked(Entry* entry);

  JobStore* const store_;
  QuerySlots* const slots_;
  const JobRunner runner_;
  const JobLimits limits_;

  mutable std::mutex mu_;
  std::condition_variable queue_cv_;   // work for the workers
  std::condition_variable change_cv_;  // a job changed phase (WAIT)
  std::condition_variable reaper_cv_;
  std::map<std::string, std::shared_ptr<Entry>> jobs_;
  std::deque<std::string> queue_;
  bool started_ = false;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace skyshard::server
