// Storage-level read benchmark: how long the store takes to hand over one object's light curve
// (Store::ScanChildren: an index lookup plus one contiguous range read) and a 1-arcmin cone
// (Store::Scan over Region::Cover ranges, with the exact test) and one Object row by its
// primary key (Store::LookupPrimaryKey, every column), on a loaded release. This is
// the floor under the light-curve and cone-search latencies of the TAP service.
//
// With `scan`, it measures instead how fast Store::Scan streams whole tables (the floor under
// every full-table query of the executor): Object and ForcedSource, all columns and a
// 2-column projection, on 1 and 2 threads. Two threads split the HEALPix index space in two
// halves as the executor's Gather does (one Scan with one range each).
//
// Usage: store_reads DATA_DIR [RELEASE] [N]
//   Prints p50/p99/mean latencies and rows per read for N random existing objects.
// Usage: store_reads DATA_DIR RELEASE scan [REPEATS [FILTER]]
//   Prints, for each scan mode, rows per wall-clock second and rows per CPU second (all
//   threads' CPU time together: on a shared, loaded machine the steadier of the two, and equal
//   for 1 and 2 threads when the threads do not contend), the best and median of REPEATS runs
//   (default 3). FILTER runs only the modes whose label contains it ("Object", "band").
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "indexing/healpix_index.h"
#include "storage/data_dir.h"
#include "storage/store.h"

namespace {

using Clock = std::chrono::steady_clock;

void Report(const char* what, std::vector<double> us, double rows) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double u : us) sum += u;
  std::printf("%-28s n=%zu  p50 %8.1f us  p99 %8.1f us  mean %8.1f us  rows/read %.1f\n", what,
              us.size(), us[us.size() / 2], us[us.size() * 99 / 100], sum / us.size(),
              rows / us.size());
}

int Fail(const skyshard::Status& s) {
  std::fprintf(stderr, "store_reads: %s\n", s.ToString().c_str());
  return 1;
}

// Drains `it` in batches of 4096 rows (the executor's batch size), adding its rows to *rows.
skyshard::Status Drain(skyshard::RowIterator* it, uint64_t* rows) {
  skyshard::ColumnBatch b;
  for (;;) {
    auto got = it->Next(&b, 4096);
    if (!got.ok()) return got.status();
    if (*got == 0) return skyshard::Status::OK();
    *rows += *got;
  }
}

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct ScanRate {
  double wall;  // rows per second
  double cpu;   // rows per CPU second
};

// One full scan of `table` over `threads` threads (the index space split in equal parts, as
// the executor's Gather splits it). *rows gets the row count.
skyshard::Result<ScanRate> TimedScan(const skyshard::Store& store, const skyshard::TableDef& table,
                                     const std::vector<int>& projection, size_t threads,
                                     uint64_t* rows) {
  using namespace skyshard;  // NOLINT(google-build-using-namespace): a small tool
  std::vector<std::unique_ptr<RowIterator>> its;
  for (size_t p = 0; p < threads; ++p) {
    std::vector<IndexRange> ranges;
    if (threads > 1) {
      const uint64_t b = kIndexPixels / threads * p;
      const uint64_t e = p + 1 == threads ? kIndexPixels : kIndexPixels / threads * (p + 1);
      ranges.push_back({b, e});
    }
    auto it = store.Scan(table, projection, ranges);
    if (!it.ok()) return it.status();
    its.push_back(std::move(*it));
  }
  std::vector<uint64_t> counts(threads, 0);
  std::vector<Status> statuses(threads);
  const auto t0 = Clock::now();
  const double cpu0 = CpuSeconds();
  std::vector<std::thread> workers;
  for (size_t p = 0; p < threads; ++p) {
    workers.emplace_back([&, p] { statuses[p] = Drain(its[p].get(), &counts[p]); });
  }
  for (auto& w : workers) w.join();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  *rows = 0;
  for (size_t p = 0; p < threads; ++p) {
    if (!statuses[p].ok()) return statuses[p];
    *rows += counts[p];
  }
  return ScanRate{static_cast<double>(*rows) / s, static_cast<double>(*rows) / cpu};
}

