// The upload reader: what the writers write reads back (BINARY2 exactly; TABLEDATA up to its
// empty-string-is-NULL rule), and hostile or broken documents fail cleanly.
#include "votable/votable_reader.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "tests/votable/test_table.h"
#include "votable/result_writer.h"

namespace skyshard {
namespace {

std::string Write(const votable_test::TestTable& table, ResultFormat format) {
  StringSink sink;
  auto writer = MakeResultWriter(format, &sink);
  EXPECT_TRUE(writer->Begin(table.fields, {}).ok());
  for (const ColumnBatch& b : table.batches) EXPECT_TRUE(writer->WriteBatch(b).ok());
  EXPECT_TRUE(writer->End(false).ok());
  return sink.contents();
}

// Compares every cell; `tabledata` relaxes what TABLEDATA cannot tell apart.
void ExpectSameRows(const votable_test::TestTable& want, const VOTableData& got, bool tabledata) {
  ASSERT_EQ(got.num_rows, want.num_rows);
  ASSERT_EQ(got.fields.size(), want.fields.size());
  size_t got_batch = 0, got_row = 0;
  for (size_t row = 0; row < want.num_rows; ++row) {
    auto [wb, wr] = want.Locate(row);
    while (got_row >= got.batches[got_batch].num_rows) {
      ++got_batch;
      got_row = 0;
    }
    const ColumnBatch& gb = got.batches[got_batch];
    for (size_t c = 0; c < want.fields.size(); ++c) {
      const ColumnVector& w = wb->columns[c];
      const ColumnVector& g = gb.columns[c];
      const DataType type = want.fields[c].type.type;
      const std::string where = want.fields[c].name + " row " + std::to_string(row);
      if (w.IsNull(wr)) {
        EXPECT_TRUE(g.IsNull(got_row)) << where;
        continue;
      }
      if (IsString(type)) {
        if (tabledata && w.strings[wr].empty()) {
          EXPECT_TRUE(g.IsNull(got_row)) << where;
          continue;
        }
        ASSERT_FALSE(g.IsNull(got_row)) << where;
        EXPECT_EQ(g.strings[got_row], w.strings[wr]) << where;
      } else if (IsFloating(type)) {
        ASSERT_FALSE(g.IsNull(got_row)) << where;
        const double a = w.doubles[wr], b = g.doubles[got_row];
        if (std::isnan(a)) {
          EXPECT_TRUE(std::isnan(b)) << where;
        } else {
          // Bit for bit (so -0.0 and 0.0 differ): compare the representations as integers.
          EXPECT_EQ(std::bit_cast<uint64_t>(a), std::bit_cast<uint64_t>(b))
              << where << ": " << a << " vs " << b;
        }
      } else {
        ASSERT_FALSE(g.IsNull(got_row)) << where;
        EXPECT_EQ(g.ints[got_row], w.ints[wr]) << where;
      }
    }
    ++got_row;
  }
}

TEST(VOTableReaderTest, Binary2RoundTripIsExact) {
  const votable_test::TestTable table = votable_test::MakeTestTable(7, 500);
  Result<VOTableData> got = ReadVOTable(Write(table, ResultFormat::kVOTableBinary2));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  for (size_t i = 0; i < table.fields.size(); ++i) {
    EXPECT_EQ(got->fields[i].name, table.fields[i].name);
    EXPECT_EQ(got->fields[i].unit, table.fields[i].unit);
    EXPECT_EQ(
        got->fields[i].type.type == DataType::kChar ? DataType::kVarChar : got->fields[i].type.type,
        table.fields[i].type.type == DataType::kChar ? DataType::kVarChar
                                                     : table.fields[i].type.type)
        << table.fields[i].name;
  }
  ExpectSameRows(table, *got, /*tabledata=*/false);
}

TEST(VOTableReaderTest, TabledataRoundTrip) {
  const votable_test::TestTable table = votable_test::MakeTestTable(8, 300);
  Result<VOTableData> got = ReadVOTable(Write(table, ResultFormat::kVOTableTableData));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameRows(table, *got, /*tabledata=*/true);
}

TEST(VOTableReaderTest, BinaryReads) {
  const votable_test::TestTable table = votable_test::MakeTestTable(9, 100);
  Result<VOTableData> got = ReadVOTable(Write(table, ResultFormat::kVOTableBinary));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->num_rows, 100u);
}

TEST(VOTableReaderTest, TypesNullsAndArrays) {
  const char* doc =
      "<VOTABLE><RESOURCE><TABLE name=\"t\">"
      "<FIELD name=\"i\" datatype=\"int\"><VALUES null=\"-1\"/></FIELD>"
      "<FIELD name=\"b\" datatype=\"boolean\"/>"
      "<FIELD name=\"u\" datatype=\"unsignedByte\"/>"
      "<FIELD name=\"p\" datatype=\"double\" arraysize=\"2\" xtype=\"point\"/>"
      "<FIELD name=\"c\" datatype=\"char\"/>"
      "<FIELD name=\"ts\" datatype=\"char\" arraysize=\"*\" xtype=\"timestamp\"/>"
      "<DATA><TABLEDATA>"
      "<TR><TD>-1</TD><TD>T</TD><TD>255</TD><TD>1.5 "
      "2</TD><TD>x</TD><TD>2020-01-02T03:04:05</TD></TR>"
      "<TR><TD>0x10</TD><TD>?</TD><TD/><TD/><TD/><TD/></TR>"
      "</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>";
  Result<VOTableData> got = ReadVOTable(doc);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "t");
  EXPECT_EQ(got->fields[0].type.type, DataType::kInteger);
  EXPECT_EQ(got->fields[2].type.type, DataType::kSmallInt);
  EXPECT_EQ(got->fields[3].type.type, DataType::kVarChar);
  EXPECT_EQ(got->fields[4].type, (ColumnType{DataType::kChar, 1}));
  EXPECT_EQ(got->fields[5].type.type, DataType::kTimestamp);
  const ColumnBatch& b = got->batches[0];
  EXPECT_TRUE(b.columns[0].IsNull(0));
  EXPECT_EQ(b.columns[0].ints[1], 16);
  EXPECT_EQ(b.columns[1].ints[0], 1);
  EXPECT_TRUE(b.columns[1].IsNull(1));
  EXPECT_EQ(b.columns[3].strings[0], "1.5 2");
  EXPECT_EQ(b.columns[5].ints[0], 1577934245000000);
  EXPECT_TRUE(b.columns[5].IsNull(1));
}

