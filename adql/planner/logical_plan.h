// The query plan: a tree of relational operators over the tables a query can see
// (adql/binder/query_catalog.h). The binder (adql/binder/binder.h) builds it from the syntax tree
// with every name resolved; the planner's rewrite rules (adql/planner/planner.h, one file per
// rule) transform it and choose access paths (HEALPix range reads, key lookups, top-k,
// parallel fragments); the executor (adql/exec/executor.h) runs it. The same node types serve
// as logical and physical plan: a rule only ever refines a node (a full scan becomes a range
// read, a Sort gets a limit), so there is one tree to print, compare and ship.
//
// Each node produces rows whose columns are described by `schema`; the expressions a node owns
// refer to its input columns by position (adql/binder/bound_expression.h). Plans are plain data:
// a node refers to a table by its QueryTable (schema and name), so a fragment could be printed,
// sent to another process and rebuilt there against the same release.
//
// Ownership: a node owns its children and expressions; Clone() is a deep copy. Thread safety:
// plain values; const access from many threads is safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adql/binder/bound_expression.h"
#include "common/types.h"
#include "indexing/healpix_index.h"

namespace skyshard::adql {
struct QueryTable;  // adql/binder/query_catalog.h
}

namespace skyshard::adql::plan {

// One output column of a node: its name (for the final node, the name the user sees: the
// alias, else the column's own name), its type, and the metadata a VOTable FIELD carries (kept
// from the table column when the value is that column unchanged, else empty).
struct OutputColumn {
  std::string name;
  ValueType type = ValueType::kNull;
  // The type of the values in a ColumnBatch for this column: the stored column's type (with
  // its char length) for a column read unchanged, else derived from `type` by
  // StorageTypeOf(type). Geometry values travel as STC-S text (VARCHAR).
  ColumnType storage_type;
  std::string unit;
  std::string ucd;
  std::string utype;
  std::string description;
  std::string arraysize;         // as the catalog gives it for a column read unchanged, else empty
  std::string votable_datatype;  // likewise (ColumnDef::votable_datatype)
};

// The ColumnBatch type for values of `type`: integers, booleans and timestamps as themselves,
// REAL and DOUBLE as themselves, VARCHAR and every geometry type (and a bare NULL) as VARCHAR.
ColumnType StorageTypeOf(ValueType type);

enum class PlanKind {
  kScan,          // Scan: rows of a table, by one of the access paths of ScanAccess
  kFilter,        // Filter: the input rows for which `condition` is true
  kProject,       // Project: one output column per expression
  kJoin,          // Join
  kAggregate,     // Aggregate: GROUP BY and aggregate functions
  kDistinct,      // Distinct: duplicate rows removed (NULLs equal, as SQL DISTINCT)
  kSort,          // Sort: ORDER BY, optionally keeping only the first `limit` rows (top-k)
  kLimit,         // Limit: OFFSET and TOP
  kSetOperation,  // SetOperation: UNION / INTERSECT / EXCEPT [ALL], columns matched by position
  kGather,        // Gather: runs its child fragment once per partition in parallel, merges
};

struct PlanNode {
  explicit PlanNode(PlanKind node_kind) : kind(node_kind) {}
  virtual ~PlanNode();
  PlanNode(const PlanNode&) = delete;
  PlanNode& operator=(const PlanNode&) = delete;

  const PlanKind kind;
  std::vector<OutputColumn> schema;
  std::vector<PlanPtr> children;

  // A deep copy.
  virtual PlanPtr Clone() const = 0;

  template <typename T>
  T& As() {
    return static_cast<T&>(*this);
  }
  template <typename T>
  const T& As() const {
    return static_cast<const T&>(*this);
  }
};

// How a Scan reaches its rows.
struct ScanAccess {
  enum class Kind {
    kFull,         // every row, in key order
    kRanges,       // rows whose (parent's) HEALPix key lies in `ranges` (Store::Scan)
    kPrimaryKeys,  // rows whose primary key is one of `keys` (Store::LookupPrimaryKey)
    kChildrenOf,   // rows of a child table whose parent key is one of `keys` (ScanChildren)
    kEmpty,        // no row (a predicate that is never true)
  };
  Kind kind = Kind::kFull;
  std::vector<IndexRange> ranges;  // kRanges: sorted, merged, order 29
  std::vector<int64_t> keys;       // kPrimaryKeys, kChildrenOf: sorted, distinct
  // kRanges: the regions the ranges cover, for EXPLAIN ("CIRCLE(10 20 0.0167)").
  std::string description;
};

// Leaf: rows of a stored, TAP_SCHEMA or uploaded table.
struct Scan final : PlanNode {
  Scan() : PlanNode(PlanKind::kScan) {}
  PlanPtr Clone() const override;

