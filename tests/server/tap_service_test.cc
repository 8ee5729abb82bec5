// The TAP request handler without a socket: VOSI documents, sync queries and their errors, the
// UWS job life cycle, uploads, CORS.
#include "server/internal/tap_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "common/ascii.h"
#include "server/internal/job_store.h"
#include "tests/server/fake_backend.h"

namespace skyshard::server {
namespace {

// Collects what the handler answers.
class RecordingResponder final : public HttpResponder, public ByteSink {
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
    body.append(data);
    return Status::OK();
  }
  Status FinishStream() override {
    finished = true;
    return Status::OK();
  }
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
  bool streamed = false;
  bool finished = false;
};

class TapServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tap_service_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = JobStore::Open(dir_.string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    options_.max_wait_s = 5;
    options_.sync_timeout_s = 2;
    service_ = std::make_unique<TapService>(&backend_, store_.get(), options_);
    ASSERT_TRUE(service_->Start().ok());
  }
  void TearDown() override {
    service_.reset();
    std::filesystem::remove_all(dir_);
  }

  RecordingResponder Call(std::string method, const std::string& target, std::string body = "",
                          const std::string& content_type = "application/x-www-form-urlencoded") {
    HttpRequest req;
    req.method = std::move(method);
    const size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.headers = {{"Host", "example.org:8080"}};
    if (!body.empty()) req.headers.emplace_back("Content-Type", content_type);
    req.body = std::move(body);
    RecordingResponder r;
    service_->Handle(req, &r);
    EXPECT_EQ(r.responses, 1) << target;
    if (r.streamed) {
      EXPECT_TRUE(r.finished) << target;
    }
    return r;
  }

  // Creates a job with `body` and returns its id.
  std::string CreateJob(const std::string& body) {
    RecordingResponder r = Call("POST", "/tap/async", body);
    EXPECT_EQ(r.status, 303) << r.body;
    const std::string location = r.Header("Location");
    const std::string prefix = "http://example.org:8080/tap/async/";
    EXPECT_EQ(location.rfind(prefix, 0), 0u) << location;
    return location.substr(prefix.size());
  }

  std::string WaitForFinalPhase(const std::string& id) {
    for (int i = 0; i < 200; ++i) {
      RecordingResponder r = Call("GET", "/tap/async/" + id + "/phase");
      if (r.body != "QUEUED" && r.body != "EXECUTING") return r.body;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "TIMEOUT";
  }

  std::filesystem::path dir_;
  server_test::FakeBackend backend_;
  ServerOptions options_;
  std::unique_ptr<JobStore> store_;
  std::unique_ptr<TapService> service_;
};

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// `text` as the server's XML writers escape apostrophes.
std::string XmlApos(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\'' ? std::string("&apos;") : std::string(1, c);
  return out;
}

TEST_F(TapServiceTest, CapabilitiesDeclareLanguageFormatsUploadsAndLimits) {
  RecordingResponder r = Call("GET", "/tap/capabilities");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/xml");
  EXPECT_TRUE(
      Contains(r.body, "standardID=\"ivo://ivoa.net/std/TAP\" xsi:type=\"tr:TableAccess\""));
  EXPECT_TRUE(Contains(r.body, "<accessURL use=\"base\">http://example.org:8080/tap</accessURL>"));
  EXPECT_TRUE(Contains(r.body, "ivo://ivoa.net/std/ADQL#v2.1"));
  EXPECT_TRUE(Contains(r.body, "features-udf"));
  EXPECT_TRUE(Contains(r.body, "scisql_nanojanskyToAbMag"));
  EXPECT_TRUE(Contains(r.body, "upload-inline"));
  EXPECT_TRUE(Contains(r.body, "TAPRegExt#upload-http\""));
  EXPECT_TRUE(Contains(r.body, "TAPRegExt#upload-https\""));
  EXPECT_TRUE(Contains(r.body, "<mime>application/fits</mime>"));
  EXPECT_TRUE(Contains(r.body, "<hard unit=\"row\">"));
  EXPECT_TRUE(Contains(r.body, "ivo://ivoa.net/std/VOSI#availability"));
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
}

TEST_F(TapServiceTest, AvailabilityAndRootPage) {
  RecordingResponder r = Call("GET", "/tap/availability");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Contains(r.body, "<vosi:available>true</vosi:available>"));
  r = Call("GET", "/tap");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Contains(r.body, "/tap/sync"));
  r = Call("GET", "/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(Contains(r.body, "QUERY_STATUS\" value=\"ERROR\""));
}

