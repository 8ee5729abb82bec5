#include "adql/ast/printer.h"

#include <cctype>
#include <string_view>

namespace skyshard::adql::ast {

namespace {

// How tightly an expression binds, on the scale of Precedence(BinaryOperator): an operand is
// parenthesised when it binds no more tightly than the place it goes (see PrintOperand).
constexpr int kPredicatePrecedence = 4;  // comparisons, BETWEEN, LIKE, IN, IS NULL, EXISTS
constexpr int kSignPrecedence = 10;      // unary + - ~
constexpr int kPrimaryPrecedence = 11;   // literals, names, calls, CASE, CAST, subqueries
constexpr int kConditionContext = 0;     // anything fits: WHERE, ON, HAVING, WHEN
constexpr int kValueContext = kPredicatePrecedence;  // a value: arguments, select items, ...

int ExpressionPrecedence(const Expression& e) {
  switch (e.kind()) {
    case ExpressionKind::kBinary:
      return Precedence(e.As<Binary>().operators.front());
    case ExpressionKind::kUnary:
      return e.As<Unary>().op == UnaryOperator::kNot ? kNotPrecedence : kSignPrecedence;
    case ExpressionKind::kBetween:
    case ExpressionKind::kLike:
    case ExpressionKind::kIn:
    case ExpressionKind::kIsNull:
    case ExpressionKind::kExists:
      return kPredicatePrecedence;
    default:
      return kPrimaryPrecedence;
  }
}

bool IsRegularIdentifier(std::string_view name) {
  if (name.empty() || std::isalpha(static_cast<unsigned char>(name[0])) == 0) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '_') return false;
  }
  return true;
}

class Printer {
 public:
  std::string Take() { return std::move(out_); }

  void PrintQuery(const Query& query) {
    if (!query.with.empty()) {
      out_ += "WITH ";
      for (size_t i = 0; i < query.with.size(); ++i) {
        if (i > 0) out_ += ", ";
        const CommonTableExpression& cte = query.with[i];
        PrintIdentifier(cte.name);
        if (!cte.columns.empty()) {
          out_ += " (";
          PrintIdentifierList(cte.columns);
          out_ += ")";
        }
        out_ += " AS (";
        PrintQuery(*cte.query);
        out_ += ")";
      }
      out_ += " ";
    }
    PrintBody(*query.body);
    if (!query.order_by.empty()) {
      out_ += " ORDER BY ";
      for (size_t i = 0; i < query.order_by.size(); ++i) {
        if (i > 0) out_ += ", ";
        PrintOperand(*query.order_by[i].expression, kValueContext);
        if (query.order_by[i].descending) out_ += " DESC";
      }
    }
    if (query.offset.has_value()) out_ += " OFFSET " + std::to_string(*query.offset);
  }

  // In a condition context: no parentheses around the whole.
  void PrintExpression(const Expression& e) { PrintOperand(e, kConditionContext); }

 private:
  void PrintBody(const QueryBody& body) {
    switch (body.kind()) {
      case QueryBodyKind::kSelect:
        PrintSelect(body.As<Select>());
        return;
      case QueryBodyKind::kSetOperation: {
        const auto& set = body.As<SetOperation>();
        bool intersect = set.steps.front().op == SetOperator::kIntersect;
        for (size_t i = 0; i < set.operands.size(); ++i) {
          if (i > 0) {
            const SetOperatorStep& step = set.steps[i - 1];
            out_ += step.op == SetOperator::kUnion    ? " UNION "
                    : step.op == SetOperator::kExcept ? " EXCEPT "
                                                      : " INTERSECT ";
            if (step.all) out_ += "ALL ";
          }
          // A chain inside a chain reads back as such only when it binds more tightly
          // (INTERSECT inside UNION / EXCEPT); otherwise it needs parentheses.
          const QueryBody& operand = *set.operands[i];
          bool parens =
              operand.kind() == QueryBodyKind::kSetOperation &&
              (intersect || operand.As<SetOperation>().steps.front().op != SetOperator::kIntersect);
          if (parens) out_ += "(";
          PrintBody(operand);
          if (parens) out_ += ")";
        }
        return;
      }
      case QueryBodyKind::kNested:
        out_ += "(";
        PrintQuery(*body.As<NestedQuery>().query);
        out_ += ")";
        return;
    }
  }

