// The one translation unit that compiles Boost.Beast and Asio (compile time: every other file
// sees only http_server.h). Structure after Beast's example/advanced/server: a listener that
// accepts on its own strand per connection, and a session per connection that reads a request
// (header, optional 100 Continue, body), hands it to the handler on a worker thread, writes the
// response (whole, or chunk by chunk as the handler streams it) and, with keep-alive, reads the
// next one.
#include "server/internal/http_server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <csignal>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "common/ascii.h"
#include "server/internal/http_errors.h"
#include "server/internal/worker_pool.h"

namespace skyshard::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
class Session;
}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  std::atomic<int> connections{0};
  std::atomic<bool> stopping{false};
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stop_requested = false;
  int stop_signal = 0;
  std::mutex sessions_mu;
  std::map<const void*, std::weak_ptr<Session>> sessions;

  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc, SIGINT, SIGTERM};
  std::unique_ptr<WorkerPool> pool;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool stopped = false;

  void DoAccept();
};

namespace {

// The part of the handler's HttpResponder that talks to the session (below).
class SessionResponder;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {}
  ~Session() { --server_->connections; }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Closes the connection (from any thread).
  void Close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
  }

  // ---- Used by SessionResponder on a worker thread ---------------------------------------

  // Writes a complete response, then continues the connection (keep-alive) or closes it.
  void SendAsync(const std::shared_ptr<http::response<http::string_body>>& res, bool keep_alive) {
    net::post(stream_.get_executor(), [self = shared_from_this(), res, keep_alive] {
      self->stream_.expires_after(self->server_->options.write_timeout);
      http::async_write(self->stream_, *res, [self, res, keep_alive](beast::error_code ec, size_t) {
        if (ec) return self->CloseNow();
        self->AfterResponse(keep_alive);
      });
    });
  }

  // Runs `start` on the session's strand and waits for the operation it starts to complete.
  beast::error_code RunBlocking(
      const std::function<void(std::function<void(beast::error_code)>)>& start) {
    std::promise<beast::error_code> done;
    std::future<beast::error_code> result = done.get_future();
    net::post(stream_.get_executor(), [self = shared_from_this(), &start, &done] {
      self->stream_.expires_after(self->server_->options.write_timeout);
      start([&done](beast::error_code ec) { done.set_value(ec); });
    });
    return result.get();
  }

  beast::tcp_stream& stream() { return stream_; }

  // Called on the strand when a response is complete.
  void AfterResponse(bool keep_alive) {
    if (!keep_alive || server_->stopping) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      return CloseNow();
    }
    ReadHeader();
  }

  void ContinueAfterStream(bool keep_alive) {
    net::post(stream_.get_executor(),
              [self = shared_from_this(), keep_alive] { self->AfterResponse(keep_alive); });
  }

 private:
  void CloseNow() {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(server_->options.max_body_bytes);
    stream_.expires_after(first_ ? server_->options.read_timeout
                                 : server_->options.keep_alive_timeout);
    first_ = false;
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      stream_.expires_after(server_->options.write_timeout);
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code wec, size_t) {
                          if (wec) return self->CloseNow();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(server_->options.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return SendErrorAndClose(413, "the request body is larger than the limit of " +
                                        std::to_string(server_->options.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return SendErrorAndClose(431, "the request header is too large");
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return SendErrorAndClose(400, "malformed HTTP request: " + ec.message());
    }
    // End of stream, timeout, reset: nothing to answer.
    CloseNow();
  }

  void SendErrorAndClose(int status, const std::string& message) {
    HttpResponse r = ErrorResponse(status, message);
    auto res =
        std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(false);
    res->prepare_payload();
    stream_.expires_after(server_->options.write_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code, size_t) {
      self->CloseNow();
    });
  }

  void OnBody(beast::error_code ec);

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl* server_;
  bool first_ = true;
};

// The HttpResponder of one request, used on the worker thread that runs its handler.
class SessionResponder final : public HttpResponder, public ByteSink {
 public:
  SessionResponder(std::shared_ptr<Session> session, unsigned version, bool keep_alive, bool head)
      : session_(std::move(session)), version_(version), keep_alive_(keep_alive), head_(head) {}

