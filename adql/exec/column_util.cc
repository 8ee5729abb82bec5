#include "adql/exec/internal/column_util.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string_view>

namespace skyshard::adql::exec {

std::vector<ColumnType> TypesOf(const ColumnBatch& batch) {
  std::vector<ColumnType> types;
  types.reserve(batch.columns.size());
  for (const auto& c : batch.columns) types.push_back(c.type);
  return types;
}

void AppendValue(const ColumnVector& src, size_t row, ColumnVector* dst) {
  switch (PhysOf(src.type.type)) {
    case Phys::kInt:
      dst->ints.push_back(src.ints[row]);
      break;
    case Phys::kDouble:
      dst->doubles.push_back(src.doubles[row]);
      break;
    case Phys::kString:
      dst->strings.push_back(src.strings[row]);
      break;
  }
  dst->nulls.push_back(src.nulls[row]);
}

void AppendRows(const ColumnVector& src, const uint32_t* rows, size_t n, ColumnVector* dst) {
  const size_t base = dst->nulls.size();
  dst->nulls.resize(base + n);
  uint8_t* nulls = dst->nulls.data() + base;
  for (size_t k = 0; k < n; ++k) nulls[k] = src.nulls[rows[k]];
  switch (PhysOf(src.type.type)) {
    case Phys::kInt: {
      dst->ints.resize(base + n);
      int64_t* out = dst->ints.data() + base;
      for (size_t k = 0; k < n; ++k) out[k] = src.ints[rows[k]];
      break;
    }
    case Phys::kDouble: {
      dst->doubles.resize(base + n);
      double* out = dst->doubles.data() + base;
      for (size_t k = 0; k < n; ++k) out[k] = src.doubles[rows[k]];
      break;
    }
    case Phys::kString:
      dst->strings.reserve(base + n);
      for (size_t k = 0; k < n; ++k) dst->strings.push_back(src.strings[rows[k]]);
      break;
  }
}

void AppendRange(const ColumnVector& src, size_t begin, size_t end, ColumnVector* dst) {
  dst->nulls.insert(dst->nulls.end(), src.nulls.begin() + static_cast<ptrdiff_t>(begin),
                    src.nulls.begin() + static_cast<ptrdiff_t>(end));
  switch (PhysOf(src.type.type)) {
    case Phys::kInt:
      dst->ints.insert(dst->ints.end(), src.ints.begin() + static_cast<ptrdiff_t>(begin),
                       src.ints.begin() + static_cast<ptrdiff_t>(end));
      break;
    case Phys::kDouble:
      dst->doubles.insert(dst->doubles.end(), src.doubles.begin() + static_cast<ptrdiff_t>(begin),
                          src.doubles.begin() + static_cast<ptrdiff_t>(end));
      break;
    case Phys::kString:
      dst->strings.insert(dst->strings.end(), src.strings.begin() + static_cast<ptrdiff_t>(begin),
                          src.strings.begin() + static_cast<ptrdiff_t>(end));
      break;
  }
}

void AppendNulls(size_t n, ColumnVector* dst) {
  dst->nulls.insert(dst->nulls.end(), n, 1);
  switch (PhysOf(dst->type.type)) {
    case Phys::kInt:
      dst->ints.insert(dst->ints.end(), n, 0);
      break;
    case Phys::kDouble:
      dst->doubles.insert(dst->doubles.end(), n, 0.0);
      break;
    case Phys::kString:
      dst->strings.resize(dst->strings.size() + n);
      break;
  }
}

void KeepRows(const uint32_t* rows, size_t n, ColumnVector* v) {
  for (size_t k = 0; k < n; ++k) v->nulls[k] = v->nulls[rows[k]];
  v->nulls.resize(n);
  switch (PhysOf(v->type.type)) {
    case Phys::kInt:
      for (size_t k = 0; k < n; ++k) v->ints[k] = v->ints[rows[k]];
      v->ints.resize(n);
      break;
    case Phys::kDouble:
      for (size_t k = 0; k < n; ++k) v->doubles[k] = v->doubles[rows[k]];
      v->doubles.resize(n);
      break;
    case Phys::kString:
      for (size_t k = 0; k < n; ++k) {
        if (rows[k] != k) v->strings[k] = std::move(v->strings[rows[k]]);
      }
      v->strings.resize(n);
      break;
  }
}

void KeepRows(const std::vector<uint32_t>& rows, ColumnBatch* batch) {
  for (auto& c : batch->columns) KeepRows(rows.data(), rows.size(), &c);
  batch->num_rows = rows.size();
}

void DropFront(size_t n, ColumnBatch* batch) {
  for (auto& c : batch->columns) {
    auto cut = [n](auto& vec) {
      if (!vec.empty()) vec.erase(vec.begin(), vec.begin() + static_cast<ptrdiff_t>(n));
    };
    cut(c.nulls);
    cut(c.ints);
    cut(c.doubles);
    cut(c.strings);
  }
  batch->num_rows -= n;
}

void Truncate(size_t n, ColumnBatch* batch) {
  for (auto& c : batch->columns) {
    c.nulls.resize(n);
    switch (PhysOf(c.type.type)) {
      case Phys::kInt:
        c.ints.resize(n);
        break;
      case Phys::kDouble:
        c.doubles.resize(n);
        break;
      case Phys::kString:
        c.strings.resize(n);
        break;
    }
  }
  batch->num_rows = n;
}

namespace {

inline uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

inline uint64_t HashDouble(double d) {
  if (d == 0) d = 0;  // -0.0
  if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return Mix(bits);
}

// Text: a string of up to 8 bytes (a band, a flag, a short name: most GROUP BY and DISTINCT
// keys of a catalog) is its bytes and length mixed, without a call; longer ones std::hash.
// The bytes are read with fixed-size loads that together cover the string (a variable-size
// copy into a word stalls on store forwarding), so equal strings hash equal and strings of one
// length up to 8 are told apart by their bytes alone.
inline uint64_t HashString(std::string_view s) {
  const size_t n = s.size();
  if (n > 8) return std::hash<std::string_view>()(s);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  uint64_t bytes = 0;
  if (n >= 4) {
    uint32_t first = 0, last = 0;
    std::memcpy(&first, p, 4);
    std::memcpy(&last, p + n - 4, 4);
    bytes = (static_cast<uint64_t>(last) << 32) | first;
  } else if (n > 0) {
    bytes = p[0] | (static_cast<uint64_t>(p[n / 2]) << 8) | (static_cast<uint64_t>(p[n - 1]) << 16);
  }
  return Mix(bytes ^ (static_cast<uint64_t>(n) << 59) ^ 0x9e3779b97f4a7c15ULL);
}

constexpr uint64_t kNullHash = 0x5bd1e9955bd1e995ULL;

}  // namespace

uint64_t HashValue(const ColumnVector& v, size_t row) {
  if (v.nulls[row]) return kNullHash;
  switch (PhysOf(v.type.type)) {
    case Phys::kInt:
      return Mix(static_cast<uint64_t>(v.ints[row]));
    case Phys::kDouble:
      return HashDouble(v.doubles[row]);
    case Phys::kString:
      return HashString(v.strings[row]);
  }
  return 0;
}

void HashColumn(const ColumnVector& v, size_t n, bool first, std::vector<uint64_t>* hashes) {
  hashes->resize(n);
  uint64_t* h = hashes->data();
  const Phys phys = PhysOf(v.type.type);
  for (size_t i = 0; i < n; ++i) {
    uint64_t x;
    if (v.nulls[i]) {
      x = kNullHash;
    } else if (phys == Phys::kInt) {
      x = Mix(static_cast<uint64_t>(v.ints[i]));
    } else if (phys == Phys::kDouble) {
      x = HashDouble(v.doubles[i]);
    } else {
      x = HashString(v.strings[i]);
    }
    h[i] = first ? x : HashCombine(h[i], x);
  }
}

bool ValuesEqual(const ColumnVector& a, size_t i, const ColumnVector& b, size_t j) {
  const bool na = a.nulls[i] != 0, nb = b.nulls[j] != 0;
  if (na || nb) return na && nb;
  switch (PhysOf(a.type.type)) {
    case Phys::kInt:
      return a.ints[i] == b.ints[j];
    case Phys::kDouble: {
      const double x = a.doubles[i], y = b.doubles[j];
      return x == y || (std::isnan(x) && std::isnan(y));
    }
    case Phys::kString:
      return a.strings[i] == b.strings[j];
  }
  return false;
}

int CompareValues(const ColumnVector& a, size_t i, const ColumnVector& b, size_t j) {
  const bool na = a.nulls[i] != 0, nb = b.nulls[j] != 0;
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  switch (PhysOf(a.type.type)) {
    case Phys::kInt: {
      const int64_t x = a.ints[i], y = b.ints[j];
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case Phys::kDouble: {
      const double x = a.doubles[i], y = b.doubles[j];
      const bool nx = std::isnan(x), ny = std::isnan(y);
      if (nx || ny) return nx == ny ? 0 : (nx ? 1 : -1);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case Phys::kString: {
      const int c = a.strings[i].compare(b.strings[j]);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
  return 0;
}

std::string DoubleToText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

namespace {

Status IntRange(DataType t, int64_t v) {
  switch (t) {
    case DataType::kSmallInt:
      if (v < -32768 || v > 32767) return Status::InvalidArgument("smallint out of range");
      break;
    case DataType::kInteger:
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        return Status::InvalidArgument("integer out of range");
      }
      break;
    default:
      break;
  }
  return Status::OK();
}

Result<int64_t> DoubleToInt(double d, DataType t) {
  if (std::isnan(d) || d < -9.2233720368547758e18 || d >= 9.2233720368547758e18) {
    return Status::InvalidArgument("bigint out of range");
  }
  const auto v = static_cast<int64_t>(std::nearbyint(d));
  SKY_RETURN_IF_ERROR(IntRange(t, v));
  return v;
}

}  // namespace

Status ConvertColumn(ColumnType to, ColumnVector* v) {
  const Phys from = PhysOf(v->type.type), target = PhysOf(to.type);
  const size_t n = v->nulls.size();
  if (from == target) {
    if (from == Phys::kInt && v->type.type != to.type && to.type != DataType::kTimestamp) {
      for (size_t i = 0; i < n; ++i) {
        if (!v->nulls[i]) SKY_RETURN_IF_ERROR(IntRange(to.type, v->ints[i]));
      }
      if (to.type == DataType::kBoolean) {
        for (size_t i = 0; i < n; ++i) v->ints[i] = v->ints[i] != 0 ? 1 : 0;
      }
    }
    v->type = to;
    return Status::OK();
  }
  if (from == Phys::kInt && target == Phys::kDouble) {
    v->doubles.resize(n);
    for (size_t i = 0; i < n; ++i) v->doubles[i] = static_cast<double>(v->ints[i]);
    v->ints.clear();
  } else if (from == Phys::kDouble && target == Phys::kInt) {
    v->ints.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (v->nulls[i]) {
        v->ints[i] = 0;
        continue;
      }
      SKY_ASSIGN_OR_RETURN(v->ints[i], DoubleToInt(v->doubles[i], to.type));
    }
    v->doubles.clear();
  } else if (target == Phys::kString) {
    v->strings.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (v->nulls[i]) continue;
      if (from == Phys::kDouble) {
        v->strings[i] = DoubleToText(v->doubles[i]);
      } else if (v->type.type == DataType::kTimestamp) {
        v->strings[i] = FormatTimestamp(v->ints[i]);
      } else if (v->type.type == DataType::kBoolean) {
        v->strings[i] = v->ints[i] != 0 ? "true" : "false";
      } else {
        v->strings[i] = std::to_string(v->ints[i]);
      }
    }
    v->ints.clear();
    v->doubles.clear();
  } else {  // text to a number
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    if (target == Phys::kInt)
      ints.resize(n);
    else
      doubles.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (v->nulls[i]) continue;
      const std::string& s = v->strings[i];
      size_t b = 0, e = s.size();
      while (b < e && s[b] == ' ') ++b;
      while (e > b && s[e - 1] == ' ') --e;
      std::string_view text(s.data() + b, e - b);
      if (to.type == DataType::kTimestamp) {
        SKY_ASSIGN_OR_RETURN(ints[i], ParseTimestamp(text));
        continue;
      }
      if (to.type == DataType::kBoolean) {
        std::string lower;
        for (char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        if (lower == "t" || lower == "true" || lower == "1" || lower == "yes" || lower == "y") {
          ints[i] = 1;
        } else if (lower == "f" || lower == "false" || lower == "0" || lower == "no" ||
                   lower == "n") {
          ints[i] = 0;
        } else {
          return Status::InvalidArgument("invalid input syntax for type boolean: '" + s + "'");
        }
        continue;
      }
      double d = 0;
      if (!text.empty() && text[0] == '+') text.remove_prefix(1);
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
        std::string lower;
        for (char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        if (lower == "nan") {
          d = std::numeric_limits<double>::quiet_NaN();
        } else if (lower == "infinity" || lower == "inf") {
          d = std::numeric_limits<double>::infinity();
        } else if (lower == "-infinity" || lower == "-inf") {
          d = -std::numeric_limits<double>::infinity();
        } else {
          return Status::InvalidArgument("invalid input syntax for type " +
                                         std::string(AdqlTypeName(to.type)) + ": '" + s + "'");
        }
      }
      if (target == Phys::kInt) {
        int64_t iv = 0;
        auto [p2, ec2] = std::from_chars(text.data(), text.data() + text.size(), iv);
        if (ec2 == std::errc() && p2 == text.data() + text.size()) {
          SKY_RETURN_IF_ERROR(IntRange(to.type, iv));
          ints[i] = iv;
        } else {
          SKY_ASSIGN_OR_RETURN(ints[i], DoubleToInt(d, to.type));
        }
      } else {
        doubles[i] = to.type == DataType::kReal ? static_cast<double>(static_cast<float>(d)) : d;
      }
    }
    v->strings.clear();
    v->ints = std::move(ints);
    v->doubles = std::move(doubles);
  }
  v->type = to;
  return Status::OK();
}

Status ConformBatch(const std::vector<ColumnType>& types, ColumnBatch* batch) {
  for (size_t c = 0; c < types.size() && c < batch->columns.size(); ++c) {
    if (batch->columns[c].type != types[c]) {
      SKY_RETURN_IF_ERROR(ConvertColumn(types[c], &batch->columns[c]));
    }
  }
  return Status::OK();
}

size_t ColumnBytes(const ColumnVector& v, size_t begin, size_t end) {
  const size_t n = end - begin;
  switch (PhysOf(v.type.type)) {
    case Phys::kInt:
    case Phys::kDouble:
      return n * 9;
    case Phys::kString: {
      size_t bytes = n * (sizeof(std::string) + 1);
      for (size_t i = begin; i < end; ++i) {
        if (v.strings[i].size() > 15) bytes += v.strings[i].capacity() + 1;
      }
      return bytes;
    }
  }
  return 0;
}

size_t BatchBytes(const ColumnBatch& batch, size_t begin, size_t end) {
  size_t bytes = 0;
  for (const auto& c : batch.columns) bytes += ColumnBytes(c, begin, end);
  return bytes;
}

}  // namespace skyshard::adql::exec
