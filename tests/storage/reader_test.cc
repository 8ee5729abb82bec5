// Tests of the input file readers (CSV, FITS) against files written here with known values.

#include <fcntl.h>
#include <fitsio.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "common/column_batch.h"
#include "common/status.h"
#include "common/types.h"
#include "storage/internal/csv_reader.h"
#include "storage/internal/fits_reader.h"
#include "storage/table_reader.h"

namespace skyshard {
namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

ColumnType T(DataType t, uint32_t length = 0) { return ColumnType{t, length}; }

// Microseconds since the epoch, computed with the C library rather than ParseTimestamp.
int64_t Micros(int year, int month, int day, int hour, int minute, int second, int micros) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000000 + micros;
}

// Every batch of a file, concatenated column by column, plus Where() of every row.
struct Table {
  std::vector<ColumnVector> columns;
  std::vector<std::string> where;
  size_t rows = 0;
  size_t batches = 0;
};

Result<Table> ReadAll(TableReader* reader, const std::vector<ColumnType>& types,
                      size_t batch_rows) {
  SKY_RETURN_IF_ERROR(reader->Bind(types));
  Table t;
  t.columns.resize(types.size());
  for (size_t i = 0; i < types.size(); ++i) t.columns[i].type = types[i];
  ColumnBatch batch;
  for (;;) {
    SKY_ASSIGN_OR_RETURN(size_t n, reader->ReadBatch(&batch, batch_rows));
    if (n == 0) break;
    EXPECT_LE(n, batch_rows);
    EXPECT_EQ(batch.num_rows, n);
    for (size_t i = 0; i < types.size(); ++i) {
      const ColumnVector& c = batch.columns[i];
      EXPECT_EQ(c.size(), n);
      ColumnVector& out = t.columns[i];
      out.nulls.insert(out.nulls.end(), c.nulls.begin(), c.nulls.end());
      out.ints.insert(out.ints.end(), c.ints.begin(), c.ints.end());
      out.doubles.insert(out.doubles.end(), c.doubles.begin(), c.doubles.end());
      out.strings.insert(out.strings.end(), c.strings.begin(), c.strings.end());
    }
    for (size_t r = 0; r < n; ++r) t.where.push_back(reader->Where(r));
    t.rows += n;
    ++t.batches;
  }
  return t;
}

class ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "reader_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl + "/";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = dir_ + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    if (f == nullptr) return path;
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    return path;
  }

  std::string dir_;
};

