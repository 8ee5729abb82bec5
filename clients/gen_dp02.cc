// Synthetic DP0.2-like release generator: the orchestration; see gen_dp02.h and
// docs/demo-data.md.
//
// The parts live in clients/internal/: random.h (the deterministic PRNG), sky_model.h (where
// objects are), survey_model.h (visits, object truth and the Object, CcdVisit and DiaObject
// rows), dp02_tables.h (the column specs, Felis schema and manifest), column_batch.h and
// table_writer.h (the CSV and FITS writers). This file validates the options, prepares the
// directory, and drives the chunked generation, including each object's ForcedSource and
// DiaSource rows.

#include "clients/gen_dp02.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "clients/internal/column_batch.h"
#include "clients/internal/dp02_tables.h"
#include "clients/internal/random.h"
#include "clients/internal/sky_model.h"
#include "clients/internal/survey_model.h"
#include "clients/internal/table_writer.h"

namespace skyshard::gen_internal {
namespace {

namespace fs = std::filesystem;

// Removes the data files of an earlier release in `dir` (any format), so that the manifest's
// globs cannot pick up a stale object-007.csv left by a bigger run. Other files are kept.
Status RemoveOldDataFiles(const std::string& dir) {
  static constexpr std::array<std::string_view, 4> kStems = {"object-", "forcedsource-",
                                                             "diaobject-", "diasource-"};
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    std::string_view rest;
    std::string_view ext;
    for (std::string_view ext_candidate : {std::string_view(".csv"), std::string_view(".fits")}) {
      if (name.size() > ext_candidate.size() && name.ends_with(ext_candidate)) {
        ext = ext_candidate;
        rest = std::string_view(name).substr(0, name.size() - ext_candidate.size());
      }
    }
    if (ext.empty()) continue;
    bool ours = rest == "ccdvisit";
    for (std::string_view stem : kStems) {
      if (rest.size() > stem.size() && rest.starts_with(stem) &&
          std::all_of(rest.begin() + static_cast<ptrdiff_t>(stem.size()), rest.end(),
                      [](char ch) { return ch >= '0' && ch <= '9'; })) {
        ours = true;
      }
    }
    if (ours) doomed.push_back(entry.path());
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  for (const fs::path& p : doomed) {
    if (!fs::remove(p, ec) && ec) {
      return Status::IOError("cannot remove " + p.string() + ": " + ec.message());
    }
  }
  return Status::OK();
}

// One epoch of an object as measured: kept per object to derive its DiaSources.
struct Epoch {
  size_t visit = 0;
  int detector_slot = 0;
  bool valid = false;
  double flux = 0, flux_err = 0, diff = 0, diff_err = 0;
};

class Generator {
 public:
  Generator(const GenOptions& options, std::ostream* log)
      : options_(options),
        log_(log),
        object_spec_(ObjectSpec()),
        forced_spec_(ForcedSourceSpec()),
        ccd_spec_(CcdVisitSpec()),
        dia_object_spec_(DiaObjectSpec()),
        dia_source_spec_(DiaSourceSpec()),
        sky_(options.seed) {}

  Status Run() {
    const std::string& dir = options_.out_dir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
      return Status::IOError("cannot create directory " + dir + ": " +
                             (ec ? ec.message() : "a file of that name exists"));
    }
    SKY_RETURN_IF_ERROR(RemoveOldDataFiles(dir));
    // Referenced tables first, so every foreign key points backwards.
    const std::vector<const TableSpec*> tables = {&object_spec_, &ccd_spec_, &forced_spec_,
                                                  &dia_object_spec_, &dia_source_spec_};
    SKY_RETURN_IF_ERROR(
        WriteTextFile((fs::path(dir) / "dp02_dc2.yaml").string(), SchemaYaml(tables)));

    const auto start = std::chrono::steady_clock::now();
    TableOutput objects(&object_spec_, dir, options_.format, options_.rows_per_file);
    TableOutput forced(&forced_spec_, dir, options_.format, options_.rows_per_file);
    TableOutput ccds(&ccd_spec_, dir, options_.format, options_.rows_per_file);
    TableOutput dia_objects(&dia_object_spec_, dir, options_.format, options_.rows_per_file);
    TableOutput dia_sources(&dia_source_spec_, dir, options_.format, options_.rows_per_file);

    visits_ = MakeVisits(options_.seed, options_.epochs);
    {
      Batch ccd_batch(&ccd_spec_);
      AppendCcdVisits(visits_, options_.seed, &ccd_batch);
      SKY_RETURN_IF_ERROR(ccds.Append(ccd_batch));
      SKY_RETURN_IF_ERROR(ccds.Finish());
    }

