// `feedbench run` end to end: real datasets on this machine's disk, results Google Benchmark reads.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/base/atomic_file.h"
#include "harness/base/statistics.h"
#include "harness/base/json_non_finite.h"
#include "harness/results/gbench_adapter.h"
#include "harness/results/results.h"
#include "harness/results/results_reader.h"
#include "harness/suite/suite.h"
#include "tests/support/background_feedbench.h"
#include "tests/support/loop_ext4.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::BackgroundFeedbench;
using testing::RunCommand;
using testing::ShellQuote;

// The raw results document (Google Benchmark JSON), checked to be a feedbench results file.
json LoadResults(const fs::path& path) {
  const ResultsFile parsed = ReadResultsFile(path);
  EXPECT_EQ(parsed.schema_version, kResultsSchemaVersion);
  return json::parse(NonFiniteToNull(ReadWholeFile(path)));
}

class RunCommandTest : public ::testing::Test {
 protected:
  fs::path WriteSuite(const std::string& name, const json& suite) {
    const fs::path p = dir_ / (name + ".json");
    std::ofstream(p) << suite.dump(2);
    return p;
  }

  static json TinySuite() {
    return json::parse(R"({
      "schema_version": 1,
      "name": "tiny",
      "description": "test suite",
      "dataset": {"samples": 300, "sizes": {"distribution": "uniform", "min_bytes": "4KiB", "max_bytes": "64KiB"}, "seed": 5, "files_per_dir": 100},
      "defaults": {"repetitions": 3, "workers": 2, "batch_size": 16, "prefetch": 2},
      "workloads": [
        {"name": "files-random", "layout": "files", "order": "random"},
        {"name": "lmdb-sequential", "layout": "lmdb", "order": "sequential"},
        {"name": "tmpfs-random", "layout": "tmpfs", "order": "random", "workers": 1}
      ]
    })");
  }

  testing::CommandResult Feedbench(const std::string& args) {
    return RunCommand("cd " + ShellQuote(dir_.string()) + " && " + FEEDBENCH_BINARY + " " + args);
  }

  testing::TempDir tmp_;  // under /var/tmp, removed with its contents
  const fs::path dir_ = tmp_.path();
};

