#include "common/column_batch.h"

namespace skyshard {

void ColumnVector::Reserve(size_t n) {
  nulls.reserve(n);
  if (IsIntegerLike(type.type)) {
    ints.reserve(n);
  } else if (IsFloating(type.type)) {
    doubles.reserve(n);
  } else {
    strings.reserve(n);
  }
}

void ColumnVector::AppendNull() {
  if (IsIntegerLike(type.type)) {
    ints.push_back(0);
  } else if (IsFloating(type.type)) {
    doubles.push_back(0.0);
  } else {
    strings.emplace_back();
  }
  nulls.push_back(1);
}

void ColumnBatch::Reset(const std::vector<ColumnType>& types) {
  columns.resize(types.size());
  for (size_t i = 0; i < types.size(); ++i) {
    columns[i].Clear();
    columns[i].type = types[i];
  }
  num_rows = 0;
}

void ColumnBatch::Clear() {
  for (auto& c : columns) c.Clear();
  num_rows = 0;
}

}  // namespace skyshard
