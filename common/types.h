// The SQL/ADQL value types that skyshard stores and computes with, and conversions between
// their names in ADQL, VOTable, Felis (Rubin's schema YAML) and text.
//
// Thread safety: everything here is a pure function or an immutable value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skyshard {

// The on-disk type tag values are part of the row format (docs/storage.md): never renumber.
enum class DataType : uint8_t {
  kSmallInt = 1,   // int16
  kInteger = 2,    // int32
  kBigInt = 3,     // int64
  kReal = 4,       // float32
  kDouble = 5,     // float64
  kBoolean = 6,    // stored as one byte 0/1
  kChar = 7,       // char(n): at most n bytes
  kVarChar = 8,    // varchar / varchar(n)
  kTimestamp = 9,  // int64 microseconds since 1970-01-01T00:00:00 UTC
};

// A column's type: the value type plus a length for char(n)/varchar(n) (0 = unbounded).
struct ColumnType {
  DataType type = DataType::kDouble;
  uint32_t length = 0;

  bool operator==(const ColumnType&) const = default;
};

// True for the types whose values are 64-bit integers in a ColumnVector (all integer kinds,
// boolean and timestamp).
bool IsIntegerLike(DataType t);
// True for real and double.
bool IsFloating(DataType t);
// True for char and varchar.
bool IsString(DataType t);
// Bytes of the fixed-width encoding, or 0 for strings.
uint32_t FixedWidth(DataType t);

// "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE", "BOOLEAN", "CHAR", "VARCHAR", "TIMESTAMP".
std::string_view AdqlTypeName(DataType t);
// VOTable datatype: short, int, long, float, double, boolean, char, char, char.
std::string_view VOTableTypeName(DataType t);
// How a column is declared as a VOTable value (FIELD, VOSI /tables, TAP_SCHEMA.columns):
// datatype, arraysize and xtype. Strings are unicodeChar (any UTF-8 text survives); the
// catalog's arraysize wins when it gives one, else char(n) is "n" and other strings "*";
// timestamps are char "*" with xtype "timestamp". The result writers declare FIELDs the same way.
struct VOTableType {
  std::string datatype;
  std::string arraysize;
  std::string xtype;
};
VOTableType VOTableTypeOf(const ColumnType& type, std::string_view catalog_arraysize);

// "char(12)", "varchar", "double": how a type is shown to a user.
std::string ColumnTypeToString(const ColumnType& t);

// Maps a Felis datatype (boolean, byte, short, int, long, float, double, char, string,
// unicode, text, timestamp; case-insensitive, also the MySQL spellings BIGINT, BOOLEAN,
// CHAR(n) seen in sdm_schemas) with its optional `length` to a ColumnType.
// Returns InvalidArgument naming the type when it is unknown.
Result<ColumnType> ColumnTypeFromFelis(std::string_view felis_type, uint32_t length);

// Parses an ISO-8601 timestamp "YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z]" (UTC) into
// microseconds since the Unix epoch. Returns InvalidArgument on any other text.
Result<int64_t> ParseTimestamp(std::string_view text);
// Formats microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS[.ffffff]" (UTC, ISO 8601).
std::string FormatTimestamp(int64_t micros);

// The current time as "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds), for "published at" stamps.
std::string NowIso8601();

}  // namespace skyshard
