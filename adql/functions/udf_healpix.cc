// ivo_healpix_index and ivo_healpix_center, from the definition of the HEALPix NESTED scheme
// (Gorski et al. 2005, ApJ 622, 759). skyshard's storage index (indexing/healpix_index.h) uses
// the HEALPix library at order 29 only; these UDFs take any order 0..29 and need no library.
//
// The sphere is cut into 12 base faces (0-3 around the north pole, 4-7 on the equator, 8-11
// around the south pole), each an nside x nside grid (nside = 2^order) with x growing to the
// north-east and y to the north-west; the NESTED index is face * nside^2 plus the bits of x and y
// interleaved (x in the even bits). The equatorial belt |z| <= 2/3 (z = sin dec) is cut by lines
// of constant z*3/4 +- phi/(pi/2); the polar caps by curves of constant sqrt(3 (1 - |z|)) * phi.

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "adql/functions/udf_math.h"

namespace skyshard::adql::udf {
namespace {

// Spreads the low 32 bits of v to the even bit positions.
uint64_t SpreadBits(uint64_t v) {
  v &= 0xFFFFFFFFULL;
  v = (v | (v << 16)) & 0x0000FFFF0000FFFFULL;
  v = (v | (v << 8)) & 0x00FF00FF00FF00FFULL;
  v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  v = (v | (v << 2)) & 0x3333333333333333ULL;
  v = (v | (v << 1)) & 0x5555555555555555ULL;
  return v;
}

// The inverse of SpreadBits: gathers the even bits of v.
uint64_t CompactBits(uint64_t v) {
  v &= 0x5555555555555555ULL;
  v = (v | (v >> 1)) & 0x3333333333333333ULL;
  v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  v = (v | (v >> 4)) & 0x00FF00FF00FF00FFULL;
  v = (v | (v >> 8)) & 0x0000FFFF0000FFFFULL;
  v = (v | (v >> 16)) & 0x00000000FFFFFFFFULL;
  return v;
}

Status CheckOrder(int64_t order) {
  if (order < 0 || order > kMaxHealpixOrder) {
    return Status::InvalidArgument("HEALPix order " + std::to_string(order) +
                                   " is outside [0, 29]");
  }
  return Status::OK();
}

}  // namespace

Result<std::optional<int64_t>> HealpixIndex(std::optional<int64_t> order, OptDouble ra,
                                            OptDouble dec) {
  if (order) SKY_RETURN_IF_ERROR(CheckOrder(*order));
  if (!order || !ra || !dec || !std::isfinite(*ra) || !std::isfinite(*dec) || *dec < -90 ||
      *dec > 90) {
    return std::optional<int64_t>();
  }
  const int shift = static_cast<int>(*order);
  const int64_t nside = int64_t{1} << shift;
  const double ns = static_cast<double>(nside);
  double ra_reduced = std::fmod(*ra, 360.0);
  if (ra_reduced < 0) ra_reduced += 360.0;
  double tt = ra_reduced / 90.0;  // phi in units of pi/2, in [0, 4)
  if (tt >= 4.0) tt = 0.0;
  const double z = std::sin(*dec * (std::numbers::pi / 180.0));

  int64_t face = 0;
  int64_t ix = 0;
  int64_t iy = 0;
  if (std::abs(z) <= 2.0 / 3.0) {
    // Equatorial belt: jp and jm count the ascending and descending edge lines crossed.
    const double t1 = ns * (0.5 + tt);
    const double t2 = ns * z * 0.75;
    const auto jp = static_cast<int64_t>(std::floor(t1 - t2));
    const auto jm = static_cast<int64_t>(std::floor(t1 + t2));
    const int64_t ifp = jp >> shift;
    const int64_t ifm = jm >> shift;
    face = ifp == ifm ? (ifp | 4) : (ifp < ifm ? ifp : ifm + 8);
    ix = jm & (nside - 1);
    iy = nside - (jp & (nside - 1)) - 1;
  } else {
    // Polar cap: sqrt(3 (1 - |z|)) written as sqrt(6) sin(colatitude / 2), which keeps its
    // precision next to the pole where 1 - |z| cancels.
    const auto ntt = std::min<int64_t>(3, static_cast<int64_t>(tt));
    const double tp = tt - static_cast<double>(ntt);
    const double colatitude = (90.0 - std::abs(*dec)) * (std::numbers::pi / 180.0);
    const double tmp = ns * std::sqrt(6.0) * std::sin(colatitude / 2.0);
    const int64_t jp = std::min(nside - 1, static_cast<int64_t>(tp * tmp));
    const int64_t jm = std::min(nside - 1, static_cast<int64_t>((1.0 - tp) * tmp));
    if (*dec > 0) {
      face = ntt;
      ix = nside - jm - 1;
      iy = nside - jp - 1;
    } else {
      face = ntt + 8;
      ix = jp;
      iy = jm;
    }
  }
  const uint64_t within =
      SpreadBits(static_cast<uint64_t>(ix)) | (SpreadBits(static_cast<uint64_t>(iy)) << 1);
  return std::optional<int64_t>((face << (2 * shift)) + static_cast<int64_t>(within));
}

Result<std::optional<SkyPoint>> HealpixCenter(std::optional<int64_t> order,
                                              std::optional<int64_t> index) {
  if (order) SKY_RETURN_IF_ERROR(CheckOrder(*order));
  if (!order || !index) return std::optional<SkyPoint>();
  const int shift = static_cast<int>(*order);
  const int64_t nside = int64_t{1} << shift;
  const int64_t npix = 12 * nside * nside;
  if (*index < 0 || *index >= npix) {
    return Status::InvalidArgument("HEALPix index " + std::to_string(*index) + " is outside [0, " +
                                   std::to_string(npix) + ") at order " + std::to_string(*order));
  }
  // Ring of each face's southernmost corner (in units of nside) and its longitude (in units of
  // pi/4), faces 0..11.
  static constexpr int64_t kFaceRing[12] = {2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4};
  static constexpr int64_t kFacePhi[12] = {1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7};
  const int64_t face = *index >> (2 * shift);
  const auto within = static_cast<uint64_t>(*index & ((int64_t{1} << (2 * shift)) - 1));
  const auto ix = static_cast<int64_t>(CompactBits(within));
  const auto iy = static_cast<int64_t>(CompactBits(within >> 1));
  // Ring number, 1 (next to the north pole) .. 4 nside - 1.
  const int64_t jr = kFaceRing[face] * nside - ix - iy - 1;

  int64_t nr = 0;  // cells in a quarter of the ring
  int64_t kshift = 0;
  SkyPoint out;
  const double ns = static_cast<double>(nside);
  if (jr < nside || jr > 3 * nside) {
    nr = jr < nside ? jr : 4 * nside - jr;
    // 1 - |z| = nr^2 / (3 nside^2), i.e. sin(colatitude / 2) = nr / (nside sqrt 6).
    const double colatitude = 2.0 * std::asin(static_cast<double>(nr) / (ns * std::sqrt(6.0))) *
                              (180.0 / std::numbers::pi);
    out.dec = jr < nside ? 90.0 - colatitude : colatitude - 90.0;
  } else {
    nr = nside;
    kshift = (jr - nside) & 1;
    const double z = static_cast<double>(2 * nside - jr) * 2.0 / (3.0 * ns);
    out.dec = std::asin(z) * (180.0 / std::numbers::pi);
  }
  int64_t jp = (kFacePhi[face] * nr + ix - iy + 1 + kshift) / 2;
  if (jp > 4 * nside) jp -= 4 * nside;
  if (jp < 1) jp += 4 * nside;
  out.ra = (static_cast<double>(jp) - static_cast<double>(kshift + 1) * 0.5) * 90.0 /
           static_cast<double>(nr);
  if (out.ra >= 360.0) out.ra -= 360.0;
  return std::optional<SkyPoint>(out);
}

}  // namespace skyshard::adql::udf