TEST_F(TapServiceTest, TablesetFullMinAndSingleTable) {
  RecordingResponder r = Call("GET", "/tap/tables");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Contains(r.body, "<name>demo.Object</name>"));
  EXPECT_TRUE(Contains(r.body, "<description>objects &amp; &lt;things&gt;</description>"));
  EXPECT_TRUE(Contains(r.body, "<name>TAP_SCHEMA.tables</name>"));
  EXPECT_TRUE(Contains(r.body, "<dataType xsi:type=\"vs:VOTableType\">long</dataType>"));
  EXPECT_TRUE(Contains(r.body, "arraysize=\"*\">unicodeChar</dataType>"));
  EXPECT_TRUE(Contains(r.body, "arraysize=\"1\">unicodeChar</dataType>"));
  EXPECT_TRUE(Contains(r.body, "arraysize=\"*\" extendedType=\"timestamp\">char</dataType>"));
  EXPECT_TRUE(Contains(r.body, "<flag>primary</flag>"));
  EXPECT_TRUE(Contains(r.body, "<targetTable>demo.Object</targetTable>"));
  r = Call("GET", "/tap/tables?detail=min");
  EXPECT_TRUE(Contains(r.body, "<name>demo.Source</name>"));
  EXPECT_FALSE(Contains(r.body, "<column>"));
  r = Call("GET", "/tap/tables/demo.Object");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Contains(r.body, "<vosi:table "));
  EXPECT_TRUE(Contains(r.body, "<name>ra</name>"));
  EXPECT_TRUE(Contains(r.body, "<unit>deg</unit>"));
  r = Call("GET", "/tap/tables/demo.nothing");
  EXPECT_EQ(r.status, 404);
}

TEST_F(TapServiceTest, SyncQueryStreamsVOTable) {
  RecordingResponder r =
      Call("GET", "/tap/sync?REQUEST=doQuery&lang=ADQL&query=SELECT%20*%20FROM%20demo.Object&x=1");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.streamed);
  EXPECT_EQ(r.Header("Content-Type"), "application/x-votable+xml");
  EXPECT_TRUE(Contains(r.body, "<FIELD name=\"ra\" datatype=\"double\" unit=\"deg\""));
  EXPECT_TRUE(Contains(r.body, "<INFO name=\"QUERY\" value=\"SELECT * FROM demo.Object\"/>"));
  EXPECT_TRUE(Contains(r.body, "<BINARY2>"));
  EXPECT_EQ(backend_.last_adql(), "SELECT * FROM demo.Object");
}

TEST_F(TapServiceTest, SyncPostCsvWithMaxrecOverflow) {
  RecordingResponder r =
      Call("POST", "/tap/sync", "LANG=ADQL-2.0&QUERY=SELECT+1&MAXREC=2&RESPONSEFORMAT=csv");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/csv;header=present");
  EXPECT_EQ(r.body, "id,ra,name\r\n1,10.5,obj1\r\n2,11.5,obj2\r\n");
  EXPECT_EQ(backend_.last_max_rows(), 2);
  r = Call("POST", "/tap/sync", "LANG=ADQL&QUERY=SELECT+1&MAXREC=2&FORMAT=votable/td");
  EXPECT_TRUE(Contains(r.body, "<TABLEDATA>"));
  EXPECT_TRUE(Contains(r.body, "</TABLE>\n<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>"));
}

TEST_F(TapServiceTest, MaxrecZeroGivesMetadataAndOverflow) {
  RecordingResponder r =
      Call("GET", "/tap/sync?LANG=ADQL&QUERY=SELECT+1&MAXREC=0&FORMAT=votable/td");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Contains(r.body, "<FIELD name=\"id\""));
  EXPECT_FALSE(Contains(r.body, "<TR>"));
  EXPECT_TRUE(Contains(r.body, "value=\"OVERFLOW\""));
}