  void PrintSelect(const Select& select) {
    out_ += "SELECT ";
    if (select.distinct) out_ += "DISTINCT ";
    if (select.top.has_value()) out_ += "TOP " + std::to_string(*select.top) + " ";
    for (size_t i = 0; i < select.items.size(); ++i) {
      if (i > 0) out_ += ", ";
      const SelectItem& item = select.items[i];
      switch (item.kind) {
        case SelectItemKind::kExpression:
          PrintOperand(*item.expression, kValueContext);
          if (item.alias.has_value()) {
            out_ += " AS ";
            PrintIdentifier(*item.alias);
          }
          break;
        case SelectItemKind::kAll:
          out_ += "*";
          break;
        case SelectItemKind::kAllOf:
          PrintName(item.qualifier);
          out_ += ".*";
          break;
      }
    }
    out_ += " FROM ";
    for (size_t i = 0; i < select.from.size(); ++i) {
      if (i > 0) out_ += ", ";
      PrintTable(*select.from[i]);
    }
    if (select.where != nullptr) {
      out_ += " WHERE ";
      PrintExpression(*select.where);
    }
    if (!select.group_by.empty()) {
      out_ += " GROUP BY ";
      PrintList(select.group_by);
    }
    if (select.having != nullptr) {
      out_ += " HAVING ";
      PrintExpression(*select.having);
    }
  }

  void PrintTable(const TableRef& table) {
    switch (table.kind()) {
      case TableRefKind::kNamedTable: {
        const auto& named = table.As<NamedTable>();
        PrintName(named.name);
        if (named.alias.has_value()) {
          out_ += " AS ";
          PrintIdentifier(*named.alias);
        }
        return;
      }
      case TableRefKind::kDerivedTable: {
        const auto& derived = table.As<DerivedTable>();
        out_ += "(";
        PrintQuery(*derived.query);
        out_ += ") AS ";
        PrintIdentifier(derived.alias);
        return;
      }
      case TableRefKind::kJoin:
        PrintJoin(table.As<Join>());
        return;
    }
  }

  void PrintJoin(const Join& join) {
    // Joins chain to the left, so only a join on the right needs parentheses.
    PrintTable(*join.left);
    out_ += " ";
    if (join.natural) out_ += "NATURAL ";
    switch (join.type) {
      case JoinType::kInner:
        break;
      case JoinType::kLeft:
        out_ += "LEFT ";
        break;
      case JoinType::kRight:
        out_ += "RIGHT ";
        break;
      case JoinType::kFull:
        out_ += "FULL ";
        break;
      case JoinType::kCross:
        out_ += "CROSS ";
        break;
    }
    out_ += "JOIN ";
    bool parens = join.right->kind() == TableRefKind::kJoin;
    if (parens) out_ += "(";
    PrintTable(*join.right);
    if (parens) out_ += ")";
    if (join.on != nullptr) {
      out_ += " ON ";
      PrintExpression(*join.on);
    } else if (!join.using_columns.empty()) {
      out_ += " USING (";
      PrintIdentifierList(join.using_columns);
      out_ += ")";
    }
  }

  // Prints `e` where an expression binding more tightly than `context` is needed: in
  // parentheses when it does not.
  void PrintOperand(const Expression& e, int context) {
    bool parens = ExpressionPrecedence(e) <= context;
    if (parens) out_ += "(";
    PrintBare(e);
    if (parens) out_ += ")";
  }

