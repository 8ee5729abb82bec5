// The ADQL syntax tree (adql/ast/): the parts every node shares. The tree is built by the parser
// (adql/parser/parser.h, ParseResult::query) from the text of a query, printed back to ADQL by
// adql/ast/printer.h and compared by adql/ast/equality.h; the binder reads it. It is plain data:
// names stay as written (the binder folds case), numbers keep their digits, and each node knows
// where its text starts so that later stages can report errors at the right place.
//
// Files: node.h (positions, identifiers), expression.h (value expressions and conditions),
// query.h (queries, SELECT, FROM). Design: each node family has a kind enum and a base class;
// subclasses are structs with public members, told apart by `kind` (switch on it, then As<T>()).
// Children are owned with std::unique_ptr; the tree is a tree (no sharing, no parent pointers).
//
// Depth: operator chains of one precedence level (a + b - c, x AND y AND z, A UNION B UNION C)
// are one node with a list of operands, so the tree grows deep only with parentheses, CASE,
// subqueries and joins, which the parser bounds (ParseOptions): recursive walks are safe.
//
// Thread safety: a tree is a value; distinct trees may be used from distinct threads, and const
// access to one tree from several threads is safe.
#pragma once

#include <cassert>
#include <string>
#include <vector>

namespace skyshard::adql::ast {

// Where a node's text starts: 1-based line and column; the column counts characters (code
// points; a tab is one). {0, 0} for a node made by a program rather than parsed.
struct Position {
  int line = 0;
  int column = 0;
};

// A name: a regular identifier as written (ADQL compares them case-insensitively) or a delimited
// one ("..."), whose `name` is the text between the quotes with "" turned into " (compared
// exactly).
struct Identifier {
  std::string name;
  bool delimited = false;
  Position position;
};

// [catalog.][schema.]table[.column]: the parts as written, outermost first. Never empty.
using QualifiedName = std::vector<Identifier>;

// The base of one node family (expressions, table references, query bodies): the family's kind
// enum tells the subclass, As<T>() reaches it, `position` says where the node's text starts.
template <typename KindT>
class Node {
 public:
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  KindT kind() const { return kind_; }

  // The subclass this is. REQUIRES: kind() == T::kKind.
  template <typename T>
  T& As() {
    assert(kind_ == T::kKind);
    return static_cast<T&>(*this);
  }
  template <typename T>
  const T& As() const {
    assert(kind_ == T::kKind);
    return static_cast<const T&>(*this);
  }

  Position position;

 protected:
  explicit Node(KindT kind) : kind_(kind) {}

 private:
  KindT kind_;
};

}  // namespace skyshard::adql::ast
