#include "server/internal/uws_job.h"

#include <array>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>

namespace skyshard::server {
namespace {

constexpr std::array<std::string_view, 10> kPhaseNames = {
    "PENDING", "QUEUED",  "EXECUTING", "COMPLETED", "ERROR",
    "ABORTED", "UNKNOWN", "HELD",      "SUSPENDED", "ARCHIVED"};

int64_t ToMicros(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
SystemTime FromMicros(int64_t us) { return SystemTime(std::chrono::microseconds(us)); }

}  // namespace

std::string_view PhaseName(Phase phase) { return kPhaseNames[static_cast<size_t>(phase)]; }

Result<Phase> ParsePhase(std::string_view name) {
  for (size_t i = 0; i < kPhaseNames.size(); ++i) {
    if (kPhaseNames[i] == name) return static_cast<Phase>(i);
  }
  return Status::InvalidArgument("'" + std::string(name.substr(0, 40)) +
                                 "' is not a UWS phase (PENDING, QUEUED, EXECUTING, COMPLETED, "
                                 "ERROR, ABORTED, UNKNOWN, HELD, SUSPENDED, ARCHIVED)");
}

bool IsActive(Phase phase) {
  return phase == Phase::kPending || phase == Phase::kQueued || phase == Phase::kExecuting;
}

std::string Job::ToJson() const {
  nlohmann::json j;
  j["format"] = 1;
  j["id"] = id;
  j["run_id"] = run_id;
  j["phase"] = std::string(PhaseName(phase));
  j["creation_time_us"] = ToMicros(creation_time);
  j["start_time_us"] = start_time ? nlohmann::json(ToMicros(*start_time)) : nlohmann::json();
  j["end_time_us"] = end_time ? nlohmann::json(ToMicros(*end_time)) : nlohmann::json();
  j["execution_duration_s"] = execution_duration;
  j["destruction_us"] = ToMicros(destruction);
  nlohmann::json params = nlohmann::json::array();
  for (const Param& p : parameters) params.push_back({p.name, p.value});
  j["parameters"] = params;
  nlohmann::json parts_json = nlohmann::json::array();
  for (const StoredPart& p : this->parts) {
    parts_json.push_back({{"name", p.name}, {"file", p.file}, {"bytes", p.bytes}});
  }
  j["parts"] = parts_json;
  j["result"] = {{"file", result_file},
                 {"mime", result_mime},
                 {"bytes", result_bytes},
                 {"rows", result_rows},
                 {"overflow", result_overflow}};
  j["error"] = error_message;
  j["runs"] = runs;
  // Invalid UTF-8 in a parameter must not make the job unsaveable.
  return j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Job> Job::FromJson(std::string_view json) {
  try {
    const nlohmann::json j = nlohmann::json::parse(json);
    if (j.at("format").get<int>() != 1) {
      return Status::Corruption("job document of unknown format " + j.at("format").dump());
    }
    Job job;
    job.id = j.at("id").get<std::string>();
    if (!IsValidJobId(job.id)) return Status::Corruption("job document with a bad id");
    job.run_id = j.at("run_id").get<std::string>();
    Result<Phase> phase = ParsePhase(j.at("phase").get<std::string>());
    if (!phase.ok()) return Status::Corruption("job " + job.id + ": " + phase.status().message());
    job.phase = *phase;
    job.creation_time = FromMicros(j.at("creation_time_us").get<int64_t>());
    if (!j.at("start_time_us").is_null()) {
      job.start_time = FromMicros(j.at("start_time_us").get<int64_t>());
    }
    if (!j.at("end_time_us").is_null())
      job.end_time = FromMicros(j.at("end_time_us").get<int64_t>());
    job.execution_duration = j.at("execution_duration_s").get<int64_t>();
    job.destruction = FromMicros(j.at("destruction_us").get<int64_t>());
    for (const auto& p : j.at("parameters")) {
      job.parameters.push_back({p.at(0).get<std::string>(), p.at(1).get<std::string>()});
    }
    for (const auto& p : j.at("parts")) {
      job.parts.push_back({p.at("name").get<std::string>(), p.at("file").get<std::string>(),
                           p.at("bytes").get<uint64_t>()});
    }
    const auto& r = j.at("result");
    job.result_file = r.at("file").get<std::string>();
    job.result_mime = r.at("mime").get<std::string>();
    job.result_bytes = r.at("bytes").get<uint64_t>();
    job.result_rows = r.at("rows").get<int64_t>();
    job.result_overflow = r.at("overflow").get<bool>();
    job.error_message = j.at("error").get<std::string>();
    job.runs = j.at("runs").get<int>();
    return job;
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("job document is not valid: ") + e.what());
  }
}

bool IsValidJobId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewJobId() {
  static thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{
        rd(), rd(), rd(), rd(),
        static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count())};
    return std::mt19937_64(seq);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = rng();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i) {
    id[static_cast<size_t>(i)] = kHex[v & 15];
    v >>= 4;
  }
  return id;
}

}  // namespace skyshard::server
