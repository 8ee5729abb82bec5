// The RocksDB options every release store is written and read with (one place, so that the
// bulk writer's SST files and the reader agree). Internal to storage/.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

namespace skyshard::internal {

// One block cache for every store a process opens: uncompressed blocks of the rows and index
// entries read recently, so that a hot light curve or cone costs no decompression.
inline std::shared_ptr<rocksdb::Cache> SharedBlockCache() {
  static const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(512ull << 20);
  return cache;
}

// `block_cache`: reads go through SharedBlockCache(); without, every read takes its block from
// the file (the store's handle for long scans, storage/store.cc).
inline rocksdb::Options StoreOptions(bool block_cache = true) {
  rocksdb::Options o;
  rocksdb::BlockBasedTableOptions t;
  if (block_cache) {
    t.block_cache = SharedBlockCache();
  } else {
    t.no_block_cache = true;
  }
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
