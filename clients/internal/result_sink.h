// WriterSink: the query executor's RowSink (adql/exec/executor.h) that writes the result through
// a ResultWriter (votable/result_writer.h) as VOTable, CSV, TSV or FITS into a ByteSink. Used by
// `skyshard query`; the TAP service has its own, which also reports progress.
//
// Thread safety: one query, one thread.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "adql/exec/executor.h"
#include "votable/byte_sink.h"
#include "votable/result_writer.h"

namespace skyshard::internal {

class WriterSink final : public adql::RowSink {
 public:
  // REQUIRES: `writer` outlives the sink.
  WriterSink(ResultWriter* writer, InfoList infos) : writer_(writer), infos_(std::move(infos)) {}

  Status Begin(const std::vector<adql::plan::OutputColumn>& columns) override;
  Status Write(const ColumnBatch& batch) override;

  bool begun() const { return begun_; }

 private:
  ResultWriter* writer_;
  InfoList infos_;
  bool begun_ = false;
};

// A ByteSink writing to a stdio stream (stdout); IOError when the stream fails (a closed pipe).
class StreamSink final : public ByteSink {
 public:
  explicit StreamSink(std::FILE* stream) : stream_(stream) {}
  Status Write(std::string_view data) override;

 private:
  std::FILE* stream_;
};

}  // namespace skyshard::internal
