// The UWS 1.1 XML documents (UWS.xsd, namespace http://www.ivoa.net/xml/UWS/v1.0, version="1.1"):
// the job list, a job, its results and its parameters. `jobs_url` is the absolute URL of the job
// list, e.g. "http://127.0.0.1:8080/tap/async".
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/internal/uws_job.h"

namespace skyshard::server {

std::string JobListXml(const std::vector<Job>& jobs, std::string_view jobs_url);
std::string JobXml(const Job& job, std::string_view jobs_url);
std::string ResultsXml(const Job& job, std::string_view jobs_url);
std::string ParametersXml(const Job& job);

}  // namespace skyshard::server
