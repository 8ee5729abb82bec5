#include "votable/internal/delimited_writer.h"

#include "common/types.h"
#include "votable/internal/number_text.h"
#include "votable/internal/utf8.h"

namespace skyshard::votable_internal {

DelimitedWriter::DelimitedWriter(bool tsv, ByteSink* sink, const ResultWriterOptions& options)
    : tsv_(tsv), out_(sink, options.flush_bytes) {}

void DelimitedWriter::AppendText(std::string_view raw) {
  const std::string_view text = ValidUtf8(raw, &scratch_);
  std::string* out = out_.data();
  if (tsv_) {
    for (char c : text) {
      switch (c) {
        case '\\':
          out->append("\\\\");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        default:
          out->push_back(c);
      }
    }
    return;
  }
  if (!text.empty() && text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

Status DelimitedWriter::BeginImpl(const std::vector<FieldInfo>& fields, const InfoList& infos) {
  (void)infos;  // CSV and TSV have no place for them.
  SKY_ASSIGN_OR_RETURN(layouts_, ResolveFields(fields));
  fields_ = fields;
  for (size_t c = 0; c < fields.size(); ++c) {
    if (c > 0) out_.data()->push_back(tsv_ ? '\t' : ',');
    AppendText(fields[c].name);
  }
  out_.data()->append(tsv_ ? "\n" : "\r\n");
  return out_.MaybeFlush();
}

Status DelimitedWriter::AppendRow(const ColumnBatch& batch, size_t row) {
  std::string* out = out_.data();
  const size_t mark = out->size();
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    if (c > 0) out->push_back(tsv_ ? '\t' : ',');
    const ColumnVector& col = batch.columns[c];
    if (col.IsNull(row)) continue;
    const FieldLayout& layout = layouts_[c];
    Status s;
    switch (layout.type) {
      case DataType::kSmallInt:
      case DataType::kInteger:
      case DataType::kBigInt:
        s = CheckIntRange(layout, fields_[c], col.ints[row], next_row_);
        if (s.ok()) AppendInt(col.ints[row], out);
        break;
      case DataType::kBoolean:
        out->append(col.ints[row] != 0 ? "true" : "false");
        break;
      case DataType::kReal:
        AppendFloat(static_cast<float>(col.doubles[row]), out);
        break;
      case DataType::kDouble:
        AppendDouble(col.doubles[row], out);
        break;
      case DataType::kTimestamp:
        out->append(FormatTimestamp(col.ints[row]));
        break;
      case DataType::kChar:
      case DataType::kVarChar: {
        const std::string_view v = ValidUtf8(col.strings[row], &scratch_);
        s = CheckStringLength(layout, fields_[c], v, next_row_);
        if (s.ok()) AppendText(v);
        break;
      }
    }
    if (!s.ok()) {
      out_.Truncate(mark);
      return s;
    }
  }
  out->append(tsv_ ? "\n" : "\r\n");
  return Status::OK();
}

Status DelimitedWriter::WriteRowsImpl(const ColumnBatch& batch, size_t* rows_done) {
  for (size_t row = 0; row < batch.num_rows; ++row) {
    SKY_RETURN_IF_ERROR(AppendRow(batch, row));
    ++*rows_done;
    ++next_row_;
    SKY_RETURN_IF_ERROR(out_.MaybeFlush());
  }
  return Status::OK();
}

Status DelimitedWriter::EndImpl(bool overflow, const std::string* error_message) {
  // DALI 1.1 section 4.4.1: text formats have no way to say the result was cut short.
  (void)overflow;
  (void)error_message;
  return out_.Flush();
}

}  // namespace skyshard::votable_internal
