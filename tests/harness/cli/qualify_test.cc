#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness/base/errors.h"
#include "harness/report/qualify_report.h"
#include "harness/results/results_reader.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunCommand;

MetricComparison Row(std::string workload, std::string metric, Verdict verdict, double base,
                     double current) {
  MetricComparison c;
  c.workload = std::move(workload);
  c.metric = std::move(metric);
  c.verdict = verdict;
  c.baseline_median = base;
  c.current_median = current;
  return c;
}

TEST(QualifyReport, TheGatesRegressionIsBelowReferenceAndDecidesTheWorkload) {
  CompareReport report;
  report.rows = {Row("files-random", "bytes_per_second", Verdict::kUnchanged, 100, 98),
                 Row("files-random", "r_await_ms", Verdict::kRegressed, 1.0, 2.0),
                 Row("fio-seq-read", "bytes_per_second", Verdict::kImproved, 100, 150),
                 Row("lmdb-random", "bytes_per_second", Verdict::kNoisy, 100, 80),
                 Row("tmpfs-random", "bytes_per_second", Verdict::kUncertain, 100, 90)};
  report.fingerprint_differences = {"device.model: A → B"};
  const QualifyReport q = BuildQualifyReport(report);
  ASSERT_EQ(q.rows.size(), 5u);
  EXPECT_EQ(q.rows[1].verdict, "below");
  EXPECT_DOUBLE_EQ(*q.rows[1].ratio, 2.0);  // candidate ÷ reference
  EXPECT_EQ(q.rows[2].verdict, "above");
  ASSERT_EQ(q.workloads.size(), 4u);
  EXPECT_EQ(q.workloads[0].verdict, "below reference");
  EXPECT_EQ(q.workloads[1].verdict, "meets reference");
  EXPECT_EQ(q.workloads[2].verdict, "meets reference");  // noisy: no evidence it is below
  EXPECT_EQ(q.workloads[3].verdict, "meets reference");
  EXPECT_EQ(q.ExitCode(), 1);
  const std::string text = RenderQualifyReport(q);
  EXPECT_NE(text.find("NOT QUALIFIED"), std::string::npos);
  EXPECT_NE(text.find("device.model: A → B"), std::string::npos);
}

