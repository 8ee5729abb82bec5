// Upload cross-match benchmark, engine level (issue 5): times `SELECT COUNT(*) FROM
// TAP_UPLOAD.t AS t JOIN <table> AS a ON DISTANCE(POINT(t.ra, t.dec), POINT(a.ra, a.dec)) < r`
// run in process through adql::QueryEngine, the targets already in memory: plan and join,
// without process start, store open, reading the upload file or formatting. Run by
// tests/bench/bench_xmatch.sh next to the whole `skyshard query --upload` command.
//
// Usage:
//   xmatch_bench --data DIR --targets FILE [--release NAME] [--table NAME] [--radius-arcsec R]
//                [--runs N] [--threads N] [--form distance|contains]
//   xmatch_bench --data DIR --query ADQL [--release NAME] [--runs N] [--threads N]
// FILE: CSV "id,ra,dec" with a header row (bench_xmatch.sh's targets.csv). --query times any
// query whose result's first column is a COUNT (the catalog x catalog match, the COUNT(*) of one
// catalog: the join's CPU apart from the reading), no upload. Prints one line per
// timed run (after one untimed warm-up run): wall ms, CPU ms of the process, pairs, rows read;
// then the median. Exit status 0 on success, 1 when a query fails, 2 on a usage error.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "adql/exec/executor.h"
#include "adql/query_engine.h"
#include "common/column_batch.h"
#include "common/status.h"
#include "storage/data_dir.h"
#include "storage/store.h"

namespace skyshard::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The COUNT(*) result.
class CountSink : public adql::RowSink {
 public:
  Status Begin(const std::vector<adql::plan::OutputColumn>& /*columns*/) override {
    count_ = -1;
    return Status::OK();
  }
  Status Write(const ColumnBatch& batch) override {
    if (batch.num_rows > 0 && !batch.columns.empty() && !batch.columns[0].ints.empty()) {
      count_ = batch.columns[0].ints[0];
    }
    return Status::OK();
  }
  int64_t count() const { return count_; }

 private:
  int64_t count_ = -1;
};

double CpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3) +
         (static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3);
}

// Reads "id,ra,dec" lines (a header first) into a MemoryTable.
Result<adql::UploadedTable> ReadTargets(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open " + path);
  std::string line;
  std::getline(in, line);  // header
  adql::UploadedTable t;
  t.def.name = "t";
  for (const char* n : {"id", "ra", "dec"}) {
    ColumnDef c;
    c.name = n;
    c.type = {std::string(n) == "id" ? DataType::kBigInt : DataType::kDouble, 0};
    t.def.columns.push_back(c);
  }
  auto rows = std::make_shared<adql::MemoryTable>();
  ColumnBatch b;
  b.Reset({{DataType::kBigInt, 0}, {DataType::kDouble, 0}, {DataType::kDouble, 0}});
  size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string id, ra, dec;
    if (!std::getline(fields, id, ',') || !std::getline(fields, ra, ',') ||
        !std::getline(fields, dec, ',')) {
      return Status::InvalidArgument(path + ":" + std::to_string(line_no) + ": expected id,ra,dec");
    }
    try {
      b.columns[0].AppendInt(std::stoll(id));
      b.columns[1].AppendDouble(std::stod(ra));
      b.columns[2].AppendDouble(std::stod(dec));
    } catch (const std::exception&) {
      return Status::InvalidArgument(path + ":" + std::to_string(line_no) + ": not a number in '" +
                                     line + "'");
    }
    ++b.num_rows;
  }
  rows->batches.push_back(std::move(b));
  t.rows = std::move(rows);
  return t;
}

int Usage(const std::string& why) {
  std::fprintf(stderr,
               "xmatch_bench: %s\nusage: xmatch_bench --data DIR --targets FILE [--release NAME]"
               " [--table NAME] [--radius-arcsec R] [--runs N] [--threads N]"
               " [--form distance|contains]\n"
               "       xmatch_bench --data DIR --query ADQL [--release NAME] [--runs N]"
               " [--threads N]\n",
               why.c_str());
  return 2;
}

