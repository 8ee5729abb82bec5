// A UWS 1.1 job (section 2.1.2) as the TAP /async service keeps it: phase, times, parameters,
// result and error, plus what recovery after a restart needs. Jobs are persisted as JSON by the
// job store (docs/uws_job_store.md); ToJson and FromJson are exact inverses.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/internal/request_params.h"
#include "server/internal/xml_text.h"

namespace skyshard::server {

enum class Phase {
  kPending,
  kQueued,
  kExecuting,
  kCompleted,
  kError,
  kAborted,
  kUnknown,
  kHeld,
  kSuspended,
  kArchived,
};

// "PENDING", "QUEUED", ... as UWS writes them.
std::string_view PhaseName(Phase phase);
// Parses a phase name (exact, upper case). InvalidArgument listing the phases otherwise.
Result<Phase> ParsePhase(std::string_view name);
// PENDING, QUEUED and EXECUTING: the phases in which a job may still change by itself (and in
// which a WAIT request may block, UWS 1.1 section 2.2.1.2).
bool IsActive(Phase phase);

// An inline upload (a multipart part named by UPLOAD=name,param:PART) kept with the job.
struct StoredPart {
  std::string name;  // the part's form name
  std::string file;  // file name inside the job's directory, e.g. "part-0"
  uint64_t bytes = 0;
};

struct Job {
  std::string id;
  std::string run_id;  // RUNID, echoed as runId
  Phase phase = Phase::kPending;
  SystemTime creation_time;
  std::optional<SystemTime> start_time;
  std::optional<SystemTime> end_time;
  int64_t execution_duration = 0;  // seconds; 0: unlimited
  SystemTime destruction;
  std::vector<Param> parameters;  // as posted, names as sent
  std::vector<StoredPart> parts;

  // The result ("result"), when COMPLETED.
  std::string result_file;  // inside the job's directory, e.g. "result.vot"
  std::string result_mime;
  uint64_t result_bytes = 0;
  int64_t result_rows = 0;
  bool result_overflow = false;

  // Why the job is in ERROR (or why it was ABORTED by the service); empty otherwise.
  std::string error_message;
  // How many times the job entered EXECUTING; a job found EXECUTING at start-up after two runs
  // is not run a third time (it may be what brought the server down).
  int runs = 0;

  std::string ToJson() const;
  // Corruption naming what is wrong for a document that is not a job.
  static Result<Job> FromJson(std::string_view json);
};

// True for a job id the service may have made: 1 to 64 characters of [A-Za-z0-9_-]. Anything
// else (dots, slashes, percent signs) is rejected before a path is built from it.
bool IsValidJobId(std::string_view id);

// A new random job id (16 lower-case hex digits).
std::string NewJobId();

}  // namespace skyshard::server
