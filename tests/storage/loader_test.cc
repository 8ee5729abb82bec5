#include <fcntl.h>
#include <fitsio.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "storage/bulk_loader.h"
#include "storage/data_dir.h"
#include "storage/store.h"
#include "tests/storage/test_release.h"

namespace skyshard {
namespace {

namespace fs = std::filesystem;
using testing::MakeTestRelease;
using testing::TempDir;
using testing::WriteText;

Result<LoadReport> Load(const std::string& data, const std::string& manifest, bool replace = false,
                        bool allow_orphans = false) {
  LoadOptions o;
  o.data_dir = data;
  o.manifest_path = manifest;
  o.replace = replace;
  o.allow_orphans = allow_orphans;
  o.memory_bytes = 64ull << 20;
  return LoadRelease(o, nullptr);
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The published state of a data directory: its registry file's bytes and its entries.
// RELEASES and the data directory's entries (but the lock and staging/). `published_only`
// leaves out what readers never see: RELEASES.tmp and version directories RELEASES does not
// name.
std::string Snapshot(const std::string& data, bool published_only = false) {
  std::ifstream in(data + "/RELEASES");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string registry = ss.str();
  std::string s = registry + "|";
  for (const auto& e : Entries(data)) {
    if (e == "LOCK" || e == "staging") continue;
    if (published_only &&
        (e == "RELEASES.tmp" || (e.find(".v") != std::string::npos &&
                                 registry.find('"' + e + '"') == std::string::npos))) {
      continue;
    }
    s += e + ",";
  }
  return s;
}

class LoaderErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = TempDir("loader-src");
    data_ = TempDir("loader-data");
    MakeTestRelease(src_, 300, 2, 3, 1);
  }
  void TearDown() override {
    fs::remove_all(src_);
    fs::remove_all(data_);
  }

  // Loads, expects failure with `code` and every one of `parts` in the message, and checks
  // that nothing was published and no debris is left.
  void ExpectFailure(StatusCode code, const std::vector<std::string>& parts,
                     bool allow_orphans = false) {
    auto r = Load(data_, src_ + "/manifest.yaml", false, allow_orphans);
    ASSERT_FALSE(r.ok()) << "load succeeded";
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    for (const auto& p : parts) {
      EXPECT_NE(r.status().message().find(p), std::string::npos)
          << "'" << p << "' not in: " << r.status().message();
    }
    auto dir = DataDir::Open(data_, false);
    ASSERT_TRUE(dir.ok());
    EXPECT_TRUE((*dir)->List()->empty());
    EXPECT_FALSE(fs::exists(data_ + "/staging/testrel.load")) << "debris left";
  }

  // Replaces line `line` (1-based, counting the header) of a file.
  void ReplaceLine(const std::string& file, int line, const std::string& text) {
    std::ifstream in(src_ + "/" + file);
    std::string all, l;
    for (int n = 1; std::getline(in, l); ++n) all += (n == line ? text : l) + "\n";
    WriteText(src_ + "/" + file, all);
  }

