// The HTTP request and response as the TAP request handler sees them: plain values with no
// Beast or Asio type, so that the handler can be driven by a test without a socket. The HTTP
// layer (http_server.cc) fills an HttpRequest from the wire and implements HttpResponder on
// top of its connection.
//
// Thread safety: HttpRequest is a value. A responder is used by one thread at a time (the one
// handling its request).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "votable/byte_sink.h"

namespace skyshard::server {

// Header fields in the order received or to be sent. Names compare case-insensitively.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", "DELETE", "OPTIONS", "HEAD", ...
  std::string path;    // the target's path, still percent-encoded: "/tap/async/abc/phase"
  std::string query;   // the target's query string without '?', still percent-encoded
  HeaderList headers;
  std::string body;    // de-chunked
  std::string remote;  // the peer as "ip:port" ("[ip6]:port"); empty when unknown (tests)

  // The value of the first header `name` (case-insensitive), or empty.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;  // Content-Type, Location, ...; Content-Length is added by the server
  std::string body;
};

// Where the handler sends its answer: either one complete response (Send) or a chunked stream
// (StartStream, writes into the returned sink, FinishStream). Exactly one of the two per request.
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;

  // Sends a complete response.
  virtual void Send(HttpResponse response) = 0;

  // Sends the status line and headers of a chunked response and returns the sink the body goes
  // to; the sink is owned by the responder and valid until FinishStream. Its Write returns
  // Cancelled when the client went away or stopped reading (write timeout).
  virtual ByteSink* StartStream(int status, HeaderList headers) = 0;

  // Ends the chunked body. Returns the sink's error when the connection failed.
  virtual Status FinishStream() = 0;
};

}  // namespace skyshard::server
