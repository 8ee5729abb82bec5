#include "storage/store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <filesystem>

#include "storage/internal/keys.h"
#include "storage/internal/rocksdb_options.h"
#include "storage/internal/rocksdb_status.h"
#include "storage/row_codec.h"

namespace skyshard {

namespace {

using internal::FromRocks;

std::vector<ColumnType> ProjectedTypes(const TableDef& table, const std::vector<int>& projection) {
  std::vector<ColumnType> types;
  types.reserve(projection.size());
  for (int c : projection) types.push_back(table.columns[static_cast<size_t>(c)].type);
  return types;
}

std::vector<ColumnType> AllTypes(const TableDef& table) {
  std::vector<ColumnType> types;
  for (const auto& c : table.columns) types.push_back(c.type);
  return types;
}

Status CheckProjection(const TableDef& table, const std::vector<int>& projection) {
  for (int c : projection) {
    if (c < 0 || static_cast<size_t>(c) >= table.columns.size()) {
      return Status::InvalidArgument("column " + std::to_string(c) + " out of range for table " +
                                     table.name);
    }
  }
  return Status::OK();
}

using DecoderLayout = std::shared_ptr<const ProjectedRowDecoder::Layout>;

// A scan reading at least this fraction of the index space (or all of it, ranges empty) is a
// long sequential scan: a full-table query, or one of the executor's Gather partitions of one.
// A cone of radius 1 degree covers about 1/13000 of the sky; half the sky is 1/2.
constexpr uint64_t kLongScanSpan = kIndexPixels / 1024;

// How a scan reads: see docs/storage.md, "Reading".
rocksdb::ReadOptions ScanReadOptions(const TableDef& table, bool long_scan) {
  rocksdb::ReadOptions ro;
  if (long_scan) {
    // Explicit readahead: one 2 MiB read instead of a 16 KiB block at a time (RocksDB's own
    // auto readahead starts at 8 KiB and doubles to 256 KiB). A short range read (a light
    // curve, a small cone) would pay for megabytes it never uses, so it gets none.
    ro.readahead_size = size_t{2} << 20;
    // A table that fits in half the block cache stays there (the next scan of it costs no read
    // or decompression: about 20% faster). A larger one would only evict the hot blocks of
    // cones and light curves for blocks that this scan never reads again, since the scan
    // itself evicts them before the next one comes.
    ro.fill_cache = table.bytes <= internal::SharedBlockCache()->GetCapacity() / 2;
  }
  return ro;
}

// Iterates the row keys of one table, restricted to a list of spatial index ranges; the key
// bytes right after the table prefix are the (parent's) order-29 index.
class RangeRowIterator final : public RowIterator {
 public:
  // Reads the keys in [lower, upper) that fall in `ranges` (all of them when empty).
  RangeRowIterator(rocksdb::DB* db, const TableDef& table, DecoderLayout layout,
                   const std::vector<int>& projection, std::vector<IndexRange> ranges,
                   std::string lower, std::string upper, bool long_scan)
      : decoder_(std::move(layout), projection),
        types_(ProjectedTypes(table, projection)),
        ranges_(std::move(ranges)),
        lower_(std::move(lower)),
        upper_(std::move(upper)),
        prefix_(lower_.substr(0, keys::kPrefixSize)) {
    if (!ranges_.empty() && ranges_.back().end != kRangeToEnd) {
      // Stop the iterator itself at the end of the last range rather than at the end of the
      // table: RocksDB then never reads a block past it.
      std::string bound = prefix_;
      keys::PutU64(&bound, ranges_.back().end);
      if (bound < upper_) upper_ = std::move(bound);
    }
    upper_slice_ = rocksdb::Slice(upper_);
    rocksdb::ReadOptions ro = ScanReadOptions(table, long_scan);
    ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(ro));
  }

  Result<size_t> Next(ColumnBatch* batch, size_t max_rows) override {
    batch->Reset(types_);
    if (!started_) {
      started_ = true;
      if (ranges_.empty()) {
        it_->Seek(lower_);
      } else {
        SeekRange();
      }
    }
    // Rows are decoded in place into columns sized ahead (and kept at capacity from batch to
    // batch by the caller's reuse): no per-value push_back.
    size_t sized = std::min(max_rows, kSizeStep);
    ProjectedRowDecoder::Resize(batch, sized);
    size_t n = 0;
    while (n < max_rows && !exhausted_ && it_->Valid()) {
      const rocksdb::Slice key = it_->key();
      if (!ranges_.empty()) {
        const uint64_t hpx = keys::GetU64(key.data() + keys::kPrefixSize);
        if (hpx >= ranges_[range_].end && ranges_[range_].end != kRangeToEnd) {
          ++range_;
          if (range_ == ranges_.size()) {
            exhausted_ = true;  // the iterator may still be valid: past the last range
            break;
          }
          if (hpx < ranges_[range_].begin) SeekRange();
          continue;
        }
      }
      if (n == sized) {
        sized = std::min(max_rows, sized * 2);
        ProjectedRowDecoder::Resize(batch, sized);
      }
      const rocksdb::Slice v = it_->value();
      SKY_RETURN_IF_ERROR(decoder_.DecodeRow(std::string_view(v.data(), v.size()),
                                             std::string_view(key.data(), key.size()), n, batch));
      ++n;
      it_->Next();
    }
    ProjectedRowDecoder::Resize(batch, n);
    if (!it_->status().ok()) return FromRocks(it_->status(), "reading table rows");
    batch->num_rows = n;
    return n;
  }

