// Synthetic DP0.2-like release generator; see gen_dp02.h and docs/demo-data.md.
//
// Layout of this file: a small deterministic PRNG, the table specifications (which drive the
// schema, the CSV header and the FITS columns alike, so the three cannot disagree), column
// batches, the CSV and FITS writers, the sky and photometry model, and the driver.

#include "clients/gen_dp02.h"

#include <fitsio.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <numeric>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace skyshard {
namespace {

namespace fs = std::filesystem;

constexpr double kPi = 3.14159265358979323846;
constexpr double kDegToRad = kPi / 180.0;
constexpr double kRadToDeg = 180.0 / kPi;
constexpr double kArcsec = 1.0 / 3600.0;

// ---------------------------------------------------------------------------------------------
// Randomness. The standard distributions are implementation-defined (libstdc++ and libc++ give
// different normals for the same engine), so everything is built on our own xoshiro256** and
// Box-Muller to keep a seed's output stable across toolchains.

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Independent stream per (seed, purpose, index): an object's values depend only on the seed
// and its index, never on chunking or on what was generated before it.
uint64_t StreamSeed(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t s = seed;
  uint64_t a = SplitMix64(&s);
  s = a ^ (stream * 0xD1B54A32D192ED03ULL);
  uint64_t b = SplitMix64(&s);
  s = b + index;
  return SplitMix64(&s);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : state_) word = SplitMix64(&seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform in [0, n); the modulo bias is irrelevant at these n.
  uint64_t Below(uint64_t n) { return Next() % n; }
  bool Chance(double p) { return Uniform() < p; }

  // Standard normal by Box-Muller; the second value of each pair is kept for the next call.
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - Uniform();  // (0, 1]: log stays finite
    const double u2 = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * kPi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * kPi * u2);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::array<uint64_t, 4> state_{};
  double spare_ = 0;
  bool has_spare_ = false;
};

// Stream ids for StreamSeed.
constexpr uint64_t kStreamObject = 1;
constexpr uint64_t kStreamClusters = 2;
constexpr uint64_t kStreamVisits = 3;

// ---------------------------------------------------------------------------------------------
// Table specifications.

enum class Kind { kBoolean, kInt, kLong, kFloat, kDouble, kChar, kTimestamp };

struct ColumnSpec {
  std::string name;
  Kind kind = Kind::kDouble;
  std::string unit;  // fits:tunit, "" for none
  std::string ucd;   // ivoa:ucd, "" for none
  std::string description;
  bool principal = false;
  int length = 0;  // char(n) only
};

struct ForeignKeySpec {
  std::string name;
  std::string description;
  std::string column;  // in this table
  std::string ref_table;
  std::string ref_column;
};

struct TableSpec {
  std::string name;
  std::string description;
  std::string primary_key;
  int table_index = 0;
  std::string file_stem;  // "object" -> object-000.csv; single-file tables use it as the name
  bool single_file = false;
  std::vector<ColumnSpec> columns;
  std::vector<ForeignKeySpec> foreign_keys;
};

constexpr std::array<char, 6> kBands = {'u', 'g', 'r', 'i', 'z', 'y'};
constexpr int kTimestampChars = 26;  // "2023-05-01T03:04:05.123456"

ColumnSpec Col(std::string name, Kind kind, std::string unit, std::string ucd,
               std::string description, bool principal = false, int length = 0) {
  ColumnSpec c;
  c.name = std::move(name);
  c.kind = kind;
  c.unit = std::move(unit);
  c.ucd = std::move(ucd);
  c.description = std::move(description);
  c.principal = principal;
  c.length = length;
  return c;
}

std::string BandName(int b) { return std::string(1, kBands[static_cast<size_t>(b)]); }

// Column order here is the order of the values appended in the generators below.
TableSpec ObjectSpec() {
  TableSpec t;
  t.name = "Object";
  t.description =
      "Astronomical objects detected on the deep coadds, with forced photometry in "
      "all six bands (synthetic).";
  t.primary_key = "objectId";
  t.table_index = 10;
  t.file_stem = "object";
  auto& c = t.columns;
  c.push_back(Col("objectId", Kind::kLong, "", "meta.id;src;meta.main",
                  "Identifier of the object, unique in the release.", true));
  c.push_back(Col("coord_ra", Kind::kDouble, "deg", "pos.eq.ra;meta.main",
                  "ICRS right ascension of the object centroid, used for spatial indexing.", true));
  c.push_back(Col("coord_dec", Kind::kDouble, "deg", "pos.eq.dec;meta.main",
                  "ICRS declination of the object centroid, used for spatial indexing.", true));
  c.push_back(Col("tract", Kind::kLong, "", "meta.id;obs.field",
                  "Sky-map tract that contains the object."));
  c.push_back(Col("patch", Kind::kLong, "", "meta.id.part;obs.field",
                  "Patch of the tract that contains the object."));
  c.push_back(Col("detect_isPrimary", Kind::kBoolean, "", "",
                  "True for the primary, deduplicated measurement of a source.", true));
  c.push_back(Col("refBand", Kind::kChar, "", "meta.id;instr.filter;meta.main",
                  "Band whose coadd measurements seeded the multi-band forced photometry.", false,
                  1));
  c.push_back(Col("refExtendedness", Kind::kDouble, "", "",
                  "1 for an extended source, 0 for a point source, in the reference band.", true));
  c.push_back(Col("refFwhm", Kind::kDouble, "", "",
                  "FWHM of a Gaussian fitted at the object's position in the reference band."));
  c.push_back(Col("footprintArea", Kind::kInt, "pixel", "",
                  "Pixels in the detection footprint in the reference band."));
  c.push_back(Col("shape_xx", Kind::kDouble, "pixel**2", "",
                  "Second moment xx of the object's light profile, reference band."));
  c.push_back(Col("shape_yy", Kind::kDouble, "pixel**2", "",
                  "Second moment yy of the object's light profile, reference band."));
  c.push_back(Col("shape_xy", Kind::kDouble, "pixel**2", "",
                  "Second moment xy of the object's light profile, reference band."));
  for (int b = 0; b < 6; ++b) {
    const std::string band = BandName(b);
    const std::string p = band + "_";
    c.push_back(Col(p + "psfFlux", Kind::kDouble, "nJy", "",
                    "PSF-model flux forced on the " + band + "-band coadd; may be negative.",
                    true));
    c.push_back(
        Col(p + "psfFluxErr", Kind::kDouble, "nJy", "", "Uncertainty of " + p + "psfFlux.", true));
    c.push_back(Col(p + "psfFlux_flag", Kind::kBoolean, "", "",
                    "Set when the " + band + "-band PSF flux measurement failed."));
    c.push_back(Col(p + "cModelFlux", Kind::kDouble, "nJy", "",
                    "Composite-model flux forced on the " + band + "-band coadd."));
    c.push_back(
        Col(p + "cModelFluxErr", Kind::kDouble, "nJy", "", "Uncertainty of " + p + "cModelFlux."));
  }
  return t;
}

TableSpec ForcedSourceSpec() {
  TableSpec t;
  t.name = "ForcedSource";
  t.description =
      "Forced PSF photometry of every Object on single-epoch visit images and their "
      "difference images (synthetic).";
  t.primary_key = "forcedSourceId";
  t.table_index = 30;
  t.file_stem = "forcedsource";
  auto& c = t.columns;
  c.push_back(Col("forcedSourceId", Kind::kLong, "", "meta.id;meta.main",
                  "Identifier of the forced measurement, unique in the release.", true));
  c.push_back(
      Col("objectId", Kind::kLong, "", "meta.id", "The measured Object (Object.objectId).", true));
  c.push_back(Col("ccdVisitId", Kind::kLong, "", "meta.id;obs.image",
                  "The visit image measured (CcdVisit.ccdVisitId).", true));
  c.push_back(Col("band", Kind::kChar, "", "meta.id;instr.filter",
                  "Band of the visit (one of ugrizy).", true, 1));
  c.push_back(Col("coord_ra", Kind::kDouble, "deg", "pos.eq.ra;meta.main",
                  "Right ascension of the Object, copied for spatial indexing."));
  c.push_back(Col("coord_dec", Kind::kDouble, "deg", "pos.eq.dec;meta.main",
                  "Declination of the Object, copied for spatial indexing."));
  c.push_back(Col("psfFlux", Kind::kDouble, "nJy", "phot.flux",
                  "PSF flux forced at the Object's position on the calibrated visit image.", true));
  c.push_back(Col("psfFluxErr", Kind::kDouble, "nJy", "stat.error;phot.flux",
                  "Uncertainty of psfFlux.", true));
  c.push_back(Col("psfFlux_flag", Kind::kBoolean, "", "meta.code.qual",
                  "Set when the forced PSF fit on the visit image failed (psfFlux is NULL)."));
  c.push_back(Col("psfDiffFlux", Kind::kDouble, "nJy", "phot.flux",
                  "PSF flux forced at the Object's position on the difference image.", true));
  c.push_back(Col("psfDiffFluxErr", Kind::kDouble, "nJy", "stat.error;phot.flux",
                  "Uncertainty of psfDiffFlux.", true));
  c.push_back(Col("detect_isPrimary", Kind::kBoolean, "", "meta.code.qual",
                  "Copy of the Object's detect_isPrimary.", true));
  t.foreign_keys.push_back({"Obj_FS", "Each forced measurement belongs to one Object.", "objectId",
                            "Object", "objectId"});
  t.foreign_keys.push_back({"CcdV_FS", "Each forced measurement was made on one CCD image.",
                            "ccdVisitId", "CcdVisit", "ccdVisitId"});
  return t;
}

