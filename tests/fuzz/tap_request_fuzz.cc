// libFuzzer target for the HTTP request path of the TAP service: the pure request handlers
// (server/internal/front_handler.h over server/internal/tap_service.h) and the request parameter
// parser (server/internal/request_params.h, with its multipart reader), over the fake backend of
// the server's unit tests (tests/server/fake_backend.h) and a job store in a temporary directory.
//
// Input format (tests/fuzz/corpus/tap_request_fuzz/ holds readable examples): up to kMaxRequests
// requests separated by the byte 0x1E; each is
//
//   line 1: three selector characters, then a path suffix
//             [0] method: (c - '0') % 7 of GET POST DELETE OPTIONS HEAD PUT PATCH
//             [1] endpoint: (c - '0') % 9 of /tap/sync /tap/async /tap/async/{job} /tap/tables
//                 /scs /portal /tap /metrics, or "" (the suffix is the whole path); {job} is the
//                 id of the last job this input created (from a 303 Location), else "nojob"
//             [2] Content-Type: (c - '0') % 5 of none, form, multipart with boundary=line 3,
//                 multipart with boundary="line 3", line 3 verbatim
//   line 2: the query string
//   line 3: the boundary or Content-Type (see [2])
//   rest:   the body
//
// Findings (abort with the request on stderr, so libFuzzer keeps the input): a crash or sanitizer
// report; a responder answered zero times or twice, or a stream left unfinished; an HTTP status
// outside 200-599; a 500 (every bad request must be a 4xx, and the fake backend never fails
// internally); RequestParams breaking its contract (more than max_params parameters, a part
// without a name, PercentDecode(PercentEncode(x)) != x).
//
// Requests that would upload from an http(s) URL are not sent (the fuzzer must not reach the
// network); queries the fake backend would run until their deadline (SLEEP) are refused by a
// wrapper backend. Every job an input creates is deleted after it.
//
// Run by scripts/fuzz.sh; built only with -DSKYSHARD_FUZZ=ON and clang.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ascii.h"
#include "server/internal/front_handler.h"
#include "server/internal/job_store.h"
#include "server/internal/metrics.h"
#include "server/internal/request_params.h"
#include "server/internal/tap_service.h"
#include "tests/server/fake_backend.h"

namespace {

using skyshard::ByteSink;
using skyshard::Status;
using skyshard::server::HeaderList;
using skyshard::server::HttpRequest;
using skyshard::server::HttpResponder;
using skyshard::server::HttpResponse;

constexpr size_t kMaxRequests = 4;
constexpr size_t kMaxParams = 64;

// The fake backend, minus its SLEEP queries (they would hold the fuzzer for the whole timeout).
class FuzzBackend final : public skyshard::server::QueryBackend {
 public:
  const std::vector<std::shared_ptr<const skyshard::adql::QueryTable>>& tables() const override {
    return fake_.tables();
  }
  std::string release_schema() const override { return fake_.release_schema(); }
  Status Run(const skyshard::adql::QueryRequest& request, skyshard::adql::RowSink* sink,
             skyshard::adql::ExecStats* stats,
             skyshard::adql::SyntaxErrorInfo* error) const override {
    if (request.adql.find("SLEEP") != std::string::npos) {
      return Status::InvalidArgument("fuzz backend: no SLEEP");
    }
    return fake_.Run(request, sink, stats, error);
  }

 private:
  skyshard::server_test::FakeBackend fake_;
};

// Counts the answers and keeps the last status and headers.
class CountingResponder final : public HttpResponder, public ByteSink {
 public:
  void Send(HttpResponse response) override {
    ++responses;
    status = response.status;
    headers = std::move(response.headers);
    body = std::move(response.body);
  }
  ByteSink* StartStream(int s, HeaderList h) override {
    ++responses;
    streamed = true;
    status = s;
    headers = std::move(h);
    return this;
  }
  Status Write(std::string_view data) override {
    if (body.size() < 4096) body.append(data.substr(0, 4096 - body.size()));
    return Status::OK();
  }
  Status FinishStream() override {
    ++finishes;
    return Status::OK();
  }
  std::string_view Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (skyshard::EqualsIgnoreCase(k, name)) return v;
    }
    return {};
  }

  int responses = 0;
  int finishes = 0;
  int status = 0;
  bool streamed = false;
  std::string body;  // the first 4 KiB
  HeaderList headers;
};

