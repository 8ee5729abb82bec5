#include "votable/internal/xml_escape.h"

#include <cstdint>

#include "votable/internal/utf8.h"

namespace skyshard::votable_internal {

void AppendXmlEscaped(std::string_view text, bool attribute, std::string* out) {
  size_t pos = 0;
  while (pos < text.size()) {
    // Copy the run of bytes that need no attention in one go.
    size_t run = pos;
    while (run < text.size()) {
      const auto c = static_cast<uint8_t>(text[run]);
      if (c < 0x20 || c >= 0x80 || c == '&' || c == '<' || c == '>' || c == '"') break;
      ++run;
    }
    out->append(text.substr(pos, run - pos));
    pos = run;
    if (pos == text.size()) break;
    const size_t start = pos;
    const int32_t cp = DecodeUtf8(text, &pos);
    switch (cp) {
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
        out->append(attribute ? "&quot;" : "\"");
        break;
      case '\r':
        out->append("&#13;");
        break;
      case '\t':
        out->append(attribute ? "&#9;" : "\t");
        break;
      case '\n':
        out->append(attribute ? "&#10;" : "\n");
        break;
      default:
        if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) {  // also -1: not UTF-8
          out->append(kReplacementCharacter);
        } else {
          out->append(text.substr(start, pos - start));
        }
    }
  }
}

}  // namespace skyshard::votable_internal
