// Spatial join (a positional cross-match, Join::spatial, planned by
// adql/planner/rules/spatial_join.cc): the right (build) input is held in memory, the left
// (probe) input streams. docs/query_engine.md ("Cross-match") has the algorithm and its proof.
//
// Neighbour form (every radius below ~28 degrees): at the neighbour order k
// (indexing/disc_pixels.h, NeighbourPixelOrder: every position within r of a position in an
// order-k pixel P lies in P or one of P's neighbours), each build row is filed under its own
// pixel only (its order-29 index shifted), the rows sorted into one bucket per pixel and, within
// a bucket, by Dec. Each probe row takes the buckets of its pixel and of that pixel's (up to 8)
// neighbours, found once per run of equal pixels (rows of a spatial table arrive in HEALPix
// order), and in each bucket only the rows whose Dec lies within r of its own (a binary search
// in a large bucket: a dense cluster does not go quadratic in the bucket). When the probe input
// is not restricted to ranges, the order may be coarser than k (never finer), chosen from the
// build rows so that an occupied pixel holds a few of them: fewer bucket lookups per probe row.
//
// Disc form (larger radii): each build row is filed under every pixel at DiscPixelOrder(r) that
// its disc of radius r touches (DiscPixels, Healpix's inclusive disc query: exact at the poles
// and across RA 0/360), and each probe row looks up the one pixel it lies in.
//
// Either way, candidates that are clearly farther than r (a Dec band, then the squared chord
// between unit vectors against that of r, with a small margin: no trigonometry per candidate)
// are dropped here; candidates clearly nearer than r are marked sure, and the join checks only
// the rest of the condition on them (SpatialJoinKeys::residual); the whole condition decides on
// the borderline ones (JoinOperator), so the result is the nested loop's to the last bit.
//
// Rows whose position is NULL match nothing (every bounding form is NULL then). A position that
// is not a valid one (non-finite, Dec beyond a pole) is not filed under a pixel: such a build row
// is a candidate for every probe row and such a probe row meets every build row, and the
// condition decides as the nested loop would.
//
// Probe-side ranges: when the planner found the left input to be a scan keyed by the probe
// position (SpatialJoinKeys::restrict_left_scan), the left input is built only once the build
// side is known, and its scan reads just the order-29 ranges that can hold a partner of a build
// row: the union of the build positions' disc covers of radius r (indexing/disc_pixels.h,
// DiscCoverRanges, at pixels a quarter to a half of r across), adjacent ranges merged and gaps
// of a few pixels read through, intersected with the scan's own ranges, in one sequential pass
// (a Gather planned above the scan is bypassed then). It does so when that reads less than the
// scan as planned, by an estimate in rows: the ranges' share of the index space times the
// table's rows, plus kRowsPerSeek rows a range for its seek. An uploaded list of 10 k targets
// against a catalog of 1 M rows or more reads about 10 k small ranges instead of the catalog; a
// catalog against a catalog of similar size reads it whole.
//
// Memory: the build rows (RowStore); while building 16 bytes per (index or pixel, row) entry and
// 16 per row of positions; then 28 bytes per bucket entry and about 40 per bucket (its pixel,
// its start, the directory), all accounted (the peak, not released); beyond the budget the query
// fails with LimitExceeded ("query needs more than N MB of memory").
//
// Partitioned (catalog x catalog, SpatialJoinKeys::partition_order >= 0): the join runs once per
// partition of the left scan under a Gather (adql/exec/gather.cc), and its right scan reads only
// the partition's pixels at the partition order and their neighbours (PartitionNeighbourhood):
// memory is bounded by a partition and its margin, and the partitions run on the worker
// threads. A self-join (both inputs the same scan, filters and columns) reads the table once
// per partition: its probe rows are the build rows whose index lies in the partition
// (SelfProbe).

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>

#include "adql/binder/query_catalog.h"
#include "adql/exec/internal/column_util.h"
#include "adql/exec/internal/expression_nodes.h"
#include "adql/exec/internal/join.h"
#include "adql/exec/internal/spatial_neighbourhood.h"
#include "adql/planner/logical_plan.h"
#include "indexing/disc_pixels.h"
#include "indexing/index_ranges.h"

