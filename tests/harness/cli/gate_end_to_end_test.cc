// The regression gate on a real device: a baseline recorded unthrottled, a run with the loop
// device's read bandwidth throttled through a blkio cgroup must fail compare (exit 1, naming the
// workload), and a run after the throttle is gone must not fail; a workload that vanished from
// the suite must fail the gate too, unless left out on purpose with --filter; a baseline of one
// run gates as INCONCLUSIVE (exit 4). Root only. And, on the hand-made fixtures (no device, no
// root): a non-finite figure in either input is bad input, so it can neither pass the gate nor
// reach a baseline.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "harness/base/statistics.h"
#include "harness/results/results_reader.h"
#include "tests/support/blkio_throttle.h"
#include "tests/support/gate_fixtures.h"
#include "tests/support/loop_ext4.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::BlkioThrottle;
using testing::GateFixture;
using testing::LoopExt4;
using testing::ReadJson;
using testing::ReadText;
using testing::RepetitionCounters;
using testing::RunCommand;
using testing::ShellQuote;
using testing::TempDir;
using testing::WithValuesWrittenAs;

// Whether `text` (a command's output or a results file) names repetitions disturbed by the rest
// of the node: other processes' CPU time or the hypervisor's steal.
bool NodeTooBusy(const std::string& text) {
  return text.find("other processes ran") != std::string::npos ||
         text.find("CPU steal") != std::string::npos;
}

TEST(GateEndToEnd, ThrottledLoopDeviceRegressesAndRecoveryPasses) {
  if (auto why = LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  if (auto why = BlkioThrottle::Unavailable()) GTEST_SKIP() << *why;
  LoopExt4 loop(768);
  const fs::path work = loop.mount_point() / "work";
  fs::create_directory(work);
  const fs::path suite = work / "gate.json";
  std::ofstream(suite) << R"({
    "schema_version": 1, "name": "gate-e2e",
    "dataset": {"samples": 2000, "sizes": {"distribution": "fixed", "bytes": "128KiB"}, "seed": 9},
    "defaults": {"repetitions": 5, "workers": 2, "batch_size": 32, "prefetch": 2},
    "workloads": [{"name": "files-random", "layout": "files", "order": "random"}]
  })";
  const std::string bin = FEEDBENCH_BINARY;
  const std::string common = " run --quiet --keep-data --suite " + suite.string() + " --data-dir " +
                             (work / "data").string() + " --out ";
  auto run = [&](const std::string& prefix, const std::string& name) {
    const fs::path out = work / (name + ".json");
    const auto r = RunCommand(prefix + bin + common + out.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return out;
  };

  // The throttle limits bandwidth: the gate is asked about throughput, the figures it moves.
  // (Tail latency on a shared machine is judged by its own noise; see the closing figures.)
  const std::string gated = " --metrics samples_per_second,bytes_per_second";
  const fs::path a = run("", "base-a");
  const fs::path b = run("", "base-b");
  const fs::path c = run("", "base-c");
  const fs::path baseline = work / "baseline.json";
  auto rec = RunCommand(bin + " baseline record " + a.string() + " " + b.string() + " " +
                        c.string() + " --to " + baseline.string());
  // A node busy enough that every repetition was disturbed gives nothing to record (and the gate
  // says so): this test is about a throttled device, not about this node's load.
  if (rec.exit_code == 2 && NodeTooBusy(rec.output)) {
    GTEST_SKIP() << "the node was too busy to measure: " << rec.output;
  }
  ASSERT_EQ(rec.exit_code, 0) << rec.output;

  // Throttle reads to a quarter of what the unthrottled runs reached.
  const auto values = ReadResultsFile(c).Find("files-random")->Values("bytes_per_second");
  ASSERT_FALSE(values.empty());
  const double unthrottled_bps = stats::Median(values);
  {
    BlkioThrottle throttle(loop.device());
    throttle.SetReadBps(static_cast<uint64_t>(unthrottled_bps / 4));
    const fs::path slow = run(throttle.ShellPrefix(), "throttled");
    const auto cmp =
        RunCommand(bin + " compare " + baseline.string() + " " + slow.string() + gated);
    if (cmp.exit_code == 4 && NodeTooBusy(ReadText(slow))) {
      GTEST_SKIP() << "the node was too busy to measure the throttled run: " << cmp.output;
    }
    EXPECT_EQ(cmp.exit_code, 1) << cmp.output;
    // The same through `run --compare --confirm`: the regression reproduces, so it still fails.
    const auto confirmed =
        RunCommand(throttle.ShellPrefix() + bin + common + (work / "throttled-2.json").string() +
                   " --compare " + baseline.string() + " --confirm" + gated);
    EXPECT_EQ(confirmed.exit_code, 1) << confirmed.output;
    EXPECT_NE(confirmed.output.find("confirming"), std::string::npos) << confirmed.output;
    EXPECT_NE(cmp.output.find("files-random"), std::string::npos) << cmp.output;
    EXPECT_NE(cmp.output.find("REGRESSED"), std::string::npos) << cmp.output;
  }
  // Without the throttle the gate does not fail. A shared machine can slow one run down;
  // --confirm reruns what looks regressed and fails only when it reproduces, as a nightly job
  // would. It can also be too noisy to judge a row (exit 4): that is allowed here, since this
  // test is about a regression that went away, not about this machine's noise.
  const auto recovered =
      RunCommand(bin + common + (work / "recovered.json").string() + " --compare " +
                 baseline.string() + " --confirm --allow-inconclusive" + gated);
  EXPECT_EQ(recovered.exit_code, 0) << recovered.output;
}

