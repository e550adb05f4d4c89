#include "harness/cli/compare_flags.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <sstream>
#include <utility>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/cli/flag_values.h"
#include "harness/report/compare_report.h"

namespace feedbench {
namespace {

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

}  // namespace

void AddCompareFlags(CLI::App& sub, CompareFlags& flags) {
  sub.add_option("--tolerance-throughput", flags.tolerance_throughput,
                 "Tolerance for throughput metrics, percent (default 5)");
  sub.add_option("--tolerance-await", flags.tolerance_await,
                 "Tolerance for await and latency metrics, percent (default 10)");
  sub.add_option("--alpha", flags.alpha,
                 "Significance level of the one-sided Mann-Whitney test (default 0.01)");
  sub.add_option("--metrics", flags.metrics,
                 fmt::format("Comma-separated metrics to gate (default {}; probe_efficiency_pct "
                             "and warm_efficiency_pct are gated only where they narrow the "
                             "spread)",
                             fmt::join(DefaultGatedMetrics(), ",")));
  sub.add_option("--reference-runs", flags.reference_runs,
                 fmt::format("How many of the baseline's last runs form the reference (the "
                             "median of their medians; default {})",
                             kDefaultReferenceRuns));
  sub.add_flag("--allow-inconclusive", flags.allow_inconclusive,
               "Exit 0 instead of 4 when a gated row could not be judged (NOISY, UNCERTAIN, too "
               "few repetitions or baseline runs); the report still says INCONCLUSIVE");
  sub.add_option("--json", flags.json_out, "Also write the comparison as JSON to this file");
  sub.add_option("--markdown", flags.markdown_out,
                 "Also write a Markdown summary (for a CI step summary) to this file");
  sub.add_option("--junit", flags.junit_out, "Also write JUnit XML to this file");
  sub.add_flag("--ignore-fingerprint", flags.ignore_fingerprint,
               "Compare even when the machine or device fingerprint differs from the baseline's");
}

void RequireBaselineForCompareFlags(const CLI::App& sub, bool has_baseline,
                                    std::string_view needs) {
  if (has_baseline) return;
  for (const char* flag : {"--tolerance-throughput", "--tolerance-await", "--alpha", "--metrics",
                           "--reference-runs", "--allow-inconclusive", "--json", "--markdown",
                           "--junit", "--ignore-fingerprint"}) {
    if (sub.count(flag) > 0) {
      throw UsageError(fmt::format("{}: needs {} BASELINE (without it nothing is judged)", flag,
                                   needs));
    }
  }
}

CompareOptions ToCompareOptions(const CompareFlags& flags) {
  CompareOptions options;
  options.tolerance_throughput = ParsePercent(flags.tolerance_throughput, "--tolerance-throughput");
  options.tolerance_await = ParsePercent(flags.tolerance_await, "--tolerance-await");
  options.alpha =
      ParseNumber(flags.alpha, "--alpha", "a probability strictly between 0 and 1, e.g. 0.01");
  if (!flags.metrics.empty()) {
    options.metrics = SplitList(flags.metrics);
    if (options.metrics.empty()) throw UsageError("--metrics: expected a comma-separated list");
  }
  options.reference_runs = ParseCount(flags.reference_runs, "--reference-runs",
                                      "a whole number of baseline runs ≥ 1, e.g. 5");
  options.allow_inconclusive = flags.allow_inconclusive;
  options.ignore_fingerprint = flags.ignore_fingerprint;
  if (!flags.filter.empty()) options.workload_filter = flags.filter;
  ValidateOptions(options);
  for (const auto& [path, flag] :
       {std::pair{flags.json_out, "--json"}, std::pair{flags.markdown_out, "--markdown"},
        std::pair{flags.junit_out, "--junit"}}) {
    if (!path.empty()) CheckWritableDestination(path, flag);
  }
  return options;
}

void WriteCompareReports(const CompareFlags& flags, const CompareReport& report,
                         const QualifyReport* qualification) {
  if (!flags.json_out.empty()) {
    nlohmann::json document = CompareReportToJson(report);
    if (qualification != nullptr) document["feedbench_qualify"] = QualifyReportToJson(*qualification);
    WriteFileAtomic(flags.json_out, document.dump(2) + "\n");
  }
  if (!flags.markdown_out.empty())
    WriteFileAtomic(flags.markdown_out, RenderCompareMarkdown(report));
  if (!flags.junit_out.empty()) WriteFileAtomic(flags.junit_out, RenderCompareJunit(report));
}

}  // namespace feedbench
