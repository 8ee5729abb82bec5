#include "storage/page_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "storage/internal/keys.h"
#include "storage/row_codec.h"

namespace skyshard {
namespace {

constexpr uint64_t kSign = uint64_t{1} << 63;

// A table of every type, stored as `kind` (key-carried columns as the catalog would make them).
TableDef MakeTable(TableKind kind) {
  TableDef t;
  t.name = "T";
  t.id = 7;
  t.kind = kind;
  auto add = [&](const std::string& name, DataType type) {
    ColumnDef c;
    c.name = name;
    c.type = ColumnType{type, 0};
    t.columns.push_back(c);
  };
  add("id", DataType::kBigInt);
  add("parent", DataType::kBigInt);
  add("s16", DataType::kSmallInt);
  add("i32", DataType::kInteger);
  add("i64", DataType::kBigInt);
  add("b", DataType::kBoolean);
  add("f32", DataType::kReal);
  add("f64", DataType::kDouble);
  add("ts", DataType::kTimestamp);
  add("c", DataType::kChar);
  add("vc", DataType::kVarChar);
  t.primary_key = "id";
  if (kind == TableKind::kChild) {
    t.parent_key = "parent";
    t.parent_table = "P";
  }
  return t;
}

// Rows and keys of a page, made up independently of the codec.
struct Rows {
  ColumnBatch batch;
  std::vector<uint64_t> keys;  // n x key_components ordered values
  size_t n = 0;
};

std::string RandomString(std::mt19937_64& rng) {
  static const char* kSamples[] = {"", "r", "ü-band ☃", "日本語", "a\0b"};
  switch (rng() % 4) {
    case 0:
      return kSamples[rng() % 5];
    case 1:
      return std::string(rng() % 3000, static_cast<char>('a' + rng() % 26));
    default: {
      std::string s(rng() % 12, ' ');
      for (char& ch : s) ch = static_cast<char>(rng() % 256);  // any bytes, NUL included
      return s;
    }
  }
}

// `null_mode`: 0 no NULLs, 1 some, 2 every value NULL (key components themselves never are).
Rows MakeRows(const PageLayout& layout, size_t n, int null_mode, std::mt19937_64& rng) {
  Rows r;
  r.n = n;
  r.batch.Reset(layout.types);
  const size_t k = layout.key_components;
  // Strictly increasing keys: each row's first component grows or repeats with a larger tail.
  uint64_t comp[3] = {rng() % 1000, kSign - 5 + rng() % 10, kSign - 3};
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) {
      const size_t which = rng() % k;  // bump one component, reset the later ones
      comp[which] += 1 + rng() % 3;
      for (size_t c = which + 1; c < k; ++c) comp[c] = kSign - 20 + rng() % 40;
    }
    for (size_t c = 0; c < k; ++c) r.keys.push_back(comp[c]);
  }
  for (size_t j = 0; j < layout.types.size(); ++j) {
    ColumnVector& col = r.batch.columns[j];
    for (size_t i = 0; i < n; ++i) {
      const bool null = null_mode == 2 || (null_mode == 1 && rng() % 3 == 0);
      if (layout.key_component[j] >= 0) {
        // A key-carried column is its key component, or NULL (an orphan's parent key).
        const uint64_t v = r.keys[i * k + static_cast<size_t>(layout.key_component[j])] ^ kSign;
        const bool can_be_null = layout.key_component[j] == 1 && k == 3;
        if (null && can_be_null) {
          col.AppendNull();
        } else {
          col.AppendInt(static_cast<int64_t>(v));
        }
        continue;
      }
      if (null) {
        col.AppendNull();
        continue;
      }
      switch (layout.types[j].type) {
        case DataType::kSmallInt:
          col.AppendInt(static_cast<int16_t>(rng()));
          break;
        case DataType::kInteger:
          col.AppendInt(static_cast<int32_t>(rng()));
          break;
        case DataType::kBigInt:
        case DataType::kTimestamp:
          col.AppendInt(static_cast<int64_t>(rng()));
          break;
        case DataType::kBoolean:
          col.AppendInt(static_cast<int64_t>(rng() % 2));
          break;
        case DataType::kReal:
          col.AppendDouble(static_cast<float>(std::ldexp(static_cast<double>(rng() % 100000), -7)));
          break;
        case DataType::kDouble: {
          double d;
          const uint64_t bits = rng();
          std::memcpy(&d, &bits, 8);
          col.AppendDouble(d);  // any bits: NaN payloads and denormals must come back as they are
          break;
        }
        case DataType::kChar:
        case DataType::kVarChar: {
          std::string v = RandomString(rng);
          const uint32_t length = layout.types[j].length;
          if (length > 0 && v.size() > length) v.resize(rng() % (length + 1));
          col.AppendString(v);
          break;
        }
      }
    }
  }
  return r;
}

