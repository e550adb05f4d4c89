// Repetitions until decided: the pure stopping rule on hand-made reports, the corrected alpha of
// the fixed schedule of looks, and the false-alarm rate of the looks by a seeded A/A simulation
// through the production judge.
#include "harness/gate/stopping_rule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "harness/base/errors.h"
#include "harness/gate/compare.h"

namespace feedbench {
namespace {

using Names = std::vector<std::string>;

// A gated row of `workload` as the judge leaves it; decided unless a reason is given.
MetricComparison Row(const std::string& workload, Verdict verdict, std::string reason = "",
                     std::size_t baseline_runs = 5, std::size_t baseline_reps = 25,
                     std::size_t current_reps = 5) {
  MetricComparison r;
  r.workload = workload;
  r.metric = "samples_per_second";
  r.verdict = verdict;
  r.inconclusive_reason = std::move(reason);
  r.baseline_runs = baseline_runs;
  r.baseline_repetitions = baseline_reps;
  r.current_repetitions = current_reps;
  return r;
}

CompareReport Report(std::vector<MetricComparison> rows, std::size_t looks = 11) {
  CompareReport report;
  report.options.looks = looks;
  report.rows = std::move(rows);
  return report;
}

ExtensionBudget Budget(int max_repetitions = 15, double time_budget_sec = 600) {
  ExtensionBudget b;
  for (const char* w : {"a", "b", "c"}) b.max_repetitions[w] = max_repetitions;
  b.time_budget_sec = time_budget_sec;
  return b;
}

ExtensionState State(int repetitions = 5, double spent_sec = 0, double sec_per_rep = 10) {
  ExtensionState s;
  for (const char* w : {"a", "b", "c"}) {
    s.repetitions[w] = repetitions;
    s.seconds_per_repetition[w] = sec_per_rep;
  }
  s.spent_sec = spent_sec;
  return s;
}

// ---- The corrected alpha and the schedule ----

TEST(CorrectedAlpha, IsAlphaDividedByTheScheduledLooks) {
  EXPECT_DOUBLE_EQ(CorrectedAlpha(0.01, 1), 0.01);
  EXPECT_DOUBLE_EQ(CorrectedAlpha(0.01, 11), 0.01 / 11);
  EXPECT_DOUBLE_EQ(CorrectedAlpha(0.05, 7), 0.05 / 7);
  CompareOptions o;
  o.looks = 4;
  EXPECT_DOUBLE_EQ(o.AlphaPerLook(), 0.0025);
}

TEST(ScheduledLooks, AreTheSuitesRepetitionsThenOnePerAddedRoundTheLargestOverWorkloads) {
  // 5 planned up to 15: looks at 5, 6, ..., 15 = 11. 3 up to 15: 13 looks, the largest.
  EXPECT_EQ(ScheduledLooks({{"a", 5}}, {{"a", 15}}), 11u);
  EXPECT_EQ(ScheduledLooks({{"a", 5}, {"b", 3}}, {{"a", 15}, {"b", 15}}), 13u);
  // --max-repetitions equal to the suite's: one look, the alpha as asked.
  EXPECT_EQ(ScheduledLooks({{"a", 5}}, {{"a", 5}}), 1u);
}

TEST(ValidateOptions, AnEmptyScheduleOfLooksIsBadInputNamingMaxRepetitions) {
  CompareOptions o;
  o.looks = 0;
  try {
    ValidateOptions(o);
    FAIL() << "looks 0 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--max-repetitions"), std::string::npos) << e.what();
  }
}

// ---- Which rows more repetitions can settle ----

TEST(CanSettleWithMore, UncertainAndNoisyRowsCanDecidedOnesCannot) {
  EXPECT_TRUE(CanSettleWithMore(Row("a", Verdict::kUncertain, "overlap"), 0.001));
  EXPECT_TRUE(CanSettleWithMore(Row("a", Verdict::kNoisy, "too noisy"), 0.001));
  EXPECT_FALSE(CanSettleWithMore(Row("a", Verdict::kUnchanged), 0.001));
  EXPECT_FALSE(CanSettleWithMore(Row("a", Verdict::kRegressed), 0.001));
  EXPECT_FALSE(CanSettleWithMore(Row("a", Verdict::kNew), 0.001));
  EXPECT_FALSE(CanSettleWithMore(Row("a", Verdict::kInvalid), 0.001));
}

TEST(CanSettleWithMore, AnUnchangedRowShortOfRepetitionsCanOneShortOfBaselineRunsCannot) {
  // 9 pooled vs 3 current: the best exact p is 1/C(12,3) = 1/220 ≈ 0.0045, not below 0.01/7.
  EXPECT_TRUE(CanSettleWithMore(Row("a", Verdict::kUnchanged, "too few", 3, 9, 3), 0.01 / 7));
  // The same counts at alpha 0.01 could have been judged: whatever kept it undecided, it is not
  // the repetition count.
  EXPECT_FALSE(CanSettleWithMore(Row("a", Verdict::kUnchanged, "too few", 3, 9, 3), 0.01));
  // Two reference runs: more current repetitions do not add baseline runs.
  EXPECT_FALSE(CanSettleWithMore(Row("a", Verdict::kUnchanged, "2 runs", 2, 10, 3), 0.01 / 7));
}

