#include "adql/exec/internal/geometry.h"

#include <charconv>
#include <cmath>
#include <numbers>

#include "adql/exec/internal/column_util.h"
#include "common/ascii.h"

namespace skyshard::adql::exec {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
constexpr int kSamplesPerEdge = 64;

struct Vec3 {
  double x, y, z;
};

Vec3 ToVec(double ra, double dec) {
  const double cd = std::cos(dec * kDeg);
  return {cd * std::cos(ra * kDeg), cd * std::sin(ra * kDeg), std::sin(dec * kDeg)};
}

void FromVec(const Vec3& v, double* ra, double* dec) {
  const double r = std::hypot(v.x, v.y);
  *dec = std::atan2(v.z, r) / kDeg;
  double a = std::atan2(v.y, v.x) / kDeg;
  if (a < 0) a += 360.0;
  if (a >= 360.0) a = 0;
  *ra = r == 0 ? 0 : a;
}

double Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
double Norm(const Vec3& a) { return std::sqrt(Dot(a, a)); }

void AppendNumber(double v, std::string* out) {
  *out += ' ';
  *out += DoubleToText(v);
}

// Points along the boundary of `g` (and its centre), for the sampled region tests.
std::vector<std::pair<double, double>> BoundarySamples(const Geometry& g) {
  std::vector<std::pair<double, double>> pts;
  switch (g.kind) {
    case ValueType::kPoint:
      pts.emplace_back(g.a, g.b);
      break;
    case ValueType::kCircle: {
      pts.emplace_back(g.a, g.b);
      const Vec3 c = ToVec(g.a, g.b);
      // East and north unit vectors at the centre.
      Vec3 east = {-std::sin(g.a * kDeg), std::cos(g.a * kDeg), 0};
      Vec3 north = Cross(c, east);
      const double r = g.c * kDeg;
      for (int k = 0; k < 4 * kSamplesPerEdge; ++k) {
        const double t = 2 * std::numbers::pi * k / (4 * kSamplesPerEdge);
        const double ce = std::cos(t), se = std::sin(t);
        Vec3 dir = {east.x * ce + north.x * se, east.y * ce + north.y * se,
                    east.z * ce + north.z * se};
        Vec3 p = {c.x * std::cos(r) + dir.x * std::sin(r), c.y * std::cos(r) + dir.y * std::sin(r),
                  c.z * std::cos(r) + dir.z * std::sin(r)};
        double ra, dec;
        FromVec(p, &ra, &dec);
        pts.emplace_back(ra, dec);
      }
      break;
    }
    case ValueType::kBox: {
      pts.emplace_back(g.a, g.b);
      const double w = std::min(g.c, 360.0), h = g.d;
      const double ra0 = g.a - w / 2, dec0 = std::max(-90.0, g.b - h / 2);
      const double dec1 = std::min(90.0, g.b + h / 2);
      for (int k = 0; k <= kSamplesPerEdge; ++k) {
        const double f = static_cast<double>(k) / kSamplesPerEdge;
        pts.emplace_back(ra0 + f * w, dec0);
        pts.emplace_back(ra0 + f * w, dec1);
        pts.emplace_back(ra0, dec0 + f * (dec1 - dec0));
        pts.emplace_back(ra0 + w, dec0 + f * (dec1 - dec0));
      }
      break;
    }
    case ValueType::kPolygon: {
      const size_t n = g.vertices.size() / 2;
      Vec3 sum{0, 0, 0};
      for (size_t i = 0; i < n; ++i) {
        const Vec3 p = ToVec(g.vertices[2 * i], g.vertices[2 * i + 1]);
        const Vec3 q = ToVec(g.vertices[2 * ((i + 1) % n)], g.vertices[2 * ((i + 1) % n) + 1]);
        sum = {sum.x + p.x, sum.y + p.y, sum.z + p.z};
        for (int k = 0; k < kSamplesPerEdge; ++k) {
          const double f = static_cast<double>(k) / kSamplesPerEdge;
          Vec3 v = {p.x * (1 - f) + q.x * f, p.y * (1 - f) + q.y * f, p.z * (1 - f) + q.z * f};
          double ra, dec;
          FromVec(v, &ra, &dec);
          pts.emplace_back(ra, dec);
        }
      }
      double ra, dec;
      FromVec(sum, &ra, &dec);
      pts.emplace_back(ra, dec);
      break;
    }
    default:
      break;
  }
  return pts;
}

bool PointIn(double ra, double dec, const Geometry& g, const Region* region) {
  switch (g.kind) {
    case ValueType::kPoint:
      return AngularDistanceDeg(ra, dec, g.a, g.b) == 0;
    default:
      return region->Contains(ra, dec);
  }
}

}  // namespace

