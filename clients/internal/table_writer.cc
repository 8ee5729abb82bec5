// The CSV and FITS table writers and TableOutput; see table_writer.h.

#include "clients/internal/table_writer.h"

#include <fitsio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace skyshard::gen_internal {
namespace {

namespace fs = std::filesystem;

// Timestamps: fixed-width "YYYY-MM-DDTHH:MM:SS.ffffff" (UTC), for CSV and FITS alike.
void FormatIsoMicros(int64_t micros, char* out) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Timestamps here fall in the 2020s, so walking years and months is cheap and obviously right.
  int64_t year = 1970;
  auto leap = [](int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  while (days >= (leap(year) ? 366 : 365)) days -= leap(year++) ? 366 : 365;
  while (days < 0) days += leap(--year) ? 366 : 365;
  static constexpr std::array<int, 12> kMonthDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  int month = 0;
  for (;; ++month) {
    const int len = kMonthDays[static_cast<size_t>(month)] + (month == 1 && leap(year) ? 1 : 0);
    if (days < len) break;
    days -= len;
  }
  auto put = [&out](int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      out[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    out += width;
  };
  put(year, 4);
  *out++ = '-';
  put(month + 1, 2);
  *out++ = '-';
  put(days + 1, 2);
  *out++ = 'T';
  put(rem / 3600, 2);
  *out++ = ':';
  put(rem / 60 % 60, 2);
  *out++ = ':';
  put(rem % 60, 2);
  *out++ = '.';
  put(frac, 6);
}

Status ErrnoError(const std::string& what, const std::string& path, int err) {
  return Status::IOError(what + " " + path + ": " + std::strerror(err));
}

class CsvFile final : public TableFile {
 public:
  ~CsvFile() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  Status Open(const std::string& path, const TableSpec& spec) override {
    path_ = path;
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) return ErrnoError("cannot create", path, errno);
    buffer_.resize(kBufferBytes);
    used_ = 0;
    // Worst case of one formatted row: a double is at most 24 characters.
    max_row_bytes_ = 1;
    for (const ColumnSpec& c : spec.columns) {
      max_row_bytes_ += 1 + (c.kind == Kind::kChar ? static_cast<size_t>(c.length) : 32);
    }
    std::string header;
    for (const ColumnSpec& c : spec.columns) {
      if (!header.empty()) header += ',';
      header += c.name;
    }
    header += '\n';
    std::memcpy(buffer_.data(), header.data(), header.size());
    used_ = header.size();
    return Status::OK();
  }

  Status Write(const Batch& batch, size_t begin, size_t end) override {
    const TableSpec& spec = batch.spec();
    const size_t ncols = spec.columns.size();
    for (size_t r = begin; r < end; ++r) {
      if (used_ + max_row_bytes_ > buffer_.size()) SKY_RETURN_IF_ERROR(Flush());
      char* p = buffer_.data() + used_;
      char* const limit = buffer_.data() + buffer_.size();
      for (size_t c = 0; c < ncols; ++c) {
        if (c != 0) *p++ = ',';
        const ColumnData& data = batch.column(c);
        const ColumnSpec& cs = spec.columns[c];
        switch (cs.kind) {
          case Kind::kBoolean:
            *p++ = data.ints[r] != 0 ? '1' : '0';
            break;
          case Kind::kInt:
          case Kind::kLong: {
            const int64_t v = data.ints[r];
            if (v != (cs.kind == Kind::kInt ? kNullInt : kNullLong)) {
              p = std::to_chars(p, limit, v).ptr;
            }
            break;
          }
          case Kind::kFloat: {
            const double v = data.reals[r];
            if (!std::isnan(v)) p = std::to_chars(p, limit, static_cast<float>(v)).ptr;
            break;
          }
          case Kind::kDouble: {
            const double v = data.reals[r];
            if (!std::isnan(v)) p = std::to_chars(p, limit, v).ptr;
            break;
          }
          case Kind::kChar: {
            const size_t len = static_cast<size_t>(cs.length);
            const char* s = data.chars.data() + r * len;
            for (size_t i = 0; i < len && s[i] != '\0'; ++i) *p++ = s[i];
            break;
          }
          case Kind::kTimestamp:
            FormatIsoMicros(data.ints[r], p);
            p += kTimestampChars;
            break;
        }
      }
      *p++ = '\n';
      used_ = static_cast<size_t>(p - buffer_.data());
    }
    return Status::OK();
  }

  Status Close() override {
    Status s = Flush();
    const int rc = std::fclose(file_);
    const int err = errno;
    file_ = nullptr;
    SKY_RETURN_IF_ERROR(s);
    // A full disk often surfaces only here, when the C library writes its last buffer.
    if (rc != 0) return ErrnoError("cannot write", path_, err);
    return Status::OK();
  }

 private:
  static constexpr size_t kBufferBytes = 8 << 20;

  Status Flush() {
    if (used_ > 0 && std::fwrite(buffer_.data(), 1, used_, file_) != used_) {
      return ErrnoError("cannot write", path_, errno);
    }
    used_ = 0;
    return Status::OK();
  }

  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  size_t used_ = 0;
  size_t max_row_bytes_ = 0;
};

class FitsFile final : public TableFile {
 public:
  ~FitsFile() override {
    if (fptr_ != nullptr) {
      int status = 0;
      fits_close_file(fptr_, &status);
    }
  }

