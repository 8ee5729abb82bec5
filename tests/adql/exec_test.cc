// Executor tests over in-memory tables: expressions (NULL logic, arithmetic errors, LIKE, IN,
// CASE, CAST, functions, geometry), and each operator against answers computed here by brute
// force.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "adql/exec/internal/aggregate_table.h"
#include "adql/exec/internal/exec_context.h"
#include "exec_test_util.h"

namespace skyshard::adql::testing {
namespace {

using VT = ValueType;

// A one-row table with a few typed columns: i=7 (BIGINT), d=2.5 (DOUBLE), s='Abc' (VARCHAR),
// n=NULL (INTEGER), b=TRUE (BOOLEAN), z=0 (INTEGER).
struct OneRow {
  TableBuilder t{"one",
                 {{"i", VT::kBigInt},
                  {"d", VT::kDouble},
                  {"s", VT::kVarChar},
                  {"n", VT::kInteger},
                  {"b", VT::kBoolean},
                  {"z", VT::kInteger}}};
  OneRow() {
    t.Add({Value::Int(7), Value::Double(2.5), Value::String("Abc"), Value::Null(VT::kInteger),
           Value::Boolean(true), Value::Int(0, VT::kInteger)});
  }
};

Result<std::string> Eval(ExprPtr e) {
  static OneRow* row = new OneRow();
  auto plan = ProjectOf(ScanOf(row->t.table.get(), row->t.types), List(std::move(e)));
  CollectSink sink;
  SKY_RETURN_IF_ERROR(Execute(*plan, nullptr, &sink, ExecOptions{}));
  if (sink.rows.size() != 1) return Status::Internal("not one row");
  return sink.rows[0][0];
}

std::string EvalOk(ExprPtr e) {
  auto r = Eval(std::move(e));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "<error>";
}

ExprPtr I() { return Col(0, VT::kBigInt); }
ExprPtr Dcol() { return Col(1, VT::kDouble); }
ExprPtr S() { return Col(2, VT::kVarChar); }
ExprPtr N() { return Col(3, VT::kInteger); }
ExprPtr B() { return Col(4, VT::kBoolean); }
ExprPtr Z() { return Col(5, VT::kInteger); }

TEST(ExecExpression, Arithmetic) {
  EXPECT_EQ(EvalOk(Bin(Op::kAdd, I(), Int(3), VT::kBigInt)), "10");
  EXPECT_EQ(EvalOk(Bin(Op::kDivide, I(), Int(2), VT::kBigInt)), "3");
  EXPECT_EQ(EvalOk(Bin(Op::kDivide, Int(-7), Int(2), VT::kBigInt)), "-3");
  EXPECT_EQ(EvalOk(Bin(Op::kDivide, I(), Int(2), VT::kDouble)), "3.5");
  EXPECT_EQ(EvalOk(Bin(Op::kMultiply, Dcol(), Int(2), VT::kDouble)), "5");
  EXPECT_EQ(EvalOk(Bin(Op::kAdd, N(), Int(2), VT::kBigInt)), "NULL");
  EXPECT_EQ(EvalOk(Bin(Op::kConcat, S(), Str("d"), VT::kVarChar)), "Abcd");
  EXPECT_EQ(EvalOk(Bin(Op::kConcat, S(), I(), VT::kVarChar)), "Abc7");
  EXPECT_EQ(EvalOk(Bin(Op::kBitAnd, I(), Int(3), VT::kBigInt)), "3");
  auto neg = Expr::Make(ExprKind::kUnary, VT::kBigInt, List(I()), Op::kNegate);
  EXPECT_EQ(EvalOk(std::move(neg)), "-7");
}

TEST(ExecExpression, ArithmeticErrors) {
  auto r = Eval(Bin(Op::kDivide, I(), Z(), VT::kBigInt));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("division by zero"), std::string::npos);
  r = Eval(Bin(Op::kDivide, Dcol(), Dbl(0), VT::kDouble));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  r = Eval(Bin(Op::kMultiply, Int(INT64_MAX), Int(2), VT::kBigInt));
  EXPECT_NE(r.status().message().find("out of range"), std::string::npos);
  r = Eval(Cast(Int(100000), VT::kSmallInt));
  EXPECT_NE(r.status().message().find("smallint out of range"), std::string::npos);
  // CASE and AND only evaluate what they need: no division by zero here.
  auto guarded = And(Cmp(Op::kNotEqual, Z(), Int(0)),
                     Cmp(Op::kGreater, Bin(Op::kDivide, I(), Z(), VT::kBigInt), Int(1)));
  EXPECT_EQ(EvalOk(std::move(guarded)), "0");
  auto c = Expr::Make(ExprKind::kCase, VT::kBigInt,
                      Args(Cmp(Op::kEqual, Z(), Int(0)), Null(VT::kBigInt),
                           Bin(Op::kDivide, I(), Z(), VT::kBigInt)));
  c->has_else = true;
  EXPECT_EQ(EvalOk(std::move(c)), "NULL");
}

TEST(ExecExpression, ThreeValuedLogic) {
  auto t = [] { return Cmp(Op::kEqual, Int(1), Int(1)); };
  auto f = [] { return Cmp(Op::kEqual, Int(1), Int(2)); };
  auto u = [] { return Cmp(Op::kEqual, Col(3, VT::kInteger), Int(1)); };
  EXPECT_EQ(EvalOk(And(t(), u())), "NULL");
  EXPECT_EQ(EvalOk(And(f(), u())), "0");
  EXPECT_EQ(EvalOk(And(u(), f())), "0");
  EXPECT_EQ(EvalOk(Or(t(), u())), "1");
  EXPECT_EQ(EvalOk(Or(u(), t())), "1");
  EXPECT_EQ(EvalOk(Or(f(), u())), "NULL");
  EXPECT_EQ(EvalOk(Not(u())), "NULL");
  EXPECT_EQ(EvalOk(Not(f())), "1");
  EXPECT_EQ(EvalOk(IsNull(N())), "1");
  EXPECT_EQ(EvalOk(IsNull(I())), "0");
  EXPECT_EQ(EvalOk(IsNull(N(), true)), "0");
  // Booleans compare with integers.
  EXPECT_EQ(EvalOk(Cmp(Op::kEqual, B(), Int(1))), "1");
  EXPECT_EQ(EvalOk(Cmp(Op::kLess, I(), Dcol())), "0");
  EXPECT_EQ(EvalOk(Cmp(Op::kGreater, S(), Str("Ab"))), "1");
}

ExprPtr Like(ExprPtr a, const std::string& pattern, bool ci = false, bool neg = false,
             std::optional<std::string> escape = std::nullopt) {
  auto args = List(std::move(a), Str(pattern));
  if (escape) args.push_back(Str(*escape));
  auto e = Expr::Make(ExprKind::kLike, VT::kBoolean, std::move(args));
  e->case_insensitive = ci;
  e->negated = neg;
  return e;
}

TEST(ExecExpression, Like) {
  EXPECT_EQ(EvalOk(Like(S(), "A%")), "1");
  EXPECT_EQ(EvalOk(Like(S(), "a%")), "0");
  EXPECT_EQ(EvalOk(Like(S(), "a%", true)), "1");
  EXPECT_EQ(EvalOk(Like(S(), "_b_")), "1");
  EXPECT_EQ(EvalOk(Like(S(), "%c")), "1");
  EXPECT_EQ(EvalOk(Like(S(), "%x%", false, true)), "1");
  EXPECT_EQ(EvalOk(Like(Str("50%"), "50!%", false, false, "!")), "1");
  EXPECT_EQ(EvalOk(Like(Str("500"), "50!%", false, false, "!")), "0");
  EXPECT_EQ(EvalOk(Like(Str("a_c"), "a\\_c", false, false, "\\")), "1");
  EXPECT_EQ(EvalOk(Like(Str("abc"), "a\\_c", false, false, "\\")), "0");
  EXPECT_EQ(EvalOk(Like(Str("héllo"), "h_llo")), "1");
  EXPECT_EQ(EvalOk(Like(N(), "x")), "NULL");
}

ExprPtr In(ExprPtr v, std::vector<ExprPtr> list, bool neg = false) {
  std::vector<ExprPtr> args;
  args.push_back(std::move(v));
  for (auto& e : list) args.push_back(std::move(e));
  auto e = Expr::Make(ExprKind::kInList, VT::kBoolean, std::move(args));
  e->negated = neg;
  return e;
}

TEST(ExecExpression, InList) {
  EXPECT_EQ(EvalOk(In(I(), Args(Int(1), Int(7)))), "1");
  EXPECT_EQ(EvalOk(In(I(), Args(Int(1), Dbl(7.0)))), "1");
  EXPECT_EQ(EvalOk(In(I(), Args(Int(1), Int(2)))), "0");
  EXPECT_EQ(EvalOk(In(I(), Args(Int(1), Null(VT::kBigInt)))), "NULL");
  EXPECT_EQ(EvalOk(In(I(), Args(Int(1), Null(VT::kBigInt)), true)), "NULL");
  EXPECT_EQ(EvalOk(In(I(), Args(Int(1), Int(2)), true)), "1");
  EXPECT_EQ(EvalOk(In(N(), Args(Int(1)))), "NULL");
  EXPECT_EQ(EvalOk(In(S(), Args(Str("x"), Str("Abc")))), "1");
  // A list with a column: the general path.
  EXPECT_EQ(EvalOk(In(Int(7), Args(Int(1), I()))), "1");
}

TEST(ExecExpression, CaseCastCoalesce) {
  auto simple = Expr::Make(ExprKind::kCase, VT::kVarChar,
                           Args(I(), Int(1), Str("one"), Int(7), Str("seven"), Str("other")));
  simple->has_operand = true;
  simple->has_else = true;
  EXPECT_EQ(EvalOk(std::move(simple)), "seven");
  auto noelse =
      Expr::Make(ExprKind::kCase, VT::kDouble, Args(Cmp(Op::kEqual, I(), Int(1)), Int(1)));
  EXPECT_EQ(EvalOk(std::move(noelse)), "NULL");
  auto mixed = Expr::Make(ExprKind::kCase, VT::kDouble,
                          Args(Cmp(Op::kEqual, I(), Int(7)), Int(1), Dbl(2.5)));
  mixed->has_else = true;
  EXPECT_EQ(EvalOk(std::move(mixed)), "1");
  EXPECT_EQ(EvalOk(Cast(Dcol(), VT::kInteger)), "2");  // 2.5 rounds to even
  EXPECT_EQ(EvalOk(Cast(Dbl(3.5), VT::kInteger)), "4");
  EXPECT_EQ(EvalOk(Cast(Str(" 42 "), VT::kBigInt)), "42");
  EXPECT_EQ(EvalOk(Cast(I(), VT::kVarChar)), "7");
  EXPECT_EQ(EvalOk(Cast(Dcol(), VT::kVarChar)), "2.5");
  EXPECT_EQ(EvalOk(Cast(S(), VT::kVarChar, 2)), "Ab");
  EXPECT_EQ(EvalOk(Cast(Str("2020-01-02T03:04:05"), VT::kTimestamp)), "1577934245000000");
  EXPECT_FALSE(Eval(Cast(Str("x1"), VT::kInteger)).ok());
  EXPECT_EQ(EvalOk(Call("COALESCE", Args(N(), Null(VT::kInteger), Int(5, VT::kInteger)))), "5");
  EXPECT_EQ(EvalOk(Call("COALESCE", Args(N(), Dcol()))), "2.5");
}

TEST(ExecExpression, MathAndUdfs) {
  EXPECT_EQ(EvalOk(Call("ABS", Args(Dbl(-2)))), "2");
  EXPECT_EQ(EvalOk(Call("SQRT", Args(Dbl(16)))), "4");
  EXPECT_EQ(EvalOk(Call("SQRT", Args(Dbl(-1)))), "NULL");
  EXPECT_EQ(EvalOk(Call("LOG", Args(Dbl(0)))), "NULL");
  EXPECT_EQ(EvalOk(Call("POWER", Args(Dbl(2), Dbl(10)))), "1024");
  EXPECT_EQ(EvalOk(Call("ROUND", Args(Dbl(2.345), Int(2, VT::kInteger)))), "2.35");
  EXPECT_EQ(EvalOk(Call("ROUND", Args(Dbl(-2.5)))), "-3");
  EXPECT_EQ(EvalOk(Call("TRUNCATE", Args(Dbl(-2.567), Int(1, VT::kInteger)))), "-2.5");
  EXPECT_EQ(EvalOk(Call("MOD", Args(Dbl(7), Dbl(3)))), "1");
  EXPECT_FALSE(Eval(Call("MOD", Args(Dbl(7), Dbl(0)))).ok());
  EXPECT_EQ(EvalOk(Call("PI", {})), D(M_PI));
  EXPECT_EQ(EvalOk(Call("UPPER", Args(S()))), "ABC");
  EXPECT_EQ(EvalOk(Call("LOWER", Args(S()))), "abc");
  EXPECT_EQ(EvalOk(Call("scisql_nanojanskyToAbMag", Args(Dbl(3631e8)))), "2.5");
  EXPECT_EQ(EvalOk(Call("scisql_nanojanskyToAbMag", Args(Dbl(-1)))), "NULL");
  EXPECT_EQ(EvalOk(Call("scisql_angSep", Args(Dbl(0), Dbl(0), Dbl(90), Dbl(0)))), "90");
  EXPECT_EQ(
      EvalOk(Call("scisql_s2PtInCircle", Args(Dbl(10), Dbl(20), Dbl(10.1), Dbl(20), Dbl(0.2)))),
      "1");
  EXPECT_EQ(
      EvalOk(Call("scisql_s2PtInBox", Args(Dbl(355), Dbl(0), Dbl(350), Dbl(-1), Dbl(10), Dbl(1)))),
      "1");
  EXPECT_EQ(EvalOk(Call("ivo_hasword", Args(Str("a quick fox"), Str("QUICK")))), "1");
  EXPECT_EQ(EvalOk(Call("ivo_healpix_index", Args(Int(0, VT::kInteger), Dbl(0), Dbl(90)))), "0");
  EXPECT_FALSE(Eval(Call("ivo_healpix_index", Args(Int(40, VT::kInteger), Dbl(0), Dbl(0)))).ok());
  EXPECT_EQ(EvalOk(Call("ivo_to_mjd", Args(Cast(Str("1970-01-01"), VT::kTimestamp)))), "40587");
  auto r = Call("RAND", {});
  auto v = Eval(std::move(r));
  ASSERT_TRUE(v.ok());
  EXPECT_GE(std::stod(*v), 0.0);
  EXPECT_LT(std::stod(*v), 1.0);
}

TEST(ExecExpression, Geometry) {
  EXPECT_EQ(EvalOk(Call("POINT", Args(Dbl(10), Dbl(20)))), "POINT ICRS 10 20");
  EXPECT_EQ(EvalOk(Call("POINT", Args(Str("ICRS"), Dbl(10.5), Dbl(-20)))), "POINT ICRS 10.5 -20");
  EXPECT_EQ(EvalOk(Call("CIRCLE", Args(Dbl(10), Dbl(20), Dbl(1)))), "CIRCLE ICRS 10 20 1");
  EXPECT_EQ(EvalOk(Call("CIRCLE", Args(Call("POINT", Args(Dbl(1), Dbl(2))), Dbl(0.5)))),
            "CIRCLE ICRS 1 2 0.5");
  EXPECT_EQ(EvalOk(Call("POLYGON", Args(Dbl(0), Dbl(0), Dbl(1), Dbl(0), Dbl(0), Dbl(1)))),
            "POLYGON ICRS 0 0 1 0 0 1");
  auto contains = [](ExprPtr p, ExprPtr region) {
    return Call("CONTAINS", Args(std::move(p), std::move(region)));
  };
  EXPECT_EQ(EvalOk(contains(Call("POINT", Args(Dbl(10), Dbl(20))),
                            Call("CIRCLE", Args(Dbl(10.5), Dbl(20), Dbl(1))))),
            "1");
  EXPECT_EQ(EvalOk(contains(Call("POINT", Args(Dbl(10), Dbl(20))),
                            Call("CIRCLE", Args(Dbl(12), Dbl(20), Dbl(1))))),
            "0");
  EXPECT_EQ(EvalOk(contains(Call("POINT", Args(Dbl(359.5), Dbl(0))),
                            Call("BOX", Args(Dbl(0), Dbl(0), Dbl(2), Dbl(2))))),
            "1");
  EXPECT_EQ(EvalOk(contains(Call("POINT", Args(Dbl(0.2), Dbl(0.2))),
                            Call("POLYGON", Args(Dbl(0), Dbl(0), Dbl(1), Dbl(0), Dbl(0), Dbl(1))))),
            "1");
  EXPECT_EQ(EvalOk(contains(Call("POINT", Args(Dbl(10), Dbl(20))),
                            Call("REGION", Args(Str("CIRCLE ICRS 10 20 0.1"))))),
            "1");
  EXPECT_EQ(EvalOk(contains(Call("CIRCLE", Args(Dbl(10), Dbl(20), Dbl(0.1))),
                            Call("CIRCLE", Args(Dbl(10), Dbl(20.5), Dbl(1))))),
            "1");
  EXPECT_EQ(EvalOk(Call("INTERSECTS", Args(Call("CIRCLE", Args(Dbl(10), Dbl(20), Dbl(1))),
                                           Call("CIRCLE", Args(Dbl(11.5), Dbl(20), Dbl(1)))))),
            "1");
  EXPECT_EQ(EvalOk(Call("INTERSECTS", Args(Call("BOX", Args(Dbl(10), Dbl(20), Dbl(1), Dbl(1))),
                                           Call("CIRCLE", Args(Dbl(13), Dbl(20), Dbl(1)))))),
            "0");
  EXPECT_EQ(EvalOk(Call("DISTANCE", Args(Call("POINT", Args(Dbl(0), Dbl(0))),
                                         Call("POINT", Args(Dbl(0), Dbl(90)))))),
            "90");
  EXPECT_EQ(EvalOk(Call("DISTANCE", Args(Dbl(0), Dbl(0), Dbl(180), Dbl(0)))), "180");
  EXPECT_EQ(EvalOk(Call("COORD1", Args(Call("POINT", Args(Dbl(10), Dbl(20)))))), "10");
  EXPECT_EQ(EvalOk(Call("COORD2", Args(Call("POINT", Args(Dbl(10), Dbl(20)))))), "20");
  const double cap = 2 * M_PI * (1 - std::cos(M_PI / 180)) * (180 / M_PI) * (180 / M_PI);
  EXPECT_EQ(EvalOk(Call("AREA", Args(Call("CIRCLE", Args(Dbl(10), Dbl(20), Dbl(1)))))), D(cap));
  // A quarter of the northern hemisphere's octant triangle: 1/8 of the sphere.
  EXPECT_EQ(
      EvalOk(Call("AREA",
                  Args(Call("POLYGON", Args(Dbl(0), Dbl(0), Dbl(90), Dbl(0), Dbl(0), Dbl(90)))))),
      D(41252.96124941927 / 8));
  EXPECT_EQ(EvalOk(Call("CENTROID", Args(Call("CIRCLE", Args(Dbl(10), Dbl(20), Dbl(1)))))),
            "POINT ICRS 10 20");
  EXPECT_EQ(EvalOk(Call("COORDSYS", Args(Call("POINT", Args(Dbl(10), Dbl(20)))))), "ICRS");
  EXPECT_EQ(EvalOk(Call("ivo_healpix_center", Args(Int(0, VT::kInteger), Int(4)))),
            "POINT ICRS 0 0");
  // An invalid constant region is an error; a NULL point gives NULL.
  EXPECT_FALSE(Eval(contains(Call("POINT", Args(Dbl(10), Dbl(20))),
                             Call("CIRCLE", Args(Dbl(10), Dbl(95), Dbl(1)))))
                   .ok());
  EXPECT_EQ(EvalOk(contains(Call("POINT", Args(Cast(N(), VT::kDouble), Dbl(20))),
                            Call("CIRCLE", Args(Dbl(10), Dbl(20), Dbl(1))))),
            "NULL");
}

// The repeated parameters of a variadic signature (POLYGON's ra, dec pairs, scisql_s2PtInCPoly's
// vertices, COALESCE's values) convert like the first ones: an INTEGER fourth vertex used to be
// read as a DOUBLE from an integer column, which crashed (any POLYGON of 4 or more vertices
// written with integers).
TEST(ExecExpression, VariadicArgumentsConvertLikeTheFirstOnes) {
  auto ints = [](const std::vector<int64_t>& v) {
    std::vector<ExprPtr> out;
    for (int64_t x : v) out.push_back(Int(x, VT::kInteger));
    return out;
  };
  auto with_sys = [](std::vector<ExprPtr> v) {
    std::vector<ExprPtr> out;
    out.push_back(Str("ICRS"));
    for (auto& e : v) out.push_back(std::move(e));
    return out;
  };
  const std::vector<int64_t> quad = {270, 30, 310, 30, 310, 60, 270, 60};
  EXPECT_EQ(EvalOk(Call("POLYGON", ints(quad))), "POLYGON ICRS 270 30 310 30 310 60 270 60");
  EXPECT_EQ(EvalOk(Call("POLYGON", with_sys(ints(quad)))),
            "POLYGON ICRS 270 30 310 30 310 60 270 60");
  // Five vertices, integers and doubles mixed, with and without the coordinate system.
  auto pentagon = [&] {
    std::vector<ExprPtr> v = ints({0, 0, 10, 0, 12});
    v.push_back(Dbl(5.5));
    v.push_back(Int(5, VT::kInteger));
    v.push_back(Dbl(9));
    v.push_back(Int(-2, VT::kInteger));
    v.push_back(Int(5, VT::kInteger));
    return v;
  };
  EXPECT_EQ(EvalOk(Call("POLYGON", pentagon())), "POLYGON ICRS 0 0 10 0 12 5.5 5 9 -2 5");
  EXPECT_EQ(EvalOk(Call("POLYGON", with_sys(pentagon()))), "POLYGON ICRS 0 0 10 0 12 5.5 5 9 -2 5");
  // Per-row values (not folded): the BIGINT column i = 7 and the INTEGER column z = 0.
  EXPECT_EQ(EvalOk(Call("POLYGON", Args(Z(), Z(), I(), Z(), I(), I(), Z(), I()))),
            "POLYGON ICRS 0 0 7 0 7 7 0 7");
  // Four POINTs.
  auto pt = [](int64_t ra, int64_t dec) {
    return Call("POINT", Args(Int(ra, VT::kInteger), Int(dec, VT::kInteger)));
  };
  EXPECT_EQ(EvalOk(Call("POLYGON", Args(pt(270, 30), pt(310, 30), pt(310, 60), pt(270, 60)))),
            "POLYGON ICRS 270 30 310 30 310 60 270 60");
  EXPECT_EQ(EvalOk(Call("POLYGON",
                        Args(Str("ICRS"), pt(270, 30), pt(310, 30), pt(310, 60), pt(270, 60)))),
            "POLYGON ICRS 270 30 310 30 310 60 270 60");

  // CONTAINS and AREA over the quadrilateral (the corpus's queries): its area is that of the
  // two triangles it splits into, each a 3-vertex POLYGON.
  auto contains = [&](double ra, double dec) {
    return Call("CONTAINS", Args(Call("POINT", Args(Dbl(ra), Dbl(dec))),
                                 Call("POLYGON", with_sys(ints(quad)))));
  };
  EXPECT_EQ(EvalOk(contains(290, 45)), "1");
  EXPECT_EQ(EvalOk(contains(300, 20)), "0");
  auto area = [](std::vector<ExprPtr> v) {
    auto r = Eval(Call("AREA", Args(Call("POLYGON", std::move(v)))));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::stod(*r) : -1.0;
  };
  const double a = area(ints(quad));
  EXPECT_NEAR(a, area(ints({270, 30, 310, 30, 310, 60})) + area(ints({270, 30, 310, 60, 270, 60})),
              1e-6);
  EXPECT_GT(a, 500);
  EXPECT_EQ(area(with_sys(ints(quad))), a);

  // A bow tie (self-intersecting) is an error that says POLYGON, in CONTAINS and in AREA.
  const std::vector<int64_t> bow_tie = {10, 10, 20, 20, 20, 10, 10, 20};
  auto bow_contains = Eval(Call(
      "CONTAINS", Args(Call("POINT", Args(Dbl(15), Dbl(15))), Call("POLYGON", ints(bow_tie)))));
  ASSERT_FALSE(bow_contains.ok());
  EXPECT_EQ(bow_contains.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bow_contains.status().message().find("POLYGON"), std::string::npos)
      << bow_contains.status().ToString();
  auto bow_area = Eval(Call("AREA", Args(Call("POLYGON", with_sys(ints(bow_tie))))));
  ASSERT_FALSE(bow_area.ok());
  EXPECT_NE(bow_area.status().message().find("POLYGON"), std::string::npos)
      << bow_area.status().ToString();

  // scisql_s2PtInCPoly with 4 and with 12 vertices given as integers.
  auto in_cpoly = [&](int64_t ra, int64_t dec, const std::vector<int64_t>& vertices) {
    std::vector<ExprPtr> v = ints({ra, dec});
    for (auto& e : ints(vertices)) v.push_back(std::move(e));
    return EvalOk(Call("scisql_s2PtInCPoly", std::move(v)));
  };
  EXPECT_EQ(in_cpoly(290, 45, quad), "1");
  EXPECT_EQ(in_cpoly(300, 20, quad), "0");
  std::vector<int64_t> dodecagon;  // around (20, 0), radius 10, a vertex every 30 degrees
  for (int k = 0; k < 12; ++k) {
    dodecagon.push_back(20 + std::lround(10 * std::cos(k * M_PI / 6)));
    dodecagon.push_back(std::lround(10 * std::sin(k * M_PI / 6)));
  }
  EXPECT_EQ(in_cpoly(20, 0, dodecagon), "1");
  EXPECT_EQ(in_cpoly(23, 3, dodecagon), "1");
  EXPECT_EQ(in_cpoly(29, 9, dodecagon), "0");

  // COALESCE of many values of several types.
  EXPECT_EQ(EvalOk(Call("COALESCE", Args(N(), Null(VT::kInteger), N(), Null(), N(), Z()))), "0");
  EXPECT_EQ(EvalOk(Call("COALESCE", Args(N(), N(), Null(VT::kDouble), N(), Dcol(), I()))), "2.5");
  EXPECT_EQ(EvalOk(Call("COALESCE", Args(N(), N(), N(), N(), N(), N(), I()))), "7");
}

TEST(ExecExpression, UnsupportedFunction) {
  // The registry refuses a function it marks not evaluable; one that reaches the executor anyway
  // is Unsupported there too.
  const FunctionInfo* simbad = FunctionRegistry::Default().Find("ivo_simbadpoint");
  ASSERT_NE(simbad, nullptr);
  ASSERT_FALSE(simbad->evaluable);
  auto call = Expr::Make(ExprKind::kFunction, VT::kPoint, Args(Str("M 31")));
  call->function = simbad;
  call->signature = &simbad->signatures[0];
  auto r = Eval(std::move(call));
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_TRUE(FunctionRegistry::Default().Find("IN_UNIT")->evaluable);
  // IN_UNIT is evaluable, as the binder's multiplication by a constant; a call that reaches the
  // executor unbound is a programming error.
  auto in_unit = Eval(Call("IN_UNIT", Args(Dbl(1), Str("deg"))));
  EXPECT_EQ(in_unit.status().code(), StatusCode::kInternal);
}

// ---- Operators over a random in-memory table -------------------------------------------------

struct TRow {
  int64_t id;
  std::optional<double> x;
  std::optional<std::string> s;
  std::optional<int64_t> g;
};

struct Fixture {
  std::vector<TRow> rows;
  TableBuilder t{
      "t", {{"id", VT::kBigInt}, {"x", VT::kDouble}, {"s", VT::kVarChar}, {"g", VT::kInteger}}};
  explicit Fixture(int n, uint64_t seed = 1, int batch = 37) {
    std::mt19937_64 rng(seed);
    for (int i = 0; i < n; ++i) {
      TRow r;
      r.id = i;
      if (rng() % 7 != 0) r.x = static_cast<double>(rng() % 1000) / 10.0;
      if (rng() % 5 != 0) r.s = std::string(1, static_cast<char>('a' + rng() % 6));
      if (rng() % 6 != 0) r.g = static_cast<int64_t>(rng() % 5);
      rows.push_back(r);
      if (i % batch == 0) t.NewBatch();
      t.Add({Value::Int(r.id), r.x ? Value::Double(*r.x) : Value::Null(VT::kDouble),
             r.s ? Value::String(*r.s) : Value::Null(VT::kVarChar),
             r.g ? Value::Int(*r.g, VT::kInteger) : Value::Null(VT::kInteger)});
    }
  }
  PlanPtr Scan() const { return ScanOf(t.table.get(), t.types); }
};

std::string Opt(const std::optional<double>& v) { return v ? D(*v) : "NULL"; }
std::string Opt(const std::optional<std::string>& v) { return v ? *v : "NULL"; }
std::string Opt(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "NULL"; }

using Rows = std::vector<std::vector<std::string>>;

Rows RunRows(const plan::PlanNode& p, ExecOptions options = {}) {
  CollectSink sink;
  Status s = Execute(p, nullptr, &sink, options);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink.rows;
}

Rows Sorted(Rows r) {
  std::sort(r.begin(), r.end());
  return r;
}

TEST(ExecOperators, FilterProject) {
  Fixture f(1000);
  // WHERE x > 50 AND s <> 'a'  ->  id, x * 2
  auto plan = ProjectOf(
      FilterOf(f.Scan(), And(Cmp(Op::kGreater, Col(1, VT::kDouble), Int(50)),
                             Cmp(Op::kNotEqual, Col(2, VT::kVarChar), Str("a")))),
      Args(Col(0, VT::kBigInt), Bin(Op::kMultiply, Col(1, VT::kDouble), Int(2), VT::kDouble)));
  Rows expected;
  for (const auto& r : f.rows) {
    if (r.x && *r.x > 50 && r.s && *r.s != "a")
      expected.push_back({std::to_string(r.id), D(*r.x * 2)});
  }
  EXPECT_EQ(RunRows(*plan), expected);
  // Small batches give the same rows.
  ExecOptions small;
  small.batch_rows = 7;
  EXPECT_EQ(RunRows(*plan, small), expected);
}

PlanPtr AggregateOf(PlanPtr in, std::vector<ExprPtr> groups,
                    std::vector<plan::AggregateCall> calls) {
  auto a = std::make_unique<plan::Aggregate>();
  for (size_t i = 0; i < groups.size(); ++i)
    a->schema.push_back(Out("g" + std::to_string(i), groups[i]->type));
  for (size_t i = 0; i < calls.size(); ++i)
    a->schema.push_back(Out("a" + std::to_string(i), calls[i].type));
  a->groups = std::move(groups);
  a->aggregates = std::move(calls);
  a->children.push_back(std::move(in));
  return a;
}

plan::AggregateCall Agg(plan::AggregateFunction f, ExprPtr arg, VT type, bool distinct = false) {
  plan::AggregateCall c;
  c.function = f;
  c.argument = std::move(arg);
  c.type = type;
  c.distinct = distinct;
  return c;
}

std::vector<plan::AggregateCall> AllAggregates() {
  using plan::AggregateFunction;
  std::vector<plan::AggregateCall> calls;
  calls.push_back(Agg(AggregateFunction::kCountStar, nullptr, VT::kBigInt));
  calls.push_back(Agg(AggregateFunction::kCount, Col(1, VT::kDouble), VT::kBigInt));
  calls.push_back(Agg(AggregateFunction::kSum, Col(0, VT::kBigInt), VT::kBigInt));
  calls.push_back(Agg(AggregateFunction::kAvg, Col(1, VT::kDouble), VT::kDouble));
  calls.push_back(Agg(AggregateFunction::kMin, Col(2, VT::kVarChar), VT::kVarChar));
  calls.push_back(Agg(AggregateFunction::kMax, Col(1, VT::kDouble), VT::kDouble));
  calls.push_back(Agg(AggregateFunction::kCount, Col(2, VT::kVarChar), VT::kBigInt, true));
  calls.push_back(Agg(AggregateFunction::kSum, Col(1, VT::kDouble), VT::kDouble));
  return calls;
}

struct Expected {
  int64_t count = 0, count_x = 0, sum_id = 0;
  double sum_x = 0;
  std::optional<std::string> min_s;
  std::optional<double> max_x;
  std::set<std::string> distinct_s;
  std::vector<std::string> Row(const std::string& group) const {
    std::vector<std::string> r;
    if (!group.empty()) r.push_back(group);
    r.push_back(std::to_string(count));
    r.push_back(std::to_string(count_x));
    r.push_back(count > 0 ? std::to_string(sum_id) : "NULL");
    r.push_back(count_x > 0 ? D(sum_x / static_cast<double>(count_x)) : "NULL");
    r.push_back(Opt(min_s));
    r.push_back(Opt(max_x));
    r.push_back(std::to_string(distinct_s.size()));
    r.push_back(count_x > 0 ? D(sum_x) : "NULL");
    return r;
  }
  void Add(const TRow& row) {
    ++count;
    sum_id += row.id;
    if (row.x) {
      ++count_x;
      sum_x += *row.x;
      if (!max_x || *row.x > *max_x) max_x = row.x;
    }
    if (row.s) {
      if (!min_s || *row.s < *min_s) min_s = row.s;
      distinct_s.insert(*row.s);
    }
  }
};

TEST(ExecOperators, AggregateGroupBy) {
  Fixture f(2000);
  auto plan = AggregateOf(f.Scan(), List(Col(3, VT::kInteger)), AllAggregates());
  std::map<std::string, Expected> groups;
  for (const auto& r : f.rows) groups[Opt(r.g)].Add(r);
  Rows expected;
  for (const auto& [g, e] : groups) expected.push_back(e.Row(g));
  EXPECT_EQ(Sorted(RunRows(*plan)), Sorted(expected));
}

// GROUP BY a text column, used in place as the key: NULL, the empty string and strings of 1 to
// 12 bytes that share prefixes and suffixes (short ones are hashed from fixed-size loads, long
// ones by std::hash) must each be their own group, across batches and through merged partial
// tables, as std::map groups them.
TEST(ExecOperators, AggregateGroupByText) {
  TableBuilder t("t", {{"s", VT::kVarChar}, {"v", VT::kInteger}});
  std::mt19937_64 rng(7);
  const std::string alphabet("ab\0z", 4);
  std::map<std::string, std::pair<int64_t, int64_t>> expected;  // count, sum
  for (int i = 0; i < 5000; ++i) {
    if (i % 61 == 0) t.NewBatch();
    const int64_t v = static_cast<int64_t>(rng() % 100);
    if (rng() % 9 == 0) {
      t.Add({Value::Null(VT::kVarChar), Value::Int(v, VT::kInteger)});
      auto& e = expected["NULL"];
      ++e.first;
      e.second += v;
      continue;
    }
    std::string s(rng() % 13, 'a');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    t.Add({Value::String(s), Value::Int(v, VT::kInteger)});
    auto& e = expected["'" + s + "'"];
    ++e.first;
    e.second += v;
  }
  std::vector<plan::AggregateCall> calls;
  calls.push_back(Agg(plan::AggregateFunction::kCountStar, nullptr, VT::kBigInt));
  calls.push_back(Agg(plan::AggregateFunction::kSum, Col(1, VT::kInteger), VT::kBigInt));
  auto plan =
      AggregateOf(ScanOf(t.table.get(), t.types), List(Col(0, VT::kVarChar)), std::move(calls));
  CollectSink sink;
  ASSERT_TRUE(Execute(*plan, nullptr, &sink, ExecOptions{}).ok());
  std::map<std::string, std::pair<int64_t, int64_t>> got;
  for (size_t r = 0; r < sink.rows.size(); ++r) {
    // No generated string is "NULL" (its letters are a, b, z and NUL).
    const std::string key = sink.rows[r][0] == "NULL" ? "NULL" : "'" + sink.rows[r][0] + "'";
    EXPECT_EQ(got.count(key), 0u) << "group " << key << " twice";
    got[key] = {std::stoll(sink.rows[r][1]), std::stoll(sink.rows[r][2])};
  }
  EXPECT_GT(expected.size(), 1000u);
  EXPECT_EQ(got, expected);
}

TEST(ExecOperators, AggregateWithoutGroups) {
  Fixture f(500);
  Expected all;
  for (const auto& r : f.rows) all.Add(r);
  EXPECT_EQ(RunRows(*AggregateOf(f.Scan(), {}, AllAggregates())), Rows{all.Row("")});
  // Over no rows: one row, COUNT 0, the others NULL.
  auto empty = AggregateOf(FilterOf(f.Scan(), Cmp(Op::kLess, Col(0, VT::kBigInt), Int(0))), {},
                           AllAggregates());
  EXPECT_EQ(RunRows(*empty), Rows{Expected().Row("")});
  // SUM overflow is an error.
  TableBuilder big("big", {{"v", VT::kBigInt}});
  big.Add({Value::Int(INT64_MAX)});
  big.Add({Value::Int(1)});
  std::vector<plan::AggregateCall> sum;
  sum.push_back(Agg(plan::AggregateFunction::kSum, Col(0, VT::kBigInt), VT::kBigInt));
  CollectSink sink;
  Status s = Execute(*AggregateOf(ScanOf(big.table.get(), big.types), {}, std::move(sum)), nullptr,
                     &sink, ExecOptions{});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

// MIN and MAX of a BOOLEAN column (FALSE < TRUE), grouped and not, through the hash aggregate
// and through partial tables merged as a Gather merges them.
TEST(ExecOperators, MinMaxOfBoolean) {
  TableBuilder t("flags", {{"g", VT::kInteger}, {"b", VT::kBoolean}});
  // g=0: TRUE, FALSE, NULL; g=1: TRUE, TRUE; g=2: NULL; g=3: FALSE.
  const std::vector<std::pair<int, std::optional<bool>>> rows = {
      {0, true},  {1, true}, {2, std::nullopt}, {0, false},
      {3, false}, {1, true}, {0, std::nullopt}};
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i % 3 == 0) t.NewBatch();
    const auto& [g, b] = rows[i];
    t.Add({Value::Int(g, VT::kInteger), b ? Value::Boolean(*b) : Value::Null(VT::kBoolean)});
  }
  auto calls = [] {
    std::vector<plan::AggregateCall> c;
    c.push_back(Agg(plan::AggregateFunction::kMin, Col(1, VT::kBoolean), VT::kBoolean));
    c.push_back(Agg(plan::AggregateFunction::kMax, Col(1, VT::kBoolean), VT::kBoolean));
    c.push_back(Agg(plan::AggregateFunction::kMax, Col(1, VT::kBoolean), VT::kBoolean, true));
    return c;
  };
  auto grouped = AggregateOf(ScanOf(t.table.get(), t.types), List(Col(0, VT::kInteger)), calls());
  const Rows expected = {{"0", "0", "1", "1"},
                         {"1", "1", "1", "1"},
                         {"2", "NULL", "NULL", "NULL"},
                         {"3", "0", "0", "0"}};
  EXPECT_EQ(Sorted(RunRows(*grouped)), expected);
  auto all = AggregateOf(ScanOf(t.table.get(), t.types), {}, calls());
  EXPECT_EQ(RunRows(*all), (Rows{{"0", "1", "1"}}));

