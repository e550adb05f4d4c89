// `feedbench baseline record RESULTS... --to FILE [--keep N]` and `feedbench baseline show FILE`.
// record validates every results file and the existing baseline before writing, and writes
// atomically, so a refused or interrupted record leaves the old file as it was.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/cli/commands.h"
#include "harness/gate/baseline.h"
#include "harness/report/baseline_report.h"
#include "harness/results/metrics.h"
#include "harness/results/results_reader.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;

struct RecordArgs {
  std::vector<std::string> results;
  std::string to;
  std::optional<long long> keep;
};

struct ShowArgs {
  std::string file;
  std::string metrics;
};

int RunRecord(const RecordArgs& args) {
  std::optional<std::size_t> keep;
  if (args.keep) {
    if (*args.keep < 1) {
      throw UsageError(fmt::format("--keep {}: expected at least 1 run to keep", *args.keep));
    }
    keep = static_cast<std::size_t>(*args.keep);
  }
  const fs::path to = args.to;
  std::optional<Baseline> existing;
  std::error_code ec;
  if (fs::exists(to, ec)) {
    try {
      existing = ReadBaselineFile(to);
    } catch (const UsageError& e) {
      throw UsageError(
          fmt::format("--to {}: refusing to overwrite a file that is not a readable "
                      "feedbench baseline: {}",
                      to.string(), e.what()));
    }
  }
  std::vector<ResultsFile> results;
  for (const std::string& path : args.results) results.push_back(ReadResultsFile(path));
  const std::size_t before = existing ? existing->runs.size() : 0;
  const bool created = !existing;
  Baseline baseline = RecordRuns(std::move(existing), results, keep);
  CheckWritableDestination(to, "--to");  // a new profile folder is made when written
  WriteBaselineFile(to, baseline);
  const std::size_t dropped = before + results.size() - baseline.runs.size();
  std::printf(
      "%s %s: recorded %zu run(s) of suite %s; it now holds %zu run(s) (keeps the last "
      "%zu)%s\n",
      created ? "created" : "extended", to.c_str(), results.size(), baseline.suite.c_str(),
      baseline.runs.size(), baseline.keep,
      dropped ? fmt::format("; dropped the {} oldest", dropped).c_str() : "");
  return kExitOk;
}

int RunShow(const ShowArgs& args) {
  std::vector<std::string> metrics = DefaultGatedMetrics();
  if (!args.metrics.empty()) {
    metrics.clear();
    std::stringstream ss(args.metrics);
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (item.empty()) continue;
      if (FindMetric(item) == nullptr) {
        throw UsageError(fmt::format("--metrics: unknown metric '{}'", item));
      }
      metrics.push_back(item);
    }
  }
  const Baseline baseline = ReadBaselineFile(args.file);
  std::fputs(RenderBaselineHistory(baseline, metrics).c_str(), stdout);
  return kExitOk;
}

}  // namespace

void AddBaselineCommand(CLI::App& app, CommandAction& action) {
  auto* sub =
      app.add_subcommand("baseline", "Record and inspect baselines for the regression gate");
  sub->require_subcommand(1);

  auto record = std::make_shared<RecordArgs>();
  auto* rec = sub->add_subcommand(
      "record", "Create or extend a baseline from valid results files (written atomically)");
  rec->add_option("results", record->results, "Results files written by feedbench run")->required();
  rec->add_option("--to", record->to, "Baseline file to create or extend; its folder (baselines/<profile>/) may be new if its "
                  "parent exists (made when written, as for every output path)")->required();
  rec->add_option("--keep", record->keep,
                  fmt::format("Runs of history to keep (default: the baseline's own, {} for a "
                              "new one)",
                              kDefaultKeepRuns));
  rec->callback([&action, record] { action = [record] { return RunRecord(*record); }; });

  auto show = std::make_shared<ShowArgs>();
  auto* sh = sub->add_subcommand("show", "Print a baseline's history per workload");
  sh->add_option("file", show->file, "Baseline file")->required();
  sh->add_option("--metrics", show->metrics,
                 "Comma-separated metrics to show (default: the gated ones)");
  sh->callback([&action, show] { action = [show] { return RunShow(*show); }; });
}

}  // namespace feedbench
