// Batch: a chunk of rows of one generated table, held column-wise and filled row by row in the
// order of the table's ColumnSpecs; the table writers (table_writer.h) write it out. Internal
// to clients/.
//
// NULL is a sentinel in the value itself (NaN, or the integer minimum, which never occurs as
// data), which is also what FITS wants: TNULLn for integers, NaN for floats.
//
// Thread safety: a Batch is a plain value; one thread at a time may fill it, and any number
// may read a Batch that no one is filling.
#pragma once

#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include "clients/internal/dp02_tables.h"

namespace skyshard::gen_internal {

inline constexpr int64_t kNullInt = std::numeric_limits<int32_t>::min();
inline constexpr int64_t kNullLong = std::numeric_limits<int64_t>::min();

struct ColumnData {
  std::vector<int64_t> ints;  // boolean, int, long, timestamp (microseconds since 1970)
  std::vector<double> reals;  // float, double
  std::vector<char> chars;    // char(n): n bytes a row, NUL-padded
};

// Rows of one table. `spec` is not owned and must outlive the Batch. The appenders each fill
// the next column of the current row. REQUIRES (asserted in debug builds): each value matches
// the kind of the column it fills, and EndRow follows the last column.
class Batch {
 public:
  explicit Batch(const TableSpec* spec) : spec_(spec), columns_(spec->columns.size()) {}

  const TableSpec& spec() const { return *spec_; }
  size_t rows() const { return rows_; }
  const ColumnData& column(size_t i) const { return columns_[i]; }

  void Clear() {
    for (ColumnData& c : columns_) {
      c.ints.clear();
      c.reals.clear();
      c.chars.clear();
    }
    rows_ = 0;
  }

  Batch& Bool(bool v) { return Int(Kind::kBoolean, v ? 1 : 0); }
  Batch& Int32(int64_t v) { return Int(Kind::kInt, v); }
  Batch& Long(int64_t v) { return Int(Kind::kLong, v); }
  Batch& Timestamp(int64_t micros) { return Int(Kind::kTimestamp, micros); }
  Batch& Float(double v) { return Real(Kind::kFloat, v); }
  Batch& Double(double v) { return Real(Kind::kDouble, v); }
  Batch& Char(std::string_view v) {
    const ColumnSpec& spec = spec_->columns[next_];
    assert(spec.kind == Kind::kChar && v.size() <= static_cast<size_t>(spec.length));
    std::vector<char>& out = columns_[next_++].chars;
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(spec.length), '\0');
    std::memcpy(out.data() + at, v.data(), v.size());
    return *this;
  }
  // NULL for an int, long, float or double column. A NaN or infinite real is also stored as
  // NULL, so no non-finite value ever reaches a file.
  Batch& Null() {
    switch (spec_->columns[next_].kind) {
      case Kind::kInt:
        columns_[next_++].ints.push_back(kNullInt);
        break;
      case Kind::kLong:
        columns_[next_++].ints.push_back(kNullLong);
        break;
      case Kind::kFloat:
      case Kind::kDouble:
        columns_[next_++].reals.push_back(std::numeric_limits<double>::quiet_NaN());
        break;
      default:
        assert(false && "booleans, chars and timestamps are never NULL here");
    }
    return *this;
  }
  Batch& DoubleOrNull(bool present, double v) { return present ? Double(v) : Null(); }

  void EndRow() {
    assert(next_ == columns_.size());
    next_ = 0;
    ++rows_;
  }

 private:
  Batch& Int(Kind kind, int64_t v) {
    assert(spec_->columns[next_].kind == kind);
    (void)kind;
    columns_[next_++].ints.push_back(v);
    return *this;
  }
  Batch& Real(Kind kind, double v) {
    assert(spec_->columns[next_].kind == kind);
    (void)kind;
    if (!std::isfinite(v)) v = std::numeric_limits<double>::quiet_NaN();
    columns_[next_++].reals.push_back(v);
    return *this;
  }

  const TableSpec* spec_;
  std::vector<ColumnData> columns_;
  size_t rows_ = 0;
  size_t next_ = 0;
};

}  // namespace skyshard::gen_internal