namespace skyshard::adql::exec {
namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;

// The probe ranges are used only when they are at most this many (16 bytes each) and reading
// them costs less than reading the scan as planned: their share of the index space times the
// table's rows, plus a seek for each, which costs about as much as reading this many rows in
// sequence (a catalog against a catalog of similar size reads it whole).
// Measured on the benchmark's catalogs (tests/bench/xmatch_bench.cc, 10 k targets against 1 M
// and 10 M rows): a seek to a range costs 1.2-1.8 us, reading and probing a row in a scan about
// 0.3 us; kRowsPerSeek leaves a margin for seeks that miss the block cache.
constexpr size_t kMaxProbeRanges = 1 << 20;
constexpr double kRowsPerSeek = 8;
// Gaps of at most this many pixels at the cover's order (DiscCoverOrder: a quarter to twice the
// radius across) between two probe ranges are read through: at most a few discs' area, so
// about as many rows as a few discs hold there, where a seek costs kRowsPerSeek rows.
constexpr uint64_t kGapPixels = 4;
// The finer cover DecideRestriction tries: this many orders finer than the coarsest.
constexpr int kFinerCoverOrders = 2;

bool ValidPosition(double ra, double dec) {
  return std::isfinite(ra) && std::isfinite(dec) && dec >= -90.0 && dec <= 90.0;
}

// The left input, built on its first Next by `make` (after the build side is read).
class DeferredOperator final : public Operator {
 public:
  explicit DeferredOperator(std::function<Result<OperatorPtr>()> make) : make_(std::move(make)) {}
  Result<bool> Next(ColumnBatch* out) override {
    if (op_ == nullptr) {
      SKY_ASSIGN_OR_RETURN(op_, make_());
    }
    return op_->Next(out);
  }

 private:
  std::function<Result<OperatorPtr>()> make_;
  OperatorPtr op_;
};

// What the join found for the deferred left input: the ranges its scan should read, if any.
struct ProbeRestriction {
  bool use = false;
  std::vector<IndexRange> ranges;
  double probe_rows = 0;  // the probe table's rows (catalog statistics)
};

// A self-join's partition (the same scan, filters and columns on both sides): the probe rows
// are the build rows whose order-29 index lies in the partition's ranges, so the table is read
// once per partition (its margin ring included), not twice. The join fills `rows` when its
// build side is done; SelfProbeOperator hands them out.
struct SelfProbe {
  std::vector<IndexRange> ranges;      // the partition's
  const ColumnBatch* build = nullptr;  // the join's build rows (RowStore), set by FinishBuild
  std::vector<uint32_t> rows;          // build rows in the partition, in index order
};

// The left input of a self-join's partition: the build rows in the partition, batch by batch.
// REQUIRES: read only after the join's build side is done (JoinOperator reads its right input
// first).
class SelfProbeOperator final : public Operator {
 public:
  SelfProbeOperator(std::shared_ptr<const SelfProbe> probe, size_t batch_rows)
      : probe_(std::move(probe)), batch_rows_(std::max<size_t>(1, batch_rows)) {}
  Result<bool> Next(ColumnBatch* out) override {
    if (probe_->build == nullptr) return Status::Internal("self-join probe read before its build");
    if (next_ >= probe_->rows.size()) return false;
    const size_t n = std::min(batch_rows_, probe_->rows.size() - next_);
    const ColumnBatch& build = *probe_->build;
    out->Reset(TypesOf(build));
    for (size_t c = 0; c < build.columns.size(); ++c) {
      AppendRows(build.columns[c], probe_->rows.data() + next_, n, &out->columns[c]);
    }
    out->num_rows = n;
    next_ += n;
    return true;
  }

 private:
  std::shared_ptr<const SelfProbe> probe_;
  size_t batch_rows_;
  size_t next_ = 0;
};

// Pixel -> bucket, open addressing (linear probing, load at most one half): one or two memory
// reads a lookup, hit or miss, where a binary search over millions of pixels takes twenty.
class PixelDirectory {
 public:
  // REQUIRES: `pixels` distinct, none equal to ~0.
  void Build(const std::vector<uint64_t>& pixels) {
    int bits = 4;
    while ((size_t{1} << bits) < 2 * pixels.size()) ++bits;
    shift_ = 64 - bits;
    mask_ = (uint64_t{1} << bits) - 1;
    keys_.assign(size_t{1} << bits, kEmpty);
    values_.assign(size_t{1} << bits, 0);
    for (size_t b = 0; b < pixels.size(); ++b) {
      uint64_t slot = Slot(pixels[b]);
      while (keys_[slot] != kEmpty) slot = (slot + 1) & mask_;
      keys_[slot] = pixels[b];
      values_[slot] = static_cast<uint32_t>(b);
    }
  }

  // The bucket of `pixel`, or -1.
  int64_t Find(uint64_t pixel) const {
    for (uint64_t slot = Slot(pixel);; slot = (slot + 1) & mask_) {
      if (keys_[slot] == pixel) return values_[slot];
      if (keys_[slot] == kEmpty) return -1;
    }
  }

  static size_t BytesFor(size_t pixels) {
    size_t slots = 16;
    while (slots < 2 * pixels) slots *= 2;
    return slots * (sizeof(uint64_t) + sizeof(uint32_t));
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  uint64_t Slot(uint64_t pixel) const { return (pixel * 0x9E3779B97F4A7C15ULL) >> shift_; }

  int shift_ = 60;
  uint64_t mask_ = 15;
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> values_;
};

class SpatialJoinOperator final : public JoinOperator {
 public:
  SpatialJoinOperator(const plan::Join& node, OperatorPtr left, OperatorPtr right, ExecContext* ctx,
                      std::shared_ptr<ProbeRestriction> restriction,
                      std::shared_ptr<SelfProbe> self = nullptr)
      : JoinOperator(node, std::move(left), std::move(right), ctx),
        keys_(*node.spatial),
        restriction_(std::move(restriction)),
        self_(std::move(self)) {}