TableSpec CcdVisitSpec() {
  TableSpec t;
  t.name = "CcdVisit";
  t.description =
      "One row per CCD image of a visit: when, where and in which band it was taken, "
      "and its observing conditions (synthetic).";
  t.primary_key = "ccdVisitId";
  t.table_index = 80;
  t.file_stem = "ccdvisit";
  t.single_file = true;
  auto& c = t.columns;
  c.push_back(Col("ccdVisitId", Kind::kLong, "", "meta.id;obs.image;meta.main",
                  "Identifier of the CCD image: visitId * 1000 + detector.", true));
  c.push_back(Col("visitId", Kind::kLong, "", "meta.id.parent;obs",
                  "Identifier of the visit the image belongs to.", true));
  c.push_back(Col("detector", Kind::kLong, "", "meta.id.part;instr.det",
                  "Detector (CCD) number in the camera, 0-188.", true));
  c.push_back(Col("band", Kind::kChar, "", "meta.id;instr.bandpass",
                  "Abstract band of the exposure (one of ugrizy).", true, 1));
  c.push_back(Col("physical_filter", Kind::kChar, "", "meta.id;instr.filter",
                  "Name of the physical filter in the simulated camera.", false, 32));
  c.push_back(Col("ra", Kind::kDouble, "deg", "pos.eq.ra;meta.main",
                  "Right ascension of the CCD centre.", true));
  c.push_back(Col("decl", Kind::kDouble, "deg", "pos.eq.dec;meta.main",
                  "Declination of the CCD centre.", true));
  c.push_back(Col("zenithDistance", Kind::kFloat, "deg", "pos.az.zd",
                  "Zenith distance at the middle of the exposure.", true));
  c.push_back(Col("zeroPoint", Kind::kFloat, "mag", "arith.zp;instr.calib",
                  "Photometric zero point at the CCD centre."));
  c.push_back(Col("seeing", Kind::kDouble, "arcsec", "instr.obsty.seeing",
                  "Mean FWHM of the point-spread function.", true));
  c.push_back(
      Col("skyRotation", Kind::kDouble, "deg", "pos.posAng", "Rotation of the camera on the sky."));
  c.push_back(
      Col("expTime", Kind::kDouble, "s", "time.duration;obs.exposure", "Exposure duration.", true));
  c.push_back(
      Col("expMidpt", Kind::kTimestamp, "", "", "Middle of the exposure (TAI), as a timestamp."));
  c.push_back(Col("expMidptMJD", Kind::kDouble, "d", "time.epoch;obs.exposure",
                  "Middle of the exposure (TAI), as a Modified Julian Date.", true));
  c.push_back(Col("obsStart", Kind::kTimestamp, "", "time.start;obs.exposure",
                  "Start of the exposure (TAI), as a timestamp."));
  c.push_back(Col("obsStartMJD", Kind::kDouble, "d", "time.start;obs.exposure",
                  "Start of the exposure (TAI), as a Modified Julian Date."));
  return t;
}

TableSpec DiaObjectSpec() {
  TableSpec t;
  t.name = "DiaObject";
  t.description =
      "Variable objects found on difference images, with light-curve statistics "
      "per band computed from their DiaSources (synthetic).";
  t.primary_key = "diaObjectId";
  t.table_index = 40;
  t.file_stem = "diaobject";
  auto& c = t.columns;
  c.push_back(Col("diaObjectId", Kind::kLong, "", "meta.id;meta.main",
                  "Identifier of the DiaObject, unique in the release.", true));
  c.push_back(Col("ra", Kind::kDouble, "deg", "pos.eq.ra;meta.main",
                  "Mean right ascension of the associated DiaSources.", true));
  c.push_back(Col("decl", Kind::kDouble, "deg", "pos.eq.dec;meta.main",
                  "Mean declination of the associated DiaSources.", true));
  c.push_back(Col("nDiaSources", Kind::kLong, "", "",
                  "Number of DiaSources associated with this DiaObject.", true));
  for (int b = 0; b < 6; ++b) {
    const std::string band = BandName(b);
    const std::string p = band + "PSFlux";
    const std::string of = " of the " + band + "-band DiaSource PSF fluxes";
    c.push_back(Col(p + "Mean", Kind::kDouble, "", "",
                    "Inverse-variance weighted mean" + of + "; NULL without data.", true));
    c.push_back(Col(p + "MeanErr", Kind::kDouble, "", "", "Standard error of " + p + "Mean."));
    c.push_back(Col(p + "Sigma", Kind::kDouble, "", "",
                    "Sample standard deviation" + of + "; NULL with fewer than two."));
    c.push_back(Col(p + "Chi2", Kind::kDouble, "", "",
                    "Chi-square of the " + band + "-band fluxes about " + p + "Mean."));
    c.push_back(Col(p + "Ndata", Kind::kDouble, "", "",
                    "Number of " + band + "-band DiaSources used in the statistics.", true));
    c.push_back(Col(p + "Min", Kind::kDouble, "", "", "Smallest" + of + "."));
    c.push_back(Col(p + "Max", Kind::kDouble, "", "", "Largest" + of + "."));
    c.push_back(Col(p + "StetsonJ", Kind::kDouble, "", "",
                    "Stetson J variability index" + of + "; NULL with fewer than two."));
    c.push_back(Col(band + "TOTFluxMean", Kind::kDouble, "", "",
                    "Weighted mean " + band +
                        "-band flux measured on the direct images at the "
                        "DiaSource positions."));
    c.push_back(Col(band + "TOTFluxMeanErr", Kind::kDouble, "", "",
                    "Standard error of " + band + "TOTFluxMean."));
  }
  return t;
}

TableSpec DiaSourceSpec() {
  TableSpec t;
  t.name = "DiaSource";
  t.description =
      "Detections on difference images, each associated with a DiaObject "
      "(synthetic).";
  t.primary_key = "diaSourceId";
  t.table_index = 50;
  t.file_stem = "diasource";
  auto& c = t.columns;
  c.push_back(Col("diaSourceId", Kind::kLong, "", "meta.id;src;meta.main",
                  "Identifier of the detection, unique in the release.", true));
  c.push_back(Col("diaObjectId", Kind::kLong, "", "meta.id.assoc;src",
                  "The DiaObject this detection belongs to (DiaObject.diaObjectId).", true));
  c.push_back(Col("ccdVisitId", Kind::kLong, "", "meta.id;obs.image",
                  "The CCD image of the detection (CcdVisit.ccdVisitId).", true));
  c.push_back(
      Col("filterName", Kind::kChar, "", "", "Band of the detection (one of ugrizy).", true, 1));
  c.push_back(Col("midPointTai", Kind::kDouble, "d", "time.epoch;obs.exposure",
                  "Middle of the exposure (TAI, MJD).", true));
  c.push_back(
      Col("ra", Kind::kDouble, "deg", "pos.eq.ra", "Right ascension of the detection.", true));
  c.push_back(
      Col("decl", Kind::kDouble, "deg", "pos.eq.dec", "Declination of the detection.", true));
  c.push_back(Col("x", Kind::kDouble, "pixel", "", "Column of the centroid on the CCD."));
  c.push_back(Col("y", Kind::kDouble, "pixel", "", "Row of the centroid on the CCD."));
  c.push_back(Col("psFlux", Kind::kDouble, "nJy", "",
                  "PSF flux on the difference image; negative when the source faded.", true));
  c.push_back(Col("psFluxErr", Kind::kDouble, "nJy", "", "Uncertainty of psFlux.", true));
  c.push_back(Col("snr", Kind::kDouble, "", "", "Signal-to-noise ratio of the detection."));
  c.push_back(Col("totFlux", Kind::kDouble, "nJy", "",
                  "PSF flux forced at the detection on the direct (calibrated) image."));
  c.push_back(Col("totFluxErr", Kind::kDouble, "nJy", "", "Uncertainty of totFlux."));
  t.foreign_keys.push_back({"DiaO_DiaS", "Each detection belongs to one DiaObject.", "diaObjectId",
                            "DiaObject", "diaObjectId"});
  t.foreign_keys.push_back({"CcdV_DiaS", "Each detection was made on one CCD image.", "ccdVisitId",
                            "CcdVisit", "ccdVisitId"});
  return t;
}

// ---------------------------------------------------------------------------------------------
// Column batches: a chunk of rows held column-wise, filled row by row in spec order.
// NULL is a sentinel in the value itself (NaN, or the integer minimum, which never occurs as
// data), which is also what FITS wants: TNULLn for integers, NaN for floats.

constexpr int64_t kNullInt = std::numeric_limits<int32_t>::min();
constexpr int64_t kNullLong = std::numeric_limits<int64_t>::min();

struct ColumnData {
  std::vector<int64_t> ints;  // boolean, int, long, timestamp (microseconds since 1970)
  std::vector<double> reals;  // float, double
  std::vector<char> chars;    // char(n): n bytes a row, NUL-padded
};

class Batch {
 public:
  explicit Batch(const TableSpec* spec) : spec_(spec), columns_(spec->columns.size()) {}