  std::string src_, data_;
};

// The default memory of a load is 60% of MemAvailable, read from /proc/meminfo's text; without
// the field (or with one the kernel would not write) 40% of the physical memory, else 1 GiB;
// never under 256 MiB.
TEST(LoaderMemoryTest, DefaultIsAShareOfTheAvailableMemory) {
  constexpr uint64_t kGiB = 1ull << 30;
  const std::string meminfo =
      "MemTotal:       24681048 kB\nMemFree:         1234567 kB\n"
      "MemAvailable:   20000000 kB\nBuffers:            4096 kB\n";
  EXPECT_EQ(DefaultLoadMemory(meminfo, 24 * kGiB), 20000000ull * 1024 / 10 * 6);
  // Last line, no newline after it.
  EXPECT_EQ(DefaultLoadMemory("MemFree: 1 kB\nMemAvailable: 1000000 kB", 0),
            1000000ull * 1024 / 10 * 6);
  EXPECT_EQ(DefaultLoadMemory("MemTotal: 100 kB\nMemFree: 50 kB\n", 10 * kGiB), 4 * kGiB);
  EXPECT_EQ(DefaultLoadMemory("", 0), kGiB);
  EXPECT_EQ(DefaultLoadMemory("MemAvailable: lots\n", 10 * kGiB), 4 * kGiB);
  EXPECT_EQ(DefaultLoadMemory("MemAvailable: 12 MB\n", 10 * kGiB), 4 * kGiB);
  EXPECT_EQ(DefaultLoadMemory("MemAvailable: 12\n", 10 * kGiB), 4 * kGiB);
  EXPECT_EQ(DefaultLoadMemory("XMemAvailable: 1000000 kB\n", 10 * kGiB), 4 * kGiB);
  EXPECT_EQ(DefaultLoadMemory("MemAvailable: 1000 kB\n", 0), 256ull << 20);
  // This machine's own /proc/meminfo, read here with sscanf.
  std::ifstream in("/proc/meminfo");
  std::stringstream text;
  text << in.rdbuf();
  unsigned long kib = 0;
  std::istringstream lines(text.str());
  for (std::string line; std::getline(lines, line);) {
    if (std::sscanf(line.c_str(), "MemAvailable: %lu kB", &kib) == 1) break;
  }
  ASSERT_GT(kib, 0u) << "no MemAvailable in /proc/meminfo";
  EXPECT_EQ(DefaultLoadMemory(text.str(), 0),
            std::max<uint64_t>(256ull << 20, uint64_t{kib} * 1024 / 10 * 6));
}

TEST_F(LoaderErrorTest, UnparsableNumberNamesFileLineAndColumn) {
  ReplaceLine("obj-0.csv", 17, "1651589610221899038,abc,1,2");
  ExpectFailure(StatusCode::kInvalidArgument, {"obj-0.csv:17", "ra", "abc"});
}

TEST_F(LoaderErrorTest, DecOutsideRange) {
  ReplaceLine("obj-0.csv", 20, "1651589610221899038,10,91.5,2");
  ExpectFailure(StatusCode::kInvalidArgument, {"obj-0.csv:20", "dec", "[-90, 90]"});
}

TEST_F(LoaderErrorTest, NanPosition) {
  ReplaceLine("obj-0.csv", 21, "1651589610221899038,nan,10,2");
  ExpectFailure(StatusCode::kInvalidArgument, {"obj-0.csv:21", "ra"});
}

TEST_F(LoaderErrorTest, NullPosition) {
  ReplaceLine("obj-0.csv", 22, "1651589610221899038,10,,2");
  ExpectFailure(StatusCode::kInvalidArgument, {"obj-0.csv:22", "dec", "NULL"});
}

TEST_F(LoaderErrorTest, WrongTypeInIntegerColumn) {
  ReplaceLine("src-0.csv", 5, "g,12.5,1.0,1651589610221899038");
  ExpectFailure(StatusCode::kInvalidArgument, {"src-0.csv:5", "srcId", "12.5"});
}

TEST_F(LoaderErrorTest, UnknownColumn) {
  ReplaceLine("obj-0.csv", 1, "objectId,ra,dec,psfMag");
  ExpectFailure(StatusCode::kInvalidArgument, {"obj-0.csv", "psfMag", "not described", "Obj"});
}

TEST_F(LoaderErrorTest, MissingPositionColumn) {
  std::ifstream in(src_ + "/obj-0.csv");
  std::string all, l;
  // Drop the dec column from every line.
  while (std::getline(in, l)) {
    auto a = l.find(','), b = l.find(',', a + 1), c = l.find(',', b + 1);
    all += l.substr(0, b) + l.substr(c) + "\n";
  }
  WriteText(src_ + "/obj-0.csv", all);
  ExpectFailure(StatusCode::kInvalidArgument, {"position", "dec"});
}

TEST_F(LoaderErrorTest, FilesOfOneTableMustCarryTheSameColumns) {
  WriteText(src_ + "/obj-1.csv", "objectId,ra,dec\n7,10,10\n");
  ExpectFailure(StatusCode::kInvalidArgument, {"obj-1.csv", "missing column mag"});
}

TEST_F(LoaderErrorTest, DuplicatePrimaryKey) {
  std::ifstream in(src_ + "/obj-0.csv");
  std::string header, first, second;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  // The second object gets the first one's id (at another position).
  std::string id = first.substr(0, first.find(','));
  ReplaceLine("obj-0.csv", 3, id + second.substr(second.find(',')));
  ExpectFailure(StatusCode::kInvalidArgument, {"duplicate primary key", "objectId", id});
}

// Child keys are verified unique even though no index is built for them by default.
TEST_F(LoaderErrorTest, DuplicateChildKey) {
  std::ifstream in(src_ + "/src-0.csv");
  std::string header, first, second;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  // band,srcId,flux,objectId: give the second row the first one's srcId.
  auto field = [](const std::string& line, int n) {
    size_t at = 0;
    for (int i = 0; i < n; ++i) at = line.find(',', at) + 1;
    return line.substr(at, line.find(',', at) - at);
  };
  const std::string id = field(first, 1);
  ReplaceLine("src-0.csv", 3,
              field(second, 0) + "," + id + "," + field(second, 2) + "," + field(second, 3));
  ExpectFailure(StatusCode::kInvalidArgument, {"duplicate primary key", "srcId", id});
}

TEST_F(LoaderErrorTest, OrphanChildRowsAreRefusedUnlessAllowed) {
  ReplaceLine("src-0.csv", 4, "r,999999999,1.0,42");
  ExpectFailure(StatusCode::kInvalidArgument, {"src-0.csv:4", "objectId = 42", "--allow-orphans"});
  auto r = Load(data_, src_ + "/manifest.yaml", false, /*allow_orphans=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  bool found = false;
  for (const auto& t : r->tables) {
    if (t.name == "Src") {
      EXPECT_EQ(t.orphans, 1u);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // The orphan is keyed past every pixel: a full scan reads it, a scan split into ranges reads it
  // only when its last range runs to kRangeToEnd (as the executor's partitions do).
  auto dir = DataDir::Open(data_, false);
  ASSERT_TRUE(dir.ok());
  auto info = (*dir)->Find("testrel");
  ASSERT_TRUE(info.ok());
  auto store = Store::OpenReadOnly(info->directory);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const TableDef* src = (*store)->catalog().FindTable("Src");
  ASSERT_NE(src, nullptr);
  auto count = [&](std::vector<IndexRange> ranges) {
    auto it = (*store)->Scan(*src, {0}, std::move(ranges));
    EXPECT_TRUE(it.ok());
    size_t n = 0;
    ColumnBatch batch;
    while (true) {
      auto got = (*it)->Next(&batch, 100);
      EXPECT_TRUE(got.ok());
      if (!got.ok() || *got == 0) break;
      n += *got;
    }
    return n;
  };
  const size_t all = count({});
  EXPECT_EQ(count({{0, kIndexPixels / 2}, {kIndexPixels / 2, kRangeToEnd}}), all);
  EXPECT_EQ(count({{0, kIndexPixels}}), all - 1);
  // The rows of a parent key with no parent row are the orphans loaded under it, as a full scan
  // filtered on that key would find them.
  auto children = [&](int64_t parent) {
    auto it = (*store)->ScanChildren(*src, {1, 2}, parent);  // objectId, band
    EXPECT_TRUE(it.ok()) << it.status().ToString();
    std::vector<std::string> bands;
    ColumnBatch batch;
    while (it.ok()) {
      auto got = (*it)->Next(&batch, 100);
      EXPECT_TRUE(got.ok());
      if (!got.ok() || *got == 0) break;
      for (size_t i = 0; i < *got; ++i) {
        EXPECT_EQ(batch.columns[0].ints[i], parent);
        bands.push_back(std::string(batch.columns[1].strings[i]));
      }
    }
    return bands;
  };
  EXPECT_EQ(children(42), std::vector<std::string>{"r"});
  EXPECT_TRUE(children(43).empty());
}

TEST_F(LoaderErrorTest, BadManifestAndSchema) {
  WriteText(src_ + "/manifest.yaml",
            "release: testrel\nschema: schema.yaml\ntables:\n  Obj:\n"
            "    files: [obj-*.csv]\n    postion: [ra, dec]\n");
  ExpectFailure(StatusCode::kInvalidArgument, {"manifest.yaml", "postion"});
  WriteText(src_ + "/manifest.yaml", testing::kManifest);
  WriteText(src_ + "/schema.yaml",
            "name: x\ntables:\n- name: Obj\n  columns:\n  - name: a\n"
            "    datatype: quaternion\n");
  ExpectFailure(StatusCode::kInvalidArgument, {"schema.yaml", "quaternion"});
  fs::remove(src_ + "/schema.yaml");
  ExpectFailure(StatusCode::kNotFound, {"schema.yaml"});
}

TEST_F(LoaderErrorTest, TableMissingFromSchema) {
  WriteText(src_ + "/manifest.yaml",
            std::string(testing::kManifest) + "  Visit:\n    files: [alltypes.csv]\n");
  ExpectFailure(StatusCode::kInvalidArgument, {"Visit", "schema.yaml"});
}

TEST(LoaderPublishTest, ReplaceKeepsTheOldReleaseUntilTheNewOneIsComplete) {
  const std::string src = TempDir("publish-src"), data = TempDir("publish-data");
  auto rel = MakeTestRelease(src, 500, 1, 4, 1);
  auto first = Load(data, rel.manifest);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto again = Load(data, rel.manifest);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("--replace"), std::string::npos);

  // A replacement that fails leaves the old release served.
  const std::string before = Snapshot(data);
  WriteText(src + "/obj-0.csv", "objectId,ra,dec,mag\n1,10,95,1\n");
  auto bad = Load(data, rel.manifest, /*replace=*/true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(Snapshot(data), before);

  auto rel2 = MakeTestRelease(src, 700, 1, 5, 1);
  auto second = Load(data, rel2.manifest, /*replace=*/true);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(second->directory, first->directory);
  EXPECT_FALSE(fs::exists(first->directory));
  auto dir = DataDir::Open(data, false);
  auto store = Store::OpenReadOnly((*dir)->Find("testrel")->directory);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->catalog().FindTable("Obj")->row_count, 700u);

  ASSERT_TRUE((*dir)->LockForWrite().ok());
  ASSERT_TRUE((*dir)->Drop("testrel").ok());
  EXPECT_TRUE((*dir)->List()->empty());
  EXPECT_FALSE(fs::exists(second->directory));
  EXPECT_EQ((*dir)->Drop("testrel").code(), StatusCode::kNotFound);
  fs::remove_all(src);
  fs::remove_all(data);
}

// kill -9 of `skyshard load` at many moments: the published releases never change, nothing
// half-loaded is ever visible, and the next writer removes the debris.
TEST(LoaderKillTest, KillNineAtAnyMomentLeavesPublishedReleasesIntact) {
  const std::string src = TempDir("kill-src"), data = TempDir("kill-data");
  auto small = MakeTestRelease(src, 200, 1, 6, 1);
  ASSERT_TRUE(Load(data, small.manifest).ok());
  const std::string published = Snapshot(data);
  auto big = MakeTestRelease(src, 60000, 4, 7, 4);
  // Runs `skyshard load` of the big release into `dir` in a child process.
  auto spawn = [&](const std::string& dir) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      ::execl(SKYSHARD_BINARY, SKYSHARD_BINARY, "load", "--data", dir.c_str(), big.manifest.c_str(),
              "--replace", "--memory", "64", nullptr);
      ::_exit(127);
    }
    return pid;
  };
  // Time one uninterrupted load (elsewhere), so that the kills below fall across the whole
  // load, from start-up to the publish, however fast this machine is.
  const std::string timing = TempDir("kill-timing");
  const auto t0 = std::chrono::steady_clock::now();
  pid_t timed = spawn(timing);
  ASSERT_GE(timed, 0);
  int timed_status = 0;
  ::waitpid(timed, &timed_status, 0);
  ASSERT_TRUE(WIFEXITED(timed_status) && WEXITSTATUS(timed_status) == 0) << "the load failed";
  double full_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  fs::remove_all(timing);
  int killed_midway = 0;
  for (double fraction : {0.01, 0.05, 0.15, 0.3, 0.5, 0.7, 0.85, 0.95, 0.99}) {
    const auto delay = std::chrono::duration<double, std::milli>(fraction * full_ms);
    const auto start = std::chrono::steady_clock::now();
    pid_t pid = spawn(data);
    ASSERT_GE(pid, 0);
    // Wait for the kill time, watching the load: one that finishes first (the timed load ran
    // slower than this one, on a busy machine) shows how long a load takes now, and the later
    // kills are placed by that.
    int status = 0;
    bool exited = false;
    while (std::chrono::steady_clock::now() - start < delay) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        full_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!exited) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    ASSERT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 127) << "could not run the binary";
    if (WIFSIGNALED(status)) {
      ++killed_midway;
      // Either the old release or, if the kill came after the publish, the new one: never a
      // mix, and the store named by the registry always opens with its full row count.
      auto dir = DataDir::Open(data, false);
      ASSERT_TRUE(dir.ok());
      auto info = (*dir)->Find("testrel");
      ASSERT_TRUE(info.ok());
      auto store = Store::OpenReadOnly(info->directory);
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      const uint64_t rows = (*store)->catalog().FindTable("Obj")->row_count;
      EXPECT_TRUE(rows == 200 || rows == 60000) << rows;
      if (rows == 200) {
        // Exactly as published, but for debris that no reader sees: a kill between moving the
        // new version into place and writing RELEASES leaves an unnamed version directory or
        // RELEASES.tmp, which the next writer removes (checked below).
        EXPECT_EQ(Snapshot(data, /*published_only=*/true), published);
      }
    }
    // The next writer cleans the debris.
    auto dir = DataDir::Open(data, false);
    ASSERT_TRUE(dir.ok());
    ASSERT_TRUE((*dir)->LockForWrite().ok());
    EXPECT_FALSE(fs::exists(data + "/staging"));
    EXPECT_FALSE(fs::exists(data + "/RELEASES.tmp"));
    for (const auto& e : Entries(data)) {
      if (e.find(".v") != std::string::npos) {
        EXPECT_EQ(data + "/" + e, (*dir)->Find("testrel")->directory) << "stray " << e;
      }
    }
  }
  EXPECT_GE(killed_midway, 6) << "of 9 kills; a full load took " << full_ms << " ms";
  fs::remove_all(src);
  fs::remove_all(data);
}

