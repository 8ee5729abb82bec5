#include "storage/internal/csv_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/column_batch.h"
#include "common/types.h"
#include "storage/internal/file_io.h"

namespace skyshard {

namespace {

// A single record this long is almost certainly an unterminated quote swallowing the rest of
// the file; stop before the buffer eats all memory.
constexpr size_t kMaxRecordBytes = size_t{256} << 20;

// Error messages quote the offending text; a runaway field should not make them unreadable.
constexpr size_t kMaxQuotedBytes = 60;

// Points into the read buffer: valid until the next refill.
struct Field {
  const char* data;
  size_t size;
  bool quoted;
  bool escaped;  // quoted and contains "" pairs that still need collapsing
};

enum class ScanResult { kRecord, kNeedMore, kError };

std::string Quote(std::string_view text) {
  std::string out = "'";
  if (text.size() > kMaxQuotedBytes) {
    out.append(text.substr(0, kMaxQuotedBytes));
    out += "...";
  } else {
    out.append(text);
  }
  out += "'";
  return out;
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Collapses the "" pairs of a quoted field.
void Unescape(const Field& f, std::string* out) {
  out->clear();
  out->reserve(f.size);
  for (size_t i = 0; i < f.size; ++i) {
    out->push_back(f.data[i]);
    if (f.data[i] == '"') ++i;  // the scanner guarantees the pair
  }
}

enum class NumberParse { kOk, kNotANumber, kOutOfRange };

// Powers of ten that a double holds exactly.
constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr uint64_t kIntPowersOfTen[] = {1,
                                        10,
                                        100,
                                        1000,
                                        10000,
                                        100000,
                                        1000000,
                                        10000000,
                                        100000000,
                                        1000000000,
                                        10000000000,
                                        100000000000,
                                        1000000000000,
                                        10000000000000,
                                        100000000000000,
                                        1000000000000000,
                                        10000000000000000,
                                        100000000000000000,
                                        1000000000000000000,
                                        10000000000000000000ULL};

constexpr uint64_t kEachByte(uint8_t b) { return 0x0101010101010101ULL * b; }

// Eight bytes of text as an integer whose lowest byte is the first character.
uint64_t LoadText8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}

// How many of the 8 characters in `w` are ASCII digits before the first one that is not.
// A byte is a digit when its high nibble is 3 both before and after adding 6 (0x3A..0x3F
// overflow into 0x4_). A carry out of a byte >= 0xFA only disturbs bytes after it, and such a
// byte already ends the run.
[[gnu::always_inline]] inline int LeadingDigits(uint64_t w) {
  const uint64_t high = kEachByte(0xF0);
  const uint64_t not_digit =
      ((w & high) ^ kEachByte(0x30)) | (((w + kEachByte(0x06)) & high) ^ kEachByte(0x30));
  return not_digit == 0 ? 8 : __builtin_ctzll(not_digit) / 8;
}

// The value of the first `n` (0..8) characters of `w`, all digits. Shifting the digits to the
// top bytes pads the number with leading zeros to eight digits d0..d7 (d0 in the lowest byte).
// One multiplication makes every even byte a pair 10 d(2i) + d(2i+1), at most 99, so no byte
// carries into the next; two more put the pairs' weighted sum, below 10^8, in the high half.
[[gnu::always_inline]] inline uint64_t DigitsValue(uint64_t w, int n) {
  // Borrows only move up, into non-digits. Two shifts, each below 64 bits, so that n = 0 is 0.
  const int half_shift = 32 - 4 * n;
  const uint64_t d = ((w - kEachByte('0')) << half_shift) << half_shift;
  const uint64_t pairs = d * 10 + (d >> 8);
  constexpr uint64_t kPairs0And4 = 0x000000FF000000FFULL;
  // Pairs 0 and 4 times 10^6 and 10^2, pairs 2 and 6 times 10^4 and 1, summed in bits 32-63;
  // the low halves (100 p0 + p2) stay below 2^32.
  return ((pairs & kPairs0And4) * (100 + (uint64_t{1000000} << 32)) +
          ((pairs >> 16) & kPairs0And4) * (1 + (uint64_t{10000} << 32))) >>
         32;
}

// Appends the run of digits at *p (before `end`) to *mantissa, advancing *p. Returns the number
// of digits, or -1 once more than 19 digits in all (`*total`) would overflow the mantissa.
// Always inlined, and working on copies of its state, so that the state stays in registers: the
// text's bytes may alias anything, and through the pointers every digit word cost a store and a
// reload of the mantissa (15% of a number's time).
[[gnu::always_inline]] inline int AppendDigits(const char** at, const char* end, uint64_t* mantissa,
                                               int* total) {
  const char* p = *at;
  uint64_t m = *mantissa;
  int digits = *total;
  int count = 0;
  for (;;) {
    int n = 0;
    if (end - p >= 8) {
      const uint64_t w = LoadText8(p);
      n = LeadingDigits(w);
      if (n > 0) {
        if (digits + n > 19) return -1;
        m = m * kIntPowersOfTen[n] + DigitsValue(w, n);
      }
    } else {
      while (p + n != end && static_cast<unsigned>(p[n] - '0') < 10) {
        if (digits + n + 1 > 19) return -1;
        m = m * 10 + static_cast<unsigned>(p[n] - '0');
        ++n;
      }
    }
    p += n;
    digits += n;
    count += n;
    if (n < 8) break;
  }
  *at = p;
  *mantissa = m;
  *total = digits;
  return count;
}

__extension__ typedef unsigned __int128 U128;  // a GNU type, for 128-bit products and dividends

// 10^k shifted left until its top bit is set, with the reciprocal floor((2^128 - 1) / d) - 2^64
// that divides by it (Moller and Granlund, "Improved division by invariant integers", 2011).
struct PowerOfTenDivisor {
  uint64_t d = 0;
  uint64_t v = 0;
};

constexpr std::array<PowerOfTenDivisor, 20> kPowerOfTenDivisors = [] {
  std::array<PowerOfTenDivisor, 20> out{};
  for (size_t k = 0; k < out.size(); ++k) {
    const uint64_t d = kIntPowersOfTen[k] << std::countl_zero(kIntPowersOfTen[k]);
    out[k] = {d, static_cast<uint64_t>(~U128{0} / d - (U128{1} << 64))};
  }
  return out;
}();

// The double nearest to m / 10^k (ties to even), for 0 < m < 2^64 and 1 <= k <= 19, the same
// double strtod gives: the quotient is taken to 62-64 bits by one 128-by-64-bit division (two
// multiplications by the divisor's reciprocal, no divide instruction), whose remainder tells
// whether anything is left below the last quotient bit, and then rounded to 53 bits. The result
// is at least 1e-19, far from the subnormals.
double DividePowerOfTen(uint64_t m, int k) {
  const PowerOfTenDivisor& div = kPowerOfTenDivisors[static_cast<size_t>(k)];
  const int bits_m = 64 - __builtin_clzll(m);
  const int bits_d = 64 - __builtin_clzll(kIntPowersOfTen[k]);
  // m * 2^s / 10^k lies in [2^62, 2^64): its integer part fits a 64-bit quotient.
  const int s = 63 + bits_d - bits_m;  // 0..126
  // The same quotient as (m * 2^s * 2^c) / (10^k * 2^c) with c putting 10^k's top bit at bit
  // 63, and so m's at bit 126: the high word of the dividend is below the divisor.
  const U128 n = static_cast<U128>(m) << (127 - bits_m);
  const uint64_t u1 = static_cast<uint64_t>(n >> 64);
  const uint64_t u0 = static_cast<uint64_t>(n);
  // Division by the reciprocal: an estimate that is exact or one too large or small.
  const U128 estimate = static_cast<U128>(div.v) * u1 + n;
  uint64_t q = static_cast<uint64_t>(estimate >> 64) + 1;
  uint64_t r = u0 - q * div.d;
  if (r > static_cast<uint64_t>(estimate)) {
    --q;
    r += div.d;
  }
  if (r >= div.d) [[unlikely]] {
    ++q;
    r -= div.d;
  }
  const int drop = (64 - __builtin_clzll(q)) - 53;  // 10 or 11 bits below the double's mantissa
  uint64_t mantissa = q >> drop;
  const uint64_t below = q & ((uint64_t{1} << drop) - 1);
  const uint64_t half = uint64_t{1} << (drop - 1);
  // Round to nearest, ties to even, without a branch: whether to round up depends on the digits
  // and is as good as random. A mantissa rounded up to 2^53 is still an exact double.
  const bool up = (below > half) | ((below == half) & ((r != 0) | ((mantissa & 1) != 0)));
  mantissa += static_cast<uint64_t>(up);
  // mantissa * 2^(drop - s), with the power of two built exactly from its exponent bits.
  const uint64_t scale_bits = static_cast<uint64_t>(1023 + drop - s) << 52;
  double scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  return static_cast<double>(mantissa) * scale;
}

// The common case of catalog text, "-123.456789" with at most 19 digits and no exponent, in a
// few nanoseconds: when the digits form an integer m <= 2^53 and the decimal point moves by at
// most 22 places, m and 10^k are exact doubles, so one division gives the correctly rounded
// result (the same double that strtod gives). Returns the end of the number, or nullptr when
// the text needs the general parser (exponents, long mantissas, nan, inf...).
const char* ParseDecimalFast(const char* p, const char* end, double* out) {
  const bool negative = p != end && *p == '-';
  if (negative) ++p;
  uint64_t mantissa = 0;
  int total = 0;
  int int_digits = AppendDigits(&p, end, &mantissa, &total);
  if (int_digits < 0) return nullptr;
  int frac_digits = 0;
  if (p != end && *p == '.') {
    ++p;
    frac_digits = AppendDigits(&p, end, &mantissa, &total);
    if (frac_digits < 0) return nullptr;
  }
  if (total == 0 || (p != end && (*p == 'e' || *p == 'E'))) return nullptr;
  double v;
  if (mantissa <= (uint64_t{1} << 53) || frac_digits == 0) {
    // Exact operands (a conversion of an integer rounds once, correctly): one rounding.
    v = static_cast<double>(mantissa);
    if (frac_digits > 0) v /= kExactPowersOfTen[frac_digits];
  } else {
    // 17 to 19 significant digits, as a shortest round-trip spelling of a double often has.
    v = DividePowerOfTen(mantissa, frac_digits);
  }
  *out = negative ? -v : v;
  return p;
}

// Bytes scanned ahead for a run of records without quotes (CsvReader::fast_end_).
constexpr size_t kFastWindow = size_t{256} << 10;

// Bytes that may be read beyond the end of a CSV buffer's text: see ParseDecimalPadded.
constexpr size_t kReadPadding = 64;

// A run of digits read three 8-byte words at once, each word after the first counting only when
// the one before it is all digits, so that the length of one run does not steer the branches
// of the next. `value` is meaningful only when `count` is at most 19.
struct DigitRun {
  uint64_t value;
  int count;  // 0..24
};

// REQUIRES: p[0, 24) is readable.
[[gnu::always_inline]] inline DigitRun ReadDigitRun(const char* p) {
  const uint64_t w1 = LoadText8(p);
  const uint64_t w2 = LoadText8(p + 8);
  const uint64_t w3 = LoadText8(p + 16);
  const int n1 = LeadingDigits(w1);
  const int n2 = n1 == 8 ? LeadingDigits(w2) : 0;
  const int n3 = n2 == 8 ? LeadingDigits(w3) : 0;
  // With at most 19 digits no step overflows.
  return {(DigitsValue(w1, n1) * kIntPowersOfTen[n2] + DigitsValue(w2, n2)) * kIntPowersOfTen[n3] +
              DigitsValue(w3, n3),
          n1 + n2 + n3};
}

// ParseDecimalFast for the shape nearly every catalog number has, "-123.4567890123456" (1 to 7
// integer digits, 1 to 18 fraction digits, at most 19 in all), in straight-line code: the
// integer part is one 8-byte word, the fraction a ReadDigitRun. Anything else goes to
// ParseDecimalFast. REQUIRES: p[0, 33) is readable, and the number ends before `end`.
const char* ParseDecimalPadded(const char* p, const char* end, double* out) {
  const bool negative = *p == '-';
  const char* const digits = p + (negative ? 1 : 0);
  const uint64_t w1 = LoadText8(digits);
  const int n1 = LeadingDigits(w1);
  if (n1 == 0 || n1 == 8 || ((w1 >> (8 * n1)) & 0xFF) != '.') return ParseDecimalFast(p, end, out);
  const char* const fraction = digits + n1 + 1;
  const DigitRun f = ReadDigitRun(fraction);
  if (f.count == 0 || n1 + f.count > 19) return ParseDecimalFast(p, end, out);
  const uint64_t mantissa = DigitsValue(w1, n1) * kIntPowersOfTen[f.count] + f.value;
  // As in ParseDecimalFast: exact operands and one rounding, or the integer division.
  const double v = mantissa <= (uint64_t{1} << 53)
                       ? static_cast<double>(mantissa) / kExactPowersOfTen[f.count]
                       : DividePowerOfTen(mantissa, f.count);
  *out = negative ? -v : v;
  return fraction + f.count;
}

// The common case of an integer field: an optional '-' and at most 19 digits. Returns the end
// of the number, or nullptr when the text needs the general parser (more digits, a value
// outside int64, no digit).
const char* ParseIntegerFast(const char* p, const char* end, int64_t* out) {
  const bool negative = p != end && *p == '-';
  if (negative) ++p;
  uint64_t magnitude = 0;
  int total = 0;
  // More than 19 digits: -1, and the general parser decides.
  if (AppendDigits(&p, end, &magnitude, &total) <= 0) return nullptr;
  const uint64_t limit = uint64_t{1} << 63;  // |INT64_MIN|; INT64_MAX is one less
  if (magnitude > limit - (negative ? 0 : 1)) return nullptr;
  *out = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return p;
}

// ParseIntegerFast in straight-line code: the digits are a ReadDigitRun.
// REQUIRES: p[0, 25) is readable, and the number ends before `end`.
const char* ParseIntegerPadded(const char* p, const char* end, int64_t* out) {
  const bool negative = *p == '-';
  const char* const digits = p + (negative ? 1 : 0);
  const DigitRun run = ReadDigitRun(digits);
  if (run.count == 0 || run.count > 19) return ParseIntegerFast(p, end, out);
  const uint64_t limit = uint64_t{1} << 63;  // |INT64_MIN|; INT64_MAX is one less
  if (run.value > limit - (negative ? 0 : 1)) return nullptr;
  *out = negative ? static_cast<int64_t>(0 - run.value) : static_cast<int64_t>(run.value);
  return digits + run.count;
}

NumberParse ParseInt64(std::string_view s, int64_t* out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') {
    ++b;
    if (b != e && *b == '-') return NumberParse::kNotANumber;
  }
  auto [ptr, ec] = std::from_chars(b, e, *out);
  if (ptr != e || b == e) return NumberParse::kNotANumber;
  if (ec == std::errc::result_out_of_range) return NumberParse::kOutOfRange;
  if (ec != std::errc()) return NumberParse::kNotANumber;
  return NumberParse::kOk;
}

NumberParse ParseDouble(std::string_view s, double* out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') {
    ++b;
    if (b != e && *b == '-') return NumberParse::kNotANumber;
  }
  if (ParseDecimalFast(b, e, out) == e) return NumberParse::kOk;
  auto [ptr, ec] = std::from_chars(b, e, *out);
  if (ptr != e || b == e) return NumberParse::kNotANumber;
  if (ec == std::errc()) return NumberParse::kOk;
  if (ec != std::errc::result_out_of_range) return NumberParse::kNotANumber;
  // from_chars reports underflow and overflow alike; strtod tells them apart, and a value
  // below the smallest denormal is as good as zero for a catalog. Rare, so the copy is fine.
  std::string copy(b, e);
  double v = std::strtod(copy.c_str(), nullptr);
  if (std::isinf(v)) return NumberParse::kOutOfRange;
  *out = v;
  return NumberParse::kOk;
}

