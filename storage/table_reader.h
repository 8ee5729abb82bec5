// TableReader: a source of typed rows read from one input file of a data release (CSV or a
// FITS binary table), delivered in ColumnBatches.
//
// Usage: open a reader (OpenTableReader), look at column_names(), Bind() the target type of
// every file column, then call ReadBatch() until it returns 0. Errors name the file, the line
// (CSV) or row (FITS) and the column, and say what was expected, e.g.
//   "object-000.csv:17: column coord_ra: 'abc' is not a number (expected double)".
//
// Thread safety: a reader is used by one thread at a time; distinct readers are independent.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/column_batch.h"
#include "common/status.h"

namespace skyshard {

class TableReader {
 public:
  virtual ~TableReader() = default;

  // The file's column names, in file order (CSV header row; FITS TTYPEn).
  virtual const std::vector<std::string>& column_names() const = 0;

  // Total number of data rows when the format knows it up front (FITS NAXIS2), else -1.
  virtual int64_t num_rows_hint() const = 0;

  // Bytes of input consumed so far and the total, for progress reporting.
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t bytes_total() const = 0;

  // Sets the type each file column is converted to: types[i] for column_names()[i].
  // Returns InvalidArgument when a file column cannot hold the type (e.g. a FITS string
  // column bound to double).
  // REQUIRES: types.size() == column_names().size(); called once, before ReadBatch.
  virtual Status Bind(const std::vector<ColumnType>& types) = 0;

  // Clears `batch` (Reset with the bound types) and appends up to `max_rows` rows.
  // Returns the number of rows appended; 0 means end of file. Empty CSV fields and FITS
  // null values (TNULLn for integers, NaN stays NaN for floats) become NULL.
  // Returns InvalidArgument (with file:line:column) on unparsable values, a wrong number of
  // fields, an integer out of its type's range, a char(n) value longer than n; Corruption or
  // IOError on truncated/unreadable files.
  virtual Result<size_t> ReadBatch(ColumnBatch* batch, size_t max_rows) = 0;

  // Restricts reading to rows [begin, end) (0-based) of the file, so that several threads can
  // share one large file, each with a reader of its own. Row numbers in Where() and in errors
  // stay those of the whole file. Returns Unsupported for a format without random row access
  // (CSV), InvalidArgument when the range is not inside [0, num_rows_hint()].
  // REQUIRES: called before the first ReadBatch.
  virtual Status SetRowRange(int64_t begin, int64_t end) {
    (void)begin;
    (void)end;
    return Status::Unsupported("this reader cannot start in the middle of its file");
  }

  // Where row `row_in_batch` of the last batch came from: "file.csv:123" (line number) or
  // "file.fits: row 17" (1-based), for error messages raised by the caller.
  virtual std::string Where(size_t row_in_batch) const = 0;
};

// Opens `path`, choosing the format by extension (case-insensitive): .csv (.csv.gz is NOT
// supported), .fits, .fit, .fits.gz, .fit.gz (cfitsio reads gzip transparently). The caller owns
// the returned reader. Returns NotFound when the file does not exist, InvalidArgument for an
// unknown extension, a missing/empty CSV header, duplicate column names (case-insensitive), a
// file that is not FITS, a FITS file without a binary table in its first extension or with an
// unsupported column (vector, bit, complex, variable-length), and Corruption for a FITS file
// whose header is damaged or whose data are shorter than its header says (truncated).
// Format details: storage/internal/csv_reader.h and storage/internal/fits_reader.h.
Result<std::unique_ptr<TableReader>> OpenTableReader(const std::string& path);

}  // namespace skyshard
