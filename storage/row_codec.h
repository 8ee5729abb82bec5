// Row codec: the compact binary encoding of one table row as stored in a RocksDB value.
//
// Layout (docs/storage.md, "Row encoding"): a NULL bitmap of ceil(n/8) bytes (bit i of byte
// i/8 set = column i is NULL), then, for each non-NULL column in table order, its value:
// smallint 2 bytes, integer 4, bigint 8, real 4 (IEEE-754), double 8, boolean 1 (0/1),
// timestamp 8 (microseconds since the Unix epoch), all little-endian; char/varchar as a
// varint32 byte length followed by the bytes. NULL columns take no space beyond their bit.
// Integer columns whose value is part of the row's key (the primary key, a child's parent
// key) are not repeated in the value: a non-NULL one takes no space either, and the decoder
// reads it from the key (`key_offsets`).
//
// Thread safety: RowEncoder/RowDecoder objects are not shared; distinct objects are
// independent. The functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/column_batch.h"
#include "common/status.h"
#include "common/types.h"

namespace skyshard {

class RowEncoder {
 public:
  // `key_offsets[i]` >= 0 marks column i as carried by the key (at that byte offset, as a
  // big-endian sign-flipped int64): its value is left out. Empty = every column in the value.
  explicit RowEncoder(std::vector<ColumnType> types, std::vector<int> key_offsets = {});

  // Appends the encoding of row `row` of `batch` to `out`. `column_map[i]` is the batch
  // column holding table column i.
  // REQUIRES: batch columns have the types given at construction (after mapping).
  void Encode(const ColumnBatch& batch, const std::vector<int>& column_map, size_t row,
              std::string* out) const;

  const std::vector<ColumnType>& types() const { return types_; }

 private:
  std::vector<ColumnType> types_;
  std::vector<int> key_offsets_;
  size_t bitmap_bytes_;
};

class RowDecoder {
 public:
  // `key_offsets` as for RowEncoder: where in the key the left-out columns are.
  explicit RowDecoder(std::vector<ColumnType> types, std::vector<int> key_offsets = {});

  // Decodes `row` (stored under `key`) and appends its values to the columns of `batch` named
  // by `projection` (table column indexes; batch column j receives table column
  // projection[j]). Returns Corruption if the bytes are shorter than the encoding says or
  // longer than it, or the key too short for a column it should carry.
  Status DecodeInto(std::string_view row, std::string_view key, const std::vector<int>& projection,
                    ColumnBatch* batch) const;

  const std::vector<ColumnType>& types() const { return types_; }

 private:
  std::vector<ColumnType> types_;
  std::vector<int> key_offsets_;
  size_t bitmap_bytes_;
};

}  // namespace skyshard
