// UTF-8 decoding for the writers: every text skyshard emits is valid UTF-8, so byte sequences
// that are not (stray continuation bytes, overlong forms, surrogates, truncated sequences) are
// replaced by U+FFFD, one replacement per offending byte.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace skyshard::votable_internal {

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Decodes the code point starting at s[*pos] and advances *pos past it. Returns -1 (advancing by
// one byte) when the bytes there are not valid UTF-8.
// REQUIRES: *pos < s.size().
int32_t DecodeUtf8(std::string_view s, size_t* pos);

// True when `s` is entirely valid UTF-8.
bool IsValidUtf8(std::string_view s);

// The number of UTF-16 code units of `s`: one per code point, two for those beyond U+FFFF.
// REQUIRES: IsValidUtf8(s).
size_t Utf16Length(std::string_view s);

// Appends `s` as big-endian UTF-16 (surrogate pairs beyond U+FFFF).
// REQUIRES: IsValidUtf8(s).
void AppendUtf16BigEndian(std::string_view s, std::string* out);

// Returns `s` itself when it is valid UTF-8, else a copy in *scratch with every invalid byte
// replaced by U+FFFD. The result lives as long as `s` and *scratch.
std::string_view ValidUtf8(std::string_view s, std::string* scratch);

}  // namespace skyshard::votable_internal
