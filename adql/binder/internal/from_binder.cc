#include "adql/binder/internal/from_binder.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "adql/binder/internal/expression_binder.h"
#include "adql/binder/internal/names.h"
#include "adql/binder/internal/query_binder.h"
#include "adql/binder/internal/type_rules.h"
#include "common/ascii.h"

namespace skyshard::adql::internal {

namespace {

using plan::Expr;
using plan::ExprKind;
using plan::ExprPtr;

class FromBinder {
 public:
  FromBinder(BindContext* context, const BlockScope* outer, int outer_step)
      : context_(context), outer_(outer), outer_step_(outer_step) {}

  Result<BoundFrom> BindList(const std::vector<ast::TableRefPtr>& from);

 private:
  Result<BoundFrom> BindRef(const ast::TableRef& ref);
  Result<BoundFrom> BindNamed(const ast::NamedTable& table);
  Result<BoundFrom> BindCte(const ast::NamedTable& table, const ast::CommonTableExpression& cte);
  Result<BoundFrom> BindDerived(const ast::DerivedTable& derived);
  Result<BoundFrom> BindJoin(const ast::Join& join);
  // A join of `left` and `right` on `condition` (null: none), with the USING pairs coalesced.
  struct UsingPair {
    int left;   // position in the combined row
    int right;  // position in the combined row
  };
  Result<BoundFrom> Combine(BoundFrom left, BoundFrom right, plan::JoinType type,
                            const std::vector<UsingPair>& pairs, const ast::Join* join,
                            ast::Position position);
  Status CheckDistinctNames(const FromScope& left, const FromScope& right, ast::Position position);
  Status TableNotFound(const ast::NamedTable& table);

