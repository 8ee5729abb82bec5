// skyshard's own ADQL corpus: declarative files of queries (tests/adql/corpus/*.test; the format
// is in tests/adql/corpus/README.md), written for skyshard, one file per topic.
//  - A valid record must parse; parse -> print -> parse must give an equal tree
//    (adql/ast/equality.h), and printing must be a fixed point. When the record gives the
//    printed form, ToAdql must print exactly that.
//  - An error record must be rejected with a SyntaxError at the recorded line and column, and
//    the first line of the message must contain each recorded substring.
//  - A record marked known-bad states what is right, and the parser is known to get it wrong
//    (the comment above it says how). It is reported, not failed; once the parser gets it
//    right the test fails, so that the mark is removed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "adql/ast/equality.h"
#include "adql/ast/printer.h"
#include "adql/parser/parser.h"
#include "tests/adql/parse_cache_check.h"

namespace skyshard::adql {
namespace {

const char kCorpusDir[] = SKYSHARD_SOURCE_DIR "/tests/adql/corpus";

// Lines that end a record's query text (kSection) or the whole record (kEnd).
constexpr std::string_view kSection = "----";
constexpr std::string_view kEnd = "====";

struct Record {
  std::string file;
  int file_line = 0;  // line of the record's header in its file
  bool valid = false;
  int error_line = 0;  // error records: where the error must be reported
  int error_column = 0;
  bool known_bad = false;
  bool escaped = false;
  std::optional<std::vector<std::string>> functions;
  std::string comment;  // the '#' lines just above the header, without the '#'
  std::string adql;
  // After kSection: the printed form (valid) or the message substrings (error).
  std::vector<std::string> section;

