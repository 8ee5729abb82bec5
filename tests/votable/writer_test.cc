// The writers' contracts other than the values themselves (those are read back by
// delimited_test.cc and, for VOTable, by check_votable.py with astropy and votlint): call order,
// bad batches, values that do not fit, sink failures, flat memory, and the base64 and XML
// encodings checked against decoders written here.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "tests/votable/test_table.h"
#include "votable/byte_sink.h"
#include "votable/internal/base64.h"
#include "votable/internal/utf8.h"
#include "votable/result_writer.h"

namespace skyshard::votable_test {
namespace {

constexpr ResultFormat kAllFormats[] = {ResultFormat::kVOTableBinary2, ResultFormat::kVOTableBinary,
                                        ResultFormat::kVOTableTableData, ResultFormat::kCsv,
                                        ResultFormat::kTsv};

std::string WriteAll(const TestTable& table, ResultFormat format, size_t flush_bytes,
                     StringSink* sink) {
  auto writer = MakeResultWriter(format, sink, ResultWriterOptions{flush_bytes, ""});
  EXPECT_TRUE(writer->Begin(table.fields, {{"QUERY", "SELECT * FROM t"}}).ok());
  for (const ColumnBatch& b : table.batches) EXPECT_TRUE(writer->WriteBatch(b).ok());
  EXPECT_TRUE(writer->End(false).ok());
  return sink->contents();
}

// Output does not depend on how it is cut into pieces, and the pieces stay near flush_bytes:
// memory is flat however many rows there are.
TEST(ResultWriterTest, StreamsInBoundedPieces) {
  const TestTable table = MakeTestTable(7, 3000);
  for (ResultFormat f : kAllFormats) {
    SCOPED_TRACE(std::string(ResultFormatName(f)));
    StringSink whole;
    StringSink big;
    StringSink tiny;
    const std::string expected = WriteAll(table, f, size_t{1} << 30, &whole);
    EXPECT_EQ(WriteAll(table, f, 64 * 1024, &big), expected);
    EXPECT_EQ(WriteAll(table, f, 1, &tiny), expected);
    EXPECT_GT(expected.size(), size_t{200} * 1024);
    EXPECT_GE(big.num_writes(), expected.size() / (100 * 1024));
    // One row of the test table is below 8 KiB; base64 adds at most one 14 KiB chunk.
    EXPECT_LE(big.largest_write(), size_t{64 + 8 + 20} * 1024);
    EXPECT_GT(tiny.num_writes(), size_t{1000});
  }
}

TEST(ResultWriterTest, CallOrderIsChecked) {
  const TestTable table = MakeTestTable(1, 10);
  for (ResultFormat f : kAllFormats) {
    StringSink sink;
    auto w = MakeResultWriter(f, &sink);
    EXPECT_EQ(w->WriteBatch(table.batches[1]).code(), StatusCode::kInternal);
    EXPECT_EQ(w->End(false).code(), StatusCode::kInternal);
    ASSERT_TRUE(w->Begin(table.fields, {}).ok());
    EXPECT_EQ(w->Begin(table.fields, {}).code(), StatusCode::kInternal);
    ASSERT_TRUE(w->End(false).ok());
    EXPECT_EQ(w->End(false).code(), StatusCode::kInternal);
    EXPECT_EQ(w->EndWithError("x").code(), StatusCode::kInternal);
    EXPECT_EQ(w->WriteBatch(table.batches[1]).code(), StatusCode::kInternal);
  }
}

TEST(ResultWriterTest, RejectsBadSchemas) {
  FieldInfo d{"d", ColumnType{DataType::kDouble, 0}, "", "", "", "", "", "", ""};
  FieldInfo s{"s", ColumnType{DataType::kVarChar, 0}, "", "", "", "", "", "", ""};
  for (ResultFormat f : kAllFormats) {
    StringSink sink;
    FieldInfo array_double = d;
    array_double.arraysize = "3";
    EXPECT_EQ(MakeResultWriter(f, &sink)->Begin({array_double}, {}).code(),
              StatusCode::kInvalidArgument);
    for (const char* bad : {"0", "x", "3**", "-1", "*3", "99999999999"}) {
      FieldInfo bad_string = s;
      bad_string.arraysize = bad;
      EXPECT_EQ(MakeResultWriter(f, &sink)->Begin({bad_string}, {}).code(),
                StatusCode::kInvalidArgument)
          << bad;
    }
    FieldInfo unknown = d;
    unknown.type.type = static_cast<DataType>(77);
    EXPECT_EQ(MakeResultWriter(f, &sink)->Begin({unknown}, {}).code(),
              StatusCode::kInvalidArgument);
    EXPECT_TRUE(sink.contents().empty());
  }
  StringSink sink;
  EXPECT_EQ(MakeResultWriter(ResultFormat::kVOTableBinary2, &sink)
                ->Begin({d}, {{"QUERY_STATUS", "OK"}})
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeResultWriter(ResultFormat::kVOTableBinary2, &sink)->Begin({d}, {{"", "v"}}).code(),
            StatusCode::kInvalidArgument);
}

TEST(ResultWriterTest, RejectsBatchesThatDoNotMatch) {
  const TestTable table = MakeTestTable(3, 20);
  for (ResultFormat f : kAllFormats) {
    StringSink sink;
    auto w = MakeResultWriter(f, &sink);
    ASSERT_TRUE(w->Begin(table.fields, {}).ok());
    ColumnBatch fewer = table.batches[3];
    fewer.columns.pop_back();
    EXPECT_EQ(w->WriteBatch(fewer).code(), StatusCode::kInvalidArgument);
    ColumnBatch short_column = table.batches[3];
    short_column.columns[2].ints.pop_back();
    EXPECT_EQ(w->WriteBatch(short_column).code(), StatusCode::kInvalidArgument);
    ColumnBatch wrong_type = table.batches[3];
    wrong_type.columns[1].type.type = DataType::kBigInt;
    EXPECT_EQ(w->WriteBatch(wrong_type).code(), StatusCode::kInvalidArgument);
    // Nothing was written, and the writer is still usable.
    EXPECT_EQ(w->rows_written(), 0);
    EXPECT_TRUE(w->WriteBatch(table.batches[3]).ok());
    EXPECT_TRUE(w->End(false).ok());
  }
}

// A value that does not fit its FIELD fails the batch at that row; earlier rows stay, the bad
// row leaves no trace, and the document can still be ended with an error.
TEST(ResultWriterTest, ValuesThatDoNotFitStopAtTheRow) {
  const std::vector<FieldInfo> fields = {
      {"n", ColumnType{DataType::kSmallInt, 0}, "", "", "", "", "", "", ""},
      {"s", ColumnType{DataType::kChar, 3}, "", "", "", "", "", "", ""}};
  struct Bad {
    int64_t n;
    const char* s;
  };
  for (const Bad bad : {Bad{40000, "ok"}, Bad{1, "toolong"}}) {
    for (ResultFormat f : kAllFormats) {
      SCOPED_TRACE(std::string(ResultFormatName(f)));
      ColumnBatch b;
      b.Reset({fields[0].type, fields[1].type});
      for (int i = 0; i < 5; ++i) {
        b.columns[0].AppendInt(i == 3 ? bad.n : i);
        b.columns[1].AppendString(i == 3 ? bad.s : "abc");
      }
      b.num_rows = 5;
      StringSink sink;
      auto w = MakeResultWriter(f, &sink);
      ASSERT_TRUE(w->Begin(fields, {}).ok());
      const Status s = w->WriteBatch(b);
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
      EXPECT_NE(s.message().find("row 4"), std::string::npos) << s.message();
      EXPECT_EQ(w->rows_written(), 3);
      ASSERT_TRUE(w->EndWithError(s.message()).ok());
      const std::string& out = sink.contents();
      if (f == ResultFormat::kCsv) {
        EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4);
      }
      if (f == ResultFormat::kVOTableTableData) {
        EXPECT_EQ(out.find(bad.s == std::string("ok") ? "<TD>40000" : "<TD>toolong"),
                  std::string::npos);
        EXPECT_NE(out.find("value=\"ERROR\""), std::string::npos);
      }
    }
  }
}

class FailingSink : public ByteSink {
 public:
  explicit FailingSink(int ok_writes) : ok_writes_(ok_writes) {}
  Status Write(std::string_view) override {
    return ok_writes_-- > 0 ? Status::OK() : Status::IOError("client went away");
  }

