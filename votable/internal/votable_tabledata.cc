// TABLEDATA rows: one TR per row, one TD per cell; NULL is an empty TD (VOTable 1.4 section
// 5.3), so a NULL string and an empty string look the same here, and a NaN double is "NaN".

#include "common/types.h"
#include "votable/internal/number_text.h"
#include "votable/internal/utf8.h"
#include "votable/internal/votable_writer.h"
#include "votable/internal/xml_escape.h"

namespace skyshard::votable_internal {

Status VOTableWriter::AppendTableDataRow(const ColumnBatch& batch, size_t row) {
  std::string* out = out_.data();
  const size_t mark = out->size();
  out->append("<TR>");
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    const ColumnVector& col = batch.columns[c];
    const FieldLayout& layout = layouts_[c];
    if (col.IsNull(row)) {
      out->append("<TD/>");
      continue;
    }
    out->append("<TD>");
    switch (layout.type) {
      case DataType::kSmallInt:
      case DataType::kInteger:
      case DataType::kBigInt: {
        Status s = CheckIntRange(layout, fields_[c], col.ints[row], next_row_);
        if (!s.ok()) {
          out_.Truncate(mark);
          return s;
        }
        AppendInt(col.ints[row], out);
        break;
      }
      case DataType::kBoolean:
        out->push_back(col.ints[row] != 0 ? 'T' : 'F');
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
        Status s = CheckStringLength(layout, fields_[c], v, next_row_);
        if (!s.ok()) {
          out_.Truncate(mark);
          return s;
        }
        AppendXmlEscaped(v, /*attribute=*/false, out);
        break;
      }
    }
    out->append("</TD>");
  }
  out->append("</TR>\n");
  return Status::OK();
}

}  // namespace skyshard::votable_internal
