#include "adql/exec/internal/spatial_neighbourhood.h"

#include <algorithm>
#include <array>
#include <utility>

#include "indexing/disc_pixels.h"

namespace skyshard::adql::exec {
namespace {

// Half-open intervals of pixel numbers at the margin order, sorted, disjoint, none touching.
using PixelIntervals = std::vector<std::pair<uint64_t, uint64_t>>;

// Whether every pixel of [lo, hi) lies in `in`.
bool Covered(const PixelIntervals& in, uint64_t lo, uint64_t hi) {
  auto it = std::upper_bound(in.begin(), in.end(), lo,
                             [](uint64_t v, const auto& iv) { return v < iv.first; });
  if (it == in.begin()) return false;
  --it;
  return it->first <= lo && hi <= it->second;
}

}  // namespace

std::vector<IndexRange> PartitionNeighbourhood(int order, const std::vector<IndexRange>& ranges) {
  if (order < 0 || order > kMaxDiscPixelOrder) return {{0, kIndexPixels}};
  const int shift = 2 * (kIndexOrder - order);
  // The pixels overlapping `ranges`, as merged intervals.
  PixelIntervals in;
  for (const IndexRange& r : ranges) {
    const uint64_t end = std::min(r.end, kIndexPixels);
    if (r.begin >= end) continue;
    const uint64_t lo = r.begin >> shift, hi = ((end - 1) >> shift) + 1;
    if (!in.empty() && in.back().second >= lo) {
      in.back().second = std::max(in.back().second, hi);
    } else {
      in.emplace_back(lo, hi);
    }
  }
  // A pixel outside `in` is in the neighbourhood when it touches a pixel P of `in`. Every such
  // pixel touches the block (an aligned pixel at a coarser order j) that holds P, and so lies in
  // that block's order-j neighbours: a block whose neighbours are all in `in` has no outside
  // neighbour at any finer order. So only blocks along the edge are split, down to the margin
  // order, where the outside neighbours are listed.
  std::vector<uint64_t> outside;
  std::vector<std::pair<int, uint64_t>> stack;  // (order j, pixel at j)
  std::array<uint64_t, 8> near{};
  for (const auto& [lo, hi] : in) {
    for (uint64_t p = lo; p < hi;) {
      int k = 0;  // the block holds 4^k pixels at the margin order
      while (k < order && p % (uint64_t{4} << (2 * k)) == 0 && p + (uint64_t{4} << (2 * k)) <= hi) {
        ++k;
      }
      stack.emplace_back(order - k, p >> (2 * k));
      p += uint64_t{1} << (2 * k);
    }
  }
  while (!stack.empty()) {
    const auto [j, block] = stack.back();
    stack.pop_back();
    const int n = NeighbourPixels(j, block, &near);
    const int down = 2 * (order - j);
    bool edge = false;
    for (int i = 0; i < n; ++i) {
      const uint64_t q = near[static_cast<size_t>(i)];
      if (Covered(in, q << down, (q + 1) << down)) continue;
      edge = true;
      if (j == order) outside.push_back(q);
    }
    if (!edge || j == order) continue;
    for (uint64_t c = 0; c < 4; ++c) stack.emplace_back(j + 1, 4 * block + c);
  }
  std::sort(outside.begin(), outside.end());
  outside.erase(std::unique(outside.begin(), outside.end()), outside.end());
  // `in` and `outside` (disjoint) merged into ranges.
  std::vector<IndexRange> out;
  auto add = [&](uint64_t lo, uint64_t hi) {
    if (!out.empty() && out.back().end == lo << shift) {
      out.back().end = hi << shift;
    } else {
      out.push_back({lo << shift, hi << shift});
    }
  };
  size_t o = 0;
  for (const auto& [lo, hi] : in) {
    for (; o < outside.size() && outside[o] < lo; ++o) add(outside[o], outside[o] + 1);
    add(lo, hi);
  }
  for (; o < outside.size(); ++o) add(outside[o], outside[o] + 1);
  return out;
}

}  // namespace skyshard::adql::exec
