#include "server/internal/front_handler.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "adql/binder/query_catalog.h"
#include "common/ascii.h"
#include "server/internal/http_errors.h"
#include "server/internal/portal_assets.h"
#include "server/internal/tap_service.h"

namespace skyshard::server {
namespace {

using Clock = std::chrono::steady_clock;

// Counts the body bytes of a stream.
class CountingSink final : public ByteSink {
 public:
  void Reset(ByteSink* target) { target_ = target; }
  Status Write(std::string_view data) override {
    bytes_ += data.size();
    return target_->Write(data);
  }
  uint64_t bytes() const { return bytes_; }

 private:
  ByteSink* target_ = nullptr;
  uint64_t bytes_ = 0;
};

// Forwards to the connection's responder and remembers what went out.
class RecordingResponder final : public HttpResponder {
 public:
  explicit RecordingResponder(HttpResponder* target) : target_(target) {}
  void Send(HttpResponse response) override {
    status_ = response.status;
    bytes_ = response.body.size();
    Remember(response.headers);
    target_->Send(std::move(response));
  }
  ByteSink* StartStream(int status, HeaderList headers) override {
    status_ = status;
    Remember(headers);
    ByteSink* sink = target_->StartStream(status, std::move(headers));
    if (sink == nullptr) return nullptr;
    counting_.Reset(sink);
    streaming_ = true;
    return &counting_;
  }
  Status FinishStream() override { return target_->FinishStream(); }

  int status() const { return status_; }
  uint64_t bytes() const { return streaming_ ? counting_.bytes() : bytes_; }
  const std::string& location() const { return location_; }

