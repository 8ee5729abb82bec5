#include "server/internal/job_manager.h"

#include <algorithm>

#include "common/ascii.h"

namespace skyshard::server {
namespace {

SystemTime Now() { return std::chrono::system_clock::now(); }

// UWS job-control parameters that are not part of the query's parameters.
bool IsControlParam(const Param& p) { return EqualsIgnoreCase(p.name, "PHASE"); }

}  // namespace

JobManager::JobManager(JobStore* store, QuerySlots* slots, JobRunner runner, JobLimits limits)
    : store_(store), slots_(slots), runner_(std::move(runner)), limits_(limits) {}

JobManager::~JobManager() { Shutdown(); }

Status JobManager::Start(std::vector<std::string>* log) {
  std::vector<std::string> dropped;
  SKY_ASSIGN_OR_RETURN(std::vector<Job> jobs, store_->LoadAll(&dropped));
  for (const std::string& d : dropped) {
    if (log != nullptr) log->push_back("removed an unreadable job directory: " + d);
  }
  std::sort(jobs.begin(), jobs.end(),
            [](const Job& a, const Job& b) { return a.creation_time < b.creation_time; });
  std::lock_guard lock(mu_);
  for (Job& job : jobs) {
    auto entry = std::make_shared<Entry>();
    entry->job = std::move(job);
    Job& j = entry->job;
    bool changed = false;
    if (j.phase == Phase::kExecuting) {
      if (j.runs >= 2) {
        j.phase = Phase::kError;
        j.end_time = Now();
        j.error_message =
            "the service stopped twice while this job was executing; it was not started a third "
            "time. Submit it again, perhaps with a smaller query";
        if (log != nullptr) log->push_back("job " + j.id + ": EXECUTING twice before, now ERROR");
      } else {
        j.phase = Phase::kQueued;
        j.start_time.reset();
        if (log != nullptr) log->push_back("job " + j.id + ": was EXECUTING, queued again");
      }
      changed = true;
    }
    if (changed) SKY_RETURN_IF_ERROR(SaveLocked(*entry));
    if (j.phase == Phase::kQueued) queue_.push_back(j.id);
    jobs_[j.id] = std::move(entry);
  }
  started_ = true;
  for (int i = 0; i < std::max(1, limits_.workers); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
  threads_.emplace_back([this] { ReaperLoop(); });
  return Status::OK();
}

void JobManager::Shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, entry] : jobs_) {
      if (entry->job.phase == Phase::kExecuting || entry->job.phase == Phase::kQueued) {
        if (entry->stop == Entry::Stop::kNone) entry->stop = Entry::Stop::kShutdown;
        entry->cancel = true;
      }
    }
  }
  queue_cv_.notify_all();
  change_cv_.notify_all();
  reaper_cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

Status JobManager::SaveLocked(const Entry& entry) { return store_->Save(entry.job); }

void JobManager::QueueLocked(Entry* entry) {
  entry->job.phase = Phase::kQueued;
  queue_.push_back(entry->job.id);
  queue_cv_.notify_one();
}

Result<std::string> JobManager::Create(std::vector<Param> params,
                                       const std::vector<InlinePart>& parts, bool run) {
  auto entry = std::make_shared<Entry>();
  Job& job = entry->job;
  job.id = NewJobId();
  job.creation_time = Now();
  job.execution_duration = limits_.default_execution_duration_s;
  job.destruction = job.creation_time + std::chrono::seconds(limits_.destruction_period_s);
  for (Param& p : params) {
    if (IsControlParam(p)) continue;
    if (EqualsIgnoreCase(p.name, "RUNID")) job.run_id = p.value;
    job.parameters.push_back(std::move(p));
  }
  std::vector<std::string> contents;
  for (const InlinePart& part : parts) {
    job.parts.push_back({part.name, "", 0});
    contents.push_back(part.content);
  }
  std::lock_guard lock(mu_);
  if (stopping_) return Status::Cancelled("the service is shutting down");
  while (jobs_.count(job.id) != 0) job.id = NewJobId();
  if (run) job.phase = Phase::kQueued;
  SKY_RETURN_IF_ERROR(store_->Create(&job, contents));
  if (run) {
    queue_.push_back(job.id);
    queue_cv_.notify_one();
  }
  const std::string id = job.id;
  jobs_[id] = std::move(entry);
  return id;
}

Result<Job> JobManager::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end())
    return Status::NotFound("no job '" + id + "' (it may have been destroyed)");
  return it->second->job;
}

std::map<Phase, int64_t> JobManager::CountByPhase() const {
  std::map<Phase, int64_t> counts;
  std::lock_guard lock(mu_);
  for (const auto& [id, entry] : jobs_) ++counts[entry->job.phase];
  return counts;
}

