// Key layout of a release's RocksDB store (docs/storage.md, "Keys"). Every key starts with a
// one-byte space tag; integers are big-endian so that byte order equals numeric order, and
// signed integers have their sign bit flipped for the same reason.
//
//   meta   0x00 name                                        -> bytes (catalog JSON, format)
//   rows   0x01 table_id:u32 hpx:u64 pk:i64                 spatial table row
//          0x01 table_id:u32 parent_hpx:u64 parent_pk:i64 pk:i64   child table row
//          0x01 table_id:u32 pk:i64                         plain table row
//          (format 3: the row space holds pages, each under the row key of its last row;
//          storage/page_codec.h)
//   index  0x02 table_id:u32 pk:i64                         -> spatial: hpx:u64
//                                                              child: parent_hpx:u64 parent_pk:i64
//
// Tables without an integer primary key use their load sequence number (u64) as pk.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/types.h"
#include "storage/catalog.h"

namespace skyshard::keys {

constexpr char kMetaSpace = 0x00;
constexpr char kRowSpace = 0x01;
constexpr char kIndexSpace = 0x02;

constexpr std::string_view kCatalogKey = std::string_view(
    "\x00"
    "catalog",
    8);
constexpr std::string_view kFormatKey = std::string_view(
    "\x00"
    "format",
    7);
constexpr int kFormatVersion = 3;

// The spatial key of a child row whose parent is missing (loaded only with --allow-orphans):
// past every valid order-29 index, so no cone ever reaches such rows.
constexpr uint64_t kOrphanHpx = ~uint64_t{0};

inline void PutU32(std::string* out, uint32_t v) {
  v = __builtin_bswap32(v);  // keys are big-endian; the host is little-endian (row_codec.cc)
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

inline void PutU64(std::string* out, uint64_t v) {
  v = __builtin_bswap64(v);
  char b[8];
  std::memcpy(b, &v, 8);
  out->append(b, 8);
}

// Signed integers are stored with the sign bit flipped so that -1 sorts before 0.
inline void PutI64(std::string* out, int64_t v) {
  PutU64(out, static_cast<uint64_t>(v) ^ (uint64_t{1} << 63));
}

inline uint64_t GetU64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

inline int64_t GetI64(const char* p) {
  return static_cast<int64_t>(GetU64(p) ^ (uint64_t{1} << 63));
}

// 0x01 table_id: the prefix of every row key of a table.
inline std::string RowPrefix(uint32_t table_id) {
  std::string k(1, kRowSpace);
  PutU32(&k, table_id);
  return k;
}

// 0x02 table_id: the prefix of every primary-key index entry of a table.
inline std::string IndexPrefix(uint32_t table_id) {
  std::string k(1, kIndexSpace);
  PutU32(&k, table_id);
  return k;
}

inline std::string IndexKey(uint32_t table_id, int64_t pk) {
  std::string k = IndexPrefix(table_id);
  PutI64(&k, pk);
  return k;
}

constexpr size_t kPrefixSize = 5;

// The smallest key strictly greater than every key starting with `prefix` (prefix + 1 at the
// last byte that is not 0xff). REQUIRES: prefix is not all 0xff.
inline std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<uint8_t>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
  return prefix;
}

// For each column of `table`, the byte offset in its row keys where the key carries the
// column's value (an i64 as above), or -1 when only the row value holds it. The key carries
// the integer primary key (last 8 bytes of every row key) and a child's parent key (after the
// parent's spatial index); the row codec leaves those out of the value.
inline std::vector<int> KeyColumnOffsets(const TableDef& table) {
  std::vector<int> offsets(table.columns.size(), -1);
  const int pk = table.primary_key.empty() ? -1 : table.ColumnIndex(table.primary_key);
  const bool integer_pk =
      pk >= 0 && IsIntegerLike(table.columns[static_cast<size_t>(pk)].type.type);
  switch (table.kind) {
    case TableKind::kPlain:
      if (integer_pk) offsets[static_cast<size_t>(pk)] = static_cast<int>(kPrefixSize);
      break;
    case TableKind::kSpatial:
      if (integer_pk) offsets[static_cast<size_t>(pk)] = static_cast<int>(kPrefixSize + 8);
      break;
    case TableKind::kChild: {
      const int parent = table.ColumnIndex(table.parent_key);
      if (parent >= 0) offsets[static_cast<size_t>(parent)] = static_cast<int>(kPrefixSize + 8);
      if (integer_pk) offsets[static_cast<size_t>(pk)] = static_cast<int>(kPrefixSize + 16);
      break;
    }
  }
  return offsets;
}

}  // namespace skyshard::keys