void ExpectError(const Status& s, StatusCode code, const std::vector<std::string>& parts) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  for (const std::string& p : parts) {
    EXPECT_NE(s.message().find(p), std::string::npos)
        << "message: " << s.message() << "\nmissing: " << p;
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

using CsvReaderTest = ReaderTest;

TEST_F(CsvReaderTest, ReadsEveryTypeWithNullsAndExtremes) {
  // Line endings mix LF and CRLF on purpose; line 4 holds a quoted newline.
  std::string csv =
      "i16,i32,i64,r,d,b,c,v,ts\r\n"
      "-32768,-2147483648,-9223372036854775808,1.5,1e-300,true,abcde,\"a,b\",2024-01-02T03:04:05."
      "25Z\r\n"
      "32767,2147483647,9223372036854775807,-3.4e38,-0.0,F,x,\"say \"\"hi\"\"\",1970-01-01\n"
      " 7 ,+12,\t-5\t,,1e300,YES,\"\",\"two\nlines\",2000-02-29 12:00\n"
      ",,,nan,inf,0,,,\n"
      "0,0,0,inf,-inf,no,\" \",\"\",\n"
      "1,2,3,0.1,nan,1,q,plain text ,1999-12-31T23:59:59.999999";  // no final newline
  std::string path = WriteFile("types.csv", csv);
  auto reader = OpenTableReader(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->column_names(),
            (std::vector<std::string>{"i16", "i32", "i64", "r", "d", "b", "c", "v", "ts"}));
  EXPECT_EQ((*reader)->num_rows_hint(), -1);
  EXPECT_EQ((*reader)->bytes_total(), csv.size());
  std::vector<ColumnType> types = {
      T(DataType::kSmallInt), T(DataType::kInteger), T(DataType::kBigInt),
      T(DataType::kReal),     T(DataType::kDouble),  T(DataType::kBoolean),
      T(DataType::kChar, 5),  T(DataType::kVarChar), T(DataType::kTimestamp)};
  auto table = ReadAll(reader->get(), types, 4);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  const Table& t = *table;
  ASSERT_EQ(t.rows, 6u);
  EXPECT_EQ(t.batches, 2u);
  EXPECT_EQ((*reader)->bytes_read(), csv.size());

  const std::vector<uint8_t> null_in_row4_only = {0, 0, 0, 1, 0, 0};
  EXPECT_EQ(t.columns[0].ints, (std::vector<int64_t>{-32768, 32767, 7, 0, 0, 1}));
  EXPECT_EQ(t.columns[0].nulls, null_in_row4_only);
  EXPECT_EQ(t.columns[1].ints, (std::vector<int64_t>{-2147483648LL, 2147483647, 12, 0, 0, 2}));
  EXPECT_EQ(t.columns[2].ints, (std::vector<int64_t>{kInt64Min, kInt64Max, -5, 0, 0, 3}));
  EXPECT_EQ(t.columns[2].nulls, null_in_row4_only);

  const std::vector<double>& r = t.columns[3].doubles;
  EXPECT_EQ(r[0], 1.5);
  EXPECT_EQ(r[1], static_cast<double>(-3.4e38f));
  EXPECT_EQ(t.columns[3].nulls, (std::vector<uint8_t>{0, 0, 1, 0, 0, 0}));
  EXPECT_TRUE(std::isnan(r[3]));
  EXPECT_EQ(r[4], std::numeric_limits<double>::infinity());
  EXPECT_EQ(r[5], static_cast<double>(0.1f));  // rounded to float, as stored

  const std::vector<double>& d = t.columns[4].doubles;
  EXPECT_EQ(d[0], 1e-300);
  EXPECT_EQ(d[1], 0.0);
  EXPECT_TRUE(std::signbit(d[1]));
  EXPECT_EQ(d[2], 1e300);
  EXPECT_EQ(d[3], std::numeric_limits<double>::infinity());
  EXPECT_EQ(d[4], -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(d[5]));
  EXPECT_EQ(t.columns[4].nulls, std::vector<uint8_t>(6, 0));

  EXPECT_EQ(t.columns[5].ints, (std::vector<int64_t>{1, 0, 1, 0, 0, 1}));
  EXPECT_EQ(t.columns[5].nulls, std::vector<uint8_t>(6, 0));

  // char: "" is an empty string, an empty unquoted field is NULL, spaces are kept.
  EXPECT_EQ(t.columns[6].nulls, (std::vector<uint8_t>{0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(t.columns[6].strings[0], "abcde");
  EXPECT_EQ(t.columns[6].strings[1], "x");
  EXPECT_EQ(t.columns[6].strings[2], "");
  EXPECT_EQ(t.columns[6].strings[4], " ");
  EXPECT_EQ(t.columns[6].strings[5], "q");

  EXPECT_EQ(t.columns[7].nulls, (std::vector<uint8_t>{0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(t.columns[7].strings[0], "a,b");
  EXPECT_EQ(t.columns[7].strings[1], "say \"hi\"");
  EXPECT_EQ(t.columns[7].strings[2], "two\nlines");
  EXPECT_EQ(t.columns[7].strings[4], "");
  EXPECT_EQ(t.columns[7].strings[5], "plain text ");

  EXPECT_EQ(t.columns[8].nulls, (std::vector<uint8_t>{0, 0, 0, 1, 1, 0}));
  EXPECT_EQ(t.columns[8].ints[0], Micros(2024, 1, 2, 3, 4, 5, 250000));
  EXPECT_EQ(t.columns[8].ints[1], 0);
  EXPECT_EQ(t.columns[8].ints[2], Micros(2000, 2, 29, 12, 0, 0, 0));
  EXPECT_EQ(t.columns[8].ints[5], Micros(1999, 12, 31, 23, 59, 59, 999999));

  // Record start lines: the quoted newline makes row 3 span lines 4-5.
  const std::string p = path + ":";
  EXPECT_EQ(t.where,
            (std::vector<std::string>{p + "2", p + "3", p + "4", p + "6", p + "7", p + "8"}));
}

TEST_F(CsvReaderTest, QuotedNumbersAndBooleanSpellings) {
  std::string path = WriteFile("q.csv",
                               "n,b\n"
                               "\"42\",True\n"
                               "\"\",FALSE\n"
                               "\" -1 \",t\n"
                               "5,\"\"\n");
  auto reader = OpenTableReader(path);
  ASSERT_TRUE(reader.ok());
  auto t = ReadAll(reader->get(), {T(DataType::kBigInt), T(DataType::kBoolean)}, 100);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->columns[0].ints, (std::vector<int64_t>{42, 0, -1, 5}));
  EXPECT_EQ(t->columns[0].nulls, (std::vector<uint8_t>{0, 1, 0, 0}));
  EXPECT_EQ(t->columns[1].ints, (std::vector<int64_t>{1, 0, 1, 0}));
  EXPECT_EQ(t->columns[1].nulls, (std::vector<uint8_t>{0, 0, 0, 1}));  // "" is NULL for boolean
}

TEST_F(CsvReaderTest, BlankLinesBomAndSingleColumn) {
  std::string path = WriteFile("blank.csv", "\xEF\xBB\xBF a , b \n1,2\n\n\r\n3,4\n\n");
  auto reader = OpenTableReader(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->column_names(), (std::vector<std::string>{"a", "b"}));
  auto t = ReadAll(reader->get(), {T(DataType::kInteger), T(DataType::kInteger)}, 10);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->columns[0].ints, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(t->where[1], path + ":5");

  // With a single column a blank line is a NULL value.
  std::string one = WriteFile("one.csv", "x\n1\n\n2\n");
  auto r1 = OpenTableReader(one);
  ASSERT_TRUE(r1.ok());
  auto t1 = ReadAll(r1->get(), {T(DataType::kDouble)}, 10);
  ASSERT_TRUE(t1.ok()) << t1.status().ToString();
  EXPECT_EQ(t1->columns[0].nulls, (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(t1->columns[0].doubles[2], 2.0);
}

TEST_F(CsvReaderTest, HeaderOnlyFileHasNoRows) {
  std::string path = WriteFile("h.csv", "a,b\n");
  auto reader = OpenTableReader(path);
  ASSERT_TRUE(reader.ok());
  auto t = ReadAll(reader->get(), {T(DataType::kDouble), T(DataType::kDouble)}, 10);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->rows, 0u);
}

// Doubles in many spellings must come out as exactly the double strtod gives, whichever of the
// reader's parsers (the single-pass one for plain records, the general one for records with
// blanks or quotes) handles them.
TEST_F(CsvReaderTest, DoublesMatchStrtodExactly) {
  std::mt19937_64 rng(7);
  std::vector<std::string> texts = {
      "0", "-0", "0.0", "-0.000", "5.", ".5", "-.25", "9007199254740993", "1.7976931348623157e308",
      "4.9e-324", "2.2250738585072014e-308", "123456789012345678901234",
      "0.00000000000000000000000123", "12345678.12345678", "1234567890123456789",
      "12345678901234567890", "99999999.99999999", "0.1000000000000000055511151231257827",
      // Rounding up carries into the next power of two.
      "0.99999999999999999", "-9.9999999999999999", "99.999999999999999", "1.9999999999999999"};
  const char* formats[] = {"%.17g", "%.6f", "%.3e", "%.12f", "%.0f", "%.9f", "%g"};
  for (int i = 0; i < 6000; ++i) {
    double magnitude = std::ldexp(1.0, static_cast<int>(rng() % 120) - 60);
    double v = (static_cast<double>(rng() % 2000001) - 1000000.0) / 1000000.0 * magnitude;
    char buf[64];
    std::snprintf(buf, sizeof buf, formats[rng() % 7], v);
    texts.push_back(buf);
  }
  // 17 to 19 significant digits with the decimal point anywhere (what a shortest round-trip
  // spelling of a double looks like, beyond the 2^53 the plain division is exact for).
  for (int i = 0; i < 6000; ++i) {
    const int digits = 17 + static_cast<int>(rng() % 3);
    std::string t = std::to_string(1 + rng() % 9);
    while (static_cast<int>(t.size()) < digits) t += static_cast<char>('0' + rng() % 10);
    if (i % 3 == 0) t.back() = '5';  // half-way between two values of the digits before it
    const size_t point = rng() % (t.size() + 1);
    if (point < t.size()) t.insert(point, point == 0 ? "0." : ".");
    texts.push_back((i % 2 == 0 ? "-" : "") + t);
  }
  // Exact ties between two neighbouring doubles (ulps of 1, 1/2 and 1/4): ties to even.
  for (int e = 0; e <= 2; ++e) {
    const double ulp = std::ldexp(1.0, -e);
    const double base = std::ldexp(1.0, 52 - e);
    for (int j = 0; j < 40; ++j) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.*f", e + 1, base + j * ulp + ulp / 2);
      texts.push_back(buf);
      texts.push_back(std::string(buf) + "0");
    }
  }
  std::string csv = "plain,padded,quoted\n";
  for (const std::string& t : texts) csv += t + ", " + t + " ,\"" + t + "\"\n";
  std::string path = WriteFile("doubles.csv", csv);
  auto reader = OpenTableReader(path);
  ASSERT_TRUE(reader.ok());
  auto t = ReadAll(reader->get(),
                   {T(DataType::kDouble), T(DataType::kDouble), T(DataType::kDouble)}, 1000);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->rows, texts.size());
  for (size_t r = 0; r < texts.size(); ++r) {
    const double expected = std::strtod(texts[r].c_str(), nullptr);
    for (int c = 0; c < 3; ++c) {
      const double got = t->columns[c].doubles[r];
      // Bit-exact on purpose: the parser must give strtod's very bits.
      // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
      ASSERT_EQ(std::memcmp(&got, &expected, sizeof got), 0)
          << "text " << texts[r] << " column " << c << ": got " << got;
    }
  }
}

// Integers in every width the fast parser sees (up to 19 digits, leading zeros, a sign) must
// come out as from_chars reads them, and a value beyond int64 must still be refused.
TEST_F(CsvReaderTest, IntegersMatchFromChars) {
  std::mt19937_64 rng(11);
  std::vector<std::string> texts = {"0",
                                    "-0",
                                    "007",
                                    "-00000000000000000042",
                                    "9223372036854775807",
                                    "-9223372036854775808",
                                    "0009223372036854775807",
                                    "1000000000000000000"};
  for (int i = 0; i < 4000; ++i) {
    const int bits = 1 + static_cast<int>(rng() % 63);
    const int64_t v = static_cast<int64_t>(rng() >> (64 - bits));
    texts.push_back(std::to_string(i % 2 == 0 ? v : -v));
  }
  std::string csv = "plain,quoted\n";
  for (const std::string& t : texts) csv += t + ",\"" + t + "\"\n";
  std::string path = WriteFile("ints.csv", csv);
  auto reader = OpenTableReader(path);
  ASSERT_TRUE(reader.ok());
  auto t = ReadAll(reader->get(), {T(DataType::kBigInt), T(DataType::kBigInt)}, 1000);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->rows, texts.size());
  for (size_t r = 0; r < texts.size(); ++r) {
    int64_t expected = 0;
    const char* b = texts[r].data();
    auto [ptr, ec] = std::from_chars(b, b + texts[r].size(), expected);
    ASSERT_TRUE(ec == std::errc() && ptr == b + texts[r].size()) << texts[r];
    for (int c = 0; c < 2; ++c) {
      EXPECT_EQ(t->columns[c].ints[r], expected) << "text " << texts[r] << " column " << c;
    }
  }
  // Without quotes the single-pass parser reads these records; it reads whole 8-byte words, so a
  // long run of digits right after a short number must not be taken for part of it.
  std::string unquoted = "plain,next\n";
  for (const std::string& text : texts) unquoted += text + ",1234567890123456789\n";
  auto plain = OpenTableReader(WriteFile("ints-unquoted.csv", unquoted));
  ASSERT_TRUE(plain.ok());
  auto u = ReadAll(plain->get(), {T(DataType::kBigInt), T(DataType::kBigInt)}, 1000);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_EQ(u->rows, texts.size());
  for (size_t r = 0; r < texts.size(); ++r) {
    EXPECT_EQ(u->columns[0].ints[r], t->columns[0].ints[r]) << "text " << texts[r];
    EXPECT_EQ(u->columns[1].ints[r], 1234567890123456789) << "text " << texts[r];
  }
  for (const char* beyond : {"9223372036854775808", "-9223372036854775809", "10000000000000000000",
                             "99999999999999999999"}) {
    std::string bad = WriteFile("beyond.csv", std::string("a\n1\n") + beyond + "\n");
    auto r2 = OpenTableReader(bad);
    ASSERT_TRUE(r2.ok());
    auto all = ReadAll(r2->get(), {T(DataType::kBigInt)}, 10);
    ASSERT_FALSE(all.ok()) << beyond;
    EXPECT_NE(all.status().message().find("beyond.csv:3: column a:"), std::string::npos)
        << all.status().ToString();
    EXPECT_NE(all.status().message().find("out of range for bigint"), std::string::npos)
        << all.status().ToString();
  }
}

// Records that the single-pass parser gives up on halfway (after storing some columns) must
// come out exactly as if the general parser had read them from the start.
TEST_F(CsvReaderTest, FallbackFromSinglePassKeepsColumnsAligned) {
  std::string path = WriteFile("mixed.csv",
                               "id,x,name,ok\n"
                               "1,1.5,a,true\n"
                               "2, 2.5,b,false\n"   // blank before a number
                               "3,3.5,c,+1\n"       // not a boolean spelling the fast path knows
                               "4,4.5,\"d,e\",1\n"  // quotes
                               "5,+5.5,f,0\n"       // '+'
                               "6,6.5,g,yes\r\n"
                               "7,,,\n"
                               "8,8.5,h,no\n");
  auto reader = OpenTableReader(path);
  ASSERT_TRUE(reader.ok());
  auto t = ReadAll(
      reader->get(),
      {T(DataType::kBigInt), T(DataType::kDouble), T(DataType::kVarChar), T(DataType::kBoolean)},
      100);
  ASSERT_FALSE(t.ok());  // "+1" is not a boolean, whichever parser sees it
  ExpectError(t.status(), StatusCode::kInvalidArgument,
              {"mixed.csv:4: column ok: '+1' is not a boolean"});

  std::string fixed = WriteFile("mixed2.csv",
                                "id,x,name,ok\n"
                                "1,1.5,a,true\n"
                                "2, 2.5,b,false\n"
                                "4,4.5,\"d,e\",1\n"
                                "5,+5.5,f,0\n"
                                "6,6.5,g,yes\r\n"
                                "7,,,\n"
                                "8,8.5,h,no\n");
  reader = OpenTableReader(fixed);
  ASSERT_TRUE(reader.ok());
  t = ReadAll(
      reader->get(),
      {T(DataType::kBigInt), T(DataType::kDouble), T(DataType::kVarChar), T(DataType::kBoolean)},
      100);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->columns[0].ints, (std::vector<int64_t>{1, 2, 4, 5, 6, 7, 8}));
  EXPECT_EQ(t->columns[1].doubles, (std::vector<double>{1.5, 2.5, 4.5, 5.5, 6.5, 0, 8.5}));
  EXPECT_EQ(t->columns[1].nulls, (std::vector<uint8_t>{0, 0, 0, 0, 0, 1, 0}));
  EXPECT_EQ(t->columns[2].strings, (std::vector<std::string>{"a", "b", "d,e", "f", "g", "", "h"}));
  EXPECT_EQ(t->columns[2].nulls, (std::vector<uint8_t>{0, 0, 0, 0, 0, 1, 0}));
  EXPECT_EQ(t->columns[3].ints, (std::vector<int64_t>{1, 0, 1, 0, 1, 0, 0}));
  EXPECT_EQ(t->columns[3].nulls, (std::vector<uint8_t>{0, 0, 0, 0, 0, 1, 0}));
  EXPECT_EQ(t->where.back(), fixed + ":8");
}

struct CsvErrorCase {
  std::string content;
  std::vector<ColumnType> types;
  std::vector<std::string> parts;  // after "<file>:"
};

TEST_F(CsvReaderTest, BadValuesNameFileLineAndColumn) {
  const ColumnType kBig = T(DataType::kBigInt);
  const ColumnType kDbl = T(DataType::kDouble);
  const std::vector<CsvErrorCase> cases = {
      {"id,coord_ra\n1,2\n3,abc\n",
       {kBig, kDbl},
       {"bad.csv:3: column coord_ra: 'abc' is not a number (expected double)"}},
      {"a\n40000\n",
       {T(DataType::kSmallInt)},
       {"bad.csv:2: column a: '40000' is out of range for smallint"}},
      {"a\n-2147483649\n",
       {T(DataType::kInteger)},
       {"bad.csv:2: column a: '-2147483649' is out of range for integer"}},
      {"a\n9223372036854775808\n", {kBig}, {"bad.csv:2: column a:", "out of range for bigint"}},
      {"a\n1.5\n", {kBig}, {"bad.csv:2: column a: '1.5' is not an integer (expected bigint)"}},
      {"a\n1 2\n", {kBig}, {"bad.csv:2: column a: '1 2' is not an integer"}},
      {"a\n1\n2\n1e39\n", {T(DataType::kReal)}, {"bad.csv:4: column a:", "out of range for real"}},
      {"a\n1e400\n", {kDbl}, {"bad.csv:2: column a: '1e400' is out of range for double"}},
      {"a\n+-1\n", {kDbl}, {"bad.csv:2: column a: '+-1' is not a number"}},
      {"a\nmaybe\n", {T(DataType::kBoolean)}, {"bad.csv:2: column a: 'maybe' is not a boolean"}},
      {"a\nyesterday\n",
       {T(DataType::kTimestamp)},
       {"bad.csv:2: column a: 'yesterday' is not an ISO-8601 timestamp"}},
      {"a\nabcd\n",
       {T(DataType::kChar, 3)},
       {"bad.csv:2: column a: 'abcd' is 4 bytes long (expected char(3)"}},
      {"a\n\"ab\"\"c\"\n", {T(DataType::kVarChar, 3)}, {"bad.csv:2: column a:", "4 bytes long"}},
      {"a,b\n1,2\n3,4,5\n", {kBig, kBig}, {"bad.csv:3: found 3 fields (expected 2"}},
      {"a,b\n1,2\n3\n", {kBig, kBig}, {"bad.csv:3: found 1 field (expected 2"}},
      {"a,b\n1,\"x\n\ny\n",
       {kBig, T(DataType::kVarChar)},
       {"bad.csv:2: column b: quoted field is never closed"}},
      {"a,b\n\"1\nx\"z,2\n",
       {T(DataType::kVarChar), kBig},
       {"bad.csv:3: column a: unexpected 'z' after a closing quote"}},
  };
  for (const CsvErrorCase& c : cases) {
    SCOPED_TRACE(c.content);
    std::string path = WriteFile("bad.csv", c.content);
    auto reader = OpenTableReader(path);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto t = ReadAll(reader->get(), c.types, 100);
    ASSERT_FALSE(t.ok());
    ExpectError(t.status(), StatusCode::kInvalidArgument, c.parts);
    EXPECT_NE(t.status().message().find(dir_), std::string::npos);
    // The error is sticky: the reader does not resume in the middle of a record.
    ColumnBatch batch;
    EXPECT_FALSE((*reader)->ReadBatch(&batch, 100).ok());
  }
}

TEST_F(CsvReaderTest, BadFilesAndHeaders) {
  ExpectError(OpenTableReader(dir_ + "missing.csv").status(), StatusCode::kNotFound,
              {"missing.csv"});
  ExpectError(OpenTableReader(WriteFile("empty.csv", "")).status(), StatusCode::kInvalidArgument,
              {"empty.csv", "empty", "header"});
  ExpectError(OpenTableReader(WriteFile("dup.csv", "ra,dec,RA\n1,2,3\n")).status(),
              StatusCode::kInvalidArgument, {"dup.csv:1", "'RA' appears twice"});
  ExpectError(OpenTableReader(WriteFile("hole.csv", "ra,,dec\n")).status(),
              StatusCode::kInvalidArgument, {"hole.csv:1", "header field 2 is empty"});
  ExpectError(OpenTableReader(WriteFile("blank.csv", "\nra\n")).status(),
              StatusCode::kInvalidArgument, {"blank.csv:1", "header field 1 is empty"});

  auto reader = OpenTableReader(WriteFile("ok.csv", "a,b\n"));
  ASSERT_TRUE(reader.ok());
  ExpectError((*reader)->Bind({T(DataType::kDouble)}), StatusCode::kInvalidArgument,
              {"ok.csv", "1 column types given for 2 columns"});
}

// A file much larger than the read block, read with several block sizes, so that records,
// quoted fields, escaped quotes and CRLF pairs all straddle block boundaries. Expected totals
// are computed while writing.
TEST_F(CsvReaderTest, RecordsStraddlingBlocks) {
  std::mt19937_64 rng(12345);
  std::string csv = "id,x,name,flag\n";
  uint64_t id_sum = 0;  // unsigned: wraps without undefined behaviour
  double x_sum = 0;
  size_t name_bytes = 0;
  int64_t name_nulls = 0;
  int64_t flag_sum = 0;
  int64_t line = 2;
  int64_t last_line = 0;
  const int kRows = 3000;
  for (int i = 0; i < kRows; ++i) {
    int64_t id = static_cast<int64_t>(rng()) >> (rng() % 64);
    double x = std::ldexp(static_cast<double>(rng() % 1000000) - 500000.0,
                          static_cast<int>(rng() % 40) - 20);
    id_sum += static_cast<uint64_t>(id);
    x_sum += x;
    char num[64];
    std::snprintf(num, sizeof num, "%lld,%.17g,", static_cast<long long>(id), x);
    csv += num;
    last_line = line;
    switch (rng() % 4) {
      case 0:
        csv += "plain";
        name_bytes += 5;
        break;
      case 1:
        csv += "\"with, comma and \"\"quotes\"\"\"";
        name_bytes += std::string("with, comma and \"quotes\"").size();
        break;
      case 2:
        csv += "\"multi\r\nline\"";
        name_bytes += 11;
        ++line;
        break;
      default:
        ++name_nulls;
        break;
    }
    int64_t flag = static_cast<int64_t>(rng() % 2);
    flag_sum += flag;
    csv += flag ? ",true" : ",false";
    csv += (i % 3 == 0) ? "\r\n" : "\n";
    ++line;
  }
  std::string path = WriteFile("big.csv", csv);
  const std::vector<ColumnType> types = {T(DataType::kBigInt), T(DataType::kDouble),
                                         T(DataType::kVarChar), T(DataType::kBoolean)};
  for (size_t block : {size_t{1}, size_t{7}, size_t{64}, size_t{4093}, size_t{1} << 22}) {
    SCOPED_TRACE(block);
    auto reader = OpenCsvReader(path, CsvReaderOptions{block});
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto t = ReadAll(reader->get(), types, 1000);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_EQ(t->rows, static_cast<size_t>(kRows));
    uint64_t ids = 0;
    for (int64_t v : t->columns[0].ints) ids += static_cast<uint64_t>(v);
    EXPECT_EQ(ids, id_sum);
    double xs = 0;
    for (double v : t->columns[1].doubles) xs += v;
    EXPECT_EQ(xs, x_sum);
    size_t bytes = 0;
    int64_t nulls = 0;
    for (size_t r = 0; r < t->rows; ++r) {
      bytes += t->columns[2].strings[r].size();
      nulls += t->columns[2].nulls[r];
    }
    EXPECT_EQ(bytes, name_bytes);
    EXPECT_EQ(nulls, name_nulls);
    int64_t flags = 0;
    for (int64_t v : t->columns[3].ints) flags += v;
    EXPECT_EQ(flags, flag_sum);
    EXPECT_EQ(t->where.back(), path + ":" + std::to_string(last_line));
    EXPECT_EQ((*reader)->bytes_read(), csv.size());
  }
}

// A file of ~6 MiB, read() in default blocks (the block seams fall inside records) and mapped
// (as the loader opens it): every row either way.
TEST_F(CsvReaderTest, FileLargerThanDefaultBlock) {
  std::string csv = "a,b,c\n";
  int64_t a_sum = 0;
  int64_t c_sum = 0;
  int64_t rows = 0;
  char line[96];
  while (csv.size() < (size_t{6} << 20)) {
    int64_t a = rows * 7919 - 1000000;
    int64_t c = rows % 1000;
    int n = std::snprintf(line, sizeof line, "%lld,%lld.25,%lld\n", static_cast<long long>(a),
                          static_cast<long long>(rows), static_cast<long long>(c));
    csv.append(line, static_cast<size_t>(n));
    a_sum += a;
    c_sum += c;
    ++rows;
  }
  std::string path = WriteFile("six.csv", csv);
  CsvReaderOptions read_only;
  read_only.map_min_bytes = std::numeric_limits<uint64_t>::max();
  for (const CsvReaderOptions& options : {read_only, CsvReaderOptions{}}) {
    SCOPED_TRACE(options.map_min_bytes);
    auto reader = OpenCsvReader(path, options);
    ASSERT_TRUE(reader.ok());
    auto t = ReadAll(reader->get(),
                     {T(DataType::kBigInt), T(DataType::kDouble), T(DataType::kInteger)}, 65536);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_EQ(t->rows, static_cast<size_t>(rows));
    int64_t as = 0;
    int64_t cs = 0;
    for (size_t r = 0; r < t->rows; ++r) {
      as += t->columns[0].ints[r];
      cs += t->columns[2].ints[r];
      ASSERT_EQ(t->columns[1].doubles[r], static_cast<double>(r) + 0.25) << r;
    }
    EXPECT_EQ(as, a_sum);
    EXPECT_EQ(cs, c_sum);
    EXPECT_EQ(t->where.back(), path + ":" + std::to_string(rows + 1));
    EXPECT_EQ((*reader)->bytes_read(), csv.size());
  }
}

// A mapped file is parsed in place up to its last '\n' that has more than a few dozen bytes of
// the file after it, and read() from there on. Whatever falls across that seam (a quoted field
// with line breaks, a last record without its newline, a blank line, a bad value) must come out
// exactly as from a file that is only read(): the same rows, lines, bytes and errors.
TEST_F(CsvReaderTest, MappedFilesReadExactlyAsReadFiles) {
  std::mt19937_64 rng(11);
  const std::vector<ColumnType> types = {T(DataType::kBigInt), T(DataType::kDouble),
                                         T(DataType::kVarChar)};
  int failures_seen = 0;
  for (int variant = 0; variant < 400; ++variant) {
    SCOPED_TRACE(variant);
    std::string csv = "id,x,name\n";
    const int rows = static_cast<int>(rng() % 30);
    const int bad_row = variant % 8 == 0 && rows > 0 ? static_cast<int>(rng() % rows) : -1;
    for (int i = 0; i < rows; ++i) {
      csv += std::to_string(i * 1000003) + ",";
      csv += i == bad_row ? "1.5x" : std::to_string(i) + "." + std::to_string(rng() % 100000);
      csv += ",";
      switch (rng() % 5) {
        case 0:
          csv += "plain";
          break;
        case 1:
          csv += "\"quoted, with \"\"quotes\"\"\"";
          break;
        case 2:
          csv += "\"two\nline breaks\r\nin quotes\"";
          break;
        case 3:
          csv += std::string(rng() % 70, 'w');
          break;
        default:
          break;  // NULL
      }
      const bool last = i + 1 == rows;
      if (!last || rng() % 3 != 0) csv += rng() % 4 == 0 ? "\r\n" : "\n";
      if (!last && rng() % 10 == 0) csv += "\n";  // a blank line
    }
    const std::string path = WriteFile("seam.csv", csv);
    CsvReaderOptions read_only;
    read_only.block_size = 7;
    read_only.map_min_bytes = std::numeric_limits<uint64_t>::max();
    CsvReaderOptions mapped;
    mapped.map_min_bytes = 0;
    auto a = OpenCsvReader(path, read_only);
    auto b = OpenCsvReader(path, mapped);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    auto ta = ReadAll(a->get(), types, 1 + rng() % 8);
    auto tb = ReadAll(b->get(), types, 1 + rng() % 8);
    ASSERT_EQ(ta.ok(), tb.ok()) << ta.status().ToString() << " / " << tb.status().ToString();
    if (!ta.ok()) {
      EXPECT_EQ(ta.status().ToString(), tb.status().ToString());
      EXPECT_NE(ta.status().message().find("'1.5x' is not a number"), std::string::npos);
      ++failures_seen;
      continue;
    }
    EXPECT_EQ(bad_row, -1);
    ASSERT_EQ(ta->rows, static_cast<size_t>(rows));
    ASSERT_EQ(tb->rows, ta->rows);
    EXPECT_EQ(tb->where, ta->where);
    for (size_t c = 0; c < types.size(); ++c) {
      EXPECT_EQ(tb->columns[c].nulls, ta->columns[c].nulls);
      EXPECT_EQ(tb->columns[c].ints, ta->columns[c].ints);
      EXPECT_EQ(tb->columns[c].doubles, ta->columns[c].doubles);
      EXPECT_EQ(tb->columns[c].strings, ta->columns[c].strings);
    }
    for (int i = 0; i < rows; ++i)
      EXPECT_EQ(ta->columns[0].ints[static_cast<size_t>(i)], i * 1000003);
    EXPECT_EQ((*a)->bytes_read(), csv.size());
    EXPECT_EQ((*b)->bytes_read(), csv.size());
  }
  EXPECT_GT(failures_seen, 20);
}

// ---------------------------------------------------------------------------------------------
// FITS

#define ASSERT_FITS_OK(status) ASSERT_EQ((status), 0) << "cfitsio status " << (status)

class FitsReaderTest : public ReaderTest {
 protected:
  // Creates `name` with an empty primary HDU and a BINTABLE with the given columns.
  fitsfile* Create(const std::string& name, std::vector<std::string> ttype,
                   std::vector<std::string> tform) {
    fitsfile* f = nullptr;
    int status = 0;
    std::string path = "!" + dir_ + name;
    fits_create_file(&f, path.c_str(), &status);
    std::vector<char*> tt;
    std::vector<char*> tf;
    for (auto& s : ttype) tt.push_back(s.data());
    for (auto& s : tform) tf.push_back(s.data());
    fits_create_tbl(f, BINARY_TBL, 0, static_cast<int>(tt.size()), tt.data(), tf.data(), nullptr,
                    "T", &status);
    EXPECT_EQ(status, 0);
    return f;
  }
  void Close(fitsfile* f) {
    int status = 0;
    fits_close_file(f, &status);
    EXPECT_EQ(status, 0);
  }
};

TEST_F(FitsReaderTest, ReadsEveryTypeWithNullsAndExtremes) {
  // S, U, V, W are cfitsio's spellings for B/I/J/K with the unsigned (or signed-byte) TZERO.
  fitsfile* f = Create(
      "types.fits", {"flag", "b", "i", "j", "k", "e", "d", "name", "sb", "ui", "uj", "uk", "when"},
      {"L", "B", "I", "J", "K", "E", "D", "20A", "S", "U", "V", "W", "26A"});
  int status = 0;
  const LONGLONG n = 5;
  char logicals[] = {1, 0, 1, 0, 1};
  fits_write_col(f, TLOGICAL, 1, 1, 1, n, logicals, &status);
  fits_write_col_null(f, 1, 4, 1, 1, &status);  // row 4: NULL
  unsigned char bytes[] = {0, 255, 7, 99, 1};
  fits_write_col(f, TBYTE, 2, 1, 1, n, bytes, &status);
  short shorts[] = {-32768, 32767, 0, -1, 12};
  fits_write_col(f, TSHORT, 3, 1, 1, n, shorts, &status);
  int32_t ints[] = {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), -99,
                    5, 6};
  fits_write_col(f, TINT, 4, 1, 1, n, ints, &status);
  LONGLONG longs[] = {kInt64Min, kInt64Max, 0, -7, 42};
  fits_write_col(f, TLONGLONG, 5, 1, 1, n, longs, &status);
  float floats[] = {1.5f, -0.0f, std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::max(), 1e-40f};
  fits_write_col(f, TFLOAT, 6, 1, 1, n, floats, &status);
  double doubles[] = {1e-300, -0.0, std::numeric_limits<double>::quiet_NaN(), 1e300,
                      -std::numeric_limits<double>::infinity()};
  fits_write_col(f, TDOUBLE, 7, 1, 1, n, doubles, &status);
  std::string s0 = "NGC 1234";
  std::string s1 = "exactly twenty chars";
  std::string s2 = "";
  std::string s3 = "  lead";
  std::string s4 = "tail   ";
  char* names[] = {s0.data(), s1.data(), s2.data(), s3.data(), s4.data()};
  fits_write_col(f, TSTRING, 8, 1, 1, n, names, &status);
  signed char sbytes[] = {-128, 127, 0, -1, 1};
  fits_write_col(f, TSBYTE, 9, 1, 1, n, sbytes, &status);
  unsigned short ushorts[] = {0, 65535, 32768, 1, 2};
  fits_write_col(f, TUSHORT, 10, 1, 1, n, ushorts, &status);
  unsigned int uints[] = {0, 4294967295u, 2147483648u, 3, 4};
  fits_write_col(f, TUINT, 11, 1, 1, n, uints, &status);
  unsigned long long ulongs[] = {0, 9223372036854775807ull, 5, 6, 7};
  fits_write_col(f, TULONGLONG, 12, 1, 1, n, ulongs, &status);
  std::string t0 = "2024-01-02T03:04:05.250";
  std::string t1 = "1970-01-01";
  std::string t2 = "";
  std::string t3 = "2000-02-29 12:00Z";
  std::string t4 = "1999-12-31T23:59:59.999999";
  char* times[] = {t0.data(), t1.data(), t2.data(), t3.data(), t4.data()};
  fits_write_col(f, TSTRING, 13, 1, 1, n, times, &status);
  // TNULL on the J column: row 5 (value 6) is NULL.
  long tnull = 6;
  fits_write_key(f, TLONG, "TNULL4", &tnull, "null value", &status);
  ASSERT_FITS_OK(status);
  Close(f);

  auto reader = OpenTableReader(dir_ + "types.fits");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->column_names(),
            (std::vector<std::string>{"flag", "b", "i", "j", "k", "e", "d", "name", "sb", "ui",
                                      "uj", "uk", "when"}));
  EXPECT_EQ((*reader)->num_rows_hint(), 5);
  const std::vector<ColumnType> types = {
      T(DataType::kBoolean),  T(DataType::kSmallInt), T(DataType::kSmallInt),
      T(DataType::kInteger),  T(DataType::kBigInt),   T(DataType::kReal),
      T(DataType::kDouble),   T(DataType::kChar, 20), T(DataType::kSmallInt),
      T(DataType::kInteger),  T(DataType::kBigInt),   T(DataType::kBigInt),
      T(DataType::kTimestamp)};
  auto table = ReadAll(reader->get(), types, 2);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  const Table& t = *table;
  ASSERT_EQ(t.rows, 5u);
  EXPECT_EQ(t.batches, 3u);
  EXPECT_EQ((*reader)->bytes_read(), (*reader)->bytes_total());

  EXPECT_EQ(t.columns[0].ints, (std::vector<int64_t>{1, 0, 1, 0, 1}));
  EXPECT_EQ(t.columns[0].nulls, (std::vector<uint8_t>{0, 0, 0, 1, 0}));
  EXPECT_EQ(t.columns[1].ints, (std::vector<int64_t>{0, 255, 7, 99, 1}));
  EXPECT_EQ(t.columns[2].ints, (std::vector<int64_t>{-32768, 32767, 0, -1, 12}));
  EXPECT_EQ(t.columns[3].ints[0], std::numeric_limits<int32_t>::min());
  EXPECT_EQ(t.columns[3].ints[1], std::numeric_limits<int32_t>::max());
  EXPECT_EQ(t.columns[3].nulls, (std::vector<uint8_t>{0, 0, 0, 0, 1}));
  EXPECT_EQ(t.columns[4].ints, (std::vector<int64_t>{kInt64Min, kInt64Max, 0, -7, 42}));
  EXPECT_EQ(t.columns[4].nulls, std::vector<uint8_t>(5, 0));

  const std::vector<double>& e = t.columns[5].doubles;
  EXPECT_EQ(e[0], 1.5);
  EXPECT_TRUE(std::signbit(e[1]) && e[1] == 0.0);
  EXPECT_TRUE(std::isnan(e[2]));  // NaN stays a value
  EXPECT_EQ(t.columns[5].nulls, std::vector<uint8_t>(5, 0));
  EXPECT_EQ(e[3], static_cast<double>(std::numeric_limits<float>::max()));
  EXPECT_EQ(e[4], static_cast<double>(1e-40f));

  const std::vector<double>& d = t.columns[6].doubles;
  EXPECT_EQ(d[0], 1e-300);
  EXPECT_TRUE(std::signbit(d[1]) && d[1] == 0.0);
  EXPECT_TRUE(std::isnan(d[2]));
  EXPECT_EQ(d[3], 1e300);
  EXPECT_EQ(d[4], -std::numeric_limits<double>::infinity());

  EXPECT_EQ(t.columns[7].nulls, (std::vector<uint8_t>{0, 0, 1, 0, 0}));
  EXPECT_EQ(t.columns[7].strings[0], "NGC 1234");
  EXPECT_EQ(t.columns[7].strings[1], "exactly twenty chars");
  EXPECT_EQ(t.columns[7].strings[3], "  lead");
  EXPECT_EQ(t.columns[7].strings[4], "tail");

  EXPECT_EQ(t.columns[8].ints, (std::vector<int64_t>{-128, 127, 0, -1, 1}));
  EXPECT_EQ(t.columns[9].ints, (std::vector<int64_t>{0, 65535, 32768, 1, 2}));
  EXPECT_EQ(t.columns[10].ints, (std::vector<int64_t>{0, 4294967295LL, 2147483648LL, 3, 4}));
  EXPECT_EQ(t.columns[11].ints, (std::vector<int64_t>{0, kInt64Max, 5, 6, 7}));

  EXPECT_EQ(t.columns[12].nulls, (std::vector<uint8_t>{0, 0, 1, 0, 0}));
  EXPECT_EQ(t.columns[12].ints[0], Micros(2024, 1, 2, 3, 4, 5, 250000));
  EXPECT_EQ(t.columns[12].ints[1], 0);
  EXPECT_EQ(t.columns[12].ints[3], Micros(2000, 2, 29, 12, 0, 0, 0));
  EXPECT_EQ(t.columns[12].ints[4], Micros(1999, 12, 31, 23, 59, 59, 999999));

  const std::string p = dir_ + "types.fits: row ";
  EXPECT_EQ(t.where, (std::vector<std::string>{p + "1", p + "2", p + "3", p + "4", p + "5"}));
}

TEST_F(FitsReaderTest, IntegersWidenToFloatingAndScaledColumnsAreFloating) {
  fitsfile* f = Create("scaled.fits", {"k", "uk", "scaled", "d"}, {"K", "W", "I", "D"});
  int status = 0;
  double scale = 0.5;
  double zero = 100;
  fits_write_key(f, TDOUBLE, "TSCAL3", &scale, nullptr, &status);
  fits_write_key(f, TDOUBLE, "TZERO3", &zero, nullptr, &status);
  fits_set_tscale(f, 3, 1.0, 0.0, &status);  // write the stored integers as given
  LONGLONG k[] = {kInt64Max, -3};
  fits_write_col(f, TLONGLONG, 1, 1, 1, 2, k, &status);
  unsigned long long uk[] = {18446744073709551615ull, 1};
  fits_write_col(f, TULONGLONG, 2, 1, 1, 2, uk, &status);
  short stored[] = {10, -4};
  fits_write_col(f, TSHORT, 3, 1, 1, 2, stored, &status);
  double dv[] = {1e300, 2.5};
  fits_write_col(f, TDOUBLE, 4, 1, 1, 2, dv, &status);
  ASSERT_FITS_OK(status);
  Close(f);

  auto reader = OpenTableReader(dir_ + "scaled.fits");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto t = ReadAll(
      reader->get(),
      {T(DataType::kDouble), T(DataType::kDouble), T(DataType::kDouble), T(DataType::kDouble)}, 10);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->columns[0].doubles, (std::vector<double>{9223372036854775807.0, -3.0}));
  EXPECT_EQ(t->columns[1].doubles, (std::vector<double>{18446744073709551615.0, 1.0}));
  EXPECT_EQ(t->columns[2].doubles, (std::vector<double>{100 + 0.5 * 10, 100 + 0.5 * -4}));

  // Range checks: uint64 max does not fit bigint; 1e300 does not fit real.
  auto r2 = OpenTableReader(dir_ + "scaled.fits");
  ASSERT_TRUE(r2.ok());
  auto bad = ReadAll(
      r2->get(),
      {T(DataType::kBigInt), T(DataType::kBigInt), T(DataType::kReal), T(DataType::kDouble)}, 10);
  ExpectError(bad.status(), StatusCode::kInvalidArgument,
              {"scaled.fits: row 1: column uk: value 18446744073709551615 is out of range for "
               "bigint"});
  auto r3 = OpenTableReader(dir_ + "scaled.fits");
  ASSERT_TRUE(r3.ok());
  bad = ReadAll(
      r3->get(),
      {T(DataType::kInteger), T(DataType::kDouble), T(DataType::kReal), T(DataType::kDouble)}, 10);
  ExpectError(bad.status(), StatusCode::kInvalidArgument,
              {"scaled.fits: row 1: column k: value 9223372036854775807 is out of range for "
               "integer"});
  auto r4 = OpenTableReader(dir_ + "scaled.fits");
  ASSERT_TRUE(r4.ok());
  bad = ReadAll(
      r4->get(),
      {T(DataType::kDouble), T(DataType::kDouble), T(DataType::kReal), T(DataType::kReal)}, 10);
  ExpectError(bad.status(), StatusCode::kInvalidArgument,
              {"scaled.fits: row 1: column d:", "out of range for real"});
}