TEST_F(TapServiceTest, SyncErrorsAreTapErrorDocuments) {
  struct Case {
    std::string query;
    int status;
    std::string message;
  };
  const Case cases[] = {
      {"QUERY=SELECT+1", 400, "missing LANG"},
      {"LANG=SQL&QUERY=SELECT+1", 400, "unknown query language"},
      {"LANG=ADQL", 400, "missing QUERY"},
      {"LANG=ADQL&QUERY=SELECT+1&MAXREC=-3", 400, "MAXREC must be a non-negative integer"},
      {"LANG=ADQL&QUERY=SELECT+1&MAXREC=1&MAXREC=2", 400, "single-valued"},
      {"LANG=ADQL&QUERY=SELECT+1&RESPONSEFORMAT=image/png", 400, "image/png"},
      {"LANG=ADQL&QUERY=SELECT+FAIL", 400, "no column 'nope'"},
      {"LANG=ADQL&QUERY=SELECT+1&UPLOAD=t,ftp://example.com/t.xml", 400, "has the scheme ftp:"},
      {"LANG=ADQL&QUERY=SELECT+1&UPLOAD=1t,param:x", 400, "must start with a letter"},
      {"LANG=ADQL&QUERY=SELECT+1&UPLOAD=t,param:missing", 400, "no multipart part named"},
  };
  for (const Case& c : cases) {
    RecordingResponder r = Call("GET", "/tap/sync?" + c.query);
    EXPECT_EQ(r.status, c.status) << c.query;
    EXPECT_EQ(r.Header("Content-Type"), "application/x-votable+xml") << c.query;
    EXPECT_TRUE(Contains(r.body, "<INFO name=\"QUERY_STATUS\" value=\"ERROR\">")) << c.query;
    EXPECT_TRUE(Contains(r.body, c.message)) << c.query << "\n" << r.body;
  }
  RecordingResponder r = Call("PUT", "/tap/sync");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, POST");
}

TEST_F(TapServiceTest, SyncTimeoutIsReported) {
  RecordingResponder r = Call("GET", "/tap/sync?LANG=ADQL&QUERY=SLEEP");
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(Contains(r.body, "submit long queries to /async")) << r.body;
}

const char kUploadVOTable[] =
    "<?xml version=\"1.0\"?>\n"
    "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"><RESOURCE><TABLE>"
    "<FIELD name=\"ra\" datatype=\"double\" unit=\"deg\"/>"
    "<FIELD name=\"Name\" datatype=\"char\" arraysize=\"*\"/>"
    "<DATA><TABLEDATA><TR><TD>1.5</TD><TD>a &amp; b</TD></TR><TR><TD/><TD>c</TD></TR>"
    "</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>\n";

std::string Multipart(const std::vector<std::pair<std::string, std::string>>& fields,
                      const std::string& file_name, const std::string& file) {
  std::string body;
  for (const auto& [k, v] : fields) {
    body += "--XyZ\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
  }
  body += "--XyZ\r\nContent-Disposition: form-data; name=\"" + file_name +
          "\"; filename=\"t.xml\"\r\nContent-Type: application/x-votable+xml\r\n\r\n" + file +
          "\r\n--XyZ--\r\n";
  return body;
}

TEST_F(TapServiceTest, SyncInlineUpload) {
  const std::string body = Multipart({{"LANG", "ADQL"},
                                      {"QUERY", "SELECT * FROM TAP_UPLOAD.mine"},
                                      {"UPLOAD", "mine,param:t1"},
                                      {"RESPONSEFORMAT", "csv"}},
                                     "t1", kUploadVOTable);
  RecordingResponder r = Call("POST", "/tap/sync", body, "multipart/form-data; boundary=XyZ");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "ra,Name\r\n1.5,a & b\r\n,c\r\n");
  EXPECT_EQ(backend_.last_upload_count(), 1u);
  // A body whose boundary never closes.
  r = Call("POST", "/tap/sync",
           "--XyZ\r\nContent-Disposition: form-data; name=\"LANG\"\r\n\r\nADQL",
           "multipart/form-data; boundary=XyZ");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Contains(r.body, "malformed multipart")) << r.body;
  // A bad VOTable.
  r = Call("POST", "/tap/sync",
           Multipart({{"LANG", "ADQL"}, {"QUERY", "SELECT 1"}, {"UPLOAD", "mine,param:t1"}}, "t1",
                     "<VOTABLE><RESOURCE>"),
           "multipart/form-data; boundary=XyZ");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(Contains(r.body, "UPLOAD mine: the upload is not well-formed XML")) << r.body;
}

