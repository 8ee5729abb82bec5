#include "votable/result_format.h"

#include <gtest/gtest.h>

namespace skyshard {
namespace {

struct Case {
  const char* value;
  ResultFormat format;
  const char* content_type;
};

TEST(ResultFormatTest, AcceptsTheDaliNames) {
  const Case kCases[] = {
      {"", ResultFormat::kVOTableBinary2, "application/x-votable+xml"},
      {"votable", ResultFormat::kVOTableBinary2, "application/x-votable+xml"},
      {"VOTable", ResultFormat::kVOTableBinary2, "application/x-votable+xml"},
      {"votable/b2", ResultFormat::kVOTableBinary2, "application/x-votable+xml"},
      {"votable/b", ResultFormat::kVOTableBinary, "application/x-votable+xml"},
      {"votable/td", ResultFormat::kVOTableTableData, "application/x-votable+xml"},
      {"application/x-votable+xml", ResultFormat::kVOTableBinary2, "application/x-votable+xml"},
      {"text/xml", ResultFormat::kVOTableBinary2, "text/xml"},
      {"application/x-votable+xml;serialization=BINARY2", ResultFormat::kVOTableBinary2,
       "application/x-votable+xml;serialization=BINARY2"},
      {" application/x-votable+xml ; serialization = binary ", ResultFormat::kVOTableBinary,
       "application/x-votable+xml ; serialization = binary"},
      {"application/x-votable+xml;serialization=\"TABLEDATA\"", ResultFormat::kVOTableTableData,
       "application/x-votable+xml;serialization=\"TABLEDATA\""},
      {"text/xml;serialization=TABLEDATA", ResultFormat::kVOTableTableData,
       "text/xml;serialization=TABLEDATA"},
      {"csv", ResultFormat::kCsv, "text/csv;header=present"},
      {"text/csv", ResultFormat::kCsv, "text/csv"},
      {"text/csv;header=present;charset=UTF-8", ResultFormat::kCsv,
       "text/csv;header=present;charset=UTF-8"},
      {"tsv", ResultFormat::kTsv, "text/tab-separated-values"},
      {"text/tab-separated-values", ResultFormat::kTsv, "text/tab-separated-values"},
      {"fits", ResultFormat::kFits, "application/fits"},
      {"FITS", ResultFormat::kFits, "application/fits"},
      {"application/fits", ResultFormat::kFits, "application/fits"},
  };
  for (const Case& c : kCases) {
    auto r = ParseResponseFormat(c.value);
    ASSERT_TRUE(r.ok()) << c.value << ": " << r.status().ToString();
    EXPECT_EQ(r->format, c.format) << c.value;
    EXPECT_EQ(r->content_type, c.content_type) << c.value;
  }
}

TEST(ResultFormatTest, RejectsUnsupportedAndUnknown) {
  for (const char* v :
       {"text/html", "text/plain", "parquet", "application/x-votable+xml;serialization=FITS",
        "text/csv;header=absent", "text/csv;charset=latin1"}) {
    auto r = ParseResponseFormat(v);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << v;
    EXPECT_NE(r.status().message().find(v), std::string::npos) << r.status().message();
  }
  for (const char* v :
       {"json", "votable/xyz", "application/x-votable+xml;serialization=ASCII",
        "votable;serialization=BINARY", "text/csv;foo=bar", "text/csv;header",
        "application/x-votable+xml;header=present", "application/fits;header=present",
        "fits;charset=utf-8", "application/fits;charset=utf-8"}) {
    auto r = ParseResponseFormat(v);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << v;
  }
}

TEST(ResultFormatTest, CanonicalNames) {
  for (ResultFormat f : {ResultFormat::kVOTableBinary2, ResultFormat::kVOTableBinary,
                         ResultFormat::kVOTableTableData, ResultFormat::kCsv, ResultFormat::kTsv,
                         ResultFormat::kFits}) {
    // Every short name parses back to its format.
    auto r = ParseResponseFormat(ResultFormatName(f));
    ASSERT_TRUE(r.ok()) << ResultFormatName(f);
    EXPECT_EQ(r->format, f);
    EXPECT_EQ(r->content_type, ContentType(f));
  }
}

}  // namespace
}  // namespace skyshard
