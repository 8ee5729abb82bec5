// A QueryBackend for the server tests: two tables in schema "demo" plus one in TAP_SCHEMA, and a
// "query engine" that understands just enough to exercise the TAP paths:
//   a query containing FAIL       -> InvalidArgument (as the binder would)
//   a query containing SLEEP      -> runs until cancelled or past its deadline
//   a query containing TAP_UPLOAD -> the rows of the first uploaded table
//   anything else                 -> 3 rows (id BIGINT, ra DOUBLE, name VARCHAR)
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/internal/query_backend.h"

namespace skyshard::server_test {

class FakeBackend final : public server::QueryBackend {
 public:
  FakeBackend() {
    auto object = std::make_shared<adql::QueryTable>();
    object->schema = "demo";
    object->def.name = "Object";
    object->def.description = "objects & <things>";
    object->def.primary_key = "id";
    object->def.columns = {Col("id", {DataType::kBigInt, 0}, "", "meta.id;meta.main"),
                           Col("ra", {DataType::kDouble, 0}, "deg", "pos.eq.ra"),
                           Col("name", {DataType::kVarChar, 0}, "", "meta.id"),
                           Col("band", {DataType::kChar, 1}, "", ""),
                           Col("t", {DataType::kTimestamp, 0}, "", "time.epoch")};
    object->def.columns[0].indexed = true;
    auto source = std::make_shared<adql::QueryTable>();
    source->schema = "demo";
    source->def.name = "Source";
    source->def.columns = {Col("objectId", {DataType::kBigInt, 0}, "", "meta.id")};
    source->def.foreign_keys.push_back({"fk", "to objects", {"objectId"}, "Object", {"id"}});
    auto tables = std::make_shared<adql::QueryTable>();
    tables->schema = "TAP_SCHEMA";
    tables->def.name = "tables";
    tables->def.columns = {Col("table_name", {DataType::kVarChar, 64}, "", "")};
    tables_ = {object, source, tables};
  }

  const std::vector<std::shared_ptr<const adql::QueryTable>>& tables() const override {
    return tables_;
  }
  std::string release_schema() const override { return "demo"; }

  Status Run(const adql::QueryRequest& request, adql::RowSink* sink, adql::ExecStats* stats,
             adql::SyntaxErrorInfo* /*error*/) const override {
    {
      std::lock_guard lock(mu_);
      last_request_adql_ = request.adql;
      last_max_rows_ = request.max_rows;
      last_upload_count_ = request.uploads.size();
      ++runs_;
    }
    if (request.adql.find("FAIL") != std::string::npos) {
      return Status::InvalidArgument("no column 'nope' in demo.Object");
    }
    if (request.adql.find("SLEEP") != std::string::npos) {
      while (!(request.exec.cancel != nullptr && request.exec.cancel->load()) &&
             std::chrono::steady_clock::now() < request.exec.deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      return request.exec.cancel != nullptr && request.exec.cancel->load()
                 ? Status::Cancelled("query cancelled")
                 : Status::Cancelled("query exceeded its time limit");
    }
    if (request.adql.find("TAP_UPLOAD") != std::string::npos && !request.uploads.empty()) {
      const adql::UploadedTable& up = request.uploads[0];
      std::vector<adql::plan::OutputColumn> cols;
      for (const ColumnDef& c : up.def.columns) {
        adql::plan::OutputColumn oc;
        oc.name = c.name;
        oc.storage_type = c.type;
        cols.push_back(oc);
      }
      SKY_RETURN_IF_ERROR(sink->Begin(cols));
      for (const ColumnBatch& b : up.rows->batches) SKY_RETURN_IF_ERROR(sink->Write(b));
      if (stats != nullptr) stats->rows = static_cast<int64_t>(up.def.row_count);
      return Status::OK();
    }
    std::vector<adql::plan::OutputColumn> cols(3);
    cols[0].name = "id";
    cols[0].storage_type = {DataType::kBigInt, 0};
    cols[0].ucd = "meta.id";
    cols[1].name = "ra";
    cols[1].storage_type = {DataType::kDouble, 0};
    cols[1].unit = "deg";
    cols[2].name = "name";
    cols[2].storage_type = {DataType::kVarChar, 0};
    SKY_RETURN_IF_ERROR(sink->Begin(cols));
    const int64_t total = 3;
    const int64_t n = request.max_rows < 0 ? total : std::min(total, request.max_rows);
    ColumnBatch batch;
    batch.Reset({cols[0].storage_type, cols[1].storage_type, cols[2].storage_type});
    for (int64_t i = 0; i < n; ++i) {
      batch.columns[0].AppendInt(i + 1);
      batch.columns[1].AppendDouble(10.5 + static_cast<double>(i));
      batch.columns[2].AppendString("obj" + std::to_string(i + 1));
      ++batch.num_rows;
    }
    if (n > 0) SKY_RETURN_IF_ERROR(sink->Write(batch));
    if (stats != nullptr) {
      stats->rows = n;
      stats->overflow = n < total;
    }
    return Status::OK();
  }

  std::string last_adql() const {
    std::lock_guard lock(mu_);
    return last_request_adql_;
  }
  int64_t last_max_rows() const {
    std::lock_guard lock(mu_);
    return last_max_rows_;
  }
  size_t last_upload_count() const {
    std::lock_guard lock(mu_);
    return last_upload_count_;
  }

 private:
  static ColumnDef Col(std::string name, ColumnType type, std::string unit, std::string ucd) {
    ColumnDef c;
    c.name = std::move(name);
    c.type = type;
    c.unit = std::move(unit);
    c.ucd = std::move(ucd);
    c.description = "the " + c.name;
    return c;
  }

  std::vector<std::shared_ptr<const adql::QueryTable>> tables_;
  mutable std::mutex mu_;
  mutable std::string last_request_adql_;
  mutable int64_t last_max_rows_ = 0;
  mutable size_t last_upload_count_ = 0;
  mutable int runs_ = 0;
};

}  // namespace skyshard::server_test
