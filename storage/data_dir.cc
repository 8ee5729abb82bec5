#include "storage/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "common/types.h"
#include "storage/internal/file_io.h"

namespace skyshard {

namespace fs = std::filesystem;

namespace {

using internal::ErrnoMessage;

constexpr const char* kRegistryFile = "RELEASES";
constexpr const char* kLockFile = "LOCK";
constexpr const char* kStagingDir = "staging";
constexpr int kRegistryFormat = 1;

Status FsyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return Status::IOError(ErrnoMessage("cannot open", path));
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) {
    errno = saved;
    return Status::IOError(ErrnoMessage("cannot fsync", path));
  }
  return Status::OK();
}

}  // namespace

struct DataDir::Registry {
  uint64_t next_version = 1;
  std::vector<ReleaseInfo> releases;  // directory holds the name relative to DATA
};

DataDir::~DataDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

Result<std::unique_ptr<DataDir>> DataDir::Open(const std::string& path, bool create) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) return Status::IOError("bad data directory '" + path + "': " + ec.message());
  if (!fs::exists(p, ec)) {
    if (!create) return Status::NotFound("data directory " + p.string() + " does not exist");
    fs::create_directories(p, ec);
    if (ec)
      return Status::IOError("cannot create data directory " + p.string() + ": " + ec.message());
  } else if (!fs::is_directory(p, ec)) {
    return Status::InvalidArgument(p.string() + " is not a directory");
  }
  std::unique_ptr<DataDir> dir(new DataDir(p.lexically_normal().string()));
  // Validate the registry now so that a corrupt one is reported up front.
  auto reg = dir->ReadRegistry();
  if (!reg.ok()) return reg.status();
  return dir;
}

Result<DataDir::Registry> DataDir::ReadRegistry() const {
  Registry reg;
  const std::string file = path_ + "/" + kRegistryFile;
  std::ifstream in(file);
  if (!in) {
    if (errno == ENOENT) return reg;  // a new data directory publishes nothing yet
    return Status::IOError(ErrnoMessage("cannot read", file));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    nlohmann::json j = nlohmann::json::parse(ss.str());
    if (j.at("format").get<int>() != kRegistryFormat) {
      return Status::Corruption(file + ": unsupported registry format " + j.at("format").dump());
    }
    reg.next_version = j.at("next_version").get<uint64_t>();
    for (const auto& r : j.at("releases")) {
      ReleaseInfo info;
      info.name = r.at("name").get<std::string>();
      info.directory = path_ + "/" + r.at("directory").get<std::string>();
      info.version = r.at("version").get<uint64_t>();
      info.published_at = r.at("published_at").get<std::string>();
      reg.releases.push_back(std::move(info));
    }
  } catch (const std::exception& e) {
    return Status::Corruption(file + ": " + e.what());
  }
  std::sort(reg.releases.begin(), reg.releases.end(),
            [](const ReleaseInfo& a, const ReleaseInfo& b) { return a.name < b.name; });
  return reg;
}

Status DataDir::WriteRegistry(const Registry& reg) {
  nlohmann::json j;
  j["format"] = kRegistryFormat;
  j["next_version"] = reg.next_version;
  j["releases"] = nlohmann::json::array();
  for (const auto& r : reg.releases) {
    j["releases"].push_back({{"name", r.name},
                             {"directory", fs::path(r.directory).filename().string()},
                             {"version", r.version},
                             {"published_at", r.published_at}});
  }
  const std::string file = path_ + "/" + kRegistryFile;
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    out.flush();
    if (!out) return Status::IOError(ErrnoMessage("cannot write", tmp));
  }
  SKY_RETURN_IF_ERROR(FsyncPath(tmp, false));
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    return Status::IOError(ErrnoMessage("cannot rename to", file));
  }
  return FsyncPath(path_, true);
}

Status DataDir::LockForWrite() {
  if (lock_fd_ >= 0) return Status::OK();
  const std::string file = path_ + "/" + kLockFile;
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(ErrnoMessage("cannot open", file));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "unknown";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return Status::LimitExceeded("data directory " + path_ +
                                 " is in use by another load or drop (pid " + holder +
                                 "); wait for it to finish");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only informative; the flock is what protects.
  }
  lock_fd_ = fd;
  return RemoveDebris();
}

