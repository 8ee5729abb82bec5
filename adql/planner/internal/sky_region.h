// Constant sky regions in bound expressions, for spatial pushdown (rules/spatial_pushdown.h):
// CIRCLE, BOX, POLYGON and REGION calls whose arguments are all constants become the indexing
// Region (indexing/healpix_index.h) the executor's exact test uses for them (adql/exec's
// geometry: MakeCircle, MakeBox, MakePolygon of the same numbers), and POINT(ra, dec) over a
// table's position columns is recognised.
//
// Coordinate systems: a constant first argument ('ICRS', '', 'ICRS GEOCENTER', or NULL) is
// accepted; any other frame is not (the rule then leaves the scan alone).
//
// Thread safety: pure functions.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "adql/binder/bound_expression.h"
#include "indexing/healpix_index.h"

namespace skyshard::adql::planner {

// The region of a constant CIRCLE / BOX / POLYGON / REGION expression; null when `e` is not
// one, has a non-constant or NULL argument, an unaccepted frame, or describes no valid region
// (a negative radius, a Dec outside [-90, 90], a polygon that is not convex, ...).
std::unique_ptr<Region> ConstantRegion(const plan::Expr& e);

// True when `e` is POINT([frame,] #ra, #dec) over depth-0 columns `ra` and `dec`.
bool IsPositionPoint(const plan::Expr& e, int ra, int dec);

// The (ra, dec) of a constant POINT([frame,] a, b); nullopt otherwise.
std::optional<std::pair<double, double>> ConstantPoint(const plan::Expr& e);

// True when `e` is the depth-0 column `column`.
bool IsColumn(const plan::Expr& e, int column);

// The numbers of an STC-S CIRCLE, BOX or POLYGON, parsed as the executor parses REGION text:
// the shape word, then frame / reference-position / flavour words, then numbers. Null for any
// other text (the rule then leaves the scan alone).
std::unique_ptr<Region> RegionFromStcs(std::string_view text);

}  // namespace skyshard::adql::planner
