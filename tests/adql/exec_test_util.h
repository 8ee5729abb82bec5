// Helpers for the executor tests: hand-built plans and expressions, in-memory tables and a sink
// that keeps the rows as text.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "adql/binder/bound_expression.h"
#include "adql/binder/query_catalog.h"
#include "adql/exec/executor.h"
#include "adql/functions/function_registry.h"
#include "adql/planner/logical_plan.h"

namespace skyshard::adql::testing {

using plan::Expr;
using plan::ExprKind;
using plan::ExprPtr;
using plan::Op;
using plan::PlanPtr;
using plan::Value;

inline ExprPtr Col(int i, ValueType t, int depth = 0) { return Expr::Column(i, t, depth); }
inline ExprPtr Int(int64_t v, ValueType t = ValueType::kBigInt) {
  return Expr::Constant(Value::Int(v, t));
}
inline ExprPtr Dbl(double v) { return Expr::Constant(Value::Double(v)); }
inline ExprPtr Str(std::string s) { return Expr::Constant(Value::String(std::move(s))); }
inline ExprPtr Null(ValueType t = ValueType::kNull) { return Expr::Constant(Value::Null(t)); }

inline std::vector<ExprPtr> List(ExprPtr a) {
  std::vector<ExprPtr> v;
  v.push_back(std::move(a));
  return v;
}
inline std::vector<ExprPtr> List(ExprPtr a, ExprPtr b) {
  std::vector<ExprPtr> v;
  v.push_back(std::move(a));
  v.push_back(std::move(b));
  return v;
}
template <typename... T>
std::vector<ExprPtr> Args(T... a) {
  std::vector<ExprPtr> v;
  (v.push_back(std::move(a)), ...);
  return v;
}

inline ExprPtr Bin(Op op, ExprPtr a, ExprPtr b, ValueType t) {
  return Expr::Make(ExprKind::kBinary, t, List(std::move(a), std::move(b)), op);
}
inline ExprPtr Cmp(Op op, ExprPtr a, ExprPtr b) {
  return Expr::Make(ExprKind::kComparison, ValueType::kBoolean, List(std::move(a), std::move(b)),
                    op);
}
inline ExprPtr And(ExprPtr a, ExprPtr b) {
  return Expr::Make(ExprKind::kAnd, ValueType::kBoolean, List(std::move(a), std::move(b)));
}
inline ExprPtr Or(ExprPtr a, ExprPtr b) {
  return Expr::Make(ExprKind::kOr, ValueType::kBoolean, List(std::move(a), std::move(b)));
}
inline ExprPtr Not(ExprPtr a) {
  return Expr::Make(ExprKind::kNot, ValueType::kBoolean, List(std::move(a)));
}
inline ExprPtr IsNull(ExprPtr a, bool negated = false) {
  auto e = Expr::Make(ExprKind::kIsNull, ValueType::kBoolean, List(std::move(a)));
  e->negated = negated;
  return e;
}
inline ExprPtr Cast(ExprPtr a, ValueType t, int64_t length = 0) {
  auto e = Expr::Make(ExprKind::kCast, t, List(std::move(a)));
  e->cast_length = length;
  return e;
}
// A function call bound through the registry, as the binder does.
inline ExprPtr Call(const std::string& name, std::vector<ExprPtr> args) {
  const FunctionRegistry& r = FunctionRegistry::Default();
  std::vector<ValueType> types;
  for (const auto& a : args) types.push_back(a->type);
  auto sig = r.Resolve(name, types);
  EXPECT_TRUE(sig.ok()) << name << ": " << sig.status().ToString();
  auto e = Expr::Make(ExprKind::kFunction, sig.ok() ? (*sig)->ResultType(types) : ValueType::kNull,
                      std::move(args));
  e->function = r.Find(name);
  e->signature = sig.ok() ? *sig : nullptr;
  return e;
}

inline plan::OutputColumn Out(std::string name, ValueType t) {
  plan::OutputColumn c;
  c.name = std::move(name);
  c.type = t;
  c.storage_type = plan::StorageTypeOf(t);
  return c;
}

// An in-memory table with the given column names and types.
struct TableBuilder {
  std::shared_ptr<QueryTable> table = std::make_shared<QueryTable>();
  std::shared_ptr<MemoryTable> rows = std::make_shared<MemoryTable>();
  std::vector<ValueType> types;

