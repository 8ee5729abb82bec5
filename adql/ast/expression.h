// The ADQL syntax tree: value expressions and search conditions (which ADQL keeps apart in its
// grammar, and the tree does not: a condition is an Expression whose operator is a comparison, a
// predicate or AND / OR / NOT). What the tree is, its ownership and depth: adql/ast/node.h.
//
// Thread safety: see node.h (plain values).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adql/ast/node.h"

namespace skyshard::adql::ast {

struct Query;  // adql/ast/query.h

enum class ExpressionKind {
  kLiteral,       // Literal
  kColumnRef,     // ColumnRef
  kUnary,         // Unary: + - ~ NOT
  kBinary,        // Binary: a chain of operators of one precedence level
  kBetween,       // Between
  kLike,          // Like (LIKE and ILIKE)
  kIn,            // In (a list or a subquery)
  kExists,        // Exists
  kIsNull,        // IsNull
  kSubquery,      // SubqueryExpression (a scalar subquery)
  kCase,          // Case (simple and searched)
  kCast,          // Cast
  kFunctionCall,  // FunctionCall (built-in, aggregate, geometry, COALESCE, user-defined)
};

// `position`: where the expression's text starts (for Binary: where its first operand starts).
class Expression : public Node<ExpressionKind> {
 public:
  ~Expression() override;

 protected:
  explicit Expression(ExpressionKind kind) : Node(kind) {}
};

using ExpressionPtr = std::unique_ptr<Expression>;

enum class LiteralKind {
  kNull,          // NULL
  kInteger,       // 42
  kHexInteger,    // 0x2A
  kExactDecimal,  // 4.2, .5, 1.
  kApproximate,   // 4.2E-3
  kString,        // 'text'
};

struct Literal final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kLiteral;
  Literal() : Expression(kKind) {}

  // A number literal for `value` (kApproximate, or kExactDecimal when the shortest text that
  // reads back as `value` has no exponent), printed so that it reads back exactly.
  // REQUIRES: value is finite and not negative (ADQL literals are unsigned; use Unary kMinus).
  static std::unique_ptr<Literal> Number(double value);

  LiteralKind literal_kind = LiteralKind::kNull;
  // kString: the value (quotes removed, '' turned into ', adjacent literals joined).
  // Numbers: the digits as written ("0x2A", "1.50", "1e3"), so that nothing is lost before the
  // binder picks a type. kNull: empty.
  std::string text;
};

// A column, or an output column's alias or a table's name where the binder decides so: a.b.c.
struct ColumnRef final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kColumnRef;
  ColumnRef() : Expression(kKind) {}

  QualifiedName name;
};

enum class UnaryOperator { kPlus, kMinus, kBitNot, kNot };

struct Unary final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kUnary;
  Unary() : Expression(kKind) {}

  UnaryOperator op = UnaryOperator::kMinus;
  ExpressionPtr operand;
};

// Binary operators, lowest precedence first; the comments give Precedence().
enum class BinaryOperator {
  kOr,            // 1
  kAnd,           // 2
  kEqual,         // 4 (3 is NOT)
  kNotEqual,      // 4: <> or !=
  kLess,          // 4
  kGreater,       // 4
  kLessEqual,     // 4
  kGreaterEqual,  // 4
  kConcat,        // 5: ||
  kBitAnd,        // 6: &
  kBitOr,         // 6: |
  kBitXor,        // 6: ^
  kAdd,           // 7
  kSubtract,      // 7
  kMultiply,      // 8
  kDivide,        // 8
};

// How tightly `op` binds: higher binds tighter (see BinaryOperator). NOT is 3; a comparison
// takes exactly two operands.
int Precedence(BinaryOperator op);
inline constexpr int kNotPrecedence = 3;

// The operator's ADQL spelling: "OR", "<>", "||", "+", ...
std::string_view Spelling(BinaryOperator op);

