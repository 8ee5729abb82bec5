#include "storage/row_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <tuple>

#include "common/column_batch.h"

namespace skyshard {
namespace {

// Every type; strings both short (a fixed width: char(1), char(8)) and not (varchar without a
// length, char(40)).
std::vector<ColumnType> AllTypes() {
  return {{DataType::kSmallInt, 0}, {DataType::kInteger, 0}, {DataType::kBigInt, 0},
          {DataType::kReal, 0},     {DataType::kDouble, 0},  {DataType::kBoolean, 0},
          {DataType::kChar, 8},     {DataType::kVarChar, 0}, {DataType::kTimestamp, 0},
          {DataType::kChar, 1},     {DataType::kChar, 40}};
}

bool IsShortString(const ColumnType& t) {
  return IsString(t.type) && t.length > 0 && t.length <= kShortStringMax;
}

// Fills a batch with random values (extremes included) and random NULLs.
ColumnBatch RandomBatch(const std::vector<ColumnType>& types, size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ColumnBatch b;
  b.Reset(types);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < types.size(); ++c) {
      ColumnVector& col = b.columns[c];
      if (rng() % 5 == 0) {
        col.AppendNull();
        continue;
      }
      const bool extreme = rng() % 7 == 0;
      switch (types[c].type) {
        case DataType::kSmallInt:
          col.AppendInt(extreme ? std::numeric_limits<int16_t>::min()
                                : static_cast<int16_t>(rng()));
          break;
        case DataType::kInteger:
          col.AppendInt(extreme ? std::numeric_limits<int32_t>::max()
                                : static_cast<int32_t>(rng()));
          break;
        case DataType::kBigInt:
        case DataType::kTimestamp:
          col.AppendInt(extreme ? std::numeric_limits<int64_t>::min()
                                : static_cast<int64_t>(rng()));
          break;
        case DataType::kBoolean:
          col.AppendInt(static_cast<int64_t>(rng() % 2));
          break;
        case DataType::kReal:
          col.AppendDouble(extreme ? -0.0
                                   : static_cast<float>(std::ldexp(
                                         static_cast<double>(rng() % 100000) - 50000, -7)));
          break;
        case DataType::kDouble:
          col.AppendDouble(extreme ? std::numeric_limits<double>::denorm_min()
                                   : std::ldexp(static_cast<double>(rng()), -40));
          break;
        case DataType::kChar:
        case DataType::kVarChar: {
          // Up to the declared length (the readers refuse longer values), empty included.
          size_t most = extreme ? 300 : 9;
          if (types[c].length > 0) most = std::min<size_t>(most, types[c].length);
          std::string s(rng() % (most + 1), 'x');
          for (char& ch : s) ch = static_cast<char>(rng() % 256);
          col.AppendString(std::move(s));
          break;
        }
      }
    }
    ++b.num_rows;
  }
  return b;
}

// The size the documented format gives a row (docs/storage.md), computed from the values.
size_t ExpectedSize(const ColumnBatch& b, size_t row) {
  size_t n = (b.columns.size() + 7) / 8;
  for (const auto& col : b.columns) {
    if (col.IsNull(row)) continue;
    if (IsShortString(col.type)) {
      n += 1 + col.type.length;
    } else if (IsString(col.type.type)) {
      size_t len = col.strings[row].size();
      n += (len < 128 ? 1 : len < 16384 ? 2 : 3) + len;
    } else {
      n += FixedWidth(col.type.type);
    }
  }
  return n;
}

