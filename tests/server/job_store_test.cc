// The UWS job store and the job manager's recovery after a restart or a crash.
#include "server/internal/job_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "server/internal/job_manager.h"

namespace skyshard::server {
namespace {

class JobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("job_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<JobStore> OpenStore() {
    auto store = JobStore::Open(dir_.string());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(store).value();
  }

  static Job MakeJob(const std::string& id, Phase phase) {
    Job job;
    job.id = id;
    job.phase = phase;
    // Whole microseconds, as the job store keeps them.
    job.creation_time =
        std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
    job.destruction = job.creation_time + std::chrono::hours(1);
    job.parameters = {{"LANG", "ADQL"}, {"QUERY", "SELECT \"x\" <&> \xff"}};
    return job;
  }

  std::filesystem::path dir_;
};

TEST_F(JobStoreTest, JobJsonRoundTrip) {
  Job job = MakeJob("abc", Phase::kCompleted);
  job.run_id = "run";
  job.start_time = job.creation_time + std::chrono::seconds(1);
  job.end_time = job.creation_time + std::chrono::seconds(2);
  job.result_file = "result.vot";
  job.result_rows = 12;
  job.result_overflow = true;
  job.runs = 1;
  job.parts.push_back({"t1", "part-0", 10});
  Result<Job> back = Job::FromJson(job.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ToJson(), Job::FromJson(back->ToJson())->ToJson());
  EXPECT_EQ(back->phase, Phase::kCompleted);
  EXPECT_EQ(back->start_time, job.start_time);
  EXPECT_EQ(back->result_rows, 12);
  EXPECT_TRUE(back->result_overflow);
  EXPECT_EQ(back->parts.size(), 1u);
  EXPECT_FALSE(Job::FromJson("{\"format\": 2}").ok());
  EXPECT_FALSE(Job::FromJson("not json").ok());
}

TEST_F(JobStoreTest, CreateLoadRemoveAndDebris) {
  auto store = OpenStore();
  Job job = MakeJob("job1", Phase::kPending);
  job.parts.push_back({"t1", "", 0});
  ASSERT_TRUE(store->Create(&job, {"<VOTABLE/>"}).ok());
  EXPECT_EQ(job.parts[0].file, "part-0");
  EXPECT_EQ(*store->ReadPart(job, job.parts[0]), "<VOTABLE/>");
  // Debris: a directory without job.json, and one with a damaged job.json.
  std::filesystem::create_directories(dir_ / "jobs" / "half");
  std::filesystem::create_directories(dir_ / "jobs" / "bad");
  std::ofstream(dir_ / "jobs" / "bad" / "job.json") << "{";
  std::vector<std::string> dropped;
  auto loaded = store->LoadAll(&dropped);
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].id, "job1");
  EXPECT_EQ(dropped.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "jobs" / "half"));
  ASSERT_TRUE(store->Remove("job1").ok());
  EXPECT_TRUE(store->LoadAll()->empty());
}

// A job removed while its worker still writes: the removal succeeds at once, the worker's later
// writes fail instead of re-creating the job, and a tombstone left by a crash mid-removal is
// cleared at the next load without bringing the job back.
TEST_F(JobStoreTest, RemoveWhileAWorkerWritesAndTombstones) {
  auto store = OpenStore();
  Job job = MakeJob("job2", Phase::kExecuting);
  ASSERT_TRUE(store->Create(&job, {}).ok());
  std::ofstream open_result(store->PathOf("job2", "result.vot.tmp"));  // being written
  open_result << "partial";
  ASSERT_TRUE(store->Remove("job2").ok());
  open_result << " more";  // the worker goes on writing into the removed directory
  open_result.close();
  job.phase = Phase::kCompleted;
  EXPECT_FALSE(store->Save(job).ok());  // its job.json cannot come back under the old name
  EXPECT_FALSE(std::filesystem::exists(dir_ / "jobs" / "job2"));
  EXPECT_TRUE(store->Remove("job2").ok());  // removing a removed job: nothing to do

  // A crash between the rename and the removal leaves a tombstone with a valid job.json.
  Job other = MakeJob("job3", Phase::kCompleted);
  ASSERT_TRUE(store->Create(&other, {}).ok());
  std::filesystem::rename(dir_ / "jobs" / "job3", dir_ / "jobs" / ".deleted-job3");
  std::vector<std::string> dropped;
  auto loaded = store->LoadAll(&dropped);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->empty());
  EXPECT_TRUE(dropped.empty());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "jobs" / ".deleted-job3"));
}

