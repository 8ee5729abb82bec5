#include "server/internal/cone_search.h"

#include <charconv>
#include <cmath>
#include <optional>

#include "adql/exec/executor.h"
#include "adql/parser/parser.h"
#include "common/ascii.h"
#include "server/internal/xml_text.h"

namespace skyshard::server {
namespace {

std::string Qualified(const adql::QueryTable& t) { return t.schema + "." + t.def.name; }

const ColumnDef* FindColumn(const TableDef& def, std::string_view name) {
  if (name.empty()) return nullptr;
  for (const ColumnDef& c : def.columns) {
    if (EqualsIgnoreCase(c.name, name)) return &c;
  }
  return nullptr;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal number as SCS clients write it ("10", "-0.5", "+1.25e-3"); nullopt otherwise.
std::optional<double> ParseDecimal(std::string_view text) {
  text = Trim(text);
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  double v = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size() ||
      !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// Reads the required decimal parameter `name`.
Result<double> RequiredDecimal(const RequestParams& params, std::string_view name,
                               std::string_view meaning) {
  SKY_ASSIGN_OR_RETURN(std::optional<std::string> text, params.GetSingle(name));
  if (!text.has_value() || Trim(*text).empty()) {
    return Status::InvalidArgument("missing " + std::string(name) + " parameter: give " +
                                   std::string(meaning) +
                                   " in decimal degrees, e.g. ?RA=180.5&DEC=-30.25&SR=0.1");
  }
  std::optional<double> v = ParseDecimal(*text);
  if (!v.has_value()) {
    return Status::InvalidArgument(std::string(name) + "='" + text->substr(0, 40) +
                                   "' is not a decimal number; give " + std::string(meaning) +
                                   " in decimal degrees");
  }
  return *v;
}

// ADQL text of a double that reads back to the same value.
std::string AdqlNumber(double v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

// Renames the SCS columns' UCDs as the result's FIELDs are declared.
class ConeFieldSink final : public adql::RowSink {
 public:
  ConeFieldSink(adql::RowSink* target, const ConeTable& table) : target_(target), table_(table) {}
  Status Begin(const std::vector<adql::plan::OutputColumn>& columns) override {
    std::vector<adql::plan::OutputColumn> marked = columns;
    for (adql::plan::OutputColumn& c : marked) {
      const ColumnDef* def = nullptr;
      if (EqualsIgnoreCase(c.name, table_.id->name)) {
        def = table_.id;
        c.ucd = "ID_MAIN";
      } else if (EqualsIgnoreCase(c.name, table_.ra->name)) {
        def = table_.ra;
        c.ucd = "POS_EQ_RA_MAIN";
      } else if (EqualsIgnoreCase(c.name, table_.dec->name)) {
        def = table_.dec;
        c.ucd = "POS_EQ_DEC_MAIN";
      }
      // The CAST of the key loses the catalog's unit and description: give them back.
      if (def != nullptr) {
        if (c.unit.empty()) c.unit = def->unit;
        if (c.description.empty()) c.description = def->description;
      }
    }
    return target_->Begin(marked);
  }
  Status Write(const ColumnBatch& batch) override { return target_->Write(batch); }

 private:
  adql::RowSink* target_;
  const ConeTable& table_;
};

}  // namespace

std::vector<ConeTable> ConeSearchTables(
    const std::vector<std::shared_ptr<const adql::QueryTable>>& tables) {
  std::vector<ConeTable> out;
  for (const auto& t : tables) {
    if (t->schema == "TAP_SCHEMA" || t->schema == "TAP_UPLOAD") continue;
    ConeTable cone;
    cone.table = t.get();
    cone.id = FindColumn(t->def, t->def.primary_key);
    cone.ra = FindColumn(t->def, t->def.ra_column);
    cone.dec = FindColumn(t->def, t->def.dec_column);
    if (cone.id != nullptr && cone.ra != nullptr && cone.dec != nullptr) out.push_back(cone);
  }
  return out;
}

std::string ConeSearchUrl(const ConeTable& table, std::string_view scs_base) {
  return std::string(scs_base) + "/" + PercentEncode(Qualified(*table.table)) + "?";
}

Result<ConeTable> FindConeTable(const std::vector<ConeTable>& tables,
                                std::string_view qualified_name, std::string_view scs_base) {
  const ConeTable* folded = nullptr;
  int folded_matches = 0;
  for (const ConeTable& t : tables) {
    const std::string name = Qualified(*t.table);
    if (name == qualified_name) return t;
    if (EqualsIgnoreCase(name, qualified_name)) {
      ++folded_matches;
      folded = &t;
    }
  }
  if (folded_matches == 1) return *folded;
  std::string message =
      "no cone-search service for table '" + std::string(qualified_name.substr(0, 200)) + "'; ";
  if (tables.empty()) {
    message += "this release has no table with position columns";
  } else {
    message += "the cone-search services are:";
    for (const ConeTable& t : tables) message += " " + ConeSearchUrl(t, scs_base);
  }
  return Status::NotFound(message);
}

Result<ConeRequest> ParseConeRequest(const RequestParams& params, double max_sr) {
  ConeRequest r;
  SKY_ASSIGN_OR_RETURN(double ra, RequiredDecimal(params, "RA", "the right ascension (ICRS)"));
  SKY_ASSIGN_OR_RETURN(r.dec, RequiredDecimal(params, "DEC", "the declination (ICRS)"));
  SKY_ASSIGN_OR_RETURN(r.sr, RequiredDecimal(params, "SR", "the search radius"));
  r.ra = std::fmod(ra, 360.0);
  if (r.ra < 0) r.ra += 360.0;
  if (r.ra >= 360.0) r.ra = 0;
  if (r.dec < -90.0 || r.dec > 90.0) {
    return Status::InvalidArgument("DEC=" + AdqlNumber(r.dec) +
                                   " is out of range: the declination must be in [-90, 90]");
  }
  if (r.sr < 0) {
    return Status::InvalidArgument("SR=" + AdqlNumber(r.sr) +
                                   " is negative: the search radius must be >= 0 degrees");
  }
  if (r.sr > max_sr) {
    return Status::InvalidArgument(
        "SR=" + AdqlNumber(r.sr) + " is larger than this service's maximum search radius of " +
        AdqlNumber(max_sr) + " degrees; use TAP (/tap) for larger regions");
  }
  SKY_ASSIGN_OR_RETURN(std::optional<std::string> verb, params.GetSingle("VERB"));
  if (verb.has_value() && !Trim(*verb).empty()) {
    const std::string_view v = Trim(*verb);
    if (v != "1" && v != "2" && v != "3") {
      return Status::InvalidArgument("VERB='" + verb->substr(0, 40) +
                                     "' is not supported: use VERB=1 (key and position), 2 "
                                     "(principal columns, the default) or 3 (all columns)");
    }
    r.verb = v[0] - '0';
  }
  return r;
}

std::string ConeSearchAdql(const ConeTable& table, const ConeRequest& request) {
  const TableDef& def = table.table->def;
  const std::string id = adql::QuoteIdentifierIfNeeded(table.id->name);
  const std::string ra = adql::QuoteIdentifierIfNeeded(table.ra->name);
  const std::string dec = adql::QuoteIdentifierIfNeeded(table.dec->name);
  std::string q = "SELECT ";
  // SCS requires ID_MAIN to be a character array.
  if (table.id->type.type == DataType::kChar || table.id->type.type == DataType::kVarChar) {
    q += id;
  } else {
    q += "CAST(" + id + " AS VARCHAR) AS " + id;
  }
  q += ", " + ra + ", " + dec;
  if (request.verb >= 2) {
    bool any_principal = false;
    for (const ColumnDef& c : def.columns) any_principal = any_principal || c.principal;
    for (const ColumnDef& c : def.columns) {
      if (&c == table.id || &c == table.ra || &c == table.dec) continue;
      if (request.verb == 2 && any_principal && !c.principal) continue;
      q += ", " + adql::QuoteIdentifierIfNeeded(c.name);
    }
  }
  q += "\nFROM " + adql::QuoteIdentifierIfNeeded(table.table->schema) + "." +
       adql::QuoteIdentifierIfNeeded(def.name) + "\nWHERE ";
  if (request.sr <= 0) {
    q += "1 = 0";  // SR=0: the metadata only
  } else {
    q += "CONTAINS(POINT('ICRS', " + ra + ", " + dec + "), CIRCLE('ICRS', " +
         AdqlNumber(request.ra) + ", " + AdqlNumber(request.dec) + ", " + AdqlNumber(request.sr) +
         ")) = 1";
  }
  return q;
}

std::string ConeErrorDocument(std::string_view message) {
  // SCS 1.03 prefers INFO name="Error" under VOTABLE; the RESOURCE with QUERY_STATUS=ERROR is
  // there because the VOTable schema requires a RESOURCE and DALI clients read that INFO.
  const std::string text = XmlEscape(message);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out +=
      "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n";
  out += "  <DESCRIPTION>skyshard Simple Cone Search</DESCRIPTION>\n";
  out += "  <INFO ID=\"Error\" name=\"Error\" value=\"" + text + "\"/>\n";
  out += "  <RESOURCE type=\"results\">\n";
  out += "    <INFO name=\"QUERY_STATUS\" value=\"ERROR\">" + text + "</INFO>\n";
  out += "  </RESOURCE>\n</VOTABLE>\n";
  return out;
}

std::string ConeSearchIndex(const std::vector<ConeTable>& tables, std::string_view scs_base) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out +=
      "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>skyshard Simple Cone "
      "Search</title></head><body>\n<h1>Simple Cone Search 1.03</h1>\n";
  if (tables.empty()) {
    out += "<p>This release has no table with position columns.</p>\n";
  } else {
    out +=
        "<p>One service per table with a position. Append RA, DEC and SR in decimal degrees "
        "(ICRS) and optionally VERB=1|2|3; SR is at most " +
        AdqlNumber(kMaxConeSearchRadiusDeg) + " degrees.</p>\n<ul>\n";
    for (const ConeTable& t : tables) {
      const std::string url = XmlEscape(ConeSearchUrl(t, scs_base));
      out += "<li><a href=\"" + url + "RA=" + AdqlNumber(0) + "&amp;DEC=" + AdqlNumber(0) +
             "&amp;SR=" + AdqlNumber(0) + "\">" + url + "</a> (" + XmlEscape(Qualified(*t.table)) +
             ")</li>\n";
    }
    out += "</ul>\n";
  }
  out += "</body></html>\n";
  return out;
}

Status ConeSearchBackend::Run(const adql::QueryRequest& request, adql::RowSink* sink,
                              adql::ExecStats* stats, adql::SyntaxErrorInfo* error) const {
  ConeFieldSink marked(sink, table_);
  return base_->Run(request, &marked, stats, error);
}

}  // namespace skyshard::server
