#include "server/tap_server.h"

#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "server/internal/access_log.h"
#include "server/internal/engine_backend.h"
#include "server/internal/front_handler.h"
#include "server/internal/http_server.h"
#include "server/internal/job_store.h"
#include "server/internal/metered_backend.h"
#include "server/internal/metrics.h"
#include "server/internal/tap_service.h"
#include "storage/data_dir.h"
#include "storage/store.h"

namespace skyshard {
namespace {

using nlohmann::json;

template <typename T>
Status ReadInt(const json& value, const std::string& key, int64_t min, int64_t max, T* out) {
  if (!value.is_number_integer()) {
    return Status::InvalidArgument("configuration key '" + key + "' must be an integer");
  }
  const auto v = value.get<int64_t>();
  if (v < min || v > max) {
    return Status::InvalidArgument("configuration key '" + key + "' must be between " +
                                   std::to_string(min) + " and " + std::to_string(max) + ", not " +
                                   std::to_string(v));
  }
  *out = static_cast<T>(v);
  return Status::OK();
}

Status ReadString(const json& value, const std::string& key, std::string* out) {
  if (!value.is_string()) {
    return Status::InvalidArgument("configuration key '" + key + "' must be a string");
  }
  *out = value.get<std::string>();
  return Status::OK();
}

void Log(const std::string& line) { std::cerr << "skyshard serve: " << line << std::endl; }

}  // namespace

Status LoadServerConfig(const std::string& path, ServerOptions* o) {
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot read the configuration file " + path);
  std::stringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(path + " is not valid JSON: " + e.what());
  }
  if (!doc.is_object()) return Status::InvalidArgument(path + " must hold a JSON object");
  constexpr int64_t kMaxI64 = std::numeric_limits<int64_t>::max();
  for (const auto& [key, value] : doc.items()) {
    Status s;
    if (key == "public_url") {
      s = ReadString(value, key, &o->public_url);
    } else if (key == "max_running_queries") {
      s = ReadInt(value, key, 1, 10000, &o->max_running_queries);
    } else if (key == "max_queued_queries") {
      s = ReadInt(value, key, 0, 1000000, &o->max_queued_queries);
    } else if (key == "async_workers") {
      s = ReadInt(value, key, 1, 10000, &o->async_workers);
    } else if (key == "sync_timeout_s") {
      s = ReadInt(value, key, 0, kMaxI64 / 1000000, &o->sync_timeout_s);
    } else if (key == "async_execution_duration_s") {
      s = ReadInt(value, key, 0, kMaxI64 / 1000000, &o->async_execution_duration_s);
    } else if (key == "async_max_execution_duration_s") {
      s = ReadInt(value, key, 0, kMaxI64 / 1000000, &o->async_max_execution_duration_s);
    } else if (key == "destruction_period_s") {
      s = ReadInt(value, key, 1, int64_t{100} * 365 * 86400, &o->destruction_period_s);
    } else if (key == "max_destruction_period_s") {
      s = ReadInt(value, key, 1, int64_t{100} * 365 * 86400, &o->max_destruction_period_s);
    } else if (key == "max_wait_s") {
      s = ReadInt(value, key, 0, 3600, &o->max_wait_s);
    } else if (key == "default_row_limit") {
      s = ReadInt(value, key, 0, kMaxI64, &o->default_row_limit);
    } else if (key == "hard_row_limit") {
      s = ReadInt(value, key, 0, kMaxI64, &o->hard_row_limit);
    } else if (key == "max_upload_bytes") {
      s = ReadInt(value, key, 1, int64_t{1} << 40, &o->max_upload_bytes);
    } else if (key == "max_upload_rows") {
      s = ReadInt(value, key, 1, kMaxI64, &o->max_upload_rows);
    } else if (key == "max_uploads") {
      s = ReadInt(value, key, 0, 1000, &o->max_uploads);
    } else if (key == "max_request_bytes") {
      s = ReadInt(value, key, 1024, int64_t{1} << 40, &o->max_request_bytes);
    } else if (key == "read_timeout_s") {
      s = ReadInt(value, key, 1, 86400, &o->read_timeout_s);
    } else if (key == "write_timeout_s") {
      s = ReadInt(value, key, 1, 86400, &o->write_timeout_s);
    } else if (key == "keep_alive_timeout_s") {
      s = ReadInt(value, key, 1, 86400, &o->keep_alive_timeout_s);
    } else if (key == "io_threads") {
      s = ReadInt(value, key, 1, 256, &o->io_threads);
    } else if (key == "max_connections") {
      s = ReadInt(value, key, 1, 100000, &o->max_connections);
    } else if (key == "job_store_dir") {
      s = ReadString(value, key, &o->job_store_dir);
    } else if (key == "cors_allow_origin") {
      s = ReadString(value, key, &o->cors_allow_origin);
    } else if (key == "query_threads") {
      s = ReadInt(value, key, 0, 1024, &o->query_threads);
    } else if (key == "query_memory_bytes") {
      s = ReadInt(value, key, 1 << 20, int64_t{1} << 50, &o->query_memory_bytes);
    } else if (key == "access_log") {
      s = ReadString(value, key, &o->access_log);
    } else if (key == "service_title") {
      s = ReadString(value, key, &o->service_title);
    } else if (key == "service_description") {
      s = ReadString(value, key, &o->service_description);
    } else if (key == "docs_url") {
      s = ReadString(value, key, &o->docs_url);
    } else if (!key.empty() && key[0] == '_') {
      continue;  // "_comment" and the like
    } else {
      s = Status::InvalidArgument("unknown configuration key '" + key +
                                  "' (docs/operations.md lists the keys)");
    }
    SKY_RETURN_IF_ERROR(s.WithContext(path));
  }
  if (o->default_row_limit > o->hard_row_limit) o->default_row_limit = o->hard_row_limit;
  return Status::OK();
}