TEST(GateEndToEnd, AWorkloadThatVanishedFailsTheGateUnlessLeftOutOnPurpose) {
  if (auto why = LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  LoopExt4 loop(256);
  const fs::path work = loop.mount_point() / "work";
  fs::create_directory(work);
  // The same suite and dataset, before and after one workload was removed from it.
  const std::string head = R"({
    "schema_version": 1, "name": "gate-vanish",
    "dataset": {"samples": 400, "sizes": {"distribution": "fixed", "bytes": "32KiB"}, "seed": 3},
    "defaults": {"repetitions": 3, "workers": 2, "batch_size": 16, "prefetch": 2},
    "workloads": [{"name": "files-random", "layout": "files", "order": "random"})";
  const fs::path both = work / "both.json";
  const fs::path one = work / "one.json";
  std::ofstream(both)
      << head << R"(, {"name": "files-sequential", "layout": "files", "order": "sequential"}]})";
  std::ofstream(one) << head << "]}";
  const std::string bin = FEEDBENCH_BINARY;
  auto run_args = [&](const fs::path& suite, const fs::path& out) {
    return bin + " run --quiet --keep-data --suite " + suite.string() + " --data-dir " +
           (work / "data").string() + " --out " + out.string();
  };
  // 3 against 3 repetitions cannot reach p < 0.01, so the run that remains cannot regress: any
  // failure below comes from the workload that vanished.
  const std::string gated = " --metrics samples_per_second,bytes_per_second";
  const auto base_run = RunCommand(run_args(both, work / "base.json"));
  ASSERT_EQ(base_run.exit_code, 0) << base_run.output;
  const fs::path baseline = work / "baseline.json";
  const auto rec = RunCommand(bin + " baseline record " + (work / "base.json").string() + " --to " +
                              baseline.string());
  ASSERT_EQ(rec.exit_code, 0) << rec.output;

  const fs::path reduced = work / "reduced.json";
  const auto reduced_run =
      RunCommand(run_args(one, reduced) + " --compare " + baseline.string() + gated);
  EXPECT_EQ(reduced_run.exit_code, 1) << reduced_run.output;
  EXPECT_NE(reduced_run.output.find("MISSING files-sequential"), std::string::npos)
      << reduced_run.output;

  const std::string compare = bin + " compare " + baseline.string() + " " + reduced.string();
  const fs::path junit = work / "reduced.junit.xml";
  const auto missing = RunCommand(compare + gated + " --junit " + junit.string());
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("MISSING files-sequential"), std::string::npos) << missing.output;
  std::ifstream junit_in(junit);
  const std::string junit_text((std::istreambuf_iterator<char>(junit_in)), {});
  EXPECT_NE(junit_text.find("<failure type=\"MISSING\""), std::string::npos) << junit_text;

  // Left out on purpose, nothing fails; but a baseline of one run cannot be judged against
  // (no run-to-run noise), so a 3-repetition run gates as INCONCLUSIVE: exit 4, never 0.
  const auto filtered = RunCommand(compare + gated + " --filter random");
  EXPECT_EQ(filtered.exit_code, 4) << filtered.output;
  EXPECT_NE(filtered.output.find("the reference has 1 run(s)"), std::string::npos)
      << filtered.output;
  EXPECT_NE(filtered.output.find("INCONCLUSIVE: judged 0 of 2 rows"), std::string::npos)
      << filtered.output;
  EXPECT_NE(filtered.output.find("left out on purpose by --filter 'random': files-sequential"),
            std::string::npos)
      << filtered.output;

  // The same through run: what its --filter left out is not judged, and --allow-inconclusive
  // (a compare flag run takes too) accepts the rows that could not be.
  const auto filtered_run =
      RunCommand(run_args(both, work / "filtered.json") + " --filter random --compare " +
                 baseline.string() + gated + " --allow-inconclusive");
  EXPECT_EQ(filtered_run.exit_code, 0) << filtered_run.output;
  EXPECT_NE(filtered_run.output.find("INCONCLUSIVE (allowed by --allow-inconclusive)"),
            std::string::npos)
      << filtered_run.output;
  EXPECT_EQ(filtered_run.output.find("MISSING"), std::string::npos) << filtered_run.output;
}