  Status InitKeys() {
    SKY_RETURN_IF_ERROR(Init());
    for (auto [expr, out] : {std::pair{&keys_.left_ra, &left_ra_},
                             {&keys_.left_dec, &left_dec_},
                             {&keys_.right_ra, &right_ra_},
                             {&keys_.right_dec, &right_dec_}}) {
      if (*expr == nullptr) return Status::Internal("spatial join without its positions");
      SKY_ASSIGN_OR_RETURN(*out, ExpressionEvaluator::Compile(**expr, ctx()));
    }
    const double r = keys_.radius_deg;
    if (!std::isfinite(r) || r < 0) return Status::Internal("spatial join with a bad radius");
    neighbour_order_ = NeighbourPixelOrder(r);
    neighbours_ = neighbour_order_ >= 0;
    order_ = neighbours_ ? neighbour_order_ : DiscPixelOrder(r);
    // A margin far above any difference between the condition's formula and this one
    // (relative 1e-9, plus 1e-9 degrees), far below any radius worth a join.
    const double padded = r * (1 + 1e-9) + 1e-9;
    prefilter_ = padded < 179.0;
    // Unit vectors a chord of 2 sin(d / 2) apart are d apart: the padded radius as a squared
    // chord, compared without a trigonometric call per candidate.
    const double s = std::sin(0.5 * padded * kDegToRad);
    chord2_limit_ = 4 * s * s;
    // |Dec1 - Dec2| never exceeds the separation.
    dec_pad_ = prefilter_ ? padded * kDegToRad : std::numeric_limits<double>::infinity();
    // Pairs within the radius shrunk by the same margin satisfy the bounding conjunct whatever
    // its formula: the join checks only the rest of the condition on them.
    const double shrunk = r * (1 - 1e-9) - 1e-9;
    if (keys_.has_residual && prefilter_ && shrunk > 0) {
      const double t = std::sin(0.5 * shrunk * kDegToRad);
      sure_chord2_ = 4 * t * t;
      SKY_RETURN_IF_ERROR(UseSureCandidates(keys_.residual.get()));
    }
    return Status::OK();
  }

 protected:
  Status AddRightBatch(const ColumnBatch& batch, size_t first_row) override {
    SKY_RETURN_IF_ERROR(
        Positions(*right_ra_, *right_dec_, batch, &ra_scratch_, &dec_scratch_, &state_scratch_));
    const size_t entries_before = entries_.capacity();
    for (size_t i = 0; i < batch.num_rows; ++i) {
      const auto row = static_cast<uint32_t>(first_row + i);
      const double ra = ra_scratch_[i], dec = dec_scratch_[i];
      build_ra_.push_back(ra);
      build_dec_.push_back(dec);
      if (state_scratch_[i] == kNull) continue;
      if (state_scratch_[i] == kInvalid) {
        wild_.push_back(row);
        continue;
      }
      if (neighbours_) {
        // Its own pixel only, at any order <= the neighbour order: the order-29 index.
        entries_.push_back({HealpixIndex29(ra, dec), row});
        continue;
      }
      pixels_scratch_.clear();
      DiscPixels(order_, ra, dec, keys_.radius_deg, &pixels_scratch_);
      for (uint64_t p : pixels_scratch_) entries_.push_back({p, row});
    }
    const size_t grown = (entries_.capacity() - entries_before) * sizeof(Entry);
    return right_store().AccountExtra(grown + batch.num_rows * 2 * sizeof(double));
  }

