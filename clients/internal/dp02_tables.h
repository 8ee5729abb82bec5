// The tables of the synthetic DP0.2 release, described once: the column specifications (name,
// type, unit, UCD, description) of Object, ForcedSource, CcdVisit, DiaObject and DiaSource, and
// the Felis schema and manifest text made from them. The same specs drive the schema, the CSV
// header and the FITS columns, so the three cannot disagree. Internal to clients/; the release
// layout is described in docs/demo-data.md.
//
// Thread safety: every type is a plain value and every function is pure; all are safe to use
// concurrently.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace skyshard::gen_internal {

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

// The six bands, ugrizy; band numbers below index this array.
inline constexpr std::array<char, 6> kBands = {'u', 'g', 'r', 'i', 'z', 'y'};
// Width of a formatted timestamp, "2023-05-01T03:04:05.123456".
inline constexpr int kTimestampChars = 26;

// The one-letter name of band `b`. REQUIRES: 0 <= b < 6.
std::string BandName(int b);

// The specs of the five tables. Column order is the order in which the row generators append
// values (survey_model.cc and gen_dp02.cc).
TableSpec ObjectSpec();
TableSpec ForcedSourceSpec();
TableSpec CcdVisitSpec();
TableSpec DiaObjectSpec();
TableSpec DiaSourceSpec();

// The Felis schema (dp02_dc2.yaml) of `tables`, in that order; the pointers are only read
// during the call. Referenced tables should come first, so that every foreign key points
// backwards.
std::string SchemaYaml(const std::vector<const TableSpec*>& tables);

// The manifest globs of the five tables' data files, as TableOutput::Pattern gives them.
struct ManifestGlobs {
  std::string object;
  std::string forced_source;
  std::string ccd_visit;
  std::string dia_object;
  std::string dia_source;
};

// The manifest (manifest.yaml) that `skyshard load` reads: the schema file, each table's
// files, the positions of Object and DiaObject, and the parents of the source tables.
std::string ManifestYaml(const ManifestGlobs& globs);

}  // namespace skyshard::gen_internal
