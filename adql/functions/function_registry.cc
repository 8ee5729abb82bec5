#include "adql/functions/function_registry.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <string>
#include <utility>

#include "adql/functions/internal/function_definitions.h"
#include "common/ascii.h"

namespace skyshard::adql {
namespace {

// Position in the numeric widening order SMALLINT < INTEGER < BIGINT < REAL < DOUBLE, or -1.
int NumericRank(ValueType t) {
  switch (t) {
    case ValueType::kSmallInt:
      return 0;
    case ValueType::kInteger:
      return 1;
    case ValueType::kBigInt:
      return 2;
    case ValueType::kReal:
      return 3;
    case ValueType::kDouble:
      return 4;
    default:
      return -1;
  }
}

bool IsIntegerType(ValueType t) {
  const int rank = NumericRank(t);
  return rank >= 0 && rank <= 2;
}

// The cost of passing a `from` argument to a `to` parameter, or -1 when it does not fit. Lower
// is closer, so that SUM(INTEGER) picks SUM(BIGINT) over SUM(DOUBLE PRECISION) and an exact
// match beats a geometry or ANY parameter.
int ConversionCost(ValueType from, ValueType to) {
  if (from == to) return 0;
  if (to == ValueType::kAny) return 8;
  if (from == ValueType::kNull) return 1;
  if (to == ValueType::kGeometry) return IsGeometry(from) ? 1 : -1;
  const int from_rank = NumericRank(from);
  const int to_rank = NumericRank(to);
  if (from_rank < 0 || to_rank < 0 || to_rank < from_rank) return -1;
  // Integer to floating point may round (BIGINT): dearer than any widening among integers.
  const bool to_floating = !IsIntegerType(to);
  return to_rank - from_rank + (IsIntegerType(from) && to_floating ? 2 : 0);
}

// "a number", "an integer", ...: what a parameter of type `t` wants, for error messages.
std::string Wanted(ValueType t) {
  switch (t) {
    case ValueType::kReal:
    case ValueType::kDouble:
      return "a number";
    case ValueType::kSmallInt:
    case ValueType::kInteger:
    case ValueType::kBigInt:
      return "an integer";
    case ValueType::kVarChar:
      return "a string";
    case ValueType::kGeometry:
      return "a geometry (POINT, CIRCLE, BOX, POLYGON or REGION)";
    case ValueType::kAny:
      return "a value";
    default:
      return "a " + std::string(ValueTypeName(t));
  }
}

std::string ArgCountPhrase(const Signature& s) {
  const int n = s.MinArgs();
  std::string names;
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (i > 0) names += ", ";
    names += s.params[i].name;
  }
  if (s.repeat > 0) names += ", ...";
  if (s.repeat > 0) {
    const std::string count =
        s.max_args > 0 ? std::to_string(n) + " to " + std::to_string(s.max_args) + " arguments"
                       : std::to_string(n) + " or more arguments";
    return count + " (" + names + ")";
  }
  if (n == 0) return "no arguments";
  return std::to_string(n) + (n == 1 ? " argument (" : " arguments (") + names + ")";
}

std::string JoinAlternatives(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

std::string FormOf(const FunctionInfo& f, const Signature& s) {
  std::string form = f.name + "(";
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (i > 0) form += ", ";
    form += std::string(s.params[i].name) + " " + std::string(ValueTypeName(s.params[i].type));
  }
  // TAPRegExt forms have a fixed argument list: a UDF shows its shortest call and says in its
  // description what may follow.
  if (s.repeat > 0 && f.origin == FunctionOrigin::kAdql) form += ", ...";
  ValueType result = s.result;
  if (s.result_rule == ResultRule::kArgument) result = s.params[s.result_arg].type;
  if (s.result_rule == ResultRule::kCommonType) result = ValueType::kAny;
  return form + ") -> " + std::string(ValueTypeName(result));
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The name without an ivo_, scisql_ or gavo_ prefix (lower case in, lower case out).
std::string_view StripUdfPrefix(std::string_view lower_name) {
  for (std::string_view prefix : {"ivo_", "scisql_", "gavo_"}) {
    if (lower_name.size() > prefix.size() && lower_name.substr(0, prefix.size()) == prefix) {
      return lower_name.substr(prefix.size());
    }
  }
  return lower_name;
}

}  // namespace

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNull:
      return "NULL";
    case ValueType::kSmallInt:
      return "SMALLINT";
    case ValueType::kInteger:
      return "INTEGER";
    case ValueType::kBigInt:
      return "BIGINT";
    case ValueType::kReal:
      return "REAL";
    case ValueType::kDouble:
      return "DOUBLE PRECISION";
    case ValueType::kVarChar:
      return "VARCHAR";
    case ValueType::kBoolean:
      return "BOOLEAN";
    case ValueType::kTimestamp:
      return "TIMESTAMP";
    case ValueType::kPoint:
      return "POINT";
    case ValueType::kCircle:
      return "CIRCLE";
    case ValueType::kBox:
      return "BOX";
    case ValueType::kPolygon:
      return "POLYGON";
    case ValueType::kRegion:
      return "REGION";
    case ValueType::kGeometry:
      return "GEOMETRY";
    case ValueType::kAny:
      return "ANY";
  }
  return "UNKNOWN";
}