// An uploaded char column comes back as char and a unicodeChar one as unicodeChar (taplint's
// upload stage compares them), in every serialization, with the same values.
TEST(VOTableReaderTest, CharAndUnicodeCharKeepTheirDatatype) {
  const char* doc =
      "<VOTABLE><RESOURCE><TABLE>"
      "<FIELD name=\"c\" datatype=\"char\" arraysize=\"*\"/>"
      "<FIELD name=\"u\" datatype=\"unicodeChar\" arraysize=\"*\"/>"
      "<FIELD name=\"c1\" datatype=\"char\"/>"
      "<DATA><TABLEDATA><TR><TD>abc</TD><TD>\xC3\xA9t\xC3\xA9</TD><TD>x</TD></TR>"
      "</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>";
  Result<VOTableData> got = ReadVOTable(doc);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->fields[0].datatype, "char");
  EXPECT_EQ(got->fields[1].datatype, "");
  EXPECT_EQ(got->fields[2].datatype, "char");
  for (ResultFormat format : {ResultFormat::kVOTableTableData, ResultFormat::kVOTableBinary,
                              ResultFormat::kVOTableBinary2}) {
    StringSink sink;
    auto writer = MakeResultWriter(format, &sink);
    ASSERT_TRUE(writer->Begin(got->fields, {}).ok());
    for (const ColumnBatch& b : got->batches) ASSERT_TRUE(writer->WriteBatch(b).ok());
    ASSERT_TRUE(writer->End(false).ok());
    EXPECT_NE(sink.contents().find("<FIELD name=\"c\" datatype=\"char\" arraysize=\"*\""),
              std::string::npos)
        << sink.contents();
    EXPECT_NE(sink.contents().find("<FIELD name=\"u\" datatype=\"unicodeChar\" arraysize=\"*\""),
              std::string::npos)
        << sink.contents();
    EXPECT_NE(sink.contents().find("<FIELD name=\"c1\" datatype=\"char\""), std::string::npos);
    Result<VOTableData> back = ReadVOTable(sink.contents());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->fields[0].datatype, "char");
    EXPECT_EQ(back->fields[1].datatype, "");
    EXPECT_EQ(back->batches[0].columns[0].strings[0], "abc");
    EXPECT_EQ(back->batches[0].columns[1].strings[0], "\xC3\xA9t\xC3\xA9");
    EXPECT_EQ(back->batches[0].columns[2].strings[0], "x");
  }
}

