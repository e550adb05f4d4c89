// `feedbench qualify`: run the shipped qualify suite (fio ceilings and the three layouts, cold) on
// a candidate node and, given a reference node's baseline, report side by side whether each
// workload meets the reference, the regression gate deciding what counts as below.
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "harness/base/errors.h"
#include "harness/cli/commands.h"
#include "harness/cli/compare_flags.h"
#include "harness/cli/html_output.h"
#include "harness/cli/run_pipeline.h"
#include "harness/cli/suite_run_flags.h"
#include "harness/cli/until_decided_flags.h"
#include "harness/gate/baseline.h"
#include "harness/gate/compare.h"
#include "harness/os/data_dir.h"
#include "harness/report/console_table.h"
#include "harness/report/qualify_report.h"
#include "harness/report/report_input.h"
#include "harness/results/results.h"
#include "harness/suite/suite.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

struct QualifyFlags : SuiteRunFlags {
  QualifyFlags() {
    suite = "qualify";
    interval_ms = 1000;
  }
  std::string reference;
  CompareFlags compare_flags;
  UntilDecidedFlags until_flags;
  std::string html;
};

int Qualify(const QualifyFlags& flags, const CLI::App& sub) {
  const Suite suite = LoadSuite(flags.suite);
  const RunRequest request = ToRunRequest(flags, sub);
  ValidateRequest(suite, request);

  // The reference is another machine by definition: its fingerprint is shown, not gated on.
  RequireBaselineForCompareFlags(sub, !flags.reference.empty(), "--reference");
  CompareFlags compare_flags = flags.compare_flags;
  compare_flags.ignore_fingerprint = true;
  if (compare_flags.metrics.empty()) {
    for (const auto& m : QualifyMetrics()) {
      compare_flags.metrics += (compare_flags.metrics.empty() ? "" : ",") + m;
    }
  }
  CompareOptions options = ToCompareOptions(compare_flags);
  std::optional<Baseline> reference;
  UntilDecided until;
  const std::map<std::string, int> planned = PlannedRepetitions(suite, request);
  until.budget = ToExtensionBudget(flags.until_flags, planned);  // bad values: exit 2 first
  if (!flags.reference.empty()) {
    // Every look at the same rows is held at alpha ÷ looks (Bonferroni), the final one included.
    options.looks = ScheduledLooks(planned, until.budget.max_repetitions);
    until.options = options;
    reference = ReadBaselineFile(flags.reference);
    until.baseline = &*reference;
  } else if (flags.until_flags.Given()) {
    throw UsageError(fmt::format(
        "{}: needs --reference BASELINE",
        flags.until_flags.max_repetitions.empty() ? "--time-budget" : "--max-repetitions"));
  }

  const std::optional<HtmlOutput> html = CheckHtmlOutput(flags.html);

  // Checked after every other check (writable, with room; nothing is made until the results are
  // written), so a refusal names the first bad flag.
  const fs::path out = CheckedResultsPath(flags.out, suite, request);
  const PipelineOutput output = RunRecordWrite(suite, request, out, reference ? &until : nullptr);
  const ResultsFile& results = output.recorded.model;
  const bool any_failed = output.recorded.any_failed;
  if (!flags.quiet) {
    fmt::print("\n{}", RenderRunTables(SummarizeResults(results), output.recorded.efficiencies));
  } else if (any_failed) {
    // Without the table, the one line that says why the exit is 1.
    fmt::print(stderr, "feedbench: {}\n", FailureLine(results));
  }
  fmt::print("\nresults: {}\n", out.string());
  if (!reference) {
    fmt::print(
        "\nNo --reference given. To make this node the reference for others:\n"
        "  feedbench baseline record {} --to baselines/<reference-node>/{}.json\n",
        out.string(), suite.name);
    if (html) WriteHtmlOutput(*html, {RunSectionOf(output.recorded)});
    return any_failed ? kExitFailed : kExitOk;
  }
  CompareReport report = CompareResults(*reference, results, options);
  report.baseline_source = flags.reference;
  if (output.extension) PrintExtension(*output.extension, options);
  const QualifyReport qualify = BuildQualifyReport(report);
  WriteCompareReports(compare_flags, report, &qualify);
  if (html) WriteHtmlOutput(*html, {RunSectionOf(output.recorded), QualificationSectionOf(report)});
  fmt::print("\nagainst reference {}:\n\n{}", flags.reference, RenderQualifyReport(qualify));
  if (any_failed) return kExitFailed;
  return qualify.ExitCode();
}

}  // namespace

void AddQualifyCommand(CLI::App& app, CommandAction& action) {
  auto flags = std::make_shared<QualifyFlags>();
  auto* sub = app.add_subcommand(
      "qualify",
      "Qualify a node: run the qualify suite (fio ceilings and the three layouts, cold) and, with\n"
      "--reference, judge each workload against a reference node's baseline (meets / below).\n"
      "Exit 0 qualified, 1 a workload below the reference or invalid, 2 bad input, 3 environment,\n"
      "4 inconclusive with --reference (a row could not be judged within --max-repetitions and\n"
      "--time-budget; 0 with --allow-inconclusive).");
  sub->add_option("--reference", flags->reference,
                  "Baseline recorded from the reference node's qualify results "
                  "(feedbench baseline record RESULTS --to FILE)");
  AddSuiteRunFlags(*sub, *flags);
  sub->add_flag("--quiet", flags->quiet,
                "No progress or run table; a run that exits 1 still says why in one line");
  AddCompareFlags(*sub, flags->compare_flags);
  AddUntilDecidedFlags(*sub, flags->until_flags);
  AddHtmlFlag(*sub, flags->html,
              "the run's results and, with --reference, the qualification (candidate ÷ reference "
              "per workload and metric, the verdicts)");
  sub->callback([&action, flags, sub] { action = [flags, sub] { return Qualify(*flags, *sub); }; });
}

}  // namespace feedbench
