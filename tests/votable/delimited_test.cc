// CSV and TSV output read back by the small RFC 4180 and TSV readers below (written for this
// test, independent of the writer) and compared value by value, bit for bit for floats, with the
// generated table.

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/votable/test_table.h"
#include "votable/byte_sink.h"
#include "votable/result_writer.h"

namespace skyshard::votable_test {
namespace {

struct Cell {
  std::string text;
  bool quoted = false;
};
using Record = std::vector<Cell>;

// RFC 4180: records end with CRLF; a field is quoted when it starts with '"', and "" inside
// quotes is one quote.
std::vector<Record> ParseCsv(const std::string& s) {
  std::vector<Record> records;
  size_t i = 0;
  while (i < s.size()) {
    Record rec;
    while (true) {
      Cell cell;
      if (i < s.size() && s[i] == '"') {
        cell.quoted = true;
        ++i;
        while (true) {
          EXPECT_LT(i, s.size()) << "unterminated quote";
          if (i >= s.size()) return records;
          if (s[i] == '"') {
            if (i + 1 < s.size() && s[i + 1] == '"') {
              cell.text.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          cell.text.push_back(s[i++]);
        }
      } else {
        while (i < s.size() && s[i] != ',' && s[i] != '\r' && s[i] != '\n' && s[i] != '"') {
          cell.text.push_back(s[i++]);
        }
      }
      rec.push_back(std::move(cell));
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      EXPECT_TRUE(s.compare(i, 2, "\r\n") == 0) << "record not ended by CRLF at byte " << i;
      i += 2;
      break;
    }
    records.push_back(std::move(rec));
  }
  return records;
}

// TSV as documented in docs/votable.md: LF ends a record, TAB separates fields, and inside a
// field \\, \t, \n, \r stand for backslash, TAB, LF, CR.
std::vector<Record> ParseTsv(const std::string& s) {
  std::vector<Record> records;
  size_t start = 0;
  while (start < s.size()) {
    const size_t end = s.find('\n', start);
    EXPECT_NE(end, std::string::npos) << "last record lacks its LF";
    const std::string line = s.substr(start, end - start);
    start = end + 1;
    Record rec;
    Cell cell;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\t') {
        rec.push_back(std::move(cell));
        cell = Cell();
      } else if (line[i] == '\\' && i + 1 < line.size()) {
        const char e = line[++i];
        cell.text.push_back(e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e);
        EXPECT_TRUE(e == 't' || e == 'n' || e == 'r' || e == '\\') << "bad escape \\" << e;
      } else {
        EXPECT_NE(line[i], '\r') << "raw CR in TSV";
        cell.text.push_back(line[i]);
      }
    }
    rec.push_back(std::move(cell));
    records.push_back(std::move(rec));
  }
  return records;
}

template <typename T>
bool ParseFloating(const std::string& text, T* v) {
  if (text == "NaN") {
    *v = std::numeric_limits<T>::quiet_NaN();
    return true;
  }
  if (text == "+Inf" || text == "-Inf") {
    *v = text[0] == '-' ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    return true;
  }
  const auto res = std::from_chars(text.data(), text.data() + text.size(), *v);
  return res.ec == std::errc() && res.ptr == text.data() + text.size();
}

bool SameFloating(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);  // tells -0.0 from 0.0
}

bool SameFloating(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

void ExpectCell(const FieldInfo& field, const ColumnVector& col, size_t row, const Cell& cell,
                bool tsv, size_t result_row) {
  SCOPED_TRACE("row " + std::to_string(result_row) + " column " + field.name + " text '" +
               cell.text + "'");
  if (col.IsNull(row)) {
    EXPECT_TRUE(cell.text.empty() && !cell.quoted) << "NULL must be an empty unquoted field";
    return;
  }
  switch (field.type.type) {
    case DataType::kSmallInt:
    case DataType::kInteger:
    case DataType::kBigInt: {
      int64_t v = 0;
      const auto res = std::from_chars(cell.text.data(), cell.text.data() + cell.text.size(), v);
      EXPECT_TRUE(res.ec == std::errc() && res.ptr == cell.text.data() + cell.text.size());
      EXPECT_EQ(v, col.ints[row]);
      break;
    }
    case DataType::kBoolean:
      EXPECT_EQ(cell.text, col.ints[row] != 0 ? "true" : "false");
      break;
    case DataType::kReal: {
      float v = 0;
      EXPECT_TRUE(ParseFloating(cell.text, &v));
      EXPECT_TRUE(SameFloating(v, static_cast<float>(col.doubles[row])));
      break;
    }
    case DataType::kDouble: {
      double v = 0;
      EXPECT_TRUE(ParseFloating(cell.text, &v));
      EXPECT_TRUE(SameFloating(v, col.doubles[row])) << col.doubles[row];
      break;
    }
    case DataType::kTimestamp: {
      auto v = ParseTimestamp(cell.text);
      ASSERT_TRUE(v.ok()) << v.status().ToString();
      EXPECT_EQ(*v, col.ints[row]);
      break;
    }
    case DataType::kChar:
    case DataType::kVarChar:
      EXPECT_EQ(cell.text, col.strings[row]);
      if (!tsv && col.strings[row].empty()) {
        EXPECT_TRUE(cell.quoted) << "\"\" is not NULL";
      }
      break;
  }
}

void CheckDelimited(ResultFormat format, size_t flush_bytes) {
  const TestTable table = MakeTestTable(42, 2500);
  StringSink sink;
  auto writer = MakeResultWriter(format, &sink, ResultWriterOptions{flush_bytes, ""});
  ASSERT_TRUE(writer->Begin(table.fields, {{"QUERY", "SELECT *"}}).ok());
  for (const ColumnBatch& b : table.batches) ASSERT_TRUE(writer->WriteBatch(b).ok());
  ASSERT_TRUE(writer->End(/*overflow=*/true).ok());
  EXPECT_EQ(writer->rows_written(), static_cast<int64_t>(table.num_rows));

  const bool tsv = format == ResultFormat::kTsv;
  const std::vector<Record> records = tsv ? ParseTsv(sink.contents()) : ParseCsv(sink.contents());
  ASSERT_EQ(records.size(), table.num_rows + 1);
  ASSERT_EQ(records[0].size(), table.fields.size());
  for (size_t c = 0; c < table.fields.size(); ++c)
    EXPECT_EQ(records[0][c].text, table.fields[c].name);
  for (size_t r = 0; r < table.num_rows; ++r) {
    const auto [batch, row] = table.Locate(r);
    const Record& rec = records[r + 1];
    ASSERT_EQ(rec.size(), table.fields.size()) << "row " << r;
    for (size_t c = 0; c < table.fields.size(); ++c) {
      ExpectCell(table.fields[c], batch->columns[c], row, rec[c], tsv, r);
    }
  }
}

TEST(DelimitedTest, CsvReadsBackExactly) { CheckDelimited(ResultFormat::kCsv, 64 * 1024); }
TEST(DelimitedTest, TsvReadsBackExactly) { CheckDelimited(ResultFormat::kTsv, 64 * 1024); }
TEST(DelimitedTest, CsvWithTinyFlushes) { CheckDelimited(ResultFormat::kCsv, 1); }
TEST(DelimitedTest, TsvWithTinyFlushes) { CheckDelimited(ResultFormat::kTsv, 7); }

}  // namespace
}  // namespace skyshard::votable_test
