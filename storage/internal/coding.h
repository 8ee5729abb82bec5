// Value coding shared by the row and page encodings (docs/storage.md): fixed-width values in the
// host's (little-endian) byte order, and varint32 lengths (unsigned LEB128: 7 bits a byte, low
// group first, high bit set on every byte but the last; at most 5 bytes).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace skyshard::internal {

// Appends the bytes of `v` as the host stores them (little-endian: the row and page codecs
// check the host's byte order).
template <typename T>
void AppendRaw(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

inline void AppendVarint32(std::string* out, uint32_t v) {
  char buf[5];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

// Reads one varint32 from the front of *in and drops it. False when *in ends first or the value
// does not fit 5 bytes (*in is then unspecified).
inline bool ReadVarint32(std::string_view* in, uint32_t* v) {
  uint32_t result = 0;
  for (int shift = 0; shift <= 28 && !in->empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

}  // namespace skyshard::internal
