// CsvReader: the TableReader for comma-separated text (data release files and TAP uploads).
//
// Format accepted (RFC 4180 plus the leniencies that real release files need):
//  - The first record is the header: column names, trimmed of spaces; a UTF-8 byte-order mark
//    is skipped. Names must be non-empty and distinct (compared case-insensitively, as ADQL
//    identifiers are).
//  - Fields are separated by ',' and records by LF or CRLF. A field that starts with '"' is
//    quoted: it may contain ',', '"' (written "") and line breaks, and ends at the next lone '"'.
//    A '"' inside an unquoted field is taken literally.
//  - An empty unquoted field is NULL. An empty quoted field ("") is the empty string for
//    char/varchar columns and NULL for every other type.
//  - Numbers may be surrounded by spaces or tabs and may carry a leading '+'. Doubles also
//    accept nan, inf, -inf, infinity (any case); a value too small for a double becomes 0 or a
//    denormal, one too large is an error. Booleans: true/false/t/f/yes/no/1/0, any case.
//    Timestamps: ParseTimestamp (common/types.h).
//  - A blank line is skipped when the file has more than one column (with a single column it
//    is a row holding NULL).
//
// Thread safety: as TableReader (one thread at a time per reader).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "storage/table_reader.h"

namespace skyshard {

struct CsvReaderOptions {
  // Bytes requested from the file per read(); a record longer than this grows the buffer. Tests
  // shrink it to make records straddle block boundaries. read() serves only files smaller than
  // map_min_bytes and the last bytes of a mapped file, so a small buffer is enough.
  size_t block_size = size_t{256} << 10;
  // A file of at least this many bytes is mapped, and all but its last bytes are parsed in the
  // page cache, without a copy; the rest, and smaller files, are read() in blocks.
  uint64_t map_min_bytes = uint64_t{1} << 20;
};

// Opens the CSV file `path` and reads its header. On success the returned reader owns the
// open file descriptor until it is destroyed. Returns NotFound when the file does not exist,
// IOError when it cannot be read, InvalidArgument for an empty file, an empty or malformed
// header, or duplicate column names.
// REQUIRES: options.block_size > 0.
Result<std::unique_ptr<TableReader>> OpenCsvReader(const std::string& path,
                                                   const CsvReaderOptions& options = {});

}  // namespace skyshard
