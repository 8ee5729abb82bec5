// FieldLayout: a result column resolved to its VOTable FIELD (datatype, arraysize, xtype) and
// to the checks every value of it must pass, shared by the VOTable, CSV and TSV writers.
//
// Thread safety: immutable values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "votable/result_writer.h"

namespace skyshard::votable_internal {

// How a string column's length is declared.
enum class StringShape {
  kNone,      // not a string column
  kVariable,  // arraysize="*"
  kBounded,   // arraysize="N*": at most N bytes, written with a length prefix in BINARY
  kFixed,     // arraysize="N": at most N bytes, NUL-padded to N in BINARY
};

struct FieldLayout {
  DataType type = DataType::kDouble;
  std::string_view datatype;  // VOTable datatype: short, int, long, float, ...
  std::string arraysize;      // empty for scalars
  std::string xtype;
  StringShape shape = StringShape::kNone;
  // kBounded and kFixed: N, counted in array elements: bytes for char, UTF-16 code units for
  // unicodeChar.
  uint32_t max_length = 0;
  // datatype="unicodeChar": char and varchar columns. VOTable 1.4 `char` is 7-bit ASCII (and
  // astropy reads BINARY char as ASCII) while values may hold any UTF-8 text; timestamps,
  // always ASCII, stay `char`.
  bool unicode = false;
};

// Resolves every field. Returns InvalidArgument naming the column for an unknown type, a
// malformed arraysize ("*", "N" or "N*" with 1 <= N < 2^31), or an arraysize on a non-string
// column (skyshard has no array columns).
Result<std::vector<FieldLayout>> ResolveFields(const std::vector<FieldInfo>& fields);

// The magic NULL value of an integer column in BINARY, which has no other way to mark a NULL
// integer (declared as <VALUES null="..."/>): the type's minimum, the value least likely to be
// real data. REQUIRES: t is smallint, integer or bigint.
int64_t BinaryNullSentinel(DataType t);

// Checks that `v` fits the integer type of `layout` (smallint and integer are narrower than the
// int64 they travel in). Returns InvalidArgument naming the column and the 1-based result row.
Status CheckIntRange(const FieldLayout& layout, const FieldInfo& field, int64_t v, int64_t row);

// The array length of string value `v` in its FIELD: UTF-16 code units for unicodeChar, bytes
// for char. REQUIRES: IsValidUtf8(v).
size_t ArrayLength(const FieldLayout& layout, std::string_view v);

// Checks a string value's array length against the arraysize. REQUIRES: IsValidUtf8(v). Returns
// InvalidArgument naming the column and the 1-based result row.
Status CheckStringLength(const FieldLayout& layout, const FieldInfo& field, std::string_view v,
                         int64_t row);

}  // namespace skyshard::votable_internal
