// Columns, constants, arithmetic, comparisons, logic, predicates, CASE and CAST. Functions are
// in expression_functions.cc, subqueries in expression_subquery.cc.

#include "adql/exec/internal/expression_evaluator.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_set>
#include <utility>

#include "adql/exec/internal/column_util.h"
#include "adql/exec/internal/expression_nodes.h"
#include "adql/planner/logical_plan.h"
#include "common/ascii.h"

namespace skyshard::adql::exec {

VPhys VPhysOf(ValueType t) {
  switch (t) {
    case ValueType::kSmallInt:
    case ValueType::kInteger:
    case ValueType::kBigInt:
    case ValueType::kBoolean:
    case ValueType::kTimestamp:
      return VPhys::kInt;
    case ValueType::kReal:
    case ValueType::kDouble:
      return VPhys::kDouble;
    case ValueType::kPoint:
    case ValueType::kCircle:
    case ValueType::kBox:
    case ValueType::kPolygon:
    case ValueType::kRegion:
    case ValueType::kGeometry:
      return VPhys::kGeo;
    default:
      return VPhys::kString;
  }
}

namespace internal {
namespace {

bool IsIntType(ValueType t) { return VPhysOf(t) == VPhys::kInt; }

void ResizeFor(VPhys p, size_t n, EvalVector* out) {
  ColumnVector& c = out->owned;
  c.ints.clear();
  c.doubles.clear();
  c.strings.clear();
  out->geo.clear();
  switch (p) {
    case VPhys::kInt:
      c.ints.resize(n);
      break;
    case VPhys::kDouble:
      c.doubles.resize(n);
      break;
    case VPhys::kString:
      c.strings.resize(n);
      break;
    case VPhys::kGeo:
      c.strings.resize(n);  // unused; keeps col() a valid VARCHAR column
      out->geo.resize(n);
      break;
  }
  c.nulls.assign(n, 1);
}

std::optional<double> ParseDouble(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (!s.empty() && ec == std::errc() && p == s.data() + s.size()) return d;
  const std::string lower = AsciiLower(s);
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (lower == "infinity" || lower == "inf") return std::numeric_limits<double>::infinity();
  if (lower == "-infinity" || lower == "-inf") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

Status CheckIntRange(ValueType t, int64_t v) {
  if (t == ValueType::kSmallInt && (v < -32768 || v > 32767)) {
    return Status::InvalidArgument("smallint out of range");
  }
  if (t == ValueType::kInteger &&
      (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())) {
    return Status::InvalidArgument("integer out of range");
  }
  return Status::OK();
}

Result<int64_t> DoubleToInt(double d, ValueType t) {
  if (std::isnan(d) || d < -9.2233720368547758e18 || d >= 9.2233720368547758e18) {
    return Status::InvalidArgument(std::string(ValueTypeName(t)) + " out of range");
  }
  const auto v = static_cast<int64_t>(std::nearbyint(d));
  SKY_RETURN_IF_ERROR(CheckIntRange(t, v));
  return v;
}

std::string TruncateChars(const std::string& s, int64_t n) {
  size_t chars = 0, i = 0;
  while (i < s.size()) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (static_cast<int64_t>(chars) == n) return s.substr(0, i);
      ++chars;
    }
    ++i;
  }
  return s;
}

// Converts in[src] (not NULL) to `to` into out[dst].
Status ConvertRow(const EvalVector& in, size_t src, ValueType to, int64_t cast_length,
                  EvalVector* out, size_t dst) {
  const ColumnVector& c = in.col();
  const VPhys from = VPhysOf(in.type), target = VPhysOf(to);
  ColumnVector& o = out->owned;
  o.nulls[dst] = 0;
  switch (target) {
    case VPhys::kInt: {
      int64_t v = 0;
      if (from == VPhys::kInt) {
        v = c.ints[src];
        if (to == ValueType::kBoolean) v = v != 0;
        SKY_RETURN_IF_ERROR(CheckIntRange(to, v));
      } else if (from == VPhys::kDouble) {
        if (to == ValueType::kBoolean) {
          v = c.doubles[src] != 0;
        } else {
          SKY_ASSIGN_OR_RETURN(v, DoubleToInt(c.doubles[src], to));
        }
      } else if (from == VPhys::kString) {
        const std::string& s = c.strings[src];
        if (to == ValueType::kTimestamp) {
          SKY_ASSIGN_OR_RETURN(v, ParseTimestamp(s));
        } else if (to == ValueType::kBoolean) {
          const std::string l = AsciiLower(s);
          if (l == "t" || l == "true" || l == "1" || l == "yes" || l == "y" || l == "on") {
            v = 1;
          } else if (l == "f" || l == "false" || l == "0" || l == "no" || l == "n" || l == "off") {
            v = 0;
          } else {
            return Status::InvalidArgument("invalid input syntax for type BOOLEAN: '" + s + "'");
          }
        } else {
          std::string_view t = s;
          while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
          while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
          if (!t.empty() && t[0] == '+') t.remove_prefix(1);
          auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
          if (t.empty() || ec != std::errc() || p != t.data() + t.size()) {
            if (ec == std::errc::result_out_of_range) {
              return Status::InvalidArgument(std::string(ValueTypeName(to)) + " out of range");
            }
            return Status::InvalidArgument("invalid input syntax for type " +
                                           std::string(ValueTypeName(to)) + ": '" + s + "'");
          }
          SKY_RETURN_IF_ERROR(CheckIntRange(to, v));
        }
      } else {
        return Status::InvalidArgument("cannot convert a geometry to " +
                                       std::string(ValueTypeName(to)));
      }
      o.ints[dst] = v;
      return Status::OK();
    }
    case VPhys::kDouble: {
      double d = 0;
      if (from == VPhys::kInt) {
        d = static_cast<double>(c.ints[src]);
      } else if (from == VPhys::kDouble) {
        d = c.doubles[src];
      } else if (from == VPhys::kString) {
        auto parsed = ParseDouble(c.strings[src]);
        if (!parsed) {
          return Status::InvalidArgument("invalid input syntax for type " +
                                         std::string(ValueTypeName(to)) + ": '" + c.strings[src] +
                                         "'");
        }
        d = *parsed;
      } else {
        return Status::InvalidArgument("cannot convert a geometry to " +
                                       std::string(ValueTypeName(to)));
      }
      if (to == ValueType::kReal) d = static_cast<double>(static_cast<float>(d));
      o.doubles[dst] = d;
      return Status::OK();
    }
    case VPhys::kString: {
      std::string s;
      if (from == VPhys::kInt) {
        if (in.type == ValueType::kTimestamp) {
          s = FormatTimestamp(c.ints[src]);
        } else if (in.type == ValueType::kBoolean) {
          s = c.ints[src] != 0 ? "true" : "false";
        } else {
          s = std::to_string(c.ints[src]);
        }
      } else if (from == VPhys::kDouble) {
        s = DoubleToText(c.doubles[src]);
      } else if (from == VPhys::kString) {
        s = c.strings[src];
      } else {
        s = ToStcs(in.geo[src]);
      }
      if (cast_length > 0) s = TruncateChars(s, cast_length);
      o.strings[dst] = std::move(s);
      return Status::OK();
    }
    case VPhys::kGeo: {
      if (from == VPhys::kGeo) {
        out->geo[dst] = in.geo[src];
      } else if (from == VPhys::kString) {
        SKY_ASSIGN_OR_RETURN(out->geo[dst], ParseStcs(c.strings[src]));
      } else {
        return Status::InvalidArgument("cannot convert a number to " +
                                       std::string(ValueTypeName(to)));
      }
      return Status::OK();
    }
  }
  return Status::OK();
}

bool NeedsValueChange(ValueType from, ValueType to, int64_t cast_length) {
  const VPhys pf = VPhysOf(from), pt = VPhysOf(to);
  if (pf != pt) return true;
  if (cast_length > 0 && pt == VPhys::kString) return true;
  if (pt == VPhys::kInt) {
    if (to == ValueType::kBoolean && from != ValueType::kBoolean) return true;
    if (to == ValueType::kSmallInt && from != ValueType::kSmallInt) return true;
    if (to == ValueType::kInteger && from != ValueType::kInteger && from != ValueType::kSmallInt &&
        from != ValueType::kBoolean) {
      return true;
    }
  }
  if (to == ValueType::kReal && from == ValueType::kDouble) return true;
  return false;
}

}  // namespace

void PrepareOutput(ValueType type, size_t n, EvalVector* out) {
  out->type = type;
  out->constant = false;
  out->ref = nullptr;
  out->owned.type = plan::StorageTypeOf(type);
  ResizeFor(VPhysOf(type), n, out);
}

Status SetConstant(const plan::Value& v, ValueType type, EvalVector* out) {
  EvalVector src;
  src.type = v.is_null ? ValueType::kNull : v.type;
  src.constant = true;
  src.owned.type = plan::StorageTypeOf(src.type);
  ResizeFor(VPhysOf(src.type), 1, &src);
  if (!v.is_null) {
    src.owned.nulls[0] = 0;
    switch (VPhysOf(src.type)) {
      case VPhys::kInt:
        src.owned.ints[0] = v.int_value;
        break;
      case VPhys::kDouble:
        src.owned.doubles[0] = v.double_value;
        break;
      case VPhys::kString:
        src.owned.strings[0] = v.string_value;
        break;
      case VPhys::kGeo: {
        SKY_ASSIGN_OR_RETURN(src.geo[0], ParseStcs(v.string_value));
        break;
      }
    }
  }
  if (type != src.type) SKY_RETURN_IF_ERROR(Coerce(&src, type, Selection::All(1)));
  *out = std::move(src);
  return Status::OK();
}

Status Coerce(EvalVector* v, ValueType to, const Selection& sel, int64_t cast_length) {
  if (v->type == to && cast_length == 0) return Status::OK();
  if (v->type == ValueType::kNull) {
    // Every value is NULL: a NULL constant of the new type.
    v->type = to;
    v->constant = true;
    v->ref = nullptr;
    v->owned.type = plan::StorageTypeOf(to);
    ResizeFor(VPhysOf(to), 1, v);
    return Status::OK();
  }
  if (!NeedsValueChange(v->type, to, cast_length)) {
    v->type = to;
    return Status::OK();
  }
  EvalVector out;
  Status status;
  if (v->constant) {
    PrepareOutput(to, 1, &out);
    out.constant = true;
    if (!v->IsNull(0)) status = ConvertRow(*v, 0, to, cast_length, &out, 0);
  } else {
    PrepareOutput(to, sel.n, &out);
    const ColumnVector& c = v->col();
    sel.ForEach([&](size_t i) {
      if (status.ok() && !c.nulls[i]) status = ConvertRow(*v, i, to, cast_length, &out, i);
    });
  }
  SKY_RETURN_IF_ERROR(status);
  *v = std::move(out);
  return Status::OK();
}

Result<ValueType> ComparisonDomain(ValueType a, ValueType b) {
  if (a == ValueType::kNull || b == ValueType::kNull) return ValueType::kNull;
  const VPhys pa = VPhysOf(a), pb = VPhysOf(b);
  if (pa == VPhys::kGeo || pb == VPhys::kGeo) {
    if (pa == pb || pa == VPhys::kString || pb == VPhys::kString) return ValueType::kVarChar;
    return Status::InvalidArgument("a geometry does not compare with a number");
  }
  if (a == ValueType::kTimestamp || b == ValueType::kTimestamp) {
    if (pa == VPhys::kDouble || pb == VPhys::kDouble) return ValueType::kDouble;
    return ValueType::kTimestamp;
  }
  if (pa == VPhys::kInt && pb == VPhys::kInt) return ValueType::kBigInt;
  if (pa == VPhys::kString && pb == VPhys::kString) return ValueType::kVarChar;
  return ValueType::kDouble;
}

bool LikeMatch(std::string_view text, std::string_view pattern, char escape, bool fold) {
  // Iterative matching with backtracking to the last '%': linear for patterns with one '%'.
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  auto char_len = [](std::string_view s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    return std::min(len, s.size() - i);
  };
  while (t < text.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '%') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (pc == '_') {
        t += char_len(text, t);
        ++p;
        continue;
      }
      if (escape != 0 && pc == escape && p + 1 < pattern.size()) {
        ++p;
        pc = pattern[p];
      }
      const char tc = text[t];
      if (fold ? AsciiLower(pc) == AsciiLower(tc) : pc == tc) {
        ++t;
        ++p;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    star_t += char_len(text, star_t);
    t = star_t;
    p = star_p;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

void AppendKey(const plan::Value& v, std::string* out) {
  if (v.is_null) {
    *out += '\x01';
    return;
  }
  *out += '\x02';
  switch (VPhysOf(v.type)) {
    case VPhys::kInt:
      out->append(reinterpret_cast<const char*>(&v.int_value), sizeof v.int_value);
      break;
    case VPhys::kDouble:
      out->append(reinterpret_cast<const char*>(&v.double_value), sizeof v.double_value);
      break;
    default:
      out->append(std::to_string(v.string_value.size()));
      *out += ':';
      *out += v.string_value;
      break;
  }
}

bool IsConstantExpr(const plan::Expr& e) {
  switch (e.kind) {
    case plan::ExprKind::kConstant:
      return true;
    case plan::ExprKind::kColumn:
    case plan::ExprKind::kSubquery:
      return false;
    case plan::ExprKind::kFunction:
      if (e.function == nullptr || EqualsIgnoreCase(e.function->name, "RAND") ||
          EqualsIgnoreCase(e.function->name, "ivo_normal_random")) {
        return false;
      }
      break;
    default:
      break;
  }
  for (const auto& a : e.args) {
    if (!IsConstantExpr(*a)) return false;
  }
  return true;
}

namespace {

// ---- Leaves -----------------------------------------------------------------------------------

class ColumnNode final : public Node {
 public:
  ColumnNode(ValueType type, int column) : Node(type), column_(column) {}
  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    if (column_ < 0 || static_cast<size_t>(column_) >= in.columns.size()) {
      return Status::Internal("column #" + std::to_string(column_) + " is not in the input");
    }
    const ColumnVector& c = in.columns[static_cast<size_t>(column_)];
    out->constant = false;
    out->ref = &c;
    out->geo.clear();
    // The column's own type says what its vector holds; the expression's type what it means.
    out->type = ValueTypeOf(c.type.type);
    if (VPhysOf(out->type) != VPhysOf(type_) || type_ == ValueType::kReal) {
      if (VPhysOf(out->type) == VPhysOf(type_)) {
        out->type = type_;
        return Status::OK();
      }
      return Coerce(out, type_, sel);
    }
    out->type = type_;
    return Status::OK();
  }

 private:
  int column_;
};

class OuterColumnNode final : public Node {
 public:
  OuterColumnNode(ValueType type, int column, int depth, ExecContext* ctx)
      : Node(type), column_(column), depth_(depth), ctx_(ctx) {}
  Status Eval(const ColumnBatch&, const Selection&, EvalVector* out) override {
    const size_t d = static_cast<size_t>(depth_);
    if (d > ctx_->outer.size()) {
      return Status::Internal("outer column reference of depth " + std::to_string(depth_) +
                              " outside a correlated subquery");
    }
    const OuterRow& row = *ctx_->outer[ctx_->outer.size() - d];
    if (column_ < 0 || static_cast<size_t>(column_) >= row.size()) {
      return Status::Internal("outer column #" + std::to_string(column_) + " out of range");
    }
    return SetConstant(row[static_cast<size_t>(column_)], type_, out);
  }

 private:
  int column_;
  int depth_;
  ExecContext* ctx_;
};

class ConstantNode final : public Node {
 public:
  explicit ConstantNode(EvalVector value) : Node(value.type), value_(std::move(value)) {}
  Status Eval(const ColumnBatch&, const Selection&, EvalVector* out) override {
    out->type = value_.type;
    out->constant = true;
    out->ref = &value_.owned;
    out->geo = value_.geo;
    return Status::OK();
  }

 private:
  EvalVector value_;
};

// An expression of constants, computed on first use (so that an error in it shows only when a
// row needs it) and then kept.
class FoldedNode final : public Node {
 public:
  explicit FoldedNode(NodePtr inner) : Node(inner->type()), inner_(std::move(inner)) {}
  Status Eval(const ColumnBatch&, const Selection&, EvalVector* out) override {
    if (!done_) {
      ColumnBatch one;
      one.num_rows = 1;
      EvalVector v;
      SKY_RETURN_IF_ERROR(inner_->Eval(one, Selection::All(1), &v));
      value_.type = v.type;
      value_.constant = true;
      value_.owned = v.col();  // a copy: `v` may point into a node's storage
      if (!v.constant) {
        // Keep only row 0.
        const uint32_t zero = 0;
        KeepRows(&zero, 1, &value_.owned);
      }
      value_.geo = v.geo;
      if (value_.geo.size() > 1) value_.geo.resize(1);
      done_ = true;
    }
    out->type = value_.type;
    out->constant = true;
    out->ref = &value_.owned;
    out->geo = value_.geo;
    return Status::OK();
  }

 private:
  NodePtr inner_;
  bool done_ = false;
  EvalVector value_;
};

// ---- Arithmetic -------------------------------------------------------------------------------

class UnaryNode final : public Node {
 public:
  UnaryNode(ValueType type, plan::Op op, NodePtr arg) : Node(type), op_(op), arg_(std::move(arg)) {}
  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    SKY_RETURN_IF_ERROR(arg_->Eval(in, sel, &a_));
    if (type_ == ValueType::kNull) {
      PrepareOutput(type_, sel.n, out);
      return Status::OK();
    }
    const bool integer = IsIntType(type_);
    SKY_RETURN_IF_ERROR(Coerce(&a_, integer ? ValueType::kBigInt : ValueType::kDouble, sel));
    PrepareOutput(type_, sel.n, out);
    const ColumnVector& a = a_.col();
    ColumnVector& o = out->owned;
    bool overflow = false;
    sel.ForEach([&](size_t i) {
      const size_t ia = a_.Index(i);
      if (a.nulls[ia]) return;
      o.nulls[i] = 0;
      if (!integer) {
        o.doubles[i] = -a.doubles[ia];
      } else if (op_ == plan::Op::kBitNot) {
        o.ints[i] = ~a.ints[ia];
      } else if (a.ints[ia] == std::numeric_limits<int64_t>::min()) {
        overflow = true;
      } else {
        o.ints[i] = -a.ints[ia];
      }
    });
    if (overflow) return Status::InvalidArgument("bigint out of range");
    if (integer && type_ != ValueType::kBigInt) {
      sel.ForEach([&](size_t i) {
        if (!o.nulls[i] && !CheckIntRange(type_, o.ints[i]).ok()) overflow = true;
      });
      if (overflow) return CheckIntRange(type_, std::numeric_limits<int64_t>::max());
    }
    return Status::OK();
  }

 private:
  plan::Op op_;
  NodePtr arg_;
  EvalVector a_;
};

class BinaryNode final : public Node {
 public:
  BinaryNode(ValueType type, plan::Op op, NodePtr a, NodePtr b)
      : Node(type), op_(op), a_node_(std::move(a)), b_node_(std::move(b)) {}

  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    SKY_RETURN_IF_ERROR(a_node_->Eval(in, sel, &a_));
    SKY_RETURN_IF_ERROR(b_node_->Eval(in, sel, &b_));
    if (type_ == ValueType::kNull || a_.type == ValueType::kNull || b_.type == ValueType::kNull) {
      PrepareOutput(type_, sel.n, out);
      return Status::OK();
    }
    if (op_ == plan::Op::kConcat) return Concat(sel, out);
    const VPhys phys = VPhysOf(type_);
    if (phys == VPhys::kDouble) return Floating(sel, out);
    if (phys == VPhys::kInt) return Integer(sel, out);
    // Text arithmetic does not exist; the binder would not type it so.
    return Status::InvalidArgument("operator needs numbers");
  }

 private:
  template <typename F>
  Status Loop(const Selection& sel, F&& f) {
    const ColumnVector& a = a_.col();
    const ColumnVector& b = b_.col();
    sel.ForEach([&](size_t i) {
      const size_t ia = a_.Index(i), ib = b_.Index(i);
      if (a.nulls[ia] | b.nulls[ib]) return;
      f(i, ia, ib);
    });
    return Status::OK();
  }

  Status Concat(const Selection& sel, EvalVector* out) {
    SKY_RETURN_IF_ERROR(Coerce(&a_, ValueType::kVarChar, sel));
    SKY_RETURN_IF_ERROR(Coerce(&b_, ValueType::kVarChar, sel));
    PrepareOutput(ValueType::kVarChar, sel.n, out);
    ColumnVector& o = out->owned;
    const ColumnVector& a = a_.col();
    const ColumnVector& b = b_.col();
    SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
      o.nulls[i] = 0;
      o.strings[i].reserve(a.strings[ia].size() + b.strings[ib].size());
      o.strings[i] = a.strings[ia];
      o.strings[i] += b.strings[ib];
    }));
    if (type_ != ValueType::kVarChar) return Coerce(out, type_, sel);
    return Status::OK();
  }

  Status Floating(const Selection& sel, EvalVector* out) {
    SKY_RETURN_IF_ERROR(Coerce(&a_, ValueType::kDouble, sel));
    SKY_RETURN_IF_ERROR(Coerce(&b_, ValueType::kDouble, sel));
    PrepareOutput(type_, sel.n, out);
    double* o = out->owned.doubles.data();
    uint8_t* on = out->owned.nulls.data();
    const double* a = a_.col().doubles.data();
    const double* b = b_.col().doubles.data();
    bool div_zero = false;
    switch (op_) {
      case plan::Op::kAdd:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          on[i] = 0;
          o[i] = a[ia] + b[ib];
        }));
        break;
      case plan::Op::kSubtract:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          on[i] = 0;
          o[i] = a[ia] - b[ib];
        }));
        break;
      case plan::Op::kMultiply:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          on[i] = 0;
          o[i] = a[ia] * b[ib];
        }));
        break;
      case plan::Op::kDivide:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          if (b[ib] == 0) div_zero = true;
          on[i] = 0;
          o[i] = a[ia] / b[ib];
        }));
        break;
      default:
        return Status::InvalidArgument("bitwise operators need integers");
    }
    if (div_zero) return Status::InvalidArgument("division by zero");
    if (type_ == ValueType::kReal) {
      sel.ForEach([&](size_t i) { o[i] = static_cast<double>(static_cast<float>(o[i])); });
    }
    return Status::OK();
  }

  Status Integer(const Selection& sel, EvalVector* out) {
    if (VPhysOf(a_.type) != VPhys::kInt || VPhysOf(b_.type) != VPhys::kInt) {
      // An integer result of non-integer operands: compute in floating point, then convert.
      const ValueType want = type_;
      type_ = ValueType::kDouble;
      Status s = Floating(sel, out);
      type_ = want;
      SKY_RETURN_IF_ERROR(s);
      return Coerce(out, want, sel);
    }
    PrepareOutput(type_, sel.n, out);
    int64_t* o = out->owned.ints.data();
    uint8_t* on = out->owned.nulls.data();
    const int64_t* a = a_.col().ints.data();
    const int64_t* b = b_.col().ints.data();
    bool overflow = false, div_zero = false;
    switch (op_) {
      case plan::Op::kAdd:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          on[i] = 0;
          overflow |= __builtin_add_overflow(a[ia], b[ib], &o[i]);
        }));
        break;
      case plan::Op::kSubtract:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          on[i] = 0;
          overflow |= __builtin_sub_overflow(a[ia], b[ib], &o[i]);
        }));
        break;
      case plan::Op::kMultiply:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          on[i] = 0;
          overflow |= __builtin_mul_overflow(a[ia], b[ib], &o[i]);
        }));
        break;
      case plan::Op::kDivide:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          on[i] = 0;
          if (b[ib] == 0) {
            div_zero = true;
          } else if (b[ib] == -1) {
            overflow |= __builtin_mul_overflow(a[ia], int64_t{-1}, &o[i]);
          } else {
            o[i] = a[ia] / b[ib];
          }
        }));
        break;
      case plan::Op::kBitAnd:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          on[i] = 0;
          o[i] = a[ia] & b[ib];
        }));
        break;
      case plan::Op::kBitOr:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          on[i] = 0;
          o[i] = a[ia] | b[ib];
        }));
        break;
      case plan::Op::kBitXor:
        SKY_RETURN_IF_ERROR(Loop(sel, [&](size_t i, size_t ia, size_t ib) {
          on[i] = 0;
          o[i] = a[ia] ^ b[ib];
        }));
        break;
      default:
        return Status::Internal("unknown arithmetic operator");
    }
    if (div_zero) return Status::InvalidArgument("division by zero");
    if (overflow) return Status::InvalidArgument("bigint out of range");
    if (type_ != ValueType::kBigInt && type_ != ValueType::kTimestamp) {
      Status range;
      sel.ForEach([&](size_t i) {
        if (range.ok() && !on[i]) range = CheckIntRange(type_, o[i]);
      });
      if (type_ == ValueType::kBoolean) {
        sel.ForEach([&](size_t i) { o[i] = o[i] != 0; });
      }
      return range;
    }
    return Status::OK();
  }

  plan::Op op_;
  NodePtr a_node_, b_node_;
  EvalVector a_, b_;
};