void SizeColumn(ColumnVector* c, size_t n) {
  c->nulls.assign(n, 7);
  c->ints.assign(n, 12345);
  c->doubles.assign(n, 0.5);
  c->strings.assign(n, "junk");
}

// Checks rows [begin, end) of column j decoded by `view` against the source rows.
void ExpectSlice(const PageView& view, const Rows& rows, size_t j, size_t begin, size_t end) {
  ColumnVector out;
  out.type = rows.batch.columns[j].type;
  SizeColumn(&out, end - begin + 2);
  ASSERT_TRUE(view.DecodeColumn(j, begin, end, &out, 1).ok());
  const ColumnVector& src = rows.batch.columns[j];
  for (size_t i = begin; i < end; ++i) {
    const size_t o = i - begin + 1;
    ASSERT_EQ(out.nulls[o], src.nulls[i]) << "column " << j << " row " << i;
    if (src.nulls[i] != 0) continue;
    if (IsIntegerLike(src.type.type)) {
      ASSERT_EQ(out.ints[o], src.ints[i]) << "column " << j << " row " << i;
    } else if (IsFloating(src.type.type)) {
      // Bit for bit: NaN payloads included.
      ASSERT_EQ(std::bit_cast<uint64_t>(out.doubles[o]), std::bit_cast<uint64_t>(src.doubles[i]))
          << "column " << j << " row " << i;
    } else {
      ASSERT_EQ(out.strings[o], src.strings[i]) << "column " << j << " row " << i;
    }
  }
  // Rows outside the slice are untouched.
  EXPECT_EQ(out.nulls[0], 7);
  EXPECT_EQ(out.nulls[end - begin + 1], 7);
}

std::string Encode(const PageLayout& layout, const Rows& rows) {
  std::string page;
  EncodePage(layout, rows.keys.data(), rows.batch, rows.n, &page);
  return page;
}

// MakeTable(kind) with short strings too: char(1) and varchar(8), which run records hold at a
// fixed width.
TableDef MakeTableWithShortStrings(TableKind kind) {
  TableDef t = MakeTable(kind);
  for (const auto& [name, type, length] :
       {std::tuple{"band", DataType::kChar, 1u}, std::tuple{"tag", DataType::kVarChar, 8u}}) {
    ColumnDef c;
    c.name = name;
    c.type = ColumnType{type, length};
    t.columns.insert(t.columns.begin() + 3, c);  // into the first NULL-bitmap group
  }
  return t;
}

// Run records (value, key) of `rows`, as the loader writes them (storage/row_codec.h).
std::vector<std::pair<std::string, std::string>> RunRecords(const TableDef& table,
                                                            const PageLayout& layout,
                                                            const Rows& rows) {
  std::vector<int> identity(layout.types.size());
  for (size_t j = 0; j < identity.size(); ++j) identity[j] = static_cast<int>(j);
  const RowEncoder encoder(layout.types, keys::KeyColumnOffsets(table));
  std::vector<std::pair<std::string, std::string>> records;
  for (size_t i = 0; i < rows.n; ++i) {
    std::string value, key = keys::RowPrefix(table.id);
    EXPECT_TRUE(encoder.Encode(rows.batch, identity, i, &value));
    for (size_t c = 0; c < layout.key_components; ++c) {
      keys::PutU64(&key, rows.keys[i * layout.key_components + c]);
    }
    records.emplace_back(std::move(value), std::move(key));
  }
  return records;
}

