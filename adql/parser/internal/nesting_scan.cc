#include "adql/parser/internal/nesting_scan.h"

#include "ADQLParser.h"

namespace skyshard::adql::internal {

NestingResult ScanNesting(const std::vector<antlr4::Token*>& tokens, int max_depth) {
  using grammar::ADQLParser;
  std::vector<antlr4::Token*> open_parens;
  int open_cases = 0;
  for (antlr4::Token* token : tokens) {
    switch (token->getType()) {
      case ADQLParser::LPAREN:
        open_parens.push_back(token);
        break;
      case ADQLParser::RPAREN:
        if (open_parens.empty()) return {NestingProblem::kUnopenedParen, token};
        open_parens.pop_back();
        break;
      case ADQLParser::CASE:
        ++open_cases;
        break;
      case ADQLParser::END:
        // An END without CASE is the parser's to report.
        if (open_cases > 0) --open_cases;
        break;
      default:
        break;
    }
    if (static_cast<int>(open_parens.size()) + open_cases > max_depth) {
      return {NestingProblem::kTooDeep, token};
    }
  }
  // The innermost unclosed parenthesis is the likeliest to be the one missing its partner.
  if (!open_parens.empty()) return {NestingProblem::kUnclosedParen, open_parens.back()};
  return {};
}

}  // namespace skyshard::adql::internal