TEST(RowCodecTest, EveryTypeAndNullRoundTrips) {
  const auto types = AllTypes();
  ColumnBatch in = RandomBatch(types, 2000, 42);
  std::vector<int> identity;
  for (size_t i = 0; i < types.size(); ++i) identity.push_back(static_cast<int>(i));
  RowEncoder enc(types);
  RowDecoder dec(types);
  ColumnBatch out;
  out.Reset(types);
  for (size_t r = 0; r < in.num_rows; ++r) {
    std::string bytes;
    ASSERT_TRUE(enc.Encode(in, identity, r, &bytes));
    ASSERT_EQ(bytes.size(), ExpectedSize(in, r)) << "row " << r;
    ASSERT_TRUE(dec.DecodeInto(bytes, "", identity, &out).ok());
  }
  for (size_t c = 0; c < types.size(); ++c) {
    const auto& a = in.columns[c];
    const auto& b = out.columns[c];
    ASSERT_EQ(a.nulls, b.nulls) << "column " << c;
    for (size_t r = 0; r < in.num_rows; ++r) {
      if (a.IsNull(r)) continue;
      if (IsIntegerLike(types[c].type)) {
        ASSERT_EQ(a.ints[r], b.ints[r]);
      } else if (IsFloating(types[c].type)) {
        // Bit-exact, including the sign of zero.
        ASSERT_EQ(std::signbit(a.doubles[r]), std::signbit(b.doubles[r]));
        ASSERT_EQ(a.doubles[r], b.doubles[r]);
      } else {
        ASSERT_EQ(a.strings[r], b.strings[r]);
      }
    }
  }
}

// The loader binds each batch once (RowEncoder::Bind) and encodes its rows from the binding,
// with the batch's columns in the file's order: every row encodes to the bytes of the same
// row taken from a batch in table order.
TEST(RowCodecTest, BoundBatchInFileOrderEncodesAsTableOrder) {
  const auto types = AllTypes();
  const ColumnBatch table_order = RandomBatch(types, 500, 7);
  // The file holds the table's columns in another order: file column f is table column
  // from[f], so table column i is file column map[i].
  std::vector<int> from(types.size());
  for (size_t f = 0; f < from.size(); ++f) from[f] = static_cast<int>((f * 5 + 3) % types.size());
  std::vector<int> map(types.size()), identity(types.size());
  ColumnBatch file_order;
  std::vector<ColumnType> file_types;
  for (size_t f = 0; f < from.size(); ++f)
    file_types.push_back(types[static_cast<size_t>(from[f])]);
  file_order.Reset(file_types);
  for (size_t f = 0; f < from.size(); ++f) {
    file_order.columns[f] = table_order.columns[static_cast<size_t>(from[f])];
    map[static_cast<size_t>(from[f])] = static_cast<int>(f);
  }
  file_order.num_rows = table_order.num_rows;
  for (size_t i = 0; i < identity.size(); ++i) identity[i] = static_cast<int>(i);
  const RowEncoder enc(types, {-1, -1, 0, -1, -1, -1, -1, -1, -1, -1, -1});  // bigint in the key
  RowEncoder::BoundBatch bound;
  enc.Bind(file_order, map, &bound);
  std::string bound_rows, table_rows;
  for (size_t r = 0; r < table_order.num_rows; ++r) {
    ASSERT_TRUE(enc.Encode(bound, r, &bound_rows));
    ASSERT_TRUE(enc.Encode(table_order, identity, r, &table_rows));
    ASSERT_EQ(bound_rows, table_rows) << "row " << r;
  }
}

TEST(RowCodecTest, ProjectionReordersAndRepeatsColumns) {
  const auto types = AllTypes();
  ColumnBatch in = RandomBatch(types, 50, 3);
  std::vector<int> identity;
  for (size_t i = 0; i < types.size(); ++i) identity.push_back(static_cast<int>(i));
  RowEncoder enc(types);
  RowDecoder dec(types);
  const std::vector<int> projection = {7, 2, 2, 0};
  ColumnBatch out;
  out.Reset({types[7], types[2], types[2], types[0]});
  for (size_t r = 0; r < in.num_rows; ++r) {
    std::string bytes;
    enc.Encode(in, identity, r, &bytes);
    ASSERT_TRUE(dec.DecodeInto(bytes, "", projection, &out).ok());
  }
  for (size_t r = 0; r < in.num_rows; ++r) {
    ASSERT_EQ(out.columns[0].IsNull(r), in.columns[7].IsNull(r));
    if (!in.columns[7].IsNull(r)) {
      ASSERT_EQ(out.columns[0].strings[r], in.columns[7].strings[r]);
    }
    ASSERT_EQ(out.columns[1].IsNull(r), in.columns[2].IsNull(r));
    if (!in.columns[2].IsNull(r)) {
      ASSERT_EQ(out.columns[1].ints[r], in.columns[2].ints[r]);
      ASSERT_EQ(out.columns[2].ints[r], in.columns[2].ints[r]);
    }
    if (!in.columns[0].IsNull(r)) {
      ASSERT_EQ(out.columns[3].ints[r], in.columns[0].ints[r]);
    }
  }
}

