#include "storage/internal/fits_reader.h"

#include <fcntl.h>
#include <fitsio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/column_batch.h"
#include "common/types.h"
#include "storage/internal/file_io.h"

namespace skyshard {

namespace {

// Raw bytes fetched per fits_read_tblbytes call. Large enough that cfitsio reads straight into
// our buffer (bypassing its 2880-byte block cache), small enough to stay in L2/L3 while the
// columns are decoded.
constexpr size_t kChunkBytes = size_t{1} << 20;

enum class Kind { kLogical, kInteger, kUnsigned64, kFloating, kString };

struct FitsColumn {
  std::string name;
  char code = 0;      // TFORM letter: L B I J K E D A
  size_t offset = 0;  // byte offset in the row
  size_t width = 0;   // bytes in the row
  Kind kind = Kind::kInteger;
  bool has_tnull = false;
  int64_t tnull = 0;
  int64_t int_zero = 0;  // exact integer TZERO (TSCAL = 1)
  bool scaled = false;   // physical = zero + scale * stored, as a double
  double zero = 0;
  double scale = 1;
};

std::string CfitsioError(int status) {
  char text[FLEN_STATUS] = {0};
  fits_get_errstatus(status, text);
  return std::string(text) + " (cfitsio status " + std::to_string(status) + ")";
}

std::string KindName(const FitsColumn& c) {
  switch (c.code) {
    case 'L':
      return "logical values (TFORM L)";
    case 'B':
      return "8-bit integers (TFORM B)";
    case 'I':
      return "16-bit integers (TFORM I)";
    case 'J':
      return "32-bit integers (TFORM J)";
    case 'K':
      return "64-bit integers (TFORM K)";
    case 'E':
      return "32-bit floats (TFORM E)";
    case 'D':
      return "64-bit floats (TFORM D)";
    default:
      return "strings (TFORM " + std::to_string(c.width) + "A)";
  }
}

template <typename T>
T LoadBigEndian(const unsigned char* p) {
  static_assert(sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);
  using U = std::conditional_t<
      sizeof(T) == 1, uint8_t,
      std::conditional_t<sizeof(T) == 2, uint16_t,
                         std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
  U u;
  std::memcpy(&u, p, sizeof(U));  // rows are not aligned: never dereference a cast pointer
  if constexpr (std::endian::native == std::endian::little && sizeof(U) > 1) {
    if constexpr (sizeof(U) == 2) u = __builtin_bswap16(u);
    if constexpr (sizeof(U) == 4) u = __builtin_bswap32(u);
    if constexpr (sizeof(U) == 8) u = __builtin_bswap64(u);
  }
  return std::bit_cast<T>(u);
}

// Integer range of an integer-like target type.
void IntRange(DataType t, int64_t* lo, int64_t* hi) {
  *lo = std::numeric_limits<int64_t>::min();
  *hi = std::numeric_limits<int64_t>::max();
  if (t == DataType::kSmallInt) {
    *lo = std::numeric_limits<int16_t>::min();
    *hi = std::numeric_limits<int16_t>::max();
  } else if (t == DataType::kInteger) {
    *lo = std::numeric_limits<int32_t>::min();
    *hi = std::numeric_limits<int32_t>::max();
  }
}

bool IsIntegerTarget(DataType t) {
  return t == DataType::kSmallInt || t == DataType::kInteger || t == DataType::kBigInt;
}

class FitsReader final : public TableReader {
 public:
  FitsReader(std::string path, fitsfile* file) : path_(std::move(path)), file_(file) {}
  ~FitsReader() override {
    int status = 0;
    fits_close_file(file_, &status);
    if (map_ != nullptr) ::munmap(const_cast<unsigned char*>(map_), map_bytes_);
    if (map_fd_ >= 0) ::close(map_fd_);
  }
  FitsReader(const FitsReader&) = delete;
  FitsReader& operator=(const FitsReader&) = delete;

  Status ReadHeader();

