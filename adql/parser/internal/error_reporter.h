// Error reporting for the ADQL parser: an ANTLR error strategy that records the first syntax
// error and stops the parse, and the functions that turn a recorded error (or any located
// problem) into the user-facing message of docs/adql.md.
//
// Internal to adql/parser/: uses ANTLR types.
//
// Thread safety: a FirstErrorStrategy belongs to one parser (one parse at a time); the free
// functions are reentrant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ADQLParser.h"
#include "adql/parser/error_format.h"
#include "adql/parser/parser.h"
#include "antlr4-runtime.h"

namespace skyshard::adql::internal {

// The located-error format is shared with the binder (adql/parser/error_format.h).
using adql::ErrorSite;
using adql::FormatError;

// The first syntax error of a parse: the offending token (owned by the token stream) and what
// the parser would have accepted there (empty when ANTLR cannot tell precisely).
struct RecordedError {
  antlr4::Token* offending = nullptr;
  antlr4::misc::IntervalSet expected;
};

// DefaultErrorStrategy without recovery: the first error is recorded and the parse is cancelled
// (antlr4::ParseCancellationException), so no error cascades and no time goes into repair.
class FirstErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit FirstErrorStrategy(RecordedError* record) : record_(record) {}

  void reportError(antlr4::Parser* recognizer, const antlr4::RecognitionException& e) override;
  void recover(antlr4::Parser* recognizer, std::exception_ptr e) override;
  antlr4::Token* recoverInline(antlr4::Parser* recognizer) override;

 protected:
  void reportUnwantedToken(antlr4::Parser* recognizer) override;
  void reportMissingToken(antlr4::Parser* recognizer) override;
  antlr4::Token* singleTokenDeletion(antlr4::Parser* recognizer) override;
  bool singleTokenInsertion(antlr4::Parser* recognizer) override;

 private:
  void Record(antlr4::Token* offending, const antlr4::misc::IntervalSet& expected);

  RecordedError* record_;
};

// The site of a token; for EOF, just after the last real token (or 1:1 in an empty query).
ErrorSite SiteOf(const antlr4::Token* token, antlr4::TokenStream* tokens);

// A readable list of the tokens in `expected` ("FROM, ',' or AS"; "an expression"), empty when
// `expected` is empty.
std::string DescribeExpected(const antlr4::misc::IntervalSet& expected,
                             const antlr4::misc::IntervalSet& expression_start,
                             const antlr4::dfa::Vocabulary& vocabulary);

// A token for a message: "'text'" (truncated when long) or "end of query".
std::string DescribeToken(const antlr4::Token* token);

// Builds the message of a recorded syntax error, with the hand-written explanations of common
// mistakes (LIMIT, missing FROM, strings in double quotes, reserved words as names, ';', ...).
std::string DescribeSyntaxError(std::string_view source, const RecordedError& error,
                                antlr4::TokenStream* tokens,
                                const antlr4::misc::IntervalSet& expression_start,
                                const antlr4::dfa::Vocabulary& vocabulary, SyntaxErrorInfo* info);

}  // namespace skyshard::adql::internal