// Columns the key carries are left out of the value and read back from the key.
TEST(RowCodecTest, KeyColumnsComeFromTheKey) {
  const std::vector<ColumnType> types = {
      {DataType::kBigInt, 0}, {DataType::kDouble, 0}, {DataType::kBigInt, 0}};
  // Key layout of this test: 4 junk bytes, column 2 at offset 4, column 0 at offset 12, both as
  // big-endian int64 with the sign bit flipped (docs/storage.md).
  auto put = [](std::string* k, int64_t v) {
    uint64_t u = static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
    for (int i = 7; i >= 0; --i) k->push_back(static_cast<char>(u >> (8 * i)));
  };
  RowEncoder enc(types, {12, -1, 4});
  RowDecoder dec(types, {12, -1, 4});
  ColumnBatch in;
  in.Reset(types);
  in.columns[0].AppendInt(-5);
  in.columns[1].AppendDouble(2.5);
  in.columns[2].AppendInt(INT64_MAX);
  in.columns[0].AppendInt(7);
  in.columns[1].AppendNull();
  in.columns[2].AppendNull();  // a NULL key column (an orphan's parent): the bitmap says so
  in.num_rows = 2;
  std::vector<int> identity = {0, 1, 2};
  ColumnBatch out;
  out.Reset(types);
  for (size_t r = 0; r < 2; ++r) {
    std::string value;
    enc.Encode(in, identity, r, &value);
    EXPECT_EQ(value.size(), r == 0 ? 1u + 8u : 1u);  // bitmap (+ the double)
    std::string key = "junk";
    put(&key, r == 0 ? INT64_MAX : 0);
    put(&key, r == 0 ? -5 : 7);
    ASSERT_TRUE(dec.DecodeInto(value, key, identity, &out).ok());
  }
  EXPECT_EQ(out.columns[0].ints, (std::vector<int64_t>{-5, 7}));
  EXPECT_EQ(out.columns[1].doubles[0], 2.5);
  EXPECT_TRUE(out.columns[1].IsNull(1));
  EXPECT_EQ(out.columns[2].ints[0], INT64_MAX);
  EXPECT_TRUE(out.columns[2].IsNull(1));
  std::string value;
  enc.Encode(in, identity, 0, &value);
  EXPECT_EQ(dec.DecodeInto(value, "short", identity, &out).code(), StatusCode::kCorruption);
}

TEST(RowCodecTest, DamagedRowsAreCorruptionNotCrashes) {
  const auto types = AllTypes();
  ColumnBatch in = RandomBatch(types, 200, 9);
  std::vector<int> identity;
  for (size_t i = 0; i < types.size(); ++i) identity.push_back(static_cast<int>(i));
  RowEncoder enc(types);
  RowDecoder dec(types);
  int corrupt = 0;
  for (size_t r = 0; r < in.num_rows; ++r) {
    std::string bytes;
    enc.Encode(in, identity, r, &bytes);
    ColumnBatch out;
    out.Reset(types);
    // Every proper prefix must be rejected: the format has no optional tail.
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      Status s = dec.DecodeInto(std::string_view(bytes).substr(0, cut), "", identity, &out);
      if (!s.ok()) {
        ++corrupt;
        ASSERT_EQ(s.code(), StatusCode::kCorruption);
      } else {
        // A prefix can only decode if what was cut is exactly trailing... which never
        // happens: all bytes belong to some column.
        FAIL() << "prefix of length " << cut << " of " << bytes.size() << " decoded";
      }
      out.Reset(types);
    }
    Status s = dec.DecodeInto(bytes + "x", "", identity, &out);
    ASSERT_EQ(s.code(), StatusCode::kCorruption);
  }
  EXPECT_GT(corrupt, 0);
}

