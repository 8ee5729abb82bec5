// libFuzzer target for the ADQL parser (adql/parser/parser.h). Feeds arbitrary bytes to
// adql::Parse with the default options: no input may crash, hang or exhaust memory (the
// sanitizers and libFuzzer's -timeout / -rss_limit_mb catch those). When the parse succeeds it
// checks the printer's contract (adql/ast/printer.h): ToAdql(tree) parses again into an equal
// tree (ast::Equal), and printing is a fixed point. A broken contract aborts with the texts on
// stderr, so libFuzzer saves the input as a crash.
//
// Run by scripts/fuzz.sh; built only with -DSKYSHARD_FUZZ=ON and clang.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adql/ast/equality.h"
#include "adql/ast/printer.h"
#include "adql/parser/parser.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view input, const std::string& printed,
                       const std::string& detail) {
  std::fprintf(stderr, "adql_parser_fuzz: %s\n--- input\n%.*s\n--- printed\n%s\n--- detail\n%s\n",
               what, static_cast<int>(input.size()), input.data(), printed.c_str(), detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace adql = skyshard::adql;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto first = adql::Parse(input);
  if (!first.ok()) return 0;

  const std::string printed = adql::ast::ToAdql(*first->query);
  // The printed text may be longer or nest its parentheses differently from the input, so it is
  // read back with the widest limits the parser allows; the tree itself is the same depth.
  adql::ParseOptions wide;
  wide.max_query_bytes = size_t{1} << 30;
  wide.max_nesting_depth = 1000;
  auto second = adql::Parse(printed, wide);
  if (!second.ok()) Fail("printed text does not parse", input, printed, second.status().ToString());
  if (!adql::ast::Equal(*first->query, *second->query)) {
    Fail("printed text parses to a different tree", input, printed,
         adql::ast::ToAdql(*second->query));
  }
  const std::string reprinted = adql::ast::ToAdql(*second->query);
  if (reprinted != printed) Fail("printing is not a fixed point", input, printed, reprinted);
  return 0;
}