int ScanModes(const skyshard::Store& store, int repeats, const std::string& filter) {
  using namespace skyshard;  // NOLINT(google-build-using-namespace): a small tool
  const Catalog& catalog = store.catalog();
  struct Mode {
    const char* table;
    std::vector<const char*> columns;  // empty: all
  };
  const std::vector<Mode> modes = {{"Object", {}},
                                   {"Object", {"coord_ra", "coord_dec"}},
                                   {"ForcedSource", {}},
                                   {"ForcedSource", {"band", "psfFlux"}}};
  for (const Mode& m : modes) {
    const TableDef* table = catalog.FindTable(m.table);
    if (table == nullptr) return Fail(Status::NotFound(std::string("no table ") + m.table));
    std::vector<int> projection;
    std::string what = std::string(m.table) + " ";
    if (m.columns.empty()) {
      for (size_t c = 0; c < table->columns.size(); ++c) projection.push_back(static_cast<int>(c));
      what += "all " + std::to_string(projection.size()) + " cols";
    } else {
      for (const char* c : m.columns) {
        if (table->ColumnIndex(c) < 0) return Fail(Status::NotFound(std::string("no ") + c));
        projection.push_back(table->ColumnIndex(c));
        what += std::string(what.back() == ' ' ? "" : ",") + c;
      }
    }
    if (what.find(filter) == std::string::npos) continue;
    for (size_t threads : {size_t{1}, size_t{2}}) {
      std::vector<double> wall, cpu;
      uint64_t rows = 0;
      for (int r = 0; r < repeats; ++r) {
        auto rate = TimedScan(store, *table, projection, threads, &rows);
        if (!rate.ok()) return Fail(rate.status());
        wall.push_back(rate->wall);
        cpu.push_back(rate->cpu);
      }
      std::sort(wall.begin(), wall.end());
      std::sort(cpu.begin(), cpu.end());
      std::printf(
          "scan %-32s %zu thr  rows %8llu  M rows/s best %6.2f median %6.2f  "
          "M rows/CPU-s best %6.2f median %6.2f\n",
          what.c_str(), threads, static_cast<unsigned long long>(rows), wall.back() / 1e6,
          wall[wall.size() / 2] / 1e6, cpu.back() / 1e6, cpu[cpu.size() / 2] / 1e6);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace skyshard;  // NOLINT(google-build-using-namespace): a small tool
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: store_reads DATA_DIR [RELEASE] [N]\n"
                 "       store_reads DATA_DIR RELEASE scan [REPEATS [FILTER]]\n");
    return 2;
  }
  const std::string release = argc > 2 ? argv[2] : "dp02_dc2_catalogs";
  const bool scan_mode = argc > 3 && std::strcmp(argv[3], "scan") == 0;
  const size_t n = argc > 3 && !scan_mode ? std::stoul(argv[3]) : 2000;
  auto dir = DataDir::Open(argv[1], false);
  if (!dir.ok()) return Fail(dir.status());
  auto info = (*dir)->Find(release);
  if (!info.ok()) return Fail(info.status());
  auto store = Store::OpenReadOnly(info->directory);
  if (!store.ok()) return Fail(store.status());
  if (scan_mode)
    return ScanModes(**store, argc > 4 ? std::stoi(argv[4]) : 3, argc > 5 ? argv[5] : "");
  const Catalog& catalog = (*store)->catalog();
  const TableDef* object = catalog.FindTable("Object");
  const TableDef* forced = catalog.FindTable("ForcedSource");
  if (object == nullptr || forced == nullptr) {
    return Fail(Status::NotFound("the release needs Object and ForcedSource"));
  }
  // Reservoir-sample n objects (id, ra, dec) in one scan.
  const int id_col = object->ColumnIndex(object->primary_key);
  const int ra_col = object->ColumnIndex(object->ra_column);
  const int dec_col = object->ColumnIndex(object->dec_column);
  struct Sample {
    int64_t id;
    double ra, dec;
  };
  std::vector<Sample> samples;
  std::mt19937_64 rng(1);
  uint64_t seen = 0;
  {
    auto it = (*store)->Scan(*object, {id_col, ra_col, dec_col}, {});
    if (!it.ok()) return Fail(it.status());
    ColumnBatch b;
    for (;;) {
      auto got = (*it)->Next(&b, 4096);
      if (!got.ok()) return Fail(got.status());
      if (*got == 0) break;
      for (size_t r = 0; r < *got; ++r, ++seen) {
        Sample s{b.columns[0].ints[r], b.columns[1].doubles[r], b.columns[2].doubles[r]};
        if (samples.size() < n) {
          samples.push_back(s);
        } else if (uint64_t j = rng() % (seen + 1); j < n) {
          samples[j] = s;
        }
      }
    }
  }
  std::printf("release %s: %llu objects, %llu forced sources; %zu random objects\n",
              release.c_str(), static_cast<unsigned long long>(object->row_count),
              static_cast<unsigned long long>(forced->row_count), samples.size());
  std::vector<int> lc_cols;
  for (const char* c : {"ccdVisitId", "band", "psfFlux", "psfFluxErr"}) {
    if (forced->ColumnIndex(c) >= 0) lc_cols.push_back(forced->ColumnIndex(c));
  }
  std::vector<double> lc_us, cone_us;
  double lc_rows = 0, cone_rows = 0;
  ColumnBatch b;
  for (const Sample& s : samples) {
    auto t0 = Clock::now();
    auto it = (*store)->ScanChildren(*forced, lc_cols, s.id);
    if (!it.ok()) return Fail(it.status());
    for (;;) {
      auto got = (*it)->Next(&b, 1024);
      if (!got.ok()) return Fail(got.status());
      if (*got == 0) break;
      lc_rows += static_cast<double>(*got);
    }
    lc_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  for (const Sample& s : samples) {
    auto t0 = Clock::now();
    auto region = MakeCircle(s.ra, s.dec, 1.0 / 60);
    if (!region.ok()) return Fail(region.status());
    auto it = (*store)->Scan(*object, {id_col, ra_col, dec_col}, (*region)->Cover());
    if (!it.ok()) return Fail(it.status());
    for (;;) {
      auto got = (*it)->Next(&b, 1024);
      if (!got.ok()) return Fail(got.status());
      if (*got == 0) break;
      for (size_t r = 0; r < *got; ++r) {
        cone_rows += (*region)->Contains(b.columns[1].doubles[r], b.columns[2].doubles[r]);
      }
    }
    cone_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  // objectId = X with every column (SELECT * ... WHERE objectId = X): the index, then one row.
  std::vector<int> all_cols;
  for (size_t c = 0; c < object->columns.size(); ++c) all_cols.push_back(static_cast<int>(c));
  // Twice: the first pass finds the Object blocks out of the block cache (a full scan of a
  // table larger than half the cache does not fill it), the second finds them in it.
  std::vector<double> lookup_us, lookup_warm_us;
  double lookup_rows = 0;
  for (int pass = 0; pass < 2; ++pass)
    for (const Sample& s : samples) {
      auto t0 = Clock::now();
      auto it = (*store)->LookupPrimaryKey(*object, all_cols, s.id);
      if (!it.ok()) return Fail(it.status());
      for (;;) {
        auto got = (*it)->Next(&b, 1024);
        if (!got.ok()) return Fail(got.status());
        if (*got == 0) break;
        lookup_rows += static_cast<double>(*got);
      }
      (pass == 0 ? lookup_us : lookup_warm_us)
          .push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
  Report("objectId = X (all columns)", lookup_us, lookup_rows / 2);
  Report("objectId = X, cached", lookup_warm_us, lookup_rows / 2);
  Report("light curve (ScanChildren)", lc_us, lc_rows);
  Report("cone r=1' on Object", cone_us, cone_rows);
  return 0;
}