  const TableSpec& spec() const { return *spec_; }
  size_t rows() const { return rows_; }
  const ColumnData& column(size_t i) const { return columns_[i]; }

  void Clear() {
    for (ColumnData& c : columns_) {
      c.ints.clear();
      c.reals.clear();
      c.chars.clear();
    }
    rows_ = 0;
  }

  Batch& Bool(bool v) { return Int(Kind::kBoolean, v ? 1 : 0); }
  Batch& Int32(int64_t v) { return Int(Kind::kInt, v); }
  Batch& Long(int64_t v) { return Int(Kind::kLong, v); }
  Batch& Timestamp(int64_t micros) { return Int(Kind::kTimestamp, micros); }
  Batch& Float(double v) { return Real(Kind::kFloat, v); }
  Batch& Double(double v) { return Real(Kind::kDouble, v); }
  Batch& Char(std::string_view v) {
    const ColumnSpec& spec = spec_->columns[next_];
    assert(spec.kind == Kind::kChar && v.size() <= static_cast<size_t>(spec.length));
    std::vector<char>& out = columns_[next_++].chars;
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(spec.length), '\0');
    std::memcpy(out.data() + at, v.data(), v.size());
    return *this;
  }
  // NULL for an int, long, float or double column. A NaN or infinite real is also stored as
  // NULL, so no non-finite value ever reaches a file.
  Batch& Null() {
    switch (spec_->columns[next_].kind) {
      case Kind::kInt:
        columns_[next_++].ints.push_back(kNullInt);
        break;
      case Kind::kLong:
        columns_[next_++].ints.push_back(kNullLong);
        break;
      case Kind::kFloat:
      case Kind::kDouble:
        columns_[next_++].reals.push_back(std::numeric_limits<double>::quiet_NaN());
        break;
      default:
        assert(false && "booleans, chars and timestamps are never NULL here");
    }
    return *this;
  }
  Batch& DoubleOrNull(bool present, double v) { return present ? Double(v) : Null(); }

  void EndRow() {
    assert(next_ == columns_.size());
    next_ = 0;
    ++rows_;
  }

 private:
  Batch& Int(Kind kind, int64_t v) {
    assert(spec_->columns[next_].kind == kind);
    (void)kind;
    columns_[next_++].ints.push_back(v);
    return *this;
  }
  Batch& Real(Kind kind, double v) {
    assert(spec_->columns[next_].kind == kind);
    (void)kind;
    if (!std::isfinite(v)) v = std::numeric_limits<double>::quiet_NaN();
    columns_[next_++].reals.push_back(v);
    return *this;
  }

  const TableSpec* spec_;
  std::vector<ColumnData> columns_;
  size_t rows_ = 0;
  size_t next_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Timestamps: fixed-width "YYYY-MM-DDTHH:MM:SS.ffffff" (UTC), for CSV and FITS alike.

void FormatIsoMicros(int64_t micros, char* out) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Timestamps here fall in the 2020s, so walking years and months is cheap and obviously right.
  int64_t year = 1970;
  auto leap = [](int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; };
  while (days >= (leap(year) ? 366 : 365)) days -= leap(year++) ? 366 : 365;
  while (days < 0) days += leap(--year) ? 366 : 365;
  static constexpr std::array<int, 12> kMonthDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  int month = 0;
  for (;; ++month) {
    const int len = kMonthDays[static_cast<size_t>(month)] + (month == 1 && leap(year) ? 1 : 0);
    if (days < len) break;
    days -= len;
  }
  auto put = [&out](int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      out[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    out += width;
  };
  put(year, 4);
  *out++ = '-';
  put(month + 1, 2);
  *out++ = '-';
  put(days + 1, 2);
  *out++ = 'T';
  put(rem / 3600, 2);
  *out++ = ':';
  put(rem / 60 % 60, 2);
  *out++ = ':';
  put(rem % 60, 2);
  *out++ = '.';
  put(frac, 6);
}

// ---------------------------------------------------------------------------------------------
// Writers. A TableFile is one file of one table; TableOutput splits a table into files.

class TableFile {
 public:
  virtual ~TableFile() = default;
  virtual Status Open(const std::string& path, const TableSpec& spec) = 0;
  // Appends rows [begin, end) of `batch`.
  virtual Status Write(const Batch& batch, size_t begin, size_t end) = 0;
  virtual Status Close() = 0;
};

Status ErrnoError(const std::string& what, const std::string& path, int err) {
  return Status::IOError(what + " " + path + ": " + std::strerror(err));
}

class CsvFile final : public TableFile {
 public:
  ~CsvFile() override {
    if (file_ != nullptr) std::fclose(file_);
  }

  Status Open(const std::string& path, const TableSpec& spec) override {
    path_ = path;
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) return ErrnoError("cannot create", path, errno);
    buffer_.resize(kBufferBytes);
    used_ = 0;
    // Worst case of one formatted row: a double is at most 24 characters.
    max_row_bytes_ = 1;
    for (const ColumnSpec& c : spec.columns) {
      max_row_bytes_ += 1 + (c.kind == Kind::kChar ? static_cast<size_t>(c.length) : 32);
    }
    std::string header;
    for (const ColumnSpec& c : spec.columns) {
      if (!header.empty()) header += ',';
      header += c.name;
    }
    header += '\n';
    std::memcpy(buffer_.data(), header.data(), header.size());
    used_ = header.size();
    return Status::OK();
  }

  Status Write(const Batch& batch, size_t begin, size_t end) override {
    const TableSpec& spec = batch.spec();
    const size_t ncols = spec.columns.size();
    for (size_t r = begin; r < end; ++r) {
      if (used_ + max_row_bytes_ > buffer_.size()) SKY_RETURN_IF_ERROR(Flush());
      char* p = buffer_.data() + used_;
      char* const limit = buffer_.data() + buffer_.size();
      for (size_t c = 0; c < ncols; ++c) {
        if (c != 0) *p++ = ',';
        const ColumnData& data = batch.column(c);
        const ColumnSpec& cs = spec.columns[c];
        switch (cs.kind) {
          case Kind::kBoolean:
            *p++ = data.ints[r] != 0 ? '1' : '0';
            break;
          case Kind::kInt:
          case Kind::kLong: {
            const int64_t v = data.ints[r];
            if (v != (cs.kind == Kind::kInt ? kNullInt : kNullLong)) {
              p = std::to_chars(p, limit, v).ptr;
            }
            break;
          }
          case Kind::kFloat: {
            const double v = data.reals[r];
            if (!std::isnan(v)) p = std::to_chars(p, limit, static_cast<float>(v)).ptr;
            break;
          }
          case Kind::kDouble: {
            const double v = data.reals[r];
            if (!std::isnan(v)) p = std::to_chars(p, limit, v).ptr;
            break;
          }
          case Kind::kChar: {
            const size_t len = static_cast<size_t>(cs.length);
            const char* s = data.chars.data() + r * len;
            for (size_t i = 0; i < len && s[i] != '\0'; ++i) *p++ = s[i];
            break;
          }
          case Kind::kTimestamp:
            FormatIsoMicros(data.ints[r], p);
            p += kTimestampChars;
            break;
        }
      }
      *p++ = '\n';
      used_ = static_cast<size_t>(p - buffer_.data());
    }
    return Status::OK();
  }

  Status Close() override {
    Status s = Flush();
    const int rc = std::fclose(file_);
    const int err = errno;
    file_ = nullptr;
    SKY_RETURN_IF_ERROR(s);
    // A full disk often surfaces only here, when the C library writes its last buffer.
    if (rc != 0) return ErrnoError("cannot write", path_, err);
    return Status::OK();
  }

 private:
  static constexpr size_t kBufferBytes = 8 << 20;

  Status Flush() {
    if (used_ > 0 && std::fwrite(buffer_.data(), 1, used_, file_) != used_) {
      return ErrnoError("cannot write", path_, errno);
    }
    used_ = 0;
    return Status::OK();
  }

  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  size_t used_ = 0;
  size_t max_row_bytes_ = 0;
};

class FitsFile final : public TableFile {
 public:
  ~FitsFile() override {
    if (fptr_ != nullptr) {
      int status = 0;
      fits_close_file(fptr_, &status);
    }
  }

