// VOUnit strings (IVOA VOUnits 1.1) and the constant factors between them, for ADQL's IN_UNIT
// (ADQL 2.1 section 2.4, the optional `features-adql-unit`).
//
// Supported syntax: the VOUnits grammar without function applications (`log(Hz)`) and quoted
// (unknown) units:
//   unit      := [scale] product ['/' factor]
//   product   := factor ('.' factor)*
//   factor    := symbol ['**' power] | '(' unit ')'
//   power     := integer | '(' integer ')'
//   scale     := '10' ['**' power] | a decimal number ('1e-3', '0.1')
// A symbol is one of VOUnits' known units (m, s, g, rad, deg, arcmin, arcsec, mas, sr, Hz, Jy,
// mag, pix/pixel, ct/count, ph/photon, d, h, min, a/yr, AU, pc, lyr, eV, erg, ... see units.cc),
// optionally after an SI prefix (y ... Y, `da`, `u` for micro) where VOUnits allows one (not
// on %, AU/au, mas, Angstrom, dB), or a binary prefix (Ki, Mi, ...) on bit, byte and B. A symbol
// that is known as a whole wins over a prefixed reading: `cd` is the candela, `Pa` the pascal,
// `mas` the milliarcsecond, `ms` the millisecond.
//
// Only units that differ by a constant factor convert (no offsets: there are none in
// VOUnits; no logarithms: `mag` converts to `mmag` but not to `Jy`). Angles are a dimension of
// their own (rad <-> deg converts; rad <-> a plain number does not); so are magnitudes, pixels,
// counts, photons, bits, ADUs, beams, bins, channels and voxels. Dates such as MJD are not
// units.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "common/status.h"

namespace skyshard::adql::internal {

// The factor f such that a quantity of x `from` is x * f `to` (IN_UNIT(coord_dec, 'arcsec') with
// coord_dec in deg: f = 3600). Exact where the units' definitions allow (deg -> arcsec, nJy ->
// Jy = 1e-9); to within a rounding or two otherwise (deg -> rad = pi / 180).
// Errors: InvalidArgument naming both units when either string is not a VOUnit skyshard knows
// ("unknown unit 'furlong'"), or when they measure different quantities ("cannot convert deg to
// Jy: deg is an angle, Jy is ...").
[[nodiscard]] Result<double> UnitConversionFactor(std::string_view from, std::string_view to);

}  // namespace skyshard::adql::internal