int Main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {{"table", "A"},
                                              {"radius-arcsec", "1"},
                                              {"runs", "5"},
                                              {"threads", "0"},
                                              {"form", "distance"}};
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || i + 1 >= argc) return Usage("bad argument " + k);
    flags[k.substr(2)] = argv[i + 1];
  }
  const bool query_mode = flags.contains("query");
  if (!flags.contains("data") || (!query_mode && !flags.contains("targets"))) {
    return Usage("--data, and --targets or --query");
  }
  int runs = 0, threads = 0;
  try {
    runs = std::stoi(flags["runs"]);
    threads = std::stoi(flags["threads"]);
    (void)std::stod(flags["radius-arcsec"]);
  } catch (const std::exception&) {
    return Usage("--runs, --threads and --radius-arcsec take numbers");
  }
  if (runs < 1) return Usage("--runs must be at least 1");
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "xmatch_bench: %s\n", s.ToString().c_str());
    return 1;
  };
  auto dir = DataDir::Open(flags["data"], /*create=*/false);
  if (!dir.ok()) return fail(dir.status());
  Result<ReleaseInfo> release = Status::NotFound("no release");
  if (flags.contains("release")) {
    release = (*dir)->Find(flags["release"]);
  } else {
    auto all = (*dir)->List();
    if (!all.ok()) return fail(all.status());
    if (all->size() != 1) return Usage("the data directory has several releases: --release");
    release = all->front();
  }
  if (!release.ok()) return fail(release.status());
  auto store = Store::OpenReadOnly(release->directory);
  if (!store.ok()) return fail(store.status());
  std::shared_ptr<const Store> shared_store(std::move(*store));
  auto engine = adql::QueryEngine::Open(shared_store);
  if (!engine.ok()) return fail(engine.status());
  adql::QueryRequest request;
  if (query_mode) {
    request.adql = flags["query"];
  } else {
    auto targets = ReadTargets(flags["targets"]);
    if (!targets.ok()) return fail(targets.status());
    const std::string r = flags["radius-arcsec"] + "/3600.";
    const std::string on = flags["form"] == "contains"
                               ? "CONTAINS(POINT(a.ra, a.dec), CIRCLE(t.ra, t.dec, " + r + ")) = 1"
                               : "DISTANCE(POINT(t.ra, t.dec), POINT(a.ra, a.dec)) < " + r;
    request.adql =
        "SELECT COUNT(*) FROM TAP_UPLOAD.t AS t JOIN " + flags["table"] + " AS a ON " + on;
    request.uploads.push_back(*targets);
  }
  request.exec.threads = threads;
  request.exec.memory_limit_bytes = size_t{4} << 30;
  auto plan = (*engine)->Explain(request);
  if (!plan.ok()) return fail(plan.status());
  std::printf("%s\n%s", request.adql.c_str(), plan->c_str());
  std::vector<double> wall;
  for (int run = 0; run <= runs; ++run) {
    CountSink sink;
    adql::ExecStats stats;
    const double cpu0 = CpuMs();
    const auto t0 = Clock::now();
    Status s = (*engine)->Run(request, &sink, &stats);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const double cpu = CpuMs() - cpu0;
    if (!s.ok()) return fail(s);
    if (run == 0) continue;  // warm-up
    wall.push_back(ms);
    std::printf("run %d: %.1f ms wall, %.1f ms CPU, %" PRId64 " pairs, %" PRId64 " rows read\n",
                run, ms, cpu, sink.count(), stats.rows_read);
  }
  std::sort(wall.begin(), wall.end());
  std::printf("median %.1f ms\n", wall[wall.size() / 2]);
  return 0;
}

}  // namespace
}  // namespace skyshard::bench

int main(int argc, char** argv) { return skyshard::bench::Main(argc, argv); }