  std::string Where() const { return file + ":" + std::to_string(file_line); }
};

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find(separator, begin);
    if (end == std::string_view::npos) end = text.size();
    if (end > begin) parts.emplace_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return parts;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes \\ \n \r \t \f \v \xHH; returns false on any other escape.
bool Unescape(std::string_view text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out->push_back(text[i]);
      continue;
    }
    if (++i == text.size()) return false;
    switch (text[i]) {
      case '\\':
        out->push_back('\\');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'v':
        out->push_back('\v');
        break;
      case 'x': {
        if (i + 2 >= text.size()) return false;
        int high = HexDigit(text[i + 1]);
        int low = HexDigit(text[i + 2]);
        if (high < 0 || low < 0) return false;
        out->push_back(static_cast<char>(high * 16 + low));
        i += 2;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

// Reads a header line ("valid ..." or "error L:C ..."); returns an error text, or "" when good.
std::string ParseHeader(const std::string& header, Record* record) {
  std::vector<std::string> words = Split(header, ' ');
  if (words.empty()) return "empty header";
  size_t flags = 1;
  if (words[0] == "valid") {
    record->valid = true;
  } else if (words[0] == "error") {
    if (words.size() < 2) return "an error record needs LINE:COLUMN";
    std::vector<std::string> position = Split(words[1], ':');
    if (position.size() != 2 || !std::all_of(words[1].begin(), words[1].end(), [](char c) {
          return c == ':' || std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return "bad position '" + words[1] + "'";
    }
    record->error_line = std::stoi(position[0]);
    record->error_column = std::stoi(position[1]);
    flags = 2;
  } else {
    return "a record starts with 'valid' or 'error', not '" + words[0] + "'";
  }
  for (size_t i = flags; i < words.size(); ++i) {
    const std::string& flag = words[i];
    if (flag == "known-bad") {
      record->known_bad = true;
    } else if (flag == "escaped") {
      record->escaped = true;
    } else if (flag.rfind("functions=", 0) == 0) {
      record->functions = Split(std::string_view(flag).substr(10), ',');
    } else {
      return "unknown flag '" + flag + "'";
    }
  }
  return "";
}

// Reads one .test file. Format errors are test failures.
std::vector<Record> LoadFile(const std::filesystem::path& path) {
  std::vector<Record> records;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  enum class State { kOutside, kQuery, kPrinted };
  State state = State::kOutside;
  std::string comment;
  std::vector<std::string> query_lines;
  Record record;
  std::string line;
  int number = 0;
  const std::string name = path.filename().string();
  auto fail = [&](const std::string& what) {
    ADD_FAILURE() << name << ":" << number << ": " << what;
  };
  auto finish = [&] {
    std::string text;
    for (size_t i = 0; i < query_lines.size(); ++i) text += (i > 0 ? "\n" : "") + query_lines[i];
    if (record.escaped) {
      if (!Unescape(text, &record.adql)) fail("bad escape in the query of " + record.Where());
    } else {
      record.adql = text;
    }
    if (record.known_bad && record.comment.empty()) {
      fail("known-bad record " + record.Where() + " needs a comment saying what is wrong");
    }
    if (!record.valid && record.section.empty()) {
      fail("error record " + record.Where() + " needs at least one message substring");
    }
    if (record.valid && record.section.size() > 1) {
      fail("the printed form of " + record.Where() + " is one line");
    }
    records.push_back(record);
  };
  while (std::getline(in, line)) {
    ++number;
    switch (state) {
      case State::kOutside:
        if (line.empty()) {
          comment.clear();
        } else if (line[0] == '#') {
          comment += line.substr(1) + "\n";
        } else {
          record = Record();
          record.file = name;
          record.file_line = number;
          record.comment = comment;
          comment.clear();
          query_lines.clear();
          std::string problem = ParseHeader(line, &record);
          if (!problem.empty()) fail(problem);
          state = State::kQuery;
        }
        break;
      case State::kQuery:
        if (line == kSection) {
          state = State::kPrinted;
        } else if (line == kEnd) {
          finish();
          state = State::kOutside;
        } else {
          query_lines.push_back(line);
        }
        break;
      case State::kPrinted:
        if (line == kEnd) {
          finish();
          state = State::kOutside;
        } else if (!line.empty()) {
          record.section.push_back(line);
        }
        break;
    }
  }
  if (state != State::kOutside) fail("the last record has no " + std::string(kEnd));
  return records;
}

std::vector<Record> LoadCorpus() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kCorpusDir)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Record> records;
  for (const auto& path : files) {
    std::vector<Record> more = LoadFile(path);
    records.insert(records.end(), more.begin(), more.end());
  }
  return records;
}

ParseOptions OptionsFor(const Record& record) {
  ParseOptions options;
  options.known_functions = record.functions;
  return options;
}

// Valid records served by the parse cache from a template with other constants.
int cache_checked = 0;

// What is wrong with a valid record's outcome; "" when nothing is.
std::string CheckValid(const Record& record) {
  Result<ParseResult> first = Parse(record.adql, OptionsFor(record));
  if (!first.ok()) return "rejected: " + first.status().ToString();
  std::string printed = ast::ToAdql(*first->query);
  Result<ParseResult> second = Parse(printed, OptionsFor(record));
  if (!second.ok()) {
    return "its print does not parse: " + printed + "\n" + second.status().ToString();
  }
  if (!ast::Equal(*first->query, *second->query)) {
    return "its print parses to a different tree: " + printed;
  }
  std::string reprinted = ast::ToAdql(*second->query);
  if (reprinted != printed) {
    return "printing is not a fixed point:\n  " + printed + "\n  " + reprinted;
  }
  if (!record.section.empty() && printed != record.section[0]) {
    return "printed as\n  " + printed + "\nnot as\n  " + record.section[0];
  }
  testing::CacheCheck outcome;
  std::string cache_problem = testing::CheckParseCache(record.adql, OptionsFor(record), &outcome);
  if (!cache_problem.empty()) return "parse cache: " + cache_problem;
  if (outcome == testing::CacheCheck::kChecked) ++cache_checked;
  return "";
}

// What is wrong with an error record's outcome; "" when nothing is.
std::string CheckError(const Record& record) {
  SyntaxErrorInfo info;
  Result<ParseResult> result = Parse(record.adql, OptionsFor(record), &info);
  if (result.ok()) return "accepted, printed as: " + ast::ToAdql(*result->query);
  const std::string& message = result.status().message();
  std::string first_line = message.substr(0, message.find('\n'));
  std::string problems;
  if (result.status().code() != StatusCode::kSyntaxError) {
    problems += "  not a SyntaxError\n";
  }
  if (info.line != record.error_line || info.column != record.error_column) {
    problems += "  reported at " + std::to_string(info.line) + ":" + std::to_string(info.column) +
                ", expected at " + std::to_string(record.error_line) + ":" +
                std::to_string(record.error_column) + "\n";
  }
  for (const std::string& part : record.section) {
    if (first_line.find(part) == std::string::npos) {
      problems += "  the message lacks \"" + part + "\"\n";
    }
  }
  if (problems.empty()) return "";
  return "wrong error:\n" + problems + "  message: " + message;
}

TEST(CorpusTest, EveryRecordParsesOrFailsAsRecorded) {
  std::vector<Record> corpus = LoadCorpus();
  int valid = 0;
  int invalid = 0;
  int accepted = 0;
  int rejected = 0;
  std::vector<std::string> known_bad;
  for (const Record& record : corpus) {
    (record.valid ? valid : invalid) += 1;
    std::string problem = record.valid ? CheckValid(record) : CheckError(record);
    if (record.known_bad) {
      if (problem.empty()) {
        ADD_FAILURE() << record.Where() << ": known-bad record now passes; remove the mark";
      } else {
        known_bad.push_back(record.Where() + ":" + record.comment + "  now: " + problem + "\n");
      }
      continue;
    }
    if (!problem.empty()) {
      ADD_FAILURE() << record.Where() << ": " << problem << "\nquery:\n" << record.adql;
      continue;
    }
    (record.valid ? accepted : rejected) += 1;
  }
  std::cout << "[ corpus   ] skyshard ADQL corpus: " << accepted << " of " << valid
            << " valid queries accepted and round-tripped, " << rejected << " of " << invalid
            << " invalid queries rejected as expected, " << known_bad.size() << " known-bad"
            << std::endl;
  for (const std::string& entry : known_bad) {
    std::cout << "[ known-bad] " << entry;
  }
  std::cout << "[ corpus   ] parse cache: " << cache_checked
            << " valid queries served from a template with other constants" << std::endl;
  EXPECT_GE(cache_checked, valid / 2);
  EXPECT_GE(valid, 300);
  EXPECT_GE(invalid, 150);
  EXPECT_LE(known_bad.size(), 10U) << "known-bad records must stay few";
}

}  // namespace
}  // namespace skyshard::adql