  // Partial states: each batch into its own table, merged into the first.
  for (const PlanPtr* p : {&grouped, &all}) {
    const auto& node = (*p)->As<plan::Aggregate>();
    exec::QueryState query(nullptr, ExecOptions{});
    exec::ExecContext ctx;
    ctx.query = &query;
    std::vector<std::unique_ptr<exec::AggregateTable>> tables;
    for (const ColumnBatch& batch : t.rows->batches) {
      tables.push_back(std::make_unique<exec::AggregateTable>(node, &ctx));
      ASSERT_TRUE(tables.back()->Init().ok());
      ASSERT_TRUE(tables.back()->Consume(batch).ok());
    }
    for (size_t k = 1; k < tables.size(); ++k) ASSERT_TRUE(tables[0]->Merge(tables[k].get()).ok());
    Rows merged;
    ColumnBatch out;
    while (true) {
      Result<bool> more = tables[0]->Emit(&out);
      ASSERT_TRUE(more.ok()) << more.status().ToString();
      if (!*more) break;
      for (size_t c = node.groups.size(); c < out.columns.size(); ++c) {
        EXPECT_EQ(out.columns[c].type.type, DataType::kBoolean);
      }
      for (size_t r = 0; r < out.num_rows; ++r) {
        std::vector<std::string> row;
        for (const ColumnVector& c : out.columns) row.push_back(CollectSink::Text(c, r));
        merged.push_back(std::move(row));
      }
    }
    EXPECT_EQ(Sorted(merged), (p == &grouped ? expected : Rows{{"0", "1", "1"}}));
  }
}

