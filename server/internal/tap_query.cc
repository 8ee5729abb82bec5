#include "server/internal/tap_query.h"

#include <charconv>
#include <filesystem>

#include "common/ascii.h"
#include "server/internal/http_fetch.h"
#include "votable/votable_reader.h"

namespace skyshard::server {
namespace {

Result<std::optional<std::string>> Single(const std::vector<Param>& params, std::string_view name) {
  std::optional<std::string> found;
  for (const Param& p : params) {
    if (!EqualsIgnoreCase(p.name, name)) continue;
    if (found.has_value() && *found != p.value) {
      return Status::InvalidArgument("parameter " + std::string(name) +
                                     " is single-valued but was given more than once");
    }
    found = p.value;
  }
  return found;
}

bool IsUploadName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(name[0])) return false;
  for (char c : name) {
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Records whether anything reached the sink it forwards to.
class TrackingSink final : public ByteSink {
 public:
  explicit TrackingSink(ByteSink* target) : target_(target) {}
  Status Write(std::string_view data) override {
    started_ = true;
    return target_->Write(data);
  }
  bool started() const { return started_; }

 private:
  ByteSink* target_;
  bool started_ = false;
};

// Sends the executor's rows into a ResultWriter.
class WriterRowSink final : public adql::RowSink {
 public:
  WriterRowSink(ResultWriter* writer, InfoList infos) : writer_(writer), infos_(std::move(infos)) {}
  Status Begin(const std::vector<adql::plan::OutputColumn>& columns) override {
    std::vector<FieldInfo> fields;
    fields.reserve(columns.size());
    for (const auto& c : columns) fields.push_back(FieldFromColumn(c));
    began_ = true;
    return writer_->Begin(fields, infos_);
  }
  Status Write(const ColumnBatch& batch) override { return writer_->WriteBatch(batch); }
  bool began() const { return began_; }

 private:
  ResultWriter* writer_;
  InfoList infos_;
  bool began_ = false;
};

}  // namespace

Result<std::vector<UploadSpec>> ParseUploads(const std::vector<std::string>& values) {
  std::vector<UploadSpec> out;
  for (const std::string& value : values) {
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = Trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      if (pair.empty()) continue;
      size_t comma = pair.find(',');
      if (comma == std::string_view::npos) {
        return Status::InvalidArgument("UPLOAD '" + std::string(pair.substr(0, 80)) +
                                       "' is not 'table_name,URI' (e.g. UPLOAD=mine,param:file1)");
      }
      UploadSpec spec{std::string(Trim(pair.substr(0, comma))),
                      std::string(Trim(pair.substr(comma + 1)))};
      if (!IsUploadName(spec.table)) {
        return Status::InvalidArgument("UPLOAD table name '" + spec.table.substr(0, 80) +
                                       "' must start with a letter and hold only letters, digits "
                                       "and underscores");
      }
      if (spec.uri.empty()) {
        return Status::InvalidArgument("UPLOAD " + spec.table + " has no URI");
      }
      for (const UploadSpec& other : out) {
        if (EqualsIgnoreCase(other.table, spec.table)) {
          return Status::InvalidArgument("UPLOAD names table " + spec.table + " twice");
        }
      }
      out.push_back(std::move(spec));
    }
  }
  return out;
}

Result<TapQuery> ParseTapQuery(const std::vector<Param>& params, const ServerOptions& options) {
  TapQuery q;
  SKY_ASSIGN_OR_RETURN(std::optional<std::string> lang, Single(params, "LANG"));
  if (!lang.has_value() || Trim(*lang).empty()) {
    return Status::InvalidArgument("missing LANG parameter: use LANG=ADQL");
  }
  const std::string lang_upper = AsciiLower(Trim(*lang));
  if (lang_upper != "adql" && lang_upper != "adql-2.0" && lang_upper != "adql-2.1") {
    return Status::InvalidArgument("unknown query language LANG=" + lang->substr(0, 40) +
                                   "; this service supports ADQL, ADQL-2.0 and ADQL-2.1");
  }
  SKY_ASSIGN_OR_RETURN(std::optional<std::string> query, Single(params, "QUERY"));
  if (!query.has_value() || Trim(*query).empty()) {
    return Status::InvalidArgument("missing QUERY parameter: give the ADQL query as QUERY=...");
  }
  q.adql = *query;

  SKY_ASSIGN_OR_RETURN(std::optional<std::string> maxrec, Single(params, "MAXREC"));
  q.max_rows = options.default_row_limit;
  if (maxrec.has_value()) {
    const std::string_view text = Trim(*maxrec);
    int64_t n = -1;
    auto res = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size() || n < 0) {
      return Status::InvalidArgument("MAXREC must be a non-negative integer, not '" +
                                     maxrec->substr(0, 40) + "'");
    }
    q.max_rows = n;
  }
  if (options.hard_row_limit >= 0 && (q.max_rows < 0 || q.max_rows > options.hard_row_limit)) {
    q.max_rows = options.hard_row_limit;
  }
  q.maxrec_zero = q.max_rows == 0;

  SKY_ASSIGN_OR_RETURN(std::optional<std::string> format, Single(params, "RESPONSEFORMAT"));
  if (!format.has_value()) {
    SKY_ASSIGN_OR_RETURN(format, Single(params, "FORMAT"));
  }
  SKY_ASSIGN_OR_RETURN(q.format, ParseResponseFormat(format.value_or("")));

  std::vector<std::string> upload_values;
  for (const Param& p : params) {
    if (EqualsIgnoreCase(p.name, "UPLOAD")) upload_values.push_back(p.value);
  }
  SKY_ASSIGN_OR_RETURN(q.uploads, ParseUploads(upload_values));
  if (static_cast<int>(q.uploads.size()) > options.max_uploads) {
    return Status::LimitExceeded("at most " + std::to_string(options.max_uploads) +
                                 " tables may be uploaded with one query");
  }
  return q;
}

