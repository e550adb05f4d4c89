// `feedbench run`: run a suite, write Google Benchmark JSON results, print the table.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/time_format.h"
#include "harness/cli/commands.h"
#include "harness/cli/compare_flags.h"
#include "harness/cli/html_output.h"
#include "harness/cli/run_pipeline.h"
#include "harness/cli/suite_run_flags.h"
#include "harness/cli/until_decided_flags.h"
#include "harness/gate/baseline.h"
#include "harness/gate/compare.h"
#include "harness/os/data_dir.h"
#include "harness/os/mpi_world.h"
#include "harness/report/compare_report.h"
#include "harness/report/console_table.h"
#include "harness/report/export_report.h"
#include "harness/report/report_input.h"
#include "harness/results/results.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

struct RunFlags : SuiteRunFlags {
  std::string compare;  // baseline file
  std::vector<std::string> exports;  // --export KIND:FILE, repeatable
  std::string html;
  bool confirm = true;
  CompareFlags compare_flags;
  UntilDecidedFlags until_flags;
  // Under mpirun (harness/suite/suite_run.h).
  std::string rank_data = "shard";
  std::string dataset_scope = "shared";
  double rank_timeout_sec = 120;
};

// The --export requests, each destination checked as writable before the run.
std::vector<ExportRequest> CheckedExports(const std::vector<std::string>& values) {
  std::vector<ExportRequest> exports;
  for (const std::string& value : values) {
    ExportRequest request = ParseExportFlag(value);
    CheckWritableDestination(request.path, "--export");
    if (request.kind == ExportKind::kGab) {
      CheckWritableDestination(GabPathsFor(request.path).smaller, "--export");
    }
    exports.push_back(std::move(request));
  }
  return exports;
}

void WriteExports(const std::vector<ExportRequest>& exports, const ResultsFile& results) {
  for (const ExportRequest& e : exports) {
    if (e.kind == ExportKind::kBmf) {
      WriteFileAtomic(e.path, BencherMetricFormat(results).dump(2) + "\n");
    } else {
      const GabDocuments docs = GithubActionBenchmark(results);
      const GabPaths paths = GabPathsFor(e.path);
      WriteFileAtomic(paths.bigger, docs.bigger_is_better.dump(2) + "\n");
      WriteFileAtomic(paths.smaller, docs.smaller_is_better.dump(2) + "\n");
    }
  }
}

int Run(const RunFlags& flags, const CLI::App& sub) {
  const Suite suite = LoadSuite(flags.suite);
  RunRequest request = ToRunRequest(flags, sub);
  request.rank_data = ParseRankData(flags.rank_data);
  request.dataset_scope = ParseDatasetScope(flags.dataset_scope);
  request.rank_timeout_sec = flags.rank_timeout_sec;
  ValidateRequest(suite, request);
  const MpiWorld& world = MpiWorld::Process();
  if (world.Size() > 1 && !flags.compare.empty()) {
    throw UsageError(fmt::format(
        "--compare: not as {} MPI ranks; compare the job's results file afterwards with "
        "`feedbench compare BASELINE RESULTS`",
        world.Size()));
  }


  // A bad baseline is bad input: say so before the run, not after it.
  std::optional<Baseline> baseline;
  CompareOptions options;
  UntilDecided until;
  const std::map<std::string, int> planned = PlannedRepetitions(suite, request);
  until.budget = ToExtensionBudget(flags.until_flags, planned);  // bad values: exit 2 first
  if (!flags.compare.empty()) {
    options = ToCompareOptions(flags.compare_flags);
    // What --filter left out on purpose is not judged; what vanished otherwise fails the gate.
    options.workload_filter = request.filter;
    options.workloads = request.only;
    until.budget.confirm_follows = flags.confirm;
    // Every look at the same rows is held at alpha ÷ looks (Bonferroni), the final one included.
    options.looks = ScheduledLooks(planned, until.budget.max_repetitions);
    until.options = options;
    baseline = ReadBaselineFile(flags.compare);
    until.baseline = &*baseline;
  }
  RequireBaselineForCompareFlags(sub, baseline.has_value(), "--compare");
  const std::vector<ExportRequest> exports = CheckedExports(flags.exports);
  if (sub.count("--confirm") > 0 && flags.confirm && !baseline) {
    throw UsageError("--confirm: needs --compare BASELINE");
  }
  if (flags.until_flags.Given() && !baseline) {
    throw UsageError(fmt::format(
        "{}: needs --compare BASELINE",
        flags.until_flags.max_repetitions.empty() ? "--time-budget" : "--max-repetitions"));
  }

  const std::optional<HtmlOutput> html = CheckHtmlOutput(flags.html);

  // Checked after every other check (writable, with room; nothing is made until the results are
  // written), so a refusal names the first bad flag.
  // Under mpirun rank 0 writes the results: only its destination is checked.
  const fs::path out =
      world.Rank() == 0 ? CheckedResultsPath(flags.out, suite, request) : fs::path(flags.out);
  const PipelineOutput output = RunRecordWrite(suite, request, out, baseline ? &until : nullptr);
  if (output.run.follower) return kExitOk;  // rank 0 reports the job and its exit code
  const ResultsFile& results = output.recorded.model;
  const bool any_failed = output.recorded.any_failed;
  if (!flags.quiet) {
    fmt::print("\n{}", RenderRunTables(SummarizeResults(results), output.recorded.efficiencies));
    fmt::print("\nsuite {} in {:.1f} s; results: {} (timeline: {})\n", suite.name,
               output.recorded.wall_sec, out.string(), output.timeline_path.string());
  } else {
    fmt::print("{}\n", out.string());
    // Without the table, the one line that says why the exit is 1.
    if (any_failed) fmt::print(stderr, "feedbench: {}\n", FailureLine(results));
  }
  WriteExports(exports, results);
  if (!baseline) {
    if (html) WriteHtmlOutput(*html, {RunSectionOf(output.recorded)});
    return any_failed ? kExitFailed : kExitOk;
  }

  CompareReport report = CompareResults(*baseline, results, options);
  report.baseline_source = flags.compare;
  if (output.extension) PrintExtension(*output.extension, options);
  const std::vector<std::string> regressed = report.RegressedWorkloads();
  if (flags.confirm && !regressed.empty()) {
    // Rerun only what regressed; the build fails only when the regression reproduces.
    std::string names;
    for (const auto& n : regressed) names += (names.empty() ? "" : ", ") + n;
    fmt::print(stderr, "feedbench: confirming the regression of {} with a second run\n", names);
    RunRequest rerun_request = request;
    rerun_request.only = regressed;
    rerun_request.filter.reset();
    // The confirmation is one more look at the regressed rows, at the same per-look alpha.
    fs::path confirm_path = out;
    confirm_path.replace_extension(".confirm.json");
    const PipelineOutput rerun = RunRecordWrite(suite, rerun_request, confirm_path);
    report =
        CompareResults(*baseline, WithWorkloadsReplaced(results, rerun.recorded.model), options);
    report.baseline_source = flags.compare;
    fmt::print("confirmation run: {}\n", confirm_path.string());
  }
  fmt::print("\n{}", RenderCompareTable(report));
  WriteCompareReports(flags.compare_flags, report);
  if (html) WriteHtmlOutput(*html, {RunSectionOf(output.recorded), ComparisonSectionOf(report)});
  if (any_failed) return kExitFailed;
  return report.ExitCode();
}

}  // namespace