TEST_F(RunCommandTest, TinySuiteWritesGoogleBenchmarkJsonWhoseCountersAgreeWithTheEngine) {
  const fs::path suite = WriteSuite("tiny", TinySuite());
  const fs::path out = dir_ / "a.json";
  const auto r = Feedbench("run --suite " + suite.string() + " --data-dir " +
                           (dir_ / "data").string() + " --out " + out.string() + " --keep-data");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json results = LoadResults(out);
  const json& fb = results["context"]["feedbench"];
  EXPECT_EQ(fb["suite"], "tiny");
  EXPECT_EQ(fb["dataset_hash"].get<std::string>().size(), 16u);
  EXPECT_TRUE(fb["machine"].contains("kernel_release"));
  EXPECT_TRUE(fs::exists(TimelinePathFor(out)));
  const double total_bytes = fb["dataset_total_bytes"].get<double>();

  // A repetition other work on the node disturbed is kept, marked, and run again (at most as
  // many extra times as the workload has repetitions): a busy node changes how many entries there
  // are, never what a valid one says.
  std::map<std::string, int> valid, disturbed;
  for (const auto& b : results["benchmarks"]) {
    if (b["run_type"] != "iteration") continue;
    SCOPED_TRACE(b.dump());
    if (b.value("error_occurred", false)) {
      ASSERT_EQ(b.value("error_message", "").rfind("disturbed: ", 0), 0u);
      ++disturbed[WorkloadNameOf(b)];
      continue;
    }
    ++valid[WorkloadNameOf(b)];
    const double wall_sec = b["real_time"].get<double>() / 1000.0;  // ms
    // Every sample once per epoch: counts are exact, rates are counts over the manual time.
    EXPECT_EQ(b["samples"].get<double>(), 300);
    EXPECT_EQ(b["bytes"].get<double>(), total_bytes);
    EXPECT_NEAR(b["samples_per_second"].get<double>(), 300 / wall_sec,
                1e-6 * b["samples_per_second"].get<double>());
    EXPECT_NEAR(b["bytes_per_second"].get<double>(), total_bytes / wall_sec,
                1e-6 * b["bytes_per_second"].get<double>());
    EXPECT_LE(b["lat_p50_us"].get<double>(), b["lat_p99_us"].get<double>());
    const std::string name = WorkloadNameOf(b);
    if (name == "tmpfs-random") {
      EXPECT_FALSE(b.contains("device_read_ratio"));  // no device behind tmpfs
    } else {
      EXPECT_NEAR(b["device_read_ratio"].get<double>(),
                  b["device_read_bytes"].get<double>() / total_bytes, 1e-9);
      EXPECT_GE(b["device_read_ratio"].get<double>(), 0.5);  // cold
    }
  }
  for (const std::string name : {"files-random", "lmdb-sequential", "tmpfs-random"}) {
    // Three valid ones, or fewer once the rerun budget (three more) is spent.
    EXPECT_TRUE(valid[name] == 3 || valid[name] + disturbed[name] == 6)
        << name << ": " << valid[name] << " valid, " << disturbed[name] << " disturbed";
    EXPECT_LE(valid[name], 3) << name;
    EXPECT_LE(valid[name] + disturbed[name], 6) << name;
  }

  // Aggregates match a recomputation from the per-repetition entries.
  for (const auto& s : SummarizeResults(ParseResults(results, out.string()))) {
    for (const auto& b : results["benchmarks"]) {
      if (b["run_type"] != "aggregate" || WorkloadNameOf(b) != s.name) continue;
      if (b["aggregate_name"] == "median") {
        EXPECT_NEAR(b["samples_per_second"].get<double>(), s.median.at("samples_per_second"),
                    1e-9 * s.median.at("samples_per_second"));
      }
    }
  }

  // A second run reuses the kept dataset, and compare.py reads the pair.
  const fs::path out2 = dir_ / "b.json";
  const auto r2 = Feedbench("run --suite " + suite.string() + " --data-dir " +
                            (dir_ / "data").string() + " --out " + out2.string());
  ASSERT_EQ(r2.exit_code, 0) << r2.output;
  const json second = LoadResults(out2);
  for (const auto& d : second["context"]["feedbench"]["datasets"]) EXPECT_TRUE(d["reused"]);
  const auto cmp = RunCommand("/usr/bin/python3 /usr/share/benchmark/compare.py benchmarks " +
                              out.string() + " " + out2.string());
  EXPECT_EQ(cmp.exit_code, 0) << cmp.output;
  // compare.py pairs entries by name, and only timed (valid) ones. On a busy node a workload's
  // reruns change its name (".../repeats:4/...") or leave it no valid entry in one of the runs;
  // then there is no pair to show.
  auto valid_name = [](const json& doc, const std::string& name) {
    for (const auto& b : doc["benchmarks"]) {
      if (b["run_type"] == "iteration" && WorkloadNameOf(b) == name &&
          !b.value("error_occurred", false)) {
        return b["name"].get<std::string>();
      }
    }
    return std::string();
  };
  for (const std::string name : {"files-random", "lmdb-sequential"}) {
    const std::string in_first = valid_name(results, name);
    if (in_first.empty() || in_first != valid_name(second, name)) continue;
    EXPECT_NE(cmp.output.find(name), std::string::npos) << cmp.output;
  }
  // Without --keep-data the datasets are removed afterwards; the marked directory stays.
  for (const auto& e : fs::directory_iterator(dir_ / "data")) {
    EXPECT_EQ(e.path().filename(), ".feedbench-data-dir");
  }
}

