// `feedbench compare BASELINE RESULTS`: the regression gate on the command line. Parses flags,
// reads both files, runs the pure comparison (harness/gate/compare.h), prints the table and writes
// the requested reports atomically. Exit 0 pass, 1 regression, invalid run or a baseline workload
// missing from the results (unless left out with --filter), 2 bad input, 3 fingerprint mismatch
// (or an unwritable report destination), 4 inconclusive (a gated row could not be judged; 0 with
// --allow-inconclusive).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/cli/commands.h"
#include "harness/cli/compare_flags.h"
#include "harness/cli/html_output.h"
#include "harness/gate/baseline.h"
#include "harness/gate/compare.h"
#include "harness/report/compare_report.h"
#include "harness/report/report_input.h"
#include "harness/results/results_reader.h"

namespace feedbench {
namespace {

struct CompareArgs {
  std::string baseline;
  std::string results;
  CompareFlags flags;
  std::string html;
};

int RunCompare(const CompareArgs& args) {
  const CompareOptions options = ToCompareOptions(args.flags);
  const std::optional<HtmlOutput> html = CheckHtmlOutput(args.html);
  const Baseline baseline = ReadBaselineFile(args.baseline);
  const ResultsFile results = ReadResultsFile(args.results);
  const CompareReport report = CompareResults(baseline, results, options);

  std::fputs(RenderCompareTable(report).c_str(), stdout);
  std::fflush(stdout);
  WriteCompareReports(args.flags, report);
  if (html) WriteHtmlOutput(*html, {ComparisonSectionOf(report)});
  return report.ExitCode();
}

}  // namespace

void AddCompareCommand(CLI::App& app, CommandAction& action) {
  auto args = std::make_shared<CompareArgs>();
  auto* sub = app.add_subcommand(
      "compare",
      "Judge a results file against a baseline: exit 0 pass, 1 regression (or an invalid or "
      "missing workload), 2 bad input, 3 fingerprint mismatch, 4 inconclusive (a gated row "
      "could not be judged: NOISY, UNCERTAIN, too few repetitions or baseline runs; 0 with "
      "--allow-inconclusive)");
  sub->add_option("baseline", args->baseline, "Baseline file (baselines/<profile>/<suite>.json)")
      ->required();
  sub->add_option("results", args->results, "Results file written by feedbench run")->required();
  AddCompareFlags(*sub, args->flags);
  AddHtmlFlag(*sub, args->html, "the comparison (each row's ratio in its threshold band, the verdicts)");
  sub->add_option("--filter", args->flags.filter,
                  "Judge only workloads whose name matches this regex (as run --filter): the "
                  "baseline's other workloads are left out on purpose, not MISSING");
  sub->callback([&action, args] { action = [args] { return RunCompare(*args); }; });
}

}  // namespace feedbench
