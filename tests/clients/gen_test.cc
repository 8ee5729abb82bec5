// Tests of the DP0.2-like release generator (clients/gen_dp02.h). Every property is checked by
// reading the files back with code of this test: a plain CSV splitter, cfitsio for FITS, and
// yaml-cpp for the schema and the manifest.

#include <fitsio.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "clients/gen_dp02.h"

namespace skyshard {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kObjects = 2000;
constexpr int kEpochs = 5;
constexpr int64_t kRowsPerFile = 700;
constexpr uint64_t kSeed = 7;
constexpr double kDeg = 3.14159265358979323846 / 180.0;

// A table as text: NULL is the empty string, numbers in their shortest round-trip form.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;

  size_t Col(const std::string& name) const {
    auto it = std::find(columns.begin(), columns.end(), name);
    EXPECT_NE(it, columns.end()) << "no column " << name;
    return it == columns.end() ? 0 : static_cast<size_t>(it - columns.begin());
  }
  std::vector<std::string> Values(const std::string& name) const {
    const size_t c = Col(name);
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r[c]);
    return out;
  }
};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double ToDouble(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  EXPECT_TRUE(!s.empty() && *end == '\0') << "not a number: '" << s << "'";
  return v;
}

int64_t ToLong(const std::string& s) {
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  EXPECT_TRUE(!s.empty() && *end == '\0') << "not an integer: '" << s << "'";
  return v;
}

template <typename T>
std::string Shortest(T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// The files of one table: stem-NNN.ext in order, or stem.ext for a single-file table.
std::vector<fs::path> DataFiles(const fs::path& dir, const std::string& stem,
                                const std::string& ext) {
  std::vector<fs::path> out;
  if (fs::exists(dir / (stem + "." + ext))) out.push_back(dir / (stem + "." + ext));
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(stem + "-") && name.ends_with("." + ext)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void AppendCsv(const fs::path& path, Table* table) {
  const std::string text = ReadFile(path);
  ASSERT_FALSE(text.empty()) << path;
  ASSERT_EQ(text.back(), '\n') << path;
  ASSERT_EQ(text.find('"'), std::string::npos) << "unexpected quoting in " << path;
  std::vector<std::vector<std::string>> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    std::vector<std::string> fields;
    size_t f = start;
    for (;;) {
      const size_t comma = text.find(',', f);
      if (comma == std::string::npos || comma > nl) {
        fields.push_back(text.substr(f, nl - f));
        break;
      }
      fields.push_back(text.substr(f, comma - f));
      f = comma + 1;
    }
    lines.push_back(std::move(fields));
    start = nl + 1;
  }
  if (table->columns.empty()) {
    table->columns = lines[0];
  } else {
    ASSERT_EQ(table->columns, lines[0]) << "header differs in " << path;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i].size(), table->columns.size()) << path << " line " << i + 1;
    table->rows.push_back(std::move(lines[i]));
  }
}