  Status Open(const std::string& path, const TableSpec& spec) override {
    path_ = path;
    int status = 0;
    // The leading '!' tells cfitsio to replace an existing file.
    const std::string name = "!" + path;
    if (fits_create_file(&fptr_, name.c_str(), &status) != 0) {
      fptr_ = nullptr;
      return FitsError("cannot create", status);
    }
    const size_t n = spec.columns.size();
    std::vector<std::string> ttype(n), tform(n), tunit(n);
    for (size_t i = 0; i < n; ++i) {
      const ColumnSpec& c = spec.columns[i];
      ttype[i] = c.name;
      tunit[i] = c.unit;
      switch (c.kind) {
        case Kind::kBoolean:
          tform[i] = "L";
          break;
        case Kind::kInt:
          tform[i] = "J";
          break;
        case Kind::kLong:
          tform[i] = "K";
          break;
        case Kind::kFloat:
          tform[i] = "E";
          break;
        case Kind::kDouble:
          tform[i] = "D";
          break;
        case Kind::kChar:
          tform[i] = std::to_string(c.length) + "A";
          break;
        case Kind::kTimestamp:
          tform[i] = std::to_string(kTimestampChars) + "A";
          break;
      }
    }
    // cfitsio takes non-const char* arrays; it does not modify them.
    std::vector<char*> ttype_p(n), tform_p(n), tunit_p(n);
    for (size_t i = 0; i < n; ++i) {
      ttype_p[i] = ttype[i].data();
      tform_p[i] = tform[i].data();
      tunit_p[i] = tunit[i].data();
    }
    fits_create_tbl(fptr_, BINARY_TBL, 0, static_cast<int>(n), ttype_p.data(), tform_p.data(),
                    tunit_p.data(), spec.name.c_str(), &status);
    for (size_t i = 0; i < n && status == 0; ++i) {
      const Kind kind = spec.columns[i].kind;
      if (kind != Kind::kInt && kind != Kind::kLong) continue;
      const LONGLONG null_value = kind == Kind::kInt ? kNullInt : kNullLong;
      const std::string key = "TNULL" + std::to_string(i + 1);
      fits_write_key_lng(fptr_, key.c_str(), null_value, "value of NULL", &status);
      fits_set_btblnull(fptr_, static_cast<int>(i + 1), null_value, &status);
    }
    long optimal = 0;
    fits_get_rowsize(fptr_, &optimal, &status);
    if (status != 0) return FitsError("cannot write", status);
    // Writing column by column within cfitsio's buffered rows avoids re-reading the file.
    rows_per_pass_ = static_cast<size_t>(std::max(optimal, 1L));
    next_row_ = 1;
    return Status::OK();
  }

  Status Write(const Batch& batch, size_t begin, size_t end) override {
    const TableSpec& spec = batch.spec();
    int status = 0;
    for (size_t first = begin; first < end; first += rows_per_pass_) {
      const size_t count = std::min(rows_per_pass_, end - first);
      for (size_t c = 0; c < spec.columns.size() && status == 0; ++c) {
        WriteColumn(spec.columns[c], static_cast<int>(c + 1), batch.column(c), first, count,
                    &status);
      }
      if (status != 0) return FitsError("cannot write", status);
      next_row_ += static_cast<LONGLONG>(count);
    }
    return Status::OK();
  }

  Status Close() override {
    int status = 0;
    fits_close_file(fptr_, &status);
    fptr_ = nullptr;
    if (status != 0) return FitsError("cannot write", status);
    return Status::OK();
  }