// The service under test, built once: its job store lives in a fresh temporary directory that
// is removed at exit.
struct Fixture {
  Fixture() {
    // On tmpfs when there is one: the job store fsyncs every job it writes.
    char shm[] = "/dev/shm/tap_request_fuzz_XXXXXX";
    char tmp[] = "/tmp/tap_request_fuzz_XXXXXX";
    char* tmpl = ::mkdtemp(shm) != nullptr ? shm : tmp;
    if (tmpl == tmp && ::mkdtemp(tmp) == nullptr) std::abort();
    dir = tmpl;
    auto opened = skyshard::server::JobStore::Open(dir + "/uws");
    if (!opened.ok()) std::abort();
    store = std::move(opened).value();
    skyshard::ServerOptions options;
    options.max_wait_s = 0;  // a WAIT never blocks the fuzzer
    options.sync_timeout_s = 2;
    options.async_workers = 1;
    options.async_execution_duration_s = 2;
    options.max_upload_bytes = 64 << 10;
    options.max_upload_rows = 1000;
    options.max_uploads = 4;
    options.max_request_bytes = 256 << 10;
    options.default_row_limit = 100;
    options.hard_row_limit = 1000;
    tap = std::make_unique<skyshard::server::TapService>(&backend, store.get(), options);
    if (!tap->Start().ok()) std::abort();
    skyshard::server::PortalInfo info;
    info.release = "demo";
    front = std::make_unique<skyshard::server::FrontHandler>(
        tap.get(), &backend, &metrics, nullptr, std::move(info), skyshard::server::GaugeSources{});
  }
  ~Fixture() {
    front.reset();
    tap.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  std::string dir;
  FuzzBackend backend;
  skyshard::server::Metrics metrics;
  std::unique_ptr<skyshard::server::JobStore> store;
  std::unique_ptr<skyshard::server::TapService> tap;
  std::unique_ptr<skyshard::server::FrontHandler> front;
};

Fixture& TheFixture() {
  static Fixture fixture;
  return fixture;
}

[[noreturn]] void Fail(const std::string& what, const HttpRequest& req) {
  std::fprintf(stderr,
               "tap_request_fuzz: %s\n--- %s %s?%s\n--- Content-Type: %.*s\n--- body (%zu "
               "bytes)\n%.*s\n",
               what.c_str(), req.method.c_str(), req.path.c_str(), req.query.c_str(),
               static_cast<int>(req.Header("Content-Type").size()),
               req.Header("Content-Type").data(), req.body.size(),
               static_cast<int>(std::min<size_t>(req.body.size(), 4096)), req.body.data());
  std::abort();
}

// Takes the text up to the next '\n' (or the end) off the front of `in`.
std::string_view TakeLine(std::string_view* in) {
  const size_t nl = in->find('\n');
  std::string_view line = in->substr(0, nl);
  in->remove_prefix(nl == std::string_view::npos ? in->size() : nl + 1);
  return line;
}

int Pick(std::string_view line, size_t i, int n) {
  const int c = i < line.size() ? static_cast<unsigned char>(line[i]) : '0';
  return ((c - '0') % n + n) % n;
}

HttpRequest BuildRequest(std::string_view text, const std::string& job) {
  static constexpr const char* kMethods[] = {"GET",  "POST", "DELETE", "OPTIONS",
                                             "HEAD", "PUT",  "PATCH"};
  static constexpr const char* kEndpoints[] = {"/tap/sync",   "/tap/async", "/tap/async/",
                                               "/tap/tables", "/scs",       "/portal",
                                               "/tap",        "/metrics",   ""};
  const std::string_view selectors = TakeLine(&text);
  const std::string_view query = TakeLine(&text);
  const std::string_view type_line = TakeLine(&text);
  HttpRequest req;
  req.method = kMethods[Pick(selectors, 0, 7)];
  const int endpoint = Pick(selectors, 1, 9);
  req.path = kEndpoints[endpoint];
  if (endpoint == 2) req.path += job.empty() ? std::string("nojob") : job;
  if (selectors.size() > 3) req.path += selectors.substr(3);
  req.query = query;
  req.headers.emplace_back("Host", "example.org:8080");
  switch (Pick(selectors, 2, 5)) {
    case 1:
      req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      break;
    case 2:
      req.headers.emplace_back("Content-Type",
                               "multipart/form-data; boundary=" + std::string(type_line));
      break;
    case 3:
      req.headers.emplace_back("Content-Type",
                               "multipart/form-data; boundary=\"" + std::string(type_line) + "\"");
      break;
    case 4:
      req.headers.emplace_back("Content-Type", std::string(type_line));
      break;
    default:
      break;
  }
  req.body = text;
  req.remote = "127.0.0.1:1";
  return req;
}

// Checks RequestParams' contract on `req`; returns false when the request must not be sent to
// the service (it would fetch an upload from the network).
bool CheckParams(const HttpRequest& req) {
  using skyshard::server::RequestParams;
  auto params = RequestParams::FromRequest(req, kMaxParams);
  if (!params.ok()) {
    if (params.status().message().empty()) Fail("FromRequest failed without a message", req);
    return true;
  }
  if (params->all().size() > kMaxParams) Fail("more parameters than max_params", req);
  for (const auto& part : params->parts()) {
    if (part.name.empty()) Fail("a multipart part without a name", req);
    if (params->FindPart(part.name) == nullptr) Fail("FindPart misses a part", req);
  }
  for (const auto& p : params->all()) {
    auto round = skyshard::server::PercentDecode(skyshard::server::PercentEncode(p.value), false);
    if (!round.ok() || *round != p.value) Fail("PercentDecode(PercentEncode(x)) != x", req);
    if (skyshard::EqualsIgnoreCase(p.name, "UPLOAD") &&
        skyshard::AsciiLower(p.value).find("http") != std::string::npos) {
      return false;
    }
  }
  return true;
}

void Send(const HttpRequest& req, CountingResponder* r) {
  TheFixture().front->Handle(req, r);
  if (r->responses != 1) {
    Fail("the handler answered " + std::to_string(r->responses) + " times", req);
  }
  if (r->streamed && r->finishes != 1) Fail("a stream was not finished exactly once", req);
  if (r->status < 200 || r->status > 599) {
    Fail("HTTP status " + std::to_string(r->status) + " out of range", req);
  }
  if (r->status == 500) {
    Fail("HTTP 500 (an internal error) for a request:\n" + r->body, req);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string job;
  std::vector<std::string> created;
  for (size_t n = 0; n < kMaxRequests && !input.empty(); ++n) {
    const size_t sep = input.find('\x1e');
    const std::string_view text = input.substr(0, sep);
    input.remove_prefix(sep == std::string_view::npos ? input.size() : sep + 1);
    const HttpRequest req = BuildRequest(text, job);
    if (!CheckParams(req)) continue;
    CountingResponder r;
    Send(req, &r);
    constexpr std::string_view kJobs = "http://example.org:8080/tap/async/";
    const std::string_view location = r.Header("Location");
    if (r.status == 303 && location.substr(0, kJobs.size()) == kJobs) {
      const std::string_view rest = location.substr(kJobs.size());
      const std::string id(rest.substr(0, rest.find('/')));
      if (!id.empty() && id != job) {
        job = id;
        created.push_back(id);
      }
    }
  }
  for (const std::string& id : created) {
    HttpRequest del;
    del.method = "DELETE";
    del.path = "/tap/async/" + id;
    del.headers.emplace_back("Host", "example.org:8080");
    CountingResponder r;
    Send(del, &r);
  }
  return 0;
}
