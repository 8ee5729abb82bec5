// Rows held in memory by the operators that need them (hash joins, aggregation, DISTINCT, set
// operations, sorts): RowStore keeps rows column by column and accounts their bytes against the
// query's memory budget; HashIndex is an open-addressing index from a row hash to a row number,
// the equality test being the caller's; RowSet combines both into a set of distinct rows (NULLs
// equal, as GROUP BY and DISTINCT want).
//
// Thread safety: none; each belongs to one operator.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "adql/exec/internal/column_util.h"
#include "adql/exec/internal/exec_context.h"
#include "common/column_batch.h"
#include "common/status.h"

namespace skyshard::adql::exec {

class RowStore {
 public:
  RowStore(const std::vector<ColumnType>& types, MemoryTracker* memory) : memory_(memory) {
    rows_.Reset(types);
  }

  // Appends rows[0..n) of `batch` (all of it when rows is null). LimitExceeded when the
  // query's memory budget is spent (the rows are kept; the query is failing anyway).
  Status Append(const ColumnBatch& batch, const uint32_t* rows, size_t n) {
    const size_t begin = rows_.num_rows;
    for (size_t c = 0; c < rows_.columns.size(); ++c) {
      if (rows == nullptr) {
        AppendRange(batch.columns[c], 0, n, &rows_.columns[c]);
      } else {
        AppendRows(batch.columns[c], rows, n, &rows_.columns[c]);
      }
    }
    rows_.num_rows += n;
    return Account(begin);
  }
  // Appends row `row` of columns[0..) (one per stored column).
  Status AppendOne(const ColumnVector* const* columns, size_t row) {
    const size_t begin = rows_.num_rows;
    for (size_t c = 0; c < rows_.columns.size(); ++c) {
      AppendValue(*columns[c], row, &rows_.columns[c]);
    }
    rows_.num_rows += 1;
    pending_ += 1;
    if (pending_ >= 1024) {
      pending_ = 0;
      return Account(begin + 1 - 1024);
    }
    return Status::OK();
  }
  // Accounts rows appended by AppendOne since the last call.
  Status Flush() {
    if (pending_ == 0) return Status::OK();
    const size_t begin = rows_.num_rows - pending_;
    pending_ = 0;
    return Account(begin);
  }
  // Accounts extra bytes held beside the rows (indexes, states).
  Status AccountExtra(size_t bytes) {
    extra_bytes_ += bytes;
    return memory_.SetTotal(row_bytes_ + extra_bytes_);
  }

  size_t size() const { return rows_.num_rows; }
  ColumnBatch& rows() { return rows_; }
  const ColumnBatch& rows() const { return rows_; }

 private:
  Status Account(size_t begin) {
    row_bytes_ += BatchBytes(rows_, begin, rows_.num_rows);
    return memory_.SetTotal(row_bytes_ + extra_bytes_);
  }

  ColumnBatch rows_;
  MemoryReservation memory_;
  size_t row_bytes_ = 0;
  size_t extra_bytes_ = 0;
  size_t pending_ = 0;
};

class HashIndex {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  // The entry with hash `h` for which eq(row) holds, or kNone.
  template <typename Eq>
  uint32_t Find(uint64_t h, Eq&& eq) const {
    if (slots_.empty()) return kNone;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.row == kNone) return kNone;
      if (s.hash == h && eq(s.row)) return s.row;
    }
  }
  // Adds `row` under hash `h`. REQUIRES: no equal entry (Find returned kNone).
  void Insert(uint64_t h, uint32_t row) {
    if ((count_ + 1) * 2 > slots_.size()) Grow();
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].row == kNone) {
        slots_[i] = Slot{h, row};
        ++count_;
        return;
      }
    }
  }
  size_t size() const { return count_; }
  size_t bytes() const { return slots_.size() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t hash;
    uint32_t row;
  };
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    const size_t n = old.empty() ? 1024 : old.size() * 2;
    slots_.assign(n, Slot{0, kNone});
    mask_ = n - 1;
    count_ = 0;
    for (const Slot& s : old) {
      if (s.row != kNone) Insert(s.hash, s.row);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
};

// True when row i of `a` and row j of `b` agree in every column (NULLs equal).
inline bool RowsEqual(const ColumnBatch& a, size_t i, const ColumnBatch& b, size_t j) {
  for (size_t c = 0; c < a.columns.size(); ++c) {
    if (!ValuesEqual(a.columns[c], i, b.columns[c], j)) return false;
  }
  return true;
}

