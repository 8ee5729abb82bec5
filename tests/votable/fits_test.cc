// The FITS writer (votable/internal/fits_writer.h), read back with cfitsio itself: every value
// of the random test table of every type compared with the generator's (floats by their bits,
// strings byte for byte from the raw row bytes), the NULL conventions (TNULL chosen among values
// absent from the column, NaN, logical 0, empty string), the header keywords, and the contract
// around spooling: nothing reaches the sink before End, EndWithError writes nothing, no file is
// left in the spool directory.

#include <fitsio.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "common/types.h"
#include "tests/votable/test_table.h"
#include "votable/byte_sink.h"
#include "votable/result_writer.h"

namespace skyshard::votable_test {
namespace {

namespace fs = std::filesystem;

// A fresh, empty spool directory for one test, removed afterwards.
class SpoolDir {
 public:
  SpoolDir() {
    path_ = (fs::temp_directory_path() / ("skyshard-fits-test-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(counter_++)))
                .string();
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~SpoolDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  size_t Entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(path_), {}));
  }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

// An open in-memory FITS file over a copy of `bytes`, positioned on the table HDU.
class FitsReader {
 public:
  explicit FitsReader(const std::string& bytes) : buffer_(bytes) {
    void* ptr = buffer_.data();
    size_t size = buffer_.size();
    ptr_ = ptr;
    size_ = size;
    fits_open_memfile(&f_, "result.fits", READONLY, &ptr_, &size_, 0, nullptr, &status_);
    int hdus = 0;
    fits_get_num_hdus(f_, &hdus, &status_);
    EXPECT_EQ(hdus, 2);
    int type = 0;
    fits_movabs_hdu(f_, 2, &type, &status_);
    EXPECT_EQ(type, BINARY_TBL);
    EXPECT_EQ(status_, 0) << Error();
  }
  ~FitsReader() {
    int s = 0;
    if (f_ != nullptr) fits_close_file(f_, &s);
  }
  FitsReader(const FitsReader&) = delete;
  FitsReader& operator=(const FitsReader&) = delete;

  fitsfile* f() { return f_; }
  int* status() { return &status_; }
  std::string Error() const {
    char text[FLEN_STATUS] = {};
    fits_get_errstatus(status_, text);
    return text;
  }

  // The value of string keyword `key`, long-string convention included; "<absent>" if missing.
  std::string Key(const std::string& key) {
    char* value = nullptr;
    int s = 0;
    fits_read_key_longstr(f_, key.c_str(), &value, nullptr, &s);
    if (s != 0) return "<absent>";
    std::string out = value;
    fits_free_memory(value, &s);
    return out;
  }
  bool HasKey(const std::string& key) {
    char card[FLEN_CARD];
    int s = 0;
    fits_read_card(f_, key.c_str(), card, &s);
    return s == 0;
  }
  int64_t IntKey(const std::string& key) {
    LONGLONG v = 0;
    fits_read_key(f_, TLONGLONG, key.c_str(), &v, nullptr, &status_);
    return v;
  }
  int64_t Rows() {
    LONGLONG n = 0;
    fits_get_num_rowsll(f_, &n, &status_);
    return n;
  }

