// HttpServer: the HTTP/1.1 front end, on Boost.Beast and Asio — the only file that includes them
// (http_server.cc), after Beast's advanced server example: a listener, one session per
// connection, keep-alive, chunked request bodies (decoded by the parser), "Expect:
// 100-continue", a timeout on every read and write, a body size limit, a connection limit.
// Each complete request is handed to the Handler on a WorkerPool thread; the handler answers
// through an HttpResponder whose streaming sink sends chunks with back-pressure (a Write returns
// once its chunk is on the wire, or Cancelled when the client is gone).
//
// Thread safety: Start/Stop from one thread; the handler is called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/internal/http_message.h"

namespace skyshard::server {

struct HttpServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port
  int io_threads = 2;
  int max_connections = 512;
  size_t max_body_bytes = size_t{80} << 20;
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{120};
  std::chrono::seconds keep_alive_timeout{60};
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponder*)>;

class HttpServer {
 public:
  // Binds and listens, then serves on io_threads threads. IOError (naming the address) when the
  // address cannot be bound; InvalidArgument for a bad bind address.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port listened on (the chosen one when options.port was 0).
  uint16_t port() const;

  // Blocks until SIGINT or SIGTERM arrives (or RequestStop is called); returns the signal
  // number (0 for RequestStop).
  int WaitForStopSignal();
  void RequestStop();

  // Stops accepting, waits for the requests being handled to finish (their handlers must end:
  // cancel queries first), closes every connection and joins the threads. Idempotent.
  void Stop();

  struct Impl;  // opaque: Beast and Asio stay in http_server.cc

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace skyshard::server
