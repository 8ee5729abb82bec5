// The sky model of `skyshard gen dp02`: where objects are. Positions are drawn from a mixture
// of a uniform sky, a galactic band and 300 clusters, never inside the empty regions that tests
// rely on; a few objects are placed on purpose at the poles and on both sides of RA 0. Also the
// small sphere geometry the generator needs, and the ring sky map behind tract and patch.
// Internal to clients/; the model is described in docs/demo-data.md.
//
// Angles are in degrees unless a name says otherwise.
//
// Thread safety: the free functions are pure. A SkyModel is immutable once constructed; its
// const methods may be called concurrently (each caller with its own Rng).
#pragma once

#include <cstdint>
#include <numbers>
#include <vector>

#include "clients/internal/random.h"

namespace skyshard::gen_internal {

inline constexpr double kPi = std::numbers::pi;
inline constexpr double kDegToRad = kPi / 180.0;
inline constexpr double kRadToDeg = 180.0 / kPi;
inline constexpr double kArcsec = 1.0 / 3600.0;

struct Vec3 {
  double x, y, z;
};

// Right ascension folded into [0, 360).
double FoldRa(double ra);

// The point reached from (ra, dec) by moving `east` and `north` degrees on the tangent plane,
// stored in *out_ra (in [0, 360)) and *out_dec.
void Offset(double ra, double dec, double east, double north, double* out_ra, double* out_dec);

// Tract and patch of (ra, dec) in a simple ring sky map: rings of 1.5 degrees in declination,
// each cut into cells of about 1.5 degrees in RA, each cell into 7 x 7 patches.
// REQUIRES: ra in [0, 360), dec in [-90, 90].
void TractPatch(double ra, double dec, int64_t* tract, int64_t* patch);

class SkyModel {
 public:
  // Builds the galactic frame, the empty regions and the clusters of `seed`.
  explicit SkyModel(uint64_t seed);

  // Whether the unit vector `v` falls in one of the empty regions.
  bool InHole(const Vec3& v) const;

  // Draws a position from the smooth mixture (no edge cases). `in_plane` tells whether it came
  // from the galactic band, whose objects are mostly stars.
  void Draw(Rng* rng, double* ra, double* dec, bool* in_plane) const;

  // Places object `index`, drawing from `rng`. The first six are fixed edge cases so that even
  // a tiny release has objects at both poles and on both sides of RA 0; after that a small
  // share keeps landing there, and the rest come from Draw. REQUIRES: index >= 0.
  void Place(int64_t index, Rng* rng, double* ra, double* dec, bool* in_plane) const;

 private:
  struct Cluster {
    double ra, dec, sigma;  // degrees
    double cumulative_weight;
  };

  static constexpr int kClusters = 300;

  std::vector<Vec3> hole_centres_;
  std::vector<double> hole_cos_radius_;
  Vec3 gal_x_{}, gal_y_{}, gal_z_{};
  std::vector<Cluster> clusters_;
};

}  // namespace skyshard::gen_internal
