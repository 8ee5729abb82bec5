#include "storage/row_codec.h"

#include <bit>
#include <cstring>

namespace skyshard {

namespace {

static_assert(std::endian::native == std::endian::little,
              "the row format is little-endian; a big-endian port must byte-swap here");

template <typename T>
void AppendRaw(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

void AppendVarint32(std::string* out, uint32_t v) {
  char buf[5];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

template <typename T>
bool ReadRaw(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

bool ReadVarint32(std::string_view* in, uint32_t* v) {
  uint32_t result = 0;
  for (int shift = 0; shift <= 28 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

}  // namespace

RowEncoder::RowEncoder(std::vector<ColumnType> types, std::vector<int> key_offsets)
    : types_(std::move(types)),
      key_offsets_(key_offsets.empty() ? std::vector<int>(types_.size(), -1)
                                       : std::move(key_offsets)),
      bitmap_bytes_((types_.size() + 7) / 8) {}

void RowEncoder::Encode(const ColumnBatch& batch, const std::vector<int>& column_map, size_t row,
                        std::string* out) const {
  const size_t bitmap_at = out->size();
  out->append(bitmap_bytes_, '\0');
  for (size_t i = 0; i < types_.size(); ++i) {
    const ColumnVector& col = batch.columns[static_cast<size_t>(column_map[i])];
    if (col.nulls[row]) {
      (*out)[bitmap_at + i / 8] = static_cast<char>((*out)[bitmap_at + i / 8] | (1 << (i % 8)));
      continue;
    }
    if (key_offsets_[i] >= 0) continue;  // the key carries it
    switch (types_[i].type) {
      case DataType::kSmallInt:
        AppendRaw(out, static_cast<int16_t>(col.ints[row]));
        break;
      case DataType::kInteger:
        AppendRaw(out, static_cast<int32_t>(col.ints[row]));
        break;
      case DataType::kBigInt:
      case DataType::kTimestamp:
        AppendRaw(out, col.ints[row]);
        break;
      case DataType::kBoolean:
        out->push_back(col.ints[row] != 0 ? 1 : 0);
        break;
      case DataType::kReal:
        AppendRaw(out, static_cast<float>(col.doubles[row]));
        break;
      case DataType::kDouble:
        AppendRaw(out, col.doubles[row]);
        break;
      case DataType::kChar:
      case DataType::kVarChar: {
        const std::string& s = col.strings[row];
        AppendVarint32(out, static_cast<uint32_t>(s.size()));
        out->append(s);
        break;
      }
    }
  }
}

RowDecoder::RowDecoder(std::vector<ColumnType> types, std::vector<int> key_offsets)
    : types_(std::move(types)),
      key_offsets_(key_offsets.empty() ? std::vector<int>(types_.size(), -1)
                                       : std::move(key_offsets)),
      bitmap_bytes_((types_.size() + 7) / 8) {}

Status RowDecoder::DecodeInto(std::string_view row, std::string_view key,
                              const std::vector<int>& projection, ColumnBatch* batch) const {
  if (row.size() < bitmap_bytes_) return Status::Corruption("row shorter than its NULL bitmap");
  const std::string_view bitmap = row.substr(0, bitmap_bytes_);
  std::string_view in = row.substr(bitmap_bytes_);
  // Columns are variable-length, so reaching column k requires walking 0..k-1 anyway: decode
  // each in turn and copy it to every output slot that projects it (a column may appear twice).
  for (size_t i = 0; i < types_.size(); ++i) {
    const bool is_null = (static_cast<uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1;
    int64_t iv = 0;
    double dv = 0;
    std::string_view sv;
    if (!is_null && key_offsets_[i] >= 0) {
      const auto at = static_cast<size_t>(key_offsets_[i]);
      if (key.size() < at + 8)
        return Status::Corruption("key too short for column " + std::to_string(i));
      uint64_t be;
      std::memcpy(&be, key.data() + at, 8);
      iv = static_cast<int64_t>(__builtin_bswap64(be) ^ (uint64_t{1} << 63));
    } else if (!is_null) {
      bool ok = true;
      switch (types_[i].type) {
        case DataType::kSmallInt: {
          int16_t v;
          ok = ReadRaw(&in, &v);
          iv = v;
          break;
        }
        case DataType::kInteger: {
          int32_t v;
          ok = ReadRaw(&in, &v);
          iv = v;
          break;
        }
        case DataType::kBigInt:
        case DataType::kTimestamp:
          ok = ReadRaw(&in, &iv);
          break;
        case DataType::kBoolean: {
          uint8_t v;
          ok = ReadRaw(&in, &v);
          iv = v;
          break;
        }
        case DataType::kReal: {
          float v;
          ok = ReadRaw(&in, &v);
          dv = v;
          break;
        }
        case DataType::kDouble:
          ok = ReadRaw(&in, &dv);
          break;
        case DataType::kChar:
        case DataType::kVarChar: {
          uint32_t len;
          ok = ReadVarint32(&in, &len) && in.size() >= len;
          if (ok) {
            sv = in.substr(0, len);
            in.remove_prefix(len);
          }
          break;
        }
      }
      if (!ok) return Status::Corruption("row truncated in column " + std::to_string(i));
    }
    for (size_t j = 0; j < projection.size(); ++j) {
      if (projection[j] != static_cast<int>(i)) continue;
      ColumnVector& out = batch->columns[j];
      if (is_null) {
        out.AppendNull();
      } else if (IsIntegerLike(types_[i].type)) {
        out.AppendInt(iv);
      } else if (IsFloating(types_[i].type)) {
        out.AppendDouble(dv);
      } else {
        out.AppendString(std::string(sv));
      }
    }
  }
  if (!in.empty()) return Status::Corruption("row has trailing bytes");
  return Status::OK();
}

}  // namespace skyshard