TEST(ExecOperators, DistinctTreatsNullsAsEqual) {
  Fixture f(1000);
  auto d = std::make_unique<plan::Distinct>();
  auto p = ProjectOf(f.Scan(), Args(Col(2, VT::kVarChar), Col(3, VT::kInteger)));
  d->schema = p->schema;
  d->children.push_back(std::move(p));
  std::set<std::vector<std::string>> expected;
  for (const auto& r : f.rows) expected.insert({Opt(r.s), Opt(r.g)});
  Rows got = RunRows(*d);
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_EQ(std::set<std::vector<std::string>>(got.begin(), got.end()), expected);
}

PlanPtr SortOf(PlanPtr in, std::vector<std::pair<ExprPtr, bool>>&& keys, int64_t limit = -1) {
  auto s = std::make_unique<plan::Sort>();
  s->schema = in->schema;
  for (auto& [e, desc] : keys) s->keys.push_back({std::move(e), desc});
  s->limit = limit;
  s->children.push_back(std::move(in));
  return s;
}

PlanPtr LimitOf(PlanPtr in, int64_t offset, int64_t count) {
  auto l = std::make_unique<plan::Limit>();
  l->schema = in->schema;
  l->offset = offset;
  l->count = count;
  l->children.push_back(std::move(in));
  return l;
}

