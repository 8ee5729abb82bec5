// Scalar functions of the registry (adql/functions/function_registry.h): ADQL math and string
// functions, the geometry constructors and predicates, and the ivo_* / scisql_* / gavo_* UDFs
// (their scalar semantics are adql/functions/udf_math.h's). Each call evaluates its arguments
// as vectors, converts them to the parameter types, and loops over the selected rows.

#include <cmath>
#include <numbers>
#include <random>
#include <unordered_map>

#include "adql/exec/internal/expression_nodes.h"
#include "adql/functions/udf_math.h"
#include "common/ascii.h"

namespace skyshard::adql::exec::internal {
namespace {

enum class Fn {
  kAbs,
  kCeiling,
  kDegrees,
  kExp,
  kFloor,
  kLog,
  kLog10,
  kMod,
  kPi,
  kPower,
  kRadians,
  kSqrt,
  kRand,
  kRound,
  kTruncate,
  kAcos,
  kAsin,
  kAtan,
  kAtan2,
  kCos,
  kCot,
  kSin,
  kTan,
  kLower,
  kUpper,
  kPoint,
  kCircle,
  kBox,
  kPolygon,
  kRegion,
  kContains,
  kIntersects,
  kDistance,
  kArea,
  kCentroid,
  kCoord1,
  kCoord2,
  kCoordSys,
  kHealpixIndex,
  kHealpixCenter,
  kEpochPropPos,
  kToJd,
  kToMjd,
  kNoCaseMatch,
  kHasWord,
  kHashlistHas,
  kIntervalOverlaps,
  kNormalRandom,
  kHmsToDegrees,
  kDmsToDegrees,
  kAngSep,
  kS2PtInCircle,
  kS2PtInBox,
  kS2PtInCPoly,
  kNanojanskyToAbMag,
  kNanojanskyToAbMagSigma,
  kAbMagToNanojansky,
  kAbMagToNanojanskySigma,
};

const std::unordered_map<std::string, Fn>& FunctionIds() {
  static const auto* ids = new std::unordered_map<std::string, Fn>{
      {"abs", Fn::kAbs},
      {"ceiling", Fn::kCeiling},
      {"degrees", Fn::kDegrees},
      {"exp", Fn::kExp},
      {"floor", Fn::kFloor},
      {"log", Fn::kLog},
      {"log10", Fn::kLog10},
      {"mod", Fn::kMod},
      {"pi", Fn::kPi},
      {"power", Fn::kPower},
      {"radians", Fn::kRadians},
      {"sqrt", Fn::kSqrt},
      {"rand", Fn::kRand},
      {"round", Fn::kRound},
      {"truncate", Fn::kTruncate},
      {"acos", Fn::kAcos},
      {"asin", Fn::kAsin},
      {"atan", Fn::kAtan},
      {"atan2", Fn::kAtan2},
      {"cos", Fn::kCos},
      {"cot", Fn::kCot},
      {"sin", Fn::kSin},
      {"tan", Fn::kTan},
      {"lower", Fn::kLower},
      {"upper", Fn::kUpper},
      {"point", Fn::kPoint},
      {"circle", Fn::kCircle},
      {"box", Fn::kBox},
      {"polygon", Fn::kPolygon},
      {"region", Fn::kRegion},
      {"contains", Fn::kContains},
      {"intersects", Fn::kIntersects},
      {"distance", Fn::kDistance},
      {"area", Fn::kArea},
      {"centroid", Fn::kCentroid},
      {"coord1", Fn::kCoord1},
      {"coord2", Fn::kCoord2},
      {"coordsys", Fn::kCoordSys},
      {"ivo_healpix_index", Fn::kHealpixIndex},
      {"ivo_healpix_center", Fn::kHealpixCenter},
      {"ivo_epoch_prop_pos", Fn::kEpochPropPos},
      {"ivo_to_jd", Fn::kToJd},
      {"ivo_to_mjd", Fn::kToMjd},
      {"gavo_to_jd", Fn::kToJd},
      {"gavo_to_mjd", Fn::kToMjd},
      {"ivo_nocasematch", Fn::kNoCaseMatch},
      {"ivo_hasword", Fn::kHasWord},
      {"ivo_hashlist_has", Fn::kHashlistHas},
      {"ivo_interval_overlaps", Fn::kIntervalOverlaps},
      {"ivo_normal_random", Fn::kNormalRandom},
      {"ivo_hms_to_degrees", Fn::kHmsToDegrees},
      {"ivo_dms_to_degrees", Fn::kDmsToDegrees},
      {"scisql_angsep", Fn::kAngSep},
      {"scisql_s2ptincircle", Fn::kS2PtInCircle},
      {"scisql_s2ptinbox", Fn::kS2PtInBox},
      {"scisql_s2ptincpoly", Fn::kS2PtInCPoly},
      {"scisql_nanojanskytoabmag", Fn::kNanojanskyToAbMag},
      {"scisql_nanojanskytoabmagsigma", Fn::kNanojanskyToAbMagSigma},
      {"scisql_abmagtonanojansky", Fn::kAbMagToNanojansky},
      {"scisql_abmagtonanojanskysigma", Fn::kAbMagToNanojanskySigma},
  };
  return *ids;
}

// The type a function computes before conversion to the call's bound type.
ValueType NaturalType(Fn fn) {
  switch (fn) {
    case Fn::kLower:
    case Fn::kUpper:
    case Fn::kCoordSys:
      return ValueType::kVarChar;
    case Fn::kPoint:
    case Fn::kCentroid:
    case Fn::kHealpixCenter:
    case Fn::kEpochPropPos:
      return ValueType::kPoint;
    case Fn::kCircle:
      return ValueType::kCircle;
    case Fn::kBox:
      return ValueType::kBox;
    case Fn::kPolygon:
      return ValueType::kPolygon;
    case Fn::kRegion:
      return ValueType::kRegion;
    case Fn::kContains:
    case Fn::kIntersects:
    case Fn::kNoCaseMatch:
    case Fn::kHasWord:
    case Fn::kHashlistHas:
    case Fn::kIntervalOverlaps:
    case Fn::kS2PtInCircle:
    case Fn::kS2PtInBox:
    case Fn::kS2PtInCPoly:
      return ValueType::kInteger;
    case Fn::kHealpixIndex:
      return ValueType::kBigInt;
    default:
      return ValueType::kDouble;
  }
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

double Uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(Rng()); }

bool SameGeometry(const Geometry& a, const Geometry& b) {
  return a.kind == b.kind && a.a == b.a && a.b == b.b && a.c == b.c && a.d == b.d &&
         a.vertices == b.vertices;
}

double RoundTo(double x, int64_t n, bool truncate) {
  if (!std::isfinite(x)) return x;
  if (n > 300) return x;
  if (n < -300) return 0;
  const double scale = std::pow(10.0, static_cast<double>(n));
  const double scaled = x * scale;
  if (!std::isfinite(scaled)) return x;
  const double r = truncate ? std::trunc(scaled) : std::round(scaled);
  return r / scale;
}

// A cache of the last region built (a constant container is built once).
struct RegionCache {
  bool valid = false;
  Geometry geometry;
  std::unique_ptr<Region> region;
  Status status;

