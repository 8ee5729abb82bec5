// The survey and photometry model of `skyshard gen dp02`; see survey_model.h.

#include "clients/internal/survey_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "clients/internal/dp02_tables.h"

namespace skyshard::gen_internal {
namespace {

// 5-sigma point-source depths (AB mag) of the coadds, per band ugrizy.
constexpr std::array<double, 6> kCoaddDepth = {25.3, 26.5, 26.4, 25.8, 25.1, 24.2};
// Share of visits per band, roughly the LSST cadence.
constexpr std::array<double, 6> kBandShare = {0.07, 0.10, 0.22, 0.22, 0.20, 0.19};

constexpr double kSurveyStartMjd = 59580.0;  // 2022-01-01
constexpr double kSurveyDays = 5 * 365.25;
constexpr double kUnixEpochMjd = 40587.0;
constexpr double kExposureSeconds = 30.0;

constexpr int64_t kFirstVisitId = 200000;

// One CCD image per (visit, detector); detectors of a visit are spread over the 189 of the
// camera with a stride so they are distinct.
int64_t DetectorOf(const Visit& v, int j) { return (v.first_detector + 21 * j) % 189; }

int64_t MjdToMicros(double mjd) {
  // Rounded to 10 ms, the precision the real table promises.
  return static_cast<int64_t>(std::llround((mjd - kUnixEpochMjd) * 86400.0 * 100.0)) * 10000;
}

double MicrosToMjd(int64_t micros) { return kUnixEpochMjd + static_cast<double>(micros) / 86400e6; }

int PickBand(Rng* rng) {
  double u = rng->Uniform();
  for (int b = 0; b < 5; ++b) {
    u -= kBandShare[static_cast<size_t>(b)];
    if (u < 0) return b;
  }
  return 5;
}

}  // namespace

// AB magnitude -> nJy.
double MagToNanojansky(double mag) { return std::pow(10.0, (31.4 - mag) / 2.5); }

int64_t CcdVisitId(const Visit& v, int j) { return v.visit_id * 1000 + DetectorOf(v, j); }

std::vector<Visit> MakeVisits(uint64_t seed, int epochs) {
  Rng rng(StreamSeed(seed, kStreamVisits, 0));
  const int count = std::max(200, 3 * epochs);
  std::vector<double> times(static_cast<size_t>(count));
  for (double& t : times) {
    // Night-time observing: whole nights over five years, a few hours after dusk.
    const double night = std::floor(rng.Uniform(0, kSurveyDays));
    t = kSurveyStartMjd + night + rng.Uniform(0.05, 0.40);
  }
  std::sort(times.begin(), times.end());
  std::vector<Visit> visits;
  for (int i = 0; i < count; ++i) {
    Visit v;
    v.visit_id = kFirstVisitId + i;
    v.band = PickBand(&rng);
    v.mjd = MicrosToMjd(MjdToMicros(times[static_cast<size_t>(i)]));
    v.seeing = 0.55 + std::abs(0.25 * rng.Normal()) + 0.05 * (5 - v.band) / 5.0;
    v.first_detector = static_cast<int64_t>(rng.Below(21));
    visits.push_back(v);
  }
  return visits;
}

void AppendCcdVisits(const std::vector<Visit>& visits, uint64_t seed, Batch* out) {
  Rng rng(StreamSeed(seed, kStreamVisits, 1));
  for (const Visit& v : visits) {
    const double ra = rng.Uniform(0, 360);
    const double dec = std::asin(rng.Uniform(-1, 1)) * kRadToDeg;
    const double zenith = rng.Uniform(5, 60);
    const double rotation = rng.Uniform(0, 360);
    const std::string filter = BandName(v.band) + "_sim_1.4";
    const int64_t mid = MjdToMicros(v.mjd);
    const int64_t start = mid - static_cast<int64_t>(kExposureSeconds / 2 * 1e6);
    for (int j = 0; j < kDetectorsPerVisit; ++j) {
      const int64_t det = DetectorOf(v, j);
      // Detector centres on a 13 x 15 grid of 0.23-degree CCDs around the pointing.
      double ccd_ra = 0, ccd_dec = 0;
      const int64_t grid_row = det / 13;
      Offset(ra, dec, 0.23 * static_cast<double>(det % 13 - 6),
             0.23 * static_cast<double>(grid_row - 7), &ccd_ra, &ccd_dec);
      out->Long(CcdVisitId(v, j)).Long(v.visit_id).Long(det).Char(BandName(v.band));
      out->Char(filter).Double(ccd_ra).Double(ccd_dec);
      out->Float(zenith).Float(31.5 - 0.2 * v.band + 0.03 * rng.Normal());
      out->Double(v.seeing).Double(rotation).Double(kExposureSeconds);
      out->Timestamp(mid).Double(v.mjd).Timestamp(start).Double(MicrosToMjd(start));
      out->EndRow();
    }
  }
}

void MakeObject(int64_t index, const SkyModel& sky, Rng* rng, ObjectTruth* obj) {
  bool in_plane = false;
  sky.Place(index, rng, &obj->ra, &obj->dec, &in_plane);
  obj->star = in_plane ? rng->Chance(0.9) : rng->Chance(0.2);
  // Number counts rising as 10^(0.3 m) between r = 16 and 26.5, inverted in closed form.
  const double a = 0.3;
  const double lo = std::pow(10.0, a * 16.0), hi = std::pow(10.0, a * 26.5);
  const double r_mag = std::log10(lo + rng->Uniform() * (hi - lo)) / a;
  const double color = (obj->star ? 0.8 : 0.5) + 0.3 * rng->Normal();  // g - r
  const std::array<double, 6> offsets = {
      2.2 * color + 0.4,  color, 0.0, -0.35 * color - 0.05, -0.55 * color - 0.08,
      -0.65 * color - 0.1};
  for (size_t b = 0; b < 6; ++b) obj->flux[b] = MagToNanojansky(r_mag + offsets[b]);
  obj->primary = rng->Chance(0.95);
  obj->variable = rng->Chance(0.05);
  if (obj->variable) {
    obj->amplitude = rng->Uniform(0.1, 0.9);
    obj->period = 0.3 * std::pow(2000.0, rng->Uniform());  // 0.3 to 600 days
    obj->phase = rng->Uniform(0, 2 * kPi);
  }
}

void AppendObject(const ObjectTruth& obj, Rng* rng, int64_t object_id, Batch* out) {
  int64_t tract = 0, patch = 0;
  TractPatch(obj.ra, obj.dec, &tract, &patch);
  const double r_flux = obj.flux[2];
  // Faint galaxies look like points; bright ones are resolved.
  const double size = obj.star ? 0.0 : 1.5 + 20.0 * std::sqrt(r_flux / 1e5) * rng->Uniform();
  const double psf = 1.6 + 0.2 * rng->Uniform();  // pixels, sigma
  const double xx = psf * psf + size * size * rng->Uniform(0.3, 1.0);
  const double yy = psf * psf + size * size * rng->Uniform(0.3, 1.0);
  const double xy = 0.3 * size * size * rng->Uniform(-1, 1);
  const char ref_band = rng->Chance(0.6) ? 'i' : rng->Chance(0.75) ? 'r' : 'g';
  out->Long(object_id).Double(obj.ra).Double(obj.dec).Long(tract).Long(patch);
  out->Bool(obj.primary).Char(std::string_view(&ref_band, 1));
  if (rng->Chance(0.01)) {
    out->Null();
  } else {
    out->Double(obj.star ? 0.0 : 1.0);
  }
  out->Double(2.3548 * std::sqrt(0.5 * (xx + yy)) * 0.2);  // arcsec at 0.2"/pixel
  if (rng->Chance(0.002)) {
    out->Null();
  } else {
    out->Int32(static_cast<int64_t>(20 + 3.0 * (xx + yy) + 0.01 * std::sqrt(r_flux) * 10));
  }
  out->Double(xx).Double(yy).Double(xy);
  for (size_t b = 0; b < 6; ++b) {
    const double f = obj.flux[b];
    const double sky_sigma = MagToNanojansky(kCoaddDepth[b]) / 5.0;
    const double err =
        sky_sigma * std::sqrt(1.0 + f / (50.0 * sky_sigma)) * (1.0 + 0.05 * rng->Uniform());
    // u is the hardest band: more failed fits there.
    const bool missing = rng->Chance(b == 0 ? 0.02 : 0.004);
    const double psf_flux = f * (obj.star ? 1.0 : 0.8) + err * rng->Normal();
    const double model_flux = f + 1.1 * err * rng->Normal();
    const bool model_missing = missing || rng->Chance(0.005);
    out->DoubleOrNull(!missing, psf_flux).DoubleOrNull(!missing, err);
    out->Bool(missing);
    out->DoubleOrNull(!model_missing, model_flux).DoubleOrNull(!model_missing, 1.1 * err);
  }
  out->EndRow();
}

void AppendDiaObject(int64_t dia_object_id, double ra, double dec,
                     const std::array<BandStats, 6>& stats, int64_t n_sources, Batch* out) {
  out->Long(dia_object_id).Double(ra).Double(dec).Long(n_sources);
  for (const BandStats& s : stats) {
    const size_t n = s.fluxes.size();
    if (n == 0) {
      out->Null().Null().Null().Null().Double(0).Null().Null().Null().Null().Null();
      continue;
    }
    const double mean = s.wf_sum / s.w_sum;
    double sum = 0, chi2 = 0, lo = s.fluxes[0], hi = s.fluxes[0];
    for (size_t i = 0; i < n; ++i) {
      sum += s.fluxes[i];
      const double d = (s.fluxes[i] - mean) / s.errors[i];
      chi2 += d * d;
      lo = std::min(lo, s.fluxes[i]);
      hi = std::max(hi, s.fluxes[i]);
    }
    out->Double(mean).Double(std::sqrt(1.0 / s.w_sum));
    if (n >= 2) {
      const double plain_mean = sum / static_cast<double>(n);
      double ss = 0;
      for (double f : s.fluxes) ss += (f - plain_mean) * (f - plain_mean);
      out->Double(std::sqrt(ss / static_cast<double>(n - 1)));
    } else {
      out->Null();
    }
    out->Double(chi2).Double(static_cast<double>(n)).Double(lo).Double(hi);
    if (n >= 2) {
      // Stetson J for unpaired observations.
      const double scale = std::sqrt(static_cast<double>(n) / static_cast<double>(n - 1));
      double j = 0;
      for (size_t i = 0; i < n; ++i) {
        const double delta = scale * (s.fluxes[i] - mean) / s.errors[i];
        const double p = delta * delta - 1.0;
        j += (p > 0 ? 1.0 : p < 0 ? -1.0 : 0.0) * std::sqrt(std::abs(p));
      }
      out->Double(j / static_cast<double>(n));
    } else {
      out->Null();
    }
    out->Double(s.tot_wf_sum / s.tot_w_sum).Double(std::sqrt(1.0 / s.tot_w_sum));
  }
  out->EndRow();
}

}  // namespace skyshard::gen_internal
