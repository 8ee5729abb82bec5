// ADQL geometry values inside the executor: POINT, CIRCLE, BOX (a coordinate box, as
// indexing/healpix_index.h's MakeBox) and POLYGON (great-circle edges), their STC-S text (how
// they travel in ColumnBatches and reach the user: "POINT ICRS 10 20",
// "CIRCLE ICRS 10 20 0.5", "BOX ICRS 10 20 2 1", "POLYGON ICRS 10 20 11 20 11 21"), and the
// ADQL geometry functions over them.
//
// CONTAINS and INTERSECTS are exact when one side is a POINT, and for a CIRCLE inside or against
// a CIRCLE; between two extended regions otherwise they test points sampled densely along the
// boundaries (and the centres), which can miss overlaps thinner than the sampling step
// (1/64 of an edge).
//
// Thread safety: plain values and pure functions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adql/functions/function_registry.h"
#include "common/status.h"
#include "indexing/healpix_index.h"

namespace skyshard::adql::exec {

struct Geometry {
  ValueType kind = ValueType::kPoint;  // kPoint, kCircle, kBox or kPolygon
  // POINT: ra, dec; CIRCLE: ra, dec, radius; BOX: ra, dec, width, height (degrees).
  double a = 0, b = 0, c = 0, d = 0;
  std::vector<double> vertices;  // POLYGON: ra1, dec1, ra2, dec2, ...
};

inline Geometry MakePointGeometry(double ra, double dec) {
  Geometry g;
  g.a = ra;
  g.b = dec;
  return g;
}

// STC-S text of `g` in the ICRS frame.
std::string ToStcs(const Geometry& g);
// Parses the STC-S of one POINT (or Position), CIRCLE, BOX or POLYGON, with optional frame,
// reference position and flavour words ("CIRCLE ICRS GEOCENTER 10 20 1"). InvalidArgument for
// other text; Unsupported for Union, Intersection, Not and other shapes.
Result<Geometry> ParseStcs(std::string_view text);

// The indexing Region of a CIRCLE, BOX or POLYGON. InvalidArgument for an invalid one (a Dec
// outside [-90, 90], a negative radius, a polygon that is not convex...) or a POINT.
Result<std::unique_ptr<Region>> ToRegion(const Geometry& g);

// CONTAINS(inner, outer) and INTERSECTS(a, b) (see the header comment for their precision).
// `outer_region` / `*_region` may be passed when already built (else null). InvalidArgument for
// invalid geometries.
Result<bool> GeometryContains(const Geometry& inner, const Geometry& outer,
                              const Region* outer_region = nullptr);
Result<bool> GeometryIntersects(const Geometry& a, const Geometry& b,
                                const Region* a_region = nullptr, const Region* b_region = nullptr);

// AREA in square degrees (0 for a POINT).
double GeometryArea(const Geometry& g);
// CENTROID: the centre of mass, as a POINT.
Geometry GeometryCentroid(const Geometry& g);

}  // namespace skyshard::adql::exec
