#include "votable/internal/fits_writer.h"

#include <fcntl.h>
#include <fitsio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>

#include "common/types.h"
#include "votable/internal/utf8.h"

namespace skyshard::votable_internal {
namespace {

// Spool encoding of one cell: a flag byte, kNull or kValue; after kValue the value: integers
// as an int64 and reals and doubles as a double (8 bytes, host order), booleans one byte 0/1,
// strings and timestamps (already formatted as ISO 8601) a uint32 byte length and the bytes.
// The spool is read back by the same process only, so host order is fine.
constexpr char kValue = 0;
constexpr char kNull = 1;

// Rows are handed to cfitsio in chunks of about this many bytes.
constexpr size_t kChunkBytes = size_t{1} << 20;
// The largest piece handed to the sink, whatever flush_bytes says.
constexpr size_t kMaxPiece = size_t{4} << 20;

// cfitsio keeps global state unless built reentrant (Debian's is; others may not be).
std::mutex& CfitsioMutex() {
  static std::mutex mu;
  return mu;
}

std::string CfitsioError(int status) {
  char text[FLEN_STATUS] = {};
  fits_get_errstatus(status, text);
  return std::string(text) + " (cfitsio status " + std::to_string(status) + ")";
}

// FITS header values are printable ASCII: other bytes become '?', line breaks and tabs blanks.
std::string HeaderText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r' || c == '\t') {
      out.push_back(' ');
    } else {
      out.push_back(u >= 0x20 && u < 0x7F ? c : '?');
    }
  }
  return out;
}

void AppendRaw(const void* p, size_t n, std::string* out) {
  out->append(static_cast<const char*>(p), n);
}

void PutBigEndian(uint64_t v, size_t bytes, char* out) {
  for (size_t i = 0; i < bytes; ++i) {
    out[i] = static_cast<char>(v >> (8 * (bytes - 1 - i)));
  }
}

int64_t TypeMin(DataType t) {
  switch (t) {
    case DataType::kSmallInt:
      return std::numeric_limits<int16_t>::min();
    case DataType::kInteger:
      return std::numeric_limits<int32_t>::min();
    default:
      return std::numeric_limits<int64_t>::min();
  }
}

int64_t TypeMax(DataType t) {
  switch (t) {
    case DataType::kSmallInt:
      return std::numeric_limits<int16_t>::max();
    case DataType::kInteger:
      return std::numeric_limits<int32_t>::max();
    default:
      return std::numeric_limits<int64_t>::max();
  }
}

bool IsFitsInteger(DataType t) {
  return t == DataType::kSmallInt || t == DataType::kInteger || t == DataType::kBigInt;
}

// A column as declared in the header: TFORM and the bytes of one cell.
struct FitsColumn {
  std::string tform;
  size_t width = 0;
  int64_t tnull = 0;  // integers with NULLs only
  bool has_tnull = false;
};

Result<FitsColumn> DeclareColumn(const FieldInfo& field, const FitsWriter::ColumnStats& stats) {
  FitsColumn c;
  switch (field.type.type) {
    case DataType::kSmallInt:
      c = {"I", 2};
      break;
    case DataType::kInteger:
      c = {"J", 4};
      break;
    case DataType::kBigInt:
      c = {"K", 8};
      break;
    case DataType::kReal:
      c = {"E", 4};
      break;
    case DataType::kDouble:
      c = {"D", 8};
      break;
    case DataType::kBoolean:
      c = {"L", 1};
      break;
    case DataType::kChar:
    case DataType::kVarChar:
    case DataType::kTimestamp: {
      // As wide as the longest value (at least char(n)'s n), never 0: some readers reject 0A.
      size_t width = std::max<size_t>(stats.max_bytes, 1);
      if (field.type.type == DataType::kChar) width = std::max<size_t>(width, field.type.length);
      c = {std::to_string(width) + "A", width};
      break;
    }
  }
  if (IsFitsInteger(field.type.type) && stats.has_null) {
    const int64_t lo = TypeMin(field.type.type);
    const int64_t hi = TypeMax(field.type.type);
    for (int k = 0; k < 64 && !c.has_tnull; ++k) {
      if ((stats.low_seen >> k & 1) == 0) {
        c.tnull = lo + k;
        c.has_tnull = true;
      }
    }
    for (int k = 0; k < 64 && !c.has_tnull; ++k) {
      if ((stats.high_seen >> k & 1) == 0) {
        c.tnull = hi - k;
        c.has_tnull = true;
      }
    }
    if (!c.has_tnull) {
      return Status::InvalidArgument(
          "column '" + field.name +
          "' has NULLs and holds each of the 64 smallest and 64 largest values of its type, so "
          "FITS output has no TNULL value left to mark its NULLs; use another RESPONSEFORMAT");
    }
  }
  return c;
}

