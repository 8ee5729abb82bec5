#include "clients/internal/cli_args.h"

#include <cerrno>
#include <cstdlib>
#include <iostream>

namespace skyshard::internal {

Result<Args> ParseArgs(int argc, char** argv, int first, const std::vector<FlagSpec>& specs) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2), value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      const FlagSpec* spec = nullptr;
      for (const auto& s : specs) {
        if (s.name == name) spec = &s;
      }
      if (spec == nullptr) {
        std::string known;
        for (const auto& s : specs) known += " --" + s.name;
        return Status::InvalidArgument("unknown option --" + name + " (options:" + known + ")");
      }
      if (spec->takes_value && !has_value) {
        if (i + 1 >= argc) return Status::InvalidArgument("option --" + name + " needs a value");
        value = argv[++i];
      } else if (!spec->takes_value && has_value) {
        return Status::InvalidArgument("option --" + name + " takes no value");
      }
      args.flags[name] = value;
      args.repeated[name].push_back(value);
    } else {
      args.positional.push_back(a);
    }
  }
  return args;
}

Result<int64_t> IntFlag(const Args& args, const std::string& name, int64_t fallback) {
  auto it = args.flags.find(name);
  if (it == args.flags.end()) return fallback;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || errno != 0) {
    return Status::InvalidArgument("option --" + name + ": '" + it->second + "' is not an integer");
  }
  return static_cast<int64_t>(v);
}

int Fail(const Status& s) {
  std::cerr << "skyshard: error: " << s.ToString() << "\n";
  return 1;
}

int UsageError(const std::string& command, const std::string& msg) {
  std::cerr << "skyshard " << command << ": " << msg << "\n(run 'skyshard " << command
            << " --help')\n";
  return 2;
}

bool WantsHelp(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

}  // namespace skyshard::internal