  const std::vector<std::string>& column_names() const override { return names_; }
  int64_t num_rows_hint() const override { return num_rows_; }
  uint64_t bytes_read() const override {
    return static_cast<uint64_t>(next_row_ - begin_row_) * row_bytes_;
  }
  uint64_t bytes_total() const override {
    return static_cast<uint64_t>(end_row_ - begin_row_) * row_bytes_;
  }
  Status Bind(const std::vector<ColumnType>& types) override;
  Status SetRowRange(int64_t begin, int64_t end) override {
    if (begin < 0 || begin > end || end > num_rows_) {
      return Status::InvalidArgument(path_ + ": row range [" + std::to_string(begin) + ", " +
                                     std::to_string(end) + ") is not inside the " +
                                     std::to_string(num_rows_) + " rows of the table");
    }
    if (next_row_ != begin_row_) {
      return Status::Internal(path_ + ": SetRowRange called after ReadBatch");
    }
    begin_row_ = next_row_ = batch_first_row_ = begin;
    end_row_ = end;
    return Status::OK();
  }
  Result<size_t> ReadBatch(ColumnBatch* batch, size_t max_rows) override;
  std::string Where(size_t row_in_batch) const override {
    return path_ + ": row " + std::to_string(batch_first_row_ + row_in_batch + 1);
  }

 private:
  Status ReadColumn(int index, FitsColumn* column);
  void MapIfPlain(uint64_t data_start, uint64_t data_end);
  Status Decode(size_t col, const unsigned char* rows, size_t n, int64_t first_row,
                ColumnVector* out) const;
  template <typename Raw>
  Status DecodeInteger(const FitsColumn& c, const unsigned char* rows, size_t n, int64_t first_row,
                       ColumnVector* out) const;
  template <typename Raw>
  Status DecodeFloating(const FitsColumn& c, const unsigned char* rows, size_t n, int64_t first_row,
                        ColumnVector* out) const;
  Status DecodeLogical(const FitsColumn& c, const unsigned char* rows, size_t n, int64_t first_row,
                       ColumnVector* out) const;
  Status DecodeString(const FitsColumn& c, const unsigned char* rows, size_t n, int64_t first_row,
                      ColumnVector* out) const;
  Status ValueError(int64_t row, const FitsColumn& c, const std::string& what) const {
    return Status::InvalidArgument(path_ + ": row " + std::to_string(row + 1) + ": column " +
                                   c.name + ": " + what);
  }

  const std::string path_;
  fitsfile* const file_;
  std::vector<std::string> names_;
  std::vector<FitsColumn> columns_;
  int64_t num_rows_ = 0;
  size_t row_bytes_ = 0;
  size_t chunk_rows_ = 1;

  std::vector<ColumnType> types_;
  bool bound_ = false;
  int64_t next_row_ = 0;   // 0-based
  int64_t begin_row_ = 0;  // the rows read: [begin_row_, end_row_), the whole table by default
  int64_t end_row_ = 0;
  int64_t batch_first_row_ = 0;
  std::vector<unsigned char> raw_;
  // An uncompressed file, mapped: rows are decoded where they lie (MapIfPlain).
  const unsigned char* map_ = nullptr;
  size_t map_bytes_ = 0;
  size_t data_start_ = 0;
  int map_fd_ = -1;
  std::optional<internal::DropBehind> drop_behind_;  // of the mapped file, from begin_row_
  Status failed_;
};

// An uncompressed file's rows are decoded straight from its pages in the page cache (mapped
// read-only) instead of being copied into a buffer by cfitsio first: the copy cost about as
// much as decoding. A .fits.gz (cfitsio inflates it into memory), a file that does not start
// like plain FITS on disk, or a failed mapping are read through cfitsio as before. The header
// check has already made sure the file holds every row, so reads stay inside the mapping;
// a file cut short by someone else while it is being loaded would fault (SIGBUS), which
// docs/operations.md warns of.
void FitsReader::MapIfPlain(uint64_t data_start, uint64_t data_end) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st {};
  char magic[9];
  if (::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) >= data_end &&
      data_end > data_start && ::pread(fd, magic, sizeof(magic), 0) == sizeof(magic) &&
      std::memcmp(magic, "SIMPLE  =", sizeof(magic)) == 0) {
    void* m = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      map_ = static_cast<const unsigned char*>(m);
      map_bytes_ = static_cast<size_t>(st.st_size);
      data_start_ = static_cast<size_t>(data_start);
      map_fd_ = fd;  // kept for DropBehind
      return;
    }
  }
  ::close(fd);
}