TEST_F(FitsReaderTest, BindRejectsImpossibleTypes) {
  fitsfile* f = Create("bind.fits", {"flag", "n", "x", "s"}, {"L", "J", "D", "8A"});
  Close(f);
  const std::string path = dir_ + "bind.fits";
  struct Case {
    std::vector<ColumnType> types;
    std::vector<std::string> parts;
  };
  const ColumnType kBool = T(DataType::kBoolean);
  const ColumnType kInt = T(DataType::kInteger);
  const ColumnType kDbl = T(DataType::kDouble);
  const ColumnType kStr = T(DataType::kVarChar);
  const std::vector<Case> cases = {
      {{kInt, kInt, kDbl, kStr}, {"column flag holds logical values", "as integer"}},
      {{kBool, kStr, kDbl, kStr}, {"column n holds 32-bit integers (TFORM J)", "as varchar"}},
      {{kBool, kBool, kDbl, kStr}, {"column n", "as boolean"}},
      {{kBool, kInt, T(DataType::kTimestamp), kStr},
       {"column x holds 64-bit floats (TFORM D)", "as timestamp"}},
      {{kBool, kInt, T(DataType::kBigInt), kStr}, {"column x", "as bigint"}},
      {{kBool, kInt, kDbl, kDbl}, {"column s holds strings", "as double"}},
      {{kBool, kInt, kDbl}, {"3 column types given for 4 columns"}},
  };
  for (const Case& c : cases) {
    auto reader = OpenTableReader(path);
    ASSERT_TRUE(reader.ok());
    std::vector<std::string> parts = c.parts;
    parts.push_back("bind.fits");
    ExpectError((*reader)->Bind(c.types), StatusCode::kInvalidArgument, parts);
  }
}

