// Simple Cone Search 1.03 (IVOA REC 2008-02-22) over the release's spatial tables:
//
//   GET /scs/{schema}.{table}?RA=deg&DEC=deg&SR=deg[&VERB=1|2|3]
//
// One service per table that has position columns (TableDef::ra_column/dec_column, the tables
// the planner can answer a cone on from the HEALPix index) and a primary key. A request becomes
// the ADQL query
//
//   SELECT CAST(objectId AS VARCHAR) AS objectId, coord_ra, coord_dec[, ...]
//   FROM dp02_dc2_catalogs.Object
//   WHERE CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', RA, DEC, SR)) = 1
//
// run through the same path as TAP /sync (RunTapQuery: streamed, the default MAXREC and the
// hard limit apply) and written as a VOTable TABLEDATA document whose FIELDs carry the UCD1
// names SCS 1.03 section 2 requires: ID_MAIN on the primary key (a character array, hence the
// CAST), POS_EQ_RA_MAIN and POS_EQ_DEC_MAIN on the position (doubles). VERB=1 gives those three
// columns, VERB=2 (the default) adds the table's principal columns, VERB=3 every column.
// SR=0 answers the metadata with no rows. Errors (a missing or unparsable RA, DEC or SR, DEC
// outside [-90, 90], SR negative or above kMaxConeSearchRadiusDeg, a bad VERB) are answered
// as the standard says: HTTP 200 and a VOTable holding INFO name="Error" as a child of VOTABLE.
//
// Thread safety: pure functions; ConeSearchBackend is as thread-safe as the backend it wraps.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adql/binder/query_catalog.h"
#include "common/status.h"
#include "server/internal/query_backend.h"
#include "server/internal/request_params.h"

namespace skyshard::server {

// The largest SR accepted (the MaxSR of the SCS resource profile), in degrees.
constexpr double kMaxConeSearchRadiusDeg = 10.0;

// A table with a cone-search service. Pointers into the backend's catalog.
struct ConeTable {
  const adql::QueryTable* table = nullptr;
  const ColumnDef* id = nullptr;   // the primary key
  const ColumnDef* ra = nullptr;   // degrees, ICRS
  const ColumnDef* dec = nullptr;  // degrees, ICRS
};

// Every release table that can be cone-searched, in catalog order (TAP_SCHEMA and uploads
// never are).
std::vector<ConeTable> ConeSearchTables(
    const std::vector<std::shared_ptr<const adql::QueryTable>>& tables);

// The cone-search table called `qualified_name` ("schema.table": exact, else case-insensitive
// if that is unique). NotFound naming the cone-search URLs there are (under `scs_base`, e.g.
// "http://host:8080/scs") otherwise.
Result<ConeTable> FindConeTable(const std::vector<ConeTable>& tables,
                                std::string_view qualified_name, std::string_view scs_base);

// The URL of `table`'s service, the base URL SCS clients are given ("...?" included).
std::string ConeSearchUrl(const ConeTable& table, std::string_view scs_base);

struct ConeRequest {
  double ra = 0;   // degrees, normalised into [0, 360)
  double dec = 0;  // degrees
  double sr = 0;   // degrees
  int verb = 2;
};

// Reads RA, DEC, SR and VERB (names case-insensitive; other parameters ignored, as SCS says).
// InvalidArgument naming the parameter, the value received and what is expected: RA, DEC or
// SR missing, given twice, or not a finite decimal number; DEC outside [-90, 90]; SR negative
// or above `max_sr`; VERB not 1, 2 or 3.
Result<ConeRequest> ParseConeRequest(const RequestParams& params, double max_sr);

// The ADQL query for `request` on `table`, as in the file comment. With SR=0 it selects no
// rows (WHERE 1 = 0) so that the answer is the metadata only.
std::string ConeSearchAdql(const ConeTable& table, const ConeRequest& request);

// The SCS error document: a VOTable whose only content is
// <INFO name="Error" value="message"/> (a direct child of VOTABLE, as SCS 1.03 prefers).
std::string ConeErrorDocument(std::string_view message);

// A short XHTML page listing the cone-search URLs (what /scs answers).
std::string ConeSearchIndex(const std::vector<ConeTable>& tables, std::string_view scs_base);

// A QueryBackend that runs queries on `base` and gives the result FIELDs of `table`'s key and
// position columns the SCS UCDs (ID_MAIN, POS_EQ_RA_MAIN, POS_EQ_DEC_MAIN), with the units and
// descriptions of the catalog. `base` and `table` must outlive it.
class ConeSearchBackend final : public QueryBackend {
 public:
  ConeSearchBackend(const QueryBackend* base, const ConeTable& table)
      : base_(base), table_(table) {}

  const std::vector<std::shared_ptr<const adql::QueryTable>>& tables() const override {
    return base_->tables();
  }
  std::string release_schema() const override { return base_->release_schema(); }
  Status Run(const adql::QueryRequest& request, adql::RowSink* sink, adql::ExecStats* stats,
             adql::SyntaxErrorInfo* error) const override;

 private:
  const QueryBackend* base_;
  ConeTable table_;
};

}  // namespace skyshard::server