Status FitsReader::ReadColumn(int index, FitsColumn* c) {
  int status = 0;
  const std::string n = std::to_string(index);
  char value[FLEN_VALUE] = {0};
  if (fits_read_key(file_, TSTRING, ("TTYPE" + n).c_str(), value, nullptr, &status) == 0) {
    c->name = value;
    while (!c->name.empty() && c->name.back() == ' ') c->name.pop_back();
  }
  status = 0;
  if (c->name.empty()) c->name = "col" + n;

  int typecode = 0;
  LONGLONG repeat = 0;
  LONGLONG width = 0;
  if (fits_get_coltypell(file_, index, &typecode, &repeat, &width, &status) != 0) {
    return Status::Corruption(path_ + ": column " + c->name + ": bad TFORM" + n + ": " +
                              CfitsioError(status));
  }
  char tform[FLEN_VALUE] = {0};
  fits_read_key(file_, TSTRING, ("TFORM" + n).c_str(), tform, nullptr, &status);
  status = 0;
  auto unsupported = [&](std::string_view what) {
    return Status::InvalidArgument(path_ + ": column " + c->name + " (TFORM '" + tform +
                                   "') holds " + std::string(what) +
                                   "; only L, B, I, J, K, E, D and A columns are supported");
  };
  switch (typecode) {
    case TLOGICAL:
      c->code = 'L';
      c->kind = Kind::kLogical;
      c->width = 1;
      break;
    // The unsigned codes are listed in case cfitsio folds TZERO into the type it reports;
    // the TZERO keyword itself is read below either way.
    case TBYTE:
    case TSBYTE:
      c->code = 'B';
      c->width = 1;
      break;
    case TSHORT:
    case TUSHORT:
      c->code = 'I';
      c->width = 2;
      break;
    case TLONG:
    case TULONG:
    case TINT:
    case TUINT:
      c->code = 'J';
      c->width = 4;
      break;
    case TLONGLONG:
    case TULONGLONG:
      c->code = 'K';
      c->width = 8;
      break;
    case TFLOAT:
      c->code = 'E';
      c->kind = Kind::kFloating;
      c->width = 4;
      break;
    case TDOUBLE:
      c->code = 'D';
      c->kind = Kind::kFloating;
      c->width = 8;
      break;
    case TSTRING:
      c->code = 'A';
      c->kind = Kind::kString;
      break;
    case TBIT:
      return unsupported("bits");
    case TCOMPLEX:
    case TDBLCOMPLEX:
      return unsupported("complex numbers");
    default:
      if (typecode < 0) return unsupported("variable-length arrays");
      return unsupported("values of an unknown type");
  }
  if (c->kind == Kind::kString) {
    if (repeat > width) {
      return Status::InvalidArgument(path_ + ": column " + c->name + " has " +
                                     std::to_string(repeat / std::max<LONGLONG>(width, 1)) +
                                     " strings per row; only scalar columns are supported");
    }
    c->width = static_cast<size_t>(repeat);
  } else if (repeat != 1) {
    return Status::InvalidArgument(path_ + ": column " + c->name + " has " +
                                   std::to_string(repeat) +
                                   " elements per row; only scalar columns are supported");
  }

  if (c->code == 'L' || c->code == 'A') return Status::OK();
  double zero = 0;
  double scale = 1;
  if (fits_read_key(file_, TDOUBLE, ("TZERO" + n).c_str(), &zero, nullptr, &status) != 0) {
    zero = 0;
  }
  status = 0;
  if (fits_read_key(file_, TDOUBLE, ("TSCAL" + n).c_str(), &scale, nullptr, &status) != 0) {
    scale = 1;
  }
  status = 0;
  if (c->kind == Kind::kFloating) {
    c->scaled = zero != 0 || scale != 1;
    c->zero = zero;
    c->scale = scale;
    return Status::OK();
  }
  LONGLONG tnull = 0;
  if (fits_read_key(file_, TLONGLONG, ("TNULL" + n).c_str(), &tnull, nullptr, &status) == 0) {
    c->has_tnull = true;
    c->tnull = tnull;
  }
  status = 0;
  constexpr double kTwo63 = 9223372036854775808.0;
  if (scale == 1 && c->code == 'K' && zero == kTwo63) {
    c->kind = Kind::kUnsigned64;
  } else if (scale == 1 && std::floor(zero) == zero && std::fabs(zero) <= 4294967296.0) {
    c->int_zero = static_cast<int64_t>(zero);
  } else if (scale != 1 || zero != 0) {
    c->kind = Kind::kFloating;
    c->scaled = true;
    c->zero = zero;
    c->scale = scale;
  }
  return Status::OK();
}

