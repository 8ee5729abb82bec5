#include "votable/result_writer.h"

#include "votable/internal/delimited_writer.h"
#include "votable/internal/fits_writer.h"
#include "votable/internal/votable_writer.h"

namespace skyshard {

using votable_internal::DelimitedWriter;
using votable_internal::FitsWriter;
using votable_internal::Serialization;
using votable_internal::VOTableWriter;

namespace {

size_t PhysicalSize(const ColumnVector& col) {
  if (IsIntegerLike(col.type.type)) return col.ints.size();
  if (IsFloating(col.type.type)) return col.doubles.size();
  return col.strings.size();
}

}  // namespace

Status ResultWriter::Begin(const std::vector<FieldInfo>& fields, const InfoList& infos) {
  if (state_ != State::kNew) return Status::Internal("ResultWriter::Begin called twice");
  Status s = BeginImpl(fields, infos);
  if (!s.ok()) {
    // A rejected schema leaves nothing written that could be finished.
    state_ = State::kFailed;
    return s;
  }
  types_.clear();
  for (const FieldInfo& f : fields) types_.push_back(f.type);
  state_ = State::kOpen;
  return Status::OK();
}

Status ResultWriter::CheckBatch(const ColumnBatch& batch) const {
  if (batch.columns.size() != types_.size()) {
    return Status::InvalidArgument("batch has " + std::to_string(batch.columns.size()) +
                                   " columns, the result has " + std::to_string(types_.size()));
  }
  for (size_t c = 0; c < types_.size(); ++c) {
    const ColumnVector& col = batch.columns[c];
    if (col.type.type != types_[c].type) {
      return Status::InvalidArgument("batch column " + std::to_string(c + 1) + " is " +
                                     ColumnTypeToString(col.type) + ", the result column is " +
                                     ColumnTypeToString(types_[c]));
    }
    if (col.nulls.size() != batch.num_rows || PhysicalSize(col) != batch.num_rows) {
      return Status::InvalidArgument("batch column " + std::to_string(c + 1) + " holds " +
                                     std::to_string(PhysicalSize(col)) + " values and " +
                                     std::to_string(col.nulls.size()) + " null flags for " +
                                     std::to_string(batch.num_rows) + " rows");
    }
  }
  return Status::OK();
}

Status ResultWriter::WriteBatch(const ColumnBatch& batch) {
  if (state_ != State::kOpen) {
    return Status::Internal(
        "ResultWriter::WriteBatch called before Begin, after End or after a "
        "write failure");
  }
  SKY_RETURN_IF_ERROR(CheckBatch(batch));
  size_t rows_done = 0;
  Status s = WriteRowsImpl(batch, &rows_done);
  rows_written_ += static_cast<int64_t>(rows_done);
  // A value that does not fit is taken back whole and the document can still be ended; a sink
  // error leaves the stream in an unknown state.
  if (!s.ok() && s.code() != StatusCode::kInvalidArgument) state_ = State::kFailed;
  return s;
}

Status ResultWriter::End(bool overflow) {
  if (state_ != State::kOpen) {
    return Status::Internal(
        "ResultWriter::End called before Begin, twice or after a write "
        "failure");
  }
  state_ = State::kEnded;
  return EndImpl(overflow, nullptr);
}

Status ResultWriter::EndWithError(std::string_view message) {
  if (state_ != State::kOpen) {
    return Status::Internal(
        "ResultWriter::EndWithError called before Begin, twice or after a "
        "write failure");
  }
  state_ = State::kEnded;
  const std::string text(message);
  return EndImpl(/*overflow=*/false, &text);
}

std::unique_ptr<ResultWriter> MakeResultWriter(ResultFormat format, ByteSink* sink,
                                               const ResultWriterOptions& options) {
  switch (format) {
    case ResultFormat::kVOTableBinary2:
      return std::make_unique<VOTableWriter>(Serialization::kBinary2, sink, options);
    case ResultFormat::kVOTableBinary:
      return std::make_unique<VOTableWriter>(Serialization::kBinary, sink, options);
    case ResultFormat::kVOTableTableData:
      return std::make_unique<VOTableWriter>(Serialization::kTableData, sink, options);
    case ResultFormat::kCsv:
      return std::make_unique<DelimitedWriter>(/*tsv=*/false, sink, options);
    case ResultFormat::kTsv:
      return std::make_unique<DelimitedWriter>(/*tsv=*/true, sink, options);
    case ResultFormat::kFits:
      return std::make_unique<FitsWriter>(sink, options);
  }
  return std::make_unique<VOTableWriter>(Serialization::kBinary2, sink, options);
}

Status WriteErrorDocument(ByteSink* sink, std::string_view message) {
  std::string doc;
  votable_internal::AppendDocumentHead(&doc);
  votable_internal::AppendInfo("QUERY_STATUS", "ERROR", message, &doc);
  votable_internal::AppendDocumentTail(&doc);
  return sink->Write(doc);
}

}  // namespace skyshard