// The loader's path, run records scattered into PageColumns, gives the very bytes of the page
// written from the rows' ColumnBatch, for every kind of table, type and NULL pattern, and for
// a second page made with the same PageColumns.
TEST(PageCodecTest, PagesFromRunRecordsEqualPagesFromTheirColumns) {
  std::mt19937_64 rng(29);
  for (TableKind kind : {TableKind::kPlain, TableKind::kSpatial, TableKind::kChild}) {
    const TableDef table = MakeTableWithShortStrings(kind);
    const PageLayout layout = PageLayout::ForTable(table);
    const ProjectedRowDecoder decoder(layout.types, keys::KeyColumnOffsets(table), {});
    PageColumns columns;
    columns.Reset(layout, 80);
    for (int null_mode = 0; null_mode < 3; ++null_mode) {
      for (size_t n : {1, 9, 80, 3}) {
        SCOPED_TRACE("kind " + std::to_string(static_cast<int>(kind)) + ", NULL mode " +
                     std::to_string(null_mode) + ", " + std::to_string(n) + " rows");
        const Rows rows = MakeRows(layout, n, null_mode, rng);
        const auto records = RunRecords(table, layout, rows);
        for (size_t i = 0; i < n; ++i) {
          ASSERT_TRUE(decoder.ScatterRow(records[i].first, i, &columns).ok()) << "row " << i;
        }
        std::string page;
        EncodePage(layout, rows.keys.data(), columns, n, &page);
        columns.ClearStrings();
        ASSERT_EQ(page, Encode(layout, rows));
      }
    }
  }
}

// A damaged run record is Corruption, never a read beyond it: cut anywhere, a byte too many,
// a short string's length beyond its width.
TEST(PageCodecTest, ScatteringADamagedRunRecordIsCorruption) {
  std::mt19937_64 rng(31);
  const TableDef table = MakeTableWithShortStrings(TableKind::kChild);
  const PageLayout layout = PageLayout::ForTable(table);
  const ProjectedRowDecoder decoder(layout.types, keys::KeyColumnOffsets(table), {});
  PageColumns columns;
  columns.Reset(layout, 1);
  for (int null_mode = 0; null_mode < 2; ++null_mode) {
    const Rows rows = MakeRows(layout, 12, null_mode, rng);
    for (const auto& [value, key] : RunRecords(table, layout, rows)) {
      for (size_t cut = 0; cut < value.size(); ++cut) {
        columns.ClearStrings();
        EXPECT_EQ(decoder.ScatterRow(value.substr(0, cut), 0, &columns).code(),
                  StatusCode::kCorruption)
            << "cut at " << cut << " of " << value.size();
      }
      columns.ClearStrings();
      EXPECT_EQ(decoder.ScatterRow(value + "x", 0, &columns).code(), StatusCode::kCorruption);
    }
  }
  // Every column NULL but char(1) "band" = "u": the record is the NULL bitmap, then band's
  // length byte and its byte. A length of 2 does not fit char(1)'s width.
  Rows rows = MakeRows(layout, 1, /*null_mode=*/2, rng);
  ColumnVector& band = rows.batch.columns[static_cast<size_t>(table.ColumnIndex("band"))];
  band.nulls[0] = 0;
  band.strings[0] = "u";
  std::string value = RunRecords(table, layout, rows)[0].first;
  ASSERT_EQ(value.substr(2), std::string("\x01u", 2));
  columns.ClearStrings();
  ASSERT_TRUE(decoder.ScatterRow(value, 0, &columns).ok());
  value[2] = 2;
  columns.ClearStrings();
  EXPECT_EQ(decoder.ScatterRow(value, 0, &columns).code(), StatusCode::kCorruption);
}