Status FitsReader::ReadHeader() {
  int status = 0;
  int hdu_type = 0;
  LONGLONG head_start = 0;
  LONGLONG data_start = 0;
  LONGLONG data_end = 0;
  fits_get_hduaddrll(file_, &head_start, &data_start, &data_end, &status);
  if (fits_movabs_hdu(file_, 2, &hdu_type, &status) != 0) {
    fits_clear_errmsg();
    // Bytes after the primary HDU that cfitsio cannot read as a header: a damaged or cut
    // extension, not a file that simply has none.
    if (file_->Fptr->logfilesize > data_end) {
      return Status::Corruption(
          path_ + ": the header of HDU 2 is damaged or truncated: " + CfitsioError(status));
    }
    return Status::InvalidArgument(path_ +
                                   ": no extension after the primary HDU (expected a binary "
                                   "table in HDU 2)");
  }
  if (hdu_type != BINARY_TBL) {
    return Status::InvalidArgument(path_ + ": HDU 2 is " +
                                   (hdu_type == ASCII_TBL ? "an ASCII table" : "an image") +
                                   " (expected a binary table, XTENSION = 'BINTABLE')");
  }
  LONGLONG num_rows = 0;
  int num_columns = 0;
  LONGLONG naxis1 = 0;
  if (fits_get_num_rowsll(file_, &num_rows, &status) != 0 ||
      fits_get_num_cols(file_, &num_columns, &status) != 0 ||
      fits_read_key(file_, TLONGLONG, "NAXIS1", &naxis1, nullptr, &status) != 0) {
    return Status::Corruption(path_ + ": bad binary table header: " + CfitsioError(status));
  }
  num_rows_ = num_rows;
  end_row_ = num_rows;
  row_bytes_ = static_cast<size_t>(naxis1);

  std::unordered_set<std::string> seen;
  size_t offset = 0;
  for (int i = 1; i <= num_columns; ++i) {
    FitsColumn c;
    SKY_RETURN_IF_ERROR(ReadColumn(i, &c));
    c.offset = offset;
    offset += c.width;
    std::string lower = c.name;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!seen.insert(lower).second) {
      return Status::InvalidArgument(path_ + ": column name '" + c.name +
                                     "' appears twice (names are case-insensitive)");
    }
    names_.push_back(c.name);
    columns_.push_back(std::move(c));
  }
  if (offset != row_bytes_) {
    return Status::Corruption(path_ + ": the columns' TFORMs add up to " + std::to_string(offset) +
                              " bytes per row, but NAXIS1 = " + std::to_string(row_bytes_));
  }

  // Catch a truncated file now, before the loader has stored part of it. logfilesize is the
  // size cfitsio sees (for .gz, of the decompressed image).
  if (fits_get_hduaddrll(file_, &head_start, &data_start, &data_end, &status) != 0) {
    return Status::Corruption(path_ + ": " + CfitsioError(status));
  }
  const LONGLONG file_size = file_->Fptr->logfilesize;
  const LONGLONG needed = data_start + num_rows * naxis1;
  if (file_size < needed) {
    LONGLONG complete = naxis1 > 0 ? std::max<LONGLONG>(file_size - data_start, 0) / naxis1 : 0;
    return Status::Corruption(path_ + ": truncated: header says " + std::to_string(num_rows) +
                              " rows, data ends at row " + std::to_string(complete) + " (" +
                              std::to_string(file_size) + " of " + std::to_string(needed) +
                              " bytes present)");
  }
  chunk_rows_ = std::max<size_t>(1, kChunkBytes / std::max<size_t>(row_bytes_, 1));
  MapIfPlain(static_cast<uint64_t>(data_start), static_cast<uint64_t>(needed));
  return Status::OK();
}

