// Metrics: the server's counters and histograms, rendered at /metrics in the Prometheus text
// exposition format 0.0.4 (HELP and TYPE lines, histograms as cumulative `_bucket{le=...}`,
// `_sum` and `_count`). What each metric means: docs/operations.md ("Metrics").
//
// Counters are recorded by the front handler (one call per HTTP request) and by
// MeteredBackend (one call per query, sync or async); gauges that describe the state of other
// components (running and queued queries, jobs by phase, the block cache, store sizes) are not
// kept here but passed to Render, which the caller fills when /metrics is read.
//
// Thread safety: every method may be called concurrently; recording is lock-free (relaxed
// atomics: a scrape may see one request's counters half-updated, never torn values).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adql/planner/plan_kind.h"

namespace skyshard::server {

// The endpoints requests are counted by (the `endpoint` label).
enum class Endpoint {
  kSync,
  kAsync,
  kTables,
  kCapabilities,
  kAvailability,
  kExamples,
  kScs,
  kPortal,
  kMetrics,
  kOther,
};
inline constexpr size_t kEndpointCount = 10;

// "sync", "async", ..., "other".
std::string_view EndpointName(Endpoint endpoint);

// The endpoint of a request path (percent-encoded or not: only ASCII prefixes are compared):
// /tap/sync, /tap/async[/...], /tap/tables[/...], /tap/capabilities, /tap/availability,
// /tap/examples, /scs[/...], / and /portal[/...], /metrics; anything else is kOther.
Endpoint EndpointOfPath(std::string_view path);

// A histogram of durations in seconds with fixed bucket bounds.
class Histogram {
 public:
  // The upper bounds (seconds) of the buckets, ascending; +Inf is implied.
  static constexpr std::array<double, 15> kBounds = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 300};
  void Observe(double seconds);
  // Appends the `_bucket`, `_sum` and `_count` lines of metric `name` with the extra label
  // text `labels` (e.g. `kind="cone"`, may be empty).
  void Render(const std::string& name, const std::string& labels, std::string* out) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size()> buckets_{};  // non-cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

// The state of other components at scrape time.
struct MetricsGauges {
  int running_queries = 0;
  int queued_queries = 0;
  std::vector<std::pair<std::string, int64_t>> jobs_by_phase;  // ("EXECUTING", 1), ...
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  uint64_t parse_cache_hits = 0;         // queries served from a parsed template
  uint64_t parse_cache_misses = 0;       // queries parsed (first of their shape, or all busy)
  uint64_t parse_cache_uncacheable = 0;  // queries whose shape cannot be cached
  std::vector<std::pair<std::string, uint64_t>> store_bytes;  // (release name, bytes on disk)
};

class Metrics {
 public:
  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One HTTP request answered with `status` (100..599; others count as 599) after sending
  // `bytes` of body, in `seconds`.
  void RecordRequest(Endpoint endpoint, int status, uint64_t bytes, double seconds);

  // One query run through the engine (sync, async, cone search, portal): its kind (kNone when
  // it failed before it had a plan), whether it succeeded, the rows it sent and how long it ran
  // (parse to last row written).
  void RecordQuery(adql::QueryKind kind, bool ok, int64_t rows, double seconds);

  // The whole exposition text.
  std::string Render(const MetricsGauges& gauges) const;

 private:
  static constexpr int kMinStatus = 100;
  static constexpr int kStatusCount = 500;  // 100..599
  static constexpr size_t kKindCount = 5;   // adql::QueryKind values

  std::array<std::array<std::atomic<uint64_t>, kStatusCount>, kEndpointCount> requests_{};
  std::array<std::atomic<uint64_t>, kEndpointCount> response_bytes_{};
  std::array<Histogram, kEndpointCount> request_seconds_;
  std::array<std::array<std::atomic<uint64_t>, 2>, kKindCount> queries_{};  // [kind][ok]
  std::array<std::atomic<uint64_t>, kKindCount> query_rows_{};
  std::array<Histogram, kKindCount> query_seconds_;
};

}  // namespace skyshard::server
