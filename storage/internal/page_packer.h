// PagePacker: packs the sorted row records of one merge partition (v2 row encoding,
// storage/row_codec.h, under their row keys) into the pages of store format 3
// (storage/page_codec.h, docs/storage.md "Pages"), each written under the key of its last row.
//
// A page is closed once its estimated encoded size reaches the target (about one RocksDB block,
// so that a point read still decompresses about one block) or it holds the row cap.
//
// Thread safety: one packer per partition, used by one thread (RecordPacker's contract).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/internal/external_sort.h"
#include "storage/page_codec.h"
#include "storage/row_codec.h"

namespace skyshard::internal {

// Page size target and row cap of the loader (docs/storage.md, "Pages": why these).
inline constexpr size_t kPageTargetBytes = 16 * 1024;
inline constexpr size_t kPageMaxRows = 4096;

class PagePacker final : public RecordPacker {
 public:
  // `layout` and `row_layout` describe the same table (PageLayout::ForTable and the row
  // codec's layout with keys::KeyColumnOffsets).
  PagePacker(std::shared_ptr<const PageLayout> layout,
             std::shared_ptr<const ProjectedRowDecoder::Layout> row_layout,
             size_t target_bytes = kPageTargetBytes, size_t max_rows = kPageMaxRows);

  // Corruption when a record is not a row of the table (a damaged run file).
  Status Add(std::string_view key, std::string_view value, const Emit& emit) override;
  Status Finish(const Emit& emit) override;

 private:
  Status Flush(const Emit& emit);

  std::shared_ptr<const PageLayout> layout_;
  ProjectedRowDecoder decoder_;  // its ScatterRow fills columns_
  size_t target_bytes_;
  size_t max_rows_;
  // Bytes a row adds besides its value's: key arrays and string offsets.
  size_t row_overhead_;
  PageColumns columns_;  // sized to max_rows_; the first n_ rows are the page's
  size_t n_ = 0;
  size_t estimate_ = 0;
  std::vector<uint64_t> keys_;  // n_ x key_components ordered key values
  std::string last_key_;
  std::string page_;
};

}  // namespace skyshard::internal