TEST_F(FitsReaderTest, BadValuesNameRowAndColumn) {
  fitsfile* f = Create("vals.fits", {"ts", "code"}, {"24A", "6A"});
  int status = 0;
  std::string a = "2020-01-01";
  std::string b = "not a date";
  char* ts[] = {a.data(), a.data(), b.data()};
  fits_write_col(f, TSTRING, 1, 1, 1, 3, ts, &status);
  std::string c = "abcdef";
  char* codes[] = {c.data(), c.data(), c.data()};
  fits_write_col(f, TSTRING, 2, 1, 1, 3, codes, &status);
  ASSERT_FITS_OK(status);
  Close(f);
  auto reader = OpenTableReader(dir_ + "vals.fits");
  ASSERT_TRUE(reader.ok());
  auto t = ReadAll(reader->get(), {T(DataType::kTimestamp), T(DataType::kVarChar)}, 10);
  ExpectError(t.status(), StatusCode::kInvalidArgument,
              {"vals.fits: row 3: column ts: 'not a date' is not an ISO-8601 timestamp"});
  auto r2 = OpenTableReader(dir_ + "vals.fits");
  ASSERT_TRUE(r2.ok());
  t = ReadAll(r2->get(), {T(DataType::kVarChar), T(DataType::kChar, 5)}, 10);
  ExpectError(t.status(), StatusCode::kInvalidArgument,
              {"vals.fits: row 1: column code: 'abcdef' is 6 bytes long (expected char(5)"});
}

