#include "adql/parser/internal/syntax_checks.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "ADQLParserBaseVisitor.h"
#include "common/ascii.h"

namespace skyshard::adql::internal {

namespace {

using grammar::ADQLParser;

// What a parser can tell about an argument without a catalog.
enum class Kind { kNumber, kString, kNull, kPoint, kShape, kOther };

// What an argument position of a geometry function takes.
enum class Slot { kCoordSys, kNumber, kPoint, kGeometry };

Kind Classify(ADQLParser::ValueExpressionContext* value);

Kind ClassifyPrimary(ADQLParser::PrimaryContext* primary) {
  if (auto* literal = dynamic_cast<ADQLParser::LiteralValueContext*>(primary)) {
    return literal->literal()->stringLiteral() != nullptr ? Kind::kString : Kind::kNumber;
  }
  if (dynamic_cast<ADQLParser::NullValueContext*>(primary) != nullptr) return Kind::kNull;
  if (auto* parens = dynamic_cast<ADQLParser::ParenthesizedValueContext*>(primary)) {
    return Classify(parens->valueExpression());
  }
  if (auto* geometry = dynamic_cast<ADQLParser::GeometryContext*>(primary)) {
    switch (geometry->geometryFunction()->getStart()->getType()) {
      case ADQLParser::POINT:
      case ADQLParser::CENTROID:
        return Kind::kPoint;
      case ADQLParser::CIRCLE:
      case ADQLParser::BOX:
      case ADQLParser::POLYGON:
      case ADQLParser::REGION:
        return Kind::kShape;
      default:
        return Kind::kOther;
    }
  }
  return Kind::kOther;
}

// Only a lone operand is classified; any operator makes an expression of unknown kind.
Kind Classify(ADQLParser::ValueExpressionContext* value) {
  if (value->bitwiseExpr().size() != 1) return Kind::kOther;
  auto* bitwise = value->bitwiseExpr(0);
  if (bitwise->additiveExpr().size() != 1) return Kind::kOther;
  auto* additive = bitwise->additiveExpr(0);
  if (additive->multiplicativeExpr().size() != 1) return Kind::kOther;
  auto* multiplicative = additive->multiplicativeExpr(0);
  if (multiplicative->unaryExpr().size() != 1) return Kind::kOther;
  auto* unary = multiplicative->unaryExpr(0);
  Kind kind = ClassifyPrimary(unary->primary());
  bool signed_operand =
      unary->PLUS() != nullptr || unary->MINUS() != nullptr || unary->TILDE() != nullptr;
  if (signed_operand) return kind == Kind::kNumber ? Kind::kNumber : Kind::kOther;
  return kind;
}

bool IsCoordSys(Kind kind) { return kind == Kind::kString || kind == Kind::kNull; }

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kNumber:
      return "a number";
    case Kind::kString:
      return "a string";
    case Kind::kNull:
      return "NULL";
    case Kind::kPoint:
      return "a point";
    case Kind::kShape:
      return "a shape";
    case Kind::kOther:
      break;
  }
  return "an expression";
}

bool Fits(Kind kind, Slot slot) {
  switch (slot) {
    case Slot::kCoordSys:
      return IsCoordSys(kind);
    case Slot::kNumber:
      return kind != Kind::kString && kind != Kind::kPoint && kind != Kind::kShape;
    case Slot::kPoint:
      return kind != Kind::kNumber && kind != Kind::kString && kind != Kind::kShape;
    case Slot::kGeometry:
      return kind != Kind::kNumber && kind != Kind::kString;
  }
  return true;
}

std::string_view SlotName(Slot slot) {
  switch (slot) {
    case Slot::kCoordSys:
      return "a coordinate system (a string literal such as 'ICRS')";
    case Slot::kNumber:
      return "a number";
    case Slot::kPoint:
      return "a point (POINT(...), CENTROID(...) or a column)";
    case Slot::kGeometry:
      return "a geometry";
  }
  return "";
}

class Checker : public grammar::ADQLParserBaseVisitor {
 public:
  explicit Checker(const std::optional<std::vector<std::string>>& known_functions)
      : known_functions_(known_functions) {}

  CheckOutcome TakeOutcome() { return std::move(outcome_); }