  Status Open(const std::string& path, const TableSpec& spec) override {
    path_ = path;
    int status = 0;
    // The leading '!' tells cfitsio to replace an existing file.
    const std::string name = "!" + path;
    if (fits_create_file(&fptr_, name.c_str(), &status) != 0) {
      fptr_ = nullptr;
      return FitsError("cannot create", status);
    }
    const size_t n = spec.columns.size();
    std::vector<std::string> ttype(n), tform(n), tunit(n);
    for (size_t i = 0; i < n; ++i) {
      const ColumnSpec& c = spec.columns[i];
      ttype[i] = c.name;
      tunit[i] = c.unit;
      switch (c.kind) {
        case Kind::kBoolean:
          tform[i] = "L";
          break;
        case Kind::kInt:
          tform[i] = "J";
          break;
        case Kind::kLong:
          tform[i] = "K";
          break;
        case Kind::kFloat:
          tform[i] = "E";
          break;
        case Kind::kDouble:
          tform[i] = "D";
          break;
        case Kind::kChar:
          tform[i] = std::to_string(c.length) + "A";
          break;
        case Kind::kTimestamp:
          tform[i] = std::to_string(kTimestampChars) + "A";
          break;
      }
    }
    // cfitsio takes non-const char* arrays; it does not modify them.
    std::vector<char*> ttype_p(n), tform_p(n), tunit_p(n);
    for (size_t i = 0; i < n; ++i) {
      ttype_p[i] = ttype[i].data();
      tform_p[i] = tform[i].data();
      tunit_p[i] = tunit[i].data();
    }
    fits_create_tbl(fptr_, BINARY_TBL, 0, static_cast<int>(n), ttype_p.data(), tform_p.data(),
                    tunit_p.data(), spec.name.c_str(), &status);
    for (size_t i = 0; i < n && status == 0; ++i) {
      const Kind kind = spec.columns[i].kind;
      if (kind != Kind::kInt && kind != Kind::kLong) continue;
      const LONGLONG null_value = kind == Kind::kInt ? kNullInt : kNullLong;
      const std::string key = "TNULL" + std::to_string(i + 1);
      fits_write_key_lng(fptr_, key.c_str(), null_value, "value of NULL", &status);
      fits_set_btblnull(fptr_, static_cast<int>(i + 1), null_value, &status);
    }
    long optimal = 0;
    fits_get_rowsize(fptr_, &optimal, &status);
    if (status != 0) return FitsError("cannot write", status);
    // Writing column by column within cfitsio's buffered rows avoids re-reading the file.
    rows_per_pass_ = static_cast<size_t>(std::max(optimal, 1L));
    next_row_ = 1;
    return Status::OK();
  }

  Status Write(const Batch& batch, size_t begin, size_t end) override {
    const TableSpec& spec = batch.spec();
    int status = 0;
    for (size_t first = begin; first < end; first += rows_per_pass_) {
      const size_t count = std::min(rows_per_pass_, end - first);
      for (size_t c = 0; c < spec.columns.size() && status == 0; ++c) {
        WriteColumn(spec.columns[c], static_cast<int>(c + 1), batch.column(c), first, count,
                    &status);
      }
      if (status != 0) return FitsError("cannot write", status);
      next_row_ += static_cast<LONGLONG>(count);
    }
    return Status::OK();
  }

  Status Close() override {
    int status = 0;
    fits_close_file(fptr_, &status);
    fptr_ = nullptr;
    if (status != 0) return FitsError("cannot write", status);
    return Status::OK();
  }

 private:
  void WriteColumn(const ColumnSpec& spec, int colnum, const ColumnData& data, size_t first,
                   size_t count, int* status) {
    const LONGLONG n = static_cast<LONGLONG>(count);
    switch (spec.kind) {
      case Kind::kBoolean:
        logicals_.resize(count);
        for (size_t i = 0; i < count; ++i) logicals_[i] = data.ints[first + i] != 0 ? 1 : 0;
        fits_write_col(fptr_, TLOGICAL, colnum, next_row_, 1, n, logicals_.data(), status);
        break;
      case Kind::kInt:
        ints_.resize(count);
        for (size_t i = 0; i < count; ++i) ints_[i] = static_cast<int>(data.ints[first + i]);
        fits_write_col(fptr_, TINT, colnum, next_row_, 1, n, ints_.data(), status);
        break;
      case Kind::kLong:
        longs_.assign(data.ints.begin() + static_cast<ptrdiff_t>(first),
                      data.ints.begin() + static_cast<ptrdiff_t>(first + count));
        fits_write_col(fptr_, TLONGLONG, colnum, next_row_, 1, n, longs_.data(), status);
        break;
      case Kind::kFloat:
        floats_.resize(count);
        for (size_t i = 0; i < count; ++i) floats_[i] = static_cast<float>(data.reals[first + i]);
        fits_write_col(fptr_, TFLOAT, colnum, next_row_, 1, n, floats_.data(), status);
        break;
      case Kind::kDouble:
        doubles_.assign(data.reals.begin() + static_cast<ptrdiff_t>(first),
                        data.reals.begin() + static_cast<ptrdiff_t>(first + count));
        fits_write_col(fptr_, TDOUBLE, colnum, next_row_, 1, n, doubles_.data(), status);
        break;
      case Kind::kChar:
      case Kind::kTimestamp: {
        const bool is_char = spec.kind == Kind::kChar;
        const size_t width = is_char ? static_cast<size_t>(spec.length) : kTimestampChars;
        strings_.assign(count * (width + 1), '\0');
        string_ptrs_.resize(count);
        for (size_t i = 0; i < count; ++i) {
          char* dst = strings_.data() + i * (width + 1);
          if (is_char) {
            std::memcpy(dst, data.chars.data() + (first + i) * width, width);
          } else {
            FormatIsoMicros(data.ints[first + i], dst);
          }
          string_ptrs_[i] = dst;
        }
        fits_write_col(fptr_, TSTRING, colnum, next_row_, 1, n, string_ptrs_.data(), status);
        break;
      }
    }
  }

  Status FitsError(const std::string& what, int status) {
    char text[FLEN_STATUS] = {0};
    fits_get_errstatus(status, text);
    fits_clear_errmsg();
    return Status::IOError(what + " " + path_ + ": " + text);
  }

  std::string path_;
  fitsfile* fptr_ = nullptr;
  size_t rows_per_pass_ = 1;
  LONGLONG next_row_ = 1;
  // Scratch arrays in the types cfitsio wants, reused across passes.
  std::vector<char> logicals_;
  std::vector<int> ints_;
  std::vector<LONGLONG> longs_;
  std::vector<float> floats_;
  std::vector<double> doubles_;
  std::vector<char> strings_;
  std::vector<char*> string_ptrs_;
};

class TableOutput {
 public:
  TableOutput(const TableSpec* spec, std::string dir, std::string format, int64_t rows_per_file)
      : spec_(spec),
        dir_(std::move(dir)),
        format_(std::move(format)),
        rows_per_file_(spec->single_file ? std::numeric_limits<int64_t>::max() : rows_per_file) {}

  // The manifest glob for this table's files.
  std::string Pattern() const {
    return spec_->single_file ? spec_->file_stem + "." + format_
                              : spec_->file_stem + "-*." + format_;
  }

  int64_t rows_written() const { return total_rows_; }

  Status Append(const Batch& batch) {
    size_t pos = 0;
    while (pos < batch.rows()) {
      if (file_ == nullptr) SKY_RETURN_IF_ERROR(OpenNext());
      const size_t room = static_cast<size_t>(
          std::min<int64_t>(rows_per_file_ - rows_in_file_, static_cast<int64_t>(batch.rows())));
      const size_t n = std::min(room, batch.rows() - pos);
      SKY_RETURN_IF_ERROR(file_->Write(batch, pos, pos + n));
      pos += n;
      rows_in_file_ += static_cast<int64_t>(n);
      total_rows_ += static_cast<int64_t>(n);
      if (rows_in_file_ == rows_per_file_) SKY_RETURN_IF_ERROR(CloseCurrent());
    }
    return Status::OK();
  }

  // Closes the last file; a table without rows still gets one file with just its columns,
  // so that the manifest's glob matches.
  Status Finish() {
    if (file_ == nullptr && files_ == 0) SKY_RETURN_IF_ERROR(OpenNext());
    if (file_ != nullptr) SKY_RETURN_IF_ERROR(CloseCurrent());
    return Status::OK();
  }

 private:
  Status OpenNext() {
    std::string name;
    if (spec_->single_file) {
      name = spec_->file_stem + "." + format_;
    } else {
      char num[32];
      std::snprintf(num, sizeof(num), "-%03d.", files_);
      name = spec_->file_stem + num + format_;
    }
    if (format_ == "fits") {
      file_ = std::make_unique<FitsFile>();
    } else {
      file_ = std::make_unique<CsvFile>();
    }
    ++files_;
    rows_in_file_ = 0;
    Status s = file_->Open((fs::path(dir_) / name).string(), *spec_);
    if (!s.ok()) file_.reset();
    return s;
  }

  Status CloseCurrent() {
    Status s = file_->Close();
    file_.reset();
    return s;
  }

  const TableSpec* spec_;
  std::string dir_;
  std::string format_;
  int64_t rows_per_file_;
  std::unique_ptr<TableFile> file_;
  int files_ = 0;
  int64_t rows_in_file_ = 0;
  int64_t total_rows_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Schema and manifest.

std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
  return out;
}

std::string_view FelisType(Kind kind) {
  switch (kind) {
    case Kind::kBoolean:
      return "boolean";
    case Kind::kInt:
      return "int";
    case Kind::kLong:
      return "long";
    case Kind::kFloat:
      return "float";
    case Kind::kDouble:
      return "double";
    case Kind::kChar:
      return "char";
    case Kind::kTimestamp:
      return "timestamp";
  }
  return "double";
}

