#include "storage/page_codec.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "storage/internal/coding.h"
#include "storage/internal/keys.h"

namespace skyshard {

namespace {

using internal::AppendRaw;
using internal::AppendVarint32;
using internal::ReadVarint32;

static_assert(std::endian::native == std::endian::little,
              "the page format is little-endian; a big-endian port must byte-swap here");

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr uint8_t kHasNulls = 1;
// More rows than any page the loader writes could hold (a page is closed at ~16 KiB or 4096
// rows): a larger count is damage, not data.
constexpr uint32_t kMaxRows = 1u << 20;

// Bytes of one value of `type` in a fixed-width array, 0 for strings.
size_t Width(DataType type) {
  switch (type) {
    case DataType::kBoolean:
      return 1;
    case DataType::kSmallInt:
      return 2;
    case DataType::kInteger:
    case DataType::kReal:
      return 4;
    case DataType::kBigInt:
    case DataType::kTimestamp:
    case DataType::kDouble:
      return 8;
    case DataType::kChar:
    case DataType::kVarChar:
      return 0;
  }
  return 0;
}

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Appends n values of `col` as a fixed-width array of `type`, NULL slots zero.
void AppendFixed(const ColumnVector& col, DataType type, size_t n, std::string* out) {
  const size_t at = out->size();
  out->resize(at + n * Width(type));
  char* p = out->data() + at;
  for (size_t i = 0; i < n; ++i) {
    const bool null = col.nulls[i] != 0;
    switch (type) {
      case DataType::kBoolean:
        p[i] = static_cast<char>(!null && col.ints[i] != 0 ? 1 : 0);
        break;
      case DataType::kSmallInt: {
        const auto v = static_cast<int16_t>(null ? 0 : col.ints[i]);
        std::memcpy(p + 2 * i, &v, 2);
        break;
      }
      case DataType::kInteger: {
        const auto v = static_cast<int32_t>(null ? 0 : col.ints[i]);
        std::memcpy(p + 4 * i, &v, 4);
        break;
      }
      case DataType::kBigInt:
      case DataType::kTimestamp: {
        const int64_t v = null ? 0 : col.ints[i];
        std::memcpy(p + 8 * i, &v, 8);
        break;
      }
      case DataType::kReal: {
        const auto v = static_cast<float>(null ? 0 : col.doubles[i]);
        std::memcpy(p + 4 * i, &v, 4);
        break;
      }
      case DataType::kDouble: {
        const double v = null ? 0 : col.doubles[i];
        std::memcpy(p + 8 * i, &v, 8);
        break;
      }
      case DataType::kChar:
      case DataType::kVarChar:
        break;  // not fixed-width
    }
  }
}

}  // namespace

PageLayout PageLayout::ForTable(const TableDef& table) {
  PageLayout layout;
  for (const ColumnDef& c : table.columns) layout.types.push_back(c.type);
  switch (table.kind) {
    case TableKind::kPlain:
      layout.key_components = 1;
      layout.key_signed = {true};
      break;
    case TableKind::kSpatial:
      layout.key_components = 2;
      layout.key_signed = {false, true};
      break;
    case TableKind::kChild:
      layout.key_components = 3;
      layout.key_signed = {false, true, true};
      break;
  }
  for (int offset : keys::KeyColumnOffsets(table)) {
    layout.key_component.push_back(offset < 0 ? -1
                                              : (offset - static_cast<int>(keys::kPrefixSize)) / 8);
  }
  return layout;
}

namespace {

// Appends a column's flags byte and, when one of its n values is NULL, its NULL bitmap.
void AppendNulls(const uint8_t* nulls, size_t n, std::string* out) {
  const bool has_nulls = std::any_of(nulls, nulls + n, [](uint8_t v) { return v != 0; });
  out->push_back(static_cast<char>(has_nulls ? kHasNulls : 0));
  if (!has_nulls) return;
  const size_t at = out->size();
  out->append((n + 7) / 8, '\0');
  for (size_t i = 0; i < n; ++i) {
    if (nulls[i] != 0) (*out)[at + i / 8] = static_cast<char>((*out)[at + i / 8] | (1 << (i % 8)));
  }
}

// Appends a page of n rows: the row count, the key arrays, the directory, and the section of
// every column, which `section(j)` appends.
template <typename Section>
void WritePage(const PageLayout& layout, const uint64_t* key_order, size_t n, std::string* out,
               const Section& section) {
  const size_t k = layout.key_components;
  AppendVarint32(out, static_cast<uint32_t>(n));
  for (size_t c = 0; c < k; ++c) {
    const uint64_t flip = layout.key_signed[c] ? kSignBit : 0;
    for (size_t i = 0; i < n; ++i) AppendRaw(out, key_order[i * k + c] ^ flip);
  }
  const size_t ncols = layout.types.size();
  const size_t directory = out->size();
  out->append(ncols * 4, '\0');
  const size_t area = out->size();
  for (size_t j = 0; j < ncols; ++j) {
    section(j);
    const auto end = static_cast<uint32_t>(out->size() - area);
    std::memcpy(out->data() + directory + j * 4, &end, 4);
  }
}

}  // namespace

void EncodePage(const PageLayout& layout, const uint64_t* key_order, const ColumnBatch& rows,
                size_t n, std::string* out) {
  WritePage(layout, key_order, n, out, [&](size_t j) {
    const ColumnVector& col = rows.columns[j];
    AppendNulls(col.nulls.data(), n, out);
    const DataType type = layout.types[j].type;
    if (layout.key_component[j] >= 0) {
      // The key arrays hold the values.
    } else if (IsString(type)) {
      uint32_t offset = 0;
      AppendRaw(out, offset);
      for (size_t i = 0; i < n; ++i) {
        if (col.nulls[i] == 0) offset += static_cast<uint32_t>(col.strings[i].size());
        AppendRaw(out, offset);
      }
      for (size_t i = 0; i < n; ++i) {
        if (col.nulls[i] == 0) out->append(col.strings[i]);
      }
    } else {
      AppendFixed(col, type, n, out);
    }
  });
}

void PageColumns::Reset(const PageLayout& layout, size_t max_rows) {
  columns.assign(layout.types.size(), Column());
  groups = (columns.size() + 7) / 8;
  masks.assign(max_rows * groups, 0);
  for (size_t j = 0; j < columns.size(); ++j) {
    Column& c = columns[j];
    if (layout.key_component[j] >= 0) continue;
    c.width = Width(layout.types[j].type);
    if (c.width == 0) {
      c.ends.assign(max_rows, 0);
    } else {
      c.values.assign(max_rows * c.width, '\0');
    }
  }
}

void PageColumns::ClearStrings() {
  for (Column& c : columns) {
    if (c.width == 0) c.values.clear();
  }
}

void EncodePage(const PageLayout& layout, const uint64_t* key_order, const PageColumns& columns,
                size_t n, std::string* out) {
  // Which columns have a NULL in the page: most have none, and their flags byte says so.
  const size_t groups = columns.groups;
  std::vector<uint8_t> any(groups, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t g = 0; g < groups; ++g) any[g] |= columns.masks[i * groups + g];
  }
  WritePage(layout, key_order, n, out, [&](size_t j) {
    const PageColumns::Column& col = columns.columns[j];
    const size_t g = j / 8;
    const auto bit = static_cast<uint8_t>(1u << (j % 8));
    out->push_back(static_cast<char>((any[g] & bit) != 0 ? kHasNulls : 0));
    if ((any[g] & bit) != 0) {
      const size_t at = out->size();
      out->append((n + 7) / 8, '\0');
      for (size_t i = 0; i < n; ++i) {
        if ((columns.masks[i * groups + g] & bit) != 0) {
          (*out)[at + i / 8] = static_cast<char>((*out)[at + i / 8] | (1 << (i % 8)));
        }
      }
    }
    if (layout.key_component[j] >= 0) {
      // The key arrays hold the values.
    } else if (col.width == 0) {
      AppendRaw(out, uint32_t{0});
      out->append(reinterpret_cast<const char*>(col.ends.data()), n * sizeof(uint32_t));
      out->append(col.values.data(), col.ends[n - 1]);
    } else {
      out->append(col.values.data(), n * col.width);
    }
  });
}

