#include "votable/votable_reader.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <pugixml.hpp>

#include "common/ascii.h"
#include "common/types.h"
#include "votable/internal/utf8.h"

namespace skyshard {
namespace {

using votable_internal::ValidUtf8;

// The VOTable primitive of a FIELD.
enum class Prim {
  kBoolean,
  kBit,
  kUnsignedByte,
  kShort,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kChar,
  kUnicodeChar,
};

// How one FIELD is read and what it becomes.
struct Column {
  Prim prim = Prim::kDouble;
  bool is_array = false;     // an arraysize was given
  bool variable = false;     // the last dimension is '*' (BINARY: a 4-byte count first)
  uint64_t fixed_count = 1;  // elements of a fixed array, or of the fixed dims of a variable one
  bool as_text = false;      // a numeric/boolean array stored as varchar text
  bool has_null = false;     // <VALUES null="...">
  std::string null_text;
  int64_t null_int = 0;
  FieldInfo info;
};

std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& node, std::string_view local) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) return c;
  }
  return {};
}

// The first TABLE element in document order.
pugi::xml_node FindTable(const pugi::xml_node& node) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (LocalName(c) == "TABLE") return c;
    pugi::xml_node found = FindTable(c);
    if (found) return found;
  }
  return {};
}

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Where(const Column& col, uint64_t row) {
  return "column '" + col.info.name + "', row " + std::to_string(row);
}

Result<Prim> ParsePrim(std::string_view datatype, const std::string& column) {
  if (datatype == "boolean") return Prim::kBoolean;
  if (datatype == "bit") return Prim::kBit;
  if (datatype == "unsignedByte") return Prim::kUnsignedByte;
  if (datatype == "short") return Prim::kShort;
  if (datatype == "int") return Prim::kInt;
  if (datatype == "long") return Prim::kLong;
  if (datatype == "float") return Prim::kFloat;
  if (datatype == "double") return Prim::kDouble;
  if (datatype == "char") return Prim::kChar;
  if (datatype == "unicodeChar") return Prim::kUnicodeChar;
  if (datatype == "floatComplex" || datatype == "doubleComplex") {
    return Status::Unsupported("column '" + column + "': complex numbers (" +
                               std::string(datatype) + ") cannot be uploaded");
  }
  if (datatype.empty()) {
    return Status::InvalidArgument("column '" + column + "': FIELD has no datatype");
  }
  return Status::InvalidArgument("column '" + column + "': unknown VOTable datatype '" +
                                 std::string(datatype) + "'");
}

// Parses an arraysize such as "*", "12", "12*", "2x3", "3x*" into the column.
Status ParseArraysize(std::string_view text, Column* col) {
  col->is_array = !text.empty();
  if (text.empty()) return Status::OK();
  uint64_t product = 1;
  size_t dims = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t x = text.find('x', pos);
    std::string_view dim = text.substr(pos, x == std::string_view::npos ? text.npos : x - pos);
    ++dims;
    const bool last = x == std::string_view::npos;
    if (dim == "*" || (!dim.empty() && dim.back() == '*')) {
      if (!last) {
        return Status::InvalidArgument("column '" + col->info.name + "': arraysize '" +
                                       std::string(text) + "' has '*' before the last dimension");
      }
      col->variable = true;
      // "N*": at most N; the bound does not change how the value is read.
    } else {
      uint64_t n = 0;
      auto res = std::from_chars(dim.data(), dim.data() + dim.size(), n);
      if (dim.empty() || res.ec != std::errc() || res.ptr != dim.data() + dim.size() || n == 0 ||
          n > (1u << 24)) {
        return Status::InvalidArgument("column '" + col->info.name + "': bad arraysize '" +
                                       std::string(text) + "'");
      }
      product *= n;
      if (product > (uint64_t{1} << 26)) {
        return Status::LimitExceeded("column '" + col->info.name + "': arraysize '" +
                                     std::string(text) + "' is too large");
      }
    }
    if (last) break;
    pos = x + 1;
  }
  col->fixed_count = product;
  const bool chars = col->prim == Prim::kChar || col->prim == Prim::kUnicodeChar;
  if (chars && dims > 1) {
    return Status::Unsupported("column '" + col->info.name +
                               "': multidimensional character arrays (arraysize '" +
                               std::string(text) + "') cannot be uploaded");
  }
  return Status::OK();
}