std::string SchemaYaml(const std::vector<const TableSpec*>& tables) {
  std::string y;
  y += "---\n";
  y += "name: dp02_dc2_catalogs\n";
  y += "\"@id\": \"#dp02_dc2_catalogs\"\n";
  y += "description: " +
       Quoted(
           "Synthetic test release shaped like Rubin Data Preview 0.2: the tables, column "
           "names, types, units and UCDs follow DP0.2, the values are simulated by "
           "`skyshard gen dp02`.") +
       "\n";
  y += "tables:\n";
  for (const TableSpec* t : tables) {
    y += "- name: " + t->name + "\n";
    y += "  \"@id\": \"#" + t->name + "\"\n";
    y += "  description: " + Quoted(t->description) + "\n";
    y += "  primaryKey: \"#" + t->name + "." + t->primary_key + "\"\n";
    y += "  tap:table_index: " + std::to_string(t->table_index) + "\n";
    y += "  columns:\n";
    int index = 0;
    for (const ColumnSpec& c : t->columns) {
      y += "  - name: " + c.name + "\n";
      y += "    \"@id\": \"#" + t->name + "." + c.name + "\"\n";
      y += "    datatype: " + std::string(FelisType(c.kind)) + "\n";
      if (c.kind == Kind::kChar) y += "    length: " + std::to_string(c.length) + "\n";
      if (c.kind == Kind::kTimestamp) y += "    precision: 6\n";
      y += "    description: " + Quoted(c.description) + "\n";
      if (!c.unit.empty()) y += "    fits:tunit: " + Quoted(c.unit) + "\n";
      if (!c.ucd.empty()) y += "    ivoa:ucd: " + Quoted(c.ucd) + "\n";
      if (c.kind == Kind::kChar) y += "    votable:arraysize: \"*\"\n";
      y += std::string("    tap:principal: ") + (c.principal ? "1" : "0") + "\n";
      y += "    tap:column_index: " + std::to_string(++index) + "\n";
    }
    if (!t->foreign_keys.empty()) {
      y += "  constraints:\n";
      for (const ForeignKeySpec& fk : t->foreign_keys) {
        y += "  - name: " + fk.name + "\n";
        y += "    \"@type\": ForeignKey\n";
        y += "    \"@id\": \"#FK_" + t->name + "_" + fk.column + "_" + fk.ref_table + "_" +
             fk.ref_column + "\"\n";
        y += "    description: " + Quoted(fk.description) + "\n";
        y += "    columns:\n";
        y += "    - \"#" + t->name + "." + fk.column + "\"\n";
        y += "    referencedColumns:\n";
        y += "    - \"#" + fk.ref_table + "." + fk.ref_column + "\"\n";
      }
    }
  }
  return y;
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return ErrnoError("cannot create", path, errno);
  const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_err = errno;
  const int rc = std::fclose(f);
  if (!wrote) return ErrnoError("cannot write", path, write_err);
  if (rc != 0) return ErrnoError("cannot write", path, errno);
  return Status::OK();
}

