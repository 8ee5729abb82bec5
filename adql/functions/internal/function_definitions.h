// The table of every function skyshard knows, from which FunctionRegistry::Default() is built.
// Internal to adql/functions/.
//
// Thread safety: DefaultFunctions() is a pure function (it builds a new vector on every call).
#pragma once

#include <vector>

#include "adql/functions/function_registry.h"

namespace skyshard::adql::internal {

// The ADQL 2.1 functions, then the user-defined ones, with their signatures (forms are filled in
// by the FunctionRegistry constructor). docs/functions.md lists the same table.
std::vector<FunctionInfo> DefaultFunctions();

}  // namespace skyshard::adql::internal