void AppendFits(const fs::path& path, Table* table, std::map<std::string, std::string>* tforms) {
  fitsfile* f = nullptr;
  int status = 0;
  ASSERT_EQ(fits_open_table(&f, path.c_str(), READONLY, &status), 0) << path << " " << status;
  long nrows = 0;
  int ncols = 0;
  fits_get_num_rows(f, &nrows, &status);
  fits_get_num_cols(f, &ncols, &status);
  ASSERT_EQ(status, 0);
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> cols(static_cast<size_t>(ncols));
  for (int c = 1; c <= ncols; ++c) {
    char key[FLEN_KEYWORD], value[FLEN_VALUE];
    std::snprintf(key, sizeof(key), "TTYPE%d", c);
    fits_read_key(f, TSTRING, key, value, nullptr, &status);
    names.push_back(value);
    std::snprintf(key, sizeof(key), "TFORM%d", c);
    fits_read_key(f, TSTRING, key, value, nullptr, &status);
    const std::string tform = value;
    (*tforms)[names.back()] = tform;
    ASSERT_EQ(status, 0);
    std::vector<std::string>& out = cols[static_cast<size_t>(c - 1)];
    const LONGLONG n = nrows;
    const char code = tform.back();
    if (code == 'K' || code == 'J') {
      // Read raw (no null substitution) and compare with this column's TNULL ourselves.
      LONGLONG tnull = 0;
      std::snprintf(key, sizeof(key), "TNULL%d", c);
      int key_status = 0;
      const bool has_null = fits_read_key(f, TLONGLONG, key, &tnull, nullptr, &key_status) == 0;
      std::vector<LONGLONG> v(static_cast<size_t>(nrows));
      fits_read_col(f, TLONGLONG, c, 1, 1, n, nullptr, v.data(), nullptr, &status);
      for (LONGLONG x : v) out.push_back(has_null && x == tnull ? "" : std::to_string(x));
    } else if (code == 'D') {
      std::vector<double> v(static_cast<size_t>(nrows));
      fits_read_col(f, TDOUBLE, c, 1, 1, n, nullptr, v.data(), nullptr, &status);
      for (double x : v) out.push_back(std::isnan(x) ? "" : Shortest(x));
    } else if (code == 'E') {
      std::vector<float> v(static_cast<size_t>(nrows));
      fits_read_col(f, TFLOAT, c, 1, 1, n, nullptr, v.data(), nullptr, &status);
      for (float x : v) out.push_back(std::isnan(x) ? "" : Shortest(x));
    } else if (code == 'L') {
      std::vector<char> v(static_cast<size_t>(nrows));
      fits_read_col(f, TLOGICAL, c, 1, 1, n, nullptr, v.data(), nullptr, &status);
      for (char x : v) out.push_back(x ? "1" : "0");
    } else if (code == 'A') {
      const int width = std::atoi(tform.c_str());
      std::vector<std::string> buf(static_cast<size_t>(nrows), std::string(width + 1, '\0'));
      std::vector<char*> ptrs;
      for (auto& s : buf) ptrs.push_back(s.data());
      fits_read_col(f, TSTRING, c, 1, 1, n, nullptr, ptrs.data(), nullptr, &status);
      for (auto& s : buf) out.push_back(s.c_str());
    } else {
      ADD_FAILURE() << "unexpected TFORM " << tform << " in " << path;
    }
    ASSERT_EQ(status, 0) << path << " column " << names.back();
  }
  fits_close_file(f, &status);
  if (table->columns.empty()) {
    table->columns = names;
  } else {
    ASSERT_EQ(table->columns, names) << "columns differ in " << path;
  }
  for (long r = 0; r < nrows; ++r) {
    std::vector<std::string> row;
    for (auto& col : cols) row.push_back(col[static_cast<size_t>(r)]);
    table->rows.push_back(std::move(row));
  }
}

Table LoadTable(const fs::path& dir, const std::string& stem, const std::string& format,
                std::map<std::string, std::string>* tforms = nullptr) {
  Table t;
  std::map<std::string, std::string> ignored;
  const auto files = DataFiles(dir, stem, format);
  EXPECT_FALSE(files.empty()) << stem << " in " << dir;
  for (const auto& f : files) {
    if (format == "csv") {
      AppendCsv(f, &t);
    } else {
      AppendFits(f, &t, tforms != nullptr ? tforms : &ignored);
    }
  }
  return t;
}

Status Generate(const fs::path& dir, uint64_t seed, const std::string& format,
                int64_t objects = kObjects) {
  GenOptions o;
  o.out_dir = dir.string();
  o.objects = objects;
  o.epochs = kEpochs;
  o.seed = seed;
  o.format = format;
  o.rows_per_file = kRowsPerFile;
  return GenerateDp02(o, nullptr);
}

// The table name and file stem of each generated table.
const std::vector<std::pair<std::string, std::string>> kTables = {{"Object", "object"},
                                                                  {"ForcedSource", "forcedsource"},
                                                                  {"CcdVisit", "ccdvisit"},
                                                                  {"DiaObject", "diaobject"},
                                                                  {"DiaSource", "diasource"}};

class GenDp02Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::path(::testing::TempDir()) /
                         ("gen_dp02_test_" + std::to_string(::getpid())));
    fs::remove_all(*root_);
    ASSERT_TRUE(Generate(*root_ / "csv", kSeed, "csv").ok());
    ASSERT_TRUE(Generate(*root_ / "fits", kSeed, "fits").ok());
    csv_ = new std::map<std::string, Table>();
    for (const auto& [name, stem] : kTables) (*csv_)[name] = LoadTable(*root_ / "csv", stem, "csv");
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
    delete csv_;
  }

  static const Table& Csv(const std::string& table) { return csv_->at(table); }

  static fs::path* root_;
  static std::map<std::string, Table>* csv_;
};

fs::path* GenDp02Test::root_ = nullptr;
std::map<std::string, Table>* GenDp02Test::csv_ = nullptr;

