// Column-at-a-time helpers the operators share: copying rows between ColumnVectors, hashing and
// comparing values (NULLs equal for grouping, NULLs largest for ordering), converting a column to
// another physical type, and estimating the bytes a column holds (for memory accounting).
//
// Thread safety: pure functions over caller-owned data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/column_batch.h"
#include "common/status.h"

namespace skyshard::adql::exec {

// Which of ColumnVector's three vectors holds a type's values.
enum class Phys : uint8_t { kInt, kDouble, kString };

inline Phys PhysOf(DataType t) {
  if (IsIntegerLike(t)) return Phys::kInt;
  if (IsFloating(t)) return Phys::kDouble;
  return Phys::kString;
}

std::vector<ColumnType> TypesOf(const ColumnBatch& batch);

// Appends src[row] to dst. REQUIRES: same physical type.
void AppendValue(const ColumnVector& src, size_t row, ColumnVector* dst);
// Appends src[rows[0..n)] to dst. REQUIRES: same physical type.
void AppendRows(const ColumnVector& src, const uint32_t* rows, size_t n, ColumnVector* dst);
// Appends src[begin, end) to dst. REQUIRES: same physical type.
void AppendRange(const ColumnVector& src, size_t begin, size_t end, ColumnVector* dst);
// Appends `n` NULLs.
void AppendNulls(size_t n, ColumnVector* dst);
// Keeps only rows[0..n) of `v` (ascending), in place.
void KeepRows(const uint32_t* rows, size_t n, ColumnVector* v);
// Keeps only rows[0..n) of every column (ascending) and sets num_rows.
void KeepRows(const std::vector<uint32_t>& rows, ColumnBatch* batch);
// Drops the first `n` rows of every column.
void DropFront(size_t n, ColumnBatch* batch);
// Keeps the first `n` rows of every column.
void Truncate(size_t n, ColumnBatch* batch);

// Hash of one value; NULLs hash alike; -0.0 as 0.0, every NaN alike.
uint64_t HashValue(const ColumnVector& v, size_t row);
inline uint64_t HashCombine(uint64_t seed, uint64_t h) {
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}
// hashes[i] = combine(hashes[i], hash of v[i]) for i < n (or = hash when `first`).
void HashColumn(const ColumnVector& v, size_t n, bool first, std::vector<uint64_t>* hashes);

// Equality of a[i] and b[j] with NULL equal to NULL (GROUP BY, DISTINCT, set operations).
// REQUIRES: same physical type.
bool ValuesEqual(const ColumnVector& a, size_t i, const ColumnVector& b, size_t j);
// Order of a[i] and b[j]: <0, 0, >0; NULL is larger than every value, NaN larger than every
// number but NULL. REQUIRES: same physical type.
int CompareValues(const ColumnVector& a, size_t i, const ColumnVector& b, size_t j);

// Converts `v` (in place) to type `to`: integers to floating point, floating point to integers
// (rounded; LimitExceeded never: InvalidArgument when out of range), numbers to text and back
// (InvalidArgument for text that is not a number), or only relabels it when the physical type
// is the same.
Status ConvertColumn(ColumnType to, ColumnVector* v);
// Converts every column of `batch` to `types` (see ConvertColumn).
Status ConformBatch(const std::vector<ColumnType>& types, ColumnBatch* batch);

// Approximate heap bytes of rows [begin, end) of `v`.
size_t ColumnBytes(const ColumnVector& v, size_t begin, size_t end);
size_t BatchBytes(const ColumnBatch& batch, size_t begin, size_t end);

// Text of a double as PostgreSQL prints it (shortest round trip; "NaN", "Infinity").
std::string DoubleToText(double d);

}  // namespace skyshard::adql::exec