  TableBuilder(std::string name, const std::vector<std::pair<std::string, ValueType>>& columns) {
    table->schema = "TAP_UPLOAD";
    table->def.name = std::move(name);
    table->source = QueryTable::Source::kMemory;
    for (auto& [n, t] : columns) {
      ColumnDef c;
      c.name = n;
      c.type = plan::StorageTypeOf(t);
      table->def.columns.push_back(c);
      types.push_back(t);
    }
    table->rows = rows;
  }
  // Starts a new batch (tables may hold several).
  void NewBatch() {
    ColumnBatch b;
    std::vector<ColumnType> ct;
    for (const auto& c : table->def.columns) ct.push_back(c.type);
    b.Reset(ct);
    rows->batches.push_back(std::move(b));
  }
  // Appends a row of Values (NULL where is_null).
  void Add(const std::vector<Value>& values) {
    if (rows->batches.empty()) NewBatch();
    ColumnBatch& b = rows->batches.back();
    for (size_t c = 0; c < values.size(); ++c) {
      ColumnVector& v = b.columns[c];
      const Value& x = values[c];
      if (x.is_null) {
        v.AppendNull();
      } else if (IsIntegerLike(v.type.type)) {
        v.AppendInt(x.int_value);
      } else if (IsFloating(v.type.type)) {
        v.AppendDouble(x.double_value);
      } else {
        v.AppendString(x.string_value);
      }
    }
    ++b.num_rows;
  }
};

inline PlanPtr ScanOf(const QueryTable* table, const std::vector<ValueType>& types) {
  auto s = std::make_unique<plan::Scan>();
  s->table = table;
  for (size_t i = 0; i < table->def.columns.size(); ++i) {
    s->columns.push_back(static_cast<int>(i));
    plan::OutputColumn c = Out(table->def.columns[i].name, types[i]);
    c.storage_type = table->def.columns[i].type;
    s->schema.push_back(c);
  }
  return s;
}

inline PlanPtr FilterOf(PlanPtr in, ExprPtr cond) {
  auto f = std::make_unique<plan::Filter>();
  f->schema = in->schema;
  f->condition = std::move(cond);
  f->children.push_back(std::move(in));
  return f;
}

inline PlanPtr ProjectOf(PlanPtr in, std::vector<ExprPtr> exprs) {
  auto p = std::make_unique<plan::Project>();
  for (size_t i = 0; i < exprs.size(); ++i) {
    p->schema.push_back(Out("c" + std::to_string(i), exprs[i]->type));
  }
  p->expressions = std::move(exprs);
  p->children.push_back(std::move(in));
  return p;
}

// The rows a query returned, each as text: NULL, integers, doubles with %.10g, strings.
class CollectSink final : public RowSink {
 public:
  Status Begin(const std::vector<plan::OutputColumn>& columns) override {
    columns_ = columns;
    began = true;
    return Status::OK();
  }
  Status Write(const ColumnBatch& batch) override {
    ++writes;
    if (batch.columns.size() != columns_.size()) {
      return Status::Internal("batch has " + std::to_string(batch.columns.size()) + " columns");
    }
    for (size_t c = 0; c < batch.columns.size(); ++c) {
      if (!(batch.columns[c].type == columns_[c].storage_type)) {
        return Status::Internal("column " + std::to_string(c) + " has the wrong type");
      }
      if (batch.columns[c].size() != batch.num_rows) return Status::Internal("ragged batch");
    }
    for (size_t r = 0; r < batch.num_rows; ++r) {
      std::vector<std::string> row;
      for (const auto& c : batch.columns) row.push_back(Text(c, r));
      rows.push_back(std::move(row));
    }
    if (fail_after >= 0 && static_cast<int>(rows.size()) > fail_after) {
      return Status::IOError("sink closed");
    }
    return Status::OK();
  }
  static std::string Text(const ColumnVector& c, size_t r) {
    if (c.nulls[r]) return "NULL";
    if (IsIntegerLike(c.type.type)) return std::to_string(c.ints[r]);
    if (IsFloating(c.type.type)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.10g", c.doubles[r]);
      return buf;
    }
    return c.strings[r];
  }

  bool began = false;
  int writes = 0;
  int fail_after = -1;
  std::vector<std::vector<std::string>> rows;

 private:
  std::vector<plan::OutputColumn> columns_;
};

inline std::string D(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace skyshard::adql::testing