// ---- Comparison ---------------------------------------------------------------------------------

inline int CmpDouble(double x, double y) {
  if (x < y) return -1;
  if (x > y) return 1;
  if (x == y) return 0;
  const bool nx = std::isnan(x), ny = std::isnan(y);
  return nx == ny ? 0 : (nx ? 1 : -1);
}

inline bool Holds(plan::Op op, int c) {
  switch (op) {
    case plan::Op::kEqual:
      return c == 0;
    case plan::Op::kNotEqual:
      return c != 0;
    case plan::Op::kLess:
      return c < 0;
    case plan::Op::kLessEqual:
      return c <= 0;
    case plan::Op::kGreater:
      return c > 0;
    case plan::Op::kGreaterEqual:
      return c >= 0;
    default:
      return false;
  }
}

// Compares a and b (already in `domain`) over `sel` into the BOOLEAN `out`.
void CompareVectors(plan::Op op, ValueType domain, const EvalVector& av, const EvalVector& bv,
                    const Selection& sel, EvalVector* out) {
  PrepareOutput(ValueType::kBoolean, sel.n, out);
  int64_t* o = out->owned.ints.data();
  uint8_t* on = out->owned.nulls.data();
  const ColumnVector& a = av.col();
  const ColumnVector& b = bv.col();
  auto loop = [&](auto cmp) {
    sel.ForEach([&](size_t i) {
      const size_t ia = av.Index(i), ib = bv.Index(i);
      if (a.nulls[ia] | b.nulls[ib]) return;
      on[i] = 0;
      o[i] = cmp(ia, ib);
    });
  };
  switch (VPhysOf(domain)) {
    case VPhys::kInt: {
      const int64_t* x = a.ints.data();
      const int64_t* y = b.ints.data();
      switch (op) {
        case plan::Op::kEqual:
          loop([&](size_t ia, size_t ib) { return x[ia] == y[ib]; });
          break;
        case plan::Op::kNotEqual:
          loop([&](size_t ia, size_t ib) { return x[ia] != y[ib]; });
          break;
        case plan::Op::kLess:
          loop([&](size_t ia, size_t ib) { return x[ia] < y[ib]; });
          break;
        case plan::Op::kLessEqual:
          loop([&](size_t ia, size_t ib) { return x[ia] <= y[ib]; });
          break;
        case plan::Op::kGreater:
          loop([&](size_t ia, size_t ib) { return x[ia] > y[ib]; });
          break;
        default:
          loop([&](size_t ia, size_t ib) { return x[ia] >= y[ib]; });
          break;
      }
      break;
    }
    case VPhys::kDouble: {
      const double* x = a.doubles.data();
      const double* y = b.doubles.data();
      loop([&](size_t ia, size_t ib) { return Holds(op, CmpDouble(x[ia], y[ib])); });
      break;
    }
    default:
      loop([&](size_t ia, size_t ib) { return Holds(op, a.strings[ia].compare(b.strings[ib])); });
      break;
  }
}

