#include "harness/cli/until_decided_flags.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "harness/base/errors.h"

namespace feedbench {

void AddUntilDecidedFlags(CLI::App& sub, UntilDecidedFlags& flags) {
  sub.add_option(
      "--max-repetitions", flags.max_repetitions,
      fmt::format("With a baseline: repetitions per workload in all, the suite's included, up to "
                  "which a workload whose rows are not decided (UNCERTAIN, NOISY, too few "
                  "repetitions) gets one more per round (default {}x the suite's; the suite's own "
                  "turns this off). The rank test's alpha is divided by the number of looks this "
                  "allows (Bonferroni)",
                  kDefaultMaxRepetitionsFactor));
  sub.add_option(
      "--time-budget", flags.time_budget,
      fmt::format("With a baseline: seconds of added repetitions at most (default {:g}); "
                  "rows still undecided then make the verdict INCONCLUSIVE (exit 4)",
                  kDefaultTimeBudgetSec));
}

std::map<std::string, int> PlannedRepetitions(const Suite& suite, const RunRequest& request) {
  std::map<std::string, int> out;
  for (const SuiteWorkload& w : SelectWorkloads(suite, request)) {
    out[w.name] = request.repetitions.value_or(w.settings.repetitions);
  }
  return out;
}

ExtensionBudget ToExtensionBudget(const UntilDecidedFlags& flags,
                                  const std::map<std::string, int>& planned) {
  ExtensionBudget budget;
  if (!flags.max_repetitions.empty()) {
    const std::string& text = flags.max_repetitions;
    long long n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n <= 0) {
      throw UsageError(fmt::format(
          "--max-repetitions '{}': expected a whole number of repetitions per workload ≥ 1", text));
    }
    for (const auto& [workload, n0] : planned) {
      if (n < n0) {
        throw UsageError(fmt::format(
            "--max-repetitions {}: below the {} repetitions the run plans for {} (it counts the "
            "suite's repetitions too)",
            n, n0, workload));
      }
      budget.max_repetitions[workload] = static_cast<int>(n);
    }
  } else {
    for (const auto& [workload, n0] : planned) {
      budget.max_repetitions[workload] = kDefaultMaxRepetitionsFactor * n0;
    }
  }
  if (!flags.time_budget.empty()) {
    const std::string& text = flags.time_budget;
    double seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
        seconds < 0) {
      throw UsageError(fmt::format(
          "--time-budget '{}': expected seconds of added repetitions, a number ≥ 0", text));
    }
    budget.time_budget_sec = seconds;
  }
  return budget;
}

}  // namespace feedbench
