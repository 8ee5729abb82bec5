#include "adql/binder/internal/select_binder.h"

#include <charconv>
#include <string>
#include <utility>

#include "adql/binder/internal/aggregate_rules.h"
#include "adql/binder/internal/expr_tree.h"
#include "adql/binder/internal/expression_binder.h"
#include "adql/binder/internal/from_binder.h"
#include "adql/binder/internal/names.h"
#include "adql/binder/internal/output_names.h"
#include "common/ascii.h"

namespace skyshard::adql::internal {

namespace {

using plan::Expr;
using plan::ExprKind;
using plan::ExprPtr;
using plan::PlanPtr;

// One select-list entry after `*` and `t.*` are expanded.
struct Item {
  const ast::SelectItem* item = nullptr;
  int star_position = -1;  // >= 0: a column of the FROM row, from `*` or `t.*`
};

struct Output {
  ExprPtr expr;  // over the Project's input
  plan::OutputColumn meta;
};

// The value of an integer literal written as a position (GROUP BY 1, ORDER BY 2); nullopt for
// any other expression; -1 when out of int64.
std::optional<int64_t> PositionLiteral(const ast::Expression& e) {
  if (e.kind() != ast::ExpressionKind::kLiteral) return std::nullopt;
  const auto& literal = e.As<ast::Literal>();
  if (literal.literal_kind != ast::LiteralKind::kInteger) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] =
      std::from_chars(literal.text.data(), literal.text.data() + literal.text.size(), v);
  if (ec != std::errc() || end != literal.text.data() + literal.text.size()) return -1;
  return v;
}

// The one-part name of a bare column reference, or null.
const ast::Identifier* BareName(const ast::Expression& e) {
  if (e.kind() != ast::ExpressionKind::kColumnRef) return nullptr;
  const auto& ref = e.As<ast::ColumnRef>();
  return ref.name.size() == 1 ? &ref.name[0] : nullptr;
}

std::string AggregateOutputName(plan::AggregateFunction f) {
  switch (f) {
    case plan::AggregateFunction::kCount:
    case plan::AggregateFunction::kCountStar:
      return "count";
    case plan::AggregateFunction::kSum:
      return "sum";
    case plan::AggregateFunction::kAvg:
      return "avg";
    case plan::AggregateFunction::kMin:
      return "min";
    case plan::AggregateFunction::kMax:
      return "max";
  }
  return "aggregate";
}

plan::OutputColumn Computed(std::string name, ValueType type) {
  plan::OutputColumn c;
  c.name = std::move(name);
  c.type = type;
  c.storage_type = plan::StorageTypeOf(type);
  return c;
}

class SelectBinder {
 public:
  SelectBinder(BindContext* context, const ast::Select& select, const BlockScope* outer,
               int outer_step)
      : context_(context), select_(select), outer_(outer), outer_step_(outer_step) {}

  Result<PlanPtr> Bind(const std::vector<ast::OrderItem>* order_by, std::optional<int64_t> offset);

 private:
  Status ExpandItems();
  bool IsAggregating(const std::vector<ast::OrderItem>* order_by) const;
  Status BindGroups();
  Result<ExprPtr> BindGroup(const ast::Expression& e);
  // Binds an expression after the Aggregate (when aggregating) or over the FROM row.
  Result<ExprPtr> BindAfter(const ast::Expression& e, bool condition, const std::string& what);
  Status BindOutputs();
  Status BindOrderBy(const std::vector<ast::OrderItem>& order_by);
  PlanPtr BuildAggregate(PlanPtr input);

  BindContext* context_;
  const ast::Select& select_;
  const BlockScope* outer_;
  int outer_step_;

