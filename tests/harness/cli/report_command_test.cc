// `feedbench report` and `--html` on the command line: what is refused, with which exit code and
// message, and that nothing is written or run when it is.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "harness/base/atomic_file.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::RunCommand;
using testing::ShellQuote;

const fs::path kFixtures = fs::path(FEEDBENCH_FIXTURES) / "html";
const std::string kBin = FEEDBENCH_BINARY;

TEST(ReportCommand, WritesOnePageForSeveralFiles) {
  const testing::TempDir tmp;
  const fs::path out = tmp / "report.html";
  const auto r = RunCommand(kBin + " report " + ShellQuote((kFixtures / "monitor_real.json").string()) +
                            " " + ShellQuote((kFixtures / "comparison.json").string()) +
                            " --html " + ShellQuote(out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = ReadWholeFile(out);
  EXPECT_THAT(html, HasSubstr("class=\"monitor\">"));
  EXPECT_THAT(html, HasSubstr("class=\"comparison\">"));
  EXPECT_THAT(html, HasSubstr("Chart.js v"));  // the library, inlined
}

TEST(ReportCommand, AFileThatIsNotFeedbenchsExitsTwoNamingIt) {
  const testing::TempDir tmp;
  WriteFileAtomic(tmp / "notes.json", R"({"hello": "world"})");
  const fs::path out = tmp / "report.html";
  const auto r = RunCommand(kBin + " report " + ShellQuote((kFixtures / "comparison.json").string()) +
                            " " + ShellQuote((tmp / "notes.json").string()) + " --html " +
                            ShellQuote(out.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr((tmp / "notes.json").string() + ": not a feedbench file"));
  EXPECT_THAT(r.output, HasSubstr("expected a feedbench file: a monitor JSON"));
  EXPECT_FALSE(fs::exists(out));
}

TEST(ReportCommand, AnUnwritableHtmlPathExitsTwoBeforeAnyWork) {
  const testing::TempDir tmp;
  const std::string out = (tmp / "no" / "such" / "report.html").string();
  auto r = RunCommand(kBin + " report " + ShellQuote((kFixtures / "comparison.json").string()) +
                      " --html " + ShellQuote(out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--html " + out));
  // compare: before judging; run: before the run starts (no data directory is made).
  r = RunCommand(kBin + " compare " +
                 ShellQuote((fs::path(FEEDBENCH_FIXTURES) / "gate" / "baseline.json").string()) +
                 " " + ShellQuote((fs::path(FEEDBENCH_FIXTURES) / "gate" / "current.json").string()) +
                 " --html " + ShellQuote(out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--html"));
  EXPECT_THAT(r.output, ::testing::Not(HasSubstr("REGRESSED")));
  r = RunCommand(kBin + " run --quiet --data-dir " + ShellQuote((tmp / "data").string()) +
                 " --out " + ShellQuote((tmp / "r.json").string()) + " --html " + ShellQuote(out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--html"));
  EXPECT_FALSE(fs::exists(tmp / "data"));
  EXPECT_FALSE(fs::exists(tmp / "r.json"));
}

TEST(ReportCommand, AChartJsOverrideThatIsNotChartJsExitsTwo) {
  const testing::TempDir tmp;
  WriteFileAtomic(tmp / "fake.js", "console.log('not a chart library');");
  const auto r = RunCommand("FEEDBENCH_CHARTJS=" + ShellQuote((tmp / "fake.js").string()) + " " +
                            kBin + " report " + ShellQuote((kFixtures / "comparison.json").string()) +
                            " --html " + ShellQuote((tmp / "r.html").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("FEEDBENCH_CHARTJS=" + (tmp / "fake.js").string()));
  EXPECT_THAT(r.output, HasSubstr("does not look like Chart.js"));
  EXPECT_FALSE(fs::exists(tmp / "r.html"));
}

TEST(ReportCommand, WithoutChartJsExitsThreeNamingThePackage) {
  // Hides the installed library behind an empty folder in a private mount namespace.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a private mount namespace (unshare -m)";
  const fs::path lib_dir = "/usr/share/javascript/chart.js";
  const testing::TempDir tmp;
  fs::create_directory(tmp / "empty");
  std::string hide = "true";
  if (fs::exists(lib_dir)) {
    hide = "mount --bind " + ShellQuote((tmp / "empty").string()) + " " + lib_dir.string();
  }
  const std::string inner = hide + " && " + kBin + " report " +
                            ShellQuote((kFixtures / "comparison.json").string()) + " --html " +
                            ShellQuote((tmp / "r.html").string());
  const auto r = RunCommand("env -u FEEDBENCH_CHARTJS unshare -m --propagation private sh -c " +
                            ShellQuote(inner));
  if (r.output.find("unshare failed") != std::string::npos) {
    GTEST_SKIP() << "no private mount namespace here: " << r.output;
  }
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("apt-get install libjs-chart.js"));
  EXPECT_FALSE(fs::exists(tmp / "r.html"));
}

}  // namespace
}  // namespace feedbench
