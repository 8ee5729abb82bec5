// ResultWriter: serializes the rows of a query result, batch by batch as the executor produces
// them, as a VOTable 1.4 (BINARY2, BINARY or TABLEDATA), CSV, TSV or FITS document. The wire
// formats, the NULL and NaN conventions and the overflow and error markers are in
// docs/votable.md.
//
// Memory stays flat: a writer keeps at most about ResultWriterOptions::flush_bytes of output
// (plus one row) before handing it to its ByteSink, whatever the number of rows. The FITS writer
// is the exception in timing, not in memory: a FITS binary table declares its row count and
// column widths before the rows, so it spools the rows to a temporary file in
// ResultWriterOptions::spool_dir and hands the whole document to the sink only in End (the sink
// sees nothing before End; EndWithError writes nothing at all).
//
// Usage:
//   auto writer = MakeResultWriter(ResultFormat::kVOTableBinary2, &sink);
//   SKY_RETURN_IF_ERROR(writer->Begin(fields, {{"QUERY", adql}}));
//   while (executor has a batch) SKY_RETURN_IF_ERROR(writer->WriteBatch(batch));
//   SKY_RETURN_IF_ERROR(writer->End(/*overflow=*/hit_maxrec));
// A query that fails after Begin ends with EndWithError(message) instead of End; one that
// fails before Begin is answered with WriteErrorDocument.
//
// Thread safety: a writer is used by one thread at a time; distinct writers are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/column_batch.h"
#include "common/status.h"
#include "common/types.h"
#include "votable/byte_sink.h"
#include "votable/result_format.h"

namespace skyshard {

// One output column: its value type and the metadata a VOTable FIELD carries.
struct FieldInfo {
  std::string name;
  ColumnType type;
  std::string unit;         // VOUnit, e.g. "deg"; empty: none
  std::string ucd;          // e.g. "pos.eq.ra;meta.main"; empty: none
  std::string utype;        // empty: none
  std::string description;  // free text; empty: none
  // VOTable arraysize of a string column, counted in characters (UTF-16 code units, as char and
  // varchar columns are written as unicodeChar): "*" (any length), "N" (N characters, shorter
  // values padded in BINARY/BINARY2) or "N*" (at most N; astropy 5.2 misreads it in BINARY).
  // Empty: derived from `type`, char(n) -> "n", everything else "*". Must be empty for
  // non-string types.
  std::string arraysize;
  // VOTable xtype; empty: "timestamp" for timestamp columns, none otherwise.
  std::string xtype;
  // VOTable datatype of a char or varchar column: "char" (bytes) or empty for "unicodeChar"
  // (what the writers use by default: any UTF-8 text fits). An uploaded table's char columns
  // come back as char, as they went in.
  std::string datatype;
};

// INFO elements (name, value) written before the table, e.g. {"QUERY", "SELECT ..."}.
using InfoList = std::vector<std::pair<std::string, std::string>>;

struct ResultWriterOptions {
  // Output is handed to the sink once this many bytes are buffered (at a row boundary), so the
  // sink sees pieces of about this size. Must be at least 1.
  size_t flush_bytes = 64 * 1024;
  // Where the FITS writer keeps its temporary files (the row spool, unlinked as soon as it is
  // created, and the FITS file being assembled during End, removed once sent or on failure).
  // Empty: $TMPDIR, or /tmp when that is unset. The directory must exist. Other formats ignore it.
  std::string spool_dir;
};

class ResultWriter {
 public:
  virtual ~ResultWriter() = default;
  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;

  // Writes the document head: for VOTable the RESOURCE with INFO QUERY_STATUS=OK, the `infos`
  // and one FIELD per column; for CSV/TSV the header row of names. Success means the head is
  // buffered or sent. Returns InvalidArgument for an unknown type, a malformed or misplaced
  // arraysize, an empty INFO name or an INFO named QUERY_STATUS (the writer owns that one), and
  // whatever the sink returns.
  // REQUIRES: called once, first.
  Status Begin(const std::vector<FieldInfo>& fields, const InfoList& infos);

  // Appends the rows of `batch`. The batch is read during the call only. Returns
  // InvalidArgument when the batch does not match the fields (column count, types, vector
  // lengths) or a value does not fit its FIELD (smallint/integer out of range, a string longer
  // than its arraysize): the rows before the offending one are written, nothing of it is, and
  // the writer may still be ended. A sink error is returned as is and is final.
  // REQUIRES: Begin succeeded; neither End nor EndWithError called.
  Status WriteBatch(const ColumnBatch& batch);

  // Closes the document; with `overflow`, VOTable output carries INFO QUERY_STATUS=OVERFLOW
  // after the table (CSV/TSV cannot say so). Everything buffered is handed to the sink; the sink
  // is not closed. Returns the sink's error, or Internal when called out of order; the FITS
  // writer also IOError (spool or temporary file) and InvalidArgument when an integer column
  // with NULLs leaves no value free for its TNULL.
  Status End(bool overflow);

  // Closes the document after a failure in the middle of the result: VOTable output carries
  // INFO QUERY_STATUS=ERROR with `message` after the rows written so far; CSV/TSV output just
  // ends (clients see a short file); FITS output is dropped (nothing reached the sink, so the
  // caller can still answer with an error of its own). Returns the sink's error, or Internal out of
  // order. REQUIRES: Begin succeeded.
  Status EndWithError(std::string_view message);

  // Rows written so far.
  int64_t rows_written() const { return rows_written_; }

 protected:
  ResultWriter() = default;

 private:
  // The format-specific halves of the public calls. The public ones check the call order and
  // the batch's shape first. WriteRowsImpl returns the number of rows it wrote completely.
  virtual Status BeginImpl(const std::vector<FieldInfo>& fields, const InfoList& infos) = 0;
  virtual Status WriteRowsImpl(const ColumnBatch& batch, size_t* rows_done) = 0;
  virtual Status EndImpl(bool overflow, const std::string* error_message) = 0;

  Status CheckBatch(const ColumnBatch& batch) const;

  enum class State { kNew, kOpen, kEnded, kFailed };
  State state_ = State::kNew;
  std::vector<ColumnType> types_;
  int64_t rows_written_ = 0;
};

// Creates a writer of `format` that sends its output to `sink`. The caller owns the writer;
// `sink` must outlive it. Never fails.
// REQUIRES: sink != nullptr, options.flush_bytes >= 1.
std::unique_ptr<ResultWriter> MakeResultWriter(ResultFormat format, ByteSink* sink,
                                               const ResultWriterOptions& options = {});

// Writes a complete TAP error document: a VOTable 1.4 whose RESOURCE type="results" holds only
// INFO name="QUERY_STATUS" value="ERROR" with `message` as its text (XML-escaped, characters
// XML 1.0 forbids replaced by U+FFFD). Returns the sink's error.
Status WriteErrorDocument(ByteSink* sink, std::string_view message);

}  // namespace skyshard
