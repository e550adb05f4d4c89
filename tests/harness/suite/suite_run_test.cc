#include "harness/suite/suite_run.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <utility>

#include "harness/base/errors.h"
#include "harness/os/data_dir.h"
#include "harness/suite/suite.h"
#include "tests/support/error_message.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset_dir.h"

namespace feedbench {
namespace {

using ::testing::AllOf;
using testing::ErrorMessage;
using ::testing::HasSubstr;

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

RepetitionMeasurement Disturbed() {
  RepetitionMeasurement m;
  m.state = RepetitionState::kDisturbed;
  m.reason = "disturbed: foreign device reads 23% of the device's bytes (limit 10%)";
  return m;
}

// Runs `reps` planned repetitions of a workload whose RunOnce(k) is disturbed when `disturbed(k)`,
// with `max_reruns`; returns the run and the progress lines.
std::pair<WorkloadRun, std::vector<std::string>> RunWith(int reps, int max_reruns,
                                                         std::function<bool(int)> disturbed) {
  std::vector<int> calls;
  FakeWorkload w([&](int k) {
    calls.push_back(k);
    RepetitionMeasurement m = disturbed(k) ? Disturbed() : RepetitionMeasurement{};
    m.figures.Set(Metric::kSamplesPerSecond, 100.0 + k);
    return m;
  });
  WorkloadRun run;
  run.repetitions = reps;
  std::vector<std::string> lines;
  RunRepetitions(w, run, max_reruns, [&](const std::string& line) { lines.push_back(line); });
  // Repetition k of the results is RunOnce(k): a rerun gets a fresh index (and shuffle seed).
  for (size_t k = 0; k < calls.size(); ++k) EXPECT_EQ(calls[k], static_cast<int>(k));
  EXPECT_EQ(calls.size(), run.measurements.size());
  return {run, lines};
}

size_t ValidCount(const WorkloadRun& run) {
  return std::count_if(run.measurements.begin(), run.measurements.end(),
                       [](const RepetitionMeasurement& m) { return m.valid(); });
}

TEST(RunRepetitions, AnUndisturbedWorkloadRunsItsPlannedRepetitionsOnly) {
  const auto [run, lines] = RunWith(3, 3, [](int) { return false; });
  EXPECT_EQ(run.measurements.size(), 3u);
  EXPECT_EQ(run.reruns, 0);
  EXPECT_EQ(lines,
            (std::vector<std::string>{"repetition 1/3", "repetition 2/3", "repetition 3/3"}));
}

TEST(RunRepetitions, ADisturbedRepetitionIsKeptAndRerun) {
  const auto [run, lines] = RunWith(3, 3, [](int k) { return k == 1; });
  ASSERT_EQ(run.measurements.size(), 4u);
  EXPECT_EQ(run.measurements[1].state, RepetitionState::kDisturbed);
  EXPECT_EQ(ValidCount(run), 3u);
  EXPECT_EQ(run.reruns, 1);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[2],
            "repetition 2/3 disturbed: foreign device reads 23% of the device's bytes (limit 10%); "
            "rerunning it (1 of at most 3 extra)");
  EXPECT_EQ(lines[3], "repetition 2/3 (run 3 of the workload)");
}

TEST(RunRepetitions, TheRerunBudgetIsBoundedAndSpentDisturbedOnesStay) {
  // Every run disturbed: 3 planned + 2 reruns, then the planned ones finish disturbed.
  const auto [run, lines] = RunWith(3, 2, [](int) { return true; });
  EXPECT_EQ(run.measurements.size(), 5u);
  EXPECT_EQ(run.reruns, 2);
  EXPECT_EQ(ValidCount(run), 0u);
  EXPECT_EQ(lines.back(),
            "repetition 3/3 disturbed: foreign device reads 23% of the device's bytes (limit 10%); "
            "kept as disturbed, not judged (the 2 extra repetitions are spent)");
}

TEST(RunRepetitions, OnlyDisturbedRepetitionsAreRerunNotFailedOrContaminatedOnes) {
  FakeWorkload w([](int k) {
    RepetitionMeasurement m;
    if (k == 0) m.state = RepetitionState::kCacheContaminated;
    if (k == 1) throw RunError("read /data/x: Input/output error");
    return m;
  });
  WorkloadRun run;
  run.repetitions = 3;
  RunRepetitions(w, run, 3, {});
  ASSERT_EQ(run.measurements.size(), 3u);
  EXPECT_EQ(run.measurements[1].state, RepetitionState::kFailed);
  EXPECT_EQ(run.reruns, 0);
}

TEST(SuiteRun, AFailedOrUnverifiedRepetitionFailsTheRunAContaminatedOneDoesNot) {
  SuiteRun run;
  run.workloads.resize(1);
  run.workloads[0].measurements.resize(2);
  EXPECT_FALSE(run.AnyFailed());
  run.workloads[0].measurements[1].state = RepetitionState::kCacheContaminated;
  EXPECT_FALSE(run.AnyFailed());
  run.workloads[0].measurements[1].state = RepetitionState::kDisturbed;
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

TEST(ValidateRequest, ColdReadersOfFilesOrLmdbOnTmpfsAreRefusedWarmOrStagedOnesAreNot) {
  if (!MemoryFilesystemOf("/dev/shm")) GTEST_SKIP() << "/dev/shm is not a tmpfs here";
  testing::TempDir shm("/dev/shm");
  const Suite suite = ParseSuite(nlohmann::json::parse(R"({
    "schema_version": 1, "name": "t", "description": "d",
    "dataset": {"samples": 10, "sizes": {"distribution": "fixed", "bytes": "4KiB"}},
    "workloads": [
      {"name": "files", "layout": "files", "order": "random"},
      {"name": "lmdb", "layout": "lmdb", "order": "sequential"},
      {"name": "staged", "layout": "tmpfs", "order": "random"},
      {"name": "warm-files", "layout": "files", "order": "random", "cache": "warm"}]})"),
                                 "t.json");
  RunRequest request;
  request.data_dir = shm.path() / "data";
  for (const std::string name : {"files", "lmdb"}) {
    request.only = {name};
    EXPECT_THAT(ErrorMessage<UsageError>([&] { ValidateRequest(suite, request); }),
                AllOf(HasSubstr("--data-dir " + request.data_dir.string() + ": on tmpfs"),
                      HasSubstr("workload " + name), HasSubstr("--cache warm")))
        << name;
  }
  request.only = {"staged", "warm-files"};
  EXPECT_NO_THROW(ValidateRequest(suite, request));
  request.only = {"files", "lmdb"};
  request.cache = "warm";
  EXPECT_NO_THROW(ValidateRequest(suite, request));
  EXPECT_FALSE(fs::exists(request.data_dir));
  // On a disk, cold is what a run is for.
  testing::TempDir disk("/var/tmp");
  request.cache = "cold";
  request.data_dir = disk.path() / "data";
  EXPECT_NO_THROW(ValidateRequest(suite, request));
}

TEST(SuiteSession, RunsMoreRepetitionsOfChosenWorkloadsWithoutPreparingAgain) {
  feedbench::testing::TempDir parent("/var/tmp");
  const Suite suite = TwoLayoutSuite();
  RunRequest request;
  request.data_dir = parent.path() / "data";
  request.quiet = true;
  request.repetitions = 3;
  // Each workload made counts as one preparation; each RunOnce is recorded with its index.
  std::map<std::string, int> made;
  std::map<std::string, std::vector<int>> calls;
  SuiteSession session(suite, request, [&](const SuiteWorkload& w) -> std::unique_ptr<Workload> {
    ++made[w.name];
    return std::make_unique<FakeWorkload>([&calls, name = w.name](int k) {
      calls[name].push_back(k);
      RepetitionMeasurement m;
      m.figures.Set(Metric::kSamplesPerSecond, 100.0 + k);
      return m;
    });
  });
  session.Prepare();
  session.RunPlanned();
  EXPECT_EQ(session.Current().workloads[0].measurements.size(), 3u);
  session.RunMore({"lmdb-sequential"}, 2);
  session.RunMore({"files-random", "lmdb-sequential"}, 1);
  const SuiteRun run = session.Finish();

  EXPECT_EQ(made, (std::map<std::string, int>{{"files-random", 1}, {"lmdb-sequential", 1}}));
  ASSERT_EQ(run.workloads.size(), 2u);
  const WorkloadRun& files = run.workloads[0];
  const WorkloadRun& lmdb = run.workloads[1];
  EXPECT_EQ(files.measurements.size(), 4u);
  EXPECT_EQ(files.added, 1);
  EXPECT_EQ(lmdb.measurements.size(), 6u);
  EXPECT_EQ(lmdb.added, 3);
  EXPECT_EQ(lmdb.repetitions, 3);  // the plan is unchanged: added ones are counted apart
  EXPECT_EQ(lmdb.CountedRepetitions(), 6);
  // The added repetitions continue the workload's indices (and shuffle seeds).
  EXPECT_EQ(calls["lmdb-sequential"], (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(lmdb.measurements[5].figures.Get(Metric::kSamplesPerSecond), 105.0);
  EXPECT_GT(lmdb.run_sec, 0.0);
  EXPECT_TRUE(run.datasets.empty()) << "a workload factory prepares no dataset";
  EXPECT_THROW(SuiteSession(suite, request).RunMore({"files-random"}), std::logic_error);
}

// The order of every RunOnce of a session seeded with `seed`, and the rounds stamped on them.
std::pair<std::vector<std::string>, SuiteRun> SeededSession(uint64_t seed) {
  feedbench::testing::TempDir parent("/var/tmp");
  RunRequest request;
  request.data_dir = parent.path() / "data";
  request.quiet = true;
  request.repetitions = 4;
  request.order_seed = seed;
  std::vector<std::string> order;
  const Suite suite = TwoLayoutSuite();  // the session keeps a reference to it
  SuiteSession session(suite, request,
                       [&](const SuiteWorkload& w) -> std::unique_ptr<Workload> {
                         return std::make_unique<FakeWorkload>([&order, name = w.name](int) {
                           order.push_back(name);
                           return RepetitionMeasurement{};
                         });
                       });
  session.Prepare();
  session.RunPlanned();
  session.RunMore({"files-random", "lmdb-sequential"}, 1);
  session.RunMore({"files-random", "lmdb-sequential"}, 1);
  return {order, session.Finish()};
}

TEST(SuiteSession, InterleavedRoundsFollowTheSeedAreBalancedAndNumbered) {
  const auto [order, run] = SeededSession(5);
  EXPECT_EQ(SeededSession(5).first, order) << "the same seed, the same orders";
  EXPECT_EQ(run.order_seed, 5u);
  EXPECT_EQ(run.rounds, 6);  // 4 planned, 2 added
  ASSERT_EQ(order.size(), 12u);
  // Each round runs both workloads once; over each block of two rounds each goes first once.
  for (size_t block = 0; block < 3; ++block) {
    const size_t r = block * 4;
    EXPECT_NE(order[r], order[r + 1]);
    EXPECT_NE(order[r + 2], order[r + 3]);
    EXPECT_NE(order[r], order[r + 2]) << "block " << block << " starts with the same workload twice";
  }
  for (const WorkloadRun& w : run.workloads) {
    std::vector<int> rounds;
    for (const RepetitionMeasurement& m : w.measurements) rounds.push_back(m.round);
    EXPECT_EQ(rounds, (std::vector<int>{1, 2, 3, 4, 5, 6})) << w.workload.name;
  }
  bool another_seed_differs = false;
  for (uint64_t seed = 6; seed < 12 && !another_seed_differs; ++seed) {
    another_seed_differs = SeededSession(seed).first != order;
  }
  EXPECT_TRUE(another_seed_differs);
}

TEST(SuiteSession, RunMoreRefusesAWorkloadTheSessionDidNotSelect) {
  feedbench::testing::TempDir parent("/var/tmp");
  RunRequest request;
  request.data_dir = parent.path() / "data";
  request.quiet = true;
  request.filter = "files";
  const Suite suite = TwoLayoutSuite();
  SuiteSession session(suite, request, [](const SuiteWorkload&) -> std::unique_ptr<Workload> {
    return std::make_unique<FakeWorkload>([](int) { return RepetitionMeasurement{}; });
  });
  session.Prepare();
  session.RunPlanned();
  EXPECT_THROW(session.RunMore({"lmdb-sequential"}), UsageError);
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