  Status FinishBuild() override {
    build_rows_ = build_ra_.size();
    auto by_key = [](const Entry& a, const Entry& b) {
      return a.key != b.key ? a.key < b.key : a.row < b.row;
    };
    // A spatial table's rows arrive in index order already.
    if (!std::is_sorted(entries_.begin(), entries_.end(), by_key)) {
      std::sort(entries_.begin(), entries_.end(), by_key);
    }
    if (restriction_ != nullptr) SKY_RETURN_IF_ERROR(DecideRestriction());
    if (self_ != nullptr) SKY_RETURN_IF_ERROR(SelectSelfProbeRows());
    int shift = 0;  // entries_ hold pixels at order_ in the disc form
    if (neighbours_) {
      // Restricted, the probe rows come from all over the sky in small groups: the finest order
      // gives the fewest candidates. Otherwise the order the build rows' density asks for.
      if (restriction_ == nullptr || !restriction_->use) order_ = CoarseOrder();
      shift = 2 * (kIndexOrder - order_);
    }
    // Buckets: runs of equal pixels, each sorted by Dec.
    const size_t n = entries_.size();
    SKY_RETURN_IF_ERROR(right_store().AccountExtra(n * (4 * sizeof(double) + sizeof(uint32_t))));
    b_x_.reserve(n);
    b_y_.reserve(n);
    b_z_.reserve(n);
    b_dec_.reserve(n);
    b_row_.reserve(n);
    for (size_t i = 0; i < n;) {
      const uint64_t pixel = entries_[i].key >> shift;
      size_t j = i + 1;
      while (j < n && entries_[j].key >> shift == pixel) ++j;
      if (j - i > 1) {
        std::sort(entries_.begin() + static_cast<ptrdiff_t>(i),
                  entries_.begin() + static_cast<ptrdiff_t>(j),
                  [this](const Entry& a, const Entry& b) {
                    const double da = build_dec_[a.row], db = build_dec_[b.row];
                    return da != db ? da < db : a.row < b.row;
                  });
      }
      bucket_pixels_.push_back(pixel);
      bucket_begin_.push_back(static_cast<uint32_t>(i));
      for (size_t e = i; e < j; ++e) {
        const uint32_t row = entries_[e].row;
        const UnitVector v = ToUnitVector(build_ra_[row], build_dec_[row]);
        b_x_.push_back(v.x);
        b_y_.push_back(v.y);
        b_z_.push_back(v.z);
        b_dec_.push_back(build_dec_[row] * kDegToRad);
        b_row_.push_back(row);
      }
      i = j;
    }
    bucket_begin_.push_back(static_cast<uint32_t>(n));
    SKY_RETURN_IF_ERROR(right_store().AccountExtra(PixelDirectory::BytesFor(bucket_pixels_.size()) +
                                                   bucket_pixels_.size() * 12));
    directory_.Build(bucket_pixels_);
    std::vector<Entry>().swap(entries_);
    std::vector<double>().swap(build_ra_);
    std::vector<double>().swap(build_dec_);
    return Status::OK();
  }

  Status StartLeft(const ColumnBatch& left) override {
    SKY_RETURN_IF_ERROR(
        Positions(*left_ra_, *left_dec_, left, &probe_ra_, &probe_dec_, &probe_state_));
    probe_rows_ = left.num_rows;
    position_ = 0;
    row_started_ = false;
    return Status::OK();
  }

  bool NextCandidates(size_t max, const std::vector<uint8_t>& skip_left,
                      std::vector<uint32_t>* left_out, std::vector<uint32_t>* right_out) override {
    while (position_ < probe_rows_) {
      if (!row_started_) {
        if (probe_state_[position_] == kNull || (!skip_left.empty() && skip_left[position_])) {
          ++position_;
          continue;
        }
        StartRow();
      }
      const auto l = static_cast<uint32_t>(position_);
      while (phase_ != Phase::kDone) {
        if (phase_ == Phase::kBuckets) {
          if (!SweepSpan(l, max, left_out, right_out)) return true;
          if (++span_ < spans_.size()) {
            OpenSpan();
          } else {
            NextPhase();
          }
          continue;
        }
        // The build rows without a valid position, or every build row.
        while (cursor_ < cursor_end_) {
          if (left_out->size() >= max) return true;
          const auto r = phase_ == Phase::kWild ? wild_[cursor_] : static_cast<uint32_t>(cursor_);
          ++cursor_;
          left_out->push_back(l);
          right_out->push_back(r);
          sure()->push_back(0);
        }
        NextPhase();
      }
      row_started_ = false;
      ++position_;
      // Semi and anti joins: let the caller mark matches before this row's next candidates.
      if (!skip_left.empty() && !left_out->empty()) return position_ < probe_rows_;
    }
    return false;
  }

 private:
  enum State : uint8_t { kNull, kInvalid, kValid };
  // A probe row's candidates: its buckets (valid positions), then the build rows without a
  // valid position; or every build row (a probe row without a valid position).
  enum class Phase : uint8_t { kBuckets, kWild, kAll, kDone };
  // While building: the order-29 index (neighbour form) or the pixel (disc form) of a row.
  struct Entry {
    uint64_t key;
    uint32_t row;
  };
  // A bucket with more rows than this is entered by a binary search on Dec.
  static constexpr size_t kSweepRows = 16;
  // The coarsest occupancy worth a coarser order: an occupied pixel of the chosen order holds
  // about this many build rows (fewer bucket lookups, still few candidates per probe row).
  static constexpr size_t kRowsPerPixel = 4;