 private:
  // Batches are sized from this many rows up, doubling, so that a short range read (a cone,
  // a light curve) does not pay for the large batch it asks for.
  static constexpr size_t kSizeStep = 256;

  void SeekRange() {
    std::string k = prefix_;
    keys::PutU64(&k, ranges_[range_].begin);
    it_->Seek(k);
  }

  ProjectedRowDecoder decoder_;
  std::vector<ColumnType> types_;
  std::vector<IndexRange> ranges_;
  size_t range_ = 0;
  std::string lower_, upper_, prefix_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
  bool started_ = false;
  bool exhausted_ = false;
};

// Zero or one row fetched by a point Get.
class SingleRowIterator final : public RowIterator {
 public:
  SingleRowIterator(const TableDef& table, DecoderLayout layout, const std::vector<int>& projection,
                    std::string key, std::string value, bool found)
      : decoder_(std::move(layout), projection),
        types_(ProjectedTypes(table, projection)),
        key_(std::move(key)),
        value_(std::move(value)),
        pending_(found) {}

  Result<size_t> Next(ColumnBatch* batch, size_t /*max_rows*/) override {
    batch->Reset(types_);
    if (!pending_) return size_t{0};
    pending_ = false;
    ProjectedRowDecoder::Resize(batch, 1);
    SKY_RETURN_IF_ERROR(decoder_.DecodeRow(value_, key_, 0, batch));
    batch->num_rows = 1;
    return size_t{1};
  }

 private:
  ProjectedRowDecoder decoder_;
  std::vector<ColumnType> types_;
  std::string key_;
  std::string value_;
  bool pending_;
};

class RocksStore final : public Store {
 public:
  RocksStore(std::unique_ptr<rocksdb::DB> db, Catalog catalog,
             std::shared_ptr<rocksdb::Statistics> statistics)
      : db_(std::move(db)), catalog_(std::move(catalog)), statistics_(std::move(statistics)) {
    for (const TableDef& t : catalog_.tables) layouts_.push_back(MakeLayout(t));
  }

  const Catalog& catalog() const override { return catalog_; }

  CacheStats block_cache_stats() const override {
    if (statistics_ == nullptr) return {};
    return {statistics_->getTickerCount(rocksdb::BLOCK_CACHE_HIT),
            statistics_->getTickerCount(rocksdb::BLOCK_CACHE_MISS)};
  }

  Result<std::unique_ptr<RowIterator>> Scan(const TableDef& table, std::vector<int> projection,
                                            std::vector<IndexRange> ranges) const override {
    SKY_RETURN_IF_ERROR(CheckProjection(table, projection));
    if (table.kind == TableKind::kPlain && !ranges.empty()) {
      return Status::InvalidArgument("table " + table.name + " has no position to search by");
    }
    std::string lower = keys::RowPrefix(table.id);
    std::string upper = keys::PrefixSuccessor(lower);
    uint64_t span = 0;
    for (const IndexRange& r : ranges) span += r.end - r.begin;
    const bool long_scan = ranges.empty() || span >= kLongScanSpan;
    return std::unique_ptr<RowIterator>(new RangeRowIterator(
        db_.get(), table, LayoutOf(table), projection, std::move(ranges), lower, upper, long_scan));
  }

  Result<std::unique_ptr<RowIterator>> LookupPrimaryKey(const TableDef& table,
                                                        std::vector<int> projection,
                                                        int64_t pk) const override {
    SKY_RETURN_IF_ERROR(CheckProjection(table, projection));
    if (table.primary_key.empty() ||
        !IsIntegerLike(
            table.columns[static_cast<size_t>(table.ColumnIndex(table.primary_key))].type.type)) {
      return Status::Unsupported("table " + table.name + " has no integer primary key");
    }
    if (table.kind == TableKind::kChild && !table.key_index) {
      return Status::Unsupported("table " + table.name +
                                 " has no primary-key index (load with "
                                 "--child-index to build one); select its rows by " +
                                 table.parent_key + " instead");
    }
    std::string key = keys::RowPrefix(table.id);
    if (table.kind != TableKind::kPlain) {
      std::string suffix;
      auto s = db_->Get(rocksdb::ReadOptions(), keys::IndexKey(table.id, pk), &suffix);
      if (s.IsNotFound()) {
        return std::unique_ptr<RowIterator>(
            new SingleRowIterator(table, LayoutOf(table), projection, "", "", false));
      }
      SKY_RETURN_IF_ERROR(FromRocks(s, "primary-key index of " + table.name));
      key += suffix;
    }
    keys::PutI64(&key, pk);
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) {
      if (table.kind != TableKind::kPlain) {
        return Status::Corruption("primary-key index of " + table.name + " names a missing row");
      }
      return std::unique_ptr<RowIterator>(
          new SingleRowIterator(table, LayoutOf(table), projection, "", "", false));
    }
    SKY_RETURN_IF_ERROR(FromRocks(s, "row of " + table.name));
    return std::unique_ptr<RowIterator>(new SingleRowIterator(
        table, LayoutOf(table), projection, std::move(key), std::move(value), true));
  }