Status FitsReader::Bind(const std::vector<ColumnType>& types) {
  if (types.size() != columns_.size()) {
    return Status::InvalidArgument(path_ + ": " + std::to_string(types.size()) +
                                   " column types given for " + std::to_string(columns_.size()) +
                                   " columns in the table");
  }
  for (size_t i = 0; i < types.size(); ++i) {
    const FitsColumn& c = columns_[i];
    DataType t = types[i].type;
    bool ok = false;
    std::string_view expected;
    switch (c.kind) {
      case Kind::kLogical:
        ok = t == DataType::kBoolean;
        expected = "boolean";
        break;
      case Kind::kInteger:
      case Kind::kUnsigned64:
        ok = IsIntegerTarget(t) || IsFloating(t);
        expected = "smallint, integer, bigint, real or double";
        break;
      case Kind::kFloating:
        ok = IsFloating(t);
        expected = c.scaled && c.code != 'E' && c.code != 'D'
                       ? "real or double: TSCAL/TZERO make it non-integer"
                       : "real or double";
        break;
      case Kind::kString:
        ok = IsString(t) || t == DataType::kTimestamp;
        expected = "char, varchar, or timestamp written as ISO-8601 text";
        break;
    }
    if (!ok) {
      return Status::InvalidArgument(path_ + ": column " + c.name + " holds " + KindName(c) +
                                     "; it cannot be read as " + ColumnTypeToString(types[i]) +
                                     " (expected " + std::string(expected) + ")");
    }
  }
  types_ = types;
  bound_ = true;
  return Status::OK();
}

template <typename Raw>
Status FitsReader::DecodeInteger(const FitsColumn& c, const unsigned char* rows, size_t n,
                                 int64_t first_row, ColumnVector* out) const {
  const DataType target = out->type.type;
  const bool to_int = IsIntegerTarget(target);
  const bool to_real = target == DataType::kReal;
  int64_t lo = 0;
  int64_t hi = 0;
  IntRange(target, &lo, &hi);
  const size_t base = out->nulls.size();
  out->nulls.resize(base + n, 0);
  if (to_int) {
    out->ints.resize(base + n);
  } else {
    out->doubles.resize(base + n);
  }
  const unsigned char* p = rows + c.offset;
  for (size_t r = 0; r < n; ++r, p += row_bytes_) {
    const Raw raw = LoadBigEndian<Raw>(p);
    if (c.has_tnull && static_cast<int64_t>(raw) == c.tnull) {
      out->nulls[base + r] = 1;
      if (to_int) {
        out->ints[base + r] = 0;
      } else {
        out->doubles[base + r] = 0;
      }
      continue;
    }
    if (c.kind == Kind::kUnsigned64) {
      // Stored value v means v + 2^63: flipping the sign bit gives the unsigned value.
      const uint64_t u = static_cast<uint64_t>(raw) ^ (uint64_t{1} << 63);
      if (to_int) {
        if (u > static_cast<uint64_t>(hi)) {
          return ValueError(first_row + static_cast<int64_t>(r), c,
                            "value " + std::to_string(u) + " is out of range for " +
                                ColumnTypeToString(out->type));
        }
        out->ints[base + r] = static_cast<int64_t>(u);
      } else {
        double d = static_cast<double>(u);
        out->doubles[base + r] = to_real ? static_cast<double>(static_cast<float>(d)) : d;
      }
      continue;
    }
    int64_t v = static_cast<int64_t>(raw);
    if (c.int_zero != 0 && __builtin_add_overflow(v, c.int_zero, &v)) {
      return ValueError(first_row + static_cast<int64_t>(r), c,
                        "stored value " + std::to_string(static_cast<int64_t>(raw)) + " + TZERO " +
                            std::to_string(c.int_zero) + " does not fit in 64 bits");
    }
    if (to_int) {
      if (v < lo || v > hi) {
        return ValueError(first_row + static_cast<int64_t>(r), c,
                          "value " + std::to_string(v) + " is out of range for " +
                              ColumnTypeToString(out->type) + " (expected " + std::to_string(lo) +
                              " to " + std::to_string(hi) + ")");
      }
      out->ints[base + r] = v;
    } else {
      double d = static_cast<double>(v);
      out->doubles[base + r] = to_real ? static_cast<double>(static_cast<float>(d)) : d;
    }
  }
  return Status::OK();
}

