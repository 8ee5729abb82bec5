#include "storage/row_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>

#include "storage/internal/coding.h"
#include "storage/page_codec.h"

namespace skyshard {

namespace {

using internal::ReadVarint32;

static_assert(std::endian::native == std::endian::little,
              "the row format is little-endian; a big-endian port must byte-swap here");

// A char(n) or varchar(n) that the format stores at a fixed width of 1 + n bytes; the encoder
// and the decoder's layout must agree on it.
bool IsShortString(const ColumnType& type) {
  return type.length > 0 && type.length <= kShortStringMax;
}

template <typename T>
bool ReadRaw(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

RowEncoder::RowEncoder(std::vector<ColumnType> types, std::vector<int> key_offsets)
    : types_(std::move(types)),
      key_offsets_(key_offsets.empty() ? std::vector<int>(types_.size(), -1)
                                       : std::move(key_offsets)),
      bitmap_bytes_((types_.size() + 7) / 8) {
  fixed_bytes_ = bitmap_bytes_;
  for (size_t i = 0; i < types_.size(); ++i) {
    Step step{static_cast<uint32_t>(i), Op::kInKey, 0};
    if (key_offsets_[i] < 0) {
      switch (types_[i].type) {
        case DataType::kSmallInt:
          step = {step.column, Op::kInt16, 2};
          break;
        case DataType::kInteger:
          step = {step.column, Op::kInt32, 4};
          break;
        case DataType::kBigInt:
        case DataType::kTimestamp:
        case DataType::kDouble:
          step = {step.column, Op::kEight, 8};
          break;
        case DataType::kBoolean:
          step = {step.column, Op::kBool, 1};
          break;
        case DataType::kReal:
          step = {step.column, Op::kFloat, 4};
          break;
        case DataType::kChar:
        case DataType::kVarChar:
          if (IsShortString(types_[i])) {
            step = {step.column, Op::kShortString, static_cast<uint8_t>(1 + types_[i].length)};
          } else {
            step.op = Op::kString;
            string_columns_.push_back(static_cast<uint32_t>(i));
          }
          break;
      }
      fixed_bytes_ += step.width;
    }
    steps_.push_back(step);
  }
}

void RowEncoder::Bind(const ColumnBatch& batch, const std::vector<int>& column_map,
                      BoundBatch* out) const {
  out->sources_.resize(types_.size());
  for (size_t i = 0; i < types_.size(); ++i) {
    const ColumnVector& col = batch.columns[static_cast<size_t>(column_map[i])];
    const char* values = nullptr;
    if (IsString(types_[i].type)) {
      values = reinterpret_cast<const char*>(col.strings.data());
    } else if (IsFloating(types_[i].type)) {
      values = reinterpret_cast<const char*>(col.doubles.data());
    } else {
      values = reinterpret_cast<const char*>(col.ints.data());
    }
    out->sources_[i] = {col.nulls.data(), values, steps_[i]};
  }
}

bool RowEncoder::Encode(const ColumnBatch& batch, const std::vector<int>& column_map, size_t row,
                        std::string* out) const {
  BoundBatch bound;
  Bind(batch, column_map, &bound);
  return Encode(bound, row, out);
}

bool RowEncoder::Encode(const BoundBatch& bound, size_t row, std::string* out) const {
  const auto* const sources = bound.sources_.data();
  // Value i of a column: ints and doubles are 8 bytes each.
  auto word = [&](const BoundBatch::Source& src) { return src.values + row * 8; };
  auto string = [&](const BoundBatch::Source& src) -> const std::string& {
    return reinterpret_cast<const std::string*>(src.values)[row];
  };
  // Room for the longest encoding (every value present, 5-byte string lengths), written
  // through a pointer; trimmed to what was written at the end.
  size_t room = fixed_bytes_;
  for (uint32_t i : string_columns_) room += 5 + string(sources[i]).size();
  const size_t at = out->size();
  out->resize(at + room);
  char* const bitmap = out->data() + at;
  std::memset(bitmap, 0, bitmap_bytes_);
  char* p = bitmap + bitmap_bytes_;
  // Writes a value of its own width, little-endian like the host.
  auto put = [&p](auto v) {
    std::memcpy(p, &v, sizeof v);
    p += sizeof v;
  };
  for (const BoundBatch::Source& src : bound.sources_) {
    const Step& step = src.step;
    if (src.nulls[row]) {
      bitmap[step.column / 8] =
          static_cast<char>(bitmap[step.column / 8] | (1 << (step.column % 8)));
      continue;
    }
    if (step.op == Op::kEight) {  // doubles and bigints, most columns of a catalog
      std::memcpy(p, word(src), 8);
      p += 8;
      continue;
    }
    switch (step.op) {
      case Op::kInKey:
      case Op::kEight:
        break;
      case Op::kBool:
        *p++ = Load<int64_t>(word(src)) != 0 ? 1 : 0;
        break;
      case Op::kInt16:
        put(static_cast<int16_t>(Load<int64_t>(word(src))));
        break;
      case Op::kInt32:
        put(static_cast<int32_t>(Load<int64_t>(word(src))));
        break;
      case Op::kFloat:
        put(static_cast<float>(Load<double>(word(src))));
        break;
      case Op::kShortString: {
        const std::string& s = string(src);
        if (s.size() >= step.width) {
          out->resize(at);
          return false;
        }
        *p = static_cast<char>(s.size());
        char* const end = std::copy(s.begin(), s.end(), p + 1);
        std::fill(end, p + step.width, '\0');
        p += step.width;
        break;
      }
      case Op::kString: {
        const std::string& s = string(src);
        const uint32_t declared = types_[step.column].length;
        if (declared > 0 && s.size() > declared) {
          out->resize(at);
          return false;
        }
        auto v = static_cast<uint32_t>(s.size());
        while (v >= 0x80) {
          *p++ = static_cast<char>(v | 0x80);
          v >>= 7;
        }
        *p++ = static_cast<char>(v);
        p = std::copy(s.begin(), s.end(), p);
        break;
      }
    }
  }
  out->resize(static_cast<size_t>(p - out->data()));
  return true;
}

class ProjectedRowDecoder::Layout {
 public:
  static constexpr uint16_t kVariable = 0xffff;

  std::vector<Step> columns;      // every column, slot -1
  std::vector<uint8_t> variable;  // per group: holds a string
  // Per group and NULL mask: the value bytes of the group (kVariable when it holds a string),
  // and for fixed-width groups the offset of each of its 8 columns within them.
  std::vector<uint16_t> group_bytes;
  std::vector<uint16_t> offsets;  // [(group * 256 + mask) * 8 + bit]
  size_t bitmap_bytes = 0;
  // For ScatterRow, per group without a string: its value columns of 1, 2, 4 and 8 bytes
  // ([group][log2 of the width]) and its short strings, so that a row's values move in loops
  // of one width each, with no per-column dispatch.
  struct Slot {
    uint32_t column;
    uint8_t bit;
  };
  std::vector<std::array<std::vector<Slot>, 4>> fixed_slots;
  std::vector<std::vector<Slot>> short_slots;
};

std::shared_ptr<const ProjectedRowDecoder::Layout> ProjectedRowDecoder::MakeLayout(
    const std::vector<ColumnType>& types, const std::vector<int>& key_offsets) {
  auto layout = std::make_shared<Layout>();
  layout->bitmap_bytes = (types.size() + 7) / 8;
  std::vector<Step>& all = layout->columns;
  all.resize(types.size());
  for (size_t i = 0; i < types.size(); ++i) {
    Step& c = all[i];
    c.bit = static_cast<uint8_t>(i % 8);
    c.slot = -1;
    c.key_offset = key_offsets.empty() ? -1 : key_offsets[i];
    c.column = static_cast<uint32_t>(i);
    c.width = 0;
    if (c.key_offset >= 0) {
      c.kind = Kind::kInKey;
      continue;
    }
    switch (types[i].type) {
      case DataType::kSmallInt:
        c.kind = Kind::kInt16;
        c.width = 2;
        break;
      case DataType::kInteger:
        c.kind = Kind::kInt32;
        c.width = 4;
        break;
      case DataType::kBigInt:
      case DataType::kTimestamp:
        c.kind = Kind::kInt64;
        c.width = 8;
        break;
      case DataType::kBoolean:
        c.kind = Kind::kBool;
        c.width = 1;
        break;
      case DataType::kReal:
        c.kind = Kind::kFloat;
        c.width = 4;
        break;
      case DataType::kDouble:
        c.kind = Kind::kDouble;
        c.width = 8;
        break;
      case DataType::kChar:
      case DataType::kVarChar:
        if (IsShortString(types[i])) {
          c.kind = Kind::kShortString;
          c.width = static_cast<uint8_t>(1 + types[i].length);
        } else {
          c.kind = Kind::kString;
        }
        break;
    }
  }
  const size_t groups = layout->bitmap_bytes;
  layout->variable.assign(groups, 0);
  layout->group_bytes.assign(groups * 256, 0);
  layout->offsets.assign(groups * 256 * 8, 0);
  for (size_t g = 0; g < groups; ++g) {
    const size_t begin = g * 8, end = std::min(all.size(), g * 8 + 8);
    for (size_t i = begin; i < end; ++i) {
      if (all[i].kind == Kind::kString) layout->variable[g] = 1;
    }
    for (unsigned mask = 0; mask < 256; ++mask) {
      uint16_t bytes = 0;
      uint16_t* offsets = &layout->offsets[(g * 256 + mask) * 8];
      for (size_t i = begin; i < end; ++i) {
        offsets[i % 8] = bytes;
        if (((mask >> (i % 8)) & 1) == 0) bytes = static_cast<uint16_t>(bytes + all[i].width);
      }
      layout->group_bytes[g * 256 + mask] = layout->variable[g] ? Layout::kVariable : bytes;
    }
  }
  layout->fixed_slots.resize(groups);
  layout->short_slots.resize(groups);
  for (size_t i = 0; i < all.size(); ++i) {
    const Step& c = all[i];
    const Layout::Slot slot{static_cast<uint32_t>(i), c.bit};
    if (c.kind == Kind::kShortString) {
      layout->short_slots[i / 8].push_back(slot);
    } else if (c.kind != Kind::kString && c.kind != Kind::kInKey) {
      layout->fixed_slots[i / 8][static_cast<size_t>(std::countr_zero(c.width))].push_back(slot);
    }
  }
  return layout;
}

ProjectedRowDecoder::ProjectedRowDecoder(const std::vector<ColumnType>& types,
                                         const std::vector<int>& key_offsets,
                                         const std::vector<int>& projection)
    : ProjectedRowDecoder(MakeLayout(types, key_offsets), projection) {}

ProjectedRowDecoder::ProjectedRowDecoder(std::shared_ptr<const Layout> layout,
                                         const std::vector<int>& projection)
    : layout_(std::move(layout)) {
  std::vector<Step> all = layout_->columns;
  for (size_t j = 0; j < projection.size(); ++j) {
    Step& c = all[static_cast<size_t>(projection[j])];
    if (c.slot < 0) {
      c.slot = static_cast<int32_t>(j);
    } else {
      repeats_.emplace_back(static_cast<size_t>(c.slot), j);
    }
  }
  for (size_t g = 0; g < layout_->bitmap_bytes; ++g) {
    const size_t begin = g * 8, end = std::min(all.size(), g * 8 + 8);
    Group group{layout_->variable[g] != 0, false, static_cast<uint32_t>(steps_.size()), 0};
    // A fixed-width group visits only its projected columns (their offsets come from the
    // layout); a group with a string is walked column by column.
    for (size_t i = begin; i < end; ++i) {
      group.projected = group.projected || all[i].slot >= 0;
      if (group.variable || all[i].slot >= 0) steps_.push_back(all[i]);
    }
    group.end_step = static_cast<uint32_t>(steps_.size());
    groups_.push_back(group);
  }
}

namespace {

// Grows or shrinks the value vector of `c` and its NULL flags to `rows`.
void ResizeColumn(ColumnVector* c, size_t rows) {
  c->nulls.resize(rows);
  if (IsIntegerLike(c->type.type)) {
    c->ints.resize(rows);
  } else if (IsFloating(c->type.type)) {
    c->doubles.resize(rows);
  } else {
    c->strings.resize(rows);
  }
}

// Row r of `out` is NULL.
void PutNull(ColumnVector* out, size_t r) {
  out->nulls[r] = 1;
  if (IsIntegerLike(out->type.type)) {
    out->ints[r] = 0;
  } else if (IsFloating(out->type.type)) {
    out->doubles[r] = 0;
  } else {
    out->strings[r].clear();
  }
}

}  // namespace

void ProjectedRowDecoder::Resize(ColumnBatch* batch, size_t rows) {
  for (auto& c : batch->columns) ResizeColumn(&c, rows);
}

Status ProjectedRowDecoder::PutKeyColumn(const Step& step, std::string_view key, size_t r,
                                         ColumnBatch* batch) {
  const auto at = static_cast<size_t>(step.key_offset);
  if (key.size() < at + 8) {
    return Status::Corruption("key too short for column " + std::to_string(step.column));
  }
  ColumnVector& out = batch->columns[static_cast<size_t>(step.slot)];
  out.ints[r] = static_cast<int64_t>(__builtin_bswap64(Load<uint64_t>(key.data() + at)) ^
                                     (uint64_t{1} << 63));
  out.nulls[r] = 0;
  return Status::OK();
}

// Stores the fixed-width value at `p` of a projected, non-NULL step.
inline bool ProjectedRowDecoder::PutFixed(const Step& step, const char* p, size_t r,
                                          ColumnBatch* batch) {
  ColumnVector& out = batch->columns[static_cast<size_t>(step.slot)];
  out.nulls[r] = 0;
  switch (step.kind) {
    case Kind::kShortString: {
      const auto len = static_cast<uint8_t>(*p);
      if (len >= step.width) return false;
      out.strings[r].assign(p + 1, len);
      break;
    }
    case Kind::kInt16:
      out.ints[r] = Load<int16_t>(p);
      break;
    case Kind::kInt32:
      out.ints[r] = Load<int32_t>(p);
      break;
    case Kind::kInt64:
      out.ints[r] = Load<int64_t>(p);
      break;
    case Kind::kBool:
      out.ints[r] = static_cast<uint8_t>(*p);
      break;
    case Kind::kFloat:
      out.doubles[r] = Load<float>(p);
      break;
    case Kind::kDouble:
      out.doubles[r] = Load<double>(p);
      break;
    case Kind::kString:
    case Kind::kInKey:
      break;  // not fixed-width
  }
  return true;
}

namespace {

Status BadLength(uint32_t column) {
  return Status::Corruption("string length exceeds its column's width in column " +
                            std::to_string(column));
}

}  // namespace

// A fixed-width group needs more bytes than the row has left: the first column that does not
// fit.
Status ProjectedRowDecoder::Truncated(size_t group, uint8_t mask, size_t left) const {
  const uint16_t* offsets = &layout_->offsets[(group * 256 + mask) * 8];
  const std::vector<Step>& columns = layout_->columns;
  for (size_t i = group * 8; i < std::min(columns.size(), group * 8 + 8); ++i) {
    if (((mask >> (i % 8)) & 1) == 0 && offsets[i % 8] + columns[i].width > left) {
      return Status::Corruption("row truncated in column " + std::to_string(i));
    }
  }
  return Status::Corruption("row truncated");  // unreachable: the group's bytes do not fit
}

// Every column of a group with a string in turn, checking the bounds of each.
Status ProjectedRowDecoder::WalkGroup(const Group& group, uint8_t mask, std::string_view row,
                                      std::string_view key, size_t* pos, size_t r,
                                      ColumnBatch* batch) const {
  size_t p = *pos;
  for (uint32_t s = group.first_step; s < group.end_step; ++s) {
    const Step& step = steps_[s];
    if ((mask >> step.bit) & 1) {
      if (step.slot >= 0) PutNull(&batch->columns[static_cast<size_t>(step.slot)], r);
      continue;
    }
    if (step.kind == Kind::kInKey) {
      if (step.slot >= 0) SKY_RETURN_IF_ERROR(PutKeyColumn(step, key, r, batch));
      continue;
    }
    if (step.kind == Kind::kString) {
      std::string_view in = row.substr(p);
      uint32_t len;
      if (!ReadVarint32(&in, &len) || in.size() < len) {
        return Status::Corruption("row truncated in column " + std::to_string(step.column));
      }
      if (step.slot >= 0) {
        ColumnVector& out = batch->columns[static_cast<size_t>(step.slot)];
        out.strings[r].assign(in.data(), len);
        out.nulls[r] = 0;
      }
      p = row.size() - in.size() + len;
      continue;
    }
    if (row.size() - p < step.width) {
      return Status::Corruption("row truncated in column " + std::to_string(step.column));
    }
    if (step.slot >= 0 && !PutFixed(step, row.data() + p, r, batch)) return BadLength(step.column);
    p += step.width;
  }
  *pos = p;
  return Status::OK();
}

Status ProjectedRowDecoder::DecodeRow(std::string_view row, std::string_view key, size_t r,
                                      ColumnBatch* batch) const {
  const Layout& layout = *layout_;
  if (row.size() < layout.bitmap_bytes) {
    return Status::Corruption("row shorter than its NULL bitmap");
  }
  const auto* bitmap = reinterpret_cast<const uint8_t*>(row.data());
  size_t pos = layout.bitmap_bytes;
  // Every group is visited, projected or not, so that the row's length is checked exactly; a
  // fixed-width group costs one table lookup plus its projected columns.
  for (size_t g = 0; g < groups_.size(); ++g) {
    const Group& group = groups_[g];
    const uint8_t mask = bitmap[g];
    const uint16_t bytes = layout.group_bytes[g * 256 + mask];
    if (bytes == Layout::kVariable) {
      SKY_RETURN_IF_ERROR(WalkGroup(group, mask, row, key, &pos, r, batch));
      continue;
    }
    if (row.size() - pos < bytes) return Truncated(g, mask, row.size() - pos);
    if (group.projected) {
      const uint16_t* offsets = &layout.offsets[(g * 256 + mask) * 8];
      const char* base = row.data() + pos;
      for (uint32_t s = group.first_step; s < group.end_step; ++s) {
        const Step& step = steps_[s];
        if ((mask >> step.bit) & 1) {
          PutNull(&batch->columns[static_cast<size_t>(step.slot)], r);
        } else if (step.kind == Kind::kInKey) {
          SKY_RETURN_IF_ERROR(PutKeyColumn(step, key, r, batch));
        } else if (!PutFixed(step, base + offsets[step.bit], r, batch)) {
          return BadLength(step.column);
        }
      }
    }
    pos += bytes;
  }
  if (pos != row.size()) return Status::Corruption("row has trailing bytes");
  for (const auto& [from, to] : repeats_) {
    const ColumnVector& src = batch->columns[from];
    ColumnVector& dst = batch->columns[to];
    dst.nulls[r] = src.nulls[r];
    if (IsIntegerLike(src.type.type)) {
      dst.ints[r] = src.ints[r];
    } else if (IsFloating(src.type.type)) {
      dst.doubles[r] = src.doubles[r];
    } else {
      dst.strings[r] = src.strings[r];
    }
  }
  return Status::OK();
}

Status ProjectedRowDecoder::DecodeInto(std::string_view row, std::string_view key,
                                       ColumnBatch* batch) const {
  const size_t r = batch->columns.empty() ? 0 : batch->columns[0].size();
  Resize(batch, r + 1);
  Status s = DecodeRow(row, key, r, batch);
  if (!s.ok()) Resize(batch, r);
  return s;
}

namespace {

// Copies a fixed-width value of `width` bytes (1, 2, 4 or 8) with a copy of known size.
inline void CopyValue(char* to, const char* from, size_t width) {
  switch (width) {
    case 1:
      *to = *from;
      break;
    case 2:
      std::memcpy(to, from, 2);
      break;
    case 4:
      std::memcpy(to, from, 4);
      break;
    default:
      std::memcpy(to, from, 8);
      break;
  }
}

// Appends the short string whose fixed-width slot (length byte, bytes, padding) is at `p` to
// row r of `out`; false when its length does not fit the slot's `width`.
inline bool ScatterShortString(const char* p, uint8_t width, size_t r, PageColumns::Column* out) {
  const auto len = static_cast<uint8_t>(*p);
  if (len >= width) return false;
  out->values.append(p + 1, len);
  out->ends[r] = static_cast<uint32_t>(out->values.size());
  return true;
}

// Moves the values of `slots` (columns of width W) of a fixed-width group at `base` into row r
// of their page columns; a NULL one (its bit set in `mask`) gets zeros.
template <size_t W>
void ScatterFixed(const std::vector<ProjectedRowDecoder::Layout::Slot>& slots, uint8_t mask,
                  const char* base, const uint16_t* offsets, size_t r, PageColumns* columns) {
  for (const auto& slot : slots) {
    char value[W] = {};
    if (((mask >> slot.bit) & 1) == 0) std::memcpy(value, base + offsets[slot.bit], W);
    std::memcpy(columns->columns[slot.column].values.data() + r * W, value, W);
  }
}

}  // namespace

Status ProjectedRowDecoder::ScatterRow(std::string_view row, size_t r, PageColumns* columns) const {
  const Layout& layout = *layout_;
  if (row.size() < layout.bitmap_bytes) {
    return Status::Corruption("row shorter than its NULL bitmap");
  }
  const auto* bitmap = reinterpret_cast<const uint8_t*>(row.data());
  const size_t ncols = layout.columns.size();
  size_t pos = layout.bitmap_bytes;
  for (size_t g = 0; g < layout.bitmap_bytes; ++g) {
    const uint8_t mask = bitmap[g];
    columns->masks[r * columns->groups + g] = mask;
    const uint16_t bytes = layout.group_bytes[g * 256 + mask];
    if (bytes != Layout::kVariable) {
      // Every value of the group sits at an offset its NULL mask gives.
      if (row.size() - pos < bytes) return Truncated(g, mask, row.size() - pos);
      const uint16_t* offsets = &layout.offsets[(g * 256 + mask) * 8];
      const char* const base = row.data() + pos;
      const auto& fixed = layout.fixed_slots[g];
      ScatterFixed<1>(fixed[0], mask, base, offsets, r, columns);
      ScatterFixed<2>(fixed[1], mask, base, offsets, r, columns);
      ScatterFixed<4>(fixed[2], mask, base, offsets, r, columns);
      ScatterFixed<8>(fixed[3], mask, base, offsets, r, columns);
      for (const auto& slot : layout.short_slots[g]) {
        PageColumns::Column& out = columns->columns[slot.column];
        if (((mask >> slot.bit) & 1) != 0) {
          out.ends[r] = static_cast<uint32_t>(out.values.size());
        } else if (!ScatterShortString(base + offsets[slot.bit], layout.columns[slot.column].width,
                                       r, &out)) {
          return BadLength(slot.column);
        }
      }
      pos += bytes;
      continue;
    }
    // A group with a string: walked column by column, each bound checked.
    for (size_t i = g * 8; i < std::min(ncols, g * 8 + 8); ++i) {
      const Step& step = layout.columns[i];
      if (((mask >> step.bit) & 1) != 0 || step.kind == Kind::kInKey) {
        if (step.kind == Kind::kString || step.kind == Kind::kShortString) {
          columns->columns[i].ends[r] = static_cast<uint32_t>(columns->columns[i].values.size());
        } else if (step.kind != Kind::kInKey) {
          PageColumns::Column& out = columns->columns[i];
          std::memset(out.values.data() + r * out.width, 0, out.width);
        }
        continue;
      }
      PageColumns::Column& out = columns->columns[i];
      if (step.kind == Kind::kString) {
        std::string_view in = row.substr(pos);
        uint32_t len = 0;
        if (!ReadVarint32(&in, &len) || in.size() < len) {
          return Status::Corruption("row truncated in column " + std::to_string(step.column));
        }
        out.values.append(in.data(), len);
        out.ends[r] = static_cast<uint32_t>(out.values.size());
        pos = row.size() - in.size() + len;
        continue;
      }
      if (row.size() - pos < step.width) {
        return Status::Corruption("row truncated in column " + std::to_string(step.column));
      }
      const char* const p = row.data() + pos;
      if (step.kind != Kind::kShortString) {
        CopyValue(out.values.data() + r * out.width, p, out.width);
      } else if (!ScatterShortString(p, step.width, r, &out)) {
        return BadLength(step.column);
      }
      pos += step.width;
    }
  }
  if (pos != row.size()) return Status::Corruption("row has trailing bytes");
  return Status::OK();
}

RowDecoder::RowDecoder(std::vector<ColumnType> types, std::vector<int> key_offsets)
    : types_(std::move(types)),
      key_offsets_(key_offsets.empty() ? std::vector<int>(types_.size(), -1)
                                       : std::move(key_offsets)),
      bitmap_bytes_((types_.size() + 7) / 8) {}

Status RowDecoder::DecodeInto(std::string_view row, std::string_view key,
                              const std::vector<int>& projection, ColumnBatch* batch) const {
  return ProjectedRowDecoder(types_, key_offsets_, projection).DecodeInto(row, key, batch);
}

}  // namespace skyshard
