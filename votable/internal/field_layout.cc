#include "votable/internal/field_layout.h"

#include <charconv>
#include <limits>

#include "votable/internal/utf8.h"

namespace skyshard::votable_internal {
namespace {

bool KnownType(DataType t) {
  switch (t) {
    case DataType::kSmallInt:
    case DataType::kInteger:
    case DataType::kBigInt:
    case DataType::kReal:
    case DataType::kDouble:
    case DataType::kBoolean:
    case DataType::kChar:
    case DataType::kVarChar:
    case DataType::kTimestamp:
      return true;
  }
  return false;
}

std::string Where(const FieldInfo& field) { return "column '" + field.name + "'"; }

// Parses "*", "N" or "N*" into *layout.
Status ParseArraysize(const FieldInfo& field, std::string_view text, FieldLayout* layout) {
  if (text == "*") {
    layout->shape = StringShape::kVariable;
    layout->arraysize = "*";
    return Status::OK();
  }
  const bool bounded = !text.empty() && text.back() == '*';
  const std::string_view digits = bounded ? text.substr(0, text.size() - 1) : text;
  uint32_t n = 0;
  const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || res.ec != std::errc() || res.ptr != digits.data() + digits.size() ||
      n == 0 || n > static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
    return Status::InvalidArgument(Where(field) + ": arraysize '" + std::string(text) +
                                   "' is not \"*\", \"N\" or \"N*\" with N >= 1");
  }
  layout->shape = bounded ? StringShape::kBounded : StringShape::kFixed;
  layout->max_length = n;
  layout->arraysize = std::string(text);
  return Status::OK();
}

}  // namespace

Result<std::vector<FieldLayout>> ResolveFields(const std::vector<FieldInfo>& fields) {
  std::vector<FieldLayout> out;
  out.reserve(fields.size());
  for (const FieldInfo& f : fields) {
    if (!KnownType(f.type.type)) {
      return Status::InvalidArgument(Where(f) + ": unknown type tag " +
                                     std::to_string(static_cast<int>(f.type.type)));
    }
    FieldLayout layout;
    layout.type = f.type.type;
    layout.unicode = IsString(f.type.type) && f.datatype != "char";
    layout.datatype = layout.unicode ? "unicodeChar" : VOTableTypeName(f.type.type);
    layout.xtype = f.xtype;
    const bool stringy = IsString(f.type.type) || f.type.type == DataType::kTimestamp;
    if (!stringy) {
      if (!f.arraysize.empty()) {
        return Status::InvalidArgument(Where(f) + ": arraysize '" + f.arraysize + "' given for a " +
                                       ColumnTypeToString(f.type) +
                                       " column; only strings are arrays");
      }
    } else if (!f.arraysize.empty()) {
      SKY_RETURN_IF_ERROR(ParseArraysize(f, f.arraysize, &layout));
    } else if (f.type.type == DataType::kChar && f.type.length > 0) {
      SKY_RETURN_IF_ERROR(ParseArraysize(f, std::to_string(f.type.length), &layout));
    } else {
      // varchar(n) too: astropy 5.2 reads a BINARY "n*" cell as n fixed elements without the
      // length prefix, so the bound is left out unless the caller asks for it.
      SKY_RETURN_IF_ERROR(ParseArraysize(f, "*", &layout));
    }
    if (f.type.type == DataType::kTimestamp && layout.xtype.empty()) layout.xtype = "timestamp";
    out.push_back(std::move(layout));
  }
  return out;
}

int64_t BinaryNullSentinel(DataType t) {
  switch (t) {
    case DataType::kSmallInt:
      return std::numeric_limits<int16_t>::min();
    case DataType::kInteger:
      return std::numeric_limits<int32_t>::min();
    default:
      return std::numeric_limits<int64_t>::min();
  }
}

Status CheckIntRange(const FieldLayout& layout, const FieldInfo& field, int64_t v, int64_t row) {
  int64_t lo;
  int64_t hi;
  switch (layout.type) {
    case DataType::kSmallInt:
      lo = std::numeric_limits<int16_t>::min();
      hi = std::numeric_limits<int16_t>::max();
      break;
    case DataType::kInteger:
      lo = std::numeric_limits<int32_t>::min();
      hi = std::numeric_limits<int32_t>::max();
      break;
    default:
      return Status::OK();
  }
  if (v >= lo && v <= hi) return Status::OK();
  return Status::InvalidArgument(Where(field) + ", row " + std::to_string(row) + ": value " +
                                 std::to_string(v) + " is out of range for " +
                                 ColumnTypeToString(field.type));
}

size_t ArrayLength(const FieldLayout& layout, std::string_view v) {
  return layout.unicode ? Utf16Length(v) : v.size();
}

Status CheckStringLength(const FieldLayout& layout, const FieldInfo& field, std::string_view v,
                         int64_t row) {
  const size_t length = ArrayLength(layout, v);
  const bool limited = layout.shape == StringShape::kFixed || layout.shape == StringShape::kBounded;
  const size_t limit =
      limited ? layout.max_length : static_cast<size_t>(std::numeric_limits<int32_t>::max());
  if (length <= limit) return Status::OK();
  return Status::InvalidArgument(
      Where(field) + ", row " + std::to_string(row) + ": a value of " + std::to_string(length) +
      (layout.unicode ? " characters" : " bytes") + " does not fit arraysize \"" +
      (limited ? layout.arraysize : std::string("*")) + "\"");
}

}  // namespace skyshard::votable_internal
