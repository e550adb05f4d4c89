// `feedbench layouts` and `feedbench ab` through the built binary on a tiny suite (warm, no root
// needed): the rounds and the decision tables in JSON, Markdown and the results; and the bad
// input, each exit 2 naming the flag before anything runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "harness/base/atomic_file.h"
#include "harness/base/json_non_finite.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunCommand;
using testing::ShellQuote;

class LayoutsTest : public ::testing::Test {
 protected:
  LayoutsTest() {
    std::ofstream(suite_) << R"({
      "schema_version": 1, "name": "layouts-tiny",
      "dataset": {"samples": 400, "sizes": {"distribution": "fixed", "bytes": "16KiB"}, "seed": 5},
      "defaults": {"repetitions": 3, "workers": 2, "batch_size": 16, "prefetch": 2,
                   "cache": "warm"},
      "workloads": [{"name": "files-random", "layout": "files", "order": "random"},
                    {"name": "files-sequential", "layout": "files", "order": "sequential"},
                    {"name": "tmpfs-random", "layout": "tmpfs", "order": "random"}]
    })";
  }

  testing::CommandResult Layouts(const std::string& args) {
    return RunCommand(ShellQuote(FEEDBENCH_BINARY) + " layouts --suite " + suite_.string() +
                      " --data-dir " + (dir_ / "data").string() + " --out " +
                      (dir_ / "r.json").string() + " --tmpfs-dir " + dir_.string() + " " + args);
  }

  testing::CommandResult Ab(const std::string& args) {
    return RunCommand(ShellQuote(FEEDBENCH_BINARY) + " ab --suite " + suite_.string() +
                      " --data-dir " + (dir_ / "a").string() + " --out " +
                      (dir_ / "r.json").string() + " --tmpfs-dir " + dir_.string() + " " + args);
  }

  testing::TempDir tmp_;  // under /var/tmp, removed with its contents
  const fs::path dir_ = tmp_.path();
  const fs::path suite_ = dir_ / "layouts-tiny.json";
};

TEST_F(LayoutsTest, RunsInterleavedRoundsAndWritesTheDecisionTable) {
  const fs::path decision = dir_ / "d.json", markdown = dir_ / "d.md";
  const auto r = Layouts("--seed 11 --max-rounds 8 --time-budget 120 --json " + decision.string() +
                         " --markdown " + markdown.string());
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 4) << r.output;
  EXPECT_NE(r.output.find("recommendation: "), std::string::npos) << r.output;

  const json d = json::parse(NonFiniteToNull(ReadWholeFile(decision)));
  EXPECT_EQ(d["schema"], "feedbench.layouts/1");
  EXPECT_EQ(d["reference"], "files-random");  // one file per sample, random order, by default
  EXPECT_EQ(d["order_seed"], 11);
  ASSERT_EQ(d["layouts"].size(), 3u);
  std::set<std::string> verdicts{"FASTER", "SLOWER", "SAME", "INCONCLUSIVE"};
  for (const json& row : d["layouts"]) {
    if (row["workload"] == "files-random") {
      EXPECT_EQ(row["verdict"], "REFERENCE");
      continue;
    }
    EXPECT_TRUE(verdicts.count(row["verdict"].get<std::string>())) << row.dump();
    EXPECT_EQ(row["rounds"].size(), row["round_ratios"].size());
    EXPECT_GE(row["rounds"].size(), 1u) << row.dump();
  }
  EXPECT_EQ(d["all_decided"].get<bool>(), r.exit_code == 0);
  EXPECT_NE(ReadWholeFile(markdown).find("**Recommendation:**"), std::string::npos);

  // The results: every repetition carries its round; each round ran each workload (at least)
  // once; the seed is recorded.
  const json results = json::parse(NonFiniteToNull(ReadWholeFile(dir_ / "r.json")));
  const json& fb = results["context"]["feedbench"];
  EXPECT_EQ(fb["order_seed"], 11);
  const int rounds = fb["rounds"].get<int>();
  EXPECT_EQ(rounds, d["rounds"].get<int>());
  EXPECT_GE(rounds, 3);
  EXPECT_LE(rounds, 8);
  const std::set<int> planned{1, 2, 3};
  for (const json& w : fb["workloads"]) {
    std::set<int> seen;
    for (const json& round : w["rounds"]) seen.insert(round.get<int>());
    for (const int round : planned) EXPECT_TRUE(seen.count(round)) << w.dump();
  }
}

