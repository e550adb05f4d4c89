// `run --compare` until decided, through the built binary on a tiny suite: a row the first look
// cannot decide gets more repetitions, all in the run's one results file and timeline; and the
// bad values of --max-repetitions and --time-budget are exit 2 naming the flag.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

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

class UntilDecidedTest : public ::testing::Test {
 protected:
  UntilDecidedTest() {
    std::ofstream(suite_) << R"({
      "schema_version": 1, "name": "until-tiny",
      "dataset": {"samples": 300, "sizes": {"distribution": "fixed", "bytes": "16KiB"}, "seed": 5},
      "defaults": {"repetitions": 3, "workers": 2, "batch_size": 16, "prefetch": 2,
                   "cache": "warm"},
      "workloads": [{"name": "files-random", "layout": "files", "order": "random"}]
    })";
  }

  testing::CommandResult Feedbench(const std::string& args) {
    return RunCommand(ShellQuote(FEEDBENCH_BINARY) + " " + args);
  }
  std::string Run(const fs::path& out) {
    return "run --quiet --keep-data --suite " + suite_.string() + " --data-dir " +
           (dir_ / "data").string() + " --out " + out.string();
  }

  testing::TempDir tmp_;  // under /var/tmp, removed with its contents
  const fs::path dir_ = tmp_.path();
  const fs::path suite_ = dir_ / "until-tiny.json";
};

TEST_F(UntilDecidedTest, RunCompareAddsRepetitionsToARowTheFirstLookCannotDecide) {
  std::string runs;
  for (const char* name : {"a", "b", "c"}) {
    const fs::path out = dir_ / (std::string(name) + ".json");
    const auto r = Feedbench(Run(out));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    runs += " " + out.string();
  }
  const fs::path baseline = dir_ / "baseline.json";
  const auto rec = Feedbench("baseline record" + runs + " --to " + baseline.string());
  ASSERT_EQ(rec.exit_code, 0) << rec.output;

  // 9 pooled reference repetitions vs 3 current: the best exact p is 1/220 ≈ 0.0045, and with
  // --max-repetitions 6 the schedule has 4 looks, so each is held at 0.01 / 4 = 0.0025: the first
  // look cannot decide the row, whatever the node does, and the workload must get more.
  const fs::path out = dir_ / "current.json";
  const auto r = Feedbench(Run(out) + " --compare " + baseline.string() +
                           " --metrics samples_per_second --max-repetitions 6");
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 4) << r.output;
  EXPECT_NE(r.output.find("until decided"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("over up to 4 looks = 0.0025 per look (Bonferroni)"), std::string::npos)
      << r.output;

  const json results = json::parse(NonFiniteToNull(ReadWholeFile(out)));
  int repetitions = 0;
  for (const json& b : results["benchmarks"]) {
    if (b.value("run_type", "") == "iteration") ++repetitions;
  }
  const json& described = results["context"]["feedbench"]["workloads"][0];
  // A disturbed repetition (other work on a busy node) is rerun on top of the planned ones.
  const int counted = repetitions - described["disturbed_reruns"].get<int>();
  EXPECT_GT(counted, 3) << "no repetition was added";
  EXPECT_LE(counted, 6) << "--max-repetitions 6 was passed";
  EXPECT_EQ(described["repetitions"], 3);
  EXPECT_EQ(
      described["added_repetitions"].get<int>() + 3 + described["disturbed_reruns"].get<int>(),
      repetitions);
  // The timeline holds every repetition too.
  const fs::path timeline =
      dir_ / results["context"]["feedbench"]["timeline_file"].get<std::string>();
  const json rows = json::parse(ReadWholeFile(timeline));
  EXPECT_EQ(rows["workloads"]["files-random"].size(), static_cast<size_t>(repetitions));

  // --max-repetitions equal to the suite's: one look, nothing added, the alpha as asked (3 vs 9
  // can then reach 0.01, so the row can be judged without more).
  const fs::path once = dir_ / "once.json";
  const auto single = Feedbench(Run(once) + " --compare " + baseline.string() +
                                " --metrics samples_per_second --max-repetitions 3");
  EXPECT_TRUE(single.exit_code == 0 || single.exit_code == 1 || single.exit_code == 4)
      << single.output;
  const json once_results = json::parse(NonFiniteToNull(ReadWholeFile(once)));
  EXPECT_EQ(once_results["context"]["feedbench"]["workloads"][0]["added_repetitions"], 0);
}

TEST_F(UntilDecidedTest, BadBudgetsAreBadInputNamingTheFlag) {
  const std::string base = "run --quiet --suite " + suite_.string() + " --data-dir " +
                           (dir_ / "data").string() + " --out " + (dir_ / "x.json").string() +
                           " --compare " + (dir_ / "no-such-baseline.json").string();
  const std::pair<std::string, std::string> cases[] = {
      {" --max-repetitions 2", "--max-repetitions 2: below the 3 repetitions"},
      {" --max-repetitions 0", "--max-repetitions '0'"},
      {" --max-repetitions -4", "--max-repetitions '-4'"},
      {" --max-repetitions many", "--max-repetitions 'many'"},
      {" --time-budget -1", "--time-budget '-1'"},
      {" --time-budget soon", "--time-budget 'soon'"},
      {" --time-budget 10min", "--time-budget '10min'"},
  };
  for (const auto& [flags, message] : cases) {
    const auto r = Feedbench(base + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << flags << "\n" << r.output;
  }
  // --repetitions raises what the run plans: 5 repetitions cannot have at most 4.
  const auto raised = Feedbench(base + " --repetitions 5 --max-repetitions 4");
  EXPECT_EQ(raised.exit_code, 2) << raised.output;
  EXPECT_NE(raised.output.find("below the 5 repetitions"), std::string::npos) << raised.output;
  // Without a baseline there is nothing to decide.
  const auto alone = Feedbench("run --quiet --suite " + suite_.string() + " --max-repetitions 6");
  EXPECT_EQ(alone.exit_code, 2) << alone.output;
  EXPECT_NE(alone.output.find("--max-repetitions: needs --compare BASELINE"), std::string::npos)
      << alone.output;
  const auto qualify =
      Feedbench("qualify --quiet --suite " + suite_.string() + " --time-budget -5");
  EXPECT_EQ(qualify.exit_code, 2) << qualify.output;
  EXPECT_NE(qualify.output.find("--time-budget '-5'"), std::string::npos) << qualify.output;
  EXPECT_FALSE(fs::exists(dir_ / "data")) << "bad input reached the data directory";
}

}  // namespace
}  // namespace feedbench
