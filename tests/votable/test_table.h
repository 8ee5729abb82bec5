// A deterministic random result table for the writer tests: every column type, NULLs,
// extreme values (INT64_MIN/MAX, -0.0, 1e-300, subnormals, NaN, infinities) and strings full of
// XML, CSV and TSV metacharacters and multi-byte UTF-8, split into batches of uneven sizes
// (including empty ones).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/column_batch.h"
#include "votable/result_writer.h"

namespace skyshard::votable_test {

struct TestTable {
  std::vector<FieldInfo> fields;
  std::vector<ColumnBatch> batches;
  size_t num_rows = 0;

  // Row `row` (0-based over all batches) as (batch, row in batch).
  std::pair<const ColumnBatch*, size_t> Locate(size_t row) const;
};

// The same `seed` and `num_rows` give the same table. Column 0 ("id") is the row number.
TestTable MakeTestTable(uint64_t seed, size_t num_rows);

}  // namespace skyshard::votable_test