ValueType ValueTypeOf(DataType t) {
  switch (t) {
    case DataType::kSmallInt:
      return ValueType::kSmallInt;
    case DataType::kInteger:
      return ValueType::kInteger;
    case DataType::kBigInt:
      return ValueType::kBigInt;
    case DataType::kReal:
      return ValueType::kReal;
    case DataType::kDouble:
      return ValueType::kDouble;
    case DataType::kBoolean:
      return ValueType::kBoolean;
    case DataType::kChar:
    case DataType::kVarChar:
      return ValueType::kVarChar;
    case DataType::kTimestamp:
      return ValueType::kTimestamp;
  }
  return ValueType::kAny;
}

bool IsNumeric(ValueType t) { return NumericRank(t) >= 0; }

bool IsGeometry(ValueType t) {
  switch (t) {
    case ValueType::kPoint:
    case ValueType::kCircle:
    case ValueType::kBox:
    case ValueType::kPolygon:
    case ValueType::kRegion:
    case ValueType::kGeometry:
      return true;
    default:
      return false;
  }
}

bool Signature::AcceptsArgCount(int n) const {
  const int min = MinArgs();
  if (repeat == 0) return n == min;
  if (n < min || (max_args > 0 && n > max_args)) return false;
  return (n - min) % repeat == 0;
}

const Param& Signature::ParamFor(int i) const {
  const int n = MinArgs();
  if (i < n) return params[static_cast<size_t>(i)];
  assert(repeat > 0);
  const int index = n - repeat + (i - n) % repeat;
  return params[static_cast<size_t>(index)];
}

ValueType Signature::ResultType(const std::vector<ValueType>& args) const {
  switch (result_rule) {
    case ResultRule::kFixed:
      return result;
    case ResultRule::kArgument: {
      const auto i = static_cast<size_t>(result_arg);
      return i < args.size() && args[i] != ValueType::kNull ? args[i] : result;
    }
    case ResultRule::kCommonType: {
      ValueType common = ValueType::kNull;
      for (ValueType t : args) {
        if (t == ValueType::kNull) continue;
        if (common == ValueType::kNull) {
          common = t;
        } else if (IsNumeric(common) && IsNumeric(t)) {
          // BIGINT with REAL widens to DOUBLE: REAL cannot hold every BIGINT.
          const int a = NumericRank(common);
          const int b = NumericRank(t);
          common = std::max(a, b) == 3 && std::min(a, b) == 2 ? ValueType::kDouble
                                                              : (a >= b ? common : t);
        } else if (common != t) {
          return ValueType::kAny;  // unreachable after Resolve()
        }
      }
      return common;
    }
  }
  return result;
}

FunctionRegistry::FunctionRegistry(std::vector<FunctionInfo> functions)
    : functions_(std::move(functions)) {
  for (size_t i = 0; i < functions_.size(); ++i) {
    FunctionInfo& f = functions_[i];
    assert(!f.signatures.empty());
    for (Signature& s : f.signatures) {
      if (s.form.empty()) s.form = FormOf(f, s);
    }
    const bool inserted = by_lower_name_.emplace(AsciiLower(f.name), i).second;
    assert(inserted && "function names must be unique case-insensitively");
    (void)inserted;
  }
}

const FunctionRegistry& FunctionRegistry::Default() {
  // Never destroyed, so that pointers into it stay valid during static destruction too.
  static const FunctionRegistry* const registry =
      new FunctionRegistry(internal::DefaultFunctions());
  return *registry;
}

const FunctionInfo* FunctionRegistry::Find(std::string_view name) const {
  const auto it = by_lower_name_.find(AsciiLower(name));
  return it == by_lower_name_.end() ? nullptr : &functions_[it->second];
}