// ---- The stopping rule ----

TEST(NextRound, ExtendsEachWorkloadWithAnUndecidedRowOnceInReportOrder) {
  const auto d =
      NextRound(Report({Row("a", Verdict::kUnchanged), Row("b", Verdict::kUncertain, "x"),
                        Row("b", Verdict::kNoisy, "y"), Row("c", Verdict::kNoisy, "z")}),
                Budget(), State());
  EXPECT_EQ(d.reason, StopReason::kContinue) << d.message;
  EXPECT_EQ(d.extend, (Names{"b", "c"}));
  EXPECT_EQ(d.message, "one more repetition of b, c (not decided yet)");
}

TEST(NextRound, StopsWhenEveryGatedRowIsDecidedNewRowsAside) {
  const auto d = NextRound(Report({Row("a", Verdict::kUnchanged), Row("b", Verdict::kImproved),
                                   Row("c", Verdict::kNew, "not gated")}),
                           Budget(), State());
  EXPECT_EQ(d.reason, StopReason::kDecided);
  EXPECT_TRUE(d.extend.empty());
}

TEST(NextRound, StopsWhenNoUndecidedRowCanBeSettledByMoreRepetitions) {
  const auto d =
      NextRound(Report({Row("a", Verdict::kUnchanged, "the reference has 2 run(s)", 2, 10, 5)}),
                Budget(), State());
  EXPECT_EQ(d.reason, StopReason::kNothingToLearn);
}

TEST(NextRound, AWorkloadAtMaxRepetitionsStaysUndecidedTheOthersGoOn) {
  ExtensionState s = State();
  s.repetitions["b"] = 15;
  const auto d =
      NextRound(Report({Row("b", Verdict::kUncertain, "x"), Row("c", Verdict::kUncertain, "y")}),
                Budget(), s);
  EXPECT_EQ(d.reason, StopReason::kContinue);
  EXPECT_EQ(d.extend, (Names{"c"}));
  EXPECT_EQ(d.message, "one more repetition of c (not decided yet; b at --max-repetitions)");
}

TEST(NextRound, BudgetOfRepetitionsSpentLeavesTheRowsUndecidedAndTheReportInconclusive) {
  const CompareReport report =
      Report({Row("a", Verdict::kUnchanged), Row("b", Verdict::kUncertain, "x")});
  const auto d = NextRound(report, Budget(), State(15));
  EXPECT_EQ(d.reason, StopReason::kRepetitions);
  EXPECT_EQ(d.undecided, (Names{"b"}));
  EXPECT_EQ(d.message, "no more repetitions: b reached --max-repetitions undecided");
  EXPECT_EQ(report.Outcome(), GateOutcome::kInconclusive);
  EXPECT_EQ(report.ExitCode(), 4);
}

TEST(NextRound, ARoundThatWouldPassTheTimeBudgetIsNotStarted) {
  const CompareReport report =
      Report({Row("a", Verdict::kUncertain, "x"), Row("b", Verdict::kNoisy, "y")});
  // Two workloads at 10 s a repetition: a round costs about 20 s.
  EXPECT_EQ(NextRound(report, Budget(15, 600), State(6, 580)).reason, StopReason::kContinue);
  const auto d = NextRound(report, Budget(15, 600), State(6, 581));
  EXPECT_EQ(d.reason, StopReason::kTimeBudget);
  EXPECT_EQ(d.message,
            "no more repetitions: another round of a, b (about 20 s) would pass --time-budget "
            "600 s (581 s spent)");
  // A budget of 0 adds nothing.
  EXPECT_EQ(NextRound(report, Budget(15, 0), State()).reason, StopReason::kTimeBudget);
}

TEST(NextRound, StopsWhenTheGateFailsWhateverIsAdded) {
  const auto invalid = NextRound(
      Report({Row("a", Verdict::kInvalid), Row("b", Verdict::kUncertain, "x")}), Budget(), State());
  EXPECT_EQ(invalid.reason, StopReason::kGateFails);
  EXPECT_EQ(invalid.message,
            "no more repetitions: the gate fails whatever they show (a samples_per_second is "
            "INVALID)");
  const CompareReport regressed =
      Report({Row("a", Verdict::kRegressed), Row("b", Verdict::kUncertain, "x")});
  EXPECT_EQ(NextRound(regressed, Budget(), State()).reason, StopReason::kGateFails);
  // --confirm may rerun the regression and not reproduce it: then b's row still matters.
  ExtensionBudget confirm = Budget();
  confirm.confirm_follows = true;
  EXPECT_EQ(NextRound(regressed, confirm, State()).extend, (Names{"b"}));
}

