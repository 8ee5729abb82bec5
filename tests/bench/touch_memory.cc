// Host memory probe for the benchmark reports: how fast this machine hands out memory touched
// for the first time. Maps MIB MiB of new anonymous memory (huge pages advised, as the loader's
// buffers are), writes one byte to each 4 KiB page, and prints the rate in GB/s.
//
// On a virtual machine whose host takes back the pages the guest frees (free page reporting),
// each such page costs a host fault as well as the guest kernel's zeroing, and the rate moves
// from hour to hour with the host's load: bench_load.sh prints it before each load, so that
// runs of different days can be told apart by their hosts (docs/benchmarks.md).
//
// Usage: touch_memory [MIB]   (default 2048)
#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  const long mib = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 2048;
  if (mib <= 0) {
    std::fprintf(stderr, "usage: touch_memory [MIB], MIB > 0\n");
    return 2;
  }
  const size_t bytes = static_cast<size_t>(mib) << 20;
  void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) {
    std::fprintf(stderr, "touch_memory: cannot map %ld MiB: %s\n", mib, std::strerror(errno));
    return 1;
  }
  auto* p = static_cast<volatile char*>(map);
  ::madvise(map, bytes, MADV_HUGEPAGE);  // best effort, as for the loader
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::munmap(map, bytes);
  std::printf("%.2f\n", static_cast<double>(bytes) / secs / 1e9);
  return 0;
}
