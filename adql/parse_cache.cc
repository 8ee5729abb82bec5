#include "adql/parse_cache.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "adql/ast/literals.h"
#include "adql/parser/query_shape.h"

namespace skyshard::adql {

struct ParseCache::Tree {
  std::mutex mu;  // held by the lease that uses the tree
  std::unique_ptr<ast::Query> query;
  std::vector<ast::Literal*> literals;  // the shape's literals, in text order
};

struct ParseCache::Entry {
  std::string key;
  std::mutex mu;  // guards trees
  std::vector<std::unique_ptr<Tree>> trees;
  std::atomic<bool> uncacheable{false};
};

ParseCache::Lease::Lease(Lease&& other) noexcept { *this = std::move(other); }

ParseCache::Lease& ParseCache::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (tree_ != nullptr) tree_->mu.unlock();
    owned_ = std::move(other.owned_);
    entry_ = std::move(other.entry_);
    tree_ = std::exchange(other.tree_, nullptr);
    query_ = std::exchange(other.query_, nullptr);
    from_cache_ = other.from_cache_;
  }
  return *this;
}

ParseCache::Lease::~Lease() {
  if (tree_ != nullptr) tree_->mu.unlock();
}

ParseCache::ParseCache(size_t max_shapes, size_t trees_per_shape)
    : max_shapes_(max_shapes < 1 ? 1 : max_shapes),
      trees_per_shape_(trees_per_shape < 1 ? 1 : trees_per_shape) {}

ParseCache::~ParseCache() = default;

std::shared_ptr<ParseCache::Entry> ParseCache::FindOrAdd(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it != map_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return *it->second;
  }
  auto entry = std::make_shared<Entry>();
  entry->key = key;
  lru_.push_front(entry);
  map_.emplace(key, lru_.begin());
  if (map_.size() > max_shapes_) {
    // A lease still holding a tree of the dropped entry keeps it alive until it is done.
    map_.erase(lru_.back()->key);
    lru_.pop_back();
  }
  return entry;
}

namespace {

// The non-NULL literals of a tree (NULL is a keyword to the shape scan).
std::vector<ast::Literal*> ValueLiterals(ast::Query& query) {
  std::vector<ast::Literal*> literals = ast::CollectLiterals(query);
  std::erase_if(literals,
                [](const ast::Literal* l) { return l->literal_kind == ast::LiteralKind::kNull; });
  return literals;
}

// Whether the parser's literals are exactly those the shape scan found in the same text.
bool SameLiterals(const std::vector<ast::Literal*>& tree, const QueryShape& shape) {
  if (tree.size() != shape.literals.size()) return false;
  for (size_t i = 0; i < tree.size(); ++i) {
    const ShapeLiteral& s = shape.literals[i];
    if (tree[i]->literal_kind != s.kind || tree[i]->text != s.text ||
        tree[i]->position.line != s.position.line ||
        tree[i]->position.column != s.position.column) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<ParseCache::Lease> ParseCache::Parse(std::string_view adql, const ParseOptions& options,
                                            SyntaxErrorInfo* error) {
  auto parse_alone = [&]() -> Result<Lease> {
    SKY_ASSIGN_OR_RETURN(ParseResult parsed, adql::Parse(adql, options, error));
    Lease lease;
    lease.owned_ = std::move(parsed.query);
    lease.query_ = lease.owned_.get();
    return lease;
  };
  std::optional<QueryShape> shape;
  if (adql.size() <= std::min(options.max_query_bytes, kMaxCachedQueryBytes)) {
    shape = ShapeOf(adql);
  }
  if (!shape.has_value()) {
    ++uncacheable_;
    return parse_alone();
  }
  std::shared_ptr<Entry> entry = FindOrAdd(shape->key);
  if (entry->uncacheable) {
    ++uncacheable_;
    return parse_alone();
  }
  {
    std::lock_guard<std::mutex> lock(entry->mu);
    for (auto& tree : entry->trees) {
      if (!tree->mu.try_lock()) continue;
      for (size_t i = 0; i < tree->literals.size(); ++i) {
        tree->literals[i]->text = shape->literals[i].text;
      }
      ++hits_;
      Lease lease;
      lease.entry_ = entry;
      lease.tree_ = tree.get();
      lease.query_ = tree->query.get();
      lease.from_cache_ = true;
      return lease;
    }
  }
  ++misses_;
  SKY_ASSIGN_OR_RETURN(Lease lease, parse_alone());
  std::vector<ast::Literal*> literals = ValueLiterals(*lease.owned_);
  if (!SameLiterals(literals, *shape)) {
    entry->uncacheable = true;
    return lease;
  }
  std::lock_guard<std::mutex> lock(entry->mu);
  if (entry->trees.size() >= trees_per_shape_) return lease;
  auto tree = std::make_unique<Tree>();
  tree->query = std::move(lease.owned_);
  tree->literals = std::move(literals);
  tree->mu.lock();
  lease.entry_ = entry;
  lease.tree_ = tree.get();
  entry->trees.push_back(std::move(tree));
  // The tree is this query's own parse: its positions are exact.
  return lease;
}

ParseCache::Stats ParseCache::stats() const {
  Stats s;
  s.hits = hits_.load();
  s.misses = misses_.load();
  s.uncacheable = uncacheable_.load();
  return s;
}

}  // namespace skyshard::adql
