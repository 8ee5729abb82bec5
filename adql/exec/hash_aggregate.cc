// Hash aggregation (GROUP BY and aggregate functions): AggregateTable (internal/
// aggregate_table.h) and the operator that drains its input into one and emits the groups.

#include <algorithm>
#include <cmath>

#include "adql/exec/internal/aggregate_table.h"
#include "adql/exec/internal/expression_nodes.h"
#include "adql/exec/internal/operator.h"

namespace skyshard::adql::exec {

using plan::AggregateFunction;

AggregateTable::AggregateTable(const plan::Aggregate& node, ExecContext* ctx)
    : node_(node), ctx_(ctx), state_memory_(&ctx->query->memory) {}

Status AggregateTable::Init() {
  for (const auto& g : node_.groups) {
    SKY_ASSIGN_OR_RETURN(auto ev, ExpressionEvaluator::Compile(*g, ctx_));
    group_types_.push_back(plan::StorageTypeOf(ev->type()));
    group_exprs_.push_back(std::move(ev));
  }
  groups_ = std::make_unique<RowSet>(group_types_, &ctx_->query->memory);
  states_.resize(node_.aggregates.size());
  for (size_t k = 0; k < node_.aggregates.size(); ++k) {
    const plan::AggregateCall& call = node_.aggregates[k];
    State& s = states_[k];
    if (call.argument != nullptr) {
      SKY_ASSIGN_OR_RETURN(auto ev, ExpressionEvaluator::Compile(*call.argument, ctx_));
      s.arg_type = ev->type();
      arg_exprs_.push_back(std::move(ev));
    } else {
      arg_exprs_.push_back(nullptr);
      if (call.function != AggregateFunction::kCountStar) {
        return Status::Internal("aggregate without its argument");
      }
    }
    if (call.function == AggregateFunction::kSum) {
      s.int_sum = VPhysOf(call.type) == VPhys::kInt;
    }
    if (VPhysOf(s.arg_type) == VPhys::kGeo && call.function != AggregateFunction::kCount) {
      return Status::Unsupported("aggregates over geometry values");
    }
    ValueType value_type = s.arg_type;
    if (call.function == AggregateFunction::kSum) {
      value_type = s.int_sum ? ValueType::kBigInt : ValueType::kDouble;
    } else if (call.function == AggregateFunction::kAvg) {
      value_type = ValueType::kDouble;
    } else if (VPhysOf(value_type) == VPhys::kGeo) {
      value_type = ValueType::kVarChar;
    }
    s.arg_type = value_type;
    s.extreme.type = plan::StorageTypeOf(value_type);
    if (call.distinct) {
      s.distinct =
          std::make_unique<RowSet>(std::vector<ColumnType>{plan::StorageTypeOf(ValueType::kBigInt),
                                                           plan::StorageTypeOf(value_type)},
                                   &ctx_->query->memory);
    }
  }
  if (node_.groups.empty()) GrowStates(1);
  return Status::OK();
}

void AggregateTable::GrowStates(size_t groups) {
  if (groups <= group_count_) return;
  for (size_t k = 0; k < states_.size(); ++k) {
    State& s = states_[k];
    s.counts.resize(groups, 0);
    switch (node_.aggregates[k].function) {
      case AggregateFunction::kSum:
      case AggregateFunction::kAvg:
        if (s.int_sum) {
          s.int_sums.resize(groups, 0);
        } else {
          s.double_sums.resize(groups, 0.0);
        }
        break;
      case AggregateFunction::kMin:
      case AggregateFunction::kMax:
        AppendNulls(groups - group_count_, &s.extreme);
        break;
      default:
        break;
    }
  }
  group_count_ = groups;
}

Status AggregateTable::GroupIds(const std::vector<const ColumnVector*>& keys, size_t n,
                                std::vector<uint32_t>* ids) {
  if (node_.groups.empty()) {
    ids->assign(n, 0);
    return Status::OK();
  }
  SKY_RETURN_IF_ERROR(groups_->Lookup(keys, n, /*insert=*/true, ids, &inserted_));
  const size_t before = group_count_;
  GrowStates(groups_->size());
  if (group_count_ > before) {
    SKY_RETURN_IF_ERROR(state_memory_.Grow((group_count_ - before) * (states_.size() * 24 + 8)));
  }
  return Status::OK();
}

Status AggregateTable::Update(size_t k, const ColumnVector& values,
                              const std::vector<uint32_t>& ids, size_t n) {
  State& s = states_[k];
  const AggregateFunction f = node_.aggregates[k].function;
  const uint8_t* nulls = values.nulls.data();
  switch (f) {
    case AggregateFunction::kCountStar:
      for (size_t i = 0; i < n; ++i) ++s.counts[ids[i]];
      break;
    case AggregateFunction::kCount:
      for (size_t i = 0; i < n; ++i) s.counts[ids[i]] += nulls[i] == 0;
      break;
    case AggregateFunction::kSum:
    case AggregateFunction::kAvg:
      if (s.int_sum) {
        bool overflow = false;
        for (size_t i = 0; i < n; ++i) {
          if (nulls[i]) continue;
          ++s.counts[ids[i]];
          overflow |=
              __builtin_add_overflow(s.int_sums[ids[i]], values.ints[i], &s.int_sums[ids[i]]);
        }
        if (overflow) return Status::InvalidArgument("bigint out of range");
      } else {
        for (size_t i = 0; i < n; ++i) {
          if (nulls[i]) continue;
          ++s.counts[ids[i]];
          s.double_sums[ids[i]] += values.doubles[i];
        }
      }
      break;
    case AggregateFunction::kMin:
    case AggregateFunction::kMax: {
      const int sign = f == AggregateFunction::kMin ? 1 : -1;
      for (size_t i = 0; i < n; ++i) {
        if (nulls[i]) continue;
        const uint32_t g = ids[i];
        ++s.counts[g];
        if (s.extreme.nulls[g] || sign * CompareValues(values, i, s.extreme, g) < 0) {
          s.extreme.nulls[g] = 0;
          switch (PhysOf(s.extreme.type.type)) {
            case Phys::kInt:
              s.extreme.ints[g] = values.ints[i];
              break;
            case Phys::kDouble:
              s.extreme.doubles[g] = values.doubles[i];
              break;
            case Phys::kString:
              s.extreme.strings[g] = values.strings[i];
              break;
          }
        }
      }
      break;
    }
  }
  return Status::OK();
}

namespace {

// Whether the values of `v` can be used as they are where a column of type `to` is wanted: a
// column (of the input, or computed), not a constant or geometry, holding its values in the
// same physical form, and for integers of the same type (ConvertColumn would check the range).
bool UsableInPlace(const EvalVector& v, ColumnType to) {
  if (v.constant || VPhysOf(v.type) == VPhys::kGeo) return false;
  const ColumnType have = v.col().type;
  return PhysOf(have.type) == PhysOf(to.type) &&
         (PhysOf(to.type) != Phys::kInt || have.type == to.type);
}

}  // namespace

Status AggregateTable::Consume(const ColumnBatch& input) {
  const size_t n = input.num_rows;
  if (n == 0) return Status::OK();
  const Selection all = Selection::All(n);
  // Group keys that are input columns (GROUP BY band) are looked up where they lie; others are
  // computed into keys_.
  keys_.columns.resize(group_exprs_.size());
  key_values_.resize(group_exprs_.size());
  key_columns_.resize(group_exprs_.size());
  for (size_t g = 0; g < group_exprs_.size(); ++g) {
    EvalVector& v = key_values_[g];
    SKY_RETURN_IF_ERROR(group_exprs_[g]->Evaluate(input, all, &v));
    if (UsableInPlace(v, group_types_[g])) {
      key_columns_[g] = &v.col();
      continue;
    }
    MaterializeColumn(v, n, &keys_.columns[g]);
    SKY_RETURN_IF_ERROR(ConvertColumn(group_types_[g], &keys_.columns[g]));
    key_columns_[g] = &keys_.columns[g];
  }
  SKY_RETURN_IF_ERROR(GroupIds(key_columns_, n, &ids_));
  for (size_t k = 0; k < states_.size(); ++k) {
    State& s = states_[k];
    const ColumnVector* values = nullptr;
    if (arg_exprs_[k] != nullptr) {
      SKY_RETURN_IF_ERROR(arg_exprs_[k]->Evaluate(input, all, &value_));
      if (VPhysOf(value_.type) != VPhys::kGeo) {
        SKY_RETURN_IF_ERROR(internal::Coerce(&value_, s.arg_type, all));
      }
      if (UsableInPlace(value_, s.extreme.type)) {
        values = &value_.col();  // AVG(psfFlux): the input column itself
      } else {
        MaterializeColumn(value_, n, &column_);
        SKY_RETURN_IF_ERROR(ConvertColumn(s.extreme.type, &column_));
        values = &column_;
      }
    } else {
      column_.Clear();
      column_.type = plan::StorageTypeOf(ValueType::kBigInt);
      column_.nulls.assign(n, 0);
      column_.ints.assign(n, 0);
      values = &column_;
    }
    if (s.distinct != nullptr) {
      pairs_.columns.resize(2);
      pairs_.columns[0].Clear();
      pairs_.columns[0].type = plan::StorageTypeOf(ValueType::kBigInt);
      for (size_t i = 0; i < n; ++i) pairs_.columns[0].AppendInt(ids_[i]);
      pairs_.columns[1] = *values;
      pairs_.num_rows = n;
      rows_scratch_.clear();
      for (size_t i = 0; i < n; ++i) {
        if (!values->nulls[i]) rows_scratch_.push_back(static_cast<uint32_t>(i));
      }
      if (rows_scratch_.size() != n) KeepRows(rows_scratch_, &pairs_);
      SKY_RETURN_IF_ERROR(s.distinct->Lookup(pairs_, /*insert=*/true, &pair_ids_, &inserted_));
      continue;
    }
    SKY_RETURN_IF_ERROR(Update(k, *values, ids_, n));
  }
  return Status::OK();
}

Status AggregateTable::Merge(AggregateTable* other) {
  std::vector<uint32_t> map;
  if (node_.groups.empty()) {
    map.assign(other->group_count_, 0);
  } else {
    const ColumnBatch& rows = other->groups_->rows();
    std::vector<const ColumnVector*> keys;
    for (const ColumnVector& c : rows.columns) keys.push_back(&c);
    SKY_RETURN_IF_ERROR(GroupIds(keys, rows.num_rows, &map));
  }
  for (size_t k = 0; k < states_.size(); ++k) {
    State& s = states_[k];
    State& o = other->states_[k];
    if (s.distinct != nullptr) {
      ColumnBatch& rows = o.distinct->rows();
      for (auto& gid : rows.columns[0].ints) gid = map[static_cast<size_t>(gid)];
      SKY_RETURN_IF_ERROR(s.distinct->Lookup(rows, /*insert=*/true, &pair_ids_, &inserted_));
      continue;
    }
    const AggregateFunction f = node_.aggregates[k].function;
    for (size_t g = 0; g < other->group_count_; ++g) {
      const uint32_t t = map[g];
      s.counts[t] += o.counts[g];
      if (f == AggregateFunction::kSum || f == AggregateFunction::kAvg) {
        if (s.int_sum) {
          if (__builtin_add_overflow(s.int_sums[t], o.int_sums[g], &s.int_sums[t])) {
            return Status::InvalidArgument("bigint out of range");
          }
        } else {
          s.double_sums[t] += o.double_sums[g];
        }
      } else if (f == AggregateFunction::kMin || f == AggregateFunction::kMax) {
        if (o.extreme.nulls[g]) continue;
        const int sign = f == AggregateFunction::kMin ? 1 : -1;
        if (s.extreme.nulls[t] || sign * CompareValues(o.extreme, g, s.extreme, t) < 0) {
          s.extreme.nulls[t] = 0;
          switch (PhysOf(s.extreme.type.type)) {
            case Phys::kInt:
              s.extreme.ints[t] = o.extreme.ints[g];
              break;
            case Phys::kDouble:
              s.extreme.doubles[t] = o.extreme.doubles[g];
              break;
            case Phys::kString:
              s.extreme.strings[t] = o.extreme.strings[g];
              break;
          }
        }
      }
    }
  }
  return Status::OK();
}

Status AggregateTable::FinishDistinct() {
  for (size_t k = 0; k < states_.size(); ++k) {
    State& s = states_[k];
    if (s.distinct == nullptr) continue;
    const ColumnBatch& rows = s.distinct->rows();
    std::vector<uint32_t> ids(rows.num_rows);
    for (size_t i = 0; i < rows.num_rows; ++i)
      ids[i] = static_cast<uint32_t>(rows.columns[0].ints[i]);
    SKY_RETURN_IF_ERROR(Update(k, rows.columns[1], ids, rows.num_rows));
    SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
  }
  return Status::OK();
}

Result<bool> AggregateTable::Emit(ColumnBatch* out) {
  if (!finished_) {
    SKY_RETURN_IF_ERROR(FinishDistinct());
    finished_ = true;
  }
  if (emitted_ >= group_count_) return false;
  SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
  const size_t begin = emitted_;
  const size_t end = std::min(group_count_, begin + ctx_->batch_rows());
  emitted_ = end;
  const size_t ng = group_types_.size();
  out->columns.resize(ng + states_.size());
  for (size_t g = 0; g < ng; ++g) {
    out->columns[g].Clear();
    out->columns[g].type = group_types_[g];
    AppendRange(groups_->rows().columns[g], begin, end, &out->columns[g]);
  }
  for (size_t k = 0; k < states_.size(); ++k) {
    const State& s = states_[k];
    const plan::AggregateCall& call = node_.aggregates[k];
    ColumnVector& c = out->columns[ng + k];
    c.Clear();
    switch (call.function) {
      case AggregateFunction::kCount:
      case AggregateFunction::kCountStar:
        c.type = plan::StorageTypeOf(ValueType::kBigInt);
        for (size_t g = begin; g < end; ++g) c.AppendInt(s.counts[g]);
        break;
      case AggregateFunction::kSum:
        if (s.int_sum) {
          c.type = plan::StorageTypeOf(ValueType::kBigInt);
          for (size_t g = begin; g < end; ++g) {
            if (s.counts[g] == 0)
              c.AppendNull();
            else
              c.AppendInt(s.int_sums[g]);
          }
        } else {
          c.type = plan::StorageTypeOf(ValueType::kDouble);
          for (size_t g = begin; g < end; ++g) {
            if (s.counts[g] == 0)
              c.AppendNull();
            else
              c.AppendDouble(s.double_sums[g]);
          }
        }
        break;
      case AggregateFunction::kAvg:
        c.type = plan::StorageTypeOf(ValueType::kDouble);
        for (size_t g = begin; g < end; ++g) {
          if (s.counts[g] == 0) {
            c.AppendNull();
          } else {
            const double sum = s.int_sum ? static_cast<double>(s.int_sums[g]) : s.double_sums[g];
            c.AppendDouble(sum / static_cast<double>(s.counts[g]));
          }
        }
        break;
      case AggregateFunction::kMin:
      case AggregateFunction::kMax:
        c.type = s.extreme.type;
        AppendRange(s.extreme, begin, end, &c);
        break;
    }
    const ColumnType want = plan::StorageTypeOf(call.type);
    if (PhysOf(want.type) != PhysOf(c.type.type) || call.type == ValueType::kBoolean) {
      SKY_RETURN_IF_ERROR(ConvertColumn(want, &c));
    }
  }
  out->num_rows = end - begin;
  return true;
}

namespace {

class HashAggregateOperator final : public Operator {
 public:
  HashAggregateOperator(const plan::Aggregate& node, OperatorPtr input, ExecContext* ctx)
      : input_(std::move(input)), ctx_(ctx), table_(node, ctx) {}
  Status Init() { return table_.Init(); }

  Result<bool> Next(ColumnBatch* out) override {
    if (input_ != nullptr) {
      ColumnBatch batch;
      while (true) {
        SKY_RETURN_IF_ERROR(ctx_->CheckInterrupt());
        SKY_ASSIGN_OR_RETURN(bool more, input_->Next(&batch));
        if (!more) break;
        SKY_RETURN_IF_ERROR(table_.Consume(batch));
      }
      input_.reset();
    }
    return table_.Emit(out);
  }

 private:
  OperatorPtr input_;
  ExecContext* ctx_;
  AggregateTable table_;
};

}  // namespace

Result<OperatorPtr> MakeHashAggregate(const plan::Aggregate& node, OperatorPtr input,
                                      ExecContext* ctx) {
  auto op = std::make_unique<HashAggregateOperator>(node, std::move(input), ctx);
  SKY_RETURN_IF_ERROR(op->Init());
  return OperatorPtr(std::move(op));
}

}  // namespace skyshard::adql::exec