TEST(ExecOperators, SortNullsLargestAndTopK) {
  Fixture f(3000);
  // ORDER BY x DESC, id: NULL x first (largest, descending).
  std::vector<TRow> expected_rows = f.rows;
  std::stable_sort(expected_rows.begin(), expected_rows.end(), [](const TRow& a, const TRow& b) {
    if (a.x.has_value() != b.x.has_value()) return !a.x.has_value();
    if (a.x && *a.x != *b.x) return *a.x > *b.x;
    return a.id < b.id;
  });
  Rows expected;
  for (const auto& r : expected_rows) expected.push_back({std::to_string(r.id), Opt(r.x)});
  auto keys = [] {
    std::vector<std::pair<ExprPtr, bool>> k;
    k.emplace_back(Col(1, VT::kDouble), true);
    k.emplace_back(Col(0, VT::kBigInt), false);
    return k;
  };
  auto project = [&](PlanPtr p) {
    return ProjectOf(std::move(p), Args(Col(0, VT::kBigInt), Col(1, VT::kDouble)));
  };
  EXPECT_EQ(RunRows(*project(SortOf(f.Scan(), keys()))), expected);
  // Top-k (with a batch size that forces pruning) equals the prefix of the full sort.
  ExecOptions small;
  small.batch_rows = 16;
  Rows top = RunRows(*project(SortOf(f.Scan(), keys(), 25)), small);
  EXPECT_EQ(top, Rows(expected.begin(), expected.begin() + 25));
  EXPECT_TRUE(RunRows(*project(SortOf(f.Scan(), keys(), 0))).empty());
  // OFFSET 10 then 5 rows.
  Rows page = RunRows(*LimitOf(project(SortOf(f.Scan(), keys())), 10, 5));
  EXPECT_EQ(page, Rows(expected.begin() + 10, expected.begin() + 15));
  // Ascending: NULLs last.
  std::vector<std::pair<ExprPtr, bool>> asc;
  asc.emplace_back(Col(1, VT::kDouble), false);
  asc.emplace_back(Col(0, VT::kBigInt), false);
  Rows a = RunRows(*project(SortOf(f.Scan(), std::move(asc))));
  EXPECT_EQ(a.back()[1], "NULL");
  EXPECT_NE(a.front()[1], "NULL");
}

