#include "harness/cli/ab_flags.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/statistics.h"
#include "harness/cli/flag_values.h"
#include "harness/gate/stopping_rule.h"

namespace feedbench {

void AddAbFlags(CLI::App& sub, AbFlags& flags, const std::string& what) {
  sub.add_option("--margin", flags.margin,
                 "SAME means no difference larger than this, percent (default 5)");
  sub.add_option("--confidence", flags.confidence,
                 "Confidence of each ratio's interval over all looks, percent (default 95); each "
                 "look uses 100 − (100 − C) ÷ looks (Bonferroni)");
  sub.add_option("--max-rounds", flags.max_rounds,
                 fmt::format("Rounds at most, the planned ones included (default {}× the suite's "
                             "repetitions); a round runs {} once each",
                             kDefaultMaxRoundsFactor, what));
  sub.add_option("--time-budget", flags.time_budget,
                 fmt::format("Seconds of added rounds at most (default {:g})",
                             kDefaultTimeBudgetSec));
  sub.add_option("--seed", flags.seed,
                 "Seed of the rounds' orders (default: drawn at random; the one used is in the "
                 "results' context.feedbench.order_seed)");
  sub.add_option("--json", flags.json_out, "Write the decision table as JSON to this file");
  sub.add_option("--markdown", flags.markdown_out,
                 "Write the decision table as Markdown to this file (a CI step summary)");
  sub.add_flag("--allow-inconclusive", flags.allow_inconclusive,
               "Exit 0 rather than 4 when a comparison is left INCONCLUSIVE");
}

AbSettings ToAbSettings(const AbFlags& flags, int planned_rounds) {
  AbSettings s;
  s.planned_rounds = planned_rounds;
  s.options.margin = ParsePercent(flags.margin, "--margin");
  s.options.alpha = 1 - ParsePercent(flags.confidence, "--confidence");
  ValidateAbOptions(s.options);
  const auto needed = static_cast<int>(stats::SignedRankMinimumN(s.options.alpha));
  s.max_rounds = std::max(kDefaultMaxRoundsFactor * planned_rounds, needed + 4);
  if (!flags.max_rounds.empty()) {
    s.max_rounds = static_cast<int>(
        ParseCount(flags.max_rounds, "--max-rounds", "a whole number of rounds ≥ 2"));
    if (s.max_rounds < 2) {
      throw UsageError(fmt::format(
          "--max-rounds {}: two rounds at least (one round gives one ratio per pair, no spread)",
          s.max_rounds));
    }
    if (s.max_rounds < planned_rounds) {
      throw UsageError(fmt::format(
          "--max-rounds {}: below the {} rounds the run plans (the suite's repetitions, or "
          "--repetitions)",
          s.max_rounds, planned_rounds));
    }
  }
  if (s.max_rounds < needed) {
    throw UsageError(fmt::format(
        "--max-rounds {}: an interval at {:g}% confidence needs at least {} rounds; allow more "
        "rounds or ask for less confidence",
        s.max_rounds, 100 * (1 - s.options.alpha), needed));
  }
  s.options.looks = AbLooks(planned_rounds, s.max_rounds, s.options.alpha);
  s.time_budget_sec = kDefaultTimeBudgetSec;
  if (!flags.time_budget.empty()) {
    const double seconds = ParseNumber(flags.time_budget, "--time-budget",
                                       "seconds of added rounds, a number ≥ 0");
    if (!(seconds >= 0) || !std::isfinite(seconds)) {
      throw UsageError(fmt::format(
          "--time-budget '{}': expected seconds of added rounds, a number ≥ 0", flags.time_budget));
    }
    s.time_budget_sec = seconds;
  }
  if (!flags.seed.empty()) s.seed = ParseCount(flags.seed, "--seed", "a whole number ≥ 1");
  if (!flags.json_out.empty()) CheckWritableDestination(flags.json_out, "--json");
  if (!flags.markdown_out.empty()) CheckWritableDestination(flags.markdown_out, "--markdown");
  return s;
}

}  // namespace feedbench
