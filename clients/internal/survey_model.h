// The survey and photometry model of `skyshard gen dp02`: the visits of a five-year survey and
// their CCD images, what each object truly is (position from the sky model, star or galaxy,
// fluxes in ugrizy, variability), and the catalog rows that measure it: Object, CcdVisit and
// DiaObject rows. The id scheme is described in docs/demo-data.md. Internal to clients/.
//
// Every function draws only from the Rng or seed it is given, in a fixed order, so a row
// depends on the seed and its index alone; changing that order changes every release.
//
// Thread safety: every function is pure apart from the Rng and Batch it is given; calls with
// distinct Rngs and Batches may run concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "clients/internal/column_batch.h"
#include "clients/internal/random.h"
#include "clients/internal/sky_model.h"

namespace skyshard::gen_internal {

// 5-sigma point-source depths (AB mag) of one visit, per band ugrizy.
inline constexpr std::array<double, 6> kVisitDepth = {23.7, 24.9, 24.4, 23.9, 23.3, 22.5};
// CCD images per visit; an object's epoch lands on one of them.
inline constexpr int kDetectorsPerVisit = 9;

// Id bases: ids are base + index * stride (+ a random low part for objectId), unique within
// the release and beyond 2^53 like Rubin's.
inline constexpr int64_t kObjectIdBase = 1609000000000000001LL;
inline constexpr int64_t kForcedSourceIdBase = 1700000000000000000LL;
inline constexpr int64_t kDiaObjectIdBase = 1250000000000000000LL;
inline constexpr int64_t kDiaSourceIdBase = 1300000000000000000LL;

// AB magnitude -> nJy.
double MagToNanojansky(double mag);

struct Visit {
  int64_t visit_id;
  int band;
  double mjd;     // exposure midpoint
  double seeing;  // arcsec
  int64_t first_detector;
};

// The ccdVisitId of the `j`-th CCD image of visit `v`. REQUIRES: 0 <= j < kDetectorsPerVisit.
int64_t CcdVisitId(const Visit& v, int j);

// The visits of `seed`, in time order: max(200, 3 * epochs) of them, so that every object can
// be seen on `epochs` distinct visits.
std::vector<Visit> MakeVisits(uint64_t seed, int epochs);

// Appends the CcdVisit rows of `visits` (kDetectorsPerVisit per visit) to `out`.
// REQUIRES: out holds CcdVisitSpec rows.
void AppendCcdVisits(const std::vector<Visit>& visits, uint64_t seed, Batch* out);

// What an object truly is; the catalog rows are noisy measurements of it.
struct ObjectTruth {
  double ra = 0, dec = 0;
  bool star = false;
  std::array<double, 6> flux{};  // mean flux per band, nJy
  bool primary = true;
  bool variable = false;
  double amplitude = 0, period = 1, phase = 0;  // fractional sinusoidal variation
};

// Draws object `index` from `rng`: its position from `sky`, then its nature and fluxes.
void MakeObject(int64_t index, const SkyModel& sky, Rng* rng, ObjectTruth* obj);

// Appends the Object row measuring `obj` to `out`, drawing the noise from `rng`.
// REQUIRES: out holds ObjectSpec rows.
void AppendObject(const ObjectTruth& obj, Rng* rng, int64_t object_id, Batch* out);

// Sums over the DiaSources of a DiaObject in one band, from which its DiaObject statistics
// are computed.
struct BandStats {
  double w_sum = 0, wf_sum = 0, tot_w_sum = 0, tot_wf_sum = 0;
  std::vector<double> fluxes, errors;
};

// Appends the DiaObject row of `n_sources` DiaSources summed up in `stats` to `out`.
// REQUIRES: out holds DiaObjectSpec rows.
void AppendDiaObject(int64_t dia_object_id, double ra, double dec,
                     const std::array<BandStats, 6>& stats, int64_t n_sources, Batch* out);

}  // namespace skyshard::gen_internal