  const QueryTable* table = nullptr;  // owned by the QueryCatalog, which outlives the plan
  std::vector<int> columns;           // table column positions, one per schema column
  ScanAccess access;
  // Applied to each row read (over the scan's output columns); null when none. The planner
  // pushes predicates here; the exact region test of a range read stays here.
  ExprPtr filter;
};

struct Filter final : PlanNode {
  Filter() : PlanNode(PlanKind::kFilter) {}
  PlanPtr Clone() const override;

  ExprPtr condition;  // BOOLEAN (or an integer 1/0 predicate); NULL counts as false
};

struct Project final : PlanNode {
  Project() : PlanNode(PlanKind::kProject) {}
  PlanPtr Clone() const override;

  std::vector<ExprPtr> expressions;  // one per schema column
};

enum class JoinType {
  kInner,
  kLeft,
  kRight,
  kFull,
  kCross,
  kSemi,  // left rows with at least one match; the output is the left columns only
  kAnti,  // left rows with no match; the output is the left columns only
};

// The positions a spatial join (a cross-match) pairs: every row pair that can satisfy the join
// condition has its two positions within `radius_deg` of each other (great-circle distance,
// degrees). Positions are in degrees; a NULL position matches nothing.
struct SpatialJoinKeys {
  ExprPtr left_ra, left_dec;    // over the left input's columns
  ExprPtr right_ra, right_dec;  // over the right input's columns
  double radius_deg = 0;        // finite, >= 0
  // The left input is a chain of Filters and Projects over a Scan (kFull or kRanges) of a
  // spatial store table keyed by exactly the left position: the executor may read only the
  // index ranges near the right input's positions (Explain: "probe-ranges").
  bool restrict_left_scan = false;
  // Catalog x catalog (>= 0): both inputs are scans of spatial tables keyed by their positions,
  // too large to build whole; the Join sits under a Gather that partitions the left scan, and
  // for each partition the executor builds from the right table's rows in the partition's
  // pixels at this order and their neighbours only (memory bounded by a partition and its
  // margin; Explain: "partitioned(order=N)"). -1: the right input is built whole.
  int partition_order = -1;
  // The join condition without the conjunct these keys came from (over the left columns
  // followed by the right ones, as `condition`); null when that conjunct was the whole
  // condition. A candidate pair clearly within radius_deg satisfies that conjunct, so the
  // executor checks only this on such pairs (and the whole condition on the others).
  // Meaningful only when `has_residual` (the planner set it).
  ExprPtr residual;
  bool has_residual = false;

  SpatialJoinKeys Clone() const;
};

// children[0] is the left input, children[1] the right. The output is the left columns followed
// by the right ones (left only for kSemi/kAnti); outer joins fill the missing side with NULLs.
// With keys, the executor builds its hash table from the right input (children[1]) and streams
// the left one: the planner puts the small side (a dimension table such as CcdVisit) on the
// right of inner joins (adql/planner/rules/join_keys.cc).
struct Join final : PlanNode {
  Join() : PlanNode(PlanKind::kJoin) {}
  PlanPtr Clone() const override;

