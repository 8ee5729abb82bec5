// Query benchmark, engine level (issues 4 and 5): times ADQL queries run in process through
// adql::QueryEngine over a loaded release, without HTTP or result formatting. The rows go to a
// sink that counts them (and keeps the few rows of aggregate results, for cross-checking).
// tests/bench/bench_query.sh runs it next to the same queries on PostgreSQL 15 + q3c; the
// method is in tests/bench/README.md ("Query benchmark").
//
// Usage:
//   query_bench sample --data DIR [--release NAME] [--n N] [--seed S] --out FILE
//       Writes N random existing objects (reservoir sample of one Object scan through the
//       Store, no query engine) as "objectId<TAB>ra<TAB>dec" lines: the cone centres and the
//       light-curve objects, shared with the PostgreSQL side so both run the same queries.
//   query_bench run --data DIR [--release NAME] --positions FILE [options]
//       Runs the measurements; prints one JSON object a line per measurement, then a table.
//       --only LIST        comma-separated subset of: cone_1arcmin, cone_1deg, count_predicate,
//                          groupby_band, select_1m, lightcurve (default: all)
//       --cone-queries N   1-arcmin cones per pass (default: every position)
//       --deg-queries N    1-degree cones (default 50)
//       --lc-queries N     light curves per pass (default: every position)
//       --scan-runs N      timed runs of each scan query, after one warm-up run (default 3)
//       --select-rows N    rows of the streamed SELECT (default 1000000; capped at the table)
//       --clients LIST     client threads for cones and light curves (default 1,2)
//       --exec-threads N   ExecOptions::threads per query (default 0: the engine's default)
//       --json-out FILE    also write the JSON lines here
//       --counts-out FILE  result sizes and aggregate values per query, to compare with
//                          PostgreSQL: "measurement<TAB>key<TAB>value..." lines
//
// Every latency workload runs once untimed (warm-up, and the pass whose per-query row counts
// go to --counts-out), then once per client count, timed. Exit status: 0 when every query
// ran, 1 when one failed (the others still run), 2 on a usage error.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adql/exec/executor.h"
#include "adql/query_engine.h"
#include "common/column_batch.h"
#include "common/status.h"
#include "common/types.h"
#include "storage/data_dir.h"
#include "storage/store.h"

namespace skyshard::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

// ---- command line ----------------------------------------------------------------------------

struct Args {
  std::string command;
  std::map<std::string, std::string> flags;
};

int Usage(const char* why) {
  std::fprintf(
      stderr,
      "query_bench: %s\n"
      "usage: query_bench sample --data DIR [--release NAME] [--n N] [--seed S] --out FILE\n"
      "       query_bench run --data DIR [--release NAME] --positions FILE [--only LIST]\n"
      "           [--cone-queries N] [--deg-queries N] [--lc-queries N] [--scan-runs N]\n"
      "           [--select-rows N] [--clients 1,2] [--exec-threads N]\n"
      "           [--json-out FILE] [--counts-out FILE]\n"
      "(see the comment at the top of tests/bench/query_bench.cc)\n",
      why);
  return 2;
}

bool ParseArgs(int argc, char** argv, Args* args) {
  if (argc < 2) return false;
  args->command = argv[1];
  for (int i = 2; i < argc; i += 2) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0 || i + 1 >= argc) return false;
    args->flags[name.substr(2)] = argv[i + 1];
  }
  return true;
}

Result<int64_t> IntFlag(const Args& args, const std::string& name, int64_t fallback) {
  auto it = args.flags.find(name);
  if (it == args.flags.end()) return fallback;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || v < 0) {
    return Status::InvalidArgument("--" + name + " needs a non-negative integer, got '" +
                                   it->second + "'");
  }
  return static_cast<int64_t>(v);
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// The release `name` of data dir `data`, or the only one when `name` is empty.
Result<ReleaseInfo> FindRelease(const std::string& data, const std::string& name) {
  SKY_ASSIGN_OR_RETURN(auto dir, DataDir::Open(data, /*create=*/false));
  if (!name.empty()) return dir->Find(name);
  SKY_ASSIGN_OR_RETURN(auto releases, dir->List());
  if (releases.size() != 1) {
    return Status::InvalidArgument(data + " publishes " + std::to_string(releases.size()) +
                                   " releases: choose one with --release");
  }
  return releases[0];
}

