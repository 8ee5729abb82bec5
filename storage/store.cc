#include "storage/store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

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

// Iterates the row keys of one table, restricted to a list of spatial index ranges; the key
// bytes right after the table prefix are the (parent's) order-29 index.
class RangeRowIterator final : public RowIterator {
 public:
  // `readahead`: bytes to read ahead of the iterator, for long sequential scans only (a
  // short range read such as one light curve would pay for megabytes it never uses).
  RangeRowIterator(rocksdb::DB* db, const TableDef& table, std::vector<int> projection,
                   std::vector<IndexRange> ranges, std::string lower, std::string upper,
                   size_t readahead)
      : decoder_(AllTypes(table), keys::KeyColumnOffsets(table)),
        projection_(std::move(projection)),
        types_(ProjectedTypes(table, projection_)),
        ranges_(std::move(ranges)),
        lower_(std::move(lower)),
        upper_(std::move(upper)),
        upper_slice_(upper_) {
    rocksdb::ReadOptions ro;
    ro.iterate_upper_bound = &upper_slice_;
    ro.readahead_size = readahead;
    it_.reset(db->NewIterator(ro));
    prefix_ = lower_.substr(0, keys::kPrefixSize);
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
    size_t n = 0;
    while (n < max_rows && !exhausted_ && it_->Valid()) {
      rocksdb::Slice key = it_->key();
      if (!ranges_.empty()) {
        uint64_t hpx = keys::GetU64(key.data() + keys::kPrefixSize);
        if (hpx >= ranges_[range_].end) {
          ++range_;
          if (range_ == ranges_.size()) {
            exhausted_ = true;  // the iterator may still be valid: past the last range
            break;
          }
          if (hpx < ranges_[range_].begin) SeekRange();
          continue;
        }
      }
      rocksdb::Slice v = it_->value();
      SKY_RETURN_IF_ERROR(decoder_.DecodeInto(std::string_view(v.data(), v.size()),
                                              std::string_view(key.data(), key.size()), projection_,
                                              batch));
      ++n;
      it_->Next();
    }
    if (!it_->status().ok()) return FromRocks(it_->status(), "reading table rows");
    batch->num_rows = n;
    return n;
  }

 private:
  void SeekRange() {
    std::string k = prefix_;
    keys::PutU64(&k, ranges_[range_].begin);
    it_->Seek(k);
  }

  RowDecoder decoder_;
  std::vector<int> projection_;
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
  SingleRowIterator(const TableDef& table, std::vector<int> projection, std::string key,
                    std::string value, bool found)
      : decoder_(AllTypes(table), keys::KeyColumnOffsets(table)),
        projection_(std::move(projection)),
        types_(ProjectedTypes(table, projection_)),
        key_(std::move(key)),
        value_(std::move(value)),
        pending_(found) {}

  Result<size_t> Next(ColumnBatch* batch, size_t /*max_rows*/) override {
    batch->Reset(types_);
    if (!pending_) return size_t{0};
    pending_ = false;
    SKY_RETURN_IF_ERROR(decoder_.DecodeInto(value_, key_, projection_, batch));
    batch->num_rows = 1;
    return size_t{1};
  }

 private:
  RowDecoder decoder_;
  std::vector<int> projection_;
  std::vector<ColumnType> types_;
  std::string key_;
  std::string value_;
  bool pending_;
};

class RocksStore final : public Store {
 public:
  RocksStore(std::unique_ptr<rocksdb::DB> db, Catalog catalog)
      : db_(std::move(db)), catalog_(std::move(catalog)) {}

  const Catalog& catalog() const override { return catalog_; }

  Result<std::unique_ptr<RowIterator>> Scan(const TableDef& table, std::vector<int> projection,
                                            std::vector<IndexRange> ranges) const override {
    SKY_RETURN_IF_ERROR(CheckProjection(table, projection));
    if (table.kind == TableKind::kPlain && !ranges.empty()) {
      return Status::InvalidArgument("table " + table.name + " has no position to search by");
    }
    std::string lower = keys::RowPrefix(table.id);
    std::string upper = keys::PrefixSuccessor(lower);
    const size_t readahead = ranges.empty() ? size_t{2} << 20 : 0;  // a whole-table scan
    return std::unique_ptr<RowIterator>(new RangeRowIterator(
        db_.get(), table, std::move(projection), std::move(ranges), lower, upper, readahead));
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
            new SingleRowIterator(table, projection, "", "", false));
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
      return std::unique_ptr<RowIterator>(new SingleRowIterator(table, projection, "", "", false));
    }
    SKY_RETURN_IF_ERROR(FromRocks(s, "row of " + table.name));
    return std::unique_ptr<RowIterator>(new SingleRowIterator(
        table, std::move(projection), std::move(key), std::move(value), true));
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
      // No such parent: an empty range.
      return std::unique_ptr<RowIterator>(
          new RangeRowIterator(db_.get(), child, std::move(projection), {}, lower, lower, 0));
    }
    SKY_RETURN_IF_ERROR(FromRocks(s, "primary-key index of " + parent->name));
    lower += hpx;
    keys::PutI64(&lower, parent_pk);
    std::string upper = keys::PrefixSuccessor(lower);
    return std::unique_ptr<RowIterator>(
        new RangeRowIterator(db_.get(), child, std::move(projection), {}, lower, upper, 0));
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  Catalog catalog_;
};

}  // namespace

Result<std::unique_ptr<Store>> Store::OpenReadOnly(const std::string& directory) {
  if (!std::filesystem::exists(directory + "/CURRENT")) {
    return Status::NotFound("no store in " + directory);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Options options = internal::StoreOptions();
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
  return std::unique_ptr<Store>(new RocksStore(std::move(db), std::move(catalog)));
}

}  // namespace skyshard
