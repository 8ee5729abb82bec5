#include "common/types.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "common/ascii.h"

namespace skyshard {

bool IsIntegerLike(DataType t) {
  switch (t) {
    case DataType::kSmallInt:
    case DataType::kInteger:
    case DataType::kBigInt:
    case DataType::kBoolean:
    case DataType::kTimestamp:
      return true;
    default:
      return false;
  }
}

bool IsFloating(DataType t) { return t == DataType::kReal || t == DataType::kDouble; }

bool IsString(DataType t) { return t == DataType::kChar || t == DataType::kVarChar; }

uint32_t FixedWidth(DataType t) {
  switch (t) {
    case DataType::kSmallInt:
      return 2;
    case DataType::kInteger:
      return 4;
    case DataType::kBigInt:
      return 8;
    case DataType::kReal:
      return 4;
    case DataType::kDouble:
      return 8;
    case DataType::kBoolean:
      return 1;
    case DataType::kTimestamp:
      return 8;
    case DataType::kChar:
    case DataType::kVarChar:
      return 0;
  }
  return 0;
}

std::string_view AdqlTypeName(DataType t) {
  switch (t) {
    case DataType::kSmallInt:
      return "SMALLINT";
    case DataType::kInteger:
      return "INTEGER";
    case DataType::kBigInt:
      return "BIGINT";
    case DataType::kReal:
      return "REAL";
    case DataType::kDouble:
      return "DOUBLE";
    case DataType::kBoolean:
      return "BOOLEAN";
    case DataType::kChar:
      return "CHAR";
    case DataType::kVarChar:
      return "VARCHAR";
    case DataType::kTimestamp:
      return "TIMESTAMP";
  }
  return "?";
}

std::string_view VOTableTypeName(DataType t) {
  switch (t) {
    case DataType::kSmallInt:
      return "short";
    case DataType::kInteger:
      return "int";
    case DataType::kBigInt:
      return "long";
    case DataType::kReal:
      return "float";
    case DataType::kDouble:
      return "double";
    case DataType::kBoolean:
      return "boolean";
    case DataType::kChar:
    case DataType::kVarChar:
    case DataType::kTimestamp:
      return "char";
  }
  return "?";
}

std::string ColumnTypeToString(const ColumnType& t) {
  std::string out;
  for (char c : AdqlTypeName(t.type)) out.push_back(static_cast<char>(std::tolower(c)));
  if (IsString(t.type) && t.length > 0) out += "(" + std::to_string(t.length) + ")";
  return out;
}

namespace {}  // namespace

Result<ColumnType> ColumnTypeFromFelis(std::string_view felis_type, uint32_t length) {
  std::string t = AsciiLower(felis_type);
  // MySQL spellings with a length in parentheses, e.g. CHAR(16).
  if (auto open = t.find('('); open != std::string::npos && t.back() == ')') {
    uint32_t n = 0;
    auto [ptr, ec] = std::from_chars(t.data() + open + 1, t.data() + t.size() - 1, n);
    if (ec != std::errc() || ptr != t.data() + t.size() - 1) {
      return Status::InvalidArgument("bad length in datatype '" + std::string(felis_type) + "'");
    }
    length = n;
    t.resize(open);
  }
  if (t == "boolean" || t == "bool") return ColumnType{DataType::kBoolean, 0};
  if (t == "byte" || t == "short" || t == "smallint" || t == "tinyint") {
    return ColumnType{DataType::kSmallInt, 0};
  }
  if (t == "int" || t == "integer") return ColumnType{DataType::kInteger, 0};
  if (t == "long" || t == "bigint") return ColumnType{DataType::kBigInt, 0};
  if (t == "float" || t == "real") return ColumnType{DataType::kReal, 0};
  if (t == "double") return ColumnType{DataType::kDouble, 0};
  if (t == "char") return ColumnType{DataType::kChar, length};
  if (t == "string" || t == "unicode" || t == "text" || t == "varchar") {
    return ColumnType{DataType::kVarChar, length};
  }
  if (t == "timestamp" || t == "datetime") return ColumnType{DataType::kTimestamp, 0};
  return Status::InvalidArgument(
      "unknown datatype '" + std::string(felis_type) +
      "' (expected one of boolean, byte, short, int, long, float, double, char, string, "
      "unicode, text, timestamp)");
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian civil date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool ReadDigits(std::string_view s, size_t* pos, size_t n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

}  // namespace

Result<int64_t> ParseTimestamp(std::string_view text) {
  auto bad = [&]() {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not an ISO-8601 timestamp (expected "
                                   "YYYY-MM-DDTHH:MM:SS[.ffffff])");
  };
  size_t p = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &p, 4, &year) || p >= text.size() || text[p++] != '-' ||
      !ReadDigits(text, &p, 2, &month) || p >= text.size() || text[p++] != '-' ||
      !ReadDigits(text, &p, 2, &day)) {
    return bad();
  }
  int64_t micros_frac = 0;
  if (p < text.size() && (text[p] == 'T' || text[p] == ' ')) {
    ++p;
    if (!ReadDigits(text, &p, 2, &hour) || p >= text.size() || text[p++] != ':' ||
        !ReadDigits(text, &p, 2, &minute)) {
      return bad();
    }
    if (p < text.size() && text[p] == ':') {
      ++p;
      if (!ReadDigits(text, &p, 2, &second)) return bad();
      if (p < text.size() && text[p] == '.') {
        ++p;
        int64_t scale = 100000;
        size_t start = p;
        while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
          if (scale > 0) micros_frac += (text[p] - '0') * scale;
          scale /= 10;
          ++p;
        }
        if (p == start) return bad();
      }
    }
  }
  if (p < text.size() && text[p] == 'Z') ++p;
  if (p != text.size()) return bad();
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + hour) * 60 + minute) * 60 * 1000000 + second * int64_t{1000000} +
         micros_frac;
}

std::string FormatTimestamp(int64_t micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d",
                        static_cast<long long>(y), m, d, static_cast<int>(rem / 3600),
                        static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    n = std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(frac));
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string NowIso8601() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return FormatTimestamp(std::chrono::duration_cast<std::chrono::seconds>(now).count() * 1000000) +
         "Z";
}

VOTableType VOTableTypeOf(const ColumnType& type, std::string_view catalog_arraysize) {
  VOTableType vt;
  switch (type.type) {
    case DataType::kChar:
    case DataType::kVarChar:
      vt.datatype = "unicodeChar";
      if (!catalog_arraysize.empty()) {
        vt.arraysize = std::string(catalog_arraysize);
      } else if (type.type == DataType::kChar && type.length > 0) {
        vt.arraysize = std::to_string(type.length);
      } else {
        vt.arraysize = "*";
      }
      break;
    case DataType::kTimestamp:
      vt.datatype = "char";
      vt.arraysize = "*";
      vt.xtype = "timestamp";
      break;
    default:
      vt.datatype = std::string(VOTableTypeName(type.type));
      break;
  }
  return vt;
}

}  // namespace skyshard
