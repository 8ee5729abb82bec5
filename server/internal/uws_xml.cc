#include "server/internal/uws_xml.h"

#include "common/ascii.h"
#include "server/internal/xml_text.h"

namespace skyshard::server {
namespace {

constexpr std::string_view kHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::string_view kNamespaces =
    " xmlns:uws=\"http://www.ivoa.net/xml/UWS/v1.0\""
    " xmlns:xlink=\"http://www.w3.org/1999/xlink\""
    " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

void Append(std::string* out, std::string_view name, std::string_view value) {
  out->append("  <uws:").append(name).append(">");
  AppendXml(value, out);
  out->append("</uws:").append(name).append(">\n");
}

void AppendTime(std::string* out, std::string_view name, const std::optional<SystemTime>& t) {
  if (t.has_value()) {
    Append(out, name, FormatIsoTime(*t));
  } else {
    out->append("  <uws:").append(name).append(" xsi:nil=\"true\"/>\n");
  }
}

void AppendResults(const Job& job, std::string_view jobs_url, std::string_view indent,
                   std::string* out) {
  if (job.phase != Phase::kCompleted || job.result_file.empty()) {
    out->append(indent).append("<uws:results/>\n");
    return;
  }
  out->append(indent).append("<uws:results>\n");
  out->append(indent).append("  <uws:result id=\"result\" xlink:type=\"simple\" xlink:href=\"");
  AppendXml(std::string(jobs_url) + "/" + job.id + "/results/result", out);
  out->append("\" size=\"").append(std::to_string(job.result_bytes)).append("\" mime-type=\"");
  AppendXml(job.result_mime, out);
  out->append("\"/>\n");
  out->append(indent).append("</uws:results>\n");
}

void AppendParameters(const Job& job, std::string_view indent, std::string* out) {
  out->append(indent).append("<uws:parameters>\n");
  for (const Param& p : job.parameters) {
    out->append(indent).append("  <uws:parameter id=\"");
    // Standard TAP parameters in their usual upper case; others as sent.
    std::string id = p.name;
    for (std::string_view known :
         {"LANG", "QUERY", "MAXREC", "RESPONSEFORMAT", "FORMAT", "UPLOAD", "RUNID", "REQUEST"}) {
      if (EqualsIgnoreCase(id, known)) id = std::string(known);
    }
    AppendXml(id, out);
    out->append("\">");
    AppendXml(p.value, out);
    out->append("</uws:parameter>\n");
  }
  out->append(indent).append("</uws:parameters>\n");
}

}  // namespace

std::string JobListXml(const std::vector<Job>& jobs, std::string_view jobs_url) {
  std::string out(kHead);
  out.append("<uws:jobs version=\"1.1\"").append(kNamespaces).append(">\n");
  for (const Job& job : jobs) {
    out.append("  <uws:jobref id=\"").append(XmlEscape(job.id));
    out.append("\" xlink:type=\"simple\" xlink:href=\"");
    AppendXml(std::string(jobs_url) + "/" + job.id, &out);
    out.append("\">\n");
    out.append("    <uws:phase>").append(PhaseName(job.phase)).append("</uws:phase>\n");
    if (!job.run_id.empty()) {
      out.append("    <uws:runId>").append(XmlEscape(job.run_id)).append("</uws:runId>\n");
    }
    out.append("    <uws:ownerId xsi:nil=\"true\"/>\n");
    out.append("    <uws:creationTime>")
        .append(FormatIsoTime(job.creation_time))
        .append("</uws:creationTime>\n");
    out.append("  </uws:jobref>\n");
  }
  out.append("</uws:jobs>\n");
  return out;
}

std::string JobXml(const Job& job, std::string_view jobs_url) {
  std::string out(kHead);
  out.append("<uws:job version=\"1.1\"").append(kNamespaces).append(">\n");
  Append(&out, "jobId", job.id);
  if (!job.run_id.empty()) Append(&out, "runId", job.run_id);
  out.append("  <uws:ownerId xsi:nil=\"true\"/>\n");
  Append(&out, "phase", PhaseName(job.phase));
  out.append("  <uws:quote xsi:nil=\"true\"/>\n");
  Append(&out, "creationTime", FormatIsoTime(job.creation_time));
  AppendTime(&out, "startTime", job.start_time);
  AppendTime(&out, "endTime", job.end_time);
  Append(&out, "executionDuration", std::to_string(job.execution_duration));
  AppendTime(&out, "destruction", job.destruction);
  AppendParameters(job, "  ", &out);
  AppendResults(job, jobs_url, "  ", &out);
  if (!job.error_message.empty() && (job.phase == Phase::kError || job.phase == Phase::kAborted)) {
    out.append("  <uws:errorSummary type=\"")
        .append(job.phase == Phase::kError ? "fatal" : "transient")
        .append("\" hasDetail=\"true\">\n    <uws:message>");
    AppendXml(job.error_message, &out);
    out.append("</uws:message>\n  </uws:errorSummary>\n");
  }
  out.append("</uws:job>\n");
  return out;
}

std::string ResultsXml(const Job& job, std::string_view jobs_url) {
  std::string out(kHead);
  std::string body;
  AppendResults(job, jobs_url, "", &body);
  // Put the namespaces on the root element.
  const size_t space = body.find("<uws:results") + std::string_view("<uws:results").size();
  body.insert(space, kNamespaces);
  return out + body;
}

std::string ParametersXml(const Job& job) {
  std::string out(kHead);
  std::string body;
  AppendParameters(job, "", &body);
  const size_t space = body.find("<uws:parameters") + std::string_view("<uws:parameters").size();
  body.insert(space, kNamespaces);
  return out + body;
}

}  // namespace skyshard::server