TEST_F(GenDp02Test, ManifestNamesExistingFiles) {
  const std::string manifest = ReadFile(*root_ / "csv" / "manifest.yaml");
  EXPECT_EQ(manifest,
            "release: dp02_dc2_catalogs\n"
            "schema: dp02_dc2.yaml\n"
            "tables:\n"
            "  Object:\n"
            "    files: [object-*.csv]\n"
            "    position: [coord_ra, coord_dec]\n"
            "  ForcedSource:\n"
            "    files: [forcedsource-*.csv]\n"
            "    parent: {table: Object, key: objectId}\n"
            "  CcdVisit:\n"
            "    files: [ccdvisit.csv]\n"
            "  DiaObject:\n"
            "    files: [diaobject-*.csv]\n"
            "    position: [ra, decl]\n"
            "  DiaSource:\n"
            "    files: [diasource-*.csv]\n"
            "    parent: {table: DiaObject, key: diaObjectId}\n");
  const YAML::Node fits = YAML::LoadFile((*root_ / "fits" / "manifest.yaml").string());
  EXPECT_EQ(fits["tables"]["Object"]["files"][0].as<std::string>(), "object-*.fits");
  EXPECT_EQ(fits["tables"]["CcdVisit"]["files"][0].as<std::string>(), "ccdvisit.fits");
  EXPECT_EQ(fits["tables"]["DiaObject"]["position"][1].as<std::string>(), "decl");
  // Split every kRowsPerFile rows: 2000 objects -> 3 files, 10000 forced sources -> 15.
  for (const std::string format : {"csv", "fits"}) {
    EXPECT_EQ(DataFiles(*root_ / format, "object", format).size(), 3u);
    EXPECT_EQ(DataFiles(*root_ / format, "forcedsource", format).size(), 15u);
    EXPECT_TRUE(fs::exists(*root_ / format / ("object-002." + format)));
    EXPECT_TRUE(fs::exists(*root_ / format / ("ccdvisit." + format)));
  }
}

TEST_F(GenDp02Test, RowCountsAndUniqueIds) {
  EXPECT_EQ(Csv("Object").rows.size(), static_cast<size_t>(kObjects));
  EXPECT_EQ(Csv("ForcedSource").rows.size(), static_cast<size_t>(kObjects * kEpochs));
  const std::vector<std::pair<std::string, std::string>> keys = {{"Object", "objectId"},
                                                                 {"ForcedSource", "forcedSourceId"},
                                                                 {"CcdVisit", "ccdVisitId"},
                                                                 {"DiaObject", "diaObjectId"},
                                                                 {"DiaSource", "diaSourceId"}};
  for (const auto& [table, key] : keys) {
    std::set<int64_t> seen;
    for (const std::string& v : Csv(table).Values(key)) {
      const int64_t id = ToLong(v);
      EXPECT_TRUE(seen.insert(id).second) << table << "." << key << " repeats " << id;
    }
    EXPECT_FALSE(seen.empty()) << table;
  }
  // Object ids are beyond 2^53, where a double cannot hold them.
  for (const std::string& v : Csv("Object").Values("objectId")) {
    EXPECT_GT(ToLong(v), int64_t{1} << 53);
  }
  // About 5% of objects vary.
  const size_t dia = Csv("DiaObject").rows.size();
  EXPECT_GT(dia, kObjects / 40);
  EXPECT_LT(dia, kObjects / 10);
  EXPECT_GE(Csv("DiaSource").rows.size(), dia);
}

TEST_F(GenDp02Test, ForcedSourcesReferToObjectsAndVisits) {
  const Table& obj = Csv("Object");
  const Table& fs_t = Csv("ForcedSource");
  const Table& ccd = Csv("CcdVisit");
  std::map<std::string, std::pair<std::string, std::string>> object_pos;
  for (const auto& r : obj.rows) {
    object_pos[r[obj.Col("objectId")]] = {r[obj.Col("coord_ra")], r[obj.Col("coord_dec")]};
  }
  std::map<std::string, std::pair<std::string, std::string>> ccd_band_visit;
  for (const auto& r : ccd.rows) {
    ccd_band_visit[r[ccd.Col("ccdVisitId")]] = {r[ccd.Col("band")], r[ccd.Col("visitId")]};
  }
  std::map<std::string, std::set<std::string>> visits_of_object;
  std::map<std::string, int> rows_of_object;
  std::set<std::string> bands;
  for (const auto& r : fs_t.rows) {
    const std::string& oid = r[fs_t.Col("objectId")];
    auto o = object_pos.find(oid);
    ASSERT_NE(o, object_pos.end()) << "ForcedSource.objectId " << oid << " not in Object";
    EXPECT_EQ(r[fs_t.Col("coord_ra")], o->second.first);
    EXPECT_EQ(r[fs_t.Col("coord_dec")], o->second.second);
    auto c = ccd_band_visit.find(r[fs_t.Col("ccdVisitId")]);
    ASSERT_NE(c, ccd_band_visit.end()) << "ccdVisitId " << r[fs_t.Col("ccdVisitId")];
    EXPECT_EQ(r[fs_t.Col("band")], c->second.first);
    bands.insert(c->second.first);
    visits_of_object[oid].insert(c->second.second);
    ++rows_of_object[oid];
  }
  EXPECT_EQ(bands, (std::set<std::string>{"u", "g", "r", "i", "z", "y"}));
  EXPECT_EQ(rows_of_object.size(), static_cast<size_t>(kObjects));
  for (const auto& [oid, n] : rows_of_object) {
    EXPECT_EQ(n, kEpochs) << oid;
    EXPECT_EQ(visits_of_object[oid].size(), static_cast<size_t>(kEpochs))
        << "object " << oid << " observed twice in one visit";
  }
}