// A write that fails part-way (here: the file-size limit, as a full disk would) fails the load
// with an I/O error naming the file, publishes nothing and leaves no debris.
TEST(LoaderDiskFullTest, FailedWritesLeaveNothingBehind) {
  const std::string src = TempDir("full-src"), data = TempDir("full-data");
  auto rel = MakeTestRelease(src, 40000, 4, 8, 2);
  const std::string err = src + "/stderr.txt";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);  // the write returns EFBIG instead of killing the process
    struct rlimit limit = {1 << 20, 1 << 20};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::execl(SKYSHARD_BINARY, SKYSHARD_BINARY, "load", "--data", data.c_str(), rel.manifest.c_str(),
            "--memory", "64", nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  std::ifstream in(err);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("IOError"), std::string::npos) << ss.str();
  EXPECT_NE(ss.str().find(data), std::string::npos) << "the message names no file: " << ss.str();
  auto dir = DataDir::Open(data, false);
  ASSERT_TRUE(dir.ok());
  EXPECT_TRUE((*dir)->List()->empty());
  EXPECT_FALSE(fs::exists(data + "/staging/testrel.load"));
  fs::remove_all(src);
  fs::remove_all(data);
}

// A FITS file larger than one read piece (bulk_loader.cc, kPieceRows) is split between the
// threads: the store must hold exactly its rows, and errors must name the row of the file and
// the key, whichever thread met them.
class LoaderSplitFileTest : public ::testing::Test {
 protected:
  static constexpr int kRows = 600000;  // three pieces