// The worked example of docs/storage.md ("Pages"), byte by byte.
TEST(PageCodecTest, DocumentedExample) {
  TableDef t;
  t.name = "ForcedSource";
  t.id = 2;
  t.kind = TableKind::kChild;
  for (auto [name, type] :
       {std::pair{"forcedSourceId", DataType::kBigInt}, std::pair{"objectId", DataType::kBigInt},
        std::pair{"band", DataType::kChar}, std::pair{"psfFlux", DataType::kDouble}}) {
    ColumnDef c;
    c.name = name;
    c.type = ColumnType{type, type == DataType::kChar ? 1u : 0u};
    t.columns.push_back(c);
  }
  t.primary_key = "forcedSourceId";
  t.parent_key = "objectId";
  t.parent_table = "Object";
  const PageLayout layout = PageLayout::ForTable(t);
  ColumnBatch rows;
  rows.Reset(layout.types);
  rows.columns[0].AppendInt(70);
  rows.columns[0].AppendInt(71);
  rows.columns[1].AppendInt(7);
  rows.columns[1].AppendInt(7);
  rows.columns[2].AppendString("r");
  rows.columns[2].AppendString("i");
  rows.columns[3].AppendDouble(1.5);
  rows.columns[3].AppendNull();
  const std::vector<uint64_t> keys = {1000, 7 ^ kSign, 70 ^ kSign, 1000, 7 ^ kSign, 71 ^ kSign};
  std::string page;
  EncodePage(layout, keys.data(), rows, 2, &page);
  const std::string hex =
      "02"
      "e803000000000000e803000000000000"
      "07000000000000000700000000000000"
      "46000000000000004700000000000000"
      "01000000020000001100000023000000"
      "00"
      "00"
      "00000000000100000002000000"
      "7269"
      "0102"
      "000000000000f83f0000000000000000";
  std::string got;
  for (unsigned char ch : page) {
    static const char* kDigits = "0123456789abcdef";
    got += kDigits[ch >> 4];
    got += kDigits[ch & 15];
  }
  EXPECT_EQ(got, hex);
  EXPECT_EQ(page.size(), 100u);
}

TEST(PageCodecTest, EveryTypeRoundTripsWithNoneSomeAndAllNull) {
  std::mt19937_64 rng(3);
  for (TableKind kind : {TableKind::kPlain, TableKind::kSpatial, TableKind::kChild}) {
    const PageLayout layout = PageLayout::ForTable(MakeTable(kind));
    for (int null_mode = 0; null_mode < 3; ++null_mode) {
      for (size_t n : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{200}}) {
        SCOPED_TRACE("kind " + std::to_string(static_cast<int>(kind)) + " nulls " +
                     std::to_string(null_mode) + " rows " + std::to_string(n));
        const Rows rows = MakeRows(layout, n, null_mode, rng);
        const std::string page = Encode(layout, rows);
        PageView view;
        ASSERT_TRUE(view.Parse(&layout, page).ok());
        ASSERT_EQ(view.rows(), n);
        for (size_t i = 0; i < n; ++i) {
          for (size_t c = 0; c < layout.key_components; ++c) {
            ASSERT_EQ(view.KeyOrder(c, i), rows.keys[i * layout.key_components + c]);
          }
        }
        for (size_t j = 0; j < layout.types.size(); ++j) ExpectSlice(view, rows, j, 0, n);
      }
    }
  }
}

TEST(PageCodecTest, KeyCarriedColumnsTakeOnlyTheirNullBitmap) {
  const TableDef table = MakeTable(TableKind::kChild);
  const PageLayout layout = PageLayout::ForTable(table);
  EXPECT_EQ(layout.key_component[0], 2);  // id: the last key component
  EXPECT_EQ(layout.key_component[1], 1);  // parent: after parent_hpx
  EXPECT_EQ(layout.key_component[2], -1);
  std::mt19937_64 rng(5);
  Rows rows = MakeRows(layout, 16, 0, rng);
  const std::string without = Encode(layout, rows);
  rows.batch.columns[1].nulls[3] = 1;  // an orphan whose parent key is NULL
  rows.batch.columns[1].ints[3] = 0;
  const std::string with = Encode(layout, rows);
  // A NULL costs the column a 2-byte bitmap (16 rows), nothing else.
  EXPECT_EQ(with.size(), without.size() + 2);
  PageView view;
  ASSERT_TRUE(view.Parse(&layout, with).ok());
  ExpectSlice(view, rows, 1, 0, 16);
  ExpectSlice(view, rows, 0, 0, 16);
}