TEST_F(GenDp02Test, CcdVisitTimesAgree) {
  const Table& ccd = Csv("CcdVisit");
  // Our own ISO-8601 parser: days from the civil date, then seconds.
  auto to_mjd = [](const std::string& ts) {
    EXPECT_EQ(ts.size(), 26u) << ts;
    int y = std::atoi(ts.substr(0, 4).c_str()), m = std::atoi(ts.substr(5, 2).c_str());
    const int d = std::atoi(ts.substr(8, 2).c_str());
    EXPECT_EQ(ts[10], 'T');
    // Days since 1970-01-01 by the March-based year.
    if (m <= 2) {
      --y;
      m += 12;
    }
    const int64_t days =
        365LL * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 719469;
    const double secs = std::atoi(ts.substr(11, 2).c_str()) * 3600.0 +
                        std::atoi(ts.substr(14, 2).c_str()) * 60.0 +
                        std::atof(ts.substr(17).c_str());
    return 40587.0 + static_cast<double>(days) + secs / 86400.0;
  };
  double lo = 1e9, hi = 0;
  for (const auto& r : ccd.rows) {
    const double mid = ToDouble(r[ccd.Col("expMidptMJD")]);
    EXPECT_NEAR(to_mjd(r[ccd.Col("expMidpt")]), mid, 1e-8);
    EXPECT_NEAR(to_mjd(r[ccd.Col("obsStart")]), ToDouble(r[ccd.Col("obsStartMJD")]), 1e-8);
    EXPECT_NEAR((mid - ToDouble(r[ccd.Col("obsStartMJD")])) * 86400.0,
                ToDouble(r[ccd.Col("expTime")]) / 2, 1e-3);
    EXPECT_EQ(ToLong(r[ccd.Col("ccdVisitId")]),
              ToLong(r[ccd.Col("visitId")]) * 1000 + ToLong(r[ccd.Col("detector")]));
    lo = std::min(lo, mid);
    hi = std::max(hi, mid);
  }
  // Spread over years, not nights.
  EXPECT_GT(hi - lo, 3 * 365.0);
}

