// Column specs, Felis schema and manifest of the synthetic DP0.2 release; see dp02_tables.h.

#include "clients/internal/dp02_tables.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skyshard::gen_internal {
namespace {

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

}  // namespace

std::string BandName(int b) { return std::string(1, kBands[static_cast<size_t>(b)]); }

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

std::string ManifestYaml(const ManifestGlobs& globs) {
  std::string manifest;
  manifest += "release: dp02_dc2_catalogs\n";
  manifest += "schema: dp02_dc2.yaml\n";
  manifest += "tables:\n";
  manifest += "  Object:\n";
  manifest += "    files: [" + globs.object + "]\n";
  manifest += "    position: [coord_ra, coord_dec]\n";
  manifest += "  ForcedSource:\n";
  manifest += "    files: [" + globs.forced_source + "]\n";
  manifest += "    parent: {table: Object, key: objectId}\n";
  manifest += "  CcdVisit:\n";
  manifest += "    files: [" + globs.ccd_visit + "]\n";
  manifest += "  DiaObject:\n";
  manifest += "    files: [" + globs.dia_object + "]\n";
  manifest += "    position: [ra, decl]\n";
  manifest += "  DiaSource:\n";
  manifest += "    files: [" + globs.dia_source + "]\n";
  manifest += "    parent: {table: DiaObject, key: diaObjectId}\n";
  return manifest;
}

}  // namespace skyshard::gen_internal
