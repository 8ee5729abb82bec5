#include "adql/binder/internal/units.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <numbers>
#include <string>
#include <utility>

namespace skyshard::adql::internal {
namespace {

// The dimensions a unit is a product of powers of: the SI base units, the angle (so that rad
// and a plain number stay apart), and the counted or logarithmic things VOUnits names.
enum Base : uint8_t {
  kMetre,
  kKilogram,
  kSecond,
  kAmpere,
  kKelvin,
  kMole,
  kCandela,
  kRadian,
  kMagnitude,
  kPixel,
  kCount,
  kPhoton,
  kBit,
  kAdu,
  kBeam,
  kBin,
  kChannel,
  kVoxel,
  kDecibel,
  kBaseCount,
};

constexpr std::array<const char*, kBaseCount> kBaseNames = {
    "m",  "kg", "s",   "A",   "K",    "mol", "cd",   "rad",   "mag", "pixel",
    "ct", "ph", "bit", "adu", "beam", "bin", "chan", "voxel", "dB"};

using Dims = std::array<int, kBaseCount>;

// A unit's size in its base units: num / den * 10**exp10 * pi**pi_power. Kept apart so that
// the usual factors come out exact (deg -> arcsec is 648000 / 180; nJy -> Jy is 10**-9).
struct Quantity {
  double num = 1;
  double den = 1;
  int exp10 = 0;
  int pi_power = 0;
  Dims dims{};
};

constexpr Dims Of(std::initializer_list<std::pair<Base, int>> powers) {
  Dims d{};
  for (const auto& [base, power] : powers) d[base] += power;
  return d;
}

struct KnownUnit {
  std::string_view symbol;
  bool prefixes;  // VOUnits allows SI prefixes on it
  Quantity size;
};

constexpr Dims kAngle = Of({{kRadian, 1}});
constexpr Dims kLength = Of({{kMetre, 1}});
constexpr Dims kMass = Of({{kKilogram, 1}});
constexpr Dims kTime = Of({{kSecond, 1}});
constexpr Dims kEnergy = Of({{kMetre, 2}, {kKilogram, 1}, {kSecond, -2}});
constexpr Dims kPower = Of({{kMetre, 2}, {kKilogram, 1}, {kSecond, -3}});
constexpr Dims kBits = Of({{kBit, 1}});

// VOUnits 1.1 known units (unity-grammars/known-units.csv), less the deprecated years (Ba, ta)
// and the relative `Sun`. Values: SI 2019, IAU 2012 (au) and 2015 (nominal solar values),
// CODATA 2018 (u, Ry).
constexpr KnownUnit kUnits[] = {
    {"m", true, {1, 1, 0, 0, kLength}},
    {"g", true, {1, 1, -3, 0, kMass}},
    {"s", true, {1, 1, 0, 0, kTime}},
    {"A", true, {1, 1, 0, 0, Of({{kAmpere, 1}})}},
    {"K", true, {1, 1, 0, 0, Of({{kKelvin, 1}})}},
    {"mol", true, {1, 1, 0, 0, Of({{kMole, 1}})}},
    {"cd", true, {1, 1, 0, 0, Of({{kCandela, 1}})}},
    {"rad", true, {1, 1, 0, 0, kAngle}},
    {"sr", true, {1, 1, 0, 0, Of({{kRadian, 2}})}},
    {"deg", true, {1, 180, 0, 1, kAngle}},
    {"arcmin", true, {1, 10800, 0, 1, kAngle}},
    {"arcsec", true, {1, 648000, 0, 1, kAngle}},
    {"mas", false, {1, 648000, -3, 1, kAngle}},
    {"Hz", true, {1, 1, 0, 0, Of({{kSecond, -1}})}},
    {"N", true, {1, 1, 0, 0, Of({{kMetre, 1}, {kKilogram, 1}, {kSecond, -2}})}},
    {"J", true, {1, 1, 0, 0, kEnergy}},
    {"W", true, {1, 1, 0, 0, kPower}},
    {"Pa", true, {1, 1, 0, 0, Of({{kMetre, -1}, {kKilogram, 1}, {kSecond, -2}})}},
    {"C", true, {1, 1, 0, 0, Of({{kSecond, 1}, {kAmpere, 1}})}},
    {"V", true, {1, 1, 0, 0, Of({{kMetre, 2}, {kKilogram, 1}, {kSecond, -3}, {kAmpere, -1}})}},
    {"Ohm", true, {1, 1, 0, 0, Of({{kMetre, 2}, {kKilogram, 1}, {kSecond, -3}, {kAmpere, -2}})}},
    {"S", true, {1, 1, 0, 0, Of({{kMetre, -2}, {kKilogram, -1}, {kSecond, 3}, {kAmpere, 2}})}},
    {"F", true, {1, 1, 0, 0, Of({{kMetre, -2}, {kKilogram, -1}, {kSecond, 4}, {kAmpere, 2}})}},
    {"Wb", true, {1, 1, 0, 0, Of({{kMetre, 2}, {kKilogram, 1}, {kSecond, -2}, {kAmpere, -1}})}},
    {"T", true, {1, 1, 0, 0, Of({{kKilogram, 1}, {kSecond, -2}, {kAmpere, -1}})}},
    {"H", true, {1, 1, 0, 0, Of({{kMetre, 2}, {kKilogram, 1}, {kSecond, -2}, {kAmpere, -2}})}},
    {"lm", true, {1, 1, 0, 0, Of({{kCandela, 1}, {kRadian, 2}})}},
    {"lx", true, {1, 1, 0, 0, Of({{kMetre, -2}, {kCandela, 1}, {kRadian, 2}})}},
    {"Jy", true, {1, 1, -26, 0, Of({{kKilogram, 1}, {kSecond, -2}})}},
    {"eV", true, {1602176634, 1, -28, 0, kEnergy}},
    {"erg", true, {1, 1, -7, 0, kEnergy}},
    {"Ry", true, {21798723611035, 1, -31, 0, kEnergy}},
    {"G", true, {1, 1, -4, 0, Of({{kKilogram, 1}, {kSecond, -2}, {kAmpere, -1}})}},
    {"D", true, {1, 299792458, -21, 0, Of({{kMetre, 1}, {kSecond, 1}, {kAmpere, 1}})}},
    {"barn", true, {1, 1, -28, 0, Of({{kMetre, 2}})}},
    {"Angstrom", false, {1, 1, -10, 0, kLength}},
    {"angstrom", false, {1, 1, -10, 0, kLength}},
    {"AU", false, {1495978707, 1, 2, 0, kLength}},
    {"au", false, {1495978707, 1, 2, 0, kLength}},
    {"pc", true, {1495978707.0 * 648000, 1, 2, -1, kLength}},  // 648000 / pi au
    {"lyr", true, {94607304725808, 1, 2, 0, kLength}},
    {"solRad", true, {6957, 1, 5, 0, kLength}},
    {"solMass", true, {198847, 1, 25, 0, kMass}},
    {"solLum", true, {3828, 1, 23, 0, kPower}},
    {"u", true, {166053906660, 1, -38, 0, kMass}},
    {"min", true, {60, 1, 0, 0, kTime}},
    {"h", true, {3600, 1, 0, 0, kTime}},
    {"d", true, {86400, 1, 0, 0, kTime}},
    {"a", true, {31557600, 1, 0, 0, kTime}},  // the Julian year, 365.25 d
    {"yr", true, {31557600, 1, 0, 0, kTime}},
    {"%", false, {1, 1, -2, 0, {}}},
    {"mag", true, {1, 1, 0, 0, Of({{kMagnitude, 1}})}},
    {"pix", true, {1, 1, 0, 0, Of({{kPixel, 1}})}},
    {"pixel", true, {1, 1, 0, 0, Of({{kPixel, 1}})}},
    {"ct", true, {1, 1, 0, 0, Of({{kCount, 1}})}},
    {"count", true, {1, 1, 0, 0, Of({{kCount, 1}})}},
    {"ph", true, {1, 1, 0, 0, Of({{kPhoton, 1}})}},
    {"photon", true, {1, 1, 0, 0, Of({{kPhoton, 1}})}},
    // The rayleigh: 1e10 / (4 pi) photons m**-2 s**-1 sr**-1.
    {"R", true, {1, 4, 10, -1, Of({{kPhoton, 1}, {kMetre, -2}, {kSecond, -1}, {kRadian, -2}})}},
    {"bit", true, {1, 1, 0, 0, kBits}},
    {"byte", true, {8, 1, 0, 0, kBits}},
    {"B", true, {8, 1, 0, 0, kBits}},
    {"adu", true, {1, 1, 0, 0, Of({{kAdu, 1}})}},
    {"beam", true, {1, 1, 0, 0, Of({{kBeam, 1}})}},
    {"bin", true, {1, 1, 0, 0, Of({{kBin, 1}})}},
    {"chan", true, {1, 1, 0, 0, Of({{kChannel, 1}})}},
    {"voxel", true, {1, 1, 0, 0, Of({{kVoxel, 1}})}},
    {"dB", false, {1, 1, 0, 0, Of({{kDecibel, 1}})}},
};

struct Prefix {
  std::string_view symbol;
  int exp10;
};

// `da` first: it must win over `d` (`dam` is the decametre).
constexpr Prefix kSiPrefixes[] = {
    {"da", 1}, {"y", -24}, {"z", -21}, {"a", -18}, {"f", -15}, {"p", -12}, {"n", -9},
    {"u", -6}, {"m", -3},  {"c", -2},  {"d", -1},  {"h", 2},   {"k", 3},   {"M", 6},
    {"G", 9},  {"T", 12},  {"P", 15},  {"E", 18},  {"Z", 21},  {"Y", 24},
};

constexpr std::string_view kBinaryPrefixes[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};

const KnownUnit* FindUnit(std::string_view symbol) {
  for (const KnownUnit& u : kUnits) {
    if (u.symbol == symbol) return &u;
  }
  return nullptr;
}

bool IsSymbolChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%'; }

Quantity Times(Quantity a, const Quantity& b, int power) {
  const int n = power < 0 ? -power : power;
  for (int i = 0; i < n; ++i) {
    if (power > 0) {
      a.num *= b.num;
      a.den *= b.den;
    } else {
      a.num *= b.den;
      a.den *= b.num;
    }
  }
  a.exp10 += b.exp10 * power;
  a.pi_power += b.pi_power * power;
  for (size_t i = 0; i < a.dims.size(); ++i) a.dims[i] += b.dims[i] * power;
  return a;
}

// Recursive descent over one unit string; errors say what was expected where.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Quantity> Parse() {
    if (text_.empty()) return Error("an empty string is not a unit");
    Quantity q;
    if (pos_ < text_.size() && (IsDigit(text_[pos_]) || text_[pos_] == '.')) {
      SKY_ASSIGN_OR_RETURN(q, Scale());
      while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
    }
    SKY_ASSIGN_OR_RETURN(Quantity u, Unit());
    q = Times(q, u, 1);
    if (pos_ != text_.size()) {
      return Error("unexpected '" + std::string(1, text_[pos_]) + "' at character " +
                   std::to_string(pos_ + 1));
    }
    return q;
  }

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  Status Error(const std::string& why) const {
    return Status::InvalidArgument("'" + std::string(text_) + "' is not a VOUnit: " + why);
  }