Status PageView::Parse(const PageLayout* layout, std::string_view page,
                       const std::vector<int>* columns) {
  layout_ = layout;
  rows_ = 0;
  std::string_view in = page;
  uint32_t n;
  if (!ReadVarint32(&in, &n)) return Status::Corruption("page too short for its row count");
  if (n == 0 || n > kMaxRows) {
    return Status::Corruption("page row count " + std::to_string(n) + " is out of range");
  }
  const size_t k = layout->key_components;
  const size_t ncols = layout->types.size();
  if (in.size() < k * 8 * n + ncols * 4) {
    return Status::Corruption("page of " + std::to_string(n) + " rows is " +
                              std::to_string(page.size()) +
                              " bytes, too short for its key arrays and column directory");
  }
  keys_ = in.data();
  for (size_t c = 0; c < k; ++c) flip_[c] = layout->key_signed[c] ? kSignBit : 0;
  const char* directory = in.data() + k * 8 * n;
  area_ = directory + ncols * 4;
  directory_ = directory;
  area_size_ = in.size() - k * 8 * n - ncols * 4;
  // The directory, whole: every section inside the area, in order, the last one ending it.
  uint32_t begin = 0;
  for (size_t j = 0; j < ncols; ++j) {
    const auto end = Load<uint32_t>(directory + j * 4);
    if (end < begin || end > area_size_) {
      return Status::Corruption("page column " + std::to_string(j) + ": section ends at " +
                                std::to_string(end) + ", outside [" + std::to_string(begin) + ", " +
                                std::to_string(area_size_) + "]");
    }
    begin = end;
  }
  if (begin != area_size_) {
    return Status::Corruption("page has " + std::to_string(area_size_ - begin) +
                              " bytes past its last column");
  }
  rows_ = n;
  sections_.resize(ncols);
  parsed_.assign(ncols, 0);
  // Each section starts on its own cache line, far from the others: ask for those to be read
  // before the loop below needs them one by one (a point read of a page, found in the block
  // cache but not in the CPU's, otherwise waits for one miss after the other).
  auto each = [&](auto&& fn) -> Status {
    if (columns == nullptr) {
      for (size_t j = 0; j < ncols; ++j) SKY_RETURN_IF_ERROR(fn(j));
    } else {
      for (int j : *columns) SKY_RETURN_IF_ERROR(fn(static_cast<size_t>(j)));
    }
    return Status::OK();
  };
  (void)each([&](size_t j) {
    const uint32_t start = SectionStart(j);
    if (start < area_size_) __builtin_prefetch(area_ + start);
    return Status::OK();
  });
  Status s = each([&](size_t j) { return ParseSection(j); });
  if (!s.ok()) rows_ = 0;
  return s;
}

