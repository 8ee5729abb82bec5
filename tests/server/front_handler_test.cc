// The front handler without a socket (server/internal/front_handler.h): the portal's embedded
// files (compared with the files in server/portal/), ETag revalidation, /metrics in the
// Prometheus text format after a known set of requests, the access log's lines, and the
// classification of paths into endpoints.
#include "server/internal/front_handler.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/ascii.h"
#include "server/internal/job_store.h"
#include "server/internal/metered_backend.h"
#include "server/internal/portal_assets.h"
#include "server/internal/tap_service.h"
#include "tests/server/fake_backend.h"

namespace skyshard::server {
namespace {

const std::filesystem::path kPortalDir =
    std::filesystem::path(SKYSHARD_SOURCE_DIR) / "server" / "portal";

class Responder final : public HttpResponder, public ByteSink {
 public:
  void Send(HttpResponse response) override {
    ++responses;
    status = response.status;
    headers = std::move(response.headers);
    body = std::move(response.body);
  }
  ByteSink* StartStream(int s, HeaderList h) override {
    ++responses;
    status = s;
    headers = std::move(h);
    return this;
  }
  Status Write(std::string_view data) override {
    body.append(data);
    return Status::OK();
  }
  Status FinishStream() override { return Status::OK(); }
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (EqualsIgnoreCase(k, name)) return v;
    }
    return "";
  }
  int responses = 0;
  int status = 0;
  HeaderList headers;
  std::string body;
};

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class FrontHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("front_handler_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = JobStore::Open((dir_ / "uws").string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    log_path_ = (dir_ / "access.log").string();
    auto log = AccessLog::Open(log_path_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    service_ = std::make_unique<TapService>(&metered_, store_.get(), options_);
    ASSERT_TRUE(service_->Start().ok());
    PortalInfo info;
    info.title = "Test \"archive\"";
    info.release = "demo";
    GaugeSources gauges;
    gauges.fill = [this](MetricsGauges* g) {
      g->running_queries = service_->running_queries();
      g->jobs_by_phase.emplace_back("COMPLETED", 2);
      g->block_cache_hits = 3;
      g->block_cache_misses = 1;
    };
    std::filesystem::create_directories(dir_ / "release" / "sub");
    std::ofstream(dir_ / "release" / "a.sst", std::ios::binary).flush();
    std::ofstream(dir_ / "release" / "sub" / "b.sst") << std::string(1000, 'x');
    std::ofstream(dir_ / "release" / "c.sst") << std::string(234, 'y');
    gauges.release_dirs.emplace_back("demo", (dir_ / "release").string());
    front_ = std::make_unique<FrontHandler>(service_.get(), &metered_, &metrics_, log_.get(),
                                            std::move(info), std::move(gauges));
  }
  void TearDown() override {
    front_.reset();
    service_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  Responder Call(const std::string& method, const std::string& target, HeaderList headers = {},
                 std::string body = "") {
    HttpRequest req;
    req.method = method;
    const size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.headers = std::move(headers);
    req.headers.emplace_back("Host", "example.org:8080");
    if (!body.empty()) {
      req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    }
    req.body = std::move(body);
    req.remote = "10.0.0.7:4242";
    Responder r;
    front_->Handle(req, &r);
    EXPECT_EQ(r.responses, 1) << target;
    return r;
  }

  std::vector<nlohmann::json> LogLines() {
    std::vector<nlohmann::json> out;
    std::ifstream in(log_path_);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  std::filesystem::path dir_;
  ServerOptions options_;
  server_test::FakeBackend backend_;
  Metrics metrics_;
  MeteredBackend metered_{&backend_, &metrics_};
  std::unique_ptr<JobStore> store_;
  std::string log_path_;
  std::unique_ptr<AccessLog> log_;
  std::unique_ptr<TapService> service_;
  std::unique_ptr<FrontHandler> front_;
};

TEST_F(FrontHandlerTest, ServesEveryPortalFileAsInTheSourceTree) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kPortalDir)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string rel = std::filesystem::relative(entry.path(), kPortalDir).string();
    Responder r = Call("GET", "/portal/" + rel);
    EXPECT_EQ(r.status, 200) << rel;
    EXPECT_EQ(r.body, ReadFile(entry.path())) << rel;
    EXPECT_FALSE(r.Header("ETag").empty()) << rel;
    EXPECT_EQ(r.Header("Cache-Control"), "no-cache");
  }
  EXPECT_EQ(files, kPortalAssetCount);
  EXPECT_GE(files, 5u);
  EXPECT_EQ(Call("GET", "/portal/index.html").Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Call("GET", "/portal/style.css").Header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(Call("GET", "/portal/common.js").Header("Content-Type"),
            "text/javascript; charset=utf-8");
  // /portal/ is the index page; / redirects there.
  EXPECT_EQ(Call("GET", "/portal/").body, ReadFile(kPortalDir / "index.html"));
  Responder root = Call("GET", "/");
  EXPECT_EQ(root.status, 303);
  EXPECT_EQ(root.Header("Location"), "/portal/");
}

