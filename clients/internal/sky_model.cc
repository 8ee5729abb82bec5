// The sky model and sphere geometry of `skyshard gen dp02`; see sky_model.h.

#include "clients/internal/sky_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace skyshard::gen_internal {
namespace {

Vec3 UnitVector(double ra_deg, double dec_deg) {
  const double ra = ra_deg * kDegToRad;
  const double dec = dec_deg * kDegToRad;
  return {std::cos(dec) * std::cos(ra), std::cos(dec) * std::sin(ra), std::sin(dec)};
}

double Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

Vec3 Normalized(const Vec3& v) {
  const double n = std::sqrt(Dot(v, v));
  return {v.x / n, v.y / n, v.z / n};
}

void ToRaDec(const Vec3& v, double* ra, double* dec) {
  const double z = std::clamp(v.z / std::sqrt(Dot(v, v)), -1.0, 1.0);
  *dec = std::asin(z) * kRadToDeg;
  *ra = (v.x == 0 && v.y == 0) ? 0.0 : FoldRa(std::atan2(v.y, v.x) * kRadToDeg);
}

struct Hole {
  double ra, dec, radius;  // degrees
};

// Empty regions, listed in docs/demo-data.md (tests rely on them being empty). They keep clear
// of the poles and of RA 0, where the edge-case objects live.
constexpr std::array<Hole, 3> kHoles = {
    {{45.0, 30.0, 7.0}, {200.0, -35.0, 10.0}, {120.0, 60.0, 5.0}}};

}  // namespace

// fmod of a tiny negative angle plus 360 can round to exactly 360, which must become 0.
double FoldRa(double ra) {
  ra = std::fmod(ra, 360.0);
  if (ra < 0) ra += 360.0;
  if (ra >= 360.0) ra = 0.0;
  return ra;
}

void Offset(double ra, double dec, double east, double north, double* out_ra, double* out_dec) {
  const double a = ra * kDegToRad;
  const double d = dec * kDegToRad;
  const Vec3 c = UnitVector(ra, dec);
  const Vec3 e = {-std::sin(a), std::cos(a), 0};
  const Vec3 n = {-std::sin(d) * std::cos(a), -std::sin(d) * std::sin(a), std::cos(d)};
  const double x = east * kDegToRad;
  const double y = north * kDegToRad;
  ToRaDec({c.x + x * e.x + y * n.x, c.y + x * e.y + y * n.y, c.z + x * e.z + y * n.z}, out_ra,
          out_dec);
}

void TractPatch(double ra, double dec, int64_t* tract, int64_t* patch) {
  const double ring_height = 1.5;
  const int ring = std::min(119, static_cast<int>((dec + 90.0) / ring_height));
  const double ring_dec = -90.0 + (ring + 0.5) * ring_height;
  const int cells = std::max(1, static_cast<int>(360.0 * std::cos(ring_dec * kDegToRad) / 1.5));
  const double fx = ra / 360.0 * cells;
  const int cell = std::min(cells - 1, static_cast<int>(fx));
  const double fy = (dec + 90.0) / ring_height - ring;
  const int px = std::min(6, static_cast<int>((fx - cell) * 7));
  const int py = std::clamp(static_cast<int>(fy * 7), 0, 6);
  *tract = ring * 256 + cell;
  *patch = py * 7 + px;
}

SkyModel::SkyModel(uint64_t seed) {
  for (const Hole& h : kHoles) {
    hole_centres_.push_back(UnitVector(h.ra, h.dec));
    hole_cos_radius_.push_back(std::cos(h.radius * kDegToRad));
  }
  // Galactic frame from the north galactic pole and the direction of the galactic centre.
  const Vec3 pole = UnitVector(192.85948, 27.12825);
  const Vec3 centre = UnitVector(266.40510, -28.93617);
  gal_z_ = pole;
  gal_y_ = Normalized(Cross(pole, centre));
  gal_x_ = Cross(gal_y_, gal_z_);

  Rng rng(StreamSeed(seed, kStreamClusters, 0));
  double total = 0;
  for (int i = 0; i < kClusters; ++i) {
    double ra = 0, dec = 0;
    do {
      ra = rng.Uniform(0, 360);
      dec = std::asin(rng.Uniform(-1, 1)) * kRadToDeg;
    } while (InHole(UnitVector(ra, dec)));
    // Sizes from a few arcminutes to a few degrees; richness heavy-tailed.
    const double sigma = 0.03 * std::pow(100.0, rng.Uniform());
    total += std::pow(1.0 - rng.Uniform(), -0.7);
    clusters_.push_back({ra, dec, sigma, total});
  }
  for (Cluster& c : clusters_) c.cumulative_weight /= total;
}

