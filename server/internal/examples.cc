#include "server/internal/examples.h"

#include <chrono>
#include <cstdio>
#include <optional>

#include "adql/exec/executor.h"
#include "adql/parser/parser.h"
#include "common/ascii.h"
#include "server/internal/xml_text.h"

namespace skyshard::server {
namespace {

using TableList = std::vector<std::shared_ptr<const adql::QueryTable>>;

// How long a probe query may take before the examples are built without its answer.
constexpr auto kProbeTimeout = std::chrono::seconds(5);
// The cone of the cone-search and aggregate examples, in degrees.
constexpr double kConeRadius = 0.05;
// The cross-match radius: 2 arcsec.
constexpr std::string_view kMatchRadius = "2.0/3600";

std::string Name(std::string_view name) { return adql::QuoteIdentifierIfNeeded(name); }

std::string Qualified(const adql::QueryTable& t) { return Name(t.schema) + "." + Name(t.def.name); }

const ColumnDef* FindColumn(const TableDef& def, std::string_view name) {
  if (name.empty()) return nullptr;
  for (const ColumnDef& c : def.columns) {
    if (EqualsIgnoreCase(c.name, name)) return &c;
  }
  return nullptr;
}

bool UcdHas(const ColumnDef& c, std::string_view word) {
  return AsciiLower(c.ucd).find(word) != std::string::npos;
}

bool UcdStartsWith(const ColumnDef& c, std::string_view prefix) {
  return AsciiLower(c.ucd).rfind(prefix, 0) == 0;
}

// The first column satisfying `pred`, or nullptr.
template <typename Pred>
const ColumnDef* FirstColumn(const TableDef& def, Pred pred) {
  for (const ColumnDef& c : def.columns) {
    if (pred(c)) return &c;
  }
  return nullptr;
}

const adql::QueryTable* FindTable(const TableList& tables, std::string_view schema,
                                  std::string_view name) {
  // A foreign key may name its target with or without the schema.
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    schema = name.substr(0, dot);
    name = name.substr(dot + 1);
  }
  for (const auto& t : tables) {
    if (EqualsIgnoreCase(t->schema, schema) && EqualsIgnoreCase(t->def.name, name)) return t.get();
  }
  return nullptr;
}

// A release table with a position and a primary key.
struct Spatial {
  const adql::QueryTable* table = nullptr;
  const ColumnDef* id = nullptr;
  const ColumnDef* ra = nullptr;
  const ColumnDef* dec = nullptr;
};

// A child of the spatial table with a band and a flux, and the visit table its foreign key
// points to, with an observation time.
struct LightCurve {
  const adql::QueryTable* child = nullptr;
  const ColumnDef* parent_key = nullptr;  // child column holding the spatial table's key
  const ColumnDef* band = nullptr;
  const ColumnDef* flux = nullptr;
  const ColumnDef* flux_err = nullptr;  // may be null
  const adql::QueryTable* visit = nullptr;
  const ColumnDef* child_visit_key = nullptr;
  const ColumnDef* visit_key = nullptr;
  const ColumnDef* time = nullptr;
};

std::vector<Spatial> SpatialTables(const TableList& tables, const std::string& release) {
  std::vector<Spatial> out;
  for (const auto& t : tables) {
    if (t->schema != release) continue;
    Spatial s{t.get(), FindColumn(t->def, t->def.primary_key), FindColumn(t->def, t->def.ra_column),
              FindColumn(t->def, t->def.dec_column)};
    if (s.id != nullptr && s.ra != nullptr && s.dec != nullptr) out.push_back(s);
  }
  return out;
}

// The light-curve tables hanging off `spatial`, if the release has them.
std::optional<LightCurve> FindLightCurve(const TableList& tables, const Spatial& spatial) {
  for (const auto& t : tables) {
    const TableDef& def = t->def;
    if (t->schema != spatial.table->schema || def.kind != TableKind::kChild ||
        !EqualsIgnoreCase(def.parent_table, spatial.table->def.name)) {
      continue;
    }
    LightCurve lc;
    lc.child = t.get();
    lc.parent_key = FindColumn(def, def.parent_key);
    lc.band = FirstColumn(def, [](const ColumnDef& c) {
      return EqualsIgnoreCase(c.name, "band") || UcdHas(c, "instr.filter") ||
             UcdHas(c, "instr.bandpass");
    });
    lc.flux = FirstColumn(def, [](const ColumnDef& c) { return UcdStartsWith(c, "phot.flux"); });
    lc.flux_err = FirstColumn(
        def, [](const ColumnDef& c) { return UcdStartsWith(c, "stat.error;phot.flux"); });
    if (lc.parent_key == nullptr || lc.band == nullptr || lc.flux == nullptr) continue;
    for (const ForeignKeyDef& fk : def.foreign_keys) {
      if (fk.columns.size() != 1 || fk.target_columns.size() != 1) continue;
      const adql::QueryTable* target = FindTable(tables, t->schema, fk.target_table);
      if (target == nullptr || target == spatial.table) continue;
      const ColumnDef* time = FirstColumn(target->def, [](const ColumnDef& c) {
        return c.type.type == DataType::kDouble && UcdStartsWith(c, "time.epoch");
      });
      const ColumnDef* from = FindColumn(def, fk.columns[0]);
      const ColumnDef* to = FindColumn(target->def, fk.target_columns[0]);
      if (time == nullptr || from == nullptr || to == nullptr) continue;
      lc.visit = target;
      lc.child_visit_key = from;
      lc.visit_key = to;
      lc.time = time;
      return lc;
    }
  }
  return std::nullopt;
}

// Keeps the first row of a result as ADQL literals.
class FirstRowSink final : public adql::RowSink {
 public:
  Status Begin(const std::vector<adql::plan::OutputColumn>& /*columns*/) override {
    return Status::OK();
  }
  Status Write(const ColumnBatch& batch) override {
    if (!values_.empty() || batch.num_rows == 0) return Status::OK();
    for (const ColumnVector& v : batch.columns) {
      if (v.IsNull(0)) {
        values_.push_back("NULL");
      } else if (!v.ints.empty()) {
        values_.push_back(std::to_string(v.ints[0]));
      } else if (!v.doubles.empty()) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.4f", v.doubles[0]);
        values_.emplace_back(buf);
      } else if (!v.strings.empty()) {
        values_.push_back(v.strings[0]);
      } else {
        values_.push_back("NULL");
      }
    }
    return Status::OK();
  }
  const std::vector<std::string>& values() const { return values_; }