  const Region* Get(const Geometry& g, Status* error) {
    if (!valid || !SameGeometry(g, geometry)) {
      geometry = g;
      valid = true;
      region.reset();
      status = Status::OK();
      auto r = ToRegion(g);
      if (r.ok()) {
        region = std::move(r).value();
      } else {
        status = r.status();
      }
    }
    *error = status;
    return region.get();
  }
};

class FunctionNode final : public Node {
 public:
  FunctionNode(ValueType type, Fn fn, const plan::Expr& e, std::vector<NodePtr> args)
      : Node(type),
        fn_(fn),
        name_(e.function->name),
        signature_(e.signature),
        args_(std::move(args)),
        vals_(args_.size()) {
    for (const auto& a : e.args) constant_args_ = constant_args_ && IsConstantExpr(*a);
  }

  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    for (size_t k = 0; k < args_.size(); ++k) {
      SKY_RETURN_IF_ERROR(args_[k]->Eval(in, sel, &vals_[k]));
      const ValueType want = ParamType(k);
      if (want != ValueType::kAny && want != ValueType::kGeometry && want != ValueType::kNull) {
        SKY_RETURN_IF_ERROR(Coerce(&vals_[k], want, sel));
      } else if (want == ValueType::kGeometry && VPhysOf(vals_[k].type) == VPhys::kString &&
                 vals_[k].type != ValueType::kNull) {
        SKY_RETURN_IF_ERROR(Coerce(&vals_[k], ValueType::kRegion, sel));
      }
    }
    const ValueType natural = IntegerMod() ? ValueType::kBigInt : NaturalType(fn_);
    PrepareOutput(natural, sel.n, out);
    out_ = out;
    Status status;
    sel.ForEach([&](size_t i) {
      if (status.ok()) status = Row(i);
    });
    SKY_RETURN_IF_ERROR(status);
    if (natural != type_) return Coerce(out, type_, sel);
    return Status::OK();
  }

