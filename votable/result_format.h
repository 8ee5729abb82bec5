// The output formats of query results and their names in a TAP request (RESPONSEFORMAT, see
// DALI 1.1 section 3.3.3) and in an HTTP response (Content-Type). docs/votable.md describes
// every format.
//
// Thread safety: everything here is a pure function or an immutable value.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace skyshard {

enum class ResultFormat {
  kVOTableBinary2,    // VOTable 1.4, BINARY2 serialization (the default)
  kVOTableBinary,     // VOTable 1.4, BINARY serialization
  kVOTableTableData,  // VOTable 1.4, TABLEDATA serialization
  kCsv,               // RFC 4180 comma-separated values with a header row
  kTsv,               // tab-separated values with a header row
  kFits,              // FITS binary table (one BINTABLE extension), written at End from a spool
};

// A format as a client asked for it.
struct ResponseFormat {
  ResultFormat format = ResultFormat::kVOTableBinary2;
  // The Content-Type to answer with: the media type the client named (DALI requires echoing
  // it, e.g. text/xml for a browser), or ContentType(format) when it used a short form.
  std::string content_type;
};

// Parses a RESPONSEFORMAT value, case-insensitively, ignoring blanks around ';' and '=':
//   votable, application/x-votable+xml, text/xml        -> BINARY2
//   votable/b2, votable/binary2                         -> BINARY2
//   votable/b, votable/binary                           -> BINARY
//   votable/td, votable/tabledata                       -> TABLEDATA
//   application/x-votable+xml;serialization=BINARY2|BINARY|TABLEDATA (also text/xml;...)
//   csv, text/csv (optionally ;header=present and ;charset=utf-8)
//   tsv, text/tab-separated-values (optionally ;header=present and ;charset=utf-8)
//   fits, application/fits                              -> FITS binary table
// An empty value means the default, BINARY2. Success returns the format and the Content-Type.
// Returns Unsupported for known formats skyshard does not write (parquet, text/plain,
// text/html, csv with header=absent, a VOTable with serialization=FITS) and
// InvalidArgument for anything else; both messages quote the value and list what is accepted.
Result<ResponseFormat> ParseResponseFormat(std::string_view value);

// The canonical Content-Type of `format`: application/x-votable+xml for every VOTable
// serialization, text/csv;header=present, text/tab-separated-values, application/fits.
std::string_view ContentType(ResultFormat format);

// "votable/b2", "votable/b", "votable/td", "csv", "tsv", "fits": a short name for logs and
// messages.
std::string_view ResultFormatName(ResultFormat format);

}  // namespace skyshard
