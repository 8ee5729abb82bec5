// Base64 (RFC 4648 section 4) for the STREAM element of BINARY and BINARY2 VOTables, written
// in lines of 76 characters so that a stream can be encoded piece by piece.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace skyshard::votable_internal {

// Raw bytes per output line: 57 bytes give 76 characters, the MIME line length.
inline constexpr size_t kBase64LineBytes = 57;

// Appends the encoding of the longest prefix of `raw` made of whole lines, each followed by
// '\n', and returns that prefix's length. With `final`, encodes all of `raw`, the last line
// padded with '='. Encoding the pieces of a stream this way gives the same text as encoding
// the whole stream at once, because every non-final piece is a multiple of 3 bytes.
size_t AppendBase64Lines(std::string_view raw, bool final, std::string* out);

}  // namespace skyshard::votable_internal