// Keywords a caller's INFO may not take: structural and column keywords, and ours.
bool IsReservedKeyword(const std::string& key) {
  static constexpr std::string_view kReserved[] = {
      "SIMPLE", "BITPIX",  "EXTEND",  "XTENSION", "PCOUNT",   "GCOUNT", "EXTNAME",
      "END",    "COMMENT", "HISTORY", "CONTINUE", "LONGSTRN", "QSTATUS"};
  // NAXISn, and every T keyword: TFIELDS, TTYPEn, TFORMn, TNULLn, THEAP, ...
  if (key.rfind("NAXIS", 0) == 0 || (!key.empty() && key[0] == 'T')) return true;
  return std::find(std::begin(kReserved), std::end(kReserved), key) != std::end(kReserved);
}

// An INFO name usable as a FITS keyword as it is (upper-cased): 1 to 8 of A-Z 0-9 - _.
bool IsKeywordName(std::string_view name) {
  if (name.empty() || name.size() > 8) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// Owns an open cfitsio file; closes it (errors then ignored) unless Close was called.
class FitsFile {
 public:
  explicit FitsFile(fitsfile* f) : f_(f) {}
  ~FitsFile() {
    if (f_ != nullptr) {
      int status = 0;
      fits_close_file(f_, &status);
    }
  }
  FitsFile(const FitsFile&) = delete;
  FitsFile& operator=(const FitsFile&) = delete;
  fitsfile* get() const { return f_; }
  int Close() {
    int status = 0;
    fits_close_file(f_, &status);
    f_ = nullptr;
    return status;
  }

 private:
  fitsfile* f_;
};

}  // namespace

FitsWriter::FitsWriter(ByteSink* sink, const ResultWriterOptions& options)
    : sink_(sink), options_(options) {}

FitsWriter::~FitsWriter() {
  if (fits_fd_ >= 0) ::close(fits_fd_);
}

Status FitsWriter::BeginImpl(const std::vector<FieldInfo>& fields, const InfoList& infos) {
  SKY_ASSIGN_OR_RETURN(layouts_, ResolveFields(fields));
  for (const auto& [name, value] : infos) {
    if (name.empty()) return Status::InvalidArgument("an INFO element needs a name");
    if (name == "QUERY_STATUS") {
      return Status::InvalidArgument("INFO QUERY_STATUS is written by the result writer");
    }
  }
  if (options_.spool_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    const std::string dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    options_.spool_dir = dir;
  }
  SKY_ASSIGN_OR_RETURN(spool_, SpoolFile::Create(options_.spool_dir));
  fields_ = fields;
  infos_ = infos;
  stats_.assign(fields.size(), ColumnStats{});
  return Status::OK();
}

