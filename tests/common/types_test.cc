#include "common/types.h"

#include <gtest/gtest.h>

#include <ctime>
#include <random>

#include "common/ascii.h"
#include "common/status.h"

namespace skyshard {
namespace {

// timegm(3) from the C library is the independent reference for the calendar arithmetic.
int64_t LibcMicros(int y, int mo, int d, int h, int mi, int s, int us) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000000 + us;
}

TEST(TimestampTest, AgreesWithLibcOverFourCenturies) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    int y = 1800 + static_cast<int>(rng() % 400), mo = 1 + static_cast<int>(rng() % 12),
        d = 1 + static_cast<int>(rng() % 28), h = static_cast<int>(rng() % 24),
        mi = static_cast<int>(rng() % 60), s = static_cast<int>(rng() % 60),
        us = static_cast<int>(rng() % 1000000);
    char text[64];
    std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%06d", y, mo, d, h, mi, s, us);
    auto parsed = ParseTimestamp(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    ASSERT_EQ(*parsed, LibcMicros(y, mo, d, h, mi, s, us)) << text;
    std::string back = FormatTimestamp(*parsed);
    std::string expected = us == 0 ? std::string(text, 19) : std::string(text);
    ASSERT_EQ(back, expected);
  }
}

TEST(TimestampTest, AcceptsTheUsualSpellings) {
  EXPECT_EQ(*ParseTimestamp("2023-05-01"), LibcMicros(2023, 5, 1, 0, 0, 0, 0));
  EXPECT_EQ(*ParseTimestamp("2023-05-01 03:04"), LibcMicros(2023, 5, 1, 3, 4, 0, 0));
  EXPECT_EQ(*ParseTimestamp("2023-05-01T03:04:05Z"), LibcMicros(2023, 5, 1, 3, 4, 5, 0));
  EXPECT_EQ(*ParseTimestamp("2023-05-01T03:04:05.5"), LibcMicros(2023, 5, 1, 3, 4, 5, 500000));
}

TEST(TimestampTest, RejectsGarbageWithAClearMessage) {
  for (const char* bad : {"", "2023", "2023-13-01", "2023-05-01T25:00", "yesterday",
                          "2023-05-01T03:04:05.", "2023-05-01X"}) {
    auto r = ParseTimestamp(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("ISO-8601"), std::string::npos);
  }
}

TEST(TimestampTest, NowIsIsoUtcAndAgreesWithTheClock) {
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  const std::string now = NowIso8601();
  const int64_t after = static_cast<int64_t>(std::time(nullptr));
  ASSERT_EQ(now.size(), 20u) << now;
  EXPECT_EQ(now.back(), 'Z');
  auto parsed = ParseTimestamp(now);
  ASSERT_TRUE(parsed.ok()) << now;
  EXPECT_GE(*parsed / 1000000, before);
  EXPECT_LE(*parsed / 1000000, after);
}

TEST(AsciiTest, FoldsOnlyAsciiLetters) {
  EXPECT_TRUE(EqualsIgnoreCase("coord_RA", "COORD_ra"));
  EXPECT_FALSE(EqualsIgnoreCase("coord_ra", "coord_rb"));
  EXPECT_FALSE(EqualsIgnoreCase("ra", "ra "));
  // Bytes outside A-Z (here UTF-8 for É and é) are compared as they are.
  EXPECT_FALSE(EqualsIgnoreCase("\xc3\x89", "\xc3\xa9"));
  EXPECT_EQ(AsciiLower("ForcedSource_ID-9"), "forcedsource_id-9");
}

TEST(TypesTest, FelisTypesMapToAdqlTypes) {
  struct Case {
    const char* felis;
    uint32_t length;
    DataType type;
    uint32_t out_length;
  } cases[] = {
      {"boolean", 0, DataType::kBoolean, 0},     {"byte", 0, DataType::kSmallInt, 0},
      {"short", 0, DataType::kSmallInt, 0},      {"int", 0, DataType::kInteger, 0},
      {"long", 0, DataType::kBigInt, 0},         {"BIGINT", 0, DataType::kBigInt, 0},
      {"float", 0, DataType::kReal, 0},          {"double", 0, DataType::kDouble, 0},
      {"char", 12, DataType::kChar, 12},         {"CHAR(16)", 0, DataType::kChar, 16},
      {"string", 0, DataType::kVarChar, 0},      {"text", 0, DataType::kVarChar, 0},
      {"timestamp", 0, DataType::kTimestamp, 0},
  };
  for (const auto& c : cases) {
    auto t = ColumnTypeFromFelis(c.felis, c.length);
    ASSERT_TRUE(t.ok()) << c.felis;
    EXPECT_EQ(t->type, c.type) << c.felis;
    EXPECT_EQ(t->length, c.out_length) << c.felis;
  }
  auto bad = ColumnTypeFromFelis("quaternion", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("quaternion"), std::string::npos);
}

TEST(StatusTest, CarriesCodeAndContext) {
  Status s = Status::InvalidArgument("bad").WithContext("file.csv:3");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "InvalidArgument: file.csv:3: bad");
  EXPECT_TRUE(Status::OK().WithContext("x").ok());
  Result<int> r(Status::NotFound("nope"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace skyshard