  void Send(HttpResponse response) override {
    if (state_ != State::kNone) return;
    state_ = State::kDone;
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    res->set(http::field::server, "skyshard");
    for (auto& [k, v] : response.headers) res->set(k, v);
    res->keep_alive(keep_alive_);
    const size_t size = response.body.size();
    if (head_) {
      res->content_length(size);
    } else {
      res->body() = std::move(response.body);
      res->prepare_payload();
    }
    session_->SendAsync(res, keep_alive_);
  }

  // A streamed answer is held back until it reaches kCoalesceBytes: a small result (a cone, a
  // light curve) then leaves as one complete response, posted to the session without waiting
  // for it, instead of a header, a chunk and a last chunk each written while this worker
  // blocks on the I/O thread. A larger one is written in chunks of at least that size, each
  // flush one blocking hand-off (the back-pressure of a slow client).
  ByteSink* StartStream(int status, HeaderList headers) override {
    if (state_ != State::kNone) return this;
    state_ = State::kStreaming;
    status_ = status;
    stream_headers_ = std::move(headers);
    return this;
  }

  Status Write(std::string_view data) override {
    if (failed_) return Status::Cancelled("the client went away");
    if (head_ || data.empty()) return Status::OK();
    pending_.append(data.data(), data.size());
    if (pending_.size() < kCoalesceBytes) return Status::OK();
    Flush(/*last=*/false);
    if (failed_) {
      return Status::Cancelled("the client went away or stopped reading (" + error_ + ")");
    }
    return Status::OK();
  }

  Status FinishStream() override {
    if (state_ != State::kStreaming) return Status::OK();
    state_ = State::kDone;
    if (!header_sent_ && !failed_) {
      // Everything fitted in the buffer: one response with a Content-Length.
      HttpResponse whole;
      whole.status = status_;
      whole.headers = std::move(stream_headers_);
      whole.body = std::move(pending_);
      state_ = State::kNone;
      Send(std::move(whole));
      return Status::OK();
    }
    if (!failed_) Flush(/*last=*/true);
    session_->ContinueAfterStream(keep_alive_ && !failed_);
    return failed_ ? Status::Cancelled("the client went away") : Status::OK();
  }

  // After the handler returned: make sure the connection gets an answer and moves on.
  void Complete() {
    if (state_ == State::kNone) {
      Send(ErrorResponse(500, "the service produced no response"));
    } else if (state_ == State::kStreaming) {
      (void)FinishStream();
    }
  }

 private:
  static constexpr size_t kCoalesceBytes = 64 * 1024;

  // Writes the header (the first time), the pending bytes as one chunk and, when `last`, the
  // last chunk, in one hand-off to the session's strand; waits for the writes to finish.
  void Flush(bool last) {
    if (!header_sent_) {
      header_sent_ = true;
      // HTTP/1.0 clients cannot read chunks: stream the body and end it by closing.
      chunked_ = version_ >= 11;
      if (!chunked_) keep_alive_ = false;
      header_ = std::make_shared<http::response<http::empty_body>>(
          static_cast<http::status>(status_), version_);
      header_->set(http::field::server, "skyshard");
      for (auto& [k, v] : stream_headers_) header_->set(k, v);
      header_->keep_alive(keep_alive_);
      if (chunked_) header_->chunked(true);
      serializer_ = std::make_shared<http::response_serializer<http::empty_body>>(*header_);
      write_header_ = true;
    }
    beast::error_code ec = session_->RunBlocking([&](auto done) {
      auto write_body = [this, last, done]() {
        auto after = [this, last, done](beast::error_code e, size_t) {
          if (e || !last || !chunked_) return done(e);
          net::async_write(session_->stream(), http::make_chunk_last(),
                           [done](beast::error_code e2, size_t) { done(e2); });
        };
        if (pending_.empty()) return after({}, 0);
        if (chunked_) {
          net::async_write(session_->stream(),
                           http::make_chunk(net::buffer(pending_.data(), pending_.size())), after);
        } else {
          net::async_write(session_->stream(), net::buffer(pending_.data(), pending_.size()),
                           after);
        }
      };
      if (!write_header_) return write_body();
      write_header_ = false;
      http::async_write_header(session_->stream(), *serializer_,
                               [write_body, done](beast::error_code e, size_t) {
                                 if (e) return done(e);
                                 write_body();
                               });
    });
    pending_.clear();
    if (ec) {
      failed_ = true;
      error_ = ec.message();
    }
  }

