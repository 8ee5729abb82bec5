// ParseCache: parses each shape of query once. A TAP service sees the same few queries over and
// over with other constants (a portal's cone search, a script's light curves), and the ANTLR
// parse is the largest cost of such a small query (a third of a 1-arcmin cone's server CPU).
//
// A query's shape (adql/parser/query_shape.h) is its text with the literals taken out. The
// first query of a shape is parsed as usual; when the literals of its syntax tree are exactly
// the literals its shape found (same count, kind, text and position: the check that the scan
// and the parser agree on this text), the tree is kept as the shape's template. A later query of
// the same shape gets that tree with its own literals' texts put into the Literal nodes, which
// is the tree the parser would build from it, but for positions: nodes after a literal of
// another length keep the template's line and column. Those positions only serve error
// messages, so a caller whose later stages (binding) fail on a cached tree parses again
// (Lease::from_cache) to report the error at the right place.
//
// A template is used by one query at a time (the lease holds it, locked); a shape keeps up to
// `trees_per_shape` templates so that concurrent queries of one shape do not wait for each
// other (a query that finds them all busy is parsed on its own). At most `max_shapes` shapes
// are kept, the least recently used dropped first. A shape whose template check failed once
// is remembered as such and always parsed.
//
// Thread safety: Parse may be called concurrently from any number of threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "adql/ast/query.h"
#include "adql/parser/parser.h"
#include "common/status.h"

namespace skyshard::adql {

class ParseCache {
 public:
  struct Entry;
  struct Tree;

  // The syntax tree of one query, for the holder's use until it is destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&&) noexcept;
    Lease& operator=(Lease&&) noexcept;
    ~Lease();

    const ast::Query& query() const { return *query_; }
    // True when the tree is a template of the cache: positions after the first literal may be
    // the template's (see above).
    bool from_cache() const { return from_cache_; }

   private:
    friend class ParseCache;
    std::unique_ptr<ast::Query> owned_;  // a tree parsed for this query alone
    std::shared_ptr<Entry> entry_;       // keeps the template's entry alive
    Tree* tree_ = nullptr;               // the template held (its mutex locked)
    const ast::Query* query_ = nullptr;
    bool from_cache_ = false;
  };

  struct Stats {
    uint64_t hits = 0;         // queries served from a template
    uint64_t misses = 0;       // queries parsed (first of their shape, or all templates busy)
    uint64_t uncacheable = 0;  // queries parsed because their shape cannot be cached
  };

  // Longer queries are parsed every time: the cache's memory stays bounded (at most
  // max_shapes x trees_per_shape trees of queries this long) whatever clients send.
  static constexpr size_t kMaxCachedQueryBytes = 16 * 1024;

  explicit ParseCache(size_t max_shapes = 256, size_t trees_per_shape = 4);
  ~ParseCache();
  ParseCache(const ParseCache&) = delete;
  ParseCache& operator=(const ParseCache&) = delete;

  // The tree of `adql`, as adql::Parse(adql, options, error) would build it (see above for
  // positions). Errors: those of adql::Parse. `options` must be the same on every call (the
  // templates were parsed with them).
  Result<Lease> Parse(std::string_view adql, const ParseOptions& options,
                      SyntaxErrorInfo* error = nullptr);

  Stats stats() const;

 private:
  std::shared_ptr<Entry> FindOrAdd(const std::string& key);

  const size_t max_shapes_;
  const size_t trees_per_shape_;
  mutable std::mutex mu_;                  // guards lru_ and map_
  std::list<std::shared_ptr<Entry>> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<std::shared_ptr<Entry>>::iterator> map_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, uncacheable_{0};
};

}  // namespace skyshard::adql
