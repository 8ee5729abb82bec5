// FrontHandler: the request handler the HTTP server calls. It serves the web portal (`/`,
// `/portal/...`: the embedded static files of server/portal/ and /portal/api/config.json) and
// `/metrics` (Prometheus text format, metrics.h), and passes every other request to the
// TapService (/tap/..., and whatever else TapService routes). Around every request it records
// the status, the body bytes sent and the duration, for Metrics and for the AccessLog.
//
//   /                          303 to /portal/
//   /portal/, /portal/<file>   the portal's pages, scripts and styles (ETag, Cache-Control)
//   /portal/api/config.json    the service's name, description, release and spatial tables
//   /metrics                   Prometheus text exposition format 0.0.4
//
// Thread safety: Handle may be called concurrently from any number of threads; the handler
// owns no mutable state but a small cache of store sizes (under a mutex).
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "server/internal/access_log.h"
#include "server/internal/http_message.h"
#include "server/internal/metrics.h"
#include "server/internal/query_backend.h"

namespace skyshard::server {

class TapService;

struct PortalInfo {
  std::string title = "skyshard";  // service_title
  std::string description;         // service_description
  std::string release;             // the release served, e.g. "dp02_dc2_catalogs"
  int64_t release_version = 0;
  std::string public_url;  // the TAP base URL clients see; empty: derived from the Host header
  std::string docs_url;    // where the documentation lives; empty: none linked
};

// The state of other components, gathered when /metrics is read. Store sizes are expensive (a
// directory walk) and are refreshed by the handler at most every 10 s.
struct GaugeSources {
  std::function<void(MetricsGauges*)> fill;  // queries, jobs, block cache
  // Published releases: (name, directory) whose size on disk is reported.
  std::vector<std::pair<std::string, std::string>> release_dirs;
};

class FrontHandler {
 public:
  // `tap` answers what the handler does not; `backend` lists the tables for the portal;
  // `log` may be null (no access log). All must outlive the handler.
  FrontHandler(TapService* tap, const QueryBackend* backend, Metrics* metrics, AccessLog* log,
               PortalInfo info, GaugeSources gauges);

  // Answers `request` through `responder` exactly once. Never throws.
  void Handle(const HttpRequest& request, HttpResponder* responder);

 private:
  // Returns false when the path is not the front handler's (it goes to the TapService).
  bool Route(const HttpRequest& request, HttpResponder* responder);
  void ServeAsset(const HttpRequest& request, std::string_view file, HttpResponder* responder);
  void ServeConfig(const HttpRequest& request, HttpResponder* responder);
  void ServeMetrics(HttpResponder* responder);
  std::vector<std::pair<std::string, uint64_t>> StoreSizes();

  TapService* tap_;
  const QueryBackend* backend_;
  Metrics* metrics_;
  AccessLog* log_;
  const PortalInfo info_;
  const GaugeSources gauges_;
  std::vector<std::string> etags_;  // per kPortalAssets entry

  std::mutex sizes_mu_;
  std::chrono::steady_clock::time_point sizes_time_;
  std::vector<std::pair<std::string, uint64_t>> sizes_;
};

}  // namespace skyshard::server
