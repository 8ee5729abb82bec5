#include "clients/internal/result_sink.h"

#include <cerrno>
#include <cstring>

#include "server/result_tables.h"

namespace skyshard::internal {

Status WriterSink::Begin(const std::vector<adql::plan::OutputColumn>& columns) {
  std::vector<FieldInfo> fields;
  fields.reserve(columns.size());
  for (const auto& c : columns) fields.push_back(server::FieldFromColumn(c));
  SKY_RETURN_IF_ERROR(writer_->Begin(fields, infos_));
  begun_ = true;
  return Status::OK();
}

Status WriterSink::Write(const ColumnBatch& batch) { return writer_->WriteBatch(batch); }

Status StreamSink::Write(std::string_view data) {
  if (std::fwrite(data.data(), 1, data.size(), stream_) != data.size()) {
    return Status::IOError(std::string("cannot write the result: ") + std::strerror(errno));
  }
  return Status::OK();
}

}  // namespace skyshard::internal
