#include "clients/commands.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "clients/gen_dp02.h"
#include "clients/internal/cli_args.h"
#include "clients/internal/subcommands.h"
#include "common/status.h"
#include "storage/bulk_loader.h"
#include "storage/data_dir.h"
#include "storage/store.h"

namespace skyshard {

using internal::Fail;
using internal::IntFlag;
using internal::ParseArgs;
using internal::ParseCommand;
using internal::QueryCommand;
using internal::ServeCommand;
using internal::UsageError;
using internal::WantsHelp;

namespace {

constexpr const char* kUsage = R"(usage: skyshard COMMAND [OPTIONS]

Operators:
  load --data DIR MANIFEST.yaml [--replace] [--allow-orphans] [--memory MB] [--threads N]
       [--child-index]
      Load a data release described by MANIFEST.yaml (docs/manifest.md) and publish it
      atomically in DIR. --replace replaces a published release of the same name (the old one
      stays served until the new one is complete). --memory bounds the memory used for
      sorting (default: 60% of the memory available at the start); --threads defaults to one
      per core.
      --child-index also indexes child tables by their own key (forcedSourceId = X).
  releases --data DIR [--json]
      List the published releases with their tables, row counts and sizes.
  drop --data DIR NAME
      Unpublish release NAME and delete its files.

Queries:
  parse [--data DIR [--release NAME]] 'ADQL'
      Check the syntax of an ADQL 2.1 query (and with --data, its names and types against the
      release); print {"success": ..., "error": ..., "line": ..., "column": ...} as one JSON
      object, with the query printed back as ADQL ("adql") on success; exit 0 when it is
      accepted, 1 when it is rejected.
  query --data DIR [--release NAME] [--format csv|votable|...] [--maxrec N] [--explain] 'ADQL'
      Run an ADQL query over a release; the result goes to stdout (CSV by default).
      --explain prints the physical plan instead.

Service:
  serve --data DIR [--release NAME] [--port 8080] [--bind 127.0.0.1] [--config FILE]
      Serve the release over TAP 1.1 at http://BIND:PORT/tap until SIGTERM/SIGINT.

Test data:
  gen dp02 --out DIR --objects N [--epochs K] [--seed S] [--format csv|fits]
      Write a DP0.2-like release (files, Felis schema, manifest.yaml) into DIR.

Run 'skyshard COMMAND --help' for one command.
)";

std::string HumanBytes(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string HumanCount(double n) {
  char buf[32];
  if (n >= 1e9) {
    std::snprintf(buf, sizeof(buf), "%.2fG", n / 1e9);
  } else if (n >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2fM", n / 1e6);
  } else if (n >= 1e3) {
    std::snprintf(buf, sizeof(buf), "%.1fk", n / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f", n);
  }
  return buf;
}

// Prints the release listing; the plain format is a contract for scripts.
int Releases(int argc, char** argv) {
  if (WantsHelp(argc, argv, 2)) {
    std::cout << "usage: skyshard releases --data DIR [--json]\n";
    return 0;
  }
  auto args = ParseArgs(argc, argv, 2, {{"data", true}, {"json", false}});
  if (!args.ok()) return UsageError("releases", args.status().message());
  if (!args->flags.count("data")) return UsageError("releases", "--data DIR is required");
  if (!args->positional.empty()) return UsageError("releases", "unexpected " + args->positional[0]);
  auto dir = DataDir::Open(args->flags["data"], /*create=*/false);
  if (!dir.ok()) return Fail(dir.status());
  auto list = (*dir)->List();
  if (!list.ok()) return Fail(list.status());
  const bool json = args->flags.count("json") > 0;
  std::ostringstream out;
  if (json) out << "[";
  bool first_release = true;
  int status = 0;
  for (const ReleaseInfo& r : *list) {
    auto store = Store::OpenReadOnly(r.directory);
    if (!store.ok()) {
      // Still listed, with why it cannot be read (a store of another format, a damaged one):
      // the other releases are listed all the same, and the exit status says 1.
      const std::string why = store.status().ToString();
      std::cerr << "skyshard: error: " << store.status().WithContext("release " + r.name).ToString()
                << "\n";
      status = 1;
      if (json) {
        out << (first_release ? "" : ",") << "\n  {\"name\": \"" << r.name
            << "\", \"version\": " << r.version << ", \"published_at\": \"" << r.published_at
            << "\", \"error\": " << nlohmann::json(why).dump() << "}";
      } else {
        out << r.name << "  version " << r.version << "  published " << r.published_at
            << "  cannot be read: " << why << "\n";
      }
      first_release = false;
      continue;
    }
    const Catalog& c = (*store)->catalog();
    uint64_t total_rows = 0;
    for (const auto& t : c.tables) total_rows += t.row_count;
    const uint64_t bytes = DirectoryBytes(r.directory);
    if (json) {
      out << (first_release ? "" : ",") << "\n  {\"name\": \"" << r.name
          << "\", \"version\": " << r.version << ", \"published_at\": \"" << r.published_at
          << "\", \"rows\": " << total_rows << ", \"bytes\": " << bytes << ", \"tables\": [";
      for (size_t i = 0; i < c.tables.size(); ++i) {
        const auto& t = c.tables[i];
        const char* kind = t.kind == TableKind::kSpatial ? "spatial"
                           : t.kind == TableKind::kChild ? "child"
                                                         : "plain";
        out << (i ? ", " : "") << "{\"name\": \"" << t.name << "\", \"kind\": \"" << kind
            << "\", \"rows\": " << t.row_count << ", \"bytes\": " << t.bytes << "}";
      }
      out << "]}";
    } else {
      out << r.name << "  version " << r.version << "  published " << r.published_at << "  "
          << total_rows << " rows  " << HumanBytes(bytes) << "\n";
      for (const auto& t : c.tables) {
        std::string kind = t.kind == TableKind::kSpatial
                               ? "spatial (" + t.ra_column + ", " + t.dec_column + ")"
                           : t.kind == TableKind::kChild ? "child of " + t.parent_table
                                                         : "plain";
        char line[256];
        std::snprintf(line, sizeof(line), "  %-24s %14llu rows %12s  %s\n", t.name.c_str(),
                      static_cast<unsigned long long>(t.row_count), HumanBytes(t.bytes).c_str(),
                      kind.c_str());
        out << line;
      }
    }
    first_release = false;
  }
  if (json) {
    out << (list->empty() ? "]\n" : "\n]\n");
  } else if (list->empty()) {
    out << "no releases in " << (*dir)->path() << "\n";
  }
  std::cout << out.str();
  return status;
}

int Load(int argc, char** argv) {
  if (WantsHelp(argc, argv, 2)) {
    std::cout << "usage: skyshard load --data DIR MANIFEST.yaml [--replace] [--allow-orphans]"
                 " [--memory MB] [--threads N] [--child-index]\n";
    return 0;
  }
  auto args = ParseArgs(argc, argv, 2,
                        {{"data", true},
                         {"replace", false},
                         {"allow-orphans", false},
                         {"memory", true},
                         {"threads", true},
                         {"child-index", false}});
  if (!args.ok()) return UsageError("load", args.status().message());
  if (!args->flags.count("data")) return UsageError("load", "--data DIR is required");
  if (args->positional.size() != 1) return UsageError("load", "give exactly one MANIFEST.yaml");
  LoadOptions options;
  options.data_dir = args->flags["data"];
  options.manifest_path = args->positional[0];
  options.replace = args->flags.count("replace") > 0;
  options.allow_orphans = args->flags.count("allow-orphans") > 0;
  options.child_key_index = args->flags.count("child-index") > 0;
  auto memory = IntFlag(*args, "memory", 0);
  auto threads = IntFlag(*args, "threads", 0);
  if (!memory.ok()) return UsageError("load", memory.status().message());
  if (!threads.ok()) return UsageError("load", threads.status().message());
  if (*memory != 0 && *memory < 64) return UsageError("load", "--memory must be at least 64 (MB)");
  if (*threads < 0 || *threads > 256) return UsageError("load", "--threads must be 0..256");
  options.memory_bytes = static_cast<uint64_t>(*memory) << 20;
  options.threads = static_cast<int>(*threads);

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  double last_line = -1;
  std::string last_phase;
  auto progress = [&](const LoadProgress& p) {
    const double rate = p.seconds > 0 ? static_cast<double>(p.rows) / p.seconds : 0;
    const double frac =
        p.bytes_total ? static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total) : 0;
    std::string eta = "-";
    if (frac > 0.01 && frac < 1)
      eta = std::to_string(static_cast<int>(p.seconds * (1 - frac) / frac)) + "s";
    char line[256];
    std::snprintf(line, sizeof(line), "%-22s %9s rows  %8s rows/s  %5.1f%% of input  ETA %s",
                  p.phase.c_str(), HumanCount(static_cast<double>(p.rows)).c_str(),
                  HumanCount(rate).c_str(), 100 * frac, eta.c_str());
    if (tty) {
      std::fprintf(stderr, "\r%-100s", line);
    } else if (p.phase != last_phase || p.seconds - last_line >= 5) {
      std::fprintf(stderr, "%s\n", line);
      last_line = p.seconds;
    }
    last_phase = p.phase;
  };
  auto report = LoadRelease(options, progress);
  if (tty) std::fprintf(stderr, "\n");
  if (!report.ok()) return Fail(report.status());
  std::cout << "loaded " << report->release << ": " << report->rows << " rows from "
            << HumanBytes(report->input_bytes) << " in " << report->seconds << " s ("
            << HumanCount(report->seconds > 0 ? static_cast<double>(report->rows) / report->seconds
                                              : 0)
            << " rows/s)\n";
  for (const auto& t : report->tables) {
    std::cout << "  " << t.name << ": " << t.rows << " rows, " << HumanBytes(t.bytes) << ", "
              << t.seconds << " s (read " << t.read_seconds << " s, merge " << t.merge_seconds
              << " s)";
    if (t.orphans) std::cout << ", " << t.orphans << " orphan rows";
    std::cout << "\n";
  }
  std::cout << "published in " << report->directory << "\n";
  return 0;
}

int Drop(int argc, char** argv) {
  if (WantsHelp(argc, argv, 2)) {
    std::cout << "usage: skyshard drop --data DIR NAME\n";
    return 0;
  }
  auto args = ParseArgs(argc, argv, 2, {{"data", true}});
  if (!args.ok()) return UsageError("drop", args.status().message());
  if (!args->flags.count("data")) return UsageError("drop", "--data DIR is required");
  if (args->positional.size() != 1) return UsageError("drop", "give exactly one release NAME");
  auto dir = DataDir::Open(args->flags["data"], /*create=*/false);
  if (!dir.ok()) return Fail(dir.status());
  Status s = (*dir)->LockForWrite();
  if (s.ok()) s = (*dir)->Drop(args->positional[0]);
  if (!s.ok()) return Fail(s);
  std::cout << "dropped " << args->positional[0] << "\n";
  return 0;
}

int Gen(int argc, char** argv) {
  if (WantsHelp(argc, argv, 2) || argc < 3) {
    std::cout << "usage: skyshard gen dp02 --out DIR --objects N [--epochs K] [--seed S]"
                 " [--format csv|fits]\n";
    return argc < 3 ? 2 : 0;
  }
  if (std::string(argv[2]) != "dp02") {
    return UsageError("gen", "unknown kind '" + std::string(argv[2]) + "' (known: dp02)");
  }
  auto args = ParseArgs(argc, argv, 3,
                        {{"out", true},
                         {"objects", true},
                         {"epochs", true},
                         {"seed", true},
                         {"format", true},
                         {"rows-per-file", true}});
  if (!args.ok()) return UsageError("gen", args.status().message());
  if (!args->flags.count("out")) return UsageError("gen", "--out DIR is required");
  if (!args->flags.count("objects")) return UsageError("gen", "--objects N is required");
  if (!args->positional.empty()) return UsageError("gen", "unexpected " + args->positional[0]);
  GenOptions options;
  options.out_dir = args->flags["out"];
  auto objects = IntFlag(*args, "objects", 0);
  auto epochs = IntFlag(*args, "epochs", options.epochs);
  auto seed = IntFlag(*args, "seed", static_cast<int64_t>(options.seed));
  auto per_file = IntFlag(*args, "rows-per-file", options.rows_per_file);
  for (const auto* r : {&objects, &epochs, &seed, &per_file}) {
    if (!r->ok()) return UsageError("gen", r->status().message());
  }
  options.objects = *objects;
  options.epochs = static_cast<int>(*epochs);
  options.seed = static_cast<uint64_t>(*seed);
  options.rows_per_file = *per_file;
  if (args->flags.count("format")) options.format = args->flags["format"];
  Status s = GenerateDp02(options, &std::cerr);
  if (!s.ok()) return Fail(s);
  return 0;
}

}  // namespace

int RunCommand(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "load") return Load(argc, argv);
  if (cmd == "releases") return Releases(argc, argv);
  if (cmd == "drop") return Drop(argc, argv);
  if (cmd == "gen") return Gen(argc, argv);
  if (cmd == "parse") return ParseCommand(argc, argv);
  if (cmd == "query") return QueryCommand(argc, argv);
  if (cmd == "serve") return ServeCommand(argc, argv);
  std::cerr << "skyshard: unknown command '" << cmd << "'\n\n" << kUsage;
  return 2;
}

}  // namespace skyshard
