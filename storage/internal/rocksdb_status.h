// The one conversion from a RocksDB status to ours, so that every caller in storage/ reports a
// full disk, a damaged file or a missing key the same way. Internal to storage/.
#pragma once

#include <rocksdb/status.h>

#include <string>

#include "common/status.h"

namespace skyshard::internal {

// OK for OK; otherwise "<what>: <RocksDB's message>" as NotFound, Corruption or IOError (a full
// disk says so in plain words).
inline Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  if (s.IsNoSpace()) return Status::IOError(what + ": no space left on device");
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

}  // namespace skyshard::internal