class ComparisonNode final : public Node {
 public:
  ComparisonNode(plan::Op op, NodePtr a, NodePtr b, ValueType domain)
      : Node(ValueType::kBoolean),
        op_(op),
        a_node_(std::move(a)),
        b_node_(std::move(b)),
        domain_(domain) {}
  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    SKY_RETURN_IF_ERROR(a_node_->Eval(in, sel, &a_));
    SKY_RETURN_IF_ERROR(b_node_->Eval(in, sel, &b_));
    if (domain_ == ValueType::kNull) {
      PrepareOutput(ValueType::kBoolean, sel.n, out);
      return Status::OK();
    }
    SKY_RETURN_IF_ERROR(Coerce(&a_, domain_, sel));
    SKY_RETURN_IF_ERROR(Coerce(&b_, domain_, sel));
    CompareVectors(op_, domain_, a_, b_, sel, out);
    return Status::OK();
  }

 private:
  plan::Op op_;
  NodePtr a_node_, b_node_;
  ValueType domain_;
  EvalVector a_, b_;
};

// ---- Logic ------------------------------------------------------------------------------------

// Truth of row i of a predicate vector: 1 true, 0 false, -1 NULL.
inline int Truth(const EvalVector& v, size_t i) {
  const ColumnVector& c = v.col();
  const size_t k = v.Index(i);
  if (c.nulls[k]) return -1;
  switch (VPhysOf(v.type)) {
    case VPhys::kInt:
      return c.ints[k] != 0 ? 1 : 0;
    case VPhys::kDouble:
      return c.doubles[k] != 0 ? 1 : 0;
    default:
      return -1;
  }
}

