// Conversions between the query engine's tables and columns and VOTable: the FIELD a result
// column is written with, and the engine table (TAP_UPLOAD.<name>) an uploaded VOTable becomes.
// Shared by the TAP service and `skyshard query --upload`, so both treat a table alike.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "adql/planner/logical_plan.h"
#include "adql/query_engine.h"
#include "votable/result_writer.h"
#include "votable/votable_reader.h"

namespace skyshard::server {

// The VOTable FIELD of a result column (name, storage type, unit, UCD, utype, description,
// arraysize for strings).
FieldInfo FieldFromColumn(const adql::plan::OutputColumn& column);

// The upload table TAP_UPLOAD.<name> holding `table`'s columns (types and metadata from its
// FIELDs) and rows (moved out of `table`).
adql::UploadedTable UploadFromVOTable(const std::string& name, VOTableData table);

}  // namespace skyshard::server