 private:
  std::string buffer_;
  void* ptr_ = nullptr;
  size_t size_ = 0;
  fitsfile* f_ = nullptr;
  int status_ = 0;
};

// The `bytes`-byte big-endian value at byte `offset` of 0-based row `row`, from the raw table.
uint64_t BigEndianAt(FitsReader& in, LONGLONG row, LONGLONG row_bytes, LONGLONG offset, int bytes) {
  std::vector<unsigned char> raw(static_cast<size_t>(row_bytes));
  fits_read_tblbytes(in.f(), row + 1, 1, row_bytes, raw.data(), in.status());
  uint64_t v = 0;
  for (int k = 0; k < bytes; ++k) v = v << 8 | raw[static_cast<size_t>(offset + k)];
  return v;
}

std::string WriteFits(const TestTable& table, const std::string& spool, size_t flush_bytes,
                      bool overflow, StringSink* sink) {
  ResultWriterOptions options;
  options.flush_bytes = flush_bytes;
  options.spool_dir = spool;
  auto writer = MakeResultWriter(ResultFormat::kFits, sink, options);
  EXPECT_TRUE(writer->Begin(table.fields, {{"QUERY", "SELECT * FROM t WHERE x = 'it''s'"}}).ok());
  for (const ColumnBatch& b : table.batches) {
    Status s = writer->WriteBatch(b);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  // Spooled, not sent: a FITS header needs the row count and widths first.
  EXPECT_EQ(sink->num_writes(), size_t{0});
  Status s = writer->End(overflow);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink->contents();
}

TEST(FitsWriterTest, EveryValueReadsBackWithCfitsio) {
  SpoolDir spool;
  const TestTable table = MakeTestTable(11, 2500);
  StringSink sink;
  const std::string bytes = WriteFits(table, spool.path(), 64 * 1024, false, &sink);
  EXPECT_EQ(spool.Entries(), size_t{0}) << "temporary files left behind";
  ASSERT_EQ(bytes.size() % 2880, size_t{0});
  FitsReader in(bytes);
  ASSERT_EQ(in.Rows(), static_cast<int64_t>(table.num_rows));
  int ncols = 0;
  fits_get_num_cols(in.f(), &ncols, in.status());
  ASSERT_EQ(ncols, static_cast<int>(table.fields.size()));
  LONGLONG row_bytes = 0;
  fits_read_key(in.f(), TLONGLONG, "NAXIS1", &row_bytes, nullptr, in.status());
  ASSERT_EQ(*in.status(), 0) << in.Error();

  const LONGLONG n = in.Rows();
  for (int c = 1; c <= ncols; ++c) {
    const FieldInfo& field = table.fields[c - 1];
    SCOPED_TRACE(field.name);
    int typecode = 0;
    LONGLONG repeat = 0;
    LONGLONG width = 0;
    fits_get_coltypell(in.f(), c, &typecode, &repeat, &width, in.status());
    ASSERT_EQ(*in.status(), 0) << in.Error();
    std::vector<char> nulls(static_cast<size_t>(n));
    int anynul = 0;
    const DataType type = field.type.type;
    std::vector<LONGLONG> ints(static_cast<size_t>(n));
    std::vector<char> logicals(static_cast<size_t>(n));
    switch (type) {
      case DataType::kSmallInt:
      case DataType::kInteger:
      case DataType::kBigInt:
        EXPECT_EQ(typecode, type == DataType::kSmallInt  ? TSHORT
                            : type == DataType::kInteger ? TLONG
                                                         : TLONGLONG);
        fits_read_colnull(in.f(), TLONGLONG, c, 1, 1, n, ints.data(), nulls.data(), &anynul,
                          in.status());
        break;
      case DataType::kReal:
        EXPECT_EQ(typecode, TFLOAT);
        break;
      case DataType::kDouble:
        EXPECT_EQ(typecode, TDOUBLE);
        break;
      case DataType::kBoolean:
        EXPECT_EQ(typecode, TLOGICAL);
        fits_read_colnull(in.f(), TLOGICAL, c, 1, 1, n, logicals.data(), nulls.data(), &anynul,
                          in.status());
        break;
      default:
        EXPECT_EQ(typecode, TSTRING);
        break;
    }
    ASSERT_EQ(*in.status(), 0) << in.Error();
    // The column's byte offset in a row, for the raw string bytes.
    LONGLONG offset = 0;
    for (int k = 1; k < c; ++k) {
      int tc = 0;
      LONGLONG r = 0;
      LONGLONG w = 0;
      fits_get_coltypell(in.f(), k, &tc, &r, &w, in.status());
      offset += tc == TSTRING ? r : r * w;
    }
    size_t max_len = 0;
    std::vector<unsigned char> raw(static_cast<size_t>(row_bytes));
    for (LONGLONG r = 0; r < n; ++r) {
      const auto [batch, in_batch] = table.Locate(static_cast<size_t>(r));
      const ColumnVector& col = batch->columns[c - 1];
      const bool is_null = col.IsNull(in_batch);
      const auto i = static_cast<size_t>(r);
      switch (type) {
        case DataType::kSmallInt:
        case DataType::kInteger:
        case DataType::kBigInt:
          ASSERT_EQ(nulls[i] != 0, is_null) << "row " << r;
          if (!is_null) {
            ASSERT_EQ(ints[i], col.ints[in_batch]) << "row " << r;
          }
          break;
        case DataType::kReal: {
          // Compared by their bits from the raw row: cfitsio's typed reads flush -0 and
          // subnormals to +0. NULL and NaN are both NaN in FITS.
          const auto expected = static_cast<float>(is_null ? 0.0 : col.doubles[in_batch]);
          const uint32_t bits = static_cast<uint32_t>(BigEndianAt(in, r, row_bytes, offset, 4));
          if (is_null || std::isnan(expected)) {
            ASSERT_TRUE(std::isnan(std::bit_cast<float>(bits))) << "row " << r;
          } else {
            ASSERT_EQ(bits, std::bit_cast<uint32_t>(expected)) << "row " << r;
          }
          break;
        }
        case DataType::kDouble: {
          const double expected = is_null ? 0.0 : col.doubles[in_batch];
          const uint64_t bits = BigEndianAt(in, r, row_bytes, offset, 8);
          if (is_null || std::isnan(expected)) {
            ASSERT_TRUE(std::isnan(std::bit_cast<double>(bits))) << "row " << r;
          } else {
            ASSERT_EQ(bits, std::bit_cast<uint64_t>(expected)) << "row " << r;
          }
          break;
        }
        case DataType::kBoolean:
          ASSERT_EQ(nulls[i] != 0, is_null) << "row " << r;
          if (!is_null) {
            ASSERT_EQ(logicals[i] != 0, col.ints[in_batch] != 0) << "row " << r;
          }
          break;
        default: {
          fits_read_tblbytes(in.f(), r + 1, 1, row_bytes, raw.data(), in.status());
          ASSERT_EQ(*in.status(), 0) << in.Error();
          const char* cell = reinterpret_cast<const char*>(raw.data()) + offset;
          const std::string got(cell, strnlen(cell, static_cast<size_t>(repeat)));
          std::string expected;
          if (!is_null) {
            expected = type == DataType::kTimestamp ? FormatTimestamp(col.ints[in_batch])
                                                    : col.strings[in_batch];
          }
          max_len = std::max(max_len, expected.size());
          ASSERT_EQ(got, expected) << "row " << r;
          break;
        }
      }
    }
    if (typecode == TSTRING) {
      // As wide as the longest value (char(n): at least n; never 0).
      size_t want = std::max<size_t>(max_len, 1);
      if (type == DataType::kChar) want = std::max<size_t>(want, field.type.length);
      EXPECT_EQ(static_cast<size_t>(repeat), want);
    }
  }
}

TEST(FitsWriterTest, HeaderCarriesNamesUnitsNullsAndQuery) {
  SpoolDir spool;
  const TestTable table = MakeTestTable(3, 1200);
  StringSink sink;
  FitsReader in(WriteFits(table, spool.path(), 64 * 1024, /*overflow=*/true, &sink));
  EXPECT_EQ(in.Key("EXTNAME"), "RESULTS");
  EXPECT_EQ(in.Key("QUERY"), "SELECT * FROM t WHERE x = 'it''s'");
  EXPECT_EQ(in.Key("QSTATUS"), "OVERFLOW");
  const char* kTforms[] = {"K", "I", "J", "K", "E", "D", "L"};
  for (size_t c = 0; c < table.fields.size(); ++c) {
    const FieldInfo& f = table.fields[c];
    const std::string n = std::to_string(c + 1);
    SCOPED_TRACE(f.name);
    // Header text is printable ASCII: other bytes are '?', tabs and newlines blanks.
    EXPECT_EQ(in.Key("TTYPE" + n), f.name);
    if (c < std::size(kTforms)) {
      EXPECT_EQ(in.Key("TFORM" + n), kTforms[c]);
    }
    EXPECT_EQ(in.Key("TUNIT" + n), f.unit.empty() ? "<absent>" : f.unit);
    EXPECT_EQ(in.Key("TUCD" + n), f.ucd.empty() ? "<absent>" : f.ucd);
    EXPECT_EQ(in.Key("TUTYP" + n), f.utype.empty() ? "<absent>" : f.utype);
    if (f.description.empty()) {
      EXPECT_FALSE(in.HasKey("TCOMM" + n));
    } else {
      std::string want;
      for (char ch : f.description) {
        const auto u = static_cast<unsigned char>(ch);
        want.push_back(ch == '\t' || ch == '\n' ? ' ' : (u >= 0x20 && u < 0x7F ? ch : '?'));
      }
      EXPECT_EQ(in.Key("TCOMM" + n), want);
    }
    const bool integer = f.type.type == DataType::kSmallInt || f.type.type == DataType::kInteger ||
                         f.type.type == DataType::kBigInt;
    bool has_null = false;
    bool has_min = false;
    for (size_t r = 0; r < table.num_rows; ++r) {
      const auto [batch, i] = table.Locate(r);
      const ColumnVector& col = batch->columns[c];
      if (col.IsNull(i)) {
        has_null = true;
      } else if (integer) {
        has_min = has_min ||
                  col.ints[i] ==
                      (f.type.type == DataType::kSmallInt  ? std::numeric_limits<int16_t>::min()
                       : f.type.type == DataType::kInteger ? std::numeric_limits<int32_t>::min()
                                                           : std::numeric_limits<int64_t>::min());
      }
    }
    EXPECT_EQ(in.HasKey("TNULL" + n), integer && has_null);
    if (integer && has_null) {
      // A value that occurs nowhere in the column.
      const int64_t tnull = in.IntKey("TNULL" + n);
      for (size_t r = 0; r < table.num_rows; ++r) {
        const auto [batch, i] = table.Locate(r);
        const ColumnVector& col = batch->columns[c];
        if (!col.IsNull(i)) {
          ASSERT_NE(col.ints[i], tnull) << "row " << r;
        }
      }
      // The test table has its type's minimum in these columns, so another value was chosen.
      EXPECT_TRUE(has_min);
    }
  }
  EXPECT_EQ(*in.status(), 0) << in.Error();
}

TEST(FitsWriterTest, OutputDoesNotDependOnPieceSize) {
  SpoolDir spool;
  const TestTable table = MakeTestTable(5, 800);
  StringSink whole;
  StringSink small;
  const std::string expected = WriteFits(table, spool.path(), size_t{1} << 30, false, &whole);
  EXPECT_EQ(WriteFits(table, spool.path(), 1000, false, &small), expected);
  EXPECT_LE(small.largest_write(), size_t{1000});
  EXPECT_GE(small.num_writes(), expected.size() / 1000);
  // Never one huge piece, whatever flush_bytes says.
  EXPECT_LE(whole.largest_write(), size_t{4} << 20);
}

TEST(FitsWriterTest, EmptyResultAndAllNullStrings) {
  SpoolDir spool;
  std::vector<FieldInfo> fields(2);
  fields[0].name = "s";
  fields[0].type = ColumnType{DataType::kVarChar, 0};
  fields[1].name = "c";
  fields[1].type = ColumnType{DataType::kChar, 5};
  for (const bool with_row : {false, true}) {
    StringSink sink;
    ResultWriterOptions options;
    options.spool_dir = spool.path();
    auto writer = MakeResultWriter(ResultFormat::kFits, &sink, options);
    ASSERT_TRUE(writer->Begin(fields, {}).ok());
    if (with_row) {
      ColumnBatch b;
      b.Reset({fields[0].type, fields[1].type});
      b.columns[0].AppendNull();
      b.columns[1].AppendString("");
      b.num_rows = 1;
      ASSERT_TRUE(writer->WriteBatch(b).ok());
    }
    ASSERT_TRUE(writer->End(false).ok());
    FitsReader in(sink.contents());
    EXPECT_EQ(in.Rows(), with_row ? 1 : 0);
    EXPECT_EQ(in.Key("TFORM1"), "1A");  // 0A is legal FITS, but not every reader takes it
    EXPECT_EQ(in.Key("TFORM2"), "5A");
    EXPECT_EQ(in.Key("QSTATUS"), "OK");
    EXPECT_EQ(*in.status(), 0) << in.Error();
  }
}

TEST(FitsWriterTest, ErrorsWriteNothingAndLeaveNoFiles) {
  SpoolDir spool;
  const TestTable table = MakeTestTable(9, 400);
  ResultWriterOptions options;
  options.spool_dir = spool.path();
  {
    // EndWithError: FITS cannot say so in-band, so nothing at all reaches the sink.
    StringSink sink;
    auto writer = MakeResultWriter(ResultFormat::kFits, &sink, options);
    ASSERT_TRUE(writer->Begin(table.fields, {}).ok());
    ASSERT_TRUE(writer->WriteBatch(table.batches[3]).ok());
    EXPECT_TRUE(writer->EndWithError("the disk caught fire").ok());
    EXPECT_EQ(sink.num_writes(), size_t{0});
    EXPECT_EQ(spool.Entries(), size_t{0});
  }
  {
    // Destroyed without End.
    StringSink sink;
    auto writer = MakeResultWriter(ResultFormat::kFits, &sink, options);
    ASSERT_TRUE(writer->Begin(table.fields, {}).ok());
    ASSERT_TRUE(writer->WriteBatch(table.batches[3]).ok());
    writer.reset();
    EXPECT_EQ(sink.num_writes(), size_t{0});
    EXPECT_EQ(spool.Entries(), size_t{0});
  }
  {
    // A spool directory that does not exist fails Begin with IOError naming it.
    StringSink sink;
    ResultWriterOptions bad = options;
    bad.spool_dir = spool.path() + "/missing";
    auto writer = MakeResultWriter(ResultFormat::kFits, &sink, bad);
    Status s = writer->Begin(table.fields, {});
    EXPECT_EQ(s.code(), StatusCode::kIOError);
    EXPECT_NE(s.message().find(bad.spool_dir), std::string::npos) << s.message();
  }
  {
    // A sink error during End is returned.
    class FailingSink final : public ByteSink {
     public:
      Status Write(std::string_view) override { return Status::Cancelled("client went away"); }
    } failing;
    auto writer = MakeResultWriter(ResultFormat::kFits, &failing, options);
    ASSERT_TRUE(writer->Begin(table.fields, {}).ok());
    ASSERT_TRUE(writer->WriteBatch(table.batches[3]).ok());
    EXPECT_EQ(writer->End(false).code(), StatusCode::kCancelled);
    EXPECT_EQ(spool.Entries(), size_t{0});
  }
}

TEST(FitsWriterTest, ValuesThatDoNotFitAreRejectedAndTheRowDropped) {
  SpoolDir spool;
  std::vector<FieldInfo> fields(2);
  fields[0].name = "i";
  fields[0].type = ColumnType{DataType::kSmallInt, 0};
  fields[1].name = "s";
  fields[1].type = ColumnType{DataType::kChar, 2};
  StringSink sink;
  ResultWriterOptions options;
  options.spool_dir = spool.path();
  auto writer = MakeResultWriter(ResultFormat::kFits, &sink, options);
  ASSERT_TRUE(writer->Begin(fields, {}).ok());
  ColumnBatch b;
  b.Reset({fields[0].type, fields[1].type});
  b.columns[0].AppendInt(7);
  b.columns[1].AppendString("ok");
  b.columns[0].AppendInt(40000);  // beyond smallint
  b.columns[1].AppendString("no");
  b.num_rows = 2;
  Status s = writer->WriteBatch(b);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("row 2"), std::string::npos) << s.message();
  EXPECT_EQ(writer->rows_written(), 1);
  ASSERT_TRUE(writer->End(false).ok());
  FitsReader in(sink.contents());
  EXPECT_EQ(in.Rows(), 1);
}

TEST(FitsWriterTest, NoFreeTnullIsAnError) {
  // A smallint column with a NULL that holds every one of the 64 lowest and 64 highest values.
  SpoolDir spool;
  std::vector<FieldInfo> fields(1);
  fields[0].name = "i";
  fields[0].type = ColumnType{DataType::kSmallInt, 0};
  ColumnBatch b;
  b.Reset({fields[0].type});
  for (int k = 0; k < 64; ++k) {
    b.columns[0].AppendInt(-32768 + k);
    b.columns[0].AppendInt(32767 - k);
  }
  b.columns[0].AppendNull();
  b.num_rows = 129;
  StringSink sink;
  ResultWriterOptions options;
  options.spool_dir = spool.path();
  auto writer = MakeResultWriter(ResultFormat::kFits, &sink, options);
  ASSERT_TRUE(writer->Begin(fields, {}).ok());
  ASSERT_TRUE(writer->WriteBatch(b).ok());
  Status s = writer->End(false);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("TNULL"), std::string::npos) << s.message();
  EXPECT_EQ(sink.num_writes(), size_t{0});
  EXPECT_EQ(spool.Entries(), size_t{0});

  // One value fewer at the top: that one becomes TNULL.
  ColumnBatch c;
  c.Reset({fields[0].type});
  for (int k = 0; k < 64; ++k) c.columns[0].AppendInt(-32768 + k);
  for (int k = 0; k < 63; ++k) c.columns[0].AppendInt(32767 - k);
  c.columns[0].AppendNull();
  c.num_rows = 128;
  StringSink sink2;
  auto writer2 = MakeResultWriter(ResultFormat::kFits, &sink2, options);
  ASSERT_TRUE(writer2->Begin(fields, {}).ok());
  ASSERT_TRUE(writer2->WriteBatch(c).ok());
  ASSERT_TRUE(writer2->End(false).ok());
  FitsReader in(sink2.contents());
  EXPECT_EQ(in.IntKey("TNULL1"), 32767 - 63);
}

}  // namespace
}  // namespace skyshard::votable_test
