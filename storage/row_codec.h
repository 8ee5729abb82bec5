// Row codec: the compact binary encoding of one table row, as the loader's run records hold
// it (docs/storage.md, "Run records"). A store keeps rows in pages instead (storage/page_codec.h);
// the page packer decodes these records into a page's column arrays.
//
// Layout: a NULL bitmap of ceil(n/8) bytes (bit i of byte
// i/8 set = column i is NULL), then, for each non-NULL column in table order, its value:
// smallint 2 bytes, integer 4, bigint 8, real 4 (IEEE-754), double 8, boolean 1 (0/1),
// timestamp 8 (microseconds since the Unix epoch), all little-endian; a short char(n) or
// varchar(n) (declared length n <= kShortStringMax) in a fixed 1 + n bytes: its byte length,
// its bytes, zeros up to n; any other char/varchar as a varint32 byte length followed by the
// bytes. NULL columns take no space beyond their bit.
// Integer columns whose value is part of the row's key (the primary key, a child's parent
// key) are not repeated in the value: a non-NULL one takes no space either, and the decoder
// reads it from the key (`key_offsets`).
//
// ProjectedRowDecoder is the fast decoder: built once for one projection, it
// decodes only the projected columns and skips the others without materialising them (a group
// of 8 fixed-width columns, short strings included, costs one table lookup given its
// NULL-bitmap byte, a longer string its length prefix). It still checks every row's length
// exactly, as RowDecoder does.
//
// Thread safety: RowEncoder/RowDecoder/ProjectedRowDecoder objects are immutable after
// construction and may be shared; their functions only write to the caller's output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/column_batch.h"
#include "common/status.h"
#include "common/types.h"

namespace skyshard {

struct PageColumns;  // storage/page_codec.h

// The longest declared length of a char(n) or varchar(n) stored at a fixed width.
inline constexpr uint32_t kShortStringMax = 8;

class RowEncoder {
 private:
  // What a column's value is written as.
  enum class Op : uint8_t { kInKey, kBool, kInt16, kInt32, kFloat, kEight, kShortString, kString };
  // How column `column` is written: its NULL bit, then (unless the key carries it) its value.
  struct Step {
    uint32_t column;
    Op op;
    uint8_t width;  // bytes of a fixed-width value, short strings included; 0 otherwise
  };

 public:
  // `key_offsets[i]` >= 0 marks column i as carried by the key (at that byte offset, as a
  // big-endian sign-flipped int64): its value is left out. Empty = every column in the value.
  explicit RowEncoder(std::vector<ColumnType> types, std::vector<int> key_offsets = {});

  // Appends the encoding of row `row` of `batch` to `out`. `column_map[i]` is the batch
  // column holding table column i. Returns false, `out` unchanged, when a string is longer
  // than its column's declared length (the readers refuse those first).
  // REQUIRES: batch columns have the types given at construction (after mapping).
  bool Encode(const ColumnBatch& batch, const std::vector<int>& column_map, size_t row,
              std::string* out) const;

  // Where the values of one batch's columns lie, looked up once for the Encode calls of all
  // its rows (the per-row Encode above looks them up for every column of every row). Valid
  // until the batch changes.
  class BoundBatch {
   private:
    friend class RowEncoder;
    // A Step of the encoder with where its column's values are.
    struct Source {
      const uint8_t* nulls;
      const char* values;  // the column's ints, doubles or strings
      Step step;
    };
    std::vector<Source> sources_;  // per table column, in table order
  };
  // REQUIRES: as for Encode.
  void Bind(const ColumnBatch& batch, const std::vector<int>& column_map, BoundBatch* out) const;
  // Encode of row `row` of the batch `bound` was bound to.
  bool Encode(const BoundBatch& bound, size_t row, std::string* out) const;

  const std::vector<ColumnType>& types() const { return types_; }

 private:
  std::vector<ColumnType> types_;
  std::vector<int> key_offsets_;
  size_t bitmap_bytes_;
  std::vector<Step> steps_;
  std::vector<uint32_t> string_columns_;
  size_t fixed_bytes_ = 0;  // bitmap plus every fixed-width value: a row's size without strings
};

// Decodes rows of one table into the columns of a batch for one fixed projection.
class ProjectedRowDecoder {
 public:
  // What a decoder needs of the table alone, whatever the projection: per 8 columns and NULL
  // mask, the bytes they take and where each starts (about 4.5 KiB per 8 columns). Building
  // it takes about as long as a short range read (10 us for 43 columns), so a store builds
  // one per table and shares it between its scans. Immutable.
  class Layout;
  // `types` and `key_offsets` as for RowEncoder.
  static std::shared_ptr<const Layout> MakeLayout(const std::vector<ColumnType>& types,
                                                  const std::vector<int>& key_offsets);