 private:
  // The parameter type argument k converts to. Every argument of a variadic call binds to a
  // parameter (the repeated ones cycle): asking whether k + 1 arguments would be a complete call
  // is wrong, since a repeated group of two (POLYGON's ra, dec) is only complete after its last
  // member, and an unconverted INTEGER vertex would then be read as a double.
  ValueType ParamType(size_t k) const {
    if (signature_ == nullptr) return ValueType::kAny;
    if (k < signature_->params.size() || signature_->repeat > 0) {
      return signature_->ParamFor(static_cast<int>(k)).type;
    }
    return ValueType::kAny;
  }
  bool HasCoosys() const {
    return signature_ != nullptr && !signature_->params.empty() &&
           signature_->params[0].type == ValueType::kVarChar;
  }

  // MOD over integers (its BIGINT signature): computed on int64, exactly.
  bool IntegerMod() const {
    return fn_ == Fn::kMod && signature_ != nullptr && signature_->result == ValueType::kBigInt;
  }

  bool Null(size_t k, size_t i) const { return vals_[k].IsNull(i); }
  bool AnyNull(size_t i, size_t from = 0) const {
    for (size_t k = from; k < vals_.size(); ++k) {
      if (vals_[k].IsNull(i)) return true;
    }
    return false;
  }
  double D(size_t k, size_t i) const { return vals_[k].col().doubles[vals_[k].Index(i)]; }
  int64_t I(size_t k, size_t i) const { return vals_[k].col().ints[vals_[k].Index(i)]; }
  const std::string& S(size_t k, size_t i) const {
    return vals_[k].col().strings[vals_[k].Index(i)];
  }
  const Geometry& G(size_t k, size_t i) const { return vals_[k].geo[vals_[k].Index(i)]; }
  udf::OptDouble OD(size_t k, size_t i) const {
    return Null(k, i) ? udf::OptDouble() : udf::OptDouble(D(k, i));
  }
  udf::OptText OT(size_t k, size_t i) const {
    return Null(k, i) ? udf::OptText() : udf::OptText(S(k, i));
  }

  void SetD(size_t i, double v) {
    out_->owned.nulls[i] = 0;
    out_->owned.doubles[i] = v;
  }
  // A math result: NULL when the function is undefined there (NaN from a number).
  void SetMath(size_t i, double v, bool input_nan) {
    if (std::isnan(v) && !input_nan) return;
    SetD(i, v);
  }
  void SetOD(size_t i, udf::OptDouble v) {
    if (v) SetD(i, *v);
  }
  void SetI(size_t i, int64_t v) {
    out_->owned.nulls[i] = 0;
    out_->owned.ints[i] = v;
  }
  void SetOI(size_t i, std::optional<int32_t> v) {
    if (v) SetI(i, *v);
  }
  void SetS(size_t i, std::string v) {
    out_->owned.nulls[i] = 0;
    out_->owned.strings[i] = std::move(v);
  }
  void SetG(size_t i, Geometry g) {
    out_->owned.nulls[i] = 0;
    out_->geo[i] = std::move(g);
  }