class AndOrNode final : public Node {
 public:
  AndOrNode(bool is_and, std::vector<NodePtr> args)
      : Node(ValueType::kBoolean), is_and_(is_and), args_(std::move(args)) {}
  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    // AND: start TRUE; a FALSE decides; later operands run only on rows not yet FALSE.
    // OR: the mirror image.
    const int decided = is_and_ ? 0 : 1;
    PrepareOutput(ValueType::kBoolean, sel.n, out);
    int64_t* o = out->owned.ints.data();
    uint8_t* on = out->owned.nulls.data();
    sel.ForEach([&](size_t i) {
      on[i] = 0;
      o[i] = 1 - decided;
    });
    Selection cur = sel;
    for (size_t k = 0; k < args_.size(); ++k) {
      if (cur.count == 0) break;
      SKY_RETURN_IF_ERROR(args_[k]->Eval(in, cur, &v_));
      std::vector<uint32_t>& next = rows_[k % 2];
      next.clear();
      cur.ForEach([&](size_t i) {
        const int t = Truth(v_, i);
        if (t == decided) {
          on[i] = 0;
          o[i] = decided;
        } else {
          if (t < 0) on[i] = 1;
          next.push_back(static_cast<uint32_t>(i));
        }
      });
      cur = Selection::Of(sel.n, next);
    }
    return Status::OK();
  }

 private:
  bool is_and_;
  std::vector<NodePtr> args_;
  EvalVector v_;
  std::vector<uint32_t> rows_[2];
};

