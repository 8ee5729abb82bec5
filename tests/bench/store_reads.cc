// Storage-level read benchmark: how long the store takes to hand over one object's light curve
// (Store::ScanChildren: an index lookup plus one contiguous range read) and a 1-arcmin cone
// (Store::Scan over Region::Cover ranges, with the exact test), on a loaded release. This is
// the floor under the light-curve and cone-search latencies of the TAP service.
//
// Usage: store_reads DATA_DIR [RELEASE] [N]
//   Prints p50/p99/mean latencies and rows per read for N random existing objects.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
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

}  // namespace

int main(int argc, char** argv) {
  using namespace skyshard;  // NOLINT(google-build-using-namespace): a small tool
  if (argc < 2) {
    std::fprintf(stderr, "usage: store_reads DATA_DIR [RELEASE] [N]\n");
    return 2;
  }
  const std::string release = argc > 2 ? argv[2] : "dp02_dc2_catalogs";
  const size_t n = argc > 3 ? std::stoul(argv[3]) : 2000;
  auto dir = DataDir::Open(argv[1], false);
  if (!dir.ok()) return Fail(dir.status());
  auto info = (*dir)->Find(release);
  if (!info.ok()) return Fail(info.status());
  auto store = Store::OpenReadOnly(info->directory);
  if (!store.ok()) return Fail(store.status());
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
  Report("light curve (ScanChildren)", lc_us, lc_rows);
  Report("cone r=1' on Object", cone_us, cone_rows);
  return 0;
}