TEST(GateEndToEnd, NonFiniteFiguresAreBadInputNotAPassAndNeverReachABaseline) {
  const TempDir dir(fs::temp_directory_path());
  auto feedbench = [](const std::string& args) {
    return RunCommand(ShellQuote(FEEDBENCH_BINARY) + " " + args);
  };
  const fs::path baseline = dir / "gate.json";
  fs::copy_file(GateFixture("baseline.json"), baseline);
  const std::string baseline_before = ReadText(baseline);
  const nlohmann::json rerun = ReadJson(GateFixture("rerun.json"));
  const std::string gated = " --filter files-random --metrics samples_per_second";
  // The precondition: the fixtures gate files-random's throughput (no NaN involved).
  const auto fine = feedbench("compare " + ShellQuote(baseline.string()) + " " +
                              ShellQuote(GateFixture("rerun.json").string()) + gated);
  ASSERT_EQ(fine.exit_code, 0) << fine.output;

  // Results whose throughput is non-finite in every repetition of files-random.
  const fs::path nan_results = dir / "nan-results.json";
  for (const std::string token : {"NaN", "Infinity", "-Infinity", "null"}) {
    testing::WriteText(
        nan_results,
        WithValuesWrittenAs(rerun, RepetitionCounters(rerun, "files-random", "samples_per_second"),
                            token));
    const auto cmp = feedbench("compare " + ShellQuote(baseline.string()) + " " +
                               ShellQuote(nan_results.string()) + gated);
    EXPECT_EQ(cmp.exit_code, 2) << cmp.output;
    EXPECT_NE(cmp.output.find("results " + nan_results.string() + ": benchmarks["),
              std::string::npos)
        << cmp.output;
    EXPECT_NE(cmp.output.find("(files-random #0): samples_per_second is " + token),
              std::string::npos)
        << cmp.output;
    const auto rec = feedbench("baseline record " + ShellQuote(nan_results.string()) + " --to " +
                               ShellQuote(baseline.string()));
    EXPECT_EQ(rec.exit_code, 2) << rec.output;
    EXPECT_NE(rec.output.find("samples_per_second is " + token), std::string::npos) << rec.output;
    EXPECT_TRUE(ReadText(baseline) == baseline_before) << "the baseline was rewritten";
  }

  // So the baseline still gates throughput: a 68% drop of it fails, where a baseline recorded
  // from the non-finite results would have had no such row and passed the drop as NEW.
  nlohmann::json dropped = rerun;
  for (const auto& pointer : RepetitionCounters(rerun, "files-random", "samples_per_second")) {
    dropped.at(pointer) = dropped.at(pointer).get<double>() * 0.32;
  }
  const fs::path dropped_results = dir / "dropped.json";
  testing::WriteJson(dropped_results, dropped);
  const auto drop = feedbench("compare " + ShellQuote(baseline.string()) + " " +
                              ShellQuote(dropped_results.string()) + gated);
  EXPECT_EQ(drop.exit_code, 1) << drop.output;
  EXPECT_NE(drop.output.find("REGRESSED"), std::string::npos) << drop.output;

  // A baseline holding a non-finite value is bad input as well, named by run, workload and key.
  const nlohmann::json::json_pointer value("/runs/2/workloads/files-random/samples_per_second/0");
  for (const std::string token : {"NaN", "-Infinity", "null"}) {
    const fs::path bad_baseline = dir / "bad-baseline.json";
    testing::WriteText(bad_baseline, WithValuesWrittenAs(ReadJson(baseline), {value}, token));
    const auto cmp = feedbench("compare " + ShellQuote(bad_baseline.string()) + " " +
                               ShellQuote(GateFixture("rerun.json").string()) + gated);
    EXPECT_EQ(cmp.exit_code, 2) << cmp.output;
    EXPECT_NE(cmp.output.find("baseline " + bad_baseline.string() +
                              ": runs[2].workloads.files-random.samples_per_second[0] is " + token),
              std::string::npos)
        << cmp.output;
  }
}

}  // namespace
}  // namespace feedbench
