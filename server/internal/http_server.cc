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

  ByteSink* StartStream(int status, HeaderList headers) override {
    if (state_ != State::kNone) return this;
    state_ = State::kStreaming;
    // HTTP/1.0 clients cannot read chunks: stream the body and end it by closing.
    chunked_ = version_ >= 11 && !head_;
    if (!chunked_) keep_alive_ = false;
    header_ = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(status),
                                                                 version_);
    header_->set(http::field::server, "skyshard");
    for (auto& [k, v] : headers) header_->set(k, v);
    header_->keep_alive(keep_alive_);
    if (chunked_) header_->chunked(true);
    serializer_ = std::make_shared<http::response_serializer<http::empty_body>>(*header_);
    beast::error_code ec = session_->RunBlocking([&](auto done) {
      http::async_write_header(session_->stream(), *serializer_,
                               [done](beast::error_code e, size_t) { done(e); });
    });
    if (ec) failed_ = true;
    return this;
  }

  Status Write(std::string_view data) override {
    if (failed_) return Status::Cancelled("the client went away");
    if (head_ || data.empty()) return Status::OK();
    beast::error_code ec = session_->RunBlocking([&](auto done) {
      if (chunked_) {
        net::async_write(session_->stream(),
                         http::make_chunk(net::buffer(data.data(), data.size())),
                         [done](beast::error_code e, size_t) { done(e); });
      } else {
        net::async_write(session_->stream(), net::buffer(data.data(), data.size()),
                         [done](beast::error_code e, size_t) { done(e); });
      }
    });
    if (ec) {
      failed_ = true;
      return Status::Cancelled("the client went away or stopped reading (" + ec.message() + ")");
    }
    return Status::OK();
  }

  Status FinishStream() override {
    if (state_ != State::kStreaming) return Status::OK();
    state_ = State::kDone;
    if (!failed_ && chunked_) {
      beast::error_code ec = session_->RunBlocking([&](auto done) {
        net::async_write(session_->stream(), http::make_chunk_last(),
                         [done](beast::error_code e, size_t) { done(e); });
      });
      if (ec) failed_ = true;
    }
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
