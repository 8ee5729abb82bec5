// Key lookups: a scan whose filter only passes rows with given key values reads those keys
// instead of the table:
//  - the primary key: `pk = X`, `X = pk`, `pk IN (X, Y, ...)` and ORs of these, on a table
//    the store can look up by key (Store::LookupPrimaryKey: a spatial or child table with a
//    key index, or a plain table keyed by its integer primary key) -> ScanAccess kPrimaryKeys;
//  - a child table's parent key (ForcedSource.objectId) the same way -> kChildrenOf
//    (Store::ScanChildren: one lookup of the parent's position, one contiguous range read);
//  - a conjunct that is never true (a constant FALSE or NULL after folding, or two key
//    conditions that no key satisfies) -> kEmpty.
// Several key conditions AND-ed intersect; the filter stays as it was (it is cheap on a few
// rows and keeps the other conjuncts). Primary keys win over parent keys and ranges (fewer
// rows); an empty scan wins over everything.
//
// Worked example (the DP0 light curve's WHERE, after predicate pushdown):
//   SELECT src.ccdVisitId, src.psfFlux FROM dp02_dc2_catalogs.ForcedSource AS src
//   WHERE src.objectId = 1651589610221899038
//   Scan ForcedSource full filter=(#1 = 1651589610221899038)
// becomes
//   Scan ForcedSource children-of=1 filter=(#1 = 1651589610221899038)
// and `WHERE objectId IN (1, 2, 3)` on Object becomes `Scan Object keys=3`.
//
// Keys are taken from integer constants only (a DOUBLE constant such as 5.0 compares by value
// and is left to the filter). A NULL in an IN list passes no row and is dropped.
#include "adql/planner/rules/key_lookup.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "adql/binder/query_catalog.h"
#include "adql/planner/internal/expr_util.h"
#include "adql/planner/internal/sky_region.h"

namespace skyshard::adql::planner {
namespace {

using Keys = std::vector<int64_t>;

void Normalise(Keys* k) {
  std::sort(k->begin(), k->end());
  k->erase(std::unique(k->begin(), k->end()), k->end());
}

// The key values `e` restricts column `column` to, or nullopt when it does not.
std::optional<Keys> KeysOf(const Expr& e, int column) {
  switch (e.kind) {
    case ExprKind::kComparison: {
      if (e.op != plan::Op::kEqual) return std::nullopt;
      const Expr* c = e.args[1].get();
      if (!IsColumn(*e.args[0], column)) {
        if (!IsColumn(*e.args[1], column)) return std::nullopt;
        c = e.args[0].get();
      }
      std::optional<int64_t> v = IntegerConstant(*c);
      if (!v.has_value()) return std::nullopt;
      return Keys{*v};
    }
    case ExprKind::kInList: {
      if (e.negated || !IsColumn(*e.args[0], column)) return std::nullopt;
      Keys keys;
      for (size_t i = 1; i < e.args.size(); ++i) {
        const Expr& item = *e.args[i];
        if (item.kind == ExprKind::kConstant && item.value.is_null) continue;
        std::optional<int64_t> v = IntegerConstant(item);
        if (!v.has_value()) return std::nullopt;
        keys.push_back(*v);
      }
      Normalise(&keys);
      return keys;
    }
    case ExprKind::kOr: {
      Keys keys;
      for (const ExprPtr& a : e.args) {
        std::optional<Keys> k = KeysOf(*a, column);
        if (!k.has_value()) return std::nullopt;
        keys.insert(keys.end(), k->begin(), k->end());
      }
      Normalise(&keys);
      return keys;
    }
    case ExprKind::kAnd: {
      std::optional<Keys> out;
      for (const ExprPtr& a : e.args) {
        std::optional<Keys> k = KeysOf(*a, column);
        if (!k.has_value()) continue;
        if (!out.has_value()) {
          out = std::move(k);
        } else {
          Keys both;
          std::set_intersection(out->begin(), out->end(), k->begin(), k->end(),
                                std::back_inserter(both));
          out = std::move(both);
        }
      }
      return out;
    }
    default:
      return std::nullopt;
  }
}

// The scan output position of table column `table_column`, or -1.
int OutputOf(const plan::Scan& s, int table_column) {
  auto it = std::find(s.columns.begin(), s.columns.end(), table_column);
  return it == s.columns.end() ? -1 : static_cast<int>(it - s.columns.begin());
}

bool IsIntegerColumn(const TableDef& def, int c) {
  if (c < 0) return false;
  DataType t = def.columns[static_cast<size_t>(c)].type.type;
  return t == DataType::kSmallInt || t == DataType::kInteger || t == DataType::kBigInt;
}

void Visit(PlanNode& node) {
  for (PlanPtr& c : node.children) Visit(*c);
  if (node.kind != plan::PlanKind::kScan) return;
  auto& s = node.As<plan::Scan>();
  if (s.table == nullptr || s.filter == nullptr || s.table->source != QueryTable::Source::kStore ||
      s.access.kind == plan::ScanAccess::Kind::kEmpty) {
    return;
  }
  std::vector<const Expr*> conjuncts;
  CollectConjuncts(*s.filter, &conjuncts);
  for (const Expr* c : conjuncts) {
    if (IsFalseConstant(*c)) {
      s.access = {};
      s.access.kind = plan::ScanAccess::Kind::kEmpty;
      return;
    }
  }
  const TableDef& def = s.table->def;
  auto take = [&](plan::ScanAccess::Kind kind, Keys keys) {
    s.access = {};
    if (keys.empty()) {
      s.access.kind = plan::ScanAccess::Kind::kEmpty;
      return;
    }
    s.access.kind = kind;
    s.access.keys = std::move(keys);
  };
  const int pk = def.primary_key.empty() ? -1 : def.ColumnIndex(def.primary_key);
  const bool pk_lookup =
      IsIntegerColumn(def, pk) && (def.kind == TableKind::kPlain || def.key_index);
  if (pk_lookup && OutputOf(s, pk) >= 0) {
    if (std::optional<Keys> keys = KeysOf(*s.filter, OutputOf(s, pk))) {
      take(plan::ScanAccess::Kind::kPrimaryKeys, std::move(*keys));
      return;
    }
  }
  if (def.kind == TableKind::kChild && s.access.kind == plan::ScanAccess::Kind::kFull) {
    const int parent_key = def.ColumnIndex(def.parent_key);
    if (IsIntegerColumn(def, parent_key) && OutputOf(s, parent_key) >= 0) {
      if (std::optional<Keys> keys = KeysOf(*s.filter, OutputOf(s, parent_key))) {
        take(plan::ScanAccess::Kind::kChildrenOf, std::move(*keys));
      }
    }
  }
}

}  // namespace

void LookUpKeys(plan::PlanPtr* plan, const PlannerOptions& /*options*/) { Visit(**plan); }

}  // namespace skyshard::adql::planner