Status RunServer(const ServerOptions& options, const std::function<void(uint16_t)>& on_ready) {
  SKY_ASSIGN_OR_RETURN(std::unique_ptr<DataDir> data, DataDir::Open(options.data_dir, false));
  SKY_ASSIGN_OR_RETURN(std::vector<ReleaseInfo> releases, data->List());
  ReleaseInfo release;
  if (!options.release.empty()) {
    SKY_ASSIGN_OR_RETURN(release, data->Find(options.release));
  } else if (releases.size() == 1) {
    release = releases[0];
  } else if (releases.empty()) {
    return Status::NotFound("no release is published in " + options.data_dir +
                            "; load one with skyshard load");
  } else {
    std::string names;
    for (const ReleaseInfo& r : releases) names += (names.empty() ? "" : ", ") + r.name;
    return Status::InvalidArgument(options.data_dir + " publishes several releases (" + names +
                                   "); choose one with --release");
  }
  SKY_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::OpenReadOnly(release.directory));
  std::shared_ptr<const Store> shared_store(std::move(store));
  SKY_ASSIGN_OR_RETURN(std::unique_ptr<server::EngineBackend> engine,
                       server::EngineBackend::Open(shared_store));
  const std::string job_dir =
      options.job_store_dir.empty() ? options.data_dir + "/uws" : options.job_store_dir;
  SKY_ASSIGN_OR_RETURN(std::unique_ptr<server::JobStore> jobs, server::JobStore::Open(job_dir));
  std::unique_ptr<server::AccessLog> access_log;
  if (!options.access_log.empty()) {
    SKY_ASSIGN_OR_RETURN(access_log, server::AccessLog::Open(options.access_log));
  }

  // Every query (sync, async, cone search) goes through the metered backend: /metrics counts
  // them by kind and the access log names the query of each request.
  server::Metrics metrics;
  server::MeteredBackend metered(engine.get(), &metrics);
  const server::QueryBackend* backend = &metered;
  server::TapService service(backend, jobs.get(), options);

  server::PortalInfo portal;
  portal.title = options.service_title;
  portal.description = options.service_description;
  portal.release = release.name;
  portal.release_version = static_cast<int64_t>(release.version);
  portal.public_url = options.public_url;
  portal.docs_url = options.docs_url;
  server::GaugeSources gauges;
  gauges.fill = [&service, &shared_store, &engine](server::MetricsGauges* g) {
    g->running_queries = service.running_queries();
    g->queued_queries = service.queued_queries();
    for (const auto& [phase, n] : service.jobs().CountByPhase()) {
      g->jobs_by_phase.emplace_back(std::string(server::PhaseName(phase)), n);
    }
    const Store::CacheStats cache = shared_store->block_cache_stats();
    g->block_cache_hits = cache.hits;
    g->block_cache_misses = cache.misses;
    const adql::ParseCache::Stats parses = engine->parse_cache_stats();
    g->parse_cache_hits = parses.hits;
    g->parse_cache_misses = parses.misses;
    g->parse_cache_uncacheable = parses.uncacheable;
  };
  for (const ReleaseInfo& r : releases) gauges.release_dirs.emplace_back(r.name, r.directory);
  server::FrontHandler front(&service, backend, &metrics, access_log.get(), std::move(portal),
                             std::move(gauges));
  std::vector<std::string> recovery;
  SKY_RETURN_IF_ERROR(service.Start(&recovery));
  for (const std::string& line : recovery) Log(line);

  server::HttpServerOptions http;
  http.bind = options.bind;
  http.port = options.port;
  http.io_threads = options.io_threads;
  http.max_connections = options.max_connections;
  http.max_body_bytes = options.max_request_bytes;
  http.read_timeout = std::chrono::seconds(options.read_timeout_s);
  http.write_timeout = std::chrono::seconds(options.write_timeout_s);
  http.keep_alive_timeout = std::chrono::seconds(options.keep_alive_timeout_s);
  Result<std::unique_ptr<server::HttpServer>> started = server::HttpServer::Start(
      http, [&front](const server::HttpRequest& request, server::HttpResponder* responder) {
        front.Handle(request, responder);
      });
  if (!started.ok()) {
    service.Shutdown();
    return started.status();
  }
  std::unique_ptr<server::HttpServer> httpd = std::move(started).value();
  service.set_port(httpd->port());
  Log("serving release " + release.name + " (v" + std::to_string(release.version) + ") at http://" +
      options.bind + ":" + std::to_string(httpd->port()) + "/tap (portal: /portal/, metrics: " +
      "/metrics" + (options.access_log.empty() ? "" : ", access log: " + options.access_log) + ")");
  if (on_ready) on_ready(httpd->port());
  const int signal = httpd->WaitForStopSignal();
  Log("signal " + std::to_string(signal) + ": stopping (running queries are cancelled, async " +
      "jobs will resume after a restart)");
  service.Shutdown();
  httpd->Stop();
  Log("stopped");
  return Status::OK();
}

}  // namespace skyshard
