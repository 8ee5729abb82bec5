// A small release written by the storage tests themselves: a Felis schema, a manifest and CSV
// files whose every value the test knows, so that what the store returns can be checked
// against the source of truth.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "common/status.h"
#include "storage/bulk_loader.h"
#include "storage/data_dir.h"
#include "storage/store.h"

namespace skyshard::testing {

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// The directories TempDir made in this process, removed when the process exits normally, as a
// test binary does after a failure too: a test that fails an ASSERT returns before its own
// clean-up and would leave its files in /tmp. (Children that the tests fork exec or _exit,
// and so never run this.)
class TempDirs {
 public:
  static TempDirs& Get() {
    static TempDirs dirs;
    return dirs;
  }
  void Add(const std::string& dir) {
    std::lock_guard<std::mutex> lock(mu_);
    dirs_.push_back(dir);
  }
  ~TempDirs() {
    for (const std::string& dir : dirs_) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }

 private:
  TempDirs() = default;
  std::mutex mu_;
  std::vector<std::string> dirs_;
};

inline std::string TempDir(const std::string& name) {
  std::string dir = std::filesystem::temp_directory_path().string() + "/skyshard-test-" +
                    std::to_string(::getpid()) + "-" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  TempDirs::Get().Add(dir);
  return dir;
}

constexpr const char* kSchema = R"(name: testrel
description: A release written by the storage tests.
tables:
- name: Obj
  description: Objects with positions.
  primaryKey: "#Obj.objectId"
  tap:table_index: 1
  columns:
  - name: objectId
    datatype: long
    ivoa:ucd: meta.id;meta.main
  - name: ra
    datatype: double
    fits:tunit: deg
    ivoa:ucd: pos.eq.ra;meta.main
  - name: dec
    datatype: double
    fits:tunit: deg
    ivoa:ucd: pos.eq.dec;meta.main
  - name: mag
    datatype: float
    fits:tunit: mag
  - name: notInFiles
    datatype: int
- name: Src
  description: Measurements of objects.
  primaryKey: "#Src.srcId"
  columns:
  - name: srcId
    datatype: long
  - name: objectId
    datatype: long
  - name: band
    datatype: char
    length: 1
  - name: flux
    datatype: double
    fits:tunit: nJy
  constraints:
  - name: src_obj
    "@type": ForeignKey
    columns: ["#Src.objectId"]
    referencedColumns: ["#Obj.objectId"]
- name: AllTypes
  description: One column of every type.
  primaryKey: "#AllTypes.id"
  columns:
  - name: id
    datatype: long
  - name: s
    datatype: short
  - name: i
    datatype: int
  - name: r
    datatype: float
  - name: d
    datatype: double
  - name: b
    datatype: boolean
  - name: c
    datatype: char
    length: 4
  - name: v
    datatype: string
  - name: t
    datatype: timestamp
)";

constexpr const char* kManifest = R"(release: testrel
schema: schema.yaml
tables:
  Obj:
    files: [obj-*.csv]
    position: [ra, dec]
  Src:
    files: [src-*.csv]
    parent: {table: Obj, key: objectId}
  AllTypes:
    files: [alltypes.csv]
)";

struct TestObject {
  int64_t id;
  double ra, dec;
};
struct TestSource {
  int64_t id, object_id;
  double flux;
};

struct TestRelease {
  std::string dir;
  std::string manifest;
  std::vector<TestObject> objects;
  std::vector<TestSource> sources;
};

inline std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

// Objects: uniform on the sphere plus adversarial ones (poles, RA 0/360, a dense clump),
// with ids above 2^53; `per_object` sources each, spread over `files` files.
inline TestRelease MakeTestRelease(const std::string& dir, int n_objects, int per_object,
                                   uint64_t seed, int files = 2) {
  TestRelease rel;
  rel.dir = dir;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const int64_t base = 1651589610221899038LL;
  auto add = [&](double ra, double dec) {
    rel.objects.push_back({base + static_cast<int64_t>(rel.objects.size()) * 7919, ra, dec});
  };
  for (double ra : {0.0, 90.0, 359.9999999}) {
    add(ra, 90.0);
    add(ra, -90.0);
    add(ra, 89.9999);
  }
  for (double dec : {-60.0, 0.0, 45.0}) {
    add(0.0, dec);
    add(359.99999, dec);
    add(1e-9, dec);
  }
  while (static_cast<int>(rel.objects.size()) < n_objects) {
    if (rel.objects.size() % 5 == 0) {
      add(10.0 + 0.01 * (u(rng) - 0.5), 20.0 + 0.01 * (u(rng) - 0.5));  // a dense clump
    } else {
      add(360.0 * u(rng), std::asin(2.0 * u(rng) - 1.0) * 180.0 / M_PI);
    }
  }
  std::vector<std::string> obj_csv(static_cast<size_t>(files), "objectId,ra,dec,mag\n");
  std::vector<std::string> src_csv(static_cast<size_t>(files), "band,srcId,flux,objectId\n");
  int64_t src_id = 1;
  for (size_t i = 0; i < rel.objects.size(); ++i) {
    const auto& o = rel.objects[i];
    std::string mag = i % 4 == 0 ? "" : Num(15.0 + 10.0 * u(rng));
    obj_csv[i % files] +=
        std::to_string(o.id) + "," + Num(o.ra) + "," + Num(o.dec) + "," + mag + "\n";
    for (int k = 0; k < per_object; ++k) {
      TestSource s{src_id++, o.id, (u(rng) - 0.2) * 1000.0};
      rel.sources.push_back(s);
      src_csv[(i + k) % files] += std::string(1, "ugrizy"[k % 6]) + "," + std::to_string(s.id) +
                                  "," + Num(s.flux) + "," + std::to_string(s.object_id) + "\n";
    }
  }
  for (int f = 0; f < files; ++f) {
    WriteText(dir + "/obj-" + std::to_string(f) + ".csv", obj_csv[static_cast<size_t>(f)]);
    WriteText(dir + "/src-" + std::to_string(f) + ".csv", src_csv[static_cast<size_t>(f)]);
  }
  WriteText(dir + "/alltypes.csv",
            "id,s,i,r,d,b,c,v,t\n"
            "1,-32768,2147483647,1.5,-1e-300,1,abcd,\"with, comma\",2023-05-01T03:04:05.123456\n"
            "2,,,,,,,,\n"
            "-9223372036854775808,32767,-2147483648,-0.25,1.7976931348623157e308,0,a,\"\","
            "1970-01-01T00:00:00\n");
  WriteText(dir + "/schema.yaml", kSchema);
  WriteText(dir + "/manifest.yaml", kManifest);
  rel.manifest = dir + "/manifest.yaml";
  return rel;
}

// Loads the release of `manifest` into `data_dir` with `memory_bytes` for sorting and opens its
// published store: what every test that reads a loaded release does first.
inline Result<std::unique_ptr<Store>> LoadAndOpen(const std::string& manifest,
                                                  const std::string& data_dir,
                                                  uint64_t memory_bytes,
                                                  bool child_key_index = false) {
  LoadOptions o;
  o.data_dir = data_dir;
  o.manifest_path = manifest;
  o.memory_bytes = memory_bytes;
  o.child_key_index = child_key_index;
  SKY_RETURN_IF_ERROR(LoadRelease(o, nullptr).status());
  SKY_ASSIGN_OR_RETURN(auto dir, DataDir::Open(data_dir, false));
  SKY_ASSIGN_OR_RETURN(auto info, dir->Find("testrel"));
  return Store::OpenReadOnly(info.directory);
}

}  // namespace skyshard::testing