  enum class State { kNone, kStreaming, kDone };
  std::shared_ptr<Session> session_;
  unsigned version_;
  bool keep_alive_;
  bool head_;
  bool chunked_ = true;
  bool failed_ = false;
  State state_ = State::kNone;
  std::shared_ptr<http::response<http::empty_body>> header_;
  std::shared_ptr<http::response_serializer<http::empty_body>> serializer_;
  int status_ = 200;
  HeaderList stream_headers_;
  std::string pending_;  // written but not yet sent
  bool header_sent_ = false;
  bool write_header_ = false;
  std::string error_;
};

void Session::OnBody(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  http::request<http::string_body> req = parser_->release();
  stream_.expires_never();  // the handler may take long; writes set their own timeouts
  HttpRequest request;
  request.method = std::string(req.method_string());
  const std::string_view target(req.target().data(), req.target().size());
  const size_t q = target.find('?');
  request.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
  for (const auto& field : req) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(req.body());
  {
    beast::error_code peer_ec;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(peer_ec);
    if (!peer_ec) {
      const std::string ip = peer.address().to_string();
      request.remote =
          (peer.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(peer.port());
    }
  }
  const bool keep_alive = req.keep_alive();
  const unsigned version = req.version();
  const bool head = req.method() == http::verb::head;
  auto self = shared_from_this();
  HttpServer::Impl* server = server_;
  const bool submitted = server->pool->Submit(
      [self, server, request = std::move(request), keep_alive, version, head]() mutable {
        SessionResponder responder(self, version, keep_alive, head);
        try {
          server->handler(request, &responder);
        } catch (...) {
          // The handler has its own catch-all; this is the last line of defence.
        }
        responder.Complete();
      });
  if (!submitted) SendErrorAndClose(503, "the service is shutting down");
}

}  // namespace

