#include "adql/parser/internal/transformer.h"

#include <cctype>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace skyshard::adql::internal {

namespace {

using ast::ExpressionPtr;
using grammar::ADQLParser;

ast::Position PositionOf(const antlr4::Token* token) {
  // ANTLR decodes the input to code points, so its column counts characters as ours does.
  return {static_cast<int>(token->getLine()), static_cast<int>(token->getCharPositionInLine()) + 1};
}

ast::Position PositionOf(antlr4::ParserRuleContext* ctx) { return PositionOf(ctx->getStart()); }

// TOP, OFFSET and CHAR(n) take an unsigned integer of any length; beyond int64 it means "all"
// or "none" either way, so it saturates rather than fails.
int64_t SaturatingInteger(const std::string& digits) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t value = 0;
  for (char c : digits) {
    int digit = c - '0';
    if (value > (kMax - digit) / 10) return kMax;
    value = value * 10 + digit;
  }
  return value;
}

// The keyword a rule starts with, in upper case: the name of a built-in function.
std::string Keyword(antlr4::ParserRuleContext* ctx) {
  antlr4::Token* start = ctx->getStart();
  std::string text = start == nullptr ? "" : start->getText();
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// The text between a token's quotes, with the doubled quote character turned into one.
std::string Unquote(const std::string& token, char quote) {
  std::string value;
  value.reserve(token.size());
  for (size_t i = 1; i + 1 < token.size(); ++i) {
    value += token[i];
    if (token[i] == quote) ++i;  // skip the second of the pair
  }
  return value;
}

ast::Identifier MakeIdentifier(ADQLParser::IdentifierContext* ctx) {
  ast::Identifier identifier;
  identifier.position = PositionOf(ctx);
  if (ctx->DELIMITED_ID() != nullptr) {
    identifier.name = Unquote(ctx->getText(), '"');
    identifier.delimited = true;
  } else {
    identifier.name = ctx->getText();
  }
  return identifier;
}

ast::QualifiedName MakeName(ADQLParser::QualifiedNameContext* ctx) {
  ast::QualifiedName name;
  for (auto* part : ctx->identifier()) name.push_back(MakeIdentifier(part));
  return name;
}

std::vector<ast::Identifier> MakeNameList(ADQLParser::ColumnNameListContext* ctx) {
  std::vector<ast::Identifier> names;
  for (auto* part : ctx->identifier()) names.push_back(MakeIdentifier(part));
  return names;
}

std::unique_ptr<ast::Literal> MakeString(ADQLParser::StringLiteralContext* ctx) {
  auto literal = std::make_unique<ast::Literal>();
  literal->position = PositionOf(ctx);
  literal->literal_kind = ast::LiteralKind::kString;
  // Adjacent literals are one string.
  for (auto* piece : ctx->STRING()) literal->text += Unquote(piece->getText(), '\'');
  return literal;
}

ast::BinaryOperator OperatorOf(size_t token_type) {
  switch (token_type) {
    case ADQLParser::OR:
      return ast::BinaryOperator::kOr;
    case ADQLParser::AND:
      return ast::BinaryOperator::kAnd;
    case ADQLParser::EQUALS:
      return ast::BinaryOperator::kEqual;
    case ADQLParser::NOT_EQUALS:
      return ast::BinaryOperator::kNotEqual;
    case ADQLParser::LESS:
      return ast::BinaryOperator::kLess;
    case ADQLParser::GREATER:
      return ast::BinaryOperator::kGreater;
    case ADQLParser::LESS_EQUALS:
      return ast::BinaryOperator::kLessEqual;
    case ADQLParser::GREATER_EQUALS:
      return ast::BinaryOperator::kGreaterEqual;
    case ADQLParser::CONCAT:
      return ast::BinaryOperator::kConcat;
    case ADQLParser::AMPERSAND:
      return ast::BinaryOperator::kBitAnd;
    case ADQLParser::VERTICAL_BAR:
      return ast::BinaryOperator::kBitOr;
    case ADQLParser::CIRCUMFLEX:
      return ast::BinaryOperator::kBitXor;
    case ADQLParser::PLUS:
      return ast::BinaryOperator::kAdd;
    case ADQLParser::MINUS:
      return ast::BinaryOperator::kSubtract;
    case ADQLParser::ASTERISK:
      return ast::BinaryOperator::kMultiply;
    default:
      return ast::BinaryOperator::kDivide;
  }
}

class Transformer {
 public:
  explicit Transformer(int max_depth) : max_depth_(max_depth) {}

  antlr4::Token* too_deep() const { return too_deep_; }

  std::unique_ptr<ast::Query> WholeQuery(ADQLParser::QueryContext* ctx) {
    std::unique_ptr<ast::Query> query = Query(ctx->selectExpression());
    if (query == nullptr) return nullptr;
    if (auto* with = ctx->withClause()) {
      for (auto* item : with->withQuery()) {
        ast::CommonTableExpression cte;
        cte.position = PositionOf(item);
        cte.name = MakeIdentifier(item->identifier());
        if (item->columnNameList() != nullptr) cte.columns = MakeNameList(item->columnNameList());
        cte.query = Query(item->selectExpression());
        query->with.push_back(std::move(cte));
      }
    }
    query->position = PositionOf(ctx);
    return query;
  }

 private:
  // Depth accounting (ParseOptions::max_tree_depth). Every recursion of the transformer goes
  // through Query, Value or Condition, or adds the levels of a join chain, so counting there
  // bounds the depth of the tree. Past the limit, Enter records where and everything below
  // returns null at once; the caller discards the partial tree.
  class DepthGuard {
   public:
    DepthGuard(Transformer* transformer, antlr4::ParserRuleContext* ctx, int levels = 1)
        : transformer_(transformer), levels_(levels) {
      transformer_->depth_ += levels_;
      if (transformer_->depth_ > transformer_->max_depth_ && transformer_->too_deep_ == nullptr) {
        transformer_->too_deep_ = ctx->getStart();
      }
    }
    ~DepthGuard() { transformer_->depth_ -= levels_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

    bool ok() const { return transformer_->too_deep_ == nullptr; }

   private:
    Transformer* transformer_;
    int levels_;
  };

  // ---- Queries ---------------------------------------------------------------------------

  std::unique_ptr<ast::Query> Query(ADQLParser::SelectExpressionContext* ctx) {
    DepthGuard guard(this, ctx);
    if (!guard.ok()) return nullptr;
    auto query = std::make_unique<ast::Query>();
    query->position = PositionOf(ctx);
    query->body = SetExpression(ctx->querySetExpression());
    if (auto* order = ctx->orderByClause()) {
      for (auto* item : order->orderItem()) {
        ast::OrderItem order_item;
        order_item.position = PositionOf(item);
        order_item.expression = Value(item->valueExpression());
        order_item.descending = item->DESC() != nullptr;
        query->order_by.push_back(std::move(order_item));
      }
    }
    if (auto* offset = ctx->offsetClause()) {
      query->offset = SaturatingInteger(offset->UNSIGNED_INTEGER()->getText());
    }
    return query;
  }

  ast::QueryBodyPtr SetExpression(ADQLParser::QuerySetExpressionContext* ctx) {
    if (ctx->querySetTerm().size() == 1) return SetTerm(ctx->querySetTerm(0));
    auto set = std::make_unique<ast::SetOperation>();
    set->position = PositionOf(ctx);
    for (auto* term : ctx->querySetTerm()) set->operands.push_back(SetTerm(term));
    for (auto* op : ctx->setOperator()) {
      ast::SetOperatorStep step;
      step.position = PositionOf(op);
      step.op = op->UNION() != nullptr ? ast::SetOperator::kUnion : ast::SetOperator::kExcept;
      step.all = op->ALL() != nullptr;
      set->steps.push_back(step);
    }
    return set;
  }

  ast::QueryBodyPtr SetTerm(ADQLParser::QuerySetTermContext* ctx) {
    if (ctx->querySetPrimary().size() == 1) return SetPrimary(ctx->querySetPrimary(0));
    auto set = std::make_unique<ast::SetOperation>();
    set->position = PositionOf(ctx);
    // Children: primary (INTERSECT ALL? primary)*; ALL belongs to the INTERSECT before it.
    for (auto* child : ctx->children) {
      if (auto* primary = dynamic_cast<ADQLParser::QuerySetPrimaryContext*>(child)) {
        set->operands.push_back(SetPrimary(primary));
      } else if (auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
        if (terminal->getSymbol()->getType() == ADQLParser::INTERSECT) {
          ast::SetOperatorStep step;
          step.op = ast::SetOperator::kIntersect;
          step.position = PositionOf(terminal->getSymbol());
          set->steps.push_back(step);
        } else {
          set->steps.back().all = true;
        }
      }
    }
    return set;
  }

  ast::QueryBodyPtr SetPrimary(ADQLParser::QuerySetPrimaryContext* ctx) {
    if (auto* select = ctx->selectQuery()) return Select(select);
    auto nested = std::make_unique<ast::NestedQuery>();
    nested->position = PositionOf(ctx);
    nested->query = Query(ctx->selectExpression());
    return nested;
  }

  ast::QueryBodyPtr Select(ADQLParser::SelectQueryContext* ctx) {
    auto select = std::make_unique<ast::Select>();
    select->position = PositionOf(ctx);
    select->distinct =
        ctx->setQuantifier() != nullptr && ctx->setQuantifier()->DISTINCT() != nullptr;
    if (auto* top = ctx->topClause()) {
      select->top = SaturatingInteger(top->UNSIGNED_INTEGER()->getText());
    }
    for (auto* item : ctx->selectList()->selectItem()) {
      ast::SelectItem select_item;
      select_item.position = PositionOf(item);
      if (auto* all_of = dynamic_cast<ADQLParser::SelectAllOfContext*>(item)) {
        select_item.kind = ast::SelectItemKind::kAllOf;
        select_item.qualifier = MakeName(all_of->qualifiedName());
      } else if (auto* value = dynamic_cast<ADQLParser::SelectValueContext*>(item)) {
        select_item.kind = ast::SelectItemKind::kExpression;
        select_item.expression = Value(value->valueExpression());
        if (value->identifier() != nullptr) select_item.alias = MakeIdentifier(value->identifier());
      } else {
        select_item.kind = ast::SelectItemKind::kAll;
      }
      select->items.push_back(std::move(select_item));
    }
    for (auto* table : ctx->fromClause()->tableReference()) {
      select->from.push_back(TableReference(table));
    }
    if (auto* where = ctx->whereClause()) select->where = Condition(where->searchCondition());
    if (auto* group = ctx->groupByClause()) {
      for (auto* value : group->valueExpression()) select->group_by.push_back(Value(value));
    }
    if (auto* having = ctx->havingClause()) select->having = Condition(having->searchCondition());
    return select;
  }

  // ---- FROM ------------------------------------------------------------------------------

  ast::TableRefPtr TableReference(ADQLParser::TableReferenceContext* ctx) {
    // a JOIN b JOIN c is (a JOIN b) JOIN c: each join nests the first table one level deeper.
    DepthGuard guard(this, ctx, static_cast<int>(ctx->joinPart().size()));
    if (!guard.ok()) return nullptr;
    ast::TableRefPtr result = TablePrimary(ctx->tablePrimary());
    for (auto* part : ctx->joinPart()) {
      auto join = std::make_unique<ast::Join>();
      join->position = PositionOf(part);
      join->left = std::move(result);
      if (auto* cross = dynamic_cast<ADQLParser::CrossJoinContext*>(part)) {
        join->type = ast::JoinType::kCross;
        join->right = TablePrimary(cross->tablePrimary());
      } else if (auto* natural = dynamic_cast<ADQLParser::NaturalJoinContext*>(part)) {
        join->natural = true;
        join->type = JoinTypeOf(natural->joinType());
        join->right = TablePrimary(natural->tablePrimary());
      } else {
        auto* qualified = static_cast<ADQLParser::QualifiedJoinContext*>(part);
        join->type = JoinTypeOf(qualified->joinType());
        join->right = TablePrimary(qualified->tablePrimary());
        auto* specification = qualified->joinSpecification();
        if (auto* on = dynamic_cast<ADQLParser::JoinOnContext*>(specification)) {
          join->on = Condition(on->searchCondition());
        } else {
          auto* using_list = static_cast<ADQLParser::JoinUsingContext*>(specification);
          join->using_columns = MakeNameList(using_list->columnNameList());
        }
      }
      result = std::move(join);
    }
    return result;
  }

  static ast::JoinType JoinTypeOf(ADQLParser::JoinTypeContext* ctx) {
    if (ctx == nullptr || ctx->INNER() != nullptr) return ast::JoinType::kInner;
    if (ctx->LEFT() != nullptr) return ast::JoinType::kLeft;
    if (ctx->RIGHT() != nullptr) return ast::JoinType::kRight;
    return ast::JoinType::kFull;
  }

  ast::TableRefPtr TablePrimary(ADQLParser::TablePrimaryContext* ctx) {
    if (auto* named = dynamic_cast<ADQLParser::NamedTableContext*>(ctx)) {
      auto table = std::make_unique<ast::NamedTable>();
      table->position = PositionOf(ctx);
      table->name = MakeName(named->qualifiedName());
      if (named->correlation() != nullptr) {
        table->alias = MakeIdentifier(named->correlation()->identifier());
      }
      return table;
    }
    if (auto* derived = dynamic_cast<ADQLParser::DerivedTableContext*>(ctx)) {
      auto table = std::make_unique<ast::DerivedTable>();
      table->position = PositionOf(ctx);
      table->query = Query(derived->subquery()->selectExpression());
      table->alias = MakeIdentifier(derived->correlation()->identifier());
      return table;
    }
    // ( joins ): the parentheses only group.
    auto* parenthesized = static_cast<ADQLParser::ParenthesizedJoinContext*>(ctx);
    return TableReference(parenthesized->tableReference());
  }

  // ---- Conditions ------------------------------------------------------------------------

  ExpressionPtr Condition(ADQLParser::SearchConditionContext* ctx) {
    DepthGuard guard(this, ctx);
    if (!guard.ok()) return nullptr;
    return Logical(ctx);
  }

  // OR over AND over [NOT] condition: searchCondition and booleanTerm are chains.
  ExpressionPtr Logical(antlr4::tree::ParseTree* node) {
    if (auto* factor = dynamic_cast<ADQLParser::BooleanFactorContext*>(node)) {
      return BooleanFactor(factor);
    }
    return Chain(static_cast<antlr4::ParserRuleContext*>(node),
                 [this](antlr4::tree::ParseTree* child) { return Logical(child); });
  }

  ExpressionPtr BooleanFactor(ADQLParser::BooleanFactorContext* ctx) {
    ExpressionPtr operand = BooleanPrimary(ctx->booleanPrimary());
    if (ctx->NOT() == nullptr) return operand;
    auto negation = std::make_unique<ast::Unary>();
    negation->position = PositionOf(ctx);
    negation->op = ast::UnaryOperator::kNot;
    negation->operand = std::move(operand);
    return negation;
  }

  ExpressionPtr BooleanPrimary(ADQLParser::BooleanPrimaryContext* ctx) {
    if (auto* parens = dynamic_cast<ADQLParser::ParenthesizedConditionContext*>(ctx)) {
      return Condition(parens->searchCondition());
    }
    if (auto* exists = dynamic_cast<ADQLParser::ExistsPredicateContext*>(ctx)) {
      auto node = std::make_unique<ast::Exists>();
      node->position = PositionOf(ctx);
      node->subquery = Query(exists->subquery()->selectExpression());
      return node;
    }
    auto* predicate = static_cast<ADQLParser::PredicateContext*>(ctx);
    ExpressionPtr operand = Value(predicate->valueExpression());
    return PredicateTail(predicate->predicateTail(), std::move(operand), PositionOf(ctx));
  }

  ExpressionPtr PredicateTail(ADQLParser::PredicateTailContext* ctx, ExpressionPtr operand,
                              ast::Position position) {
    if (auto* comparison = dynamic_cast<ADQLParser::ComparisonContext*>(ctx)) {
      auto* op = comparison->comparisonOperator();
      auto node = ast::Binary::Make(std::move(operand), OperatorOf(op->getStart()->getType()),
                                    Value(comparison->valueExpression()));
      node->position = position;
      node->operator_positions.push_back(PositionOf(op));
      return node;
    }
    if (auto* between = dynamic_cast<ADQLParser::BetweenContext*>(ctx)) {
      auto node = std::make_unique<ast::Between>();
      node->position = position;
      node->operand = std::move(operand);
      node->low = Value(between->valueExpression(0));
      node->high = Value(between->valueExpression(1));
      node->negated = between->NOT() != nullptr;
      return node;
    }
    if (auto* like = dynamic_cast<ADQLParser::LikeContext*>(ctx)) {
      auto node = std::make_unique<ast::Like>();
      node->position = position;
      node->operand = std::move(operand);
      node->pattern = Value(like->valueExpression(0));
      if (like->ESCAPE() != nullptr) node->escape = Value(like->valueExpression(1));
      node->negated = like->NOT() != nullptr;
      node->case_insensitive = like->ILIKE() != nullptr;
      return node;
    }
    if (auto* in = dynamic_cast<ADQLParser::InSubqueryContext*>(ctx)) {
      auto node = std::make_unique<ast::In>();
      node->position = position;
      node->operand = std::move(operand);
      node->subquery = Query(in->subquery()->selectExpression());
      node->negated = in->NOT() != nullptr;
      return node;
    }
    if (auto* in = dynamic_cast<ADQLParser::InListContext*>(ctx)) {
      auto node = std::make_unique<ast::In>();
      node->position = position;
      node->operand = std::move(operand);
      for (auto* value : in->valueExpression()) node->list.push_back(Value(value));
      node->negated = in->NOT() != nullptr;
      return node;
    }
    auto* is_null = static_cast<ADQLParser::IsNullContext*>(ctx);
    auto node = std::make_unique<ast::IsNull>();
    node->position = position;
    node->operand = std::move(operand);
    node->negated = is_null->NOT() != nullptr;
    return node;
  }

  // ---- Values ----------------------------------------------------------------------------

  // A rule of the form `operand (operator operand)*`: the lone operand, or one Binary node.
  // The operands are the rule's children that are rules, the operators its terminals.
  template <typename OperandFn>
  ExpressionPtr Chain(antlr4::ParserRuleContext* ctx, OperandFn operand_fn) {
    if (ctx->children.size() == 1) return operand_fn(ctx->children[0]);
    auto node = std::make_unique<ast::Binary>();
    node->position = PositionOf(ctx);
    for (auto* child : ctx->children) {
      if (auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
        node->operators.push_back(OperatorOf(terminal->getSymbol()->getType()));
        node->operator_positions.push_back(PositionOf(terminal->getSymbol()));
      } else {
        node->operands.push_back(operand_fn(child));
      }
    }
    return node;
  }

  ExpressionPtr Value(ADQLParser::ValueExpressionContext* ctx) {
    DepthGuard guard(this, ctx);
    if (!guard.ok()) return nullptr;
    return Operators(ctx);
  }

  // || over bitwise over additive over multiplicative over unary: the rules above unaryExpr
  // are all chains.
  ExpressionPtr Operators(antlr4::tree::ParseTree* node) {
    if (auto* unary = dynamic_cast<ADQLParser::UnaryExprContext*>(node)) return Unary(unary);
    return Chain(static_cast<antlr4::ParserRuleContext*>(node),
                 [this](antlr4::tree::ParseTree* child) { return Operators(child); });
  }

  ExpressionPtr Unary(ADQLParser::UnaryExprContext* ctx) {
    ExpressionPtr operand = Primary(ctx->primary());
    if (ctx->PLUS() == nullptr && ctx->MINUS() == nullptr && ctx->TILDE() == nullptr) {
      return operand;
    }
    auto node = std::make_unique<ast::Unary>();
    node->position = PositionOf(ctx);
    node->op = ctx->PLUS() != nullptr    ? ast::UnaryOperator::kPlus
               : ctx->MINUS() != nullptr ? ast::UnaryOperator::kMinus
                                         : ast::UnaryOperator::kBitNot;
    node->operand = std::move(operand);
    return node;
  }

  ExpressionPtr Primary(ADQLParser::PrimaryContext* ctx) {
    if (auto* literal = dynamic_cast<ADQLParser::LiteralValueContext*>(ctx)) {
      return Literal(literal->literal());
    }
    if (dynamic_cast<ADQLParser::NullValueContext*>(ctx) != nullptr) {
      auto node = std::make_unique<ast::Literal>();
      node->position = PositionOf(ctx);
      node->literal_kind = ast::LiteralKind::kNull;
      return node;
    }
    if (auto* column = dynamic_cast<ADQLParser::ColumnContext*>(ctx)) {
      auto node = std::make_unique<ast::ColumnRef>();
      node->position = PositionOf(ctx);
      node->name = MakeName(column->columnReference()->qualifiedName());
      return node;
    }
    if (auto* parens = dynamic_cast<ADQLParser::ParenthesizedValueContext*>(ctx)) {
      return Value(parens->valueExpression());
    }
    if (auto* aggregate = dynamic_cast<ADQLParser::AggregateContext*>(ctx)) {
      return Aggregate(aggregate->setFunction());
    }
    if (auto* cast = dynamic_cast<ADQLParser::CastContext*>(ctx)) return Cast(cast);
    if (auto* case_ctx = dynamic_cast<ADQLParser::CaseContext*>(ctx)) {
      return Case(case_ctx->caseExpression());
    }
    if (auto* subquery = dynamic_cast<ADQLParser::ScalarSubqueryContext*>(ctx)) {
      auto node = std::make_unique<ast::SubqueryExpression>();
      node->position = PositionOf(ctx);
      node->subquery = Query(subquery->subquery()->selectExpression());
      return node;
    }
    if (auto* udf = dynamic_cast<ADQLParser::UdfContext*>(ctx)) {
      auto* call = udf->userDefinedFunction();
      auto node = Call(call, call->REGULAR_ID()->getText());
      node->user_defined = true;
      return node;
    }
    // COALESCE and the ADQL functions: the keyword, in upper case, names the function.
    antlr4::ParserRuleContext* call = ctx;
    if (auto* math = dynamic_cast<ADQLParser::MathContext*>(ctx)) call = math->mathFunction();
    if (auto* text = dynamic_cast<ADQLParser::StringContext*>(ctx)) call = text->stringFunction();
    if (auto* geometry = dynamic_cast<ADQLParser::GeometryContext*>(ctx)) {
      call = geometry->geometryFunction();
    }
    if (call == nullptr) call = ctx;  // not in a complete parse
    return Call(call, Keyword(call));
  }

  // name(arguments): the arguments are the rule's value expressions and string literals, in
  // order (IN_UNIT and REGION take a literal where others take an expression).
  std::unique_ptr<ast::FunctionCall> Call(antlr4::ParserRuleContext* ctx, std::string name) {
    auto node = std::make_unique<ast::FunctionCall>();
    node->position = PositionOf(ctx);
    node->name = std::move(name);
    for (auto* child : ctx->children) {
      if (auto* value = dynamic_cast<ADQLParser::ValueExpressionContext*>(child)) {
        node->arguments.push_back(Value(value));
      } else if (auto* text = dynamic_cast<ADQLParser::StringLiteralContext*>(child)) {
        node->arguments.push_back(MakeString(text));
      }
    }
    return node;
  }

  ExpressionPtr Aggregate(ADQLParser::SetFunctionContext* ctx) {
    if (dynamic_cast<ADQLParser::CountAllContext*>(ctx) != nullptr) {
      auto node = std::make_unique<ast::FunctionCall>();
      node->position = PositionOf(ctx);
      node->name = "COUNT";
      node->count_star = true;
      return node;
    }
    auto* general = static_cast<ADQLParser::GeneralSetFunctionContext*>(ctx);
    auto node = Call(general, Keyword(general));
    node->distinct =
        general->setQuantifier() != nullptr && general->setQuantifier()->DISTINCT() != nullptr;
    return node;
  }

  ExpressionPtr Cast(ADQLParser::CastContext* ctx) {
    auto node = std::make_unique<ast::Cast>();
    node->position = PositionOf(ctx);
    node->operand = Value(ctx->valueExpression());
    auto* target = ctx->castTarget();
    switch (target->getStart()->getType()) {
      case ADQLParser::SMALLINT:
        node->target = ast::CastType::kSmallint;
        break;
      case ADQLParser::INTEGER:
        node->target = ast::CastType::kInteger;
        break;
      case ADQLParser::BIGINT:
        node->target = ast::CastType::kBigint;
        break;
      case ADQLParser::REAL:
        node->target = ast::CastType::kReal;
        break;
      case ADQLParser::DOUBLE:
        node->target = ast::CastType::kDoublePrecision;
        break;
      case ADQLParser::CHAR:
        node->target = ast::CastType::kChar;
        break;
      case ADQLParser::VARCHAR:
        node->target = ast::CastType::kVarchar;
        break;
      case ADQLParser::TIMESTAMP:
        node->target = ast::CastType::kTimestamp;
        break;
      case ADQLParser::POINT:
        node->target = ast::CastType::kPoint;
        break;
      case ADQLParser::CIRCLE:
        node->target = ast::CastType::kCircle;
        break;
      default:
        node->target = ast::CastType::kPolygon;
        break;
    }
    if (target->UNSIGNED_INTEGER() != nullptr) {
      node->length = SaturatingInteger(target->UNSIGNED_INTEGER()->getText());
    }
    return node;
  }

  ExpressionPtr Case(ADQLParser::CaseExpressionContext* ctx) {
    auto node = std::make_unique<ast::Case>();
    node->position = PositionOf(ctx);
    if (auto* simple = dynamic_cast<ADQLParser::SimpleCaseContext*>(ctx)) {
      // Values: the operand, then WHEN value THEN value pairs, then the ELSE value if any.
      std::vector<ADQLParser::ValueExpressionContext*> values = simple->valueExpression();
      node->operand = Value(values[0]);
      size_t whens = simple->WHEN().size();
      for (size_t i = 0; i < whens; ++i) {
        node->whens.push_back({Value(values[1 + 2 * i]), Value(values[2 + 2 * i])});
      }
      if (simple->ELSE() != nullptr) node->else_result = Value(values.back());
      return node;
    }
    auto* searched = static_cast<ADQLParser::SearchedCaseContext*>(ctx);
    std::vector<ADQLParser::ValueExpressionContext*> values = searched->valueExpression();
    size_t whens = searched->WHEN().size();
    for (size_t i = 0; i < whens; ++i) {
      node->whens.push_back({Condition(searched->searchCondition(i)), Value(values[i])});
    }
    if (searched->ELSE() != nullptr) node->else_result = Value(values.back());
    return node;
  }

  ExpressionPtr Literal(ADQLParser::LiteralContext* ctx) {
    if (auto* text = ctx->stringLiteral()) return MakeString(text);
    auto node = std::make_unique<ast::Literal>();
    node->position = PositionOf(ctx);
    node->text = ctx->getText();
    switch (ctx->getStart()->getType()) {
      case ADQLParser::UNSIGNED_INTEGER:
        node->literal_kind = ast::LiteralKind::kInteger;
        break;
      case ADQLParser::HEX_LITERAL:
        node->literal_kind = ast::LiteralKind::kHexInteger;
        break;
      case ADQLParser::EXACT_DECIMAL:
        node->literal_kind = ast::LiteralKind::kExactDecimal;
        break;
      default:
        node->literal_kind = ast::LiteralKind::kApproximate;
        break;
    }
    return node;
  }

  int max_depth_;
  int depth_ = 0;
  antlr4::Token* too_deep_ = nullptr;
};

}  // namespace

TransformOutcome TransformParseTree(ADQLParser::QueryContext* tree, int max_depth) {
  Transformer transformer(max_depth);
  TransformOutcome outcome;
  outcome.query = transformer.WholeQuery(tree);
  outcome.too_deep = transformer.too_deep();
  if (outcome.too_deep != nullptr) outcome.query.reset();
  return outcome;
}

}  // namespace skyshard::adql::internal
