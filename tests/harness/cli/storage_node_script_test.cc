// ci/storage-node.sh: runs and gates in one `run --compare`, writes the reports and exits with the
// right code. The run is replaced by a stand-in that copies a fixture results file to --out and
// judges it with the real binary's `compare` (and exits with a chosen code when the run is to
// fail), so the script's own logic is tested without a storage run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/gate_helpers.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::GateFixture;
using ::testing::HasSubstr;
using testing::ReadText;
using testing::RunShell;
using testing::ScratchDir;
using testing::ShellQuote;

class StorageNodeScript : public ::testing::Test {
 protected:
  void SetUp() override {
    stand_in_ = dir_ / "feedbench";
    // `run --compare B --out F ARGS...` copies the fixture to F, then judges it with the real
    // `compare B F ARGS...` (report paths and gate flags as given), and exits as `run --compare`
    // does: the run's own failure code first, else the gate's.
    testing::WriteText(stand_in_, "#!/bin/sh\nreal=" + ShellQuote(FEEDBENCH_BINARY) + "\n" + R"(
if [ "$1" = run ]; then
  shift
  out=""; baseline=""; args=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --out) out=$2; shift 2 ;;
      --compare) baseline=$2; shift 2 ;;
      --suite|--data-dir) shift 2 ;;
      *) args="$args '$(printf '%s' "$1" | sed "s/'/'\\''/g")'"; shift ;;
    esac
  done
  [ -n "$FAKE_RESULTS" ] || exit ${FAKE_RUN_CODE:-0}
  cp "$FAKE_RESULTS" "$out"
  eval "\"\$real\" compare \"\$baseline\" \"\$out\" $args"
  code=$?
  [ "${FAKE_RUN_CODE:-0}" = 0 ] || exit "$FAKE_RUN_CODE"
  exit $code
fi
exec "$real" "$@"
)");
    fs::permissions(stand_in_, fs::perms::owner_all);
    fs::create_directory(dir_ / "results");
  }

  testing::CommandResult Run(const std::string& fixture, int run_code = 0,
                             const std::string& baseline = GateFixture("baseline.json").string()) {
    const std::string script = fs::path(FEEDBENCH_SOURCE_DIR) / "ci" / "storage-node.sh";
    std::string env = "FEEDBENCH=" + ShellQuote(stand_in_.string()) +
                      " RESULTS_DIR=" + ShellQuote((dir_ / "results").string()) +
                      " GITHUB_STEP_SUMMARY=" + ShellQuote((dir_ / "summary.md").string()) +
                      " FAKE_RUN_CODE=" + std::to_string(run_code);
    env += " FAKE_RESULTS=" +
           (fixture.empty() ? std::string("''") : ShellQuote(GateFixture(fixture).string()));
    return RunShell(env + " " + ShellQuote(script) + " gate " +
                    ShellQuote((dir_ / "data").string()) + " " + ShellQuote(baseline));
  }

  fs::path Results(const std::string& name) { return dir_ / "results" / name; }

  ScratchDir dir_;
  fs::path stand_in_;
};

TEST_F(StorageNodeScript, RegressionExitsOneWithJunitMarkdownAndStepSummary) {
  const auto r = Run("current.json");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ASSERT_TRUE(fs::exists(Results("latest.junit.xml"))) << r.output;
  EXPECT_EQ(
      RunShell("xmllint --noout " + ShellQuote(Results("latest.junit.xml").string())).exit_code, 0);
  EXPECT_THAT(ReadText(Results("latest.md")), HasSubstr("FAIL"));
  EXPECT_THAT(ReadText(dir_ / "summary.md"), HasSubstr("### feedbench compare"));
  // The HTML report beside them where Chart.js is installed (ci/setup.sh installs it).
  if (fs::exists("/usr/share/javascript/chart.js/chart.min.js")) {
    EXPECT_THAT(ReadText(Results("latest.html")), HasSubstr("<section id=\"s0\" class=\"comparison\">"));
  }
  // Results and reports share one stem: <suite>-<host>-<stamp>.{json,junit.xml,md,compare.json}.
  std::size_t junit = 0, results = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "results")) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("gate-") && name.ends_with(".junit.xml")) ++junit;
    if (name.starts_with("gate-") && name.ends_with(".json") && !name.ends_with(".compare.json"))
      ++results;
  }
  EXPECT_EQ(junit, 1u);
  EXPECT_EQ(results, 1u);
}

TEST_F(StorageNodeScript, UnchangedRunWithANoisyWorkloadExitsFour) {
  // Nothing changed, but files-shuffled is too noisy to judge: INCONCLUSIVE, not a pass.
  const auto r = Run("rerun.json");
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_THAT(ReadText(Results("latest.md")), HasSubstr("INCONCLUSIVE"));
  EXPECT_THAT(ReadText(Results("latest.md")), HasSubstr("judged 23 of 27 rows"));
}

TEST_F(StorageNodeScript, UnchangedRunPassesWhenEveryRowIsJudgedOrInconclusiveIsAllowed) {
  setenv("FEEDBENCH_COMPARE_ARGS", "--allow-inconclusive", 1);
  auto r = Run("rerun.json");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  setenv("FEEDBENCH_COMPARE_ARGS", "--filter ^(?!files-shuffled)", 1);
  r = Run("rerun.json");
  unsetenv("FEEDBENCH_COMPARE_ARGS");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(ReadText(Results("latest.md")), HasSubstr("PASS"));
}

TEST_F(StorageNodeScript, FailedRunWithoutResultsExitsWithTheRunsCodeAndNoStaleReport) {
  testing::WriteText(Results("latest.junit.xml"), "stale");
  const auto r = Run("", 3);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("wrote no results"));
  EXPECT_FALSE(fs::exists(Results("latest.junit.xml")));
}

TEST_F(StorageNodeScript, FailedRunWithResultsStillComparesButExitsWithTheRunsCode) {
  const auto r = Run("rerun.json", 1);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(fs::exists(Results("latest.junit.xml")));
}

TEST_F(StorageNodeScript, MissingBaselineIsBadInput) {
  const auto r = Run("rerun.json", 0, (dir_ / "none.json").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("baseline record"));
}

}  // namespace
}  // namespace feedbench
