// A TAP query (TAP 1.1 section 2.3, DALI 1.1 section 3) from its parameters, its uploads, and
// running it into a result document: LANG (ADQL, ADQL-2.0, ADQL-2.1), QUERY, MAXREC,
// RESPONSEFORMAT (or FORMAT), UPLOAD (name,param:PART inline, or name,http(s)://URL fetched by
// the service with HttpFetch, http_fetch.h). REQUEST=doQuery and unknown parameters are ignored.
// Shared by /sync and the async job runner.
//
// Thread safety: pure functions over their arguments; RunTapQuery may run concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "adql/query_engine.h"
#include "common/status.h"
#include "server/internal/query_backend.h"
#include "server/internal/request_params.h"
#include "server/result_tables.h"
#include "server/tap_server.h"
#include "votable/byte_sink.h"
#include "votable/result_format.h"
#include "votable/result_writer.h"

namespace skyshard::server {

struct UploadSpec {
  std::string table;  // TAP_UPLOAD.<table>
  std::string uri;    // "param:PART" or a URL
};

struct TapQuery {
  std::string adql;
  int64_t max_rows = -1;  // effective MAXREC (default and hard limit applied)
  bool maxrec_zero = false;
  ResponseFormat format;
  std::vector<UploadSpec> uploads;
};

// Parses the parameters. Errors (InvalidArgument, the TAP error texts): LANG missing or not
// ADQL[-2.0|-2.1]; QUERY missing or empty; MAXREC not a non-negative integer; an unknown
// RESPONSEFORMAT (Unsupported for known formats not written); a malformed UPLOAD; duplicated
// single-valued parameters.
Result<TapQuery> ParseTapQuery(const std::vector<Param>& params, const ServerOptions& options);

// The UPLOAD parameter values (each "name,uri[;name,uri...]") as specs. InvalidArgument for a
// malformed pair or a table name that is not [A-Za-z][A-Za-z0-9_]*, or a name used twice.
Result<std::vector<UploadSpec>> ParseUploads(const std::vector<std::string>& values);

// Gives the bytes of the multipart part `name`, or NotFound.
using PartSource = std::function<Result<std::string>(const std::string& name)>;

// Reads every upload into a table for adql::QueryRequest::uploads. A param:PART comes from
// `source`; an http:// or https:// URL is fetched (connect timeout 10 s, read timeout
// ServerOptions::read_timeout_s, at most max_upload_bytes, up to 3 redirects), blocking the
// calling thread meanwhile. Errors, each naming the table: InvalidArgument for a missing part, a
// URL that cannot be fetched (unreachable, timed out, TLS refused, a status other than 200: the
// message gives the URL and the reason) or a malformed URL; Unsupported for another scheme
// (file:, ftp:, ...); the VOTable reader's errors; LimitExceeded beyond
// ServerOptions::max_upload_* / max_uploads.
Result<std::vector<adql::UploadedTable>> LoadUploads(const std::vector<UploadSpec>& uploads,
                                                     const PartSource& source,
                                                     const ServerOptions& options);

struct TapRunResult {
  Status status;                // the query's outcome
  bool output_started = false;  // bytes reached the sink (so an error was written in-band)
  int64_t rows = 0;
  bool overflow = false;
};

// Runs `query` over `backend` and writes the result document in query.format to `sink`.
// Nothing reaches the sink before the result's first buffered piece is complete, so when the
// query fails early (bad ADQL, unknown table) output_started is false and the caller answers
// with an error document of its own (sync: an HTTP error status). When it fails after output
// began the document ends with INFO QUERY_STATUS=ERROR. FITS output is spooled and reaches the
// sink only once the query has succeeded, so a FITS query that fails never starts output.
// `spool_dir` is where FITS output is spooled (ResultWriterOptions::spool_dir); empty: the
// directory SyncSpoolDir(options), created when missing.
TapRunResult RunTapQuery(const QueryBackend& backend, const TapQuery& query,
                         std::vector<adql::UploadedTable> uploads, const ServerOptions& options,
                         const std::atomic<bool>* cancel,
                         std::chrono::steady_clock::time_point deadline, ByteSink* sink,
                         const std::string& spool_dir = "");

// The spool directory of results that are not async jobs: <job store>/spool, i.e.
// <data_dir>/uws/spool unless ServerOptions::job_store_dir says otherwise (beside the jobs/ of
// the job store, which is on the disk the operator sized for results). Empty when no data
// directory is configured (the writer then uses $TMPDIR or /tmp).
std::string SyncSpoolDir(const ServerOptions& options);

}  // namespace skyshard::server
