#include "server/internal/job_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace skyshard::server {
namespace fs = std::filesystem;
namespace {

// Directories of deleted jobs being removed: "jobs/.deleted-<id>" (job ids never start with '.').
constexpr std::string_view kTombstonePrefix = ".deleted-";

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot fsync directory", dir);
  return Status::OK();
}

Status WriteFileSynced(const std::string& path, const std::string& contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", path);
  Status s = WriteAll(fd, contents, path);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("cannot fsync", path);
  ::close(fd);
  return s;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read " + path);
  return ss.str();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  SKY_RETURN_IF_ERROR(WriteFileSynced(tmp, contents));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("cannot rename", tmp);
  return SyncDir(fs::path(path).parent_path().string());
}

Result<std::unique_ptr<JobStore>> JobStore::Open(const std::string& root) {
  std::error_code ec;
  fs::create_directories(fs::path(root) / "jobs", ec);
  if (ec) return Status::IOError("cannot create the job store " + root + ": " + ec.message());
  return std::unique_ptr<JobStore>(new JobStore(root));
}

std::string JobStore::JobDir(const std::string& id) const { return root_ + "/jobs/" + id; }

std::string JobStore::PathOf(const std::string& id, const std::string& file) const {
  return JobDir(id) + "/" + file;
}

Result<std::vector<Job>> JobStore::LoadAll(std::vector<std::string>* dropped) {
  std::vector<Job> jobs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(root_) / "jobs", ec)) {
    if (!entry.is_directory()) continue;
    const std::string id = entry.path().filename().string();
    if (id.rfind(kTombstonePrefix, 0) == 0) {  // a job deleted before a crash (Remove)
      std::error_code rm_ec;
      fs::remove_all(entry.path(), rm_ec);
      continue;
    }
    Result<std::string> text = ReadFile((entry.path() / "job.json").string());
    Result<Job> job = text.ok() ? Job::FromJson(*text) : Result<Job>(text.status());
    if (!job.ok() || job->id != id) {
      // A crash between mkdir and the first job.json, or a damaged file: nothing a client was
      // told about can be recovered from it.
      if (dropped != nullptr) {
        dropped->push_back(id + ": " + (job.ok() ? "id mismatch" : job.status().message()));
      }
      std::error_code rm_ec;
      fs::remove_all(entry.path(), rm_ec);
      continue;
    }
    jobs.push_back(std::move(job).value());
  }
  if (ec) return Status::IOError("cannot list " + root_ + "/jobs: " + ec.message());
  return jobs;
}

Status JobStore::Create(Job* job, const std::vector<std::string>& contents) {
  const std::string dir = JobDir(job->id);
  std::error_code ec;
  if (!fs::create_directory(dir, ec) || ec) {
    return Status::IOError("cannot create " + dir + ": " + (ec ? ec.message() : "it exists"));
  }
  Status s;
  for (size_t i = 0; i < job->parts.size() && s.ok(); ++i) {
    job->parts[i].file = "part-" + std::to_string(i);
    job->parts[i].bytes = contents[i].size();
    s = WriteFileSynced(PathOf(job->id, job->parts[i].file), contents[i]);
  }
  if (s.ok()) s = WriteFileAtomically(PathOf(job->id, "job.json"), job->ToJson());
  if (s.ok()) s = SyncDir(root_ + "/jobs");
  if (!s.ok()) fs::remove_all(dir, ec);
  return s;
}

Status JobStore::Save(const Job& job) {
  return WriteFileAtomically(PathOf(job.id, "job.json"), job.ToJson());
}

Result<std::string> JobStore::ReadPart(const Job& job, const StoredPart& part) const {
  return ReadFile(PathOf(job.id, part.file));
}

Status JobStore::Remove(const std::string& id) {
  // A worker may still be writing the job's result: removing the directory in place would race
  // its new files ("Directory not empty"), and a crash half-way would leave a job.json that
  // brings the job back. So the directory is first renamed, atomically, out of the jobs' name
  // space (LoadAll skips and clears such tombstones), then removed; the worker's later writes
  // under the old name fail, and the job's end is recorded nowhere.
  const std::string tomb = root_ + "/jobs/" + std::string(kTombstonePrefix) + id;
  if (::rename(JobDir(id).c_str(), tomb.c_str()) != 0) {
    if (errno == ENOENT) return Status::OK();
    return Errno("cannot remove job " + id + ": renaming", JobDir(id));
  }
  SKY_RETURN_IF_ERROR(SyncDir(root_ + "/jobs"));
  std::error_code ec;
  for (int attempt = 0; attempt < 3; ++attempt) {
    ec.clear();
    fs::remove_all(tomb, ec);
    if (!ec) break;
  }
  // The job is gone for clients either way; a tombstone left behind is cleared at the next start.
  return Status::OK();
}

}  // namespace skyshard::server