// Removes the data files of an earlier release in `dir` (any format), so that the manifest's
// globs cannot pick up a stale object-007.csv left by a bigger run. Other files are kept.
Status RemoveOldDataFiles(const std::string& dir) {
  static constexpr std::array<std::string_view, 4> kStems = {"object-", "forcedsource-",
                                                             "diaobject-", "diasource-"};
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::string_view rest;
    std::string_view ext;
    for (std::string_view ext_candidate : {std::string_view(".csv"), std::string_view(".fits")}) {
      if (name.size() > ext_candidate.size() && name.ends_with(ext_candidate)) {
        ext = ext_candidate;
        rest = std::string_view(name).substr(0, name.size() - ext_candidate.size());
      }
    }
    if (ext.empty()) continue;
    bool ours = rest == "ccdvisit";
    for (std::string_view stem : kStems) {
      if (rest.size() > stem.size() && rest.starts_with(stem) &&
          std::all_of(rest.begin() + static_cast<ptrdiff_t>(stem.size()), rest.end(),
                      [](char ch) { return ch >= '0' && ch <= '9'; })) {
        ours = true;
      }
    }
    if (ours) doomed.push_back(entry.path());
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  for (const fs::path& p : doomed) {
    if (!fs::remove(p, ec) && ec) {
      return Status::IOError("cannot remove " + p.string() + ": " + ec.message());
    }
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Sky model.

struct Vec3 {
  double x, y, z;
};

Vec3 UnitVector(double ra_deg, double dec_deg) {
  const double ra = ra_deg * kDegToRad;
  const double dec = dec_deg * kDegToRad;
  return {std::cos(dec) * std::cos(ra), std::cos(dec) * std::sin(ra), std::sin(dec)};
}

double Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

Vec3 Normalized(const Vec3& v) {
  const double n = std::sqrt(Dot(v, v));
  return {v.x / n, v.y / n, v.z / n};
}

// Right ascension folded into [0, 360): fmod of a tiny negative angle plus 360 can round to
// exactly 360, which must become 0.
double FoldRa(double ra) {
  ra = std::fmod(ra, 360.0);
  if (ra < 0) ra += 360.0;
  if (ra >= 360.0) ra = 0.0;
  return ra;
}

void ToRaDec(const Vec3& v, double* ra, double* dec) {
  const double z = std::clamp(v.z / std::sqrt(Dot(v, v)), -1.0, 1.0);
  *dec = std::asin(z) * kRadToDeg;
  *ra = (v.x == 0 && v.y == 0) ? 0.0 : FoldRa(std::atan2(v.y, v.x) * kRadToDeg);
}

// The point reached from (ra, dec) by moving `east` and `north` degrees on the tangent plane.
void Offset(double ra, double dec, double east, double north, double* out_ra, double* out_dec) {
  const double a = ra * kDegToRad;
  const double d = dec * kDegToRad;
  const Vec3 c = UnitVector(ra, dec);
  const Vec3 e = {-std::sin(a), std::cos(a), 0};
  const Vec3 n = {-std::sin(d) * std::cos(a), -std::sin(d) * std::sin(a), std::cos(d)};
  const double x = east * kDegToRad;
  const double y = north * kDegToRad;
  ToRaDec({c.x + x * e.x + y * n.x, c.y + x * e.y + y * n.y, c.z + x * e.z + y * n.z}, out_ra,
          out_dec);
}

struct Hole {
  double ra, dec, radius;  // degrees
};

// Empty regions, listed in docs/demo-data.md (tests rely on them being empty). They keep clear
// of the poles and of RA 0, where the edge-case objects live.
constexpr std::array<Hole, 3> kHoles = {
    {{45.0, 30.0, 7.0}, {200.0, -35.0, 10.0}, {120.0, 60.0, 5.0}}};

struct Cluster {
  double ra, dec, sigma;  // degrees
  double cumulative_weight;
};

class SkyModel {
 public:
  explicit SkyModel(uint64_t seed) {
    for (const Hole& h : kHoles) {
      hole_centres_.push_back(UnitVector(h.ra, h.dec));
      hole_cos_radius_.push_back(std::cos(h.radius * kDegToRad));
    }
    // Galactic frame from the north galactic pole and the direction of the galactic centre.
    const Vec3 pole = UnitVector(192.85948, 27.12825);
    const Vec3 centre = UnitVector(266.40510, -28.93617);
    gal_z_ = pole;
    gal_y_ = Normalized(Cross(pole, centre));
    gal_x_ = Cross(gal_y_, gal_z_);

    Rng rng(StreamSeed(seed, kStreamClusters, 0));
    double total = 0;
    for (int i = 0; i < kClusters; ++i) {
      double ra = 0, dec = 0;
      do {
        ra = rng.Uniform(0, 360);
        dec = std::asin(rng.Uniform(-1, 1)) * kRadToDeg;
      } while (InHole(UnitVector(ra, dec)));
      // Sizes from a few arcminutes to a few degrees; richness heavy-tailed.
      const double sigma = 0.03 * std::pow(100.0, rng.Uniform());
      total += std::pow(1.0 - rng.Uniform(), -0.7);
      clusters_.push_back({ra, dec, sigma, total});
    }
    for (Cluster& c : clusters_) c.cumulative_weight /= total;
  }

  bool InHole(const Vec3& v) const {
    for (size_t i = 0; i < hole_centres_.size(); ++i) {
      if (Dot(v, hole_centres_[i]) > hole_cos_radius_[i]) return true;
    }
    return false;
  }

  // Draws a position from the smooth mixture (no edge cases). `in_plane` tells whether it came
  // from the galactic band, whose objects are mostly stars.
  void Draw(Rng* rng, double* ra, double* dec, bool* in_plane) const {
    for (;;) {
      const double u = rng->Uniform();
      *in_plane = false;
      if (u < 0.30) {
        *ra = rng->Uniform(0, 360);
        *dec = std::asin(rng->Uniform(-1, 1)) * kRadToDeg;
      } else if (u < 0.55) {
        const double l = rng->Uniform(0, 2 * kPi);
        const double b = 4.0 * kDegToRad * rng->Normal();
        const double cb = std::cos(b);
        const double gx = cb * std::cos(l), gy = cb * std::sin(l), gz = std::sin(b);
        ToRaDec({gx * gal_x_.x + gy * gal_y_.x + gz * gal_z_.x,
                 gx * gal_x_.y + gy * gal_y_.y + gz * gal_z_.y,
                 gx * gal_x_.z + gy * gal_y_.z + gz * gal_z_.z},
                ra, dec);
        *in_plane = true;
      } else {
        const double w = rng->Uniform();
        auto it =
            std::lower_bound(clusters_.begin(), clusters_.end(), w,
                             [](const Cluster& c, double x) { return c.cumulative_weight < x; });
        if (it == clusters_.end()) --it;
        Offset(it->ra, it->dec, it->sigma * rng->Normal(), it->sigma * rng->Normal(), ra, dec);
      }
      if (!InHole(UnitVector(*ra, *dec))) return;
    }
  }

 private:
  static constexpr int kClusters = 300;

  std::vector<Vec3> hole_centres_;
  std::vector<double> hole_cos_radius_;
  Vec3 gal_x_{}, gal_y_{}, gal_z_{};
  std::vector<Cluster> clusters_;
};

// ---------------------------------------------------------------------------------------------
// Photometry and survey model.

// AB magnitude -> nJy.
double MagToNanojansky(double mag) { return std::pow(10.0, (31.4 - mag) / 2.5); }

// 5-sigma point-source depths (AB mag) of the coadds and of one visit, per band ugrizy.
constexpr std::array<double, 6> kCoaddDepth = {25.3, 26.5, 26.4, 25.8, 25.1, 24.2};
constexpr std::array<double, 6> kVisitDepth = {23.7, 24.9, 24.4, 23.9, 23.3, 22.5};
// Share of visits per band, roughly the LSST cadence.
constexpr std::array<double, 6> kBandShare = {0.07, 0.10, 0.22, 0.22, 0.20, 0.19};

constexpr double kSurveyStartMjd = 59580.0;  // 2022-01-01
constexpr double kSurveyDays = 5 * 365.25;
constexpr double kUnixEpochMjd = 40587.0;
constexpr int kDetectorsPerVisit = 9;
constexpr double kExposureSeconds = 30.0;

constexpr int64_t kObjectIdBase = 1609000000000000001LL;
constexpr int64_t kForcedSourceIdBase = 1700000000000000000LL;
constexpr int64_t kDiaObjectIdBase = 1250000000000000000LL;
constexpr int64_t kDiaSourceIdBase = 1300000000000000000LL;
constexpr int64_t kFirstVisitId = 200000;

struct Visit {
  int64_t visit_id;
  int band;
  double mjd;     // exposure midpoint
  double seeing;  // arcsec
  int64_t first_detector;
};

// One CCD image per (visit, detector); detectors of a visit are spread over the 189 of the
// camera with a stride so they are distinct.
int64_t DetectorOf(const Visit& v, int j) { return (v.first_detector + 21 * j) % 189; }

int64_t CcdVisitId(const Visit& v, int j) { return v.visit_id * 1000 + DetectorOf(v, j); }

int64_t MjdToMicros(double mjd) {
  // Rounded to 10 ms, the precision the real table promises.
  return static_cast<int64_t>(std::llround((mjd - kUnixEpochMjd) * 86400.0 * 100.0)) * 10000;
}

double MicrosToMjd(int64_t micros) { return kUnixEpochMjd + static_cast<double>(micros) / 86400e6; }

int PickBand(Rng* rng) {
  double u = rng->Uniform();
  for (int b = 0; b < 5; ++b) {
    u -= kBandShare[static_cast<size_t>(b)];
    if (u < 0) return b;
  }
  return 5;
}

std::vector<Visit> MakeVisits(uint64_t seed, int epochs) {
  Rng rng(StreamSeed(seed, kStreamVisits, 0));
  const int count = std::max(200, 3 * epochs);
  std::vector<double> times(static_cast<size_t>(count));
  for (double& t : times) {
    // Night-time observing: whole nights over five years, a few hours after dusk.
    const double night = std::floor(rng.Uniform(0, kSurveyDays));
    t = kSurveyStartMjd + night + rng.Uniform(0.05, 0.40);
  }
  std::sort(times.begin(), times.end());
  std::vector<Visit> visits;
  for (int i = 0; i < count; ++i) {
    Visit v;
    v.visit_id = kFirstVisitId + i;
    v.band = PickBand(&rng);
    v.mjd = MicrosToMjd(MjdToMicros(times[static_cast<size_t>(i)]));
    v.seeing = 0.55 + std::abs(0.25 * rng.Normal()) + 0.05 * (5 - v.band) / 5.0;
    v.first_detector = static_cast<int64_t>(rng.Below(21));
    visits.push_back(v);
  }
  return visits;
}

void AppendCcdVisits(const std::vector<Visit>& visits, uint64_t seed, Batch* out) {
  Rng rng(StreamSeed(seed, kStreamVisits, 1));
  for (const Visit& v : visits) {
    const double ra = rng.Uniform(0, 360);
    const double dec = std::asin(rng.Uniform(-1, 1)) * kRadToDeg;
    const double zenith = rng.Uniform(5, 60);
    const double rotation = rng.Uniform(0, 360);
    const std::string filter = BandName(v.band) + "_sim_1.4";
    const int64_t mid = MjdToMicros(v.mjd);
    const int64_t start = mid - static_cast<int64_t>(kExposureSeconds / 2 * 1e6);
    for (int j = 0; j < kDetectorsPerVisit; ++j) {
      const int64_t det = DetectorOf(v, j);
      // Detector centres on a 13 x 15 grid of 0.23-degree CCDs around the pointing.
      double ccd_ra = 0, ccd_dec = 0;
      const int64_t grid_row = det / 13;
      Offset(ra, dec, 0.23 * static_cast<double>(det % 13 - 6),
             0.23 * static_cast<double>(grid_row - 7), &ccd_ra, &ccd_dec);
      out->Long(CcdVisitId(v, j)).Long(v.visit_id).Long(det).Char(BandName(v.band));
      out->Char(filter).Double(ccd_ra).Double(ccd_dec);
      out->Float(zenith).Float(31.5 - 0.2 * v.band + 0.03 * rng.Normal());
      out->Double(v.seeing).Double(rotation).Double(kExposureSeconds);
      out->Timestamp(mid).Double(v.mjd).Timestamp(start).Double(MicrosToMjd(start));
      out->EndRow();
    }
  }
}

// What an object truly is; the catalog rows are noisy measurements of it.
struct ObjectTruth {
  double ra = 0, dec = 0;
  bool star = false;
  std::array<double, 6> flux{};  // mean flux per band, nJy
  bool primary = true;
  bool variable = false;
  double amplitude = 0, period = 1, phase = 0;  // fractional sinusoidal variation
};

// Places object `index`. The first six are fixed edge cases so that even a tiny release has
// objects at both poles and on both sides of RA 0; after that a small share keeps landing there.
void PlaceObject(int64_t index, const SkyModel& sky, Rng* rng, ObjectTruth* obj, bool* in_plane) {
  *in_plane = false;
  const double any_dec = std::asin(rng->Uniform(-0.98, 0.98)) * kRadToDeg;
  switch (index) {
    case 0:
      obj->ra = rng->Uniform(0, 360);
      obj->dec = 89.995;
      return;
    case 1:
      obj->ra = rng->Uniform(0, 360);
      obj->dec = -89.995;
      return;
    case 2:
      obj->ra = 0.0;
      obj->dec = any_dec;
      return;
    case 3:
      obj->ra = 359.9999;
      obj->dec = any_dec;
      return;
    case 4:
      obj->ra = 0.0001;
      obj->dec = any_dec;
      return;
    case 5:
      obj->ra = 359.99999999;
      obj->dec = -89.9999;
      return;
    default:
      break;
  }
  const double u = rng->Uniform();
  if (u < 0.002) {  // within 0.01 degrees of a pole
    obj->ra = rng->Uniform(0, 360);
    const double from_pole = rng->Uniform(1e-6, 0.01);
    obj->dec = rng->Chance(0.5) ? 90.0 - from_pole : -90.0 + from_pole;
  } else if (u < 0.004) {  // within 0.001 degrees of RA 0, either side
    const double d = rng->Uniform(1e-9, 0.001);
    obj->ra = rng->Chance(0.5) ? d : FoldRa(360.0 - d);
    obj->dec = any_dec;
  } else if (u < 0.0042) {  // exactly on RA 0
    obj->ra = 0.0;
    obj->dec = any_dec;
  } else {
    sky.Draw(rng, &obj->ra, &obj->dec, in_plane);
  }
}

void MakeObject(int64_t index, const SkyModel& sky, Rng* rng, ObjectTruth* obj) {
  bool in_plane = false;
  PlaceObject(index, sky, rng, obj, &in_plane);
  obj->star = in_plane ? rng->Chance(0.9) : rng->Chance(0.2);
  // Number counts rising as 10^(0.3 m) between r = 16 and 26.5, inverted in closed form.
  const double a = 0.3;
  const double lo = std::pow(10.0, a * 16.0), hi = std::pow(10.0, a * 26.5);
  const double r_mag = std::log10(lo + rng->Uniform() * (hi - lo)) / a;
  const double color = (obj->star ? 0.8 : 0.5) + 0.3 * rng->Normal();  // g - r
  const std::array<double, 6> offsets = {
      2.2 * color + 0.4,  color, 0.0, -0.35 * color - 0.05, -0.55 * color - 0.08,
      -0.65 * color - 0.1};
  for (size_t b = 0; b < 6; ++b) obj->flux[b] = MagToNanojansky(r_mag + offsets[b]);
  obj->primary = rng->Chance(0.95);
  obj->variable = rng->Chance(0.05);
  if (obj->variable) {
    obj->amplitude = rng->Uniform(0.1, 0.9);
    obj->period = 0.3 * std::pow(2000.0, rng->Uniform());  // 0.3 to 600 days
    obj->phase = rng->Uniform(0, 2 * kPi);
  }
}

// Tract and patch of a simple ring sky map: rings of 1.5 degrees in declination, each cut into
// cells of about 1.5 degrees in RA, each cell into 7 x 7 patches.
void TractPatch(double ra, double dec, int64_t* tract, int64_t* patch) {
  const double ring_height = 1.5;
  const int ring = std::min(119, static_cast<int>((dec + 90.0) / ring_height));
  const double ring_dec = -90.0 + (ring + 0.5) * ring_height;
  const int cells = std::max(1, static_cast<int>(360.0 * std::cos(ring_dec * kDegToRad) / 1.5));
  const double fx = ra / 360.0 * cells;
  const int cell = std::min(cells - 1, static_cast<int>(fx));
  const double fy = (dec + 90.0) / ring_height - ring;
  const int px = std::min(6, static_cast<int>((fx - cell) * 7));
  const int py = std::clamp(static_cast<int>(fy * 7), 0, 6);
  *tract = ring * 256 + cell;
  *patch = py * 7 + px;
}

void AppendObject(const ObjectTruth& obj, Rng* rng, int64_t object_id, Batch* out) {
  int64_t tract = 0, patch = 0;
  TractPatch(obj.ra, obj.dec, &tract, &patch);
  const double r_flux = obj.flux[2];
  // Faint galaxies look like points; bright ones are resolved.
  const double size = obj.star ? 0.0 : 1.5 + 20.0 * std::sqrt(r_flux / 1e5) * rng->Uniform();
  const double psf = 1.6 + 0.2 * rng->Uniform();  // pixels, sigma
  const double xx = psf * psf + size * size * rng->Uniform(0.3, 1.0);
  const double yy = psf * psf + size * size * rng->Uniform(0.3, 1.0);
  const double xy = 0.3 * size * size * rng->Uniform(-1, 1);
  const char ref_band = rng->Chance(0.6) ? 'i' : rng->Chance(0.75) ? 'r' : 'g';
  out->Long(object_id).Double(obj.ra).Double(obj.dec).Long(tract).Long(patch);
  out->Bool(obj.primary).Char(std::string_view(&ref_band, 1));
  if (rng->Chance(0.01)) {
    out->Null();
  } else {
    out->Double(obj.star ? 0.0 : 1.0);
  }
  out->Double(2.3548 * std::sqrt(0.5 * (xx + yy)) * 0.2);  // arcsec at 0.2"/pixel
  if (rng->Chance(0.002)) {
    out->Null();
  } else {
    out->Int32(static_cast<int64_t>(20 + 3.0 * (xx + yy) + 0.01 * std::sqrt(r_flux) * 10));
  }
  out->Double(xx).Double(yy).Double(xy);
  for (size_t b = 0; b < 6; ++b) {
    const double f = obj.flux[b];
    const double sky_sigma = MagToNanojansky(kCoaddDepth[b]) / 5.0;
    const double err =
        sky_sigma * std::sqrt(1.0 + f / (50.0 * sky_sigma)) * (1.0 + 0.05 * rng->Uniform());
    // u is the hardest band: more failed fits there.
    const bool missing = rng->Chance(b == 0 ? 0.02 : 0.004);
    const double psf_flux = f * (obj.star ? 1.0 : 0.8) + err * rng->Normal();
    const double model_flux = f + 1.1 * err * rng->Normal();
    const bool model_missing = missing || rng->Chance(0.005);
    out->DoubleOrNull(!missing, psf_flux).DoubleOrNull(!missing, err);
    out->Bool(missing);
    out->DoubleOrNull(!model_missing, model_flux).DoubleOrNull(!model_missing, 1.1 * err);
  }
  out->EndRow();
}

// One epoch of an object as measured: kept per object to derive its DiaSources.
struct Epoch {
  size_t visit = 0;
  int detector_slot = 0;
  bool valid = false;
  double flux = 0, flux_err = 0, diff = 0, diff_err = 0;
};

struct BandStats {
  double w_sum = 0, wf_sum = 0, tot_w_sum = 0, tot_wf_sum = 0;
  std::vector<double> fluxes, errors;
};

void AppendDiaObject(int64_t dia_object_id, double ra, double dec,
                     const std::array<BandStats, 6>& stats, int64_t n_sources, Batch* out) {
  out->Long(dia_object_id).Double(ra).Double(dec).Long(n_sources);
  for (const BandStats& s : stats) {
    const size_t n = s.fluxes.size();
    if (n == 0) {
      out->Null().Null().Null().Null().Double(0).Null().Null().Null().Null().Null();
      continue;
    }
    const double mean = s.wf_sum / s.w_sum;
    double sum = 0, chi2 = 0, lo = s.fluxes[0], hi = s.fluxes[0];
    for (size_t i = 0; i < n; ++i) {
      sum += s.fluxes[i];
      const double d = (s.fluxes[i] - mean) / s.errors[i];
      chi2 += d * d;
      lo = std::min(lo, s.fluxes[i]);
      hi = std::max(hi, s.fluxes[i]);
    }
    out->Double(mean).Double(std::sqrt(1.0 / s.w_sum));
    if (n >= 2) {
      const double plain_mean = sum / static_cast<double>(n);
      double ss = 0;
      for (double f : s.fluxes) ss += (f - plain_mean) * (f - plain_mean);
      out->Double(std::sqrt(ss / static_cast<double>(n - 1)));
    } else {
      out->Null();
    }
    out->Double(chi2).Double(static_cast<double>(n)).Double(lo).Double(hi);
    if (n >= 2) {
      // Stetson J for unpaired observations.
      const double scale = std::sqrt(static_cast<double>(n) / static_cast<double>(n - 1));
      double j = 0;
      for (size_t i = 0; i < n; ++i) {
        const double delta = scale * (s.fluxes[i] - mean) / s.errors[i];
        const double p = delta * delta - 1.0;
        j += (p > 0 ? 1.0 : p < 0 ? -1.0 : 0.0) * std::sqrt(std::abs(p));
      }
      out->Double(j / static_cast<double>(n));
    } else {
      out->Null();
    }
    out->Double(s.tot_wf_sum / s.tot_w_sum).Double(std::sqrt(1.0 / s.tot_w_sum));
  }
  out->EndRow();
}

// ---------------------------------------------------------------------------------------------
// Driver.

class Generator {
 public:
  Generator(const GenOptions& options, std::ostream* log)
      : options_(options),
        log_(log),
        object_spec_(ObjectSpec()),
        forced_spec_(ForcedSourceSpec()),
        ccd_spec_(CcdVisitSpec()),
        dia_object_spec_(DiaObjectSpec()),
        dia_source_spec_(DiaSourceSpec()),
        sky_(options.seed) {}

  Status Run() {
    const std::string& dir = options_.out_dir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
      return Status::IOError("cannot create directory " + dir + ": " +
                             (ec ? ec.message() : "a file of that name exists"));
    }
    SKY_RETURN_IF_ERROR(RemoveOldDataFiles(dir));
    // Referenced tables first, so every foreign key points backwards.
    const std::vector<const TableSpec*> tables = {&object_spec_, &ccd_spec_, &forced_spec_,
                                                  &dia_object_spec_, &dia_source_spec_};
    SKY_RETURN_IF_ERROR(
        WriteTextFile((fs::path(dir) / "dp02_dc2.yaml").string(), SchemaYaml(tables)));

    const auto start = std::chrono::steady_clock::now();
    TableOutput objects(&object_spec_, dir, options_.format, options_.rows_per_file);
    TableOutput forced(&forced_spec_, dir, options_.format, options_.rows_per_file);
    TableOutput ccds(&ccd_spec_, dir, options_.format, options_.rows_per_file);
    TableOutput dia_objects(&dia_object_spec_, dir, options_.format, options_.rows_per_file);
    TableOutput dia_sources(&dia_source_spec_, dir, options_.format, options_.rows_per_file);

    visits_ = MakeVisits(options_.seed, options_.epochs);
    {
      Batch ccd_batch(&ccd_spec_);
      AppendCcdVisits(visits_, options_.seed, &ccd_batch);
      SKY_RETURN_IF_ERROR(ccds.Append(ccd_batch));
      SKY_RETURN_IF_ERROR(ccds.Finish());
    }

    // Chunks of about 200k forced sources keep memory flat at any scale.
    const int64_t chunk = std::clamp<int64_t>(200000 / options_.epochs, 1, 20000);
    Batch object_batch(&object_spec_), forced_batch(&forced_spec_);
    Batch dia_object_batch(&dia_object_spec_), dia_source_batch(&dia_source_spec_);
    auto last_report = start;
    for (int64_t first = 0; first < options_.objects; first += chunk) {
      const int64_t last = std::min(options_.objects, first + chunk);
      object_batch.Clear();
      forced_batch.Clear();
      dia_object_batch.Clear();
      dia_source_batch.Clear();
      for (int64_t i = first; i < last; ++i) {
        GenerateObject(i, &object_batch, &forced_batch, &dia_object_batch, &dia_source_batch);
      }
      SKY_RETURN_IF_ERROR(objects.Append(object_batch));
      SKY_RETURN_IF_ERROR(forced.Append(forced_batch));
      SKY_RETURN_IF_ERROR(dia_objects.Append(dia_object_batch));
      SKY_RETURN_IF_ERROR(dia_sources.Append(dia_source_batch));
      const auto now = std::chrono::steady_clock::now();
      if (log_ != nullptr && now - last_report > std::chrono::seconds(5)) {
        last_report = now;
        *log_ << "gen dp02: " << last << " / " << options_.objects << " objects, "
              << forced.rows_written() << " forced sources, "
              << std::chrono::duration<double>(now - start).count() << " s\n";
      }
    }
    SKY_RETURN_IF_ERROR(objects.Finish());
    SKY_RETURN_IF_ERROR(forced.Finish());
    SKY_RETURN_IF_ERROR(dia_objects.Finish());
    SKY_RETURN_IF_ERROR(dia_sources.Finish());

    std::string manifest;
    manifest += "release: dp02_dc2_catalogs\n";
    manifest += "schema: dp02_dc2.yaml\n";
    manifest += "tables:\n";
    manifest += "  Object:\n";
    manifest += "    files: [" + objects.Pattern() + "]\n";
    manifest += "    position: [coord_ra, coord_dec]\n";
    manifest += "  ForcedSource:\n";
    manifest += "    files: [" + forced.Pattern() + "]\n";
    manifest += "    parent: {table: Object, key: objectId}\n";
    manifest += "  CcdVisit:\n";
    manifest += "    files: [" + ccds.Pattern() + "]\n";
    manifest += "  DiaObject:\n";
    manifest += "    files: [" + dia_objects.Pattern() + "]\n";
    manifest += "    position: [ra, decl]\n";
    manifest += "  DiaSource:\n";
    manifest += "    files: [" + dia_sources.Pattern() + "]\n";
    manifest += "    parent: {table: DiaObject, key: diaObjectId}\n";
    SKY_RETURN_IF_ERROR(WriteTextFile((fs::path(dir) / "manifest.yaml").string(), manifest));

    if (log_ != nullptr) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const int64_t rows = objects.rows_written() + forced.rows_written() + ccds.rows_written() +
                           dia_objects.rows_written() + dia_sources.rows_written();
      *log_ << "gen dp02: wrote " << objects.rows_written() << " objects, " << forced.rows_written()
            << " forced sources, " << ccds.rows_written() << " CCD visits, "
            << dia_objects.rows_written() << " DIA objects, " << dia_sources.rows_written()
            << " DIA sources to " << dir << " in " << secs << " s ("
            << static_cast<int64_t>(static_cast<double>(rows) / std::max(secs, 1e-9))
            << " rows/s)\n";
    }
    return Status::OK();
  }

 private:
  void GenerateObject(int64_t index, Batch* objects, Batch* forced, Batch* dia_objects,
                      Batch* dia_sources) {
    Rng rng(StreamSeed(options_.seed, kStreamObject, static_cast<uint64_t>(index)));
    ObjectTruth obj;
    MakeObject(index, sky_, &rng, &obj);
    // Spaced ids with a random low part: unique, increasing, and beyond 2^53 like Rubin's.
    const int64_t object_id = kObjectIdBase + index * 64 + static_cast<int64_t>(rng.Below(64));
    AppendObject(obj, &rng, object_id, objects);

    // K distinct visits: an arithmetic progression modulo the visit count with a step coprime
    // to it never repeats within K <= count terms.
    const size_t n_visits = visits_.size();
    const size_t first_visit = rng.Below(n_visits);
    size_t step = 1 + rng.Below(n_visits - 1);
    while (std::gcd(step, n_visits) != 1) step = step % (n_visits - 1) + 1;
    epochs_.resize(static_cast<size_t>(options_.epochs));
    for (int e = 0; e < options_.epochs; ++e) {
      Epoch& ep = epochs_[static_cast<size_t>(e)];
      ep.visit = (first_visit + static_cast<size_t>(e) * step) % n_visits;
      ep.detector_slot = static_cast<int>(rng.Below(kDetectorsPerVisit));
      const Visit& v = visits_[ep.visit];
      const size_t b = static_cast<size_t>(v.band);
      const double mean = obj.flux[b];
      const double now =
          obj.variable
              ? mean * (1.0 + obj.amplitude * std::sin(2 * kPi * v.mjd / obj.period + obj.phase))
              : mean;
      const double sky_sigma = MagToNanojansky(kVisitDepth[b]) / 5.0 * (v.seeing / 0.7);
      ep.flux_err = sky_sigma * std::sqrt(1.0 + std::max(now, 0.0) / (20.0 * sky_sigma));
      ep.flux = now + ep.flux_err * rng.Normal();
      ep.diff_err = ep.flux_err * 1.12;
      ep.diff = ep.flux - mean + 0.5 * ep.flux_err * rng.Normal();
      ep.valid = !rng.Chance(0.003);
      forced->Long(kForcedSourceIdBase + index * options_.epochs + e).Long(object_id);
      forced->Long(CcdVisitId(v, ep.detector_slot)).Char(BandName(v.band));
      forced->Double(obj.ra).Double(obj.dec);
      forced->DoubleOrNull(ep.valid, ep.flux).DoubleOrNull(ep.valid, ep.flux_err);
      forced->Bool(!ep.valid);
      forced->DoubleOrNull(ep.valid, ep.diff).DoubleOrNull(ep.valid, ep.diff_err);
      forced->Bool(obj.primary);
      forced->EndRow();
    }
    if (obj.variable) AppendDia(index, obj, &rng, dia_objects, dia_sources);
  }

  // A variable object becomes a DiaObject whose DiaSources are its epochs with a 5-sigma
  // difference flux, or its most significant epoch when none reaches that.
  void AppendDia(int64_t index, const ObjectTruth& obj, Rng* rng, Batch* dia_objects,
                 Batch* dia_sources) {
    selected_.clear();
    size_t best = epochs_.size();
    double best_snr = -1;
    for (size_t e = 0; e < epochs_.size(); ++e) {
      if (!epochs_[e].valid) continue;
      const double snr = std::abs(epochs_[e].diff) / epochs_[e].diff_err;
      if (snr >= 5.0) selected_.push_back(e);
      if (snr > best_snr) {
        best_snr = snr;
        best = e;
      }
    }
    if (selected_.empty() && best < epochs_.size()) selected_.push_back(best);
    if (selected_.empty()) return;

    const int64_t dia_object_id = kDiaObjectIdBase + index;
    double ra = 0, dec = 0;
    Offset(obj.ra, obj.dec, 0.03 * kArcsec * rng->Normal(), 0.03 * kArcsec * rng->Normal(), &ra,
           &dec);
    std::array<BandStats, 6> stats;
    for (size_t e : selected_) {
      const Epoch& ep = epochs_[e];
      const Visit& v = visits_[ep.visit];
      double src_ra = 0, src_dec = 0;
      Offset(ra, dec, 0.08 * kArcsec * rng->Normal(), 0.08 * kArcsec * rng->Normal(), &src_ra,
             &src_dec);
      dia_sources->Long(kDiaSourceIdBase + index * options_.epochs + static_cast<int64_t>(e));
      dia_sources->Long(dia_object_id).Long(CcdVisitId(v, ep.detector_slot));
      dia_sources->Char(BandName(v.band)).Double(v.mjd).Double(src_ra).Double(src_dec);
      dia_sources->Double(rng->Uniform(0, 4072)).Double(rng->Uniform(0, 4000));
      dia_sources->Double(ep.diff).Double(ep.diff_err).Double(std::abs(ep.diff) / ep.diff_err);
      dia_sources->Double(ep.flux).Double(ep.flux_err);
      dia_sources->EndRow();
      BandStats& s = stats[static_cast<size_t>(v.band)];
      const double w = 1.0 / (ep.diff_err * ep.diff_err);
      s.w_sum += w;
      s.wf_sum += w * ep.diff;
      const double tot_w = 1.0 / (ep.flux_err * ep.flux_err);
      s.tot_w_sum += tot_w;
      s.tot_wf_sum += tot_w * ep.flux;
      s.fluxes.push_back(ep.diff);
      s.errors.push_back(ep.diff_err);
    }
    AppendDiaObject(dia_object_id, ra, dec, stats, static_cast<int64_t>(selected_.size()),
                    dia_objects);
  }

  const GenOptions& options_;
  std::ostream* log_;
  TableSpec object_spec_, forced_spec_, ccd_spec_, dia_object_spec_, dia_source_spec_;
  SkyModel sky_;
  std::vector<Visit> visits_;
  std::vector<Epoch> epochs_;
  std::vector<size_t> selected_;
};

}  // namespace