  Status Math1(size_t i) {
    if (AnyNull(i)) return Status::OK();
    const double x = D(0, i);
    const bool nan = std::isnan(x);
    double r = 0;
    switch (fn_) {
      case Fn::kAbs:
        r = std::fabs(x);
        break;
      case Fn::kCeiling:
        r = std::ceil(x);
        break;
      case Fn::kDegrees:
        r = x * 180.0 / std::numbers::pi;
        break;
      case Fn::kExp:
        r = std::exp(x);
        break;
      case Fn::kFloor:
        r = std::floor(x);
        break;
      case Fn::kLog:
        r = x > 0 || nan ? std::log(x) : std::nan("");
        break;
      case Fn::kLog10:
        r = x > 0 || nan ? std::log10(x) : std::nan("");
        break;
      case Fn::kRadians:
        r = x * std::numbers::pi / 180.0;
        break;
      case Fn::kSqrt:
        r = std::sqrt(x);
        break;
      case Fn::kAcos:
        r = std::acos(x);
        break;
      case Fn::kAsin:
        r = std::asin(x);
        break;
      case Fn::kAtan:
        r = std::atan(x);
        break;
      case Fn::kCos:
        r = std::cos(x);
        break;
      case Fn::kCot:
        r = 1.0 / std::tan(x);
        break;
      case Fn::kSin:
        r = std::sin(x);
        break;
      case Fn::kTan:
        r = std::tan(x);
        break;
      default:
        break;
    }
    SetMath(i, r, nan);
    return Status::OK();
  }

  // CONTAINS / INTERSECTS of row i.
  Status Predicate(size_t i) {
    if (AnyNull(i)) return Status::OK();
    const Geometry& a = G(0, i);
    const Geometry& b = G(1, i);
    const bool constant_b = vals_[1].constant;
    Status error;
    if (fn_ == Fn::kContains) {
      if (a.kind == ValueType::kPoint && b.kind == ValueType::kCircle && !constant_b) {
        // A circle per row (a cross-match): no region to build.
        const auto d = udf::AngSep(a.a, a.b, b.a, b.b);
        if (d && b.c >= 0) SetI(i, *d <= b.c ? 1 : 0);
        return Status::OK();
      }
      const Region* region = nullptr;
      if (b.kind != ValueType::kPoint) {
        region = cache_b_.Get(b, &error);
        if (!error.ok()) return constant_b ? error : Status::OK();
      }
      auto r = GeometryContains(a, b, region);
      if (!r.ok()) return constant_b ? r.status() : Status::OK();
      SetI(i, *r ? 1 : 0);
      return Status::OK();
    }
    const Region* ra = nullptr;
    const Region* rb = nullptr;
    if (a.kind != ValueType::kPoint) {
      ra = cache_a_.Get(a, &error);
      if (!error.ok()) return vals_[0].constant ? error : Status::OK();
    }
    if (b.kind != ValueType::kPoint) {
      rb = cache_b_.Get(b, &error);
      if (!error.ok()) return constant_b ? error : Status::OK();
    }
    auto r = GeometryIntersects(a, b, ra, rb);
    if (!r.ok()) return Status::OK();
    SetI(i, *r ? 1 : 0);
    return Status::OK();
  }

  Status Constructor(size_t i) {
    const size_t first = HasCoosys() ? 1 : 0;
    if (AnyNull(i, first)) return Status::OK();
    Geometry g;
    const bool centre_point = args_.size() > first && VPhysOf(vals_[first].type) == VPhys::kGeo;
    size_t k = first;
    switch (fn_) {
      case Fn::kPoint:
        g = MakePointGeometry(D(k, i), D(k + 1, i));
        break;
      case Fn::kCircle:
      case Fn::kBox:
        g.kind = fn_ == Fn::kCircle ? ValueType::kCircle : ValueType::kBox;
        if (centre_point) {
          g.a = G(k, i).a;
          g.b = G(k, i).b;
          ++k;
        } else {
          g.a = D(k, i);
          g.b = D(k + 1, i);
          k += 2;
        }
        g.c = D(k, i);
        if (fn_ == Fn::kBox) g.d = D(k + 1, i);
        break;
      case Fn::kPolygon:
        g.kind = ValueType::kPolygon;
        for (; k < args_.size(); ++k) {
          if (VPhysOf(vals_[k].type) == VPhys::kGeo) {
            g.vertices.push_back(G(k, i).a);
            g.vertices.push_back(G(k, i).b);
          } else {
            g.vertices.push_back(D(k, i));
          }
        }
        if (constant_args_) {
          // A polygon written with constant vertices (the usual search region) is checked
          // here, so that AREA or CENTROID of a bow tie fails as CONTAINS does instead of
          // measuring a shape skyshard cannot represent. Per-row polygons stay as they are:
          // the predicates give NULL for a bad one, like the other per-row geometry errors.
          Status error;
          cache_a_.Get(g, &error);
          SKY_RETURN_IF_ERROR(error);
        }
        break;
      default:
        break;
    }
    SetG(i, std::move(g));
    return Status::OK();
  }