template <typename Raw>
Status FitsReader::DecodeFloating(const FitsColumn& c, const unsigned char* rows, size_t n,
                                  int64_t first_row, ColumnVector* out) const {
  const bool to_real = out->type.type == DataType::kReal;
  const size_t base = out->nulls.size();
  out->nulls.resize(base + n, 0);
  out->doubles.resize(base + n);
  const unsigned char* p = rows + c.offset;
  for (size_t r = 0; r < n; ++r, p += row_bytes_) {
    const Raw raw = LoadBigEndian<Raw>(p);
    if constexpr (std::is_integral_v<Raw>) {
      // A scaled integer column: TNULL applies to the stored value, before scaling.
      if (c.has_tnull && static_cast<int64_t>(raw) == c.tnull) {
        out->nulls[base + r] = 1;
        out->doubles[base + r] = 0;
        continue;
      }
    }
    double d = static_cast<double>(raw);
    if (c.scaled) d = c.zero + c.scale * d;
    // A real column keeps floats: a double beyond float range must not become infinity
    // silently (the conversion would also be undefined behaviour).
    if (to_real && (sizeof(Raw) == 8 || c.scaled || std::is_integral_v<Raw>)) {
      if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
        return ValueError(first_row + static_cast<int64_t>(r), c,
                          "value " + std::to_string(d) +
                              " is out of range for real (expected at most 3.4e38 in "
                              "magnitude)");
      }
      d = static_cast<double>(static_cast<float>(d));
    }
    out->doubles[base + r] = d;
  }
  return Status::OK();
}

Status FitsReader::DecodeLogical(const FitsColumn& c, const unsigned char* rows, size_t n,
                                 int64_t first_row, ColumnVector* out) const {
  const size_t base = out->nulls.size();
  out->nulls.resize(base + n, 0);
  out->ints.resize(base + n, 0);
  const unsigned char* p = rows + c.offset;
  for (size_t r = 0; r < n; ++r, p += row_bytes_) {
    switch (*p) {
      case 'T':
        out->ints[base + r] = 1;
        break;
      case 'F':
        break;
      case 0:
        out->nulls[base + r] = 1;
        break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(*p));
        return ValueError(first_row + static_cast<int64_t>(r), c,
                          std::string("logical byte ") + hex + " is not 'T', 'F' or 0 (NULL)");
      }
    }
  }
  return Status::OK();
}

Status FitsReader::DecodeString(const FitsColumn& c, const unsigned char* rows, size_t n,
                                int64_t first_row, ColumnVector* out) const {
  const ColumnType& type = out->type;
  const unsigned char* p = rows + c.offset;
  for (size_t r = 0; r < n; ++r, p += row_bytes_) {
    const char* s = reinterpret_cast<const char*>(p);
    const void* nul = std::memchr(s, 0, c.width);
    size_t len = nul ? static_cast<size_t>(static_cast<const char*>(nul) - s) : c.width;
    while (len > 0 && s[len - 1] == ' ') --len;
    if (len == 0) {
      out->AppendNull();
      continue;
    }
    std::string_view text(s, len);
    if (type.type == DataType::kTimestamp) {
      Result<int64_t> ts = ParseTimestamp(text);
      if (!ts.ok())
        return ValueError(first_row + static_cast<int64_t>(r), c, ts.status().message());
      out->AppendInt(*ts);
      continue;
    }
    if (type.length > 0 && len > type.length) {
      return ValueError(first_row + static_cast<int64_t>(r), c,
                        "'" + std::string(text) + "' is " + std::to_string(len) +
                            " bytes long (expected " + ColumnTypeToString(type) + ": at most " +
                            std::to_string(type.length) + " bytes)");
    }
    out->AppendString(std::string(text));
  }
  return Status::OK();
}

