#include "adql/binder/internal/query_binder.h"

#include <charconv>
#include <string>
#include <utility>

#include "adql/binder/internal/expression_binder.h"
#include "adql/binder/internal/names.h"
#include "adql/binder/internal/select_binder.h"
#include "adql/binder/internal/type_rules.h"

namespace skyshard::adql::internal {

namespace {

using plan::Expr;
using plan::ExprKind;
using plan::ExprPtr;
using plan::PlanPtr;

Result<PlanPtr> BindBody(BindContext* context, const ast::QueryBody& body, const BlockScope* outer,
                         int outer_step);

std::string OperatorName(const ast::SetOperatorStep& step) {
  std::string name = step.op == ast::SetOperator::kUnion    ? "UNION"
                     : step.op == ast::SetOperator::kExcept ? "EXCEPT"
                                                            : "INTERSECT";
  return step.all ? name + " ALL" : name;
}

// `input` with its columns cast to `types` where they differ.
PlanPtr CastTo(PlanPtr input, const std::vector<ValueType>& types) {
  bool same = true;
  for (size_t i = 0; i < types.size(); ++i) same = same && input->schema[i].type == types[i];
  if (same) return input;
  auto project = std::make_unique<plan::Project>();
  for (size_t i = 0; i < types.size(); ++i) {
    plan::OutputColumn meta = input->schema[i];
    ExprPtr e = Expr::Column(static_cast<int>(i), meta.type);
    if (meta.type != types[i]) {
      std::vector<ExprPtr> args;
      args.push_back(std::move(e));
      e = Expr::Make(ExprKind::kCast, types[i], std::move(args));
      meta.type = types[i];
      meta.storage_type = plan::StorageTypeOf(types[i]);
      meta.arraysize.clear();
      meta.votable_datatype.clear();
    }
    project->expressions.push_back(std::move(e));
    project->schema.push_back(std::move(meta));
  }
  project->children.push_back(std::move(input));
  return project;
}

Result<PlanPtr> BindSetOperation(BindContext* context, const ast::SetOperation& set,
                                 const BlockScope* outer, int outer_step) {
  if (set.operands.size() < 2 || set.steps.size() + 1 != set.operands.size()) {
    return context->Error(StatusCode::kInternal, set.position, 1, "malformed set operation");
  }
  SKY_ASSIGN_OR_RETURN(PlanPtr left, BindBody(context, *set.operands[0], outer, outer_step));
  for (size_t i = 0; i < set.steps.size(); ++i) {
    const ast::SetOperatorStep& step = set.steps[i];
    const std::string name = OperatorName(step);
    const size_t width = name.size();
    SKY_ASSIGN_OR_RETURN(PlanPtr right, BindBody(context, *set.operands[i + 1], outer, outer_step));
    if (left->schema.size() != right->schema.size()) {
      return context->Invalid(step.position, width,
                              "the operands of " + name + " have different numbers of columns: " +
                                  std::to_string(left->schema.size()) + " and " +
                                  std::to_string(right->schema.size()));
    }
    std::vector<ValueType> types;
    for (size_t j = 0; j < left->schema.size(); ++j) {
      const ValueType lt = left->schema[j].type;
      const ValueType rt = right->schema[j].type;
      std::optional<ValueType> common = CommonType(lt, rt);
      if (!common.has_value()) {
        return context->Invalid(
            step.position, width,
            "column " + std::to_string(j + 1) + " (" + left->schema[j].name + ") of " + name +
                " has types that do not meet: " + std::string(ValueTypeName(lt)) + " and " +
                std::string(ValueTypeName(rt)));
      }
      types.push_back(*common);
    }
    left = CastTo(std::move(left), types);
    right = CastTo(std::move(right), types);
    auto node = std::make_unique<plan::SetOperation>();
    node->op = step.op == ast::SetOperator::kUnion    ? plan::SetOperator::kUnion
               : step.op == ast::SetOperator::kExcept ? plan::SetOperator::kExcept
                                                      : plan::SetOperator::kIntersect;
    node->all = step.all;
    node->schema = left->schema;
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    left = std::move(node);
  }
  return left;
}

Result<PlanPtr> BindBody(BindContext* context, const ast::QueryBody& body, const BlockScope* outer,
                         int outer_step) {
  BindContext::DepthGuard guard(context);
  if (guard.Exceeded()) return context->DepthError(body.position);
  switch (body.kind()) {
    case ast::QueryBodyKind::kSelect:
      return BindSelect(context, body.As<ast::Select>(), nullptr, std::nullopt, outer, outer_step);
    case ast::QueryBodyKind::kSetOperation:
      return BindSetOperation(context, body.As<ast::SetOperation>(), outer, outer_step);
    case ast::QueryBodyKind::kNested: {
      const auto& nested = body.As<ast::NestedQuery>();
      if (nested.query == nullptr) {
        return context->Error(StatusCode::kInternal, body.position, 1, "empty nested query");
      }
      return BindQuery(context, *nested.query, outer, outer_step);
    }
  }
  return context->Error(StatusCode::kInternal, body.position, 1, "unknown query body");
}

// ORDER BY and OFFSET over the rows of a set operation or a parenthesised query: by output
// position, output name, or an expression over the output columns.
Result<PlanPtr> OrderOutput(BindContext* context, const ast::Query& query, PlanPtr input,
                            const BlockScope* outer, int outer_step) {
  if (!query.order_by.empty()) {
    FromScope output;
    Range range;
    range.description = "the query's result";
    for (size_t i = 0; i < input->schema.size(); ++i) {
      output.columns.push_back(ScopeColumn{input->schema[i], 0, false});
      range.columns.push_back(static_cast<int>(i));
      output.star.push_back(static_cast<int>(i));
    }
    output.ranges.push_back(std::move(range));
    BlockScope scope{&output, outer, outer_step};
    auto sort = std::make_unique<plan::Sort>();
    for (const ast::OrderItem& item : query.order_by) {
      if (item.expression == nullptr) {
        return context->Error(StatusCode::kInternal, item.position, 1, "empty ORDER BY item");
      }
      const ast::Expression& e = *item.expression;
      ExprPtr key;
      if (e.kind() == ast::ExpressionKind::kLiteral &&
          e.As<ast::Literal>().literal_kind == ast::LiteralKind::kInteger) {
        const std::string& text = e.As<ast::Literal>().text;
        int64_t k = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), k);
        if (ec != std::errc() || end != text.data() + text.size() || k < 1 ||
            static_cast<uint64_t>(k) > input->schema.size()) {
          return context->Invalid(e.position, text.size(),
                                  "ORDER BY position " + text +
                                      " is not in the select list (1 to " +
                                      std::to_string(input->schema.size()) + ")");
        }
        key = Expr::Column(static_cast<int>(k - 1), input->schema[static_cast<size_t>(k - 1)].type);
      } else {
        ExpressionBinder binder(context, &scope, nullptr, "ORDER BY of a set operation");
        SKY_ASSIGN_OR_RETURN(key, binder.Bind(e));
      }
      if (IsGeometry(key->type)) {
        return context->Invalid(
            e.position, 1,
            "cannot sort by a geometry (" + std::string(ValueTypeName(key->type)) + ")");
      }
      key->position = e.position;
      sort->keys.push_back({std::move(key), item.descending});
    }
    sort->schema = input->schema;
    sort->children.push_back(std::move(input));
    input = std::move(sort);
  }
  if (query.offset.has_value() && *query.offset > 0) {
    auto limit = std::make_unique<plan::Limit>();
    limit->offset = *query.offset;
    limit->schema = input->schema;
    limit->children.push_back(std::move(input));
    input = std::move(limit);
  }
  return input;
}

}  // namespace