// ---- positions -------------------------------------------------------------------------------

struct Position {
  int64_t object_id;
  double ra, dec;
};

std::string FormatDouble(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Reservoir-samples `n` objects of the release's Object table in one scan of the store.
Status Sample(const Store& store, size_t n, uint64_t seed, const std::string& out_path) {
  const TableDef* object = store.catalog().FindTable("Object");
  if (object == nullptr) return Status::NotFound("the release has no Object table");
  const int id_col = object->ColumnIndex(object->primary_key);
  const int ra_col = object->ColumnIndex(object->ra_column);
  const int dec_col = object->ColumnIndex(object->dec_column);
  if (id_col < 0 || ra_col < 0 || dec_col < 0) {
    return Status::InvalidArgument("Object has no primary key or position columns");
  }
  std::vector<Position> sample;
  std::mt19937_64 rng(seed);
  uint64_t seen = 0;
  SKY_ASSIGN_OR_RETURN(auto it, store.Scan(*object, {id_col, ra_col, dec_col}, {}));
  ColumnBatch b;
  for (;;) {
    SKY_ASSIGN_OR_RETURN(size_t got, it->Next(&b, 4096));
    if (got == 0) break;
    for (size_t r = 0; r < got; ++r, ++seen) {
      Position p{b.columns[0].ints[r], b.columns[1].doubles[r], b.columns[2].doubles[r]};
      if (sample.size() < n) {
        sample.push_back(p);
      } else if (uint64_t j = rng() % (seen + 1); j < n) {
        sample[j] = p;
      }
    }
  }
  // Scan order is sky order; shuffle so that consecutive queries land far apart.
  std::shuffle(sample.begin(), sample.end(), rng);
  std::ofstream out(out_path);
  for (const Position& p : sample) {
    out << p.object_id << '\t' << FormatDouble(p.ra) << '\t' << FormatDouble(p.dec) << '\n';
  }
  out.close();
  if (!out) return Status::IOError("cannot write " + out_path);
  std::fprintf(stderr, "query_bench: %zu of %" PRIu64 " objects written to %s\n", sample.size(),
               seen, out_path.c_str());
  return Status::OK();
}

Result<std::vector<Position>> ReadPositions(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot read " + path);
  std::vector<Position> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Position p{};
    if (std::sscanf(line.c_str(), "%" SCNd64 "\t%lf\t%lf", &p.object_id, &p.ra, &p.dec) != 3) {
      return Status::InvalidArgument(path + ": bad line '" + line + "'");
    }
    out.push_back(p);
  }
  if (out.empty()) return Status::InvalidArgument(path + " holds no positions");
  return out;
}

// ---- the sink --------------------------------------------------------------------------------

// Counts rows and discards them; keeps up to `keep` rows as text (for aggregate results).
class CountingSink : public adql::RowSink {
 public:
  explicit CountingSink(size_t keep = 0) : keep_(keep) {}

  Status Begin(const std::vector<adql::plan::OutputColumn>& /*columns*/) override {
    rows_ = 0;
    kept_.clear();
    return Status::OK();
  }

  Status Write(const ColumnBatch& batch) override {
    for (size_t r = 0; r < batch.num_rows && kept_.size() < keep_; ++r) {
      std::vector<std::string> row;
      for (const ColumnVector& c : batch.columns) row.push_back(Render(c, r));
      kept_.push_back(std::move(row));
    }
    rows_ += static_cast<int64_t>(batch.num_rows);
    return Status::OK();
  }

  int64_t rows() const { return rows_; }
  const std::vector<std::vector<std::string>>& kept() const { return kept_; }

 private:
  static std::string Render(const ColumnVector& c, size_t r) {
    if (c.IsNull(r)) return "NULL";
    if (IsIntegerLike(c.type.type)) return std::to_string(c.ints[r]);
    if (IsFloating(c.type.type)) return FormatDouble(c.doubles[r]);
    return c.strings[r];
  }

