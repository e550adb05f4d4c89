#include "harness/gate/ab_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "harness/base/errors.h"
#include "harness/base/statistics.h"
#include "harness/results/metrics.h"

namespace feedbench {

std::string_view AbVerdictName(AbVerdict verdict) {
  switch (verdict) {
    case AbVerdict::kFaster:
      return "FASTER";
    case AbVerdict::kSlower:
      return "SLOWER";
    case AbVerdict::kSame:
      return "SAME";
    case AbVerdict::kInconclusive:
      return "INCONCLUSIVE";
  }
  return "?";
}

double AbOptions::AlphaPerLook() const { return alpha / static_cast<double>(std::max<std::size_t>(looks, 1)); }

void ValidateAbOptions(const AbOptions& options) {
  if (!(options.margin > 0 && options.margin < 1)) {
    throw UsageError(fmt::format("--margin {:g}: expected a percentage above 0 and below 100",
                                 options.margin * 100));
  }
  if (!(options.alpha > 0 && options.alpha < 1)) {
    throw UsageError(fmt::format("--confidence {:g}: expected a percentage above 0 and below 100",
                                 (1 - options.alpha) * 100));
  }
  if (options.looks == 0) throw UsageError("the schedule of looks is empty");
  const MetricInfo* metric = FindMetric(options.metric);
  if (metric == nullptr || metric->orientation != Orientation::kHigherIsBetter) {
    throw UsageError(fmt::format("--metric {}: expected a higher-is-better counter such as "
                                 "samples_per_second or bytes_per_second",
                                 options.metric));
  }
}

RoundValues RoundValuesOf(const WorkloadRun& run, std::string_view metric) {
  RoundValues out;
  const MetricInfo* info = FindMetric(metric);
  if (info == nullptr) return out;
  for (const RepetitionMeasurement& m : run.measurements) {
    if (m.round <= 0 || !m.valid()) continue;
    const std::optional<double> value = m.figures.Get(info->id);
    if (value && std::isfinite(*value)) out[m.round] = *value;
  }
  return out;
}

std::vector<double> ValidValues(const WorkloadRun& run, std::string_view metric) {
  std::vector<double> values;
  const MetricInfo* info = FindMetric(metric);
  if (info == nullptr) return values;
  for (const RepetitionMeasurement& m : run.measurements) {
    if (!m.valid()) continue;
    const std::optional<double> v = m.figures.Get(info->id);
    if (v && std::isfinite(*v)) values.push_back(*v);
  }
  return values;
}

std::optional<ValueSpread> ValidSpread(const WorkloadRun& run, std::string_view metric) {
  const std::vector<double> values = ValidValues(run, metric);
  if (values.empty()) return std::nullopt;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return ValueSpread{stats::Median(values), *lo, *hi};
}

std::vector<AbComparison> CompareSides(const SuiteRun& a, const SuiteRun& b,
                                       const std::vector<std::string>& workloads,
                                       const AbOptions& options) {
  auto find = [](const SuiteRun& run, const std::string& name) -> const WorkloadRun* {
    for (const WorkloadRun& w : run.workloads) {
      if (w.workload.name == name) return &w;
    }
    return nullptr;
  };
  std::vector<AbComparison> out;
  for (const std::string& name : workloads) {
    const WorkloadRun* wa = find(a, name);
    const WorkloadRun* wb = find(b, name);
    if (wa == nullptr || wb == nullptr) continue;
    out.push_back(CompareInRounds(name, RoundValuesOf(*wb, options.metric), name,
                                  RoundValuesOf(*wa, options.metric), options));
  }
  return out;
}

SidesDecision DecideSides(const SuiteRun& a, const SuiteRun& b, std::string a_label,
                          std::string b_label, const std::vector<AbComparison>& comparisons,
                          const AbOptions& options, int rounds, uint64_t order_seed) {
  SidesDecision d;
  d.a_label = std::move(a_label);
  d.b_label = std::move(b_label);
  d.metric = options.metric;
  d.margin = options.margin;
  d.alpha = options.alpha;
  d.alpha_per_look = options.AlphaPerLook();
  d.rounds = rounds;
  d.order_seed = order_seed;
  d.all_decided = true;
  for (const AbComparison& c : comparisons) {
    SideRow row;
    row.workload = c.candidate;
    for (const WorkloadRun& w : a.workloads) {
      if (w.workload.name == c.reference) row.a = ValidSpread(w, options.metric);
    }
    for (const WorkloadRun& w : b.workloads) {
      if (w.workload.name == c.candidate) row.b = ValidSpread(w, options.metric);
    }
    row.comparison = c;
    if (c.verdict == AbVerdict::kInconclusive) d.all_decided = false;
    d.rows.push_back(std::move(row));
  }
  return d;
}

AbComparison CompareInRounds(const std::string& candidate, const RoundValues& candidate_values,
                             const std::string& reference, const RoundValues& reference_values,
                             const AbOptions& options) {
  AbComparison c;
  c.candidate = candidate;
  c.reference = reference;
  c.metric = options.metric;
  c.margin = options.margin;
  const double alpha = options.AlphaPerLook();
  c.rounds_needed = stats::SignedRankMinimumN(alpha);
  std::vector<double> logs;
  for (const auto& [round, value] : candidate_values) {
    const auto it = reference_values.find(round);
    if (it == reference_values.end() || !(it->second > 0) || !(value > 0)) continue;
    c.rounds.push_back(round);
    c.ratios.push_back(value / it->second);
    logs.push_back(std::log(value / it->second));
  }
  if (c.ratios.empty()) {
    c.reason = fmt::format("no round with a valid repetition of both {} and {}", candidate,
                           reference);
    return c;
  }
  c.ratio = stats::Median(c.ratios);
  const auto ci = stats::SignedRankConfidenceInterval(logs, alpha);
  if (!ci) {
    c.reason = fmt::format(
        "{} paired round(s); an interval at {:.4g}% confidence needs at least {}", c.rounds.size(),
        100 * (1 - alpha), c.rounds_needed);
    return c;
  }
  c.lower = std::exp(ci->lower);
  c.upper = std::exp(ci->upper);
  c.confidence = ci->confidence;
  const double top = 1 + options.margin, bottom = 1 / (1 + options.margin);
  const std::string interval =
      fmt::format("[{:.3f}, {:.3f}] at {:.4g}%", *c.lower, *c.upper, 100 * c.confidence);
  if (*c.lower >= bottom && *c.upper <= top) {
    c.verdict = AbVerdict::kSame;
    c.reason = fmt::format("the same within ±{:g}%: ratio interval {}", 100 * options.margin,
                           interval);
  } else if (*c.lower > 1) {
    c.verdict = AbVerdict::kFaster;
    c.reason = fmt::format("faster than {}: ratio interval {} above 1", reference, interval);
  } else if (*c.upper < 1) {
    c.verdict = AbVerdict::kSlower;
    c.reason = fmt::format("slower than {}: ratio interval {} below 1", reference, interval);
  } else {
    c.reason = fmt::format("ratio interval {} spans 1 and reaches beyond ±{:g}%", interval,
                           100 * options.margin);
  }
  return c;
}

std::size_t AbLooks(int planned, int max_rounds, double alpha) {
  const int last = std::max(planned, max_rounds);
  std::size_t looks = static_cast<std::size_t>(last - planned + 1);
  while (true) {
    const auto first_useful =
        std::max<int>(planned, static_cast<int>(stats::SignedRankMinimumN(alpha / looks)));
    const std::size_t next =
        first_useful > last ? 1 : static_cast<std::size_t>(last - first_useful + 1);
    if (next >= looks) return looks;
    looks = next;
  }
}

ExtensionDecision NextAbRound(const std::vector<AbComparison>& comparisons,
                              const ExtensionBudget& budget, const ExtensionState& state) {
  auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  auto add_once = [](std::vector<std::string>& names, const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  auto room = [&](const std::string& w) {
    const auto max = budget.max_repetitions.find(w);
    const auto have = state.repetitions.find(w);
    return max != budget.max_repetitions.end() &&
           (have == state.repetitions.end() ? 0 : have->second) < max->second;
  };
  ExtensionDecision d;
  std::vector<std::string> undecided, unpaired, extend, references;
  for (const AbComparison& c : comparisons) {
    if (c.verdict != AbVerdict::kInconclusive) continue;
    // Not paired yet (every round so far had an invalid repetition on one side: on a busy node,
    // disturbed ones) is undecided too while rounds remain: the next round may pair.
    (c.ratios.empty() ? unpaired : undecided).push_back(c.candidate);
    if (!room(c.candidate) || !room(c.reference)) continue;
    add_once(extend, c.candidate);
    add_once(references, c.reference);
  }
  if (undecided.empty() && extend.empty()) {
    d.reason = unpaired.empty() ? StopReason::kDecided : StopReason::kNothingToLearn;
    d.message = unpaired.empty()
                    ? "every comparison is decided"
                    : fmt::format("no more rounds: {} had no round with a valid repetition on "
                                  "both sides and no room for more (see the reasons)",
                                  join(unpaired));
    d.undecided = unpaired;
    return d;
  }
  for (const std::string& u : unpaired) add_once(undecided, u);
  d.undecided = undecided;
  if (extend.empty()) {
    d.reason = StopReason::kRepetitions;
    d.message = "no more rounds: --max-rounds reached with comparisons undecided";
    return d;
  }
  for (const std::string& r : references) add_once(extend, r);
  double round_sec = 0;
  for (const std::string& w : extend) {
    const auto it = state.seconds_per_repetition.find(w);
    if (it != state.seconds_per_repetition.end()) round_sec += it->second;
  }
  if (state.spent_sec + round_sec > budget.time_budget_sec) {
    d.reason = StopReason::kTimeBudget;
    d.message = fmt::format(
        "no more rounds: another (about {:.0f} s) would pass --time-budget {:g} s ({:.0f} s spent)",
        round_sec, budget.time_budget_sec, state.spent_sec);
    return d;
  }
  d.reason = StopReason::kContinue;
  d.extend = extend;
  // `feedbench ab` compares each workload with its namesake on the other side.
  const bool namesakes = std::all_of(comparisons.begin(), comparisons.end(),
                                     [](const AbComparison& c) { return c.candidate == c.reference; });
  d.message = fmt::format("one more round of {} {} (not decided yet{})", join(undecided),
                          namesakes ? "on both sides" : "against " + join(references),
                          unpaired.empty() ? "" : "; no valid pair yet: " + join(unpaired));
  return d;
}

}  // namespace feedbench
