#include "harness/suite/suite_run.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "harness/base/errors.h"
#include "harness/os/data_dir.h"
#include "harness/suite/suite.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset_dir.h"

namespace feedbench {
namespace {

// A workload whose repetitions do what the test says.
class FakeWorkload : public Workload {
 public:
  explicit FakeWorkload(std::function<RepetitionMeasurement(int)> body) : body_(std::move(body)) {}
  RepetitionMeasurement RunOnce(int repetition) override { return body_(repetition); }

 private:
  std::function<RepetitionMeasurement(int)> body_;
};

TEST(RunRepetition, AReadErrorBecomesAFailedRepetitionWithItsReason) {
  FakeWorkload w(
      [](int) -> RepetitionMeasurement { throw RunError("read /data/x: Input/output error"); });
  const RepetitionMeasurement m = RunRepetition(w, 0);
  EXPECT_EQ(m.state, RepetitionState::kFailed);
  EXPECT_EQ(m.reason, "io: read /data/x: Input/output error");
}

TEST(RunRepetition, AnEnvironmentErrorEndsTheRun) {
  FakeWorkload w(
      [](int) -> RepetitionMeasurement { throw EnvironmentError("no space left on /data"); });
  EXPECT_THROW(RunRepetition(w, 0), EnvironmentError);
}

TEST(RunRepetition, AMeasurementPassesThroughWithItsRepetitionIndex) {
  FakeWorkload w([](int rep) {
    RepetitionMeasurement m;
    m.figures.Set(Metric::kSamplesPerSecond, 100.0 + rep);
    return m;
  });
  EXPECT_EQ(RunRepetition(w, 2).figures.Get(Metric::kSamplesPerSecond), 102.0);
}

TEST(SuiteRun, AFailedOrUnverifiedRepetitionFailsTheRunAContaminatedOneDoesNot) {
  SuiteRun run;
  run.workloads.resize(1);
  run.workloads[0].measurements.resize(2);
  EXPECT_FALSE(run.AnyFailed());
  run.workloads[0].measurements[1].state = RepetitionState::kCacheContaminated;
  EXPECT_FALSE(run.AnyFailed());
  run.workloads[0].measurements[0].state = RepetitionState::kVerificationFailed;
  EXPECT_TRUE(run.AnyFailed());
}

}  // namespace
}  // namespace feedbench

namespace feedbench {
namespace {

namespace fs = std::filesystem;

Suite TwoLayoutSuite() {
  return ParseSuite(nlohmann::json::parse(R"({
    "schema_version": 1, "name": "two-layouts",
    "dataset": {"samples": 64, "sizes": {"distribution": "fixed", "bytes": "4KiB"}, "seed": 3},
    "defaults": {"repetitions": 1, "workers": 1},
    "workloads": [
      {"name": "files-random", "layout": "files"},
      {"name": "lmdb-sequential", "layout": "lmdb", "order": "sequential"}]})"),
                    "two-layouts.json");
}

TEST(RunSuite, APreparationThatFailsForALaterLayoutLeavesNoDatasetBehind) {
  feedbench::testing::TempDir parent("/var/tmp");
  const fs::path data = parent.path() / "data";
  const Suite suite = TwoLayoutSuite();
  // The lmdb dataset's directory is taken by something that is not feedbench's: generating the
  // files layout succeeds, preparing the lmdb one is refused.
  fs::create_directories(data);
  std::ofstream(data / kDataDirMarker).flush();
  const fs::path lmdb_dir = DefaultDatasetDir(data, suite.spec, Layout::kLmdb);
  fs::create_directories(lmdb_dir);
  std::ofstream(lmdb_dir / "not-feedbench.txt") << "keep me\n";

  RunRequest request;
  request.data_dir = data;
  request.quiet = true;
  EXPECT_THROW(RunSuite(suite, request), UsageError);
  EXPECT_FALSE(fs::exists(DefaultDatasetDir(data, suite.spec, Layout::kFiles)))
      << "the files dataset this run generated was left behind";
  EXPECT_TRUE(fs::exists(lmdb_dir / "not-feedbench.txt")) << "a foreign directory was touched";
}

TEST(RunSuite, ARunRemovesWhatItGeneratedAndReturnsEveryRepetitionTyped) {
  feedbench::testing::TempDir parent("/var/tmp");
  const fs::path data = parent.path() / "data";
  RunRequest request;
  request.data_dir = data;
  request.quiet = true;
  request.cache = "warm";  // no page-cache drop needed: runs without root too
  const SuiteRun run = RunSuite(TwoLayoutSuite(), request);
  ASSERT_EQ(run.workloads.size(), 2u);
  for (const WorkloadRun& w : run.workloads) {
    ASSERT_EQ(w.measurements.size(), 1u) << w.workload.name;
    EXPECT_EQ(w.measurements[0].state, RepetitionState::kValid) << w.measurements[0].reason;
    EXPECT_EQ(w.measurements[0].figures.Get(Metric::kSamples), 64.0) << w.workload.name;
  }
  EXPECT_EQ(run.datasets.size(), 2u);
  EXPECT_FALSE(fs::exists(data)) << "a data directory this run created was left behind";
}

}  // namespace
}  // namespace feedbench
