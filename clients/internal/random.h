// The deterministic random numbers behind `skyshard gen dp02`: a xoshiro256** generator seeded
// through SplitMix64, with uniform and normal draws, and StreamSeed, which gives every purpose
// and every object its own independent stream. Internal to clients/.
//
// The standard distributions are implementation-defined (libstdc++ and libc++ give different
// normals for the same engine), so everything is built here, on our own generator and
// Box-Muller, to keep a seed's output stable across toolchains. Changing any value produced
// here changes every generated release.
//
// Thread safety: the free functions are pure. An Rng is a plain value with no shared state;
// one thread at a time per Rng.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace skyshard::gen_internal {

// Stream ids for StreamSeed, one per purpose.
inline constexpr uint64_t kStreamObject = 1;
inline constexpr uint64_t kStreamClusters = 2;
inline constexpr uint64_t kStreamVisits = 3;

// Advances `state` and returns the next SplitMix64 output.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Seed of an independent stream per (seed, purpose, index): an object's values depend only on
// the seed and its index, never on chunking or on what was generated before it.
inline uint64_t StreamSeed(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t s = seed;
  uint64_t a = SplitMix64(&s);
  s = a ^ (stream * 0xD1B54A32D192ED03ULL);
  uint64_t b = SplitMix64(&s);
  s = b + index;
  return SplitMix64(&s);
}

// xoshiro256** with the draws the generator needs.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : state_) word = SplitMix64(&seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform in [0, n); the modulo bias is irrelevant at these n. REQUIRES: n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  bool Chance(double p) { return Uniform() < p; }

  // Standard normal by Box-Muller; the second value of each pair is kept for the next call.
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - Uniform();  // (0, 1]: log stays finite
    const double u2 = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::array<uint64_t, 4> state_{};
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace skyshard::gen_internal