Status FitsWriter::EncodeRow(const ColumnBatch& batch, size_t row) {
  row_.clear();
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    const ColumnVector& col = batch.columns[c];
    ColumnStats& stats = stats_[c];
    if (col.IsNull(row)) {
      row_.push_back(kNull);
      stats.has_null = true;
      continue;
    }
    row_.push_back(kValue);
    const FieldLayout& layout = layouts_[c];
    switch (layout.type) {
      case DataType::kSmallInt:
      case DataType::kInteger:
      case DataType::kBigInt: {
        const int64_t v = col.ints[row];
        SKY_RETURN_IF_ERROR(CheckIntRange(layout, fields_[c], v, next_row_));
        const uint64_t from_min =
            static_cast<uint64_t>(v) - static_cast<uint64_t>(TypeMin(layout.type));
        const uint64_t to_max =
            static_cast<uint64_t>(TypeMax(layout.type)) - static_cast<uint64_t>(v);
        if (from_min < 64) stats.low_seen |= uint64_t{1} << from_min;
        if (to_max < 64) stats.high_seen |= uint64_t{1} << to_max;
        AppendRaw(&v, sizeof v, &row_);
        break;
      }
      case DataType::kBoolean:
        row_.push_back(col.ints[row] != 0 ? 1 : 0);
        break;
      case DataType::kReal:
      case DataType::kDouble:
        AppendRaw(&col.doubles[row], sizeof(double), &row_);
        break;
      case DataType::kTimestamp:
      case DataType::kChar:
      case DataType::kVarChar: {
        std::string text;
        std::string_view v;
        if (layout.type == DataType::kTimestamp) {
          text = FormatTimestamp(col.ints[row]);
          v = text;
        } else {
          v = ValidUtf8(col.strings[row], &scratch_);
          SKY_RETURN_IF_ERROR(CheckStringLength(layout, fields_[c], v, next_row_));
        }
        const auto n = static_cast<uint32_t>(v.size());
        AppendRaw(&n, sizeof n, &row_);
        row_.append(v);
        stats.max_bytes = std::max<size_t>(stats.max_bytes, v.size());
        break;
      }
    }
  }
  return Status::OK();
}

Status FitsWriter::WriteRowsImpl(const ColumnBatch& batch, size_t* rows_done) {
  for (size_t row = 0; row < batch.num_rows; ++row) {
    // Statistics of a rejected row would only make the header wider or a TNULL pickier than
    // needed; both stay correct.
    SKY_RETURN_IF_ERROR(EncodeRow(batch, row));
    SKY_RETURN_IF_ERROR(spool_->Append(row_));
    ++*rows_done;
    ++next_row_;
  }
  return Status::OK();
}