Result<int64_t> ParseInteger(std::string_view text, const Column& col, uint64_t row) {
  std::string_view t = text;
  bool negative = false;
  if (!t.empty() && (t.front() == '+' || t.front() == '-')) {
    negative = t.front() == '-';
    t.remove_prefix(1);
  }
  int base = 10;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    base = 16;
    t.remove_prefix(2);
  }
  uint64_t magnitude = 0;
  auto res = std::from_chars(t.data(), t.data() + t.size(), magnitude, base);
  if (t.empty() || res.ec != std::errc() || res.ptr != t.data() + t.size()) {
    return Status::InvalidArgument(Where(col, row) + ": '" + std::string(text.substr(0, 40)) +
                                   "' is not an integer");
  }
  if (base == 16 && !negative) return static_cast<int64_t>(magnitude);  // two's complement
  if (negative) {
    if (magnitude > uint64_t{1} << 63) {
      return Status::InvalidArgument(Where(col, row) + ": '" + std::string(text) +
                                     "' is out of range");
    }
    return magnitude == uint64_t{1} << 63 ? std::numeric_limits<int64_t>::min()
                                          : -static_cast<int64_t>(magnitude);
  }
  if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status::InvalidArgument(Where(col, row) + ": '" + std::string(text) +
                                   "' is out of range");
  }
  return static_cast<int64_t>(magnitude);
}

Status CheckIntRange(int64_t v, const Column& col, uint64_t row) {
  int64_t lo = std::numeric_limits<int64_t>::min();
  int64_t hi = std::numeric_limits<int64_t>::max();
  switch (col.prim) {
    case Prim::kUnsignedByte:
      lo = 0;
      hi = 255;
      break;
    case Prim::kShort:
      lo = std::numeric_limits<int16_t>::min();
      hi = std::numeric_limits<int16_t>::max();
      break;
    case Prim::kInt:
      lo = std::numeric_limits<int32_t>::min();
      hi = std::numeric_limits<int32_t>::max();
      break;
    default:
      break;
  }
  if (v < lo || v > hi) {
    return Status::InvalidArgument(Where(col, row) + ": " + std::to_string(v) +
                                   " does not fit datatype " +
                                   std::string(VOTableTypeName(col.info.type.type)));
  }
  return Status::OK();
}

Result<double> ParseFloat(std::string_view text, const Column& col, uint64_t row) {
  std::string t(text);
  const std::string lower = AsciiLower(t);
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (lower == "inf" || lower == "+inf" || lower == "infinity" || lower == "+infinity") {
    return std::numeric_limits<double>::infinity();
  }
  if (lower == "-inf" || lower == "-infinity") return -std::numeric_limits<double>::infinity();
  std::string_view s = t;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) {
    if (res.ec == std::errc::result_out_of_range) return std::strtod(t.c_str(), nullptr);
    return Status::InvalidArgument(Where(col, row) + ": '" + std::string(text.substr(0, 40)) +
                                   "' is not a number");
  }
  return v;
}