Status DataDir::RemoveDebris() {
  SKY_ASSIGN_OR_RETURN(Registry reg, ReadRegistry());
  std::error_code ec;
  fs::remove_all(fs::path(path_) / kStagingDir, ec);
  if (ec) return Status::IOError("cannot clean " + path_ + "/staging: " + ec.message());
  ::unlink((path_ + "/" + kRegistryFile + ".tmp").c_str());
  // A version directory that RELEASES does not name was left by a load killed after moving
  // it into place but before the registry was durable, or by a drop/replace killed before
  // deleting the old version.
  for (const auto& entry : fs::directory_iterator(path_, ec)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    if (name == kStagingDir) continue;
    if (name.find(".v") == std::string::npos) continue;  // not ours: leave it alone
    bool referenced = std::any_of(reg.releases.begin(), reg.releases.end(), [&](const auto& r) {
      return fs::path(r.directory).filename() == name;
    });
    if (!referenced) {
      fs::remove_all(entry.path(), ec);
      if (ec)
        return Status::IOError("cannot remove " + entry.path().string() + ": " + ec.message());
    }
  }
  if (ec) return Status::IOError("cannot list " + path_ + ": " + ec.message());
  return Status::OK();
}

Result<std::vector<ReleaseInfo>> DataDir::List() const {
  SKY_ASSIGN_OR_RETURN(Registry reg, ReadRegistry());
  return std::move(reg.releases);
}

Result<ReleaseInfo> DataDir::Find(const std::string& name) const {
  SKY_ASSIGN_OR_RETURN(Registry reg, ReadRegistry());
  std::string known;
  for (const auto& r : reg.releases) {
    if (r.name == name) return r;
    known += (known.empty() ? "" : ", ") + r.name;
  }
  return Status::NotFound("no release '" + name + "' in " + path_ +
                          (known.empty() ? " (it has none)" : " (it has: " + known + ")"));
}

Result<std::string> DataDir::NewStagingDir(const std::string& release) {
  if (lock_fd_ < 0) return Status::Internal("NewStagingDir without the writer lock");
  std::error_code ec;
  fs::path dir = fs::path(path_) / kStagingDir / (release + ".load");
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir.string() + ": " + ec.message());
  return dir.string();
}

Status DataDir::Publish(const std::string& release, const std::string& staging_dir, bool replace) {
  if (lock_fd_ < 0) return Status::Internal("Publish without the writer lock");
  SKY_ASSIGN_OR_RETURN(Registry reg, ReadRegistry());
  auto it = std::find_if(reg.releases.begin(), reg.releases.end(),
                         [&](const ReleaseInfo& r) { return r.name == release; });
  if (it != reg.releases.end() && !replace) {
    return Status::AlreadyExists("release '" + release + "' is already published in " + path_ +
                                 "; use --replace to replace it");
  }
  ReleaseInfo info;
  info.name = release;
  info.version = reg.next_version++;
  info.directory = path_ + "/" + release + ".v" + std::to_string(info.version);
  info.published_at = NowIso8601();
  // The staging directory and the version directory are on the same file system, so the
  // rename is atomic; until RELEASES names it, the version directory is debris.
  if (::rename(staging_dir.c_str(), info.directory.c_str()) != 0) {
    return Status::IOError(ErrnoMessage("cannot move the loaded release to", info.directory));
  }
  SKY_RETURN_IF_ERROR(FsyncPath(path_, true));
  std::string old_dir;
  if (it != reg.releases.end()) {
    old_dir = it->directory;
    *it = info;
  } else {
    reg.releases.push_back(info);
  }
  SKY_RETURN_IF_ERROR(WriteRegistry(reg));
  if (!old_dir.empty()) {
    std::error_code ec;
    fs::remove_all(old_dir, ec);  // debris removal at the next start covers a failure here
  }
  return Status::OK();
}

Status DataDir::Drop(const std::string& release) {
  if (lock_fd_ < 0) return Status::Internal("Drop without the writer lock");
  SKY_ASSIGN_OR_RETURN(Registry reg, ReadRegistry());
  auto it = std::find_if(reg.releases.begin(), reg.releases.end(),
                         [&](const ReleaseInfo& r) { return r.name == release; });
  if (it == reg.releases.end()) return Find(release).status();  // NotFound, listing the known
  std::string dir = it->directory;
  reg.releases.erase(it);
  SKY_RETURN_IF_ERROR(WriteRegistry(reg));
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) return Status::IOError("unpublished, but cannot remove " + dir + ": " + ec.message());
  return Status::OK();
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

}  // namespace skyshard