Status FitsWriter::BuildFile(bool overflow) {
  const size_t ncols = fields_.size();
  std::vector<FitsColumn> columns;
  size_t row_bytes = 0;
  for (size_t c = 0; c < ncols; ++c) {
    SKY_ASSIGN_OR_RETURN(FitsColumn col, DeclareColumn(fields_[c], stats_[c]));
    row_bytes += col.width;
    columns.push_back(std::move(col));
  }

  // A unique name in the spool directory from mkstemp, handed to cfitsio's disk-file driver
  // (which takes the name literally, unlike fits_create_file's extended file-name syntax).
  std::string pattern = options_.spool_dir + "/skyshard-fits-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    return Status::IOError("cannot create a temporary file in " + options_.spool_dir + ": " +
                           std::strerror(errno));
  }
  ::close(fd);
  fits_path_ = name.data();
  ::unlink(fits_path_.c_str());  // cfitsio's disk driver refuses to overwrite a file

  std::unique_lock<std::mutex> lock(CfitsioMutex(), std::defer_lock);
  if (fits_is_reentrant() == 0) lock.lock();
  int status = 0;
  fitsfile* raw = nullptr;
  fits_create_diskfile(&raw, fits_path_.c_str(), &status);
  if (status != 0) {
    return Status::IOError("cannot create the FITS file " + fits_path_ + ": " +
                           CfitsioError(status));
  }
  FitsFile file(raw);
  // Keep a descriptor to read the finished file with and drop the name at once: cfitsio writes
  // through its own open stream, and nothing is left behind if the process dies.
  fits_fd_ = ::open(fits_path_.c_str(), O_RDONLY | O_CLOEXEC);
  const int open_errno = errno;
  ::unlink(fits_path_.c_str());
  if (fits_fd_ < 0) {
    return Status::IOError("cannot reopen the FITS file " + fits_path_ + ": " +
                           std::strerror(open_errno));
  }
  const auto fail = [&](std::string_view what) {
    return Status::IOError("cannot write the FITS file " + fits_path_ + " (" + std::string(what) +
                           "): " + CfitsioError(status));
  };

  std::vector<std::string> ttype;
  std::vector<std::string> tunit;
  for (size_t c = 0; c < ncols; ++c) {
    ttype.push_back(HeaderText(fields_[c].name));
    tunit.push_back(HeaderText(fields_[c].unit));
  }
  std::vector<char*> ttype_p;
  std::vector<char*> tform_p;
  std::vector<char*> tunit_p;
  for (size_t c = 0; c < ncols; ++c) {
    ttype_p.push_back(ttype[c].data());
    tform_p.push_back(columns[c].tform.data());
    tunit_p.push_back(tunit[c].data());
  }
  char extname[] = "RESULTS";
  // The primary HDU (empty) is created by cfitsio; the table is the first extension.
  fits_create_tbl(file.get(), BINARY_TBL, static_cast<LONGLONG>(rows_written()),
                  static_cast<int>(ncols), ttype_p.data(), tform_p.data(), tunit_p.data(), extname,
                  &status);
  if (status != 0) return fail("table header");

  for (size_t c = 0; c < ncols; ++c) {
    const std::string n = std::to_string(c + 1);
    const FieldInfo& f = fields_[c];
    if (columns[c].has_tnull) {
      auto tnull = static_cast<LONGLONG>(columns[c].tnull);
      fits_write_key(file.get(), TLONGLONG, ("TNULL" + n).c_str(), &tnull, "NULL value", &status);
    }
    // TCOMMn, TUCDn and TUTYPn are not in the FITS standard; STILTS and TOPCAT read and write
    // them, and other readers ignore them.
    if (!f.description.empty()) {
      std::string text = HeaderText(f.description);
      fits_write_key_longstr(file.get(), ("TCOMM" + n).c_str(), text.c_str(), "", &status);
    }
    if (!f.ucd.empty()) {
      std::string text = HeaderText(f.ucd);
      fits_write_key_str(file.get(), ("TUCD" + n).c_str(), text.c_str(), "", &status);
    }
    if (!f.utype.empty()) {
      std::string text = HeaderText(f.utype);
      fits_write_key_longstr(file.get(), ("TUTYP" + n).c_str(), text.c_str(), "", &status);
    }
    if (f.type.type == DataType::kTimestamp) {
      fits_write_key_str(file.get(), ("TXTYP" + n).c_str(), "timestamp",
                         "ISO 8601 UTC, DALI timestamp", &status);
    }
  }
  if (status != 0) return fail("column keywords");
  fits_write_key_str(file.get(), "QSTATUS", overflow ? "OVERFLOW" : "OK",
                     overflow ? "DALI QUERY_STATUS: rows cut at MAXREC" : "DALI QUERY_STATUS",
                     &status);
  for (const auto& [info_name, value] : infos_) {
    std::string key = info_name;
    std::transform(key.begin(), key.end(), key.begin(), [](char ch) {
      return ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch;
    });
    std::string text = HeaderText(value);
    if (IsKeywordName(info_name) && !IsReservedKeyword(key)) {
      fits_write_key_longstr(file.get(), key.c_str(), text.c_str(), "", &status);
    } else {
      std::string comment = "INFO " + HeaderText(info_name) + " = " + text;
      fits_write_comment(file.get(), comment.c_str(), &status);
    }
  }
  if (status != 0) return fail("INFO keywords");

  // The rows, from the spool, in chunks of whole rows.
  SKY_RETURN_IF_ERROR(spool_->Rewind());
  const size_t rows_per_chunk = row_bytes == 0 ? 1 : std::max<size_t>(1, kChunkBytes / row_bytes);
  std::string chunk;
  std::string text;
  LONGLONG first_row = 1;
  const auto total = static_cast<LONGLONG>(rows_written());
  while (first_row <= total && row_bytes > 0) {
    const auto n = static_cast<size_t>(
        std::min<LONGLONG>(static_cast<LONGLONG>(rows_per_chunk), total - first_row + 1));
    chunk.assign(n * row_bytes, '\0');
    for (size_t r = 0; r < n; ++r) {
      char* out = chunk.data() + r * row_bytes;
      for (size_t c = 0; c < ncols; ++c) {
        const FitsColumn& col = columns[c];
        char flag = 0;
        SKY_RETURN_IF_ERROR(spool_->Read(&flag, 1));
        const DataType type = fields_[c].type.type;
        if (flag == kNull) {
          // Floats: NaN; integers: TNULL; booleans: 0 (FITS's undefined logical); strings: empty
          // (the chunk is already zero-filled).
          if (type == DataType::kReal) {
            const float nan = std::numeric_limits<float>::quiet_NaN();
            uint32_t bits = 0;
            std::memcpy(&bits, &nan, 4);
            PutBigEndian(bits, 4, out);
          } else if (type == DataType::kDouble) {
            const double nan = std::numeric_limits<double>::quiet_NaN();
            uint64_t bits = 0;
            std::memcpy(&bits, &nan, 8);
            PutBigEndian(bits, 8, out);
          } else if (IsFitsInteger(type)) {
            PutBigEndian(static_cast<uint64_t>(col.tnull), col.width, out);
          }
          out += col.width;
          continue;
        }
        switch (type) {
          case DataType::kSmallInt:
          case DataType::kInteger:
          case DataType::kBigInt: {
            int64_t v = 0;
            SKY_RETURN_IF_ERROR(spool_->Read(&v, sizeof v));
            PutBigEndian(static_cast<uint64_t>(v), col.width, out);
            break;
          }
          case DataType::kBoolean: {
            char b = 0;
            SKY_RETURN_IF_ERROR(spool_->Read(&b, 1));
            *out = b != 0 ? 'T' : 'F';
            break;
          }
          case DataType::kReal: {
            double d = 0;
            SKY_RETURN_IF_ERROR(spool_->Read(&d, sizeof d));
            const auto f = static_cast<float>(d);
            uint32_t bits = 0;
            std::memcpy(&bits, &f, 4);
            PutBigEndian(bits, 4, out);
            break;
          }
          case DataType::kDouble: {
            double d = 0;
            SKY_RETURN_IF_ERROR(spool_->Read(&d, sizeof d));
            uint64_t bits = 0;
            std::memcpy(&bits, &d, 8);
            PutBigEndian(bits, 8, out);
            break;
          }
          case DataType::kChar:
          case DataType::kVarChar:
          case DataType::kTimestamp: {
            uint32_t len = 0;
            SKY_RETURN_IF_ERROR(spool_->Read(&len, sizeof len));
            if (len > col.width) return Status::Internal("a spooled string outgrew its column");
            // NUL-padded (FITS 4.0 section 7.3.3.1), so trailing blanks survive.
            text.resize(len);
            SKY_RETURN_IF_ERROR(spool_->Read(text.data(), len));
            std::memcpy(out, text.data(), len);
            break;
          }
        }
        out += col.width;
      }
    }
    fits_write_tblbytes(file.get(), first_row, 1, static_cast<LONGLONG>(chunk.size()),
                        reinterpret_cast<unsigned char*>(chunk.data()), &status);
    if (status != 0) return fail("rows");
    first_row += static_cast<LONGLONG>(n);
  }
  status = file.Close();
  if (status != 0) return fail("closing");
  return Status::OK();
}