  size_t keep_;
  int64_t rows_ = 0;
  std::vector<std::vector<std::string>> kept_;
};

// ---- measurements ----------------------------------------------------------------------------

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

class Bench {
 public:
  Bench(const adql::QueryEngine* engine, int exec_threads, std::ofstream* json_out,
        std::ofstream* counts_out)
      : engine_(engine),
        exec_threads_(exec_threads),
        json_out_(json_out),
        counts_out_(counts_out) {}

  // The optimised plan of `adql` as compact text (recorded with each measurement, so that a
  // cone that stops being a range read shows in the results), or the error.
  std::string Plan(const std::string& adql) const {
    adql::QueryRequest request;
    request.adql = adql;
    request.exec.threads = exec_threads_;
    auto plan = engine_->Explain(request);
    return plan.ok() ? *plan : plan.status().ToString();
  }

  // Runs `adql` once; returns its wall time in seconds.
  Result<double> RunOnce(const std::string& adql, CountingSink* sink, adql::ExecStats* stats) {
    adql::QueryRequest request;
    request.adql = adql;
    request.exec.threads = exec_threads_;
    const auto t0 = Clock::now();
    Status s = engine_->Run(request, sink, stats);
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!s.ok()) return s.WithContext("query failed: " + adql);
    return secs;
  }

  // A latency workload: `queries[i]` run once each, untimed (row counts recorded), then over
  // each client count, timed, the queries split round-robin among the clients.
  Status Latency(const std::string& name, const std::vector<std::string>& queries,
                 const std::vector<int>& clients, const std::string& what) {
    if (queries.empty()) return Status::InvalidArgument(name + ": no queries to run");
    std::fprintf(stderr, "query_bench: %s: %zu queries, warm-up pass ...\n", name.c_str(),
                 queries.size());
    int64_t total_rows = 0;
    for (size_t i = 0; i < queries.size(); ++i) {
      CountingSink sink;
      SKY_ASSIGN_OR_RETURN(double secs, RunOnce(queries[i], &sink, nullptr));
      (void)secs;
      total_rows += sink.rows();
      Count(name, std::to_string(i), {std::to_string(sink.rows())});
    }
    for (int c : clients) {
      std::vector<std::vector<double>> lat(c);
      std::vector<Status> errors(c);
      std::latch start(c + 1);
      std::vector<std::thread> threads;
      for (int t = 0; t < c; ++t) {
        threads.emplace_back([&, t] {
          start.arrive_and_wait();
          for (size_t i = t; i < queries.size(); i += c) {
            CountingSink sink;
            auto secs = RunOnce(queries[i], &sink, nullptr);
            if (!secs.ok()) {
              errors[t] = secs.status();
              return;
            }
            lat[t].push_back(*secs * 1e3);
          }
        });
      }
      const auto t0 = Clock::now();
      start.arrive_and_wait();
      for (auto& th : threads) th.join();
      const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
      for (const Status& e : errors) SKY_RETURN_IF_ERROR(e);
      std::vector<double> all;
      for (const auto& l : lat) all.insert(all.end(), l.begin(), l.end());
      double sum = 0;
      for (double v : all) sum += v;
      Json j = {
          {"bench", "query"},
          {"system", "skyshard"},
          {"name", name},
          {"what", what},
          {"kind", "latency"},
          {"clients", c},
          {"queries", all.size()},
          {"p50_ms", Percentile(all, 0.5)},
          {"p99_ms", Percentile(all, 0.99)},
          {"mean_ms", sum / static_cast<double>(all.size())},
          {"max_ms", Percentile(all, 1.0)},
          {"qps", static_cast<double>(all.size()) / wall},
          {"wall_s", wall},
          {"rows_per_query", static_cast<double>(total_rows) / static_cast<double>(queries.size())},
          {"plan", Plan(queries[0])}};
      Emit(j);
    }
    return Status::OK();
  }

  // A scan workload: `adql` run once untimed, then `runs` times; rows/s = `rows_basis` over the
  // median time. The result's size, and its rows when there are few, go to the counts file.
  Status Scan(const std::string& name, const std::string& adql, int runs, int64_t rows_basis,
              const std::string& basis_what, const std::string& what) {
    std::fprintf(stderr, "query_bench: %s: warm-up + %d runs ...\n", name.c_str(), runs);
    CountingSink warm(64);
    adql::ExecStats stats;
    SKY_ASSIGN_OR_RETURN(double warm_secs, RunOnce(adql, &warm, &stats));
    (void)warm_secs;
    // Small results (aggregates) are compared value by value, large ones by their size.
    if (warm.rows() < 64) {
      for (const auto& row : warm.kept()) Count(name, "row", row);
    }
    Count(name, "rows", {std::to_string(warm.rows())});
    std::vector<double> times;
    for (int r = 0; r < runs; ++r) {
      CountingSink sink;
      SKY_ASSIGN_OR_RETURN(double secs, RunOnce(adql, &sink, nullptr));
      times.push_back(secs);
    }
    const double median = Median(times);
    Json j = {{"bench", "query"},
              {"system", "skyshard"},
              {"name", name},
              {"what", what},
              {"kind", "scan"},
              {"clients", 1},
              {"runs", runs},
              {"median_s", median},
              {"best_s", *std::min_element(times.begin(), times.end())},
              {"result_rows", warm.rows()},
              {"rows_read", stats.rows_read},
              {"rows_basis", rows_basis},
              {"rows_basis_what", basis_what},
              {"rows_per_s", static_cast<double>(rows_basis) / median},
              {"plan", Plan(adql)}};
    Emit(j);
    return Status::OK();
  }

  void Error(const std::string& name, const Status& s) {
    Emit({{"bench", "query"}, {"system", "skyshard"}, {"name", name}, {"error", s.ToString()}});
  }

  const std::vector<Json>& results() const { return results_; }

 private:
  void Emit(const Json& j) {
    const std::string line = j.dump();
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    if (json_out_ != nullptr) *json_out_ << line << '\n' << std::flush;
    results_.push_back(j);
  }

  void Count(const std::string& name, const std::string& key,
             const std::vector<std::string>& values) {
    if (counts_out_ == nullptr) return;
    *counts_out_ << name << '\t' << key;
    for (const auto& v : values) *counts_out_ << '\t' << v;
    *counts_out_ << '\n';
  }

  const adql::QueryEngine* engine_;
  int exec_threads_;
  std::ofstream* json_out_;
  std::ofstream* counts_out_;
  std::vector<Json> results_;
};

