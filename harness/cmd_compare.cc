// `feedbench compare BASELINE RESULTS`: the regression gate on the command line. Parses flags,
// reads both files, runs the pure comparison (harness/compare.h), prints the table and writes the
// requested reports atomically. Exit 0 pass, 1 regression or invalid run, 2 bad input,
// 3 fingerprint mismatch (or an unwritable report destination).
#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <memory>
#include <sstream>

#include "harness/atomic_file.h"
#include "harness/baseline.h"
#include "harness/commands.h"
#include "harness/compare.h"
#include "harness/compare_report.h"
#include "harness/errors.h"
#include "harness/results_reader.h"

namespace feedbench {
namespace {

struct CompareArgs {
  std::string baseline;
  std::string results;
  std::string tolerance_throughput = "5";
  std::string tolerance_await = "10";
  std::string alpha = "0.01";
  std::string metrics;
  std::string json_out;
  std::string markdown_out;
  std::string junit_out;
  bool ignore_fingerprint = false;
};

double ParseNumber(std::string_view text, std::string_view flag, std::string_view expected) {
  std::string_view t = text;
  double value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size() || t.empty()) {
    throw UsageError(fmt::format("{} '{}': expected {}", flag, text, expected));
  }
  return value;
}

// "5" or "5%" → 0.05.
double ParsePercent(std::string_view text, std::string_view flag) {
  std::string_view t = text;
  if (!t.empty() && t.back() == '%') t.remove_suffix(1);
  return ParseNumber(t, flag, "a percentage strictly between 0 and 100, e.g. 5 or 5%") / 100;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  std::stringstream ss{std::string(text)};
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first == std::string::npos) continue;
    out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

int RunCompare(const CompareArgs& args) {
  CompareOptions options;
  options.tolerance_throughput = ParsePercent(args.tolerance_throughput, "--tolerance-throughput");
  options.tolerance_await = ParsePercent(args.tolerance_await, "--tolerance-await");
  options.alpha =
      ParseNumber(args.alpha, "--alpha", "a probability strictly between 0 and 1, e.g. 0.01");
  if (!args.metrics.empty()) {
    options.metrics = SplitList(args.metrics);
    if (options.metrics.empty()) throw UsageError("--metrics: expected a comma-separated list");
  }
  options.ignore_fingerprint = args.ignore_fingerprint;
  ValidateOptions(options);
  for (const auto& [path, flag] :
       {std::pair{args.json_out, "--json"}, std::pair{args.markdown_out, "--markdown"},
        std::pair{args.junit_out, "--junit"}}) {
    if (!path.empty()) CheckWritableDestination(path, flag);
  }

  const Baseline baseline = ReadBaselineFile(args.baseline);
  const ResultsFile results = ReadResultsFile(args.results);
  const CompareReport report = CompareResults(baseline, results, options);

  std::fputs(RenderCompareTable(report).c_str(), stdout);
  std::fflush(stdout);
  if (!args.json_out.empty()) {
    WriteFileAtomic(args.json_out, CompareReportToJson(report).dump(2) + "\n");
  }
  if (!args.markdown_out.empty()) WriteFileAtomic(args.markdown_out, RenderCompareMarkdown(report));
  if (!args.junit_out.empty()) WriteFileAtomic(args.junit_out, RenderCompareJunit(report));
  return report.ExitCode();
}

}  // namespace

void AddCompareCommand(CLI::App& app, CommandAction& action) {
  auto args = std::make_shared<CompareArgs>();
  auto* sub = app.add_subcommand(
      "compare",
      "Judge a results file against a baseline: exit 0 pass, 1 regression, 2 bad input, "
      "3 fingerprint mismatch");
  sub->add_option("baseline", args->baseline, "Baseline file (baselines/<profile>/<suite>.json)")
      ->required();
  sub->add_option("results", args->results, "Results file written by feedbench run")->required();
  sub->add_option("--tolerance-throughput", args->tolerance_throughput,
                  "Tolerance for throughput metrics, percent (default 5)");
  sub->add_option("--tolerance-await", args->tolerance_await,
                  "Tolerance for await and latency metrics, percent (default 10)");
  sub->add_option("--alpha", args->alpha,
                  "Significance level of the one-sided Mann-Whitney test (default 0.01)");
  sub->add_option("--metrics", args->metrics,
                  "Comma-separated metrics to gate (default samples_per_second,bytes_per_second,"
                  "r_await_ms,lat_p99_us)");
  sub->add_option("--json", args->json_out, "Also write the report as JSON to this file");
  sub->add_option("--markdown", args->markdown_out,
                  "Also write a Markdown summary (for a CI step summary) to this file");
  sub->add_option("--junit", args->junit_out, "Also write JUnit XML to this file");
  sub->add_flag("--ignore-fingerprint", args->ignore_fingerprint,
                "Compare even when the machine or device fingerprint differs from the baseline's");
  sub->callback([&action, args] { action = [args] { return RunCompare(*args); }; });
}

}  // namespace feedbench