  antlrcpp::Any visitGeometryFunction(ADQLParser::GeometryFunctionContext* ctx) override {
    CheckGeometry(ctx);
    return failed() ? antlrcpp::Any() : visitChildren(ctx);
  }

  antlrcpp::Any visitColumnReference(ADQLParser::ColumnReferenceContext* ctx) override {
    CheckParts(ctx->qualifiedName(), kMaxColumnParts,
               "a column name has at most four parts: catalog.schema.table.column");
    return failed() ? antlrcpp::Any() : visitChildren(ctx);
  }

  antlrcpp::Any visitSelectAllOf(ADQLParser::SelectAllOfContext* ctx) override {
    CheckParts(ctx->qualifiedName(), kMaxTableParts,
               "a table name has at most three parts: catalog.schema.table");
    return failed() ? antlrcpp::Any() : visitChildren(ctx);
  }

  antlrcpp::Any visitNamedTable(ADQLParser::NamedTableContext* ctx) override {
    CheckParts(ctx->qualifiedName(), kMaxTableParts,
               "a table name has at most three parts: catalog.schema.table");
    return failed() ? antlrcpp::Any() : visitChildren(ctx);
  }

  antlrcpp::Any visitUserDefinedFunction(ADQLParser::UserDefinedFunctionContext* ctx) override {
    antlr4::Token* name = ctx->REGULAR_ID()->getSymbol();
    std::string text = name->getText();
    auto& seen = outcome_.user_defined_functions;
    if (std::none_of(seen.begin(), seen.end(),
                     [&](const std::string& s) { return EqualsIgnoreCase(s, text); })) {
      seen.push_back(text);
    }
    if (known_functions_.has_value() &&
        std::none_of(known_functions_->begin(), known_functions_->end(),
                     [&](const std::string& s) { return EqualsIgnoreCase(s, text); })) {
      Fail(name, "unknown function '" + text + "'",
           "it is neither an ADQL function nor a user-defined function of this service");
      return {};
    }
    return visitChildren(ctx);
  }

 protected:
  bool shouldVisitNextChild(antlr4::tree::ParseTree* node,
                            const antlrcpp::Any& current_result) override {
    (void)node;
    (void)current_result;
    return !failed();
  }

 private:
  bool failed() const { return outcome_.failure.has_value(); }

  void Fail(antlr4::Token* token, std::string message, std::string hint = {}) {
    if (!failed()) outcome_.failure = CheckFailure{token, std::move(message), std::move(hint)};
  }

  static constexpr size_t kMaxColumnParts = 4;
  static constexpr size_t kMaxTableParts = 3;

  // Fails at the first part past `max_parts` of a dotted name.
  void CheckParts(ADQLParser::QualifiedNameContext* name, size_t max_parts, const char* hint) {
    auto parts = name->identifier();
    if (parts.size() <= max_parts) return;
    antlr4::Token* extra = parts[max_parts]->getStart();
    Fail(extra, "unexpected '" + extra->getText() + "'", hint);
  }

  // Checks that each argument fits its slot; `slots` has one entry per argument.
  void CheckSlots(ADQLParser::GeometryFunctionContext* ctx, const std::vector<Slot>& slots) {
    auto args = ctx->valueExpression();
    std::string function = ctx->getStart()->getText();
    for (size_t i = 0; i < args.size() && i < slots.size(); ++i) {
      Kind kind = Classify(args[i]);
      if (Fits(kind, slots[i])) continue;
      std::string hint;
      antlr4::Token* start = args[i]->getStart();
      if (start->getType() == ADQLParser::DELIMITED_ID && start == args[i]->getStop()) {
        hint = "strings are in single quotes; double quotes delimit identifiers";
      }
      Fail(start,
           "argument " + std::to_string(i + 1) + " of " + function + " must be " +
               std::string(SlotName(slots[i])) + ", not " + std::string(KindName(kind)),
           hint);
      return;
    }
  }

