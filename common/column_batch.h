// ColumnBatch: a batch of rows held column by column, the unit in which rows move between
// readers, the store and (later) the query executor.
//
// Values are kept in one of three physical vectors chosen by the column's DataType:
// `ints` for all integer-like types (smallint, integer, bigint, boolean as 0/1, timestamp in
// microseconds), `doubles` for real and double, `strings` for char and varchar. `nulls[i]` is
// 1 when row i is NULL (the value slot then holds an unspecified placeholder).
//
// Thread safety: none; a batch is owned by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/types.h"

namespace skyshard {

struct ColumnVector {
  ColumnType type;
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<std::string> strings;
  std::vector<uint8_t> nulls;

  size_t size() const { return nulls.size(); }
  void Clear() {
    ints.clear();
    doubles.clear();
    strings.clear();
    nulls.clear();
  }
  void Reserve(size_t n);
  void AppendNull();
  void AppendInt(int64_t v) {
    ints.push_back(v);
    nulls.push_back(0);
  }
  void AppendDouble(double v) {
    doubles.push_back(v);
    nulls.push_back(0);
  }
  void AppendString(std::string v) {
    strings.push_back(std::move(v));
    nulls.push_back(0);
  }
  bool IsNull(size_t row) const { return nulls[row] != 0; }
};

struct ColumnBatch {
  std::vector<ColumnVector> columns;
  size_t num_rows = 0;

  // Empties every column and sets their types; keeps allocated capacity.
  void Reset(const std::vector<ColumnType>& types);
  void Clear();
};

}  // namespace skyshard
