#include "storage/bulk_loader.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_writer.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>

#include "common/ascii.h"
#include "common/types.h"
#include "indexing/healpix_index.h"
#include "storage/catalog.h"
#include "storage/data_dir.h"
#include "storage/felis.h"
#include "storage/internal/external_sort.h"
#include "storage/internal/keys.h"
#include "storage/internal/page_packer.h"
#include "storage/internal/rocksdb_options.h"
#include "storage/internal/rocksdb_status.h"
#include "storage/internal/unique_keys.h"
#include "storage/manifest.h"
#include "storage/page_codec.h"
#include "storage/row_codec.h"
#include "storage/table_reader.h"

namespace skyshard {

namespace fs = std::filesystem;
using internal::MergeOptions;
using internal::MergeResult;
using internal::RunBuilder;
using internal::RunSet;
using internal::UniqueKeys;

namespace {

using internal::FromRocks;

// Rows read per batch: a batch is decoded column by column and then encoded row by row, so it
// should stay in the L2 cache between the two (Object: 43 columns x 1024 rows x 9 bytes =
// 387 KiB). 8192-row batches did not, and the row encoder waited on memory: a medium load's
// reading and encoding took 14% less CPU with 1024.
constexpr size_t kBatchRows = 1024;
// A file whose format can start at any row (FITS) is read in pieces of at most this many rows,
// each by whichever thread is free: a table of one large file keeps every core busy, and the
// last file of a table does not leave the other cores idle.
constexpr int64_t kPieceRows = 256 * 1024;
using keys::kOrphanHpx;

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string BaseName(const std::string& path) { return fs::path(path).filename().string(); }

// Everything the loader knows about one table of the release.
struct TablePlan {
  const ManifestTable* manifest = nullptr;
  TableDef def;
  int pk_col = -1;  // table column of the integer primary key, or -1 (keyed by sequence)
  int ra_col = -1, dec_col = -1;
  int parent_col = -1;  // kChild: table column holding the parent's primary key
  TablePlan* parent = nullptr;
  bool is_parent = false;
  // Per file: its row count when the format knows it up front (FITS), else -1.
  std::vector<int64_t> file_rows;
  // For a parent: (primary key, order-29 index) of every row, sorted by key.
  std::vector<std::pair<int64_t, uint64_t>> pk_to_hpx;
};

// Builds the catalog entry of `mt` from the Felis table and the columns its files carry.
Status PlanTable(const Manifest& manifest, const FelisSchema& schema, const ManifestTable& mt,
                 uint32_t id, TablePlan* plan) {
  const std::string schema_name = BaseName(manifest.schema_path);
  const TableDef* felis = schema.FindTable(mt.name);
  if (felis == nullptr) {
    std::string known;
    for (const auto& t : schema.tables) known += (known.empty() ? "" : ", ") + t.name;
    return Status::InvalidArgument(BaseName(manifest.path) + ": table " + mt.name +
                                   " is not described in " + schema_name + " (it has: " + known +
                                   ")");
  }
  // The table has the columns its files carry: read every file's header now, so that a
  // mismatch is reported before any heavy work starts.
  std::vector<std::string> first_columns;
  std::string first_file;
  for (const std::string& file : mt.files) {
    SKY_ASSIGN_OR_RETURN(auto reader, OpenTableReader(file));
    plan->file_rows.push_back(reader->num_rows_hint());
    std::vector<std::string> cols = reader->column_names();
    if (first_file.empty()) {
      first_columns = cols;
      first_file = file;
      continue;
    }
    for (const auto& c : first_columns) {
      if (std::find(cols.begin(), cols.end(), c) == cols.end()) {
        return Status::InvalidArgument(BaseName(file) + ": missing column " + c + " (" +
                                       BaseName(first_file) + " of the same table has it)");
      }
    }
    for (const auto& c : cols) {
      if (std::find(first_columns.begin(), first_columns.end(), c) == first_columns.end()) {
        return Status::InvalidArgument(BaseName(file) + ": column " + c + " is not in " +
                                       BaseName(first_file) + " of the same table");
      }
    }
  }
  std::vector<bool> present(felis->columns.size(), false);
  for (const auto& c : first_columns) {
    int idx = felis->ColumnIndex(c);
    if (idx < 0) {
      return Status::InvalidArgument(BaseName(first_file) + ": column " + c +
                                     " is not described in table " + mt.name + " of " +
                                     schema_name);
    }
    present[static_cast<size_t>(idx)] = true;
  }
  TableDef& def = plan->def;
  def.name = felis->name;
  def.description = felis->description;
  def.id = id;
  def.table_index = felis->table_index;
  for (size_t i = 0; i < felis->columns.size(); ++i) {
    if (present[i]) def.columns.push_back(felis->columns[i]);
  }
  auto require = [&](const std::string& col, const char* role, bool numeric) -> Result<int> {
    int idx = def.ColumnIndex(col);
    if (idx < 0) {
      return Status::InvalidArgument(BaseName(manifest.path) + ": table " + mt.name + ": " + role +
                                     " column " + col + " is not in its files (" +
                                     BaseName(first_file) + ")");
    }
    const ColumnType& t = def.columns[static_cast<size_t>(idx)].type;
    if (numeric && IsString(t.type)) {
      return Status::InvalidArgument(BaseName(manifest.path) + ": table " + mt.name + ": " + role +
                                     " column " + col + " has type " + ColumnTypeToString(t) +
                                     "; a number is needed");
    }
    def.columns[static_cast<size_t>(idx)].indexed = true;
    return idx;
  };
  if (!felis->primary_key.empty()) {
    int idx = def.ColumnIndex(felis->primary_key);
    if (idx >= 0) {
      def.primary_key = def.columns[static_cast<size_t>(idx)].name;
      def.columns[static_cast<size_t>(idx)].indexed = true;
      if (IsIntegerLike(def.columns[static_cast<size_t>(idx)].type.type)) plan->pk_col = idx;
    }
  }
  if (!mt.ra_column.empty()) {
    def.kind = TableKind::kSpatial;
    SKY_ASSIGN_OR_RETURN(plan->ra_col, require(mt.ra_column, "position", true));
    SKY_ASSIGN_OR_RETURN(plan->dec_col, require(mt.dec_column, "position", true));
    def.ra_column = def.columns[static_cast<size_t>(plan->ra_col)].name;
    def.dec_column = def.columns[static_cast<size_t>(plan->dec_col)].name;
  } else if (!mt.parent_table.empty()) {
    def.kind = TableKind::kChild;
    SKY_ASSIGN_OR_RETURN(plan->parent_col, require(mt.parent_key, "parent key", true));
    if (!IsIntegerLike(def.columns[static_cast<size_t>(plan->parent_col)].type.type)) {
      return Status::InvalidArgument(BaseName(manifest.path) + ": table " + mt.name +
                                     ": parent key " + mt.parent_key + " must be an integer");
    }
    def.parent_table = mt.parent_table;
    def.parent_key = def.columns[static_cast<size_t>(plan->parent_col)].name;
  }
  for (const auto& fk : felis->foreign_keys) {
    bool ok = !fk.columns.empty();
    for (const auto& c : fk.columns) ok = ok && def.ColumnIndex(c) >= 0;
    bool target_loaded = std::any_of(
        manifest.tables.begin(), manifest.tables.end(),
        [&](const ManifestTable& t) { return EqualsIgnoreCase(t.name, fk.target_table); });
    if (ok && target_loaded) def.foreign_keys.push_back(fk);
  }
  return Status::OK();
}

// One unit of reading work: a file, or rows [begin, end) of one (end < 0: the whole file).
struct Piece {
  size_t file = 0;
  int64_t begin = 0;
  int64_t end = -1;
};

// Cuts the files of `plan` into pieces of at most kPieceRows rows where the format allows
// (uncompressed FITS: fixed-size rows, so a reader can start at any row).
std::vector<Piece> PlanPieces(const TablePlan& plan) {
  std::vector<Piece> pieces;
  for (size_t f = 0; f < plan.manifest->files.size(); ++f) {
    int64_t rows = f < plan.file_rows.size() ? plan.file_rows[f] : -1;
    // cfitsio inflates a .fits.gz whole into memory at every open: one reader reads it all.
    const std::string& path = plan.manifest->files[f];
    if (path.size() >= 3 && EqualsIgnoreCase(path.substr(path.size() - 3), ".gz")) rows = -1;
    if (rows <= kPieceRows) {
      pieces.push_back(Piece{f, 0, -1});
      continue;
    }
    const int64_t n = (rows + kPieceRows - 1) / kPieceRows;
    for (int64_t i = 0; i < n; ++i) pieces.push_back(Piece{f, rows * i / n, rows * (i + 1) / n});
  }
  return pieces;
}

// Shared state of the load of one table by several threads.
struct TableLoad {
  TablePlan* plan = nullptr;
  const LoadOptions* options = nullptr;
  std::string tmp_dir;
  RunSet* rows = nullptr;
  RunSet* index = nullptr;  // null when the table has no primary-key index
  // A child table without a key index: its primary keys, only to check they are unique.
  UniqueKeys* unique_keys = nullptr;
  internal::MemoryBudget* budget = nullptr;
  internal::BufferPool* pool = nullptr;
  std::vector<Piece> pieces;
  std::atomic<size_t> next_piece{0};
  std::atomic<uint64_t>* rows_read = nullptr;
  std::atomic<uint64_t>* bytes_read = nullptr;
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status status;
  uint64_t table_rows = 0;
  uint64_t orphans = 0;
  std::string first_orphan;

