// TapService, the /async half: UWS 1.1 over the JobManager (REST binding, UWS section 2.2), and
// the runner that executes a TAP job into its result file.
#include <charconv>
#include <cstdio>
#include <fstream>

#include "common/ascii.h"
#include "server/internal/http_errors.h"
#include "server/internal/tap_query.h"
#include "server/internal/tap_service.h"
#include "server/internal/uws_xml.h"

namespace skyshard::server {
namespace {

Result<int64_t> ParseInt(std::string_view text, std::string_view what) {
  int64_t v = 0;
  auto res = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size()) {
    return Status::InvalidArgument(std::string(what) + " must be an integer, not '" +
                                   std::string(text.substr(0, 40)) + "'");
  }
  return v;
}

// The multipart parts a request's UPLOAD parameters refer to (param:NAME), which the job must
// keep since the request body goes away.
std::vector<InlinePart> ReferencedParts(const RequestParams& params) {
  std::vector<InlinePart> out;
  Result<std::vector<UploadSpec>> specs = ParseUploads(params.GetAll("UPLOAD"));
  if (!specs.ok()) return out;  // reported when the job runs
  for (const UploadSpec& spec : *specs) {
    if (AsciiLower(spec.uri).rfind("param:", 0) != 0) continue;
    const InlinePart* part = params.FindPart(spec.uri.substr(6));
    if (part != nullptr) out.push_back(*part);
  }
  return out;
}

// The request's parameters without the inline parts' contents (a part without a file name is
// also a form value; the job keeps it as a part, not as a parameter).
std::vector<Param> JobParams(const RequestParams& params, const std::vector<InlinePart>& parts) {
  std::vector<Param> out;
  for (const Param& p : params.all()) {
    bool is_part = false;
    for (const InlinePart& part : parts) is_part = is_part || part.name == p.name;
    if (!is_part) out.push_back(p);
  }
  return out;
}

const char* ResultExtension(ResultFormat format) {
  switch (format) {
    case ResultFormat::kCsv:
      return "csv";
    case ResultFormat::kTsv:
      return "tsv";
    case ResultFormat::kFits:
      return "fits";
    default:
      return "vot";
  }
}

}  // namespace

void TapService::HandleAsync(Call& call, std::string_view rest) {
  if (rest.empty() || rest == "/") return HandleJobList(call);
  rest.remove_prefix(1);  // '/'
  const size_t slash = rest.find('/');
  const std::string id(rest.substr(0, slash));
  if (!IsValidJobId(id)) {
    return SendError(call, Status::NotFound("no job '" + id.substr(0, 80) + "'"),
                     ErrorContext::kResource);
  }
  HandleJob(call, id, slash == std::string_view::npos ? std::string_view() : rest.substr(slash));
}

void TapService::HandleJobList(Call& call) {
  const std::string& method = call.request.method;
  Result<RequestParams> params = RequestParams::FromRequest(call.request);
  if (!params.ok()) return SendError(call, params.status(), ErrorContext::kResource);
  const std::string jobs_url = call.base_url + "/async";
  if (method == "GET" || method == "HEAD") {
    // Filters (UWS 1.1 section 2.2.2.1): PHASE (repeatable, a union), AFTER, LAST; ANDed.
    std::vector<Phase> phases;
    for (const std::string& v : params->GetAll("PHASE")) {
      Result<Phase> phase = ParsePhase(v);
      if (!phase.ok()) return SendError(call, phase.status(), ErrorContext::kResource);
      phases.push_back(*phase);
    }
    std::optional<SystemTime> after;
    if (std::vector<std::string> v = params->GetAll("AFTER"); !v.empty()) {
      Result<SystemTime> t = ParseIsoTime(v.back(), "AFTER");
      if (!t.ok()) return SendError(call, t.status(), ErrorContext::kResource);
      after = *t;
    }
    int64_t last = -1;
    if (std::vector<std::string> v = params->GetAll("LAST"); !v.empty()) {
      Result<int64_t> n = ParseInt(v.back(), "LAST");
      if (!n.ok() || *n <= 0) {
        return SendError(call, Status::InvalidArgument("LAST must be an integer greater than 0"),
                         ErrorContext::kResource);
      }
      last = *n;
    }
    std::vector<Job> listed;
    for (Job& job : jobs_->List()) {  // newest first
      if (phases.empty() ? job.phase == Phase::kArchived
                         : std::find(phases.begin(), phases.end(), job.phase) == phases.end()) {
        continue;
      }
      if (after.has_value() && job.creation_time <= *after) continue;
      listed.push_back(std::move(job));
      if (last > 0 && static_cast<int64_t>(listed.size()) >= last) break;
    }
    return SendXml(call, JobListXml(listed, jobs_url));
  }
  if (method != "POST") return SendMethodNotAllowed(call, "GET, POST");
  // Create a job; PHASE=RUN in the same request starts it (UWS 1.1 section 2.2.3.1).
  bool run = false;
  for (const std::string& v : params->GetAll("PHASE")) {
    if (v == "RUN") {
      run = true;
    } else {
      return SendError(call,
                       Status::InvalidArgument("PHASE=" + v.substr(0, 40) +
                                               " cannot be given when creating a job; only RUN"),
                       ErrorContext::kResource);
    }
  }
  std::vector<InlinePart> parts = ReferencedParts(*params);
  Result<std::string> id = jobs_->Create(JobParams(*params, parts), parts, run);
  if (!id.ok()) return SendError(call, id.status(), ErrorContext::kResource);
  SendRedirect(call, jobs_url + "/" + *id);
}

