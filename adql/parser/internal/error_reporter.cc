#include "adql/parser/internal/error_reporter.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <vector>

#include "ADQLLexer.h"
#include "common/ascii.h"

namespace skyshard::adql::internal {

namespace {

using antlr4::Token;
using antlr4::misc::IntervalSet;
using grammar::ADQLParser;

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

bool Has(const IntervalSet& set, size_t type) { return set.contains(type); }

bool IsKeyword(size_t type) {
  return type >= ADQLParser::SELECT && type <= ADQLParser::RESERVED_WORD;
}

// CAST, COALESCE and the other keywords that are ADQL functions (each is followed by '(').
bool IsFunctionKeyword(size_t type) {
  return type >= ADQLParser::CAST && type <= ADQLParser::COORDSYS;
}

// Whether `text` reads as a name that starts with digits (2mass_id), not as a bad number
// (0x, 1e+, 1.5e) or a number run into a keyword (1AND): digits, then a letter or '_' that does
// not start an exponent or a hexadecimal prefix, then letters, digits and '_'.
bool LooksLikeDigitName(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0) {
    ++digits;
  }
  if (digits == 0 || digits == text.size()) return false;
  for (size_t i = digits; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (std::isalnum(c) == 0 && c != '_') return false;
  }
  char first = static_cast<char>(std::tolower(static_cast<unsigned char>(text[digits])));
  bool exponent = first == 'e' && (digits + 1 == text.size() ||
                                   std::isdigit(static_cast<unsigned char>(text[digits + 1])) != 0);
  bool hexadecimal = first == 'x' && text.substr(0, digits) == "0";
  if (exponent || hexadecimal) return false;
  // 1AND, 10FROM: a keyword run into a number, no name.
  antlr4::ANTLRInputStream input{std::string(text.substr(digits))};
  grammar::ADQLLexer lexer(&input);
  lexer.removeErrorListeners();
  std::unique_ptr<Token> word = lexer.nextToken();
  return !(IsKeyword(word->getType()) && word->getText().size() == text.size() - digits);
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string JoinAlternatives(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

// The token before `token` in the stream (skipped whitespace and comments are not in it).
Token* PreviousToken(const Token* token, antlr4::TokenStream* tokens) {
  size_t index = token->getTokenIndex();
  if (index == 0 || index == static_cast<size_t>(-1)) return nullptr;
  return tokens->get(index - 1);
}

Token* NextToken(const Token* token, antlr4::TokenStream* tokens) {
  if (token->getType() == Token::EOF) return nullptr;
  size_t index = token->getTokenIndex();
  if (index + 1 >= tokens->size()) return nullptr;
  return tokens->get(index + 1);
}

}  // namespace

// ---- FirstErrorStrategy --------------------------------------------------------------------

void FirstErrorStrategy::Record(Token* offending, const IntervalSet& expected) {
  if (record_->offending == nullptr) {
    record_->offending = offending;
    record_->expected = expected;
  }
}

void FirstErrorStrategy::reportError(antlr4::Parser* recognizer,
                                     const antlr4::RecognitionException& e) {
  (void)recognizer;
  Token* offending = e.getOffendingToken();
  IntervalSet expected;
  // For a failed prediction, ANTLR knows the expected tokens only at the decision's start; if
  // prediction got further before failing, that set would describe the wrong place.
  const auto* no_viable = dynamic_cast<const antlr4::NoViableAltException*>(&e);
  if (no_viable == nullptr || no_viable->getStartToken() == offending) {
    expected = e.getExpectedTokens();
  }
  Record(offending, expected);
}

void FirstErrorStrategy::recover(antlr4::Parser* recognizer, std::exception_ptr e) {
  (void)recognizer;
  (void)e;
  throw antlr4::ParseCancellationException("syntax error");
}

Token* FirstErrorStrategy::recoverInline(antlr4::Parser* recognizer) {
  Record(recognizer->getCurrentToken(), recognizer->getExpectedTokens());
  throw antlr4::ParseCancellationException("syntax error");
}

void FirstErrorStrategy::reportUnwantedToken(antlr4::Parser* recognizer) {
  Record(recognizer->getCurrentToken(), recognizer->getExpectedTokens());
  throw antlr4::ParseCancellationException("syntax error");
}

void FirstErrorStrategy::reportMissingToken(antlr4::Parser* recognizer) {
  Record(recognizer->getCurrentToken(), recognizer->getExpectedTokens());
  throw antlr4::ParseCancellationException("syntax error");
}

Token* FirstErrorStrategy::singleTokenDeletion(antlr4::Parser* recognizer) {
  (void)recognizer;
  return nullptr;
}

bool FirstErrorStrategy::singleTokenInsertion(antlr4::Parser* recognizer) {
  (void)recognizer;
  return false;
}

// ---- Messages ------------------------------------------------------------------------------

ErrorSite SiteOf(const Token* token, antlr4::TokenStream* tokens) {
  ErrorSite site;
  if (token == nullptr) return site;
  if (token->getType() != Token::EOF) {
    site.line = token->getLine();
    site.column0 = token->getCharPositionInLine();
    std::string text = token->getText();
    size_t nl = text.find('\n');
    site.width = std::max<size_t>(1, CodePoints(std::string_view(text).substr(0, nl)));
    return site;
  }
  // End of input: point just after the last token, not at trailing blank lines or comments.
  const Token* last = PreviousToken(token, tokens);
  if (last == nullptr) return site;
  site.line = last->getLine();
  site.column0 = last->getCharPositionInLine();
  std::string text = last->getText();
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsContinuationByte(text[i])) continue;
    if (text[i] == '\n') {
      ++site.line;
      site.column0 = 0;
    } else {
      ++site.column0;
    }
  }
  return site;
}