void PrintTable(const std::vector<Json>& results) {
  std::printf("\n%-16s %7s %8s %10s %10s %10s %12s %14s\n", "measurement", "clients", "queries",
              "p50 ms", "p99 ms", "q/s", "rows/query", "rows/s");
  for (const Json& j : results) {
    if (j.contains("error")) {
      std::printf("%-16s ERROR %s\n", j["name"].get<std::string>().c_str(),
                  j["error"].get<std::string>().c_str());
    } else if (j["kind"] == "latency") {
      std::printf("%-16s %7d %8d %10.3f %10.3f %10.0f %12.1f %14s\n",
                  j["name"].get<std::string>().c_str(), j["clients"].get<int>(),
                  j["queries"].get<int>(), j["p50_ms"].get<double>(), j["p99_ms"].get<double>(),
                  j["qps"].get<double>(), j["rows_per_query"].get<double>(), "-");
    } else {
      std::printf("%-16s %7d %8d %10.3f %10s %10s %12" PRId64 " %14.0f\n",
                  j["name"].get<std::string>().c_str(), 1, j["runs"].get<int>(),
                  j["median_s"].get<double>() * 1e3, "-", "-", j["result_rows"].get<int64_t>(),
                  j["rows_per_s"].get<double>());
    }
  }
}

std::string Cone(const std::string& schema, const Position& p, const char* radius) {
  return "SELECT objectId, coord_ra, coord_dec FROM " + schema +
         ".Object WHERE CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', " +
         FormatDouble(p.ra) + ", " + FormatDouble(p.dec) + ", " + radius + ")) = 1";
}

