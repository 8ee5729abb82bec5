// Syntax checks after parsing: the constraints of the ADQL BNF that the grammar leaves out
// because they depend on the kind of an argument, which a parser can tell only for literals.
// The grammar's value expressions are untyped, so POINT('ICRS', 1, 2) and CIRCLE('ICRS', 1, 2)
// both parse; the BNF accepts the first and not the second (CIRCLE's three-argument form is
// either x, y, radius or coordinate system, centre point, radius). Checked here:
//  - POINT, CIRCLE, BOX, POLYGON: which argument is the coordinate system (a string literal or
//    NULL), which are coordinates and which are points; POLYGON has at least three vertices.
//  - DISTANCE (two points or four numbers), CONTAINS, INTERSECTS, AREA, CENTROID, COORD1,
//    COORD2, COORDSYS: no number or string literal where a geometry goes.
//  - User-defined functions: collected; unknown ones refused when the caller lists the known.
// An argument that is not a literal (a column, an expression) is accepted anywhere: its type is
// the binder's business.
//
// Internal to adql/parser/: uses ANTLR types.
//
// Thread safety: reentrant.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ADQLParser.h"

namespace skyshard::adql::internal {

struct CheckFailure {
  antlr4::Token* token = nullptr;  // where; owned by the token stream
  std::string message;
  std::string hint;
};

struct CheckOutcome {
  std::optional<CheckFailure> failure;
  // User-defined function names in order of first appearance, case-insensitively unique.
  std::vector<std::string> user_defined_functions;
};

// Checks the parse tree of a whole query. `known_functions`: see ParseOptions.
CheckOutcome CheckParseTree(grammar::ADQLParser::QueryContext* tree,
                            const std::optional<std::vector<std::string>>& known_functions);

}  // namespace skyshard::adql::internal
