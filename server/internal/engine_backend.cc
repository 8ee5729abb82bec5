#include "server/internal/engine_backend.h"

namespace skyshard::server {

Result<std::unique_ptr<EngineBackend>> EngineBackend::Open(std::shared_ptr<const Store> store) {
  SKY_ASSIGN_OR_RETURN(std::unique_ptr<adql::QueryEngine> engine,
                       adql::QueryEngine::Open(std::move(store)));
  return std::unique_ptr<EngineBackend>(new EngineBackend(std::move(engine)));
}

}  // namespace skyshard::server