std::string ToStcs(const Geometry& g) {
  std::string out;
  switch (g.kind) {
    case ValueType::kPoint:
      out = "POINT ICRS";
      AppendNumber(g.a, &out);
      AppendNumber(g.b, &out);
      break;
    case ValueType::kCircle:
      out = "CIRCLE ICRS";
      AppendNumber(g.a, &out);
      AppendNumber(g.b, &out);
      AppendNumber(g.c, &out);
      break;
    case ValueType::kBox:
      out = "BOX ICRS";
      AppendNumber(g.a, &out);
      AppendNumber(g.b, &out);
      AppendNumber(g.c, &out);
      AppendNumber(g.d, &out);
      break;
    default:
      out = "POLYGON ICRS";
      for (double v : g.vertices) AppendNumber(v, &out);
      break;
  }
  return out;
}

Result<Geometry> ParseStcs(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) {
      ++i;
    }
    size_t start = i;
    while (i < text.size() &&
           !(text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) {
      ++i;
    }
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  auto bad = [&]() {
    return Status::InvalidArgument("not an STC-S region: '" + std::string(text) + "'");
  };
  if (words.empty()) return bad();
  Geometry g;
  const std::string shape = AsciiLower(words[0]);
  if (shape == "point" || shape == "position") {
    g.kind = ValueType::kPoint;
  } else if (shape == "circle") {
    g.kind = ValueType::kCircle;
  } else if (shape == "box") {
    g.kind = ValueType::kBox;
  } else if (shape == "polygon") {
    g.kind = ValueType::kPolygon;
  } else if (shape == "union" || shape == "intersection" || shape == "not" || shape == "ellipse" ||
             shape == "convex") {
    return Status::Unsupported("STC-S " + std::string(words[0]) +
                               " is not supported; REGION takes POINT, CIRCLE, BOX or POLYGON");
  } else {
    return bad();
  }
  std::vector<double> nums;
  size_t w = 1;
  auto parse = [](std::string_view s, double* v) {
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && p == s.data() + s.size();
  };
  double v;
  for (; w < words.size() && !parse(words[w], &v); ++w) {
  }  // frame, reference position, flavour
  for (; w < words.size(); ++w) {
    if (!parse(words[w], &v)) return bad();
    nums.push_back(v);
  }
  const size_t want = g.kind == ValueType::kPoint ? 2 : g.kind == ValueType::kCircle ? 3 : 4;
  if (g.kind == ValueType::kPolygon) {
    if (nums.size() < 6 || nums.size() % 2 != 0) return bad();
    g.vertices = std::move(nums);
    return g;
  }
  if (nums.size() != want) return bad();
  g.a = nums[0];
  g.b = nums[1];
  if (want > 2) g.c = nums[2];
  if (want > 3) g.d = nums[3];
  return g;
}

Result<std::unique_ptr<Region>> ToRegion(const Geometry& g) {
  switch (g.kind) {
    case ValueType::kCircle:
      return MakeCircle(g.a, g.b, g.c);
    case ValueType::kBox:
      return MakeBox(g.a, g.b, g.c, g.d);
    case ValueType::kPolygon:
      return MakePolygon(g.vertices);
    default:
      return Status::InvalidArgument("a POINT is not a region");
  }
}

Result<bool> GeometryContains(const Geometry& inner, const Geometry& outer,
                              const Region* outer_region) {
  std::unique_ptr<Region> owned;
  if (outer.kind != ValueType::kPoint && outer_region == nullptr) {
    SKY_ASSIGN_OR_RETURN(owned, ToRegion(outer));
    outer_region = owned.get();
  }
  if (inner.kind == ValueType::kPoint) return PointIn(inner.a, inner.b, outer, outer_region);
  if (outer.kind == ValueType::kPoint) {
    // Only a region of no extent lies within a point.
    return inner.kind == ValueType::kCircle && inner.c == 0 &&
           AngularDistanceDeg(inner.a, inner.b, outer.a, outer.b) == 0;
  }
  if (inner.kind == ValueType::kCircle && outer.kind == ValueType::kCircle) {
    return AngularDistanceDeg(inner.a, inner.b, outer.a, outer.b) + inner.c <= outer.c;
  }
  for (const auto& [ra, dec] : BoundarySamples(inner)) {
    if (!outer_region->Contains(ra, dec)) return false;
  }
  return true;
}

