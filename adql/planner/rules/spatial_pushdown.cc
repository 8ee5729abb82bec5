// Spatial pushdown: a scan of a spatial table (TableDef kind kSpatial, rows keyed by the HEALPix
// index of their position) whose filter can only be true inside a region of the sky reads just
// the index ranges covering that region (Region::Cover, indexing/healpix_index.h) instead of
// the whole table. The filter stays as it was: it is the exact test (the cover is inclusive:
// every row in the region is in the ranges, some rows in the ranges are outside it).
//
// Worked example (a cone search of 1 arcmin):
//   SELECT objectId FROM dp02_dc2_catalogs.Object
//   WHERE CONTAINS(POINT('ICRS', coord_ra, coord_dec), CIRCLE('ICRS', 10, 20, 0.0166667)) = 1
// arrives (after predicate pushdown) as
//   Scan Object full filter=(CONTAINS(POINT('ICRS', #1, #2), CIRCLE('ICRS', 10, 20, 0.0166667)) =
//   1)
// and becomes
//   Scan Object ranges=14 CIRCLE(10 20 0.0166667) filter=(...the same...)
// with the ranges of MakeCircle(10, 20, 0.0166667)->Cover().
//
// A condition bounds the position when it is
//  - CONTAINS(POINT(ra, dec), CIRCLE|BOX|POLYGON|REGION(constants)) or INTERSECTS of the point
//    with such a region (either order), compared so that only the value 1 passes (`= 1`,
//    `1 =`, `<> 0`, `> 0`, `>= 1`), or standing alone as the condition;
//  - DISTANCE(POINT(ra, dec), POINT(a, b)) (either order, or the four-number form) or
//    scisql_angSep(ra, dec, a, b) compared `< r` / `<= r` (or `r >` / `r >=`): the disc of r;
//  - scisql_s2PtInCircle / scisql_s2PtInBox / scisql_s2PtInCPoly(ra, dec, constants) passing
//    only 1: the disc, the coordinate box, the convex polygon;
//  - an AND with at least one bounding conjunct (the intersection of their covers), or an OR of
//    bounding conditions only (the union: a disjunction of cones reads each cone's ranges).
// The geometry's frame must be ICRS (or absent). Anything the executor would find invalid (a
// negative radius, a Dec beyond the pole, a non-convex polygon) leaves the scan full: the
// executor then gives the query its proper result or error. An empty intersection (two
// disjoint cones AND-ed) makes the scan kEmpty.
//
// Only kSpatial tables from the store, whose position columns are DOUBLE (their stored index
// was computed from exactly those values). Child tables are keyed by their *parent's*
// position, which is not the row's own ra/dec, so a condition on a child's own columns never
// becomes ranges (see the children-of rule for the join with the parent instead).
#include "adql/planner/rules/spatial_pushdown.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "adql/binder/query_catalog.h"
#include "adql/planner/internal/expr_util.h"
#include "adql/planner/internal/sky_region.h"
#include "indexing/index_ranges.h"