bool ParseBool(std::string_view s, int64_t* out) {
  if (s.size() > 5) return false;
  char lower[5];
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  std::string_view v(lower, s.size());
  if (v == "true" || v == "t" || v == "1" || v == "yes") {
    *out = 1;
  } else if (v == "false" || v == "f" || v == "0" || v == "no") {
    *out = 0;
  } else {
    return false;
  }
  return true;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class CsvReader final : public TableReader {
 public:
  CsvReader(std::string path, int fd, uint64_t file_size, size_t block_size)
      : path_(std::move(path)),
        fd_(fd),
        file_size_(file_size),
        block_size_(block_size),
        drop_behind_(fd, 0) {}
  ~CsvReader() override {
    Unmap();
    ::close(fd_);
  }

  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Maps the file and reads its body from the mapping (see text_); false, and nothing done, when
  // the file is too small to have a body or cannot be mapped.
  bool MapBody();
  Status ReadHeader();

  const std::vector<std::string>& column_names() const override { return names_; }
  int64_t num_rows_hint() const override { return -1; }
  uint64_t bytes_read() const override { return consumed_ + pos_; }
  uint64_t bytes_total() const override { return file_size_; }
  Status Bind(const std::vector<ColumnType>& types) override;
  Result<size_t> ReadBatch(ColumnBatch* batch, size_t max_rows) override;
  std::string Where(size_t row_in_batch) const override;

 private:
  Status Fill();
  // Leaves the mapped body for read(): from the first unparsed byte on, the file is read into
  // buf_ like a file that was never mapped.
  Status LeaveMappedBody();
  void Unmap();
  ScanResult ScanRecord();
  // Sets fields_ and record_line_ to the next record; false at end of file.
  Result<bool> NextRecord();
  Status Convert(size_t col, const Field& f, ColumnVector* out);
  Status FieldError(size_t col, std::string_view text, std::string_view what) const;
  std::string ColumnLabel(size_t index) const;
  // Sets fast_end_: see there.
  void FindFastRegion();
  // Parses the record at pos_ (which lies in the fast region) straight into `batch`. Returns
  // false, with `batch` and pos_ untouched, for anything unusual (spaces, '+', a bad value, a
  // wrong field count, a blank line...): ReadBatch then takes the general path, which knows
  // every rule and writes the error messages.
  bool FastRecord(ColumnBatch* batch);

  const std::string path_;
  const int fd_;
  const uint64_t file_size_;
  const size_t block_size_;
  internal::DropBehind drop_behind_;

  // text_[pos_, end_) holds unparsed bytes, and kReadPadding more bytes after text_[end_] may be
  // read (by the number parsers) however they end. text_ is either
  //  - the file mapped whole (map_), while its body is read: end_ is just after the last '\n'
  //    that has more than kReadPadding bytes of the file after it, so that every unquoted field
  //    before end_ ends in a '\n' before it, and the parsers read the page cache without a copy;
  //  - or buf_, which holds the bytes read() so far: there text_[end_] is a '\n' sentinel, so
  //    that the unquoted-field scan needs no bounds check per byte.
  // The mapped body's end (or a record that runs past it) hands over to buf_ for the rest.
  const char* text_ = nullptr;
  void* map_ = nullptr;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  uint64_t consumed_ = 0;  // file offset of text_[0]

  int64_t line_ = 1;         // line on which the next record starts
  int64_t record_line_ = 0;  // line on which the record in fields_ starts
  std::vector<Field> fields_;
  std::string scan_error_;

  // text_[pos_, fast_end_) is a run of complete records without any '"': every '\n' in it ends
  // a record, so a record there can be parsed in a single pass, converting numbers as they are
  // found instead of first splitting the record into fields. Recomputed when pos_ reaches it.
  size_t fast_end_ = 0;

  std::vector<std::string> names_;
  std::vector<ColumnType> types_;
  std::vector<int64_t> int_lo_;  // per column: the range of an integer target
  std::vector<int64_t> int_hi_;
  bool bound_ = false;
  std::vector<int64_t> row_lines_;
  Status failed_;  // sticky: once a batch failed the stream position is meaningless
};

bool CsvReader::MapBody() {
  if (file_size_ <= kReadPadding + 1 || file_size_ > std::numeric_limits<size_t>::max()) {
    return false;
  }
  const size_t size = static_cast<size_t>(file_size_);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd_, 0);
  if (map == MAP_FAILED) return false;
  const char* base = static_cast<const char*>(map);
  const void* newline = ::memrchr(base, '\n', size - kReadPadding - 1);
  if (newline == nullptr) {
    ::munmap(map, size);
    return false;
  }
  (void)::madvise(map, size, MADV_SEQUENTIAL);
  map_ = map;
  text_ = base;
  end_ = static_cast<size_t>(static_cast<const char*>(newline) + 1 - base);
  drop_behind_ = internal::DropBehind(fd_, 0, static_cast<const unsigned char*>(map));
  return true;
}