TEST_F(LayoutsTest, AcceleratorsFedAreSearchedPerLayoutWithADemand) {
  const fs::path decision = dir_ / "d.json";
  const auto r = Layouts("--seed 4 --max-rounds 6 --time-budget 0 --allow-inconclusive "
                         "--demand 2000 --compute-ms-per-batch 8 --max-accelerators 4 --json " +
                         decision.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fed: the most emulated accelerators (demand: 16 samples per 8 ms step, "
                          "2000 samples/s each)"),
            std::string::npos)
      << r.output;
  const json d = json::parse(NonFiniteToNull(ReadWholeFile(decision)));
  EXPECT_EQ(d["accelerator"], "demand: 16 samples per 8 ms step, 2000 samples/s each");
  for (const json& row : d["layouts"]) {
    ASSERT_TRUE(row["accelerators_fed"].is_number_integer()) << row.dump();
    const int fed = row["accelerators_fed"].get<int>();
    EXPECT_GE(fed, 0);
    EXPECT_LE(fed, 4);
    ASSERT_FALSE(row["fed_probes"].empty());
    EXPECT_EQ(row["fed_probes"][0]["accelerators"], 1);  // the bracket starts at one
    // The answer is a count measured at AU ≥ 90% (or 0 when one accelerator already waited).
    bool found = fed == 0;
    for (const json& p : row["fed_probes"]) {
      if (p["accelerators"] == fed && p["au_pct"].get<double>() >= 90) found = true;
    }
    EXPECT_TRUE(found) << row.dump();
  }
}