std::vector<std::string_view> FunctionRegistry::Suggest(std::string_view name) const {
  const std::string lower = AsciiLower(name);
  const std::string_view stripped = StripUdfPrefix(lower);
  // A misspelling of a few characters, in proportion to the name's length.
  const size_t max_distance = std::clamp<size_t>(lower.size() / 4, 1, 3);
  size_t best = std::numeric_limits<size_t>::max();
  std::vector<std::string_view> out;
  for (const FunctionInfo& f : functions_) {
    const std::string candidate = AsciiLower(f.name);
    // The right name under a missing or wrong prefix ("angSep", "ivo_angsep") is the best guess.
    size_t d = StripUdfPrefix(candidate) == stripped ? 0 : EditDistance(lower, candidate);
    if (d > max_distance) continue;
    if (d < best) {
      best = d;
      out.clear();
    }
    if (d == best) out.push_back(f.name);
  }
  std::sort(out.begin(), out.end());
  if (out.size() > 3) out.resize(3);
  return out;
}

Result<const Signature*> FunctionRegistry::Resolve(std::string_view name,
                                                   const std::vector<ValueType>& args) const {
  const FunctionInfo* f = Find(name);
  if (f == nullptr) {
    std::string message = "unknown function " + std::string(name);
    const std::vector<std::string_view> suggestions = Suggest(name);
    if (!suggestions.empty()) {
      message +=
          "; did you mean " +
          JoinAlternatives(std::vector<std::string>(suggestions.begin(), suggestions.end())) + "?";
    }
    return Status::NotFound(std::move(message));
  }
  if (!f->evaluable) {
    return Status::Unsupported(f->name + " is not supported by this service yet");
  }

  const int n = static_cast<int>(args.size());
  std::vector<const Signature*> same_count;
  for (const Signature& s : f->signatures) {
    if (s.AcceptsArgCount(n)) same_count.push_back(&s);
  }
  if (same_count.empty()) {
    std::vector<std::string> counts;
    for (const Signature& s : f->signatures) counts.push_back(ArgCountPhrase(s));
    return Status::InvalidArgument(f->name + " takes " + JoinAlternatives(counts) + ", got " +
                                   std::to_string(n));
  }

  const Signature* best = nullptr;
  int best_cost = std::numeric_limits<int>::max();
  int bad_arg = -1;  // the first argument that does not fit, when only one signature has n args
  for (const Signature* s : same_count) {
    int cost = 0;
    for (int i = 0; i < n && cost >= 0; ++i) {
      const int c = ConversionCost(args[static_cast<size_t>(i)], s->ParamFor(i).type);
      if (c < 0) {
        if (bad_arg < 0) bad_arg = i;
        cost = -1;
      } else {
        cost += c;
      }
    }
    if (cost >= 0 && cost < best_cost) {
      best = s;
      best_cost = cost;
    }
  }

  if (best == nullptr) {
    if (same_count.size() == 1) {
      const Param& p = same_count[0]->ParamFor(bad_arg);
      return Status::InvalidArgument(
          "argument " + std::to_string(bad_arg + 1) + " (" + std::string(p.name) + ") of " +
          f->name + " must be " + Wanted(p.type) + ", got " +
          std::string(ValueTypeName(args[static_cast<size_t>(bad_arg)])));
    }
    std::string given;
    for (size_t i = 0; i < args.size(); ++i) {
      given += (i > 0 ? ", " : "") + std::string(ValueTypeName(args[i]));
    }
    std::vector<std::string> forms;
    for (const Signature* s : same_count) forms.push_back(s->form);
    return Status::InvalidArgument("no form of " + f->name + " takes (" + given + "); with " +
                                   std::to_string(n) + " arguments it is " +
                                   JoinAlternatives(forms));
  }

  if (best->result_rule == ResultRule::kCommonType) {
    ValueType common = ValueType::kNull;
    for (ValueType t : args) {
      if (t == ValueType::kNull) continue;
      if (common == ValueType::kNull || (IsNumeric(common) && IsNumeric(t)) ||
          (IsGeometry(common) && common == t) || common == t) {
        if (common == ValueType::kNull) common = t;
        continue;
      }
      return Status::InvalidArgument(
          f->name + " arguments have no common type: " + std::string(ValueTypeName(common)) +
          " and " + std::string(ValueTypeName(t)));
    }
  }
  return best;
}

std::vector<const FunctionInfo*> FunctionRegistry::UserDefined() const {
  std::vector<const FunctionInfo*> out;
  for (const FunctionInfo& f : functions_) {
    if (f.origin == FunctionOrigin::kUserDefined && f.evaluable) out.push_back(&f);
  }
  return out;
}

}  // namespace skyshard::adql