  JoinType type = JoinType::kInner;
  // Over the left columns followed by the right ones; null for kCross (and for a join on
  // nothing). A row pair joins when it is true.
  ExprPtr condition;
  // Filled by the planner when the condition contains equalities left_keys[i] = right_keys[i]
  // (over the left input's and the right input's columns respectively): the executor can hash
  // on them; `condition` still holds the whole condition.
  std::vector<ExprPtr> left_keys;
  std::vector<ExprPtr> right_keys;
  // Filled by the planner when `condition` has a conjunct that bounds the angular separation of
  // a left position and a right position by a constant (a positional cross-match,
  // adql/planner/rules/spatial_join.cc): the executor then runs a spatial join
  // (adql/exec/spatial_join.cc) instead of a hash or nested-loop join; `condition` still holds
  // the whole exact condition.
  std::optional<SpatialJoinKeys> spatial;
  // Set by the planner (adql/planner/rules/key_lookup_join.cc) for an inner or left join whose
  // right input is Filters and Projects over a full Scan of an in-memory table with a
  // primary-key index (MemoryTable::BuildKeyIndex), where right_keys[lookup_key] is that key
  // column passed through unchanged: the executor then looks each left row's
  // left_keys[lookup_key] up in the index (adql/exec/lookup_join.cc) instead of reading and
  // hashing the right input. -1: not a lookup join.
  int lookup_key = -1;
};

enum class AggregateFunction { kCount, kCountStar, kSum, kAvg, kMin, kMax };

struct AggregateCall {
  AggregateFunction function = AggregateFunction::kCountStar;
  bool distinct = false;
  ExprPtr argument;                     // over the Aggregate's input; null for kCountStar
  ValueType type = ValueType::kBigInt;  // the result type
};

// Output: one column per group expression, then one per aggregate. With no group expression,
// exactly one row (COUNT(*) of no rows is 0, SUM of no rows is NULL).
struct Aggregate final : PlanNode {
  Aggregate() : PlanNode(PlanKind::kAggregate) {}
  PlanPtr Clone() const override;

  std::vector<ExprPtr> groups;
  std::vector<AggregateCall> aggregates;
};

struct Distinct final : PlanNode {
  Distinct() : PlanNode(PlanKind::kDistinct) {}
  PlanPtr Clone() const override;
};

struct SortKey {
  ExprPtr expression;  // over the input columns
  bool descending = false;
  // NULLs sort as the largest value (last in ASC, first in DESC), as PostgreSQL does.
};

struct Sort final : PlanNode {
  Sort() : PlanNode(PlanKind::kSort) {}
  PlanPtr Clone() const override;

  std::vector<SortKey> keys;
  int64_t limit = -1;  // >= 0: only the first `limit` rows are needed (top-k); -1: all
};

struct Limit final : PlanNode {
  Limit() : PlanNode(PlanKind::kLimit) {}
  PlanPtr Clone() const override;

  int64_t offset = 0;
  int64_t count = -1;  // -1: no limit
};

enum class SetOperator { kUnion, kIntersect, kExcept };

// children[0] op children[1]; the output takes the left input's names and the common types.
struct SetOperation final : PlanNode {
  SetOperation() : PlanNode(PlanKind::kSetOperation) {}
  PlanPtr Clone() const override;

  SetOperator op = SetOperator::kUnion;
  bool all = false;
};

// Runs children[0] (a fragment: a pipeline over one Scan with kFull or kRanges access) once per
// partition of that scan's key space, in parallel, and merges the partitions' rows by `merge`.
struct Gather final : PlanNode {
  Gather() : PlanNode(PlanKind::kGather) {}
  PlanPtr Clone() const override;

  enum class Merge {
    kConcat,   // rows in any order
    kOrdered,  // each partition is sorted by `keys`: an order-preserving merge
    // children[0] is an Aggregate: each partition aggregates its rows into partial states
    // (counts, sums, minima...) per group, and the Gather merges the states into the final
    // rows; the output is the Aggregate's.
    kAggregate,
  };
  Merge merge = Merge::kConcat;
  std::vector<SortKey> keys;  // kOrdered: over the child's output columns
  int partitions = 0;         // 0: one per worker thread
};

// Compact text of a plan, one node a line, children indented by two spaces, for
// `skyshard query --explain` and plan-shape tests, e.g.
//   Project [objectId, ra, dec]
//     Scan dp02_dc2_catalogs.Object ranges=12 CIRCLE(10 20 0.0167) filter=...
std::string Explain(const PlanNode& plan);

}  // namespace skyshard::adql::plan