std::vector<Job> JobManager::List() const {
  std::vector<Job> out;
  {
    std::lock_guard lock(mu_);
    out.reserve(jobs_.size());
    for (const auto& [id, entry] : jobs_) out.push_back(entry->job);
  }
  std::sort(out.begin(), out.end(), [](const Job& a, const Job& b) {
    return a.creation_time != b.creation_time ? a.creation_time > b.creation_time : a.id < b.id;
  });
  return out;
}

Status JobManager::AddParameters(const std::string& id, std::vector<Param> params,
                                 const std::vector<InlinePart>& parts) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + id + "'");
  Job& job = it->second->job;
  if (job.phase != Phase::kPending) {
    return Status::AlreadyExists("job " + id + " is " + std::string(PhaseName(job.phase)) +
                                 "; parameters can only be changed while it is PENDING");
  }
  Job updated = job;
  for (Param& p : params) {
    if (IsControlParam(p)) continue;
    // UPLOAD accumulates (TAP 1.1 section 2.3.7); other parameters are replaced.
    if (!EqualsIgnoreCase(p.name, "UPLOAD")) {
      std::erase_if(updated.parameters,
                    [&](const Param& q) { return EqualsIgnoreCase(q.name, p.name); });
    }
    if (EqualsIgnoreCase(p.name, "RUNID")) updated.run_id = p.value;
  }
  for (Param& p : params) {
    if (!IsControlParam(p)) updated.parameters.push_back(std::move(p));
  }
  if (!parts.empty()) {
    // Parts are written under fresh file names, then job.json is replaced.
    const size_t first = updated.parts.size();
    for (size_t i = 0; i < parts.size(); ++i) {
      StoredPart sp{parts[i].name, "part-" + std::to_string(first + i), parts[i].content.size()};
      SKY_RETURN_IF_ERROR(WriteFileAtomically(store_->PathOf(id, sp.file), parts[i].content));
      updated.parts.push_back(std::move(sp));
    }
  }
  SKY_RETURN_IF_ERROR(store_->Save(updated));
  job = std::move(updated);
  return Status::OK();
}

Status JobManager::Run(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + id + "'");
  Entry& entry = *it->second;
  switch (entry.job.phase) {
    case Phase::kPending:
      break;
    case Phase::kQueued:
    case Phase::kExecuting:
      return Status::OK();
    default:
      return Status::AlreadyExists("job " + id + " is " + std::string(PhaseName(entry.job.phase)) +
                                   " and cannot be run again; create a new job");
  }
  if (stopping_) return Status::Cancelled("the service is shutting down");
  Job saved = entry.job;
  saved.phase = Phase::kQueued;
  SKY_RETURN_IF_ERROR(store_->Save(saved));
  QueueLocked(&entry);
  change_cv_.notify_all();
  return Status::OK();
}

Status JobManager::Abort(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + id + "'");
  Entry& entry = *it->second;
  if (!IsActive(entry.job.phase)) return Status::OK();
  entry.stop = Entry::Stop::kUser;
  entry.cancel = true;
  entry.job.phase = Phase::kAborted;
  entry.job.end_time = Now();
  Status s = SaveLocked(entry);
  change_cv_.notify_all();
  return s;
}

Status JobManager::Delete(const std::string& id) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return Status::NotFound("no job '" + id + "'");
    entry = it->second;
    entry->stop = Entry::Stop::kDeleted;
    entry->cancel = true;
    jobs_.erase(it);
    std::erase(queue_, id);
  }
  change_cv_.notify_all();
  // A worker still running the job writes into a directory that is gone; its result is
  // discarded when it sees the job was deleted.
  return store_->Remove(id);
}

Status JobManager::SetDestruction(const std::string& id, SystemTime when) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + id + "'");
  const SystemTime cap = Now() + std::chrono::seconds(limits_.max_destruction_period_s);
  Job updated = it->second->job;
  updated.destruction = std::min(when, cap);
  SKY_RETURN_IF_ERROR(store_->Save(updated));
  it->second->job = std::move(updated);
  reaper_cv_.notify_all();
  return Status::OK();
}

Status JobManager::SetExecutionDuration(const std::string& id, int64_t seconds) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + id + "'");
  Job updated = it->second->job;
  if (updated.phase != Phase::kPending && updated.phase != Phase::kQueued) {
    return Status::AlreadyExists("job " + id + " is " + std::string(PhaseName(updated.phase)) +
                                 "; its execution duration can only be changed before it runs");
  }
  const int64_t max = limits_.max_execution_duration_s;
  if (seconds <= 0) seconds = max;  // 0 asks for unlimited: the longest allowed
  if (max > 0) seconds = std::min(seconds, max);
  updated.execution_duration = seconds;
  SKY_RETURN_IF_ERROR(store_->Save(updated));
  it->second->job = std::move(updated);
  return Status::OK();
}

