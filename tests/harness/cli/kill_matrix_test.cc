// The kill matrix: SIGINT, SIGTERM and SIGKILL at each phase of `feedbench run` (generation,
// tmpfs staging, repetitions, writing results), on an ext4 loop device that holds the data
// directory and the results, with a results file and a baseline already in the results directory.
// Each case signals a run in its phase, checks how it ended (130 / 143 with one line saying what
// was interrupted and what was removed, or killed by 9), then runs again to completion: exit 0,
// what the first run left (partial dataset, tmpfs staging) reclaimed, and the old results, their
// timeline and the baseline byte-identical. The phase is found by the run's own progress lines on
// stderr; the short write of the results by the test-only hold point FEEDBENCH_TEST_HOLD
// (harness/os/interrupt.h). Root only (loop device); skipped otherwise.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/base/atomic_file.h"
#include "harness/os/data_dir.h"
#include "harness/suite/suite.h"
#include "tests/support/background_feedbench.h"
#include "tests/support/loop_ext4.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset_dir.h"
#include "workloads/dataset/tmpfs_staging.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::BackgroundFeedbench;
using testing::LoopExt4;
using testing::TempDir;
using namespace std::chrono_literals;

enum class Phase { kGeneration, kStaging, kRepetitions, kWritingResults };

// A files dataset of 40000 4 KiB samples (seconds to generate and to stage), read warm by a files
// and a tmpfs workload. `slow`: 2 repetitions with 20 ms of compute per batch of 32 (each
// repetition lasts many seconds, so the signal lands inside one); else 1 repetition, no compute.
json KillSuite(bool slow) {
  json suite = json::parse(R"({
    "schema_version": 1,
    "name": "kill-matrix",
    "description": "a run long enough in every phase to be signalled there",
    "dataset": {"samples": 40000, "sizes": {"distribution": "fixed", "bytes": "4KiB"}, "seed": 11, "files_per_dir": 1000},
    "defaults": {"repetitions": 1, "cache": "warm", "workers": 2, "batch_size": 32, "compute_ms_per_batch": 0},
    "workloads": [{"name": "files-random", "layout": "files", "order": "random"},
                  {"name": "tmpfs-random", "layout": "tmpfs", "order": "random"}]
  })");
  if (slow) {
    suite["defaults"]["repetitions"] = 2;
    suite["defaults"]["compute_ms_per_batch"] = 20;
  }
  return suite;
}

std::vector<fs::path> Stagings(const fs::path& tmpfs_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(tmpfs_dir, ec)) {
    if (e.path().filename().string().starts_with(kStagingPrefix)) out.push_back(e.path());
  }
  return out;
}

std::set<std::string> Names(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.insert(e.path().filename().string());
  return out;
}

class KillMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const auto why = LoopExt4::Unavailable()) GTEST_SKIP() << *why;
    loop_.emplace(1024);
    root_ = loop_->mount_point();
    data_ = root_ / "data";  // made by the first run
    results_ = root_ / "results";
    fs::create_directory(results_);
    tmpfs_.emplace("/dev/shm");  // the runs' --tmpfs-dir: only this test's stagings in it
    logs_.emplace("/var/tmp");
    std::ofstream(root_ / "slow.json") << KillSuite(true).dump(2);
    std::ofstream(root_ / "fast.json") << KillSuite(false).dump(2);
    spec_ = LoadSuite((root_ / "fast.json").string()).spec;
    // What a previous run and a recorded baseline left in the results directory.
    old_ = {
        {results_ / "old.json",
         R"({"context": {"feedbench": {"suite": "kill-matrix"}}, "benchmarks": [{"name": "files-random/repetition:0", "samples_per_second": 1234.5}]})"
         "\n"},
        {results_ / "old.timeline.json", "{\"repetitions\": []}\n"},
        {results_ / "baseline.json", "{\"schema_version\": 1, \"workloads\": {}}\n"},
    };
    for (const auto& [path, text] : old_) WriteFileAtomic(path, text);
  }

  std::vector<std::string> RunArgs(const std::string& suite, const fs::path& out, bool quiet) {
    std::vector<std::string> args{"run",
                                  "--suite",
                                  (root_ / suite).string(),
                                  "--data-dir",
                                  data_.string(),
                                  "--tmpfs-dir",
                                  tmpfs_->path().string(),
                                  "--out",
                                  out.string(),
                                  "--probe",
                                  "off"};
    if (quiet) args.push_back("--quiet");
    return args;
  }

  // Waits until `run` is in `phase`, by its progress lines (and, for generation and staging, the
  // partial dataset or staging on disk: what the signal must interrupt).
  ::testing::AssertionResult ReachPhase(BackgroundFeedbench& run, Phase phase) {
    switch (phase) {
      case Phase::kGeneration: {
        if (!run.WaitForOutput("feedbench: dataset files (", 120s)) {
          return ::testing::AssertionFailure() << "no generation line";
        }
        const fs::path dataset = DefaultDatasetDir(data_, spec_, Layout::kFiles);
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        std::error_code ec;
        while (!fs::exists(dataset / kManifestName, ec) || !fs::exists(dataset / "data", ec)) {
          if (run.Ended() || std::chrono::steady_clock::now() > deadline) {
            return ::testing::AssertionFailure() << "generation never seen under way";
          }
          std::this_thread::sleep_for(1ms);
        }
        const std::optional<Manifest> manifest = ReadManifest(dataset);
        if (!manifest || manifest->complete) {
          return ::testing::AssertionFailure() << "generation completed before the signal";
        }
        return ::testing::AssertionSuccess();
      }
      case Phase::kStaging: {
        if (!run.WaitForOutput("feedbench: staging the files dataset", 120s)) {
          return ::testing::AssertionFailure() << "no staging line";
        }
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (Stagings(tmpfs_->path()).empty()) {
          if (run.Ended() || std::chrono::steady_clock::now() > deadline) {
            return ::testing::AssertionFailure() << "staging never seen under way";
          }
          std::this_thread::sleep_for(1ms);
        }
        if (run.Output().find("repetition 1/") != std::string::npos) {
          return ::testing::AssertionFailure() << "staging completed before the signal";
        }
        return ::testing::AssertionSuccess();
      }
      case Phase::kRepetitions:
        if (!run.WaitForOutput("repetition 1/", 180s)) {
          return ::testing::AssertionFailure() << "no repetition line";
        }
        return ::testing::AssertionSuccess();
      case Phase::kWritingResults:
        if (!run.WaitForOutput("feedbench: test hold at write-results", 180s)) {
          return ::testing::AssertionFailure() << "never reached the write of the results";
        }
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure();
  }

  void ExpectOldFilesIntact() {
    for (const auto& [path, text] : old_) {
      EXPECT_EQ(ReadWholeFile(path), text) << path << " changed";
    }
  }

  void RunCase(Phase phase, int signal) {
    const bool writing = phase == Phase::kWritingResults;
    // Writing results: held at the test-only hold point; --quiet, which must still say why it
    // stopped. The other phases are found by their progress lines.
    BackgroundFeedbench first(
        root_, RunArgs(writing ? "fast.json" : "slow.json", results_ / "old.json", writing),
        logs_->path() / "first.log",
        writing ? std::vector<std::string>{"FEEDBENCH_TEST_HOLD=write-results"}
                : std::vector<std::string>{});
    ASSERT_TRUE(ReachPhase(first, phase)) << first.Output();
    first.Signal(signal);
    const int status = first.Wait(120s);
    const std::string output = first.Output();
    SCOPED_TRACE("first run:\n" + output);
    ASSERT_EQ(status, 128 + signal);

    if (signal != SIGKILL) {
      const std::string name = signal == SIGINT ? "SIGINT" : "SIGTERM";
      const std::string prefix = "feedbench: interrupted by " + name;
      EXPECT_EQ(output.find(prefix), output.rfind(prefix)) << "more than one line";
      const size_t at = output.find(prefix);
      ASSERT_NE(at, std::string::npos);
      const std::string line = output.substr(at, output.find('\n', at) - at);
      switch (phase) {
        case Phase::kGeneration:
          EXPECT_NE(line.find("while preparing the datasets"), std::string::npos) << line;
          EXPECT_NE(line.find("removed the partial files dataset"), std::string::npos) << line;
          EXPECT_FALSE(fs::exists(data_)) << "the data directory this run made stays";
          break;
        case Phase::kStaging:
          EXPECT_NE(line.find("while preparing the datasets"), std::string::npos) << line;
          EXPECT_NE(line.find("tmpfs staging"), std::string::npos) << line;
          break;
        case Phase::kRepetitions:
          EXPECT_NE(line.find("during the repetitions; the running repetition was stopped"),
                    std::string::npos)
              << line;
          EXPECT_NE(line.find("removed the tmpfs staging"), std::string::npos) << line;
          EXPECT_NE(line.find("no results written"), std::string::npos) << line;
          break;
        case Phase::kWritingResults:
          EXPECT_NE(line.find("while writing the results; nothing written"), std::string::npos)
              << line;
          break;
      }
      // Interrupted, not killed: it removed what it made before it exited.
      EXPECT_TRUE(Stagings(tmpfs_->path()).empty());
      EXPECT_TRUE(Names(data_).empty() || Names(data_) == std::set<std::string>{kDataDirMarker})
          << "left in the data directory: " << ::testing::PrintToString(Names(data_));
    }
    // Nothing written as if it were a result, and no temporary file left.
    EXPECT_EQ(Names(results_),
              (std::set<std::string>{"old.json", "old.timeline.json", "baseline.json"}));
    ExpectOldFilesIntact();
    const std::vector<fs::path> stale = Stagings(tmpfs_->path());
    if (signal == SIGKILL && phase == Phase::kStaging) {
      EXPECT_FALSE(stale.empty()) << "SIGKILL in staging left no staging: nothing to reclaim";
    }

    // The second run, to completion, with its results in a new file.
    BackgroundFeedbench second(root_, RunArgs("fast.json", results_ / "new.json", false),
                               logs_->path() / "second.log");
    const int second_status = second.Wait(300s);
    const std::string second_output = second.Output();
    SCOPED_TRACE("second run:\n" + second_output);
    EXPECT_EQ(second_status, 0);
    for (const fs::path& dir : stale) {
      EXPECT_NE(second_output.find("reclaimed stale tmpfs staging " + dir.string()),
                std::string::npos);
      EXPECT_FALSE(fs::exists(dir));
    }
    EXPECT_TRUE(Stagings(tmpfs_->path()).empty());
    EXPECT_FALSE(fs::exists(DefaultDatasetDir(data_, spec_, Layout::kFiles)))
        << "a dataset (partial or not) outlived the second run";
    EXPECT_EQ(Names(results_),
              (std::set<std::string>{"old.json", "old.timeline.json", "baseline.json", "new.json",
                                     "new.timeline.json"}));
    ExpectOldFilesIntact();
  }

  std::optional<LoopExt4> loop_;
  std::optional<TempDir> tmpfs_;
  std::optional<TempDir> logs_;
  fs::path root_, data_, results_;
  DatasetSpec spec_;
  std::map<fs::path, std::string> old_;
};

