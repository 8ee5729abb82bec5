#include "storage/internal/page_packer.h"

#include "storage/internal/keys.h"

namespace skyshard::internal {

PagePacker::PagePacker(std::shared_ptr<const PageLayout> layout,
                       std::shared_ptr<const ProjectedRowDecoder::Layout> row_layout,
                       size_t target_bytes, size_t max_rows)
    : layout_(std::move(layout)),
      decoder_(std::move(row_layout), /*projection=*/{}),
      target_bytes_(target_bytes),
      max_rows_(max_rows) {
  row_overhead_ = layout_->key_components * 8;
  for (const ColumnType& t : layout_->types) {
    if (IsString(t.type)) row_overhead_ += 4;
  }
  columns_.Reset(*layout_, max_rows_);
  keys_.reserve(max_rows_ * layout_->key_components);
  page_.reserve(target_bytes_ * 2);
}

Status PagePacker::Add(std::string_view key, std::string_view value, const Emit& emit) {
  const size_t k = layout_->key_components;
  if (key.size() != keys::kPrefixSize + 8 * k) {
    return Status::Corruption("row key of " + std::to_string(key.size()) + " bytes, " +
                              std::to_string(keys::kPrefixSize + 8 * k) + " expected");
  }
  SKY_RETURN_IF_ERROR(decoder_.ScatterRow(value, n_, &columns_));
  for (size_t c = 0; c < k; ++c)
    keys_.push_back(keys::GetU64(key.data() + keys::kPrefixSize + 8 * c));
  ++n_;
  CopyKey(key, &last_key_);
  // The v2 value holds what the page stores of the row, plus a bitmap byte per 8 columns and
  // a length byte or so per string: close enough to size a page by.
  estimate_ += value.size() + row_overhead_;
  if (estimate_ >= target_bytes_ || n_ == max_rows_) return Flush(emit);
  return Status::OK();
}

Status PagePacker::Finish(const Emit& emit) { return Flush(emit); }

Status PagePacker::Flush(const Emit& emit) {
  if (n_ == 0) return Status::OK();
  page_.clear();
  EncodePage(*layout_, keys_.data(), columns_, n_, &page_);
  Status s = emit(last_key_, page_);
  columns_.ClearStrings();
  n_ = 0;
  estimate_ = 0;
  keys_.clear();
  return s;
}

}  // namespace skyshard::internal