uint32_t PageView::SectionStart(size_t j) const {
  return j == 0 ? 0 : Load<uint32_t>(directory_ + (j - 1) * 4);
}

Status PageView::ParseSection(size_t j) {
  if (parsed_[j]) return Status::OK();
  const uint32_t begin = SectionStart(j);
  const auto end = Load<uint32_t>(directory_ + j * 4);
  auto fail = [&](const std::string& what) {
    return Status::Corruption("page column " + std::to_string(j) + ": " + what);
  };
  const size_t n = rows_;
  const char* p = area_ + begin;
  size_t left = end - begin;
  if (left < 1) return fail("section has no flags byte");
  const auto flags = static_cast<uint8_t>(*p);
  if ((flags & ~kHasNulls) != 0) return fail("unknown flags " + std::to_string(flags));
  ++p;
  --left;
  Section& s = sections_[j];
  s = Section{};
  if ((flags & kHasNulls) != 0) {
    const size_t bitmap_bytes = (n + 7) / 8;
    if (left < bitmap_bytes) return fail("section too short for its NULL bitmap");
    s.nulls = p;
    p += bitmap_bytes;
    left -= bitmap_bytes;
  }
  const DataType type = layout_->types[j].type;
  size_t expected = 0;
  if (layout_->key_component[j] >= 0) {
    expected = 0;
  } else if (IsString(type)) {
    const size_t offsets = (n + 1) * 4;
    if (left < offsets) return fail("section too short for its string offsets");
    s.values = p;
    s.bytes = p + offsets;
    s.bytes_size = static_cast<uint32_t>(left - offsets);
    if (Load<uint32_t>(p) != 0 || Load<uint32_t>(p + n * 4) != s.bytes_size) {
      return fail("string offsets do not span its " + std::to_string(s.bytes_size) + " bytes");
    }
    expected = left;
  } else {
    s.values = p;
    expected = n * Width(type);
  }
  if (left != expected) {
    return fail("section holds " + std::to_string(left) + " value bytes, " +
                std::to_string(expected) + " expected for " + std::to_string(n) + " rows");
  }
  parsed_[j] = 1;
  return Status::OK();
}

