// The scalar semantics of skyshard's user-defined functions (the ivo_* and scisql_* entries of
// the FunctionRegistry, function_registry.h), as plain functions the executor calls once per row.
// The table of functions is docs/functions.md.
//
// Conventions: an argument or result of std::nullopt is SQL NULL. Unless a function says
// otherwise, a NULL argument gives a NULL result. Angles are in degrees; RA (longitude) is taken
// modulo 360; a latitude outside [-90, 90] or a non-finite coordinate gives NULL (never an error,
// so that one bad row does not fail a query). A Result<> error is reserved for arguments that are
// wrong for every row (a HEALPix order outside 0..29) or that a standard declares an error.
//
// Thread safety: every function is pure (no state, no allocation beyond its result) and may be
// called concurrently from any number of threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skyshard::adql::udf {

using OptDouble = std::optional<double>;
using OptInt = std::optional<int32_t>;
using OptText = std::optional<std::string_view>;

// A position on the sky in degrees, RA in [0, 360), Dec in [-90, 90]: the value of a POINT.
struct SkyPoint {
  double ra = 0;
  double dec = 0;
};

// ---- Photometry (Rubin scisql). AB zero point: 3631 Jy = 3631e9 nJy is magnitude 0. ----------

// scisql_nanojanskyToAbMag(flux) = -2.5 log10(flux * 1e-9 / 3631), i.e. 1 nJy is 31.40007 mag.
// NULL for flux NULL, non-finite or <= 0: a negative flux has no magnitude (NULL, not an error).
// (scisql itself adds the rounded constant 31.4, which differs by 6.6e-5 mag.)
OptDouble NanojanskyToAbMag(OptDouble flux_njy);
// scisql_nanojanskyToAbMagSigma(flux, flux_sigma) = 2.5 / ln(10) * flux_sigma / flux, the
// first-order error of the magnitude. NULL when either is NULL or non-finite, flux <= 0 or
// flux_sigma < 0.
OptDouble NanojanskyToAbMagSigma(OptDouble flux_njy, OptDouble flux_sigma_njy);
// scisql_abMagToNanojansky(mag) = 3631e9 * 10^(-0.4 mag) nJy, the inverse of NanojanskyToAbMag.
// NULL for a non-finite mag.
OptDouble AbMagToNanojansky(OptDouble mag);
// scisql_abMagToNanojanskySigma(mag, mag_sigma) = AbMagToNanojansky(mag) * ln(10) / 2.5 *
// mag_sigma. NULL when either is non-finite or mag_sigma < 0.
OptDouble AbMagToNanojanskySigma(OptDouble mag, OptDouble mag_sigma);

// ---- Spherical geometry (Rubin scisql) ---------------------------------------------------------

// scisql_angSep(ra1, dec1, ra2, dec2): great-circle distance in degrees, in [0, 180], by the
// Vincenty (atan2) formula, accurate to a few ulps from 0 (identical positions give exactly 0)
// to 180 degrees. NULL if any argument is NULL or non-finite or a Dec is outside [-90, 90].
OptDouble AngSep(OptDouble ra1, OptDouble dec1, OptDouble ra2, OptDouble dec2);
// scisql_angSep(x1, y1, z1, x2, y2, z2): the angle in degrees between two 3-vectors of any
// non-zero length. NULL if any is NULL or non-finite, or a vector is zero.
OptDouble AngSepVectors(OptDouble x1, OptDouble y1, OptDouble z1, OptDouble x2, OptDouble y2,
                        OptDouble z2);
// scisql_s2PtInCircle(ra, dec, center_ra, center_dec, radius): 1 if AngSep(point, centre) <=
// radius, else 0. scisql's NULL rules: 0 (not NULL) if any argument is NULL; NULL if any is
// non-finite, a Dec is outside [-90, 90], or radius is outside [0, 180].
OptInt S2PtInCircle(OptDouble ra, OptDouble dec, OptDouble center_ra, OptDouble center_dec,
                    OptDouble radius);
// scisql_s2PtInBox(ra, dec, ra_min, dec_min, ra_max, dec_max): 1 if dec_min <= dec <= dec_max
// and the RA lies in the RA range, else 0. The RA range: when ra_min and ra_max both lie in
// [0, 360], it runs from ra_min eastwards to ra_max and wraps through 0/360 when ra_max < ra_min
// ([350, 10] holds RA 350..360 and 0..10). Otherwise ra_min <= ra_max is required (else NULL);
// a range of 360 degrees or more holds every RA; else both ends are reduced modulo 360 ([-10, 10]
// is [350, 10]). Edges count as inside. A box is a coordinate box: its RA edges are meridians
// and its Dec edges parallels. scisql's NULL rules: 0 if any argument is NULL; NULL if any is
// non-finite or a Dec is outside [-90, 90].
OptInt S2PtInBox(OptDouble ra, OptDouble dec, OptDouble ra_min, OptDouble dec_min, OptDouble ra_max,
                 OptDouble dec_max);
// scisql_s2PtInCPoly(ra, dec, ra1, dec1, ..., raN, decN): 1 if the point lies inside or on the
// convex spherical polygon with the N (3..20) vertices (great-circle edges, either orientation),
// else 0. `vertices` holds ra1, dec1, ra2, dec2, ... 0 if any argument is NULL; NULL if any is
// non-finite, a Dec is outside [-90, 90], the count is odd or not 3..20 vertices, or the vertices
// do not form a convex polygon smaller than a hemisphere (two equal consecutive vertices, turns
// in both directions).
OptInt S2PtInCPoly(OptDouble ra, OptDouble dec, const std::vector<OptDouble>& vertices);

