#include "adql/binder/binder.h"

namespace skyshard::adql {

Result<plan::PlanPtr> Bind(const ast::Query& /*query*/, const QueryCatalog& /*catalog*/,
                           const BindOptions& /*options*/, SyntaxErrorInfo* /*error*/) {
  return Status::Unsupported("the binder is not written yet");
}

}  // namespace skyshard::adql