uint64_t PageView::KeyOrder(size_t c, size_t i) const {
  return Load<uint64_t>(keys_ + (c * rows_ + i) * 8) ^ flip_[c];
}

// Row i's first k components against `tuple`.
int PageView::Compare(size_t i, const uint64_t* tuple, size_t k) const {
  for (size_t c = 0; c < k; ++c) {
    const uint64_t a = KeyOrder(c, i);
    if (a != tuple[c]) return a < tuple[c] ? -1 : 1;
  }
  return 0;
}

size_t PageView::LowerBound(const uint64_t* tuple, size_t k, size_t from) const {
  size_t lo = from, hi = rows_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (Compare(mid, tuple, k) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

size_t PageView::UpperBound(const uint64_t* tuple, size_t k, size_t from) const {
  size_t lo = from, hi = rows_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (Compare(mid, tuple, k) <= 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

void PageView::Prefetch(size_t column, size_t row) const {
  if (parsed_[column] == 0) return;
  const Section& s = sections_[column];
  if (s.values == nullptr) return;
  const DataType type = layout_->types[column].type;
  __builtin_prefetch(s.values + row * (IsString(type) ? 4 : Width(type)));
}

Status PageView::DecodeColumn(size_t column, size_t begin, size_t end, ColumnVector* out,
                              size_t at) const {
  if (parsed_[column] == 0) {
    return Status::Internal("page column " + std::to_string(column) + " read but not parsed");
  }
  const Section& s = sections_[column];
  const size_t count = end - begin;
  uint8_t* nulls = out->nulls.data() + at;
  if (s.nulls == nullptr) {
    std::memset(nulls, 0, count);
  } else {
    for (size_t i = 0; i < count; ++i) {
      const size_t r = begin + i;
      nulls[i] = static_cast<uint8_t>((static_cast<uint8_t>(s.nulls[r / 8]) >> (r % 8)) & 1);
    }
  }
  const DataType type = layout_->types[column].type;
  const int kc = layout_->key_component[column];
  if (kc >= 0) {
    int64_t* v = out->ints.data() + at;
    const char* src = keys_ + (static_cast<size_t>(kc) * rows_ + begin) * 8;
    std::memcpy(v, src, count * 8);
    for (size_t i = 0; i < count; ++i) {
      if (nulls[i] != 0) v[i] = 0;
    }
    return Status::OK();
  }
  switch (type) {
    case DataType::kBoolean: {
      int64_t* v = out->ints.data() + at;
      for (size_t i = 0; i < count; ++i) v[i] = static_cast<uint8_t>(s.values[begin + i]);
      break;
    }
    case DataType::kSmallInt: {
      int64_t* v = out->ints.data() + at;
      for (size_t i = 0; i < count; ++i) v[i] = Load<int16_t>(s.values + (begin + i) * 2);
      break;
    }
    case DataType::kInteger: {
      int64_t* v = out->ints.data() + at;
      for (size_t i = 0; i < count; ++i) v[i] = Load<int32_t>(s.values + (begin + i) * 4);
      break;
    }
    case DataType::kBigInt:
    case DataType::kTimestamp:
      std::memcpy(out->ints.data() + at, s.values + begin * 8, count * 8);
      break;
    case DataType::kReal: {
      double* v = out->doubles.data() + at;
      for (size_t i = 0; i < count; ++i) v[i] = Load<float>(s.values + (begin + i) * 4);
      break;
    }
    case DataType::kDouble:
      std::memcpy(out->doubles.data() + at, s.values + begin * 8, count * 8);
      break;
    case DataType::kChar:
    case DataType::kVarChar: {
      uint32_t from = Load<uint32_t>(s.values + begin * 4);
      for (size_t i = 0; i < count; ++i) {
        const uint32_t to = Load<uint32_t>(s.values + (begin + i + 1) * 4);
        if (to < from || to > s.bytes_size) {
          return Status::Corruption("page column " + std::to_string(column) + " row " +
                                    std::to_string(begin + i) + ": string offset " +
                                    std::to_string(to) + " outside [" + std::to_string(from) +
                                    ", " + std::to_string(s.bytes_size) + "]");
        }
        out->strings[at + i].assign(s.bytes + from, to - from);
        from = to;
      }
      break;
    }
  }
  return Status::OK();
}

}  // namespace skyshard