  BoundFrom from_;
  BlockScope block_;
  std::vector<Item> items_;
  bool aggregating_ = false;
  std::vector<ExprPtr> groups_;
  AggregateSink aggregates_;
  std::vector<Output> outputs_;
  std::vector<Output> hidden_;
  std::vector<plan::SortKey> keys_;
};

Result<PlanPtr> SelectBinder::Bind(const std::vector<ast::OrderItem>* order_by,
                                   std::optional<int64_t> offset) {
  SKY_ASSIGN_OR_RETURN(from_, BindFrom(context_, select_.from, outer_, outer_step_));
  block_ = BlockScope{&from_.scope, outer_, outer_step_};
  PlanPtr input = std::move(from_.plan);

  if (select_.where != nullptr) {
    ExpressionBinder binder(context_, &block_, nullptr, "WHERE");
    SKY_ASSIGN_OR_RETURN(ExprPtr condition,
                         binder.BindCondition(*select_.where, "the WHERE condition"));
    auto filter = std::make_unique<plan::Filter>();
    filter->condition = std::move(condition);
    filter->schema = input->schema;
    filter->children.push_back(std::move(input));
    input = std::move(filter);
  }

  SKY_RETURN_IF_ERROR(ExpandItems());
  aggregating_ = IsAggregating(order_by);
  if (aggregating_) SKY_RETURN_IF_ERROR(BindGroups());
  SKY_RETURN_IF_ERROR(BindOutputs());

  ExprPtr having;
  if (select_.having != nullptr) {
    SKY_ASSIGN_OR_RETURN(having, BindAfter(*select_.having, true, "the HAVING condition"));
  }
  if (order_by != nullptr) SKY_RETURN_IF_ERROR(BindOrderBy(*order_by));

  if (aggregating_) {
    input = BuildAggregate(std::move(input));
    if (having != nullptr) {
      auto filter = std::make_unique<plan::Filter>();
      filter->condition = std::move(having);
      filter->schema = input->schema;
      filter->children.push_back(std::move(input));
      input = std::move(filter);
    }
  }

  auto project = std::make_unique<plan::Project>();
  for (Output& o : outputs_) {
    project->expressions.push_back(std::move(o.expr));
    project->schema.push_back(o.meta);
  }
  for (Output& o : hidden_) {
    project->expressions.push_back(std::move(o.expr));
    project->schema.push_back(o.meta);
  }
  project->children.push_back(std::move(input));
  PlanPtr top = std::move(project);

  if (select_.distinct) {
    auto distinct = std::make_unique<plan::Distinct>();
    distinct->schema = top->schema;
    distinct->children.push_back(std::move(top));
    top = std::move(distinct);
  }
  if (!keys_.empty()) {
    auto sort = std::make_unique<plan::Sort>();
    sort->keys = std::move(keys_);
    sort->schema = top->schema;
    sort->children.push_back(std::move(top));
    top = std::move(sort);
  }
  if (select_.top.has_value() || (offset.has_value() && *offset > 0)) {
    auto limit = std::make_unique<plan::Limit>();
    limit->count = select_.top.value_or(-1);
    limit->offset = offset.value_or(0);
    limit->schema = top->schema;
    limit->children.push_back(std::move(top));
    top = std::move(limit);
  }
  if (!hidden_.empty()) {
    auto drop = std::make_unique<plan::Project>();
    for (size_t i = 0; i < outputs_.size(); ++i) {
      drop->expressions.push_back(Expr::Column(static_cast<int>(i), outputs_[i].meta.type));
      drop->schema.push_back(outputs_[i].meta);
    }
    drop->children.push_back(std::move(top));
    top = std::move(drop);
  }
  return top;
}

Status SelectBinder::ExpandItems() {
  for (const ast::SelectItem& item : select_.items) {
    switch (item.kind) {
      case ast::SelectItemKind::kAll:
        for (int p : from_.scope.star) items_.push_back({&item, p});
        break;
      case ast::SelectItemKind::kAllOf: {
        SKY_ASSIGN_OR_RETURN(std::vector<int> positions,
                             ResolveStar(context_, from_.scope, item.qualifier));
        for (int p : positions) items_.push_back({&item, p});
        break;
      }
      case ast::SelectItemKind::kExpression:
        if (item.expression == nullptr) {
          return context_->Error(StatusCode::kInternal, item.position, 1, "empty select item");
        }
        items_.push_back({&item, -1});
        break;
    }
  }
  if (items_.empty()) {
    return context_->Invalid(select_.position, 6, "the select list returns no column");
  }
  return Status::OK();
}

bool SelectBinder::IsAggregating(const std::vector<ast::OrderItem>* order_by) const {
  if (!select_.group_by.empty() || select_.having != nullptr) return true;
  const FunctionRegistry& registry = context_->registry();
  for (const Item& item : items_) {
    if (item.star_position < 0 && ContainsAggregate(*item.item->expression, registry)) {
      return true;
    }
  }
  if (order_by != nullptr) {
    for (const ast::OrderItem& o : *order_by) {
      if (o.expression != nullptr && ContainsAggregate(*o.expression, registry)) return true;
    }
  }
  return false;
}

Status SelectBinder::BindGroups() {
  for (const ast::ExpressionPtr& g : select_.group_by) {
    SKY_ASSIGN_OR_RETURN(ExprPtr e, BindGroup(*g));
    groups_.push_back(std::move(e));
  }
  return Status::OK();
}

Result<ExprPtr> SelectBinder::BindGroup(const ast::Expression& e) {
  ExpressionBinder binder(context_, &block_, nullptr, "GROUP BY");
  auto bind_item = [&](const Item& item) -> Result<ExprPtr> {
    if (item.star_position >= 0) {
      const ScopeColumn& c = from_.scope.columns[static_cast<size_t>(item.star_position)];
      ExprPtr column = Expr::Column(item.star_position, c.meta.type);
      column->position = e.position;
      return column;
    }
    return binder.Bind(*item.item->expression);
  };
  if (std::optional<int64_t> position = PositionLiteral(e)) {
    if (*position < 1 || static_cast<uint64_t>(*position) > items_.size()) {
      return context_->Invalid(e.position, e.As<ast::Literal>().text.size(),
                               "GROUP BY position " + e.As<ast::Literal>().text +
                                   " is not in the select list (1 to " +
                                   std::to_string(items_.size()) + ")");
    }
    return bind_item(items_[static_cast<size_t>(*position - 1)]);
  }
  if (const ast::Identifier* name = BareName(e)) {
    bool ambiguous = false;
    ColumnLookup column = FindBareColumn(from_.scope, *name, &ambiguous);
    if (column.position < 0 && !ambiguous) {
      // Not a FROM column: a select-list alias (DaCHS and PostgreSQL accept these).
      const Item* aliased = nullptr;
      for (const Item& item : items_) {
        const auto& alias = item.item->alias;
        if (item.star_position < 0 && alias.has_value() && NameMatches(*name, alias->name)) {
          if (aliased != nullptr && aliased != &item) {
            return context_->Invalid(name->position, WrittenWidth(*name),
                                     "GROUP BY " + Written(*name) +
                                         " is ambiguous: several select items have this alias");
          }
          aliased = &item;
        }
      }
      if (aliased != nullptr) return bind_item(*aliased);
    }
  }
  return binder.Bind(e);
}

Result<ExprPtr> SelectBinder::BindAfter(const ast::Expression& e, bool condition,
                                        const std::string& what) {
  ExpressionBinder binder(context_, &block_, aggregating_ ? &aggregates_ : nullptr, what);
  ExprPtr bound;
  if (condition) {
    SKY_ASSIGN_OR_RETURN(bound, binder.BindCondition(e, what));
  } else {
    SKY_ASSIGN_OR_RETURN(bound, binder.Bind(e));
  }
  if (aggregating_)
    SKY_RETURN_IF_ERROR(RewriteOverAggregate(context_, from_.scope, groups_, &bound));
  return bound;
}

Status SelectBinder::BindOutputs() {
  for (size_t i = 0; i < items_.size(); ++i) {
    const Item& item = items_[i];
    Output out;
    if (item.star_position >= 0) {
      out.meta = from_.scope.columns[static_cast<size_t>(item.star_position)].meta;
      out.expr = Expr::Column(item.star_position, out.meta.type);
      out.expr->position = item.item->position;
      if (aggregating_) {
        SKY_RETURN_IF_ERROR(RewriteOverAggregate(context_, from_.scope, groups_, &out.expr));
      }
    } else {
      const ast::Expression& e = *item.item->expression;
      SKY_ASSIGN_OR_RETURN(out.expr, BindAfter(e, false, "the select list"));
      if (e.kind() == ast::ExpressionKind::kColumnRef) {
        // A column read unchanged keeps its metadata (unit, UCD, description, stored type).
        Result<ColumnLookup> column = ResolveColumn(context_, block_, e.As<ast::ColumnRef>());
        if (column.ok()) out.meta = column->column->meta;
      }
      if (out.meta.name.empty()) {
        out.meta = Computed(GeneratedName(e, i), out.expr->type);
        // IN_UNIT(x, 'arcsec') yields arcsec (its VOTable unit, and the unit a query over this
        // block sees).
        if (std::optional<std::string> unit = InUnitTarget(e)) out.meta.unit = *unit;
      }
      if (item.item->alias.has_value()) out.meta.name = item.item->alias->name;
    }
    out.meta.type = out.expr->type;
    outputs_.push_back(std::move(out));
  }
  return Status::OK();
}

Status SelectBinder::BindOrderBy(const std::vector<ast::OrderItem>& order_by) {
  for (const ast::OrderItem& item : order_by) {
    if (item.expression == nullptr) {
      return context_->Error(StatusCode::kInternal, item.position, 1, "empty ORDER BY item");
    }
    const ast::Expression& e = *item.expression;
    int index = -1;
    if (std::optional<int64_t> position = PositionLiteral(e)) {
      const std::string& text = e.As<ast::Literal>().text;
      if (*position < 1 || static_cast<uint64_t>(*position) > outputs_.size()) {
        return context_->Invalid(e.position, text.size(),
                                 "ORDER BY position " + text + " is not in the select list (1 to " +
                                     std::to_string(outputs_.size()) + ")");
      }
      index = static_cast<int>(*position - 1);
    } else if (const ast::Identifier* name = BareName(e)) {
      // An output column's name first (SQL: ORDER BY sees the select list's names).
      for (size_t j = 0; j < outputs_.size(); ++j) {
        if (!NameMatches(*name, outputs_[j].meta.name)) continue;
        if (index < 0) {
          index = static_cast<int>(j);
        } else if (!SameExpr(*outputs_[static_cast<size_t>(index)].expr, *outputs_[j].expr)) {
          return context_->Invalid(name->position, WrittenWidth(*name),
                                   "ORDER BY " + Written(*name) +
                                       " is ambiguous: several output columns have this name");
        }
      }
    }
    if (index < 0) {
      SKY_ASSIGN_OR_RETURN(ExprPtr bound, BindAfter(e, false, "ORDER BY"));
      for (size_t j = 0; j < outputs_.size() && index < 0; ++j) {
        if (SameExpr(*bound, *outputs_[j].expr)) index = static_cast<int>(j);
      }
      for (size_t j = 0; j < hidden_.size() && index < 0; ++j) {
        if (SameExpr(*bound, *hidden_[j].expr)) index = static_cast<int>(outputs_.size() + j);
      }
      if (index < 0) {
        if (select_.distinct) {
          return context_->Invalid(e.position, 1,
                                   "with SELECT DISTINCT, ORDER BY expressions must appear in "
                                   "the select list");
        }
        const ValueType type = bound->type;
        hidden_.push_back(
            {std::move(bound), Computed("_sort" + std::to_string(hidden_.size() + 1), type)});
        index = static_cast<int>(outputs_.size() + hidden_.size() - 1);
      }
    }
    const ValueType type = static_cast<size_t>(index) < outputs_.size()
                               ? outputs_[static_cast<size_t>(index)].meta.type
                               : hidden_[static_cast<size_t>(index) - outputs_.size()].meta.type;
    if (IsGeometry(type)) {
      return context_->Invalid(
          e.position, 1, "cannot sort by a geometry (" + std::string(ValueTypeName(type)) + ")");
    }
    ExprPtr key = Expr::Column(index, type);
    key->position = e.position;
    keys_.push_back({std::move(key), item.descending});
  }
  return Status::OK();
}

PlanPtr SelectBinder::BuildAggregate(PlanPtr input) {
  auto aggregate = std::make_unique<plan::Aggregate>();
  for (size_t i = 0; i < groups_.size(); ++i) {
    const Expr& g = *groups_[i];
    if (g.kind == ExprKind::kColumn && g.depth == 0 &&
        static_cast<size_t>(g.column) < from_.scope.columns.size()) {
      aggregate->schema.push_back(from_.scope.columns[static_cast<size_t>(g.column)].meta);
    } else {
      aggregate->schema.push_back(Computed("group" + std::to_string(i + 1), g.type));
    }
  }
  for (const plan::AggregateCall& call : aggregates_.calls) {
    aggregate->schema.push_back(Computed(AggregateOutputName(call.function), call.type));
  }
  aggregate->groups = std::move(groups_);
  aggregate->aggregates = std::move(aggregates_.calls);
  aggregate->children.push_back(std::move(input));
  return aggregate;
}

}  // namespace

Result<PlanPtr> BindSelect(BindContext* context, const ast::Select& select,
                           const std::vector<ast::OrderItem>* order_by,
                           std::optional<int64_t> offset, const BlockScope* outer, int outer_step) {
  return SelectBinder(context, select, outer, outer_step).Bind(order_by, offset);
}

}  // namespace skyshard::adql::internal
