// VOTable reader for table uploads (TAP UPLOAD, DALI 1.1 section 3.4.5): reads the first TABLE
// of a VOTable document (versions 1.1 to 1.5) serialized as TABLEDATA, BINARY or BINARY2 (STREAM
// encoding="base64") into typed columns and ColumnBatches.
//
// Types: boolean and bit -> boolean; unsignedByte and short -> smallint; int -> integer; long ->
// bigint; float -> real; double -> double; char/unicodeChar with xtype timestamp -> timestamp;
// char/unicodeChar arrays -> char(n) for a fixed arraysize n, else varchar; a scalar char ->
// char(1). Arrays of numbers or booleans become varchar holding the values as TABLEDATA writes
// them (blank-separated), so that they survive a round trip as text. Complex numbers, FITS
// serialization, STREAM href and multidimensional character arrays are refused (Unsupported).
//
// NULLs: TABLEDATA empty cells and values equal to <VALUES null="...">; BINARY2 null flags;
// BINARY integers equal to the null value, NaN floats, '?' booleans and empty strings.
//
// Safety: the document is untrusted. A DOCTYPE (and so any entity definition or expansion) is
// refused, sizes and counts are checked before use, and ReadOptions bound the bytes, rows and
// columns; no input may crash the reader or make it allocate without bound.
//
// Thread safety: ReadVOTable is reentrant; results are plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/column_batch.h"
#include "common/status.h"
#include "votable/result_writer.h"

namespace skyshard {

struct VOTableReadOptions {
  size_t max_bytes = size_t{256} << 20;  // the document's size
  uint64_t max_rows = 10'000'000;
  size_t max_columns = 1000;
  size_t batch_rows = 4096;  // rows per ColumnBatch
};

// A table read from a VOTable: its columns (name, type, unit, UCD, utype, description, xtype as
// the FIELDs give them) and its rows.
struct VOTableData {
  std::string name;  // the TABLE's name attribute (may be empty)
  std::vector<FieldInfo> fields;
  std::vector<ColumnBatch> batches;  // columns follow `fields`; types are fields[i].type
  uint64_t num_rows = 0;
};

// Reads the first TABLE of `document`. Errors (messages name the column and 1-based row):
// InvalidArgument for malformed XML, a document without a TABLE, a FIELD without a datatype,
// duplicate column names (compared case-insensitively), a value that does not parse or does not
// fit its type, a truncated BINARY stream; Unsupported for the features listed above;
// LimitExceeded when a ReadOptions bound is exceeded.
Result<VOTableData> ReadVOTable(std::string_view document, const VOTableReadOptions& options = {});

}  // namespace skyshard