 private:
  int ok_writes_;
};

TEST(ResultWriterTest, SinkErrorsAreFinal) {
  const TestTable table = MakeTestTable(5, 2000);
  for (ResultFormat f : kAllFormats) {
    FailingSink sink(2);
    auto w = MakeResultWriter(f, &sink, ResultWriterOptions{4096, ""});
    ASSERT_TRUE(w->Begin(table.fields, {}).ok());
    Status s;
    for (const ColumnBatch& b : table.batches) {
      s = w->WriteBatch(b);
      if (!s.ok()) break;
    }
    EXPECT_EQ(s.code(), StatusCode::kIOError);
    EXPECT_EQ(w->End(false).code(), StatusCode::kInternal);
    EXPECT_EQ(w->WriteBatch(table.batches[1]).code(), StatusCode::kInternal);
  }
}

// RFC 4648 decoding written for this test; whitespace between groups is skipped.
std::string DecodeBase64(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '\n' || c == '=') continue;
    const int v = value(c);
    EXPECT_GE(v, 0) << "bad base64 character " << static_cast<int>(c);
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

TEST(Base64Test, PiecewiseEncodingDecodesToTheInput) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::string raw(rng() % 2000, '\0');
    for (char& c : raw) c = static_cast<char>(rng());
    std::string text;
    std::string pending;
    size_t pos = 0;
    while (pos < raw.size()) {
      const size_t n = std::min<size_t>(rng() % 300, raw.size() - pos);
      pending.append(raw, pos, n);
      pos += n;
      pending.erase(0, votable_internal::AppendBase64Lines(pending, false, &text));
    }
    votable_internal::AppendBase64Lines(pending, true, &text);
    EXPECT_EQ(DecodeBase64(text), raw);
    // Lines of 76 characters, the last one shorter, each ended by LF.
    size_t count = 0;
    const size_t expected_lines = (raw.size() + 56) / 57;
    for (size_t start = 0; start < text.size();) {
      const size_t end = text.find('\n', start);
      ASSERT_NE(end, std::string::npos);
      ++count;
      if (count < expected_lines) {
        EXPECT_EQ(end - start, 76u);
      }
      start = end + 1;
    }
    EXPECT_EQ(count, expected_lines);
    const size_t padding = raw.size() % 3 == 0 ? 0 : 3 - raw.size() % 3;
    EXPECT_EQ(std::count(text.begin(), text.end(), '='), static_cast<long>(padding));
  }
}