// operands[0] operators[0] operands[1] operators[1] operands[2] ..., applied left to right:
// a - b + c is ((a - b) + c). All operators have the same Precedence(); the parser makes one
// node of each run of such operators in the text, so `a - b + c` is one node with three
// operands and `(a - b) + c` is a node whose first operand is a node.
// REQUIRES: operands.size() == operators.size() + 1 >= 2, operator_positions parallel to
// operators (or empty in a tree made by a program).
struct Binary final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kBinary;
  Binary() : Expression(kKind) {}

  // Convenience: `left op right`.
  static std::unique_ptr<Binary> Make(ExpressionPtr left, BinaryOperator op, ExpressionPtr right);

  std::vector<ExpressionPtr> operands;
  std::vector<BinaryOperator> operators;
  std::vector<Position> operator_positions;  // where each operator is written
};

// operand [NOT] BETWEEN low AND high.
struct Between final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kBetween;
  Between() : Expression(kKind) {}

  ExpressionPtr operand;
  ExpressionPtr low;
  ExpressionPtr high;
  bool negated = false;
};

// operand [NOT] LIKE|ILIKE pattern [ESCAPE escape].
struct Like final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kLike;
  Like() : Expression(kKind) {}

  ExpressionPtr operand;
  ExpressionPtr pattern;
  ExpressionPtr escape;  // null without ESCAPE
  bool negated = false;
  bool case_insensitive = false;  // ILIKE
};

// operand [NOT] IN (list) or operand [NOT] IN (subquery): exactly one of the two is set.
struct In final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kIn;
  In();
  ~In() override;

  ExpressionPtr operand;
  std::vector<ExpressionPtr> list;
  std::unique_ptr<Query> subquery;
  bool negated = false;
};

// EXISTS (subquery). NOT EXISTS is a Unary kNot of this.
struct Exists final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kExists;
  Exists();
  ~Exists() override;

  std::unique_ptr<Query> subquery;
};

// operand IS [NOT] NULL.
struct IsNull final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kIsNull;
  IsNull() : Expression(kKind) {}

  ExpressionPtr operand;
  bool negated = false;
};

// (subquery) as a value.
struct SubqueryExpression final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kSubquery;
  SubqueryExpression();
  ~SubqueryExpression() override;

  std::unique_ptr<Query> subquery;
};

// CASE [operand] WHEN ... THEN ... [ELSE ...] END. Simple (operand set): each `condition` is a
// value compared with the operand. Searched (operand null): each `condition` is a condition.
struct Case final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kCase;
  Case() : Expression(kKind) {}

  struct When {
    ExpressionPtr condition;
    ExpressionPtr result;
  };

  ExpressionPtr operand;      // null for a searched CASE
  std::vector<When> whens;    // at least one
  ExpressionPtr else_result;  // null without ELSE
};

enum class CastType {
  kSmallint,
  kInteger,
  kBigint,
  kReal,
  kDoublePrecision,
  kChar,
  kVarchar,
  kTimestamp,
  kPoint,
  kCircle,
  kPolygon,
};

// The type's ADQL spelling: "SMALLINT", "DOUBLE PRECISION", ...
std::string_view Spelling(CastType type);

// CAST(operand AS target[(length)]).
struct Cast final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kCast;
  Cast() : Expression(kKind) {}

  ExpressionPtr operand;
  CastType target = CastType::kInteger;
  // CHAR(n) / VARCHAR(n) only; a length beyond int64 is read as INT64_MAX.
  std::optional<int64_t> length;
};

// name(arguments): every function call.
//  - Built-in ADQL functions (math, trigonometry, LOWER, UPPER, IN_UNIT, COALESCE), aggregates
//    (COUNT, SUM, AVG, MIN, MAX), geometry (POINT, CIRCLE, BOX, POLYGON, REGION, CONTAINS,
//    INTERSECTS, DISTANCE, AREA, CENTROID, COORD1, COORD2, COORDSYS): `name` in upper case,
//    user_defined false.
//  - User-defined functions (ivo_healpix_index, ...): `name` as written, user_defined true.
// COUNT(*) has no arguments and count_star set. `distinct` only for aggregates (ALL is the
// default and not kept).
struct FunctionCall final : Expression {
  static constexpr ExpressionKind kKind = ExpressionKind::kFunctionCall;
  FunctionCall() : Expression(kKind) {}

  std::string name;
  std::vector<ExpressionPtr> arguments;
  bool user_defined = false;
  bool distinct = false;
  bool count_star = false;
};

}  // namespace skyshard::adql::ast
