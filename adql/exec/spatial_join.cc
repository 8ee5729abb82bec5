// Spatial join (a positional cross-match, Join::spatial, planned by
// adql/planner/rules/spatial_join.cc): the right (build) input is held in memory and each of its
// rows is filed under every HEALPix pixel, at an order k whose pixels are at least twice the
// radius r across, that its disc of radius r touches (indexing/disc_pixels.h, Healpix's
// inclusive disc query: exact at the poles and across RA 0/360). Each left (probe) row looks up
// the one pixel it lies in: a build row within r of it was filed there, whatever the pixel
// edges. Candidates that are clearly farther than r (a haversine test with a small margin) are
// dropped here; the join condition, still whole, decides on the rest (JoinOperator), so the
// result is the nested loop's to the last bit.
//
// Rows whose position is NULL match nothing (every bounding form is NULL then). A position that
// is not a valid one (non-finite, Dec beyond a pole) is not filed under a pixel: such a build row
// is a candidate for every probe row and such a probe row meets every build row, and the
// condition decides as the nested loop would.
//
// Probe-side ranges: when the planner found the left input to be a scan keyed by the probe
// position (SpatialJoinKeys::restrict_left_scan), the left input is built only once the build
// side is known, and its scan reads just the order-29 ranges of the pixels the build rows were
// filed under (intersected with its own ranges), in one sequential pass (a Gather planned above
// the scan is bypassed then: the ranges are few). An uploaded list of 10 k targets against a
// large catalog reads a few tens of thousands of small ranges instead of the catalog. When the
// pixels cover much of the scan anyway, the left input is built as planned.
//
// Memory: the build rows (RowStore), 16 bytes per (pixel, row) entry (12 once built), and 25
// bytes per row of positions, all accounted; beyond the budget the query fails with
// LimitExceeded ("query needs more than N MB of memory"). A catalog x catalog match of two large
// tables needs the coarse-partitioned form described in docs/query_engine.md (Cross-match).

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>

#include "adql/exec/internal/expression_nodes.h"
#include "adql/exec/internal/join.h"
#include "adql/planner/logical_plan.h"
#include "indexing/disc_pixels.h"
#include "indexing/index_ranges.h"

namespace skyshard::adql::exec {
namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;

// The probe ranges are used only when they are at most this many and cover at most this share
// of the pixels at the join's order; beyond, reading the scan as planned is as cheap.
constexpr size_t kMaxProbeRanges = 1 << 20;
constexpr double kMaxProbeShare = 0.5;

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
};

