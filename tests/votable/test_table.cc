#include "tests/votable/test_table.h"

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <string_view>

namespace skyshard::votable_test {
namespace {

constexpr std::string_view kFragments[] = {"a",
                                           "Z",
                                           " ",
                                           "<",
                                           ">",
                                           "&",
                                           "\"",
                                           "'",
                                           ",",
                                           ";",
                                           "\r\n",
                                           "\n",
                                           "\r",
                                           "\t",
                                           "\\",
                                           "é",
                                           "Ω",
                                           "日本",
                                           "\xF0\x9F\x98\x80",
                                           "]]>",
                                           "&amp;",
                                           "NULL",
                                           "x y",
                                           "0",
                                           "-",
                                           "+Inf",
                                           "NaN",
                                           "</TD>",
                                           "\"\"",
                                           "Fran\xC3\xA7ois"};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  uint64_t Bits() { return rng_(); }
  // True with probability num/den.
  bool Chance(uint64_t num, uint64_t den) { return rng_() % den < num; }
  uint64_t Below(uint64_t n) { return rng_() % n; }

  // A string of fragments of at most `max_bytes` bytes (never a broken UTF-8 sequence).
  std::string Text(size_t max_bytes, size_t max_fragments) {
    std::string s;
    const size_t n = Below(max_fragments + 1);
    for (size_t i = 0; i < n; ++i) {
      const std::string_view f = kFragments[Below(std::size(kFragments))];
      if (s.size() + f.size() <= max_bytes) s.append(f);
    }
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

FieldInfo Field(std::string name, DataType type, uint32_t length = 0) {
  FieldInfo f;
  f.name = std::move(name);
  f.type = ColumnType{type, length};
  return f;
}

std::vector<FieldInfo> Fields() {
  std::vector<FieldInfo> fields;
  fields.push_back(Field("id", DataType::kBigInt));
  fields.back().ucd = "meta.id;meta.main";
  fields.back().description = "Row number, from 0 <first> & \"unique\"";
  fields.push_back(Field("i16", DataType::kSmallInt));
  fields.push_back(Field("i32", DataType::kInteger));
  fields.back().unit = "s";
  fields.push_back(Field("i64", DataType::kBigInt));
  fields.push_back(Field("f32", DataType::kReal));
  fields.back().unit = "mag";
  fields.back().ucd = "phot.mag;em.opt.V";
  fields.push_back(Field("f64", DataType::kDouble));
  fields.back().unit = "deg";
  fields.back().ucd = "pos.eq.ra;meta.main";
  fields.back().utype = "stc:AstroCoordinates.Position2D.Value2.C1";
  fields.back().description = "Right ascension (ICRS)\twith a tab,\nnewline and Ω";
  fields.push_back(Field("flag", DataType::kBoolean));
  fields.push_back(Field("code", DataType::kChar, 8));
  fields.push_back(Field("label", DataType::kVarChar));
  fields.back().description = "Free text: <, &, quotes, commas, newlines, UTF-8";
  fields.push_back(Field("odd \"name\", <ok> & more", DataType::kVarChar, 16));
  fields.push_back(Field("t_obs", DataType::kTimestamp));
  fields.back().ucd = "time.epoch";
  fields.push_back(Field("always_null", DataType::kDouble));
  return fields;
}

int64_t RandomInt(Gen* g, DataType type) {
  using L16 = std::numeric_limits<int16_t>;
  using L32 = std::numeric_limits<int32_t>;
  using L64 = std::numeric_limits<int64_t>;
  if (g->Chance(1, 4)) {
    switch (type) {
      case DataType::kSmallInt: {
        constexpr int64_t kEdges[] = {L16::min(), L16::max(), 0, -1, 1};
        return kEdges[g->Below(std::size(kEdges))];
      }
      case DataType::kInteger: {
        constexpr int64_t kEdges[] = {L32::min(), L32::max(), 0, -1, 1};
        return kEdges[g->Below(std::size(kEdges))];
      }
      default: {
        constexpr int64_t kEdges[] = {L64::min(), L64::max(), 0, -1, (int64_t{1} << 53) + 1};
        return kEdges[g->Below(std::size(kEdges))];
      }
    }
  }
  const uint64_t bits = g->Bits();
  switch (type) {
    case DataType::kSmallInt:
      return static_cast<int16_t>(bits);
    case DataType::kInteger:
      return static_cast<int32_t>(bits);
    default:
      return static_cast<int64_t>(bits);
  }
}

double RandomDouble(Gen* g) {
  using L = std::numeric_limits<double>;
  if (g->Chance(1, 3)) {
    const double kEdges[] = {0.0,
                             -0.0,
                             1e-300,
                             -1e-300,
                             L::denorm_min(),
                             L::max(),
                             -L::max(),
                             L::min(),
                             0.1,
                             1.0 / 3.0,
                             L::quiet_NaN(),
                             L::infinity(),
                             -L::infinity(),
                             123456789.123456789};
    return kEdges[g->Below(std::size(kEdges))];
  }
  if (g->Chance(1, 2)) return std::bit_cast<double>(g->Bits());  // any bit pattern, NaNs too
  return (static_cast<double>(g->Bits() >> 11) / 9007199254740992.0) * 360.0;
}

double RandomFloat(Gen* g) {
  using L = std::numeric_limits<float>;
  if (g->Chance(1, 3)) {
    const float kEdges[] = {0.0f,      -0.0f, L::denorm_min(), L::min(),      L::max(),
                            -L::max(), 0.1f,  L::quiet_NaN(),  L::infinity(), -L::infinity()};
    return kEdges[g->Below(std::size(kEdges))];
  }
  return std::bit_cast<float>(static_cast<uint32_t>(g->Bits()));
}

}  // namespace

std::pair<const ColumnBatch*, size_t> TestTable::Locate(size_t row) const {
  for (const ColumnBatch& b : batches) {
    if (row < b.num_rows) return {&b, row};
    row -= b.num_rows;
  }
  return {nullptr, 0};
}

TestTable MakeTestTable(uint64_t seed, size_t num_rows) {
  Gen g(seed);
  TestTable t;
  t.fields = Fields();
  std::vector<ColumnType> types;
  for (const FieldInfo& f : t.fields) types.push_back(f.type);
  // Uneven batches, an empty one among them, so rows cross every buffer boundary.
  constexpr size_t kSizes[] = {0, 1, 7, 300, 0, 1000, 64};
  size_t next = 0;
  for (size_t i = 0; next < num_rows; ++i) {
    const size_t n = std::min(kSizes[i % std::size(kSizes)], num_rows - next);
    ColumnBatch batch;
    batch.Reset(types);
    for (size_t r = 0; r < n; ++r, ++next) {
      for (size_t c = 0; c < types.size(); ++c) {
        ColumnVector& col = batch.columns[c];
        const DataType type = types[c].type;
        if (c == 0) {
          col.AppendInt(static_cast<int64_t>(next));
          continue;
        }
        if (t.fields[c].name == "always_null" || g.Chance(1, 10)) {
          col.AppendNull();
          continue;
        }
        switch (type) {
          case DataType::kSmallInt:
          case DataType::kInteger:
          case DataType::kBigInt:
            col.AppendInt(RandomInt(&g, type));
            break;
          case DataType::kBoolean:
            col.AppendInt(static_cast<int64_t>(g.Below(2)));
            break;
          case DataType::kReal:
            col.AppendDouble(RandomFloat(&g));
            break;
          case DataType::kDouble:
            col.AppendDouble(RandomDouble(&g));
            break;
          case DataType::kTimestamp: {
            // 1800-01-01 to 2200-01-01; a third of them on a whole second.
            constexpr int64_t kFrom = -5364662400LL * 1000000;
            constexpr int64_t kSpan = 12622780800LL * 1000000;
            int64_t v = kFrom + static_cast<int64_t>(g.Below(static_cast<uint64_t>(kSpan)));
            if (g.Chance(1, 3)) v -= ((v % 1000000) + 1000000) % 1000000;
            col.AppendInt(v);
            break;
          }
          case DataType::kChar:
          case DataType::kVarChar: {
            const uint32_t limit = types[c].length;
            std::string s = limit > 0 ? g.Text(limit, 6) : g.Text(1 << 20, 12);
            if (limit == 0 && g.Chance(1, 100)) s = std::string(3000, 'w') + s;  // long value
            col.AppendString(std::move(s));
            break;
          }
        }
      }
    }
    batch.num_rows = n;
    t.batches.push_back(std::move(batch));
  }
  t.num_rows = num_rows;
  return t;
}

}  // namespace skyshard::votable_test
