#include "clients/internal/upload_files.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "common/ascii.h"
#include "server/result_tables.h"
#include "votable/votable_reader.h"

namespace skyshard::internal {

namespace {

constexpr size_t kMaxBytes = size_t{1} << 30;
constexpr uint64_t kMaxRows = 10'000'000;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = std::move(buffer).str();
  if (text.size() > kMaxBytes) {
    return Status::LimitExceeded(path + " is larger than the 1 GiB an upload may be");
  }
  return text;
}

// RFC 4180 records of `text`; `line` numbers (1-based) say where each record starts.
Result<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text,
                                                       const std::string& path,
                                                       std::vector<int>* lines) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, field_started = false;
  int line = 1, record_line = 1;
  auto end_record = [&]() {
    record.push_back(std::move(field));
    field.clear();
    if (!(record.size() == 1 && record[0].empty())) {  // skip blank lines
      records.push_back(std::move(record));
      lines->push_back(record_line);
    }
    record.clear();
    field_started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    switch (c) {
      case '"':
        if (field_started && !field.empty()) {
          return Status::InvalidArgument(path + " line " + std::to_string(line) +
                                         ": a quote inside an unquoted field");
        }
        quoted = true;
        field_started = true;
        break;
      case ',':
        record.push_back(std::move(field));
        field.clear();
        field_started = false;
        break;
      case '\r':
        break;
      case '\n':
        end_record();
        ++line;
        record_line = line;
        break;
      default:
        field += c;
        field_started = true;
    }
  }
  if (quoted) {
    return Status::InvalidArgument(path + " line " + std::to_string(record_line) +
                                   ": a quoted field is never closed");
  }
  if (!field.empty() || !record.empty()) end_record();
  return records;
}

bool ParsesAsInt(const std::string& s, int64_t* v) {
  const char* end = s.data() + s.size();
  const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(begin, end, *v);
  return ec == std::errc() && ptr == end;
}

bool ParsesAsDouble(const std::string& s, double* v) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno != ERANGE;
}

}  // namespace

Result<adql::UploadedTable> ReadUploadFile(const std::string& name, const std::string& path) {
  SKY_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first != std::string::npos && text[first] == '<') {
    VOTableReadOptions options;
    options.max_bytes = kMaxBytes;
    options.max_rows = kMaxRows;
    auto table = ReadVOTable(text, options);
    if (!table.ok()) return table.status().WithContext(path);
    return server::UploadFromVOTable(name, std::move(*table));
  }

  std::vector<int> lines;
  SKY_ASSIGN_OR_RETURN(auto records, ParseCsv(text, path, &lines));
  if (records.empty()) return Status::InvalidArgument(path + " is empty: no header row");
  const std::vector<std::string>& header = records[0];
  std::set<std::string> seen;
  for (const std::string& h : header) {
    if (h.empty()) return Status::InvalidArgument(path + " line 1: an empty column name");
    if (!seen.insert(AsciiLower(h)).second) {
      return Status::InvalidArgument(path + " line 1: column " + h + " is named twice");
    }
  }
  if (records.size() - 1 > kMaxRows) {
    return Status::LimitExceeded(path + " has more than " + std::to_string(kMaxRows) + " rows");
  }
  // The narrowest type holding every non-empty value of each column.
  enum class Kind { kInt, kDouble, kText };
  std::vector<Kind> kinds(header.size(), Kind::kInt);
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != header.size()) {
      return Status::InvalidArgument(path + " line " + std::to_string(lines[r]) + ": " +
                                     std::to_string(records[r].size()) + " fields, expected " +
                                     std::to_string(header.size()) + " as in the header");
    }
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string& v = records[r][c];
      if (v.empty()) continue;
      int64_t i = 0;
      double d = 0;
      if (kinds[c] == Kind::kInt && !ParsesAsInt(v, &i)) kinds[c] = Kind::kDouble;
      if (kinds[c] == Kind::kDouble && !ParsesAsDouble(v, &d)) kinds[c] = Kind::kText;
    }
  }

  adql::UploadedTable upload;
  upload.def.name = name;
  upload.def.kind = TableKind::kPlain;
  upload.def.row_count = records.size() - 1;
  std::vector<ColumnType> types;
  for (size_t c = 0; c < header.size(); ++c) {
    ColumnDef col;
    col.name = header[c];
    col.type.type = kinds[c] == Kind::kInt      ? DataType::kBigInt
                    : kinds[c] == Kind::kDouble ? DataType::kDouble
                                                : DataType::kVarChar;
    col.column_index = static_cast<int32_t>(c);
    types.push_back(col.type);
    upload.def.columns.push_back(std::move(col));
  }
  auto rows = std::make_shared<adql::MemoryTable>();
  constexpr size_t kBatchRows = 4096;
  for (size_t r = 1; r < records.size(); r += kBatchRows) {
    ColumnBatch batch;
    batch.Reset(types);
    const size_t end = std::min(records.size(), r + kBatchRows);
    for (size_t row = r; row < end; ++row) {
      for (size_t c = 0; c < header.size(); ++c) {
        const std::string& v = records[row][c];
        ColumnVector& col = batch.columns[c];
        if (v.empty()) {
          col.AppendNull();
        } else if (kinds[c] == Kind::kInt) {
          int64_t i = 0;
          ParsesAsInt(v, &i);
          col.AppendInt(i);
        } else if (kinds[c] == Kind::kDouble) {
          double d = 0;
          ParsesAsDouble(v, &d);
          col.AppendDouble(d);
        } else {
          col.AppendString(v);
        }
      }
    }
    batch.num_rows = end - r;
    rows->batches.push_back(std::move(batch));
  }
  upload.rows = std::move(rows);
  return upload;
}

}  // namespace skyshard::internal
