// AccessLog: one JSON object per line for every HTTP request the server answers, for
// operators and log shippers (docs/operations.md, "Access log"):
//
//   {"time":"2026-11-21T23:59:01.123Z","client":"127.0.0.1:50432","method":"GET",
//    "path":"/tap/sync","endpoint":"sync","status":200,"bytes":5120,"duration_ms":12.5,
//    "adql_hash":"9f0c1d2e3a4b5c6d","kind":"cone","rows":42}
//
// `adql_hash`, `kind` and `rows` appear when the request ran a query, `error` when that query
// failed, `job` when the request names a UWS job (or created one). Every line is written with
// one write under a lock, so lines from concurrent requests never interleave.
//
// Thread safety: Write may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "server/internal/metered_backend.h"

namespace skyshard::server {

struct AccessRecord {
  std::chrono::system_clock::time_point time;  // when the request reached the handler
  std::string client;                          // "ip:port"
  std::string method;
  std::string path;  // as received (percent-encoded), without the query string
  std::string endpoint;
  int status = 0;
  uint64_t bytes = 0;  // body bytes sent
  double duration_ms = 0;
  const QueryTrace* trace = nullptr;  // when it ran a query
  std::string job;                    // UWS job id, when any
};

class AccessLog {
 public:
  // Opens the log: "-" writes to stderr, any other non-empty value is a file appended to
  // (created when missing). IOError naming the file when it cannot be opened.
  // REQUIRES: !target.empty().
  static Result<std::unique_ptr<AccessLog>> Open(const std::string& target);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Appends the record's line and flushes it (a crash loses no line already answered).
  void Write(const AccessRecord& record);

  // The line Write writes, without its newline.
  static std::string Format(const AccessRecord& record);

 private:
  AccessLog(FILE* file, bool owned) : file_(file), owned_(owned) {}
  std::mutex mu_;
  FILE* file_;
  bool owned_;
};

}  // namespace skyshard::server