void CsvReader::Unmap() {
  if (map_ == nullptr) return;
  ::munmap(map_, static_cast<size_t>(file_size_));
  map_ = nullptr;
}

Status CsvReader::LeaveMappedBody() {
  const uint64_t offset = consumed_ + pos_;
  drop_behind_.Advance(offset);
  Unmap();
  drop_behind_ = internal::DropBehind(fd_, 0);
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
    return Status::IOError(path_ + ": seek failed: " + std::strerror(errno));
  }
  consumed_ = offset;
  pos_ = 0;
  end_ = 0;
  return Status::OK();
}

Status CsvReader::Fill() {
  if (map_ != nullptr) SKY_RETURN_IF_ERROR(LeaveMappedBody());
  if (pos_ > 0) {
    std::memmove(buf_.data(), text_ + pos_, end_ - pos_);
    consumed_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  fast_end_ = 0;
  if (end_ >= kMaxRecordBytes) {
    return Status::InvalidArgument(
        path_ + ":" + std::to_string(line_) + ": a record is longer than " +
        std::to_string(kMaxRecordBytes >> 20) + " MiB (an unterminated quoted field?)");
  }
  if (buf_.size() < end_ + block_size_ + 1 + kReadPadding) {
    buf_.resize(end_ + block_size_ + 1 + kReadPadding);
  }
  size_t want = block_size_;
  while (want > 0) {
    ssize_t n = ::read(fd_, buf_.data() + end_, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      buf_[end_] = '\n';
      text_ = buf_.data();
      return Status::IOError(path_ + ": read failed: " + std::strerror(err));
    }
    if (n == 0) {
      eof_ = true;
      break;
    }
    end_ += static_cast<size_t>(n);
    want -= static_cast<size_t>(n);
  }
  drop_behind_.Advance(consumed_ + end_, eof_);
  buf_[end_] = '\n';
  text_ = buf_.data();
  return Status::OK();
}

ScanResult CsvReader::ScanRecord() {
  fields_.clear();
  const char* const start = text_ + pos_;
  const char* const end = text_ + end_;
  const char* q = start;
  int64_t newlines = 0;
  auto finish = [&](const char* next) {
    pos_ = static_cast<size_t>(next - text_);
    record_line_ = line_;
    line_ += newlines;
    return ScanResult::kRecord;
  };
  for (;;) {
    if (*q == '"' && q != end) {
      const char* content = ++q;
      bool escaped = false;
      const char* close;
      for (;;) {
        close = static_cast<const char*>(std::memchr(q, '"', static_cast<size_t>(end - q)));
        if (close == nullptr) {
          if (!eof_) return ScanResult::kNeedMore;
          scan_error_ = path_ + ":" + std::to_string(line_) + ": " + ColumnLabel(fields_.size()) +
                        ": quoted field is never closed (expected a '\"' before the end of "
                        "the file)";
          return ScanResult::kError;
        }
        if (close + 1 == end && !eof_) return ScanResult::kNeedMore;
        if (close + 1 != end && close[1] == '"') {
          escaped = true;
          q = close + 2;
          continue;
        }
        break;
      }
      newlines += std::count(content, close, '\n');
      fields_.push_back({content, static_cast<size_t>(close - content), true, escaped});
      q = close + 1;
      if (q == end) {
        if (!eof_) return ScanResult::kNeedMore;
        return finish(q);
      }
      if (*q == ',') {
        ++q;
        continue;
      }
      if (*q == '\n') return ++newlines, finish(q + 1);
      if (*q == '\r') {
        if (q + 1 == end) {
          if (!eof_) return ScanResult::kNeedMore;
          return finish(q + 1);
        }
        if (q[1] == '\n') return ++newlines, finish(q + 2);
      }
      scan_error_ = path_ + ":" + std::to_string(line_ + newlines) + ": " +
                    ColumnLabel(fields_.size() - 1) + ": unexpected " +
                    Quote(std::string_view(q, 1)) +
                    " after a closing quote (expected ',' or the end of the line)";
      return ScanResult::kError;
    }
    const char* field = q;
    while (*q != ',' && *q != '\n') ++q;
    if (q == end) {
      if (!eof_) return ScanResult::kNeedMore;
      size_t size = static_cast<size_t>(q - field);
      if (size > 0 && q[-1] == '\r') --size;
      fields_.push_back({field, size, false, false});
      return finish(q);
    }
    if (*q == ',') {
      fields_.push_back({field, static_cast<size_t>(q - field), false, false});
      ++q;
      continue;
    }
    size_t size = static_cast<size_t>(q - field);
    if (size > 0 && q[-1] == '\r') --size;
    fields_.push_back({field, size, false, false});
    ++newlines;
    return finish(q + 1);
  }
}

Result<bool> CsvReader::NextRecord() {
  for (;;) {
    if (pos_ == end_) {
      if (eof_) return false;
      SKY_RETURN_IF_ERROR(Fill());
      continue;
    }
    switch (ScanRecord()) {
      case ScanResult::kRecord:
        return true;
      case ScanResult::kError:
        return Status::InvalidArgument(scan_error_);
      case ScanResult::kNeedMore:
        SKY_RETURN_IF_ERROR(Fill());
        break;
    }
  }
}

std::string CsvReader::ColumnLabel(size_t index) const {
  if (index < names_.size()) return "column " + names_[index];
  return "field " + std::to_string(index + 1);
}

Status CsvReader::ReadHeader() {
  if (map_ == nullptr) SKY_RETURN_IF_ERROR(Fill());
  if (end_ >= 3 && std::memcmp(text_, "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  SKY_ASSIGN_OR_RETURN(bool has_header, NextRecord());
  if (!has_header) {
    return Status::InvalidArgument(path_ +
                                   ": the file is empty (expected a header row of column names)");
  }
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < fields_.size(); ++i) {
    const Field& f = fields_[i];
    std::string name;
    if (f.escaped) {
      Unescape(f, &name);
    } else {
      name.assign(f.data, f.size);
    }
    name = std::string(TrimBlanks(name));
    if (name.empty()) {
      return Status::InvalidArgument(path_ + ":" + std::to_string(record_line_) +
                                     ": header field " + std::to_string(i + 1) +
                                     " is empty (expected a column name)");
    }
    if (!seen.insert(AsciiLower(name)).second) {
      return Status::InvalidArgument(path_ + ":" + std::to_string(record_line_) +
                                     ": column name '" + name +
                                     "' appears twice in the header (names are "
                                     "case-insensitive)");
    }
    names_.push_back(std::move(name));
  }
  return Status::OK();
}

Status CsvReader::Bind(const std::vector<ColumnType>& types) {
  if (types.size() != names_.size()) {
    return Status::InvalidArgument(path_ + ": " + std::to_string(types.size()) +
                                   " column types given for " + std::to_string(names_.size()) +
                                   " columns in the header");
  }
  types_ = types;
  int_lo_.assign(types.size(), std::numeric_limits<int64_t>::min());
  int_hi_.assign(types.size(), std::numeric_limits<int64_t>::max());
  for (size_t i = 0; i < types.size(); ++i) {
    if (types[i].type == DataType::kSmallInt) {
      int_lo_[i] = std::numeric_limits<int16_t>::min();
      int_hi_[i] = std::numeric_limits<int16_t>::max();
    } else if (types[i].type == DataType::kInteger) {
      int_lo_[i] = std::numeric_limits<int32_t>::min();
      int_hi_[i] = std::numeric_limits<int32_t>::max();
    }
  }
  bound_ = true;
  return Status::OK();
}

void CsvReader::FindFastRegion() {
  const char* const begin = text_ + pos_;
  // A mapped body is looked at a window at a time: the scan brings the window into the cache
  // just before the records in it are parsed, instead of making a pass of its own over the file.
  const char* const end = text_ + std::min(end_, pos_ + kFastWindow);
  const void* quote = std::memchr(begin, '"', static_cast<size_t>(end - begin));
  const char* limit = quote ? static_cast<const char*>(quote) : end;
  const void* last_newline = ::memrchr(begin, '\n', static_cast<size_t>(limit - begin));
  fast_end_ =
      last_newline ? static_cast<size_t>(static_cast<const char*>(last_newline) + 1 - text_) : pos_;
}

namespace {

void PopLast(ColumnVector* c) {
  c->nulls.pop_back();
  switch (c->type.type) {
    case DataType::kReal:
    case DataType::kDouble:
      c->doubles.pop_back();
      break;
    case DataType::kChar:
    case DataType::kVarChar:
      c->strings.pop_back();
      break;
    case DataType::kSmallInt:
    case DataType::kInteger:
    case DataType::kBigInt:
    case DataType::kBoolean:
    case DataType::kTimestamp:
      c->ints.pop_back();
      break;
  }
}

}  // namespace

bool CsvReader::FastRecord(ColumnBatch* batch) {
  const char* p = text_ + pos_;
  const char* const limit = text_ + fast_end_;
  const size_t num_columns = names_.size();
  size_t appended = 0;
  for (size_t i = 0; i < num_columns; ++i) {
    ColumnVector& col = batch->columns[i];
    const bool last = i + 1 == num_columns;
    const char c = *p;
    if (c == ',' || c == '\n' || (c == '\r' && p[1] == '\n')) {
      col.AppendNull();
    } else {
      switch (col.type.type) {
        case DataType::kSmallInt:
        case DataType::kInteger:
        case DataType::kBigInt: {
          int64_t v;
          const char* next = ParseIntegerPadded(p, limit, &v);
          if (next == nullptr || v < int_lo_[i] || v > int_hi_[i]) goto fallback;
          col.AppendInt(v);
          p = next;
          break;
        }
        case DataType::kReal:
        case DataType::kDouble: {
          double v;
          const char* next = ParseDecimalPadded(p, limit, &v);
          if (next == nullptr) {
            auto [n2, ec] = std::from_chars(p, limit, v);
            if (ec != std::errc()) goto fallback;
            next = n2;
          }
          if (col.type.type == DataType::kReal) {
            if (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()) {
              goto fallback;
            }
            v = static_cast<double>(static_cast<float>(v));
          }
          col.AppendDouble(v);
          p = next;
          break;
        }
        default: {
          // The usual spelling of a boolean column, as fast as a number.
          if (col.type.type == DataType::kBoolean && (p[0] == '0' || p[0] == '1') &&
              (p[1] == ',' || p[1] == '\n' || p[1] == '\r')) {
            col.AppendInt(p[0] - '0');
            ++p;
            break;
          }
          const char* q = p;
          while (*q != ',' && *q != '\n') ++q;
          const char* field_end = (*q == '\n' && q[-1] == '\r') ? q - 1 : q;
          std::string_view text(p, static_cast<size_t>(field_end - p));
          if (col.type.type == DataType::kBoolean) {
            int64_t v;
            if (!ParseBool(text, &v)) goto fallback;
            col.AppendInt(v);
          } else if (col.type.type == DataType::kTimestamp) {
            Result<int64_t> v = ParseTimestamp(text);
            if (!v.ok()) goto fallback;
            col.AppendInt(*v);
          } else {
            if (col.type.length > 0 && text.size() > col.type.length) goto fallback;
            col.AppendString(std::string(text));
          }
          p = field_end;
          break;
        }
      }
    }
    ++appended;
    if (!last) {
      if (*p != ',') goto fallback;
      ++p;
    } else if (*p == '\n') {
      ++p;
    } else if (*p == '\r' && p[1] == '\n') {
      p += 2;
    } else {
      goto fallback;
    }
  }
  pos_ = static_cast<size_t>(p - text_);
  record_line_ = line_++;
  return true;

fallback:
  // `appended` counts the columns that took a value, including one whose delimiter was wrong.
  for (size_t i = 0; i < appended; ++i) PopLast(&batch->columns[i]);
  return false;
}

Status CsvReader::FieldError(size_t col, std::string_view text, std::string_view what) const {
  return Status::InvalidArgument(path_ + ":" + std::to_string(record_line_) + ": column " +
                                 names_[col] + ": " + Quote(text) + " " + std::string(what));
}

Status CsvReader::Convert(size_t col, const Field& f, ColumnVector* out) {
  const ColumnType& type = out->type;
  if (IsString(type.type)) {
    if (f.size == 0 && !f.quoted) {
      out->AppendNull();
      return Status::OK();
    }
    if (type.length > 0 && f.size > type.length) {
      // An escaped field shrinks when unescaped; measure the real value before complaining.
      if (!f.escaped) {
        return FieldError(col, std::string_view(f.data, f.size),
                          "is " + std::to_string(f.size) + " bytes long (expected " +
                              ColumnTypeToString(type) + ": at most " +
                              std::to_string(type.length) + " bytes)");
      }
    }
    std::string value;
    if (f.escaped) {
      Unescape(f, &value);
    } else {
      value.assign(f.data, f.size);
    }
    if (type.length > 0 && value.size() > type.length) {
      return FieldError(col, value,
                        "is " + std::to_string(value.size()) + " bytes long (expected " +
                            ColumnTypeToString(type) + ": at most " + std::to_string(type.length) +
                            " bytes)");
    }
    out->AppendString(std::move(value));
    return Status::OK();
  }

  std::string_view text = TrimBlanks(std::string_view(f.data, f.size));
  if (text.empty()) {
    out->AppendNull();
    return Status::OK();
  }
  switch (type.type) {
    case DataType::kSmallInt:
    case DataType::kInteger:
    case DataType::kBigInt: {
      int64_t v = 0;
      NumberParse r = ParseInt64(text, &v);
      int64_t lo = std::numeric_limits<int64_t>::min();
      int64_t hi = std::numeric_limits<int64_t>::max();
      if (type.type == DataType::kSmallInt) {
        lo = std::numeric_limits<int16_t>::min();
        hi = std::numeric_limits<int16_t>::max();
      } else if (type.type == DataType::kInteger) {
        lo = std::numeric_limits<int32_t>::min();
        hi = std::numeric_limits<int32_t>::max();
      }
      if (r == NumberParse::kNotANumber) {
        return FieldError(col, text,
                          "is not an integer (expected " + ColumnTypeToString(type) + ")");
      }
      if (r == NumberParse::kOutOfRange || v < lo || v > hi) {
        return FieldError(col, text,
                          "is out of range for " + ColumnTypeToString(type) + " (expected " +
                              std::to_string(lo) + " to " + std::to_string(hi) + ")");
      }
      out->AppendInt(v);
      return Status::OK();
    }
    case DataType::kReal:
    case DataType::kDouble: {
      double v = 0;
      NumberParse r = ParseDouble(text, &v);
      if (r == NumberParse::kNotANumber) {
        return FieldError(col, text, "is not a number (expected " + ColumnTypeToString(type) + ")");
      }
      if (type.type == DataType::kReal) {
        // The store keeps a real as a float: a finite value beyond float range would be
        // silently turned into infinity (or worse), so refuse it here, with the line number.
        if (r == NumberParse::kOutOfRange ||
            (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max())) {
          return FieldError(col, text,
                            "is out of range for real (expected at most 3.4e38 in "
                            "magnitude)");
        }
        v = static_cast<double>(static_cast<float>(v));
      } else if (r == NumberParse::kOutOfRange) {
        return FieldError(col, text,
                          "is out of range for double (expected at most 1.8e308 in magnitude)");
      }
      out->AppendDouble(v);
      return Status::OK();
    }
    case DataType::kBoolean: {
      int64_t v = 0;
      if (!ParseBool(text, &v)) {
        return FieldError(col, text, "is not a boolean (expected true/false, t/f, yes/no or 1/0)");
      }
      out->AppendInt(v);
      return Status::OK();
    }
    case DataType::kTimestamp: {
      Result<int64_t> ts = ParseTimestamp(text);
      if (!ts.ok()) {
        return Status::InvalidArgument(path_ + ":" + std::to_string(record_line_) + ": column " +
                                       names_[col] + ": " + ts.status().message());
      }
      out->AppendInt(*ts);
      return Status::OK();
    }
    case DataType::kChar:
    case DataType::kVarChar:
      break;  // handled above
  }
  return Status::InvalidArgument(path_ + ": column " + names_[col] + ": unknown column type " +
                                 std::to_string(static_cast<int>(type.type)));
}

Result<size_t> CsvReader::ReadBatch(ColumnBatch* batch, size_t max_rows) {
  if (!bound_) {
    return Status::Internal(path_ + ": ReadBatch called before Bind");
  }
  if (!failed_.ok()) return failed_;
  batch->Reset(types_);
  row_lines_.clear();
  const size_t reserve = std::min<size_t>(max_rows, 1 << 16);
  for (ColumnVector& c : batch->columns) c.Reserve(reserve);
  row_lines_.reserve(reserve);

  const size_t num_columns = names_.size();
  size_t rows = 0;
  while (rows < max_rows) {
    if (pos_ >= fast_end_) FindFastRegion();
    if (pos_ < fast_end_ && FastRecord(batch)) {
      row_lines_.push_back(record_line_);
      ++rows;
      continue;
    }
    Result<bool> more = NextRecord();
    if (!more.ok()) {
      failed_ = more.status();
      return failed_;
    }
    if (!*more) break;
    if (fields_.size() != num_columns) {
      if (num_columns > 1 && fields_.size() == 1 && fields_[0].size == 0 && !fields_[0].quoted) {
        continue;  // blank line
      }
      failed_ = Status::InvalidArgument(
          path_ + ":" + std::to_string(record_line_) + ": found " + std::to_string(fields_.size()) +
          (fields_.size() == 1 ? " field" : " fields") + " (expected " +
          std::to_string(num_columns) + ", one per header column)");
      return failed_;
    }
    for (size_t i = 0; i < num_columns; ++i) {
      Status s = Convert(i, fields_[i], &batch->columns[i]);
      if (!s.ok()) {
        failed_ = std::move(s);
        return failed_;
      }
    }
    row_lines_.push_back(record_line_);
    ++rows;
  }
  batch->num_rows = rows;
  if (map_ != nullptr) drop_behind_.Advance(consumed_ + pos_);
  return rows;
}

std::string CsvReader::Where(size_t row_in_batch) const {
  if (row_in_batch >= row_lines_.size()) return path_;
  return path_ + ":" + std::to_string(row_lines_[row_in_batch]);
}

}  // namespace

Result<std::unique_ptr<TableReader>> OpenCsvReader(const std::string& path,
                                                   const CsvReaderOptions& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": not a regular file");
  }
  // The whole file is read once front to back: let the kernel read ahead aggressively.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  auto reader = std::make_unique<CsvReader>(path, fd, static_cast<uint64_t>(st.st_size),
                                            std::max<size_t>(options.block_size, 1));
  if (static_cast<uint64_t>(st.st_size) >= options.map_min_bytes) reader->MapBody();
  SKY_RETURN_IF_ERROR(reader->ReadHeader());
  return std::unique_ptr<TableReader>(std::move(reader));
}

}  // namespace skyshard
