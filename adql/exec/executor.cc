#include "adql/exec/executor.h"

namespace skyshard::adql {

Status Execute(const plan::PlanNode& /*plan*/, const Store* /*store*/, RowSink* /*sink*/,
               const ExecOptions& /*options*/, ExecStats* /*stats*/) {
  return Status::Unsupported("the executor is not written yet");
}

}  // namespace skyshard::adql
