#include "server/internal/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace skyshard::server {
namespace {

constexpr std::array<std::string_view, kEndpointCount> kEndpointNames = {
    "sync",     "async", "tables", "capabilities", "availability",
    "examples", "scs",   "portal", "metrics",      "other"};

constexpr std::array<adql::QueryKind, 5> kKinds = {
    adql::QueryKind::kNone, adql::QueryKind::kCone, adql::QueryKind::kLightCurve,
    adql::QueryKind::kCrossMatch, adql::QueryKind::kOther};

bool StartsWithSegment(std::string_view path, std::string_view prefix) {
  return path.rfind(prefix, 0) == 0 && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

// Prometheus floats: integers without a fraction, others with enough digits to round-trip.
std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.9g", v);
  }
  return buf;
}

void Header(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string* out, std::string_view name, const std::string& labels, double value) {
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(Number(value)).append("\n");
}

// A label value with \, " and newline escaped as the format requires.
std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

size_t KindIndex(adql::QueryKind kind) {
  for (size_t i = 0; i < kKinds.size(); ++i) {
    if (kKinds[i] == kind) return i;
  }
  return kKinds.size() - 1;
}

}  // namespace

std::string_view EndpointName(Endpoint endpoint) {
  return kEndpointNames[static_cast<size_t>(endpoint)];
}

Endpoint EndpointOfPath(std::string_view path) {
  if (path == "/" || StartsWithSegment(path, "/portal")) return Endpoint::kPortal;
  if (path == "/metrics") return Endpoint::kMetrics;
  if (StartsWithSegment(path, "/scs")) return Endpoint::kScs;
  if (path == "/tap/sync") return Endpoint::kSync;
  if (StartsWithSegment(path, "/tap/async")) return Endpoint::kAsync;
  if (StartsWithSegment(path, "/tap/tables")) return Endpoint::kTables;
  if (path == "/tap/capabilities") return Endpoint::kCapabilities;
  if (path == "/tap/availability") return Endpoint::kAvailability;
  if (StartsWithSegment(path, "/tap/examples")) return Endpoint::kExamples;
  return Endpoint::kOther;
}

void Histogram::Observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // NaN or a clock step back
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::llround(seconds * 1e9)), std::memory_order_relaxed);
}

void Histogram::Render(const std::string& name, const std::string& labels, std::string* out) const {
  const std::string sep = labels.empty() ? "" : labels + ",";
  // Read the count first: buckets observed after it may make the last finite buckets exceed
  // it by a request in flight, never the reverse, and +Inf is the count itself.
  const uint64_t count = count_.load(std::memory_order_relaxed);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    Sample(out, name + "_bucket", sep + "le=\"" + Number(kBounds[i]) + "\"",
           static_cast<double>(std::min(cumulative, count)));
  }
  Sample(out, name + "_bucket", sep + "le=\"+Inf\"", static_cast<double>(count));
  Sample(out, name + "_sum", labels,
         static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  Sample(out, name + "_count", labels, static_cast<double>(count));
}

void Metrics::RecordRequest(Endpoint endpoint, int status, uint64_t bytes, double seconds) {
  const auto e = static_cast<size_t>(endpoint);
  if (status < kMinStatus || status >= kMinStatus + kStatusCount) status = 599;
  requests_[e][static_cast<size_t>(status - kMinStatus)].fetch_add(1, std::memory_order_relaxed);
  response_bytes_[e].fetch_add(bytes, std::memory_order_relaxed);
  request_seconds_[e].Observe(seconds);
}

void Metrics::RecordQuery(adql::QueryKind kind, bool ok, int64_t rows, double seconds) {
  const size_t k = KindIndex(kind);
  queries_[k][ok ? 1 : 0].fetch_add(1, std::memory_order_relaxed);
  if (rows > 0) query_rows_[k].fetch_add(static_cast<uint64_t>(rows), std::memory_order_relaxed);
  query_seconds_[k].Observe(seconds);
}