TEST_F(TapServiceTest, AsyncJobLifeCycle) {
  const std::string id = CreateJob("LANG=ADQL&QUERY=SELECT+1&RUNID=r1&MAXREC=2&FORMAT=csv");
  RecordingResponder r = Call("GET", "/tap/async/" + id);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Contains(r.body, "<uws:job version=\"1.1\""));
  EXPECT_TRUE(Contains(r.body, "<uws:phase>PENDING</uws:phase>"));
  EXPECT_TRUE(Contains(r.body, "<uws:runId>r1</uws:runId>"));
  EXPECT_TRUE(Contains(r.body, "<uws:parameter id=\"QUERY\">SELECT 1</uws:parameter>"));
  EXPECT_EQ(Call("GET", "/tap/async/" + id + "/phase").body, "PENDING");
  EXPECT_EQ(Call("GET", "/tap/async/" + id + "/executionduration").body, "3600");
  EXPECT_EQ(Call("GET", "/tap/async/" + id + "/quote").body, "");
  EXPECT_EQ(Call("GET", "/tap/async/" + id + "/owner").body, "");
  EXPECT_EQ(Call("GET", "/tap/async/" + id + "/error").status, 404);
  EXPECT_EQ(Call("GET", "/tap/async/" + id + "/results/result").status, 404);

  // Parameters may change while PENDING.
  r = Call("POST", "/tap/async/" + id + "/parameters", "MAXREC=1");
  EXPECT_EQ(r.status, 303);
  EXPECT_TRUE(Contains(Call("GET", "/tap/async/" + id + "/parameters").body,
                       "<uws:parameter id=\"MAXREC\">1</uws:parameter>"));
  r = Call("POST", "/tap/async/" + id + "/executionduration", "EXECUTIONDURATION=60");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(Call("GET", "/tap/async/" + id + "/executionduration").body, "60");
  const std::string tomorrow = FormatIsoTime(std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::now() + std::chrono::hours(24)));
  r = Call("POST", "/tap/async/" + id + "/destruction", "DESTRUCTION=" + tomorrow);
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(Call("GET", "/tap/async/" + id + "/destruction").body, tomorrow);
  // Later than the service keeps jobs: capped.
  r = Call("POST", "/tap/async/" + id + "/destruction", "DESTRUCTION=2999-01-01T00:00:00Z");
  EXPECT_EQ(r.status, 303);
  EXPECT_LT(Call("GET", "/tap/async/" + id + "/destruction").body, "2999");

  r = Call("POST", "/tap/async/" + id + "/phase", "PHASE=RUN");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.Header("Location"), "http://example.org:8080/tap/async/" + id);
  // WAIT returns as soon as the phase changes.
  r = Call("GET", "/tap/async/" + id + "?WAIT=5");
  EXPECT_EQ(WaitForFinalPhase(id), "COMPLETED");
  r = Call("GET", "/tap/async/" + id + "/results");
  EXPECT_TRUE(Contains(r.body,
                       "<uws:result id=\"result\" xlink:type=\"simple\" xlink:href=\"http://"
                       "example.org:8080/tap/async/" +
                           id + "/results/result\""));
  r = Call("GET", "/tap/async/" + id + "/results/result");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/csv;header=present");
  EXPECT_EQ(r.body, "id,ra,name\r\n1,10.5,obj1\r\n");
  // Finished: parameters are frozen, RUN is refused, ABORT changes nothing.
  EXPECT_EQ(Call("POST", "/tap/async/" + id + "/parameters", "MAXREC=5").status, 403);
  EXPECT_EQ(Call("POST", "/tap/async/" + id + "/phase", "PHASE=RUN").status, 403);
  EXPECT_EQ(Call("POST", "/tap/async/" + id + "/phase", "PHASE=ABORT").status, 303);
  EXPECT_EQ(Call("GET", "/tap/async/" + id + "/phase").body, "COMPLETED");
  EXPECT_EQ(Call("POST", "/tap/async/" + id + "/phase", "PHASE=SUSPEND").status, 400);

  // Deletion by POST ACTION=DELETE answers 303 to the job list.
  r = Call("POST", "/tap/async/" + id, "ACTION=DELETE");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.Header("Location"), "http://example.org:8080/tap/async");
  EXPECT_EQ(Call("GET", "/tap/async/" + id).status, 404);
}

