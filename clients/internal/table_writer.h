// The writers of a generated release's files: TableFile, one data file of one table, with a
// CSV and a FITS (binary table, through cfitsio) implementation behind it; TableOutput, which
// splits a table's rows over numbered files; and WriteTextFile for the schema and manifest.
// Internal to clients/; no cfitsio type appears here.
//
// Both formats write every value of a Batch exactly: integers and timestamps (as fixed-width
// "YYYY-MM-DDTHH:MM:SS.ffffff" UTC text), floats and doubles in their shortest round-trip form
// in CSV and in binary in FITS; a NULL is an empty CSV field, TNULLn or NaN in FITS.
//
// Thread safety: a TableFile or TableOutput is used by one thread at a time; distinct objects
// writing distinct files are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "clients/internal/column_batch.h"
#include "clients/internal/dp02_tables.h"
#include "common/status.h"

namespace skyshard::gen_internal {

// One data file of one table. Open, then Write any number of times, then Close.
class TableFile {
 public:
  virtual ~TableFile() = default;
  // Creates (or replaces) the file at `path` and writes the header that `spec` describes (CSV
  // column names, or the FITS binary-table header). Returns IOError naming the file when it
  // cannot be created. `spec` is only read during the call.
  virtual Status Open(const std::string& path, const TableSpec& spec) = 0;
  // Appends rows [begin, end) of `batch`, whose spec is the one given to Open. Returns IOError
  // naming the file when it cannot be written. REQUIRES: Open succeeded; end <= batch.rows().
  virtual Status Write(const Batch& batch, size_t begin, size_t end) = 0;
  // Flushes and closes the file; returns IOError when the last write fails (a full disk often
  // shows only here). REQUIRES: Open succeeded; called once.
  virtual Status Close() = 0;
};

// A new, unopened TableFile for `format`: FITS for "fits", CSV otherwise. The caller owns it.
std::unique_ptr<TableFile> NewTableFile(const std::string& format);

// The files of one table in `dir`: <file_stem>-000.<format>, -001, ... each of at most
// rows_per_file rows, or the single <file_stem>.<format> for a single-file table. `spec` is
// not owned and must outlive the TableOutput.
class TableOutput {
 public:
  // REQUIRES: rows_per_file >= 1; format is "csv" or "fits".
  TableOutput(const TableSpec* spec, std::string dir, std::string format, int64_t rows_per_file);

  // The manifest glob for this table's files.
  std::string Pattern() const;

  int64_t rows_written() const { return total_rows_; }

  // Appends every row of `batch` (of this table), opening and closing files as they fill.
  // Returns IOError naming the file that could not be created or written.
  Status Append(const Batch& batch);

  // Closes the last file; a table without rows still gets one file with just its columns,
  // so that the manifest's glob matches. Returns IOError as Append does.
  Status Finish();

 private:
  Status OpenNext();
  Status CloseCurrent();

  const TableSpec* spec_;
  std::string dir_;
  std::string format_;
  int64_t rows_per_file_;
  std::unique_ptr<TableFile> file_;
  int files_ = 0;
  int64_t rows_in_file_ = 0;
  int64_t total_rows_ = 0;
};

// Writes `text` to `path`, replacing any file there. Returns IOError naming the file when it
// cannot be created or written.
Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace skyshard::gen_internal
