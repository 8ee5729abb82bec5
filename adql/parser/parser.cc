#include "adql/parser/parser.h"

#include <exception>
#include <memory>
#include <new>

#include "ADQLLexer.h"
#include "ADQLParser.h"
#include "adql/parser/internal/error_reporter.h"
#include "adql/parser/internal/nesting_scan.h"
#include "adql/parser/internal/syntax_checks.h"
#include "adql/parser/internal/transformer.h"
#include "antlr4-runtime.h"

namespace skyshard::adql {

namespace {

using grammar::ADQLLexer;
using grammar::ADQLParser;

// Byte offset of the first invalid UTF-8 sequence in `text`, or npos. ANTLR decodes the input
// as UTF-8 and throws on a bad sequence; checking first gives the user a position instead.
size_t FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    unsigned int min_value = 0;
    unsigned int value = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    }
    if ((byte & 0xE0) == 0xC0) {
      length = 2;
      min_value = 0x80;
      value = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      min_value = 0x800;
      value = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      min_value = 0x10000;
      value = byte & 0x07;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      value = (value << 6) | (next & 0x3F);
    }
    bool surrogate = value >= 0xD800 && value <= 0xDFFF;
    if (value < min_value || value > 0x10FFFF || surrogate) return i;
    i += length;
  }
  return std::string_view::npos;
}

// The site of byte `offset` (for errors found before lexing).
internal::ErrorSite SiteOfByte(std::string_view text, size_t offset) {
  internal::ErrorSite site;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++site.line;
      site.column0 = 0;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++site.column0;
    }
  }
  return site;
}

// The tokens that can start a value expression, for "expected an expression" in messages.
const antlr4::misc::IntervalSet& ExpressionStart(ADQLParser& parser) {
  static const antlr4::misc::IntervalSet kSet =
      parser.getATN().nextTokens(parser.getATN().ruleToStartState[ADQLParser::RuleValueExpression]);
  return kSet;
}

Result<ParseResult> ParseChecked(std::string_view adql, const ParseOptions& options,
                                 SyntaxErrorInfo* error) {
  if (adql.size() > options.max_query_bytes) {
    return Status::LimitExceeded("the query is " + std::to_string(adql.size()) +
                                 " bytes long; the limit is " +
                                 std::to_string(options.max_query_bytes));
  }
  if (size_t bad = FirstInvalidUtf8(adql); bad != std::string_view::npos) {
    return Status::SyntaxError(internal::FormatError(
        adql, SiteOfByte(adql, bad), "the query is not valid UTF-8", "", "", error));
  }

  antlr4::ANTLRInputStream input{std::string(adql)};
  ADQLLexer lexer(&input);
  lexer.removeErrorListeners();  // every character becomes a token; the parser reports
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();

  internal::NestingResult nesting =
      internal::ScanNesting(tokens.getTokens(), options.max_nesting_depth);
  switch (nesting.problem) {
    case internal::NestingProblem::kNone:
      break;
    case internal::NestingProblem::kUnopenedParen:
      return Status::SyntaxError(internal::FormatError(
          adql, internal::SiteOf(nesting.token, &tokens), "unbalanced parentheses", "",
          "this ')' has no matching '('", error));
    case internal::NestingProblem::kUnclosedParen:
      return Status::SyntaxError(
          internal::FormatError(adql, internal::SiteOf(nesting.token, &tokens),
                                "unbalanced parentheses", "", "this '(' is never closed", error));
    case internal::NestingProblem::kTooDeep:
      return Status::LimitExceeded(internal::FormatError(
          adql, internal::SiteOf(nesting.token, &tokens), "the query nests too deeply", "",
          "parentheses, subqueries and CASE may nest at most " +
              std::to_string(options.max_nesting_depth) + " levels",
          error));
  }

  ADQLParser parser(&tokens);
  parser.removeErrorListeners();
  const antlr4::misc::IntervalSet& expression_start = ExpressionStart(parser);

  // Two stages, as ANTLR recommends: SLL prediction is fast and right for valid input; only
  // when it fails, parse again with full LL, which is exact and gives the error's true place.
  ADQLParser::QueryContext* tree = nullptr;
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  try {
    tree = parser.query();
  } catch (const antlr4::ParseCancellationException&) {
    tree = nullptr;
  }
  if (tree == nullptr) {
    internal::RecordedError recorded;
    tokens.seek(0);
    parser.reset();
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::LL);
    parser.setErrorHandler(std::make_shared<internal::FirstErrorStrategy>(&recorded));
    try {
      tree = parser.query();
    } catch (const antlr4::ParseCancellationException&) {
      tree = nullptr;
    }
    if (tree == nullptr || recorded.offending != nullptr) {
      return Status::SyntaxError(internal::DescribeSyntaxError(
          adql, recorded, &tokens, expression_start, parser.getVocabulary(), error));
    }
  }

  internal::CheckOutcome checked = internal::CheckParseTree(tree, options.known_functions);
  if (checked.failure.has_value()) {
    const internal::CheckFailure& failure = *checked.failure;
    return Status::SyntaxError(internal::FormatError(adql, internal::SiteOf(failure.token, &tokens),
                                                     failure.message, "", failure.hint, error));
  }
  internal::TransformOutcome transformed =
      internal::TransformParseTree(tree, options.max_tree_depth);
  if (transformed.too_deep != nullptr) {
    return Status::LimitExceeded(internal::FormatError(
        adql, internal::SiteOf(transformed.too_deep, &tokens), "the query nests too deeply", "",
        "its syntax tree may nest at most " + std::to_string(options.max_tree_depth) +
            " levels (subqueries, parentheses, joins)",
        error));
  }
  ParseResult result;
  result.query = std::move(transformed.query);
  result.user_defined_functions = std::move(checked.user_defined_functions);
  return result;
}

}  // namespace

Result<ParseResult> Parse(std::string_view adql, const ParseOptions& options,
                          SyntaxErrorInfo* error) {
  // The module edge: nothing thrown by ANTLR or the standard library goes past this point.
  try {
    return ParseChecked(adql, options, error);
  } catch (const std::bad_alloc&) {
    return Status::LimitExceeded("out of memory while parsing the query");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("ADQL parser failure: ") + e.what());
  } catch (...) {
    return Status::Internal("ADQL parser failure");
  }
}

Status CheckSyntax(std::string_view adql, const ParseOptions& options) {
  Result<ParseResult> result = Parse(adql, options);
  return result.ok() ? Status::OK() : result.status();
}

bool IsRegularIdentifier(std::string_view name) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (name.empty() || !letter(name[0])) return false;
  for (char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  }
  // The characters are right; the lexer says whether the word is reserved.
  antlr4::ANTLRInputStream input{std::string(name)};
  ADQLLexer lexer(&input);
  lexer.removeErrorListeners();
  std::unique_ptr<antlr4::Token> token = lexer.nextToken();
  return token->getType() == ADQLLexer::REGULAR_ID && token->getText().size() == name.size();
}

std::string QuoteIdentifierIfNeeded(std::string_view name) {
  if (IsRegularIdentifier(name)) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  out += '"';
  return out;
}

}  // namespace skyshard::adql
