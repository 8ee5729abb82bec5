// The planner: rewrites the binder's plan (adql/planner/logical_plan.h) into the plan the
// executor runs, by a fixed sequence of rules, one file each under adql/planner/rules/, each with
// a worked ADQL example in its comment:
//  - constant folding (expressions without columns become constants);
//  - predicate pushdown (filters move below projections and into joins and scans);
//  - spatial pushdown (CONTAINS / DISTANCE / INTERSECTS / scisql_angSep / scisql_s2PtInCircle /
//    scisql_s2PtInBox conditions on a table's position columns, AND-ed and OR-ed, become a
//    HEALPix range read; the exact test stays as the scan's filter);
//  - key lookups (`objectId = X`, `objectId IN (...)` on a table with a key index become point
//    reads; a child table joined to such a parent on the parent key becomes ScanChildren);
//  - projection pushdown (scans read only the columns used above them);
//  - join keys (equalities in join conditions become hash keys; small dimension tables build);
//  - top-k (Sort + Limit becomes a Sort with a limit) and early MAXREC;
//  - parallel fragments (a scan-filter-project-aggregate pipeline over a large table runs as a
//    Gather of per-partition fragments, with partial aggregates and top-k merged).
// Every rule keeps the query's result (the corpus runs each query with rules on and off).
//
// Thread safety: Optimize is reentrant.
#pragma once

#include <cstdint>

#include "adql/planner/logical_plan.h"
#include "common/status.h"

namespace skyshard::adql {

struct PlannerOptions {
  // False: the plan stays as the binder built it (every scan full, no rewrite): the reference
  // the corpus compares the optimised plan with.
  bool enable_rewrites = true;
  // The number of rows the caller will read at most (MAXREC plus one, to detect overflow);
  // -1: all. Lets the planner stop early.
  int64_t max_rows = -1;
  // Worker threads the executor will use; fragments are split for this many. 0: hardware.
  // With one thread no Gather is planned.
  int threads = 0;
  // A scan pipeline runs as parallel fragments (a Gather) only when its scan is estimated to
  // read at least this many rows (from the catalog's row counts and the ranges' share of the
  // sky). 0: every eligible pipeline (tests use it to exercise the executor's merges).
  int64_t parallel_min_rows = 200000;
  // A spatial join of two scans keyed by their positions is partitioned by coarse pixel (each
  // partition reads its build rows plus a margin) when both are estimated to read at least this
  // many rows; smaller build sides are read whole. Tests lower it to exercise the partitions.
  int64_t partitioned_join_min_rows = 1000000;
};

// Rewrites `plan`. Success: the plan to execute (the input is consumed). Errors: Internal only
// (a rule that would break an invariant); the input's meaning is never changed.
Result<plan::PlanPtr> Optimize(plan::PlanPtr plan, const PlannerOptions& options = {});

}  // namespace skyshard::adql
