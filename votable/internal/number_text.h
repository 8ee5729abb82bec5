// Numbers as text for TABLEDATA, CSV and TSV: the shortest decimal form that reads back as the
// same binary value (std::to_chars), with VOTable's spellings of the IEEE special values.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace skyshard::votable_internal {

// Appends the decimal form of `v`.
void AppendInt(int64_t v, std::string* out);

// Appends the shortest text that parses back to exactly `v` ("0.1", "-0", "1e-300"), or "NaN",
// "+Inf", "-Inf" (VOTable 1.4 section 6, accepted by strtod and Python's float()).
void AppendDouble(double v, std::string* out);

// As AppendDouble, shortest for single precision ("0.1" for 0.1f, not "0.10000000149011612").
void AppendFloat(float v, std::string* out);

}  // namespace skyshard::votable_internal