class SpatialJoinOperator final : public JoinOperator {
 public:
  SpatialJoinOperator(const plan::Join& node, OperatorPtr left, OperatorPtr right, ExecContext* ctx,
                      std::shared_ptr<ProbeRestriction> restriction)
      : JoinOperator(node, std::move(left), std::move(right), ctx),
        keys_(*node.spatial),
        restriction_(std::move(restriction)) {}

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
    order_ = DiscPixelOrder(r);
    // A margin far above any difference between the condition's formula and this one
    // (relative 1e-9, plus 1e-9 degrees), far below any radius worth a join.
    const double padded = r * (1 + 1e-9) + 1e-9;
    prefilter_ = padded < 179.0;
    const double s = std::sin(0.5 * padded * kDegToRad);
    hav_limit_ = s * s;
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
      build_cos_dec_.push_back(state_scratch_[i] == kValid ? std::cos(dec * kDegToRad) : 0.0);
      build_valid_.push_back(state_scratch_[i] == kValid ? 1 : 0);
      if (state_scratch_[i] == kNull) continue;
      if (state_scratch_[i] == kInvalid) {
        wild_.push_back(row);
        continue;
      }
      pixels_scratch_.clear();
      DiscPixels(order_, ra, dec, keys_.radius_deg, &pixels_scratch_);
      for (uint64_t p : pixels_scratch_) entries_.push_back({p, row});
    }
    const size_t grown = (entries_.capacity() - entries_before) * sizeof(Entry);
    return right_store().AccountExtra(grown + batch.num_rows * (3 * sizeof(double) + 1));
  }

  Status FinishBuild() override {
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return a.pixel != b.pixel ? a.pixel < b.pixel : a.row < b.row;
    });
    bucket_rows_.reserve(entries_.size());
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (i == 0 || entries_[i].pixel != entries_[i - 1].pixel) {
        bucket_pixels_.push_back(entries_[i].pixel);
        bucket_begin_.push_back(static_cast<uint32_t>(i));
      }
      bucket_rows_.push_back(entries_[i].row);
    }
    bucket_begin_.push_back(static_cast<uint32_t>(entries_.size()));
    // The buckets (12 bytes an entry) replace the entries (16): the accounted total, the peak,
    // stays as it is.
    std::vector<Entry>().swap(entries_);
    if (restriction_ != nullptr) DecideRestriction();
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
      const bool valid = probe_state_[position_] == kValid;
      const double ra = probe_ra_[position_] * kDegToRad;
      const double dec = probe_dec_[position_] * kDegToRad;
      const double cos_dec = valid ? std::cos(dec) : 0.0;
      while (cursor_ < cursor_end_) {
        if (left_out->size() >= max) return true;
        const uint32_t r = phase_ == 0   ? bucket_rows_[cursor_]
                           : phase_ == 1 ? wild_[cursor_]
                                         : static_cast<uint32_t>(cursor_);
        ++cursor_;
        if (valid && prefilter_ && build_valid_[r] &&
            !Near(ra, dec, cos_dec, build_ra_[r] * kDegToRad, build_dec_[r] * kDegToRad,
                  build_cos_dec_[r])) {
          continue;
        }
        left_out->push_back(l);
        right_out->push_back(r);
      }
      if (NextPhase()) continue;
      row_started_ = false;
      ++position_;
      // Semi and anti joins: let the caller mark matches before this row's next candidates.
      if (!skip_left.empty() && !left_out->empty()) return position_ < probe_rows_;
    }
    return false;
  }

 private:
  enum State : uint8_t { kNull, kInvalid, kValid };
  struct Entry {
    uint64_t pixel;
    uint32_t row;
  };

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

  // True when the positions (radians) may be within the padded radius.
  bool Near(double ra1, double dec1, double cos_dec1, double ra2, double dec2,
            double cos_dec2) const {
    const double sd = std::sin(0.5 * (dec2 - dec1));
    const double sr = std::sin(0.5 * (ra2 - ra1));
    return sd * sd + cos_dec1 * cos_dec2 * sr * sr <= hav_limit_;
  }

  // Candidates of the probe row at position_: its pixel's bucket (valid positions) or every
  // build row (invalid ones), then the build rows without a valid position.
  void StartRow() {
    row_started_ = true;
    if (probe_state_[position_] == kValid) {
      phase_ = 0;
      const uint64_t pixel = PixelAt(order_, probe_ra_[position_], probe_dec_[position_]);
      if (pixel != last_pixel_ || !have_last_pixel_) {
        last_pixel_ = pixel;
        have_last_pixel_ = true;
        auto it = std::lower_bound(bucket_pixels_.begin(), bucket_pixels_.end(), pixel);
        if (it == bucket_pixels_.end() || *it != pixel) {
          last_begin_ = last_end_ = 0;
        } else {
          const auto b = static_cast<size_t>(it - bucket_pixels_.begin());
          last_begin_ = bucket_begin_[b];
          last_end_ = bucket_begin_[b + 1];
        }
      }
      cursor_ = last_begin_;
      cursor_end_ = last_end_;
    } else {
      phase_ = 2;
      cursor_ = 0;
      cursor_end_ = build_ra_.size();
    }
    if (cursor_ == cursor_end_) NextPhase();
  }

  // Moves to the next list of candidates of the current row; false when there is none.
  bool NextPhase() {
    if (phase_ == 0 && !wild_.empty()) {
      phase_ = 1;
      cursor_ = 0;
      cursor_end_ = wild_.size();
      return true;
    }
    phase_ = 3;
    cursor_ = cursor_end_ = 0;
    return false;
  }

  void DecideRestriction() {
    restriction_->use = false;
    if (bucket_pixels_.size() > kMaxProbeRanges || !wild_.empty()) return;
    const double share =
        static_cast<double>(bucket_pixels_.size()) / static_cast<double>(12ULL << (2 * order_));
    if (share > kMaxProbeShare) return;
    std::vector<IndexRange> ranges = PixelRanges(order_, bucket_pixels_);
    if (!restriction_->ranges.empty()) ranges = IntersectRanges(ranges, restriction_->ranges);
    restriction_->ranges = std::move(ranges);
    restriction_->use = true;
  }

  const plan::SpatialJoinKeys& keys_;
  std::shared_ptr<ProbeRestriction> restriction_;
  std::unique_ptr<ExpressionEvaluator> left_ra_, left_dec_, right_ra_, right_dec_;
  int order_ = 0;
  bool prefilter_ = true;
  double hav_limit_ = 0;

  // Build side: per row, the position (degrees), cos(dec) and whether it is valid.
  std::vector<double> build_ra_, build_dec_, build_cos_dec_;
  std::vector<uint8_t> build_valid_;
  std::vector<uint32_t> wild_;  // build rows with an invalid (not NULL) position
  std::vector<Entry> entries_;  // while building
  // After building: bucket b holds bucket_rows_[bucket_begin_[b] .. bucket_begin_[b + 1]), the
  // build rows filed under pixel bucket_pixels_[b] (ascending).
  std::vector<uint64_t> bucket_pixels_;
  std::vector<uint32_t> bucket_begin_, bucket_rows_;
  std::vector<double> ra_scratch_, dec_scratch_;
  std::vector<uint8_t> state_scratch_;
  std::vector<uint64_t> pixels_scratch_;

  // Probe side: the current left batch.
  std::vector<double> probe_ra_, probe_dec_;
  std::vector<uint8_t> probe_state_;
  size_t probe_rows_ = 0;
  size_t position_ = 0;
  bool row_started_ = false;
  int phase_ = 0;  // 0: the pixel's bucket, 1: wild rows, 2: every build row, 3: done
  size_t cursor_ = 0, cursor_end_ = 0;
  // Rows of a scan in HEALPix order come pixel by pixel: the last lookup is reused.
  bool have_last_pixel_ = false;
  uint64_t last_pixel_ = 0;
  size_t last_begin_ = 0, last_end_ = 0;
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
  } else {
    SKY_ASSIGN_OR_RETURN(left, BuildOperator(*node.children[0], ctx, partition));
  }
  auto op = std::make_unique<SpatialJoinOperator>(node, std::move(left), std::move(right), ctx,
                                                  std::move(restriction));
  SKY_RETURN_IF_ERROR(op->InitKeys());
  return OperatorPtr(std::move(op));
}

}  // namespace skyshard::adql::exec