PlanPtr SetOf(plan::SetOperator op, bool all, PlanPtr l, PlanPtr r) {
  auto s = std::make_unique<plan::SetOperation>();
  s->op = op;
  s->all = all;
  s->schema = l->schema;
  s->children.push_back(std::move(l));
  s->children.push_back(std::move(r));
  return s;
}

TEST(ExecOperators, SetOperationsBagSemantics) {
  Fixture a(400, 1), b(300, 2);
  auto side = [](const Fixture& f) {
    return ProjectOf(f.Scan(), Args(Col(2, VT::kVarChar), Col(3, VT::kInteger)));
  };
  std::map<std::vector<std::string>, int> ca, cb;
  for (const auto& r : a.rows) ++ca[{Opt(r.s), Opt(r.g)}];
  for (const auto& r : b.rows) ++cb[{Opt(r.s), Opt(r.g)}];
  auto expect = [&](plan::SetOperator op, bool all) {
    Rows out;
    std::set<std::vector<std::string>> keys;
    for (auto& [k, n] : ca) keys.insert(k);
    for (auto& [k, n] : cb) keys.insert(k);
    for (const auto& k : keys) {
      const int m = ca.count(k) ? ca[k] : 0, n = cb.count(k) ? cb[k] : 0;
      int times = 0;
      if (op == plan::SetOperator::kUnion) times = all ? m + n : 1;
      if (op == plan::SetOperator::kIntersect) times = all ? std::min(m, n) : (m > 0 && n > 0);
      if (op == plan::SetOperator::kExcept) times = all ? std::max(m - n, 0) : (m > 0 && n == 0);
      for (int i = 0; i < times; ++i) out.push_back(k);
    }
    return Sorted(out);
  };
  for (auto op :
       {plan::SetOperator::kUnion, plan::SetOperator::kIntersect, plan::SetOperator::kExcept}) {
    for (bool all : {false, true}) {
      EXPECT_EQ(Sorted(RunRows(*SetOf(op, all, side(a), side(b)))), expect(op, all))
          << static_cast<int>(op) << " all=" << all;
    }
  }
  // Columns are matched by position and converted to the output's types.
  auto l = ProjectOf(a.Scan(), Args(Col(0, VT::kBigInt)));
  auto r = ProjectOf(b.Scan(), Args(Col(1, VT::kDouble)));
  auto u = SetOf(plan::SetOperator::kUnion, true, std::move(l), std::move(r));
  u->schema[0] = Out("v", VT::kDouble);
  EXPECT_EQ(RunRows(*u).size(), a.rows.size() + b.rows.size());
}