TEST(PageCodecTest, LongEmptyAndUtf8Strings) {
  PageLayout layout;
  layout.types = {ColumnType{DataType::kVarChar, 0}};
  layout.key_component = {-1};
  layout.key_components = 1;
  layout.key_signed = {true};
  Rows rows;
  rows.batch.Reset(layout.types);
  const std::vector<std::string> values = {"", std::string(200000, 'x'), "ŋ-band ☃ 日本", "",
                                           std::string("\0\xff", 2)};
  for (size_t i = 0; i < values.size(); ++i) {
    rows.batch.columns[0].AppendString(values[i]);
    rows.keys.push_back(kSign + i);
  }
  rows.n = values.size();
  const std::string page = Encode(layout, rows);
  PageView view;
  ASSERT_TRUE(view.Parse(&layout, page).ok());
  for (size_t b = 0; b < rows.n; ++b) {
    for (size_t e = b; e <= rows.n; ++e) ExpectSlice(view, rows, 0, b, e);
  }
}

TEST(PageCodecTest, SlicesAtPageStartsEndsAndInside) {
  std::mt19937_64 rng(11);
  const PageLayout layout = PageLayout::ForTable(MakeTable(TableKind::kSpatial));
  const Rows rows = MakeRows(layout, 77, 1, rng);
  const std::string page = Encode(layout, rows);
  PageView view;
  ASSERT_TRUE(view.Parse(&layout, page).ok());
  const std::vector<std::pair<size_t, size_t>> slices = {{0, 1},   {76, 77}, {0, 77}, {0, 0},
                                                         {77, 77}, {5, 6},   {7, 9},  {8, 64}};
  for (const auto& [b, e] : slices) {
    for (size_t j = 0; j < layout.types.size(); ++j) ExpectSlice(view, rows, j, b, e);
  }
  // A column asked for twice (a projection with repeats) decodes the same twice.
  ExpectSlice(view, rows, 9, 3, 40);
  ExpectSlice(view, rows, 9, 3, 40);
}

TEST(PageCodecTest, BoundsAgreeWithALinearSearch) {
  std::mt19937_64 rng(13);
  for (TableKind kind : {TableKind::kPlain, TableKind::kSpatial, TableKind::kChild}) {
    const PageLayout layout = PageLayout::ForTable(MakeTable(kind));
    const Rows rows = MakeRows(layout, 150, 0, rng);
    const std::string page = Encode(layout, rows);
    PageView view;
    ASSERT_TRUE(view.Parse(&layout, page).ok());
    const size_t kc = layout.key_components;
    auto cmp = [&](size_t i, const std::vector<uint64_t>& t) {
      for (size_t c = 0; c < t.size(); ++c) {
        const uint64_t a = rows.keys[i * kc + c];
        if (a != t[c]) return a < t[c] ? -1 : 1;
      }
      return 0;
    };
    for (int trial = 0; trial < 300; ++trial) {
      const size_t k = 1 + rng() % kc;
      std::vector<uint64_t> t(k);
      const size_t pick = rng() % rows.n;
      for (size_t c = 0; c < k; ++c) t[c] = rows.keys[pick * kc + c] + (rng() % 3) - 1;
      const size_t from = rng() % (rows.n + 1);
      size_t lower = from, upper = from;
      while (lower < rows.n && cmp(lower, t) < 0) ++lower;
      while (upper < rows.n && cmp(upper, t) <= 0) ++upper;
      ASSERT_EQ(view.LowerBound(t.data(), k, from), std::max(from, lower));
      ASSERT_EQ(view.UpperBound(t.data(), k, from), std::max(from, upper));
    }
  }
}