TEST(VOTableReaderTest, RefusesHostileAndBrokenDocuments) {
  struct Case {
    const char* doc;
    StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {"<?xml version=\"1.0\"?><!DOCTYPE v [<!ENTITY a \"aaaa\">]><VOTABLE><RESOURCE><TABLE>"
       "<FIELD name=\"x\" datatype=\"char\" arraysize=\"*\"/><DATA><TABLEDATA><TR><TD>&a;</TD>"
       "</TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>",
       StatusCode::kUnsupported, "DOCTYPE"},
      {"<VOTABLE><RESOURCE>", StatusCode::kInvalidArgument, "not well-formed"},
      {"<html/>", StatusCode::kInvalidArgument, "not a VOTable"},
      {"<VOTABLE><RESOURCE/></VOTABLE>", StatusCode::kInvalidArgument, "no TABLE"},
      {"<VOTABLE><TABLE><FIELD name=\"x\"/></TABLE></VOTABLE>", StatusCode::kInvalidArgument,
       "no datatype"},
      {"<VOTABLE><TABLE><FIELD name=\"x\" datatype=\"int\"/><FIELD name=\"X\" datatype=\"int\"/>"
       "</TABLE></VOTABLE>",
       StatusCode::kInvalidArgument, "two columns"},
      {"<VOTABLE><TABLE><FIELD name=\"x\" datatype=\"short\"/><DATA><TABLEDATA><TR><TD>70000</TD>"
       "</TR></TABLEDATA></DATA></TABLE></VOTABLE>",
       StatusCode::kInvalidArgument, "does not fit"},
      {"<VOTABLE><TABLE><FIELD name=\"x\" datatype=\"int\"/><DATA><TABLEDATA><TR><TD>1</TD><TD>2"
       "</TD></TR></TABLEDATA></DATA></TABLE></VOTABLE>",
       StatusCode::kInvalidArgument, "more than 1 cells"},
      {"<VOTABLE><TABLE><FIELD name=\"x\" datatype=\"long\"/><DATA><BINARY2><STREAM "
       "encoding=\"base64\">AAAA</STREAM></BINARY2></DATA></TABLE></VOTABLE>",
       StatusCode::kInvalidArgument, "ends inside"},
      {"<VOTABLE><TABLE><FIELD name=\"x\" datatype=\"doubleComplex\"/></TABLE></VOTABLE>",
       StatusCode::kUnsupported, "complex"},
      {"<VOTABLE><TABLE><FIELD name=\"x\" datatype=\"int\"/><DATA><FITS/></DATA></TABLE></VOTABLE>",
       StatusCode::kUnsupported, "FITS"},
  };
  for (const Case& c : cases) {
    Result<VOTableData> got = ReadVOTable(c.doc);
    ASSERT_FALSE(got.ok()) << c.doc;
    EXPECT_EQ(got.status().code(), c.code) << got.status().ToString();
    EXPECT_NE(got.status().message().find(c.message), std::string::npos) << got.status().ToString();
  }
}

TEST(VOTableReaderTest, Limits) {
  std::string doc = "<VOTABLE><TABLE><FIELD name=\"x\" datatype=\"int\"/><DATA><TABLEDATA>";
  for (int i = 0; i < 11; ++i) doc += "<TR><TD>1</TD></TR>";
  doc += "</TABLEDATA></DATA></TABLE></VOTABLE>";
  VOTableReadOptions options;
  options.max_rows = 10;
  EXPECT_EQ(ReadVOTable(doc, options).status().code(), StatusCode::kLimitExceeded);
  options.max_rows = 11;
  options.batch_rows = 4;
  Result<VOTableData> got = ReadVOTable(doc, options);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->batches.size(), 3u);
  options.max_bytes = 10;
  EXPECT_EQ(ReadVOTable(doc, options).status().code(), StatusCode::kLimitExceeded);
}

}  // namespace
}  // namespace skyshard
