// VOTableWriter: the ResultWriter for VOTable 1.4 documents in the TABLEDATA, BINARY and
// BINARY2 serializations (docs/votable.md). The document structure and FIELD metadata are in
// votable_writer.cc, the TABLEDATA rows in votable_tabledata.cc and the BINARY/BINARY2 rows with
// their base64 STREAM in votable_binary.cc.
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

enum class Serialization { kTableData, kBinary, kBinary2 };

class VOTableWriter final : public ResultWriter {
 public:
  VOTableWriter(Serialization serialization, ByteSink* sink, const ResultWriterOptions& options);

 private:
  Status BeginImpl(const std::vector<FieldInfo>& fields, const InfoList& infos) override;
  Status WriteRowsImpl(const ColumnBatch& batch, size_t* rows_done) override;
  Status EndImpl(bool overflow, const std::string* error_message) override;

  void AppendField(const FieldInfo& field, const FieldLayout& layout);

  // votable_tabledata.cc: appends row `row` of `batch` as a TR element to out_.
  Status AppendTableDataRow(const ColumnBatch& batch, size_t row);

  // votable_binary.cc: appends row `row` of `batch` to raw_ in the BINARY or BINARY2 encoding.
  Status AppendBinaryRow(const ColumnBatch& batch, size_t row);
  // Moves whole base64 lines (all of raw_ when `final`) from raw_ to out_.
  void EncodeRaw(bool final);

  const Serialization serialization_;
  OutputBuffer out_;
  std::vector<FieldInfo> fields_;
  std::vector<FieldLayout> layouts_;
  std::string raw_;       // BINARY/BINARY2 bytes not yet base64-encoded
  size_t raw_chunk_;      // raw_ is encoded once it holds this many bytes
  std::string scratch_;   // reused for strings that need repair
  int64_t next_row_ = 1;  // 1-based number of the row being written, for error messages
};

// Appends an INFO element; `text` (may be empty) becomes its content.
void AppendInfo(std::string_view name, std::string_view value, std::string_view text,
                std::string* out);

// Appends the XML declaration and the opening VOTABLE and RESOURCE type="results" tags.
void AppendDocumentHead(std::string* out);

// Appends the closing RESOURCE and VOTABLE tags.
void AppendDocumentTail(std::string* out);

}  // namespace skyshard::votable_internal
