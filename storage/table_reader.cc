#include "storage/table_reader.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "storage/internal/csv_reader.h"
#include "storage/internal/fits_reader.h"

namespace skyshard {

namespace {

bool EndsWithNoCase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), s.end() - static_cast<ptrdiff_t>(suffix.size()),
                    [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b));
                    });
}

}  // namespace

Result<std::unique_ptr<TableReader>> OpenTableReader(const std::string& path) {
  if (EndsWithNoCase(path, ".csv")) return OpenCsvReader(path);
  for (std::string_view ext : {".fits", ".fit", ".fits.gz", ".fit.gz"}) {
    if (EndsWithNoCase(path, ext)) return OpenFitsReader(path);
  }
  return Status::InvalidArgument(path +
                                 ": unknown file type (expected a name ending in .csv, .fits, "
                                 ".fit or .fits.gz)");
}

}  // namespace skyshard