  bool Eat(std::string_view s) {
    if (text_.substr(pos_, s.size()) != s) return false;
    pos_ += s.size();
    return true;
  }

  // '10', '10**power', or a decimal number such as 1e-3.
  Result<Quantity> Scale() {
    const size_t start = pos_;
    if (Eat("10**")) {
      SKY_ASSIGN_OR_RETURN(int p, Power());
      Quantity q;
      q.exp10 = p;
      return q;
    }
    while (pos_ < text_.size() && (IsDigit(text_[pos_]) || text_[pos_] == '.' ||
                                   text_[pos_] == 'e' || text_[pos_] == 'E' ||
                                   ((text_[pos_] == '-' || text_[pos_] == '+') && pos_ > start &&
                                    (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')))) {
      ++pos_;
    }
    const std::string number(text_.substr(start, pos_ - start));
    char* end = nullptr;
    const double v = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !std::isfinite(v) || v <= 0) {
      return Error("bad scale factor '" + number + "'");
    }
    Quantity q;
    q.num = v;
    return q;
  }

  // An integer power, bare (-2) or parenthesized ((-2)).
  Result<int> Power() {
    const bool paren = Eat("(");
    const size_t start = pos_;
    if (pos_ < text_.size() && (text_[pos_] == '-' || text_[pos_] == '+')) ++pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    const std::string digits(text_.substr(start, pos_ - start));
    if (digits.empty() || !IsDigit(digits.back())) {
      return Error("expected an integer power at character " + std::to_string(start + 1) +
                   " (fractional powers are not supported)");
    }
    if (digits.size() > 3) return Error("the power " + digits + " is too large");
    if (paren && !Eat(")")) {
      return Error("expected ')' at character " + std::to_string(pos_ + 1) +
                   " (fractional powers are not supported)");
    }
    return std::atoi(digits.c_str());
  }

  Result<Quantity> Unit() {
    SKY_ASSIGN_OR_RETURN(Quantity q, Product());
    if (Eat("/")) {
      SKY_ASSIGN_OR_RETURN(Quantity d, Factor());
      q = Times(q, d, -1);
    }
    return q;
  }

  Result<Quantity> Product() {
    SKY_ASSIGN_OR_RETURN(Quantity q, Factor());
    while (Eat(".")) {
      SKY_ASSIGN_OR_RETURN(Quantity f, Factor());
      q = Times(q, f, 1);
    }
    return q;
  }

  Result<Quantity> Factor() {
    if (Eat("(")) {
      SKY_ASSIGN_OR_RETURN(Quantity q, Unit());
      if (!Eat(")")) return Error("expected ')' at character " + std::to_string(pos_ + 1));
      return q;
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && IsSymbolChar(text_[pos_])) ++pos_;
    if (pos_ == start) return Error("expected a unit at character " + std::to_string(start + 1));
    SKY_ASSIGN_OR_RETURN(Quantity q, Symbol(text_.substr(start, pos_ - start)));
    if (Eat("**")) {
      SKY_ASSIGN_OR_RETURN(int p, Power());
      return Times(Quantity(), q, p);
    }
    return q;
  }

  Result<Quantity> Symbol(std::string_view s) {
    if (const KnownUnit* u = FindUnit(s)) return u->size;
    for (const Prefix& p : kSiPrefixes) {
      if (s.size() <= p.symbol.size() || s.substr(0, p.symbol.size()) != p.symbol) continue;
      const KnownUnit* u = FindUnit(s.substr(p.symbol.size()));
      if (u != nullptr && u->prefixes) {
        Quantity q = u->size;
        q.exp10 += p.exp10;
        return q;
      }
    }
    for (size_t k = 0; k < std::size(kBinaryPrefixes); ++k) {
      const std::string_view p = kBinaryPrefixes[k];
      if (s.size() <= p.size() || s.substr(0, p.size()) != p) continue;
      const std::string_view rest = s.substr(p.size());
      if (rest == "bit" || rest == "byte" || rest == "B") {
        Quantity q = FindUnit(rest)->size;
        q.num *= std::ldexp(1.0, 10 * static_cast<int>(k + 1));
        return q;
      }
    }
    return Status::InvalidArgument("unknown unit '" + std::string(s) + "'" +
                                   (s == text_ ? "" : " in '" + std::string(text_) + "'"));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// "kg.m**2.s**-2" for a quantity's dimensions; "a plain number" when it has none.
std::string DimsText(const Dims& dims) {
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0) continue;
    if (!out.empty()) out += '.';
    out += kBaseNames[i];
    if (dims[i] != 1) out += "**" + std::to_string(dims[i]);
  }
  return out.empty() ? "a plain number" : out;
}

// 10**n, exact for |n| <= 22.
double Pow10(int n) {
  double r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

}  // namespace

Result<double> UnitConversionFactor(std::string_view from, std::string_view to) {
  const std::string both = " (converting " + std::string(from) + " to " + std::string(to) + ")";
  Result<Quantity> f = Parser(from).Parse();
  if (!f.ok()) return Status::InvalidArgument(f.status().message() + both);
  Result<Quantity> t = Parser(to).Parse();
  if (!t.ok()) return Status::InvalidArgument(t.status().message() + both);
  if (f->dims != t->dims) {
    return Status::InvalidArgument("cannot convert " + std::string(from) + " to " +
                                   std::string(to) + ": they measure different quantities (" +
                                   std::string(from) + " is " + DimsText(f->dims) + ", " +
                                   std::string(to) + " is " + DimsText(t->dims) + ")");
  }
  // One division at the end, so that each of the usual factors is rounded once.
  double num = f->num * t->den;
  double den = f->den * t->num;
  const int pi_power = f->pi_power - t->pi_power;
  const int exp10 = f->exp10 - t->exp10;
  if (std::abs(pi_power) > 400 || std::abs(exp10) > 400) {
    return Status::InvalidArgument("the factor from " + std::string(from) + " to " +
                                   std::string(to) + " is out of the range of DOUBLE PRECISION");
  }
  for (int i = 0; i < pi_power; ++i) num *= std::numbers::pi;
  for (int i = 0; i < -pi_power; ++i) den *= std::numbers::pi;
  if (exp10 >= 0) {
    num *= Pow10(exp10);
  } else {
    den *= Pow10(-exp10);
  }
  const double factor = num / den;
  if (!std::isfinite(factor) || factor == 0) {
    return Status::InvalidArgument("the factor from " + std::string(from) + " to " +
                                   std::string(to) + " is out of the range of DOUBLE PRECISION");
  }
  return factor;
}

}  // namespace skyshard::adql::internal