TEST_F(RunCommandTest, NoArgumentsRunsTheSmokeSuiteToAResultsFile) {
  fs::create_directory(dir_ / "results");
  const auto r =
      RunCommand("cd " + ShellQuote(dir_.string()) + " && TMPDIR=" + ShellQuote(dir_.string()) +
                 " " + FEEDBENCH_BINARY + " run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "results")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("smoke-", 0) == 0 && name.find(".timeline.") == std::string::npos) {
      ++files;
      EXPECT_EQ(LoadResults(e.path())["context"]["feedbench"]["suite"], "smoke");
    }
  }
  EXPECT_EQ(files, 1);
  EXPECT_NE(r.output.find("files-random"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("samples/s"), std::string::npos) << r.output;
}

// The probe before each cold repetition on a device: its figures in the repetition's counters,
// what it ran (or why not) in the workload's context.
TEST_F(RunCommandTest, EachColdRepetitionOnADeviceHasItsProbe) {
  if (RunCommand("command -v fio").exit_code != 0) GTEST_SKIP() << "fio is not installed";
  const fs::path suite = WriteSuite("tiny", TinySuite());
  const fs::path out = dir_ / "p.json";
  const auto r = Feedbench("run --suite " + suite.string() + " --data-dir " +
                           (dir_ / "data").string() + " --out " + out.string() +
                           " --repetitions 2 --probe on --probe-seconds 0.5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json results = LoadResults(out);
  // A busy node's disturbed repetitions are kept and run again, each with its own probe: every
  // repetition entry of a reader on a device counts, however many there are.
  std::map<std::string, int> probed, repetitions;
  for (const auto& b : results["benchmarks"]) {
    if (b.value("run_type", "") != "iteration") continue;
    const std::string name = b["run_name"].get<std::string>().substr(0, b["run_name"].get<std::string>().find('/'));
    ++repetitions[name];
    if (b.contains("probe_bytes_per_second")) {
      ++probed[name];
      EXPECT_GT(b["probe_bytes_per_second"].get<double>(), 0);
      EXPECT_NEAR(b["probe_efficiency_pct"].get<double>(),
                  100 * b["bytes_per_second"].get<double>() /
                      b["probe_bytes_per_second"].get<double>(),
                  1e-6);
    }
  }
  for (const std::string name : {"files-random", "lmdb-sequential"}) {
    EXPECT_GE(repetitions[name], 2) << name;
    EXPECT_EQ(probed[name], repetitions[name]) << name;
  }
  EXPECT_EQ(probed.count("tmpfs-random"), 0u);
  for (const auto& w : results["context"]["feedbench"]["workloads"]) {
    SCOPED_TRACE(w.dump());
    if (w["layout"] == "tmpfs") {
      EXPECT_FALSE(w["probe"]["ran"].get<bool>());
      EXPECT_NE(w["probe"]["skipped"].get<std::string>().find("tmpfs"), std::string::npos);
    } else {
      EXPECT_TRUE(w["probe"]["ran"].get<bool>());
      EXPECT_NE(w["probe"]["job"].get<std::string>().find("fio"), std::string::npos);
    }
  }
}

// The warm control after each cold repetition on a device: the same samples read again from the
// page cache, its rate and the cold share of it in the repetition's counters; none for tmpfs,
// none with --warm-control off.
TEST_F(RunCommandTest, EachColdRepetitionOnADeviceHasItsWarmControl) {
  const fs::path suite = WriteSuite("tiny", TinySuite());
  const fs::path out = dir_ / "w.json";
  auto r = Feedbench("run --suite " + suite.string() + " --data-dir " + (dir_ / "data").string() +
                     " --out " + out.string() + " --repetitions 2 --probe off --keep-data");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json results = LoadResults(out);
  std::map<std::string, int> controlled, repetitions;
  for (const auto& b : results["benchmarks"]) {
    if (b.value("run_type", "") != "iteration") continue;
    const std::string run_name = b["run_name"].get<std::string>();
    const std::string name = run_name.substr(0, run_name.find('/'));
    ++repetitions[name];
    if (!b.contains("warm_samples_per_second")) continue;
    ++controlled[name];
    EXPECT_GT(b["warm_samples_per_second"].get<double>(), 0);
    EXPECT_NEAR(b["warm_efficiency_pct"].get<double>(),
                100 * b["samples_per_second"].get<double>() /
                    b["warm_samples_per_second"].get<double>(),
                1e-6);
  }
  for (const std::string name : {"files-random", "lmdb-sequential"}) {
    EXPECT_GE(repetitions[name], 2) << name;
    EXPECT_EQ(controlled[name], repetitions[name]) << name;
  }
  EXPECT_EQ(controlled.count("tmpfs-random"), 0u);
  for (const auto& w : results["context"]["feedbench"]["workloads"]) {
    SCOPED_TRACE(w.dump());
    if (w["layout"] == "tmpfs") {
      EXPECT_FALSE(w["warm_control"]["ran"].get<bool>());
      EXPECT_NE(w["warm_control"]["skipped"].get<std::string>().find("tmpfs"), std::string::npos);
    } else {
      EXPECT_TRUE(w["warm_control"]["ran"].get<bool>());
    }
  }

  const fs::path off = dir_ / "off.json";
  r = Feedbench("run --suite " + suite.string() + " --data-dir " + (dir_ / "data").string() +
                " --out " + off.string() + " --repetitions 1 --probe off --warm-control off");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json without = LoadResults(off);
  for (const auto& b : without["benchmarks"]) {
    EXPECT_FALSE(b.contains("warm_samples_per_second")) << b.dump();
    EXPECT_FALSE(b.contains("warm_efficiency_pct")) << b.dump();
  }
}

// No fio: `--probe auto` runs on without it and says so; `--probe on` is an environment error.
TEST_F(RunCommandTest, WithoutFioTheRunGoesOnUnlessTheProbeWasAskedFor) {
  const fs::path suite = WriteSuite("tiny", TinySuite());
  fs::create_directory(dir_ / "empty-path");
  const std::string no_fio = "PATH=" + (dir_ / "empty-path").string() + " ";
  const fs::path out = dir_ / "nofio.json";
  auto r = RunCommand("cd " + ShellQuote(dir_.string()) + " && " + no_fio + FEEDBENCH_BINARY +
                      " run --suite " + suite.string() + " --data-dir " + (dir_ / "data").string() +
                      " --out " + out.string() + " --repetitions 1 --filter files");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("repetitions run without a probe"), std::string::npos) << r.output;
  const json results = LoadResults(out);
  const json& probe = results["context"]["feedbench"]["workloads"][0]["probe"];
  EXPECT_FALSE(probe["ran"].get<bool>());
  EXPECT_NE(probe["skipped"].get<std::string>().find("fio"), std::string::npos);
  for (const auto& b : results["benchmarks"]) EXPECT_FALSE(b.contains("probe_bytes_per_second"));

  r = RunCommand("cd " + ShellQuote(dir_.string()) + " && " + no_fio + FEEDBENCH_BINARY +
                 " run --suite " + suite.string() + " --data-dir " + (dir_ / "data2").string() +
                 " --out " + (dir_ / "on.json").string() + " --repetitions 1 --probe on");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("--probe on"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "on.json"));
}