  void Fail(Status s) {
    std::lock_guard<std::mutex> lock(mu);
    if (status.ok()) status = std::move(s);
    failed = true;
  }
};

// Reads one piece of a file of a table and appends its records to the thread's run builders.
Status LoadFile(TableLoad* load, const Piece& piece, RunBuilder* rows, RunBuilder* index,
                UniqueKeys::Writer* unique_keys, uint64_t thread_budget, uint64_t* rows_out,
                uint64_t* orphans_out, std::string* first_orphan) {
  TablePlan& plan = *load->plan;
  const TableDef& def = plan.def;
  const size_t file_index = piece.file;
  const std::string& path = plan.manifest->files[file_index];
  SKY_ASSIGN_OR_RETURN(auto reader, OpenTableReader(path));
  if (piece.end >= 0) SKY_RETURN_IF_ERROR(reader->SetRowRange(piece.begin, piece.end));
  // Map table columns to file columns and bind each file column to its table type.
  const auto& names = reader->column_names();
  std::vector<ColumnType> file_types(names.size());
  std::vector<int> column_map(def.columns.size(), -1);
  for (size_t f = 0; f < names.size(); ++f) {
    int t = def.ColumnIndex(names[f]);
    if (t < 0) return Status::Internal("column " + names[f] + " vanished from the plan");
    file_types[f] = def.columns[static_cast<size_t>(t)].type;
    column_map[static_cast<size_t>(t)] = static_cast<int>(f);
  }
  SKY_RETURN_IF_ERROR(reader->Bind(file_types).WithContext(BaseName(path)));
  RowEncoder encoder(
      [&] {
        std::vector<ColumnType> types;
        for (const auto& c : def.columns) types.push_back(c.type);
        return types;
      }(),
      keys::KeyColumnOffsets(def));
  auto file_col = [&](int table_col) {
    return static_cast<size_t>(column_map[static_cast<size_t>(table_col)]);
  };

  const std::string prefix = keys::RowPrefix(def.id);
  const std::string index_prefix = keys::IndexPrefix(def.id);
  std::string key, index_value, index_key;
  ColumnBatch batch;
  RowEncoder::BoundBatch bound;
  uint64_t row_number = static_cast<uint64_t>(piece.begin);  // row of the file
  uint64_t last_bytes = 0;
  int64_t last_parent_pk = 0;
  uint64_t last_parent_hpx = kOrphanHpx;
  for (;;) {
    if (load->failed) return Status::Cancelled("another file failed");
    SKY_ASSIGN_OR_RETURN(size_t n, reader->ReadBatch(&batch, kBatchRows));
    if (n == 0) break;
    encoder.Bind(batch, column_map, &bound);
    for (size_t r = 0; r < n; ++r, ++row_number) {
      int64_t pk;
      if (plan.pk_col >= 0) {
        const ColumnVector& c = batch.columns[file_col(plan.pk_col)];
        if (c.IsNull(r)) {
          return Status::InvalidArgument(reader->Where(r) + ": column " + def.primary_key +
                                         ": the primary key is empty (NULL)");
        }
        pk = c.ints[r];
      } else {
        // No integer primary key: the load order keys the row (file index, row in file).
        pk = static_cast<int64_t>((static_cast<uint64_t>(file_index) << 40) | row_number);
      }
      key.assign(prefix);
      index_value.clear();
      if (def.kind == TableKind::kSpatial) {
        const ColumnVector& rc = batch.columns[file_col(plan.ra_col)];
        const ColumnVector& dc = batch.columns[file_col(plan.dec_col)];
        double ra = IsFloating(rc.type.type) ? rc.doubles[r] : static_cast<double>(rc.ints[r]);
        double dec = IsFloating(dc.type.type) ? dc.doubles[r] : static_cast<double>(dc.ints[r]);
        if (rc.IsNull(r) || dc.IsNull(r) || !std::isfinite(ra) || !std::isfinite(dec)) {
          const bool ra_bad = rc.IsNull(r) || !std::isfinite(ra);
          return Status::InvalidArgument(
              reader->Where(r) + ": column " + (ra_bad ? def.ra_column : def.dec_column) + ": " +
              (ra_bad ? (rc.IsNull(r) ? "NULL" : "non-finite")
                      : (dc.IsNull(r) ? "NULL" : "non-finite")) +
              " position; every row of a spatial table needs a finite (ra, dec)");
        }
        if (dec < -90.0 || dec > 90.0) {
          return Status::InvalidArgument(reader->Where(r) + ": column " + def.dec_column + ": " +
                                         std::to_string(dec) + " is outside [-90, 90]");
        }
        uint64_t hpx = HealpixIndex29(ra, dec);
        keys::PutU64(&key, hpx);
        keys::PutI64(&key, pk);
        keys::PutU64(&index_value, hpx);
      } else if (def.kind == TableKind::kChild) {
        const ColumnVector& pc = batch.columns[file_col(plan.parent_col)];
        uint64_t hpx = kOrphanHpx;
        int64_t parent_pk = pc.IsNull(r) ? 0 : pc.ints[r];
        if (!pc.IsNull(r)) {
          // Children usually come grouped by parent: remember the last parent found.
          if (parent_pk == last_parent_pk && last_parent_hpx != kOrphanHpx) {
            hpx = last_parent_hpx;
          } else {
            const auto& m = plan.parent->pk_to_hpx;
            auto it = std::lower_bound(m.begin(), m.end(), std::make_pair(parent_pk, uint64_t{0}));
            if (it != m.end() && it->first == parent_pk) hpx = it->second;
            last_parent_pk = parent_pk;
            last_parent_hpx = hpx;
          }
        }
        if (hpx == kOrphanHpx) {
          if ((*orphans_out)++ == 0) {
            *first_orphan = reader->Where(r) + ": " + def.parent_key + " = " +
                            (pc.IsNull(r) ? "NULL" : std::to_string(parent_pk));
          }
          if (!load->options->allow_orphans) continue;
        }
        keys::PutU64(&key, hpx);
        keys::PutI64(&key, parent_pk);
        keys::PutI64(&key, pk);
        if (def.key_index) {
          keys::PutU64(&index_value, hpx);
          keys::PutI64(&index_value, parent_pk);
        }
      } else {
        keys::PutI64(&key, pk);
      }
      if (!encoder.Encode(bound, r, rows->StartRecord(key))) {
        rows->AbortRecord();
        return Status::InvalidArgument(reader->Where(r) +
                                       ": a string is longer than its column's declared length");
      }
      rows->FinishRecord();
      if (index != nullptr) {
        index_key.assign(index_prefix);
        keys::PutI64(&index_key, pk);
        index->Add(index_key, index_value);
      }
      if (unique_keys != nullptr) unique_keys->Add(pk);
      ++*rows_out;
    }
    load->rows_read->fetch_add(n);
    const uint64_t b = reader->bytes_read();
    load->bytes_read->fetch_add(b - last_bytes);
    last_bytes = b;
    if (rows->buffered_bytes() + (index ? index->buffered_bytes() : 0) +
            (unique_keys ? unique_keys->buffered_bytes() : 0) >
        thread_budget) {
      SKY_RETURN_IF_ERROR(rows->Flush());
      if (index != nullptr) SKY_RETURN_IF_ERROR(index->Flush());
      if (unique_keys != nullptr) SKY_RETURN_IF_ERROR(unique_keys->Flush());
    }
  }
  return Status::OK();
}

void LoadWorker(TableLoad* load, uint64_t thread_budget) {
  RunBuilder rows(load->rows, load->tmp_dir, load->budget, load->pool);
  rows.Reserve(thread_budget);
  std::unique_ptr<RunBuilder> index;
  if (load->index != nullptr) {
    index = std::make_unique<RunBuilder>(load->index, load->tmp_dir, load->budget, load->pool);
    index->Reserve(thread_budget / 3);
  }
  std::unique_ptr<UniqueKeys::Writer> unique_keys;
  if (load->unique_keys != nullptr) unique_keys = load->unique_keys->NewWriter(thread_budget / 8);
  uint64_t n_rows = 0, n_orphans = 0;
  std::string first_orphan;
  const size_t npieces = load->pieces.size();
  for (size_t p = load->next_piece++; p < npieces && !load->failed; p = load->next_piece++) {
    Status s = LoadFile(load, load->pieces[p], &rows, index.get(), unique_keys.get(), thread_budget,
                        &n_rows, &n_orphans, &first_orphan);
    if (!s.ok()) {
      if (s.code() != StatusCode::kCancelled) load->Fail(std::move(s));
      return;
    }
  }
  // The last runs stay in memory: see RunBuilder::FlushLast.
  Status s = rows.FlushLast();
  if (s.ok() && index) s = index->FlushLast();
  if (s.ok() && unique_keys) s = unique_keys->Flush();
  if (!s.ok()) {
    load->Fail(std::move(s));
    return;
  }
  std::lock_guard<std::mutex> lock(load->mu);
  load->table_rows += n_rows;
  if (n_orphans > 0 && load->orphans == 0) load->first_orphan = first_orphan;
  load->orphans += n_orphans;
}

// Progress reporting from a background thread, so that a slow phase still shows life.
class ProgressReporter {
 public:
  ProgressReporter(const std::function<void(const LoadProgress&)>& fn, uint64_t bytes_total,
                   std::atomic<uint64_t>* rows, std::atomic<uint64_t>* bytes)
      : fn_(fn), bytes_total_(bytes_total), rows_(rows), bytes_(bytes), start_(Clock::now()) {
    if (fn_) thread_ = std::thread([this] { Run(); });
  }
  ~ProgressReporter() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void SetPhase(std::string phase) {
    std::lock_guard<std::mutex> lock(mu_);
    phase_ = std::move(phase);
    ReportLocked();
  }
  double seconds() const { return SecondsSince(start_); }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      cv_.wait_for(lock, std::chrono::milliseconds(500));
      if (!done_) ReportLocked();
    }
  }
  void ReportLocked() {
    if (!fn_) return;
    LoadProgress p;
    p.phase = phase_;
    p.rows = rows_->load();
    p.bytes_done = bytes_->load();
    p.bytes_total = bytes_total_;
    p.seconds = SecondsSince(start_);
    fn_(p);
  }

