// nvidia-smi's answers parsed, the means, and AcceleratorSampler run against stand-in nvidia-smi
// scripts: one printing fixed utilisations, one failing, one that hangs.
#include "harness/measure/accelerator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::TempDir;

fs::path Script(const TempDir& dir, const std::string& name, const std::string& body) {
  const fs::path path = dir.path() / name;
  std::ofstream(path) << "#!/bin/sh\n" << body;
  ::chmod(path.c_str(), 0755);
  return path;
}

TEST(ParseGpuUtilization, ReadsOneLinePerGpuAndLeavesOutThoseWithoutAFigure) {
  std::string error;
  const auto gpus = ParseGpuUtilization("0, 23\n1, 100\n2, [N/A]\n\n3, 0\n", error);
  ASSERT_TRUE(gpus.has_value()) << error;
  ASSERT_EQ(gpus->size(), 3u);
  EXPECT_EQ((*gpus)[0].gpu, 0);
  EXPECT_EQ((*gpus)[0].utilization_pct, 23);
  EXPECT_EQ((*gpus)[1].utilization_pct, 100);
  EXPECT_EQ((*gpus)[2].gpu, 3);
  EXPECT_TRUE(ParseGpuUtilization("", error)->empty());
}

TEST(ParseGpuUtilization, RefusesWhatIsNotIndexCommaPercent) {
  std::string error;
  EXPECT_FALSE(ParseGpuUtilization("No devices were found\n", error));
  EXPECT_THAT(error, HasSubstr("line 1: 'No devices were found'"));
  EXPECT_THAT(error, HasSubstr("expected 'INDEX, PERCENT'"));
  EXPECT_FALSE(ParseGpuUtilization("0, 23 %\n", error));  // units: the query says nounits
  EXPECT_FALSE(ParseGpuUtilization("0, 140\n", error));
  EXPECT_THAT(error, HasSubstr("not a percentage"));
  EXPECT_FALSE(ParseGpuUtilization("0, 1, 2\n", error));
  EXPECT_FALSE(ParseGpuUtilization("x, 2\n", error));
}

TEST(MeanUtilization, AveragesTheRowsInsideTheBoundsOverEveryGpu) {
  const std::vector<AcceleratorRow> rows = {
      {0.2, "", 0, 10}, {0.2, "", 1, 30}, {0.4, "", 0, 50}, {0.4, "", 1, 70}, {0.6, "", 0, 90}};
  EXPECT_EQ(MeanUtilization(rows, 0, 0.4), 40);  // after 0, at or before 0.4
  EXPECT_EQ(MeanUtilization(rows, 0.2, 0.6), (50 + 70 + 90) / 3.0);
  EXPECT_EQ(MeanUtilization(rows, 0.6, 1.0), std::nullopt);
  const auto by_gpu = MeanUtilizationByGpu(rows);
  EXPECT_EQ(by_gpu.at(0), 50);
  EXPECT_EQ(by_gpu.at(1), 50);
}

// Notes said by a sampler's thread, and a wait for the first of them.
class Notes {
 public:
  std::function<void(const std::string&)> Sink() {
    return [this](const std::string& note) {
      std::lock_guard lock(mutex_);
      notes_.push_back(note);
      said_.notify_all();
    };
  }
  bool WaitForOne() {
    std::unique_lock lock(mutex_);
    return said_.wait_for(lock, 60s, [this] { return !notes_.empty(); });
  }
  std::vector<std::string> All() {
    std::lock_guard lock(mutex_);
    return notes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable said_;
  std::vector<std::string> notes_;
};

// Waits until the sampler has its first reading; false after a minute.
bool WaitForAReading(const AcceleratorSampler& sampler) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!sampler.LatestMeanPct() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  return sampler.LatestMeanPct().has_value();
}