  void SetUp() override {
    src_ = TempDir("loader-split-src");
    data_ = TempDir("loader-split-data");
    WriteText(src_ + "/schema.yaml", testing::kSchema);
    WriteText(src_ + "/manifest.yaml",
              "release: testrel\nschema: schema.yaml\ntables:\n  Obj:\n    files: [obj.fits]\n"
              "    position: [ra, dec]\n");
    std::mt19937_64 rng(7);
    ids_.resize(kRows);
    ra_.resize(kRows);
    dec_.resize(kRows);
    mag_.resize(kRows);
    for (int i = 0; i < kRows; ++i) {
      ids_[i] = 1000000 + 3LL * i + static_cast<int64_t>(rng() % 3);
      ra_[i] = std::uniform_real_distribution<double>(0, 360)(rng);
      dec_[i] = std::uniform_real_distribution<double>(-90, 90)(rng);
      mag_[i] = static_cast<float>(std::uniform_real_distribution<double>(15, 25)(rng));
    }
  }
  void TearDown() override {
    fs::remove_all(src_);
    fs::remove_all(data_);
  }

  void WriteFits() {
    fitsfile* f = nullptr;
    int status = 0;
    const std::string path = "!" + src_ + "/obj.fits";
    fits_create_file(&f, path.c_str(), &status);
    std::vector<std::string> names = {"objectId", "ra", "dec", "mag"};
    std::vector<std::string> forms = {"K", "D", "D", "E"};
    std::vector<char*> tt, tf;
    for (auto& n : names) tt.push_back(n.data());
    for (auto& n : forms) tf.push_back(n.data());
    fits_create_tbl(f, BINARY_TBL, 0, 4, tt.data(), tf.data(), nullptr, "Obj", &status);
    fits_write_col(f, TLONGLONG, 1, 1, 1, kRows, ids_.data(), &status);
    fits_write_col(f, TDOUBLE, 2, 1, 1, kRows, ra_.data(), &status);
    fits_write_col(f, TDOUBLE, 3, 1, 1, kRows, dec_.data(), &status);
    fits_write_col(f, TFLOAT, 4, 1, 1, kRows, mag_.data(), &status);
    fits_close_file(f, &status);
    ASSERT_EQ(status, 0) << "cfitsio status " << status;
  }