std::string DescribeExpected(const IntervalSet& expected, const IntervalSet& expression_start,
                             const antlr4::dfa::Vocabulary& vocabulary) {
  if (expected.isEmpty()) return {};
  std::vector<std::string> items;
  IntervalSet rest = expected;
  bool expression = Has(expected, ADQLParser::REGULAR_ID) &&
                    Has(expected, ADQLParser::UNSIGNED_INTEGER) && Has(expected, ADQLParser::COUNT);
  if (expression && Has(expected, ADQLParser::NOT) && Has(expected, ADQLParser::EXISTS)) {
    items.emplace_back("a condition");
    rest = rest.subtract(expression_start);
    rest.remove(static_cast<size_t>(ADQLParser::NOT));
    rest.remove(static_cast<size_t>(ADQLParser::EXISTS));
  } else if (expression) {
    items.emplace_back("an expression");
    rest = rest.subtract(expression_start);
  }
  bool end = false;
  bool name = false;
  bool number = false;
  for (ssize_t type : rest.toList()) {
    if (type == -1 || static_cast<size_t>(type) == Token::EOF) {
      end = true;
      continue;
    }
    auto t = static_cast<size_t>(type);
    switch (t) {
      case ADQLParser::REGULAR_ID:
      case ADQLParser::DELIMITED_ID:
        if (!name) items.emplace_back("a name");
        name = true;
        break;
      case ADQLParser::UNSIGNED_INTEGER:
        items.emplace_back("an integer");
        break;
      case ADQLParser::EXACT_DECIMAL:
      case ADQLParser::APPROX_NUMBER:
      case ADQLParser::HEX_LITERAL:
        if (!number) items.emplace_back("a number");
        number = true;
        break;
      case ADQLParser::STRING:
        items.emplace_back("a string literal");
        break;
      case ADQLParser::NOT_EQUALS:
        items.emplace_back("'<>'");
        break;
      case ADQLParser::RESERVED_WORD:
      case ADQLParser::MALFORMED_NUMBER:
      case ADQLParser::EMPTY_DELIMITED_ID:
      case ADQLParser::UNTERMINATED_STRING:
      case ADQLParser::UNTERMINATED_DELIMITED_ID:
      case ADQLParser::ERROR_CHAR:
        break;
      default:
        if (IsKeyword(t)) {
          std::string keyword = vocabulary.getSymbolicName(t);
          if (!keyword.empty() && keyword.back() == '_') keyword.pop_back();  // NULL_
          items.push_back(keyword);
        } else {
          std::string literal = vocabulary.getLiteralName(t);
          items.push_back(literal.empty() ? vocabulary.getSymbolicName(t) : literal);
        }
    }
  }
  constexpr size_t kMaxItems = 12;
  if (items.size() > kMaxItems) {
    items.resize(kMaxItems);
    items.emplace_back("...");
  }
  if (end) items.emplace_back("the end of the query");
  return JoinAlternatives(items);
}

