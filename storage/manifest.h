// The release manifest: the YAML file an operator gives to `skyshard load`, naming the
// release, its Felis schema and, for each table, the input files and how the table is laid out:
//
//   release: dp02_dc2_catalogs        # the TAP schema name the tables appear under
//   schema: dp02_dc2.yaml              # Felis YAML, relative to the manifest
//   tables:
//     Object:
//       files: [object-*.csv]          # globs, relative to the manifest; .csv .fits .fit .fits.gz
//       position: [coord_ra, coord_dec]   # makes it a spatial table
//     ForcedSource:
//       files: [forcedsource-*.fits]
//       parent: {table: Object, key: objectId}   # stored beside its parent
//     CcdVisit:
//       files: [ccdvisit.csv]
//
// This format is a contract (scripts depend on it): fields may be added, never changed.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace skyshard {

struct ManifestTable {
  std::string name;
  std::vector<std::string> file_patterns;  // as written
  std::vector<std::string> files;          // globs expanded, absolute, sorted, de-duplicated
  std::string ra_column, dec_column;       // both set iff `position` was given
  std::string parent_table, parent_key;    // both set iff `parent` was given
};

struct Manifest {
  std::string path;  // absolute path of the manifest file
  std::string release;
  std::string schema_path;            // absolute
  std::vector<ManifestTable> tables;  // in file order
};

// Reads and validates a manifest: release is a valid ADQL regular identifier; schema given;
// at least one table; each table has `files` whose globs match at least one file; `position`
// is a list of exactly two names; `parent` has `table` (a table of this manifest that has a
// `position`) and `key`; a table has not both `position` and `parent`; no unknown keys.
// Returns NotFound for a missing manifest, InvalidArgument naming the manifest, the line and
// the field otherwise.
Result<Manifest> ReadManifest(const std::string& path);

}  // namespace skyshard
