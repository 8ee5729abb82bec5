#include "server/internal/vosi.h"

#include <algorithm>
#include <map>
#include <set>

#include "adql/functions/function_registry.h"
#include "adql/parser/parser.h"
#include "common/ascii.h"
#include "server/internal/xml_text.h"

namespace skyshard::server {
namespace {

constexpr std::string_view kXmlDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::string_view kTapRegExt = "ivo://ivoa.net/std/TAPRegExt#";

std::string Qualified(const adql::QueryTable& t) { return t.schema + "." + t.def.name; }

void Element(std::string* out, std::string_view indent, std::string_view name,
             std::string_view text) {
  if (text.empty()) return;
  out->append(indent).append("<").append(name).append(">");
  AppendXml(text, out);
  out->append("</").append(name).append(">\n");
}

void AppendColumn(const ColumnDef& c, bool primary, bool indexed, std::string* out) {
  out->append("      <column>\n");
  Element(out, "        ", "name", adql::QuoteIdentifierIfNeeded(c.name));
  Element(out, "        ", "description", c.description);
  Element(out, "        ", "unit", c.unit);
  Element(out, "        ", "ucd", c.ucd);
  const VOTableType vt = VOTableTypeOf(c.type, c.arraysize);
  out->append("        <dataType xsi:type=\"vs:VOTableType\"");
  if (!vt.arraysize.empty())
    out->append(" arraysize=\"").append(XmlEscape(vt.arraysize)).append("\"");
  if (!vt.xtype.empty()) out->append(" extendedType=\"").append(XmlEscape(vt.xtype)).append("\"");
  out->append(">").append(vt.datatype).append("</dataType>\n");
  if (indexed) out->append("        <flag>indexed</flag>\n");
  if (primary) out->append("        <flag>primary</flag>\n");
  out->append("      </column>\n");
}

void AppendTable(const adql::QueryTable& t, bool min_detail, bool root, std::string* out) {
  if (root) {
    out->append(kXmlDecl);
    out->append(
        "<vosi:table xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\" "
        "xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" type=\"output\">\n");
  } else {
    out->append("    <table type=\"output\">\n");
  }
  Element(out, "      ", "name", Qualified(t));
  Element(out, "      ", "description", t.def.description);
  if (!min_detail) {
    std::vector<const ColumnDef*> columns;
    for (const ColumnDef& c : t.def.columns) columns.push_back(&c);
    for (const ColumnDef* c : columns) {
      const bool primary =
          !t.def.primary_key.empty() && EqualsIgnoreCase(c->name, t.def.primary_key);
      // As TAP_SCHEMA.columns.indexed says: the key and the position columns are indexed too.
      const bool indexed =
          c->indexed || primary ||
          (!t.def.ra_column.empty() && EqualsIgnoreCase(c->name, t.def.ra_column)) ||
          (!t.def.dec_column.empty() && EqualsIgnoreCase(c->name, t.def.dec_column));
      AppendColumn(*c, primary, indexed, out);
    }
    for (const ForeignKeyDef& fk : t.def.foreign_keys) {
      out->append("      <foreignKey>\n");
      const std::string target = fk.target_table.find('.') == std::string::npos
                                     ? t.schema + "." + fk.target_table
                                     : fk.target_table;
      Element(out, "        ", "targetTable", target);
      for (size_t i = 0; i < fk.columns.size() && i < fk.target_columns.size(); ++i) {
        out->append("        <fkColumn>\n");
        Element(out, "          ", "fromColumn", fk.columns[i]);
        Element(out, "          ", "targetColumn", fk.target_columns[i]);
        out->append("        </fkColumn>\n");
      }
      Element(out, "        ", "description", fk.description);
      out->append("      </foreignKey>\n");
    }
  }
  out->append(root ? "</vosi:table>\n" : "    </table>\n");
}

void Feature(std::string* out, std::string_view form, std::string_view description) {
  out->append("        <feature>\n");
  Element(out, "          ", "form", form);
  Element(out, "          ", "description", description);
  out->append("        </feature>\n");
}

}  // namespace

std::string CapabilitiesXml(std::string_view base_url, const ServerOptions& options) {
  const std::string base = XmlEscape(base_url);
  std::string out(kXmlDecl);
  out +=
      "<vosi:capabilities xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\"\n"
      "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
      "    xmlns:vr=\"http://www.ivoa.net/xml/VOResource/v1.0\"\n"
      "    xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\"\n"
      "    xmlns:tr=\"http://www.ivoa.net/xml/TAPRegExt/v1.0\">\n";
  out += "  <capability standardID=\"ivo://ivoa.net/std/TAP\" xsi:type=\"tr:TableAccess\">\n";
  out += "    <interface xsi:type=\"vs:ParamHTTP\" role=\"std\" version=\"1.1\">\n";
  out += "      <accessURL use=\"base\">" + base + "</accessURL>\n";
  out += "    </interface>\n";

  // The language, its versions and every optional feature and UDF the engine accepts.
  out += "    <language>\n      <name>ADQL</name>\n";
  out += "      <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.0\">2.0</version>\n";
  out += "      <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.1\">2.1</version>\n";
  out += "      <description>ADQL 2.1 (ADQL 2.0 queries are accepted too)</description>\n";
  const adql::FunctionRegistry& registry = adql::FunctionRegistry::Default();
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> features;
  std::vector<std::string> order;
  auto add = [&](std::string_view type, std::string form, std::string description) {
    std::string key(type);
    if (features.find(key) == features.end()) order.push_back(key);
    auto& list = features[key];
    for (const auto& [f, d] : list) {
      if (f == form) return;
    }
    list.emplace_back(std::move(form), std::move(description));
  };
  for (const adql::FunctionInfo* f : registry.UserDefined()) {
    for (const adql::Signature& s : f->signatures) {
      add(std::string(kTapRegExt) + "features-udf", s.form, f->description);
    }
  }
  for (const adql::FunctionInfo& f : registry.All()) {
    if (f.origin != adql::FunctionOrigin::kAdql || f.feature_type.empty() || !f.evaluable) continue;
    // ADQL 2.1's features-adql-conditional (COALESCE) is left out: the validators and clients
    // of Debian 12 (STILTS 3.4.7: taplint, TOPCAT) reject the key as unknown, an error in every
    // capabilities check. COALESCE works all the same (docs/functions.md).
    if (f.feature_type == std::string(kTapRegExt) + "features-adql-conditional") continue;
    add(f.feature_type, f.name, "");
  }
  // Syntax features the parser accepts (docs/adql.md).
  add(std::string(kTapRegExt) + "features-adql-string", "ILIKE", "");
  for (const char* set_op : {"UNION", "EXCEPT", "INTERSECT"}) {
    add(std::string(kTapRegExt) + "features-adql-sets", set_op, "");
  }
  add(std::string(kTapRegExt) + "features-adql-common-table", "WITH", "");
  add(std::string(kTapRegExt) + "features-adql-type", "CAST", "");
  add(std::string(kTapRegExt) + "features-adql-offset", "OFFSET", "");
  for (const std::string& type : order) {
    out += "      <languageFeatures type=\"" + XmlEscape(type) + "\">\n";
    for (const auto& [form, description] : features[type]) Feature(&out, form, description);
    out += "      </languageFeatures>\n";
  }
  out += "    </language>\n";

  struct Format {
    const char* ivo_id;
    const char* mime;
    std::vector<const char*> aliases;
  };
  const Format formats[] = {
      {"output-votable-binary2",
       "application/x-votable+xml;serialization=BINARY2",
       {"votable", "votable/b2"}},
      {"output-votable-binary", "application/x-votable+xml;serialization=BINARY", {"votable/b"}},
      {"output-votable-td", "application/x-votable+xml;serialization=TABLEDATA", {"votable/td"}},
      {nullptr, "text/csv;header=present", {"csv"}},
      {nullptr, "text/tab-separated-values", {"tsv"}},
      {nullptr, "application/fits", {"fits"}},
  };
  for (const Format& f : formats) {
    out += "    <outputFormat";
    if (f.ivo_id != nullptr) out += " ivo-id=\"" + std::string(kTapRegExt) + f.ivo_id + "\"";
    out += ">\n      <mime>" + XmlEscape(f.mime) + "</mime>\n";
    for (const char* a : f.aliases) out += "      <alias>" + std::string(a) + "</alias>\n";
    out += "    </outputFormat>\n";
  }
  for (const char* method : {"upload-inline", "upload-http", "upload-https"}) {
    out += "    <uploadMethod ivo-id=\"" + std::string(kTapRegExt) + method + "\"/>\n";
  }
  out += "    <retentionPeriod>\n      <default>" + std::to_string(options.destruction_period_s) +
         "</default>\n      <hard>" +
         std::to_string(std::max(options.max_destruction_period_s, options.destruction_period_s)) +
         "</hard>\n    </retentionPeriod>\n";
  out += "    <executionDuration>\n      <default>" +
         std::to_string(options.async_execution_duration_s) + "</default>\n";
  if (options.async_max_execution_duration_s > 0) {
    out += "      <hard>" + std::to_string(options.async_max_execution_duration_s) + "</hard>\n";
  }
  out += "    </executionDuration>\n";
  out += "    <outputLimit>\n      <default unit=\"row\">" +
         std::to_string(options.default_row_limit) + "</default>\n      <hard unit=\"row\">" +
         std::to_string(options.hard_row_limit) + "</hard>\n    </outputLimit>\n";
  out += "    <uploadLimit>\n      <hard unit=\"byte\">" +
         std::to_string(options.max_upload_bytes) + "</hard>\n    </uploadLimit>\n";
  out += "  </capability>\n";

  auto vosi = [&](std::string_view id, std::string_view path, std::string_view version,
                  std::string_view use) {
    out += "  <capability standardID=\"" + std::string(id) + "\">\n";
    out += "    <interface xsi:type=\"vs:ParamHTTP\" role=\"std\"";
    if (!version.empty()) out += " version=\"" + std::string(version) + "\"";
    out += ">\n      <accessURL use=\"" + std::string(use) + "\">" + base + std::string(path) +
           "</accessURL>\n    </interface>\n  </capability>\n";
  };
  vosi("ivo://ivoa.net/std/VOSI#capabilities", "/capabilities", "1.0", "full");
  vosi("ivo://ivoa.net/std/VOSI#availability", "/availability", "1.0", "full");
  vosi("ivo://ivoa.net/std/VOSI#tables-1.1", "/tables", "1.1", "base");
  // DALI 1.1 section 2.3: the examples document, an XHTML page (hence vr:WebBrowser). The
  // standardID is the one DALI gives and clients (taplint, TOPCAT) compare with.
  out += "  <capability standardID=\"ivo://ivoa.net/std/DALI#examples\">\n";
  out += "    <interface xsi:type=\"vr:WebBrowser\">\n      <accessURL use=\"full\">" + base +
         "/examples</accessURL>\n    </interface>\n  </capability>\n";
  out += "</vosi:capabilities>\n";
  return out;
}

std::string AvailabilityXml(bool available, std::string_view note) {
  std::string out(kXmlDecl);
  out += "<vosi:availability xmlns:vosi=\"http://www.ivoa.net/xml/VOSIAvailability/v1.0\">\n";
  out += std::string("  <vosi:available>") + (available ? "true" : "false") + "</vosi:available>\n";
  out += "  <vosi:note>" + XmlEscape(note) + "</vosi:note>\n";
  out += "</vosi:availability>\n";
  return out;
}

std::string TablesetXml(const std::vector<std::shared_ptr<const adql::QueryTable>>& tables,
                        bool min_detail) {
  std::string out(kXmlDecl);
  out +=
      "<vosi:tableset xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\" "
      "xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n";
  std::vector<std::string> schemas;
  for (const auto& t : tables) {
    if (t->schema == "TAP_UPLOAD") continue;
    if (std::find(schemas.begin(), schemas.end(), t->schema) == schemas.end()) {
      schemas.push_back(t->schema);
    }
  }
  for (const std::string& schema : schemas) {
    out += "  <schema>\n";
    Element(&out, "    ", "name", schema);
    if (schema == "TAP_SCHEMA") {
      Element(&out, "    ", "description", "Metadata of the tables of this service (TAP 1.1)");
    }
    for (const auto& t : tables) {
      if (t->schema == schema) AppendTable(*t, min_detail, /*root=*/false, &out);
    }
    out += "  </schema>\n";
  }
  out += "</vosi:tableset>\n";
  return out;
}

Result<std::string> TableXml(const std::vector<std::shared_ptr<const adql::QueryTable>>& tables,
                             std::string_view qualified_name) {
  const adql::QueryTable* found = nullptr;
  int folded_matches = 0;
  const adql::QueryTable* folded = nullptr;
  for (const auto& t : tables) {
    if (t->schema == "TAP_UPLOAD") continue;
    const std::string name = Qualified(*t);
    if (name == qualified_name) found = t.get();
    if (EqualsIgnoreCase(name, qualified_name)) {
      ++folded_matches;
      folded = t.get();
    }
  }
  if (found == nullptr && folded_matches == 1) found = folded;
  if (found == nullptr) {
    return Status::NotFound("no table '" + std::string(qualified_name.substr(0, 200)) +
                            "'; /tables lists the tables as schema.table");
  }
  std::string out;
  AppendTable(*found, /*min_detail=*/false, /*root=*/true, &out);
  return out;
}

}  // namespace skyshard::server
