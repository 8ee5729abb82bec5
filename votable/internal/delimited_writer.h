// DelimitedWriter: the ResultWriter for CSV (RFC 4180) and TSV (text/tab-separated-values)
// output, each with a header row of column names (docs/votable.md).
//
// Thread safety: none; owned by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "votable/internal/field_layout.h"
#include "votable/internal/output_buffer.h"
#include "votable/result_writer.h"

namespace skyshard::votable_internal {

class DelimitedWriter final : public ResultWriter {
 public:
  // `tsv` false: CSV.
  DelimitedWriter(bool tsv, ByteSink* sink, const ResultWriterOptions& options);

 private:
  Status BeginImpl(const std::vector<FieldInfo>& fields, const InfoList& infos) override;
  Status WriteRowsImpl(const ColumnBatch& batch, size_t* rows_done) override;
  Status EndImpl(bool overflow, const std::string* error_message) override;

  // Appends a text value: CSV quotes it when it holds a comma, quote, CR or LF, or is empty
  // (so that "" is told apart from NULL); TSV escapes backslash, TAB, LF and CR.
  void AppendText(std::string_view text);
  Status AppendRow(const ColumnBatch& batch, size_t row);

  const bool tsv_;
  OutputBuffer out_;
  std::vector<FieldInfo> fields_;
  std::vector<FieldLayout> layouts_;
  std::string scratch_;
  int64_t next_row_ = 1;
};

}  // namespace skyshard::votable_internal
