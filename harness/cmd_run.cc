// `feedbench run`: run a suite, write Google Benchmark JSON results, print the table.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>

#include "harness/atomic_file.h"
#include "harness/baseline.h"
#include "harness/commands.h"
#include "harness/compare.h"
#include "harness/compare_flags.h"
#include "harness/compare_report.h"
#include "harness/console_table.h"
#include "harness/data_dir.h"
#include "harness/errors.h"
#include "harness/results.h"
#include "harness/results_reader.h"
#include "harness/suite_run.h"
#include "harness/time_format.h"

namespace feedbench {
namespace fs = std::filesystem;

namespace {

struct RunFlags {
  std::string suite = "smoke";
  std::string data_dir;
  std::string out;
  int repetitions = 0;
  std::string filter;
  std::string cache;
  int interval_ms = 100;
  bool keep_data = false;
  bool quiet = false;
  std::string tmpfs_dir = "/dev/shm";
  std::string compare;  // baseline file
  bool confirm = false;
  CompareFlags compare_flags;
};

int Run(const RunFlags& flags, const CLI::App& sub) {
  const Suite suite = LoadSuite(flags.suite);
  RunRequest request;
  request.data_dir = flags.data_dir.empty() ? DefaultDataDir() : fs::path(flags.data_dir);
  if (sub.count("--repetitions")) request.repetitions = flags.repetitions;
  if (sub.count("--filter")) request.filter = flags.filter;
  if (sub.count("--cache")) request.cache = flags.cache;
  request.interval_ms = flags.interval_ms;
  request.keep_data = flags.keep_data;
  request.quiet = flags.quiet;
  request.tmpfs_dir = flags.tmpfs_dir;
  ValidateRequest(suite, request);

  const fs::path out = ResolveResultsPath(flags.out, suite.name);

  // A bad baseline is bad input: say so before the run, not after it.
  std::optional<Baseline> baseline;
  CompareOptions options;
  if (!flags.compare.empty()) {
    options = ToCompareOptions(flags.compare_flags);
    baseline = ReadBaselineFile(flags.compare);
  }
  if (flags.confirm && !baseline) throw UsageError("--confirm: needs --compare BASELINE");

  const SuiteRunOutput output = RunSuite(suite, request);
  const fs::path timeline = WriteRunFiles(output, out);
  const ResultsFile results = ParseResults(output.results, out.string());
  if (!flags.quiet) {
    fmt::print("\n{}", RenderRunTables(SummarizeResults(results), output.efficiencies));
    fmt::print("\nsuite {} in {:.1f} s; results: {} (timeline: {})\n", suite.name, output.wall_sec,
               out.string(), timeline.string());
  } else {
    fmt::print("{}\n", out.string());
  }
  if (!baseline) return output.any_failed ? kExitFailed : kExitOk;

  CompareReport report = CompareResults(*baseline, results, options);
  report.baseline_source = flags.compare;
  const std::vector<std::string> regressed = report.RegressedWorkloads();
  if (flags.confirm && !regressed.empty()) {
    // Rerun only what regressed; the build fails only when the regression reproduces.
    std::string names;
    for (const auto& n : regressed) names += (names.empty() ? "" : ", ") + n;
    fmt::print(stderr, "feedbench: confirming the regression of {} with a second run\n", names);
    RunRequest rerun_request = request;
    rerun_request.only = regressed;
    rerun_request.filter.reset();
    const SuiteRunOutput rerun = RunSuite(suite, rerun_request);
    fs::path confirm_path = out;
    confirm_path.replace_extension(".confirm.json");
    WriteRunFiles(rerun, confirm_path);
    const ResultsFile rerun_results = ParseResults(rerun.results, confirm_path.string());
    report = CompareResults(*baseline, WithWorkloadsReplaced(results, rerun_results), options);
    report.baseline_source = flags.compare;
    fmt::print("confirmation run: {}\n", confirm_path.string());
  }
  fmt::print("\n{}", RenderCompareTable(report));
  WriteCompareReports(flags.compare_flags, report);
  if (output.any_failed) return kExitFailed;
  return report.ExitCode();
}

}  // namespace

void AddRunCommand(CLI::App& app, CommandAction& action) {
  auto flags = std::make_shared<RunFlags>();
  auto* sub = app.add_subcommand(
      "run",
      "Run a benchmark suite: generate (or reuse) its dataset, replay each workload cold with\n"
      "diskstats sampling, and write Google Benchmark JSON results plus a timeline sidecar.");
  sub->add_option("--suite", flags->suite,
                  "Shipped suite name (smoke, ci, layouts, ...) or a suite JSON file")
      ->capture_default_str();
  sub->add_option("--data-dir", flags->data_dir,
                  "Where datasets are generated (default $TMPDIR/feedbench-data); must be empty, "
                  "new, or feedbench's own");
  sub->add_option("--out", flags->out,
                  "Results file (default results/<suite>-<host>-<UTC timestamp>.json)");
  sub->add_option("--repetitions", flags->repetitions,
                  "Repetitions per workload (overrides the suite)");
  sub->add_option("--filter", flags->filter, "Run only workloads whose name matches this regex");
  sub->add_option("--cache", flags->cache, "cold (drop caches before each repetition) or warm");
  sub->add_option("--interval-ms", flags->interval_ms, "diskstats sampling interval, 1..60000 ms")
      ->capture_default_str();
  sub->add_option("--tmpfs-dir", flags->tmpfs_dir, "Where the tmpfs layout is staged")
      ->capture_default_str();
  sub->add_flag("--keep-data", flags->keep_data,
                "Keep generated datasets for the next run (default: remove them afterwards)");
  sub->add_flag(
      "--quiet", flags->quiet,
      "No progress or run table: print the results path (and, with --compare, the comparison)");
  sub->add_option("--compare", flags->compare,
                  "After the run, compare with this baseline (as `feedbench compare` does) and "
                  "exit with its verdict: 0 pass, 1 regression, 3 fingerprint mismatch");
  sub->add_flag("--confirm", flags->confirm,
                "With --compare: rerun the workloads judged REGRESSED once more and fail only if "
                "the regression reproduces");
  AddCompareFlags(*sub, flags->compare_flags);
  sub->callback([&action, flags, sub] { action = [flags, sub] { return Run(*flags, *sub); }; });
}

}  // namespace feedbench
