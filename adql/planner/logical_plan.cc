#include "adql/planner/logical_plan.h"

#include <cstdio>
#include <utility>

#include "adql/binder/query_catalog.h"

namespace skyshard::adql::plan {

ColumnType StorageTypeOf(ValueType type) {
  switch (type) {
    case ValueType::kSmallInt:
      return {DataType::kSmallInt, 0};
    case ValueType::kInteger:
      return {DataType::kInteger, 0};
    case ValueType::kBigInt:
      return {DataType::kBigInt, 0};
    case ValueType::kReal:
      return {DataType::kReal, 0};
    case ValueType::kDouble:
      return {DataType::kDouble, 0};
    case ValueType::kBoolean:
      return {DataType::kBoolean, 0};
    case ValueType::kTimestamp:
      return {DataType::kTimestamp, 0};
    default:
      return {DataType::kVarChar, 0};
  }
}

PlanNode::~PlanNode() = default;

namespace {

std::vector<ExprPtr> CloneAll(const std::vector<ExprPtr>& exprs) {
  std::vector<ExprPtr> out;
  out.reserve(exprs.size());
  for (const ExprPtr& e : exprs) out.push_back(e == nullptr ? nullptr : e->Clone());
  return out;
}

std::vector<SortKey> CloneKeys(const std::vector<SortKey>& keys) {
  std::vector<SortKey> out;
  out.reserve(keys.size());
  for (const SortKey& k : keys) out.push_back({k.expression->Clone(), k.descending});
  return out;
}

// Copies what every node has (schema, children) into `copy` and returns it as a PlanPtr.
template <typename T>
PlanPtr Finish(const PlanNode& from, std::unique_ptr<T> copy) {
  copy->schema = from.schema;
  copy->children.reserve(from.children.size());
  for (const PlanPtr& c : from.children) copy->children.push_back(c->Clone());
  return copy;
}

}  // namespace

PlanPtr Scan::Clone() const {
  auto c = std::make_unique<Scan>();
  c->table = table;
  c->columns = columns;
  c->access = access;
  if (filter != nullptr) c->filter = filter->Clone();
  return Finish(*this, std::move(c));
}

PlanPtr Filter::Clone() const {
  auto c = std::make_unique<Filter>();
  c->condition = condition->Clone();
  return Finish(*this, std::move(c));
}

PlanPtr Project::Clone() const {
  auto c = std::make_unique<Project>();
  c->expressions = CloneAll(expressions);
  return Finish(*this, std::move(c));
}

SpatialJoinKeys SpatialJoinKeys::Clone() const {
  SpatialJoinKeys c;
  c.left_ra = left_ra->Clone();
  c.left_dec = left_dec->Clone();
  c.right_ra = right_ra->Clone();
  c.right_dec = right_dec->Clone();
  c.radius_deg = radius_deg;
  c.restrict_left_scan = restrict_left_scan;
  c.partition_order = partition_order;
  c.residual = residual != nullptr ? residual->Clone() : nullptr;
  c.has_residual = has_residual;
  return c;
}

PlanPtr Join::Clone() const {
  auto c = std::make_unique<Join>();
  c->type = type;
  if (condition != nullptr) c->condition = condition->Clone();
  c->left_keys = CloneAll(left_keys);
  c->right_keys = CloneAll(right_keys);
  if (spatial.has_value()) c->spatial = spatial->Clone();
  c->lookup_key = lookup_key;
  return Finish(*this, std::move(c));
}

PlanPtr Aggregate::Clone() const {
  auto c = std::make_unique<Aggregate>();
  c->groups = CloneAll(groups);
  for (const AggregateCall& a : aggregates) {
    c->aggregates.push_back(
        {a.function, a.distinct, a.argument == nullptr ? nullptr : a.argument->Clone(), a.type});
  }
  return Finish(*this, std::move(c));
}

PlanPtr Distinct::Clone() const { return Finish(*this, std::make_unique<Distinct>()); }

PlanPtr Sort::Clone() const {
  auto c = std::make_unique<Sort>();
  c->keys = CloneKeys(keys);
  c->limit = limit;
  return Finish(*this, std::move(c));
}

PlanPtr Limit::Clone() const {
  auto c = std::make_unique<Limit>();
  c->offset = offset;
  c->count = count;
  return Finish(*this, std::move(c));
}

PlanPtr SetOperation::Clone() const {
  auto c = std::make_unique<SetOperation>();
  c->op = op;
  c->all = all;
  return Finish(*this, std::move(c));
}

PlanPtr Gather::Clone() const {
  auto c = std::make_unique<Gather>();
  c->merge = merge;
  c->keys = CloneKeys(keys);
  c->partitions = partitions;
  return Finish(*this, std::move(c));
}

namespace {

std::string_view JoinName(JoinType t) {
  switch (t) {
    case JoinType::kInner:
      return "inner";
    case JoinType::kLeft:
      return "left";
    case JoinType::kRight:
      return "right";
    case JoinType::kFull:
      return "full";
    case JoinType::kCross:
      return "cross";
    case JoinType::kSemi:
      return "semi";
    case JoinType::kAnti:
      return "anti";
  }
  return "?";
}

std::string_view AggregateName(AggregateFunction f) {
  switch (f) {
    case AggregateFunction::kCount:
    case AggregateFunction::kCountStar:
      return "COUNT";
    case AggregateFunction::kSum:
      return "SUM";
    case AggregateFunction::kAvg:
      return "AVG";
    case AggregateFunction::kMin:
      return "MIN";
    case AggregateFunction::kMax:
      return "MAX";
  }
  return "?";
}

std::string Names(const std::vector<OutputColumn>& schema) {
  std::string out = "[";
  for (size_t i = 0; i < schema.size(); ++i) {
    if (i > 0) out += ", ";
    out += schema[i].name;
  }
  return out + "]";
}

std::string ExprList(const std::vector<ExprPtr>& exprs) {
  std::string out;
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (i > 0) out += ", ";
    out += ToString(*exprs[i]);
  }
  return out;
}

std::string Keys(const std::vector<SortKey>& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += ", ";
    out += ToString(*keys[i].expression);
    if (keys[i].descending) out += " DESC";
  }
  return out;
}