// Appends one TABLEDATA cell to `vec`.
Status AppendText(const Column& col, std::string_view raw, uint64_t row, ColumnVector* vec) {
  const DataType type = col.info.type.type;
  if (IsString(type) && !col.as_text) {
    if (raw.empty()) {
      vec->AppendNull();
      return Status::OK();
    }
    std::string scratch;
    vec->AppendString(std::string(ValidUtf8(raw, &scratch)));
    return Status::OK();
  }
  const std::string_view text = TrimWs(raw);
  if (text.empty() || (col.has_null && text == col.null_text)) {
    vec->AppendNull();
    return Status::OK();
  }
  if (col.as_text) {
    std::string scratch;
    vec->AppendString(std::string(ValidUtf8(text, &scratch)));
    return Status::OK();
  }
  switch (type) {
    case DataType::kBoolean: {
      if (text == "?") {
        vec->AppendNull();
        return Status::OK();
      }
      const std::string lower = AsciiLower(text);
      if (lower == "t" || lower == "true" || lower == "1") {
        vec->AppendInt(1);
      } else if (lower == "f" || lower == "false" || lower == "0") {
        vec->AppendInt(0);
      } else {
        return Status::InvalidArgument(Where(col, row) + ": '" + std::string(text.substr(0, 40)) +
                                       "' is not a boolean");
      }
      return Status::OK();
    }
    case DataType::kSmallInt:
    case DataType::kInteger:
    case DataType::kBigInt: {
      SKY_ASSIGN_OR_RETURN(int64_t v, ParseInteger(text, col, row));
      SKY_RETURN_IF_ERROR(CheckIntRange(v, col, row));
      vec->AppendInt(v);
      return Status::OK();
    }
    case DataType::kReal:
    case DataType::kDouble: {
      SKY_ASSIGN_OR_RETURN(double v, ParseFloat(text, col, row));
      vec->AppendDouble(type == DataType::kReal ? static_cast<double>(static_cast<float>(v)) : v);
      return Status::OK();
    }
    case DataType::kTimestamp: {
      Result<int64_t> micros = ParseTimestamp(text);
      if (!micros.ok()) {
        return Status::InvalidArgument(Where(col, row) + ": " + micros.status().message());
      }
      vec->AppendInt(*micros);
      return Status::OK();
    }
    default:
      return Status::Internal(Where(col, row) + ": unexpected column type");
  }
}

// ---- BINARY and BINARY2 ----------------------------------------------------------------------

