#include "adql/binder/internal/scope.h"

#include <algorithm>
#include <utility>

#include "adql/binder/internal/names.h"

namespace skyshard::adql::internal {

namespace {

// Whether `qualifier` (1 or 2 parts: name, or schema.name) designates `range`.
bool QualifierMatches(const ast::QualifiedName& qualifier, const Range& range) {
  if (qualifier.size() == 1) return NameMatches(qualifier[0], range.name);
  if (qualifier.size() == 2) {
    return !range.schema.empty() && NameMatches(qualifier[0], range.schema) &&
           NameMatches(qualifier[1], range.name);
  }
  return false;  // catalog.schema.table: this service has no catalog level
}

std::vector<int> MatchingRanges(const FromScope& from, const ast::QualifiedName& qualifier) {
  std::vector<int> out;
  for (size_t i = 0; i < from.ranges.size(); ++i) {
    if (QualifierMatches(qualifier, from.ranges[i])) out.push_back(static_cast<int>(i));
  }
  return out;
}

// "a", "a or b", "a, b or c" (duplicates dropped).
std::string JoinDescriptions(std::vector<std::string> items) {
  std::vector<std::string> unique;
  for (std::string& item : items) {
    if (std::find(unique.begin(), unique.end(), item) == unique.end()) {
      unique.push_back(std::move(item));
    }
  }
  std::string out;
  for (size_t i = 0; i < unique.size(); ++i) {
    if (i > 0) out += (i + 1 == unique.size()) ? " or " : ", ";
    out += unique[i];
  }
  return out;
}

std::string RangeOfColumn(const FromScope& from, int position) {
  const int range = from.columns[static_cast<size_t>(position)].range;
  if (range < 0) return "the join's USING columns";
  return from.ranges[static_cast<size_t>(range)].description;
}

}  // namespace

void FromScope::Append(const FromScope& other) {
  const int column_offset = static_cast<int>(columns.size());
  const int range_offset = static_cast<int>(ranges.size());
  for (const ScopeColumn& c : other.columns) {
    ScopeColumn copy = c;
    if (copy.range >= 0) copy.range += range_offset;
    columns.push_back(std::move(copy));
  }
  for (const Range& r : other.ranges) {
    Range copy = r;
    for (int& p : copy.columns) p += column_offset;
    ranges.push_back(std::move(copy));
  }
  for (int p : other.star) star.push_back(p + column_offset);
}

plan::OutputColumn OutputColumnOf(const ColumnDef& def) {
  plan::OutputColumn out;
  out.name = def.name;
  out.type = ValueTypeOf(def.type.type);
  out.storage_type = def.type;
  out.unit = def.unit;
  out.ucd = def.ucd;
  out.description = def.description;
  out.arraysize = def.arraysize;
  out.votable_datatype = def.votable_datatype;
  return out;
}

ColumnLookup FindBareColumn(const FromScope& from, const ast::Identifier& name, bool* ambiguous) {
  ColumnLookup found;
  int matches = 0;
  for (size_t p = 0; p < from.columns.size(); ++p) {
    const ScopeColumn& c = from.columns[p];
    if (c.merged || !NameMatches(name, c.meta.name)) continue;
    if (++matches == 1) {
      found.position = static_cast<int>(p);
      found.column = &c;
    }
  }
  if (ambiguous != nullptr) *ambiguous = matches > 1;
  if (matches != 1) return ColumnLookup{};
  return found;
}

Result<ColumnLookup> ResolveColumn(BindContext* context, const BlockScope& scope,
                                   const ast::ColumnRef& ref) {
  const ast::Identifier& name = ref.name.back();
  const ast::QualifiedName qualifier(ref.name.begin(), ref.name.end() - 1);
  int depth = 0;
  for (const BlockScope* block = &scope; block != nullptr;
       depth += block->outer_step, block = block->outer) {
    if (block->from == nullptr) continue;
    const FromScope& from = *block->from;
    if (qualifier.empty()) {
      std::vector<int> matches;
      for (size_t p = 0; p < from.columns.size(); ++p) {
        const ScopeColumn& c = from.columns[p];
        if (!c.merged && NameMatches(name, c.meta.name)) matches.push_back(static_cast<int>(p));
      }
      if (matches.empty()) continue;
      if (matches.size() > 1) {
        std::vector<std::string> where;
        for (int p : matches) where.push_back(RangeOfColumn(from, p));
        return context->Invalid(name.position, WrittenWidth(name),
                                "column " + Written(name) + " is ambiguous: it is in " +
                                    JoinDescriptions(std::move(where)) +
                                    "; qualify it with a table name or alias");
      }
      const int p = matches[0];
      return ColumnLookup{p, depth, &from.columns[static_cast<size_t>(p)]};
    }
    std::vector<int> ranges = MatchingRanges(from, qualifier);
    if (ranges.empty()) continue;
    if (ranges.size() > 1) {
      return context->Invalid(qualifier[0].position, WrittenWidth(qualifier[0]),
                              "table reference " + Written(qualifier) +
                                  " is ambiguous: several tables in FROM have this name; give "
                                  "them aliases");
    }
    const Range& range = from.ranges[static_cast<size_t>(ranges[0])];
    std::vector<int> matches;
    for (int p : range.columns) {
      if (NameMatches(name, from.columns[static_cast<size_t>(p)].meta.name)) matches.push_back(p);
    }
    if (matches.size() == 1) {
      return ColumnLookup{matches[0], depth, &from.columns[static_cast<size_t>(matches[0])]};
    }
    if (matches.size() > 1) {
      return context->Invalid(name.position, WrittenWidth(name),
                              "column " + Written(name) + " is ambiguous: " + range.description +
                                  " has several columns of this name");
    }
    std::vector<std::string> candidates;
    for (int p : range.columns)
      candidates.push_back(from.columns[static_cast<size_t>(p)].meta.name);
    return context->NotFound(name.position, WrittenWidth(name),
                             "no column " + Written(name) + " in " + range.description +
                                 DidYouMean(Suggest(name.name, candidates)));
  }

  // Nowhere: say where we looked (the innermost FROM clause) and what is close.
  const FromScope* innermost = scope.from;
  if (!qualifier.empty()) {
    std::vector<std::string> candidates;
    for (const BlockScope* block = &scope; block != nullptr; block = block->outer) {
      if (block->from == nullptr) continue;
      for (const Range& r : block->from->ranges) candidates.push_back(r.name);
    }
    return context->NotFound(qualifier[0].position, WrittenWidth(qualifier[0]),
                             "no table " + Written(qualifier) + " in the FROM clause" +
                                 DidYouMean(Suggest(qualifier.back().name, candidates)));
  }
  std::vector<std::string> candidates;
  for (const BlockScope* block = &scope; block != nullptr; block = block->outer) {
    if (block->from == nullptr) continue;
    for (const ScopeColumn& c : block->from->columns) {
      if (!c.merged) candidates.push_back(c.meta.name);
    }
  }
  std::vector<std::string> where;
  if (innermost != nullptr) {
    for (const Range& r : innermost->ranges) where.push_back(r.description);
  }
  std::string message = "no column " + Written(name);
  if (!where.empty()) message += " in " + JoinDescriptions(std::move(where));
  return context->NotFound(name.position, WrittenWidth(name),
                           message + DidYouMean(Suggest(name.name, candidates)));
}

Result<std::vector<int>> ResolveStar(BindContext* context, const FromScope& from,
                                     const ast::QualifiedName& qualifier) {
  std::vector<int> ranges = MatchingRanges(from, qualifier);
  if (ranges.size() > 1) {
    return context->Invalid(qualifier[0].position, WrittenWidth(qualifier[0]),
                            "table reference " + Written(qualifier) +
                                " is ambiguous: several tables in FROM have this name; give them "
                                "aliases");
  }
  if (ranges.empty()) {
    std::vector<std::string> candidates;
    for (const Range& r : from.ranges) candidates.push_back(r.name);
    return context->NotFound(qualifier[0].position, WrittenWidth(qualifier[0]),
                             "no table " + Written(qualifier) + " in the FROM clause" +
                                 DidYouMean(Suggest(qualifier.back().name, candidates)));
  }
  return from.ranges[static_cast<size_t>(ranges[0])].columns;
}

}  // namespace skyshard::adql::internal
