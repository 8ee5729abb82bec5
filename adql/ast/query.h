// The ADQL syntax tree: queries. A Query is an optional WITH list, a body (a SELECT, a chain of
// set operations, or a parenthesised query), then ORDER BY and OFFSET for the whole. Subqueries
// (in FROM, IN, EXISTS, scalar) and CTE bodies are Queries too. What the tree is, its ownership
// and depth: adql/ast/node.h.
//
// Thread safety: see node.h (plain values).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "adql/ast/expression.h"
#include "adql/ast/node.h"

namespace skyshard::adql::ast {

// ---- FROM ----------------------------------------------------------------------------------

enum class TableRefKind {
  kNamedTable,    // NamedTable
  kDerivedTable,  // DerivedTable
  kJoin,          // Join
};

// `position`: where the table's text starts; for a Join, where the join's keywords start
// ("LEFT JOIN ...", "CROSS JOIN ...", ...).
class TableRef : public Node<TableRefKind> {
 public:
  ~TableRef() override;

 protected:
  explicit TableRef(TableRefKind kind) : Node(kind) {}
};

using TableRefPtr = std::unique_ptr<TableRef>;

// [catalog.][schema.]table [[AS] alias].
struct NamedTable final : TableRef {
  static constexpr TableRefKind kKind = TableRefKind::kNamedTable;
  NamedTable() : TableRef(kKind) {}

  QualifiedName name;
  std::optional<Identifier> alias;
};

// (query) [AS] alias.
struct DerivedTable final : TableRef {
  static constexpr TableRefKind kKind = TableRefKind::kDerivedTable;
  DerivedTable();
  ~DerivedTable() override;

  std::unique_ptr<Query> query;
  Identifier alias;
};

// JOIN without a type is kInner; OUTER is implied by LEFT / RIGHT / FULL.
enum class JoinType { kInner, kLeft, kRight, kFull, kCross };

// left [NATURAL] type JOIN right [ON condition | USING (columns)]. A chain of joins is
// left-deep: a JOIN b JOIN c is (a JOIN b) JOIN c. At most one of `on` and `using_columns` is
// set, neither for NATURAL and CROSS joins.
struct Join final : TableRef {
  static constexpr TableRefKind kKind = TableRefKind::kJoin;
  Join() : TableRef(kKind) {}

  JoinType type = JoinType::kInner;
  bool natural = false;
  TableRefPtr left;
  TableRefPtr right;
  ExpressionPtr on;
  std::vector<Identifier> using_columns;
};

// ---- SELECT --------------------------------------------------------------------------------

enum class SelectItemKind {
  kExpression,  // expression [[AS] alias]
  kAll,         // *
  kAllOf,       // qualifier.*
};

struct SelectItem {
  SelectItemKind kind = SelectItemKind::kExpression;
  ExpressionPtr expression;         // kExpression
  std::optional<Identifier> alias;  // kExpression, when written
  QualifiedName qualifier;          // kAllOf
  Position position;
};

enum class QueryBodyKind {
  kSelect,        // Select
  kSetOperation,  // SetOperation
  kNested,        // NestedQuery
};

// `position`: where the body's text starts.
class QueryBody : public Node<QueryBodyKind> {
 public:
  ~QueryBody() override;

 protected:
  explicit QueryBody(QueryBodyKind kind) : Node(kind) {}
};

using QueryBodyPtr = std::unique_ptr<QueryBody>;

// SELECT [DISTINCT] [TOP n] items FROM from [WHERE where] [GROUP BY group_by] [HAVING having].
// `from` lists the comma-separated table references (a cross product), at least one.
struct Select final : QueryBody {
  static constexpr QueryBodyKind kKind = QueryBodyKind::kSelect;
  Select() : QueryBody(kKind) {}

  bool distinct = false;          // SELECT ALL is the default and not kept
  std::optional<int64_t> top;     // a TOP beyond int64 is read as INT64_MAX
  std::vector<SelectItem> items;  // at least one
  std::vector<TableRefPtr> from;
  ExpressionPtr where;  // null without WHERE
  std::vector<ExpressionPtr> group_by;
  ExpressionPtr having;  // null without HAVING
};

enum class SetOperator { kUnion, kExcept, kIntersect };

struct SetOperatorStep {
  SetOperator op = SetOperator::kUnion;
  bool all = false;
  Position position;  // where the keyword is
};

// operands[0] steps[0] operands[1] steps[1] ..., applied left to right, as Binary: all steps are
// UNION / EXCEPT, or all INTERSECT (which binds tighter, so A UNION B INTERSECT C is a UNION
// node whose second operand is an INTERSECT node).
// REQUIRES: operands.size() == steps.size() + 1 >= 2.
struct SetOperation final : QueryBody {
  static constexpr QueryBodyKind kKind = QueryBodyKind::kSetOperation;
  SetOperation() : QueryBody(kKind) {}

  std::vector<QueryBodyPtr> operands;
  std::vector<SetOperatorStep> steps;
};

// (query): a parenthesised operand of a set operation, which may have its own ORDER BY and
// OFFSET.
struct NestedQuery final : QueryBody {
  static constexpr QueryBodyKind kKind = QueryBodyKind::kNested;
  NestedQuery();
  ~NestedQuery() override;

  std::unique_ptr<Query> query;
};

// ---- The query -----------------------------------------------------------------------------

// ORDER BY item: `expression` is an integer Literal (an output column's position), a one-part
// ColumnRef (an output column's alias or a column; the binder decides) or any expression.
struct OrderItem {
  ExpressionPtr expression;
  bool descending = false;  // ASC is the default and not kept
  Position position;
};

// name [(columns)] AS (query).
struct CommonTableExpression {
  Identifier name;
  std::vector<Identifier> columns;  // empty when not written
  std::unique_ptr<Query> query;
  Position position;
};

struct Query {
  Query();
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  std::vector<CommonTableExpression> with;  // only in the outermost query
  QueryBodyPtr body;
  std::vector<OrderItem> order_by;
  std::optional<int64_t> offset;  // an OFFSET beyond int64 is read as INT64_MAX
  Position position;              // where the query's text starts (WITH, SELECT or '(')
};

}  // namespace skyshard::adql::ast