  Status Row(size_t i) {
    switch (fn_) {
      case Fn::kAbs:
      case Fn::kCeiling:
      case Fn::kDegrees:
      case Fn::kExp:
      case Fn::kFloor:
      case Fn::kLog:
      case Fn::kLog10:
      case Fn::kRadians:
      case Fn::kSqrt:
      case Fn::kAcos:
      case Fn::kAsin:
      case Fn::kAtan:
      case Fn::kCos:
      case Fn::kCot:
      case Fn::kSin:
      case Fn::kTan:
        return Math1(i);
      case Fn::kMod:
        if (AnyNull(i)) return Status::OK();
        if (IntegerMod()) {
          if (I(1, i) == 0) return Status::InvalidArgument("division by zero");
          // INT64_MIN % -1 overflows in C++; its remainder is 0.
          SetI(i, I(1, i) == -1 ? 0 : I(0, i) % I(1, i));
          return Status::OK();
        }
        if (D(1, i) == 0) return Status::InvalidArgument("division by zero");
        SetMath(i, std::fmod(D(0, i), D(1, i)), std::isnan(D(0, i)) || std::isnan(D(1, i)));
        return Status::OK();
      case Fn::kPower:
        if (AnyNull(i)) return Status::OK();
        SetMath(i, std::pow(D(0, i), D(1, i)), std::isnan(D(0, i)) || std::isnan(D(1, i)));
        return Status::OK();
      case Fn::kAtan2:
        if (AnyNull(i)) return Status::OK();
        SetD(i, std::atan2(D(0, i), D(1, i)));
        return Status::OK();
      case Fn::kPi:
        SetD(i, std::numbers::pi);
        return Status::OK();
      case Fn::kRand:
        SetD(i, Uniform());
        return Status::OK();
      case Fn::kRound:
      case Fn::kTruncate: {
        if (AnyNull(i)) return Status::OK();
        const int64_t n = args_.size() > 1 ? I(1, i) : 0;
        SetD(i, RoundTo(D(0, i), n, fn_ == Fn::kTruncate));
        return Status::OK();
      }
      case Fn::kLower:
      case Fn::kUpper: {
        if (AnyNull(i)) return Status::OK();
        std::string s = S(0, i);
        for (char& c : s) {
          if (fn_ == Fn::kLower) {
            c = AsciiLower(c);
          } else if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
          }
        }
        SetS(i, std::move(s));
        return Status::OK();
      }
      case Fn::kPoint:
      case Fn::kCircle:
      case Fn::kBox:
      case Fn::kPolygon:
        return Constructor(i);
      case Fn::kRegion: {
        if (AnyNull(i)) return Status::OK();
        SKY_ASSIGN_OR_RETURN(Geometry g, ParseStcs(S(0, i)));
        SetG(i, std::move(g));
        return Status::OK();
      }
      case Fn::kContains:
      case Fn::kIntersects:
        return Predicate(i);
      case Fn::kDistance: {
        if (AnyNull(i)) return Status::OK();
        if (args_.size() == 2) {
          SetOD(i, udf::AngSep(G(0, i).a, G(0, i).b, G(1, i).a, G(1, i).b));
        } else {
          SetOD(i, udf::AngSep(D(0, i), D(1, i), D(2, i), D(3, i)));
        }
        return Status::OK();
      }
      case Fn::kArea:
        if (AnyNull(i)) return Status::OK();
        SetD(i, GeometryArea(G(0, i)));
        return Status::OK();
      case Fn::kCentroid:
        if (AnyNull(i)) return Status::OK();
        SetG(i, GeometryCentroid(G(0, i)));
        return Status::OK();
      case Fn::kCoord1:
      case Fn::kCoord2:
        if (AnyNull(i)) return Status::OK();
        SetD(i, fn_ == Fn::kCoord1 ? G(0, i).a : G(0, i).b);
        return Status::OK();
      case Fn::kCoordSys:
        if (AnyNull(i)) return Status::OK();
        SetS(i, "ICRS");
        return Status::OK();
      case Fn::kHealpixIndex: {
        std::optional<int64_t> order;
        if (!Null(0, i)) order = I(0, i);
        std::optional<int64_t> r;
        if (args_.size() == 2) {
          udf::OptDouble ra, dec;
          if (!Null(1, i)) {
            ra = G(1, i).a;
            dec = G(1, i).b;
          }
          SKY_ASSIGN_OR_RETURN(r, udf::HealpixIndex(order, ra, dec));
        } else {
          SKY_ASSIGN_OR_RETURN(r, udf::HealpixIndex(order, OD(1, i), OD(2, i)));
        }
        if (r) SetI(i, *r);
        return Status::OK();
      }
      case Fn::kHealpixCenter: {
        std::optional<int64_t> order, index;
        if (!Null(0, i)) order = I(0, i);
        if (!Null(1, i)) index = I(1, i);
        SKY_ASSIGN_OR_RETURN(auto p, udf::HealpixCenter(order, index));
        if (p) SetG(i, MakePointGeometry(p->ra, p->dec));
        return Status::OK();
      }
      case Fn::kEpochPropPos: {
        SKY_ASSIGN_OR_RETURN(udf::SkyPoint p,
                             udf::EpochPropPos(OD(0, i), OD(1, i), OD(2, i), OD(3, i), OD(4, i),
                                               OD(5, i), OD(6, i), OD(7, i)));
        SetG(i, MakePointGeometry(p.ra, p.dec));
        return Status::OK();
      }
      case Fn::kToJd:
      case Fn::kToMjd: {
        if (AnyNull(i)) return Status::OK();
        if (vals_[0].type == ValueType::kVarChar) {
          udf::OptDouble r;
          if (fn_ == Fn::kToJd) {
            SKY_ASSIGN_OR_RETURN(r, udf::TextToJd(OT(0, i)));
          } else {
            SKY_ASSIGN_OR_RETURN(r, udf::TextToMjd(OT(0, i)));
          }
          SetOD(i, r);
        } else {
          SetOD(i, fn_ == Fn::kToJd ? udf::ToJd(I(0, i)) : udf::ToMjd(I(0, i)));
        }
        return Status::OK();
      }
      case Fn::kNoCaseMatch:
        SetOI(i, udf::NoCaseMatch(OT(0, i), OT(1, i)));
        return Status::OK();
      case Fn::kHasWord:
        SetOI(i, udf::HasWord(OT(0, i), OT(1, i)));
        return Status::OK();
      case Fn::kHashlistHas:
        SetOI(i, udf::HashlistHas(OT(0, i), OT(1, i)));
        return Status::OK();
      case Fn::kIntervalOverlaps:
        SetOI(i, udf::IntervalOverlaps(OD(0, i), OD(1, i), OD(2, i), OD(3, i)));
        return Status::OK();
      case Fn::kNormalRandom: {
        const double u1 = 1.0 - Uniform();  // (0, 1]
        const double u2 = Uniform();
        SetOD(i, udf::NormalRandom(OD(0, i), OD(1, i), u1, u2));
        return Status::OK();
      }
      case Fn::kHmsToDegrees:
        SetOD(i, udf::HmsToDegrees(OT(0, i)));
        return Status::OK();
      case Fn::kDmsToDegrees:
        SetOD(i, udf::DmsToDegrees(OT(0, i)));
        return Status::OK();
      case Fn::kAngSep:
        if (args_.size() == 6) {
          SetOD(i, udf::AngSepVectors(OD(0, i), OD(1, i), OD(2, i), OD(3, i), OD(4, i), OD(5, i)));
        } else {
          SetOD(i, udf::AngSep(OD(0, i), OD(1, i), OD(2, i), OD(3, i)));
        }
        return Status::OK();
      case Fn::kS2PtInCircle:
        SetOI(i, udf::S2PtInCircle(OD(0, i), OD(1, i), OD(2, i), OD(3, i), OD(4, i)));
        return Status::OK();
      case Fn::kS2PtInBox:
        SetOI(i, udf::S2PtInBox(OD(0, i), OD(1, i), OD(2, i), OD(3, i), OD(4, i), OD(5, i)));
        return Status::OK();
      case Fn::kS2PtInCPoly: {
        vertices_.clear();
        for (size_t k = 2; k < args_.size(); ++k) vertices_.push_back(OD(k, i));
        SetOI(i, udf::S2PtInCPoly(OD(0, i), OD(1, i), vertices_));
        return Status::OK();
      }
      case Fn::kNanojanskyToAbMag:
        SetOD(i, udf::NanojanskyToAbMag(OD(0, i)));
        return Status::OK();
      case Fn::kNanojanskyToAbMagSigma:
        SetOD(i, udf::NanojanskyToAbMagSigma(OD(0, i), OD(1, i)));
        return Status::OK();
      case Fn::kAbMagToNanojansky:
        SetOD(i, udf::AbMagToNanojansky(OD(0, i)));
        return Status::OK();
      case Fn::kAbMagToNanojanskySigma:
        SetOD(i, udf::AbMagToNanojanskySigma(OD(0, i), OD(1, i)));
        return Status::OK();
    }
    return Status::Internal("unknown function " + name_);
  }