PlanPtr JoinOf(plan::JoinType type, PlanPtr l, PlanPtr r, ExprPtr cond, bool hash) {
  auto j = std::make_unique<plan::Join>();
  j->type = type;
  j->schema = l->schema;
  if (type != plan::JoinType::kSemi && type != plan::JoinType::kAnti) {
    j->schema.insert(j->schema.end(), r->schema.begin(), r->schema.end());
  }
  if (hash) {
    // The equality is the condition's first conjunct: g (left #3) = g (right #3 -> #7).
    j->left_keys.push_back(Col(3, VT::kInteger));
    j->right_keys.push_back(Col(3, VT::kInteger));
  }
  j->condition = std::move(cond);
  j->children.push_back(std::move(l));
  j->children.push_back(std::move(r));
  return j;
}

TEST(ExecOperators, JoinsAgainstBruteForce) {
  Fixture a(150, 3), b(120, 4);
  using plan::JoinType;
  auto cond = [] {
    // l.g = r.g AND l.x < r.x
    return And(Cmp(Op::kEqual, Col(3, VT::kInteger), Col(7, VT::kInteger)),
               Cmp(Op::kLess, Col(1, VT::kDouble), Col(5, VT::kDouble)));
  };
  auto row_text = [](const TRow* r) -> std::vector<std::string> {
    if (r == nullptr) return {"NULL", "NULL", "NULL", "NULL"};
    return {std::to_string(r->id), Opt(r->x), Opt(r->s), Opt(r->g)};
  };
  auto match = [](const TRow& l, const TRow& r) {
    return l.g && r.g && *l.g == *r.g && l.x && r.x && *l.x < *r.x;
  };
  for (JoinType type : {JoinType::kInner, JoinType::kLeft, JoinType::kRight, JoinType::kFull,
                        JoinType::kSemi, JoinType::kAnti, JoinType::kCross}) {
    Rows expected;
    std::vector<bool> right_matched(b.rows.size(), false);
    for (const auto& l : a.rows) {
      bool any = false;
      for (size_t k = 0; k < b.rows.size(); ++k) {
        const TRow& r = b.rows[k];
        if (type != JoinType::kCross && !match(l, r)) continue;
        any = true;
        right_matched[k] = true;
        if (type == JoinType::kSemi || type == JoinType::kAnti) continue;
        auto row = row_text(&l);
        auto rr = row_text(&r);
        row.insert(row.end(), rr.begin(), rr.end());
        expected.push_back(row);
      }
      if ((type == JoinType::kSemi && any) || (type == JoinType::kAnti && !any)) {
        expected.push_back(row_text(&l));
      }
      if (!any && (type == JoinType::kLeft || type == JoinType::kFull)) {
        auto row = row_text(&l);
        auto rr = row_text(nullptr);
        row.insert(row.end(), rr.begin(), rr.end());
        expected.push_back(row);
      }
    }
    if (type == JoinType::kRight || type == JoinType::kFull) {
      for (size_t k = 0; k < b.rows.size(); ++k) {
        if (right_matched[k]) continue;
        auto row = row_text(nullptr);
        auto rr = row_text(&b.rows[k]);
        row.insert(row.end(), rr.begin(), rr.end());
        expected.push_back(row);
      }
    }
    for (bool hash : {false, true}) {
      if (hash && type == JoinType::kCross) continue;
      ExecOptions small;
      small.batch_rows = 64;
      auto j = JoinOf(type, a.Scan(), b.Scan(), type == JoinType::kCross ? nullptr : cond(), hash);
      EXPECT_EQ(Sorted(RunRows(*j, small)), Sorted(expected))
          << "type " << static_cast<int>(type) << " hash " << hash;
    }
  }
}