TEST_F(FitsReaderTest, RejectsVectorAndUnsupportedColumns) {
  Close(Create("vec.fits", {"id", "flux"}, {"K", "3E"}));
  ExpectError(OpenTableReader(dir_ + "vec.fits").status(), StatusCode::kInvalidArgument,
              {"vec.fits", "column flux has 3 elements per row; only scalar columns"});
  Close(Create("cplx.fits", {"z"}, {"C"}));
  ExpectError(OpenTableReader(dir_ + "cplx.fits").status(), StatusCode::kInvalidArgument,
              {"cplx.fits", "column z", "complex"});
  Close(Create("var.fits", {"v"}, {"1PJ"}));
  ExpectError(OpenTableReader(dir_ + "var.fits").status(), StatusCode::kInvalidArgument,
              {"var.fits", "column v", "variable-length"});
}

TEST_F(FitsReaderTest, BadFiles) {
  ExpectError(OpenTableReader(dir_ + "missing.fits").status(), StatusCode::kNotFound,
              {"missing.fits"});
  ExpectError(OpenTableReader(WriteFile("text.fits", std::string(5000, 'x'))).status(),
              StatusCode::kInvalidArgument, {"text.fits", "not a FITS file"});
  ExpectError(OpenTableReader(dir_ + "object.parquet").status(), StatusCode::kInvalidArgument,
              {"object.parquet", "unknown file type"});

  // An image only: no table in HDU 2.
  fitsfile* f = nullptr;
  int status = 0;
  std::string path = "!" + dir_ + "image.fits";
  long axes[2] = {4, 4};
  fits_create_file(&f, path.c_str(), &status);
  fits_create_img(f, SHORT_IMG, 2, axes, &status);
  ASSERT_FITS_OK(status);
  Close(f);
  ExpectError(OpenTableReader(dir_ + "image.fits").status(), StatusCode::kInvalidArgument,
              {"image.fits", "expected a binary table in HDU 2"});
}

