// The one place where a Status becomes an HTTP status code and a TAP error document (a VOTable
// whose RESOURCE holds INFO name="QUERY_STATUS" value="ERROR" with the message; DALI 1.1
// section 4.4.3, TAP 1.1 section 5.2). Every error the server answers goes through here.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "common/status.h"
#include "server/internal/http_message.h"

namespace skyshard::server {

// What the failing request was about, which decides some codes: NotFound is 404 for a resource
// (an unknown job, table or path) but 400 for a query (an unknown table named in ADQL is a bad
// request, not a missing resource).
enum class ErrorContext {
  kQuery,     // running or checking a query (sync, or an async job's parameters)
  kResource,  // addressing a resource: jobs, /tables/{name}, paths
};

// The HTTP status for a failed request:
//   InvalidArgument, SyntaxError, Unsupported (query)       -> 400 Bad Request
//   NotFound                                                 -> 400 (query) / 404 (resource)
//   AlreadyExists                                            -> 400 (query) / 403 (resource)
//   LimitExceeded                                            -> 400 (query) / 413 (resource: a
//                                                               body or upload too large)
//   Cancelled                                                -> 503 (shutdown, busy, timeout)
//   Unsupported (resource)                                   -> 501 Not Implemented
//   IOError, Corruption, Internal                            -> 500
int HttpStatusFor(const Status& status, ErrorContext context);

// A complete error response: the status from HttpStatusFor and a TAP error VOTable carrying
// the status's message.
// REQUIRES: !status.ok().
HttpResponse ErrorResponse(const Status& status, ErrorContext context);

// A TAP error VOTable with an explicit HTTP status (405, 503, ...).
HttpResponse ErrorResponse(int http_status, std::string_view message);

}  // namespace skyshard::server