std::string Metrics::Render(const MetricsGauges& g) const {
  std::string out;
  out.reserve(16 << 10);

  Header(&out, "skyshard_http_requests_total", "counter",
         "HTTP requests answered, by endpoint and status code.");
  for (size_t e = 0; e < kEndpointCount; ++e) {
    for (int s = 0; s < kStatusCount; ++s) {
      const uint64_t n = requests_[e][static_cast<size_t>(s)].load(std::memory_order_relaxed);
      if (n == 0) continue;
      Sample(&out, "skyshard_http_requests_total",
             "endpoint=\"" + std::string(kEndpointNames[e]) + "\",code=\"" +
                 std::to_string(s + kMinStatus) + "\"",
             static_cast<double>(n));
    }
  }
  Header(&out, "skyshard_http_response_bytes_total", "counter",
         "Bytes of response bodies sent (streamed results included), by endpoint.");
  for (size_t e = 0; e < kEndpointCount; ++e) {
    Sample(&out, "skyshard_http_response_bytes_total",
           "endpoint=\"" + std::string(kEndpointNames[e]) + "\"",
           static_cast<double>(response_bytes_[e].load(std::memory_order_relaxed)));
  }
  Header(&out, "skyshard_http_request_duration_seconds", "histogram",
         "Time from the request's arrival at the handler to its last byte sent, by endpoint.");
  for (size_t e = 0; e < kEndpointCount; ++e) {
    request_seconds_[e].Render("skyshard_http_request_duration_seconds",
                               "endpoint=\"" + std::string(kEndpointNames[e]) + "\"", &out);
  }

  Header(&out, "skyshard_queries_total", "counter",
         "Queries run by the engine (sync, async, cone search), by kind of plan (none: failed "
         "before planning) and outcome.");
  for (size_t k = 0; k < kKinds.size(); ++k) {
    const std::string kind = "kind=\"" + std::string(adql::QueryKindName(kKinds[k])) + "\"";
    Sample(&out, "skyshard_queries_total", kind + ",status=\"ok\"",
           static_cast<double>(queries_[k][1].load(std::memory_order_relaxed)));
    Sample(&out, "skyshard_queries_total", kind + ",status=\"error\"",
           static_cast<double>(queries_[k][0].load(std::memory_order_relaxed)));
  }
  Header(&out, "skyshard_query_rows_total", "counter", "Result rows streamed, by kind of plan.");
  for (size_t k = 0; k < kKinds.size(); ++k) {
    Sample(&out, "skyshard_query_rows_total",
           "kind=\"" + std::string(adql::QueryKindName(kKinds[k])) + "\"",
           static_cast<double>(query_rows_[k].load(std::memory_order_relaxed)));
  }
  Header(&out, "skyshard_query_duration_seconds", "histogram",
         "Query latency from parsing to the last row written, by kind of plan.");
  for (size_t k = 0; k < kKinds.size(); ++k) {
    query_seconds_[k].Render("skyshard_query_duration_seconds",
                             "kind=\"" + std::string(adql::QueryKindName(kKinds[k])) + "\"", &out);
  }

  Header(&out, "skyshard_queries_running", "gauge", "Queries executing now (sync and async).");
  Sample(&out, "skyshard_queries_running", "", g.running_queries);
  Header(&out, "skyshard_queries_queued", "gauge", "Sync queries waiting for a query slot.");
  Sample(&out, "skyshard_queries_queued", "", g.queued_queries);
  Header(&out, "skyshard_async_jobs", "gauge", "UWS jobs held by the service, by phase.");
  for (const auto& [phase, n] : g.jobs_by_phase) {
    Sample(&out, "skyshard_async_jobs", "phase=\"" + Escape(phase) + "\"", static_cast<double>(n));
  }
  Header(&out, "skyshard_block_cache_hits_total", "counter",
         "RocksDB block reads served from the block cache.");
  Sample(&out, "skyshard_block_cache_hits_total", "", static_cast<double>(g.block_cache_hits));
  Header(&out, "skyshard_block_cache_misses_total", "counter",
         "RocksDB block reads that missed the block cache (read from disk).");
  Sample(&out, "skyshard_block_cache_misses_total", "", static_cast<double>(g.block_cache_misses));
  Header(&out, "skyshard_parse_cache_queries_total", "counter",
         "Queries by how they were parsed: from the template of an earlier query of the same "
         "shape (hit), parsed and kept (miss), or parsed because their shape cannot be cached");
  Sample(&out, "skyshard_parse_cache_queries_total", "outcome=\"hit\"",
         static_cast<double>(g.parse_cache_hits));
  Sample(&out, "skyshard_parse_cache_queries_total", "outcome=\"miss\"",
         static_cast<double>(g.parse_cache_misses));
  Sample(&out, "skyshard_parse_cache_queries_total", "outcome=\"uncacheable\"",
         static_cast<double>(g.parse_cache_uncacheable));
  Header(&out, "skyshard_block_cache_hit_ratio", "gauge",
         "hits / (hits + misses) since start; 0 before the first block read.");
  const uint64_t lookups = g.block_cache_hits + g.block_cache_misses;
  Sample(
      &out, "skyshard_block_cache_hit_ratio", "",
      lookups == 0 ? 0.0 : static_cast<double>(g.block_cache_hits) / static_cast<double>(lookups));
  Header(&out, "skyshard_store_size_bytes", "gauge",
         "Bytes on disk of each published release's store (refreshed at most every 10 s).");
  for (const auto& [release, bytes] : g.store_bytes) {
    Sample(&out, "skyshard_store_size_bytes", "release=\"" + Escape(release) + "\"",
           static_cast<double>(bytes));
  }
  return out;
}

}  // namespace skyshard::server