TEST_F(TapServiceTest, AsyncErrorAbortAndDelete) {
  const std::string bad = CreateJob("LANG=ADQL&QUERY=SELECT+FAIL&PHASE=RUN");
  EXPECT_EQ(WaitForFinalPhase(bad), "ERROR");
  RecordingResponder r = Call("GET", "/tap/async/" + bad);
  EXPECT_TRUE(Contains(r.body, "<uws:errorSummary type=\"fatal\" hasDetail=\"true\">"));
  r = Call("GET", "/tap/async/" + bad + "/error");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Contains(r.body, "no column 'nope'"));

  const std::string slow = CreateJob("LANG=ADQL&QUERY=SLEEP&PHASE=RUN");
  for (int i = 0; i < 100 && Call("GET", "/tap/async/" + slow + "/phase").body != "EXECUTING";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  r = Call("POST", "/tap/async/" + slow + "/phase", "PHASE=ABORT");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(Call("GET", "/tap/async/" + slow + "/phase").body, "ABORTED");

  const std::string gone = CreateJob("LANG=ADQL&QUERY=SELECT+1");
  r = Call("DELETE", "/tap/async/" + gone);
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(Call("GET", "/tap/async/" + gone + "/phase").status, 404);
  EXPECT_FALSE(std::filesystem::exists(store_->JobDir(gone)));
}

TEST_F(TapServiceTest, JobListFiltersAndBadIds) {
  const std::string a = CreateJob("LANG=ADQL&QUERY=SELECT+1");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string b = CreateJob("LANG=ADQL&QUERY=SELECT+1&PHASE=RUN");
  EXPECT_EQ(WaitForFinalPhase(b), "COMPLETED");
  RecordingResponder r = Call("GET", "/tap/async");
  EXPECT_TRUE(Contains(r.body, "<uws:jobs version=\"1.1\""));
  EXPECT_TRUE(Contains(r.body, "<uws:jobref id=\"" + a + "\""));
  EXPECT_LT(r.body.find(b), r.body.find(a));  // newest first
  r = Call("GET", "/tap/async?PHASE=PENDING");
  EXPECT_TRUE(Contains(r.body, a));
  EXPECT_FALSE(Contains(r.body, b));
  r = Call("GET", "/tap/async?PHASE=PENDING&PHASE=COMPLETED&LAST=1");
  EXPECT_TRUE(Contains(r.body, b));
  EXPECT_FALSE(Contains(r.body, a));
  r = Call("GET", "/tap/async?AFTER=2100-01-01T00:00:00Z");
  EXPECT_FALSE(Contains(r.body, "jobref"));
  EXPECT_EQ(Call("GET", "/tap/async?LAST=0").status, 400);
  EXPECT_EQ(Call("GET", "/tap/async?PHASE=NOPE").status, 400);
  EXPECT_EQ(Call("GET", "/tap/async?AFTER=yesterday").status, 400);
  for (const char* bad : {"/tap/async/..%2F..%2Fetc", "/tap/async/a.b", "/tap/async/%00",
                          "/tap/async/nosuchjob", "/tap/async/nosuchjob/phase"}) {
    EXPECT_EQ(Call("GET", bad).status, 404) << bad;
  }
}

TEST_F(TapServiceTest, AsyncInlineUploadIsKeptWithTheJob) {
  const std::string body = Multipart({{"LANG", "ADQL"},
                                      {"QUERY", "SELECT * FROM TAP_UPLOAD.mine"},
                                      {"UPLOAD", "mine,param:t1"},
                                      {"RESPONSEFORMAT", "csv"},
                                      {"PHASE", "RUN"}},
                                     "t1", kUploadVOTable);
  RecordingResponder r = Call("POST", "/tap/async", body, "multipart/form-data; boundary=XyZ");
  ASSERT_EQ(r.status, 303);
  const std::string id = r.Header("Location").substr(r.Header("Location").rfind('/') + 1);
  EXPECT_EQ(WaitForFinalPhase(id), "COMPLETED");
  EXPECT_EQ(Call("GET", "/tap/async/" + id + "/results/result").body,
            "ra,Name\r\n1.5,a & b\r\n,c\r\n");
}

TEST_F(TapServiceTest, CorsPreflight) {
  RecordingResponder r = Call("OPTIONS", "/tap/sync");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_TRUE(Contains(r.Header("Access-Control-Allow-Methods"), "POST"));
}