 private:
  std::vector<std::string> values_;
};

// The first row of `adql` as literals; empty when the query has no row.
Result<std::vector<std::string>> FirstRow(const QueryBackend& backend, std::string adql) {
  adql::QueryRequest request;
  request.adql = std::move(adql);
  request.max_rows = 1;
  request.exec.max_rows = 1;
  request.exec.threads = 1;
  request.exec.deadline = std::chrono::steady_clock::now() + kProbeTimeout;
  FirstRowSink sink;
  adql::ExecStats stats;
  adql::SyntaxErrorInfo error;
  Status status = backend.Run(request, &sink, &stats, &error);
  if (!status.ok()) return status.WithContext("building the examples: " + request.adql);
  return sink.values();
}

std::string Cone(const Spatial& s, std::string_view alias, const std::string& ra,
                 const std::string& dec, double radius) {
  const std::string prefix = alias.empty() ? "" : std::string(alias) + ".";
  char r[32];
  std::snprintf(r, sizeof(r), "%g", radius);
  return "CONTAINS(POINT('ICRS', " + prefix + Name(s.ra->name) + ", " + prefix + Name(s.dec->name) +
         "), CIRCLE('ICRS', " + ra + ", " + dec + ", " + r + ")) = 1";
}

}  // namespace

Result<std::vector<Example>> BuildExamples(const QueryBackend& backend) {
  const TableList& tables = backend.tables();
  std::vector<Example> out;
  const std::vector<Spatial> spatials = SpatialTables(tables, backend.release_schema());
  if (!spatials.empty()) {
    // The release's main catalog: "Object" when there is one (DP0.2), else the first.
    Spatial main = spatials.front();
    for (const Spatial& s : spatials) {
      if (EqualsIgnoreCase(s.table->def.name, "Object")) main = s;
    }
    const std::optional<LightCurve> lc = FindLightCurve(tables, main);
    const std::string table = Qualified(*main.table);
    const std::string id = Name(main.id->name);
    const std::string ra = Name(main.ra->name);
    const std::string dec = Name(main.dec->name);

    // An object to look at: one with measurements in the child table when there is one.
    std::string object_id;
    std::vector<std::string> position;
    if (lc.has_value()) {
      SKY_ASSIGN_OR_RETURN(std::vector<std::string> row,
                           FirstRow(backend, "SELECT TOP 1 " + Name(lc->parent_key->name) +
                                                 " FROM " + Qualified(*lc->child)));
      if (!row.empty() && row[0] != "NULL") object_id = row[0];
    }
    if (!object_id.empty()) {
      SKY_ASSIGN_OR_RETURN(
          position, FirstRow(backend, "SELECT " + ra + ", " + dec + " FROM " + table + " WHERE " +
                                          id + " = " + object_id));
    }
    if (position.size() != 2) {
      SKY_ASSIGN_OR_RETURN(position,
                           FirstRow(backend, "SELECT TOP 1 " + ra + ", " + dec + " FROM " + table));
    }
    if (position.size() != 2 || position[0] == "NULL" || position[1] == "NULL") {
      position = {"0.0", "0.0"};  // an empty table: any position is as good
    }

    char radius_text[32];
    std::snprintf(radius_text, sizeof(radius_text), "%g", kConeRadius);
    Example cone;
    cone.id = "cone";
    cone.name = "Cone search on " + main.table->def.name;
    cone.description = "The objects within " + std::string(radius_text) +
                       " degrees of (RA, Dec) = (" + position[0] + ", " + position[1] +
                       "). A cone in CONTAINS(POINT, CIRCLE) = 1 is answered from the sky index.";
    cone.query = "SELECT " + id + ", " + ra + ", " + dec + "\nFROM " + table + "\nWHERE " +
                 Cone(main, "", position[0], position[1], kConeRadius);
    cone.tables = {main.table->QualifiedName()};
    out.push_back(std::move(cone));

    // ORDER BY names result columns without a table prefix below: ADQL 2.0 allows nothing
    // else, and clients (taplint) validate examples as ADQL 2.0.
    if (lc.has_value() && !object_id.empty()) {
      const std::string c = "src", v = "vis";
      Example curve;
      curve.id = "lightcurve";
      curve.name = "Light curve of one object";
      curve.description = "Every " + lc->child->def.name + " measurement of object " + object_id +
                          " with the time of its " + lc->visit->def.name +
                          ", in time order (the DP0 light-curve join).";
      curve.query = "SELECT " + v + "." + Name(lc->time->name) + ", " + c + "." +
                    Name(lc->band->name) + ", " + c + "." + Name(lc->flux->name);
      if (lc->flux_err != nullptr) curve.query += ", " + c + "." + Name(lc->flux_err->name);
      curve.query += "\nFROM " + Qualified(*lc->child) + " AS " + c + "\nJOIN " +
                     Qualified(*lc->visit) + " AS " + v + " ON " + v + "." +
                     Name(lc->visit_key->name) + " = " + c + "." + Name(lc->child_visit_key->name) +
                     "\nWHERE " + c + "." + Name(lc->parent_key->name) + " = " + object_id +
                     "\nORDER BY " + Name(lc->time->name);
      curve.tables = {lc->child->QualifiedName(), lc->visit->QualifiedName()};
      out.push_back(std::move(curve));
    }

    Example xmatch;
    xmatch.id = "crossmatch";
    xmatch.name = "Cross-match an uploaded list with " + main.table->def.name;
    xmatch.description =
        "The " + main.table->def.name +
        " objects within 2 arcsec of each position of an uploaded table, nearest first per "
        "position, with the separation in arcsec.";
    xmatch.upload_note =
        "Upload a VOTable as TAP_UPLOAD.mylist with columns ra and dec in degrees (pyvo: "
        "uploads={'mylist': table}; TOPCAT: the upload table name mylist; HTTP: "
        "UPLOAD=mylist,param:mylist and the VOTable in the multipart part mylist).";
    xmatch.query = "SELECT m.ra, m.dec, o." + id + ", o." + ra + ", o." + dec +
                   ",\n  DISTANCE(POINT('ICRS', m.ra, m.dec), POINT('ICRS', o." + ra + ", o." +
                   dec + ")) * 3600 AS dist_arcsec\nFROM TAP_UPLOAD.mylist AS m\nJOIN " + table +
                   " AS o\n  ON 1 = CONTAINS(POINT('ICRS', o." + ra + ", o." + dec +
                   "), CIRCLE('ICRS', m.ra, m.dec, " + std::string(kMatchRadius) +
                   "))\nORDER BY ra, dec, dist_arcsec";
    xmatch.tables = {main.table->QualifiedName()};
    out.push_back(std::move(xmatch));

    if (lc.has_value()) {
      const std::string band = "s." + Name(lc->band->name);
      Example agg;
      agg.id = "bands";
      agg.name = "Measurements per band in a cone";
      agg.description = "How many " + lc->child->def.name +
                        " measurements, and their mean flux, each band has for the objects "
                        "within " +
                        std::string(radius_text) + " degrees of (" + position[0] + ", " +
                        position[1] + ").";
      agg.query = "SELECT " + band + ", COUNT(*) AS n, AVG(s." + Name(lc->flux->name) +
                  ") AS mean_flux\nFROM " + table + " AS o\nJOIN " + Qualified(*lc->child) +
                  " AS s ON s." + Name(lc->parent_key->name) + " = o." + id + "\nWHERE " +
                  Cone(main, "o", position[0], position[1], kConeRadius) + "\nGROUP BY " + band +
                  "\nORDER BY " + Name(lc->band->name);
      agg.tables = {main.table->QualifiedName(), lc->child->QualifiedName()};
      out.push_back(std::move(agg));
    }
  }

  Example schema;
  schema.id = "tables";
  schema.name = "The tables of this service";
  schema.description =
      "Every table with its description, from TAP_SCHEMA (the same metadata as /tables).";
  schema.query =
      "SELECT schema_name, table_name, description\nFROM TAP_SCHEMA.tables\n"
      "ORDER BY schema_name, table_name";
  schema.tables = {"TAP_SCHEMA.tables"};
  out.push_back(std::move(schema));
  return out;
}