// Hashes of rows [0, n) over columns[0..count).
inline void HashRows(const ColumnVector* const* columns, size_t count, size_t n,
                     std::vector<uint64_t>* hashes) {
  if (count == 0) {
    hashes->assign(n, 0);
    return;
  }
  for (size_t c = 0; c < count; ++c) HashColumn(*columns[c], n, c == 0, hashes);
}

// Hashes of every row of `batch` over all its columns.
inline void HashRows(const ColumnBatch& batch, std::vector<uint64_t>* hashes) {
  std::vector<const ColumnVector*> columns;
  for (const ColumnVector& c : batch.columns) columns.push_back(&c);
  HashRows(columns.data(), columns.size(), batch.num_rows, hashes);
}

// A set of distinct rows (every column is the key; NULLs equal).
class RowSet {
 public:
  RowSet(const std::vector<ColumnType>& types, MemoryTracker* memory) : store_(types, memory) {}

  // For each row of `batch`: its id in the set, inserting it when new and `insert` (ids[i] is
  // HashIndex::kNone for a row not found and not inserted); inserted[i] says whether it was new.
  Status Lookup(const ColumnBatch& batch, bool insert, std::vector<uint32_t>* ids,
                std::vector<uint8_t>* inserted) {
    columns_.clear();
    for (const ColumnVector& c : batch.columns) columns_.push_back(&c);
    return Lookup(columns_, batch.num_rows, insert, ids, inserted);
  }
  // The same for the rows [0, n) of columns (one per stored column; each may belong to another
  // batch, so that an operator can look up input columns in place).
  Status Lookup(const std::vector<const ColumnVector*>& columns, size_t n, bool insert,
                std::vector<uint32_t>* ids, std::vector<uint8_t>* inserted) {
    HashRows(columns.data(), columns.size(), n, &hashes_);
    ids->resize(n);
    inserted->assign(n, 0);
    const ColumnBatch& stored = store_.rows();
    const size_t index_before = index_.bytes();
    Status status;
    if (columns.size() == 1 && PhysOf(columns[0]->type.type) == Phys::kString) {
      // One text key (GROUP BY band, DISTINCT name): compared inline.
      const ColumnVector& key = *columns[0];
      const ColumnVector& have = stored.columns[0];
      status = LookupRows(columns, n, insert, ids, inserted, [&](size_t i, uint32_t r) {
        if (key.nulls[i] != 0 || have.nulls[r] != 0) return key.nulls[i] == have.nulls[r];
        return std::string_view(key.strings[i]) == std::string_view(have.strings[r]);
      });
    } else {
      status = LookupRows(columns, n, insert, ids, inserted, [&](size_t i, uint32_t r) {
        for (size_t c = 0; c < columns.size(); ++c) {
          if (!ValuesEqual(*columns[c], i, stored.columns[c], r)) return false;
        }
        return true;
      });
    }
    SKY_RETURN_IF_ERROR(status);
    SKY_RETURN_IF_ERROR(store_.Flush());
    if (index_.bytes() != index_before) {
      SKY_RETURN_IF_ERROR(store_.AccountExtra(index_.bytes() - index_before));
    }
    return Status::OK();
  }

  size_t size() const { return store_.size(); }
  ColumnBatch& rows() { return store_.rows(); }
  RowStore& store() { return store_; }

 private:
  // Lookup's loop, with eq(i, r): whether input row i equals stored row r (hashes_ filled).
  template <typename Eq>
  Status LookupRows(const std::vector<const ColumnVector*>& columns, size_t n, bool insert,
                    std::vector<uint32_t>* ids, std::vector<uint8_t>* inserted, Eq&& eq) {
    for (size_t i = 0; i < n; ++i) {
      uint32_t id = index_.Find(hashes_[i], [&](uint32_t r) { return eq(i, r); });
      if (id == HashIndex::kNone && insert) {
        id = static_cast<uint32_t>(store_.size());
        SKY_RETURN_IF_ERROR(store_.AppendOne(columns.data(), i));
        index_.Insert(hashes_[i], id);
        (*inserted)[i] = 1;
      }
      (*ids)[i] = id;
    }
    return Status::OK();
  }

  RowStore store_;
  HashIndex index_;
  std::vector<uint64_t> hashes_;
  std::vector<const ColumnVector*> columns_;
};

}  // namespace skyshard::adql::exec
