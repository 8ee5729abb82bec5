#include "adql/planner/internal/sky_region.h"

#include <charconv>
#include <string>

#include "adql/planner/internal/expr_util.h"
#include "common/ascii.h"

namespace skyshard::adql::planner {
namespace {

// True when argument 0 of the call is its coordinate system (the signature's first parameter).
bool HasFrameArgument(const plan::Expr& e) {
  return e.signature != nullptr && !e.signature->params.empty() &&
         e.signature->params[0].name == "coosys" && !e.args.empty();
}

bool AcceptedFrame(const plan::Expr& frame) {
  if (frame.kind != ExprKind::kConstant) return false;
  if (frame.value.is_null) return true;  // a NULL frame: the geometry is NULL or ICRS
  if (frame.value.type != ValueType::kVarChar) return false;
  std::string_view s = frame.value.string_value;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  if (s.empty()) return true;
  size_t end = s.find_first_of(" \t");
  return EqualsIgnoreCase(s.substr(0, end), "ICRS");
}

// The numbers of args[from..], each a non-NULL numeric constant; nullopt otherwise.
std::optional<std::vector<double>> Numbers(const plan::Expr& e, size_t from) {
  std::vector<double> out;
  for (size_t i = from; i < e.args.size(); ++i) {
    std::optional<double> v = NumericConstant(*e.args[i]);
    if (!v.has_value()) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

// The arguments of a geometry constructor after its frame, with POINT arguments expanded into
// their two numbers; nullopt when one is not constant or a frame is not accepted.
std::optional<std::vector<double>> ShapeNumbers(const plan::Expr& e) {
  size_t first = 0;
  if (HasFrameArgument(e)) {
    if (!AcceptedFrame(*e.args[0])) return std::nullopt;
    first = 1;
  }
  std::vector<double> out;
  for (size_t i = first; i < e.args.size(); ++i) {
    const plan::Expr& a = *e.args[i];
    if (a.type == ValueType::kPoint) {
      auto p = ConstantPoint(a);
      if (!p.has_value()) return std::nullopt;
      out.push_back(p->first);
      out.push_back(p->second);
    } else {
      std::optional<double> v = NumericConstant(a);
      if (!v.has_value()) return std::nullopt;
      out.push_back(*v);
    }
  }
  return out;
}

std::unique_ptr<Region> OrNull(Result<std::unique_ptr<Region>> r) {
  if (!r.ok()) return nullptr;
  return std::move(r).value();
}

}  // namespace

bool IsColumn(const plan::Expr& e, int column) {
  return e.kind == ExprKind::kColumn && e.depth == 0 && e.column == column;
}

std::optional<std::pair<double, double>> ConstantPoint(const plan::Expr& e) {
  if (!IsCall(e, "POINT")) return std::nullopt;
  size_t first = 0;
  if (HasFrameArgument(e)) {
    if (!AcceptedFrame(*e.args[0])) return std::nullopt;
    first = 1;
  }
  auto nums = Numbers(e, first);
  if (!nums.has_value() || nums->size() != 2) return std::nullopt;
  return std::make_pair((*nums)[0], (*nums)[1]);
}

bool IsPositionPoint(const plan::Expr& e, int ra, int dec) {
  if (!IsCall(e, "POINT")) return false;
  size_t first = 0;
  if (HasFrameArgument(e)) {
    if (!AcceptedFrame(*e.args[0])) return false;
    first = 1;
  }
  return e.args.size() == first + 2 && IsColumn(*e.args[first], ra) &&
         IsColumn(*e.args[first + 1], dec);
}

std::unique_ptr<Region> ConstantRegion(const plan::Expr& e) {
  if (e.kind != ExprKind::kFunction) return nullptr;
  if (IsCall(e, "REGION")) {
    if (e.args.size() != 1 || e.args[0]->kind != ExprKind::kConstant || e.args[0]->value.is_null ||
        e.args[0]->value.type != ValueType::kVarChar) {
      return nullptr;
    }
    return RegionFromStcs(e.args[0]->value.string_value);
  }
  const bool circle = IsCall(e, "CIRCLE"), box = IsCall(e, "BOX"), polygon = IsCall(e, "POLYGON");
  if (!circle && !box && !polygon) return nullptr;
  auto nums = ShapeNumbers(e);
  if (!nums.has_value()) return nullptr;
  const std::vector<double>& n = *nums;
  if (circle) return n.size() == 3 ? OrNull(MakeCircle(n[0], n[1], n[2])) : nullptr;
  if (box) return n.size() == 4 ? OrNull(MakeBox(n[0], n[1], n[2], n[3])) : nullptr;
  return n.size() >= 6 && n.size() % 2 == 0 ? OrNull(MakePolygon(n)) : nullptr;
}

std::unique_ptr<Region> RegionFromStcs(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < text.size()) {
    while (i < text.size() && space(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !space(text[i])) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  if (words.empty()) return nullptr;
  auto parse = [](std::string_view s, double* v) {
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && p == s.data() + s.size();
  };
  const std::string shape = AsciiLower(words[0]);
  size_t w = 1;
  double v = 0;
  // Frame, reference position and flavour words come before the numbers; only an ICRS frame
  // (or none) is read as this table's coordinates.
  for (; w < words.size() && !parse(words[w], &v); ++w) {
    const std::string word = AsciiLower(words[w]);
    if (w == 1 && word != "icrs") {
      // Another frame: the executor reads the numbers the same way today, but leave it.
      return nullptr;
    }
  }
  std::vector<double> n;
  for (; w < words.size(); ++w) {
    if (!parse(words[w], &v)) return nullptr;
    n.push_back(v);
  }
  if (shape == "circle") return n.size() == 3 ? OrNull(MakeCircle(n[0], n[1], n[2])) : nullptr;
  if (shape == "box") return n.size() == 4 ? OrNull(MakeBox(n[0], n[1], n[2], n[3])) : nullptr;
  if (shape == "polygon") {
    return n.size() >= 6 && n.size() % 2 == 0 ? OrNull(MakePolygon(n)) : nullptr;
  }
  return nullptr;
}

}  // namespace skyshard::adql::planner