TEST_F(RunCommandTest, BadInputExitsTwoWithAClearMessage) {
  const fs::path suite = WriteSuite("tiny", TinySuite());
  const std::string data = " --data-dir " + (dir_ / "data").string();
  struct Case {
    std::string args, expected;
  };
  json unknown_key = TinySuite();
  unknown_key["workloads"][0]["threads"] = 4;
  json wrong_type = TinySuite();
  wrong_type["defaults"]["workers"] = "2";
  json negative = TinySuite();
  negative["defaults"]["repetitions"] = -3;
  std::ofstream(dir_ / "notjson.json") << "not json at all";
  fs::create_directory(dir_ / "foreign");
  std::ofstream(dir_ / "foreign" / "precious.txt") << "keep me";
  const std::vector<Case> cases{
      {"run --suite no-such-suite", "smoke"},
      {"run --suite " + (dir_ / "notjson.json").string() + data, "not valid JSON"},
      {"run --suite " + WriteSuite("k", unknown_key).string() + data, "workloads[0].threads"},
      {"run --suite " + WriteSuite("t", wrong_type).string() + data, "defaults.workers"},
      {"run --suite " + WriteSuite("n", negative).string() + data, "defaults.repetitions"},
      {"run --suite " + suite.string() + " --repetitions 0" + data, "--repetitions"},
      {"run --suite " + suite.string() + " --filter '[unclosed'" + data, "--filter"},
      {"run --suite " + suite.string() + " --filter nothing-matches" + data, "matches no workload"},
      {"run --suite " + suite.string() + " --out /nonexistent/dir/r.json" + data, "--out"},
      {"run --suite " + suite.string() + " --data-dir " + (dir_ / "foreign").string(),
       "somebody else"},
      {"run --suite " + suite.string() + " --interval-ms 0" + data, "--interval-ms"},
      {"run --suite " + suite.string() + " --cache tepid" + data, "--cache"},
      {"run --suite " + suite.string() + " --probe sometimes" + data, "--probe sometimes"},
      {"run --suite " + suite.string() + " --probe-seconds 0" + data, "--probe-seconds 0"},
      {"run --suite " + suite.string() + " --probe-seconds 61" + data, "--probe-seconds 61"},
      {"run --suite " + suite.string() + " --schedule shuffled" + data, "--schedule shuffled"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const auto r = Feedbench(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << r.output;
  }
  EXPECT_TRUE(fs::exists(dir_ / "foreign" / "precious.txt"));
  EXPECT_FALSE(fs::exists(dir_ / "data"));  // rejected before anything was written
}

// Where the results and the tmpfs staging go is checked before anything is generated: a run that
// could not write its results, or stage its tmpfs layout, is refused at once, nothing made.
TEST_F(RunCommandTest, TheTmpfsDirAndTheResultsDirAreCheckedBeforeGenerating) {
  const fs::path suite = WriteSuite("tiny", TinySuite());
  const fs::path data = dir_ / "data";
  std::ofstream(dir_ / "a-file") << "not a directory";
  struct Case {
    std::string args, expected;
  };
  const std::vector<Case> cases{
      {" --tmpfs-dir " + (dir_ / "no-such-dir").string(), "--tmpfs-dir"},
      {" --tmpfs-dir " + (dir_ / "a-file").string(), "--tmpfs-dir"},
      {" --out " + (dir_ / "a" / "b" / "r.json").string(), "--out"},
      {" --out " + (dir_ / "a-file" / "r.json").string(), "--out"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const auto r = Feedbench("run --suite " + suite.string() + " --data-dir " + data.string() +
                             " --repetitions 1" + c.args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_THAT(r.output, ::testing::HasSubstr(c.expected));
    EXPECT_THAT(r.output, ::testing::Not(::testing::HasSubstr("feedbench: dataset")));
    EXPECT_FALSE(fs::exists(data));
    EXPECT_FALSE(fs::exists(dir_ / "a"));
  }
}

// A full results disk is refused before the run (exit 3, no space), not after its measurements.
TEST_F(RunCommandTest, AFullResultsDiskIsRefusedBeforeTheRunWithExitThree) {
  if (const auto why = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  testing::LoopExt4 loop(8);
  [[maybe_unused]] const int dd = std::system(
      ("dd if=/dev/zero of=" + (loop.mount_point() / "fill").string() +
       " bs=1M >/dev/null 2>&1; sync")
          .c_str());
  const fs::path suite = WriteSuite("tiny", TinySuite());
  const fs::path data = dir_ / "data";
  const fs::path out = loop.mount_point() / "r.json";
  const auto r = Feedbench("run --suite " + suite.string() + " --data-dir " + data.string() +
                           " --repetitions 1 --out " + out.string());
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("--out " + out.string() + ": no space left"));
  EXPECT_FALSE(fs::exists(data));
  EXPECT_FALSE(fs::exists(out));
}

// One policy for every output path: its last folder may be new (made when the file is written,
// if its parent exists), as `baseline record --to baselines/<new profile>/x.json` does.
TEST_F(RunCommandTest, OutMayNameANewFolderAsBaselineRecordToDoes) {
  json one = TinySuite();
  one["workloads"] = json::array({TinySuite()["workloads"][0]});
  const fs::path suite = WriteSuite("one", one);
  const fs::path out = dir_ / "new-folder" / "r.json";
  const auto r = Feedbench("run --quiet --suite " + suite.string() + " --cache warm --data-dir " +
                           (dir_ / "data").string() + " --repetitions 1 --probe off --out " +
                           out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(out));
  EXPECT_TRUE(fs::exists(TimelinePathFor(out)));
  const auto to = dir_ / "baselines" / "node-a" / "one.json";
  fs::create_directory(dir_ / "baselines");
  const auto b = Feedbench("baseline record " + out.string() + " --to " + to.string());
  EXPECT_EQ(b.exit_code, 0) << b.output;
  EXPECT_TRUE(fs::exists(to));
}

// --export writes what dashboards read: the Bencher Metric Format and github-action-benchmark's
// two files, from the same run as the results file, each counter's median agreeing with it.
TEST_F(RunCommandTest, ExportWritesBencherAndGithubActionBenchmarkFilesOfTheRun) {
  json one = TinySuite();
  one["workloads"] = json::array({TinySuite()["workloads"][0]});
  const fs::path suite = WriteSuite("one", one);
  const fs::path out = dir_ / "r.json";
  const auto r = Feedbench("run --quiet --suite " + suite.string() + " --cache warm --data-dir " +
                           (dir_ / "data").string() + " --repetitions 3 --probe off --out " +
                           out.string() + " --export bmf:" + (dir_ / "r.bmf.json").string() +
                           " --export gab:" + (dir_ / "dash" / "perf.json").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const ResultsFile results = ReadResultsFile(out);
  const double median = stats::Median(results.workloads.at(0).Values("samples_per_second"));
  const json bmf = json::parse(ReadWholeFile(dir_ / "r.bmf.json"));
  ASSERT_TRUE(bmf.contains("tiny/files-random")) << bmf.dump();  // the suite's own name
  EXPECT_DOUBLE_EQ(bmf["tiny/files-random"]["samples_per_second"]["value"].get<double>(), median);
  EXPECT_TRUE(bmf["tiny/files-random"].contains("r_await_ms"));
  const json bigger = json::parse(ReadWholeFile(dir_ / "dash" / "perf.json"));
  const json smaller = json::parse(ReadWholeFile(dir_ / "dash" / "perf.smaller.json"));
  ASSERT_TRUE(bigger.is_array());
  ASSERT_TRUE(smaller.is_array());
  bool found = false;
  for (const json& e : bigger) {
    if (e["name"] == "tiny/files-random samples_per_second") {
      found = true;
      EXPECT_DOUBLE_EQ(e["value"].get<double>(), median);
    }
  }
  EXPECT_TRUE(found) << bigger.dump();
  for (const json& e : smaller) {
    EXPECT_NE(e["name"].get<std::string>().find("tiny/files-random "), std::string::npos);
  }
}

// A bad --export is refused before anything runs: no dataset, no results.
TEST_F(RunCommandTest, ABadExportIsRefusedBeforeTheRun) {
  const fs::path suite = WriteSuite("tiny", TinySuite());
  for (const auto& [value, expected] : std::vector<std::pair<std::string, std::string>>{
           {"csv:r.csv", "unknown format 'csv'"},
           {"r.json", "expected KIND:FILE"},
           {"bmf:" + (dir_ / "a" / "b" / "r.json").string(), "--export"}}) {
    const auto r = Feedbench("run --suite " + suite.string() + " --data-dir " +
                             (dir_ / "data").string() + " --export " + value);
    EXPECT_EQ(r.exit_code, 2) << value << "\n" << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir_ / "data")) << value;
  }
}

// A run refused after it made its data directory (here: no space for the dataset, exit 3)
// removes the directory and the parents it made for it.
TEST_F(RunCommandTest, ARefusalAfterTheDataDirWasMadeLeavesNoDirectoryBehind) {
  json huge = TinySuite();
  huge["dataset"]["samples"] = 1048576;
  huge["dataset"]["sizes"] = json::parse(R"({"distribution": "fixed", "bytes": "1GiB"})");
  huge["workloads"] = json::array({TinySuite()["workloads"][0]});
  const fs::path suite = WriteSuite("huge", huge);
  const fs::path parent = dir_ / "made";
  const auto r = Feedbench("run --suite " + suite.string() + " --data-dir " +
                           (parent / "data").string() + " --repetitions 1 --out " +
                           (dir_ / "r.json").string());
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("not enough free space"));
  EXPECT_FALSE(fs::exists(parent)) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "r.json"));
}

