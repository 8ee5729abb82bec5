#include "server/internal/tap_service.h"

#include "common/ascii.h"
#include "server/internal/cone_search.h"
#include "server/internal/examples.h"
#include "server/internal/http_errors.h"
#include "server/internal/tap_query.h"
#include "server/internal/vosi.h"

namespace skyshard::server {
namespace {

constexpr std::string_view kBase = "/tap";

// Adds the CORS headers to whatever the handler sends, and remembers whether anything was
// sent (so that the catch-all knows whether it may still answer).
class CorsResponder final : public HttpResponder {
 public:
  CorsResponder(HttpResponder* target, const std::string& origin)
      : target_(target), origin_(origin) {}
  void Send(HttpResponse response) override {
    used_ = true;
    AddCors(&response.headers);
    target_->Send(std::move(response));
  }
  ByteSink* StartStream(int status, HeaderList headers) override {
    used_ = true;
    AddCors(&headers);
    return target_->StartStream(status, std::move(headers));
  }
  Status FinishStream() override { return target_->FinishStream(); }
  bool used() const { return used_; }

 private:
  void AddCors(HeaderList* headers) const {
    if (origin_.empty()) return;
    headers->emplace_back("Access-Control-Allow-Origin", origin_);
    headers->emplace_back("Access-Control-Expose-Headers", "Location, Content-Type");
  }
  HttpResponder* target_;
  const std::string& origin_;
  bool used_ = false;
};

// Starts the chunked response at the first byte of the result, so that a query failing before
// any output is answered with a proper HTTP error status instead.
class LazyStreamSink final : public ByteSink {
 public:
  LazyStreamSink(HttpResponder* responder, std::string content_type)
      : responder_(responder), content_type_(std::move(content_type)) {}
  Status Write(std::string_view data) override {
    if (stream_ == nullptr) {
      stream_ = responder_->StartStream(200, {{"Content-Type", content_type_}});
    }
    return stream_->Write(data);
  }
  bool started() const { return stream_ != nullptr; }