TEST_F(FrontHandlerTest, RevalidationErrorsAndMethods) {
  Responder first = Call("GET", "/portal/query.html");
  const std::string etag = first.Header("ETag");
  ASSERT_EQ(etag.size(), 18u) << etag;  // a quoted 16-digit hash
  Responder again = Call("GET", "/portal/query.html", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Call("GET", "/portal/query.html", {{"If-None-Match", "\"other\""}}).status, 200);
  EXPECT_NE(Call("GET", "/portal/index.html").Header("ETag"), etag);

  Responder missing = Call("GET", "/portal/nothing.html");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("no portal page nothing.html"), std::string::npos);
  Responder post = Call("POST", "/metrics");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Allow"), "GET, HEAD");
  // Not the front handler's: the TAP service answers.
  EXPECT_EQ(Call("GET", "/tap/availability").status, 200);
  EXPECT_EQ(Call("GET", "/elsewhere").status, 404);
}

TEST_F(FrontHandlerTest, ConfigDescribesTheReleaseTables) {
  Responder r = Call("GET", "/portal/api/config.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["title"], "Test \"archive\"");
  EXPECT_EQ(j["release"], "demo");
  EXPECT_EQ(j["tap_url"], "http://example.org:8080/tap");
  ASSERT_EQ(j["tables"].size(), 2u);  // demo's, not TAP_SCHEMA's
  EXPECT_EQ(j["tables"][0]["name"], "demo.Object");
  EXPECT_EQ(j["tables"][0]["primary_key"], "id");
  EXPECT_EQ(j["tables"][1]["name"], "demo.Source");
}

// Values of the samples of a metric (its whole line before the value as key).
std::map<std::string, std::string> Samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

TEST_F(FrontHandlerTest, MetricsCountTheRequestsAndQueries) {
  Responder ok = Call("POST", "/tap/sync", {}, "LANG=ADQL&QUERY=SELECT+1");
  ASSERT_EQ(ok.status, 200) << ok.body;
  Responder ok2 = Call("GET", "/tap/sync?LANG=ADQL&QUERY=SELECT+2");
  ASSERT_EQ(ok2.status, 200);
  Responder failed = Call("POST", "/tap/sync", {}, "LANG=ADQL&QUERY=FAIL");
  ASSERT_EQ(failed.status, 400);
  Responder no_lang = Call("POST", "/tap/sync", {}, "QUERY=x");  // no query runs
  ASSERT_EQ(no_lang.status, 400);
  Responder page = Call("GET", "/portal/index.html");
  Responder tables = Call("GET", "/tap/tables");

  Responder r = Call("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto s = Samples(r.body);
  EXPECT_EQ(s.at(R"(skyshard_http_requests_total{endpoint="sync",code="200"})"), "2");
  EXPECT_EQ(s.at(R"(skyshard_http_requests_total{endpoint="sync",code="400"})"), "2");
  EXPECT_EQ(s.at(R"(skyshard_http_requests_total{endpoint="portal",code="200"})"), "1");
  EXPECT_EQ(s.at(R"(skyshard_http_requests_total{endpoint="tables",code="200"})"), "1");
  EXPECT_EQ(s.count(R"(skyshard_http_requests_total{endpoint="metrics",code="200"})"), 0u);
  EXPECT_EQ(
      s.at(R"(skyshard_http_response_bytes_total{endpoint="sync"})"),
      std::to_string(ok.body.size() + ok2.body.size() + failed.body.size() + no_lang.body.size()));
  EXPECT_EQ(s.at(R"(skyshard_http_response_bytes_total{endpoint="portal"})"),
            std::to_string(page.body.size()));
  // The fake engine plans nothing: its queries are of kind "none".
  EXPECT_EQ(s.at(R"(skyshard_queries_total{kind="none",status="ok"})"), "2");
  EXPECT_EQ(s.at(R"(skyshard_queries_total{kind="none",status="error"})"), "1");
  EXPECT_EQ(s.at(R"(skyshard_queries_total{kind="cone",status="ok"})"), "0");
  EXPECT_EQ(s.at(R"(skyshard_query_rows_total{kind="none"})"), "6");
  EXPECT_EQ(s.at(R"(skyshard_query_duration_seconds_count{kind="none"})"), "3");
  EXPECT_EQ(s.at(R"(skyshard_query_duration_seconds_bucket{kind="none",le="+Inf"})"), "3");
  EXPECT_EQ(s.at(R"(skyshard_http_request_duration_seconds_count{endpoint="sync"})"), "4");
  EXPECT_EQ(s.at("skyshard_queries_running"), "0");
  EXPECT_EQ(s.at(R"(skyshard_async_jobs{phase="COMPLETED"})"), "2");
  EXPECT_EQ(s.at("skyshard_block_cache_hit_ratio"), "0.75");
  EXPECT_EQ(s.at(R"(skyshard_store_size_bytes{release="demo"})"), "1234");
  // Every sample's family has HELP and TYPE lines.
  for (const std::string family :
       {"skyshard_http_requests_total", "skyshard_query_duration_seconds",
        "skyshard_store_size_bytes", "skyshard_async_jobs"}) {
    EXPECT_NE(r.body.find("# HELP " + family + " "), std::string::npos) << family;
    EXPECT_NE(r.body.find("# TYPE " + family + " "), std::string::npos) << family;
  }
  // The scrape itself is counted once it is answered.
  const auto s2 = Samples(Call("GET", "/metrics").body);
  EXPECT_EQ(s2.at(R"(skyshard_http_requests_total{endpoint="metrics",code="200"})"), "1");
}

TEST_F(FrontHandlerTest, AccessLogHasALinePerRequest) {
  ASSERT_EQ(Call("POST", "/tap/sync", {}, "LANG=ADQL&QUERY=SELECT+1").status, 200);
  ASSERT_EQ(Call("POST", "/tap/sync", {}, "LANG=ADQL&QUERY=FAIL+here").status, 400);
  Responder created = Call("POST", "/tap/async", {}, "LANG=ADQL&QUERY=SELECT+3");
  ASSERT_EQ(created.status, 303);
  const std::string location = created.Header("Location");
  const std::string job = location.substr(location.rfind('/') + 1);
  ASSERT_EQ(Call("GET", "/tap/async/" + job + "/phase").status, 200);
  ASSERT_EQ(Call("GET", "/portal/").status, 200);

  const auto lines = LogLines();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["client"], "10.0.0.7:4242");
  EXPECT_EQ(lines[0]["method"], "POST");
  EXPECT_EQ(lines[0]["path"], "/tap/sync");
  EXPECT_EQ(lines[0]["endpoint"], "sync");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["adql_hash"], AdqlHash("SELECT 1"));
  EXPECT_EQ(lines[0]["kind"], "none");
  EXPECT_EQ(lines[0]["rows"], 3);
  EXPECT_FALSE(lines[0].contains("error"));
  EXPECT_FALSE(lines[0].contains("job"));
  EXPECT_EQ(lines[1]["status"], 400);
  EXPECT_EQ(lines[1]["adql_hash"], AdqlHash("FAIL here"));
  EXPECT_TRUE(lines[1].contains("error"));
  EXPECT_EQ(lines[2]["job"], job);
  EXPECT_EQ(lines[2]["status"], 303);
  EXPECT_FALSE(lines[2].contains("adql_hash"));  // the job runs later, on a worker
  EXPECT_EQ(lines[3]["job"], job);
  EXPECT_EQ(lines[4]["endpoint"], "portal");
  for (const auto& line : lines) {
    const std::string time = line["time"];
    EXPECT_EQ(time.size(), 24u) << time;  // 2026-11-21T23:59:01.123Z
    EXPECT_EQ(time.back(), 'Z');
    EXPECT_GE(line["duration_ms"].get<double>(), 0);
  }
}