  void PrintList(const std::vector<ExpressionPtr>& list) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out_ += ", ";
      PrintOperand(*list[i], kValueContext);
    }
  }

  void PrintBare(const Expression& e) {
    switch (e.kind()) {
      case ExpressionKind::kLiteral:
        PrintLiteral(e.As<Literal>());
        return;
      case ExpressionKind::kColumnRef:
        PrintName(e.As<ColumnRef>().name);
        return;
      case ExpressionKind::kUnary: {
        const auto& unary = e.As<Unary>();
        switch (unary.op) {
          case UnaryOperator::kPlus:
            out_ += "+";
            break;
          case UnaryOperator::kMinus:
            out_ += "-";
            break;
          case UnaryOperator::kBitNot:
            out_ += "~";
            break;
          case UnaryOperator::kNot:
            out_ += "NOT ";
            PrintOperand(*unary.operand, kNotPrecedence);
            return;
        }
        // A sign applies to a primary only (and "- -x" would not read back).
        PrintOperand(*unary.operand, kSignPrecedence);
        return;
      }
      case ExpressionKind::kBinary: {
        const auto& binary = e.As<Binary>();
        int precedence = Precedence(binary.operators.front());
        for (size_t i = 0; i < binary.operands.size(); ++i) {
          if (i > 0) {
            out_ += " ";
            out_ += Spelling(binary.operators[i - 1]);
            out_ += " ";
          }
          PrintOperand(*binary.operands[i], precedence);
        }
        return;
      }
      case ExpressionKind::kBetween: {
        const auto& between = e.As<Between>();
        PrintOperand(*between.operand, kValueContext);
        out_ += between.negated ? " NOT BETWEEN " : " BETWEEN ";
        PrintOperand(*between.low, kValueContext);
        out_ += " AND ";
        PrintOperand(*between.high, kValueContext);
        return;
      }
      case ExpressionKind::kLike: {
        const auto& like = e.As<Like>();
        PrintOperand(*like.operand, kValueContext);
        if (like.negated) out_ += " NOT";
        out_ += like.case_insensitive ? " ILIKE " : " LIKE ";
        PrintOperand(*like.pattern, kValueContext);
        if (like.escape != nullptr) {
          out_ += " ESCAPE ";
          PrintOperand(*like.escape, kValueContext);
        }
        return;
      }
      case ExpressionKind::kIn: {
        const auto& in = e.As<In>();
        PrintOperand(*in.operand, kValueContext);
        out_ += in.negated ? " NOT IN (" : " IN (";
        if (in.subquery != nullptr) {
          PrintQuery(*in.subquery);
        } else {
          PrintList(in.list);
        }
        out_ += ")";
        return;
      }
      case ExpressionKind::kExists:
        out_ += "EXISTS (";
        PrintQuery(*e.As<Exists>().subquery);
        out_ += ")";
        return;
      case ExpressionKind::kIsNull: {
        const auto& is_null = e.As<IsNull>();
        PrintOperand(*is_null.operand, kValueContext);
        out_ += is_null.negated ? " IS NOT NULL" : " IS NULL";
        return;
      }
      case ExpressionKind::kSubquery:
        out_ += "(";
        PrintQuery(*e.As<SubqueryExpression>().subquery);
        out_ += ")";
        return;
      case ExpressionKind::kCase: {
        const auto& case_expression = e.As<Case>();
        out_ += "CASE";
        // A simple CASE compares values; a searched one tests conditions.
        int when_context = kConditionContext;
        if (case_expression.operand != nullptr) {
          out_ += " ";
          PrintOperand(*case_expression.operand, kValueContext);
          when_context = kValueContext;
        }
        for (const Case::When& when : case_expression.whens) {
          out_ += " WHEN ";
          PrintOperand(*when.condition, when_context);
          out_ += " THEN ";
          PrintOperand(*when.result, kValueContext);
        }
        if (case_expression.else_result != nullptr) {
          out_ += " ELSE ";
          PrintOperand(*case_expression.else_result, kValueContext);
        }
        out_ += " END";
        return;
      }
      case ExpressionKind::kCast: {
        const auto& cast = e.As<Cast>();
        out_ += "CAST(";
        PrintOperand(*cast.operand, kValueContext);
        out_ += " AS ";
        out_ += Spelling(cast.target);
        if (cast.length.has_value()) out_ += "(" + std::to_string(*cast.length) + ")";
        out_ += ")";
        return;
      }
      case ExpressionKind::kFunctionCall: {
        const auto& call = e.As<FunctionCall>();
        out_ += call.name;
        out_ += "(";
        if (call.count_star) {
          out_ += "*";
        } else {
          if (call.distinct) out_ += "DISTINCT ";
          PrintList(call.arguments);
        }
        out_ += ")";
        return;
      }
    }
  }

  void PrintLiteral(const Literal& literal) {
    switch (literal.literal_kind) {
      case LiteralKind::kNull:
        out_ += "NULL";
        return;
      case LiteralKind::kString:
        out_ += "'";
        for (char c : literal.text) {
          if (c == '\'') out_ += '\'';
          out_ += c;
        }
        out_ += "'";
        return;
      case LiteralKind::kInteger:
      case LiteralKind::kHexInteger:
      case LiteralKind::kExactDecimal:
      case LiteralKind::kApproximate:
        out_ += literal.text;
        return;
    }
  }

  void PrintIdentifier(const Identifier& identifier) {
    if (!identifier.delimited && IsRegularIdentifier(identifier.name)) {
      out_ += identifier.name;
      return;
    }
    out_ += "\"";
    for (char c : identifier.name) {
      if (c == '"') out_ += '"';
      out_ += c;
    }
    out_ += "\"";
  }

  void PrintIdentifierList(const std::vector<Identifier>& list) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out_ += ", ";
      PrintIdentifier(list[i]);
    }
  }

  void PrintName(const QualifiedName& name) {
    for (size_t i = 0; i < name.size(); ++i) {
      if (i > 0) out_ += ".";
      PrintIdentifier(name[i]);
    }
  }

  std::string out_;
};

}  // namespace

std::string ToAdql(const Query& query) {
  Printer printer;
  printer.PrintQuery(query);
  return printer.Take();
}

std::string ToAdql(const Expression& expression) {
  Printer printer;
  printer.PrintExpression(expression);
  return printer.Take();
}

}  // namespace skyshard::adql::ast