TEST_F(FitsReaderTest, TruncatedFileIsCorruption) {
  fitsfile* f = Create("forcedsource-003.fits", {"id", "flux"}, {"K", "D"});
  int status = 0;
  const LONGLONG kRows = 1000;
  std::vector<LONGLONG> ids(kRows);
  for (LONGLONG i = 0; i < kRows; ++i) ids[static_cast<size_t>(i)] = i;
  fits_write_col(f, TLONGLONG, 1, 1, 1, kRows, ids.data(), &status);
  LONGLONG head = 0;
  LONGLONG data = 0;
  LONGLONG end = 0;
  fits_get_hduaddrll(f, &head, &data, &end, &status);
  ASSERT_FITS_OK(status);
  Close(f);
  const std::string path = dir_ + "forcedsource-003.fits";
  ASSERT_EQ(truncate(path.c_str(), static_cast<off_t>(data + 613 * 16 + 5)), 0);
  ExpectError(OpenTableReader(path).status(), StatusCode::kCorruption,
              {"forcedsource-003.fits: truncated: header says 1000 rows, data ends at row 613"});

  // Cut inside the header: recognisably FITS, but damaged.
  ASSERT_EQ(truncate(path.c_str(), 3000), 0);
  ExpectError(OpenTableReader(path).status(), StatusCode::kCorruption, {"forcedsource-003.fits"});
}

