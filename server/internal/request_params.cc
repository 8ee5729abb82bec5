#include "server/internal/request_params.h"

#include <limits>

#include "common/ascii.h"

namespace skyshard::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UpperName(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of attribute `key` in a header value such as
// `form-data; name="t1"; filename="t.xml"` or `multipart/form-data; boundary=xyz`: the
// `;`-separated parameters after the first token, values optionally quoted.
std::optional<std::string> HeaderAttribute(std::string_view value, std::string_view key) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // past ';'
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view name = Trim(value.substr(i, eq - i));
    i = eq + 1;
    while (i < value.size() && value[i] == ' ') ++i;
    std::string out;
    if (i < value.size() && value[i] == '"') {
      for (++i; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        out.push_back(value[i]);
      }
      i = value.find(';', i);
    } else {
      size_t end = value.find(';', i);
      out =
          std::string(Trim(value.substr(i, end == std::string_view::npos ? value.npos : end - i)));
      i = end;
    }
    if (EqualsIgnoreCase(name, key)) return out;
  }
  return std::nullopt;
}

Status TooManyParams(size_t max_params) {
  return Status::LimitExceeded("the request has more than " + std::to_string(max_params) +
                               " parameters");
}

// Splits a multipart/form-data body (RFC 7578) into parts. Stops with LimitExceeded as soon as
// there are more than `max_parts`, so that a body of many tiny parts cannot make the server
// allocate far more than its size.
Status ParseMultipart(std::string_view body, std::string_view boundary, size_t max_parts,
                      std::vector<InlinePart>* parts) {
  if (boundary.empty() || boundary.size() > 200) {
    return Status::InvalidArgument("multipart/form-data request without a valid boundary");
  }
  const std::string delimiter = "--" + std::string(boundary);
  size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) {
    return Status::InvalidArgument("multipart/form-data body does not contain its boundary");
  }
  pos += delimiter.size();
  while (true) {
    if (body.substr(pos, 2) == "--") return Status::OK();  // the close delimiter
    // Skip transport padding and the CRLF after the delimiter.
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) == "\r\n") {
      pos += 2;
    } else if (body.substr(pos, 1) == "\n") {
      pos += 1;
    } else {
      return Status::InvalidArgument(
          "malformed multipart/form-data body: no line break after "
          "a boundary");
    }
    InlinePart part;
    // Headers up to an empty line.
    bool have_disposition = false;
    while (true) {
      size_t eol = body.find('\n', pos);
      if (eol == std::string_view::npos) {
        return Status::InvalidArgument(
            "malformed multipart/form-data body: part headers are "
            "not terminated");
      }
      std::string_view line = body.substr(pos, eol - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos = eol + 1;
      if (line.empty()) break;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        return Status::InvalidArgument("malformed multipart/form-data body: bad part header '" +
                                       std::string(line.substr(0, 80)) + "'");
      }
      std::string_view name = Trim(line.substr(0, colon));
      std::string_view value = Trim(line.substr(colon + 1));
      if (EqualsIgnoreCase(name, "Content-Disposition")) {
        have_disposition = true;
        part.name = HeaderAttribute(value, "name").value_or("");
        part.filename = HeaderAttribute(value, "filename").value_or("");
      } else if (EqualsIgnoreCase(name, "Content-Type")) {
        part.content_type = std::string(value);
      }
    }
    if (!have_disposition || part.name.empty()) {
      return Status::InvalidArgument(
          "malformed multipart/form-data body: a part has no "
          "Content-Disposition name");
    }
    // Content up to CRLF + delimiter.
    const std::string next = "\r\n" + delimiter;
    size_t end = body.find(next, pos);
    size_t skip = next.size();
    if (end == std::string_view::npos) {
      end = body.find("\n" + delimiter, pos);
      skip = delimiter.size() + 1;
    }
    if (end == std::string_view::npos) {
      return Status::InvalidArgument("malformed multipart/form-data body: part '" + part.name +
                                     "' is not terminated by the boundary");
    }
    if (parts->size() >= max_parts) return TooManyParams(max_parts);
    part.content = std::string(body.substr(pos, end - pos));
    parts->push_back(std::move(part));
    pos = end + skip;
  }
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Status::InvalidArgument("bad percent-encoding in '" +
                                       std::string(text.substr(i, 3)) + "'");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

namespace {

// RequestParams::ParseUrlEncoded, but stops with LimitExceeded once `out` would hold more than
// `max_params`: a body of "a&a&a..." would otherwise take some 30 times its size in Params.
Status AppendUrlEncoded(std::string_view text, size_t max_params, std::vector<Param>* out) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t amp = text.find('&', pos);
    std::string_view pair = text.substr(pos, amp == std::string_view::npos ? text.npos : amp - pos);
    if (!pair.empty()) {
      if (out->size() >= max_params) return TooManyParams(max_params);
      size_t eq = pair.find('=');
      SKY_ASSIGN_OR_RETURN(std::string name, PercentDecode(pair.substr(0, eq), true));
      std::string value;
      if (eq != std::string_view::npos) {
        SKY_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true));
      }
      out->push_back({std::move(name), std::move(value)});
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return Status::OK();
}

}  // namespace

Status RequestParams::ParseUrlEncoded(std::string_view text, std::vector<Param>* out) {
  return AppendUrlEncoded(text, std::numeric_limits<size_t>::max(), out);
}

Result<RequestParams> RequestParams::FromRequest(const HttpRequest& request, size_t max_params) {
  RequestParams params;
  SKY_RETURN_IF_ERROR(AppendUrlEncoded(request.query, max_params, &params.params_));
  if (request.method == "POST" || request.method == "PUT") {
    const std::string content_type = AsciiLower(request.Header("Content-Type"));
    if (content_type.rfind("multipart/form-data", 0) == 0) {
      const std::optional<std::string> boundary =
          HeaderAttribute(request.Header("Content-Type"), "boundary");
      SKY_RETURN_IF_ERROR(ParseMultipart(request.body, boundary.value_or(""),
                                         max_params - params.params_.size(), &params.parts_));
      for (const InlinePart& part : params.parts_) {
        if (part.filename.empty()) params.params_.push_back({part.name, part.content});
      }
    } else if (!request.body.empty()) {
      // application/x-www-form-urlencoded, and what curl sends without a type.
      SKY_RETURN_IF_ERROR(AppendUrlEncoded(request.body, max_params, &params.params_));
    }
  }
  if (params.params_.size() + params.parts_.size() > max_params) {
    return TooManyParams(max_params);
  }
  return params;
}

std::vector<std::string> RequestParams::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const Param& p : params_) {
    if (EqualsIgnoreCase(p.name, name)) out.push_back(p.value);
  }
  return out;
}

Result<std::optional<std::string>> RequestParams::GetSingle(std::string_view name) const {
  std::optional<std::string> found;
  for (const Param& p : params_) {
    if (!EqualsIgnoreCase(p.name, name)) continue;
    if (found.has_value() && *found != p.value) {
      return Status::InvalidArgument("parameter " + UpperName(name) +
                                     " is single-valued but was given more than once");
    }
    found = p.value;
  }
  return found;
}

bool RequestParams::Has(std::string_view name) const {
  for (const Param& p : params_) {
    if (EqualsIgnoreCase(p.name, name)) return true;
  }
  return false;
}

const InlinePart* RequestParams::FindPart(std::string_view name) const {
  for (const InlinePart& part : parts_) {
    if (part.name == name) return &part;
  }
  return nullptr;
}

}  // namespace skyshard::server
