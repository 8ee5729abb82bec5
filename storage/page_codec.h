// Page codec: the columnar encoding of a run of consecutive rows of one table, the value of a
// row-space key in store format 3 (docs/storage.md, "Pages").
//
// A page holds n >= 1 rows in key order: the row count, the key components of every row as
// arrays (spatial hpx, pk; child parent_hpx, parent_pk, pk; plain pk: n x 8 bytes each,
// little-endian), a directory with the end offset of every column's section, then per column
// a flags byte, an optional NULL bitmap and the values as one array (fixed-width types) or
// offsets plus bytes (strings). Columns carried by the key (the integer primary key, a child's
// parent key) keep only their NULL bitmap; their values are the key arrays'.
//
// EncodePage writes a page from rows held in a ColumnBatch, or in PageColumns, which hold them
// in the page's own value layout (the loader's packer fills those from run records). PageView
// reads one in place: Parse checks the header, the directory and every column section's size;
// DecodeColumn then copies a slice of one column's rows into a ColumnVector, checking each
// string offset as it goes. A damaged page is Corruption, never an out-of-bounds read. Key
// order inside a page is not checked (an O(rows) pass that cost point reads 10%; keys out of
// order can only make a binary search land on the wrong rows, never outside the page, and
// RocksDB's block checksums catch damage first); the store checks that the last row's key is
// the page's RocksDB key.
//
// Keys are compared as "ordered" u64 values: the big-endian u64 of the key bytes, which is the
// value itself for hpx and the value with its sign bit flipped for signed components
// (storage/internal/keys.h). KeyOrder returns that form, so a bound taken from a RocksDB key
// with keys::GetU64 compares directly.
//
// Thread safety: PageLayout is immutable and may be shared; a PageView belongs to one thread
// and reads memory that must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/column_batch.h"
#include "common/status.h"
#include "common/types.h"
#include "storage/catalog.h"

namespace skyshard {

// What the page codec needs of a table.
struct PageLayout {
  std::vector<ColumnType> types;  // every table column, in catalog order
  // Per column: the key component that carries its value, or -1 when the page stores it.
  std::vector<int> key_component;
  // Key components per row (1 plain, 2 spatial, 3 child) and which of them are signed.
  size_t key_components = 1;
  std::vector<bool> key_signed;

  // The layout of `table`'s rows (its kind decides the key, keys::KeyColumnOffsets the
  // carried columns).
  static PageLayout ForTable(const TableDef& table);
};

// Appends the page of rows [0, n) of `rows` (column i = table column i, of layout.types) to
// `out`. `key_order` holds n x layout.key_components ordered key values, row after row.
// REQUIRES: n >= 1; keys strictly increasing; a key-carried column, where not NULL, equals its
// key component.
void EncodePage(const PageLayout& layout, const uint64_t* key_order, const ColumnBatch& rows,
                size_t n, std::string* out);

// The columns of a page being filled row by row, each in the page's own value layout, so that
// writing the page copies arrays: fixed-width values at their width in the page, little-endian,
// a NULL one as zeros; strings as their bytes one after the other and where each ends. Columns
// carried by the key keep only their NULL flags.
struct PageColumns {
  struct Column {
    size_t width = 0;            // bytes of a fixed-width value; 0 for a string column
    std::string values;          // fixed: value i at i x width; strings: every value's bytes
    std::vector<uint32_t> ends;  // strings: where value i ends in `values`
  };
  std::vector<Column> columns;  // every table column, of PageLayout::types
  // The NULL flags, as run records hold them: byte g of row i (at i x groups + g) has bit b
  // set when column 8g + b is NULL in row i. One store per 8 columns a row.
  size_t groups = 0;
  std::vector<uint8_t> masks;

  // Sizes the columns of `layout` for up to `max_rows` rows, strings empty.
  void Reset(const PageLayout& layout, size_t max_rows);
  // Empties the strings, for the next page.
  void ClearStrings();
};

// EncodePage from the first n rows of `columns`, the same bytes as from a ColumnBatch of the
// same values.
// REQUIRES: as above; `columns` was Reset for `layout` and at least n rows.
void EncodePage(const PageLayout& layout, const uint64_t* key_order, const PageColumns& columns,
                size_t n, std::string* out);

class PageView {
 public:
  // Parses `page` (which must outlive the view and stay unchanged while it is used): its
  // header, its whole column directory, and the sections of `columns` (every column when null;
  // a scan reading 1 of Object's 43 columns checks and touches that one). Returns Corruption,
  // with what is wrong and where, when the header, the directory or a parsed section is not
  // what the layout allows; the view is then unusable.
  // REQUIRES: layout outlives the view; layout.key_components <= 3; columns, when given, are
  // column numbers of the layout.
  Status Parse(const PageLayout* layout, std::string_view page,
               const std::vector<int>* columns = nullptr);

  size_t rows() const { return rows_; }

  // The ordered value of key component `c` of row `i`. REQUIRES: c < key_components, i < rows.
  uint64_t KeyOrder(size_t c, size_t i) const;

  // The first row in [from, rows) whose first `k` key components are >= `tuple` (ordered),
  // or rows when none is; UpperBound the first whose first k components are > tuple.
  // REQUIRES: 1 <= k <= key_components, from <= rows.
  size_t LowerBound(const uint64_t* tuple, size_t k, size_t from) const;
  size_t UpperBound(const uint64_t* tuple, size_t k, size_t from) const;

  // Asks the CPU to fetch the memory of row `row` of table column `column` ahead of a
  // DecodeColumn that starts there (a point read touches one cache line a column).
  // REQUIRES: a successful Parse that parsed `column`; row < rows.
  void Prefetch(size_t column, size_t row) const;

  // Writes rows [begin, end) of table column `column` into rows [at, at + end - begin) of
  // `out`, which has the column's type and at least that many rows. Corruption when a string
  // offset is out of order or out of bounds (out's rows are then unspecified).
  // REQUIRES: a successful Parse that parsed `column`; begin <= end <= rows.
  Status DecodeColumn(size_t column, size_t begin, size_t end, ColumnVector* out, size_t at) const;

 private:
  struct Section {
    const char* nulls = nullptr;   // the NULL bitmap, or null when the column has no NULL
    const char* values = nullptr;  // fixed-width array, or the string offsets
    const char* bytes = nullptr;   // strings: the bytes the offsets point into
    uint32_t bytes_size = 0;
  };

  int Compare(size_t i, const uint64_t* tuple, size_t k) const;
  uint32_t SectionStart(size_t column) const;
  // Checks section `column` against the layout and records where its parts are.
  Status ParseSection(size_t column);

  const PageLayout* layout_ = nullptr;
  size_t rows_ = 0;
  const char* keys_ = nullptr;       // key_components arrays of rows_ x 8 bytes
  uint64_t flip_[3] = {0, 0, 0};     // per key component: what turns its value into its order
  const char* directory_ = nullptr;  // u32 section ends, one per column
  const char* area_ = nullptr;       // the sections
  size_t area_size_ = 0;
  std::vector<Section> sections_;
  std::vector<uint8_t> parsed_;  // per column: whether its section was checked (Parse)
};

}  // namespace skyshard
