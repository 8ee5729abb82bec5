// FitsReader: the TableReader for FITS binary tables, read with cfitsio.
//
// The table is the first extension (HDU 2), which must be a BINTABLE. Column names come from
// TTYPEn (a column without one is called colN). Supported TFORMs and the column types they may
// be bound to:
//   L            -> boolean ('T' = true, 'F' = false, 0 = NULL)
//   B, I, J, K   -> smallint, integer, bigint, real, double (range-checked). TNULLn marks NULL
//                   (compared with the stored value, as the FITS standard says). An integer
//                   TZEROn with TSCALn = 1 is added exactly, which covers the unsigned
//                   conventions (B with TZERO -128, I with 32768, J with 2^31, K with 2^63).
//                   Any other scaling makes the column floating point.
//   E, D         -> real, double; NaN stays NaN (it is a value, not NULL). TSCALn/TZEROn applied.
//   nA           -> char(n), varchar, or timestamp (ISO-8601 text). The text ends at the first
//                   NUL; trailing spaces are dropped; an empty string is NULL (FITS has no other
//                   way to write a NULL string).
// Vector columns (repeat > 1, other than strings), bits (X), complex (C, M) and variable-length
// arrays (P, Q) are rejected when the file is opened.
// .fits.gz files are decompressed into memory by cfitsio.
//
// Thread safety: as TableReader. Distinct readers may run in distinct threads: the cfitsio in
// use is built reentrant (fits_is_reentrant()), and each reader owns its own fitsfile.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "storage/table_reader.h"

namespace skyshard {

// Opens the FITS file `path` and reads the header of its first extension. On success the
// returned reader owns the open file until it is destroyed. Returns NotFound when the file does
// not exist; InvalidArgument when it is not a FITS file, has no BINTABLE in HDU 2, or has a
// column of an unsupported form; Corruption when the header is damaged or the data are shorter
// than NAXIS1 * NAXIS2 (a truncated file, reported before any row is delivered).
Result<std::unique_ptr<TableReader>> OpenFitsReader(const std::string& path);

}  // namespace skyshard
