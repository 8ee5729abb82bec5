// FitsWriter: the ResultWriter for FITS binary tables (RESPONSEFORMAT fits, application/fits;
// layout, keywords and NULL conventions in docs/votable.md, "FITS").
//
// A binary table header declares the row count and every column's width before the first row,
// and a string column is as wide as its longest value, so nothing can be sent while rows arrive.
// WriteBatch therefore appends each row to an anonymous spool file (SpoolFile: a null flag and
// the value per column, strings with their length) while keeping per-column statistics (longest
// string, NULLs seen, which integers at the ends of the range occur). End then builds the FITS
// file with cfitsio in ResultWriterOptions::spool_dir, its header from those statistics and its
// rows from the spool in chunks, and streams the finished file to the sink in pieces of at most
// flush_bytes (capped at 4 MiB). Both temporary files lose their names as soon as they are
// created (they live on through open descriptors), so a crash leaves nothing behind. Memory stays
// flat: one spool buffer, one chunk of rows, one piece; disk use is about twice the result.
//
// Thread safety: none; owned by one thread. Distinct writers may run concurrently (cfitsio
// calls are serialised when the library was not built reentrant).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "votable/internal/field_layout.h"
#include "votable/internal/spool_file.h"
#include "votable/result_writer.h"

namespace skyshard::votable_internal {

class FitsWriter final : public ResultWriter {
 public:
  FitsWriter(ByteSink* sink, const ResultWriterOptions& options);
  // Closes the temporary files (both are unlinked as soon as they are created, so nothing of
  // them stays on disk, whether End ran, failed midway, or never came).
  ~FitsWriter() override;
  FitsWriter(const FitsWriter&) = delete;
  FitsWriter& operator=(const FitsWriter&) = delete;

  // What the writer learns about a column while spooling, to declare it in the header.
  struct ColumnStats {
    bool has_null = false;
    size_t max_bytes = 0;  // strings and timestamps: the longest value, in bytes
    // Integers: bit k of low_seen is set when the type's minimum + k occurred, bit k of
    // high_seen when its maximum - k did; TNULL is the first value not seen.
    uint64_t low_seen = 0;
    uint64_t high_seen = 0;
  };

 private:
  Status BeginImpl(const std::vector<FieldInfo>& fields, const InfoList& infos) override;
  Status WriteRowsImpl(const ColumnBatch& batch, size_t* rows_done) override;
  Status EndImpl(bool overflow, const std::string* error_message) override;

  // Appends row `row` of `batch` in the spool encoding to row_, checking its values.
  Status EncodeRow(const ColumnBatch& batch, size_t row);
  // Builds the FITS file from the spool; on success fits_fd_ reads it.
  Status BuildFile(bool overflow);
  // Sends the finished file (fits_fd_) to the sink.
  Status SendFile();

  ByteSink* const sink_;
  ResultWriterOptions options_;  // spool_dir resolved by Begin
  std::vector<FieldInfo> fields_;
  std::vector<FieldLayout> layouts_;
  InfoList infos_;
  std::vector<ColumnStats> stats_;
  std::unique_ptr<SpoolFile> spool_;
  std::string row_;      // the row being encoded
  std::string scratch_;  // strings that need UTF-8 repair
  int64_t next_row_ = 1;
  std::string fits_path_;  // the FITS file's (former) name, for messages
  int fits_fd_ = -1;       // the FITS file, unlinked, open for reading
};

}  // namespace skyshard::votable_internal