Result<PlanPtr> BindQuery(BindContext* context, const ast::Query& query, const BlockScope* outer,
                          int outer_step) {
  BindContext::DepthGuard guard(context);
  if (guard.Exceeded()) return context->DepthError(query.position);
  if (query.body == nullptr) {
    return context->Error(StatusCode::kInternal, query.position, 1, "a query without body");
  }
  std::vector<const ast::CommonTableExpression*>& visible = context->visible_ctes();
  const size_t saved = visible.size();
  for (size_t i = 0; i < query.with.size(); ++i) {
    const ast::CommonTableExpression& cte = query.with[i];
    for (size_t j = 0; j < i; ++j) {
      if (NameMatches(cte.name, query.with[j].name.name)) {
        visible.resize(saved);
        return context->Invalid(cte.name.position, WrittenWidth(cte.name),
                                "WITH declares " + Written(cte.name) + " twice");
      }
    }
    visible.push_back(&cte);
  }
  Result<PlanPtr> result = [&]() -> Result<PlanPtr> {
    if (query.body->kind() == ast::QueryBodyKind::kSelect) {
      return BindSelect(context, query.body->As<ast::Select>(), &query.order_by, query.offset,
                        outer, outer_step);
    }
    SKY_ASSIGN_OR_RETURN(PlanPtr body, BindBody(context, *query.body, outer, outer_step));
    return OrderOutput(context, query, std::move(body), outer, outer_step);
  }();
  visible.resize(saved);
  return result;
}

}  // namespace skyshard::adql::internal