Status FitsReader::Decode(size_t col, const unsigned char* rows, size_t n, int64_t first_row,
                          ColumnVector* out) const {
  const FitsColumn& c = columns_[col];
  if (c.kind == Kind::kFloating) {
    switch (c.code) {
      case 'B':
        return DecodeFloating<uint8_t>(c, rows, n, first_row, out);
      case 'I':
        return DecodeFloating<int16_t>(c, rows, n, first_row, out);
      case 'J':
        return DecodeFloating<int32_t>(c, rows, n, first_row, out);
      case 'K':
        return DecodeFloating<int64_t>(c, rows, n, first_row, out);
      default:
        break;
    }
  }
  switch (c.code) {
    case 'L':
      return DecodeLogical(c, rows, n, first_row, out);
    case 'B':
      return DecodeInteger<uint8_t>(c, rows, n, first_row, out);
    case 'I':
      return DecodeInteger<int16_t>(c, rows, n, first_row, out);
    case 'J':
      return DecodeInteger<int32_t>(c, rows, n, first_row, out);
    case 'K':
      return DecodeInteger<int64_t>(c, rows, n, first_row, out);
    case 'E':
      return DecodeFloating<float>(c, rows, n, first_row, out);
    case 'D':
      return DecodeFloating<double>(c, rows, n, first_row, out);
    default:
      return DecodeString(c, rows, n, first_row, out);
  }
}

Result<size_t> FitsReader::ReadBatch(ColumnBatch* batch, size_t max_rows) {
  if (!bound_) return Status::Internal(path_ + ": ReadBatch called before Bind");
  if (!failed_.ok()) return failed_;
  batch->Reset(types_);
  batch_first_row_ = next_row_;
  const size_t rows = static_cast<size_t>(std::min<int64_t>(
      static_cast<int64_t>(std::min<size_t>(max_rows, std::numeric_limits<int64_t>::max())),
      end_row_ - next_row_));
  for (ColumnVector& c : batch->columns) c.Reserve(rows);
  if (map_ != nullptr && !drop_behind_) {
    drop_behind_.emplace(map_fd_, data_start_ + static_cast<size_t>(begin_row_) * row_bytes_, map_);
  }
  size_t done = 0;
  while (done < rows) {
    const size_t n = std::min(chunk_rows_, rows - done);
    const unsigned char* chunk = nullptr;
    if (map_ != nullptr) {
      chunk = map_ + data_start_ + static_cast<size_t>(next_row_) * row_bytes_;
    } else {
      raw_.resize(n * row_bytes_);
      int status = 0;
      if (row_bytes_ > 0 &&
          fits_read_tblbytes(file_, next_row_ + 1, 1, static_cast<LONGLONG>(n * row_bytes_),
                             raw_.data(), &status) != 0) {
        fits_clear_errmsg();
        failed_ =
            Status::IOError(path_ + ": row " + std::to_string(next_row_ + 1) + ": cannot read " +
                            std::to_string(n) + " rows: " + CfitsioError(status));
        return failed_;
      }
      chunk = raw_.data();
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      Status s = Decode(i, chunk, n, next_row_, &batch->columns[i]);
      if (!s.ok()) {
        failed_ = std::move(s);
        return failed_;
      }
    }
    next_row_ += static_cast<int64_t>(n);
    done += n;
  }
  if (drop_behind_) {
    drop_behind_->Advance(data_start_ + static_cast<size_t>(next_row_) * row_bytes_,
                          next_row_ == end_row_);
  }
  batch->num_rows = rows;
  return rows;
}

}  // namespace

Result<std::unique_ptr<TableReader>> OpenFitsReader(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": " + std::strerror(errno));
  }
  fitsfile* file = nullptr;
  int status = 0;
  // The disk-file variant: a path is a path, never cfitsio's extended syntax ("x.fits[2]").
  if (fits_open_diskfile(&file, path.c_str(), READONLY, &status) != 0) {
    std::string why = CfitsioError(status);
    fits_clear_errmsg();
    // A file that starts like FITS but cannot be opened was damaged; anything else simply
    // is not FITS.
    char head[10] = {0};
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      size_t got = std::fread(head, 1, 9, f);
      std::fclose(f);
      if (got == 9 && std::memcmp(head, "SIMPLE  =", 9) == 0) {
        return Status::Corruption(path + ": damaged or truncated FITS header: " + why);
      }
    }
    return Status::InvalidArgument(path + ": not a FITS file: " + why);
  }
  auto reader = std::make_unique<FitsReader>(path, file);
  SKY_RETURN_IF_ERROR(reader->ReadHeader());
  return std::unique_ptr<TableReader>(std::move(reader));
}

}  // namespace skyshard