// The Rubin DP0 light-curve query (issue 5), verbatim but for the objectId.
std::string LightCurve(const std::string& schema, int64_t object_id) {
  return "SELECT src.ccdVisitId, src.band, visinfo.expMidptMJD, "
         "scisql_nanojanskyToAbMag(psfFlux) as psfMag FROM " +
         schema + ".ForcedSource as src JOIN " + schema +
         ".CcdVisit as visinfo ON visinfo.ccdVisitId = src.ccdVisitId WHERE src.objectId = " +
         std::to_string(object_id);
}

int Fail(const Status& s) {
  std::fprintf(stderr, "query_bench: %s\n", s.ToString().c_str());
  return 1;
}

int RunCommand(const Args& args) {
  if (!args.flags.count("data") || !args.flags.count("positions")) {
    return Usage("run needs --data and --positions");
  }
  auto release =
      FindRelease(args.flags.at("data"),
                  args.flags.count("release") ? args.flags.at("release") : std::string());
  if (!release.ok()) return Fail(release.status());
  auto positions = ReadPositions(args.flags.at("positions"));
  if (!positions.ok()) return Fail(positions.status());
  const size_t npos = positions->size();

  Result<int64_t> cone_q = IntFlag(args, "cone-queries", static_cast<int64_t>(npos));
  Result<int64_t> deg_q = IntFlag(args, "deg-queries", 50);
  Result<int64_t> lc_q = IntFlag(args, "lc-queries", static_cast<int64_t>(npos));
  Result<int64_t> scan_runs = IntFlag(args, "scan-runs", 3);
  Result<int64_t> select_rows = IntFlag(args, "select-rows", 1000000);
  Result<int64_t> exec_threads = IntFlag(args, "exec-threads", 0);
  for (const auto* r : {&cone_q, &deg_q, &lc_q, &scan_runs, &select_rows, &exec_threads}) {
    if (!r->ok()) return Usage(r->status().message().c_str());
  }
  std::vector<int> clients;
  for (const std::string& c :
       SplitCommas(args.flags.count("clients") ? args.flags.at("clients") : std::string("1,2"))) {
    const int n = std::atoi(c.c_str());
    if (n < 1 || n > 256) return Usage("--clients needs numbers in 1..256");
    clients.push_back(n);
  }
  const std::vector<std::string> all = {"cone_1arcmin", "cone_1deg", "count_predicate",
                                        "groupby_band", "select_1m", "lightcurve"};
  std::set<std::string> only(all.begin(), all.end());
  if (args.flags.count("only")) {
    only.clear();
    for (const std::string& m : SplitCommas(args.flags.at("only"))) {
      if (std::find(all.begin(), all.end(), m) == all.end()) {
        return Usage(("unknown measurement in --only: " + m).c_str());
      }
      only.insert(m);
    }
  }
  std::ofstream json_out, counts_out;
  if (args.flags.count("json-out")) json_out.open(args.flags.at("json-out"));
  if (args.flags.count("counts-out")) counts_out.open(args.flags.at("counts-out"));

  auto store = Store::OpenReadOnly(release->directory);
  if (!store.ok()) return Fail(store.status());
  std::shared_ptr<const Store> shared_store(std::move(*store));
  const TableDef* object = shared_store->catalog().FindTable("Object");
  const TableDef* forced = shared_store->catalog().FindTable("ForcedSource");
  if (object == nullptr || forced == nullptr) {
    return Fail(Status::NotFound("the release needs Object and ForcedSource tables"));
  }
  const auto object_rows = static_cast<int64_t>(object->row_count);
  const auto forced_rows = static_cast<int64_t>(forced->row_count);
  auto engine = adql::QueryEngine::Open(shared_store);
  if (!engine.ok()) return Fail(engine.status());
  std::fprintf(stderr,
               "query_bench: release %s (%s): %" PRId64 " objects, %" PRId64
               " forced sources; %zu positions\n",
               release->name.c_str(), release->directory.c_str(), object_rows, forced_rows, npos);

  Bench bench(engine->get(), static_cast<int>(*exec_threads),
              json_out.is_open() ? &json_out : nullptr,
              counts_out.is_open() ? &counts_out : nullptr);
  const std::string& schema = release->name;
  auto take = [&](int64_t n) { return std::min<size_t>(static_cast<size_t>(n), npos); };
  bool failed = false;
  auto check = [&](const std::string& name, const Status& s) {
    if (!s.ok()) {
      bench.Error(name, s);
      failed = true;
    }
  };

  if (only.count("cone_1arcmin")) {
    std::vector<std::string> q;
    for (size_t i = 0; i < take(*cone_q); ++i) q.push_back(Cone(schema, (*positions)[i], "1.0/60"));
    check("cone_1arcmin",
          bench.Latency("cone_1arcmin", q, clients, "cone r=1 arcmin on Object at random objects"));
  }
  if (only.count("cone_1deg")) {
    std::vector<std::string> q;
    for (size_t i = 0; i < take(*deg_q); ++i) q.push_back(Cone(schema, (*positions)[i], "1.0"));
    check("cone_1deg",
          bench.Latency("cone_1deg", q, {1}, "cone r=1 deg on Object at random objects"));
  }
  const int runs = static_cast<int>(std::max<int64_t>(1, *scan_runs));
  if (only.count("count_predicate")) {
    check("count_predicate",
          bench.Scan("count_predicate",
                     "SELECT COUNT(*) FROM " + schema + ".Object WHERE g_psfFlux > 1000", runs,
                     object_rows, "Object rows", "COUNT(*) over Object WHERE g_psfFlux > 1000"));
  }
  if (only.count("groupby_band")) {
    check("groupby_band", bench.Scan("groupby_band",
                                     "SELECT band, COUNT(*), AVG(psfFlux) FROM " + schema +
                                         ".ForcedSource GROUP BY band",
                                     runs, forced_rows, "ForcedSource rows",
                                     "GROUP BY band, COUNT(*), AVG(psfFlux) over ForcedSource"));
  }
  if (only.count("select_1m")) {
    const int64_t n = std::min(*select_rows, forced_rows);
    check(
        "select_1m",
        bench.Scan(
            "select_1m", "SELECT TOP " + std::to_string(n) + " * FROM " + schema + ".ForcedSource",
            runs, n, "rows returned",
            "SELECT TOP " + std::to_string(n) + " * FROM ForcedSource into a discarding sink"));
  }
  if (only.count("lightcurve")) {
    std::vector<std::string> q;
    for (size_t i = 0; i < take(*lc_q); ++i) {
      q.push_back(LightCurve(schema, (*positions)[i].object_id));
    }
    check("lightcurve", bench.Latency("lightcurve", q, clients,
                                      "DP0 light curve (ForcedSource JOIN CcdVisit) of an object"));
  }
  PrintTable(bench.results());
  return failed ? 1 : 0;
}

