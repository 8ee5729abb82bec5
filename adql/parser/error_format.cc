#include "adql/parser/error_format.h"

#include <algorithm>

namespace skyshard::adql {

namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Code points in a UTF-8 string (the input was validated before lexing).
size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !IsContinuationByte(c); }));
}

// Byte offset of code point `n` in `s` (s.size() when past the end).
size_t ByteOffsetOfCodePoint(std::string_view s, size_t n) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsContinuationByte(s[i])) continue;
    if (seen == n) return i;
    ++seen;
  }
  return s.size();
}

// Line `line` (1-based) of `source`, without its line break.
std::string_view SourceLine(std::string_view source, size_t line) {
  size_t begin = 0;
  for (size_t l = 1; l < line; ++l) {
    size_t nl = source.find('\n', begin);
    if (nl == std::string_view::npos) return {};
    begin = nl + 1;
  }
  size_t end = source.find('\n', begin);
  std::string_view text = source.substr(begin, end == std::string_view::npos ? end : end - begin);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

}  // namespace

std::string FormatError(std::string_view source, const ErrorSite& site, const std::string& message,
                        const std::string& expected, const std::string& hint,
                        SyntaxErrorInfo* info) {
  std::string out = "line " + std::to_string(site.line) + ", column " +
                    std::to_string(site.column0 + 1) + ": " + message;
  if (!expected.empty()) out += ", expected " + expected;
  if (!hint.empty()) out += "; " + hint;

  // The source line, cut to a window around the column when it is long, and a caret line that
  // repeats its tabs so that the caret lines up in a terminal.
  constexpr size_t kMaxShown = 160;
  constexpr size_t kContextBefore = 60;
  std::string_view line = SourceLine(source, site.line);
  size_t line_points = CodePoints(line);
  size_t first = 0;
  size_t last = line_points;
  if (line_points > kMaxShown) {
    first = site.column0 > kContextBefore ? site.column0 - kContextBefore : 0;
    last = std::min(line_points, first + kMaxShown);
  }
  size_t begin_byte = ByteOffsetOfCodePoint(line, first);
  size_t end_byte = ByteOffsetOfCodePoint(line, last);
  std::string shown;
  std::string caret;
  if (first > 0) {
    shown += "...";
    caret += "   ";
  }
  shown.append(line.substr(begin_byte, end_byte - begin_byte));
  if (last < line_points) shown += "...";
  size_t point = first;
  for (size_t i = begin_byte; i < end_byte && point < site.column0; ++i) {
    if (IsContinuationByte(line[i])) continue;
    caret += line[i] == '\t' ? '\t' : ' ';
    ++point;
  }
  while (point < site.column0) {  // past the end of the line (end of input)
    caret += ' ';
    ++point;
  }
  size_t width = std::max<size_t>(1, std::min(site.width, last > point ? last - point : 1));
  caret.append(width, '^');
  out += "\n" + shown + "\n" + caret;

  if (info != nullptr) {
    info->line = static_cast<int>(site.line);
    info->column = static_cast<int>(site.column0 + 1);
    info->message = message;
    info->expected = expected;
    info->hint = hint;
  }
  return out;
}

}  // namespace skyshard::adql