class NotNode final : public Node {
 public:
  explicit NotNode(NodePtr arg) : Node(ValueType::kBoolean), arg_(std::move(arg)) {}
  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    SKY_RETURN_IF_ERROR(arg_->Eval(in, sel, &v_));
    PrepareOutput(ValueType::kBoolean, sel.n, out);
    int64_t* o = out->owned.ints.data();
    uint8_t* on = out->owned.nulls.data();
    sel.ForEach([&](size_t i) {
      const int t = Truth(v_, i);
      if (t < 0) return;
      on[i] = 0;
      o[i] = 1 - t;
    });
    return Status::OK();
  }

 private:
  NodePtr arg_;
  EvalVector v_;
};

class IsNullNode final : public Node {
 public:
  IsNullNode(NodePtr arg, bool negated)
      : Node(ValueType::kBoolean), arg_(std::move(arg)), negated_(negated) {}
  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    SKY_RETURN_IF_ERROR(arg_->Eval(in, sel, &v_));
    PrepareOutput(ValueType::kBoolean, sel.n, out);
    int64_t* o = out->owned.ints.data();
    uint8_t* on = out->owned.nulls.data();
    sel.ForEach([&](size_t i) {
      on[i] = 0;
      o[i] = v_.IsNull(i) != negated_;
    });
    return Status::OK();
  }

 private:
  NodePtr arg_;
  bool negated_;
  EvalVector v_;
};

// ---- LIKE -------------------------------------------------------------------------------------

class LikeNode final : public Node {
 public:
  LikeNode(NodePtr text, NodePtr pattern, NodePtr escape, bool negated, bool fold)
      : Node(ValueType::kBoolean),
        text_(std::move(text)),
        pattern_(std::move(pattern)),
        escape_(std::move(escape)),
        negated_(negated),
        fold_(fold) {}
  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    SKY_RETURN_IF_ERROR(text_->Eval(in, sel, &t_));
    SKY_RETURN_IF_ERROR(pattern_->Eval(in, sel, &p_));
    SKY_RETURN_IF_ERROR(Coerce(&t_, ValueType::kVarChar, sel));
    SKY_RETURN_IF_ERROR(Coerce(&p_, ValueType::kVarChar, sel));
    bool escape_null = false;
    char escape = 0;
    if (escape_ != nullptr) {
      SKY_RETURN_IF_ERROR(escape_->Eval(in, sel, &e_));
      SKY_RETURN_IF_ERROR(Coerce(&e_, ValueType::kVarChar, sel));
      if (!e_.constant) return Status::Unsupported("LIKE ... ESCAPE takes a constant");
      if (e_.IsNull(0)) {
        escape_null = true;
      } else {
        const std::string& e = e_.col().strings[0];
        if (e.size() > 1) {
          return Status::InvalidArgument("invalid escape string: it must be one character");
        }
        escape = e.empty() ? 0 : e[0];
      }
    }
    PrepareOutput(ValueType::kBoolean, sel.n, out);
    if (escape_null) return Status::OK();
    int64_t* o = out->owned.ints.data();
    uint8_t* on = out->owned.nulls.data();
    const ColumnVector& t = t_.col();
    const ColumnVector& p = p_.col();
    if (p_.constant) {
      if (p.nulls[0]) return Status::OK();
      const std::string& pat = p.strings[0];
      // Fast paths for patterns without wildcards before a final '%'.
      const bool plain = pat.find_first_of(escape != 0 ? std::string("%_") + escape
                                                       : std::string("%_")) == std::string::npos;
      sel.ForEach([&](size_t i) {
        if (t.nulls[i]) return;
        on[i] = 0;
        bool m;
        if (plain && !fold_) {
          m = t.strings[i] == pat;
        } else {
          m = LikeMatch(t.strings[i], pat, escape, fold_);
        }
        o[i] = m != negated_;
      });
      return Status::OK();
    }
    sel.ForEach([&](size_t i) {
      const size_t ip = p_.Index(i), it = t_.Index(i);
      if (t.nulls[it] || p.nulls[ip]) return;
      on[i] = 0;
      o[i] = LikeMatch(t.strings[it], p.strings[ip], escape, fold_) != negated_;
    });
    return Status::OK();
  }

 private:
  NodePtr text_, pattern_, escape_;
  bool negated_, fold_;
  EvalVector t_, p_, e_;
};