  const std::function<void(const LoadProgress&)>& fn_;
  uint64_t bytes_total_;
  std::atomic<uint64_t>* rows_;
  std::atomic<uint64_t>* bytes_;
  Clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string phase_;
  bool done_ = false;
  std::thread thread_;
};

Status LoadTable(TablePlan* plan, const LoadOptions& options, const std::string& staging,
                 int threads, uint64_t memory_bytes, internal::BufferPool* pool,
                 std::atomic<uint64_t>* rows_read, std::atomic<uint64_t>* bytes_read,
                 ProgressReporter* reporter, std::vector<std::string>* sst_files,
                 TableLoadReport* report) {
  const auto start = Clock::now();
  TableDef& def = plan->def;
  const std::string tag = "t" + std::to_string(def.id);
  const std::string tmp_dir = staging + "/tmp";
  std::vector<Piece> pieces = PlanPieces(*plan);
  const int nthreads = std::max(1, std::min<int>(threads, static_cast<int>(pieces.size())));
  // Each thread fills a sort buffer of a quarter of its share (at most 1 GiB: larger sorts
  // gain nothing); the rest of the memory holds sorted runs, so that a table that fits is
  // never written to run files.
  const uint64_t budget = std::clamp<uint64_t>(memory_bytes / (4 * static_cast<uint64_t>(nthreads)),
                                               1ull << 20, 1ull << 30);
  // Declared before the run sets: memory runs give their bytes back to it when they go.
  internal::MemoryBudget held(
      memory_bytes - std::min<uint64_t>(memory_bytes, budget * static_cast<uint64_t>(nthreads)));
  RunSet rows(tag + ".rows");
  RunSet index(tag + ".index");
  UniqueKeys unique_keys(tmp_dir, tag + ".pk", &held);
  // Spatial tables always get their primary-key index (objectId = X); child tables only when
  // asked for, else their keys go through a sort that only checks uniqueness.
  const bool has_index =
      plan->pk_col >= 0 && (def.kind == TableKind::kSpatial ||
                            (def.kind == TableKind::kChild && options.child_key_index));
  const bool verify_keys_only = plan->pk_col >= 0 && def.kind == TableKind::kChild && !has_index;
  def.key_index = has_index;

  TableLoad load;
  load.plan = plan;
  load.pieces = std::move(pieces);
  load.options = &options;
  load.tmp_dir = tmp_dir;
  load.rows = &rows;
  load.index = has_index ? &index : nullptr;
  load.unique_keys = verify_keys_only ? &unique_keys : nullptr;
  load.rows_read = rows_read;
  load.bytes_read = bytes_read;
  reporter->SetPhase("read " + def.name);
  load.budget = &held;
  load.pool = pool;
  {
    std::vector<std::thread> workers;
    for (int t = 0; t < nthreads; ++t) workers.emplace_back(LoadWorker, &load, budget);
    for (auto& w : workers) w.join();
  }
  if (!load.status.ok()) return load.status;
  if (load.orphans > 0 && !options.allow_orphans) {
    return Status::InvalidArgument(def.name + ": " + std::to_string(load.orphans) +
                                   " row(s) name a " + def.parent_key + " that has no row in " +
                                   def.parent_table + " (first: " + load.first_orphan +
                                   "); fix the files or load with --allow-orphans");
  }
  const double read_seconds = SecondsSince(start);
  reporter->SetPhase("sort " + def.name);

  MergeOptions mo;
  mo.threads = threads;
  mo.sst_dir = staging + "/sst/" + tag + ".rows";
  // Rows of spatial and child tables are read by range, or by a key the index just gave.
  mo.bloom_filters = def.kind == TableKind::kPlain;
  std::error_code ec;
  fs::create_directories(mo.sst_dir, ec);
  if (ec) return Status::IOError("cannot create " + mo.sst_dir + ": " + ec.message());
  const std::string pk_name = def.primary_key;
  mo.describe_duplicate = [&](std::string_view key) {
    // Every row key and index key ends with the row's primary key (keys.h).
    return "table " + def.name + ": duplicate primary key " + pk_name + " = " +
           std::to_string(keys::GetI64(key.data() + key.size() - 8));
  };
  // Rows are stored in pages (docs/storage.md, "Pages"): each partition packs its sorted rows.
  {
    auto page_layout = std::make_shared<const PageLayout>(PageLayout::ForTable(def));
    std::vector<ColumnType> types;
    for (const auto& c : def.columns) types.push_back(c.type);
    auto row_layout = ProjectedRowDecoder::MakeLayout(types, keys::KeyColumnOffsets(def));
    mo.make_packer = [page_layout, row_layout]() -> std::unique_ptr<internal::RecordPacker> {
      return std::make_unique<internal::PagePacker>(page_layout, row_layout);
    };
  }
  // A child table's bare primary keys are checked on a thread of their own while the rows are
  // merged: the check fills the cores the merge's last partitions leave idle.
  Result<uint64_t> n_keys = uint64_t{0};
  std::thread key_check;
  struct Join {
    std::thread* t;
    ~Join() {
      if (t->joinable()) t->join();
    }
  } join_key_check{&key_check};
  if (verify_keys_only) {
    key_check = std::thread([&] {
      n_keys = unique_keys.Check(1, [&](int64_t pk) {
        return "table " + def.name + ": duplicate primary key " + pk_name + " = " +
               std::to_string(pk);
      });
    });
  }
  SKY_ASSIGN_OR_RETURN(MergeResult merged_rows, internal::MergeRuns(&rows, mo));
  uint64_t bytes = merged_rows.sst_bytes;
  for (auto& f : merged_rows.sst_files) sst_files->push_back(f);

  if (verify_keys_only) {
    key_check.join();
    SKY_RETURN_IF_ERROR(n_keys.status());
    if (*n_keys != merged_rows.records) {
      return Status::Internal(def.name + ": " + std::to_string(merged_rows.records) + " rows but " +
                              std::to_string(*n_keys) + " primary keys");
    }
  }
  if (has_index) {
    MergeOptions io = mo;
    io.make_packer = nullptr;  // index entries stay one a key
    io.sst_dir = staging + "/sst/" + tag + ".index";
    io.bloom_filters = true;
    fs::create_directories(io.sst_dir, ec);
    if (ec) return Status::IOError("cannot create " + io.sst_dir + ": " + ec.message());
    std::vector<std::vector<std::pair<int64_t, uint64_t>>> parts;
    if (plan->is_parent) {
      // Collect (primary key, spatial key) in key order for the children's loads; each
      // partition appends to its own vector, so no lock is needed.
      io.on_start = [&](int partitions) { parts.resize(static_cast<size_t>(partitions)); };
      io.on_record = [&](int partition, std::string_view key, std::string_view value) {
        parts[static_cast<size_t>(partition)].emplace_back(
            keys::GetI64(key.data() + keys::kPrefixSize), keys::GetU64(value.data()));
        return Status::OK();
      };
    }
    SKY_ASSIGN_OR_RETURN(MergeResult merged_index, internal::MergeRuns(&index, io));
    bytes += merged_index.sst_bytes;
    for (auto& f : merged_index.sst_files) sst_files->push_back(f);
    if (merged_index.records != merged_rows.records) {
      return Status::Internal(def.name + ": " + std::to_string(merged_rows.records) + " rows but " +
                              std::to_string(merged_index.records) + " index entries");
    }
    for (auto& p : parts) {
      plan->pk_to_hpx.insert(plan->pk_to_hpx.end(), p.begin(), p.end());
      std::vector<std::pair<int64_t, uint64_t>>().swap(p);
    }
  }
  const uint64_t expected = load.table_rows;
  if (merged_rows.records != expected) {
    return Status::Internal(def.name + ": read " + std::to_string(expected) + " rows, stored " +
                            std::to_string(merged_rows.records));
  }
  def.row_count = merged_rows.records;
  def.bytes = bytes;
  report->name = def.name;
  report->rows = def.row_count;
  report->bytes = bytes;
  report->orphans = load.orphans;
  report->seconds = SecondsSince(start);
  report->read_seconds = read_seconds;
  report->merge_seconds = report->seconds - read_seconds;
  return Status::OK();
}

}  // namespace

