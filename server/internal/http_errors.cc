#include "server/internal/http_errors.h"

#include "votable/byte_sink.h"
#include "votable/result_writer.h"

namespace skyshard::server {

int HttpStatusFor(const Status& status, ErrorContext context) {
  const bool query = context == ErrorContext::kQuery;
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kSyntaxError:
      return 400;
    case StatusCode::kNotFound:
      return query ? 400 : 404;
    case StatusCode::kAlreadyExists:
      return query ? 400 : 403;
    case StatusCode::kUnsupported:
      return query ? 400 : 501;
    case StatusCode::kLimitExceeded:
      return query ? 400 : 413;
    case StatusCode::kCancelled:
      return 503;
    case StatusCode::kIOError:
    case StatusCode::kCorruption:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse ErrorResponse(int http_status, std::string_view message) {
  HttpResponse response;
  response.status = http_status;
  StringSink sink;
  // A StringSink never fails.
  (void)WriteErrorDocument(&sink, message);
  response.body = sink.contents();
  response.headers.emplace_back("Content-Type", "application/x-votable+xml");
  return response;
}

HttpResponse ErrorResponse(const Status& status, ErrorContext context) {
  return ErrorResponse(HttpStatusFor(status, context), status.message());
}

}  // namespace skyshard::server
