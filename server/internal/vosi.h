// The VOSI 1.1 documents of the TAP service: capabilities (with the TAPRegExt 1.0 TableAccess
// capability), availability and the tableset (/tables, /tables/{schema.table}), all generated
// from what the service really has: the QueryCatalog's tables, the function registry's UDFs,
// the output formats of votable/, the configured limits.
//
// Thread safety: pure functions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adql/binder/query_catalog.h"
#include "common/status.h"
#include "server/tap_server.h"

namespace skyshard::server {

// /capabilities. `base_url` is the service's base, e.g. "http://127.0.0.1:8080/tap".
std::string CapabilitiesXml(std::string_view base_url, const ServerOptions& options);

// /availability.
std::string AvailabilityXml(bool available, std::string_view note);

// /tables: every table grouped by schema (in the catalog's order); with `min_detail` only
// names and descriptions (VOSI 1.1 detail=min).
std::string TablesetXml(const std::vector<std::shared_ptr<const adql::QueryTable>>& tables,
                        bool min_detail);

// /tables/{name}: one table with its columns and foreign keys. NotFound when no table is
// called `qualified_name` ("schema.table"; exact, else case-insensitive if that is unique).
Result<std::string> TableXml(const std::vector<std::shared_ptr<const adql::QueryTable>>& tables,
                             std::string_view qualified_name);

}  // namespace skyshard::server
