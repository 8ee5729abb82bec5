// The parse cache's contract, checked on one query (used over the ADQL corpora by corpus_test.cc
// and grammar_test.cc): a tree the cache serves for a query is the tree the parser builds from
// that query, whichever query of the same shape the template came from.
#pragma once

#include <string>
#include <string_view>

#include "adql/ast/equality.h"
#include "adql/ast/printer.h"
#include "adql/parse_cache.h"
#include "adql/parser/parser.h"
#include "adql/parser/query_shape.h"

namespace skyshard::adql::testing {

// `adql` with every literal replaced by another value of the same kind.
inline std::string OtherLiterals(std::string_view adql, const QueryShape& shape) {
  std::string out;
  size_t at = 0;
  for (const ShapeLiteral& l : shape.literals) {
    out.append(adql.substr(at, l.offset - at));
    switch (l.kind) {
      case ast::LiteralKind::kInteger:
        out += l.text == "7" ? "8" : "7";
        break;
      case ast::LiteralKind::kHexInteger:
        out += l.text == "0x7F" ? "0x1" : "0x7F";
        break;
      case ast::LiteralKind::kExactDecimal:
        out += l.text == "7.25" ? "0.5" : "7.25";
        break;
      case ast::LiteralKind::kApproximate:
        out += l.text == "7.5E1" ? "1e-3" : "7.5E1";
        break;
      default:
        out += l.text == "x'y" ? "'z'" : "'x''y'";
        break;
    }
    at = l.offset + l.length;
  }
  out.append(adql.substr(at));
  return out;
}

enum class CacheCheck { kChecked, kNotCacheable, kVariantInvalid };

// Serves `second` from a template made from `first` and compares it with a fresh parse of
// `second`. Returns "" when they agree (or the check does not apply, said by *outcome).
inline std::string CompareServed(std::string_view first, std::string_view second,
                                 const ParseOptions& options, CacheCheck* outcome) {
  ParseCache cache;
  {
    auto tmpl = cache.Parse(first, options);
    if (!tmpl.ok()) {
      *outcome = CacheCheck::kVariantInvalid;
      return "";
    }
  }
  const uint64_t hits = cache.stats().hits;
  auto served = cache.Parse(second, options);
  auto fresh = Parse(second, options);
  if (served.ok() != fresh.ok()) {
    return "the cache " + std::string(served.ok() ? "accepts" : "refuses") + " what the parser " +
           (fresh.ok() ? "accepts" : "refuses");
  }
  if (!fresh.ok()) {
    *outcome = CacheCheck::kVariantInvalid;
    return "";
  }
  if (cache.stats().hits == hits) {
    *outcome = CacheCheck::kNotCacheable;
    return "";
  }
  if (!ast::Equal(served->query(), *fresh->query)) {
    return "served from the template of\n  " + std::string(first) + "\nas\n  " +
           ast::ToAdql(served->query()) + "\nbut it parses as\n  " + ast::ToAdql(*fresh->query);
  }
  *outcome = CacheCheck::kChecked;
  return "";
}

// Both ways: `adql` from a template of its variant, and the variant from one of `adql`.
inline std::string CheckParseCache(std::string_view adql, const ParseOptions& options,
                                   CacheCheck* outcome) {
  *outcome = CacheCheck::kNotCacheable;
  auto shape = ShapeOf(adql);
  if (!shape.has_value() || shape->literals.empty()) return "";
  const std::string variant = OtherLiterals(adql, *shape);
  auto variant_shape = ShapeOf(variant);
  if (!variant_shape.has_value() || variant_shape->key != shape->key) {
    return "its variant has another shape: " + variant;
  }
  std::string problem = CompareServed(variant, adql, options, outcome);
  if (!problem.empty() || *outcome != CacheCheck::kChecked) return problem;
  return CompareServed(adql, variant, options, outcome);
}

}  // namespace skyshard::adql::testing