// ---- IN (list) ----------------------------------------------------------------------------------

class InListNode final : public Node {
 public:
  InListNode(NodePtr value, std::vector<NodePtr> list, ValueType domain, bool negated,
             bool constant_list)
      : Node(ValueType::kBoolean),
        value_(std::move(value)),
        list_(std::move(list)),
        domain_(domain),
        negated_(negated),
        constant_list_(constant_list) {}

  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    PrepareOutput(ValueType::kBoolean, sel.n, out);
    if (domain_ == ValueType::kNull) return Status::OK();
    SKY_RETURN_IF_ERROR(value_->Eval(in, sel, &v_));
    SKY_RETURN_IF_ERROR(Coerce(&v_, domain_, sel));
    int64_t* o = out->owned.ints.data();
    uint8_t* on = out->owned.nulls.data();
    if (constant_list_) {
      if (!built_) SKY_RETURN_IF_ERROR(BuildSet(in));
      const ColumnVector& c = v_.col();
      const VPhys p = VPhysOf(domain_);
      sel.ForEach([&](size_t i) {
        const size_t k = v_.Index(i);
        if (c.nulls[k]) return;
        bool found;
        if (p == VPhys::kInt) {
          found = ints_.count(c.ints[k]) > 0;
        } else if (p == VPhys::kDouble) {
          double d = c.doubles[k];
          found = std::isnan(d) ? has_nan_ : doubles_.count(d == 0 ? 0.0 : d) > 0;
        } else {
          found = strings_.count(c.strings[k]) > 0;
        }
        if (found) {
          on[i] = 0;
          o[i] = !negated_;
        } else if (!has_null_) {
          on[i] = 0;
          o[i] = negated_;
        }
      });
      return Status::OK();
    }
    // General list: x = a1 OR x = a2 OR ..., with NULLs as SQL says.
    std::vector<int8_t> state(sel.n, 0);  // 0 no match yet, 1 match, 2 unknown seen
    for (auto& item : list_) {
      SKY_RETURN_IF_ERROR(item->Eval(in, sel, &item_));
      SKY_RETURN_IF_ERROR(Coerce(&item_, domain_, sel));
      CompareVectors(plan::Op::kEqual, domain_, v_, item_, sel, &cmp_);
      const ColumnVector& c = cmp_.owned;
      sel.ForEach([&](size_t i) {
        if (state[i] == 1) return;
        if (c.nulls[i]) {
          state[i] = 2;
        } else if (c.ints[i] != 0) {
          state[i] = 1;
        }
      });
    }
    sel.ForEach([&](size_t i) {
      if (v_.IsNull(i)) return;
      if (state[i] == 1) {
        on[i] = 0;
        o[i] = !negated_;
      } else if (state[i] == 0) {
        on[i] = 0;
        o[i] = negated_;
      }
    });
    return Status::OK();
  }

 private:
  Status BuildSet(const ColumnBatch& in) {
    for (auto& item : list_) {
      SKY_RETURN_IF_ERROR(item->Eval(in, Selection::All(1), &item_));
      SKY_RETURN_IF_ERROR(Coerce(&item_, domain_, Selection::All(1)));
      const ColumnVector& c = item_.col();
      if (c.nulls[0]) {
        has_null_ = true;
        continue;
      }
      switch (VPhysOf(domain_)) {
        case VPhys::kInt:
          ints_.insert(c.ints[0]);
          break;
        case VPhys::kDouble:
          if (std::isnan(c.doubles[0])) {
            has_nan_ = true;
          } else {
            doubles_.insert(c.doubles[0] == 0 ? 0.0 : c.doubles[0]);
          }
          break;
        default:
          strings_.insert(c.strings[0]);
          break;
      }
    }
    built_ = true;
    return Status::OK();
  }

  NodePtr value_;
  std::vector<NodePtr> list_;
  ValueType domain_;
  bool negated_;
  bool constant_list_;
  bool built_ = false;
  bool has_null_ = false, has_nan_ = false;
  std::unordered_set<int64_t> ints_;
  std::unordered_set<double> doubles_;
  std::unordered_set<std::string> strings_;
  EvalVector v_, item_, cmp_;
};

// ---- CASE -------------------------------------------------------------------------------------

// Copies the selected rows of `from` (of type out->type) into `out`.
void Scatter(const EvalVector& from, const Selection& sel, EvalVector* out) {
  const ColumnVector& f = from.col();
  ColumnVector& o = out->owned;
  const VPhys p = VPhysOf(out->type);
  sel.ForEach([&](size_t i) {
    const size_t k = from.Index(i);
    o.nulls[i] = f.nulls[k];
    if (f.nulls[k]) return;
    switch (p) {
      case VPhys::kInt:
        o.ints[i] = f.ints[k];
        break;
      case VPhys::kDouble:
        o.doubles[i] = f.doubles[k];
        break;
      case VPhys::kString:
        o.strings[i] = f.strings[k];
        break;
      case VPhys::kGeo:
        out->geo[i] = from.geo[k];
        break;
    }
  });
}