    // Chunks of about 200k forced sources keep memory flat at any scale.
    const int64_t chunk = std::clamp<int64_t>(200000 / options_.epochs, 1, 20000);
    Batch object_batch(&object_spec_), forced_batch(&forced_spec_);
    Batch dia_object_batch(&dia_object_spec_), dia_source_batch(&dia_source_spec_);
    auto last_report = start;
    for (int64_t first = 0; first < options_.objects; first += chunk) {
      const int64_t last = std::min(options_.objects, first + chunk);
      object_batch.Clear();
      forced_batch.Clear();
      dia_object_batch.Clear();
      dia_source_batch.Clear();
      for (int64_t i = first; i < last; ++i) {
        GenerateObject(i, &object_batch, &forced_batch, &dia_object_batch, &dia_source_batch);
      }
      SKY_RETURN_IF_ERROR(objects.Append(object_batch));
      SKY_RETURN_IF_ERROR(forced.Append(forced_batch));
      SKY_RETURN_IF_ERROR(dia_objects.Append(dia_object_batch));
      SKY_RETURN_IF_ERROR(dia_sources.Append(dia_source_batch));
      const auto now = std::chrono::steady_clock::now();
      if (log_ != nullptr && now - last_report > std::chrono::seconds(5)) {
        last_report = now;
        *log_ << "gen dp02: " << last << " / " << options_.objects << " objects, "
              << forced.rows_written() << " forced sources, "
              << std::chrono::duration<double>(now - start).count() << " s\n";
      }
    }
    SKY_RETURN_IF_ERROR(objects.Finish());
    SKY_RETURN_IF_ERROR(forced.Finish());
    SKY_RETURN_IF_ERROR(dia_objects.Finish());
    SKY_RETURN_IF_ERROR(dia_sources.Finish());

    const ManifestGlobs globs = {objects.Pattern(), forced.Pattern(), ccds.Pattern(),
                                 dia_objects.Pattern(), dia_sources.Pattern()};
    SKY_RETURN_IF_ERROR(
        WriteTextFile((fs::path(dir) / "manifest.yaml").string(), ManifestYaml(globs)));

    if (log_ != nullptr) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const int64_t rows = objects.rows_written() + forced.rows_written() + ccds.rows_written() +
                           dia_objects.rows_written() + dia_sources.rows_written();
      *log_ << "gen dp02: wrote " << objects.rows_written() << " objects, " << forced.rows_written()
            << " forced sources, " << ccds.rows_written() << " CCD visits, "
            << dia_objects.rows_written() << " DIA objects, " << dia_sources.rows_written()
            << " DIA sources to " << dir << " in " << secs << " s ("
            << static_cast<int64_t>(static_cast<double>(rows) / std::max(secs, 1e-9))
            << " rows/s)\n";
    }
    return Status::OK();
  }

 private:
  void GenerateObject(int64_t index, Batch* objects, Batch* forced, Batch* dia_objects,
                      Batch* dia_sources) {
    Rng rng(StreamSeed(options_.seed, kStreamObject, static_cast<uint64_t>(index)));
    ObjectTruth obj;
    MakeObject(index, sky_, &rng, &obj);
    // Spaced ids with a random low part: unique, increasing, and beyond 2^53 like Rubin's.
    const int64_t object_id = kObjectIdBase + index * 64 + static_cast<int64_t>(rng.Below(64));
    AppendObject(obj, &rng, object_id, objects);

    // K distinct visits: an arithmetic progression modulo the visit count with a step coprime
    // to it never repeats within K <= count terms.
    const size_t n_visits = visits_.size();
    const size_t first_visit = rng.Below(n_visits);
    size_t step = 1 + rng.Below(n_visits - 1);
    while (std::gcd(step, n_visits) != 1) step = step % (n_visits - 1) + 1;
    epochs_.resize(static_cast<size_t>(options_.epochs));
    for (int e = 0; e < options_.epochs; ++e) {
      Epoch& ep = epochs_[static_cast<size_t>(e)];
      ep.visit = (first_visit + static_cast<size_t>(e) * step) % n_visits;
      ep.detector_slot = static_cast<int>(rng.Below(kDetectorsPerVisit));
      const Visit& v = visits_[ep.visit];
      const size_t b = static_cast<size_t>(v.band);
      const double mean = obj.flux[b];
      const double now =
          obj.variable
              ? mean * (1.0 + obj.amplitude * std::sin(2 * kPi * v.mjd / obj.period + obj.phase))
              : mean;
      const double sky_sigma = MagToNanojansky(kVisitDepth[b]) / 5.0 * (v.seeing / 0.7);
      ep.flux_err = sky_sigma * std::sqrt(1.0 + std::max(now, 0.0) / (20.0 * sky_sigma));
      ep.flux = now + ep.flux_err * rng.Normal();
      ep.diff_err = ep.flux_err * 1.12;
      ep.diff = ep.flux - mean + 0.5 * ep.flux_err * rng.Normal();
      ep.valid = !rng.Chance(0.003);
      forced->Long(kForcedSourceIdBase + index * options_.epochs + e).Long(object_id);
      forced->Long(CcdVisitId(v, ep.detector_slot)).Char(BandName(v.band));
      forced->Double(obj.ra).Double(obj.dec);
      forced->DoubleOrNull(ep.valid, ep.flux).DoubleOrNull(ep.valid, ep.flux_err);
      forced->Bool(!ep.valid);
      forced->DoubleOrNull(ep.valid, ep.diff).DoubleOrNull(ep.valid, ep.diff_err);
      forced->Bool(obj.primary);
      forced->EndRow();
    }
    if (obj.variable) AppendDia(index, obj, &rng, dia_objects, dia_sources);
  }