TEST_F(GenDp02Test, PositionsAreValidAndCoverTheEdges) {
  const std::vector<std::tuple<std::string, std::string, std::string>> positions = {
      {"Object", "coord_ra", "coord_dec"},
      {"ForcedSource", "coord_ra", "coord_dec"},
      {"CcdVisit", "ra", "decl"},
      {"DiaObject", "ra", "decl"},
      {"DiaSource", "ra", "decl"}};
  for (const auto& [table, ra_col, dec_col] : positions) {
    const Table& t = Csv(table);
    for (const auto& r : t.rows) {
      const double ra = ToDouble(r[t.Col(ra_col)]);
      const double dec = ToDouble(r[t.Col(dec_col)]);
      EXPECT_TRUE(ra >= 0.0 && ra < 360.0) << table << " ra " << ra;
      EXPECT_TRUE(dec >= -90.0 && dec <= 90.0) << table << " dec " << dec;
    }
  }
  const Table& obj = Csv("Object");
  int north = 0, south = 0, ra_low = 0, ra_high = 0, ra_zero = 0, in_hole = 0, in_plane = 0;
  const double ngp_ra = 192.85948 * kDeg, ngp_dec = 27.12825 * kDeg;
  for (const auto& r : obj.rows) {
    const double ra = ToDouble(r[obj.Col("coord_ra")]);
    const double dec = ToDouble(r[obj.Col("coord_dec")]);
    north += dec > 89.99;
    south += dec < -89.99;
    ra_low += ra < 0.01;
    ra_high += ra > 359.99;
    ra_zero += ra == 0.0;
    // The empty regions listed in docs/demo-data.md.
    for (const auto& [hra, hdec, radius] :
         {std::tuple{45.0, 30.0, 7.0}, std::tuple{200.0, -35.0, 10.0},
          std::tuple{120.0, 60.0, 5.0}}) {
      const double cos_d =
          std::sin(dec * kDeg) * std::sin(hdec * kDeg) +
          std::cos(dec * kDeg) * std::cos(hdec * kDeg) * std::cos((ra - hra) * kDeg);
      in_hole += cos_d > std::cos(radius * kDeg);
    }
    const double sin_b = std::sin(dec * kDeg) * std::sin(ngp_dec) +
                         std::cos(dec * kDeg) * std::cos(ngp_dec) * std::cos(ra * kDeg - ngp_ra);
    in_plane += std::abs(sin_b) < std::sin(10 * kDeg);
  }
  EXPECT_GE(north, 1);
  EXPECT_GE(south, 1);
  EXPECT_GE(ra_low, 2);
  EXPECT_GE(ra_high, 2);
  EXPECT_GE(ra_zero, 1);
  EXPECT_EQ(in_hole, 0);
  // |b| < 10 deg is 17% of the sky; the galactic band makes it much denser.
  EXPECT_GT(in_plane, kObjects * 3 / 10);
  // Clusters: some 2x2-degree cell holds far more than a uniform sky would (0.2 objects).
  std::map<std::pair<int, int>, int> cells;
  for (const auto& r : obj.rows) {
    ++cells[{static_cast<int>(ToDouble(r[obj.Col("coord_ra")]) / 2),
             static_cast<int>(ToDouble(r[obj.Col("coord_dec")]) / 2 + 45)}];
  }
  int densest = 0;
  for (const auto& [cell, n] : cells) densest = std::max(densest, n);
  EXPECT_GT(densest, 20);
}

TEST_F(GenDp02Test, FluxesHaveNullsAndNegatives) {
  const Table& obj = Csv("Object");
  int u_null = 0, negative = 0, area_null = 0;
  for (const auto& r : obj.rows) {
    const std::string& u = r[obj.Col("u_psfFlux")];
    u_null += u.empty();
    EXPECT_EQ(r[obj.Col("u_psfFlux_flag")], u.empty() ? "1" : "0");
    EXPECT_EQ(r[obj.Col("u_psfFluxErr")].empty(), u.empty());
    if (!u.empty()) negative += ToDouble(u) < 0;
    area_null += r[obj.Col("footprintArea")].empty();
    const std::string& band = r[obj.Col("refBand")];
    EXPECT_TRUE(band.size() == 1 && std::string("ugrizy").find(band) != std::string::npos);
    EXPECT_TRUE(r[obj.Col("detect_isPrimary")] == "0" || r[obj.Col("detect_isPrimary")] == "1");
  }
  EXPECT_GT(u_null, 0);
  EXPECT_LT(u_null, kObjects / 10);
  EXPECT_GT(negative, 0);
  EXPECT_GT(area_null, 0);

  const Table& fsrc = Csv("ForcedSource");
  int fs_null = 0, fs_negative = 0;
  for (const auto& r : fsrc.rows) {
    const std::string& f = r[fsrc.Col("psfFlux")];
    fs_null += f.empty();
    EXPECT_EQ(r[fsrc.Col("psfFlux_flag")], f.empty() ? "1" : "0");
    if (!f.empty()) {
      fs_negative += ToDouble(f) < 0;
      EXPECT_GT(ToDouble(r[fsrc.Col("psfFluxErr")]), 0);
    }
  }
  EXPECT_GT(fs_null, 0);
  EXPECT_LT(fs_null, kObjects * kEpochs / 50);
  EXPECT_GT(fs_negative, 0);
}