class CaseNode final : public Node {
 public:
  CaseNode(ValueType type, NodePtr operand, std::vector<NodePtr> whens, std::vector<NodePtr> thens,
           NodePtr otherwise, std::vector<ValueType> domains)
      : Node(type),
        operand_(std::move(operand)),
        whens_(std::move(whens)),
        thens_(std::move(thens)),
        else_(std::move(otherwise)),
        domains_(std::move(domains)) {}

  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    PrepareOutput(type_, sel.n, out);
    rest_.clear();
    sel.ForEach([&](size_t i) { rest_.push_back(static_cast<uint32_t>(i)); });
    if (operand_ != nullptr) SKY_RETURN_IF_ERROR(operand_->Eval(in, sel, &operand_v_));
    for (size_t k = 0; k < whens_.size() && !rest_.empty(); ++k) {
      const Selection cur = Selection::Of(sel.n, rest_);
      SKY_RETURN_IF_ERROR(whens_[k]->Eval(in, cur, &when_v_));
      if (operand_ != nullptr) {
        // Simple CASE: operand = value.
        EvalVector left = operand_v_;
        if (domains_[k] == ValueType::kNull) {
          PrepareOutput(ValueType::kBoolean, sel.n, &cmp_);
        } else {
          SKY_RETURN_IF_ERROR(Coerce(&left, domains_[k], cur));
          SKY_RETURN_IF_ERROR(Coerce(&when_v_, domains_[k], cur));
          CompareVectors(plan::Op::kEqual, domains_[k], left, when_v_, cur, &cmp_);
        }
      } else {
        cmp_ = std::move(when_v_);
      }
      hit_.clear();
      miss_.clear();
      cur.ForEach([&](size_t i) {
        (Truth(cmp_, i) == 1 ? hit_ : miss_).push_back(static_cast<uint32_t>(i));
      });
      if (!hit_.empty()) {
        const Selection h = Selection::Of(sel.n, hit_);
        SKY_RETURN_IF_ERROR(thens_[k]->Eval(in, h, &then_v_));
        SKY_RETURN_IF_ERROR(Coerce(&then_v_, type_, h));
        Scatter(then_v_, h, out);
      }
      rest_.swap(miss_);
    }
    if (else_ != nullptr && !rest_.empty()) {
      const Selection r = Selection::Of(sel.n, rest_);
      SKY_RETURN_IF_ERROR(else_->Eval(in, r, &then_v_));
      SKY_RETURN_IF_ERROR(Coerce(&then_v_, type_, r));
      Scatter(then_v_, r, out);
    }
    return Status::OK();
  }

 private:
  NodePtr operand_;
  std::vector<NodePtr> whens_, thens_;
  NodePtr else_;
  std::vector<ValueType> domains_;
  EvalVector operand_v_, when_v_, then_v_, cmp_;
  std::vector<uint32_t> rest_, hit_, miss_;
};

class CastNode final : public Node {
 public:
  CastNode(ValueType type, int64_t length, NodePtr arg)
      : Node(type), length_(length), arg_(std::move(arg)) {}
  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    SKY_RETURN_IF_ERROR(arg_->Eval(in, sel, out));
    return Coerce(out, type_, sel, length_);
  }

 private:
  int64_t length_;
  NodePtr arg_;
};

Result<NodePtr> CompileUnfolded(const plan::Expr& e, ExecContext* ctx) {
  using plan::ExprKind;
  auto compile_args = [&](size_t from) -> Result<std::vector<NodePtr>> {
    std::vector<NodePtr> out;
    for (size_t i = from; i < e.args.size(); ++i) {
      SKY_ASSIGN_OR_RETURN(NodePtr n, CompileNode(*e.args[i], ctx));
      out.push_back(std::move(n));
    }
    return out;
  };
  switch (e.kind) {
    case ExprKind::kConstant: {
      EvalVector v;
      SKY_RETURN_IF_ERROR(SetConstant(e.value, e.type, &v));
      return NodePtr(new ConstantNode(std::move(v)));
    }
    case ExprKind::kColumn:
      if (e.depth > 0) return NodePtr(new OuterColumnNode(e.type, e.column, e.depth, ctx));
      return NodePtr(new ColumnNode(e.type, e.column));
    case ExprKind::kUnary: {
      SKY_ASSIGN_OR_RETURN(auto args, compile_args(0));
      if (args.size() != 1) return Status::Internal("unary operator without its operand");
      return NodePtr(new UnaryNode(e.type, e.op, std::move(args[0])));
    }
    case ExprKind::kBinary: {
      SKY_ASSIGN_OR_RETURN(auto args, compile_args(0));
      if (args.size() != 2) return Status::Internal("binary operator without two operands");
      return NodePtr(new BinaryNode(e.type, e.op, std::move(args[0]), std::move(args[1])));
    }
    case ExprKind::kComparison: {
      SKY_ASSIGN_OR_RETURN(auto args, compile_args(0));
      if (args.size() != 2) return Status::Internal("comparison without two operands");
      SKY_ASSIGN_OR_RETURN(ValueType domain, ComparisonDomain(args[0]->type(), args[1]->type()));
      return NodePtr(new ComparisonNode(e.op, std::move(args[0]), std::move(args[1]), domain));
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      SKY_ASSIGN_OR_RETURN(auto args, compile_args(0));
      return NodePtr(new AndOrNode(e.kind == ExprKind::kAnd, std::move(args)));
    }
    case ExprKind::kNot: {
      SKY_ASSIGN_OR_RETURN(auto args, compile_args(0));
      if (args.size() != 1) return Status::Internal("NOT without its operand");
      return NodePtr(new NotNode(std::move(args[0])));
    }
    case ExprKind::kIsNull: {
      SKY_ASSIGN_OR_RETURN(auto args, compile_args(0));
      if (args.size() != 1) return Status::Internal("IS NULL without its operand");
      return NodePtr(new IsNullNode(std::move(args[0]), e.negated));
    }
    case ExprKind::kLike: {
      SKY_ASSIGN_OR_RETURN(auto args, compile_args(0));
      if (args.size() < 2) return Status::Internal("LIKE without a pattern");
      NodePtr escape = args.size() > 2 ? std::move(args[2]) : nullptr;
      return NodePtr(new LikeNode(std::move(args[0]), std::move(args[1]), std::move(escape),
                                  e.negated, e.case_insensitive));
    }
    case ExprKind::kInList: {
      SKY_ASSIGN_OR_RETURN(auto args, compile_args(0));
      if (args.size() < 2) return Status::Internal("IN without a list");
      ValueType domain = args[0]->type();
      bool constant = true;
      bool all_null = true;
      for (size_t i = 1; i < args.size(); ++i) {
        if (!IsConstantExpr(*e.args[i])) constant = false;
        if (args[i]->type() == ValueType::kNull) continue;
        all_null = false;
        if (domain == ValueType::kNull) {
          domain = args[i]->type();
          continue;
        }
        SKY_ASSIGN_OR_RETURN(domain, ComparisonDomain(domain, args[i]->type()));
      }
      if (args[0]->type() == ValueType::kNull) domain = ValueType::kNull;
      if (all_null) domain = ValueType::kNull;
      if (domain != ValueType::kNull) {
        SKY_ASSIGN_OR_RETURN(domain, ComparisonDomain(domain, domain));
      }
      NodePtr value = std::move(args[0]);
      args.erase(args.begin());
      return NodePtr(
          new InListNode(std::move(value), std::move(args), domain, e.negated, constant));
    }
    case ExprKind::kCase: {
      size_t i = 0;
      NodePtr operand;
      if (e.has_operand) {
        SKY_ASSIGN_OR_RETURN(operand, CompileNode(*e.args[i++], ctx));
      }
      const size_t pairs_end = e.args.size() - (e.has_else ? 1 : 0);
      std::vector<NodePtr> whens, thens;
      std::vector<ValueType> domains;
      for (; i + 1 < pairs_end + 1 && i < pairs_end; i += 2) {
        SKY_ASSIGN_OR_RETURN(NodePtr w, CompileNode(*e.args[i], ctx));
        SKY_ASSIGN_OR_RETURN(NodePtr t, CompileNode(*e.args[i + 1], ctx));
        if (operand != nullptr) {
          SKY_ASSIGN_OR_RETURN(ValueType d, ComparisonDomain(operand->type(), w->type()));
          domains.push_back(d);
        } else {
          domains.push_back(ValueType::kBoolean);
        }
        whens.push_back(std::move(w));
        thens.push_back(std::move(t));
      }
      NodePtr otherwise;
      if (e.has_else) {
        SKY_ASSIGN_OR_RETURN(otherwise, CompileNode(*e.args.back(), ctx));
      }
      return NodePtr(new CaseNode(e.type, std::move(operand), std::move(whens), std::move(thens),
                                  std::move(otherwise), std::move(domains)));
    }
    case ExprKind::kCast: {
      SKY_ASSIGN_OR_RETURN(auto args, compile_args(0));
      if (args.size() != 1) return Status::Internal("CAST without its operand");
      return NodePtr(new CastNode(e.type, e.cast_length, std::move(args[0])));
    }
    case ExprKind::kFunction:
      return CompileFunction(e, ctx);
    case ExprKind::kSubquery:
      return CompileSubquery(e, ctx);
  }
  return Status::Internal("unknown expression kind");
}

}  // namespace

