// The TAP examples document (/tap/examples, DALI 1.1 section 2.3 "DALI-examples", TAP 1.1
// section 2.6): XHTML with RDFa Lite markup that people read in a browser and clients (TOPCAT,
// pyvo, taplint) read as data. Each example is
//
//   <div typeof="example" id="cone" resource="#cone">
//     <h2 property="name">...</h2> ... <span property="table">schema.table</span> ...
//     <span property="generic-parameter" typeof="keyval">LANG=ADQL</span>
//     <pre property="query">SELECT ...</pre>
//   </div>
//
// inside one element carrying vocab="http://www.ivoa.net/rdf/examples#".
//
// The examples are generated from the catalog the service really has, so that each runs: the
// table and column names come from the QueryCatalog (the release's spatial table, its child
// table with a foreign key to a visit table, their key, position, band, flux and time columns),
// and the object and position they use come from two one-row queries run through the backend.
// Four kinds, each present when the release has what it needs: a cone search, a light curve
// (child JOIN visit table WHERE the parent key = an existing id), a cross-match of an uploaded
// table TAP_UPLOAD.mylist (ra, dec in degrees) with the spatial table, and an aggregate
// (GROUP BY band over a cone).
//
// Thread safety: pure functions over their arguments; BuildExamples may run concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/internal/query_backend.h"

namespace skyshard::server {

struct Example {
  std::string id;                   // XML id and fragment: "cone", "lightcurve", "crossmatch", ...
  std::string name;                 // one line, plain text
  std::string description;          // plain text (escaped when written)
  std::string query;                // ADQL
  std::vector<std::string> tables;  // schema.table names the query reads (TAP_UPLOAD excluded)
  std::string upload_note;          // plain text on what to upload; empty when no upload
};

// The examples for the release `backend` serves. Runs at most two one-row queries (the first
// object of the spatial table, one object with rows in its child table), each with a deadline
// of a few seconds. An empty release, or one without a spatial table, gives a list with only
// the queries it can answer (at least one on TAP_SCHEMA). Errors: those of the probe queries.
Result<std::vector<Example>> BuildExamples(const QueryBackend& backend);

// The XHTML document (well-formed XML, application/xhtml+xml) for `examples`. `base_url` is
// the TAP service's base, e.g. "http://127.0.0.1:8080/tap".
std::string ExamplesXhtml(const std::vector<Example>& examples, std::string_view base_url);

}  // namespace skyshard::server