void TapService::HandleJob(Call& call, const std::string& id, std::string_view sub) {
  const std::string& method = call.request.method;
  const bool get = method == "GET" || method == "HEAD";
  const std::string jobs_url = call.base_url + "/async";
  const std::string job_url = jobs_url + "/" + id;
  Result<RequestParams> params = RequestParams::FromRequest(call.request);
  if (!params.ok()) return SendError(call, params.status(), ErrorContext::kResource);
  Result<Job> job = jobs_->Get(id);
  if (!job.ok()) return SendError(call, job.status(), ErrorContext::kResource);
  auto fail = [&](const Status& s) { SendError(call, s, ErrorContext::kResource); };
  auto single = [&](std::string_view name) -> std::optional<std::string> {
    std::vector<std::string> v = params->GetAll(name);
    if (v.empty()) return std::nullopt;
    return v.back();
  };

  if (sub.empty() || sub == "/") {
    if (method == "DELETE") {
      if (Status s = jobs_->Delete(id); !s.ok()) return fail(s);
      return SendRedirect(call, jobs_url);
    }
    if (method == "POST") {
      std::optional<std::string> action = single("ACTION");
      if (action.has_value()) {
        if (!EqualsIgnoreCase(*action, "DELETE")) {
          return fail(Status::InvalidArgument("ACTION=" + action->substr(0, 40) +
                                              " is not supported; only ACTION=DELETE"));
        }
        if (Status s = jobs_->Delete(id); !s.ok()) return fail(s);
        return SendRedirect(call, jobs_url);
      }
      // Lenient: job-control parameters posted to the job itself.
      if (std::optional<std::string> phase = single("PHASE"); phase.has_value()) {
        const std::string upper = AsciiLower(*phase);
        Status s = upper == "run"     ? jobs_->Run(id)
                   : upper == "abort" ? jobs_->Abort(id)
                                      : Status::InvalidArgument("PHASE must be RUN or ABORT");
        if (!s.ok()) return fail(s);
        return SendRedirect(call, job_url);
      }
      return fail(Status::InvalidArgument(
          "a POST to a job accepts only ACTION=DELETE; post job parameters to " + job_url +
          "/parameters and PHASE=RUN to " + job_url + "/phase"));
    }
    if (!get) return SendMethodNotAllowed(call, "GET, POST, DELETE");
    // Blocking (UWS 1.1 section 2.2.1.2): WAIT=seconds (-1: the longest we allow), optionally
    // only while still in PHASE.
    if (std::optional<std::string> wait = single("WAIT"); wait.has_value()) {
      Result<int64_t> seconds = ParseInt(*wait, "WAIT");
      if (!seconds.ok()) return fail(seconds.status());
      int64_t s = *seconds < 0 ? options_.max_wait_s : std::min(*seconds, options_.max_wait_s);
      std::optional<Phase> phase;
      if (std::optional<std::string> p = single("PHASE"); p.has_value()) {
        Result<Phase> parsed = ParsePhase(*p);
        if (!parsed.ok()) return fail(parsed.status());
        phase = *parsed;
      }
      if (s > 0) {
        job = jobs_->Wait(id, phase, std::chrono::seconds(s));
        if (!job.ok()) return fail(job.status());
      }
    }
    return SendXml(call, JobXml(*job, jobs_url));
  }

  if (sub == "/phase") {
    if (method == "POST") {
      std::optional<std::string> phase = single("PHASE");
      if (!phase.has_value())
        return fail(Status::InvalidArgument("missing PHASE=RUN or PHASE=ABORT"));
      Status s;
      if (EqualsIgnoreCase(*phase, "RUN")) {
        s = jobs_->Run(id);
      } else if (EqualsIgnoreCase(*phase, "ABORT")) {
        s = jobs_->Abort(id);
      } else {
        s = Status::InvalidArgument("PHASE=" + phase->substr(0, 40) + " is not RUN or ABORT");
      }
      if (!s.ok()) return fail(s);
      return SendRedirect(call, job_url);
    }
    if (!get) return SendMethodNotAllowed(call, "GET, POST");
    return SendText(call, std::string(PhaseName(job->phase)));
  }
  if (sub == "/executionduration") {
    if (method == "POST") {
      std::optional<std::string> v = single("EXECUTIONDURATION");
      if (!v.has_value()) return fail(Status::InvalidArgument("missing EXECUTIONDURATION"));
      Result<int64_t> seconds = ParseInt(*v, "EXECUTIONDURATION");
      if (!seconds.ok()) return fail(seconds.status());
      if (Status s = jobs_->SetExecutionDuration(id, *seconds); !s.ok()) return fail(s);
      return SendRedirect(call, job_url);
    }
    if (!get) return SendMethodNotAllowed(call, "GET, POST");
    return SendText(call, std::to_string(job->execution_duration));
  }
  if (sub == "/destruction") {
    if (method == "POST") {
      std::optional<std::string> v = single("DESTRUCTION");
      if (!v.has_value()) return fail(Status::InvalidArgument("missing DESTRUCTION"));
      Result<SystemTime> t = ParseIsoTime(*v, "DESTRUCTION");
      if (!t.ok()) return fail(t.status());
      if (Status s = jobs_->SetDestruction(id, *t); !s.ok()) return fail(s);
      return SendRedirect(call, job_url);
    }
    if (!get) return SendMethodNotAllowed(call, "GET, POST");
    return SendText(call, FormatIsoTime(job->destruction));
  }
  if (sub == "/parameters") {
    if (method == "POST") {
      std::vector<InlinePart> parts = ReferencedParts(*params);
      if (Status s = jobs_->AddParameters(id, JobParams(*params, parts), parts); !s.ok()) {
        return fail(s);
      }
      return SendRedirect(call, job_url);
    }
    if (!get) return SendMethodNotAllowed(call, "GET, POST");
    return SendXml(call, ParametersXml(*job));
  }
  if (!get) return SendMethodNotAllowed(call, "GET");
  if (sub == "/quote") return SendText(call, "");
  if (sub == "/owner") return SendText(call, "");
  if (sub == "/error") {
    if (job->error_message.empty()) {
      return fail(Status::NotFound("job " + id + " has no error (it is " +
                                   std::string(PhaseName(job->phase)) + ")"));
    }
    // DALI 1.1 section 4.2: the error document of an async job is answered with 200.
    HttpResponse r = ErrorResponse(200, job->error_message);
    call.responder->Send(std::move(r));
    return;
  }
  if (sub == "/results") return SendXml(call, ResultsXml(*job, jobs_url));
  if (sub == "/results/result") {
    if (job->phase != Phase::kCompleted || job->result_file.empty()) {
      return fail(Status::NotFound("job " + id + " has no result (it is " +
                                   std::string(PhaseName(job->phase)) + ")"));
    }
    std::ifstream in(jobs_->store().PathOf(id, job->result_file), std::ios::binary);
    if (!in) return fail(Status::NotFound("the result of job " + id + " is gone"));
    ByteSink* sink = call.responder->StartStream(200, {{"Content-Type", job->result_mime}});
    std::string buffer(size_t{256} << 10, '\0');
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto n = static_cast<size_t>(in.gcount());
      if (n == 0) break;
      if (!sink->Write(std::string_view(buffer.data(), n)).ok()) break;
    }
    (void)call.responder->FinishStream();
    return;
  }
  fail(Status::NotFound("no resource " + std::string(sub.substr(0, 80)) + " under job " + id));
}

