// The demo-data generator behind `skyshard gen dp02`: writes a synthetic data release shaped
// like Rubin's Data Preview 0.2 (Object, ForcedSource, CcdVisit, DiaObject, DiaSource), with
// a Felis schema and a manifest that `skyshard load` accepts as they are. What the files hold
// (columns, sky model, id scheme, NULLs) is described in docs/demo-data.md.
//
// The output is a pure function of the options: the same options give byte-identical files on
// the same build. Objects are generated in chunks and written as they are made, so memory stays
// bounded whatever the number of objects.
//
// Thread safety: GenerateDp02 keeps no global state; concurrent calls are safe as long as they
// write to different directories.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "common/status.h"

namespace skyshard {

struct GenOptions {
  // Directory that receives the release; created (with its parents) if missing. Files of an
  // earlier release written there are replaced.
  std::string out_dir;
  // Rows of the Object table (>= 1).
  int64_t objects = 100000;
  // ForcedSource rows per object, each on a distinct visit (>= 1).
  int epochs = 10;
  // Seed of every random choice; another seed gives another sky.
  uint64_t seed = 1;
  // "csv" or "fits".
  std::string format = "csv";
  // Data files are split every this many rows (>= 1); CcdVisit is always one file.
  int64_t rows_per_file = 1000000;
};

// Writes the release described by `options` into options.out_dir: dp02_dc2.yaml (the Felis
// schema of every generated column), manifest.yaml, and the data files object-NNN, forcedsource-
// NNN, ccdvisit, diaobject-NNN and diasource-NNN (.csv or .fits). Progress lines go to `log`
// when it is non-null (not owned; used only during the call).
//
// Returns OK once every file is complete and closed. Returns InvalidArgument (nothing written)
// for objects < 1, epochs < 1, rows_per_file < 1, an empty out_dir or a format other than
// csv/fits; IOError naming the directory or file when one cannot be created or written (for
// example a full disk). After an error the directory may hold a partial release.
Status GenerateDp02(const GenOptions& options, std::ostream* log);

}  // namespace skyshard
