// The text UDFs of the IVOA catalogue: ivo_hasword, ivo_nocasematch, ivo_hashlist_has and the
// sexagesimal parsers. Case folding is ASCII only: the catalogue asks for ASCII at least, and a
// byte-wise fold never splits a UTF-8 sequence.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adql/functions/udf_math.h"

namespace skyshard::adql::udf {
namespace {

char FoldAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsFolded(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (FoldAscii(a[i]) != FoldAscii(b[i])) return false;
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Letters and digits, and every byte of a UTF-8 multi-byte sequence (so that "Ångström" is one
// word).
bool IsWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsWordByte(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && IsWordByte(text[i])) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

// Bytes of the UTF-8 character starting at text[i] (1 for a stray continuation byte), at most
// what is left.
size_t CharLength(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t n = 1;
  if (lead >= 0xF0) {
    n = 4;
  } else if (lead >= 0xE0) {
    n = 3;
  } else if (lead >= 0xC0) {
    n = 2;
  }
  return std::min(n, text.size() - i);
}

// SQL LIKE without an escape character: '%' matches any run of characters, '_' one character.
// Greedy with a single backtrack point (the last '%'), which is exact for these two wildcards
// and linear in the common cases; worst case O(|value| * |pattern|).
bool LikeFolded(std::string_view value, std::string_view pattern) {
  size_t v = 0;
  size_t p = 0;
  size_t star_p = std::string_view::npos;  // pattern position after the last '%'
  size_t star_v = 0;                       // value position that '%' was last extended to
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = ++p;
      star_v = v;
    } else if (p < pattern.size() && pattern[p] == '_') {
      v += CharLength(value, v);
      ++p;
    } else if (p < pattern.size() && FoldAscii(pattern[p]) == FoldAscii(value[v])) {
      ++v;
      ++p;
    } else if (star_p != std::string_view::npos) {
      star_v += CharLength(value, star_v);
      v = star_v;
      p = star_p;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

// Reads 1 to 9 digits at s[*i] as an integer.
bool ReadInt(std::string_view s, size_t* i, int64_t* out) {
  const size_t start = *i;
  int64_t v = 0;
  while (*i < s.size() && IsDigit(s[*i]) && *i - start < 9) v = v * 10 + (s[(*i)++] - '0');
  if (*i == start || (*i < s.size() && IsDigit(s[*i]))) return false;
  *out = v;
  return true;
}

// Reads digits with an optional fraction ("45", "45.4", "45.") at s[*i].
bool ReadDecimal(std::string_view s, size_t* i, double* out) {
  const size_t start = *i;
  while (*i < s.size() && IsDigit(s[*i])) ++(*i);
  const size_t int_end = *i;
  if (*i < s.size() && s[*i] == '.') {
    ++(*i);
    while (*i < s.size() && IsDigit(s[*i])) ++(*i);
  }
  if (int_end == start) return false;  // no leading digit
  const std::string text(s.substr(start, *i - start));
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

// Parses "A:M:S", "A<unit>M<m>S[<s>]" (letters in either case) or "AAMMSS[.s]" into
// A + M/60 + S/3600, where A is hours or degrees (`unit` 'h' or 'd'). NULL if unparsable or
// M or S >= 60.
OptDouble ParseSexagesimal(std::string_view s, char unit) {
  size_t i = 0;
  int64_t head = 0;
  int64_t minutes = 0;
  double seconds = 0;
  if (s.find(':') != std::string_view::npos) {
    if (!ReadInt(s, &i, &head) || i >= s.size() || s[i++] != ':' || !ReadInt(s, &i, &minutes) ||
        i >= s.size() || s[i++] != ':' || !ReadDecimal(s, &i, &seconds) || i != s.size()) {
      return std::nullopt;
    }
  } else if (s.find_first_of(std::string{unit, static_cast<char>(unit - 'a' + 'A')}) !=
             std::string_view::npos) {
    if (!ReadInt(s, &i, &head) || i >= s.size() || FoldAscii(s[i++]) != unit ||
        !ReadInt(s, &i, &minutes) || i >= s.size() || FoldAscii(s[i++]) != 'm' ||
        !ReadDecimal(s, &i, &seconds)) {
      return std::nullopt;
    }
    if (i < s.size() && FoldAscii(s[i]) == 's') ++i;
    if (i != s.size()) return std::nullopt;
  } else {
    // Compact: the last four digits before the fraction are minutes and seconds.
    size_t digits = 0;
    while (digits < s.size() && IsDigit(s[digits])) ++digits;
    if (digits < 6 || digits > 13) return std::nullopt;
    const size_t head_len = digits - 4;
    if (!ReadInt(s.substr(0, head_len), &i, &head)) return std::nullopt;
    size_t j = 0;
    if (!ReadInt(s.substr(head_len, 2), &j, &minutes)) return std::nullopt;
    i = head_len + 2;
    if (!ReadDecimal(s, &i, &seconds) || i != s.size()) return std::nullopt;
  }
  if (minutes >= 60 || seconds >= 60.0) return std::nullopt;
  return static_cast<double>(head) + static_cast<double>(minutes) / 60.0 + seconds / 3600.0;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

OptInt HasWord(OptText haystack, OptText needle) {
  if (!haystack || !needle) return std::nullopt;
  const std::vector<std::string_view> wanted = Words(*needle);
  if (wanted.empty()) return 0;
  const std::vector<std::string_view> present = Words(*haystack);
  for (std::string_view w : wanted) {
    bool found = false;
    for (std::string_view h : present) {
      if (EqualsFolded(w, h)) {
        found = true;
        break;
      }
    }
    if (!found) return 0;
  }
  return 1;
}

OptInt NoCaseMatch(OptText value, OptText pattern) {
  if (!value || !pattern) return std::nullopt;
  return LikeFolded(*value, *pattern) ? 1 : 0;
}

OptInt HashlistHas(OptText hashlist, OptText item) {
  if (!hashlist || !item) return std::nullopt;
  if (item->find('#') != std::string_view::npos) return 0;
  std::string_view rest = *hashlist;
  while (true) {
    const size_t hash = rest.find('#');
    if (EqualsFolded(rest.substr(0, hash), *item)) return 1;
    if (hash == std::string_view::npos) return 0;
    rest.remove_prefix(hash + 1);
  }
}

OptDouble HmsToDegrees(OptText hms) {
  if (!hms) return std::nullopt;
  const OptDouble hours = ParseSexagesimal(TrimSpaces(*hms), 'h');
  if (!hours) return std::nullopt;
  return *hours * 15.0;
}

OptDouble DmsToDegrees(OptText dms) {
  if (!dms) return std::nullopt;
  std::string_view s = TrimSpaces(*dms);
  double sign = 1.0;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    if (s.front() == '-') sign = -1.0;
    s.remove_prefix(1);
  }
  const OptDouble degrees = ParseSexagesimal(s, 'd');
  if (!degrees) return std::nullopt;
  return sign * *degrees;
}

}  // namespace skyshard::adql::udf
