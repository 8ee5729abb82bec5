// Bulk loader: turns a release manifest (storage/manifest.h) and its files into a new,
// verified release store and publishes it atomically in a data directory (storage/data_dir.h).
//
// Pipeline (docs/storage.md, "Bulk load"): tables are loaded parents first. The files of a
// table are read in parallel (one reader per thread); each row is checked, given its key
// (HEALPix index, parent key, primary key) and encoded; records are sorted in memory-bounded
// runs and merged, in parallel key-range partitions, into non-overlapping SST files, which
// RocksDB ingests without rewriting. The catalog (from the Felis schema) and the row counts go
// into the store; only then is the release published. Any failure leaves the published
// releases exactly as they were.
//
// Thread safety: LoadRelease may be called from any thread; it serialises with other writers
// of the same data directory through the directory's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skyshard {

struct LoadOptions {
  std::string data_dir;
  std::string manifest_path;
  bool replace = false;        // replace an already published release of the same name
  bool allow_orphans = false;  // load child rows whose parent is missing (unreachable by
                               // position; reachable by scans and their own key)
  // Memory for sorting, all threads together; 0 = DefaultLoadMemory(). Sorted runs that fit
  // stay in memory; the rest spill to run files under the staging directory.
  uint64_t memory_bytes = 0;
  int threads = 0;  // 0 = one per core
  // Also build a primary-key index for child tables (forcedSourceId = X lookups). Without
  // it their keys are still verified unique; the index costs about a quarter of the load time
  // of a ForcedSource-like table and a sixth of its space.
  bool child_key_index = false;
};

// Progress of a load, reported periodically and at every phase change.
struct LoadProgress {
  std::string phase;         // "read Object", "merge ForcedSource", "ingest", "publish"
  uint64_t rows = 0;         // rows read so far, all tables
  uint64_t bytes_done = 0;   // input bytes read so far
  uint64_t bytes_total = 0;  // input bytes of all files
  double seconds = 0;        // since the start of the load
};

struct TableLoadReport {
  std::string name;
  uint64_t rows = 0;
  uint64_t bytes = 0;        // stored bytes (SST files of its rows and index)
  uint64_t orphans = 0;      // child rows without a parent (only with allow_orphans)
  double seconds = 0;        // reading + sorting + merging
  double read_seconds = 0;   // of which reading, keying, encoding and sorting runs
  double merge_seconds = 0;  // of which merging runs into SST files
};

struct LoadReport {
  std::string release;
  std::string directory;
  uint64_t rows = 0;
  uint64_t input_bytes = 0;
  double seconds = 0;
  std::vector<TableLoadReport> tables;
};

// Loads and publishes the release described by options.manifest_path.
// Errors (nothing is published on any of them): NotFound (manifest, schema, data directory
// parent), InvalidArgument naming file, line/row and column for bad input (unparsable value,
// missing or unknown column, wrong type, dec outside [-90, 90], NaN position, NULL key,
// duplicate primary key, child rows without parent unless allowed), AlreadyExists when the
// release is published and !replace, LimitExceeded when another writer holds the directory,
// IOError (disk full, unwritable) and Corruption (truncated input).
// The default memory of a load, given the text of /proc/meminfo: 60% of MemAvailable (what the
// kernel can give without swapping: free memory plus the page cache it can drop), so that a
// load on an idle machine keeps its runs in memory (a run spilled to a file costs a copy into
// the page cache and one back, and the page cache needs the memory anyway) while a busy one
// leaves room for the others. `physical_bytes` (0 = unknown) serves when meminfo lacks the
// field: 40% of it, or 1 GiB. At least 256 MiB.
uint64_t DefaultLoadMemory(std::string_view meminfo, uint64_t physical_bytes);

Result<LoadReport> LoadRelease(const LoadOptions& options,
                               const std::function<void(const LoadProgress&)>& progress);

}  // namespace skyshard
