// Two of anything measured in the same interleaved rounds, compared round by round: a dataset
// layout against the reference layout (`feedbench layouts`), or side B against side A
// (`feedbench ab`). Each round ran every compared workload once, in a balanced random order
// (harness/suite/round_order.h), so what the node did during the round — its drift, a slow minute —
// fell on both sides of that round alike and cancels in their ratio.
//
// The comparison (CompareInRounds), for one candidate and the reference, on a higher-is-better
// counter (samples/s):
// - per round in which both sides have a valid repetition (disturbed, contaminated and failed ones
//   are left out, as the gate leaves them out), the ratio candidate ÷ reference (> 1: faster);
// - the ratio reported is the median of those per-round ratios; its interval is the Wilcoxon
//   signed-rank interval (harness/base/statistics.h) of their logarithms, taken back to ratios, at
//   confidence 1 − alpha per look (alpha ÷ the scheduled looks, Bonferroni, as the gate's until
//   decided; AbLooks);
// - the verdict, with margin m (SAME means "no difference larger than m either way"):
//     SAME          the interval lies within [1 ÷ (1 + m), 1 + m] (checked first);
//     FASTER        the interval lies above 1;
//     SLOWER        the interval lies below 1;
//     INCONCLUSIVE  otherwise (it spans 1 and reaches beyond the margin), or too few paired rounds
//                   for an interval at that confidence (stats::SignedRankMinimumN).
//   Every true ratio is eventually decided as rounds are added: the interval narrows around it, so
//   it ends above or below 1, or inside the margin.
//
// The stopping rule (NextAbRound) reuses the gate's budget and state (stopping_rule.h): while a
// candidate is INCONCLUSIVE (also with no paired round yet: on a busy node every round so far may
// have had a disturbed repetition) and one more round could help, it and the reference get one
// more round;
// a workload's rounds count against ExtensionBudget::max_repetitions, the added rounds' time
// against time_budget_sec.
//
// Pure and thread-safe, but RoundValuesOf, which reads a SuiteRun.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/gate/stopping_rule.h"
#include "harness/suite/suite_run.h"

namespace feedbench {

enum class AbVerdict { kFaster, kSlower, kSame, kInconclusive };

// "FASTER", "SLOWER", "SAME", "INCONCLUSIVE".
std::string_view AbVerdictName(AbVerdict verdict);

struct AbOptions {
  double margin = 0.05;  // fraction: SAME within ±5%
  double alpha = 0.05;   // 1 − confidence of the interval, over all looks
  std::size_t looks = 1;  // the schedule's looks (AbLooks); alpha ÷ looks per look
  std::string metric = "samples_per_second";  // a higher-is-better counter

  double AlphaPerLook() const;
};

// Throws UsageError naming the flag: margin outside (0, 1) (--margin), alpha outside (0, 1)
// (--confidence), looks 0.
void ValidateAbOptions(const AbOptions& options);

// A workload's valid values of `metric` by round (round → value); rounds from 1. A round with
// no valid repetition of it is absent; with two (a disturbed one rerun), the valid one counts.
using RoundValues = std::map<int, double>;

// From a run: the valid repetitions of `run` that ran in rounds (RepetitionMeasurement::round > 0)
// and carry the metric. Metric names as in harness/results/metrics.h.
RoundValues RoundValuesOf(const WorkloadRun& run, std::string_view metric);

// A figure over a workload's valid repetitions: median, min and max, in the metric's unit.
struct ValueSpread {
  double median = 0, min = 0, max = 0;
};

// The finite values of `metric` over the valid repetitions of `run`, in order.
std::vector<double> ValidValues(const WorkloadRun& run, std::string_view metric);

// nullopt when no valid repetition of `run` carries the metric.
std::optional<ValueSpread> ValidSpread(const WorkloadRun& run, std::string_view metric);

struct AbComparison {
  std::string candidate;
  std::string reference;
  std::string metric;
  std::vector<int> rounds;      // the paired rounds, ascending
  std::vector<double> ratios;   // candidate ÷ reference in each of them
  std::optional<double> ratio;  // median of `ratios`; nullopt with no paired round
  std::optional<double> lower, upper;  // the interval of the ratio; nullopt when too few rounds
  double confidence = 0;               // its actual coverage (≥ 1 − alpha per look)
  double margin = 0;
  AbVerdict verdict = AbVerdict::kInconclusive;
  std::string reason;  // one sentence: what was decided, or why not
  std::size_t rounds_needed = 0;  // paired rounds an interval needs at all at this confidence
};

// See the top. REQUIRES: ValidateAbOptions(options) passes.
AbComparison CompareInRounds(const std::string& candidate, const RoundValues& candidate_values,
                             const std::string& reference, const RoundValues& reference_values,
                             const AbOptions& options);

// The looks of a schedule that runs `planned` rounds, then one more at a time up to `max_rounds`:
// the rounds n in [planned, max_rounds] at which an interval is possible at all at
// alpha ÷ looks (n ≥ SignedRankMinimumN); a look that cannot decide cannot err, so it is not
// counted. Solved by iteration (fewer looks allow earlier ones). At least 1.
std::size_t AbLooks(int planned, int max_rounds, double alpha);

// Side B against side A (`feedbench ab`): per workload of `workloads` that both runs have, B's
// workload compared with A's of the same name (candidate and reference both named after it).
std::vector<AbComparison> CompareSides(const SuiteRun& a, const SuiteRun& b,
                                       const std::vector<std::string>& workloads,
                                       const AbOptions& options);

// The table of `feedbench ab`: per compared workload, each side's figure (median, min, max over
// valid repetitions) and B's comparison with A.
struct SideRow {
  std::string workload;
  std::optional<ValueSpread> a, b;
  AbComparison comparison;
};

struct SidesDecision {
  std::string a_label, b_label;  // what A and B are ("/data/old (vdb)", a suite name, ...)
  std::string metric;
  double margin = 0, alpha = 0, alpha_per_look = 0;
  int rounds = 0;
  uint64_t order_seed = 0;
  std::vector<SideRow> rows;
  bool all_decided = false;
};

SidesDecision DecideSides(const SuiteRun& a, const SuiteRun& b, std::string a_label,
                          std::string b_label, const std::vector<AbComparison>& comparisons,
                          const AbOptions& options, int rounds, uint64_t order_seed);

// The next round of the candidates still INCONCLUSIVE and the reference, or why to stop (reasons
// as stopping_rule.h's: decided, --max-rounds reached, --time-budget spent). `state.repetitions`
// counts each workload's rounds. A candidate with no paired round (every repetition invalid) is
// not extended: more rounds of a failing workload do not settle it.
ExtensionDecision NextAbRound(const std::vector<AbComparison>& comparisons,
                              const ExtensionBudget& budget, const ExtensionState& state);

}  // namespace feedbench