uint64_t DefaultLoadMemory(std::string_view meminfo, uint64_t physical_bytes) {
  constexpr uint64_t kFloor = 256ull << 20;
  // "MemAvailable:   23152460 kB" on a line of its own.
  constexpr std::string_view kField = "MemAvailable:";
  for (size_t at = 0; at < meminfo.size();) {
    size_t eol = meminfo.find('\n', at);
    if (eol == std::string_view::npos) eol = meminfo.size();
    std::string_view line = meminfo.substr(at, eol - at);
    at = eol + 1;
    if (line.substr(0, kField.size()) != kField) continue;
    line.remove_prefix(kField.size());
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    uint64_t kib = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), kib);
    const std::string_view unit = line.substr(static_cast<size_t>(end - line.data()));
    if (ec != std::errc() || end == line.data() || unit.substr(0, 3) != " kB" ||
        kib > (uint64_t{1} << 50)) {
      break;  // not the format the kernel writes: fall back
    }
    return std::max(kFloor, kib * 1024 / 10 * 6);
  }
  return std::max(kFloor, physical_bytes > 0 ? physical_bytes / 10 * 4 : uint64_t{1} << 30);
}

Result<LoadReport> LoadRelease(const LoadOptions& options,
                               const std::function<void(const LoadProgress&)>& progress) {
  const auto start = Clock::now();
  SKY_ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(options.manifest_path));
  SKY_ASSIGN_OR_RETURN(FelisSchema schema, ReadFelisSchema(manifest.schema_path));
  SKY_ASSIGN_OR_RETURN(auto data_dir, DataDir::Open(options.data_dir, /*create=*/true));
  SKY_RETURN_IF_ERROR(data_dir->LockForWrite());
  if (!options.replace && data_dir->Find(manifest.release).ok()) {
    return Status::AlreadyExists("release '" + manifest.release + "' is already published in " +
                                 data_dir->path() + "; use --replace to replace it");
  }

  // Plan every table before reading any data: schema and header errors come first.
  std::vector<std::unique_ptr<TablePlan>> plans;
  uint64_t bytes_total = 0;
  for (size_t i = 0; i < manifest.tables.size(); ++i) {
    auto plan = std::make_unique<TablePlan>();
    plan->manifest = &manifest.tables[i];
    SKY_RETURN_IF_ERROR(
        PlanTable(manifest, schema, manifest.tables[i], static_cast<uint32_t>(i + 1), plan.get()));
    for (const auto& f : manifest.tables[i].files) {
      std::error_code ec;
      bytes_total += fs::file_size(f, ec);
    }
    plans.push_back(std::move(plan));
  }
  for (auto& p : plans) {
    if (p->def.kind != TableKind::kChild) continue;
    for (auto& q : plans) {
      if (EqualsIgnoreCase(q->def.name, p->def.parent_table)) {
        p->parent = q.get();
        p->def.parent_table = q->def.name;
        q->is_parent = true;
        if (q->pk_col < 0) {
          return Status::InvalidArgument("table " + p->def.name + " is stored beside " +
                                         q->def.name + ", which has no integer primary key");
        }
      }
    }
    if (p->parent == nullptr) {
      return Status::InvalidArgument("table " + p->def.name + ": parent table " +
                                     p->def.parent_table + " is not in the manifest");
    }
  }

  SKY_ASSIGN_OR_RETURN(std::string staging, data_dir->NewStagingDir(manifest.release));
  // On any failure below, the staging directory is removed; a kill leaves it for the next
  // writer's debris removal.
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } cleanup{staging};
  std::error_code ec;
  fs::create_directories(staging + "/tmp", ec);
  if (ec) return Status::IOError("cannot create " + staging + "/tmp: " + ec.message());

  const int threads = options.threads > 0
                          ? options.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  uint64_t memory_bytes = options.memory_bytes;
  if (memory_bytes == 0) {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    std::ifstream in("/proc/meminfo");
    std::stringstream meminfo;
    meminfo << in.rdbuf();
    memory_bytes = DefaultLoadMemory(
        meminfo.str(),
        pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0);
  }
  std::atomic<uint64_t> rows_read{0}, bytes_read{0};
  ProgressReporter reporter(progress, bytes_total, &rows_read, &bytes_read);

  LoadReport report;
  report.release = manifest.release;
  report.input_bytes = bytes_total;
  std::vector<std::string> sst_files;
  // Parents before children: a child row needs its parent's spatial key.
  std::vector<TablePlan*> order;
  for (auto& p : plans)
    if (p->def.kind != TableKind::kChild) order.push_back(p.get());
  for (auto& p : plans)
    if (p->def.kind == TableKind::kChild) order.push_back(p.get());
  // Sort buffers and memory runs of one table are reused by the next (BufferPool: fresh memory
  // is dear); the pool holds at most the sort memory.
  internal::BufferPool pool(memory_bytes);
  for (TablePlan* plan : order) {
    TableLoadReport tr;
    SKY_RETURN_IF_ERROR(LoadTable(plan, options, staging, threads, memory_bytes, &pool, &rows_read,
                                  &bytes_read, &reporter, &sst_files, &tr));
    report.tables.push_back(tr);
    report.rows += tr.rows;
  }
  for (auto& p : plans) std::vector<std::pair<int64_t, uint64_t>>().swap(p->pk_to_hpx);

  reporter.SetPhase("ingest");
  Catalog catalog;
  catalog.release = manifest.release;
  catalog.description = schema.description;
  catalog.loaded_at = NowIso8601();
  for (auto& p : plans) catalog.tables.push_back(p->def);
  const std::string db_dir = staging + "/db";
  {
    // The format and catalog keys go in an SST file of their own, ingested with the rest, so
    // that the store is one level of non-overlapping files: a Put would leave them in a level-0
    // file that every iterator (every point lookup, docs/storage.md "Reading") also seeks.
    const std::string meta_sst = staging + "/sst/meta.sst";
    std::error_code mkdir_ec;
    fs::create_directories(staging + "/sst", mkdir_ec);
    if (mkdir_ec)
      return Status::IOError("cannot create " + staging + "/sst: " + mkdir_ec.message());
    {
      rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), internal::StoreOptions());
      SKY_RETURN_IF_ERROR(FromRocks(writer.Open(meta_sst), "cannot create " + meta_sst));
      // In key order: "\0catalog" < "\0format".
      SKY_RETURN_IF_ERROR(
          FromRocks(writer.Put(rocksdb::Slice(keys::kCatalogKey.data(), keys::kCatalogKey.size()),
                               catalog.ToJson()),
                    "cannot write " + meta_sst));
      SKY_RETURN_IF_ERROR(
          FromRocks(writer.Put(rocksdb::Slice(keys::kFormatKey.data(), keys::kFormatKey.size()),
                               std::to_string(keys::kFormatVersion)),
                    "cannot write " + meta_sst));
      SKY_RETURN_IF_ERROR(FromRocks(writer.Finish(), "cannot finish " + meta_sst));
    }
    sst_files.insert(sst_files.begin(), meta_sst);
    rocksdb::Options ropts = internal::StoreOptions();
    ropts.create_if_missing = true;
    ropts.error_if_exists = true;
    rocksdb::DB* raw = nullptr;
    SKY_RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(ropts, db_dir, &raw), "creating " + db_dir));
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::IngestExternalFileOptions io;
    io.move_files = true;
    io.snapshot_consistency = false;
    SKY_RETURN_IF_ERROR(
        FromRocks(db->IngestExternalFile(sst_files, io), "ingesting into " + db_dir));
    SKY_RETURN_IF_ERROR(FromRocks(db->Close(), "closing " + db_dir));
  }
  reporter.SetPhase("publish");
  SKY_RETURN_IF_ERROR(data_dir->Publish(manifest.release, db_dir, options.replace));
  SKY_ASSIGN_OR_RETURN(ReleaseInfo info, data_dir->Find(manifest.release));
  report.directory = info.directory;
  report.seconds = SecondsSince(start);
  return report;
}

}  // namespace skyshard