TEST_F(RunCommandTest, AColdRunWithItsDataDirOnTmpfsIsRefusedAndLeavesNothing) {
  struct statfs shm_fs {};
  if (::statfs("/dev/shm", &shm_fs) != 0 || shm_fs.f_type != TMPFS_MAGIC) {
    GTEST_SKIP() << "/dev/shm is not a tmpfs here";
  }
  testing::TempDir shm("/dev/shm");
  const fs::path data = shm.path() / "data";
  const fs::path suite = WriteSuite("tiny", TinySuite());
  const std::vector<std::string> commands{
      "run --suite " + suite.string(),
      "run --suite " + suite.string() + " --filter lmdb-sequential",
      "run --suite " + suite.string() + " --filter files-random --cache cold",
      "qualify",
  };
  for (const auto& command : commands) {
    SCOPED_TRACE(command);
    const auto r = Feedbench(command + " --data-dir " + data.string() + " --out " +
                             (dir_ / "r.json").string());
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--data-dir " + data.string() + ": on tmpfs"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("cold repetitions on tmpfs read memory"), std::string::npos);
    EXPECT_NE(r.output.find("use --cache warm"), std::string::npos);
    EXPECT_FALSE(fs::exists(data));  // no directory, so no marker making it feedbench's
    EXPECT_TRUE(fs::is_empty(shm.path()));
    EXPECT_FALSE(fs::exists(dir_ / "r.json"));
  }
}

