// The parameters of a TAP/UWS request, from the query string and the body
// (application/x-www-form-urlencoded or multipart/form-data, DALI 1.1 section 2). Names are
// case-insensitive (DALI section 3.1); values are kept exactly. Multipart parts that are files
// (a filename, or any part that UPLOAD=name,param:PART refers to) are kept as inline content.
//
// Thread safety: values; const access from many threads is safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/internal/http_message.h"

namespace skyshard::server {

struct Param {
  std::string name;  // as sent
  std::string value;
};

// A multipart part: its form name, file name (may be empty) and bytes.
struct InlinePart {
  std::string name;
  std::string filename;
  std::string content_type;
  std::string content;
};

class RequestParams {
 public:
  // Parses the query string and, for POST (and PUT), the body by its Content-Type. Errors:
  // InvalidArgument for a malformed multipart body (no boundary, missing final boundary, a part
  // without a name) or bad percent-encoding; LimitExceeded when there are more than
  // `max_params` parameters.
  static Result<RequestParams> FromRequest(const HttpRequest& request, size_t max_params = 10000);

  // Parses an application/x-www-form-urlencoded string into `out`.
  static Status ParseUrlEncoded(std::string_view text, std::vector<Param>* out);

  // The values of parameter `name` (case-insensitive), in order.
  std::vector<std::string> GetAll(std::string_view name) const;
  // The single value of `name`: nullopt when absent; InvalidArgument when given more than once
  // with different values (DALI: single-valued parameters).
  Result<std::optional<std::string>> GetSingle(std::string_view name) const;
  bool Has(std::string_view name) const;

  const std::vector<Param>& all() const { return params_; }
  const std::vector<InlinePart>& parts() const { return parts_; }
  // The multipart part called `name` (exact), or nullptr.
  const InlinePart* FindPart(std::string_view name) const;

 private:
  std::vector<Param> params_;
  std::vector<InlinePart> parts_;
};

// Decodes %XX escapes (and '+' as space when `plus_is_space`). InvalidArgument on a bad escape.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Percent-encodes everything but unreserved characters (RFC 3986), for building URLs.
std::string PercentEncode(std::string_view text);

}  // namespace skyshard::server