TEST_F(LayoutsTest, BadInputIsExitTwoNamingTheFlag) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"--reference nosuch", "--reference nosuch: not a data-loading workload of this run; "
                             "expected one of: files-random, files-sequential, tmpfs-random"},
      {"--max-rounds 1", "--max-rounds 1: two rounds at least"},
      {"--max-rounds 2 --repetitions 3", "--max-rounds 2: below the 3 rounds the run plans"},
      {"--max-rounds 4", "--max-rounds 4: an interval at 95% confidence needs at least 6 rounds"},
      {"--max-rounds x", "--max-rounds 'x': expected a whole number of rounds"},
      {"--margin 0", "--margin 0: expected a percentage above 0 and below 100"},
      {"--margin 150", "--margin 150: expected a percentage above 0 and below 100"},
      {"--confidence abc", "--confidence 'abc': expected a percentage"},
      {"--time-budget -5", "--time-budget '-5': expected seconds of added rounds"},
      {"--seed 0", "--seed '0': expected a whole number"},
      {"--schedule grouped", "--schedule grouped: layouts compares in interleaved rounds only"},
      {"--accelerator tpu9", "--accelerator tpu9: unknown; expected one of: unet3d-h100, "
                             "unet3d-a100, resnet50-h100, cosmoflow-h100"},
      {"--demand 0 --compute-ms-per-batch 5", "--demand 0: expected the samples per second"},
      {"--demand -3 --compute-ms-per-batch 5", "--demand -3: expected the samples per second"},
      {"--demand 100", "--demand: needs --compute-ms-per-batch MS"},
      {"--demand 100 --compute-ms-per-batch 1", "a step would take 0.1 samples, less than one"},
      {"--accelerator resnet50-h100 --demand 100 --compute-ms-per-batch 50",
       "--accelerator and --demand: give one of them"},
      {"--accelerator resnet50-h100 --max-accelerators 0", "--max-accelerators '0'"},
      {"--filter tmpfs", "layouts compares data-loading workloads with each other: the selection "
                         "has 1 (tmpfs-random)"},
  };
  // Under a regular file: no folder can be made there.
  const std::vector<std::pair<std::string, std::string>> destinations{
      {"--json " + (suite_ / "d.json").string(), "--json"},
      {"--markdown " + (suite_ / "d.md").string(), "--markdown"},
  };
  for (const auto& [args, message] : destinations) {
    const auto r = Layouts(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << "\n" << r.output;
    EXPECT_FALSE(fs::exists(dir_ / "data")) << args << ": nothing is generated on bad input";
  }
  for (const auto& [args, message] : cases) {
    const auto r = Layouts(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << "\n" << r.output;
    EXPECT_FALSE(fs::exists(dir_ / "r.json")) << args;
    EXPECT_FALSE(fs::exists(dir_ / "data")) << args << ": nothing is generated on bad input";
  }
}

TEST_F(LayoutsTest, AbComparesTwoDataDirectoriesRoundByRound) {
  const fs::path decision = dir_ / "ab.json";
  const auto r = Ab("--b-data-dir " + (dir_ / "b").string() +
                    " --filter 'files' --seed 3 --max-rounds 8 --time-budget 60 --json " +
                    decision.string());
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 4) << r.output;
  const json d = json::parse(NonFiniteToNull(ReadWholeFile(decision)));
  EXPECT_EQ(d["schema"], "feedbench.ab/1");
  EXPECT_NE(d["a"].get<std::string>().find((dir_ / "a").string()), std::string::npos);
  EXPECT_NE(d["b"].get<std::string>().find((dir_ / "b").string()), std::string::npos);
  ASSERT_EQ(d["workloads"].size(), 2u);  // files-random and files-sequential
  for (const json& w : d["workloads"]) {
    EXPECT_EQ(w["rounds"].size(), w["round_ratios"].size());
    EXPECT_GE(w["rounds"].size(), 3u) << w.dump();
  }
  // Each side's results, every repetition with its round, A's and B's rounds the same.
  const json a = json::parse(NonFiniteToNull(ReadWholeFile(dir_ / "r.json")));
  const json b = json::parse(NonFiniteToNull(ReadWholeFile(dir_ / "r-b.json")));
  EXPECT_EQ(a["context"]["feedbench"]["rounds"], d["rounds"]);
  EXPECT_EQ(b["context"]["feedbench"]["rounds"], d["rounds"]);
  EXPECT_EQ(a["context"]["feedbench"]["order_seed"], 3);
  EXPECT_FALSE(fs::exists(dir_ / "a" / "files")) << "datasets are removed unless kept";
}

TEST_F(LayoutsTest, AbBadInputIsExitTwoNamingTheFlag) {
  const fs::path other_suite = dir_ / "other.json";
  std::ofstream(other_suite) << R"({
    "schema_version": 1, "name": "other",
    "dataset": {"samples": 100, "sizes": {"distribution": "fixed", "bytes": "16KiB"}, "seed": 5},
    "defaults": {"repetitions": 3, "cache": "warm"},
    "workloads": [{"name": "lmdb-only", "layout": "lmdb", "order": "random"}]
  })";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "--b-data-dir: required"},
      {"--b-data-dir " + (dir_ / "a").string(), "the same directory as --data-dir"},
      {"--b-data-dir " + (dir_ / "a" / ".." / "a").string(), "the same directory as --data-dir"},
      {"--b-data-dir " + (dir_ / "b").string() + " --b-suite " + other_suite.string(),
       "A and B have no data-loading workload of the same name to compare (A: files-random, "
       "files-sequential, tmpfs-random; B: lmdb-only)"},
      {"--b-data-dir " + (dir_ / "b").string() + " --b-out " + (dir_ / "r.json").string(),
       "the same file as A's results"},
      {"--b-data-dir " + (dir_ / "b").string() + " --max-rounds 1", "--max-rounds 1"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = Ab(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << "\n" << r.output;
    EXPECT_FALSE(fs::exists(dir_ / "a")) << args << ": nothing is generated on bad input";
    EXPECT_FALSE(fs::exists(dir_ / "b")) << args;
  }
}

}  // namespace
}  // namespace feedbench