// A table wide enough for several NULL-bitmap groups, strings in some of them, decoded through
// random projections (duplicates, reordering, nothing at all): the scan decoder skips the
// columns that are not projected, and must still give exactly the encoded values.
std::vector<ColumnType> WideTypes() {
  std::vector<ColumnType> types;
  const auto all = AllTypes();
  for (size_t i = 0; i < 29; ++i) {
    // Variable-width strings only in the first and third groups; groups 2 and 4 are
    // fixed-width, short strings included.
    ColumnType t = all[i % all.size()];
    if (IsString(t.type) && !IsShortString(t) && (i / 8) % 2 == 1) t = {DataType::kDouble, 0};
    types.push_back(t);
  }
  return types;
}

TEST(RowCodecTest, ProjectedDecoderSkipsWhatIsNotProjected) {
  const auto types = WideTypes();
  ColumnBatch in = RandomBatch(types, 300, 17);
  std::vector<int> identity;
  for (size_t i = 0; i < types.size(); ++i) identity.push_back(static_cast<int>(i));
  RowEncoder enc(types);
  std::vector<std::string> rows(in.num_rows);
  for (size_t r = 0; r < in.num_rows; ++r) enc.Encode(in, identity, r, &rows[r]);
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<int> projection;
    const size_t n = trial == 0 ? 0 : 1 + rng() % 6;
    for (size_t j = 0; j < n; ++j) projection.push_back(static_cast<int>(rng() % types.size()));
    std::vector<ColumnType> out_types;
    for (int c : projection) out_types.push_back(types[static_cast<size_t>(c)]);
    ProjectedRowDecoder dec(types, {}, projection);
    ColumnBatch out;
    out.Reset(out_types);
    for (const std::string& row : rows) ASSERT_TRUE(dec.DecodeInto(row, "", &out).ok());
    for (size_t j = 0; j < projection.size(); ++j) {
      const ColumnVector& a = in.columns[static_cast<size_t>(projection[j])];
      const ColumnVector& b = out.columns[j];
      ASSERT_EQ(a.nulls, b.nulls) << "trial " << trial << " column " << projection[j];
      for (size_t r = 0; r < in.num_rows; ++r) {
        if (a.IsNull(r)) continue;
        if (IsIntegerLike(a.type.type)) {
          ASSERT_EQ(a.ints[r], b.ints[r]);
        } else if (IsFloating(a.type.type)) {
          ASSERT_EQ(std::signbit(a.doubles[r]), std::signbit(b.doubles[r]));
          ASSERT_EQ(a.doubles[r], b.doubles[r]);
        } else {
          ASSERT_EQ(a.strings[r], b.strings[r]);
        }
      }
    }
  }
}

// Skipping a column must not skip the length check: a cut row or a trailing byte is
// Corruption whatever the projection.
TEST(RowCodecTest, ProjectedDecoderChecksTheWholeRow) {
  const auto types = WideTypes();
  ColumnBatch in = RandomBatch(types, 40, 23);
  std::vector<int> identity;
  for (size_t i = 0; i < types.size(); ++i) identity.push_back(static_cast<int>(i));
  RowEncoder enc(types);
  for (const std::vector<int>& projection :
       std::vector<std::vector<int>>{{}, {0}, {10}, {28, 28}, {20, 3}}) {
    std::vector<ColumnType> out_types;
    for (int c : projection) out_types.push_back(types[static_cast<size_t>(c)]);
    ProjectedRowDecoder dec(types, {}, projection);
    for (size_t r = 0; r < in.num_rows; ++r) {
      std::string bytes;
      enc.Encode(in, identity, r, &bytes);
      ColumnBatch out;
      out.Reset(out_types);
      for (size_t cut = 0; cut < bytes.size(); ++cut) {
        Status s = dec.DecodeInto(std::string_view(bytes).substr(0, cut), "", &out);
        ASSERT_EQ(s.code(), StatusCode::kCorruption) << "cut " << cut << " of " << bytes.size();
        out.Reset(out_types);
      }
      ASSERT_EQ(dec.DecodeInto(bytes + "x", "", &out).code(), StatusCode::kCorruption);
    }
  }
}

