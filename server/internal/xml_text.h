// Small helpers for the XML documents the server writes (UWS, VOSI, capabilities) and for the
// ISO 8601 instants UWS uses.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace skyshard::server {

// Appends `text` escaped for XML element content and attribute values (& < > " '), with
// characters XML 1.0 cannot carry (C0 controls but TAB, LF, CR) replaced by U+FFFD.
void AppendXml(std::string_view text, std::string* out);
std::string XmlEscape(std::string_view text);

using SystemTime = std::chrono::system_clock::time_point;

// "2024-05-01T12:34:56.789Z" (UTC, milliseconds), as UWS 1.1 section 2.2.1 requires.
std::string FormatIsoTime(SystemTime t);

// Parses an ISO 8601 UTC instant: "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z]". Returns InvalidArgument
// naming `what` otherwise.
Result<SystemTime> ParseIsoTime(std::string_view text, std::string_view what);

}  // namespace skyshard::server
