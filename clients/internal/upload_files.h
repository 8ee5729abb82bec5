// Files given to `skyshard query --upload NAME=FILE`, read into the table TAP_UPLOAD.NAME, as the
// TAP service does with an UPLOAD parameter: a VOTable (TABLEDATA, BINARY, BINARY2; recognised by
// its leading '<') through votable/votable_reader.h, or a CSV file with a header row.
//
// CSV (RFC 4180: quoted fields may hold commas, quotes doubled, line breaks): the header names the
// columns; each column's type is the narrowest that holds every non-empty value: BIGINT, then
// DOUBLE (numbers, NaN, Inf), else VARCHAR. An empty field is NULL.
//
// Thread safety: reentrant.
#pragma once

#include <string>

#include "adql/query_engine.h"
#include "common/status.h"

namespace skyshard::internal {

// Reads `path` as the upload table `name`. Errors: IOError (unreadable), InvalidArgument (a
// malformed file, naming the line; a row with the wrong number of fields; a duplicate or empty
// column name), the VOTable reader's errors, LimitExceeded beyond 1 GiB or 10 M rows.
Result<adql::UploadedTable> ReadUploadFile(const std::string& name, const std::string& path);

}  // namespace skyshard::internal