// A string longer than its column's declared length has no encoding (a short one would not fit
// its fixed width): Encode refuses it and leaves the output as it was.
TEST(RowCodecTest, EncoderRefusesAStringLongerThanItsColumn) {
  const std::vector<ColumnType> types = {
      {DataType::kChar, 2}, {DataType::kVarChar, 40}, {DataType::kVarChar, 0}};
  const std::vector<int> identity = {0, 1, 2};
  RowEncoder enc(types);
  RowDecoder dec(types);
  auto row = [&](std::string a, std::string b) {
    ColumnBatch batch;
    batch.Reset(types);
    batch.columns[0].AppendString(std::move(a));
    batch.columns[1].AppendString(std::move(b));
    batch.columns[2].AppendString(std::string(1000, 'z'));  // no declared length: any size
    batch.num_rows = 1;
    return batch;
  };
  for (const auto& [a, b, ok] : std::vector<std::tuple<std::string, std::string, bool>>{
           {"ab", std::string(40, 'y'), true},
           {"", "", true},
           {"abc", "", false},
           {"ab", std::string(41, 'y'), false}}) {
    std::string out = "before";
    const ColumnBatch batch = row(a, b);
    ASSERT_EQ(enc.Encode(batch, identity, 0, &out), ok) << a << " / " << b.size();
    if (!ok) {
      EXPECT_EQ(out, "before");
      continue;
    }
    ColumnBatch back;
    back.Reset(types);
    ASSERT_TRUE(dec.DecodeInto(std::string_view(out).substr(6), "", identity, &back).ok());
    EXPECT_EQ(back.columns[0].strings[0], a);
    EXPECT_EQ(back.columns[1].strings[0], b);
    EXPECT_EQ(back.columns[2].strings[0], std::string(1000, 'z'));
  }
}

// A short string's length byte beyond its width (a damaged record) is Corruption when the
// column is decoded, in a fixed-width group (the table lookup path) and in a group walked
// column by column (one with a variable-width string).
TEST(RowCodecTest, ShortStringLengthBeyondItsWidthIsCorruption) {
  for (const std::vector<ColumnType>& types :
       std::vector<std::vector<ColumnType>>{{{DataType::kInteger, 0}, {DataType::kChar, 3}},
                                            {{DataType::kVarChar, 0}, {DataType::kChar, 3}}}) {
    ColumnBatch batch;
    batch.Reset(types);
    if (types[0].type == DataType::kInteger) {
      batch.columns[0].AppendInt(7);
    } else {
      batch.columns[0].AppendString("v");
    }
    batch.columns[1].AppendString("abc");
    batch.num_rows = 1;
    RowEncoder enc(types);
    std::string bytes;
    ASSERT_TRUE(enc.Encode(batch, {0, 1}, 0, &bytes));
    // The bitmap, the first column (4 bytes, or a length and "v"), then 1 + 3 bytes.
    ASSERT_EQ(bytes.size(), (types[0].type == DataType::kInteger ? 5u : 3u) + 4u);
    ASSERT_EQ(bytes[bytes.size() - 4], 3);  // the length byte
    for (char bad : {4, 9, -1}) {
      std::string damaged = bytes;
      damaged[damaged.size() - 4] = bad;
      ProjectedRowDecoder dec(types, {}, {1});
      ColumnBatch out;
      out.Reset({types[1]});
      const Status s = dec.DecodeInto(damaged, "", &out);
      EXPECT_EQ(s.code(), StatusCode::kCorruption) << static_cast<int>(bad);
      // Not projected, the column is stepped over by its width: the row still decodes.
      ProjectedRowDecoder first(types, {}, {0});
      ColumnBatch out0;
      out0.Reset({types[0]});
      EXPECT_TRUE(first.DecodeInto(damaged, "", &out0).ok());
    }
  }
}

}  // namespace
}  // namespace skyshard