// ---- Lookup join ------------------------------------------------------------------------------

// A dimension table with an indexed integer key (ids 0, 2, 4, ... with gaps: some keys have no
// row), in several batches, and a probe table whose keys are NULL, missing, duplicated, and
// given as BIGINT, INTEGER and DOUBLE (3.0 equals 3; 3.5 equals nothing).
struct LookupFixture {
  TableBuilder dim{"dim", {{"id", VT::kBigInt}, {"val", VT::kDouble}, {"tag", VT::kVarChar}}};
  TableBuilder probe{
      "probe", {{"k", VT::kBigInt}, {"ki", VT::kInteger}, {"kd", VT::kDouble}, {"w", VT::kDouble}}};
  LookupFixture() {
    std::mt19937_64 rng(11);
    for (int i = 0; i < 300; ++i) {
      if (i % 3 == 1) continue;  // missing keys
      if (i % 40 == 0) dim.NewBatch();
      const Value val = rng() % 9 == 0 ? Value::Null(VT::kDouble)
                                       : Value::Double(static_cast<double>(rng() % 100));
      dim.Add({Value::Int(i), val, Value::String(std::string(1, static_cast<char>('a' + i % 4)))});
    }
    // A row whose key is NULL: never found. Two keys beyond 2^53 that are one double apart
    // from none: a DOUBLE key 2^60 equals both (as the hash join compares them).
    dim.Add({Value::Null(VT::kBigInt), Value::Double(1), Value::String("n")});
    dim.Add({Value::Int(kBig), Value::Double(50), Value::String("x")});
    dim.Add({Value::Int(kBig + 1), Value::Double(60), Value::String("y")});
    Status indexed = dim.rows->BuildKeyIndex(0);
    EXPECT_TRUE(indexed.ok()) << indexed.ToString();
    for (int i = 0; i < 700; ++i) {
      if (i % 50 == 0) probe.NewBatch();
      const int64_t key = static_cast<int64_t>(rng() % 330) - 10;  // duplicates, misses, < 0
      const bool null_key = rng() % 8 == 0;
      double kd = static_cast<double>(key);
      if (rng() % 5 == 0) kd += 0.5;  // matches nothing
      probe.Add({null_key ? Value::Null(VT::kBigInt) : Value::Int(key),
                 null_key ? Value::Null(VT::kInteger) : Value::Int(key, VT::kInteger),
                 null_key ? Value::Null(VT::kDouble) : Value::Double(kd),
                 Value::Double(static_cast<double>(rng() % 100))});
    }
    probe.Add({Value::Int(kBig), Value::Null(VT::kInteger),
               Value::Double(static_cast<double>(kBig)), Value::Double(1)});
  }
  static constexpr int64_t kBig = int64_t{1} << 60;
};

// probe JOIN dim ON probe.<key column> = dim.id [AND probe.w < dim.val], the right input being
// `right` (dim's columns, possibly filtered or projected); `mode`: 0 nested loop (no keys),
// 1 hash join, 2 lookup join.
PlanPtr LookupJoinOf(plan::JoinType type, const LookupFixture& f, int key_column, PlanPtr right,
                     bool residual, int mode) {
  auto j = std::make_unique<plan::Join>();
  j->type = type;
  PlanPtr left = ScanOf(f.probe.table.get(), f.probe.types);
  j->schema = left->schema;
  j->schema.insert(j->schema.end(), right->schema.begin(), right->schema.end());
  const VT key_type = f.probe.types[static_cast<size_t>(key_column)];
  ExprPtr eq = Cmp(Op::kEqual, Col(key_column, key_type), Col(4, VT::kBigInt));
  j->condition = residual
                     ? And(std::move(eq), Cmp(Op::kLess, Col(3, VT::kDouble), Col(5, VT::kDouble)))
                     : std::move(eq);
  if (mode > 0) {
    j->left_keys.push_back(Col(key_column, key_type));
    j->right_keys.push_back(Col(0, VT::kBigInt));
  }
  if (mode == 2) j->lookup_key = 0;
  j->children.push_back(std::move(left));
  j->children.push_back(std::move(right));
  return j;
}

TEST(ExecOperators, LookupJoinMatchesHashAndNestedLoopJoins) {
  LookupFixture f;
  // The right input: the plain scan; a scan with a filter; a Filter; a Project (id, val,
  // tag || '!') over a Filter (what the lookup join evaluates on the looked-up rows only).
  auto dim_scan = [&] { return ScanOf(f.dim.table.get(), f.dim.types); };
  auto rights = [&](int variant) -> PlanPtr {
    switch (variant) {
      case 0:
        return dim_scan();
      case 1: {
        PlanPtr s = dim_scan();
        s->As<plan::Scan>().filter = Cmp(Op::kNotEqual, Col(2, VT::kVarChar), Str("b"));
        return s;
      }
      case 2:
        return FilterOf(dim_scan(), Cmp(Op::kGreater, Col(1, VT::kDouble), Dbl(20)));
      default: {
        PlanPtr fl = FilterOf(dim_scan(), Cmp(Op::kNotEqual, Col(2, VT::kVarChar), Str("c")));
        return ProjectOf(std::move(fl),
                         Args(Col(0, VT::kBigInt), Col(1, VT::kDouble),
                              Bin(Op::kConcat, Col(2, VT::kVarChar), Str("!"), VT::kVarChar)));
      }
    }
  };
  size_t total_rows = 0, null_extended = 0;
  for (plan::JoinType type : {plan::JoinType::kInner, plan::JoinType::kLeft}) {
    for (int key_column : {0, 1, 2}) {
      for (bool residual : {false, true}) {
        for (int variant = 0; variant < 4; ++variant) {
          for (size_t batch_rows : {size_t{64}, size_t{4096}}) {
            ExecOptions options;
            options.batch_rows = batch_rows;
            const std::string what = "type " + std::to_string(static_cast<int>(type)) + " key " +
                                     std::to_string(key_column) + " residual " +
                                     std::to_string(residual) + " right " + std::to_string(variant);
            Rows nested = Sorted(
                RunRows(*LookupJoinOf(type, f, key_column, rights(variant), residual, 0), options));
            Rows hash = Sorted(
                RunRows(*LookupJoinOf(type, f, key_column, rights(variant), residual, 1), options));
            Rows lookup = Sorted(
                RunRows(*LookupJoinOf(type, f, key_column, rights(variant), residual, 2), options));
            EXPECT_EQ(lookup, nested) << what;
            EXPECT_EQ(lookup, hash) << what;
            total_rows += lookup.size();
            for (const auto& r : lookup) null_extended += r[4] == "NULL" ? 1 : 0;
          }
        }
      }
    }
  }
  // The data exercise both matches and LEFT join misses.
  EXPECT_GT(total_rows, 1000u);
  EXPECT_GT(null_extended, 100u);
}

TEST(ExecOperators, KeyIndexRejectsDuplicatesAndNonIntegerColumns) {
  TableBuilder t{"t", {{"id", VT::kBigInt}, {"x", VT::kDouble}}};
  t.Add({Value::Int(1), Value::Double(1)});
  t.Add({Value::Int(2), Value::Double(2)});
  ASSERT_TRUE(t.rows->BuildKeyIndex(0).ok());
  const MemoryRowRef* two = t.rows->FindKey(2);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two != nullptr ? two->row : 0u, 1u);
  EXPECT_EQ(t.rows->FindKey(3), nullptr);
  Status s = t.rows->BuildKeyIndex(1);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("not an integer column"), std::string::npos) << s.ToString();
  EXPECT_FALSE(t.rows->has_key_index());
  s = t.rows->BuildKeyIndex(5);
  EXPECT_NE(s.message().find("missing"), std::string::npos) << s.ToString();
  t.Add({Value::Int(2), Value::Double(3)});
  s = t.rows->BuildKeyIndex(0);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("key 2 occurs twice"), std::string::npos) << s.ToString();
  EXPECT_FALSE(t.rows->has_key_index());
}

