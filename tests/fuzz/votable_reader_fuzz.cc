// libFuzzer target for the VOTable upload reader (votable/votable_reader.h). Feeds arbitrary
// bytes to ReadVOTable with small limits: no input may crash it, hang or exhaust memory (the
// sanitizers and libFuzzer's -timeout / -rss_limit_mb catch those). When the read succeeds the
// table must be consistent with itself and with the limits: every batch has one column per
// field, of the field's type, each with num_rows null flags and num_rows values in the vector
// its type uses; batches hold at most batch_rows rows and add up to num_rows; rows and columns
// stay within the limits; column names are unique (case-insensitively); booleans are 0 or 1. A
// broken invariant aborts with a description on stderr, so libFuzzer saves the input.
//
// Run by scripts/fuzz.sh; built only with -DSKYSHARD_FUZZ=ON and clang.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "common/ascii.h"
#include "votable/votable_reader.h"

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "votable_reader_fuzz: %s\n", what.c_str());
  std::abort();
}

// The number of values in the physical vector that `type` uses (column_batch.h).
size_t ValueCount(const skyshard::ColumnVector& c) {
  switch (c.type.type) {
    case skyshard::DataType::kReal:
    case skyshard::DataType::kDouble:
      return c.doubles.size();
    case skyshard::DataType::kChar:
    case skyshard::DataType::kVarChar:
      return c.strings.size();
    default:
      return c.ints.size();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  skyshard::VOTableReadOptions options;
  options.max_bytes = 64 << 10;
  options.max_rows = 500;
  options.max_columns = 40;
  options.batch_rows = 7;  // small, so that rows straddle batches
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto table = skyshard::ReadVOTable(input, options);
  if (!table.ok()) {
    if (table.status().message().empty()) Fail("an error without a message");
    return 0;
  }
  if (size > options.max_bytes) Fail("a document over max_bytes was read");
  if (table->num_rows > options.max_rows) Fail("more rows than max_rows");
  if (table->fields.size() > options.max_columns) Fail("more columns than max_columns");
  std::set<std::string> names;
  for (const auto& f : table->fields) {
    if (!names.insert(skyshard::AsciiLower(f.name)).second) Fail("duplicate column " + f.name);
  }
  uint64_t rows = 0;
  for (size_t b = 0; b < table->batches.size(); ++b) {
    const skyshard::ColumnBatch& batch = table->batches[b];
    const std::string where = "batch " + std::to_string(b);
    if (batch.columns.size() != table->fields.size()) {
      Fail(where + " has " + std::to_string(batch.columns.size()) + " columns for " +
           std::to_string(table->fields.size()) + " fields");
    }
    if (batch.num_rows > options.batch_rows) Fail(where + " holds more than batch_rows rows");
    rows += batch.num_rows;
    for (size_t i = 0; i < batch.columns.size(); ++i) {
      const skyshard::ColumnVector& c = batch.columns[i];
      const std::string col = where + " column " + std::to_string(i);
      if (!(c.type == table->fields[i].type)) Fail(col + " differs in type from its field");
      if (c.nulls.size() != batch.num_rows) Fail(col + ": null flags != num_rows");
      if (ValueCount(c) != batch.num_rows) Fail(col + ": values != num_rows");
      if (c.type.type == skyshard::DataType::kBoolean) {
        for (size_t r = 0; r < c.ints.size(); ++r) {
          if (c.nulls[r] == 0 && c.ints[r] != 0 && c.ints[r] != 1) Fail(col + ": boolean not 0/1");
        }
      }
    }
  }
  if (rows != table->num_rows) Fail("the batches hold a different number of rows than num_rows");
  return 0;
}