int SampleCommand(const Args& args) {
  if (!args.flags.count("data") || !args.flags.count("out")) {
    return Usage("sample needs --data and --out");
  }
  Result<int64_t> n = IntFlag(args, "n", 2000);
  Result<int64_t> seed = IntFlag(args, "seed", 1);
  if (!n.ok()) return Usage(n.status().message().c_str());
  if (!seed.ok()) return Usage(seed.status().message().c_str());
  auto release =
      FindRelease(args.flags.at("data"),
                  args.flags.count("release") ? args.flags.at("release") : std::string());
  if (!release.ok()) return Fail(release.status());
  auto store = Store::OpenReadOnly(release->directory);
  if (!store.ok()) return Fail(store.status());
  Status s =
      Sample(**store, static_cast<size_t>(*n), static_cast<uint64_t>(*seed), args.flags.at("out"));
  return s.ok() ? 0 : Fail(s);
}

}  // namespace
}  // namespace skyshard::bench

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape): a tool; a throw aborts
  skyshard::bench::Args args;
  if (!skyshard::bench::ParseArgs(argc, argv, &args)) {
    return skyshard::bench::Usage("bad arguments");
  }
  if (args.command == "sample") return skyshard::bench::SampleCommand(args);
  if (args.command == "run") return skyshard::bench::RunCommand(args);
  return skyshard::bench::Usage(("unknown command: " + args.command).c_str());
}