  BindContext* context_;
  const BlockScope* outer_;
  int outer_step_;
};

BoundFrom FromPlan(plan::PlanPtr p, Range range) {
  BoundFrom out;
  for (size_t i = 0; i < p->schema.size(); ++i) {
    ScopeColumn c;
    c.meta = p->schema[i];
    c.range = 0;
    out.scope.columns.push_back(std::move(c));
    range.columns.push_back(static_cast<int>(i));
    out.scope.star.push_back(static_cast<int>(i));
  }
  out.scope.ranges.push_back(std::move(range));
  out.plan = std::move(p);
  return out;
}

plan::JoinType PlanJoinType(ast::JoinType t) {
  switch (t) {
    case ast::JoinType::kInner:
      return plan::JoinType::kInner;
    case ast::JoinType::kLeft:
      return plan::JoinType::kLeft;
    case ast::JoinType::kRight:
      return plan::JoinType::kRight;
    case ast::JoinType::kFull:
      return plan::JoinType::kFull;
    case ast::JoinType::kCross:
      return plan::JoinType::kCross;
  }
  return plan::JoinType::kInner;
}

Result<BoundFrom> FromBinder::BindList(const std::vector<ast::TableRefPtr>& from) {
  if (from.empty()) {
    return context_->Error(StatusCode::kInternal, {}, 1, "a query without FROM");
  }
  SKY_ASSIGN_OR_RETURN(BoundFrom acc, BindRef(*from[0]));
  for (size_t i = 1; i < from.size(); ++i) {
    SKY_ASSIGN_OR_RETURN(BoundFrom right, BindRef(*from[i]));
    SKY_ASSIGN_OR_RETURN(acc, Combine(std::move(acc), std::move(right), plan::JoinType::kCross, {},
                                      nullptr, from[i]->position));
  }
  return acc;
}

Result<BoundFrom> FromBinder::BindRef(const ast::TableRef& ref) {
  BindContext::DepthGuard guard(context_);
  if (guard.Exceeded()) return context_->DepthError(ref.position);
  switch (ref.kind()) {
    case ast::TableRefKind::kNamedTable:
      return BindNamed(ref.As<ast::NamedTable>());
    case ast::TableRefKind::kDerivedTable:
      return BindDerived(ref.As<ast::DerivedTable>());
    case ast::TableRefKind::kJoin:
      return BindJoin(ref.As<ast::Join>());
  }
  return context_->Error(StatusCode::kInternal, ref.position, 1, "unknown table reference");
}

Result<BoundFrom> FromBinder::BindNamed(const ast::NamedTable& table) {
  const ast::QualifiedName& name = table.name;
  if (name.empty()) return context_->Error(StatusCode::kInternal, table.position, 1, "no name");
  if (name.size() == 1) {
    const auto& ctes = context_->visible_ctes();
    for (auto it = ctes.rbegin(); it != ctes.rend(); ++it) {
      if (NameMatches(name[0], (*it)->name.name)) return BindCte(table, **it);
    }
  }
  if (name.size() > 2) {
    return context_->Invalid(name[0].position, WrittenWidth(name[0]),
                             "this service has no catalog level: write the table as "
                             "schema.table, without " +
                                 Written(name[0]));
  }
  const ast::Identifier* schema = name.size() == 2 ? &name[0] : nullptr;
  const ast::Identifier& table_name = name.back();
  bool ambiguous = false;
  const QueryTable* found = context_->catalog().Find(
      schema != nullptr ? std::string_view(schema->name) : std::string_view(),
      schema != nullptr && schema->delimited, table_name.name, table_name.delimited, &ambiguous);
  if (ambiguous) {
    std::vector<std::string> where;
    for (const auto& t : context_->catalog().tables()) {
      if (NameMatches(table_name, t->def.name)) where.push_back(t->QualifiedName());
    }
    std::string list;
    for (size_t i = 0; i < where.size(); ++i) list += (i > 0 ? ", " : "") + where[i];
    return context_->Invalid(table_name.position, WrittenWidth(table_name),
                             "table " + Written(table_name) + " is ambiguous: it is " + list +
                                 "; qualify it with its schema");
  }
  if (found == nullptr) return TableNotFound(table);

  auto scan = std::make_unique<plan::Scan>();
  scan->table = found;
  scan->access.kind = plan::ScanAccess::Kind::kFull;
  for (size_t i = 0; i < found->def.columns.size(); ++i) {
    scan->columns.push_back(static_cast<int>(i));
    scan->schema.push_back(OutputColumnOf(found->def.columns[i]));
  }
  Range range;
  range.name = table.alias.has_value() ? table.alias->name : found->def.name;
  range.schema = table.alias.has_value() ? "" : found->schema;
  range.description = found->QualifiedName();
  return FromPlan(std::move(scan), std::move(range));
}

Status FromBinder::TableNotFound(const ast::NamedTable& table) {
  const ast::Identifier& name = table.name.back();
  const auto& tables = context_->catalog().tables();
  if (table.name.size() == 2) {
    const ast::Identifier& schema = table.name[0];
    std::vector<std::string> in_schema;
    std::vector<std::string> schemas;
    for (const auto& t : tables) {
      if (NameMatches(schema, t->schema)) in_schema.push_back(t->def.name);
      if (std::find(schemas.begin(), schemas.end(), t->schema) == schemas.end()) {
        schemas.push_back(t->schema);
      }
    }
    if (in_schema.empty()) {
      std::vector<std::string> suggestions = Suggest(schema.name, schemas);
      return context_->NotFound(schema.position, WrittenWidth(schema),
                                "no schema " + Written(schema) + DidYouMean(suggestions));
    }
    std::string schema_name = schema.name;
    for (const auto& t : tables) {
      if (NameMatches(schema, t->schema)) schema_name = t->schema;
    }
    return context_->NotFound(name.position, WrittenWidth(name),
                              "no table " + Written(name) + " in " + schema_name +
                                  DidYouMean(Suggest(name.name, in_schema)));
  }
  std::vector<std::string> candidates;
  for (const auto* cte : context_->visible_ctes()) candidates.push_back(cte->name.name);
  for (const auto& t : tables) candidates.push_back(t->def.name);
  std::string message = "no table " + Written(name);
  if (!context_->catalog().release_schema().empty()) {
    message += " in " + context_->catalog().release_schema();
  }
  return context_->NotFound(name.position, WrittenWidth(name),
                            message + DidYouMean(Suggest(name.name, candidates)));
}

Result<BoundFrom> FromBinder::BindCte(const ast::NamedTable& table,
                                      const ast::CommonTableExpression& cte) {
  if (!context_->CountCteExpansion()) {
    return context_->Error(StatusCode::kLimitExceeded, table.position, 1,
                           "the query refers to its WITH tables too many times (more than " +
                               std::to_string(kMaxCteExpansions) + " in all)");
  }
  if (cte.query == nullptr) {
    return context_->Error(StatusCode::kInternal, cte.position, 1, "a WITH table without query");
  }
  // The CTE sees only the CTEs declared before it, and no enclosing query.
  std::vector<const ast::CommonTableExpression*>& visible = context_->visible_ctes();
  const std::vector<const ast::CommonTableExpression*> saved = visible;
  auto own = std::find(visible.begin(), visible.end(), &cte);
  visible.erase(own, visible.end());
  Result<plan::PlanPtr> bound = BindQuery(context_, *cte.query, nullptr, 1);
  visible = saved;
  if (!bound.ok()) return bound.status();
  plan::PlanPtr p = std::move(bound).value();
  if (!cte.columns.empty()) {
    if (cte.columns.size() != p->schema.size()) {
      return context_->Invalid(
          cte.name.position, WrittenWidth(cte.name),
          "WITH " + Written(cte.name) + " names " + std::to_string(cte.columns.size()) +
              " columns, but its query returns " + std::to_string(p->schema.size()));
    }
    for (size_t i = 0; i < cte.columns.size(); ++i) p->schema[i].name = cte.columns[i].name;
  }
  Range range;
  range.name = table.alias.has_value() ? table.alias->name : cte.name.name;
  range.description = range.name;
  return FromPlan(std::move(p), std::move(range));
}

Result<BoundFrom> FromBinder::BindDerived(const ast::DerivedTable& derived) {
  if (derived.query == nullptr) {
    return context_->Error(StatusCode::kInternal, derived.position, 1, "no derived query");
  }
  // A derived table is part of this block's plan: it sees what this block's enclosing blocks
  // see, at the same depths, and not this block's other tables (no LATERAL).
  SKY_ASSIGN_OR_RETURN(plan::PlanPtr p, BindQuery(context_, *derived.query, outer_, outer_step_));
  Range range;
  range.name = derived.alias.name;
  range.description = Written(derived.alias);
  return FromPlan(std::move(p), std::move(range));
}

Status FromBinder::CheckDistinctNames(const FromScope& left, const FromScope& right,
                                      ast::Position position) {
  for (const Range& r : right.ranges) {
    for (const Range& l : left.ranges) {
      if (EqualsIgnoreCase(l.name, r.name) && EqualsIgnoreCase(l.schema, r.schema)) {
        return context_->Invalid(
            position, 1,
            "table name " + r.name + " appears twice in FROM; give one of them an alias");
      }
    }
  }
  return Status::OK();
}

Result<BoundFrom> FromBinder::BindJoin(const ast::Join& join) {
  if (join.left == nullptr || join.right == nullptr) {
    return context_->Error(StatusCode::kInternal, join.position, 1, "a join without sides");
  }
  SKY_ASSIGN_OR_RETURN(BoundFrom left, BindRef(*join.left));
  SKY_ASSIGN_OR_RETURN(BoundFrom right, BindRef(*join.right));
  const int offset = static_cast<int>(left.scope.columns.size());
  std::vector<UsingPair> pairs;
  if (join.natural) {
    for (int lp : left.scope.star) {
      const std::string& name = left.scope.columns[static_cast<size_t>(lp)].meta.name;
      std::vector<int> matches;
      for (int rp : right.scope.star) {
        if (EqualsIgnoreCase(name, right.scope.columns[static_cast<size_t>(rp)].meta.name)) {
          matches.push_back(rp);
        }
      }
      if (matches.empty()) continue;
      int left_count = 0;
      for (int other : left.scope.star) {
        if (EqualsIgnoreCase(name, left.scope.columns[static_cast<size_t>(other)].meta.name)) {
          ++left_count;
        }
      }
      if (matches.size() > 1 || left_count > 1) {
        return context_->Invalid(join.position, 1,
                                 "NATURAL JOIN: column " + name +
                                     " is ambiguous: a side of the join has several of this name");
      }
      pairs.push_back({lp, matches[0] + offset});
    }
  }
  for (size_t i = 0; i < join.using_columns.size(); ++i) {
    const ast::Identifier& id = join.using_columns[i];
    for (size_t j = 0; j < i; ++j) {
      if (EqualsIgnoreCase(join.using_columns[j].name, id.name)) {
        return context_->Invalid(id.position, WrittenWidth(id),
                                 "column " + Written(id) + " appears twice in USING");
      }
    }
    int found[2] = {-1, -1};
    const FromScope* sides[2] = {&left.scope, &right.scope};
    for (int side = 0; side < 2; ++side) {
      bool ambiguous = false;
      ColumnLookup lookup = FindBareColumn(*sides[side], id, &ambiguous);
      const char* which = side == 0 ? "left" : "right";
      if (ambiguous) {
        return context_->Invalid(
            id.position, WrittenWidth(id),
            "USING column " + Written(id) + " is ambiguous in the " + which + " side of the join");
      }
      if (lookup.position < 0) {
        std::vector<std::string> candidates;
        for (const ScopeColumn& c : sides[side]->columns) {
          if (!c.merged) candidates.push_back(c.meta.name);
        }
        return context_->NotFound(id.position, WrittenWidth(id),
                                  "USING column " + Written(id) + " is not in the " + which +
                                      " side of the join" +
                                      DidYouMean(Suggest(id.name, candidates)));
      }
      found[side] = lookup.position;
    }
    pairs.push_back({found[0], found[1] + offset});
  }
  plan::JoinType type = PlanJoinType(join.type);
  if (join.natural && pairs.empty() && type == plan::JoinType::kInner) {
    type = plan::JoinType::kCross;  // NATURAL JOIN of tables with no common column
  }
  return Combine(std::move(left), std::move(right), type, pairs, &join, join.position);
}

Result<BoundFrom> FromBinder::Combine(BoundFrom left, BoundFrom right, plan::JoinType type,
                                      const std::vector<UsingPair>& pairs, const ast::Join* join,
                                      ast::Position position) {
  SKY_RETURN_IF_ERROR(CheckDistinctNames(left.scope, right.scope, position));
  const FromScope left_scope = left.scope;
  const FromScope right_scope = right.scope;
  BoundFrom out;
  out.scope = left.scope;
  out.scope.Append(right.scope);
  const int offset = static_cast<int>(left_scope.columns.size());

  // The condition: the USING equalities, then ON.
  std::vector<ExprPtr> conjuncts;
  for (const UsingPair& pair : pairs) {
    const plan::OutputColumn& l = out.scope.columns[static_cast<size_t>(pair.left)].meta;
    const plan::OutputColumn& r = out.scope.columns[static_cast<size_t>(pair.right)].meta;
    if (!Comparable(l.type, r.type)) {
      return context_->Invalid(
          position, 1,
          "join column " + l.name + " has types " + std::string(ValueTypeName(l.type)) + " and " +
              std::string(ValueTypeName(r.type)) + ", which cannot be compared");
    }
    std::vector<ExprPtr> args;
    args.push_back(Expr::Column(pair.left, l.type));
    args.push_back(Expr::Column(pair.right, r.type));
    ExprPtr eq =
        Expr::Make(ExprKind::kComparison, ValueType::kBoolean, std::move(args), plan::Op::kEqual);
    eq->position = position;
    conjuncts.push_back(std::move(eq));
  }
  if (join != nullptr && join->on != nullptr) {
    BlockScope scope{&out.scope, outer_, outer_step_};
    ExpressionBinder binder(context_, &scope, nullptr, "a JOIN condition");
    SKY_ASSIGN_OR_RETURN(ExprPtr on, binder.BindCondition(*join->on, "the ON condition"));
    conjuncts.push_back(std::move(on));
  }
  auto node = std::make_unique<plan::Join>();
  node->type = type;
  if (conjuncts.size() == 1) {
    node->condition = std::move(conjuncts[0]);
  } else if (conjuncts.size() > 1) {
    node->condition = Expr::Make(ExprKind::kAnd, ValueType::kBoolean, std::move(conjuncts));
    node->condition->position = position;
  }
  node->schema = left.plan->schema;
  for (const plan::OutputColumn& c : right.plan->schema) node->schema.push_back(c);
  node->children.push_back(std::move(left.plan));
  node->children.push_back(std::move(right.plan));
  out.plan = std::move(node);
  if (pairs.empty()) return out;

  // Coalesce the USING columns (SQL 7.7): one column each, found by its bare name.
  std::vector<int> coalesced;
  std::vector<ExprPtr> computed;  // FULL JOIN: COALESCE(left, right), appended by a Project
  for (const UsingPair& pair : pairs) {
    ScopeColumn& l = out.scope.columns[static_cast<size_t>(pair.left)];
    ScopeColumn& r = out.scope.columns[static_cast<size_t>(pair.right)];
    if (type == plan::JoinType::kRight) {
      l.merged = true;
      coalesced.push_back(pair.right);
    } else if (type != plan::JoinType::kFull) {
      r.merged = true;
      coalesced.push_back(pair.left);
    } else {
      l.merged = true;
      r.merged = true;
      const FunctionInfo* coalesce = context_->registry().Find("COALESCE");
      Result<const Signature*> signature =
          context_->registry().Resolve("COALESCE", {l.meta.type, r.meta.type});
      if (coalesce == nullptr || !signature.ok()) {
        return context_->Invalid(position, 1,
                                 "join column " + l.meta.name + " cannot be coalesced");
      }
      const ValueType t = (*signature)->ResultType({l.meta.type, r.meta.type});
      std::vector<ExprPtr> args;
      args.push_back(Expr::Column(pair.left, l.meta.type));
      args.push_back(Expr::Column(pair.right, r.meta.type));
      ExprPtr e = Expr::Make(ExprKind::kFunction, t, std::move(args));
      e->function = coalesce;
      e->signature = *signature;
      e->position = position;
      computed.push_back(std::move(e));
      ScopeColumn c;
      c.meta = l.meta;
      c.meta.type = t;
      if (t != l.meta.type) c.meta.storage_type = plan::StorageTypeOf(t);
      c.range = -1;
      coalesced.push_back(static_cast<int>(out.scope.columns.size()));
      out.scope.columns.push_back(std::move(c));
    }
  }
  if (!computed.empty()) {
    auto project = std::make_unique<plan::Project>();
    const size_t width = out.plan->schema.size();
    for (size_t i = 0; i < width; ++i) {
      project->expressions.push_back(Expr::Column(static_cast<int>(i), out.plan->schema[i].type));
      project->schema.push_back(out.plan->schema[i]);
    }
    for (ExprPtr& e : computed) {
      project->expressions.push_back(std::move(e));
    }
    for (size_t i = width; i < out.scope.columns.size(); ++i) {
      project->schema.push_back(out.scope.columns[i].meta);
    }
    project->children.push_back(std::move(out.plan));
    out.plan = std::move(project);
  }
  // `*`: the coalesced columns, then the rest of the left side, then the rest of the right.
  std::set<int> used;
  for (const UsingPair& pair : pairs) {
    used.insert(pair.left);
    used.insert(pair.right);
  }
  out.scope.star = coalesced;
  for (int p : left_scope.star) {
    if (used.count(p) == 0) out.scope.star.push_back(p);
  }
  for (int p : right_scope.star) {
    if (used.count(p + offset) == 0) out.scope.star.push_back(p + offset);
  }
  return out;
}

}  // namespace

Result<BoundFrom> BindFrom(BindContext* context, const std::vector<ast::TableRefPtr>& from,
                           const BlockScope* outer, int outer_step) {
  return FromBinder(context, outer, outer_step).BindList(from);
}

}  // namespace skyshard::adql::internal
