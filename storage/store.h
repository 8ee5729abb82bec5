// Store: read access to one published release — its catalog and its rows — laid out in RocksDB
// as docs/storage.md describes. This is the interface the query engine reads through.
//
// Reads return RowIterators that stream ColumnBatches; nothing materialises a whole table.
// Spatial reads take HEALPix order-29 index ranges (indexing/healpix_index.h) and read only the
// key ranges they cover, with bounded RocksDB iterators; the caller applies the exact region
// test to the rows.
//
// Thread safety: a Store is safe for concurrent use by many threads once opened (RocksDB reads
// are thread-safe); each RowIterator belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/column_batch.h"
#include "common/status.h"
#include "indexing/healpix_index.h"
#include "storage/catalog.h"

namespace skyshard {

// The end of an IndexRange that reads through the end of a table (see Store::Scan).
inline constexpr uint64_t kRangeToEnd = UINT64_MAX;

class RowIterator {
 public:
  virtual ~RowIterator() = default;
  // Clears `batch` (Reset to the projected column types) and fills it with up to `max_rows`
  // rows. Returns the number of rows; 0 means the iterator is exhausted. Corruption or IOError
  // on a damaged store.
  virtual Result<size_t> Next(ColumnBatch* batch, size_t max_rows) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens the RocksDB store in `directory` read-only and loads its catalog. Returns NotFound
  // when there is no store, Corruption when the catalog is missing or damaged, Unsupported
  // for a store of another format version.
  static Result<std::unique_ptr<Store>> OpenReadOnly(const std::string& directory);

  virtual const Catalog& catalog() const = 0;

  // Block-cache lookups of this store's reads since it was opened: blocks found in memory and
  // blocks read from disk (RocksDB tickers BLOCK_CACHE_HIT / BLOCK_CACHE_MISS). Cheap (a sum of
  // per-core counters); zeros for a store that keeps no statistics.
  struct CacheStats {
    uint64_t hits = 0;
    uint64_t misses = 0;
  };
  virtual CacheStats block_cache_stats() const { return {}; }

  // All rows of `table` whose spatial key lies in `ranges` (sorted, merged, order 29; see
  // Region::Cover) or, when `ranges` is empty, every row of the table, in key order.
  // `projection` lists the table columns to return, in output order. For a kChild table the
  // ranges apply to the parent's position. For a kPlain table ranges must be empty. A last
  // range ending at kRangeToEnd also holds the keys past every pixel: the orphan rows of a child
  // table loaded with --allow-orphans (docs/storage.md), so that ranges splitting a full scan
  // still read every row.
  // The iterator keeps the store alive: it must not outlive it.
  virtual Result<std::unique_ptr<RowIterator>> Scan(const TableDef& table,
                                                    std::vector<int> projection,
                                                    std::vector<IndexRange> ranges) const = 0;

  // The row of `table` whose integer primary key is `pk` (zero or one row), through the
  // primary-key index for spatial and child tables and directly for plain tables.
  // Unsupported when the table has no integer primary key.
  virtual Result<std::unique_ptr<RowIterator>> LookupPrimaryKey(const TableDef& table,
                                                                std::vector<int> projection,
                                                                int64_t pk) const = 0;

  // Every row of the kChild table `child` whose parent has primary key `parent_pk`: one
  // point lookup of the parent's spatial key, then one contiguous range read. When there is no
  // such parent, the orphan rows loaded under that parent key (docs/storage.md); for
  // parent_pk 0 these include the orphans whose parent key is NULL, which callers filter out.
  virtual Result<std::unique_ptr<RowIterator>> ScanChildren(const TableDef& child,
                                                            std::vector<int> projection,
                                                            int64_t parent_pk) const = 0;
};

}  // namespace skyshard
