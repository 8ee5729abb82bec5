// HttpFetch: a minimal HTTP/1.1 client that GETs one document, for TAP uploads given by URL
// (UPLOAD=name,http://... or https://...). Implemented at the end of http_server.cc, the one
// translation unit that compiles Boost.Beast and Asio; this header names none of their types.
//
// What it does: resolves the host, connects (TLS with certificate and host-name verification for
// https, using the system's trusted CAs), sends `GET path HTTP/1.1` with Host, User-Agent and
// Connection: close, and reads the response. Redirects (301, 302, 303, 307, 308) are followed,
// at most max_redirects of them, also across hosts and between http and https. The body may be
// chunked; it is decoded. Any other status than 200 is an error.
//
// Security (docs/operations.md, "Uploads by URL"): the service fetches whatever http(s) URL a
// client names, including hosts on its own network (server-side request forgery); only the
// schemes are restricted.
//
// Thread safety: HttpFetch may be called concurrently; each call has its own I/O context and
// blocks the calling thread until it is done or has timed out.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/status.h"

namespace skyshard::server {

struct HttpFetchOptions {
  // Resolving, connecting and the TLS handshake, for each host contacted. Name resolution
  // (getaddrinfo, which cannot be interrupted) may also take as long as the system resolver's
  // own timeouts allow (resolv.conf: 5 s times 2 attempts by default).
  std::chrono::milliseconds connect_timeout{10'000};
  // Sending the request and reading the whole response, for each request.
  std::chrono::milliseconds read_timeout{30'000};
  // The largest body accepted.
  size_t max_bytes = size_t{64} << 20;
  int max_redirects = 3;
};

// A URL split into its parts: scheme "http" or "https" (lower case), host, port, and the
// target sent in the request line (path and query, "/" when empty; no fragment).
struct HttpUrl {
  std::string scheme;
  std::string host;
  std::string port;
  std::string target;
};

// Parses an absolute http or https URL. InvalidArgument quoting the URL when it is malformed
// (no host, a bad port, user info, white space or control characters) and Unsupported for any
// other scheme (file:, ftp:, ...).
Result<HttpUrl> ParseHttpUrl(const std::string& url);

// GETs `url` and returns the body. Errors, each naming the URL: InvalidArgument/Unsupported
// as ParseHttpUrl; IOError when the host cannot be resolved or reached, TLS fails (e.g. an
// untrusted certificate), the connection breaks or the answer is not HTTP, or a timeout expires
// (the message says which); NotFound for a 404 or 410 and InvalidArgument for any other status
// than 200 (the message gives the status and reason), for a redirect without Location and for
// more than max_redirects redirects; LimitExceeded when the body is larger than max_bytes.
Result<std::string> HttpFetch(const std::string& url, const HttpFetchOptions& options);

}  // namespace skyshard::server
