#include "adql/binder/internal/bind_context.h"

#include <utility>

#include "adql/parser/error_format.h"

namespace skyshard::adql::internal {

namespace {

Status MakeStatus(StatusCode code, std::string message) {
  switch (code) {
    case StatusCode::kNotFound:
      return Status::NotFound(std::move(message));
    case StatusCode::kUnsupported:
      return Status::Unsupported(std::move(message));
    case StatusCode::kLimitExceeded:
      return Status::LimitExceeded(std::move(message));
    case StatusCode::kInternal:
      return Status::Internal(std::move(message));
    default:
      return Status::InvalidArgument(std::move(message));
  }
}

}  // namespace

Status BindContext::Error(StatusCode code, ast::Position position, size_t width,
                          const std::string& message) {
  SyntaxErrorInfo info;
  std::string text;
  if (position.line <= 0 || position.column <= 0) {
    text = message;
    info.message = message;
  } else if (query_text_.empty()) {
    text = "line " + std::to_string(position.line) + ", column " + std::to_string(position.column) +
           ": " + message;
    info.line = position.line;
    info.column = position.column;
    info.message = message;
  } else {
    ErrorSite site;
    site.line = static_cast<size_t>(position.line);
    site.column0 = static_cast<size_t>(position.column - 1);
    site.width = width == 0 ? 1 : width;
    text = FormatError(query_text_, site, message, "", "", &info);
  }
  // Binding stops at the first error it returns, but a few may be made and dropped on the way
  // (an alternative tried first); keep the latest few.
  if (errors_.size() >= 8) errors_.erase(errors_.begin());
  errors_.emplace_back(text, std::move(info));
  return MakeStatus(code, std::move(text));
}

const SyntaxErrorInfo* BindContext::InfoFor(const Status& status) const {
  for (auto it = errors_.rbegin(); it != errors_.rend(); ++it) {
    if (it->first == status.message()) return &it->second;
  }
  return nullptr;
}

Status BindContext::DepthError(ast::Position position) {
  return Error(StatusCode::kLimitExceeded, position, 1,
               "the query nests too deeply to bind (more than " + std::to_string(kMaxBindDepth) +
                   " levels)");
}

}  // namespace skyshard::adql::internal
