#include "votable/internal/utf8.h"

#include <algorithm>

namespace skyshard::votable_internal {

int32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const size_t p = *pos;
  const uint8_t b0 = byte(p);
  if (b0 < 0x80) {
    *pos = p + 1;
    return b0;
  }
  size_t len;
  int32_t cp;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    *pos = p + 1;
    return -1;
  }
  if (p + len > s.size()) {
    *pos = p + 1;
    return -1;
  }
  for (size_t i = 1; i < len; ++i) {
    const uint8_t b = byte(p + i);
    if ((b & 0xC0) != 0x80) {
      *pos = p + 1;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8 (RFC 3629).
  if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    *pos = p + 1;
    return -1;
  }
  *pos = p + len;
  return cp;
}

bool IsValidUtf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (static_cast<uint8_t>(s[pos]) < 0x80) {
      ++pos;
    } else if (DecodeUtf8(s, &pos) < 0) {
      return false;
    }
  }
  return true;
}

size_t Utf16Length(std::string_view s) {
  size_t n = 0;
  for (char ch : s) {
    const auto c = static_cast<uint8_t>(ch);
    if ((c & 0xC0) != 0x80) ++n;  // a code point starts here
    if (c >= 0xF0) ++n;           // and needs a surrogate pair
  }
  return n;
}

void AppendUtf16BigEndian(std::string_view s, std::string* out) {
  // ASCII (nearly every catalog string: bands, flags, names) is one zero byte before each byte.
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<uint8_t>(c) < 0x80; })) {
    const size_t at = out->size();
    out->resize(at + 2 * s.size());
    char* p = out->data() + at;
    for (char c : s) {
      p[0] = '\0';
      p[1] = c;
      p += 2;
    }
    return;
  }
  const auto unit = [out](uint32_t u) {
    out->push_back(static_cast<char>(u >> 8));
    out->push_back(static_cast<char>(u & 0xFF));
  };
  size_t pos = 0;
  while (pos < s.size()) {
    const auto cp = static_cast<uint32_t>(DecodeUtf8(s, &pos));
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10));
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      unit(cp);
    }
  }
}

std::string_view ValidUtf8(std::string_view s, std::string* scratch) {
  if (IsValidUtf8(s)) return s;
  scratch->clear();
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t start = pos;
    if (DecodeUtf8(s, &pos) < 0) {
      scratch->append(kReplacementCharacter);
    } else {
      scratch->append(s.substr(start, pos - start));
    }
  }
  return *scratch;
}

}  // namespace skyshard::votable_internal