TEST(JobIdTest, OnlySafeIds) {
  EXPECT_TRUE(IsValidJobId(NewJobId()));
  EXPECT_NE(NewJobId(), NewJobId());
  for (const char* bad : {"", "..", "a/b", "a.b", "a%2f", "x y"}) EXPECT_FALSE(IsValidJobId(bad));
}

// A runner that records which jobs ran and completes them with an empty result.
struct RecordingRunner {
  std::mutex mu;
  std::vector<std::string> ran;
  JobOutcome operator()(const Job& job) {
    std::lock_guard lock(mu);
    ran.push_back(job.id);
    JobOutcome out;
    out.result_file = "result.vot";
    out.result_mime = "application/x-votable+xml";
    return out;
  }
};

TEST_F(JobStoreTest, RecoveryAfterCrash) {
  {
    auto store = OpenStore();
    Job done = MakeJob("done", Phase::kCompleted);
    Job queued = MakeJob("queued", Phase::kQueued);
    Job running = MakeJob("running", Phase::kExecuting);
    running.runs = 1;
    Job crashy = MakeJob("crashy", Phase::kExecuting);
    crashy.runs = 2;
    Job expired = MakeJob("expired", Phase::kCompleted);
    expired.destruction = expired.creation_time - std::chrono::seconds(1);
    for (Job* j : {&done, &queued, &running, &crashy, &expired}) {
      ASSERT_TRUE(store->Create(j, {}).ok());
    }
  }
  auto store = OpenStore();
  QuerySlots slots(2, 0);
  RecordingRunner runner;
  JobManager manager(
      store.get(), &slots,
      [&](const Job& job, const JobStore&, const std::atomic<bool>*,
          std::chrono::steady_clock::time_point) { return runner(job); },
      JobLimits{});
  std::vector<std::string> log;
  ASSERT_TRUE(manager.Start(&log).ok());
  for (const char* id : {"queued", "running"}) {
    Result<Job> job = manager.Wait(id, Phase::kQueued, std::chrono::seconds(5));
    ASSERT_TRUE(job.ok());
    job = manager.Wait(id, Phase::kExecuting, std::chrono::seconds(5));
    EXPECT_EQ(job->phase, Phase::kCompleted) << id;
  }
  EXPECT_EQ(manager.Get("done")->phase, Phase::kCompleted);
  Result<Job> crashy = manager.Get("crashy");
  EXPECT_EQ(crashy->phase, Phase::kError);
  EXPECT_NE(crashy->error_message.find("stopped twice"), std::string::npos);
  // The reaper runs at start: the expired job is gone.
  for (int i = 0; i < 100 && manager.Get("expired").ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(manager.Get("expired").ok());
  manager.Shutdown();
  // What the manager decided is on disk.
  auto reloaded = OpenStore()->LoadAll();
  ASSERT_TRUE(reloaded.ok());
  for (const Job& j : *reloaded) {
    if (j.id == "running") {
      EXPECT_EQ(j.phase, Phase::kCompleted);
      EXPECT_EQ(j.runs, 2);
    }
    if (j.id == "crashy") {
      EXPECT_EQ(j.phase, Phase::kError);
    }
  }
}

TEST_F(JobStoreTest, ShutdownLeavesExecutingJobsQueued) {
  auto store = OpenStore();
  QuerySlots slots(1, 0);
  JobManager manager(
      store.get(), &slots,
      [](const Job&, const JobStore&, const std::atomic<bool>* cancel,
         std::chrono::steady_clock::time_point) {
        while (!cancel->load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        JobOutcome out;
        out.status = Status::Cancelled("query cancelled");
        return out;
      },
      JobLimits{});
  ASSERT_TRUE(manager.Start().ok());
  Result<std::string> id = manager.Create({{"LANG", "ADQL"}}, {}, /*run=*/true);
  ASSERT_TRUE(id.ok());
  Result<Job> job = manager.Wait(*id, Phase::kQueued, std::chrono::seconds(5));
  ASSERT_EQ(job->phase, Phase::kExecuting);
  manager.Shutdown();
  auto reloaded = OpenStore()->LoadAll();
  ASSERT_EQ(reloaded->size(), 1u);
  EXPECT_EQ((*reloaded)[0].phase, Phase::kQueued);
  EXPECT_EQ((*reloaded)[0].runs, 0);
}

}  // namespace
}  // namespace skyshard::server