Result<std::string> DecodeBase64(std::string_view text) {
  static const auto kTable = [] {
    std::array<int16_t, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i)
      t[static_cast<unsigned char>(alphabet[i])] = static_cast<int16_t>(i);
    return t;
  }();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') break;
    const int v = kTable[static_cast<unsigned char>(c)];
    if (v < 0) return Status::InvalidArgument("STREAM holds a character that is not base64");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}
  bool AtEnd() const { return pos_ >= data_.size(); }
  bool Has(uint64_t n) const { return n <= data_.size() - pos_; }
  std::string_view Take(size_t n) {
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  uint64_t BigEndian(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(data_[pos_ + i]);
    pos_ += n;
    return v;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

size_t ElementBytes(Prim p) {
  switch (p) {
    case Prim::kBoolean:
    case Prim::kUnsignedByte:
    case Prim::kChar:
    case Prim::kBit:
      return 1;
    case Prim::kShort:
    case Prim::kUnicodeChar:
      return 2;
    case Prim::kInt:
    case Prim::kFloat:
      return 4;
    case Prim::kLong:
    case Prim::kDouble:
      return 8;
  }
  return 1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// One binary element as the text TABLEDATA would hold (for arrays stored as text).
std::string ElementText(Prim p, ByteReader* r) {
  switch (p) {
    case Prim::kBoolean: {
      const char c = r->Take(1)[0];
      return (c == 'T' || c == 't' || c == '1')   ? "T"
             : (c == 'F' || c == 'f' || c == '0') ? "F"
                                                  : "?";
    }
    case Prim::kUnsignedByte:
      return std::to_string(r->BigEndian(1));
    case Prim::kShort:
      return std::to_string(static_cast<int16_t>(r->BigEndian(2)));
    case Prim::kInt:
      return std::to_string(static_cast<int32_t>(r->BigEndian(4)));
    case Prim::kLong:
      return std::to_string(static_cast<int64_t>(r->BigEndian(8)));
    case Prim::kFloat: {
      const auto bits = static_cast<uint32_t>(r->BigEndian(4));
      float f;
      std::memcpy(&f, &bits, 4);
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, f);
      return std::string(buf, res.ptr);
    }
    case Prim::kDouble: {
      const uint64_t bits = r->BigEndian(8);
      double d;
      std::memcpy(&d, &bits, 8);
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, d);
      return std::string(buf, res.ptr);
    }
    default:
      return {};
  }
}

// Reads one cell of `col` from `r`, appending it to `vec` (NULL when `flagged_null`).
Status ReadBinaryCell(const Column& col, bool binary2, bool flagged_null, uint64_t row,
                      ByteReader* r, ColumnVector* vec) {
  uint64_t count = col.fixed_count;
  if (col.variable) {
    if (!r->Has(4)) return Status::InvalidArgument("BINARY stream ends inside " + Where(col, row));
    count = r->BigEndian(4) * col.fixed_count;
  }
  if (!col.is_array) count = 1;
  const uint64_t bytes = col.prim == Prim::kBit ? (count + 7) / 8 : count * ElementBytes(col.prim);
  if (count > (uint64_t{1} << 31) || !r->Has(bytes)) {
    return Status::InvalidArgument("BINARY stream ends inside " + Where(col, row));
  }
  const DataType type = col.info.type.type;
  if (col.prim == Prim::kChar || col.prim == Prim::kUnicodeChar) {
    std::string value;
    if (col.prim == Prim::kChar) {
      std::string_view raw = r->Take(bytes);
      size_t nul = raw.find('\0');
      if (nul != std::string_view::npos) raw = raw.substr(0, nul);
      std::string scratch;
      value = std::string(ValidUtf8(raw, &scratch));
    } else {
      for (uint64_t i = 0; i < count; ++i) {
        uint32_t unit = static_cast<uint32_t>(r->BigEndian(2));
        if (unit == 0) {  // padding of a fixed-length value
          r->Take((count - i - 1) * 2);
          break;
        }
        if (unit >= 0xD800 && unit < 0xDC00 && i + 1 < count) {
          const auto low = static_cast<uint32_t>(r->BigEndian(2));
          ++i;
          if (low >= 0xDC00 && low < 0xE000) {
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          } else {
            unit = 0xFFFD;
          }
        } else if (unit >= 0xD800 && unit < 0xE000) {
          unit = 0xFFFD;
        }
        AppendUtf8(unit, &value);
      }
    }
    if (flagged_null || (!binary2 && value.empty())) {
      vec->AppendNull();
    } else if (type == DataType::kTimestamp) {
      Result<int64_t> micros = ParseTimestamp(value);
      if (!micros.ok()) {
        return Status::InvalidArgument(Where(col, row) + ": " + micros.status().message());
      }
      vec->AppendInt(*micros);
    } else {
      vec->AppendString(std::move(value));
    }
    return Status::OK();
  }
  if (col.as_text) {
    std::string text;
    if (col.prim == Prim::kBit) {
      std::string_view raw = r->Take(bytes);
      for (uint64_t i = 0; i < count; ++i) {
        if (i) text.push_back(' ');
        text.push_back((static_cast<unsigned char>(raw[i / 8]) >> (7 - i % 8)) & 1 ? '1' : '0');
      }
    } else {
      for (uint64_t i = 0; i < count; ++i) {
        if (i) text.push_back(' ');
        text += ElementText(col.prim, r);
      }
    }
    if (flagged_null || (!binary2 && count == 0)) {
      vec->AppendNull();
    } else {
      vec->AppendString(std::move(text));
    }
    return Status::OK();
  }
  // Scalars.
  switch (col.prim) {
    case Prim::kBoolean: {
      const char c = r->Take(1)[0];
      if (flagged_null || !(c == 'T' || c == 't' || c == '1' || c == 'F' || c == 'f' || c == '0')) {
        vec->AppendNull();
      } else {
        vec->AppendInt(c == 'T' || c == 't' || c == '1' ? 1 : 0);
      }
      return Status::OK();
    }
    case Prim::kBit: {
      const auto b = static_cast<unsigned char>(r->Take(1)[0]);
      if (flagged_null) {
        vec->AppendNull();
      } else {
        vec->AppendInt((b >> 7) & 1);
      }
      return Status::OK();
    }
    case Prim::kUnsignedByte:
    case Prim::kShort:
    case Prim::kInt:
    case Prim::kLong: {
      const size_t n = ElementBytes(col.prim);
      const uint64_t bits = r->BigEndian(n);
      int64_t v = 0;
      if (col.prim == Prim::kUnsignedByte) {
        v = static_cast<int64_t>(bits);
      } else if (n == 2) {
        v = static_cast<int16_t>(bits);
      } else if (n == 4) {
        v = static_cast<int32_t>(bits);
      } else {
        v = static_cast<int64_t>(bits);
      }
      if (flagged_null || (col.has_null && v == col.null_int)) {
        vec->AppendNull();
      } else {
        vec->AppendInt(v);
      }
      return Status::OK();
    }
    case Prim::kFloat:
    case Prim::kDouble: {
      double d = 0;
      if (col.prim == Prim::kFloat) {
        const auto bits = static_cast<uint32_t>(r->BigEndian(4));
        float f;
        std::memcpy(&f, &bits, 4);
        d = f;
      } else {
        const uint64_t bits = r->BigEndian(8);
        std::memcpy(&d, &bits, 8);
      }
      // In BINARY a NaN is the NULL value; BINARY2 has null flags and keeps NaN as a value.
      if (flagged_null || (!binary2 && std::isnan(d))) {
        vec->AppendNull();
      } else {
        vec->AppendDouble(d);
      }
      return Status::OK();
    }
    default:
      return Status::Internal(Where(col, row) + ": unexpected primitive");
  }
}

// Accumulates rows into batches of `batch_rows`.
class BatchBuilder {
 public:
  BatchBuilder(const std::vector<Column>& cols, size_t batch_rows, VOTableData* out)
      : batch_rows_(batch_rows), out_(out) {
    for (const Column& c : cols) types_.push_back(c.info.type);
  }
  ColumnBatch* Row() {
    if (out_->batches.empty() || out_->batches.back().num_rows >= batch_rows_) {
      out_->batches.emplace_back();
      out_->batches.back().Reset(types_);
    }
    return &out_->batches.back();
  }

 private:
  std::vector<ColumnType> types_;
  size_t batch_rows_;
  VOTableData* out_;
};

}  // namespace

