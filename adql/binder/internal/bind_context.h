// BindContext: what every part of one Bind() call shares: the catalog, the query text (for the
// caret under error messages), the function registry, the common table expressions in scope,
// and the limits that keep binding bounded on any input.
//
// Errors: every binder error is made by Error(), which formats it in the parser's layout
// ("line L, column C: ...", the query's line, a caret; adql/parser/error_format.h) and keeps
// its SyntaxErrorInfo, so that Bind() can hand the record of the error it returns to its caller.
//
// Thread safety: one context per Bind() call, used by one thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adql/ast/node.h"
#include "adql/ast/query.h"
#include "adql/binder/query_catalog.h"
#include "adql/functions/function_registry.h"
#include "adql/parser/parser.h"
#include "common/status.h"

namespace skyshard::adql::internal {

// How deep binding may recurse (expressions in expressions, subqueries, joins). The parser
// bounds the tree well below this (ParseOptions::max_tree_depth); this guards trees made by a
// program and keeps the stack bounded whatever the tree.
inline constexpr int kMaxBindDepth = 2000;

// How many times CTE bodies may be bound in all (each reference binds its CTE's query afresh,
// and a CTE may refer to earlier ones, so the count can grow fast with nesting).
inline constexpr int kMaxCteExpansions = 1000;

class BindContext {
 public:
  BindContext(const QueryCatalog& catalog, std::string_view query_text)
      : catalog_(catalog), query_text_(query_text) {}

  const QueryCatalog& catalog() const { return catalog_; }
  const FunctionRegistry& registry() const { return FunctionRegistry::Default(); }

  // A Status of `code` whose message is "line L, column C: <message>" plus the query's line and
  // a caret `width` code points wide at `position` (the position only when the text is not
  // known or the position is {0, 0}).
  Status Error(StatusCode code, ast::Position position, size_t width, const std::string& message);

  // Shorthands.
  Status NotFound(ast::Position p, size_t width, const std::string& message) {
    return Error(StatusCode::kNotFound, p, width, message);
  }
  Status Invalid(ast::Position p, size_t width, const std::string& message) {
    return Error(StatusCode::kInvalidArgument, p, width, message);
  }
  Status Unsupported(ast::Position p, size_t width, const std::string& message) {
    return Error(StatusCode::kUnsupported, p, width, message);
  }

  // The SyntaxErrorInfo of `status` when Error() made it; nullptr otherwise.
  const SyntaxErrorInfo* InfoFor(const Status& status) const;

  // ---- Recursion bound ---------------------------------------------------------------------
  // Entered at each recursive step; Exceeded() says whether this one went past kMaxBindDepth.
  class DepthGuard {
   public:
    explicit DepthGuard(BindContext* context) : context_(context) { ++context_->depth_; }
    ~DepthGuard() { --context_->depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    bool Exceeded() const { return context_->depth_ > kMaxBindDepth; }

   private:
    BindContext* context_;
  };
  Status DepthError(ast::Position position);

  // ---- Common table expressions ------------------------------------------------------------
  // The CTEs a table name may refer to, in declaration order. While a CTE's own query is bound
  // only the CTEs declared before it are visible (no recursion).
  std::vector<const ast::CommonTableExpression*>& visible_ctes() { return visible_ctes_; }
  // Counts one more binding of a CTE body; false past kMaxCteExpansions.
  bool CountCteExpansion() { return ++cte_expansions_ <= kMaxCteExpansions; }

 private:
  const QueryCatalog& catalog_;
  std::string_view query_text_;
  int depth_ = 0;
  int cte_expansions_ = 0;
  std::vector<const ast::CommonTableExpression*> visible_ctes_;
  // The records of the errors made so far (few: binding stops at the first error it returns).
  std::vector<std::pair<std::string, SyntaxErrorInfo>> errors_;
};

}  // namespace skyshard::adql::internal
