// votable_dump OUT_DIR: writes the test table (test_table.h) in every format with FileSink, an
// error document, and expected.json with the generated values, for check_votable.py to read
// back with astropy and votlint. Exit status 0 on success.
//
// expected.json: {"fields": [FieldInfo as an object...], "rows": [[cell...]...], "files": {...},
// "error_message": "..."}. A cell is null for NULL; numbers for integers, booleans and
// timestamps (microseconds); the IEEE bit pattern as an unsigned integer for real (32 bits) and
// double (64 bits), so no decimal conversion stands between the generator and the check.

#include <bit>
#include <cstdio>
#include <exception>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/votable/test_table.h"
#include "votable/byte_sink.h"
#include "votable/result_writer.h"

namespace skyshard::votable_test {
namespace {

constexpr char kErrorMessage[] =
    "Query failed: column \"ra\" <unknown> & 'dec' > 90\nsecond line, Ω, tab\there";
constexpr char kStreamError[] = "storage read failed after 1500 rows: <IOError> & more";

Status WriteFormat(const TestTable& table, ResultFormat format, const std::string& path,
                   int ending) {
  SKY_ASSIGN_OR_RETURN(auto sink, FileSink::Open(path));
  auto writer = MakeResultWriter(format, sink.get());
  SKY_RETURN_IF_ERROR(writer->Begin(
      table.fields, {{"QUERY", "SELECT * FROM t WHERE a < 1 AND b = 'x'"}, {"LANG", "ADQL"}}));
  for (const ColumnBatch& b : table.batches) SKY_RETURN_IF_ERROR(writer->WriteBatch(b));
  if (ending == 2) {
    SKY_RETURN_IF_ERROR(writer->EndWithError(kStreamError));
  } else {
    SKY_RETURN_IF_ERROR(writer->End(ending == 1));
  }
  return sink->Close();
}

nlohmann::json Cell(const FieldInfo& field, const ColumnVector& col, size_t row) {
  if (col.IsNull(row)) return nullptr;
  switch (field.type.type) {
    case DataType::kBoolean:
      return col.ints[row] != 0;
    case DataType::kReal:
      return std::bit_cast<uint32_t>(static_cast<float>(col.doubles[row]));
    case DataType::kDouble:
      return std::bit_cast<uint64_t>(col.doubles[row]);
    case DataType::kChar:
    case DataType::kVarChar:
      return col.strings[row];
    default:
      return col.ints[row];
  }
}

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: votable_dump OUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const TestTable table = MakeTestTable(2024, 1500);
  struct Output {
    const char* key;
    const char* file;
    ResultFormat format;
    int ending;  // 0: End(false), 1: End(true) (overflow), 2: EndWithError
  };
  const Output kOutputs[] = {
      {"td", "result_td.vot", ResultFormat::kVOTableTableData, 1},
      {"b", "result_b.vot", ResultFormat::kVOTableBinary, 2},
      {"b2", "result_b2.vot", ResultFormat::kVOTableBinary2, 0},
      {"csv", "result.csv", ResultFormat::kCsv, 0},
      {"tsv", "result.tsv", ResultFormat::kTsv, 0},
  };
  nlohmann::json expected;
  for (const Output& o : kOutputs) {
    const Status s = WriteFormat(table, o.format, dir + "/" + o.file, o.ending);
    if (!s.ok()) {
      std::fprintf(stderr, "votable_dump: %s: %s\n", o.file, s.ToString().c_str());
      return 1;
    }
    expected["files"][o.key] = {{"path", o.file},
                                {"status", o.ending == 0   ? "OK"
                                           : o.ending == 1 ? "OVERFLOW"
                                                           : "ERROR"}};
  }
  expected["stream_error"] = kStreamError;
  {
    auto sink = FileSink::Open(dir + "/error.vot");
    Status s = sink.ok() ? WriteErrorDocument(sink->get(), kErrorMessage) : sink.status();
    if (s.ok()) s = (*sink)->Close();
    if (!s.ok()) {
      std::fprintf(stderr, "votable_dump: error.vot: %s\n", s.ToString().c_str());
      return 1;
    }
    expected["error"] = {{"path", "error.vot"}, {"message", kErrorMessage}};
  }
  for (const FieldInfo& f : table.fields) {
    expected["fields"].push_back({{"name", f.name},
                                  {"type", std::string(AdqlTypeName(f.type.type))},
                                  {"length", f.type.length},
                                  {"unit", f.unit},
                                  {"ucd", f.ucd},
                                  {"utype", f.utype},
                                  {"description", f.description}});
  }
  expected["rows"] = nlohmann::json::array();
  for (const ColumnBatch& b : table.batches) {
    for (size_t r = 0; r < b.num_rows; ++r) {
      nlohmann::json row = nlohmann::json::array();
      for (size_t c = 0; c < table.fields.size(); ++c) {
        row.push_back(Cell(table.fields[c], b.columns[c], r));
      }
      expected["rows"].push_back(std::move(row));
    }
  }
  std::ofstream out(dir + "/expected.json");
  out << expected.dump(1);
  out.close();
  if (!out) {
    std::fprintf(stderr, "votable_dump: cannot write %s/expected.json\n", dir.c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace skyshard::votable_test

int main(int argc, char** argv) {
  try {
    return skyshard::votable_test::Main(argc, argv);
  } catch (const std::exception& e) {  // nlohmann::json reports errors by throwing
    std::fprintf(stderr, "votable_dump: %s\n", e.what());
    return 1;
  }
}