// "CcdVisit.ccdVisitId": the table and key column a lookup join reads (the Scan under the
// right input's Filters and Projects).
std::string LookupTarget(const PlanNode& node) {
  const PlanNode* n = &node;
  while ((n->kind == PlanKind::kFilter || n->kind == PlanKind::kProject) && !n->children.empty()) {
    n = n->children[0].get();
  }
  if (n->kind != PlanKind::kScan || n->As<Scan>().table == nullptr) return "?";
  const TableDef& def = n->As<Scan>().table->def;
  return def.name + "." + def.primary_key;
}

void ExplainNode(const PlanNode& node, int indent, std::string* out) {
  out->append(static_cast<size_t>(indent) * 2, ' ');
  switch (node.kind) {
    case PlanKind::kScan: {
      const auto& s = node.As<Scan>();
      *out += "Scan ";
      *out += s.table != nullptr ? s.table->QualifiedName() : "?";
      switch (s.access.kind) {
        case ScanAccess::Kind::kFull:
          *out += " full";
          break;
        case ScanAccess::Kind::kRanges:
          *out += " ranges=" + std::to_string(s.access.ranges.size());
          if (!s.access.description.empty()) *out += " " + s.access.description;
          break;
        case ScanAccess::Kind::kPrimaryKeys:
          *out += " keys=" + std::to_string(s.access.keys.size());
          break;
        case ScanAccess::Kind::kChildrenOf:
          *out += " children-of=" + std::to_string(s.access.keys.size());
          break;
        case ScanAccess::Kind::kEmpty:
          *out += " empty";
          break;
      }
      *out += " " + Names(node.schema);
      if (s.filter != nullptr) *out += " filter=" + ToString(*s.filter);
      break;
    }
    case PlanKind::kFilter:
      *out += "Filter " + ToString(*node.As<Filter>().condition);
      break;
    case PlanKind::kProject:
      *out += "Project " + Names(node.schema) + " = " + ExprList(node.As<Project>().expressions);
      break;
    case PlanKind::kJoin: {
      const auto& j = node.As<Join>();
      *out += "Join ";
      *out += JoinName(j.type);
      if (j.lookup_key >= 0 && static_cast<size_t>(j.lookup_key) < j.left_keys.size()) {
        *out += " lookup(" + ToString(*j.left_keys[static_cast<size_t>(j.lookup_key)]) + " -> " +
                LookupTarget(*j.children[1]) + ")";
      } else if (!j.left_keys.empty()) {
        *out += " hash(" + ExprList(j.left_keys) + " = " + ExprList(j.right_keys) + ")";
      }
      if (j.spatial.has_value()) {
        const SpatialJoinKeys& s = *j.spatial;
        char radius[32];
        std::snprintf(radius, sizeof(radius), "%.6g", s.radius_deg);
        *out += " spatial(r=" + std::string(radius) + " (" + ToString(*s.left_ra) + ", " +
                ToString(*s.left_dec) + ") ~ (" + ToString(*s.right_ra) + ", " +
                ToString(*s.right_dec) + ")";
        if (s.restrict_left_scan) *out += " probe-ranges";
        if (s.partition_order >= 0) {
          *out += " partitioned(order=" + std::to_string(s.partition_order) + ")";
        }
        *out += ")";
      }
      if (j.condition != nullptr) *out += " on " + ToString(*j.condition);
      break;
    }
    case PlanKind::kAggregate: {
      const auto& a = node.As<Aggregate>();
      *out += "Aggregate";
      if (!a.groups.empty()) *out += " group=(" + ExprList(a.groups) + ")";
      for (const AggregateCall& c : a.aggregates) {
        *out += " ";
        *out += AggregateName(c.function);
        *out += "(";
        if (c.distinct) *out += "DISTINCT ";
        *out += c.argument == nullptr ? "*" : ToString(*c.argument);
        *out += ")";
      }
      break;
    }
    case PlanKind::kDistinct:
      *out += "Distinct";
      break;
    case PlanKind::kSort: {
      const auto& s = node.As<Sort>();
      *out += s.limit >= 0 ? "TopK " + std::to_string(s.limit) + " " : "Sort ";
      *out += Keys(s.keys);
      break;
    }
    case PlanKind::kLimit: {
      const auto& l = node.As<Limit>();
      *out += "Limit";
      if (l.offset > 0) *out += " offset=" + std::to_string(l.offset);
      if (l.count >= 0) *out += " count=" + std::to_string(l.count);
      break;
    }
    case PlanKind::kSetOperation: {
      const auto& s = node.As<SetOperation>();
      *out += s.op == SetOperator::kUnion       ? "Union"
              : s.op == SetOperator::kIntersect ? "Intersect"
                                                : "Except";
      if (s.all) *out += " all";
      break;
    }
    case PlanKind::kGather: {
      const auto& g = node.As<Gather>();
      *out += "Gather";
      *out += g.merge == Gather::Merge::kConcat    ? " concat"
              : g.merge == Gather::Merge::kOrdered ? " ordered(" + Keys(g.keys) + ")"
                                                   : " aggregate";
      if (g.partitions > 0) *out += " partitions=" + std::to_string(g.partitions);
      break;
    }
  }
  *out += '\n';
  for (const PlanPtr& c : node.children) ExplainNode(*c, indent + 1, out);
}

}  // namespace

std::string Explain(const PlanNode& plan) {
  std::string out;
  ExplainNode(plan, 0, &out);
  return out;
}

}  // namespace skyshard::adql::plan