TEST_F(GenDp02Test, DiaObjectStatisticsMatchTheirSources) {
  const Table& dobj = Csv("DiaObject");
  const Table& dsrc = Csv("DiaSource");
  const Table& ccd = Csv("CcdVisit");
  std::map<std::string, std::pair<std::string, std::string>> ccd_band_mjd;
  for (const auto& r : ccd.rows) {
    ccd_band_mjd[r[ccd.Col("ccdVisitId")]] = {r[ccd.Col("band")], r[ccd.Col("expMidptMJD")]};
  }
  struct Acc {
    int n = 0;
    std::map<std::string, std::vector<std::pair<double, double>>> by_band;
  };
  std::map<std::string, Acc> acc;
  for (const auto& r : dsrc.rows) {
    auto c = ccd_band_mjd.find(r[dsrc.Col("ccdVisitId")]);
    ASSERT_NE(c, ccd_band_mjd.end());
    EXPECT_EQ(r[dsrc.Col("filterName")], c->second.first);
    EXPECT_EQ(r[dsrc.Col("midPointTai")], c->second.second);
    Acc& a = acc[r[dsrc.Col("diaObjectId")]];
    ++a.n;
    a.by_band[r[dsrc.Col("filterName")]].push_back(
        {ToDouble(r[dsrc.Col("psFlux")]), ToDouble(r[dsrc.Col("psFluxErr")])});
  }
  std::vector<std::pair<double, double>> objects;
  for (const auto& r : Csv("Object").rows) {
    objects.push_back(
        {ToDouble(r[Csv("Object").Col("coord_ra")]), ToDouble(r[Csv("Object").Col("coord_dec")])});
  }
  for (const auto& r : dobj.rows) {
    const std::string& id = r[dobj.Col("diaObjectId")];
    auto a = acc.find(id);
    ASSERT_NE(a, acc.end()) << "DiaObject " << id << " has no DiaSource";
    EXPECT_EQ(ToLong(r[dobj.Col("nDiaSources")]), a->second.n);
    for (const std::string band : {"u", "g", "r", "i", "z", "y"}) {
      const auto& pts = a->second.by_band[band];
      EXPECT_EQ(ToDouble(r[dobj.Col(band + "PSFluxNdata")]), static_cast<double>(pts.size()));
      const std::string& mean = r[dobj.Col(band + "PSFluxMean")];
      if (pts.empty()) {
        EXPECT_EQ(mean, "");
        continue;
      }
      double w = 0, wf = 0;
      for (const auto& [f, e] : pts) {
        w += 1 / (e * e);
        wf += f / (e * e);
      }
      EXPECT_NEAR(ToDouble(mean), wf / w, 1e-9 * std::abs(wf / w) + 1e-9);
    }
    // Each DiaObject sits on an Object (within an arcsecond).
    const double ra = ToDouble(r[dobj.Col("ra")]), dec = ToDouble(r[dobj.Col("decl")]);
    double best = 1;
    for (const auto& [ora, odec] : objects) {
      const double c = std::sin(dec * kDeg) * std::sin(odec * kDeg) +
                       std::cos(dec * kDeg) * std::cos(odec * kDeg) * std::cos((ra - ora) * kDeg);
      best = std::min(best, std::acos(std::min(1.0, c)) / kDeg);
    }
    EXPECT_LT(best, 1.0 / 3600) << "DiaObject " << id;
  }
}

