#include "votable/result_format.h"

#include <cctype>
#include <string>
#include <vector>

#include "common/ascii.h"

namespace skyshard {
namespace {

constexpr std::string_view kAccepted =
    "accepted: votable, votable/b2, votable/b, votable/td, application/x-votable+xml"
    "[;serialization=BINARY2|BINARY|TABLEDATA], text/xml, csv, text/csv, tsv, "
    "text/tab-separated-values, fits, application/fits";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

struct Parameter {
  std::string name;
  std::string value;
};

Status Rejected(std::string_view value, std::string_view why, bool unsupported) {
  std::string msg = "RESPONSEFORMAT '" + std::string(value) + "' " + std::string(why) + " (" +
                    std::string(kAccepted) + ")";
  return unsupported ? Status::Unsupported(std::move(msg))
                     : Status::InvalidArgument(std::move(msg));
}

}  // namespace

Result<ResponseFormat> ParseResponseFormat(std::string_view value) {
  const std::string_view trimmed = Trim(value);
  if (trimmed.empty()) {
    return ResponseFormat{ResultFormat::kVOTableBinary2,
                          std::string(ContentType(ResultFormat::kVOTableBinary2))};
  }
  // Split "type; name=value; ..." (RFC 2045 syntax; a quoted value loses its quotes).
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t semi = trimmed.find(';', start);
    parts.push_back(Trim(trimmed.substr(start, semi - start)));
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  const std::string type = AsciiLower(parts[0]);
  std::vector<Parameter> params;
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t eq = parts[i].find('=');
    if (eq == std::string_view::npos) return Rejected(value, "has a malformed parameter", false);
    std::string_view v = Trim(parts[i].substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    params.push_back({AsciiLower(Trim(parts[i].substr(0, eq))), AsciiLower(v)});
  }

  struct ShortForm {
    std::string_view name;
    ResultFormat format;
  };
  static constexpr ShortForm kShortForms[] = {
      {"votable", ResultFormat::kVOTableBinary2},
      {"votable/b2", ResultFormat::kVOTableBinary2},
      {"votable/binary2", ResultFormat::kVOTableBinary2},
      {"votable/b", ResultFormat::kVOTableBinary},
      {"votable/binary", ResultFormat::kVOTableBinary},
      {"votable/td", ResultFormat::kVOTableTableData},
      {"votable/tabledata", ResultFormat::kVOTableTableData},
      {"csv", ResultFormat::kCsv},
      {"tsv", ResultFormat::kTsv},
      {"fits", ResultFormat::kFits},
  };
  for (const ShortForm& s : kShortForms) {
    if (type == s.name) {
      if (!params.empty()) return Rejected(value, "is a short form and takes no parameters", false);
      return ResponseFormat{s.format, std::string(ContentType(s.format))};
    }
  }

  ResultFormat format;
  if (type == "application/x-votable+xml" || type == "text/xml") {
    format = ResultFormat::kVOTableBinary2;
  } else if (type == "text/csv") {
    format = ResultFormat::kCsv;
  } else if (type == "text/tab-separated-values") {
    format = ResultFormat::kTsv;
  } else if (type == "application/fits") {
    format = ResultFormat::kFits;
  } else if (type == "parquet" || type == "application/vnd.apache.parquet" || type == "text" ||
             type == "text/plain" || type == "html" || type == "text/html") {
    return Rejected(value, "is not supported by this service", true);
  } else {
    return Rejected(value, "is not a known format", false);
  }
  const bool is_votable = format == ResultFormat::kVOTableBinary2;
  const bool is_text = format == ResultFormat::kCsv || format == ResultFormat::kTsv;
  for (const Parameter& p : params) {
    if (p.name == "charset" && format != ResultFormat::kFits) {
      if (p.value != "utf-8") return Rejected(value, "asks for a charset other than UTF-8", true);
    } else if (p.name == "serialization" && is_votable) {
      if (p.value == "binary2") {
        format = ResultFormat::kVOTableBinary2;
      } else if (p.value == "binary") {
        format = ResultFormat::kVOTableBinary;
      } else if (p.value == "tabledata") {
        format = ResultFormat::kVOTableTableData;
      } else if (p.value == "fits") {
        return Rejected(value, "asks for the FITS serialization, which is not supported", true);
      } else {
        return Rejected(value, "names an unknown VOTable serialization", false);
      }
    } else if (p.name == "header" && is_text) {
      if (p.value == "absent") return Rejected(value, "asks for no header row", true);
      if (p.value != "present") return Rejected(value, "has a header other than present", false);
    } else {
      return Rejected(value, "has an unknown parameter '" + p.name + "'", false);
    }
  }
  return ResponseFormat{format, std::string(trimmed)};
}

std::string_view ContentType(ResultFormat format) {
  switch (format) {
    case ResultFormat::kVOTableBinary2:
    case ResultFormat::kVOTableBinary:
    case ResultFormat::kVOTableTableData:
      return "application/x-votable+xml";
    case ResultFormat::kCsv:
      return "text/csv;header=present";
    case ResultFormat::kTsv:
      return "text/tab-separated-values";
    case ResultFormat::kFits:
      return "application/fits";
  }
  return "application/octet-stream";
}

std::string_view ResultFormatName(ResultFormat format) {
  switch (format) {
    case ResultFormat::kVOTableBinary2:
      return "votable/b2";
    case ResultFormat::kVOTableBinary:
      return "votable/b";
    case ResultFormat::kVOTableTableData:
      return "votable/td";
    case ResultFormat::kCsv:
      return "csv";
    case ResultFormat::kTsv:
      return "tsv";
    case ResultFormat::kFits:
      return "fits";
  }
  return "?";
}

}  // namespace skyshard
