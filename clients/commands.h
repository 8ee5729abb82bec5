// The `skyshard` command line: subcommands for operators (load, releases, drop), for making
// test data (gen) and, as the later issues land, for serving and querying.
//
// The subcommands, their flags and their output formats are a contract (scripts depend on
// them): add, never break.
//
// Thread safety: RunCommand is called once, from main.
#pragma once

namespace skyshard {

// Runs the command line `argv`; returns the process exit status: 0 success, 1 failure (the
// error was printed to stderr), 2 usage error.
int RunCommand(int argc, char** argv);

}  // namespace skyshard
