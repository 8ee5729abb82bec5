// The subcommands that live in their own files (clients/*_command(s).cc); RunCommand
// (clients/commands.h) dispatches to them. Each returns the process exit status: 0 success,
// 1 failure (printed to stderr), 2 usage error.
#pragma once

namespace skyshard::internal {

// skyshard parse [--data DIR [--release NAME]] 'ADQL'
int ParseCommand(int argc, char** argv);
// skyshard query --data DIR [--release NAME] [--format F] [--maxrec N] [--explain] ... 'ADQL'
int QueryCommand(int argc, char** argv);
// skyshard serve --data DIR [--release NAME] [--port P] [--bind ADDR] [--config FILE]
int ServeCommand(int argc, char** argv);

}  // namespace skyshard::internal