// More rows than one read chunk (1 MiB of raw rows), batches that do not align with chunks,
// and a gzip-compressed copy written by cfitsio.
TEST_F(FitsReaderTest, ManyRowsAcrossChunksAndGzip) {
  const LONGLONG kRows = 150000;  // 20 bytes a row: 2.9 MiB
  std::vector<LONGLONG> ids(kRows);
  std::vector<double> ra(kRows);
  std::vector<int> band(kRows);
  int64_t id_sum = 0;
  double ra_sum = 0;
  int64_t band_sum = 0;
  int64_t nulls = 0;
  for (LONGLONG i = 0; i < kRows; ++i) {
    size_t k = static_cast<size_t>(i);
    ids[k] = i * 1000003 - 7;
    ra[k] = static_cast<double>(i % 3600) / 10.0;
    band[k] = static_cast<int>(i % 7) - 1;  // -1 is TNULL
    id_sum += ids[k];
    ra_sum += ra[k];
    if (band[k] == -1) {
      ++nulls;
    } else {
      band_sum += band[k];
    }
  }
  for (const char* name : {"many.fits", "many.fits.gz"}) {
    SCOPED_TRACE(name);
    fitsfile* f = Create(name, {"id", "ra", "band"}, {"K", "D", "J"});
    int status = 0;
    long tnull = -1;
    fits_write_key(f, TLONG, "TNULL3", &tnull, nullptr, &status);
    fits_write_col(f, TLONGLONG, 1, 1, 1, kRows, ids.data(), &status);
    fits_write_col(f, TDOUBLE, 2, 1, 1, kRows, ra.data(), &status);
    fits_write_col(f, TINT, 3, 1, 1, kRows, band.data(), &status);
    ASSERT_FITS_OK(status);
    Close(f);

    auto reader = OpenTableReader(dir_ + name);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ((*reader)->num_rows_hint(), kRows);
    EXPECT_EQ((*reader)->bytes_total(), static_cast<uint64_t>(kRows) * 20);
    auto t = ReadAll(reader->get(),
                     {T(DataType::kBigInt), T(DataType::kDouble), T(DataType::kSmallInt)}, 70000);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_EQ(t->rows, static_cast<size_t>(kRows));
    EXPECT_EQ(t->batches, 3u);
    int64_t is = 0;
    double rs = 0;
    int64_t bs = 0;
    int64_t ns = 0;
    for (size_t r = 0; r < t->rows; ++r) {
      is += t->columns[0].ints[r];
      rs += t->columns[1].doubles[r];
      if (t->columns[2].nulls[r]) {
        ++ns;
      } else {
        bs += t->columns[2].ints[r];
      }
    }
    EXPECT_EQ(is, id_sum);
    EXPECT_EQ(rs, ra_sum);
    EXPECT_EQ(bs, band_sum);
    EXPECT_EQ(ns, nulls);
    EXPECT_EQ(t->where[70005], dir_ + std::string(name) + ": row 70006");
    EXPECT_EQ((*reader)->bytes_read(), (*reader)->bytes_total());
  }
  // The .gz really is compressed (cfitsio wrote gzip, not a plain copy).
  struct stat plain {};
  struct stat gz {};
  ASSERT_EQ(stat((dir_ + "many.fits").c_str(), &plain), 0);
  ASSERT_EQ(stat((dir_ + "many.fits.gz").c_str(), &gz), 0);
  EXPECT_LT(gz.st_size, plain.st_size);
}

TEST_F(FitsReaderTest, EmptyTable) {
  Close(Create("empty.fits", {"a"}, {"D"}));
  auto reader = OpenTableReader(dir_ + "empty.fits");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->num_rows_hint(), 0);
  auto t = ReadAll(reader->get(), {T(DataType::kDouble)}, 10);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->rows, 0u);
}

// ---------------------------------------------------------------------------------------------
// OpenTableReader

using TableReaderTest = ReaderTest;

TEST_F(TableReaderTest, ChoosesFormatByExtension) {
  std::string csv = WriteFile("upper.CSV", "a\n1\n");
  auto r = OpenTableReader(csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->num_rows_hint(), -1);
  // CSV content behind a .fits name is handed to cfitsio, which refuses it.
  std::string fake = WriteFile("fake.fit", "a\n1\n");
  ExpectError(OpenTableReader(fake).status(), StatusCode::kInvalidArgument, {"fake.fit"});
  ExpectError(OpenTableReader(WriteFile("x.csv.gz", "")).status(), StatusCode::kInvalidArgument,
              {"x.csv.gz", "unknown file type"});
}

// The loader splits a large FITS file between threads (storage/bulk_loader.cc): every piece
// read with SetRowRange, concatenated, must give exactly the rows and the Where() of one read of
// the whole file, and an error in a piece must name the same row as the whole-file read does.
TEST_F(FitsReaderTest, RowRangesConcatenateToTheWholeFileWithTheSameRowNumbers) {
  constexpr int kRows = 1000;
  fitsfile* f = Create("ranges.fits", {"id", "x", "name"}, {"K", "D", "8A"});
  std::vector<LONGLONG> ids(kRows);
  std::vector<double> xs(kRows);
  std::vector<std::string> names(kRows);
  std::vector<char*> name_ptrs(kRows);
  for (int i = 0; i < kRows; ++i) {
    ids[i] = 1000 + 7 * i;
    xs[i] = 0.5 * i - 3;
    names[i] = "n" + std::to_string(i);
    name_ptrs[i] = names[i].data();
  }
  int status = 0;
  fits_write_col(f, TLONGLONG, 1, 1, 1, kRows, ids.data(), &status);
  fits_write_col(f, TDOUBLE, 2, 1, 1, kRows, xs.data(), &status);
  fits_write_col(f, TSTRING, 3, 1, 1, kRows, name_ptrs.data(), &status);
  ASSERT_FITS_OK(status);
  Close(f);
  const std::vector<ColumnType> types = {T(DataType::kBigInt), T(DataType::kDouble),
                                         T(DataType::kVarChar)};

  auto whole_reader = OpenTableReader(dir_ + "ranges.fits");
  ASSERT_TRUE(whole_reader.ok()) << whole_reader.status().ToString();
  auto whole = ReadAll(whole_reader->get(), types, 128);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  ASSERT_EQ(whole->rows, static_cast<size_t>(kRows));

  // Uneven pieces, an empty one, and batch sizes that do not divide them.
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {0, 1}, {1, 300}, {300, 300}, {300, 651}, {651, 1000}};
  Table joined;
  joined.columns.resize(types.size());
  for (const auto& [begin, end] : ranges) {
    auto reader = OpenTableReader(dir_ + "ranges.fits");
    ASSERT_TRUE(reader.ok());
    ASSERT_TRUE((*reader)->SetRowRange(begin, end).ok());
    auto piece = ReadAll(reader->get(), types, 97);
    ASSERT_TRUE(piece.ok()) << piece.status().ToString();
    ASSERT_EQ(piece->rows, static_cast<size_t>(end - begin));
    EXPECT_EQ((*reader)->bytes_read(), (*reader)->bytes_total());
    for (size_t c = 0; c < types.size(); ++c) {
      const ColumnVector& in = piece->columns[c];
      ColumnVector& out = joined.columns[c];
      out.nulls.insert(out.nulls.end(), in.nulls.begin(), in.nulls.end());
      out.ints.insert(out.ints.end(), in.ints.begin(), in.ints.end());
      out.doubles.insert(out.doubles.end(), in.doubles.begin(), in.doubles.end());
      out.strings.insert(out.strings.end(), in.strings.begin(), in.strings.end());
    }
    joined.where.insert(joined.where.end(), piece->where.begin(), piece->where.end());
    joined.rows += piece->rows;
  }
  ASSERT_EQ(joined.rows, whole->rows);
  EXPECT_EQ(joined.where, whole->where);
  EXPECT_EQ(joined.where[650], dir_ + "ranges.fits: row 651");
  for (size_t c = 0; c < types.size(); ++c) {
    EXPECT_EQ(joined.columns[c].nulls, whole->columns[c].nulls) << "column " << c;
    EXPECT_EQ(joined.columns[c].ints, whole->columns[c].ints) << "column " << c;
    EXPECT_EQ(joined.columns[c].doubles, whole->columns[c].doubles) << "column " << c;
    EXPECT_EQ(joined.columns[c].strings, whole->columns[c].strings) << "column " << c;
  }
  // Against the values written, not only against the other read.
  for (int i = 0; i < kRows; ++i) {
    ASSERT_EQ(joined.columns[0].ints[i], ids[i]);
    ASSERT_EQ(joined.columns[1].doubles[i], xs[i]);
    ASSERT_EQ(joined.columns[2].strings[i], names[i]);
  }

  // Ranges outside the table.
  auto bad = OpenTableReader(dir_ + "ranges.fits");
  ASSERT_TRUE(bad.ok());
  ExpectError((*bad)->SetRowRange(10, kRows + 1), StatusCode::kInvalidArgument,
              {"ranges.fits", "row range [10, 1001)", "1000 rows"});
  ExpectError((*bad)->SetRowRange(5, 4), StatusCode::kInvalidArgument, {"[5, 4)"});
}