TEST_F(GenDp02Test, SchemaDescribesEveryColumn) {
  const YAML::Node schema = YAML::LoadFile((*root_ / "csv" / "dp02_dc2.yaml").string());
  EXPECT_EQ(schema["name"].as<std::string>(), "dp02_dc2_catalogs");
  const std::set<std::string> felis_types = {"boolean", "int",  "long",   "float",
                                             "double",  "char", "string", "timestamp"};
  std::map<std::string, std::map<std::string, YAML::Node>> described;
  for (const YAML::Node& t : schema["tables"]) {
    const std::string name = t["name"].as<std::string>();
    EXPECT_FALSE(t["description"].as<std::string>().empty());
    std::map<std::string, YAML::Node>& cols = described[name];
    for (const YAML::Node& c : t["columns"]) {
      const std::string col = c["name"].as<std::string>();
      EXPECT_EQ(c["@id"].as<std::string>(), "#" + name + "." + col);
      const std::string type = c["datatype"].as<std::string>();
      EXPECT_EQ(felis_types.count(type), 1u) << name << "." << col << " " << type;
      if (type == "char") {
        EXPECT_GE(c["length"].as<int>(), 1) << name << "." << col;
      }
      EXPECT_FALSE(c["description"].as<std::string>().empty()) << name << "." << col;
      EXPECT_TRUE(cols.emplace(col, c).second) << "duplicate " << name << "." << col;
    }
    const std::string pk = t["primaryKey"].as<std::string>();
    ASSERT_TRUE(pk.starts_with("#" + name + "."));
    EXPECT_EQ(cols.count(pk.substr(name.size() + 2)), 1u) << pk;
  }
  // Foreign keys may point forward, so they are checked once every table is known.
  int foreign_keys = 0;
  for (const YAML::Node& t : schema["tables"]) {
    for (const YAML::Node& fk : t["constraints"]) {
      ++foreign_keys;
      EXPECT_EQ(fk["@type"].as<std::string>(), "ForeignKey");
      for (const char* side : {"columns", "referencedColumns"}) {
        const std::string ref = fk[side][0].as<std::string>();
        const size_t dot = ref.find('.');
        ASSERT_NE(dot, std::string::npos);
        ASSERT_EQ(described.count(ref.substr(1, dot - 1)), 1u) << ref;
        EXPECT_EQ(described[ref.substr(1, dot - 1)].count(ref.substr(dot + 1)), 1u) << ref;
      }
    }
  }
  EXPECT_EQ(foreign_keys, 4);
  // Every file column is described under its table, and every described column is in the files.
  for (const auto& [table, stem] : kTables) {
    ASSERT_EQ(described.count(table), 1u) << table;
    const auto& cols = described[table];
    std::set<std::string> header(Csv(table).columns.begin(), Csv(table).columns.end());
    EXPECT_EQ(header.size(), Csv(table).columns.size()) << "duplicate header in " << table;
    for (const std::string& h : header) EXPECT_EQ(cols.count(h), 1u) << table << "." << h;
    EXPECT_EQ(cols.size(), header.size()) << table;
  }
  // The real DP0.2 types and units of a few columns users query by name.
  EXPECT_EQ(described["Object"]["objectId"]["datatype"].as<std::string>(), "long");
  EXPECT_EQ(described["Object"]["g_psfFlux"]["datatype"].as<std::string>(), "double");
  EXPECT_EQ(described["Object"]["g_psfFlux"]["fits:tunit"].as<std::string>(), "nJy");
  EXPECT_EQ(described["Object"]["coord_ra"]["ivoa:ucd"].as<std::string>(), "pos.eq.ra;meta.main");
  EXPECT_EQ(described["CcdVisit"]["zenithDistance"]["datatype"].as<std::string>(), "float");
  EXPECT_EQ(described["CcdVisit"]["obsStart"]["datatype"].as<std::string>(), "timestamp");
  EXPECT_EQ(described["ForcedSource"]["band"]["length"].as<int>(), 1);

  // FITS column formats agree with the schema's types.
  std::map<std::string, std::string> expected_code = {
      {"boolean", "L"}, {"int", "J"}, {"long", "K"}, {"float", "E"}, {"double", "D"}};
  for (const auto& [table, stem] : kTables) {
    std::map<std::string, std::string> tforms;
    LoadTable(*root_ / "fits", stem, "fits", &tforms);
    for (const auto& [col, tform] : tforms) {
      const YAML::Node& c = described[table][col];
      const std::string type = c["datatype"].as<std::string>();
      if (type == "char") {
        EXPECT_EQ(tform, std::to_string(c["length"].as<int>()) + "A") << table << "." << col;
      } else if (type == "timestamp") {
        EXPECT_EQ(tform.back(), 'A') << table << "." << col;
      } else {
        EXPECT_EQ(tform, expected_code[type]) << table << "." << col;
      }
    }
  }
}

TEST_F(GenDp02Test, FitsCarriesTheSameValuesAsCsv) {
  for (const auto& [table, stem] : kTables) {
    std::map<std::string, std::string> tforms;
    const Table fits = LoadTable(*root_ / "fits", stem, "fits", &tforms);
    const Table& csv = Csv(table);
    ASSERT_EQ(fits.columns, csv.columns) << table;
    ASSERT_EQ(fits.rows.size(), csv.rows.size()) << table;
    for (size_t c = 0; c < csv.columns.size(); ++c) {
      const char code = tforms.at(csv.columns[c]).back();
      for (size_t r = 0; r < csv.rows.size(); ++r) {
        // CSV reals are parsed and printed again the way FITS values were, so equal text means
        // equal values; everything else must match as written.
        std::string want = csv.rows[r][c];
        if (!want.empty() && code == 'D') want = Shortest(std::strtod(want.c_str(), nullptr));
        if (!want.empty() && code == 'E') want = Shortest(std::strtof(want.c_str(), nullptr));
        ASSERT_EQ(fits.rows[r][c], want) << table << " row " << r << " column " << csv.columns[c];
      }
    }
  }
}

std::map<std::string, std::string> DirContents(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    out[e.path().filename().string()] = ReadFile(e.path());
  }
  return out;
}