// Parses `page` and, when that succeeds, decodes every column: whatever the bytes, the result is
// OK or Corruption, never a crash or a read outside the page (ASan build).
Status ParseAndDecodeAll(const PageLayout& layout, const std::string& bytes) {
  // A copy of exactly the page's size, so that ASan sees any read past its end.
  std::vector<char> exact(bytes.begin(), bytes.end());
  PageView view;
  Status s = view.Parse(&layout, std::string_view(exact.data(), exact.size()));
  if (!s.ok()) return s;
  for (size_t j = 0; j < layout.types.size(); ++j) {
    ColumnVector out;
    out.type = layout.types[j];
    SizeColumn(&out, view.rows());
    s = view.DecodeColumn(j, 0, view.rows(), &out, 0);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

TEST(PageCodecTest, TruncatedPagesAreCorruption) {
  std::mt19937_64 rng(17);
  const PageLayout layout = PageLayout::ForTable(MakeTable(TableKind::kChild));
  const Rows rows = MakeRows(layout, 20, 1, rng);
  const std::string page = Encode(layout, rows);
  // Every proper prefix: the sections no longer add up (the format has no optional tail).
  for (size_t len = 0; len < page.size(); ++len) {
    Status s = ParseAndDecodeAll(layout, page.substr(0, len));
    ASSERT_EQ(s.code(), StatusCode::kCorruption) << "prefix of " << len << " bytes";
  }
  // And a byte too many.
  EXPECT_EQ(ParseAndDecodeAll(layout, page + "x").code(), StatusCode::kCorruption);
}

TEST(PageCodecTest, BadCountsAndOffsetsAreCorruption) {
  std::mt19937_64 rng(19);
  const PageLayout layout = PageLayout::ForTable(MakeTable(TableKind::kPlain));
  const Rows rows = MakeRows(layout, 10, 0, rng);
  const std::string page = Encode(layout, rows);
  ASSERT_EQ(page[0], 10);  // one varint byte: the row count
  const size_t directory = 1 + 10 * 8;
  const size_t ncols = layout.types.size();
  const size_t area = directory + ncols * 4;
  auto dir_entry = [&](const std::string& p, size_t j) {
    uint32_t v;
    std::memcpy(&v, p.data() + directory + j * 4, 4);
    return v;
  };
  auto set_u32 = [](std::string* p, size_t at, uint32_t v) { std::memcpy(p->data() + at, &v, 4); };
  {
    std::string bad = page;
    bad[0] = 11;  // one row more than the arrays hold
    EXPECT_EQ(ParseAndDecodeAll(layout, bad).code(), StatusCode::kCorruption);
    bad[0] = 9;
    EXPECT_EQ(ParseAndDecodeAll(layout, bad).code(), StatusCode::kCorruption);
    bad[0] = 0;
    Status s = ParseAndDecodeAll(layout, bad);
    EXPECT_EQ(s.code(), StatusCode::kCorruption);
    EXPECT_NE(s.message().find("row count 0"), std::string::npos) << s.ToString();
    bad[0] = static_cast<char>(0x80);  // a varint that never ends
    bad.resize(1);
    EXPECT_EQ(ParseAndDecodeAll(layout, bad).code(), StatusCode::kCorruption);
  }
  {
    std::string bad = page;
    set_u32(&bad, directory + 3 * 4, dir_entry(page, 2) - 1);  // ends before it begins
    Status s = ParseAndDecodeAll(layout, bad);
    EXPECT_EQ(s.code(), StatusCode::kCorruption);
    EXPECT_NE(s.message().find("column 3"), std::string::npos) << s.ToString();
  }
  {
    std::string bad = page;
    set_u32(&bad, directory + (ncols - 1) * 4, 0xfffffff0u);  // past the page
    EXPECT_EQ(ParseAndDecodeAll(layout, bad).code(), StatusCode::kCorruption);
  }
  {
    // The varchar column (last): its string offsets out of order, then out of bounds.
    const size_t vc = ncols - 1;
    const size_t section = area + dir_entry(page, vc - 1);
    ASSERT_EQ(page[section], 0);  // no NULL bitmap: the offsets follow the flags byte
    std::string bad = page;
    uint32_t third;
    std::memcpy(&third, page.data() + section + 1 + 3 * 4, 4);
    set_u32(&bad, section + 1 + 2 * 4, third + 1);
    Status s = ParseAndDecodeAll(layout, bad);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
    bad = page;
    set_u32(&bad, section + 1 + 4 * 4, 0x7fffffff);
    EXPECT_EQ(ParseAndDecodeAll(layout, bad).code(), StatusCode::kCorruption);
    bad = page;
    bad[section] = 4;  // an unknown flag
    EXPECT_EQ(ParseAndDecodeAll(layout, bad).code(), StatusCode::kCorruption);
  }
}

// A parse of some columns checks the whole directory and those columns' sections only: a
// damaged section of a column the read does not use leaves the others readable, and the same
// damage is Corruption for a read that uses it; a damaged directory is Corruption for any read.
TEST(PageCodecTest, ParsingSomeColumnsChecksTheirSectionsAndTheDirectory) {
  std::mt19937_64 rng(29);
  const PageLayout layout = PageLayout::ForTable(MakeTable(TableKind::kPlain));
  const Rows rows = MakeRows(layout, 10, 1, rng);
  const std::string page = Encode(layout, rows);
  const size_t ncols = layout.types.size();
  const size_t directory = 1 + 10 * 8;
  const size_t area = directory + ncols * 4;
  ASSERT_GE(ncols, 3u);
  const size_t damaged = ncols - 1;  // the varchar column
  uint32_t start;
  std::memcpy(&start, page.data() + directory + (damaged - 1) * 4, 4);
  std::string bad = page;
  bad[area + start] = 4;  // an unknown flag in its section
  const std::vector<int> others = {0, static_cast<int>(ncols - 2), 0};  // a column read twice
  const std::vector<int> with = {1, static_cast<int>(damaged)};
  {
    PageView view;
    ASSERT_TRUE(view.Parse(&layout, bad, &others).ok());
    ASSERT_EQ(view.rows(), 10u);
    ExpectSlice(view, rows, 0, 0, 10);
    ExpectSlice(view, rows, ncols - 2, 2, 9);
    // A column the parse skipped is not read.
    ColumnVector out;
    out.type = layout.types[damaged];
    SizeColumn(&out, 10);
    EXPECT_EQ(view.DecodeColumn(damaged, 0, 10, &out, 0).code(), StatusCode::kInternal);
    Status s = view.Parse(&layout, bad, &with);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
    EXPECT_NE(s.message().find("column " + std::to_string(damaged)), std::string::npos)
        << s.ToString();
    EXPECT_EQ(view.Parse(&layout, bad).code(), StatusCode::kCorruption);
  }
  {
    // The directory entry of the damaged column ends before its section begins.
    std::string worse = page;
    const uint32_t before = start - 1;
    std::memcpy(worse.data() + directory + damaged * 4, &before, 4);
    PageView view;
    Status s = view.Parse(&layout, worse, &others);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  }
}

TEST(PageCodecTest, RandomByteFlipsNeverCrash) {
  std::mt19937_64 rng(23);
  for (TableKind kind : {TableKind::kPlain, TableKind::kSpatial, TableKind::kChild}) {
    const PageLayout layout = PageLayout::ForTable(MakeTable(kind));
    const Rows rows = MakeRows(layout, 40, 1, rng);
    const std::string page = Encode(layout, rows);
    size_t corrupt = 0;
    for (int trial = 0; trial < 3000; ++trial) {
      std::string bad = page;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      }
      Status s = ParseAndDecodeAll(layout, bad);
      ASSERT_TRUE(s.ok() || s.code() == StatusCode::kCorruption) << s.ToString();
      corrupt += !s.ok();
    }
    // Flips in values decode as other values; flips in the structure must be caught.
    EXPECT_GT(corrupt, 20u);
  }
}

}  // namespace
}  // namespace skyshard