void AddRunCommand(CLI::App& app, CommandAction& action) {
  auto flags = std::make_shared<RunFlags>();
  auto* sub = app.add_subcommand(
      "run",
      "Run a benchmark suite: generate (or reuse) its dataset, replay each workload cold with\n"
      "diskstats sampling, and write Google Benchmark JSON results plus a timeline sidecar.");
  AddSuiteRunFlags(*sub, *flags);
  sub->add_flag(
      "--quiet", flags->quiet,
      "No progress or run table: print the results path (and, with --compare, the comparison); "
      "a run that exits 1 still says why in one line on stderr");
  sub->add_option("--compare", flags->compare,
                  "After the run, compare with this baseline (as `feedbench compare` does), add "
                  "repetitions to the workloads not decided yet (see --max-repetitions, "
                  "--time-budget) and exit with the verdict: 0 pass, 1 regression, invalid or "
                  "missing workload, 3 fingerprint mismatch, 4 inconclusive (a gated row could "
                  "not be judged within the budget; 0 with --allow-inconclusive)");
  sub->add_flag("--confirm,!--no-confirm", flags->confirm,
                "With --compare (on by default): rerun the workloads judged REGRESSED once more "
                "and fail only if the regression reproduces; --no-confirm fails on the first run");
  sub->add_option("--export", flags->exports,
                  "Also write the results for a dashboard (repeatable): bmf:FILE (Bencher Metric "
                  "Format: every counter's median, min and max per workload) or gab:FILE "
                  "(github-action-benchmark: FILE holds the higher-is-better counters as "
                  "customBiggerIsBetter, FILE's stem + .smaller the others as "
                  "customSmallerIsBetter)")
      ->allow_extra_args(false);
  AddCompareFlags(*sub, flags->compare_flags);
  AddUntilDecidedFlags(*sub, flags->until_flags);
  sub->add_option("--rank-data", flags->rank_data,
                  "Under mpirun: what each rank reads; shard (default): its part of every epoch, "
                  "the epoch's shuffle shared, each sample read by exactly one rank per epoch; "
                  "all: every sample, as one process would")
      ->type_name("shard|all");
  sub->add_option("--dataset-scope", flags->dataset_scope,
                  "Under mpirun: who generates the datasets; shared (default): rank 0, once, in a "
                  "data directory every node sees; node: each node's first rank, on its own disk; "
                  "the other ranks wait, then verify the manifest")
      ->type_name("shared|node");
  sub->add_option("--rank-timeout", flags->rank_timeout_sec,
                  "Under mpirun: seconds a rank waits at a repetition's barrier for the others "
                  "before the job ends naming the ranks that did not arrive (1..86400; "
                  "default 120); the wait for the datasets' generation adds the time it would "
                  "take at 1 MiB/s per dataset")
      ->type_name("SECONDS");
  AddHtmlFlag(*sub, flags->html,
              "the run's results (each repetition's throughput, its spread, efficiency, the device "
              "timeline) and, with --compare, the comparison");
  sub->callback([&action, flags, sub] { action = [flags, sub] { return Run(*flags, *sub); }; });
}

}  // namespace feedbench
