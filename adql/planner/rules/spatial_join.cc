// Spatial join: a join whose condition bounds the angular separation of a position from each
// input by a constant radius r (a positional cross-match) runs as a spatial join
// (adql/exec/spatial_join.cc: the build input's positions filed under the HEALPix pixels their
// discs of radius r touch, each probe row checked against its own pixel's candidates) instead of
// a nested loop over every pair. The rule fills Join::spatial; the condition stays whole and is
// still checked on every candidate pair, so the keys only have to be a necessary condition.
//
// Worked example (an uploaded target list against Object, 1 arcsec):
//   SELECT u.id, o.objectId FROM TAP_UPLOAD.targets AS u
//   JOIN dp02_dc2_catalogs.Object AS o
//     ON DISTANCE(POINT('ICRS', u.ra, u.dec), POINT('ICRS', o.coord_ra, o.coord_dec)) < 1./3600
//   WHERE o.detect_isPrimary = 1
// arrives (after predicate pushdown and projection pushdown) as
//   Project [id, objectId] = #0, #3
//     Join inner on (DISTANCE(POINT('ICRS', #1, #2), POINT('ICRS', #4, #5)) < 0.000277...)
//       Scan TAP_UPLOAD.targets full [id, ra, dec]
//       Scan dp02_dc2_catalogs.Object full [objectId, coord_ra, coord_dec, detect_isPrimary]
//            filter=(#3 = TRUE)
// and becomes (the upload is the smaller input, so it moves to the build side; a Project keeps
// the columns in the order the query wrote them)
//   Project [id, objectId] = #0, #3
//     Project [id, ra, dec, objectId, ...] = #4, #5, #6, #0, #1, #2, #3
//       Join inner spatial(r=0.000277778 (#1, #2) ~ (#1, #2) probe-ranges)
//            on (DISTANCE(POINT('ICRS', #5, #6), POINT('ICRS', #1, #2)) < 0.000277...)
//         Scan dp02_dc2_catalogs.Object full [objectId, coord_ra, coord_dec, detect_isPrimary]
//              filter=(#3 = TRUE)
//         Scan TAP_UPLOAD.targets full [id, ra, dec]
// `probe-ranges`: the probe input is a scan keyed by its position, so the executor reads only
// the index ranges of the pixels the targets' discs touch (for an inner, semi or right join,
// where probe rows without a match are dropped anyway).
//
// A conjunct bounds the separation when it is, with a left position (ra, dec expressions over
// the left input only) and a right one (over the right input only), in either order, and r a
// numeric constant:
//  - DISTANCE(POINT(a), POINT(b)), DISTANCE(ra1, dec1, ra2, dec2) or scisql_angSep(ra1, dec1,
//    ra2, dec2) compared `< r` or `<= r` (or `r >`, `r >=`);
//  - CONTAINS(POINT(a), CIRCLE(b, r)) or INTERSECTS of the point and the circle (either
//    order), or scisql_s2PtInCircle(ra1, dec1, ra2, dec2, r), compared so that only 1 passes
//    (`= 1`, `1 =`, `<> 0`, `> 0`, `>= 1`) or standing alone as the conjunct.
// POINT and CIRCLE may carry an ICRS (or empty, or NULL) frame. The positions may be any
// expressions that cannot fail, hold no subquery and are not volatile. A radius that makes the
// conjunct never true (`< 0`) or invalid (a negative CIRCLE radius) leaves the join alone.
//
// All join types keep their meaning: the candidates are a superset of the matching pairs, and
// the executor's join machinery (adql/exec/internal/join.h) does the outer, semi and anti
// bookkeeping. A spatial join is preferred to hash keys (`a.band = b.band AND DISTANCE(...)`
// would hash on a handful of values); the hash keys are dropped, the equalities stay in the
// condition.
//
// Catalog x catalog: when both inputs are scans of spatial tables keyed by their positions and
// both are estimated at 1 M rows or more, the build side would not fit (or would hold a whole
// table): the Join goes under a Gather that splits the left scan into partitions of the key
// space (about 250 k build rows each), and the executor builds each partition's join from the
// right table's rows in the partition's pixels at a coarse order c and their neighbours
// (SpatialJoinKeys::partition_order), on the worker threads. E.g.
//   SELECT COUNT(*) FROM cat.A AS a JOIN cat.B AS b
//     ON DISTANCE(POINT(a.ra, a.dec), POINT(b.ra, b.dec)) < 1./3600      (10 M rows each)
// becomes
//   Aggregate COUNT(*)
//     Gather concat partitions=40
//       Join inner spatial(r=0.000277778 (#0, #1) ~ (#0, #1) partitioned(order=8)) on (...)
//         Scan cat.A full [ra, dec]
//         Scan cat.B full [ra, dec]
// Only for inner, left, semi and anti joins (each probe row is decided within its partition;
// RIGHT and FULL joins report unmatched build rows, and a margin row is built by several
// partitions).
//
// Build side: the executor builds from the right input. For inner and outer joins the input
// with fewer estimated rows (EstimateRows: an upload's row count, a cone's share of a table)
// goes to the right; a LEFT join swapped becomes a RIGHT join (the upload-outer-join case:
// `FROM targets LEFT JOIN Object` builds the targets and streams Object).
#include "adql/planner/rules/spatial_join.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>
#include <utility>