// A stand-in nvidia-smi printing fixed figures; queried every fourth tick of a 50 ms grid.
TEST(AcceleratorSampler, RecordsEachGpuOnTheGridTicks) {
  TempDir dir("/tmp");
  AcceleratorOptions options;
  options.program = Script(dir, "nvidia-smi", "echo '0, 20'\necho '1, 40'\n").string();
  options.interval = 50ms;
  AcceleratorSampler sampler(options);
  sampler.Start(std::chrono::steady_clock::now(), std::chrono::system_clock::now());
  ASSERT_TRUE(WaitForAReading(sampler));
  const AcceleratorWindow window = sampler.Stop();
  ASSERT_TRUE(window.sampled) << window.reason;
  EXPECT_EQ(window.reason, "");
  ASSERT_GE(window.rows.size(), 2u);  // a tick, two GPUs
  EXPECT_EQ(window.rows.size() % 2, 0u);
  for (size_t i = 0; i < window.rows.size(); ++i) {
    const AcceleratorRow& row = window.rows[i];
    EXPECT_EQ(row.gpu, static_cast<int>(i % 2));
    EXPECT_EQ(row.utilization_pct, i % 2 == 0 ? 20 : 40);
    // On a tick of the grid, every fourth one (200 ms): 0.2, 0.4, ...
    const double ticks = row.offset_sec / 0.2;
    EXPECT_NEAR(ticks, std::round(ticks), 1e-9) << row.offset_sec;
    EXPECT_GE(row.offset_sec, 0.2);
    EXPECT_EQ(row.timestamp_utc.size(), 24u);
  }
  EXPECT_EQ(sampler.LatestMeanPct(), 30);
  EXPECT_EQ(window.failed_queries, 0u);
}

TEST(AcceleratorSampler, AFailingNvidiaSmiIsSaidOnceAndNotFatal) {
  TempDir dir("/tmp");
  AcceleratorOptions options;
  options.program =
      Script(dir, "nvidia-smi",
             "echo 'NVIDIA-SMI has failed because it could not communicate with the driver' >&2\n"
             "exit 9\n")
          .string();
  options.interval = 50ms;
  options.min_spacing = 50ms;
  Notes notes;
  options.on_note = notes.Sink();
  AcceleratorSampler sampler(options);
  sampler.Start(std::chrono::steady_clock::now(), std::chrono::system_clock::now());
  ASSERT_TRUE(notes.WaitForOne());
  std::this_thread::sleep_for(300ms);  // more queries, and more failures, after the first
  const AcceleratorWindow window = sampler.Stop();
  EXPECT_FALSE(window.sampled);
  EXPECT_GE(window.failed_queries, 1u);
  const std::vector<std::string> said = notes.All();
  ASSERT_EQ(said.size(), 1u);
  EXPECT_THAT(said[0], HasSubstr("failed: exited with status 9: NVIDIA-SMI has failed"));
  EXPECT_THAT(window.reason, HasSubstr("exited with status 9"));
  EXPECT_FALSE(sampler.LatestMeanPct().has_value());
}

// A hung nvidia-smi is killed at its time limit; Stop kills the one then running rather than
// wait for it (it would sleep for ten minutes).
TEST(AcceleratorSampler, AHungNvidiaSmiIsKilledAndStopDoesNotWaitForIt) {
  TempDir dir("/tmp");
  AcceleratorOptions options;
  options.program = Script(dir, "nvidia-smi", "exec sleep 600\n").string();
  options.interval = 100ms;
  options.query_time_limit = 300ms;
  Notes notes;
  options.on_note = notes.Sink();
  AcceleratorSampler sampler(options);
  sampler.Start(std::chrono::steady_clock::now(), std::chrono::system_clock::now());
  ASSERT_TRUE(notes.WaitForOne());
  std::this_thread::sleep_for(100ms);  // the next query is running (or about to)
  const auto before = std::chrono::steady_clock::now();
  const AcceleratorWindow window = sampler.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 60s);
  EXPECT_FALSE(window.sampled);
  const std::vector<std::string> said = notes.All();
  ASSERT_EQ(said.size(), 1u);
  EXPECT_THAT(said[0], HasSubstr("did not answer within 300 ms (killed)"));
}

}  // namespace
}  // namespace feedbench
