// The function registry: every function skyshard's ADQL engine knows, in one table. It holds the
// ADQL 2.1 built-ins (mathematical, trigonometrical, string, conditional, unit, aggregate and
// geometry functions) and the user-defined functions (UDFs): the IVOA ones from the "Catalogue of
// ADQL User Defined Functions" (ivo_*), the Rubin Science Platform's scisql_* functions and a few
// DaCHS gavo_* aliases. The binder resolves each function call against it and types the result;
// the executor evaluates through it (the scalar math of the UDFs is in udf_math.h); the TAP
// capabilities publish UserDefined() as TAPRegExt features. The list, with signatures and
// semantics, is docs/functions.md.
//
// Thread safety: the registry is immutable once built. Default() builds it on first use
// (thread-safe static initialisation); every method is const and may be called concurrently from
// any number of threads. Pointers it returns stay valid for the life of the process.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/types.h"

namespace skyshard::adql {

// The type of a value as the binder sees it: the column types of common/types.h (CHAR and VARCHAR
// are both kVarChar here), the ADQL geometry types, the type of a bare NULL literal, and two
// parameter-only types that accept a family of argument types.
enum class ValueType : uint8_t {
  kNull,  // a bare NULL literal: fits any parameter
  kSmallInt,
  kInteger,
  kBigInt,
  kReal,
  kDouble,
  kVarChar,  // CHAR(n) and VARCHAR(n)
  kBoolean,
  kTimestamp,
  kPoint,
  kCircle,
  kBox,
  kPolygon,
  kRegion,
  kGeometry,  // parameters only: any of POINT, CIRCLE, BOX, POLYGON, REGION
  kAny,       // parameters only: any value
};

// "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE PRECISION", "VARCHAR", "BOOLEAN", "TIMESTAMP",
// "POINT", "CIRCLE", "BOX", "POLYGON", "REGION", "GEOMETRY", "ANY", "NULL": the ADQL type names
// (section 3 of ADQL 2.1), as TAPRegExt `form` strings and error messages show them.
std::string_view ValueTypeName(ValueType t);
// The ValueType of a stored column type (CHAR and VARCHAR give kVarChar).
ValueType ValueTypeOf(DataType t);
// True for kSmallInt, kInteger, kBigInt, kReal, kDouble.
bool IsNumeric(ValueType t);
// True for kPoint, kCircle, kBox, kPolygon, kRegion (and the parameter type kGeometry).
bool IsGeometry(ValueType t);

enum class FunctionKind : uint8_t {
  kScalar,               // one value per row
  kAggregate,            // one value per group (COUNT, SUM, ..., ivo_string_agg)
  kGeometryConstructor,  // POINT, CIRCLE, BOX, POLYGON, REGION: builds a geometry value
  kGeometryPredicate,    // CONTAINS, INTERSECTS: 1 or 0 (written `CONTAINS(...) = 1`)
};

enum class FunctionOrigin : uint8_t {
  kAdql,         // defined by ADQL 2.1 (reserved word; mandatory or an optional feature)
  kUserDefined,  // a UDF (ivo_*, scisql_*, gavo_*): published in the TAP capabilities
};

// How a signature's result type follows from its arguments.
enum class ResultRule : uint8_t {
  kFixed,       // Signature::result
  kArgument,    // the type of argument Signature::result_arg (Signature::result when it is NULL)
  kCommonType,  // the common type of all arguments (COALESCE); see Signature::ResultType
};

struct Param {
  std::string_view name;  // as in docs and forms: "ra", "flux"
  ValueType type;         // parameter types: any ValueType except kNull
};

// One form of a function: its parameters and result.
struct Signature {
  std::vector<Param> params;
  // The last `repeat` params may occur any number of extra times (POLYGON's vertices,
  // COALESCE's values); 0 for a fixed number of arguments.
  int repeat = 0;
  // With repeat > 0: the most arguments allowed (0 = no limit).
  int max_args = 0;
  ValueType result = ValueType::kDouble;
  ResultRule result_rule = ResultRule::kFixed;
  int result_arg = 0;  // with ResultRule::kArgument
  // For UDFs, the TAPRegExt form (ADQL 2.1 section 4.8.2): "name(arg TYPE, ...) -> TYPE", e.g.
  // "scisql_nanojanskyToAbMag(flux DOUBLE PRECISION) -> DOUBLE PRECISION". For ADQL functions, the
  // same notation for documentation (variadic forms end in ", ...").
  std::string form;

