#include "indexing/index_ranges.h"

#include <algorithm>

namespace skyshard {

std::vector<IndexRange> UnionRanges(const std::vector<IndexRange>& a,
                                    const std::vector<IndexRange>& b) {
  std::vector<IndexRange> all;
  all.reserve(a.size() + b.size());
  std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(all),
             [](const IndexRange& x, const IndexRange& y) { return x.begin < y.begin; });
  std::vector<IndexRange> out;
  for (const IndexRange& r : all) {
    if (r.begin >= r.end) continue;
    if (!out.empty() && r.begin <= out.back().end) {
      out.back().end = std::max(out.back().end, r.end);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::vector<IndexRange> IntersectRanges(const std::vector<IndexRange>& a,
                                        const std::vector<IndexRange>& b) {
  std::vector<IndexRange> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const uint64_t begin = std::max(a[i].begin, b[j].begin);
    const uint64_t end = std::min(a[i].end, b[j].end);
    if (begin < end) out.push_back({begin, end});
    if (a[i].end < b[j].end) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

}  // namespace skyshard
