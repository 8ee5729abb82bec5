#include "adql/ast/literals.h"

#include <algorithm>

namespace skyshard::adql::ast {

namespace {

class Collector {
 public:
  explicit Collector(std::vector<Literal*>* out) : out_(out) {}

  void VisitQuery(Query& query) {
    for (CommonTableExpression& cte : query.with) VisitQuery(*cte.query);
    VisitBody(*query.body);
    for (OrderItem& item : query.order_by) VisitExpression(item.expression.get());
  }

 private:
  void VisitBody(QueryBody& body) {
    switch (body.kind()) {
      case QueryBodyKind::kSelect: {
        auto& select = body.As<Select>();
        for (SelectItem& item : select.items) VisitExpression(item.expression.get());
        for (TableRefPtr& table : select.from) VisitTable(*table);
        VisitExpression(select.where.get());
        for (ExpressionPtr& e : select.group_by) VisitExpression(e.get());
        VisitExpression(select.having.get());
        return;
      }
      case QueryBodyKind::kSetOperation:
        for (QueryBodyPtr& operand : body.As<SetOperation>().operands) VisitBody(*operand);
        return;
      case QueryBodyKind::kNested:
        VisitQuery(*body.As<NestedQuery>().query);
        return;
    }
  }

  void VisitTable(TableRef& table) {
    switch (table.kind()) {
      case TableRefKind::kNamedTable:
        return;
      case TableRefKind::kDerivedTable:
        VisitQuery(*table.As<DerivedTable>().query);
        return;
      case TableRefKind::kJoin: {
        auto& join = table.As<Join>();
        VisitTable(*join.left);
        VisitTable(*join.right);
        VisitExpression(join.on.get());
        return;
      }
    }
  }

  void VisitExpression(Expression* e) {
    if (e == nullptr) return;
    switch (e->kind()) {
      case ExpressionKind::kLiteral:
        out_->push_back(&e->As<Literal>());
        return;
      case ExpressionKind::kColumnRef:
        return;
      case ExpressionKind::kUnary:
        VisitExpression(e->As<Unary>().operand.get());
        return;
      case ExpressionKind::kBinary:
        for (ExpressionPtr& operand : e->As<Binary>().operands) VisitExpression(operand.get());
        return;
      case ExpressionKind::kBetween: {
        auto& between = e->As<Between>();
        VisitExpression(between.operand.get());
        VisitExpression(between.low.get());
        VisitExpression(between.high.get());
        return;
      }
      case ExpressionKind::kLike: {
        auto& like = e->As<Like>();
        VisitExpression(like.operand.get());
        VisitExpression(like.pattern.get());
        VisitExpression(like.escape.get());
        return;
      }
      case ExpressionKind::kIn: {
        auto& in = e->As<In>();
        VisitExpression(in.operand.get());
        for (ExpressionPtr& item : in.list) VisitExpression(item.get());
        if (in.subquery != nullptr) VisitQuery(*in.subquery);
        return;
      }
      case ExpressionKind::kExists:
        VisitQuery(*e->As<Exists>().subquery);
        return;
      case ExpressionKind::kIsNull:
        VisitExpression(e->As<IsNull>().operand.get());
        return;
      case ExpressionKind::kSubquery:
        VisitQuery(*e->As<SubqueryExpression>().subquery);
        return;
      case ExpressionKind::kCase: {
        auto& c = e->As<Case>();
        VisitExpression(c.operand.get());
        for (Case::When& when : c.whens) {
          VisitExpression(when.condition.get());
          VisitExpression(when.result.get());
        }
        VisitExpression(c.else_result.get());
        return;
      }
      case ExpressionKind::kCast:
        VisitExpression(e->As<Cast>().operand.get());
        return;
      case ExpressionKind::kFunctionCall:
        for (ExpressionPtr& argument : e->As<FunctionCall>().arguments) {
          VisitExpression(argument.get());
        }
        return;
    }
  }

  std::vector<Literal*>* out_;
};

}  // namespace

std::vector<Literal*> CollectLiterals(Query& query) {
  std::vector<Literal*> literals;
  Collector(&literals).VisitQuery(query);
  std::stable_sort(literals.begin(), literals.end(), [](const Literal* a, const Literal* b) {
    return a->position.line != b->position.line ? a->position.line < b->position.line
                                                : a->position.column < b->position.column;
  });
  return literals;
}

}  // namespace skyshard::adql::ast
