#include "adql/binder/internal/output_names.h"

#include <set>

#include "common/ascii.h"

namespace skyshard::adql::internal {

std::string GeneratedName(const ast::Expression& expression, size_t index) {
  if (expression.kind() == ast::ExpressionKind::kFunctionCall) {
    return AsciiLower(expression.As<ast::FunctionCall>().name);
  }
  return "col" + std::to_string(index + 1);
}

void MakeNamesUnique(std::vector<plan::OutputColumn>* columns) {
  std::set<std::string> used;
  for (const plan::OutputColumn& c : *columns) used.insert(AsciiLower(c.name));
  std::set<std::string> seen;
  for (plan::OutputColumn& c : *columns) {
    const std::string lower = AsciiLower(c.name);
    if (seen.insert(lower).second) continue;
    for (int k = 2;; ++k) {
      std::string candidate = c.name + "_" + std::to_string(k);
      if (used.count(AsciiLower(candidate)) == 0) {
        c.name = std::move(candidate);
        used.insert(AsciiLower(c.name));
        seen.insert(AsciiLower(c.name));
        break;
      }
    }
  }
}

}  // namespace skyshard::adql::internal