Status FitsWriter::SendFile() {
  if (::lseek(fits_fd_, 0, SEEK_SET) != 0) {
    return Status::IOError("cannot rewind the FITS file " + fits_path_ + ": " +
                           std::strerror(errno));
  }
  std::string piece(std::clamp<size_t>(options_.flush_bytes, 1, kMaxPiece), '\0');
  while (true) {
    const ssize_t n = ::read(fits_fd_, piece.data(), piece.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("cannot read the FITS file " + fits_path_ + ": " +
                             std::strerror(errno));
    }
    if (n == 0) return Status::OK();
    SKY_RETURN_IF_ERROR(sink_->Write(std::string_view(piece.data(), static_cast<size_t>(n))));
  }
}

Status FitsWriter::EndImpl(bool overflow, const std::string* error_message) {
  if (error_message != nullptr) {
    // FITS has no place for an error after the rows: the result is dropped, and the caller,
    // to which nothing was sent, reports the error its own way.
    spool_.reset();
    return Status::OK();
  }
  Status s = BuildFile(overflow);
  spool_.reset();
  if (s.ok()) s = SendFile();
  if (fits_fd_ >= 0) {
    ::close(fits_fd_);
    fits_fd_ = -1;
  }
  return s;
}

}  // namespace skyshard::votable_internal