  // `projection` lists the table columns to decode, in batch column order (a column may
  // appear more than once).
  // REQUIRES: layout is not null; every projection entry is in [0, number of columns).
  ProjectedRowDecoder(std::shared_ptr<const Layout> layout, const std::vector<int>& projection);
  // The same with a layout of its own.
  ProjectedRowDecoder(const std::vector<ColumnType>& types, const std::vector<int>& key_offsets,
                      const std::vector<int>& projection);

  // Sizes every column of `batch` (of the projected types) to `rows` rows, so that DecodeRow
  // can fill them in place; rows not yet decoded hold unspecified values. Keeps capacity.
  static void Resize(ColumnBatch* batch, size_t rows);

  // Decodes `row` (stored under `key`) into row `r` of the columns of `batch` (batch column j
  // receives table column projection[j]). Returns Corruption if the bytes are shorter than
  // the encoding says or longer than it, or the key too short for a column it should carry;
  // row r is then unspecified.
  // REQUIRES: batch has projection.size() columns of the projected types, sized beyond r.
  Status DecodeRow(std::string_view row, std::string_view key, size_t r, ColumnBatch* batch) const;

  // DecodeRow into a new last row of `batch`.
  Status DecodeInto(std::string_view row, std::string_view key, ColumnBatch* batch) const;

  // Decodes `row` into row r of `columns`, every table column in the page's value layout
  // (storage/page_codec.h), whatever the projection; the key-carried columns get only their
  // NULL flags (a page takes their values from its key arrays). Corruption as for DecodeRow;
  // row r is then unspecified.
  // REQUIRES: `columns` was Reset for the table's PageLayout and more than r rows, and holds
  // the strings of rows [0, r) only.
  Status ScatterRow(std::string_view row, size_t r, PageColumns* columns) const;

 private:
  // How a column is stored in the value.
  enum class Kind : uint8_t {
    kInt16,
    kInt32,
    kInt64,
    kBool,
    kFloat,
    kDouble,
    kShortString,  // fixed width: 1 + declared length
    kString,
    kInKey
  };
  // One column of a NULL-bitmap group (8 columns) to visit.
  struct Step {
    Kind kind;
    uint8_t bit;         // its bit in the group's bitmap byte
    uint8_t width;       // value bytes when not NULL (0 for kString and kInKey)
    int32_t slot;        // the batch column receiving it, -1 when it is only stepped over
    int32_t key_offset;  // kInKey: where in the key
    uint32_t column;     // table column, for error messages
  };
  struct Group {
    bool variable;  // holds a string: walked column by column, every column a step
    bool projected;
    uint32_t first_step, end_step;
  };

  Status WalkGroup(const Group& group, uint8_t mask, std::string_view row, std::string_view key,
                   size_t* pos, size_t r, ColumnBatch* batch) const;
  static Status PutKeyColumn(const Step& step, std::string_view key, size_t r, ColumnBatch* batch);
  // False (nothing stored) when a short string's length byte exceeds its declared length.
  static bool PutFixed(const Step& step, const char* p, size_t r, ColumnBatch* batch);
  Status Truncated(size_t group, uint8_t mask, size_t left) const;

  std::shared_ptr<const Layout> layout_;
  std::vector<Group> groups_;  // one per NULL-bitmap byte
  std::vector<Step> steps_;
  // Batch columns that repeat an earlier one: (copy from, copy to).
  std::vector<std::pair<size_t, size_t>> repeats_;
};

class RowDecoder {
 public:
  // `key_offsets` as for RowEncoder: where in the key the left-out columns are.
  explicit RowDecoder(std::vector<ColumnType> types, std::vector<int> key_offsets = {});

  // Decodes `row` (stored under `key`) and appends its values to the columns of `batch` named
  // by `projection` (table column indexes; batch column j receives table column
  // projection[j]). Returns Corruption if the bytes are shorter than the encoding says or
  // longer than it, or the key too short for a column it should carry. For one row; a scan
  // uses ProjectedRowDecoder.
  Status DecodeInto(std::string_view row, std::string_view key, const std::vector<int>& projection,
                    ColumnBatch* batch) const;

  const std::vector<ColumnType>& types() const { return types_; }

 private:
  std::vector<ColumnType> types_;
  std::vector<int> key_offsets_;
  size_t bitmap_bytes_;
};

}  // namespace skyshard
