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
#include "storage/page_codec.h"

namespace skyshard {

namespace {

using internal::FromRocks;

std::vector<ColumnType> ProjectedTypes(const TableDef& table, const std::vector<int>& projection) {
  std::vector<ColumnType> types;
  types.reserve(projection.size());
  for (int c : projection) types.push_back(table.columns[static_cast<size_t>(c)].type);
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

using PageLayoutPtr = std::shared_ptr<const PageLayout>;

// Sizes the vectors of every column of `batch` that `rows` rows use to `rows` (values to be
// written in place); with `grow_only`, a longer vector is left as it is.
void ResizeColumns(ColumnBatch* batch, size_t rows, bool grow_only) {
  auto fit = [&](auto* v) {
    if (!grow_only || v->size() < rows) v->resize(rows);
  };
  for (ColumnVector& c : batch->columns) {
    fit(&c.nulls);
    if (IsIntegerLike(c.type.type)) {
      fit(&c.ints);
    } else if (IsFloating(c.type.type)) {
      fit(&c.doubles);
    } else {
      fit(&c.strings);
    }
  }
}

// Readies `batch` for Next() of up to `max_rows` rows: a batch that already has the projected
// types keeps its columns at their size (they are cut to the rows written at the end), so that a
// caller reusing its batch does not pay for zero-filling every column again each batch (about
// 15% of a full scan); any other batch is Reset. Each column gets room for `max_rows` at once, so
// that filling it page by page never moves what it holds (a caller that moved the columns away
// would otherwise pay for every doubling).
void PrepareBatch(const std::vector<ColumnType>& types, size_t max_rows, ColumnBatch* batch) {
  bool same = batch->columns.size() == types.size();
  for (size_t j = 0; same && j < types.size(); ++j) same = batch->columns[j].type == types[j];
  if (!same) batch->Reset(types);
  batch->num_rows = 0;
  const size_t room = std::min<size_t>(max_rows, 65536);  // a huge max_rows reserves no more
  for (ColumnVector& c : batch->columns) {
    c.nulls.reserve(room);
    if (IsIntegerLike(c.type.type)) {
      c.ints.reserve(room);
    } else if (IsFloating(c.type.type)) {
      c.doubles.reserve(room);
    } else {
      c.strings.reserve(room);
    }
  }
}

// A scan reading at least this fraction of the index space (or all of it, ranges empty) is a
// long sequential scan: a full-table query, or one of the executor's Gather partitions of one.
// A cone of radius 1 degree covers about 1/13000 of the sky; half the sky is 1/2.
constexpr uint64_t kLongScanSpan = kIndexPixels / 1024;

// How a scan reads: see docs/storage.md, "Reading". A long scan goes through the store's
// second handle, which has no block cache (RocksStore::scan_db_).
rocksdb::ReadOptions ScanReadOptions(bool long_scan) {
  rocksdb::ReadOptions ro;
  if (long_scan) {
    // Explicit readahead: one 2 MiB read instead of a 16 KiB block at a time (RocksDB's own
    // auto readahead starts at 8 KiB and doubles to 256 KiB). A short range read (a light
    // curve, a small cone) would pay for megabytes it never uses, so it gets none.
    ro.readahead_size = size_t{2} << 20;
  }
  return ro;
}

// Reads the pages of one table (docs/storage.md, "Pages") and returns the rows of each that
// the read wants: those whose (parent's) spatial key lies in a list of ranges, those whose
// leading key components equal a given prefix (a light curve, a point lookup), or all.
// A page is keyed by its last row, so one Seek lands on the only page that can hold a wanted
// key; the page stays parsed across Next() calls, so a batch may end mid-page.
class PageRowIterator final : public RowIterator {
 public:
  enum class Mode { kAll, kRanges, kPrefix };

  // kAll: every row. kRanges: rows whose first key component is in `ranges`. kPrefix: rows
  // whose first prefix.size() key components equal `prefix` (ordered values); `must_find`
  // makes finding none Corruption (a primary-key index entry naming a missing row).
  PageRowIterator(rocksdb::DB* db, const TableDef& table, PageLayoutPtr layout,
                  std::vector<int> projection, Mode mode, std::vector<IndexRange> ranges,
                  std::vector<uint64_t> prefix, bool long_scan, bool must_find = false)
      : layout_(std::move(layout)),
        table_name_(table.name),
        types_(ProjectedTypes(table, projection)),
        projection_(std::move(projection)),
        mode_(mode),
        ranges_(std::move(ranges)),
        prefix_(std::move(prefix)),
        table_prefix_(keys::RowPrefix(table.id)),
        upper_(keys::PrefixSuccessor(table_prefix_)),
        must_find_(must_find) {
    // A page holding rows inside a range may end past it: the bound is the table's end, and
    // the iterator stops by itself once a page starts past what it reads.
    upper_slice_ = rocksdb::Slice(upper_);
    rocksdb::ReadOptions ro = ScanReadOptions(long_scan);
    ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(ro));
  }

  Result<size_t> Next(ColumnBatch* batch, size_t max_rows) override {
    PrepareBatch(types_, max_rows, batch);
    Result<size_t> n = Fill(batch, max_rows);
    ResizeColumns(batch, n.ok() ? *n : 0, /*grow_only=*/false);
    if (n.ok()) batch->num_rows = *n;
    return n;
  }

 private:
  Result<size_t> Fill(ColumnBatch* batch, size_t max_rows) {
    if (!started_) {
      started_ = true;
      if (mode_ == Mode::kRanges && ranges_.empty()) exhausted_ = true;
      if (!exhausted_) Seek();
    }
    size_t n = 0;
    while (n < max_rows && !exhausted_) {
      if (!page_valid_) {
        if (!it_->Valid()) {
          SKY_RETURN_IF_ERROR(IteratorStatus());
          if (must_find_ && !found_) {
            return Status::Corruption("primary-key index of " + table_name_ +
                                      " names a missing row");
          }
          exhausted_ = true;
          break;
        }
        SKY_RETURN_IF_ERROR(LoadPage());
      }
      const size_t rows = page_.rows();
      size_t end = rows;
      if (mode_ == Mode::kRanges) {
        const IndexRange& r = ranges_[range_];
        pos_ = page_.LowerBound(&r.begin, 1, pos_);
        if (r.end != kRangeToEnd) end = page_.LowerBound(&r.end, 1, pos_);
        if (pos_ == end && end < rows) {
          // The page goes on past this range: on to the next range, in this page if it
          // reaches that far, else by a Seek.
          if (++range_ == ranges_.size()) {
            exhausted_ = true;
            break;
          }
          if (page_.KeyOrder(0, rows - 1) < ranges_[range_].begin) Seek();
          continue;
        }
      } else if (mode_ == Mode::kPrefix) {
        pos_ = page_.LowerBound(prefix_.data(), prefix_.size(), pos_);
        end = page_.UpperBound(prefix_.data(), prefix_.size(), pos_);
        if (pos_ == end && end < rows) {
          if (must_find_ && !found_) {
            return Status::Corruption("primary-key index of " + table_name_ +
                                      " names a missing row");
          }
          exhausted_ = true;
          break;
        }
      }
      const size_t take = std::min(end - pos_, max_rows - n);
      if (take > 0) {
        ResizeColumns(batch, n + take, /*grow_only=*/true);
        if (take <= kFewRows) {
          // A short slice (a point lookup, a light curve) touches one cache line a column:
          // fetch them all at once rather than one miss after the other.
          for (int c : projection_) page_.Prefetch(static_cast<size_t>(c), pos_);
        }
        for (size_t j = 0; j < projection_.size(); ++j) {
          Status s = page_.DecodeColumn(static_cast<size_t>(projection_[j]), pos_, pos_ + take,
                                        &batch->columns[j], n);
          if (!s.ok()) return s.WithContext("table " + table_name_ + ", " + PageName());
        }
        n += take;
        pos_ += take;
        found_ = true;
      }
      if (mode_ == Mode::kPrefix && found_ && prefix_.size() == layout_->key_components) {
        exhausted_ = true;  // a whole key names at most one row: no need to look further
      } else if (pos_ == rows) {
        it_->Next();
        page_valid_ = false;
        pos_ = 0;
      } else if (mode_ == Mode::kPrefix && pos_ == end) {
        exhausted_ = true;  // the rest of the page is past the prefix
      }
    }
    return n;
  }

  // Slices of at most this many rows prefetch their columns (Fill).
  static constexpr size_t kFewRows = 8;

  void Seek() {
    std::string k = table_prefix_;
    if (mode_ == Mode::kRanges) {
      keys::PutU64(&k, ranges_[range_].begin);
    } else if (mode_ == Mode::kPrefix) {
      for (uint64_t v : prefix_) keys::PutU64(&k, v);
    }
    it_->Seek(k);
    page_valid_ = false;
    pos_ = 0;
  }

  Status IteratorStatus() const {
    if (it_->status().ok()) return Status::OK();
    return FromRocks(it_->status(), "reading table " + table_name_);
  }

  // Parses the page under the iterator and checks that it belongs where its key puts it.
  Status LoadPage() {
    const rocksdb::Slice key = it_->key();
    const rocksdb::Slice value = it_->value();
    page_key_.assign(key.data(), key.size());
    const size_t k = layout_->key_components;
    if (key.size() != keys::kPrefixSize + 8 * k) {
      return Status::Corruption("table " + table_name_ + ", " + PageName() + ": key of " +
                                std::to_string(key.size()) + " bytes, " +
                                std::to_string(keys::kPrefixSize + 8 * k) + " expected");
    }
    Status s =
        page_.Parse(layout_.get(), std::string_view(value.data(), value.size()), &projection_);
    if (!s.ok()) return s.WithContext("table " + table_name_ + ", " + PageName());
    const size_t last = page_.rows() - 1;
    for (size_t c = 0; c < k; ++c) {
      if (page_.KeyOrder(c, last) != keys::GetU64(key.data() + keys::kPrefixSize + 8 * c)) {
        return Status::Corruption("table " + table_name_ + ", " + PageName() +
                                  ": the page's last row has another key");
      }
    }
    page_valid_ = true;
    pos_ = 0;
    return Status::OK();
  }

  // "page at key (hpx, pk)" for error messages, from the RocksDB key of the page.
  std::string PageName() const {
    std::string out = "page at key (";
    for (size_t at = keys::kPrefixSize; at + 8 <= page_key_.size(); at += 8) {
      const size_t c = (at - keys::kPrefixSize) / 8;
      if (at > keys::kPrefixSize) out += ", ";
      const bool is_signed = c < layout_->key_signed.size() && layout_->key_signed[c];
      out += is_signed ? std::to_string(keys::GetI64(page_key_.data() + at))
                       : std::to_string(keys::GetU64(page_key_.data() + at));
    }
    return out + ")";
  }

  PageLayoutPtr layout_;
  std::string table_name_;
  std::vector<ColumnType> types_;
  std::vector<int> projection_;
  Mode mode_;
  std::vector<IndexRange> ranges_;
  size_t range_ = 0;
  std::vector<uint64_t> prefix_;
  std::string table_prefix_, upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
  PageView page_;
  std::string page_key_;
  bool page_valid_ = false;
  size_t pos_ = 0;
  bool started_ = false;
  bool exhausted_ = false;
  bool must_find_ = false;
  bool found_ = false;
};

class RocksStore final : public Store {
 public:
  RocksStore(std::unique_ptr<rocksdb::DB> db, std::unique_ptr<rocksdb::DB> scan_db, Catalog catalog,
             std::shared_ptr<rocksdb::Statistics> statistics)
      : db_(std::move(db)),
        scan_db_(std::move(scan_db)),
        catalog_(std::move(catalog)),
        statistics_(std::move(statistics)) {
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
    uint64_t span = 0;
    for (const IndexRange& r : ranges) span += r.end - r.begin;
    const bool long_scan = ranges.empty() || span >= kLongScanSpan;
    const auto mode = ranges.empty() ? PageRowIterator::Mode::kAll : PageRowIterator::Mode::kRanges;
    return std::unique_ptr<RowIterator>(
        new PageRowIterator(long_scan ? scan_db_.get() : db_.get(), table, LayoutOf(table),
                            std::move(projection), mode, std::move(ranges), {}, long_scan));
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
    // The row's whole key, as ordered key components: one Seek finds its page.
    std::vector<uint64_t> key;
    if (table.kind != TableKind::kPlain) {
      std::string suffix;
      auto s = db_->Get(rocksdb::ReadOptions(), keys::IndexKey(table.id, pk), &suffix);
      if (s.IsNotFound()) {
        return std::unique_ptr<RowIterator>(new PageRowIterator(
            db_.get(), table, LayoutOf(table), std::move(projection),
            PageRowIterator::Mode::kRanges, {}, {}, false));  // no ranges: no row
      }
      SKY_RETURN_IF_ERROR(FromRocks(s, "primary-key index of " + table.name));
      const size_t want = table.kind == TableKind::kSpatial ? 8 : 16;
      if (suffix.size() != want) {
        return Status::Corruption("primary-key index of " + table.name + ": entry for " +
                                  std::to_string(pk) + " has " + std::to_string(suffix.size()) +
                                  " bytes, " + std::to_string(want) + " expected");
      }
      for (size_t at = 0; at < suffix.size(); at += 8) key.push_back(keys::GetU64(&suffix[at]));
    }
    key.push_back(static_cast<uint64_t>(pk) ^ (uint64_t{1} << 63));
    return std::unique_ptr<RowIterator>(new PageRowIterator(
        db_.get(), table, LayoutOf(table), std::move(projection), PageRowIterator::Mode::kPrefix,
        {}, std::move(key), false, /*must_find=*/table.kind != TableKind::kPlain));
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
    std::vector<uint64_t> prefix;
    if (s.IsNotFound()) {
      // No such parent: the orphans loaded under this parent key with --allow-orphans, if any
      // (for parent_pk 0 also those whose parent key is NULL: the caller's filter drops them).
      prefix.push_back(keys::kOrphanHpx);
    } else {
      SKY_RETURN_IF_ERROR(FromRocks(s, "primary-key index of " + parent->name));
      if (hpx.size() != 8) {
        return Status::Corruption("primary-key index of " + parent->name + ": entry for " +
                                  std::to_string(parent_pk) + " has " + std::to_string(hpx.size()) +
                                  " bytes, 8 expected");
      }
      prefix.push_back(keys::GetU64(hpx.data()));
    }
    prefix.push_back(static_cast<uint64_t>(parent_pk) ^ (uint64_t{1} << 63));
    return std::unique_ptr<RowIterator>(
        new PageRowIterator(db_.get(), child, LayoutOf(child), std::move(projection),
                            PageRowIterator::Mode::kPrefix, {}, std::move(prefix), false));
  }