 private:
  void Remember(const HeaderList& headers) {
    for (const auto& [name, value] : headers) {
      if (EqualsIgnoreCase(name, "Location")) location_ = value;
    }
  }
  HttpResponder* target_;
  int status_ = 0;
  uint64_t bytes_ = 0;
  bool streaming_ = false;
  CountingSink counting_;
  std::string location_;
};

// The UWS job a request is about: /tap/async/<id>[/...], or the job a POST created (its
// Location: .../async/<id>).
std::string JobOf(std::string_view path, std::string_view location) {
  constexpr std::string_view kAsync = "/tap/async/";
  std::string_view id;
  if (path.rfind(kAsync, 0) == 0) {
    id = path.substr(kAsync.size());
  } else if (size_t at = location.rfind("/async/"); at != std::string_view::npos) {
    id = location.substr(at + 7);
  }
  id = id.substr(0, id.find('/'));
  return std::string(id.substr(0, 64));
}

std::string_view ContentTypeOf(std::string_view file) {
  const size_t dot = file.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : file.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::string Fnv1aHex(const unsigned char* data, size_t size) {
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

uint64_t DirectoryBytes(const std::string& dir) {
  namespace fs = std::filesystem;
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uintmax_t n = it->file_size(size_ec);
      if (!size_ec) total += n;
    }
  }
  return total;
}

std::string_view KindName(TableKind kind) {
  switch (kind) {
    case TableKind::kSpatial:
      return "spatial";
    case TableKind::kChild:
      return "child";
    case TableKind::kPlain:
      return "plain";
  }
  return "plain";
}

}  // namespace

FrontHandler::FrontHandler(TapService* tap, const QueryBackend* backend, Metrics* metrics,
                           AccessLog* log, PortalInfo info, GaugeSources gauges)
    : tap_(tap),
      backend_(backend),
      metrics_(metrics),
      log_(log),
      info_(std::move(info)),
      gauges_(std::move(gauges)) {
  etags_.reserve(kPortalAssetCount);
  for (size_t i = 0; i < kPortalAssetCount; ++i) {
    etags_.push_back(Fnv1aHex(kPortalAssets[i].data, kPortalAssets[i].size));
  }
}

void FrontHandler::Handle(const HttpRequest& request, HttpResponder* responder) {
  const auto wall = std::chrono::system_clock::now();
  const auto start = Clock::now();
  RecordingResponder recording(responder);
  QueryTrace trace;
  {
    ScopedQueryTrace scoped(&trace);
    bool handled = false;
    try {
      handled = Route(request, &recording);
    } catch (...) {
      if (recording.status() == 0) {
        recording.Send(ErrorResponse(500, "unexpected failure"));
      }
      handled = true;
    }
    if (!handled) tap_->Handle(request, &recording);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const Endpoint endpoint = EndpointOfPath(request.path);
  metrics_->RecordRequest(endpoint, recording.status(), recording.bytes(), seconds);
  if (log_ == nullptr) return;
  AccessRecord record;
  record.time = wall;
  record.client = request.remote;
  record.method = request.method;
  record.path = request.path;
  record.endpoint = std::string(EndpointName(endpoint));
  record.status = recording.status();
  record.bytes = recording.bytes();
  record.duration_ms = seconds * 1000;
  record.trace = &trace;
  if (endpoint == Endpoint::kAsync) record.job = JobOf(request.path, recording.location());
  log_->Write(record);
}

bool FrontHandler::Route(const HttpRequest& request, HttpResponder* responder) {
  const std::string& path = request.path;
  const bool portal = path == "/" || path == "/portal" || path.rfind("/portal/", 0) == 0;
  if (!portal && path != "/metrics") return false;
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r = ErrorResponse(
        405, "method " + request.method.substr(0, 20) + " is not allowed here; use GET");
    r.headers.emplace_back("Allow", "GET, HEAD");
    responder->Send(std::move(r));
    return true;
  }
  if (path == "/metrics") {
    ServeMetrics(responder);
  } else if (path == "/" || path == "/portal") {
    HttpResponse r;
    r.status = 303;
    r.headers.emplace_back("Location", "/portal/");
    responder->Send(std::move(r));
  } else if (path == "/portal/api/config.json") {
    ServeConfig(request, responder);
  } else {
    std::string_view file = std::string_view(path).substr(std::string_view("/portal/").size());
    if (file.empty()) file = "index.html";
    ServeAsset(request, file, responder);
  }
  return true;
}

void FrontHandler::ServeAsset(const HttpRequest& request, std::string_view file,
                              HttpResponder* responder) {
  const PortalAsset* end = kPortalAssets + kPortalAssetCount;
  const PortalAsset* asset =
      std::find_if(kPortalAssets, end, [file](const PortalAsset& a) { return a.path == file; });
  if (asset == end) {
    responder->Send(ErrorResponse(
        404, "no portal page " + std::string(file.substr(0, 200)) + "; the portal is at /portal/"));
    return;
  }
  const std::string& etag = etags_[static_cast<size_t>(asset - kPortalAssets)];
  HttpResponse r;
  r.headers.emplace_back("ETag", etag);
  // The files change only with the binary: clients revalidate (a 304 costs no body).
  r.headers.emplace_back("Cache-Control", "no-cache");
  if (request.Header("If-None-Match") == etag) {
    r.status = 304;
  } else {
    r.headers.emplace_back("Content-Type", std::string(ContentTypeOf(file)));
    r.body.assign(reinterpret_cast<const char*>(asset->data), asset->size);
  }
  responder->Send(std::move(r));
}

void FrontHandler::ServeConfig(const HttpRequest& request, HttpResponder* responder) {
  nlohmann::ordered_json j;
  j["title"] = info_.title;
  j["description"] = info_.description;
  j["release"] = info_.release;
  j["release_version"] = info_.release_version;
  std::string tap = info_.public_url;
  if (tap.empty()) {
    const std::string_view host = request.Header("Host");
    if (!host.empty()) tap = "http://" + std::string(host) + "/tap";
  }
  j["tap_url"] = tap;  // empty: the portal uses its own origin
  j["docs_url"] = info_.docs_url;
  nlohmann::ordered_json tables = nlohmann::ordered_json::array();
  const std::string schema = backend_->release_schema();
  for (const auto& t : backend_->tables()) {
    if (t->schema != schema) continue;
    nlohmann::ordered_json e;
    e["name"] = t->QualifiedName();
    e["kind"] = std::string(KindName(t->def.kind));
    e["rows"] = t->def.row_count;
    e["primary_key"] = t->def.primary_key;
    e["ra"] = t->def.ra_column;
    e["dec"] = t->def.dec_column;
    e["parent_table"] = t->def.parent_table;
    e["parent_key"] = t->def.parent_key;
    tables.push_back(std::move(e));
  }
  j["tables"] = std::move(tables);
  HttpResponse r;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.body = j.dump(1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  responder->Send(std::move(r));
}

void FrontHandler::ServeMetrics(HttpResponder* responder) {
  MetricsGauges gauges;
  if (gauges_.fill) gauges_.fill(&gauges);
  gauges.store_bytes = StoreSizes();
  HttpResponse r;
  r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = metrics_->Render(gauges);
  responder->Send(std::move(r));
}

std::vector<std::pair<std::string, uint64_t>> FrontHandler::StoreSizes() {
  std::lock_guard lock(sizes_mu_);
  const auto now = Clock::now();
  if (sizes_.empty() || now - sizes_time_ >= std::chrono::seconds(10)) {
    sizes_.clear();
    for (const auto& [name, dir] : gauges_.release_dirs) {
      sizes_.emplace_back(name, DirectoryBytes(dir));
    }
    sizes_time_ = now;
  }
  return sizes_;
}

}  // namespace skyshard::server