Result<bool> GeometryIntersects(const Geometry& a, const Geometry& b, const Region* a_region,
                                const Region* b_region) {
  if (a.kind == ValueType::kPoint) return GeometryContains(a, b, b_region);
  if (b.kind == ValueType::kPoint) return GeometryContains(b, a, a_region);
  if (a.kind == ValueType::kCircle && b.kind == ValueType::kCircle) {
    return AngularDistanceDeg(a.a, a.b, b.a, b.b) <= a.c + b.c;
  }
  std::unique_ptr<Region> ra_owned, rb_owned;
  if (a_region == nullptr) {
    SKY_ASSIGN_OR_RETURN(ra_owned, ToRegion(a));
    a_region = ra_owned.get();
  }
  if (b_region == nullptr) {
    SKY_ASSIGN_OR_RETURN(rb_owned, ToRegion(b));
    b_region = rb_owned.get();
  }
  for (const auto& [ra, dec] : BoundarySamples(a)) {
    if (b_region->Contains(ra, dec)) return true;
  }
  for (const auto& [ra, dec] : BoundarySamples(b)) {
    if (a_region->Contains(ra, dec)) return true;
  }
  return false;
}

double GeometryArea(const Geometry& g) {
  constexpr double kSqDeg = (180.0 / std::numbers::pi) * (180.0 / std::numbers::pi);
  switch (g.kind) {
    case ValueType::kCircle: {
      const double r = std::min(g.c, 180.0) * kDeg;
      return 2 * std::numbers::pi * (1 - std::cos(r)) * kSqDeg;
    }
    case ValueType::kBox: {
      const double w = std::min(g.c, 360.0) * kDeg;
      const double lo = std::max(-90.0, g.b - g.d / 2), hi = std::min(90.0, g.b + g.d / 2);
      if (hi <= lo) return 0;
      return w * (std::sin(hi * kDeg) - std::sin(lo * kDeg)) * kSqDeg;
    }
    case ValueType::kPolygon: {
      const size_t n = g.vertices.size() / 2;
      if (n < 3) return 0;
      const Vec3 a = ToVec(g.vertices[0], g.vertices[1]);
      double excess = 0;
      for (size_t i = 1; i + 1 < n; ++i) {
        const Vec3 b = ToVec(g.vertices[2 * i], g.vertices[2 * i + 1]);
        const Vec3 c = ToVec(g.vertices[2 * i + 2], g.vertices[2 * i + 3]);
        const double num = Dot(a, Cross(b, c));
        const double den = 1 + Dot(a, b) + Dot(b, c) + Dot(c, a);
        excess += 2 * std::atan2(num, den);
      }
      return std::fabs(excess) * kSqDeg;
    }
    default:
      return 0;
  }
}

Geometry GeometryCentroid(const Geometry& g) {
  if (g.kind != ValueType::kPolygon) return MakePointGeometry(g.a, g.b);
  const size_t n = g.vertices.size() / 2;
  Vec3 mean{0, 0, 0}, sum{0, 0, 0};
  for (size_t i = 0; i < n; ++i) {
    const Vec3 p = ToVec(g.vertices[2 * i], g.vertices[2 * i + 1]);
    const Vec3 q = ToVec(g.vertices[2 * ((i + 1) % n)], g.vertices[2 * ((i + 1) % n) + 1]);
    mean = {mean.x + p.x, mean.y + p.y, mean.z + p.z};
    Vec3 c = Cross(p, q);
    const double len = Norm(c);
    if (len == 0) continue;
    const double theta = std::atan2(len, Dot(p, q));
    sum = {sum.x + c.x / len * theta, sum.y + c.y / len * theta, sum.z + c.z / len * theta};
  }
  if (Dot(sum, mean) < 0) sum = {-sum.x, -sum.y, -sum.z};
  if (Norm(sum) == 0) sum = mean;
  double ra, dec;
  FromVec(sum, &ra, &dec);
  return MakePointGeometry(ra, dec);
}

}  // namespace skyshard::adql::exec