  void CheckGeometry(ADQLParser::GeometryFunctionContext* ctx) {
    auto args = ctx->valueExpression();
    size_t n = args.size();
    auto first_is_sys = [&] { return n > 0 && IsCoordSys(Classify(args[0])); };
    constexpr Slot kSys = Slot::kCoordSys;
    constexpr Slot kNum = Slot::kNumber;
    constexpr Slot kPt = Slot::kPoint;
    constexpr Slot kGeo = Slot::kGeometry;
    switch (ctx->getStart()->getType()) {
      case ADQLParser::POINT:
        CheckSlots(ctx,
                   n == 3 ? std::vector<Slot>{kSys, kNum, kNum} : std::vector<Slot>{kNum, kNum});
        break;
      case ADQLParser::CIRCLE:
        if (n == 4) {
          CheckSlots(ctx, {kSys, kNum, kNum, kNum});
        } else if (n == 3) {
          CheckSlots(ctx, first_is_sys() ? std::vector<Slot>{kSys, kPt, kNum}
                                         : std::vector<Slot>{kNum, kNum, kNum});
        } else {
          CheckSlots(ctx, {kPt, kNum});
        }
        break;
      case ADQLParser::BOX:
        if (n == 5) {
          CheckSlots(ctx, {kSys, kNum, kNum, kNum, kNum});
        } else if (n == 4) {
          CheckSlots(ctx, first_is_sys() ? std::vector<Slot>{kSys, kPt, kNum, kNum}
                                         : std::vector<Slot>{kNum, kNum, kNum, kNum});
        } else {
          CheckSlots(ctx, {kPt, kNum, kNum});
        }
        break;
      case ADQLParser::POLYGON:
        CheckPolygon(ctx);
        break;
      case ADQLParser::DISTANCE:
        CheckSlots(
            ctx, n == 4 ? std::vector<Slot>{kNum, kNum, kNum, kNum} : std::vector<Slot>{kPt, kPt});
        break;
      case ADQLParser::CONTAINS:
      case ADQLParser::INTERSECTS:
        CheckSlots(ctx, {kGeo, kGeo});
        break;
      case ADQLParser::AREA:
      case ADQLParser::CENTROID:
      case ADQLParser::COORDSYS:
        CheckSlots(ctx, {kGeo});
        break;
      case ADQLParser::COORD1:
      case ADQLParser::COORD2:
        CheckSlots(ctx, {kPt});
        break;
      default:  // REGION takes a string literal by grammar.
        break;
    }
  }

  // POLYGON([coordsys,] x1, y1, x2, y2, x3, y3, ...) or POLYGON([coordsys,] p1, p2, p3, ...).
  void CheckPolygon(ADQLParser::GeometryFunctionContext* ctx) {
    auto args = ctx->valueExpression();
    size_t first_vertex = IsCoordSys(Classify(args[0])) ? 1 : 0;
    std::vector<Slot> slots(first_vertex, Slot::kCoordSys);
    bool numbers = false;
    bool points = false;
    for (size_t i = first_vertex; i < args.size(); ++i) {
      Kind kind = Classify(args[i]);
      numbers = numbers || kind == Kind::kNumber;
      points = points || kind == Kind::kPoint;
    }
    size_t values = args.size() - first_vertex;
    if (numbers && points) {
      Fail(ctx->getStart(), "POLYGON mixes coordinates and points",
           "give every vertex as two coordinates, or every vertex as a point");
      return;
    }
    bool as_coordinates = numbers || (!points && values % 2 == 0 && values >= 6);
    size_t vertices = as_coordinates ? values / 2 : values;
    if (vertices < 3 || (as_coordinates && values % 2 != 0)) {
      Fail(ctx->getStart(),
           "POLYGON needs at least three vertices, each two coordinates or one point (" +
               std::to_string(values) + (as_coordinates ? " coordinates" : " points") + " given)");
      return;
    }
    slots.resize(args.size(), as_coordinates ? Slot::kNumber : Slot::kPoint);
    CheckSlots(ctx, slots);
  }

  const std::optional<std::vector<std::string>>& known_functions_;
  CheckOutcome outcome_;
};

}  // namespace

CheckOutcome CheckParseTree(ADQLParser::QueryContext* tree,
                            const std::optional<std::vector<std::string>>& known_functions) {
  Checker checker(known_functions);
  checker.visit(tree);
  return checker.TakeOutcome();
}

}  // namespace skyshard::adql::internal
