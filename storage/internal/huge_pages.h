// Advice that a large buffer be backed by transparent huge pages. Internal to storage/.
//
// The loader's sort buffers are gigabytes visited at random (the sort, the merge of memory
// runs): with 4 KiB pages nearly every record costs a TLB miss and a page walk, and every page
// its own fault. At full size (110 M rows) huge pages cut a FITS load's user CPU by 15%
// (docs/benchmarks.md). Only advice: where transparent huge pages are off, nothing changes.
//
// Thread safety: a pure function.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace skyshard::internal {

// Advises huge pages for the whole 2 MiB pages inside [p, p + n).
inline void AdviseHugePages(const void* p, size_t n) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace skyshard::internal