  Result<LoadReport> LoadWithThreads(int threads) {
    LoadOptions o;
    o.data_dir = data_;
    o.manifest_path = src_ + "/manifest.yaml";
    o.memory_bytes = 64ull << 20;
    o.threads = threads;
    return LoadRelease(o, nullptr);
  }

  std::string src_, data_;
  std::vector<LONGLONG> ids_;
  std::vector<double> ra_, dec_;
  std::vector<float> mag_;
};

TEST_F(LoaderSplitFileTest, StoreHoldsExactlyTheRowsOfTheFile) {
  WriteFits();
  auto r = LoadWithThreads(2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows, static_cast<uint64_t>(kRows));
  auto dir = DataDir::Open(data_, false);
  ASSERT_TRUE(dir.ok());
  auto store = Store::OpenReadOnly((*dir)->Find("testrel")->directory);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const TableDef* obj = (*store)->catalog().FindTable("Obj");
  ASSERT_NE(obj, nullptr);
  EXPECT_EQ(obj->row_count, static_cast<uint64_t>(kRows));
  // Every (objectId, mag) pair exactly once, compared with what was written.
  std::vector<std::pair<int64_t, float>> want, got;
  for (int i = 0; i < kRows; ++i) want.emplace_back(ids_[i], mag_[i]);
  auto it = (*store)->Scan(*obj, {obj->ColumnIndex("objectId"), obj->ColumnIndex("mag")}, {});
  ASSERT_TRUE(it.ok()) << it.status().ToString();
  ColumnBatch batch;
  for (;;) {
    auto n = (*it)->Next(&batch, 4096);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
    for (size_t i = 0; i < *n; ++i) {
      got.emplace_back(batch.columns[0].ints[i], static_cast<float>(batch.columns[1].doubles[i]));
    }
  }
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
}

TEST_F(LoaderSplitFileTest, DuplicateKeyAcrossPiecesIsReported) {
  // The first row's id again near the end: the two rows are read by different pieces.
  ids_[kRows - 5] = ids_[1];
  WriteFits();
  auto r = LoadWithThreads(2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(
      r.status().message().find("duplicate primary key objectId = " + std::to_string(ids_[1])),
      std::string::npos)
      << r.status().message();
  auto dir = DataDir::Open(data_, false);
  ASSERT_TRUE(dir.ok());
  EXPECT_TRUE((*dir)->List()->empty());
}

TEST_F(LoaderSplitFileTest, BadRowInALaterPieceNamesItsRowInTheFile) {
  dec_[450000] = 91.5;  // row 450001, in the second piece
  WriteFits();
  for (int threads : {1, 2}) {
    auto r = LoadWithThreads(threads);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("obj.fits: row 450001: column dec: 91.5"),
              std::string::npos)
        << r.status().message();
  }
}

}  // namespace
}  // namespace skyshard