TEST_F(GenDp02Test, SameSeedGivesIdenticalFiles) {
  const fs::path again = *root_ / "csv-again";
  ASSERT_TRUE(Generate(again, kSeed, "csv").ok());
  const auto a = DirContents(*root_ / "csv");
  const auto b = DirContents(again);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, bytes] : a) {
    ASSERT_EQ(b.count(name), 1u) << name;
    EXPECT_TRUE(b.at(name) == bytes) << name << " differs between two runs with one seed";
  }
  const fs::path fits_again = *root_ / "fits-again";
  ASSERT_TRUE(Generate(fits_again, kSeed, "fits").ok());
  EXPECT_TRUE(DirContents(*root_ / "fits") == DirContents(fits_again));

  const fs::path other = *root_ / "csv-other-seed";
  ASSERT_TRUE(Generate(other, kSeed + 1, "csv").ok());
  const auto c = DirContents(other);
  for (const std::string name : {"object-000.csv", "forcedsource-000.csv", "ccdvisit.csv"}) {
    EXPECT_FALSE(c.at(name) == a.at(name)) << name << " did not change with the seed";
  }
  EXPECT_EQ(c.at("dp02_dc2.yaml"), a.at("dp02_dc2.yaml"));
}

TEST_F(GenDp02Test, RerunReplacesTheOldRelease) {
  const fs::path dir = *root_ / "rerun";
  ASSERT_TRUE(Generate(dir, kSeed, "fits").ok());
  std::ofstream(dir / "notes.txt") << "keep me";
  ASSERT_TRUE(Generate(dir, kSeed, "csv", 500).ok());
  EXPECT_TRUE(DataFiles(dir, "object", "fits").empty());
  EXPECT_TRUE(DataFiles(dir, "forcedsource", "fits").empty());
  EXPECT_FALSE(fs::exists(dir / "ccdvisit.fits"));
  EXPECT_EQ(DataFiles(dir, "object", "csv").size(), 1u);
  EXPECT_EQ(LoadTable(dir, "object", "csv").rows.size(), 500u);
  EXPECT_TRUE(fs::exists(dir / "notes.txt"));
  // Twice in a row in FITS: files are overwritten, not refused.
  ASSERT_TRUE(Generate(dir, kSeed, "fits", 300).ok());
  ASSERT_TRUE(Generate(dir, kSeed, "fits", 300).ok());
  EXPECT_EQ(LoadTable(dir, "object", "fits").rows.size(), 300u);
}

TEST_F(GenDp02Test, RejectsBadOptions) {
  const fs::path dir = *root_ / "never";
  auto with = [&](auto change) {
    GenOptions o;
    o.out_dir = dir.string();
    o.objects = 10;
    o.epochs = 2;
    change(o);
    return GenerateDp02(o, nullptr);
  };
  const std::vector<std::pair<std::string, Status>> bad = {
      {"objects=0", with([](GenOptions& o) { o.objects = 0; })},
      {"objects=-5", with([](GenOptions& o) { o.objects = -5; })},
      {"epochs=0", with([](GenOptions& o) { o.epochs = 0; })},
      {"format=parquet", with([](GenOptions& o) { o.format = "parquet"; })},
      {"format=CSV", with([](GenOptions& o) { o.format = "CSV"; })},
      {"rows_per_file=0", with([](GenOptions& o) { o.rows_per_file = 0; })},
      {"out_dir empty", with([](GenOptions& o) { o.out_dir = ""; })}};
  for (const auto& [what, status] : bad) {
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << what << ": " << status.ToString();
    EXPECT_FALSE(status.message().empty());
  }
  EXPECT_NE(bad[3].second.message().find("parquet"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir)) << "rejected options must not create the directory";

  // A directory that cannot be created (a file is in the way): IOError naming the path.
  const fs::path blocker = *root_ / "blocker";
  std::ofstream(blocker) << "x";
  const Status s = with([&](GenOptions& o) { o.out_dir = (blocker / "sub").string(); });
  EXPECT_EQ(s.code(), StatusCode::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("blocker"), std::string::npos) << s.message();
}

TEST_F(GenDp02Test, SmallestReleaseIsComplete) {
  // One object, one epoch: every table still gets a file (maybe only a header) so the manifest
  // globs match, and the edge-case object sits at the north pole.
  const fs::path dir = *root_ / "tiny";
  GenOptions o;
  o.out_dir = dir.string();
  o.objects = 1;
  o.epochs = 1;
  std::ostringstream log;
  ASSERT_TRUE(GenerateDp02(o, &log).ok());
  EXPECT_NE(log.str().find("1 objects"), std::string::npos) << log.str();
  for (const auto& [table, stem] : kTables) {
    EXPECT_EQ(DataFiles(dir, stem, "csv").size(), 1u) << table;
  }
  const Table obj = LoadTable(dir, "object", "csv");
  ASSERT_EQ(obj.rows.size(), 1u);
  EXPECT_GT(ToDouble(obj.rows[0][obj.Col("coord_dec")]), 89.99);
  EXPECT_EQ(LoadTable(dir, "forcedsource", "csv").rows.size(), 1u);
}

}  // namespace
}  // namespace skyshard
