// The stopping rule of `run --compare` (and `qualify --reference`): after each look at a
// comparison, which workloads get one more repetition, or stop.
//
// Repetitions until decided: the suite's own repetitions are the first look; while a gated row is
// not decided and more repetitions of its workload could decide it, that workload gets one more
// repetition per round (the coordinator interleaves them in a fresh random order), and the rows are
// judged again. It stops when every row is decided, or nothing more can be learnt, or the budget is
// spent; then the rows still undecided stay so and the report is INCONCLUSIVE (exit 4).
//
// A row more repetitions of the current run can settle (CanSettleWithMore): gated, not decided
// (IsDecided), and UNCERTAIN or NOISY, or UNCHANGED / IMPROVED that the rank test could not judge
// only because of the repetition counts (MinimumExactPValue ≥ the per-look alpha) on a reference
// of at least kMinReferenceRuns runs. A row short of reference runs is not: current repetitions do
// not add baseline runs. A NOISY row can only be settled as REGRESSED (its noise is the
// reference's): more repetitions settle it only when a regression beyond kσ is there to confirm.
//
// The budget (ExtensionBudget): at most max_repetitions per workload in all (the suite's included;
// disturbed repetitions and their reruns not counted), and time_budget_sec seconds of added
// repetitions. A round starts only when its estimate (the sum of its workloads' seconds per
// repetition) fits in what is left of the time budget, so the budget is not overrun by more than
// the estimate's error.
//
// The schedule of looks is fixed before the run: the suite's repetitions n0 of a workload, then
// n0 + 1, ..., max_repetitions: ScheduledLooks = max_repetitions − n0 + 1 (the largest over the
// workloads), and the judge holds each look at alpha ÷ looks (compare.h, CorrectedAlpha). Stopping
// early only drops looks, which keeps the bound.
//
// Pure and thread-safe: no IO, no clock.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness/gate/compare.h"

namespace feedbench {

// Nightly-CI defaults: three times the suite's repetitions, ten minutes of added repetitions.
inline constexpr int kDefaultMaxRepetitionsFactor = 3;
inline constexpr double kDefaultTimeBudgetSec = 600;

struct ExtensionBudget {
  // Per workload: the most repetitions it may have in all (the suite's included).
  std::map<std::string, int> max_repetitions;
  double time_budget_sec = kDefaultTimeBudgetSec;
  // A regression found now may still be rerun by --confirm and not reproduce: then the other
  // workloads' rows still matter, and a REGRESSED row does not stop the extension.
  bool confirm_follows = false;
};

// Where the extension stands after a look.
struct ExtensionState {
  // Per workload: repetitions counted towards max_repetitions so far (planned + added).
  std::map<std::string, int> repetitions;
  // Per workload: the estimated wall time of one more repetition, seconds.
  std::map<std::string, double> seconds_per_repetition;
  double spent_sec = 0;  // wall time of the added repetitions so far
};

enum class StopReason {
  kContinue,        // `extend` is the next round
  kDecided,         // every gated row is decided
  kNothingToLearn,  // rows are undecided, but more repetitions cannot settle them
  kGateFails,       // a row fails the gate whatever is added (INVALID, MISSING, or REGRESSED
                    // without --confirm), or the fingerprint differs
  kRepetitions,     // the undecided workloads have max_repetitions each
  kTimeBudget,      // the next round does not fit in the time budget
};

// "continue", "decided", "nothing more to learn", "the gate fails anyway",
// "--max-repetitions reached", "--time-budget spent".
std::string_view StopReasonName(StopReason reason);

struct ExtensionDecision {
  StopReason reason = StopReason::kDecided;
  std::vector<std::string> extend;     // one more repetition each; non-empty iff kContinue
  std::vector<std::string> undecided;  // workloads with a row more repetitions could settle
  std::string message;                 // one sentence for the log
  bool Continue() const { return reason == StopReason::kContinue; }
};

// True when one more repetition of the row's workload could decide `row` (see the top).
bool CanSettleWithMore(const MetricComparison& row, double alpha_per_look);

// The looks of the fixed schedule: the largest max_repetitions − planned + 1 over the workloads
// of `planned` (per workload: the suite's repetitions); a workload missing from `max_repetitions`
// has only its first look. REQUIRES: max_repetitions[w] ≥ planned[w].
std::size_t ScheduledLooks(const std::map<std::string, int>& planned,
                           const std::map<std::string, int>& max_repetitions);

// The next round, or why to stop (see the top). `report` is the comparison of the run so far,
// judged with the schedule's per-look alpha (report.options).
ExtensionDecision NextRound(const CompareReport& report, const ExtensionBudget& budget,
                            const ExtensionState& state);

}  // namespace feedbench
