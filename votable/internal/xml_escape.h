// Escaping text for the VOTable writers' XML 1.0 output.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace skyshard::votable_internal {

// Appends `text` to *out so that an XML 1.0 parser reads back exactly `text`: '&' and '<'
// become entities ('>' too, so "]]>" cannot appear), CR becomes &#13; (parsers would turn it
// into LF), and in attribute values (`attribute` true, delimited by '"') also '"', TAB and LF
// become references (attribute-value normalization would turn them into spaces). Characters
// XML 1.0 cannot carry at all (C0 controls other than TAB, LF, CR; U+FFFE, U+FFFF) and bytes
// that are not UTF-8 become U+FFFD.
void AppendXmlEscaped(std::string_view text, bool attribute, std::string* out);

}  // namespace skyshard::votable_internal