Result<Job> JobManager::Wait(const std::string& id, std::optional<Phase> phase,
                             std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no job '" + id + "'");
  std::shared_ptr<Entry> entry = it->second;
  const Phase start = entry->job.phase;
  if (!IsActive(start) || (phase.has_value() && *phase != start)) return entry->job;
  change_cv_.wait_for(lock, timeout, [&] {
    return stopping_ || entry->stop == Entry::Stop::kDeleted || entry->job.phase != start;
  });
  if (entry->stop == Entry::Stop::kDeleted) return Status::NotFound("job '" + id + "' was deleted");
  return entry->job;
}

void JobManager::WorkerLoop() {
  while (true) {
    std::shared_ptr<Entry> entry;
    {
      std::unique_lock lock(mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      const std::string id = queue_.front();
      queue_.pop_front();
      auto it = jobs_.find(id);
      if (it == jobs_.end() || it->second->job.phase != Phase::kQueued) continue;
      entry = it->second;
    }
    Result<QuerySlots::Slot> slot = slots_->Acquire(/*bounded=*/false, &entry->cancel,
                                                    std::chrono::steady_clock::time_point::max());
    std::unique_lock lock(mu_);
    if (!slot.ok() || entry->job.phase != Phase::kQueued || entry->stop != Entry::Stop::kNone) {
      continue;  // aborted, deleted or shutting down while waiting: already accounted for
    }
    entry->job.phase = Phase::kExecuting;
    entry->job.start_time = Now();
    ++entry->job.runs;
    Status saved = SaveLocked(*entry);
    change_cv_.notify_all();
    const Job snapshot = entry->job;
    lock.unlock();

    JobOutcome outcome;
    if (!saved.ok()) {
      outcome.status = saved;
    } else {
      const auto deadline =
          snapshot.execution_duration > 0
              ? std::chrono::steady_clock::now() + std::chrono::seconds(snapshot.execution_duration)
              : std::chrono::steady_clock::time_point::max();
      try {
        outcome = runner_(snapshot, *store_, &entry->cancel, deadline);
      } catch (const std::exception& e) {
        outcome.status = Status::Internal(std::string("unexpected failure: ") + e.what());
      }
    }
    slot->Release();

    lock.lock();
    Job& job = entry->job;
    switch (entry->stop) {
      case Entry::Stop::kDeleted:
        continue;  // gone
      case Entry::Stop::kUser:
        break;  // Abort already made it ABORTED
      case Entry::Stop::kShutdown:
        // Resumable: back to QUEUED without counting this run as a crash.
        job.phase = Phase::kQueued;
        job.start_time.reset();
        --job.runs;
        (void)SaveLocked(*entry);
        continue;
      case Entry::Stop::kNone:
        job.end_time = Now();
        if (outcome.status.ok()) {
          job.phase = Phase::kCompleted;
          job.result_file = outcome.result_file;
          job.result_mime = outcome.result_mime;
          job.result_bytes = outcome.result_bytes;
          job.result_rows = outcome.result_rows;
          job.result_overflow = outcome.result_overflow;
        } else if (outcome.status.code() == StatusCode::kCancelled) {
          // The execution duration ran out: UWS 1.1 section 2.1.4 treats it as an abort.
          job.phase = Phase::kAborted;
          job.error_message = outcome.status.message();
        } else {
          job.phase = Phase::kError;
          job.error_message = outcome.status.message();
        }
        if (Status s = SaveLocked(*entry); !s.ok() && job.phase == Phase::kCompleted) {
          job.phase = Phase::kError;
          job.error_message = "the job's state could not be saved: " + s.message();
        }
        break;
    }
    change_cv_.notify_all();
  }
}

void JobManager::ReaperLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    ReapExpired();
    lock.lock();
    reaper_cv_.wait_for(lock, limits_.reaper_interval, [&] { return stopping_; });
  }
}

void JobManager::ReapExpired() {
  std::vector<std::string> expired;
  {
    std::lock_guard lock(mu_);
    const SystemTime now = Now();
    for (const auto& [id, entry] : jobs_) {
      if (entry->job.destruction <= now) expired.push_back(id);
    }
  }
  for (const std::string& id : expired) (void)Delete(id);
}

}  // namespace skyshard::server
