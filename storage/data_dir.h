// DataDir: the directory that holds every release a skyshard instance serves, and the registry
// that says which release versions are published (docs/storage.md, "Data directory").
//
//   DATA/RELEASES            JSON registry: published releases -> version directory
//   DATA/LOCK                flock(2)-ed by the one writer (load, drop) at a time
//   DATA/<release>.v<N>/     a RocksDB store holding one complete, verified release version
//   DATA/staging/            loads in progress; anything here after a crash is debris
//
// Publishing is atomic: a version directory becomes visible only when RELEASES is replaced
// (write RELEASES.tmp, fsync, rename, fsync the directory). A load killed at any moment leaves
// RELEASES as it was; its debris (staging/, unreferenced version directories) is removed by the
// next writer that takes the lock.
//
// Thread safety: a DataDir may be used from several threads for reading (List); writer
// operations must come from one thread, and across processes are serialised by DATA/LOCK.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace skyshard {

struct ReleaseInfo {
  std::string name;          // e.g. "dp02_dc2_catalogs"
  std::string directory;     // absolute path of the version directory
  uint64_t version = 0;      // N of <release>.v<N>
  std::string published_at;  // ISO-8601 UTC
};

class DataDir {
 public:
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  // Opens the data directory at `path`. With `create`, makes it (and its parents) if missing;
  // otherwise returns NotFound when it does not exist. Returns IOError when it is unreadable,
  // Corruption when RELEASES is unparsable.
  static Result<std::unique_ptr<DataDir>> Open(const std::string& path, bool create);

  const std::string& path() const { return path_; }

  // Takes the exclusive writer lock (non-blocking) and removes the debris of failed loads.
  // Returns LimitExceeded naming the holder's pid when another writer holds the lock.
  // The lock is held until this DataDir is destroyed.
  Status LockForWrite();

  // The published releases, sorted by name, as RELEASES says now.
  Result<std::vector<ReleaseInfo>> List() const;
  // The published release `name` (case-sensitive), or NotFound listing the known ones.
  Result<ReleaseInfo> Find(const std::string& name) const;

  // Creates a fresh, empty staging directory for a load of `release` and returns its path.
  // REQUIRES: LockForWrite() succeeded.
  Result<std::string> NewStagingDir(const std::string& release);

  // Atomically publishes the complete store in `staging_dir` as `release`. When `release`
  // exists, returns AlreadyExists unless `replace`; with `replace`, the old version stays
  // served until the new registry is durable, then its directory is removed.
  // REQUIRES: LockForWrite() succeeded.
  Status Publish(const std::string& release, const std::string& staging_dir, bool replace);

  // Unpublishes `release` atomically, then deletes its directory. NotFound if absent.
  // REQUIRES: LockForWrite() succeeded.
  Status Drop(const std::string& release);

 private:
  explicit DataDir(std::string path) : path_(std::move(path)) {}

  struct Registry;
  Result<Registry> ReadRegistry() const;
  Status WriteRegistry(const Registry& registry);
  Status RemoveDebris();

  std::string path_;
  int lock_fd_ = -1;
};

// Sum of the sizes of the regular files under `dir` (0 if it does not exist).
uint64_t DirectoryBytes(const std::string& dir);

}  // namespace skyshard
