// Command-line plumbing shared by the skyshard subcommands: flag parsing (--name value,
// --name=value, boolean --name, positionals), integer flags, and the error and usage exits.
//
// Thread safety: called from main's thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace skyshard::internal {

// Flags of one subcommand. A flag given several times keeps every value, in order, in
// `repeated` (for --upload NAME=FILE ...); `flags` holds the last one.
struct Args {
  std::map<std::string, std::string> flags;
  std::map<std::string, std::vector<std::string>> repeated;
  std::vector<std::string> positional;
};

struct FlagSpec {
  std::string name;
  bool takes_value;
};

// Parses argv[first..argc). Returns InvalidArgument naming an unknown option (with the list of
// known ones), a missing value, or a value given to a boolean flag.
Result<Args> ParseArgs(int argc, char** argv, int first, const std::vector<FlagSpec>& specs);

// The integer value of --name, or `fallback` when absent; InvalidArgument when not an integer.
Result<int64_t> IntFlag(const Args& args, const std::string& name, int64_t fallback);

// Prints "skyshard: error: <status>" to stderr and returns exit status 1.
int Fail(const Status& s);

// Prints a usage error for `command` to stderr and returns exit status 2.
int UsageError(const std::string& command, const std::string& msg);

// True when argv[first..argc) holds --help or -h.
bool WantsHelp(int argc, char** argv, int first);

}  // namespace skyshard::internal
