#include "harness/gate/stopping_rule.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/base/statistics.h"

namespace feedbench {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void AddOnce(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

// Why the gate fails whatever more repetitions show, or "".
std::string FinalFailure(const CompareReport& report, bool confirm_follows) {
  if (report.SkippedForFingerprint()) return "the fingerprint differs from the baseline's";
  for (const MetricComparison& row : report.rows) {
    if (row.verdict == Verdict::kInvalid || row.verdict == Verdict::kMissing ||
        (row.verdict == Verdict::kRegressed && !confirm_follows)) {
      return fmt::format("{} {} is {}", row.workload, row.metric, VerdictName(row.verdict));
    }
  }
  return "";
}

ExtensionDecision Stop(StopReason reason, std::vector<std::string> undecided, std::string message) {
  ExtensionDecision d;
  d.reason = reason;
  d.undecided = std::move(undecided);
  d.message = std::move(message);
  return d;
}

}  // namespace

std::string_view StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kContinue:
      return "continue";
    case StopReason::kDecided:
      return "decided";
    case StopReason::kNothingToLearn:
      return "nothing more to learn";
    case StopReason::kGateFails:
      return "the gate fails anyway";
    case StopReason::kRepetitions:
      return "--max-repetitions reached";
    case StopReason::kTimeBudget:
      return "--time-budget spent";
  }
  return "?";
}

bool CanSettleWithMore(const MetricComparison& row, double alpha_per_look) {
  if (row.verdict == Verdict::kNew || IsDecided(row)) return false;
  if (row.verdict == Verdict::kUncertain || row.verdict == Verdict::kNoisy) return true;
  if (row.verdict != Verdict::kUnchanged && row.verdict != Verdict::kImproved) return false;
  // Judged but not decided: short of reference runs (current repetitions cannot help), or of
  // repetitions for the rank test to reach alpha at all (they can).
  return row.baseline_runs >= kMinReferenceRuns &&
         !(stats::MinimumExactPValue(row.baseline_repetitions, row.current_repetitions) <
           alpha_per_look);
}

std::size_t ScheduledLooks(const std::map<std::string, int>& planned,
                           const std::map<std::string, int>& max_repetitions) {
  std::size_t looks = 1;
  for (const auto& [workload, n0] : planned) {
    const auto it = max_repetitions.find(workload);
    if (it == max_repetitions.end() || it->second <= n0) continue;
    looks = std::max(looks, static_cast<std::size_t>(it->second - n0 + 1));
  }
  return looks;
}

ExtensionDecision NextRound(const CompareReport& report, const ExtensionBudget& budget,
                            const ExtensionState& state) {
  const double alpha = report.options.AlphaPerLook();
  std::vector<std::string> undecided;
  bool any_undecided_row = false;
  for (const MetricComparison& row : report.rows) {
    if (row.verdict == Verdict::kNew || IsDecided(row)) continue;
    any_undecided_row = true;
    if (CanSettleWithMore(row, alpha)) AddOnce(undecided, row.workload);
  }
  if (const std::string failure = FinalFailure(report, budget.confirm_follows); !failure.empty()) {
    return Stop(
        StopReason::kGateFails, undecided,
        fmt::format("no more repetitions: the gate fails whatever they show ({})", failure));
  }
  if (!any_undecided_row) {
    return Stop(StopReason::kDecided, {}, "every gated row is decided");
  }
  if (undecided.empty()) {
    return Stop(StopReason::kNothingToLearn, {},
                "no more repetitions: the rows not judged cannot be settled by more repetitions of "
                "this run (see their reasons)");
  }
  std::vector<std::string> extend;
  std::vector<std::string> full;
  for (const std::string& w : undecided) {
    const auto max_it = budget.max_repetitions.find(w);
    const auto have_it = state.repetitions.find(w);
    const int have = have_it == state.repetitions.end() ? 0 : have_it->second;
    if (max_it == budget.max_repetitions.end() || have >= max_it->second) {
      full.push_back(w);
    } else {
      extend.push_back(w);
    }
  }
  if (extend.empty()) {
    return Stop(StopReason::kRepetitions, undecided,
                fmt::format("no more repetitions: {} reached --max-repetitions undecided",
                            JoinNames(full)));
  }
  double round_sec = 0;
  for (const std::string& w : extend) {
    const auto it = state.seconds_per_repetition.find(w);
    if (it != state.seconds_per_repetition.end()) round_sec += it->second;
  }
  if (state.spent_sec + round_sec > budget.time_budget_sec) {
    return Stop(StopReason::kTimeBudget, undecided,
                fmt::format("no more repetitions: another round of {} (about {:.0f} s) would "
                            "pass --time-budget {:g} s ({:.0f} s spent)",
                            JoinNames(extend), round_sec, budget.time_budget_sec, state.spent_sec));
  }
  ExtensionDecision d;
  d.reason = StopReason::kContinue;
  d.extend = extend;
  d.undecided = std::move(undecided);
  d.message =
      fmt::format("one more repetition of {} (not decided yet{})", JoinNames(extend),
                  full.empty() ? "" : fmt::format("; {} at --max-repetitions", JoinNames(full)));
  return d;
}

}  // namespace feedbench