TEST(MetricsTest, EndpointsOfPaths) {
  const std::pair<const char*, const char*> cases[] = {
      {"/tap/sync", "sync"},
      {"/tap/async", "async"},
      {"/tap/async/abc/phase", "async"},
      {"/tap/asyncx", "other"},
      {"/tap/tables/demo.Object", "tables"},
      {"/tap/capabilities", "capabilities"},
      {"/tap/availability", "availability"},
      {"/tap/examples", "examples"},
      {"/scs/demo.Object", "scs"},
      {"/", "portal"},
      {"/portal/query.html", "portal"},
      {"/portalx", "other"},
      {"/metrics", "metrics"},
      {"/tap", "other"},
      {"/favicon.ico", "other"},
  };
  for (const auto& [path, name] : cases) EXPECT_EQ(EndpointName(EndpointOfPath(path)), name);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Histogram h;
  for (double v : {0.0005, 0.003, 0.003, 0.2, 7.0, 1000.0}) h.Observe(v);
  std::string out;
  h.Render("x", "k=\"v\"", &out);
  const auto s = Samples(out);
  EXPECT_EQ(s.at(R"(x_bucket{k="v",le="0.001"})"), "1");
  EXPECT_EQ(s.at(R"(x_bucket{k="v",le="0.0025"})"), "1");
  EXPECT_EQ(s.at(R"(x_bucket{k="v",le="0.005"})"), "3");
  EXPECT_EQ(s.at(R"(x_bucket{k="v",le="0.25"})"), "4");
  EXPECT_EQ(s.at(R"(x_bucket{k="v",le="10"})"), "5");
  EXPECT_EQ(s.at(R"(x_bucket{k="v",le="300"})"), "5");
  EXPECT_EQ(s.at(R"(x_bucket{k="v",le="+Inf"})"), "6");
  EXPECT_EQ(s.at(R"(x_count{k="v"})"), "6");
  EXPECT_NEAR(std::stod(s.at(R"(x_sum{k="v"})")), 1007.2065, 1e-6);
}

TEST(AccessLogTest, OpenErrorsNameTheFile) {
  auto log = AccessLog::Open("/nonexistent-dir/x/access.log");
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("/nonexistent-dir/x/access.log"), std::string::npos);
}

}  // namespace
}  // namespace skyshard::server