JobOutcome TapService::RunJob(const Job& job, const JobStore& store,
                              const std::atomic<bool>* cancel,
                              std::chrono::steady_clock::time_point deadline) {
  JobOutcome outcome;
  ServerOptions options = options_;
  Result<TapQuery> query = ParseTapQuery(job.parameters, options);
  if (!query.ok()) {
    outcome.status = query.status();
    return outcome;
  }
  Result<std::vector<adql::UploadedTable>> uploads = LoadUploads(
      query->uploads,
      [&](const std::string& name) -> Result<std::string> {
        for (const StoredPart& part : job.parts) {
          if (part.name == name) return store.ReadPart(job, part);
        }
        return Status::NotFound(name);
      },
      options);
  if (!uploads.ok()) {
    outcome.status = uploads.status();
    return outcome;
  }
  const std::string file = std::string("result.") + ResultExtension(query->format.format);
  const std::string path = store.PathOf(job.id, file);
  Result<std::unique_ptr<FileSink>> sink = FileSink::Open(path + ".tmp");
  if (!sink.ok()) {
    outcome.status = sink.status();
    return outcome;
  }
  // A FITS result is spooled in the job's own directory (removed with the job) and then
  // copied into result.fits.tmp.
  TapRunResult run = RunTapQuery(*backend_, *query, std::move(uploads).value(), options, cancel,
                                 deadline, sink->get(), store.JobDir(job.id));
  Status closed = (*sink)->Close();
  if (run.status.ok()) run.status = closed;
  if (run.status.ok() && std::rename((path + ".tmp").c_str(), path.c_str()) != 0) {
    run.status = Status::IOError("cannot store the result of job " + job.id);
  }
  if (!run.status.ok()) {
    std::remove((path + ".tmp").c_str());
    outcome.status = run.status;
    return outcome;
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  outcome.result_file = file;
  outcome.result_mime = query->format.content_type;
  outcome.result_bytes = in ? static_cast<uint64_t>(in.tellg()) : 0;
  outcome.result_rows = run.rows;
  outcome.result_overflow = run.overflow;
  return outcome;
}

}  // namespace skyshard::server
