// JobStore: the on-disk home of UWS jobs and their results, so that jobs survive a restart or a
// kill -9 (format: docs/uws_job_store.md).
//
//   ROOT/jobs/<id>/job.json     the job (Job::ToJson), replaced atomically (write .tmp, fsync,
//                               rename, fsync the directory)
//   ROOT/jobs/<id>/part-<n>     inline uploads, written before job.json names them
//   ROOT/jobs/<id>/result.<ext> the result, written as result.<ext>.tmp and renamed when whole
//
// A job directory without a readable job.json is debris of a crash during creation; Open removes
// it. Thread safety: distinct jobs may be written concurrently; one job's writes must be
// serialised by the caller (JobManager holds a lock per job).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/internal/uws_job.h"

namespace skyshard::server {

class JobStore {
 public:
  // Opens (creating) the store at `root`. IOError when it cannot be created or listed.
  static Result<std::unique_ptr<JobStore>> Open(const std::string& root);

  // Every job found, in no particular order. Unreadable job directories are removed and named
  // in *dropped (when not null).
  Result<std::vector<Job>> LoadAll(std::vector<std::string>* dropped = nullptr);

  // Creates the job's directory, writes `contents[i]` as job->parts[i] (filling in file names
  // and sizes), then job.json. IOError on failure (nothing of the job is left then).
  // REQUIRES: contents.size() == job->parts.size().
  Status Create(Job* job, const std::vector<std::string>& contents);

  // Writes job.json again, atomically.
  Status Save(const Job& job);

  // Reads an inline upload part of a job. IOError / NotFound.
  Result<std::string> ReadPart(const Job& job, const StoredPart& part) const;

  // Removes the job's directory and everything in it.
  Status Remove(const std::string& id);

  // The directory of job `id`, and the path of a file in it.
  std::string JobDir(const std::string& id) const;
  std::string PathOf(const std::string& id, const std::string& file) const;

 private:
  explicit JobStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

// Writes `contents` to `path` through `path`.tmp with fsync and rename (and fsyncs the
// directory), so that a crash leaves either the old or the new file.
Status WriteFileAtomically(const std::string& path, const std::string& contents);

}  // namespace skyshard::server