  Fn fn_;
  std::string name_;
  const Signature* signature_;
  std::vector<NodePtr> args_;
  std::vector<EvalVector> vals_;
  EvalVector* out_ = nullptr;
  bool constant_args_ = true;  // no argument depends on the row (the call is folded)
  RegionCache cache_a_, cache_b_;
  std::vector<udf::OptDouble> vertices_;
};

// COALESCE: each later argument only on the rows still NULL.
class CoalesceNode final : public Node {
 public:
  CoalesceNode(ValueType type, std::vector<NodePtr> args) : Node(type), args_(std::move(args)) {}
  Status Eval(const ColumnBatch& in, const Selection& sel, EvalVector* out) override {
    PrepareOutput(type_, sel.n, out);
    rest_.clear();
    sel.ForEach([&](size_t i) { rest_.push_back(static_cast<uint32_t>(i)); });
    const VPhys p = VPhysOf(type_);
    for (auto& arg : args_) {
      if (rest_.empty()) break;
      const Selection cur = Selection::Of(sel.n, rest_);
      SKY_RETURN_IF_ERROR(arg->Eval(in, cur, &v_));
      SKY_RETURN_IF_ERROR(Coerce(&v_, type_, cur));
      next_.clear();
      const ColumnVector& c = v_.col();
      ColumnVector& o = out->owned;
      cur.ForEach([&](size_t i) {
        const size_t k = v_.Index(i);
        if (c.nulls[k]) {
          next_.push_back(static_cast<uint32_t>(i));
          return;
        }
        o.nulls[i] = 0;
        switch (p) {
          case VPhys::kInt:
            o.ints[i] = c.ints[k];
            break;
          case VPhys::kDouble:
            o.doubles[i] = c.doubles[k];
            break;
          case VPhys::kString:
            o.strings[i] = c.strings[k];
            break;
          case VPhys::kGeo:
            out->geo[i] = v_.geo[k];
            break;
        }
      });
      rest_.swap(next_);
    }
    return Status::OK();
  }

