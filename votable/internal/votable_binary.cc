// BINARY and BINARY2 rows (VOTable 1.4 sections 5.4 and 5.5): every value big-endian at its
// fixed width, strings as a 4-byte length and their bytes ("*" and "N*") or NUL-padded to N
// bytes ("N"). BINARY2 puts a bitmap of NULL flags before each row, most significant bit first;
// its NULL cells still carry a value of the right width (NaN for floats, zeros otherwise, '?'
// for booleans). BINARY has no flags: NULL integers are the sentinel declared in the FIELD's
// VALUES, NULL floats NaN, NULL booleans '?', NULL strings empty.

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "votable/internal/base64.h"
#include "votable/internal/utf8.h"
#include "votable/internal/votable_writer.h"

namespace skyshard::votable_internal {
namespace {

template <typename U>
void AppendBigEndian(U v, std::string* out) {
  // One append of the byte-swapped value (the host is little-endian: common/endian checks in
  // storage) rather than a push_back per byte: this is the inner loop of every BINARY2 result.
  if constexpr (sizeof(U) == 2) {
    v = __builtin_bswap16(v);
  } else if constexpr (sizeof(U) == 4) {
    v = __builtin_bswap32(v);
  } else {
    static_assert(sizeof(U) == 8);
    v = __builtin_bswap64(v);
  }
  char bytes[sizeof(U)];
  std::memcpy(bytes, &v, sizeof(U));
  out->append(bytes, sizeof(U));
}

}  // namespace

Status VOTableWriter::AppendBinaryRow(const ColumnBatch& batch, size_t row) {
  const size_t mark = raw_.size();
  const bool flags = serialization_ == Serialization::kBinary2;
  const size_t flag_at = raw_.size();
  if (flags) raw_.append((batch.columns.size() + 7) / 8, '\0');
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    const ColumnVector& col = batch.columns[c];
    const FieldLayout& layout = layouts_[c];
    const bool null = col.IsNull(row);
    if (null && flags) {
      raw_[flag_at + c / 8] = static_cast<char>(raw_[flag_at + c / 8] | (0x80 >> (c % 8)));
    }
    switch (layout.type) {
      case DataType::kSmallInt:
      case DataType::kInteger:
      case DataType::kBigInt: {
        int64_t v = col.ints[row];
        if (null) {
          v = flags ? 0 : BinaryNullSentinel(layout.type);
        } else {
          Status s = CheckIntRange(layout, fields_[c], v, next_row_);
          if (!s.ok()) {
            raw_.resize(mark);
            return s;
          }
        }
        if (layout.type == DataType::kSmallInt) {
          AppendBigEndian(static_cast<uint16_t>(v), &raw_);
        } else if (layout.type == DataType::kInteger) {
          AppendBigEndian(static_cast<uint32_t>(v), &raw_);
        } else {
          AppendBigEndian(static_cast<uint64_t>(v), &raw_);
        }
        break;
      }
      case DataType::kBoolean:
        raw_.push_back(null ? '?' : (col.ints[row] != 0 ? 'T' : 'F'));
        break;
      case DataType::kReal: {
        const float v =
            null ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(col.doubles[row]);
        AppendBigEndian(std::bit_cast<uint32_t>(v), &raw_);
        break;
      }
      case DataType::kDouble: {
        const double v = null ? std::numeric_limits<double>::quiet_NaN() : col.doubles[row];
        AppendBigEndian(std::bit_cast<uint64_t>(v), &raw_);
        break;
      }
      case DataType::kTimestamp:
      case DataType::kChar:
      case DataType::kVarChar: {
        std::string formatted;
        std::string_view v;
        if (null) {
          v = {};
        } else if (layout.type == DataType::kTimestamp) {
          formatted = FormatTimestamp(col.ints[row]);
          v = formatted;
        } else {
          v = ValidUtf8(col.strings[row], &scratch_);
        }
        Status s = CheckStringLength(layout, fields_[c], v, next_row_);
        if (!s.ok()) {
          raw_.resize(mark);
          return s;
        }
        // Lengths and padding count array elements: bytes for char, UTF-16 units for
        // unicodeChar.
        const size_t length = ArrayLength(layout, v);
        const size_t element_bytes = layout.unicode ? 2 : 1;
        if (layout.shape != StringShape::kFixed) {
          AppendBigEndian(static_cast<uint32_t>(length), &raw_);
        }
        if (layout.unicode) {
          AppendUtf16BigEndian(v, &raw_);
        } else {
          raw_.append(v);
        }
        if (layout.shape == StringShape::kFixed) {
          raw_.append((layout.max_length - length) * element_bytes, '\0');
        }
        break;
      }
    }
  }
  return Status::OK();
}

void VOTableWriter::EncodeRaw(bool final) {
  if (!final && raw_.size() < raw_chunk_) return;
  const size_t done = AppendBase64Lines(raw_, final, out_.data());
  // What is left is less than one line (57 bytes): moving it to the front is cheap.
  raw_.erase(0, done);
}

}  // namespace skyshard::votable_internal