void HttpServer::Impl::DoAccept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    } else if (stopping || connections.load() >= options.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      // Responses go out as a header and chunks in separate writes: without TCP_NODELAY, Nagle's
      // algorithm holds the last small segment until the client's delayed ACK (~40 ms), which
      // a keep-alive client (pyvo, TOPCAT) waits on for every small result.
      beast::error_code nodelay_ec;
      socket.set_option(tcp::no_delay(true), nodelay_ec);
      ++connections;
      auto session = std::make_shared<Session>(std::move(socket), this);
      {
        std::lock_guard lock(sessions_mu);
        for (auto it = sessions.begin(); it != sessions.end();) {
          it = it->second.expired() ? sessions.erase(it) : std::next(it);
        }
        sessions[session.get()] = session;
      }
      session->Start();
    }
    if (acceptor.is_open()) DoAccept();
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpHandler handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);
  impl->pool = std::make_unique<WorkerPool>(std::max(4, options.max_connections));
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(options.bind, ec);
  if (ec)
    return Status::InvalidArgument("bad bind address '" + options.bind + "': " + ec.message());
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = options.bind + ":" + std::to_string(options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + where + ": " + ec.message());
  impl->port = impl->acceptor.local_endpoint().port();
  Impl* raw = impl.get();
  impl->signals.async_wait([raw](beast::error_code sec, int signal) {
    if (sec) return;
    std::lock_guard lock(raw->stop_mu);
    raw->stop_requested = true;
    raw->stop_signal = signal;
    raw->stop_cv.notify_all();
  });
  impl->DoAccept();
  for (int i = 0; i < std::max(1, options.io_threads); ++i) {
    impl->threads.emplace_back([raw] { raw->ioc.run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port; }

int HttpServer::WaitForStopSignal() {
  std::unique_lock lock(impl_->stop_mu);
  impl_->stop_cv.wait(lock, [&] { return impl_->stop_requested; });
  return impl_->stop_signal;
}

void HttpServer::RequestStop() {
  std::lock_guard lock(impl_->stop_mu);
  impl_->stop_requested = true;
  impl_->stop_cv.notify_all();
}

void HttpServer::Stop() {
  if (impl_ == nullptr || impl_->stopped) return;
  impl_->stopped = true;
  impl_->stopping = true;
  Impl* raw = impl_.get();
  net::post(raw->ioc, [raw] {
    beast::error_code ec;
    raw->acceptor.close(ec);
    raw->signals.cancel(ec);
  });
  // Requests being handled finish (the service cancelled its queries first); their responses
  // are written by the still-running network threads.
  raw->pool->Stop();
  {
    std::lock_guard lock(raw->sessions_mu);
    for (auto& [key, weak] : raw->sessions) {
      if (std::shared_ptr<Session> s = weak.lock()) s->Close();
    }
  }
  // Let the closes and last writes run, then stop.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (raw->connections.load() > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  raw->ioc.stop();
  for (std::thread& t : raw->threads) {
    if (t.joinable()) t.join();
  }
  raw->threads.clear();
}

}  // namespace skyshard::server

// ------------------------------------------------------------------------------------------
// HttpFetch (http_fetch.h): the HTTP client for uploads by URL. It lives at the end of this
// file, after the server, so that Asio and Beast stay compiled in one translation unit.
// Every network operation runs on a private io_context with a deadline: RunUntil runs the
// context until the operation's handler fired or the deadline passed, and in the latter case
// cancels the operation (closing the socket) and drains the context.
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "server/internal/http_fetch.h"

namespace skyshard::server {
namespace {

namespace ssl = boost::asio::ssl;

// Runs `ioc` until `*done` or `deadline`. On a timeout calls `cancel` and lets the cancelled
// operation finish, then returns false.
bool RunUntil(net::io_context& ioc, const bool* done,
              std::chrono::steady_clock::time_point deadline, const std::function<void()>& cancel) {
  ioc.restart();
  const auto now = std::chrono::steady_clock::now();
  if (deadline > now) ioc.run_for(deadline - now);
  if (*done) return true;
  cancel();
  ioc.restart();
  ioc.run();
  return false;
}

bool IsRedirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string HostHeader(const HttpUrl& u) {
  const bool default_port =
      (u.scheme == "http" && u.port == "80") || (u.scheme == "https" && u.port == "443");
  const std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  return default_port ? host : host + ":" + u.port;
}

// What one request got: the status line, Location, and (status 200 only) the body.
struct FetchAnswer {
  unsigned status = 0;
  std::string reason;
  std::string location;
  std::string body;
};

class Fetcher {
 public:
  Fetcher(const std::string& url, const HttpFetchOptions& options) : url_(url), options_(options) {}

  // One GET of `u` (the first URL or a redirect's target).
  Status Get(const HttpUrl& u, FetchAnswer* answer) {
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    const auto connect_deadline = std::chrono::steady_clock::now() + options_.connect_timeout;
    tcp::resolver::results_type endpoints;
    {
      bool done = false;
      beast::error_code ec;
      resolver.async_resolve(u.host, u.port,
                             [&](beast::error_code e, tcp::resolver::results_type r) {
                               ec = e;
                               endpoints = std::move(r);
                               done = true;
                             });
      if (!RunUntil(ioc, &done, connect_deadline, [&] { resolver.cancel(); })) {
        return Timeout("resolving " + u.host, options_.connect_timeout);
      }
      if (ec) return Failed("cannot resolve host " + u.host, ec);
    }
    if (u.scheme == "https") {
      ssl::context ctx(ssl::context::tls_client);
      ctx.set_default_verify_paths();
      ctx.set_verify_mode(ssl::verify_peer);
      beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
      // SNI, and the certificate must name the host.
      // SSL_set_tlsext_host_name spelled out (the macro has a C cast).
      if (SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                   const_cast<char*>(u.host.c_str())) != 1) {
        return Status::IOError("GET " + url_ + ": cannot set the TLS server name " + u.host);
      }
      stream.set_verify_callback(ssl::host_name_verification(u.host));
      SKY_RETURN_IF_ERROR(
          Connect(ioc, beast::get_lowest_layer(stream), endpoints, u, connect_deadline));
      bool done = false;
      beast::error_code ec;
      stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
        ec = e;
        done = true;
      });
      if (!RunUntil(ioc, &done, connect_deadline,
                    [&] { beast::get_lowest_layer(stream).close(); })) {
        return Timeout("the TLS handshake with " + u.host, options_.connect_timeout);
      }
      if (ec) return Failed("TLS handshake with " + u.host + " failed", ec);
      return Exchange(ioc, stream, u, answer);
    }
    beast::tcp_stream stream(ioc);
    SKY_RETURN_IF_ERROR(Connect(ioc, stream, endpoints, u, connect_deadline));
    return Exchange(ioc, stream, u, answer);
  }

 private:
  Status Connect(net::io_context& ioc, beast::tcp_stream& stream,
                 const tcp::resolver::results_type& endpoints, const HttpUrl& u,
                 std::chrono::steady_clock::time_point deadline) {
    bool done = false;
    beast::error_code ec;
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    if (!RunUntil(ioc, &done, deadline, [&] { stream.close(); })) {
      return Timeout("connecting to " + u.host + ":" + u.port, options_.connect_timeout);
    }
    if (ec) return Failed("cannot connect to " + u.host + ":" + u.port, ec);
    return Status::OK();
  }

  template <class Stream>
  Status Exchange(net::io_context& ioc, Stream& stream, const HttpUrl& u, FetchAnswer* answer) {
    const auto deadline = std::chrono::steady_clock::now() + options_.read_timeout;
    const auto close = [&] { beast::get_lowest_layer(stream).close(); };
    http::request<http::empty_body> request{http::verb::get, u.target, 11};
    request.set(http::field::host, HostHeader(u));
    request.set(http::field::user_agent, "skyshard");
    request.set(http::field::accept, "*/*");
    request.set(http::field::connection, "close");
    bool done = false;
    beast::error_code ec;
    http::async_write(stream, request, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!RunUntil(ioc, &done, deadline, close)) {
      return Timeout("sending the request", options_.read_timeout);
    }
    if (ec) return Failed("cannot send the request", ec);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(options_.max_bytes);
    done = false;
    http::async_read_header(stream, buffer, parser, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!RunUntil(ioc, &done, deadline, close)) {
      return Timeout("reading the response", options_.read_timeout);
    }
    if (ec == http::error::body_limit) return TooLarge();
    if (ec) return Failed("cannot read the response", ec);
    const auto& header = parser.get();
    answer->status = header.result_int();
    answer->reason = std::string(header.reason());
    answer->location = std::string(header[http::field::location]);
    if (answer->status != 200) return Status::OK();  // the body is not needed

    done = false;
    http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!RunUntil(ioc, &done, deadline, close)) {
      return Timeout("reading the response", options_.read_timeout);
    }
    if (ec == http::error::body_limit) return TooLarge();
    if (ec) return Failed("cannot read the response body", ec);
    answer->body = parser.release().body();
    return Status::OK();
  }

  Status Timeout(const std::string& what, std::chrono::milliseconds limit) const {
    const std::string ms = std::to_string(limit.count());
    return Status::IOError("GET " + url_ + ": timed out " + what + " (the limit is " + ms + " ms)");
  }
  Status Failed(const std::string& what, const beast::error_code& ec) const {
    return Status::IOError("GET " + url_ + ": " + what + ": " + ec.message());
  }
  Status TooLarge() const {
    return Status::LimitExceeded("GET " + url_ + ": the document is larger than the limit of " +
                                 std::to_string(options_.max_bytes) + " bytes");
  }

  const std::string& url_;
  const HttpFetchOptions& options_;
};