 private:
  std::vector<NodePtr> args_;
  EvalVector v_;
  std::vector<uint32_t> rest_, next_;
};

}  // namespace

Result<NodePtr> CompileFunction(const plan::Expr& e, ExecContext* ctx) {
  if (e.function == nullptr) return Status::Internal("function call without its registry entry");
  std::vector<NodePtr> args;
  for (const auto& a : e.args) {
    SKY_ASSIGN_OR_RETURN(NodePtr n, CompileNode(*a, ctx));
    args.push_back(std::move(n));
  }
  const std::string lower = AsciiLower(e.function->name);
  if (lower == "coalesce") return NodePtr(new CoalesceNode(e.type, std::move(args)));
  if (lower == "in_unit") {
    // The binder knows the units and binds IN_UNIT as a multiplication by a constant.
    return Status::Internal("IN_UNIT reached the executor without being bound");
  }
  auto it = FunctionIds().find(lower);
  if (it == FunctionIds().end() || !e.function->evaluable) {
    return Status::Unsupported(e.function->name + " is not supported by this service yet");
  }
  if (e.function->kind == FunctionKind::kAggregate) {
    return Status::Internal("aggregate " + e.function->name + " outside an Aggregate");
  }
  return NodePtr(new FunctionNode(e.type, it->second, e, std::move(args)));
}

}  // namespace skyshard::adql::exec::internal