// ---- Subqueries -------------------------------------------------------------------------------

ExprPtr Subquery(plan::SubqueryMode mode, PlanPtr p, VT type, std::vector<ExprPtr> args = {},
                 bool negated = false, bool correlated = false) {
  auto e = Expr::Make(ExprKind::kSubquery, type, std::move(args));
  e->subquery_mode = mode;
  e->subquery = std::move(p);
  e->negated = negated;
  e->correlated = correlated;
  return e;
}

TEST(ExecSubqueries, ScalarExistsIn) {
  Fixture a(300, 5), b(200, 6);
  // x > (SELECT AVG(x) FROM b)
  std::vector<plan::AggregateCall> avg;
  avg.push_back(Agg(plan::AggregateFunction::kAvg, Col(1, VT::kDouble), VT::kDouble));
  auto scalar =
      Subquery(plan::SubqueryMode::kScalar, AggregateOf(b.Scan(), {}, std::move(avg)), VT::kDouble);
  double sum = 0;
  int n = 0;
  for (const auto& r : b.rows) {
    if (r.x) {
      sum += *r.x;
      ++n;
    }
  }
  const double mean = sum / n;
  Rows expected;
  for (const auto& r : a.rows) {
    if (r.x && *r.x > mean) expected.push_back({std::to_string(r.id)});
  }
  auto p1 = ProjectOf(FilterOf(a.Scan(), Cmp(Op::kGreater, Col(1, VT::kDouble), std::move(scalar))),
                      Args(Col(0, VT::kBigInt)));
  EXPECT_EQ(RunRows(*p1), expected);

  // Correlated EXISTS: EXISTS (SELECT * FROM b WHERE b.g = a.g AND b.x > a.x)
  auto inner =
      FilterOf(b.Scan(), And(Cmp(Op::kEqual, Col(3, VT::kInteger), Col(3, VT::kInteger, 1)),
                             Cmp(Op::kGreater, Col(1, VT::kDouble), Col(1, VT::kDouble, 1))));
  for (bool negated : {false, true}) {
    auto exists =
        Subquery(plan::SubqueryMode::kExists, inner->Clone(), VT::kBoolean, {}, negated, true);
    auto p2 = ProjectOf(FilterOf(a.Scan(), std::move(exists)), Args(Col(0, VT::kBigInt)));
    Rows want;
    for (const auto& l : a.rows) {
      bool any = false;
      for (const auto& r : b.rows) {
        if (l.g && r.g && *l.g == *r.g && l.x && r.x && *r.x > *l.x) any = true;
      }
      if (any != negated) want.push_back({std::to_string(l.id)});
    }
    EXPECT_EQ(RunRows(*p2), want) << "negated " << negated;
  }

  // s IN (SELECT s FROM b WHERE g = 1), and NOT IN with the NULLs of b.s.
  for (bool negated : {false, true}) {
    auto sub = ProjectOf(FilterOf(b.Scan(), Cmp(Op::kEqual, Col(3, VT::kInteger), Int(1))),
                         Args(Col(2, VT::kVarChar)));
    std::set<std::string> values;
    bool has_null = false;
    for (const auto& r : b.rows) {
      if (r.g && *r.g == 1) {
        if (r.s)
          values.insert(*r.s);
        else
          has_null = true;
      }
    }
    auto in = Subquery(plan::SubqueryMode::kIn, std::move(sub), VT::kBoolean,
                       List(Col(2, VT::kVarChar)), negated);
    auto p3 = ProjectOf(a.Scan(), Args(Col(0, VT::kBigInt), std::move(in)));
    Rows want;
    for (const auto& l : a.rows) {
      std::string v;
      if (!l.s) {
        v = "NULL";
      } else if (values.count(*l.s)) {
        v = negated ? "0" : "1";
      } else {
        v = has_null ? "NULL" : (negated ? "1" : "0");
      }
      want.push_back({std::to_string(l.id), v});
    }
    EXPECT_EQ(RunRows(*p3), want);
  }

  // A scalar subquery of two rows is an error.
  auto two = Subquery(plan::SubqueryMode::kScalar, ProjectOf(b.Scan(), Args(Col(0, VT::kBigInt))),
                      VT::kBigInt);
  CollectSink sink;
  Status s = Execute(*ProjectOf(a.Scan(), Args(std::move(two))), nullptr, &sink, ExecOptions{});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("more than one row"), std::string::npos);
}

TEST(ExecSubqueries, CorrelatedScalar) {
  Fixture a(100, 7), b(200, 8);
  // (SELECT COUNT(*) FROM b WHERE b.g = a.g)
  std::vector<plan::AggregateCall> count;
  count.push_back(Agg(plan::AggregateFunction::kCountStar, nullptr, VT::kBigInt));
  auto sub = AggregateOf(
      FilterOf(b.Scan(), Cmp(Op::kEqual, Col(3, VT::kInteger), Col(3, VT::kInteger, 1))), {},
      std::move(count));
  auto e = Subquery(plan::SubqueryMode::kScalar, std::move(sub), VT::kBigInt, {}, false, true);
  auto p = ProjectOf(a.Scan(), Args(Col(0, VT::kBigInt), std::move(e)));
  Rows want;
  for (const auto& l : a.rows) {
    int64_t c = 0;
    for (const auto& r : b.rows) c += l.g && r.g && *l.g == *r.g;
    want.push_back({std::to_string(l.id), std::to_string(c)});
  }
  EXPECT_EQ(RunRows(*p), want);
}

// ---- Limits -------------------------------------------------------------------------------------

TEST(ExecLimits, MaxRowsAndOverflow) {
  Fixture f(100);
  auto p = ProjectOf(f.Scan(), Args(Col(0, VT::kBigInt)));
  for (int64_t max : {0, 1, 37, 99, 100, 150}) {
    ExecOptions o;
    o.max_rows = max;
    o.batch_rows = 16;
    CollectSink sink;
    ExecStats stats;
    ASSERT_TRUE(Execute(*p, nullptr, &sink, o, &stats).ok());
    EXPECT_TRUE(sink.began);
    EXPECT_EQ(static_cast<int64_t>(sink.rows.size()), std::min<int64_t>(max, 100));
    EXPECT_EQ(stats.rows, static_cast<int64_t>(sink.rows.size()));
    EXPECT_EQ(stats.overflow, max < 100) << max;
  }
}

TEST(ExecLimits, MemoryLimitIsAClearError) {
  Fixture f(20000);
  std::vector<std::pair<ExprPtr, bool>> keys;
  keys.emplace_back(Col(1, VT::kDouble), false);
  auto p = SortOf(f.Scan(), std::move(keys));
  ExecOptions o;
  o.memory_limit_bytes = 64 * 1024;
  CollectSink sink;
  Status s = Execute(*p, nullptr, &sink, o);
  EXPECT_EQ(s.code(), StatusCode::kLimitExceeded);
  EXPECT_NE(s.message().find("query needs more than"), std::string::npos) << s.message();
  // Streaming operators hold no rows: the same limit is enough for a filtered projection.
  auto stream = ProjectOf(FilterOf(f.Scan(), Cmp(Op::kGreater, Col(1, VT::kDouble), Int(1))),
                          Args(Col(0, VT::kBigInt)));
  CollectSink sink2;
  EXPECT_TRUE(Execute(*stream, nullptr, &sink2, o).ok());
}

TEST(ExecLimits, CancelAndDeadline) {
  Fixture f(1000);
  auto p = ProjectOf(f.Scan(), Args(Col(0, VT::kBigInt)));
  std::atomic<bool> cancel{true};
  ExecOptions o;
  o.cancel = &cancel;
  CollectSink sink;
  Status s = Execute(*p, nullptr, &sink, o);
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
  ExecOptions d;
  d.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  CollectSink sink2;
  s = Execute(*p, nullptr, &sink2, d);
  EXPECT_EQ(s.code(), StatusCode::kCancelled);
}

TEST(ExecLimits, SinkErrorStopsTheQuery) {
  Fixture f(1000);
  auto p = ProjectOf(f.Scan(), Args(Col(0, VT::kBigInt)));
  CollectSink sink;
  sink.fail_after = 10;
  ExecOptions o;
  o.batch_rows = 8;
  Status s = Execute(*p, nullptr, &sink, o);
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_LT(sink.rows.size(), 20u);
}

}  // namespace
}  // namespace skyshard::adql::testing