Result<NodePtr> CompileNode(const plan::Expr& e, ExecContext* ctx) {
  SKY_ASSIGN_OR_RETURN(NodePtr node, CompileUnfolded(e, ctx));
  if (e.kind != plan::ExprKind::kConstant && IsConstantExpr(e)) {
    return NodePtr(new FoldedNode(std::move(node)));
  }
  return node;
}

}  // namespace internal

// ---- ExpressionEvaluator ------------------------------------------------------------------------

ExpressionEvaluator::~ExpressionEvaluator() = default;

Result<std::unique_ptr<ExpressionEvaluator>> ExpressionEvaluator::Compile(const plan::Expr& expr,
                                                                          ExecContext* ctx) {
  std::unique_ptr<ExpressionEvaluator> ev(new ExpressionEvaluator());
  SKY_ASSIGN_OR_RETURN(ev->root_, internal::CompileNode(expr, ctx));
  ev->type_ = ev->root_->type();
  return ev;
}

Status ExpressionEvaluator::Evaluate(const ColumnBatch& batch, const Selection& sel,
                                     EvalVector* out) {
  return root_->Eval(batch, sel, out);
}

Status ExpressionEvaluator::EvaluateColumn(const ColumnBatch& batch, ColumnVector* out) {
  SKY_RETURN_IF_ERROR(root_->Eval(batch, Selection::All(batch.num_rows), &scratch_));
  if (!scratch_.constant && scratch_.ref == nullptr && VPhysOf(scratch_.type) != VPhys::kGeo) {
    *out = std::move(scratch_.owned);
    out->type = plan::StorageTypeOf(scratch_.type);
    return Status::OK();
  }
  MaterializeColumn(scratch_, batch.num_rows, out);
  return Status::OK();
}

Status ExpressionEvaluator::Select(const ColumnBatch& batch, const Selection& sel,
                                   std::vector<uint32_t>* rows) {
  SKY_RETURN_IF_ERROR(root_->Eval(batch, sel, &scratch_));
  rows->clear();
  const ColumnVector& c = scratch_.col();
  if (scratch_.constant) {
    if (internal::Truth(scratch_, 0) == 1)
      sel.ForEach([&](size_t i) { rows->push_back(static_cast<uint32_t>(i)); });
    return Status::OK();
  }
  if (VPhysOf(scratch_.type) == VPhys::kInt) {
    const int64_t* v = c.ints.data();
    const uint8_t* nl = c.nulls.data();
    if (sel.all()) {
      rows->resize(sel.n);
      uint32_t* r = rows->data();
      size_t k = 0;
      for (size_t i = 0; i < sel.n; ++i) {
        r[k] = static_cast<uint32_t>(i);
        k += (v[i] != 0) & (nl[i] == 0);
      }
      rows->resize(k);
    } else {
      sel.ForEach([&](size_t i) {
        if (!nl[i] && v[i] != 0) rows->push_back(static_cast<uint32_t>(i));
      });
    }
    return Status::OK();
  }
  sel.ForEach([&](size_t i) {
    if (internal::Truth(scratch_, i) == 1) rows->push_back(static_cast<uint32_t>(i));
  });
  return Status::OK();
}

void MaterializeColumn(const EvalVector& v, size_t n, ColumnVector* out) {
  const bool column = v.ref != nullptr && !v.constant && VPhysOf(v.type) != VPhys::kGeo;
  out->type = column ? v.ref->type : plan::StorageTypeOf(v.type);
  if (column && VPhysOf(ValueTypeOf(v.ref->type.type)) == VPhysOf(v.type) &&
      v.type != ValueType::kReal) {
    // Keep the input column's own type (CHAR(n), REAL, ...).
  } else {
    out->type = plan::StorageTypeOf(v.type);
  }
  const ColumnVector& c = v.col();
  out->nulls.resize(n);
  out->ints.clear();
  out->doubles.clear();
  out->strings.clear();
  for (size_t i = 0; i < n; ++i) out->nulls[i] = c.nulls[v.Index(i)];
  switch (VPhysOf(v.type)) {
    case VPhys::kInt:
      out->ints.resize(n);
      for (size_t i = 0; i < n; ++i) out->ints[i] = c.ints[v.Index(i)];
      break;
    case VPhys::kDouble:
      out->doubles.resize(n);
      for (size_t i = 0; i < n; ++i) out->doubles[i] = c.doubles[v.Index(i)];
      break;
    case VPhys::kString:
      out->strings.resize(n);
      for (size_t i = 0; i < n; ++i) out->strings[i] = c.strings[v.Index(i)];
      break;
    case VPhys::kGeo:
      out->strings.resize(n);
      for (size_t i = 0; i < n; ++i) {
        if (!c.nulls[v.Index(i)]) out->strings[i] = ToStcs(v.geo[v.Index(i)]);
      }
      break;
  }
}

plan::Value ValueAt(const EvalVector& v, size_t row) {
  const size_t k = v.Index(row);
  const ColumnVector& c = v.col();
  if (c.nulls[k])
    return plan::Value::Null(VPhysOf(v.type) == VPhys::kGeo ? ValueType::kVarChar : v.type);
  switch (VPhysOf(v.type)) {
    case VPhys::kInt:
      return plan::Value::Int(c.ints[k], v.type);
    case VPhys::kDouble:
      return plan::Value::Double(c.doubles[k], v.type);
    case VPhys::kString: {
      plan::Value s = plan::Value::String(c.strings[k]);
      return s;
    }
    case VPhys::kGeo:
      return plan::Value::String(ToStcs(v.geo[k]));
  }
  return plan::Value::Null();
}

plan::Value ValueOfColumn(const ColumnVector& c, size_t row) {
  const ValueType t = ValueTypeOf(c.type.type);
  if (c.nulls[row]) return plan::Value::Null(t);
  switch (VPhysOf(t)) {
    case VPhys::kInt:
      return plan::Value::Int(c.ints[row], t);
    case VPhys::kDouble:
      return plan::Value::Double(c.doubles[row], t);
    default:
      return plan::Value::String(c.strings[row]);
  }
}

}  // namespace skyshard::adql::exec
