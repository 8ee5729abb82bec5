#include "adql/binder/internal/names.h"

#include <algorithm>
#include <limits>

#include "common/ascii.h"

namespace skyshard::adql::internal {

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Names that share a long beginning with `lower` (a lower-case name): the same stem with another
// ending, as psfMag for psfFlux. Those with the longest common prefix (at least 3 characters and
// half the name), the shortest first.
std::vector<std::string> SuggestByPrefix(const std::string& lower,
                                         const std::vector<std::string>& candidates) {
  size_t best_prefix = std::max<size_t>(3, (lower.size() + 1) / 2);
  size_t best_length = std::numeric_limits<size_t>::max();
  std::vector<std::string> out;
  for (const std::string& candidate : candidates) {
    size_t prefix = 0;
    while (prefix < lower.size() && prefix < candidate.size() &&
           AsciiLower(candidate[prefix]) == lower[prefix]) {
      ++prefix;
    }
    if (prefix < best_prefix) continue;
    if (prefix > best_prefix || candidate.size() < best_length) {
      best_prefix = prefix;
      best_length = candidate.size();
      out.clear();
    }
    if (candidate.size() == best_length &&
        std::find(out.begin(), out.end(), candidate) == out.end()) {
      out.push_back(candidate);
    }
  }
  return out;
}

}  // namespace

bool NameMatches(const ast::Identifier& name, std::string_view declared) {
  return name.delimited ? name.name == declared : EqualsIgnoreCase(name.name, declared);
}

std::string Written(const ast::Identifier& name) {
  if (!name.delimited) return name.name;
  std::string out = "\"";
  for (char c : name.name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string Written(const ast::QualifiedName& name) {
  std::string out;
  for (const ast::Identifier& part : name) {
    if (!out.empty()) out += '.';
    out += Written(part);
  }
  return out;
}

size_t WrittenWidth(const ast::Identifier& name) {
  return std::max<size_t>(1, CodePoints(Written(name)));
}

std::vector<std::string> Suggest(std::string_view name,
                                 const std::vector<std::string>& candidates) {
  const std::string lower = AsciiLower(name);
  // A misspelling of a few characters, in proportion to the name's length (as the function
  // registry's suggestions).
  const size_t max_distance = std::clamp<size_t>(lower.size() / 4, 1, 3);
  size_t best = std::numeric_limits<size_t>::max();
  std::vector<std::string> out;
  for (const std::string& candidate : candidates) {
    // Very long candidates cannot be close; skip the quadratic work.
    if (candidate.size() > lower.size() + max_distance ||
        lower.size() > candidate.size() + max_distance) {
      continue;
    }
    const size_t d = EditDistance(lower, AsciiLower(candidate));
    // A name as long as the distance is a different name, not a misspelling ("x" vs "o").
    if (d > max_distance || d > best || (d > 0 && d >= lower.size())) continue;
    if (d < best) {
      best = d;
      out.clear();
    }
    if (std::find(out.begin(), out.end(), candidate) == out.end()) out.push_back(candidate);
  }
  if (out.empty()) out = SuggestByPrefix(lower, candidates);
  if (out.size() > 3) out.resize(3);
  return out;
}

std::string DidYouMean(const std::vector<std::string>& suggestions) {
  if (suggestions.empty()) return {};
  std::string out = "; did you mean ";
  for (size_t i = 0; i < suggestions.size(); ++i) {
    if (i > 0) out += (i + 1 == suggestions.size()) ? " or " : ", ";
    out += suggestions[i];
  }
  return out + "?";
}

}  // namespace skyshard::adql::internal