Status GenerateDp02(const GenOptions& options, std::ostream* log) {
  if (options.out_dir.empty()) {
    return Status::InvalidArgument("gen dp02: --out must name a directory");
  }
  if (options.objects < 1) {
    return Status::InvalidArgument("gen dp02: --objects must be at least 1, got " +
                                   std::to_string(options.objects));
  }
  if (options.epochs < 1) {
    return Status::InvalidArgument("gen dp02: --epochs must be at least 1, got " +
                                   std::to_string(options.epochs));
  }
  if (options.format != "csv" && options.format != "fits") {
    return Status::InvalidArgument("gen dp02: --format must be csv or fits, got '" +
                                   options.format + "'");
  }
  if (options.rows_per_file < 1) {
    return Status::InvalidArgument("gen dp02: rows per file must be at least 1, got " +
                                   std::to_string(options.rows_per_file));
  }
  // Ids are base + index * stride; keep them inside int64.
  if (options.objects > 1000000000000LL || options.epochs > 100000 ||
      options.objects * options.epochs > 100000000000000LL) {
    return Status::InvalidArgument(
        "gen dp02: at most 10^12 objects, 10^5 epochs and 10^14 "
        "forced sources");
  }
  Generator generator(options, log);
  return generator.Run();
}

}  // namespace skyshard