Result<std::vector<adql::UploadedTable>> LoadUploads(const std::vector<UploadSpec>& uploads,
                                                     const PartSource& source,
                                                     const ServerOptions& options) {
  std::vector<adql::UploadedTable> out;
  uint32_t next_id = 0xFFFF0000u;
  for (const UploadSpec& spec : uploads) {
    const std::string lower = AsciiLower(spec.uri);
    Result<std::string> bytes = std::string();
    if (lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0) {
      HttpFetchOptions fetch;
      fetch.max_bytes = options.max_upload_bytes;
      if (options.read_timeout_s > 0) {
        fetch.read_timeout = std::chrono::seconds(options.read_timeout_s);
      }
      bytes = HttpFetch(spec.uri, fetch);
      if (!bytes.ok()) {
        // The URL is the client's input: a failure to fetch it is a bad request (HTTP 400),
        // not a failure of the service.
        const Status& s = bytes.status();
        const std::string message = "UPLOAD " + spec.table + ": " + s.message();
        if (s.code() == StatusCode::kLimitExceeded) return Status::LimitExceeded(message);
        if (s.code() == StatusCode::kUnsupported) return Status::Unsupported(message);
        return Status::InvalidArgument(message);
      }
    } else if (lower.rfind("param:", 0) == 0) {
      const std::string part = spec.uri.substr(6);
      bytes = source(part);
      if (!bytes.ok()) {
        return Status::InvalidArgument("UPLOAD " + spec.table + " refers to param:" + part +
                                       " but the request has no multipart part named '" + part +
                                       "'");
      }
    } else {
      const size_t colon = spec.uri.find(':');
      return Status::Unsupported(
          "UPLOAD " + spec.table + ": the URI '" + spec.uri.substr(0, 80) + "' " +
          (colon == std::string::npos
               ? std::string("has no scheme")
               : "has the scheme " + spec.uri.substr(0, std::min<size_t>(colon, 20)) +
                     ":, which is not supported") +
          "; use param:PART (an inline multipart part) or an http:// or https:// URL");
    }
    if (bytes->size() > options.max_upload_bytes) {
      return Status::LimitExceeded("UPLOAD " + spec.table + " is " + std::to_string(bytes->size()) +
                                   " bytes; the limit is " +
                                   std::to_string(options.max_upload_bytes));
    }
    VOTableReadOptions read;
    read.max_bytes = options.max_upload_bytes;
    read.max_rows = options.max_upload_rows;
    Result<VOTableData> table = ReadVOTable(*bytes, read);
    if (!table.ok()) return table.status().WithContext("UPLOAD " + spec.table);
    adql::UploadedTable upload = UploadFromVOTable(spec.table, std::move(*table));
    upload.def.id = next_id++;
    out.push_back(std::move(upload));
  }
  return out;
}

std::string SyncSpoolDir(const ServerOptions& options) {
  if (!options.job_store_dir.empty()) return options.job_store_dir + "/spool";
  if (!options.data_dir.empty()) return options.data_dir + "/uws/spool";
  return "";
}

TapRunResult RunTapQuery(const QueryBackend& backend, const TapQuery& query,
                         std::vector<adql::UploadedTable> uploads, const ServerOptions& options,
                         const std::atomic<bool>* cancel,
                         std::chrono::steady_clock::time_point deadline, ByteSink* sink,
                         const std::string& spool_dir) {
  TapRunResult result;
  TrackingSink tracking(sink);
  ResultWriterOptions writer_options;
  if (query.format.format == ResultFormat::kFits) {
    writer_options.spool_dir = spool_dir.empty() ? SyncSpoolDir(options) : spool_dir;
    if (!writer_options.spool_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(writer_options.spool_dir, ec);
      if (ec) {
        result.status = Status::IOError("cannot create the spool directory " +
                                        writer_options.spool_dir + ": " + ec.message());
        return result;
      }
    }
  }
  std::unique_ptr<ResultWriter> writer =
      MakeResultWriter(query.format.format, &tracking, writer_options);
  WriterRowSink rows(writer.get(), {{"QUERY", query.adql}});

  adql::QueryRequest request;
  request.adql = query.adql;
  request.uploads = std::move(uploads);
  request.max_rows = query.max_rows;
  request.exec.threads = options.query_threads;
  request.exec.memory_limit_bytes = options.query_memory_bytes;
  request.exec.deadline = deadline;
  request.exec.cancel = cancel;
  adql::ExecStats stats;
  adql::SyntaxErrorInfo error;
  Status status;
  try {
    status = backend.Run(request, &rows, &stats, &error);
  } catch (const std::exception& e) {
    status = Status::Internal(std::string("unexpected failure running the query: ") + e.what());
  }
  result.rows = stats.rows;
  result.overflow = stats.overflow || query.maxrec_zero;
  if (status.ok() && !rows.began()) {
    status = Status::Internal("the query produced no result table");
  }
  if (status.ok()) status = writer->End(result.overflow);
  if (!status.ok() && tracking.started()) {
    // The head is out: the error goes in-band, after the rows already sent.
    if (rows.began()) (void)writer->EndWithError(status.message());
  }
  result.status = status;
  result.output_started = tracking.started();
  return result;
}

}  // namespace skyshard::server
