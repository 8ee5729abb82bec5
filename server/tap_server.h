// The TAP service: skyshard's HTTP front end (TAP 1.1 with UWS 1.1 jobs, DALI 1.1, VOSI 1.1,
// TAPRegExt capabilities) over one published release of a data directory. `skyshard serve`
// calls RunServer. What the endpoints do and the configuration keys: docs/operations.md; the
// job store format: docs/uws_job_store.md.
//
// Thread safety: RunServer runs the whole service on threads it owns and returns when it has
// stopped; ServerOptions and LoadServerConfig are plain values and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace skyshard {

struct ServerOptions {
  // --- From the command line -------------------------------------------------------------
  std::string data_dir;  // --data: the data directory (DataDir)
  std::string release;   // the release to serve; empty: the only one published
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (the chosen one is reported through on_ready)

  // --- From the configuration file (conf/skyshard.json; keys in docs/operations.md) -------
  std::string public_url;        // base URL clients see, e.g. "https://tap.example.org/tap";
                                 // empty: http://<Host header>/tap
  int max_running_queries = 4;   // sync and async queries executing at once
  int max_queued_queries = 32;   // sync requests waiting for a slot; more are answered 503
  int async_workers = 4;         // async jobs executing at once (each also takes a slot)
  int64_t sync_timeout_s = 600;  // wall-clock limit of a sync query
  int64_t async_execution_duration_s = 3600;       // default executionDuration of a job
  int64_t async_max_execution_duration_s = 86400;  // the most a client may ask for; 0: none
  int64_t destruction_period_s = 7 * 86400;        // a job is destroyed this long after creation
  int64_t max_destruction_period_s = 30 * 86400;   // the latest DESTRUCTION a client may set
  int64_t max_wait_s = 60;                         // cap of a UWS WAIT (and of WAIT=-1)
  int64_t default_row_limit = 100'000'000;         // MAXREC when the client gives none
  int64_t hard_row_limit = 100'000'000;            // the largest MAXREC honoured
  size_t max_upload_bytes = size_t{64} << 20;      // one uploaded VOTable
  uint64_t max_upload_rows = 1'000'000;            // rows of one uploaded table
  int max_uploads = 8;                             // tables per query
  size_t max_request_bytes = size_t{80} << 20;     // a whole request body (uploads included)
  int64_t read_timeout_s = 30;                     // reading one request (headers and body)
  int64_t write_timeout_s = 120;  // a client that reads nothing for this long is dropped
  int64_t keep_alive_timeout_s = 60;
  int io_threads = 2;  // network threads (handlers run on their own threads)
  int max_connections = 512;
  std::string job_store_dir;            // empty: <data_dir>/uws
  std::string cors_allow_origin = "*";  // Access-Control-Allow-Origin; empty: no CORS headers
  int query_threads = 0;                // ExecOptions::threads per query; 0: the engine's default
  size_t query_memory_bytes = size_t{1} << 30;  // ExecOptions::memory_limit_bytes per query
  // One JSON line per request: "" none, "-" stderr, else a file appended to (opened once).
  std::string access_log;
  std::string service_title = "skyshard";  // the portal's heading
  std::string service_description;         // the portal's landing-page text
  std::string docs_url;                    // linked from the portal; empty: no link
};

// Reads the JSON configuration file at `path` into *options (keys not in the file keep their
// values). Errors: IOError when the file cannot be read, InvalidArgument naming the key for
// an unknown key, a value of the wrong type or out of range.
Status LoadServerConfig(const std::string& path, ServerOptions* options);

// Runs the TAP service at http://bind:port/tap (with the web portal at /portal/ and Prometheus
// metrics at /metrics) until SIGTERM or SIGINT, then shuts down cleanly:
// no new connections, running sync queries cancelled (their clients get an error), executing
// async jobs cancelled and left QUEUED so that they run again after a restart, the job store
// consistent. `on_ready`, when given, is called once the port listens, with the port (useful
// with port 0). Messages for the operator go to stderr.
// Success: the service ran and stopped on a signal. Errors: NotFound (no data directory, no
// such release, or none published), InvalidArgument (several releases and none chosen; bad
// options), IOError (cannot bind the port, cannot create the job store), and the engine's
// errors opening the release; IOError when the access log cannot be opened.
// REQUIRES: the process has not blocked SIGTERM/SIGINT in other threads' way (RunServer
// handles them itself while it runs).
Status RunServer(const ServerOptions& options,
                 const std::function<void(uint16_t port)>& on_ready = nullptr);

}  // namespace skyshard