bool SkyModel::InHole(const Vec3& v) const {
  for (size_t i = 0; i < hole_centres_.size(); ++i) {
    if (Dot(v, hole_centres_[i]) > hole_cos_radius_[i]) return true;
  }
  return false;
}

void SkyModel::Draw(Rng* rng, double* ra, double* dec, bool* in_plane) const {
  for (;;) {
    const double u = rng->Uniform();
    *in_plane = false;
    if (u < 0.30) {
      *ra = rng->Uniform(0, 360);
      *dec = std::asin(rng->Uniform(-1, 1)) * kRadToDeg;
    } else if (u < 0.55) {
      const double l = rng->Uniform(0, 2 * kPi);
      const double b = 4.0 * kDegToRad * rng->Normal();
      const double cb = std::cos(b);
      const double gx = cb * std::cos(l), gy = cb * std::sin(l), gz = std::sin(b);
      ToRaDec({gx * gal_x_.x + gy * gal_y_.x + gz * gal_z_.x,
               gx * gal_x_.y + gy * gal_y_.y + gz * gal_z_.y,
               gx * gal_x_.z + gy * gal_y_.z + gz * gal_z_.z},
              ra, dec);
      *in_plane = true;
    } else {
      const double w = rng->Uniform();
      auto it =
          std::lower_bound(clusters_.begin(), clusters_.end(), w,
                           [](const Cluster& c, double x) { return c.cumulative_weight < x; });
      if (it == clusters_.end()) --it;
      Offset(it->ra, it->dec, it->sigma * rng->Normal(), it->sigma * rng->Normal(), ra, dec);
    }
    if (!InHole(UnitVector(*ra, *dec))) return;
  }
}

void SkyModel::Place(int64_t index, Rng* rng, double* ra, double* dec, bool* in_plane) const {
  *in_plane = false;
  const double any_dec = std::asin(rng->Uniform(-0.98, 0.98)) * kRadToDeg;
  switch (index) {
    case 0:
      *ra = rng->Uniform(0, 360);
      *dec = 89.995;
      return;
    case 1:
      *ra = rng->Uniform(0, 360);
      *dec = -89.995;
      return;
    case 2:
      *ra = 0.0;
      *dec = any_dec;
      return;
    case 3:
      *ra = 359.9999;
      *dec = any_dec;
      return;
    case 4:
      *ra = 0.0001;
      *dec = any_dec;
      return;
    case 5:
      *ra = 359.99999999;
      *dec = -89.9999;
      return;
    default:
      break;
  }
  const double u = rng->Uniform();
  if (u < 0.002) {  // within 0.01 degrees of a pole
    *ra = rng->Uniform(0, 360);
    const double from_pole = rng->Uniform(1e-6, 0.01);
    *dec = rng->Chance(0.5) ? 90.0 - from_pole : -90.0 + from_pole;
  } else if (u < 0.004) {  // within 0.001 degrees of RA 0, either side
    const double d = rng->Uniform(1e-9, 0.001);
    *ra = rng->Chance(0.5) ? d : FoldRa(360.0 - d);
    *dec = any_dec;
  } else if (u < 0.0042) {  // exactly on RA 0
    *ra = 0.0;
    *dec = any_dec;
  } else {
    Draw(rng, ra, dec, in_plane);
  }
}

}  // namespace skyshard::gen_internal
