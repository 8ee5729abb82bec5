#include "server/internal/xml_text.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "common/types.h"

namespace skyshard::server {

void AppendXml(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&apos;");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out->append("\xEF\xBF\xBD");
        } else {
          out->push_back(c);
        }
    }
  }
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  AppendXml(text, &out);
  return out;
}

std::string FormatIsoTime(SystemTime t) {
  const int64_t micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  const int64_t millis = micros >= 0 ? micros / 1000 : -((-micros + 999) / 1000);
  // FormatTimestamp gives "YYYY-MM-DDTHH:MM:SS[.ffffff]"; keep seconds and add milliseconds.
  std::string whole = FormatTimestamp((millis - ((millis % 1000) + 1000) % 1000) * 1000);
  const size_t dot = whole.find('.');
  if (dot != std::string::npos) whole.resize(dot);
  const int ms = static_cast<int>(((millis % 1000) + 1000) % 1000);
  char buf[8];
  std::snprintf(buf, sizeof buf, ".%03dZ", ms);
  return whole + buf;
}

Result<SystemTime> ParseIsoTime(std::string_view text, std::string_view what) {
  Result<int64_t> micros = ParseTimestamp(text);
  if (!micros.ok()) {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(text.substr(0, 64)) +
                                   "' is not an ISO 8601 UTC time such as "
                                   "2025-01-31T12:00:00Z");
  }
  // A system_clock time point counts nanoseconds in 64 bits (years 1678-2262): a time beyond
  // is clamped to its edge (callers cap such times anyway), rather than overflowing.
  constexpr int64_t kLimit = INT64_MAX / 1000 - 1;
  const int64_t clamped = std::clamp<int64_t>(*micros, -kLimit, kLimit);
  return SystemTime(
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(clamped)));
}

}  // namespace skyshard::server