Result<VOTableData> ReadVOTable(std::string_view document, const VOTableReadOptions& options) {
  if (document.size() > options.max_bytes) {
    return Status::LimitExceeded("the VOTable is " + std::to_string(document.size()) +
                                 " bytes, more than the limit of " +
                                 std::to_string(options.max_bytes));
  }
  pugi::xml_document doc;
  // parse_doctype keeps a DOCTYPE as a node so that it can be refused; pugixml never expands
  // entities other than the five predefined ones and character references. parse_ws_pcdata
  // keeps a cell holding only blanks (a value, not NULL).
  const unsigned flags = pugi::parse_default | pugi::parse_doctype | pugi::parse_ws_pcdata;
  pugi::xml_parse_result parsed =
      doc.load_buffer(document.data(), document.size(), flags, pugi::encoding_utf8);
  if (!parsed) {
    return Status::InvalidArgument(
        "the upload is not well-formed XML: " + std::string(parsed.description()) + " at byte " +
        std::to_string(parsed.offset));
  }
  for (pugi::xml_node n = doc.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_doctype) {
      return Status::Unsupported(
          "the upload has a DOCTYPE declaration; DTDs and entity definitions are refused");
    }
  }
  pugi::xml_node root = doc.document_element();
  if (!root || LocalName(root) != "VOTABLE") {
    return Status::InvalidArgument("the upload is not a VOTable (its root element is '" +
                                   std::string(root ? root.name() : "") + "', not VOTABLE)");
  }
  pugi::xml_node table = FindTable(root);
  if (!table) return Status::InvalidArgument("the VOTable upload has no TABLE");

  VOTableData out;
  out.name = table.attribute("name").value();
  std::vector<Column> cols;
  for (pugi::xml_node f = table.first_child(); f; f = f.next_sibling()) {
    if (f.type() != pugi::node_element || LocalName(f) != "FIELD") continue;
    if (cols.size() >= options.max_columns) {
      return Status::LimitExceeded("the VOTable upload has more than " +
                                   std::to_string(options.max_columns) + " columns");
    }
    Column col;
    std::string name = f.attribute("name").value();
    if (name.empty()) name = f.attribute("ID").value();
    if (name.empty()) name = "col" + std::to_string(cols.size() + 1);
    col.info.name = name;
    for (const Column& other : cols) {
      if (EqualsIgnoreCase(other.info.name, name)) {
        return Status::InvalidArgument("the VOTable upload has two columns named '" + name + "'");
      }
    }
    SKY_ASSIGN_OR_RETURN(col.prim, ParsePrim(f.attribute("datatype").value(), name));
    SKY_RETURN_IF_ERROR(ParseArraysize(f.attribute("arraysize").value(), &col));
    col.info.unit = f.attribute("unit").value();
    col.info.ucd = f.attribute("ucd").value();
    col.info.utype = f.attribute("utype").value();
    col.info.description = TrimWs(Child(f, "DESCRIPTION").child_value());
    const std::string xtype = f.attribute("xtype").value();
    const bool chars = col.prim == Prim::kChar || col.prim == Prim::kUnicodeChar;
    if (chars) {
      if (EqualsIgnoreCase(xtype, "timestamp") || EqualsIgnoreCase(xtype, "adql:TIMESTAMP")) {
        col.info.type = {DataType::kTimestamp, 0};
      } else if (!col.is_array) {
        col.info.type = {DataType::kChar, 1};
      } else if (!col.variable) {
        col.info.type = {DataType::kChar, static_cast<uint32_t>(col.fixed_count)};
      } else {
        col.info.type = {DataType::kVarChar, 0};
      }
      if (col.info.type.type != DataType::kTimestamp) {
        col.info.xtype = xtype;
        if (col.prim == Prim::kChar) col.info.datatype = "char";
      }
    } else if (col.is_array) {
      col.as_text = true;
      col.info.type = {DataType::kVarChar, 0};
    } else {
      switch (col.prim) {
        case Prim::kBoolean:
        case Prim::kBit:
          col.info.type = {DataType::kBoolean, 0};
          break;
        case Prim::kUnsignedByte:
        case Prim::kShort:
          col.info.type = {DataType::kSmallInt, 0};
          break;
        case Prim::kInt:
          col.info.type = {DataType::kInteger, 0};
          break;
        case Prim::kLong:
          col.info.type = {DataType::kBigInt, 0};
          break;
        case Prim::kFloat:
          col.info.type = {DataType::kReal, 0};
          break;
        default:
          col.info.type = {DataType::kDouble, 0};
          break;
      }
      col.info.xtype = xtype;
    }
    pugi::xml_node values = Child(f, "VALUES");
    if (values && values.attribute("null")) {
      col.has_null = true;
      col.null_text = TrimWs(values.attribute("null").value());
      if (IsIntegerLike(col.info.type.type) && col.info.type.type != DataType::kBoolean &&
          col.info.type.type != DataType::kTimestamp) {
        SKY_ASSIGN_OR_RETURN(col.null_int, ParseInteger(col.null_text, col, 0));
      }
    }
    cols.push_back(std::move(col));
  }
  if (cols.empty()) return Status::InvalidArgument("the VOTable upload's TABLE has no FIELD");
  for (const Column& c : cols) out.fields.push_back(c.info);

  BatchBuilder builder(cols, std::max<size_t>(1, options.batch_rows), &out);
  pugi::xml_node data = Child(table, "DATA");
  if (!data) return out;  // no rows
  pugi::xml_node tabledata = Child(data, "TABLEDATA");
  pugi::xml_node binary = Child(data, "BINARY");
  pugi::xml_node binary2 = Child(data, "BINARY2");
  if (Child(data, "FITS")) {
    return Status::Unsupported(
        "FITS-serialized VOTables cannot be uploaded; use TABLEDATA, "
        "BINARY or BINARY2");
  }
  if (tabledata) {
    for (pugi::xml_node tr = tabledata.first_child(); tr; tr = tr.next_sibling()) {
      if (tr.type() != pugi::node_element || LocalName(tr) != "TR") continue;
      if (out.num_rows >= options.max_rows) {
        return Status::LimitExceeded("the VOTable upload has more than " +
                                     std::to_string(options.max_rows) + " rows (the limit)");
      }
      ColumnBatch* batch = builder.Row();
      const uint64_t row = out.num_rows + 1;
      size_t i = 0;
      for (pugi::xml_node td = tr.first_child(); td; td = td.next_sibling()) {
        if (td.type() != pugi::node_element || LocalName(td) != "TD") continue;
        if (i >= cols.size()) {
          return Status::InvalidArgument("row " + std::to_string(row) + " has more than " +
                                         std::to_string(cols.size()) + " cells");
        }
        // Encoded TDs (encoding="base64") are VOTable 1.0 only and not supported.
        SKY_RETURN_IF_ERROR(AppendText(cols[i], td.child_value(), row, &batch->columns[i]));
        ++i;
      }
      if (i != cols.size()) {
        return Status::InvalidArgument("row " + std::to_string(row) + " has " + std::to_string(i) +
                                       " cells, not " + std::to_string(cols.size()));
      }
      ++batch->num_rows;
      ++out.num_rows;
    }
    return out;
  }
  if (!binary && !binary2) return out;
  const bool is2 = !binary;
  pugi::xml_node stream = Child(is2 ? binary2 : binary, "STREAM");
  if (!stream) return Status::InvalidArgument("BINARY data without a STREAM");
  if (stream.attribute("href")) {
    return Status::Unsupported("a STREAM with href cannot be uploaded; put the data inline");
  }
  const std::string encoding = stream.attribute("encoding").value();
  if (encoding != "base64") {
    return Status::Unsupported("STREAM encoding '" + encoding + "' is not supported (only base64)");
  }
  SKY_ASSIGN_OR_RETURN(std::string bytes, DecodeBase64(stream.child_value()));
  ByteReader reader(bytes);
  const size_t flag_bytes = (cols.size() + 7) / 8;
  while (!reader.AtEnd()) {
    if (out.num_rows >= options.max_rows) {
      return Status::LimitExceeded("the VOTable upload has more than " +
                                   std::to_string(options.max_rows) + " rows (the limit)");
    }
    const uint64_t row = out.num_rows + 1;
    std::string_view flags_raw;
    if (is2) {
      if (!reader.Has(flag_bytes)) {
        return Status::InvalidArgument("BINARY2 stream ends inside row " + std::to_string(row));
      }
      flags_raw = reader.Take(flag_bytes);
    }
    ColumnBatch* batch = builder.Row();
    for (size_t i = 0; i < cols.size(); ++i) {
      const bool null_flag =
          is2 && ((static_cast<unsigned char>(flags_raw[i / 8]) >> (7 - i % 8)) & 1) != 0;
      SKY_RETURN_IF_ERROR(
          ReadBinaryCell(cols[i], is2, null_flag, row, &reader, &batch->columns[i]));
    }
    ++batch->num_rows;
    ++out.num_rows;
  }
  return out;
}

}  // namespace skyshard
