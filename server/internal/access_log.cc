#include "server/internal/access_log.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

namespace skyshard::server {
namespace {

std::string IsoTime(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int the fields could hold, so no truncation is possible
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

Result<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& target) {
  if (target == "-") return std::unique_ptr<AccessLog>(new AccessLog(stderr, false));
  FILE* f = std::fopen(target.c_str(), "a");
  if (f == nullptr) {
    return Status::IOError("cannot open the access log " + target + ": " + std::strerror(errno));
  }
  return std::unique_ptr<AccessLog>(new AccessLog(f, true));
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(file_);
}

std::string AccessLog::Format(const AccessRecord& r) {
  nlohmann::ordered_json j;
  j["time"] = IsoTime(r.time);
  j["client"] = r.client;
  j["method"] = r.method;
  j["path"] = r.path;
  j["endpoint"] = r.endpoint;
  j["status"] = r.status;
  j["bytes"] = r.bytes;
  j["duration_ms"] = static_cast<double>(std::llround(r.duration_ms * 1000)) / 1000;
  if (r.trace != nullptr && r.trace->queries > 0) {
    j["adql_hash"] = r.trace->adql_hash;
    j["kind"] = std::string(adql::QueryKindName(r.trace->kind));
    j["rows"] = r.trace->rows;
    if (!r.trace->error.empty()) j["error"] = r.trace->error.substr(0, 500);
  }
  if (!r.job.empty()) j["job"] = r.job;
  // Invalid UTF-8 in a path or message is replaced rather than thrown about.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void AccessLog::Write(const AccessRecord& record) {
  std::string line = Format(record);
  line += '\n';
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace skyshard::server