TEST_F(FitsReaderTest, AnErrorInARowRangeNamesTheRowOfTheWholeFile) {
  // Row 701 holds an integer that does not fit the bound smallint.
  constexpr int kRows = 900;
  fitsfile* f = Create("bad.fits", {"v"}, {"J"});
  std::vector<int> v(kRows, 5);
  v[700] = 100000;
  int status = 0;
  fits_write_col(f, TINT, 1, 1, 1, kRows, v.data(), &status);
  ASSERT_FITS_OK(status);
  Close(f);
  const std::vector<ColumnType> types = {T(DataType::kSmallInt)};
  auto whole_reader = OpenTableReader(dir_ + "bad.fits");
  ASSERT_TRUE(whole_reader.ok());
  auto whole = ReadAll(whole_reader->get(), types, 256);
  ASSERT_FALSE(whole.ok());
  ExpectError(whole.status(), StatusCode::kInvalidArgument, {"bad.fits: row 701", "column v"});
  auto reader = OpenTableReader(dir_ + "bad.fits");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->SetRowRange(600, 800).ok());
  auto piece = ReadAll(reader->get(), types, 64);
  ASSERT_FALSE(piece.ok());
  EXPECT_EQ(piece.status().message(), whole.status().message());
  // The pieces around it read cleanly.
  for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, 700}, {701, kRows}}) {
    auto ok_reader = OpenTableReader(dir_ + "bad.fits");
    ASSERT_TRUE(ok_reader.ok());
    ASSERT_TRUE((*ok_reader)->SetRowRange(begin, end).ok());
    auto ok_piece = ReadAll(ok_reader->get(), types, 64);
    ASSERT_TRUE(ok_piece.ok()) << ok_piece.status().ToString();
    EXPECT_EQ(ok_piece->rows, static_cast<size_t>(end - begin));
  }
}

// ---------------------------------------------------------------------------------------------
// Page cache: a load reads its input once, and the readers drop what they left behind

// The fraction of the pages of [begin, end) of `path` that are in the page cache (mincore).
double ResidentFraction(const std::string& path, size_t begin, size_t end) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0) << path;
  if (fd < 0) return -1;
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  const size_t size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  EXPECT_NE(map, MAP_FAILED);
  if (map == MAP_FAILED) return -1;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((size + page - 1) / page);
  EXPECT_EQ(::mincore(map, size, resident.data()), 0);
  ::munmap(map, size);
  size_t in = 0;
  const size_t first = begin / page;
  const size_t last = std::min(resident.size(), (end + page - 1) / page);
  for (size_t i = first; i < last; ++i) in += resident[i] & 1;
  return last > first ? static_cast<double>(in) / static_cast<double>(last - first) : 0;
}

// Reads the whole file with read(2), so that every page is cached, and checks that it is.
void CacheWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::fsync(fd), 0);  // a written page must be clean to be dropped
  std::vector<char> buf(1 << 20);
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  ::close(fd);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  ASSERT_GT(ResidentFraction(path, 0, static_cast<size_t>(st.st_size)), 0.99) << path;
}

// Files on a disk file system: a tmpfs keeps its pages whatever the advice. The working
// directory (the build tree) unless it is a tmpfs, else /var/tmp, else TempDir().
class PageCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string base = std::filesystem::current_path().string() + "/";
    for (const std::string& candidate : {base, std::string("/var/tmp/"), ::testing::TempDir()}) {
      struct statfs fs {};
      if (::statfs(candidate.c_str(), &fs) == 0 && fs.f_type != TMPFS_MAGIC) {
        base = candidate;
        break;
      }
    }
    std::string tmpl = base + "page_cache_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << tmpl;
    dir_ = tmpl + "/";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(PageCacheTest, ReadersDropTheInputBehindThem) {
  constexpr size_t kBytes = size_t{44} << 20;  // not a whole number of steps
  constexpr size_t kRows = kBytes / 16;
  // CSV: one bigint column of 15 digits a line.
  const std::string csv_path = dir_ + "big.csv";
  {
    std::string csv = "a\n";
    char line[32];
    for (size_t r = 0; r < kRows; ++r) {
      const int n = std::snprintf(line, sizeof line, "%015zu\n", r);
      csv.append(line, static_cast<size_t>(n));
    }
    std::FILE* f = std::fopen(csv_path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(csv.data(), 1, csv.size(), f), csv.size());
    std::fclose(f);
  }
  // FITS: two 8-byte columns (16 bytes a row).
  const std::string fits_path = dir_ + "big.fits";
  {
    fitsfile* f = nullptr;
    int status = 0;
    fits_create_file(&f, ("!" + fits_path).c_str(), &status);
    char a[] = "a", b[] = "b", k[] = "K", d[] = "D";
    char* tt[] = {a, b};
    char* tf[] = {k, d};
    fits_create_tbl(f, BINARY_TBL, 0, 2, tt, tf, nullptr, "T", &status);
    std::vector<LONGLONG> ids(kRows);
    std::vector<double> xs(kRows);
    for (size_t r = 0; r < kRows; ++r) {
      ids[r] = static_cast<LONGLONG>(r);
      xs[r] = static_cast<double>(r) / 4;
    }
    fits_write_col(f, TLONGLONG, 1, 1, 1, static_cast<LONGLONG>(kRows), ids.data(), &status);
    fits_write_col(f, TDOUBLE, 2, 1, 1, static_cast<LONGLONG>(kRows), xs.data(), &status);
    fits_close_file(f, &status);
    ASSERT_FITS_OK(status);
  }
  struct Case {
    std::string path;
    std::vector<ColumnType> types;
  };
  for (const Case& c : {Case{csv_path, {T(DataType::kBigInt)}},
                        Case{fits_path, {T(DataType::kBigInt), T(DataType::kDouble)}}}) {
    SCOPED_TRACE(c.path);
    CacheWholeFile(c.path);
    auto reader = OpenTableReader(c.path);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto t = ReadAll(reader->get(), c.types, 4096);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_EQ(t->rows, kRows);
    // Dropping pages never changes what is read: every value, the FITS doubles included.
    for (size_t r = 0; r < kRows; ++r) {
      ASSERT_EQ(t->columns[0].ints[r], static_cast<int64_t>(r)) << r;
      if (c.types.size() > 1) {
        ASSERT_EQ(t->columns[1].doubles[r], static_cast<double>(r) / 4) << r;
      }
    }
    // Read to its end: the whole file is gone from the cache (but for the FITS header).
    EXPECT_LT(ResidentFraction(c.path, 0, kBytes), 0.01);
  }
}

TEST_F(CsvReaderTest, RowRangesAreUnsupported) {
  WriteFile("r.csv", "a\n1\n2\n");
  auto reader = OpenTableReader(dir_ + "r.csv");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->SetRowRange(0, 1).code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace skyshard