  Result<std::unique_ptr<RowIterator>> ScanChildren(const TableDef& child,
                                                    std::vector<int> projection,
                                                    int64_t parent_pk) const override {
    SKY_RETURN_IF_ERROR(CheckProjection(child, projection));
    if (child.kind != TableKind::kChild) {
      return Status::InvalidArgument("table " + child.name + " is not stored beside a parent");
    }
    const TableDef* parent = catalog_.FindTable(child.parent_table);
    if (parent == nullptr) return Status::Corruption("parent table " + child.parent_table);
    std::string hpx;
    auto s = db_->Get(rocksdb::ReadOptions(), keys::IndexKey(parent->id, parent_pk), &hpx);
    std::string lower = keys::RowPrefix(child.id);
    if (s.IsNotFound()) {
      // No such parent: the orphans loaded under this parent key with --allow-orphans, if any
      // (for parent_pk 0 also those whose parent key is NULL: the caller's filter drops them).
      keys::PutU64(&lower, keys::kOrphanHpx);
    } else {
      SKY_RETURN_IF_ERROR(FromRocks(s, "primary-key index of " + parent->name));
      lower += hpx;
    }
    keys::PutI64(&lower, parent_pk);
    std::string upper = keys::PrefixSuccessor(lower);
    return std::unique_ptr<RowIterator>(new RangeRowIterator(db_.get(), child, LayoutOf(child),
                                                             projection, {}, lower, upper, false));
  }

 private:
  static DecoderLayout MakeLayout(const TableDef& table) {
    return ProjectedRowDecoder::MakeLayout(AllTypes(table), keys::KeyColumnOffsets(table));
  }

  // The decoding layout of `table`, built once at open for the catalog's tables (a short
  // read would otherwise spend as long building it as reading); a caller's TableDef that
  // differs from the catalog's gets one of its own.
  DecoderLayout LayoutOf(const TableDef& table) const {
    for (size_t i = 0; i < catalog_.tables.size(); ++i) {
      const TableDef& t = catalog_.tables[i];
      if (t.id != table.id) continue;
      const bool same =
          t.kind == table.kind && t.primary_key == table.primary_key &&
          t.parent_key == table.parent_key && t.columns.size() == table.columns.size() &&
          std::equal(t.columns.begin(), t.columns.end(), table.columns.begin(),
                     [](const ColumnDef& a, const ColumnDef& b) { return a.type == b.type; });
      if (same) return layouts_[i];
      break;
    }
    return MakeLayout(table);
  }

  std::unique_ptr<rocksdb::DB> db_;
  Catalog catalog_;
  std::vector<DecoderLayout> layouts_;  // per catalog table; immutable after construction
  std::shared_ptr<rocksdb::Statistics> statistics_;  // tickers only (block_cache_stats)
};

}  // namespace

Result<std::unique_ptr<Store>> Store::OpenReadOnly(const std::string& directory) {
  if (!std::filesystem::exists(directory + "/CURRENT")) {
    return Status::NotFound("no store in " + directory);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Options options = internal::StoreOptions();
  // Tickers only (no histograms, no timers): per-core counters, no measurable cost on reads.
  options.statistics = rocksdb::CreateDBStatistics();
  options.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  options.stats_dump_period_sec = 0;
  auto s = rocksdb::DB::OpenForReadOnly(options, directory, &raw);
  SKY_RETURN_IF_ERROR(FromRocks(s, "opening store " + directory));
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string format;
  s = db->Get(rocksdb::ReadOptions(),
              rocksdb::Slice(keys::kFormatKey.data(), keys::kFormatKey.size()), &format);
  if (s.IsNotFound()) return Status::Corruption(directory + ": store has no format marker");
  SKY_RETURN_IF_ERROR(FromRocks(s, "reading " + directory));
  if (format != std::to_string(keys::kFormatVersion)) {
    return Status::Unsupported(directory + ": store format " + format + ", this build reads " +
                               std::to_string(keys::kFormatVersion));
  }
  std::string json;
  s = db->Get(rocksdb::ReadOptions(),
              rocksdb::Slice(keys::kCatalogKey.data(), keys::kCatalogKey.size()), &json);
  if (s.IsNotFound()) return Status::Corruption(directory + ": store has no catalog");
  SKY_RETURN_IF_ERROR(FromRocks(s, "reading " + directory));
  SKY_ASSIGN_OR_RETURN(Catalog catalog, Catalog::FromJson(json));
  return std::unique_ptr<Store>(
      new RocksStore(std::move(db), std::move(catalog), options.statistics));
}

}  // namespace skyshard