std::string DescribeToken(const Token* token) {
  if (token == nullptr || token->getType() == Token::EOF) return "end of query";
  constexpr size_t kMaxShown = 40;
  std::string text = token->getText();
  if (CodePoints(text) > kMaxShown)
    text = text.substr(0, ByteOffsetOfCodePoint(text, kMaxShown)) + "...";
  return "'" + text + "'";
}

std::string DescribeSyntaxError(std::string_view source, const RecordedError& error,
                                antlr4::TokenStream* tokens, const IntervalSet& expression_start,
                                const antlr4::dfa::Vocabulary& vocabulary, SyntaxErrorInfo* info) {
  const Token* offending = error.offending;
  if (offending == nullptr) offending = tokens->get(tokens->index());
  size_t type = offending->getType();
  const Token* previous = PreviousToken(offending, tokens);
  const IntervalSet& expected = error.expected;
  ErrorSite site = SiteOf(offending, tokens);
  std::string what =
      type == Token::EOF ? "unexpected end of query" : "unexpected " + DescribeToken(offending);
  std::string expected_text = DescribeExpected(expected, expression_start, vocabulary);
  constexpr std::string_view kDoubleQuotes =
      "strings are in single quotes; double quotes delimit identifiers";

  // Lexical problems: the expected list would not help.
  if (type == ADQLParser::UNTERMINATED_STRING) {
    site.width = 1;
    return FormatError(source, site, "unterminated string: the closing ' is missing", "", "", info);
  }
  if (type == ADQLParser::UNTERMINATED_DELIMITED_ID) {
    site.width = 1;
    return FormatError(source, site, "unterminated delimited identifier: the closing \" is missing",
                       "", std::string(kDoubleQuotes), info);
  }
  if (type == ADQLParser::MALFORMED_NUMBER) {
    std::string text = offending->getText();
    if (LooksLikeDigitName(text)) {
      return FormatError(source, site, "malformed number " + DescribeToken(offending), "",
                         "a name cannot start with a digit; delimit it: \"" + text + "\"", info);
    }
    return FormatError(source, site, "malformed number " + DescribeToken(offending), "",
                       "a number must be followed by a space, an operator or punctuation", info);
  }
  if (type == ADQLParser::EMPTY_DELIMITED_ID) {
    return FormatError(source, site, "empty delimited identifier", "",
                       "a name in double quotes needs at least one character", info);
  }
  if (type == ADQLParser::ERROR_CHAR) {
    std::string text = offending->getText();
    if (text == ";") {
      return FormatError(source, site, "unexpected ';'", "",
                         "ADQL has no statement separator; remove the ';'", info);
    }
    if (text == "_") {
      return FormatError(source, site, "unexpected '_'", "",
                         "a name starts with a letter; write other names in double quotes, "
                         "e.g. \"_name\"",
                         info);
    }
    return FormatError(source, site, "unexpected character '" + text + "'", expected_text, "",
                       info);
  }
  // LIMIT: not a keyword in ADQL, so `FROM t LIMIT 10` reads LIMIT as an alias and fails at 10.
  const Token* limit = nullptr;
  if (type == ADQLParser::REGULAR_ID && EqualsIgnoreCase(offending->getText(), "limit")) {
    limit = offending;
  } else if (previous != nullptr && previous->getType() == ADQLParser::REGULAR_ID &&
             EqualsIgnoreCase(previous->getText(), "limit") &&
             (type == ADQLParser::UNSIGNED_INTEGER || type == Token::EOF)) {
    limit = previous;
  }
  if (limit != nullptr) {
    return FormatError(source, SiteOf(limit, tokens), "unexpected LIMIT", "",
                       "ADQL has no LIMIT; write SELECT TOP n ...", info);
  }
  // A missing FROM: the select list ended where FROM had to come.
  if (Has(expected, ADQLParser::FROM) &&
      (type == ADQLParser::WHERE || type == ADQLParser::GROUP || type == ADQLParser::HAVING ||
       type == ADQLParser::ORDER || type == ADQLParser::OFFSET || type == ADQLParser::UNION ||
       type == ADQLParser::EXCEPT || type == ADQLParser::INTERSECT || type == ADQLParser::RPAREN ||
       type == Token::EOF)) {
    return FormatError(source, site, "missing FROM clause", "FROM",
                       "a query reads SELECT <columns> FROM <tables> ...", info);
  }
  // A function keyword used as a name: `SELECT distance FROM t` fails at FROM (DISTANCE wants
  // '('). Every such keyword must be followed by '(', so whatever else follows is this mistake.
  if (previous != nullptr && IsFunctionKeyword(previous->getType()) && type != ADQLParser::LPAREN) {
    std::string word = previous->getText();
    return FormatError(source, SiteOf(previous, tokens), "unexpected reserved word " + Upper(word),
                       "",
                       Upper(word) +
                           " is an ADQL function; to use it as a name, write it in "
                           "double quotes: \"" +
                           word + "\"",
                       info);
  }
  if (type == ADQLParser::WITH && previous != nullptr) {
    return FormatError(source, site, what, "",
                       "WITH may only start the whole query, not a subquery or a set operand",
                       info);
  }
  if (type == ADQLParser::FROM && previous != nullptr &&
      (previous->getType() == ADQLParser::SELECT || previous->getType() == ADQLParser::ALL ||
       previous->getType() == ADQLParser::DISTINCT ||
       previous->getType() == ADQLParser::UNSIGNED_INTEGER)) {
    return FormatError(source, site, what, expected_text,
                       "the select list is empty; write * or the columns to return", info);
  }
  bool name_like_keyword = type == ADQLParser::RESERVED_WORD ||
                           (type >= ADQLParser::CAST && type <= ADQLParser::TIMESTAMP);
  if (name_like_keyword && Has(expected, ADQLParser::REGULAR_ID)) {
    std::string word = offending->getText();
    return FormatError(source, site, what, expected_text,
                       Upper(word) +
                           " is a reserved word; to use it as a name, write it in "
                           "double quotes: \"" +
                           word + "\"",
                       info);
  }
  // A string written in double quotes where only a string literal fits (REGION, IN_UNIT, ...).
  if (type == ADQLParser::DELIMITED_ID && !expected.isEmpty() &&
      !Has(expected, ADQLParser::DELIMITED_ID)) {
    return FormatError(source, site, what, expected_text, std::string(kDoubleQuotes), info);
  }
  if (type == ADQLParser::DELIMITED_ID && previous != nullptr &&
      previous->getType() == ADQLParser::DELIMITED_ID) {
    return FormatError(source, site, what, expected_text, std::string(kDoubleQuotes), info);
  }
  // Trailing text after what is already a whole query.
  if (type != Token::EOF && Has(expected, Token::EOF)) {
    const Token* next = NextToken(offending, tokens);
    std::string hint = "the query is complete before this point";
    if (next != nullptr && next->getType() == Token::EOF) hint += "; remove the trailing text";
    // ANTLR's set is just {EOF} when every optional clause was already passed by: not helpful.
    if (expected.size() == 1) expected_text.clear();
    return FormatError(source, site, what, expected_text, hint, info);
  }
  return FormatError(source, site, what, expected_text, "", info);
}

}  // namespace skyshard::adql::internal