 private:
  static PageLayoutPtr MakeLayout(const TableDef& table) {
    return std::make_shared<const PageLayout>(PageLayout::ForTable(table));
  }

  // The decoding layout of `table`, built once at open for the catalog's tables (a short
  // read would otherwise spend as long building it as reading); a caller's TableDef that
  // differs from the catalog's gets one of its own.
  PageLayoutPtr LayoutOf(const TableDef& table) const {
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
  // The same store opened a second time, without a block cache, for long scans: a block they
  // read is used once (the scan has moved on before it could be read again), so looking it up
  // in the cache first and accounting for it cost them 20% for nothing, and filling the cache
  // with it would evict the hot blocks of cones and light curves.
  std::unique_ptr<rocksdb::DB> scan_db_;
  Catalog catalog_;
  std::vector<PageLayoutPtr> layouts_;  // per catalog table; immutable after construction
  std::shared_ptr<rocksdb::Statistics> statistics_;  // tickers only (block_cache_stats)
};

}  // namespace

Result<std::unique_ptr<Store>> Store::OpenReadOnly(const std::string& directory) {
  if (!std::filesystem::exists(directory + "/CURRENT")) {
    return Status::NotFound("no store in " + directory);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Options options = internal::StoreOptions(/*block_cache=*/true);
  // Blocks are read from a mapping of the (immutable) SST files: an uncompressed block, which
  // is most of a wide table's (Object's doubles do not compress), is parsed where it lies in
  // the page cache instead of being copied out by pread first (docs/storage.md, "Reading").
  options.allow_mmap_reads = true;
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
                               std::to_string(keys::kFormatVersion) +
                               " only; reload the release from its files (skyshard load --data "
                               "DIR MANIFEST.yaml --replace)");
  }
  std::string json;
  s = db->Get(rocksdb::ReadOptions(),
              rocksdb::Slice(keys::kCatalogKey.data(), keys::kCatalogKey.size()), &json);
  if (s.IsNotFound()) return Status::Corruption(directory + ": store has no catalog");
  SKY_RETURN_IF_ERROR(FromRocks(s, "reading " + directory));
  SKY_ASSIGN_OR_RETURN(Catalog catalog, Catalog::FromJson(json));
  rocksdb::Options scan_options = internal::StoreOptions(/*block_cache=*/false);
  scan_options.allow_mmap_reads = true;
  // RocksDB advises the kernel that a table file is read at random, which turns off readahead:
  // a scan of pages not in memory then faults them in 4 KiB at a time (a cold COUNT over 10 M
  // Objects took 41 s instead of 3.6 s). Scans read in order, so their mapping keeps the
  // kernel's readahead; the other handle's point reads keep the advice.
  scan_options.advise_random_on_open = false;
  scan_options.statistics = options.statistics;
  scan_options.stats_dump_period_sec = 0;
  s = rocksdb::DB::OpenForReadOnly(scan_options, directory, &raw);
  SKY_RETURN_IF_ERROR(FromRocks(s, "opening store " + directory + " for scans"));
  std::unique_ptr<rocksdb::DB> scan_db(raw);
  return std::unique_ptr<Store>(
      new RocksStore(std::move(db), std::move(scan_db), std::move(catalog), options.statistics));
}

}  // namespace skyshard