TEST_F(KillMatrixTest, SigintDuringGeneration) { RunCase(Phase::kGeneration, SIGINT); }
TEST_F(KillMatrixTest, SigtermDuringGeneration) { RunCase(Phase::kGeneration, SIGTERM); }
TEST_F(KillMatrixTest, SigkillDuringGeneration) { RunCase(Phase::kGeneration, SIGKILL); }
TEST_F(KillMatrixTest, SigintDuringStaging) { RunCase(Phase::kStaging, SIGINT); }
TEST_F(KillMatrixTest, SigtermDuringStaging) { RunCase(Phase::kStaging, SIGTERM); }
TEST_F(KillMatrixTest, SigkillDuringStaging) { RunCase(Phase::kStaging, SIGKILL); }
TEST_F(KillMatrixTest, SigintDuringRepetitions) { RunCase(Phase::kRepetitions, SIGINT); }
TEST_F(KillMatrixTest, SigtermDuringRepetitions) { RunCase(Phase::kRepetitions, SIGTERM); }
TEST_F(KillMatrixTest, SigkillDuringRepetitions) { RunCase(Phase::kRepetitions, SIGKILL); }
TEST_F(KillMatrixTest, SigintWhileWritingResults) { RunCase(Phase::kWritingResults, SIGINT); }
TEST_F(KillMatrixTest, SigtermWhileWritingResults) { RunCase(Phase::kWritingResults, SIGTERM); }
TEST_F(KillMatrixTest, SigkillWhileWritingResults) { RunCase(Phase::kWritingResults, SIGKILL); }

}  // namespace
}  // namespace feedbench