// ---- Interrupted generation ----

// A suite whose datasets take seconds to generate: 40000 files of 4 KiB (160 MiB per layout), read
// warm (no cache drops, no probe: nothing but generation matters here).
json SlowGenerationSuite(bool with_lmdb) {
  json suite = json::parse(R"({
    "schema_version": 1,
    "name": "slow-generation",
    "description": "a dataset that takes seconds to generate",
    "dataset": {"samples": 40000, "sizes": {"distribution": "fixed", "bytes": "4KiB"}, "seed": 3, "files_per_dir": 1000},
    "defaults": {"repetitions": 1, "cache": "warm", "workers": 1},
    "workloads": [{"name": "files-random", "layout": "files", "order": "random"}]
  })");
  if (with_lmdb) {
    suite["workloads"].push_back(
        {{"name", "lmdb-random"}, {"layout", "lmdb"}, {"order", "random"}});
  }
  return suite;
}

// Polls until generation of the dataset in `dir` is under way: its manifest written and its data
// directory (`entry`: "data" or "lmdb") made. False when feedbench ended or 120 s went by first.
bool WaitForGeneration(BackgroundFeedbench& run, const fs::path& dir, const char* entry) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::error_code ec;
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(dir / kManifestName, ec) && fs::exists(dir / entry, ec)) return true;
    if (run.Ended()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// Starts `run` on the slow suite, signals it once the generation of `layout` is under way, and
// checks that it exits 128 + signal saying it was interrupted, with no partial dataset left.
// Returns the output.
std::string InterruptGeneration(const fs::path& dir, int signal, Layout layout, bool with_lmdb,
                                const std::vector<std::string>& extra_args) {
  const fs::path suite_path = dir / "slow.json";
  std::ofstream(suite_path) << SlowGenerationSuite(with_lmdb).dump(2);
  const Suite suite = LoadSuite(suite_path.string());
  const fs::path data = dir / "data";
  const fs::path dataset = DefaultDatasetDir(data, suite.spec, layout);
  std::vector<std::string> args{"run",         "--suite", suite_path.string(),       "--data-dir",
                                data.string(), "--out",   (dir / "r.json").string(), "--probe",
                                "off"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  BackgroundFeedbench run(dir, args, dir / "run.log");
  if (!WaitForGeneration(run, dataset, layout == Layout::kLmdb ? "lmdb" : "data")) {
    ADD_FAILURE() << "generation of " << dataset << " never seen under way:\n" << run.Output();
    return run.Output();
  }
  // The precondition: what the signal interrupts is a partial dataset.
  const std::optional<Manifest> manifest = ReadManifest(dataset);
  EXPECT_TRUE(manifest && !manifest->complete) << "generation completed before the signal";
  run.Signal(signal);
  const int status = run.Wait(std::chrono::seconds(120));
  const std::string output = run.Output();
  EXPECT_EQ(status, 128 + signal) << output;
  const std::string name = signal == SIGINT ? "SIGINT" : "SIGTERM";
  EXPECT_NE(output.find("feedbench: interrupted by " + name + " while preparing the datasets"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("removed the partial " + std::string(LayoutName(layout)) + " dataset " +
                        dataset.string()),
            std::string::npos)
      << output;
  EXPECT_FALSE(fs::exists(dataset)) << output;
  EXPECT_FALSE(fs::exists(dir / "r.json"));
  return output;
}

TEST_F(RunCommandTest, SigintDuringGenerationRemovesThePartialDatasetAndTheDataDirAndExits130) {
  const std::string output = InterruptGeneration(dir_, SIGINT, Layout::kFiles, false, {});
  EXPECT_NE(output.find("removed the data directory " + (dir_ / "data").string() +
                        " (made by this run, left empty)"),
            std::string::npos)
      << output;
  EXPECT_FALSE(fs::exists(dir_ / "data"));
}

TEST_F(RunCommandTest, SigtermDuringGenerationWithKeepDataStillRemovesThePartialDatasetExits143) {
  const std::string output =
      InterruptGeneration(dir_, SIGTERM, Layout::kFiles, false, {"--keep-data"});
  EXPECT_FALSE(fs::exists(dir_ / "data")) << output;
}

TEST_F(RunCommandTest, InterruptedWithKeepDataKeepsTheDatasetWhoseGenerationCompleted) {
  const std::string output =
      InterruptGeneration(dir_, SIGINT, Layout::kLmdb, true, {"--keep-data"});
  const Suite suite = LoadSuite((dir_ / "slow.json").string());
  const fs::path files = DefaultDatasetDir(dir_ / "data", suite.spec, Layout::kFiles);
  EXPECT_NE(output.find("kept the files dataset " + files.string() + " (--keep-data)"),
            std::string::npos)
      << output;
  const std::optional<Manifest> kept = ReadManifest(files);
  ASSERT_TRUE(kept) << output;
  EXPECT_TRUE(kept->complete);
  EXPECT_TRUE(fs::exists(dir_ / "data"));
}

}  // namespace
}  // namespace feedbench
