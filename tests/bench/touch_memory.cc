// Host memory probe for the benchmark reports: how fast this machine hands out memory touched
// for the first time. Maps MIB MiB of new anonymous memory (huge pages advised, as the loader's
// buffers are), writes one byte to each 4 KiB page, unmaps it, and does the same again at once.
// Prints both rates in GB/s: "FIRST AGAIN".
//
// On a virtual machine whose guest reports its free memory to the host (virtio-balloon free
// page reporting: free 2 MiB blocks, a couple of seconds after they were freed), the host takes
// those pages back, and each one touched again costs a host fault and zeroing besides the
// guest kernel's zeroing: FIRST is that price when the memory was freed long enough ago. AGAIN
// touches the pages FIRST just freed, before they are reported: the guest's own zeroing alone.
// On the benchmark machine FIRST was 0.25-0.8 GB/s and AGAIN 3.6-9.9 GB/s on one day
// (docs/benchmarks.md). A load's new memory mostly costs FIRST; bench_load.sh prints both
// before each load, so that runs of different days can be told apart by their hosts.
//
// Usage: touch_memory [MIB]   (default 2048)
#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// Maps `bytes` of new memory, writes a byte to each page, unmaps it: returns GB/s, or < 0.
double TouchOnce(size_t bytes) {
  void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return -1;
  auto* p = static_cast<volatile char*>(map);
  ::madvise(map, bytes, MADV_HUGEPAGE);  // best effort, as for the loader
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::munmap(map, bytes);
  return static_cast<double>(bytes) / secs / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const long mib = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 2048;
  if (mib <= 0) {
    std::fprintf(stderr, "usage: touch_memory [MIB], MIB > 0\n");
    return 2;
  }
  const size_t bytes = static_cast<size_t>(mib) << 20;
  const double first = TouchOnce(bytes);
  const double again = first < 0 ? first : TouchOnce(bytes);
  if (first < 0 || again < 0) {
    std::fprintf(stderr, "touch_memory: cannot map %ld MiB: %s\n", mib, std::strerror(errno));
    return 1;
  }
  std::printf("%.2f %.2f\n", first, again);
  return 0;
}