  // The positions of `batch` as doubles in degrees, and their state.
  static Status Positions(ExpressionEvaluator& ra_eval, ExpressionEvaluator& dec_eval,
                          const ColumnBatch& batch, std::vector<double>* ra,
                          std::vector<double>* dec, std::vector<uint8_t>* state) {
    const size_t n = batch.num_rows;
    ra->assign(n, 0);
    dec->assign(n, 0);
    state->assign(n, kValid);
    EvalVector v;
    for (int k = 0; k < 2; ++k) {
      SKY_RETURN_IF_ERROR((k == 0 ? ra_eval : dec_eval).Evaluate(batch, &v));
      std::vector<double>& out = k == 0 ? *ra : *dec;
      const VPhys phys = VPhysOf(v.type);
      for (size_t i = 0; i < n; ++i) {
        if (v.type == ValueType::kNull || v.IsNull(i) ||
            (phys != VPhys::kInt && phys != VPhys::kDouble)) {
          (*state)[i] = kNull;
          continue;
        }
        out[i] = phys == VPhys::kInt ? static_cast<double>(v.col().ints[v.Index(i)])
                                     : v.col().doubles[v.Index(i)];
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if ((*state)[i] == kValid && !ValidPosition((*ra)[i], (*dec)[i])) (*state)[i] = kInvalid;
    }
    return Status::OK();
  }

  struct UnitVector {
    double x, y, z;
  };
  static UnitVector ToUnitVector(double ra_deg, double dec_deg) {
    const double ra = ra_deg * kDegToRad, dec = dec_deg * kDegToRad;
    const double c = std::cos(dec);
    return {c * std::cos(ra), c * std::sin(ra), std::sin(dec)};
  }

  // The candidates of the current probe row `l` in the open span (cursor_ .. cursor_end_, by
  // ascending Dec): the rows in its Dec band (|Dec1 - Dec2| never exceeds the separation) whose
  // unit vectors lie within the padded chord of its own. False when `max` pairs are out (the
  // span stays open at the next candidate), true when the span is done.
  bool SweepSpan(uint32_t l, size_t max, std::vector<uint32_t>* left_out,
                 std::vector<uint32_t>* right_out) {
    const double lo = row_dec_ - dec_pad_, hi = row_dec_ + dec_pad_;
    const double* dec = b_dec_.data();
    const double* bx = b_x_.data();
    const double* by = b_y_.data();
    const double* bz = b_z_.data();
    const double x = row_x_, y = row_y_, z = row_z_, limit = chord2_limit_;
    const double sure_limit = sure_chord2_;
    std::vector<uint8_t>* const sure_out = sure();
    const bool prefilter = prefilter_;
    size_t c = cursor_;
    const size_t end = cursor_end_;
    for (; c < end; ++c) {
      if (dec[c] > hi) {  // sorted by Dec: the rest of the span is farther
        c = end;
        break;
      }
      if (dec[c] < lo) continue;
      double d2 = limit;
      if (prefilter) {
        const double dx = bx[c] - x, dy = by[c] - y, dz = bz[c] - z;
        d2 = dx * dx + dy * dy + dz * dz;
        if (d2 > limit) continue;
      }
      if (left_out->size() >= max) {
        cursor_ = c;
        return false;
      }
      left_out->push_back(l);
      right_out->push_back(b_row_[c]);
      sure_out->push_back(d2 < sure_limit ? 1 : 0);
    }
    cursor_ = c;
    return true;
  }

  // The finest order <= the neighbour order at which an occupied pixel holds kRowsPerPixel
  // build rows on average (entries_ sorted by order-29 index): the number of distinct pixels at
  // every order comes from one pass, each adjacent pair's first differing order.
  int CoarseOrder() const {
    const int k = neighbour_order_;
    if (entries_.size() < 2) return k;
    std::array<size_t, kIndexOrder + 1> new_pixel_at{};
    for (size_t i = 1; i < entries_.size(); ++i) {
      const uint64_t x = entries_[i].key ^ entries_[i - 1].key;
      if (x == 0) continue;
      const int msb = 63 - std::countl_zero(x);
      ++new_pixel_at[static_cast<size_t>(std::max(0, kIndexOrder - msb / 2))];
    }
    std::array<size_t, kIndexOrder + 1> distinct{};
    size_t count = 1;
    for (int j = 0; j <= k; ++j) {
      count += new_pixel_at[static_cast<size_t>(j)];
      distinct[static_cast<size_t>(j)] = count;
    }
    for (int j = k; j > 0; --j) {
      if (entries_.size() >= kRowsPerPixel * distinct[static_cast<size_t>(j)]) return j;
    }
    return 0;
  }

  void StartRow() {
    row_started_ = true;
    if (probe_state_[position_] != kValid) {
      phase_ = Phase::kAll;
      cursor_ = 0;
      cursor_end_ = build_rows_;
      return;
    }
    const double ra = probe_ra_[position_], dec = probe_dec_[position_];
    row_dec_ = dec * kDegToRad;
    const UnitVector v = ToUnitVector(ra, dec);
    row_x_ = v.x;
    row_y_ = v.y;
    row_z_ = v.z;
    const uint64_t pixel = PixelAt(order_, ra, dec);
    if (pixel != last_pixel_ || !have_last_pixel_) {
      last_pixel_ = pixel;
      have_last_pixel_ = true;
      LoadSpans(pixel);
    }
    phase_ = Phase::kBuckets;
    span_ = 0;
    if (spans_.empty()) {
      NextPhase();
    } else {
      OpenSpan();
    }
  }

  // The buckets a probe row in `pixel` takes: the pixel's own and (neighbour form) its
  // neighbours'.
  void LoadSpans(uint64_t pixel) {
    spans_.clear();
    std::array<uint64_t, 8> near{};
    const int n = neighbours_ ? NeighbourPixels(order_, pixel, &near) : 0;
    for (int i = -1; i < n; ++i) {
      const int64_t b = directory_.Find(i < 0 ? pixel : near[static_cast<size_t>(i)]);
      if (b < 0) continue;
      spans_.push_back(
          {bucket_begin_[static_cast<size_t>(b)], bucket_begin_[static_cast<size_t>(b) + 1]});
    }
  }

  void OpenSpan() {
    const auto [begin, end] = spans_[span_];
    cursor_ = begin;
    cursor_end_ = end;
    if (end - begin > kSweepRows) {
      cursor_ = static_cast<size_t>(
          std::lower_bound(b_dec_.begin() + begin, b_dec_.begin() + end, row_dec_ - dec_pad_) -
          b_dec_.begin());
    }
  }

  // After the buckets: the wild rows, if any; after them (or every row): done.
  void NextPhase() {
    if (phase_ == Phase::kBuckets && !wild_.empty()) {
      phase_ = Phase::kWild;
      cursor_ = 0;
      cursor_end_ = wild_.size();
      return;
    }
    phase_ = Phase::kDone;
    cursor_ = cursor_end_ = 0;
  }

  // A self-join's partition: the build rows whose index lies in the partition's ranges are its
  // probe rows (entries_ sorted by index, rows in arrival order within an index: the order of
  // the left scan). Every row of a spatial table has a valid position, its index the one the
  // store keys it by (HealpixIndex29 of the same doubles).
  // REQUIRES: entries_ sorted and still by order-29 index (neighbour form).
  Status SelectSelfProbeRows() {
    if (!neighbours_ || !wild_.empty() || entries_.size() != build_rows_) {
      return Status::Internal("self-join partition with build rows that have no position");
    }
    SKY_RETURN_IF_ERROR(right_store().AccountExtra(build_rows_ * sizeof(uint32_t)));
    const std::vector<IndexRange>& ranges = self_->ranges;
    self_->rows.reserve(build_rows_);
    size_t r = 0;
    for (const Entry& e : entries_) {
      while (r < ranges.size() && ranges[r].end <= e.key) ++r;
      if (r == ranges.size()) break;
      if (e.key >= ranges[r].begin) self_->rows.push_back(e.row);
    }
    self_->build = &right_rows();
    return Status::OK();
  }

  // Whether the deferred probe scan reads only the ranges that can hold a partner of a build
  // row, and which: the union of the build positions' disc covers (radius r, padded as the
  // prefilter's), small gaps read through (DiscCoverRanges), intersected with the scan's own
  // ranges. Used when reading them costs less than reading the scan as planned (its table's
  // rows): the ranges' share of the index space times the table's rows (rows spread evenly: the
  // store keeps no per-range counts), plus kRowsPerSeek rows a range. Every probe row within r of
  // a build row lies in the ranges, so the result is the unrestricted one. Build rows without a
  // valid position meet every probe row: no restriction then.
  // REQUIRES: entries_ sorted (FinishBuild), build_ra_ and build_dec_ still there.
  Status DecideRestriction() {
    restriction_->use = false;
    if (!wild_.empty()) return Status::OK();
    // The distinct valid build positions (entries_ hold valid rows only; a row appears under
    // several pixels in the disc form).
    std::vector<SkyPoint> centres;
    SKY_RETURN_IF_ERROR(right_store().AccountExtra(entries_.size() * sizeof(SkyPoint)));
    centres.reserve(neighbours_ ? entries_.size() : entries_.size() / 4 + 1);
    std::vector<uint8_t> seen(neighbours_ ? 0 : build_rows_, 0);
    for (const Entry& e : entries_) {
      if (!neighbours_) {
        if (seen[e.row] != 0) continue;
        seen[e.row] = 1;
      }
      const SkyPoint p{build_ra_[e.row], build_dec_[e.row]};
      if (!centres.empty() && centres.back().ra_deg == p.ra_deg &&
          centres.back().dec_deg == p.dec_deg) {
        continue;  // twins: one cover
      }
      centres.push_back(p);
    }
    const double padded = keys_.radius_deg * (1 + 1e-9) + 1e-9;
    const double rows = restriction_->probe_rows;
    // The estimated cost, in rows, of reading `ranges`: the rows in them (their share of the
    // index space times the table's rows) and the seeks.
    auto area_rows = [rows](const std::vector<IndexRange>& ranges) {
      long double span = 0;
      for (const IndexRange& r : ranges) {
        span += static_cast<long double>(std::min(r.end, kIndexPixels) - std::min(r.begin, r.end));
      }
      return static_cast<double>(span / static_cast<long double>(kIndexPixels)) * rows;
    };
    auto seek_rows = [](const std::vector<IndexRange>& ranges) {
      return static_cast<double>(ranges.size()) * kRowsPerSeek;
    };
    auto cover = [&](int finer) {
      std::vector<IndexRange> ranges = DiscCoverRanges(
          DiscCoverOrder(padded, centres.size(), finer), centres, padded, kGapPixels);
      if (!restriction_->ranges.empty()) ranges = IntersectRanges(ranges, restriction_->ranges);
      return ranges;
    };
    // More centres than the table has rows: covering them (~1 us each) costs more than the
    // scan. While covering: up to about 9 pixel spans of 16 bytes a centre (DiscCoverOrder keeps
    // the finer covers below that).
    if (centres.size() > kMaxProbeRanges || static_cast<double>(centres.size()) > rows) {
      return Status::OK();
    }
    SKY_RETURN_IF_ERROR(right_store().AccountExtra(centres.size() * 9 * 2 * sizeof(uint64_t)));
    // Covers at the coarsest order have the fewest ranges (fewest seeks), at finer orders the
    // least area: the finer one is tried when the area's rows outweigh the seeks (a dense
    // catalog), and the cheaper kept.
    std::vector<IndexRange> ranges = cover(0);
    double cost = area_rows(ranges) + seek_rows(ranges);
    if (area_rows(ranges) > seek_rows(ranges) &&
        DiscCoverOrder(padded, centres.size(), kFinerCoverOrders) >
            DiscCoverOrder(padded, centres.size(), 0)) {
      std::vector<IndexRange> finer = cover(kFinerCoverOrders);
      const double finer_cost = area_rows(finer) + seek_rows(finer);
      if (finer_cost < cost) {
        ranges = std::move(finer);
        cost = finer_cost;
      }
    }
    if (ranges.size() > kMaxProbeRanges || cost >= rows) return Status::OK();
    SKY_RETURN_IF_ERROR(right_store().AccountExtra(ranges.size() * sizeof(IndexRange)));
    // No range at all (no build row with a position, or none in the scan's own ranges): an
    // empty range, since no ranges at all would mean the whole table.
    if (ranges.empty()) ranges.push_back({0, 0});
    restriction_->ranges = std::move(ranges);
    restriction_->use = true;
    return Status::OK();
  }

  const plan::SpatialJoinKeys& keys_;
  std::shared_ptr<ProbeRestriction> restriction_;
  std::shared_ptr<SelfProbe> self_;  // a self-join's partition, else null
  std::unique_ptr<ExpressionEvaluator> left_ra_, left_dec_, right_ra_, right_dec_;
  bool neighbours_ = true;   // the neighbour form (else the disc form)
  int neighbour_order_ = 0;  // NeighbourPixelOrder(r), -1 in the disc form
  int order_ = 0;            // the order of the buckets
  bool prefilter_ = true;
  double chord2_limit_ = 0;  // the padded radius as a squared chord between unit vectors
  // The radius shrunk by the margin, likewise: a candidate closer than this is a sure match of
  // the bounding conjunct (-1: no candidate is, e.g. no residual known).
  double sure_chord2_ = -1;
  double dec_pad_ = 0;  // radians

  // Build side while building: per row, the position (degrees; 0 when NULL).
  std::vector<double> build_ra_, build_dec_;
  size_t build_rows_ = 0;
  std::vector<uint32_t> wild_;  // build rows with an invalid (not NULL) position
  std::vector<Entry> entries_;  // while building
  // After building: bucket b holds entries bucket_begin_[b] .. bucket_begin_[b + 1] of b_*, the
  // build rows filed under pixel bucket_pixels_[b] (ascending), by ascending Dec: Dec in
  // radians and the unit vector, a column each for the sweep.
  std::vector<uint64_t> bucket_pixels_;
  std::vector<uint32_t> bucket_begin_;
  std::vector<double> b_x_, b_y_, b_z_, b_dec_;
  std::vector<uint32_t> b_row_;
  PixelDirectory directory_;
  std::vector<double> ra_scratch_, dec_scratch_;
  std::vector<uint8_t> state_scratch_;
  std::vector<uint64_t> pixels_scratch_;

  // Probe side: the current left batch.
  std::vector<double> probe_ra_, probe_dec_;
  std::vector<uint8_t> probe_state_;
  size_t probe_rows_ = 0;
  size_t position_ = 0;
  bool row_started_ = false;
  double row_dec_ = 0;                        // the current row's Dec, radians
  double row_x_ = 0, row_y_ = 0, row_z_ = 0;  // and its unit vector
  Phase phase_ = Phase::kDone;
  size_t span_ = 0;
  size_t cursor_ = 0, cursor_end_ = 0;
  // Rows of a scan in HEALPix order come pixel by pixel: the last pixel's buckets are reused.
  bool have_last_pixel_ = false;
  uint64_t last_pixel_ = 0;
  std::vector<std::pair<uint32_t, uint32_t>> spans_;  // [begin, end) in b_*
};

// The scan the probe ranges apply to: under an optional Gather, Filters and Projects.
const plan::Scan* ProbeScan(const plan::PlanNode& node, const plan::PlanNode** start) {
  const plan::PlanNode* n = &node;
  if (n->kind == plan::PlanKind::kGather) n = n->children[0].get();
  *start = n;
  while (n->kind == plan::PlanKind::kFilter || n->kind == plan::PlanKind::kProject) {
    n = n->children[0].get();
  }
  if (n->kind != plan::PlanKind::kScan) return nullptr;
  const auto& s = n->As<plan::Scan>();
  if (s.access.kind != plan::ScanAccess::Kind::kFull &&
      s.access.kind != plan::ScanAccess::Kind::kRanges) {
    return nullptr;
  }
  return &s;
}

// Whether a partitioned join's two inputs are the same rows: the same table through the same
// ranges, filters, projections and columns (a self-join), keyed by the same columns.
bool SameInput(const plan::Join& node, const plan::Scan& left, const plan::Scan& right) {
  if (left.table != right.table || left.access.kind != right.access.kind) return false;
  if (left.access.ranges.size() != right.access.ranges.size()) return false;
  for (size_t i = 0; i < left.access.ranges.size(); ++i) {
    if (left.access.ranges[i].begin != right.access.ranges[i].begin ||
        left.access.ranges[i].end != right.access.ranges[i].end) {
      return false;
    }
  }
  const plan::SpatialJoinKeys& k = *node.spatial;
  for (auto [a, b] : {std::pair{&k.left_ra, &k.right_ra}, {&k.left_dec, &k.right_dec}}) {
    if (*a == nullptr || *b == nullptr || (*a)->kind != plan::ExprKind::kColumn ||
        (*b)->kind != plan::ExprKind::kColumn || (*a)->depth != 0 || (*b)->depth != 0 ||
        (*a)->column != (*b)->column) {
      return false;
    }
  }
  return plan::Explain(*node.children[0]) == plan::Explain(*node.children[1]);
}

}  // namespace

Result<OperatorPtr> MakeSpatialJoin(const plan::Join& node, OperatorPtr right, ExecContext* ctx,
                                    const ScanPartition* partition) {
  if (!node.spatial.has_value() || node.children.size() != 2) {
    return Status::Internal("spatial join without its keys");
  }
  std::shared_ptr<ProbeRestriction> restriction;
  OperatorPtr left;
  const plan::PlanNode* start = nullptr;
  const plan::Scan* scan =
      node.spatial->restrict_left_scan ? ProbeScan(*node.children[0], &start) : nullptr;
  if (scan != nullptr && partition == nullptr) {
    restriction = std::make_shared<ProbeRestriction>();
    restriction->probe_rows =
        scan->table != nullptr ? static_cast<double>(scan->table->def.row_count) : 0;
    if (scan->access.kind == plan::ScanAccess::Kind::kRanges) {
      restriction->ranges = scan->access.ranges;
      // No range at all: DecideRestriction's intersection must stay empty.
      if (restriction->ranges.empty()) restriction->ranges.push_back({0, 0});
    }
    const plan::PlanNode* planned = node.children[0].get();
    left = std::make_unique<DeferredOperator>(
        [restriction, planned, start, scan, ctx]() -> Result<OperatorPtr> {
          if (!restriction->use) return BuildOperator(*planned, ctx);
          ScanPartition p;
          p.scan = scan;
          p.ranges = restriction->ranges;
          return BuildOperator(*start, ctx, &p);
        });
  }
  // Partitioned (catalog x catalog): the Gather above partitions the left scan; the right scan
  // reads only the partition's pixels at the partition order and their neighbours, which hold
  // every build row within r of a probe row of the partition (PartitionNeighbourhood).
  const plan::PlanNode* left_start = nullptr;
  const plan::PlanNode* right_start = nullptr;
  std::shared_ptr<SelfProbe> self;
  if (partition != nullptr && node.spatial->partition_order >= 0 &&
      partition->scan == ProbeScan(*node.children[0], &left_start)) {
    const plan::Scan* build_scan = ProbeScan(*node.children[1], &right_start);
    if (build_scan != nullptr) {
      ScanPartition p;
      p.scan = build_scan;
      p.ranges = PartitionNeighbourhood(node.spatial->partition_order, partition->ranges);
      if (build_scan->access.kind == plan::ScanAccess::Kind::kRanges) {
        p.ranges = IntersectRanges(p.ranges, build_scan->access.ranges);
      }
      if (SameInput(node, *partition->scan, *build_scan)) {
        // The build rows hold the partition's own rows: the left scan is not read.
        self = std::make_shared<SelfProbe>();
        self->ranges = partition->ranges;
        if (partition->scan->access.kind == plan::ScanAccess::Kind::kRanges) {
          self->ranges = IntersectRanges(self->ranges, partition->scan->access.ranges);
        }
        left = std::make_unique<SelfProbeOperator>(self, ctx->batch_rows());
      }
      SKY_ASSIGN_OR_RETURN(right, BuildOperator(*right_start, ctx, &p));
    }
  }
  if (left == nullptr) {
    SKY_ASSIGN_OR_RETURN(left, BuildOperator(*node.children[0], ctx, partition));
  }
  auto op = std::make_unique<SpatialJoinOperator>(node, std::move(left), std::move(right), ctx,
                                                  std::move(restriction), std::move(self));
  SKY_RETURN_IF_ERROR(op->InitKeys());
  return OperatorPtr(std::move(op));
}

}  // namespace skyshard::adql::exec
