// ASCII case folding for names (ADQL identifiers, table and column names, format names).
// ASCII only, on purpose: ADQL regular identifiers are ASCII, and locale-dependent folding
// would make the answer depend on the environment.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace skyshard {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// `s` with A-Z turned into a-z; every other byte unchanged.
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// True when `a` and `b` are equal but for the case of ASCII letters.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace skyshard