TEST_F(TapServiceTest, ShutdownCancelsRunningSyncQueries) {
  options_.sync_timeout_s = 60;
  service_ = std::make_unique<TapService>(&backend_, store_.get(), options_);
  ASSERT_TRUE(service_->Start().ok());
  RecordingResponder r;
  std::thread query([&] { r = Call("GET", "/tap/sync?LANG=ADQL&QUERY=SLEEP"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  service_->Shutdown();
  query.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(Contains(r.body, "cancelled")) << r.body;
}

// A release with one spatial table, demo.Stars (key id, position ra/dec, principal mag), over
// the fake engine (which answers any query with its 3 rows of id, ra, name).
class SpatialBackend final : public QueryBackend {
 public:
  SpatialBackend() {
    auto stars = std::make_shared<adql::QueryTable>();
    stars->schema = "demo";
    stars->def.name = "Stars";
    stars->def.kind = TableKind::kSpatial;
    stars->def.primary_key = "id";
    stars->def.ra_column = "ra";
    stars->def.dec_column = "dec";
    auto col = [](std::string name, DataType type, bool principal) {
      ColumnDef c;
      c.name = std::move(name);
      c.type = {type, 0};
      c.principal = principal;
      c.unit = c.name == "ra" || c.name == "dec" ? "deg" : "";
      c.description = "the " + c.name;
      return c;
    };
    stars->def.columns = {col("id", DataType::kBigInt, true), col("ra", DataType::kDouble, true),
                          col("dec", DataType::kDouble, true), col("mag", DataType::kDouble, true),
                          col("flags", DataType::kInteger, false)};
    tables_.reserve(fake_.tables().size() + 1);
    tables_.push_back(std::move(stars));
    for (const auto& t : fake_.tables()) tables_.push_back(t);
  }
  const std::vector<std::shared_ptr<const adql::QueryTable>>& tables() const override {
    return tables_;
  }
  std::string release_schema() const override { return "demo"; }
  Status Run(const adql::QueryRequest& request, adql::RowSink* sink, adql::ExecStats* stats,
             adql::SyntaxErrorInfo* error) const override {
    return fake_.Run(request, sink, stats, error);
  }
  const server_test::FakeBackend& fake() const { return fake_; }

 private:
  server_test::FakeBackend fake_;
  std::vector<std::shared_ptr<const adql::QueryTable>> tables_;
};

class ConeSearchTest : public TapServiceTest {
 protected:
  void SetUp() override {
    TapServiceTest::SetUp();
    service_ = std::make_unique<TapService>(&spatial_, store_.get(), options_);
    ASSERT_TRUE(service_->Start().ok());
  }
  SpatialBackend spatial_;
};

TEST_F(ConeSearchTest, IndexListsTheSpatialTables) {
  RecordingResponder r = Call("GET", "/scs");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Contains(r.body, "http://example.org:8080/scs/demo.Stars?")) << r.body;
  EXPECT_FALSE(Contains(r.body, "demo.Object"));  // no position columns
  r = Call("GET", "/scs/demo.Object?RA=1&DEC=2&SR=0.1");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(
      Contains(r.body, XmlApos("<INFO ID=\"Error\" name=\"Error\" value=\"no cone-search "
                               "service for table 'demo.Object'; the cone-search "
                               "services are: http://example.org:8080/scs/demo.Stars?\"/>")))
      << r.body;
}

TEST_F(ConeSearchTest, ConeQueryCarriesTheScsUcds) {
  RecordingResponder r = Call("GET", "/scs/demo.Stars?RA=-10.5&DEC=-5&SR=0.125&extra=x");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.streamed);
  EXPECT_EQ(r.Header("Content-Type"), "text/xml;content=x-votable");
  EXPECT_EQ(spatial_.fake().last_adql(),
            "SELECT CAST(id AS VARCHAR) AS id, ra, dec, mag\nFROM demo.Stars\n"
            "WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 349.5, -5, 0.125)) = 1");
  EXPECT_EQ(spatial_.fake().last_max_rows(), options_.default_row_limit);
  EXPECT_TRUE(Contains(r.body, "<TABLEDATA>"));
  EXPECT_TRUE(Contains(r.body, "ucd=\"ID_MAIN\"")) << r.body;
  EXPECT_TRUE(Contains(r.body, "ucd=\"POS_EQ_RA_MAIN\"")) << r.body;
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
  // VERB=1: key and position only; VERB=3: every column; SR=0: no rows, metadata only.
  r = Call("GET", "/scs/demo.stars?ra=1&dec=2&sr=0.5&VERB=1");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(spatial_.fake().last_adql(),
            "SELECT CAST(id AS VARCHAR) AS id, ra, dec\nFROM demo.Stars\n"
            "WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 1, 2, 0.5)) = 1");
  r = Call("GET", "/scs/demo.Stars?RA=1&DEC=2&SR=0.5&VERB=3");
  EXPECT_TRUE(Contains(spatial_.fake().last_adql(), "dec, mag, flags\n"));
  r = Call("GET", "/scs/demo.Stars?RA=1&DEC=%2B2&SR=0");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Contains(spatial_.fake().last_adql(), "WHERE 1 = 0"));
}

