// `skyshard parse` and `skyshard query`: ADQL from the command line, against a data directory.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "adql/ast/printer.h"
#include "adql/binder/binder.h"
#include "adql/binder/query_catalog.h"
#include "adql/parser/parser.h"
#include "adql/query_engine.h"
#include "clients/internal/cli_args.h"
#include "clients/internal/result_sink.h"
#include "clients/internal/subcommands.h"
#include "clients/internal/upload_files.h"
#include "storage/data_dir.h"
#include "storage/store.h"
#include "votable/result_format.h"

namespace skyshard::internal {

namespace {

// The store of release `name` in data directory `data`; with no name, the only published
// release (InvalidArgument listing them when there are several, NotFound when none).
Result<std::shared_ptr<const Store>> OpenRelease(const std::string& data, const std::string& name) {
  SKY_ASSIGN_OR_RETURN(auto dir, DataDir::Open(data, /*create=*/false));
  ReleaseInfo info;
  if (!name.empty()) {
    SKY_ASSIGN_OR_RETURN(info, dir->Find(name));
  } else {
    SKY_ASSIGN_OR_RETURN(auto releases, dir->List());
    if (releases.empty()) return Status::NotFound("no release is published in " + data);
    if (releases.size() > 1) {
      std::string names;
      for (const auto& r : releases) names += (names.empty() ? "" : ", ") + r.name;
      return Status::InvalidArgument(data + " publishes several releases (" + names +
                                     "): choose one with --release");
    }
    info = releases[0];
  }
  SKY_ASSIGN_OR_RETURN(auto store, Store::OpenReadOnly(info.directory));
  return std::shared_ptr<const Store>(std::move(store));
}

void AddError(const Status& s, const adql::SyntaxErrorInfo& info, nlohmann::json* out) {
  (*out)["error"] = s.message();
  (*out)["code"] = std::string(StatusCodeName(s.code()));
  if (info.line > 0) {
    (*out)["line"] = info.line;
    (*out)["column"] = info.column;
  }
}

}  // namespace

// Prints one JSON object; exit 0 for a query that parses (and binds, with --data), 1 for a
// rejected one.
int ParseCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv, 2)) {
    std::cout << "usage: skyshard parse [--data DIR [--release NAME]] 'ADQL'\n"
                 "Checks the syntax of an ADQL 2.1 query and, with --data, binds its names and\n"
                 "types against the release's catalog. Prints one JSON object: success, error,\n"
                 "line, column, code; on success the query printed back from its syntax tree\n"
                 "(\"adql\") and, with --data, the result's columns.\n";
    return 0;
  }
  auto args = ParseArgs(argc, argv, 2, {{"data", true}, {"release", true}});
  if (!args.ok()) return UsageError("parse", args.status().message());
  if (args->positional.size() != 1) return UsageError("parse", "give exactly one query");
  if (args->flags.count("release") && !args->flags.count("data")) {
    return UsageError("parse", "--release needs --data");
  }
  const std::string& text = args->positional[0];
  adql::SyntaxErrorInfo info;
  auto parsed = adql::Parse(text, adql::ParseOptions{}, &info);
  nlohmann::json out;
  if (!parsed.ok()) {
    out["success"] = false;
    AddError(parsed.status(), info, &out);
    std::cout << out.dump() << "\n";
    return 1;
  }
  out["user_defined_functions"] = parsed->user_defined_functions;
  out["adql"] = adql::ast::ToAdql(*parsed->query);  // the syntax tree, printed back
  if (args->flags.count("data")) {
    auto store = OpenRelease(args->flags["data"], args->flags["release"]);
    if (!store.ok()) return Fail(store.status());
    auto catalog = adql::QueryCatalog::FromStore((*store)->catalog());
    if (!catalog.ok()) return Fail(catalog.status());
    adql::BindOptions options;
    options.query_text = text;
    auto bound = adql::Bind(*parsed->query, *catalog, options, &info);
    if (!bound.ok()) {
      out["success"] = false;
      AddError(bound.status(), info, &out);
      std::cout << out.dump() << "\n";
      return 1;
    }
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& c : (*bound)->schema) {
      columns.push_back({{"name", c.name}, {"type", std::string(adql::ValueTypeName(c.type))}});
    }
    out["columns"] = columns;
  }
  out["success"] = true;
  std::cout << out.dump() << "\n";
  return 0;
}

int QueryCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv, 2)) {
    std::cout
        << "usage: skyshard query --data DIR [--release NAME] [--format csv|tsv|votable|fits|...]\n"
           "                      [--maxrec N] [--explain] [--no-rewrites] [--threads N]\n"
           "                      [--memory MB] [--timeout SECONDS] [--upload NAME=FILE]...\n"
           "                      'ADQL'\n"
           "Runs an ADQL query over a published release and writes the result to stdout: CSV\n"
           "by default; --format takes any TAP RESPONSEFORMAT (votable = BINARY2, csv, tsv,\n"
           "votable/td, fits, ...). --maxrec stops after N rows (a VOTable then says OVERFLOW,\n"
           "a FITS header QSTATUS = 'OVERFLOW'). FITS is spooled in $TMPDIR (or /tmp) and\n"
           "written when the query has finished; a query that fails writes no FITS at all.\n"
           "--explain prints the physical plan instead of running the query. --no-rewrites\n"
           "runs the plan the binder built, without the planner's rules (for testing).\n"
           "--upload makes FILE (a VOTable, or CSV with a header row) the table\n"
           "TAP_UPLOAD.NAME for this query, as a TAP UPLOAD does; repeat it for several.\n"
           "--release is needed only when DIR publishes several releases.\n";
    return 0;
  }
  auto args = ParseArgs(argc, argv, 2,
                        {{"data", true},
                         {"release", true},
                         {"format", true},
                         {"maxrec", true},
                         {"explain", false},
                         {"no-rewrites", false},
                         {"threads", true},
                         {"memory", true},
                         {"timeout", true},
                         {"upload", true}});
  if (!args.ok()) return UsageError("query", args.status().message());
  if (args->positional.size() != 1) return UsageError("query", "give exactly one query");
  if (!args->flags.count("data")) return UsageError("query", "--data DIR is required");
  auto maxrec = IntFlag(*args, "maxrec", -1);
  auto threads = IntFlag(*args, "threads", 0);
  auto memory = IntFlag(*args, "memory", 1024);
  auto timeout = IntFlag(*args, "timeout", 0);
  for (const auto* r : {&maxrec, &threads, &memory, &timeout}) {
    if (!r->ok()) return UsageError("query", r->status().message());
  }
  if (*maxrec < -1 || *threads < 0 || *memory <= 0 || *timeout < 0) {
    return UsageError("query", "--maxrec, --threads, --memory and --timeout take numbers >= 0");
  }
  auto format = ParseResponseFormat(args->flags.count("format") ? args->flags["format"] : "csv");
  if (!format.ok()) return UsageError("query", format.status().message());

  auto store = OpenRelease(args->flags["data"], args->flags["release"]);
  if (!store.ok()) return Fail(store.status());
  auto engine = adql::QueryEngine::Open(*store);
  if (!engine.ok()) return Fail(engine.status());

  adql::QueryRequest request;
  request.adql = args->positional[0];
  for (const std::string& spec : args->repeated["upload"]) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return UsageError("query", "--upload takes NAME=FILE, got '" + spec + "'");
    }
    auto upload = ReadUploadFile(spec.substr(0, eq), spec.substr(eq + 1));
    if (!upload.ok()) return Fail(upload.status());
    request.uploads.push_back(std::move(*upload));
  }
  request.max_rows = *maxrec;
  request.enable_rewrites = !args->flags.count("no-rewrites");
  request.exec.threads = static_cast<int>(*threads);
  request.exec.memory_limit_bytes = static_cast<size_t>(*memory) << 20;
  if (*timeout > 0) {
    request.exec.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*timeout);
  }

  if (args->flags.count("explain")) {
    auto text = (*engine)->Explain(request);
    if (!text.ok()) return Fail(text.status());
    std::cout << *text;
    return 0;
  }

  StreamSink out(stdout);
  auto writer = MakeResultWriter(format->format, &out);
  WriterSink sink(writer.get(), {{"QUERY", request.adql}});
  adql::ExecStats stats;
  Status s = (*engine)->Run(request, &sink, &stats);
  if (!s.ok()) {
    // A failure after the head was written still ends the document properly (VOTable: an
    // ERROR INFO), so that a reader sees a complete file that says what went wrong.
    if (sink.begun()) (void)writer->EndWithError(s.message());
    std::fflush(stdout);
    return Fail(s);
  }
  if (!sink.begun()) return Fail(Status::Internal("the executor sent no result head"));
  Status end = writer->End(stats.overflow);
  std::fflush(stdout);
  if (!end.ok()) return Fail(end);
  return 0;
}

}  // namespace skyshard::internal
