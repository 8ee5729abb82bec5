#include "adql/binder/binder.h"

#include <exception>
#include <new>
#include <utility>

#include "adql/binder/internal/bind_context.h"
#include "adql/binder/internal/output_names.h"
#include "adql/binder/internal/query_binder.h"

namespace skyshard::adql {

Result<plan::PlanPtr> Bind(const ast::Query& query, const QueryCatalog& catalog,
                           const BindOptions& options, SyntaxErrorInfo* error) {
  internal::BindContext context(catalog, options.query_text);
  Result<plan::PlanPtr> bound = Status::Internal("not bound");
  // The module edge: nothing the standard library throws (bad_alloc, length_error) leaves it.
  try {
    bound = internal::BindQuery(&context, query, nullptr, 1);
  } catch (const std::bad_alloc&) {
    return Status::LimitExceeded("out of memory while binding the query");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("binder failure: ") + e.what());
  }
  if (!bound.ok()) {
    if (error != nullptr) {
      if (const SyntaxErrorInfo* info = context.InfoFor(bound.status())) *error = *info;
    }
    return bound.status();
  }
  plan::PlanPtr plan = std::move(bound).value();
  internal::MakeNamesUnique(&plan->schema);
  return plan;
}

}  // namespace skyshard::adql