TEST_F(ConeSearchTest, ParameterErrorsAreScsErrorDocuments) {
  struct Case {
    std::string query;
    std::string message;
  };
  const Case cases[] = {
      {"DEC=2&SR=0.1", "missing RA parameter"},
      {"RA=1&SR=0.1", "missing DEC parameter"},
      {"RA=1&DEC=2", "missing SR parameter"},
      {"RA=&DEC=2&SR=1", "missing RA parameter"},
      {"RA=abc&DEC=2&SR=0.1", "RA='abc' is not a decimal number"},
      {"RA=1&DEC=2x&SR=0.1", "DEC='2x' is not a decimal number"},
      {"RA=nan&DEC=2&SR=0.1", "RA='nan' is not a decimal number"},
      {"RA=1&DEC=91&SR=0.1", "DEC=91 is out of range: the declination must be in [-90, 90]"},
      {"RA=1&DEC=-90.5&SR=0.1", "DEC=-90.5 is out of range"},
      {"RA=1&DEC=2&SR=-0.1", "SR=-0.1 is negative"},
      {"RA=1&DEC=2&SR=11", "SR=11 is larger than this service's maximum search radius of 10"},
      {"RA=1&DEC=2&SR=0.1&VERB=4", "VERB='4' is not supported"},
      {"RA=1&RA=2&DEC=2&SR=0.1", "single-valued"},
  };
  for (const Case& c : cases) {
    RecordingResponder r = Call("GET", "/scs/demo.Stars?" + c.query);
    EXPECT_EQ(r.status, 200) << c.query;
    EXPECT_FALSE(r.streamed) << c.query;
    EXPECT_EQ(r.Header("Content-Type"), "text/xml;content=x-votable") << c.query;
    EXPECT_TRUE(Contains(r.body, "<INFO ID=\"Error\" name=\"Error\" value=\"")) << c.query;
    EXPECT_TRUE(Contains(r.body, XmlApos(c.message))) << c.query << "\n" << r.body;
  }
  EXPECT_EQ(spatial_.fake().last_adql(), "");  // no query ran
  RecordingResponder r = Call("DELETE", "/scs/demo.Stars");
  EXPECT_EQ(r.status, 405);
}

TEST_F(ConeSearchTest, ExamplesAreDeclaredAndMarkedUp) {
  RecordingResponder r = Call("GET", "/tap/capabilities");
  EXPECT_TRUE(Contains(r.body, "<capability standardID=\"ivo://ivoa.net/std/DALI#examples\">"));
  EXPECT_TRUE(Contains(r.body, "<accessURL use=\"full\">http://example.org:8080/tap/examples<"));
  r = Call("GET", "/tap/examples");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), "application/xhtml+xml; charset=utf-8");
  EXPECT_TRUE(Contains(r.body, "<div vocab=\"http://www.ivoa.net/rdf/examples#\">"));
  EXPECT_TRUE(Contains(r.body, "<div typeof=\"example\" id=\"cone\" resource=\"#cone\">"));
  EXPECT_TRUE(Contains(r.body, "<span property=\"table\">demo.Stars</span>"));
  EXPECT_TRUE(Contains(r.body, XmlApos("<pre property=\"query\">SELECT id, ra, dec\nFROM "
                                       "demo.Stars\nWHERE CONTAINS(POINT('ICRS', ra, dec), "
                                       "CIRCLE('ICRS', ")))
      << r.body;
  EXPECT_TRUE(Contains(r.body, "FROM TAP_UPLOAD.mylist AS m"));
  EXPECT_TRUE(Contains(r.body, "id=\"tables\""));
  // No light curve without a child table and a visit table.
  EXPECT_FALSE(Contains(r.body, "id=\"lightcurve\""));
  r = Call("POST", "/tap/examples", "x=1");
  EXPECT_EQ(r.status, 405);
}

}  // namespace
}  // namespace skyshard::server
