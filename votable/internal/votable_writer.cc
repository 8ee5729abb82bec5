#include "votable/internal/votable_writer.h"

#include <algorithm>
#include <limits>

#include "votable/internal/base64.h"
#include "votable/internal/number_text.h"
#include "votable/internal/xml_escape.h"

namespace skyshard::votable_internal {
namespace {

constexpr std::string_view kQueryStatus = "QUERY_STATUS";

void AppendAttribute(std::string_view name, std::string_view value, std::string* out) {
  out->push_back(' ');
  out->append(name);
  out->append("=\"");
  AppendXmlEscaped(value, /*attribute=*/true, out);
  out->push_back('"');
}

std::string_view SerializationElement(Serialization s) {
  switch (s) {
    case Serialization::kTableData:
      return "TABLEDATA";
    case Serialization::kBinary:
      return "BINARY";
    case Serialization::kBinary2:
      return "BINARY2";
  }
  return "TABLEDATA";
}

}  // namespace

void AppendInfo(std::string_view name, std::string_view value, std::string_view text,
                std::string* out) {
  out->append("<INFO");
  AppendAttribute("name", name, out);
  AppendAttribute("value", value, out);
  if (text.empty()) {
    out->append("/>\n");
    return;
  }
  out->push_back('>');
  AppendXmlEscaped(text, /*attribute=*/false, out);
  out->append("</INFO>\n");
}

void AppendDocumentHead(std::string* out) {
  // VOTable 1.4 keeps the 1.3 namespace; the version attribute says 1.4.
  out->append(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
      "<RESOURCE type=\"results\">\n");
}

void AppendDocumentTail(std::string* out) { out->append("</RESOURCE>\n</VOTABLE>\n"); }

VOTableWriter::VOTableWriter(Serialization serialization, ByteSink* sink,
                             const ResultWriterOptions& options)
    : serialization_(serialization),
      out_(sink, options.flush_bytes),
      // Raw bytes gathered before they are base64-encoded: at most 256 lines of 57 bytes (about
      // 14 KiB), fewer when the sink wants smaller pieces.
      raw_chunk_(std::clamp(options.flush_bytes, kBase64LineBytes, 256 * kBase64LineBytes)) {}

void VOTableWriter::AppendField(const FieldInfo& field, const FieldLayout& layout) {
  std::string* out = out_.data();
  out->append("<FIELD");
  AppendAttribute("name", field.name, out);
  AppendAttribute("datatype", layout.datatype, out);
  // A single character has no arraysize: arraysize="1" is deprecated (VOTable 1.3 erratum 3).
  if (!layout.arraysize.empty() && layout.arraysize != "1") {
    AppendAttribute("arraysize", layout.arraysize, out);
  }
  if (!field.unit.empty()) AppendAttribute("unit", field.unit, out);
  if (!field.ucd.empty()) AppendAttribute("ucd", field.ucd, out);
  if (!field.utype.empty()) AppendAttribute("utype", field.utype, out);
  if (!layout.xtype.empty()) AppendAttribute("xtype", layout.xtype, out);
  const bool needs_sentinel =
      serialization_ == Serialization::kBinary &&
      (layout.type == DataType::kSmallInt || layout.type == DataType::kInteger ||
       layout.type == DataType::kBigInt);
  if (field.description.empty() && !needs_sentinel) {
    out->append("/>\n");
    return;
  }
  out->append(">\n");
  if (!field.description.empty()) {
    out->append("<DESCRIPTION>");
    AppendXmlEscaped(field.description, /*attribute=*/false, out);
    out->append("</DESCRIPTION>\n");
  }
  if (needs_sentinel) {
    // VOTable 1.4 section 6: BINARY marks NULL integers only through a magic value.
    out->append("<VALUES null=\"");
    AppendInt(BinaryNullSentinel(layout.type), out);
    out->append("\"/>\n");
  }
  out->append("</FIELD>\n");
}

Status VOTableWriter::BeginImpl(const std::vector<FieldInfo>& fields, const InfoList& infos) {
  SKY_ASSIGN_OR_RETURN(layouts_, ResolveFields(fields));
  for (const auto& [name, value] : infos) {
    if (name.empty()) return Status::InvalidArgument("an INFO element needs a name");
    if (name == kQueryStatus) {
      return Status::InvalidArgument("INFO QUERY_STATUS is written by the result writer");
    }
  }
  fields_ = fields;
  std::string* out = out_.data();
  AppendDocumentHead(out);
  AppendInfo(kQueryStatus, "OK", "", out);
  for (const auto& [name, value] : infos) AppendInfo(name, value, "", out);
  out->append("<TABLE>\n");
  for (size_t i = 0; i < fields.size(); ++i) AppendField(fields[i], layouts_[i]);
  out->append("<DATA><");
  out->append(SerializationElement(serialization_));
  out->append(serialization_ == Serialization::kTableData ? ">\n"
                                                          : "><STREAM encoding=\"base64\">\n");
  return out_.MaybeFlush();
}

Status VOTableWriter::WriteRowsImpl(const ColumnBatch& batch, size_t* rows_done) {
  for (size_t row = 0; row < batch.num_rows; ++row) {
    if (serialization_ == Serialization::kTableData) {
      SKY_RETURN_IF_ERROR(AppendTableDataRow(batch, row));
    } else {
      SKY_RETURN_IF_ERROR(AppendBinaryRow(batch, row));
      EncodeRaw(/*final=*/false);
    }
    ++*rows_done;
    ++next_row_;
    SKY_RETURN_IF_ERROR(out_.MaybeFlush());
  }
  return Status::OK();
}

Status VOTableWriter::EndImpl(bool overflow, const std::string* error_message) {
  std::string* out = out_.data();
  if (serialization_ != Serialization::kTableData) {
    EncodeRaw(/*final=*/true);
    out->append("</STREAM>");
  }
  out->append("</");
  out->append(SerializationElement(serialization_));
  out->append("></DATA>\n</TABLE>\n");
  // DALI 1.1 section 4.4: a status found out while streaming goes in an INFO after the table.
  if (error_message != nullptr) {
    AppendInfo(kQueryStatus, "ERROR", *error_message, out);
  } else if (overflow) {
    AppendInfo(kQueryStatus, "OVERFLOW", "", out);
  }
  AppendDocumentTail(out);
  return out_.Flush();
}

}  // namespace skyshard::votable_internal