  // A variable object becomes a DiaObject whose DiaSources are its epochs with a 5-sigma
  // difference flux, or its most significant epoch when none reaches that.
  void AppendDia(int64_t index, const ObjectTruth& obj, Rng* rng, Batch* dia_objects,
                 Batch* dia_sources) {
    selected_.clear();
    size_t best = epochs_.size();
    double best_snr = -1;
    for (size_t e = 0; e < epochs_.size(); ++e) {
      if (!epochs_[e].valid) continue;
      const double snr = std::abs(epochs_[e].diff) / epochs_[e].diff_err;
      if (snr >= 5.0) selected_.push_back(e);
      if (snr > best_snr) {
        best_snr = snr;
        best = e;
      }
    }
    if (selected_.empty() && best < epochs_.size()) selected_.push_back(best);
    if (selected_.empty()) return;

    const int64_t dia_object_id = kDiaObjectIdBase + index;
    double ra = 0, dec = 0;
    Offset(obj.ra, obj.dec, 0.03 * kArcsec * rng->Normal(), 0.03 * kArcsec * rng->Normal(), &ra,
           &dec);
    std::array<BandStats, 6> stats;
    for (size_t e : selected_) {
      const Epoch& ep = epochs_[e];
      const Visit& v = visits_[ep.visit];
      double src_ra = 0, src_dec = 0;
      Offset(ra, dec, 0.08 * kArcsec * rng->Normal(), 0.08 * kArcsec * rng->Normal(), &src_ra,
             &src_dec);
      dia_sources->Long(kDiaSourceIdBase + index * options_.epochs + static_cast<int64_t>(e));
      dia_sources->Long(dia_object_id).Long(CcdVisitId(v, ep.detector_slot));
      dia_sources->Char(BandName(v.band)).Double(v.mjd).Double(src_ra).Double(src_dec);
      dia_sources->Double(rng->Uniform(0, 4072)).Double(rng->Uniform(0, 4000));
      dia_sources->Double(ep.diff).Double(ep.diff_err).Double(std::abs(ep.diff) / ep.diff_err);
      dia_sources->Double(ep.flux).Double(ep.flux_err);
      dia_sources->EndRow();
      BandStats& s = stats[static_cast<size_t>(v.band)];
      const double w = 1.0 / (ep.diff_err * ep.diff_err);
      s.w_sum += w;
      s.wf_sum += w * ep.diff;
      const double tot_w = 1.0 / (ep.flux_err * ep.flux_err);
      s.tot_w_sum += tot_w;
      s.tot_wf_sum += tot_w * ep.flux;
      s.fluxes.push_back(ep.diff);
      s.errors.push_back(ep.diff_err);
    }
    AppendDiaObject(dia_object_id, ra, dec, stats, static_cast<int64_t>(selected_.size()),
                    dia_objects);
  }

  const GenOptions& options_;
  std::ostream* log_;
  TableSpec object_spec_, forced_spec_, ccd_spec_, dia_object_spec_, dia_source_spec_;
  SkyModel sky_;
  std::vector<Visit> visits_;
  std::vector<Epoch> epochs_;
  std::vector<size_t> selected_;
};

}  // namespace
}  // namespace skyshard::gen_internal

namespace skyshard {

Status GenerateDp02(const GenOptions& options, std::ostream* log) {
  if (options.out_dir.empty()) {
    return Status::InvalidArgument("gen dp02: --out must name a directory");
  }
  if (options.objects < 1) {
    return Status::InvalidArgument("gen dp02: --objects must be at least 1, got " +
                                   std::to_string(options.objects));
  }
  if (options.epochs < 1) {
    return Status::InvalidArgument("gen dp02: --epochs must be at least 1, got " +
                                   std::to_string(options.epochs));
  }
  if (options.format != "csv" && options.format != "fits") {
    return Status::InvalidArgument("gen dp02: --format must be csv or fits, got '" +
                                   options.format + "'");
  }
  if (options.rows_per_file < 1) {
    return Status::InvalidArgument("gen dp02: rows per file must be at least 1, got " +
                                   std::to_string(options.rows_per_file));
  }
  // Ids are base + index * stride; keep them inside int64.
  if (options.objects > 1000000000000LL || options.epochs > 100000 ||
      options.objects * options.epochs > 100000000000000LL) {
    return Status::InvalidArgument(
        "gen dp02: at most 10^12 objects, 10^5 epochs and 10^14 "
        "forced sources");
  }
  gen_internal::Generator generator(options, log);
  return generator.Run();
}

}  // namespace skyshard