#include "adql/binder/query_catalog.h"
#include "adql/planner/internal/expr_util.h"
#include "adql/planner/internal/plan_util.h"
#include "common/ascii.h"
#include "indexing/disc_pixels.h"

namespace skyshard::adql::planner {
namespace {

using plan::JoinType;
using plan::Op;
using plan::PlanKind;
using plan::SpatialJoinKeys;

// A position: its RA and Dec expressions (over the join's concatenated input).
struct Position {
  const Expr* ra = nullptr;
  const Expr* dec = nullptr;
};

bool HasFrame(const Expr& call) {
  return call.signature != nullptr && !call.signature->params.empty() &&
         call.signature->params[0].name == "coosys" && !call.args.empty();
}

// As spatial pushdown (internal/sky_region.cc): ICRS, empty or NULL; anything else is not
// read as this catalog's coordinates.
bool AcceptedFrame(const Expr& frame) {
  if (frame.kind != ExprKind::kConstant) return false;
  if (frame.value.is_null) return true;
  if (frame.value.type != ValueType::kVarChar) return false;
  std::string_view s = frame.value.string_value;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  if (s.empty()) return true;
  return EqualsIgnoreCase(s.substr(0, s.find_first_of(" \t")), "ICRS");
}

// The position of POINT([frame,] ra, dec).
std::optional<Position> PointOf(const Expr& e) {
  if (e.kind != ExprKind::kFunction || !IsCall(e, "POINT")) return std::nullopt;
  size_t first = 0;
  if (HasFrame(e)) {
    if (!AcceptedFrame(*e.args[0])) return std::nullopt;
    first = 1;
  }
  if (e.args.size() != first + 2) return std::nullopt;
  return Position{e.args[first].get(), e.args[first + 1].get()};
}

// The centre and radius of CIRCLE([frame,] ra, dec, r) / CIRCLE([frame,] POINT, r).
std::optional<std::pair<Position, const Expr*>> CircleOf(const Expr& e) {
  if (e.kind != ExprKind::kFunction || !IsCall(e, "CIRCLE")) return std::nullopt;
  size_t first = 0;
  if (HasFrame(e)) {
    if (!AcceptedFrame(*e.args[0])) return std::nullopt;
    first = 1;
  }
  const size_t n = e.args.size() - first;
  if (n == 3) {
    return std::make_pair(Position{e.args[first].get(), e.args[first + 1].get()},
                          e.args[first + 2].get());
  }
  if (n == 2) {
    auto centre = PointOf(*e.args[first]);
    if (!centre.has_value()) return std::nullopt;
    return std::make_pair(*centre, e.args[first + 1].get());
  }
  return std::nullopt;
}

// -1: no column; 0: left only; 1: right only; 2: both.
int SideOf(const Expr& e, int left_width) {
  bool l = false, r = false;
  for (int c : ScopeColumns(e)) (c < left_width ? l : r) = true;
  if (l && r) return 2;
  if (l) return 0;
  if (r) return 1;
  return -1;
}

bool UsableKey(const Expr& e) {
  return IsMovable(e) && !MayFail(e) && (IsNumeric(e.type) || e.type == ValueType::kNull);
}

// The keys of two positions within `radius` of each other, one over each input.
std::optional<SpatialJoinKeys> Pair(const Position& a, const Position& b, double radius,
                                    int left_width) {
  if (!std::isfinite(radius) || radius < 0) return std::nullopt;
  for (const Expr* e : {a.ra, a.dec, b.ra, b.dec}) {
    if (!UsableKey(*e)) return std::nullopt;
  }
  auto side = [&](const Position& p) {
    const int s = SideOf(*p.ra, left_width), t = SideOf(*p.dec, left_width);
    if (s == -1) return t;
    if (t == -1 || t == s) return s;
    return 2;
  };
  const int sa = side(a), sb = side(b);
  const Position* left = nullptr;
  const Position* right = nullptr;
  if (sa == 0 && sb == 1) {
    left = &a;
    right = &b;
  } else if (sa == 1 && sb == 0) {
    left = &b;
    right = &a;
  } else {
    return std::nullopt;
  }
  SpatialJoinKeys k;
  k.left_ra = left->ra->Clone();
  k.left_dec = left->dec->Clone();
  k.right_ra = right->ra->Clone();
  k.right_dec = right->dec->Clone();
  for (ExprPtr* e : {&k.right_ra, &k.right_dec}) {
    RemapColumns(**e, [&](int c) { return c - left_width; });
  }
  k.radius_deg = radius;
  return k;
}

// `distance op limit` with distance a DISTANCE / scisql_angSep call.
std::optional<SpatialJoinKeys> DistanceKeys(const Expr& d, Op op, const Expr& limit,
                                            int left_width) {
  if (op != Op::kLess && op != Op::kLessEqual) return std::nullopt;
  std::optional<double> r = NumericConstant(limit);
  if (!r.has_value() || (op == Op::kLess && *r <= 0)) return std::nullopt;
  if (IsCall(d, "DISTANCE") && d.args.size() == 2) {
    auto a = PointOf(*d.args[0]);
    auto b = PointOf(*d.args[1]);
    if (!a.has_value() || !b.has_value()) return std::nullopt;
    return Pair(*a, *b, *r, left_width);
  }
  if ((IsCall(d, "DISTANCE") || IsCall(d, "scisql_angSep")) && d.args.size() == 4) {
    return Pair({d.args[0].get(), d.args[1].get()}, {d.args[2].get(), d.args[3].get()}, *r,
                left_width);
  }
  return std::nullopt;
}

// A 0/1 predicate that is 1 only for positions within its radius.
std::optional<SpatialJoinKeys> PredicateKeys(const Expr& e, int left_width) {
  if (e.kind != ExprKind::kFunction) return std::nullopt;
  if ((IsCall(e, "CONTAINS") || IsCall(e, "INTERSECTS")) && e.args.size() == 2) {
    const bool symmetric = IsCall(e, "INTERSECTS");
    for (int order = 0; order < (symmetric ? 2 : 1); ++order) {
      auto point = PointOf(*e.args[order]);
      auto circle = CircleOf(*e.args[1 - order]);
      if (!point.has_value() || !circle.has_value()) continue;
      std::optional<double> r = NumericConstant(*circle->second);
      if (!r.has_value()) return std::nullopt;
      return Pair(*point, circle->first, *r, left_width);
    }
    return std::nullopt;
  }
  if (IsCall(e, "scisql_s2PtInCircle") && e.args.size() == 5) {
    std::optional<double> r = NumericConstant(*e.args[4]);
    // Beyond 180 degrees the UDF gives NULL: leave that to the nested loop.
    if (!r.has_value() || *r > 180) return std::nullopt;
    return Pair({e.args[0].get(), e.args[1].get()}, {e.args[2].get(), e.args[3].get()}, *r,
                left_width);
  }
  return std::nullopt;
}

// The Scan under Filters and Projects (the chain the executor walks), or null.
const plan::Scan* ChainScan(const PlanNode& node) {
  switch (node.kind) {
    case PlanKind::kScan:
      return &node.As<plan::Scan>();
    case PlanKind::kFilter:
    case PlanKind::kProject:
      return ChainScan(*node.children[0]);
    default:
      return nullptr;
  }
}

// True when `input` is a chain over a scan of a spatial table keyed by exactly the position
// (ra, dec), expressions over the input's columns.
bool ScanKeyedByPosition(PlanNode& input, const Expr& ra_expr, const Expr& dec_expr) {
  const plan::Scan* scan = ChainScan(input);
  if (scan == nullptr || scan->table == nullptr ||
      scan->table->source != QueryTable::Source::kStore ||
      scan->table->def.kind != TableKind::kSpatial ||
      (scan->access.kind != plan::ScanAccess::Kind::kFull &&
       scan->access.kind != plan::ScanAccess::Kind::kRanges)) {
    return false;
  }
  if (ra_expr.kind != ExprKind::kColumn || ra_expr.depth != 0 ||
      dec_expr.kind != ExprKind::kColumn || dec_expr.depth != 0) {
    return false;
  }
  const ColumnOrigin ra = TraceColumn(input, ra_expr.column);
  const ColumnOrigin dec = TraceColumn(input, dec_expr.column);
  const TableDef& def = scan->table->def;
  const int ra_column = def.ColumnIndex(def.ra_column);
  const int dec_column = def.ColumnIndex(def.dec_column);
  if (ra.scan != scan || dec.scan != scan || ra_column < 0 || dec_column < 0 ||
      ra.table_column != ra_column || dec.table_column != dec_column) {
    return false;
  }
  return def.columns[static_cast<size_t>(ra_column)].type.type == DataType::kDouble &&
         def.columns[static_cast<size_t>(dec_column)].type.type == DataType::kDouble;
}

// Catalog x catalog: the build side is partitioned from PlannerOptions::
// partitioned_join_min_rows estimated rows (a build of ~100 bytes a row), into pieces of about
// kRowsPerPartition rows.
constexpr double kRowsPerPartition = 250e3;
constexpr int kMaxPartitions = 4096;
// The Gather cuts the key space into equal pieces, and the sky is not even (clusters, the
// galactic plane): at least this many pieces a worker thread, handed out one at a time, keep
// every thread busy to the end (each piece re-reads a margin ring of a few percent).
constexpr int kPartitionsPerThread = 4;
// The margin order: a partition spans at least this many of its pixels, and the order is at
// least kMarginOrder (pixels of 0.23 deg: the margin, one ring of them around the partition,
// stays a few percent of it), and at most the join's neighbour order.
constexpr uint64_t kPixelsPerPartition = 64;
constexpr int kMarginOrder = 8;

// Wraps the spatial join at *slot in a Gather over the left scan's partitions when both inputs
// are large scans of spatial tables keyed by their positions and the join type lets each
// probe row be decided within its own partition (inner, left, semi, anti: a build row may be
// read by several partitions, so RIGHT and FULL joins, which report unmatched build rows, are
// built whole).
void MaybePartition(PlanPtr* slot, const PlannerOptions& options) {
  auto& join = (*slot)->As<plan::Join>();
  SpatialJoinKeys& k = *join.spatial;
  const int neighbour_order = NeighbourPixelOrder(k.radius_deg);
  if (neighbour_order < 0 || join.type == JoinType::kRight || join.type == JoinType::kFull) return;
  const double left_rows = EstimateRows(*join.children[0]);
  const double right_rows = EstimateRows(*join.children[1]);
  const auto min_rows = static_cast<double>(options.partitioned_join_min_rows);
  if (right_rows < min_rows || left_rows < min_rows) return;
  if (!ScanKeyedByPosition(*join.children[0], *k.left_ra, *k.left_dec) ||
      !ScanKeyedByPosition(*join.children[1], *k.right_ra, *k.right_dec)) {
    return;
  }
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const int parts = static_cast<int>(std::clamp(std::ceil(right_rows / kRowsPerPartition),
                                                static_cast<double>(kPartitionsPerThread * threads),
                                                static_cast<double>(kMaxPartitions)));
  int order = kMarginOrder;
  while ((12ULL << (2 * order)) < kPixelsPerPartition * static_cast<uint64_t>(parts)) ++order;
  k.partition_order = std::min(order, neighbour_order);
  k.restrict_left_scan = false;
  auto gather = std::make_unique<plan::Gather>();
  gather->merge = plan::Gather::Merge::kConcat;
  gather->partitions = parts;
  gather->schema = (*slot)->schema;
  gather->children.push_back(std::move(*slot));
  *slot = std::move(gather);
}

void Visit(PlanPtr* slot, const PlannerOptions& options) {
  for (PlanPtr& c : (*slot)->children) Visit(&c, options);
  if ((*slot)->kind != PlanKind::kJoin) return;
  auto& j = (*slot)->As<plan::Join>();
  if (j.condition == nullptr || j.type == JoinType::kCross || j.spatial.has_value()) return;
  const int left_width = static_cast<int>(j.children[0]->schema.size());
  std::vector<const Expr*> conjuncts;
  CollectConjuncts(*j.condition, &conjuncts);
  size_t chosen = 0;
  for (size_t i = 0; i < conjuncts.size(); ++i) {
    if (auto k = SpatialKeysOf(*conjuncts[i], left_width)) {
      // Several bounds (a cross-match within r1 and within r2): the smallest.
      if (!j.spatial.has_value() || k->radius_deg < j.spatial->radius_deg) {
        j.spatial = std::move(k);
        chosen = i;
      }
    }
  }
  if (!j.spatial.has_value()) return;
  // What a pair clearly within the radius must still satisfy: every other conjunct.
  std::vector<ExprPtr> rest;
  for (size_t i = 0; i < conjuncts.size(); ++i) {
    if (i != chosen) rest.push_back(conjuncts[i]->Clone());
  }
  j.spatial->residual = rest.empty() ? nullptr : CombineConjuncts(std::move(rest));
  j.spatial->has_residual = true;
  j.left_keys.clear();
  j.right_keys.clear();
  const bool swappable = j.type == JoinType::kInner || j.type == JoinType::kLeft ||
                         j.type == JoinType::kRight || j.type == JoinType::kFull;
  PlanPtr* join_slot = slot;
  if (swappable && EstimateRows(*j.children[0]) < EstimateRows(*j.children[1])) {
    SwapJoinInputs(slot);
    join_slot = &(*slot)->children[0];
  }
  auto& join = (*join_slot)->As<plan::Join>();
  // Probe rows outside every build disc can be skipped only when unmatched probe rows are
  // dropped: not for LEFT / FULL / ANTI joins, which keep them.
  const bool drops_unmatched_left = join.type == JoinType::kInner ||
                                    join.type == JoinType::kRight || join.type == JoinType::kSemi;
  join.spatial->restrict_left_scan =
      drops_unmatched_left &&
      ScanKeyedByPosition(*join.children[0], *join.spatial->left_ra, *join.spatial->left_dec);
  MaybePartition(join_slot, options);
}

}  // namespace

std::optional<SpatialJoinKeys> SpatialKeysOf(const Expr& e, int left_width) {
  std::optional<BoundingCall> b = AsBoundingCall(e);
  if (!b.has_value()) return std::nullopt;
  if (b->separation) return DistanceKeys(*b->call, b->op, *b->constant, left_width);
  return PredicateKeys(*b->call, left_width);
}

void PlanSpatialJoins(plan::PlanPtr* plan, const PlannerOptions& options) { Visit(plan, options); }

}  // namespace skyshard::adql::planner
