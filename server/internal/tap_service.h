// TapService: the pure request handler of the TAP service. Given an HttpRequest it answers
// through an HttpResponder, with no socket in sight (tests drive it directly):
//
//   /tap                       a short HTML page naming the endpoints
//   /tap/sync                  TAP sync queries, GET or POST (form or multipart), streamed
//   /tap/async[/{job}[/...]]   UWS 1.1 jobs (tap_service_async.cc)
//   /tap/capabilities          VOSI capabilities with TAPRegExt
//   /tap/availability          VOSI availability
//   /tap/tables[/{schema.table}]  VOSI 1.1 tableset (detail=min|max)
//   /tap/examples              DALI examples, XHTML+RDFa (examples.h)
//   /scs[/{schema.table}]      Simple Cone Search 1.03, one service per spatial table
//                              (cone_search.h)
//
// Every response carries the configured CORS headers; OPTIONS is answered as a CORS
// preflight. Errors are TAP error VOTables with the HTTP status of http_errors.h. Queries are
// admitted through QuerySlots; Shutdown cancels running sync queries through the engine's
// cancel flag and stops the job manager (executing jobs return to QUEUED).
//
// Thread safety: Handle may be called concurrently from any number of threads.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/internal/http_errors.h"
#include "server/internal/http_message.h"
#include "server/internal/job_manager.h"
#include "server/internal/job_store.h"
#include "server/internal/query_backend.h"
#include "server/internal/query_slots.h"
#include "server/internal/request_params.h"
#include "server/tap_server.h"

namespace skyshard::server {

class TapService {
 public:
  // `backend` and `store` must outlive the service.
  TapService(const QueryBackend* backend, JobStore* store, ServerOptions options);
  ~TapService();
  TapService(const TapService&) = delete;
  TapService& operator=(const TapService&) = delete;

  // Recovers the stored jobs and starts the job workers (JobManager::Start).
  Status Start(std::vector<std::string>* log = nullptr);

  // Refuses new queries, cancels running sync queries, stops the job manager. Idempotent.
  void Shutdown();

  // The port the server listens on, for URLs when there is no Host header and no public_url.
  void set_port(uint16_t port) { port_ = port; }

  // Answers `request` through `responder` (exactly once). Never throws.
  void Handle(const HttpRequest& request, HttpResponder* responder);

  JobManager& jobs() { return *jobs_; }
  // Queries executing now and sync requests waiting for a slot (QuerySlots), for /metrics.
  int running_queries() const { return slots_.running(); }
  int queued_queries() const { return slots_.queued(); }

 private:
  // Per-request context.
  struct Call {
    const HttpRequest& request;
    HttpResponder* responder;
    std::string base_url;  // e.g. "http://127.0.0.1:8080/tap"
  };

  void Route(Call& call);
  void HandleSync(Call& call);
  void HandleAsync(Call& call, std::string_view rest);  // rest: path after /tap/async
  void HandleJobList(Call& call);
  void HandleJob(Call& call, const std::string& id, std::string_view sub);
  void HandleTables(Call& call, std::string_view rest);
  void HandleExamples(Call& call);
  void HandleConeSearch(Call& call, std::string_view rest);  // rest: path after /scs

  void SendXml(Call& call, std::string body, std::string_view content_type = "text/xml");
  void SendText(Call& call, std::string body);
  void SendRedirect(Call& call, const std::string& location);
  void SendError(Call& call, const Status& status, ErrorContext context);
  void SendMethodNotAllowed(Call& call, std::string_view allowed);

  // Runs an async job (the JobRunner of the job manager).
  JobOutcome RunJob(const Job& job, const JobStore& store, const std::atomic<bool>* cancel,
                    std::chrono::steady_clock::time_point deadline);

  const QueryBackend* backend_;
  const ServerOptions options_;
  std::atomic<uint16_t> port_{0};
  QuerySlots slots_;
  std::unique_ptr<JobManager> jobs_;

  // Cancel flags of running sync queries.
  std::mutex sync_mu_;
  std::set<std::atomic<bool>*> sync_cancels_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace skyshard::server