 private:
  void WriteColumn(const ColumnSpec& spec, int colnum, const ColumnData& data, size_t first,
                   size_t count, int* status) {
    const LONGLONG n = static_cast<LONGLONG>(count);
    switch (spec.kind) {
      case Kind::kBoolean:
        logicals_.resize(count);
        for (size_t i = 0; i < count; ++i) logicals_[i] = data.ints[first + i] != 0 ? 1 : 0;
        fits_write_col(fptr_, TLOGICAL, colnum, next_row_, 1, n, logicals_.data(), status);
        break;
      case Kind::kInt:
        ints_.resize(count);
        for (size_t i = 0; i < count; ++i) ints_[i] = static_cast<int>(data.ints[first + i]);
        fits_write_col(fptr_, TINT, colnum, next_row_, 1, n, ints_.data(), status);
        break;
      case Kind::kLong:
        longs_.assign(data.ints.begin() + static_cast<ptrdiff_t>(first),
                      data.ints.begin() + static_cast<ptrdiff_t>(first + count));
        fits_write_col(fptr_, TLONGLONG, colnum, next_row_, 1, n, longs_.data(), status);
        break;
      case Kind::kFloat:
        floats_.resize(count);
        for (size_t i = 0; i < count; ++i) floats_[i] = static_cast<float>(data.reals[first + i]);
        fits_write_col(fptr_, TFLOAT, colnum, next_row_, 1, n, floats_.data(), status);
        break;
      case Kind::kDouble:
        doubles_.assign(data.reals.begin() + static_cast<ptrdiff_t>(first),
                        data.reals.begin() + static_cast<ptrdiff_t>(first + count));
        fits_write_col(fptr_, TDOUBLE, colnum, next_row_, 1, n, doubles_.data(), status);
        break;
      case Kind::kChar:
      case Kind::kTimestamp: {
        const bool is_char = spec.kind == Kind::kChar;
        const size_t width = is_char ? static_cast<size_t>(spec.length) : kTimestampChars;
        strings_.assign(count * (width + 1), '\0');
        string_ptrs_.resize(count);
        for (size_t i = 0; i < count; ++i) {
          char* dst = strings_.data() + i * (width + 1);
          if (is_char) {
            std::memcpy(dst, data.chars.data() + (first + i) * width, width);
          } else {
            FormatIsoMicros(data.ints[first + i], dst);
          }
          string_ptrs_[i] = dst;
        }
        fits_write_col(fptr_, TSTRING, colnum, next_row_, 1, n, string_ptrs_.data(), status);
        break;
      }
    }
  }

  Status FitsError(const std::string& what, int status) {
    char text[FLEN_STATUS] = {0};
    fits_get_errstatus(status, text);
    fits_clear_errmsg();
    return Status::IOError(what + " " + path_ + ": " + text);
  }

  std::string path_;
  fitsfile* fptr_ = nullptr;
  size_t rows_per_pass_ = 1;
  LONGLONG next_row_ = 1;
  // Scratch arrays in the types cfitsio wants, reused across passes.
  std::vector<char> logicals_;
  std::vector<int> ints_;
  std::vector<LONGLONG> longs_;
  std::vector<float> floats_;
  std::vector<double> doubles_;
  std::vector<char> strings_;
  std::vector<char*> string_ptrs_;
};

}  // namespace

std::unique_ptr<TableFile> NewTableFile(const std::string& format) {
  if (format == "fits") return std::make_unique<FitsFile>();
  return std::make_unique<CsvFile>();
}

TableOutput::TableOutput(const TableSpec* spec, std::string dir, std::string format,
                         int64_t rows_per_file)
    : spec_(spec),
      dir_(std::move(dir)),
      format_(std::move(format)),
      rows_per_file_(spec->single_file ? std::numeric_limits<int64_t>::max() : rows_per_file) {}

std::string TableOutput::Pattern() const {
  return spec_->single_file ? spec_->file_stem + "." + format_ : spec_->file_stem + "-*." + format_;
}

Status TableOutput::Append(const Batch& batch) {
  size_t pos = 0;
  while (pos < batch.rows()) {
    if (file_ == nullptr) SKY_RETURN_IF_ERROR(OpenNext());
    const size_t room = static_cast<size_t>(
        std::min<int64_t>(rows_per_file_ - rows_in_file_, static_cast<int64_t>(batch.rows())));
    const size_t n = std::min(room, batch.rows() - pos);
    SKY_RETURN_IF_ERROR(file_->Write(batch, pos, pos + n));
    pos += n;
    rows_in_file_ += static_cast<int64_t>(n);
    total_rows_ += static_cast<int64_t>(n);
    if (rows_in_file_ == rows_per_file_) SKY_RETURN_IF_ERROR(CloseCurrent());
  }
  return Status::OK();
}

Status TableOutput::Finish() {
  if (file_ == nullptr && files_ == 0) SKY_RETURN_IF_ERROR(OpenNext());
  if (file_ != nullptr) SKY_RETURN_IF_ERROR(CloseCurrent());
  return Status::OK();
}

Status TableOutput::OpenNext() {
  std::string name;
  if (spec_->single_file) {
    name = spec_->file_stem + "." + format_;
  } else {
    char num[32];
    std::snprintf(num, sizeof(num), "-%03d.", files_);
    name = spec_->file_stem + num + format_;
  }
  file_ = NewTableFile(format_);
  ++files_;
  rows_in_file_ = 0;
  Status s = file_->Open((fs::path(dir_) / name).string(), *spec_);
  if (!s.ok()) file_.reset();
  return s;
}

Status TableOutput::CloseCurrent() {
  Status s = file_->Close();
  file_.reset();
  return s;
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return ErrnoError("cannot create", path, errno);
  const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_err = errno;
  const int rc = std::fclose(f);
  if (!wrote) return ErrnoError("cannot write", path, write_err);
  if (rc != 0) return ErrnoError("cannot write", path, errno);
  return Status::OK();
}

}  // namespace skyshard::gen_internal