TEST(Utf8Test, RepairsOnlyInvalidBytes) {
  std::string scratch;
  EXPECT_EQ(votable_internal::ValidUtf8("Ωé日本\xF0\x9F\x98\x80", &scratch),
            "Ωé日本\xF0\x9F\x98\x80");
  EXPECT_EQ(votable_internal::ValidUtf8("a\xFF"
                                        "b",
                                        &scratch),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(votable_internal::ValidUtf8("\xC0\xAF", &scratch),  // overlong '/'
            "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(votable_internal::ValidUtf8("\xED\xA0\x80", &scratch),  // a UTF-16 surrogate
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(votable_internal::ValidUtf8("x\xE6\x97", &scratch), "x\xEF\xBF\xBD\xEF\xBF\xBD");
}

// Bytes XML 1.0 cannot carry never reach a VOTable; all text is valid UTF-8.
TEST(ResultWriterTest, XmlOutputHasNoForbiddenCharacters) {
  FieldInfo f{
      "bad\x01name", ColumnType{DataType::kVarChar, 0}, "u\x02", "", "", "d\x1F\xFF", "", "", ""};
  ColumnBatch b;
  b.Reset({f.type});
  b.columns[0].AppendString(std::string("v\x00\x0B\xEF\xBF\xBEw\xC3", 8));
  b.num_rows = 1;
  for (ResultFormat format : {ResultFormat::kVOTableTableData, ResultFormat::kVOTableBinary2}) {
    StringSink sink;
    auto w = MakeResultWriter(format, &sink);
    ASSERT_TRUE(w->Begin({f}, {{"QUERY", "a\x07"}}).ok());
    ASSERT_TRUE(w->WriteBatch(b).ok());
    ASSERT_TRUE(w->EndWithError(std::string("boom\x00", 5)).ok());
    const std::string& out = sink.contents();
    EXPECT_TRUE(votable_internal::IsValidUtf8(out));
    for (unsigned char c : out) EXPECT_TRUE(c >= 0x20 || c == '\n' || c == '\t') << int{c};
    EXPECT_EQ(out.find("\xEF\xBF\xBE"), std::string::npos);  // U+FFFE
  }
  StringSink sink;
  ASSERT_TRUE(WriteErrorDocument(&sink, "line 1\r\n<b> & \x01").ok());
  EXPECT_TRUE(votable_internal::IsValidUtf8(sink.contents()));
  EXPECT_EQ(sink.contents().find('\r'), std::string::npos);
  EXPECT_EQ(sink.contents().find("<b>"), std::string::npos);
}

TEST(FileSinkTest, WritesAndReportsErrors) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("votable_sink_" + std::to_string(getpid()) + ".txt"))
                               .string();
  auto sink = FileSink::Open(path);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  ASSERT_TRUE((*sink)->Write("hello ").ok());
  ASSERT_TRUE((*sink)->Write("world").ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ((*sink)->Write("x").code(), StatusCode::kIOError);
  EXPECT_EQ((*sink)->Close().code(), StatusCode::kIOError);
  std::string text(64, '\0');
  std::FILE* in = std::fopen(path.c_str(), "rb");
  ASSERT_NE(in, nullptr);
  text.resize(std::fread(text.data(), 1, text.size(), in));
  std::fclose(in);
  EXPECT_EQ(text, "hello world");
  std::filesystem::remove(path);
  auto bad = FileSink::Open("/nonexistent-dir/x/y.vot");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kIOError);
  EXPECT_NE(bad.status().message().find("/nonexistent-dir/x/y.vot"), std::string::npos);
}

}  // namespace
}  // namespace skyshard::votable_test