std::string ExamplesXhtml(const std::vector<Example>& examples, std::string_view base_url) {
  const std::string base = XmlEscape(base_url);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out +=
      "<!DOCTYPE html>\n"
      "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
      "<head>\n<title>skyshard TAP examples</title>\n"
      "<meta http-equiv=\"Content-Type\" content=\"application/xhtml+xml; charset=utf-8\"/>\n"
      "</head>\n<body>\n<h1>Examples for the TAP service at " +
      base + "</h1>\n";
  out +=
      "<p>Each query below runs as it is: paste it into TOPCAT's TAP window (Service-provided "
      "examples), or send it to " +
      base +
      "/sync with LANG=ADQL and QUERY=... Table names are those of "
      "<a href=\"" +
      base + "/tables\">/tables</a>.</p>\n";
  out += "<div vocab=\"http://www.ivoa.net/rdf/examples#\">\n";
  for (const Example& e : examples) {
    const std::string id = XmlEscape(e.id);
    out += "<div typeof=\"example\" id=\"" + id + "\" resource=\"#" + id + "\">\n";
    out += "  <h2 property=\"name\">" + XmlEscape(e.name) + "</h2>\n";
    out += "  <p>" + XmlEscape(e.description) + "</p>\n";
    if (!e.upload_note.empty()) out += "  <p>" + XmlEscape(e.upload_note) + "</p>\n";
    if (!e.tables.empty()) {
      out += "  <p>Tables:";
      for (size_t i = 0; i < e.tables.size(); ++i) {
        out += std::string(i == 0 ? " " : ", ") + "<span property=\"table\">" +
               XmlEscape(e.tables[i]) + "</span>";
      }
      out += "</p>\n";
    }
    out +=
        "  <p>Parameters: <span property=\"generic-parameter\" typeof=\"keyval\">"
        "<span property=\"key\">LANG</span>=<span property=\"value\">ADQL</span></span></p>\n";
    out += "  <pre property=\"query\">" + XmlEscape(e.query) + "</pre>\n";
    out += "</div>\n";
  }
  out += "</div>\n</body>\n</html>\n";
  return out;
}

}  // namespace skyshard::server