TEST(QualifyReport, ARowTheGateCouldNotJudgeIsInconclusiveUnlessAllowed) {
  CompareReport report;
  report.rows = {Row("files-random", "bytes_per_second", Verdict::kUnchanged, 100, 101),
                 Row("lmdb-random", "bytes_per_second", Verdict::kNoisy, 100, 80)};
  report.rows[1].inconclusive_reason = "the baseline is too noisy to gate at 5.0%";
  QualifyReport q = BuildQualifyReport(report);
  EXPECT_EQ(q.workloads[1].verdict, "meets reference");  // no evidence it is below
  EXPECT_EQ(q.ExitCode(), kExitInconclusive);
  std::string text = RenderQualifyReport(q);
  EXPECT_NE(text.find("not judged: lmdb-random bytes_per_second: the baseline is too noisy"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("INCONCLUSIVE: judged 1 of 2 rows"), std::string::npos) << text;
  EXPECT_EQ(text.find("QUALIFIED"), std::string::npos) << text;
  report.options.allow_inconclusive = true;
  q = BuildQualifyReport(report);
  EXPECT_EQ(q.ExitCode(), kExitOk);
  text = RenderQualifyReport(q);
  EXPECT_NE(text.find("INCONCLUSIVE (allowed by --allow-inconclusive)"), std::string::npos) << text;
  // Below the reference beats inconclusive.
  report.rows.push_back(Row("fio-qd1", "iops", Verdict::kRegressed, 100, 50));
  EXPECT_EQ(BuildQualifyReport(report).ExitCode(), kExitFailed);
}

TEST(QualifyReport, AllMeetingIsQualifiedAndInvalidIsNot) {
  CompareReport report;
  report.rows = {Row("files-random", "bytes_per_second", Verdict::kUnchanged, 100, 101)};
  EXPECT_EQ(BuildQualifyReport(report).ExitCode(), 0);
  report.rows.push_back(Row("lmdb-random", "bytes_per_second", Verdict::kInvalid, 100, 100));
  const QualifyReport q = BuildQualifyReport(report);
  EXPECT_EQ(q.workloads[1].verdict, "invalid");
  EXPECT_EQ(q.ExitCode(), 1);
}

// Real runs: a small qualification suite with a fio ceiling and a data-loading workload.
TEST(QualifyCommand, ReferenceMetAndAReferenceOutOfReachIsBelow) {
  const testing::TempDir tmp;  // under /var/tmp, removed with its contents even on failure
  const fs::path dir = tmp.path();
  const fs::path suite = dir / "q.json";
  std::ofstream(suite) << R"({
    "schema_version": 1, "name": "q",
    "dataset": {"samples": 400, "sizes": {"distribution": "fixed", "bytes": "32KiB"}},
    "defaults": {"repetitions": 3, "workers": 2},
    "workloads": [
      {"name": "fio-qd1", "kind": "fio", "profile": "rand-read-4k-qd1",
       "options": {"runtime_s": 1, "ramp_s": 0, "size": "32MiB"}},
      {"name": "files-random", "layout": "files", "order": "random"}
    ]})";
  const std::string bin = FEEDBENCH_BINARY;
  const std::string args = " qualify --quiet --keep-data --suite " + suite.string() +
                           " --data-dir " + (dir / "data").string();
  const auto first = RunCommand(bin + args + " --out " + (dir / "ref.json").string());
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("baseline record"), std::string::npos) << first.output;
  const auto rec = RunCommand(bin + " baseline record " + (dir / "ref.json").string() + " --to " +
                              (dir / "reference.json").string());
  ASSERT_EQ(rec.exit_code, 0) << rec.output;

  // A reference of one run cannot measure run-to-run noise: the gate judges nothing but a
  // regression against it, so the candidate is shown meeting its own reference but the
  // qualification is INCONCLUSIVE (exit 4), and 0 only with --allow-inconclusive.
  const auto again = RunCommand(bin + args + " --out " + (dir / "cand.json").string() +
                                " --reference " + (dir / "reference.json").string());
  EXPECT_EQ(again.exit_code, 4) << again.output;
  EXPECT_NE(again.output.find("meets reference"), std::string::npos) << again.output;
  EXPECT_EQ(again.output.find("below reference"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("the reference has 1 run(s)"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("INCONCLUSIVE: judged 0 of"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("fio-qd1"), std::string::npos) << again.output;
  const auto allowed =
      RunCommand(bin + args + " --out " + (dir / "cand-allowed.json").string() +
                 " --allow-inconclusive --reference " + (dir / "reference.json").string());
  EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
  EXPECT_NE(allowed.output.find("INCONCLUSIVE (allowed by --allow-inconclusive)"),
            std::string::npos)
      << allowed.output;

  // A reference ten times faster: with alpha 0.1 (3 vs 3 reaches p = 0.05) the gate calls it.
  json ref = json::parse(std::ifstream(dir / "reference.json"));
  for (auto& run : ref["runs"]) {
    for (auto& [name, metrics] : run["workloads"].items()) {
      for (auto& v : metrics["bytes_per_second"]) v = v.get<double>() * 10;
    }
  }
  std::ofstream(dir / "fast-reference.json") << ref.dump(2);
  const auto below =
      RunCommand(bin + args + " --out " + (dir / "cand2.json").string() +
                 " --alpha 0.1 --reference " + (dir / "fast-reference.json").string());
  EXPECT_EQ(below.exit_code, 1) << below.output;
  EXPECT_NE(below.output.find("below reference"), std::string::npos) << below.output;
  EXPECT_NE(below.output.find("NOT QUALIFIED"), std::string::npos) << below.output;

  const auto bad = RunCommand(bin + args + " --reference " + (dir / "missing.json").string());
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
}

}  // namespace
}  // namespace feedbench
