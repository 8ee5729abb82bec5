#include "adql/parser/query_shape.h"

#include "common/ascii.h"

namespace skyshard::adql {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsWordChar(char c) { return IsLetter(c) || IsDigit(c) || c == '_'; }

// The marker that stands for a literal of `kind` in a key. Keys never hold the byte 0x01
// otherwise (ShapeOf refuses a text that has one).
const char* Marker(ast::LiteralKind kind) {
  switch (kind) {
    case ast::LiteralKind::kInteger:
      return "\x01i";
    case ast::LiteralKind::kHexInteger:
      return "\x01h";
    case ast::LiteralKind::kExactDecimal:
      return "\x01"
             "d";
    case ast::LiteralKind::kApproximate:
      return "\x01"
             "a";
    case ast::LiteralKind::kString:
      return "\x01s";
    case ast::LiteralKind::kNull:
      break;
  }
  return "\x01?";
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::optional<QueryShape> Run() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\x01') return std::nullopt;
      if (c == '\'') {
        if (!String()) return std::nullopt;
      } else if (c == '"') {
        if (!Delimited()) return std::nullopt;
      } else if (c == '-' && Peek(1) == '-') {
        Comment();
      } else if (IsLetter(c)) {
        Word();
      } else if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) {
        if (!Number()) return std::nullopt;
      } else {
        Copy(1);
        if (!IsSpace(c)) clause_number_ = false;
      }
    }
    return std::move(shape_);
  }

 private:
  static bool IsSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
  }

  char Peek(size_t ahead) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  // Appends `n` bytes of the text to the key, keeping the line and column up to date.
  void Copy(size_t n) {
    shape_.key.append(text_.substr(pos_, n));
    Advance(n);
  }

  void Advance(size_t n) {
    for (size_t end = pos_ + n; pos_ < end; ++pos_) {
      const auto b = static_cast<unsigned char>(text_[pos_]);
      if (b == '\n') {
        ++line_;
        column_ = 1;
      } else if ((b & 0xC0) != 0x80) {  // not a UTF-8 continuation byte: a new code point
        ++column_;
      }
    }
  }

  ShapeLiteral& AddLiteral(ast::LiteralKind kind) {
    shape_.key.append(Marker(kind));
    ShapeLiteral& literal = shape_.literals.emplace_back();
    literal.kind = kind;
    literal.position = {line_, column_};
    literal.offset = pos_;
    return literal;
  }

  bool String() {
    ShapeLiteral& literal = AddLiteral(ast::LiteralKind::kString);
    size_t i = pos_ + 1;
    for (;;) {
      if (i >= text_.size()) return false;  // unterminated
      if (text_[i] == '\'') {
        if (i + 1 < text_.size() && text_[i + 1] == '\'') {
          literal.text.push_back('\'');
          i += 2;
          continue;
        }
        break;
      }
      literal.text.push_back(text_[i++]);
    }
    literal.length = i + 1 - pos_;
    Advance(i + 1 - pos_);
    clause_number_ = false;
    return true;
  }

  bool Delimited() {
    size_t i = pos_ + 1;
    for (;;) {
      if (i >= text_.size()) return false;  // unterminated
      if (text_[i] == '"') {
        if (i + 1 < text_.size() && text_[i + 1] == '"') {
          i += 2;
          continue;
        }
        break;
      }
      ++i;
    }
    Copy(i + 1 - pos_);
    clause_number_ = false;
    return true;
  }

  void Comment() {
    size_t i = pos_;
    while (i < text_.size() && text_[i] != '\n' && text_[i] != '\r') ++i;
    Copy(i - pos_);
  }

  void Word() {
    size_t i = pos_;
    while (i < text_.size() && IsWordChar(text_[i])) ++i;
    const std::string_view word = text_.substr(pos_, i - pos_);
    // TOP n and OFFSET n: the number is part of the clause, not a literal.
    clause_number_ = EqualsIgnoreCase(word, "TOP") || EqualsIgnoreCase(word, "OFFSET");
    Copy(i - pos_);
  }

  // One number token, by the longest match of ADQLLexer.g4's number rules.
  bool Number() {
    size_t i = pos_;
    ast::LiteralKind kind = ast::LiteralKind::kInteger;
    if (text_[i] == '0' && (Peek(1) == 'x' || Peek(1) == 'X') && IsHexDigit(Peek(2))) {
      i += 2;
      while (i < text_.size() && IsHexDigit(text_[i])) ++i;
      kind = ast::LiteralKind::kHexInteger;
    } else {
      while (i < text_.size() && IsDigit(text_[i])) ++i;
      if (i < text_.size() && text_[i] == '.') {
        kind = ast::LiteralKind::kExactDecimal;
        ++i;
        while (i < text_.size() && IsDigit(text_[i])) ++i;
      }
      if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
        size_t j = i + 1;
        if (j < text_.size() && (text_[j] == '+' || text_[j] == '-')) ++j;
        if (j < text_.size() && IsDigit(text_[j])) {
          while (j < text_.size() && IsDigit(text_[j])) ++j;
          i = j;
          kind = ast::LiteralKind::kApproximate;
        }
      }
    }
    // A number run into a letter, '_' or an exponent sign (10AND, 2mass, 1e+) is one malformed
    // token for the lexer: leave such a text to the parser and its error message.
    if (i < text_.size() && IsWordChar(text_[i])) return false;
    if (clause_number_ && kind == ast::LiteralKind::kInteger) {
      clause_number_ = false;
      Copy(i - pos_);
      return true;
    }
    clause_number_ = false;
    ShapeLiteral& literal = AddLiteral(kind);
    literal.text.assign(text_.substr(pos_, i - pos_));
    literal.length = i - pos_;
    Advance(i - pos_);
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  bool clause_number_ = false;  // the next number follows TOP or OFFSET
  QueryShape shape_;
};

}  // namespace

std::optional<QueryShape> ShapeOf(std::string_view adql) { return Scanner(adql).Run(); }

}  // namespace skyshard::adql
