// The RocksDB options every release store is written and read with (one place, so that the
// bulk writer's SST files and the reader agree). Internal to storage/.
#pragma once

#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

namespace skyshard::internal {

inline rocksdb::Options StoreOptions() {
  rocksdb::Options o;
  rocksdb::BlockBasedTableOptions t;
  t.block_size = 16 * 1024;
  // Bloom filters make primary-key index lookups (objectId = X) one block read.
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.cache_index_and_filter_blocks = false;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  o.compression = rocksdb::kLZ4Compression;
  o.bottommost_compression = rocksdb::kLZ4Compression;
  o.max_open_files = -1;
  o.create_if_missing = false;
  return o;
}

}  // namespace skyshard::internal