  // The number of arguments of the shortest call.
  int MinArgs() const { return static_cast<int>(params.size()); }
  // True when `n` arguments fit this signature's count.
  bool AcceptsArgCount(int n) const;
  // The parameter that argument `i` (0-based) binds to; the repeated parameters cycle, so
  // POLYGON(ra1, dec1, ..., ra4, dec4)'s argument 6 is `ra3` (a DOUBLE). REQUIRES:
  // i < params.size() or repeat > 0.
  const Param& ParamFor(int i) const;
  // The type of the call's result given its argument types, by result_rule. For kCommonType:
  // the widest numeric type if all non-NULL arguments are numeric, else their shared type
  // (kNull when every argument is NULL). REQUIRES: `args` was accepted by Resolve() for this
  // signature.
  ValueType ResultType(const std::vector<ValueType>& args) const;
};

struct FunctionInfo {
  std::string name;  // canonical spelling: "ABS", "scisql_nanojanskyToAbMag"
  FunctionKind kind = FunctionKind::kScalar;
  FunctionOrigin origin = FunctionOrigin::kAdql;
  std::string description;  // one line
  std::vector<Signature> signatures;
  // The TAPRegExt language feature that declares it: "ivo://ivoa.net/std/TAPRegExt#features-udf"
  // for UDFs, "...#features-adqlgeo", "...#features-adql-string", ... for ADQL optional features;
  // empty for the mandatory ADQL functions.
  std::string_view feature_type;
  // False for the few functions that are known (so that a call gets a precise error) but that
  // skyshard cannot evaluate yet: Resolve() answers Unsupported for them and UserDefined() leaves
  // them out.
  bool evaluable = true;
};

class FunctionRegistry {
 public:
  // The registry of every function skyshard knows. Built on first use; never destroyed.
  static const FunctionRegistry& Default();

  // Builds a registry from `functions`. REQUIRES: names are unique case-insensitively, each
  // function has at least one signature, and no two signatures of a function accept the same
  // argument count with the same parameter types. Mostly for tests; the engine uses Default().
  explicit FunctionRegistry(std::vector<FunctionInfo> functions);

  FunctionRegistry(const FunctionRegistry&) = delete;
  FunctionRegistry& operator=(const FunctionRegistry&) = delete;

  // The function called `name` (compared case-insensitively in ASCII), or nullptr. The result is
  // owned by the registry.
  const FunctionInfo* Find(std::string_view name) const;

  // The signature a call `name(args...)` binds to, given the arguments' types (COUNT(*) is
  // COUNT with no argument). When several fit, the one needing the fewest implicit conversions
  // wins (SUM of integers is BIGINT, of reals DOUBLE). Implicit conversions: NULL to anything,
  // SMALLINT -> INTEGER -> BIGINT -> REAL/DOUBLE (integers widen to floating point), REAL ->
  // DOUBLE, any geometry to GEOMETRY, anything to ANY. Errors (messages name the function in its
  // canonical spelling):
  //  - NotFound "unknown function NAME[; did you mean X?]" (suggestions by edit distance, or the
  //    same name with an ivo_/scisql_/gavo_ prefix);
  //  - InvalidArgument "scisql_angSep takes 4 arguments (ra1, dec1, ra2, dec2) or 6 arguments
  //    (x1, y1, z1, x2, y2, z2), got 3"; "argument 2 (ra) of ivo_healpix_index must be a number,
  //    got VARCHAR"; "COALESCE arguments have no common type: INTEGER and VARCHAR";
  //  - Unsupported "FUNC is not supported by this service yet" for a function not evaluable.
  // The signature is owned by the registry.
  Result<const Signature*> Resolve(std::string_view name, const std::vector<ValueType>& args) const;

  // The evaluable user-defined functions, in the registry's order, for the TAP capabilities
  // (one <feature> per signature, with Signature::form and FunctionInfo::description).
  std::vector<const FunctionInfo*> UserDefined() const;

  // Every function, in the registry's order (ADQL functions first, then the UDFs).
  const std::vector<FunctionInfo>& All() const { return functions_; }

 private:
  // Closest known names to an unknown `name`, best first, at most 3; empty when none is close.
  std::vector<std::string_view> Suggest(std::string_view name) const;

  std::vector<FunctionInfo> functions_;
  std::unordered_map<std::string, size_t> by_lower_name_;
};

}  // namespace skyshard::adql