// ---- The false-alarm rate of the looks, simulated (seeded) ----

// A/A: the reference (3 runs of 3 repetitions, as a smoke baseline) and the current run are drawn
// from one distribution; the current run grows from 3 to 9 repetitions, one per look: the
// schedule `run --compare --max-repetitions 9` makes, 7 looks. A false alarm is a trial in which
// the judge's one-sided rank test finds the current run worse (p_worse below the alpha the judge
// used) at any of the looks. Every scheduled look is taken: a run that stops earlier takes a subset
// of them, so its rate is no larger. (A REGRESSED verdict needs the threshold too, rarer still.)
struct Simulated {
  double all_looks_rate = 0;   // some look of all 7 significant
  double first_look_rate = 0;  // the first look alone
  double stopping_rate = 0;    // looks as the stopping rule takes them: significant at any
  double mean_looks = 0;       // looks the stopping rule took, on average
};

Simulated SimulateAA(double alpha, std::size_t looks, int trials, uint64_t seed) {
  constexpr int kRuns = 3, kN0 = 3, kMax = 9;
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> draw(std::log(1000.0), 0.05);  // 5% spread, samples/s
  const MetricInfo& metric = *FindMetric("samples_per_second");
  CompareOptions options;
  options.looks = looks;
  const double alpha_used = [&] {
    CompareOptions o = options;
    o.alpha = alpha;
    return o.AlphaPerLook();
  }();
  options.alpha = alpha;
  ExtensionBudget budget;
  budget.max_repetitions["w"] = kMax;
  budget.time_budget_sec = 1e9;
  int all_looks = 0, first_look = 0, stopping = 0;
  long looks_taken = 0;
  for (int t = 0; t < trials; ++t) {
    std::vector<std::vector<double>> reference(kRuns);
    for (auto& run : reference) {
      for (int k = 0; k < kN0; ++k) run.push_back(draw(rng));
    }
    std::vector<double> current_all;
    for (int k = 0; k < kMax; ++k) current_all.push_back(draw(rng));
    bool any = false, any_before_stop = false, stopped = false;
    for (int n = kN0; n <= kMax; ++n) {
      const std::vector<double> current(current_all.begin(), current_all.begin() + n);
      MetricComparison row =
          JudgeMetric(MetricSamples{reference, current}, metric, 0.05, alpha_used);
      const bool significant = *row.p_worse < alpha_used;
      any = any || significant;
      if (n == kN0 && significant) ++first_look;
      if (!stopped) {
        ++looks_taken;
        any_before_stop = any_before_stop || significant;
        row.workload = "w";
        CompareReport report;
        report.options = options;
        report.rows = {row};
        ExtensionState state;
        state.repetitions["w"] = n;
        stopped = !NextRound(report, budget, state).Continue();
      }
    }
    all_looks += any;
    stopping += any_before_stop;
  }
  return Simulated{static_cast<double>(all_looks) / trials,
                   static_cast<double>(first_look) / trials, static_cast<double>(stopping) / trials,
                   static_cast<double>(looks_taken) / trials};
}

// Tolerance: 3 binomial standard errors of a rate alpha over the trials.
double Tolerance(double alpha, int trials) { return 3 * std::sqrt(alpha * (1 - alpha) / trials); }

TEST(LooksSimulation, WithTheCorrectedAlphaFalseAlarmsStayWithinAlphaOverAllLooks) {
  constexpr int kTrials = 4000;
  for (const double alpha : {0.01, 0.05}) {
    const Simulated s = SimulateAA(alpha, 7, kTrials, 20240611);
    EXPECT_LE(s.all_looks_rate, alpha + Tolerance(alpha, kTrials)) << "alpha " << alpha;
    EXPECT_LE(s.stopping_rate, s.all_looks_rate);
    EXPECT_GT(s.mean_looks, 1.0) << "the stopping rule never added a look: nothing was tested";
    std::printf(
        "alpha %.2f, Bonferroni over 7 looks: false alarms %.4f over all looks, %.4f as the "
        "stopping rule looks (%.2f looks on average)\n",
        alpha, s.all_looks_rate, s.stopping_rate, s.mean_looks);
  }
}

TEST(LooksSimulation, WithoutTheCorrectionTheRepeatedLooksExceedAlpha) {
  constexpr int kTrials = 4000;
  for (const double alpha : {0.01, 0.05}) {
    const Simulated s = SimulateAA(alpha, 1, kTrials, 20240611);
    // One look alone keeps to alpha; seven at the same alpha do not.
    EXPECT_LE(s.first_look_rate, alpha + Tolerance(alpha, kTrials)) << "alpha " << alpha;
    EXPECT_GT(s.all_looks_rate, alpha + Tolerance(alpha, kTrials)) << "alpha " << alpha;
    std::printf("alpha %.2f, uncorrected: false alarms %.4f at the first look, %.4f over 7 looks\n",
                alpha, s.first_look_rate, s.all_looks_rate);
  }
}

}  // namespace
}  // namespace feedbench
