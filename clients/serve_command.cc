// `skyshard serve`: the TAP service (server/tap_server.h) over one release of a data directory.
#include <sys/resource.h>

#include <iostream>
#include <string>

#include "clients/internal/cli_args.h"
#include "clients/internal/subcommands.h"
#include "server/tap_server.h"

namespace skyshard::internal {

int ServeCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv, 2)) {
    std::cout
        << "usage: skyshard serve --data DIR [--release NAME] [--port 8080] [--bind 127.0.0.1]\n"
           "                      [--config conf/skyshard.json]\n"
           "Serves the release over TAP 1.1 at http://BIND:PORT/tap (sync, async/UWS, VOSI\n"
           "tables, capabilities, availability, examples) until SIGTERM or SIGINT. --config\n"
           "reads the service's limits and settings (keys: docs/operations.md); the flags\n"
           "override it. --release is needed only when DIR publishes several releases.\n";
    return 0;
  }
  auto args = ParseArgs(
      argc, argv, 2,
      {{"data", true}, {"release", true}, {"port", true}, {"bind", true}, {"config", true}});
  if (!args.ok()) return UsageError("serve", args.status().message());
  if (!args->positional.empty()) {
    return UsageError("serve", "unexpected argument '" + args->positional[0] + "'");
  }
  if (!args->flags.count("data")) return UsageError("serve", "--data DIR is required");
  ServerOptions options;
  if (args->flags.count("config")) {
    Status s = LoadServerConfig(args->flags["config"], &options);
    if (!s.ok()) return Fail(s);
  }
  options.data_dir = args->flags["data"];
  if (args->flags.count("release")) options.release = args->flags["release"];
  if (args->flags.count("bind")) options.bind = args->flags["bind"];
  auto port = IntFlag(*args, "port", options.port);
  if (!port.ok()) return UsageError("serve", port.status().message());
  if (*port < 0 || *port > 65535) return UsageError("serve", "--port must be in 0..65535");
  options.port = static_cast<uint16_t>(*port);
  // A served release keeps every table file of its store open, twice (storage/store.cc: a
  // handle for scans beside the cached one; 260 descriptors at 10 M x 10), beside up to
  // max_connections sockets and the async jobs' files: the soft limit on open files (1024 on
  // many systems) goes up to the hard one.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  Status s = RunServer(options);  // says where it listens on stderr
  if (!s.ok()) return Fail(s);
  return 0;
}

}  // namespace skyshard::internal