 private:
  HttpResponder* responder_;
  std::string content_type_;
  ByteSink* stream_ = nullptr;
};

}  // namespace

TapService::TapService(const QueryBackend* backend, JobStore* store, ServerOptions options)
    : backend_(backend),
      options_(std::move(options)),
      slots_(std::max(1, options_.max_running_queries), std::max(0, options_.max_queued_queries)) {
  JobLimits limits;
  limits.workers = std::max(1, options_.async_workers);
  limits.default_execution_duration_s = options_.async_execution_duration_s;
  limits.max_execution_duration_s = options_.async_max_execution_duration_s;
  limits.destruction_period_s = options_.destruction_period_s;
  limits.max_destruction_period_s = options_.max_destruction_period_s;
  jobs_ = std::make_unique<JobManager>(
      store, &slots_,
      [this](const Job& job, const JobStore& s, const std::atomic<bool>* cancel,
             std::chrono::steady_clock::time_point deadline) {
        return RunJob(job, s, cancel, deadline);
      },
      limits);
}

TapService::~TapService() { Shutdown(); }

Status TapService::Start(std::vector<std::string>* log) { return jobs_->Start(log); }

void TapService::Shutdown() {
  if (shutting_down_.exchange(true)) return;
  {
    std::lock_guard lock(sync_mu_);
    for (std::atomic<bool>* cancel : sync_cancels_) *cancel = true;
  }
  slots_.Shutdown();
  jobs_->Shutdown();
}

void TapService::Handle(const HttpRequest& request, HttpResponder* responder) {
  CorsResponder cors(responder, options_.cors_allow_origin);
  std::string base = options_.public_url;
  if (base.empty()) {
    std::string_view host = request.Header("Host");
    base = "http://" +
           (host.empty() ? options_.bind + ":" + std::to_string(port_.load()) : std::string(host)) +
           std::string(kBase);
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  Call call{request, &cors, std::move(base)};
  try {
    Route(call);
  } catch (const std::exception& e) {
    if (!cors.used()) {
      SendError(call, Status::Internal(std::string("unexpected failure: ") + e.what()),
                ErrorContext::kResource);
    }
  } catch (...) {
    if (!cors.used()) {
      SendError(call, Status::Internal("unexpected failure"), ErrorContext::kResource);
    }
  }
}

void TapService::Route(Call& call) {
  const HttpRequest& req = call.request;
  if (req.method == "OPTIONS") {
    HttpResponse r;
    r.status = 204;
    if (!options_.cors_allow_origin.empty()) {
      r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
      r.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type");
      r.headers.emplace_back("Access-Control-Max-Age", "86400");
    }
    call.responder->Send(std::move(r));
    return;
  }
  Result<std::string> decoded = PercentDecode(req.path, /*plus_is_space=*/false);
  if (!decoded.ok()) {
    SendError(call, decoded.status(), ErrorContext::kResource);
    return;
  }
  std::string_view path = *decoded;
  if (path == "/scs" || path.rfind("/scs/", 0) == 0) return HandleConeSearch(call, path.substr(4));
  if (path.rfind(kBase, 0) != 0 || (path.size() > kBase.size() && path[kBase.size()] != '/')) {
    SendError(call,
              Status::NotFound("no resource at " + std::string(path.substr(0, 200)) +
                               "; the TAP service is at " + call.base_url),
              ErrorContext::kResource);
    return;
  }
  std::string_view rest = path.substr(kBase.size());
  if (rest.empty() || rest == "/") {
    if (req.method != "GET" && req.method != "HEAD") return SendMethodNotAllowed(call, "GET");
    std::string page =
        "<!DOCTYPE html>\n<html><head><title>skyshard TAP service</title></head><body>\n"
        "<h1>skyshard TAP service</h1>\n<p>A TAP 1.1 service for ADQL queries. Endpoints:</p>\n"
        "<ul>\n";
    for (const char* e : {"sync", "async", "capabilities", "availability", "tables", "examples"}) {
      page += "<li><a href=\"" + call.base_url + "/" + e + "\">" + e + "</a></li>\n";
    }
    page += "</ul>\n</body></html>\n";
    HttpResponse r;
    r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    r.body = std::move(page);
    call.responder->Send(std::move(r));
    return;
  }
  if (rest == "/sync") return HandleSync(call);
  if (rest == "/async" || rest.rfind("/async/", 0) == 0) {
    return HandleAsync(call, rest.substr(std::string_view("/async").size()));
  }
  if (rest == "/capabilities") {
    if (req.method != "GET" && req.method != "HEAD") return SendMethodNotAllowed(call, "GET");
    return SendXml(call, CapabilitiesXml(call.base_url, options_));
  }
  if (rest == "/availability") {
    if (req.method != "GET" && req.method != "HEAD") return SendMethodNotAllowed(call, "GET");
    const bool up = !shutting_down_.load();
    std::string note = up ? "service is accepting queries; " + std::to_string(slots_.running()) +
                                " running, " + std::to_string(slots_.queued()) + " waiting"
                          : "service is shutting down";
    return SendXml(call, AvailabilityXml(up, note));
  }
  if (rest == "/tables" || rest.rfind("/tables/", 0) == 0) {
    return HandleTables(call, rest.substr(std::string_view("/tables").size()));
  }
  if (rest == "/examples") return HandleExamples(call);
  SendError(call, Status::NotFound("no resource at " + std::string(path.substr(0, 200))),
            ErrorContext::kResource);
}

void TapService::HandleTables(Call& call, std::string_view rest) {
  if (call.request.method != "GET" && call.request.method != "HEAD") {
    return SendMethodNotAllowed(call, "GET");
  }
  Result<RequestParams> params = RequestParams::FromRequest(call.request);
  if (!params.ok()) return SendError(call, params.status(), ErrorContext::kResource);
  if (rest.empty() || rest == "/") {
    const std::vector<std::string> detail = params->GetAll("detail");
    const bool min = !detail.empty() && EqualsIgnoreCase(detail.back(), "min");
    return SendXml(call, TablesetXml(backend_->tables(), min));
  }
  Result<std::string> table = TableXml(backend_->tables(), rest.substr(1));
  if (!table.ok()) return SendError(call, table.status(), ErrorContext::kResource);
  SendXml(call, std::move(table).value());
}

void TapService::HandleExamples(Call& call) {
  if (call.request.method != "GET" && call.request.method != "HEAD") {
    return SendMethodNotAllowed(call, "GET");
  }
  Result<std::vector<Example>> examples = BuildExamples(*backend_);
  if (!examples.ok()) return SendError(call, examples.status(), ErrorContext::kResource);
  SendXml(call, ExamplesXhtml(*examples, call.base_url), "application/xhtml+xml; charset=utf-8");
}

void TapService::HandleConeSearch(Call& call, std::string_view rest) {
  const std::string& method = call.request.method;
  if (method != "GET" && method != "POST" && method != "HEAD") {
    return SendMethodNotAllowed(call, "GET");
  }
  // The cone-search services live beside the TAP service: http://host/scs next to .../tap.
  std::string scs_base = call.base_url;
  if (scs_base.size() >= kBase.size() &&
      std::string_view(scs_base).substr(scs_base.size() - kBase.size()) == kBase) {
    scs_base.resize(scs_base.size() - kBase.size());
  }
  scs_base += "/scs";
  constexpr std::string_view kVOTableType = "text/xml;content=x-votable";
  // SCS 1.03 section 2: every error is a VOTable with INFO name="Error", with HTTP 200 for bad
  // parameters (clients read the document, not the status).
  auto send_error = [&](int http_status, std::string_view message) {
    HttpResponse r;
    r.status = http_status;
    r.headers.emplace_back("Content-Type", std::string(kVOTableType));
    r.body = ConeErrorDocument(message);
    call.responder->Send(std::move(r));
  };
  const std::vector<ConeTable> tables = ConeSearchTables(backend_->tables());
  if (rest.empty() || rest == "/") {
    return SendXml(call, ConeSearchIndex(tables, scs_base), "application/xhtml+xml; charset=utf-8");
  }
  Result<ConeTable> table = FindConeTable(tables, rest.substr(1), scs_base);
  if (!table.ok()) return send_error(404, table.status().message());
  Result<RequestParams> params = RequestParams::FromRequest(call.request);
  if (!params.ok()) return send_error(200, params.status().message());
  Result<ConeRequest> cone = ParseConeRequest(*params, kMaxConeSearchRadiusDeg);
  if (!cone.ok()) return send_error(200, cone.status().message());
  Result<TapQuery> query = ParseTapQuery({{"LANG", "ADQL"},
                                          {"QUERY", ConeSearchAdql(*table, *cone)},
                                          {"RESPONSEFORMAT", "votable/td"}},
                                         options_);
  if (!query.ok()) return send_error(200, query.status().message());

  std::atomic<bool> cancel{false};
  {
    std::lock_guard lock(sync_mu_);
    if (shutting_down_) return send_error(503, "the service is shutting down");
    sync_cancels_.insert(&cancel);
  }
  struct Unregister {
    TapService* self;
    std::atomic<bool>* flag;
    ~Unregister() {
      std::lock_guard lock(self->sync_mu_);
      self->sync_cancels_.erase(flag);
    }
  } unregister{this, &cancel};
  const auto deadline =
      options_.sync_timeout_s > 0
          ? std::chrono::steady_clock::now() + std::chrono::seconds(options_.sync_timeout_s)
          : std::chrono::steady_clock::time_point::max();
  Result<QuerySlots::Slot> slot = slots_.Acquire(/*bounded=*/true, &cancel, deadline);
  if (!slot.ok()) return send_error(503, slot.status().message());

  const ConeSearchBackend backend(backend_, *table);
  LazyStreamSink sink(call.responder, std::string(kVOTableType));
  TapRunResult run = RunTapQuery(backend, *query, {}, options_, &cancel, deadline, &sink);
  slot->Release();
  if (!sink.started()) {
    const Status status =
        run.status.ok() ? Status::Internal("the query produced no output") : run.status;
    return send_error(status.code() == StatusCode::kCancelled ? 503 : 200, status.message());
  }
  (void)call.responder->FinishStream();
}

void TapService::HandleSync(Call& call) {
  const std::string& method = call.request.method;
  if (method != "GET" && method != "POST" && method != "HEAD") {
    return SendMethodNotAllowed(call, "GET, POST");
  }
  Result<RequestParams> params = RequestParams::FromRequest(call.request);
  if (!params.ok()) return SendError(call, params.status(), ErrorContext::kQuery);
  Result<TapQuery> query = ParseTapQuery(params->all(), options_);
  if (!query.ok()) return SendError(call, query.status(), ErrorContext::kQuery);
  const RequestParams& p = *params;
  Result<std::vector<adql::UploadedTable>> uploads = LoadUploads(
      query->uploads,
      [&p](const std::string& name) -> Result<std::string> {
        const InlinePart* part = p.FindPart(name);
        if (part == nullptr) return Status::NotFound(name);
        return part->content;
      },
      options_);
  if (!uploads.ok()) return SendError(call, uploads.status(), ErrorContext::kQuery);

  std::atomic<bool> cancel{false};
  {
    std::lock_guard lock(sync_mu_);
    if (shutting_down_) {
      return SendError(call, Status::Cancelled("the service is shutting down"),
                       ErrorContext::kQuery);
    }
    sync_cancels_.insert(&cancel);
  }
  struct Unregister {
    TapService* self;
    std::atomic<bool>* flag;
    ~Unregister() {
      std::lock_guard lock(self->sync_mu_);
      self->sync_cancels_.erase(flag);
    }
  } unregister{this, &cancel};

  const auto deadline =
      options_.sync_timeout_s > 0
          ? std::chrono::steady_clock::now() + std::chrono::seconds(options_.sync_timeout_s)
          : std::chrono::steady_clock::time_point::max();
  Result<QuerySlots::Slot> slot = slots_.Acquire(/*bounded=*/true, &cancel, deadline);
  if (!slot.ok()) return SendError(call, slot.status(), ErrorContext::kQuery);

  LazyStreamSink sink(call.responder, query->format.content_type);
  TapRunResult run = RunTapQuery(*backend_, *query, std::move(uploads).value(), options_, &cancel,
                                 deadline, &sink);
  slot->Release();
  if (!run.status.ok() && !sink.started()) {
    Status status = run.status;
    if (status.code() == StatusCode::kCancelled && options_.sync_timeout_s > 0 &&
        std::chrono::steady_clock::now() >= deadline) {
      status = Status::Cancelled(status.message() + " (the sync limit is " +
                                 std::to_string(options_.sync_timeout_s) +
                                 " s; submit long queries to /async)");
    }
    return SendError(call, status, ErrorContext::kQuery);
  }
  if (!sink.started()) {
    // Defensive: a successful query always writes its document.
    return SendError(call, Status::Internal("the query produced no output"), ErrorContext::kQuery);
  }
  (void)call.responder->FinishStream();
}

void TapService::SendXml(Call& call, std::string body, std::string_view content_type) {
  HttpResponse r;
  r.headers.emplace_back("Content-Type", std::string(content_type));
  r.body = std::move(body);
  call.responder->Send(std::move(r));
}

void TapService::SendText(Call& call, std::string body) {
  HttpResponse r;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  call.responder->Send(std::move(r));
}

void TapService::SendRedirect(Call& call, const std::string& location) {
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", location);
  call.responder->Send(std::move(r));
}

void TapService::SendError(Call& call, const Status& status, ErrorContext context) {
  call.responder->Send(ErrorResponse(status, context));
}

void TapService::SendMethodNotAllowed(Call& call, std::string_view allowed) {
  HttpResponse r = ErrorResponse(
      405, "method " + call.request.method + " is not allowed here; use " + std::string(allowed));
  r.headers.emplace_back("Allow", std::string(allowed));
  call.responder->Send(std::move(r));
}

}  // namespace skyshard::server