// ---- HEALPix (IVOA UDF catalogue; NESTED numbering, Gorski et al. 2005) -----------------------

constexpr int kMaxHealpixOrder = 29;

// ivo_healpix_index(order, ra, dec): the NESTED index, in [0, 12 * 4^order), of the cell at
// `order` that contains (ra, dec). NULL if order, ra or dec is NULL, or the position is not
// finite or has a Dec outside [-90, 90]. InvalidArgument if order is outside [0, 29].
Result<std::optional<int64_t>> HealpixIndex(std::optional<int64_t> order, OptDouble ra,
                                            OptDouble dec);
// ivo_healpix_center(order, index): the centre of the NESTED cell `index` at `order`. NULL if
// either is NULL. InvalidArgument if order is outside [0, 29] or index outside [0, 12 * 4^order).
Result<std::optional<SkyPoint>> HealpixCenter(std::optional<int64_t> order,
                                              std::optional<int64_t> index);

// ---- Astrometry ---------------------------------------------------------------------------------

// ivo_epoch_prop_pos(ra, dec, parallax, pmra, pmdec, radial_velocity, ref_epoch, out_epoch): the
// position at out_epoch of a star at (ra, dec) at ref_epoch (Julian years), moving linearly in
// space: Lindegren's rigorous treatment (Hipparcos catalogue vol. 1, section 1.5.5), without
// light-time or relativistic terms. parallax in mas (NULL: infinitely distant, so the radial
// velocity has no effect), pmra = d(ra)/dt * cos(dec) and pmdec in mas/yr (NULL: 0),
// radial_velocity in km/s (NULL: 0). InvalidArgument when ra, dec, ref_epoch or out_epoch is
// NULL (the UDF catalogue makes these errors) or any argument is non-finite or Dec is outside
// [-90, 90].
Result<SkyPoint> EpochPropPos(OptDouble ra, OptDouble dec, OptDouble parallax_mas,
                              OptDouble pmra_mas_yr, OptDouble pmdec_mas_yr,
                              OptDouble radial_velocity_km_s, OptDouble ref_epoch,
                              OptDouble out_epoch);

// ---- Time
// ----------------------------------------------------------------------------------------

// ivo_to_mjd / gavo_to_mjd of a TIMESTAMP (microseconds since 1970-01-01T00:00:00, as in
// common/types.h): 40587 + micros / 86400e6, naively (no time scale). Exact to the double
// nearest the true value. NULL for NULL.
OptDouble ToMjd(std::optional<int64_t> micros);
// ivo_to_jd / gavo_to_jd: ToMjd + 2400000.5.
OptDouble ToJd(std::optional<int64_t> micros);
// ivo_to_mjd of an ISO 8601 string (the forms ParseTimestamp accepts). NULL for NULL;
// InvalidArgument naming the text when it is not a timestamp.
Result<OptDouble> TextToMjd(OptText text);
// ivo_to_jd of an ISO 8601 string, likewise.
Result<OptDouble> TextToJd(OptText text);

// ---- Text (IVOA UDF catalogue)
// -------------------------------------------------------------------

// ivo_hasword(haystack, needle): 1 if every word of needle is a word of haystack, else 0 (also 0
// when needle has no word). A word is a maximal run of ASCII letters and digits and non-ASCII
// (UTF-8) bytes; words compare case-insensitively in ASCII; no stemming ('show' does not find
// 'shown').
OptInt HasWord(OptText haystack, OptText needle);
// ivo_nocasematch(value, pattern): 1 if value matches the SQL LIKE pattern ('%' any run of
// characters, '_' exactly one UTF-8 character, no escape character), comparing ASCII letters
// case-insensitively, else 0.
OptInt NoCaseMatch(OptText value, OptText pattern);
// ivo_hashlist_has(hashlist, item): 1 if item equals, ignoring ASCII case, one of the words of
// hashlist separated by '#', else 0; 0 when item contains '#'.
OptInt HashlistHas(OptText hashlist, OptText item);
// ivo_hms_to_degrees(hms): 15 * (h + m/60 + s/3600) from 'h:m:s', 'hHmMsS' (letters in either
// case, the final 's' optional) or 'hhmmss[.s]' (at least two digits of hours); h and m are
// integers, s may have a fraction; spaces around are ignored. NULL if unparsable or m or s >= 60.
OptDouble HmsToDegrees(OptText hms);
// ivo_dms_to_degrees(dms): sign * (d + m/60 + s/3600), the same forms with 'd'/'D' and an optional
// leading '+' or '-' that applies to the whole value ('-00:15:00' is -0.25).
OptDouble DmsToDegrees(OptText dms);

// ---- Miscellaneous
// -------------------------------------------------------------------------------

// ivo_interval_overlaps(a1, b1, a2, b2): 1 if the closed intervals [a1, b1] and [a2, b2] share a
// point, else 0; an interval with lower bound > upper bound overlaps nothing.
OptInt IntervalOverlaps(OptDouble a1, OptDouble b1, OptDouble a2, OptDouble b2);
// ivo_normal_random(mu, sigma) given two independent uniform deviates u1 in (0, 1] and u2 in
// [0, 1) that the executor draws (as for RAND): mu + sigma * sqrt(-2 ln u1) cos(2 pi u2)
// (Box-Muller). NULL if mu or sigma is NULL. REQUIRES: 0 < u1 <= 1, 0 <= u2 < 1.
OptDouble NormalRandom(OptDouble mu, OptDouble sigma, double u1, double u2);

}  // namespace skyshard::adql::udf
