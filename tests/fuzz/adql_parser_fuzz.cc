// libFuzzer target for the ADQL parser, binder and planner (adql/parser/parser.h,
// adql/binder/binder.h, adql/planner/planner.h). Feeds arbitrary bytes to adql::Parse with the
// default options: no input may crash, hang or exhaust memory (the sanitizers and libFuzzer's
// -timeout / -rss_limit_mb catch those). When the parse succeeds it checks the printer's
// contract (adql/ast/printer.h): ToAdql(tree) parses again into an equal tree (ast::Equal), and
// printing is a fixed point; then it binds the tree against a small DP0.2-like catalog (plus the
// generic table names the corpora use) and optimises the plan: an error is fine, a crash or an
// Internal error is not. A broken contract aborts with the texts on stderr, so libFuzzer saves
// the input as a crash.
//
// Run by scripts/fuzz.sh; built only with -DSKYSHARD_FUZZ=ON and clang.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "adql/ast/equality.h"
#include "adql/ast/printer.h"
#include "adql/binder/binder.h"
#include "adql/parser/parser.h"
#include "adql/planner/planner.h"
#include "storage/catalog.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view input, const std::string& printed,
                       const std::string& detail) {
  std::fprintf(stderr, "adql_parser_fuzz: %s\n--- input\n%.*s\n--- printed\n%s\n--- detail\n%s\n",
               what, static_cast<int>(input.size()), input.data(), printed.c_str(), detail.c_str());
  std::abort();
}

skyshard::TableDef Table(const char* name, skyshard::TableKind kind, uint32_t id,
                         std::initializer_list<std::pair<const char*, skyshard::DataType>> cols) {
  skyshard::TableDef t;
  t.name = name;
  t.kind = kind;
  t.id = id;
  for (const auto& [col, type] : cols) {
    skyshard::ColumnDef c;
    c.name = col;
    c.type.type = type;
    t.columns.push_back(c);
  }
  return t;
}

// The catalog every fuzz input binds against: the DP0.2 tables' keys and positions, and the
// names the parser corpora use most.
const skyshard::adql::QueryCatalog& FuzzCatalog() {
  static const skyshard::adql::QueryCatalog* catalog = [] {
    using skyshard::DataType;
    using skyshard::TableKind;
    skyshard::Catalog c;
    c.release = "dp02_dc2_catalogs";
    auto object = Table("Object", TableKind::kSpatial, 1,
                        {{"objectId", DataType::kBigInt},
                         {"coord_ra", DataType::kDouble},
                         {"coord_dec", DataType::kDouble},
                         {"g_psfFlux", DataType::kDouble},
                         {"detect_isPrimary", DataType::kBoolean},
                         {"ra", DataType::kDouble},
                         {"dec", DataType::kDouble}});
    object.primary_key = "objectId";
    object.ra_column = "coord_ra";
    object.dec_column = "coord_dec";
    object.key_index = true;
    auto forced = Table("ForcedSource", TableKind::kChild, 2,
                        {{"forcedSourceId", DataType::kBigInt},
                         {"objectId", DataType::kBigInt},
                         {"ccdVisitId", DataType::kBigInt},
                         {"band", DataType::kVarChar},
                         {"psfFlux", DataType::kDouble}});
    forced.primary_key = "forcedSourceId";
    forced.parent_table = "Object";
    forced.parent_key = "objectId";
    auto visit = Table("CcdVisit", TableKind::kPlain, 3,
                       {{"ccdVisitId", DataType::kBigInt},
                        {"expMidptMJD", DataType::kDouble},
                        {"band", DataType::kVarChar},
                        {"obsStart", DataType::kTimestamp}});
    visit.primary_key = "ccdVisitId";
    auto generic = Table("t", TableKind::kPlain, 4,
                         {{"a", DataType::kInteger},
                          {"b", DataType::kDouble},
                          {"c", DataType::kVarChar},
                          {"ra", DataType::kDouble},
                          {"dec", DataType::kDouble},
                          {"id", DataType::kBigInt}});
    auto mytable = Table("mytable", TableKind::kPlain, 5,
                         {{"col1", DataType::kInteger},
                          {"col2", DataType::kVarChar},
                          {"ra", DataType::kDouble},
                          {"dec", DataType::kDouble}});
    c.tables = {object, forced, visit, generic, mytable};
    auto built = skyshard::adql::QueryCatalog::FromStore(c);
    if (!built.ok()) std::abort();
    return new skyshard::adql::QueryCatalog(std::move(*built));
  }();
  return *catalog;
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

  adql::BindOptions bind_options;
  bind_options.query_text = input;
  auto plan = adql::Bind(*first->query, FuzzCatalog(), bind_options);
  if (!plan.ok()) {
    if (plan.status().code() == skyshard::StatusCode::kInternal) {
      Fail("the binder failed internally", input, printed, plan.status().ToString());
    }
    return 0;
  }
  auto optimised = adql::Optimize(std::move(*plan));
  if (!optimised.ok()) {
    Fail("the planner failed", input, printed, optimised.status().ToString());
  }
  return 0;
}