// The absolute URL a Location header points to, relative to `base`.
Result<HttpUrl> ResolveLocation(const HttpUrl& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return ParseHttpUrl(location);
  if (location.rfind("//", 0) == 0) return ParseHttpUrl(base.scheme + ":" + location);
  HttpUrl u = base;
  if (location.rfind('/', 0) == 0) {
    u.target = location;
  } else {
    const std::string path = base.target.substr(0, base.target.find('?'));
    u.target = path.substr(0, path.rfind('/') + 1) + location;
  }
  const size_t hash = u.target.find('#');
  if (hash != std::string::npos) u.target.resize(hash);
  return u;
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(const std::string& url) {
  const auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("URL '" + url.substr(0, 200) + "' " + why);
  };
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return bad("contains white space or control characters");
    }
  }
  const size_t colon = url.find(':');
  if (colon == std::string::npos || colon == 0) {
    return bad("has no scheme; expected http://host[:port]/path or https://...");
  }
  HttpUrl u;
  u.scheme = AsciiLower(url.substr(0, colon));
  if (u.scheme != "http" && u.scheme != "https") {
    return Status::Unsupported("URL '" + url.substr(0, 200) + "': the scheme " + u.scheme +
                               ": is not supported; only http:// and https:// URLs are fetched");
  }
  if (url.compare(colon, 3, "://") != 0) return bad("lacks '//' after the scheme");
  const size_t start = colon + 3;
  const size_t end = url.find_first_of("/?#", start);
  const std::string authority =
      url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (authority.find('@') != std::string::npos) return bad("has user information, not accepted");
  std::string port;
  if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) return bad("has an unterminated [IPv6 address]");
    u.host = authority.substr(1, close - 1);
    const std::string rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return bad("has characters after the [IPv6 address]");
      port = rest.substr(1);
    }
  } else {
    const size_t pc = authority.rfind(':');
    u.host = authority.substr(0, pc);
    if (pc != std::string::npos) port = authority.substr(pc + 1);
  }
  if (u.host.empty()) return bad("has no host");
  if (port.empty()) {
    port = u.scheme == "https" ? "443" : "80";
  } else {
    int n = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || n > 65535) return bad("has a bad port '" + port + "'");
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 65535) return bad("has a bad port '" + port + "'");
  }
  u.port = port;
  u.target = end == std::string::npos ? "/" : url.substr(end);
  const size_t hash = u.target.find('#');
  if (hash != std::string::npos) u.target.resize(hash);
  if (u.target.empty() || u.target[0] != '/') u.target = "/" + u.target;
  return u;
}