namespace skyshard::adql::planner {
namespace {

using plan::Op;

std::optional<SpatialBound> FromRegion(std::unique_ptr<Region> region) {
  if (region == nullptr) return std::nullopt;
  return SpatialBound{region->Cover(), region->ToString()};
}

std::optional<SpatialBound> Disc(double ra, double dec, double radius) {
  auto r = MakeCircle(ra, dec, radius);
  if (!r.ok()) return std::nullopt;
  return FromRegion(std::move(r).value());
}

// The bound implied by a 0/1-valued spatial predicate being 1.
std::optional<SpatialBound> PredicateBound(const Expr& e, int ra, int dec) {
  if (e.kind != ExprKind::kFunction) return std::nullopt;
  if (IsCall(e, "CONTAINS") && e.args.size() == 2) {
    if (!IsPositionPoint(*e.args[0], ra, dec)) return std::nullopt;
    return FromRegion(ConstantRegion(*e.args[1]));
  }
  if (IsCall(e, "INTERSECTS") && e.args.size() == 2) {
    if (IsPositionPoint(*e.args[0], ra, dec)) return FromRegion(ConstantRegion(*e.args[1]));
    if (IsPositionPoint(*e.args[1], ra, dec)) return FromRegion(ConstantRegion(*e.args[0]));
    return std::nullopt;
  }
  const bool circle = IsCall(e, "scisql_s2PtInCircle");
  const bool box = IsCall(e, "scisql_s2PtInBox");
  const bool poly = IsCall(e, "scisql_s2PtInCPoly");
  if (!circle && !box && !poly) return std::nullopt;
  if (e.args.size() < 2 || !IsColumn(*e.args[0], ra) || !IsColumn(*e.args[1], dec)) {
    return std::nullopt;
  }
  std::vector<double> n;
  for (size_t i = 2; i < e.args.size(); ++i) {
    std::optional<double> v = NumericConstant(*e.args[i]);
    if (!v.has_value() || !std::isfinite(*v)) return std::nullopt;
    n.push_back(*v);
  }
  if (circle) {
    if (n.size() != 3 || n[2] > 180) return std::nullopt;  // beyond 180: NULL for every row
    return Disc(n[0], n[1], n[2]);
  }
  if (poly) {
    if (n.size() < 6 || n.size() > 40 || n.size() % 2 != 0) return std::nullopt;
    auto r = MakePolygon(n);
    if (!r.ok()) return std::nullopt;
    return FromRegion(std::move(r).value());
  }
  // scisql_s2PtInBox(ra, dec, ra_min, dec_min, ra_max, dec_max): the RA interval as
  // udf_math.h defines it, as a centre and width for MakeBox.
  if (n.size() != 4) return std::nullopt;
  const double ra_min = n[0], dec_min = n[1], ra_max = n[2], dec_max = n[3];
  if (dec_min < -90 || dec_min > 90 || dec_max < -90 || dec_max > 90 || dec_min > dec_max) {
    return std::nullopt;
  }
  double width = 0;
  if (ra_min >= 0 && ra_min <= 360 && ra_max >= 0 && ra_max <= 360) {
    width = ra_max >= ra_min ? ra_max - ra_min : ra_max + 360 - ra_min;
  } else {
    if (ra_min > ra_max) return std::nullopt;
    width = ra_max - ra_min;
  }
  // A little wider than the box (1e-9 degrees, far below a pixel), so that rounding in the
  // centre and width can never cut off a row on an edge; the cover is inclusive anyway.
  constexpr double kPad = 1e-9;
  double center_ra = width >= 360 ? 0 : std::fmod(ra_min + width / 2, 360.0);
  if (center_ra < 0) center_ra += 360;
  const double w = width >= 360 ? 360 : width + 2 * kPad;
  const double center_dec = (dec_min + dec_max) / 2;
  const double h = dec_max - dec_min + 2 * kPad;
  auto r = MakeBox(center_ra, center_dec, w, h);
  if (!r.ok()) return std::nullopt;
  SpatialBound b{r.value()->Cover(), ""};
  b.description = "s2PtInBox(" + std::to_string(ra_min) + " " + std::to_string(dec_min) + " " +
                  std::to_string(ra_max) + " " + std::to_string(dec_max) + ")";
  return b;
}

// The disc bound by `distance < r` / `<= r`, where `distance` is DISTANCE or scisql_angSep of
// the position and a constant point.
std::optional<SpatialBound> DistanceBound(const Expr& distance, Op op, const Expr& limit, int ra,
                                          int dec) {
  if (op != Op::kLess && op != Op::kLessEqual) return std::nullopt;
  std::optional<double> r = NumericConstant(limit);
  if (!r.has_value() || !std::isfinite(*r)) return std::nullopt;
  std::optional<std::pair<double, double>> centre;
  if (IsCall(distance, "DISTANCE") && distance.args.size() == 2) {
    if (IsPositionPoint(*distance.args[0], ra, dec)) {
      centre = ConstantPoint(*distance.args[1]);
    } else if (IsPositionPoint(*distance.args[1], ra, dec)) {
      centre = ConstantPoint(*distance.args[0]);
    }
  } else if ((IsCall(distance, "DISTANCE") || IsCall(distance, "scisql_angSep")) &&
             distance.args.size() == 4) {
    const auto& a = distance.args;
    auto pair = [&](size_t i) -> std::optional<std::pair<double, double>> {
      auto x = NumericConstant(*a[i]);
      auto y = NumericConstant(*a[i + 1]);
      if (!x.has_value() || !y.has_value()) return std::nullopt;
      return std::make_pair(*x, *y);
    };
    if (IsColumn(*a[0], ra) && IsColumn(*a[1], dec)) {
      centre = pair(2);
    } else if (IsColumn(*a[2], ra) && IsColumn(*a[3], dec)) {
      centre = pair(0);
    }
  }
  if (!centre.has_value()) return std::nullopt;
  if (*r <= 0 && op == Op::kLess) return std::nullopt;  // never true; leave it to the executor
  return Disc(centre->first, centre->second, *r);
}

std::optional<SpatialBound> Combine(std::vector<SpatialBound> parts, bool intersect) {
  if (parts.empty()) return std::nullopt;
  SpatialBound out = std::move(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    out.ranges = intersect ? IntersectRanges(out.ranges, parts[i].ranges)
                           : UnionRanges(out.ranges, parts[i].ranges);
    out.description += (intersect ? " AND " : " OR ") + parts[i].description;
  }
  if (parts.size() > 1) out.description = "(" + out.description + ")";
  return out;
}

}  // namespace

std::optional<SpatialBound> BoundOf(const Expr& e, int ra, int dec) {
  switch (e.kind) {
    case ExprKind::kAnd: {
      std::vector<SpatialBound> parts;
      for (const ExprPtr& a : e.args) {
        if (auto b = BoundOf(*a, ra, dec)) parts.push_back(std::move(*b));
      }
      return Combine(std::move(parts), /*intersect=*/true);
    }
    case ExprKind::kOr: {
      std::vector<SpatialBound> parts;
      for (const ExprPtr& a : e.args) {
        auto b = BoundOf(*a, ra, dec);
        if (!b.has_value()) return std::nullopt;
        parts.push_back(std::move(*b));
      }
      return Combine(std::move(parts), /*intersect=*/false);
    }
    case ExprKind::kFunction:
    case ExprKind::kComparison: {
      std::optional<BoundingCall> b = AsBoundingCall(e);
      if (!b.has_value()) return std::nullopt;
      if (b->separation) return DistanceBound(*b->call, b->op, *b->constant, ra, dec);
      return PredicateBound(*b->call, ra, dec);
    }
    default:
      return std::nullopt;
  }
}

namespace {

void Visit(PlanNode& node) {
  for (PlanPtr& c : node.children) Visit(*c);
  if (node.kind != plan::PlanKind::kScan) return;
  auto& s = node.As<plan::Scan>();
  if (s.table == nullptr || s.filter == nullptr || s.access.kind != plan::ScanAccess::Kind::kFull ||
      s.table->source != QueryTable::Source::kStore || s.table->def.kind != TableKind::kSpatial) {
    return;
  }
  const TableDef& def = s.table->def;
  const int ra_table = def.ColumnIndex(def.ra_column);
  const int dec_table = def.ColumnIndex(def.dec_column);
  if (ra_table < 0 || dec_table < 0 ||
      def.columns[static_cast<size_t>(ra_table)].type.type != DataType::kDouble ||
      def.columns[static_cast<size_t>(dec_table)].type.type != DataType::kDouble) {
    return;
  }
  auto out = [&](int table_column) {
    auto it = std::find(s.columns.begin(), s.columns.end(), table_column);
    return it == s.columns.end() ? -1 : static_cast<int>(it - s.columns.begin());
  };
  const int ra = out(ra_table), dec = out(dec_table);
  if (ra < 0 || dec < 0) return;
  std::optional<SpatialBound> bound = BoundOf(*s.filter, ra, dec);
  if (!bound.has_value()) return;
  if (bound->ranges.empty()) {
    s.access.kind = plan::ScanAccess::Kind::kEmpty;
    s.access.description = bound->description;
    return;
  }
  s.access.kind = plan::ScanAccess::Kind::kRanges;
  s.access.ranges = std::move(bound->ranges);
  s.access.description = std::move(bound->description);
}

}  // namespace

void PushDownSpatial(plan::PlanPtr* plan, const PlannerOptions& /*options*/) { Visit(**plan); }

}  // namespace skyshard::adql::planner
