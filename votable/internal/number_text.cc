#include "votable/internal/number_text.h"

#include <charconv>
#include <cmath>

namespace skyshard::votable_internal {
namespace {

template <typename T>
void AppendFloating(T v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

}  // namespace

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

void AppendDouble(double v, std::string* out) { AppendFloating(v, out); }

void AppendFloat(float v, std::string* out) { AppendFloating(v, out); }

}  // namespace skyshard::votable_internal