Result<std::string> HttpFetch(const std::string& url, const HttpFetchOptions& options) {
  SKY_ASSIGN_OR_RETURN(HttpUrl u, ParseHttpUrl(url));
  std::string current = url;
  for (int redirects = 0;; ++redirects) {
    Fetcher fetcher(current, options);
    FetchAnswer answer;
    try {
      SKY_RETURN_IF_ERROR(fetcher.Get(u, &answer));
    } catch (const std::exception& e) {
      return Status::IOError("GET " + current + ": " + e.what());
    }
    if (answer.status == 200) return std::move(answer.body);
    const std::string said =
        "GET " + current + " answered " + std::to_string(answer.status) + " " + answer.reason;
    if (IsRedirect(answer.status)) {
      if (answer.location.empty()) return Status::InvalidArgument(said + " without a Location");
      if (redirects >= options.max_redirects) {
        return Status::InvalidArgument(said + " (to " + answer.location.substr(0, 200) +
                                       "), one redirect more than the " +
                                       std::to_string(options.max_redirects) + " followed");
      }
      SKY_ASSIGN_OR_RETURN(u, ResolveLocation(u, answer.location));
      current = u.scheme + "://" + HostHeader(u) + u.target;
      continue;
    }
    if (answer.status == 404 || answer.status == 410) return Status::NotFound(said);
    return Status::InvalidArgument(said + "; expected 200 OK");
  }
}

}  // namespace skyshard::server
