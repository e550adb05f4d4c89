// The regression gate: the threshold rule on hand-made samples, then `compare` on the hand-made
// baseline and results files of tests/fixtures/gate/ (see make_fixtures.py there for what each
// workload of current.json shows), through the library and through the built binary.
#include "harness/gate/compare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <random>

#include "harness/base/errors.h"
#include "harness/base/statistics.h"
#include "harness/report/compare_report.h"
#include "tests/support/gate_helpers.h"

namespace feedbench {
namespace {

using ::testing::ElementsAre;
using testing::GateFixture;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadJson;
using testing::ReadText;
using testing::RunFeedbench;
using testing::RunShell;
using testing::ScratchDir;
using testing::ShellQuote;
using testing::WriteJson;
using V = std::vector<double>;

const MetricInfo& Throughput() { return *FindMetric("samples_per_second"); }
const MetricInfo& Await() { return *FindMetric("r_await_ms"); }

// The rule's tests below fix k = 3 (T = max(tolerance, 3σ)) so that their hand-computed figures
// do not move with the shipped kNoiseMultiplier; JudgeMetric.TheShippedKIsTheDefault checks that.
MetricComparison Judge(std::vector<V> baseline_runs, V current, const MetricInfo& metric,
                       double tolerance = 0.05, double alpha = 0.01, double k = 3) {
  return JudgeMetric(MetricSamples{std::move(baseline_runs), std::move(current)}, metric, tolerance,
                     alpha, k);
}

// ---- The rule, on hand-made samples ----

TEST(JudgeMetric, ThroughputDropBeyondToleranceAndSignificantIsRegressed) {
  const auto c = Judge({{100, 101, 99, 100.5, 99.5}}, {80, 81, 79, 80.5, 79.5}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kRegressed);
  EXPECT_DOUBLE_EQ(c.ratio, 100.0 / 80.0);  // time per sample grew by 25%
  EXPECT_DOUBLE_EQ(c.change, -0.2);
  EXPECT_NEAR(*c.p_worse, 1.0 / 252, 1e-12);
  EXPECT_DOUBLE_EQ(c.threshold, 0.05);
  EXPECT_EQ(c.baseline_repetitions, 5u);
  EXPECT_EQ(c.current_repetitions, 5u);
}

TEST(JudgeMetric, AwaitRiseIsRegressedBecauseLowerIsBetter) {
  const auto c =
      Judge({{1.0, 1.01, 0.99, 1.005, 0.995}}, {1.5, 1.52, 1.48, 1.51, 1.49}, Await(), 0.10);
  EXPECT_EQ(c.verdict, Verdict::kRegressed);
  EXPECT_DOUBLE_EQ(c.ratio, 1.5);
  EXPECT_DOUBLE_EQ(c.change, 0.5);
  // The same rise in throughput is an improvement.
  const auto t =
      Judge({{1.0, 1.01, 0.99, 1.005, 0.995}}, {1.5, 1.52, 1.48, 1.51, 1.49}, Throughput(), 0.10);
  EXPECT_EQ(t.verdict, Verdict::kImproved);
}

TEST(JudgeMetric, ThroughputRiseBeyondToleranceAndSignificantIsImproved) {
  const auto c = Judge({{100, 101, 99, 100.5, 99.5}}, {120, 121, 119, 120.5, 119.5}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kImproved);
  EXPECT_NEAR(*c.p_better, 1.0 / 252, 1e-12);
  EXPECT_NEAR(*c.p_worse, 1.0, 1e-12);
}

TEST(JudgeMetric, IdenticalSamplesAreUnchangedWithPOne) {
  const V same{100, 100, 100, 100, 100};
  const auto c = Judge({same, same}, same, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kUnchanged);
  EXPECT_DOUBLE_EQ(c.ratio, 1);
  EXPECT_DOUBLE_EQ(*c.p_worse, 1);
  EXPECT_DOUBLE_EQ(*c.p_better, 1);
  EXPECT_DOUBLE_EQ(c.noise, 0);
}

TEST(JudgeMetric, AllZeroMediansAreUnchanged) {
  const auto c = Judge({{0, 0, 0}}, {0, 0, 0}, Await(), 0.10);
  EXPECT_EQ(c.verdict, Verdict::kUnchanged);
  EXPECT_DOUBLE_EQ(c.ratio, 1);
}

TEST(JudgeMetric, LargeDropWithTooFewRepetitionsIsUncertainAndSaysHowManyWouldSettleIt) {
  // 5 vs 3 repetitions cannot reach p < 0.01: the best is 1/56 ≈ 0.018.
  const auto c = Judge({{100, 101, 99, 100.5, 99.5}}, {80, 81, 79}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kUncertain);
  EXPECT_NEAR(*c.p_worse, 1.0 / 56, 1e-12);
  ASSERT_TRUE(c.repetitions_to_settle.has_value());
  EXPECT_EQ(*c.repetitions_to_settle, 5u);
  EXPECT_THAT(c.message, HasSubstr("about 5 repetitions per side"));
  EXPECT_THAT(c.message, HasSubstr("cannot reach p < 0.01"));
}

TEST(JudgeMetric, SignificantShiftWithinToleranceIsUnchangedAndNotARegression) {
  const auto c =
      Judge({{100, 100.1, 100.2, 100.3, 100.4}}, {99.0, 99.1, 99.2, 99.3, 99.4}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kUnchanged);
  EXPECT_LT(*c.p_worse, 0.01);
  EXPECT_LT(c.ratio, 1.05);
  EXPECT_FALSE(c.repetitions_to_settle.has_value());
  EXPECT_THAT(c.message, HasSubstr("a real change"));
}

TEST(JudgeMetric, SmallOverlappingChangeIsUnchanged) {
  const auto c = Judge({{100, 102, 98, 101, 99}}, {99, 101, 100, 98.5, 100.5}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kUnchanged);
}

TEST(JudgeMetric, NoiseWidensTheThresholdToThreeSigma) {
  // One reference run, within-run spread w = 1.4826·1.5/100 ≈ 2.22% (MAD 1.5 around 100), and
  // 5 repetitions a side: the current median is spread k·w/√5 (k = 1.2533), the reference (one
  // run: its median's own sampling spread stands in for run-to-run) k·(k·w/√5); σ ≈ 2.0%,
  // 3σ ≈ 6.0%: wider than the 5% tolerance, but not twice it, so still gated, at 6.0%.
  const V base{97, 98.5, 100, 101.5, 103};
  const double w = 1.4826 * 1.5 / 100;
  const double k = 1.2533141373155;
  const double sigma = std::hypot(k * w / std::sqrt(5.0), k * k * w / std::sqrt(5.0));
  // 5.5% lower (r ≈ 1.055): significant and beyond the tolerance, but inside the widened T.
  auto c = Judge({base}, {94.6, 94.7, 94.8, 94.9, 95.0}, Throughput());
  EXPECT_NEAR(c.within_run_spread, w, 1e-12);
  EXPECT_NEAR(c.noise, sigma, 1e-12);
  EXPECT_NEAR(c.threshold, 3 * sigma, 1e-12);
  EXPECT_EQ(c.verdict, Verdict::kUncertain);
  EXPECT_THAT(c.message, HasSubstr("widened the threshold"));
  // 8% lower (r ≈ 1.087): beyond it.
  c = Judge({base}, {91.5, 91.7, 92, 92.2, 92.4}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kRegressed);
}

TEST(JudgeMetric, TheShippedKIsTheDefaultAndSetsBothThresholdAndNoisy) {
  // The reference of NoiseWidensTheThresholdToThreeSigma: σ ≈ 2.0%, σ_b = its reference part.
  const V base{97, 98.5, 100, 101.5, 103};
  const V current{94.6, 94.7, 94.8, 94.9, 95.0};
  const auto shipped =
      JudgeMetric(MetricSamples{{base}, current}, Throughput(), 0.05, 0.01);  // no k given
  EXPECT_EQ(CompareOptions{}.noise_multiplier, kNoiseMultiplier);
  EXPECT_EQ(shipped.noise_multiplier, kNoiseMultiplier);
  EXPECT_NEAR(shipped.threshold, std::max(0.05, kNoiseMultiplier * shipped.noise), 1e-12);
  // k moves T: at k = 4, 4σ ≈ 8% hides the 5.5% drop; at k = 1, T is the tolerance and the
  // drop, significant, is a regression.
  EXPECT_EQ(Judge({base}, current, Throughput(), 0.05, 0.01, 4).verdict, Verdict::kUncertain);
  const auto tight = Judge({base}, current, Throughput(), 0.05, 0.01, 1);
  EXPECT_DOUBLE_EQ(tight.threshold, 0.05);
  EXPECT_EQ(tight.verdict, Verdict::kRegressed);
  EXPECT_THAT(Judge({base}, current, Throughput(), 0.05, 0.01, 4).message, HasSubstr("(4σ;"));
  // And NOISY: σ_b = (π/2)·w/√5 ≈ 1.56% here (one run), so k·σ_b > 2 × 5% from k ≈ 6.4 on.
  EXPECT_EQ(Judge({base}, base, Throughput(), 0.05, 0.01, 7).verdict, Verdict::kNoisy);
  EXPECT_THAT(Judge({base}, base, Throughput(), 0.05, 0.01, 7).message, HasSubstr("7σ_b"));
  EXPECT_EQ(Judge({base}, base, Throughput(), 0.05, 0.01, 6).verdict, Verdict::kUnchanged);
}

TEST(JudgeMetric, RunToRunSpreadOfMediansCountsAsNoise) {
  // Each run is tight, but the run medians wander: 100, 104, 96 → MAD 4 → rr ≈ 5.93% (the SD of
  // their logs, 4.0%, is smaller). No within-run spread: σ is the run effect rr and the
  // reference's own k·rr/√3.
  const auto c =
      Judge({{100, 100, 100}, {104, 104, 104}, {96, 96, 96}}, {96, 96, 96}, Await(), 0.10);
  const double rr = 1.4826 * 4 / 100;
  const double k = 1.2533141373155;
  EXPECT_NEAR(c.run_to_run_spread, rr, 1e-12);
  EXPECT_DOUBLE_EQ(c.within_run_spread, 0);
  EXPECT_NEAR(c.noise, rr * std::sqrt(1 + k * k / 3), 1e-12);
  EXPECT_NEAR(c.baseline_noise, c.noise, 1e-15);  // nothing here more repetitions could narrow
  EXPECT_EQ(c.baseline_runs, 3u);
}

TEST(JudgeMetric, BaselineTooNoisyForTheToleranceIsNoisy) {
  // Run medians 100, 130, 80 → σ_b ≈ 29.7%: 3σ_b far above 2 × 5%.
  const auto c = Judge({{100, 100, 100, 100, 100}, {130, 130, 130, 130, 130}, {80, 81, 79, 80, 80}},
                       {79, 80, 81, 80, 79.5}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kNoisy);
  const double rr = 1.4826 * 20 / 100;  // MAD of the medians (the SD of their logs is 24%)
  EXPECT_NEAR(c.baseline_noise, rr * std::sqrt(1 + 1.2533141373155 * 1.2533141373155 / 3), 1e-9);
  EXPECT_THAT(c.message, HasSubstr("too noisy to gate at 5.0%"));
}

TEST(JudgeMetric, NoisyRuleIsThreeSigmaAboveTwiceTheTolerance) {
  // One run of 5, MAD 4 around 100: w = 5.93%, σ_b = its median's spread k·w/√5 taken once more
  // by k for the reference's own: (π/2)·w/√5 = 4.17%, 3σ_b = 12.5%.
  const V base{92, 96, 100, 104, 108};
  const auto c = Judge({base}, base, Throughput(), 0.05);
  EXPECT_NEAR(c.baseline_noise, M_PI / 2 * 1.4826 * 4 / 100 / std::sqrt(5.0), 1e-9);
  EXPECT_EQ(c.verdict, Verdict::kNoisy);                                            // 12.5 > 10
  EXPECT_EQ(Judge({base}, base, Throughput(), 0.07).verdict, Verdict::kUnchanged);  // 12.5 ≤ 14
}

TEST(JudgeMetric, RegressionBeyondThreeSigmaIsReportedEvenOnANoisyBaseline) {
  const auto c = Judge({{100, 100, 100, 100, 100}, {130, 130, 130, 130, 130}, {80, 81, 79, 80, 80}},
                       {20, 21, 19, 20, 20.5}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kRegressed);
}

// A seeded simulation of the rule on normally distributed repetitions (Box–Muller over mt19937,
// whose output the standard fixes, so the draws are the same everywhere). Each trial: a baseline
// history of 5 runs × 5 repetitions and a current run of 5, every run with its own offset
// (run-to-run σ 1%) and repetitions around it (within-run σ 2%): a noisy but gateable system.
class GateSimulation {
 public:
  explicit GateSimulation(unsigned seed) : rng_(seed) {}

  // Fraction of `trials` judged REGRESSED when the current run's true level is `level` (1 = same).
  double RegressedFraction(double level, int trials) {
    int regressed = 0;
    for (int t = 0; t < trials; ++t) {
      std::vector<V> history;
      for (int run = 0; run < 5; ++run) history.push_back(Run(1.0));
      const auto c = JudgeMetric(MetricSamples{history, Run(level)}, Throughput(), 0.05, 0.01);
      if (c.verdict == Verdict::kRegressed) ++regressed;
    }
    return static_cast<double>(regressed) / trials;
  }

 private:
  double Normal() {
    const double u1 = (static_cast<double>(rng_()) + 1) / (static_cast<double>(rng_.max()) + 2);
    const double u2 = (static_cast<double>(rng_()) + 1) / (static_cast<double>(rng_.max()) + 2);
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }
  V Run(double level) {
    const double run_level = 1000 * level * (1 + 0.01 * Normal());
    V reps;
    for (int i = 0; i < 5; ++i) reps.push_back(run_level * (1 + 0.02 * Normal()));
    return reps;
  }
  std::mt19937 rng_;
};

TEST(GateSimulation, IdenticalRerunsOfANoisySystemAlmostNeverFail) {
  GateSimulation sim(20261126);
  const double false_alarms = sim.RegressedFraction(1.0, 2000);
  RecordProperty("false_alarm_fraction", std::to_string(false_alarms));
  EXPECT_LE(false_alarms, 0.005);
}

TEST(GateSimulation, ATwentyFivePercentDropIsCaught) {
  GateSimulation sim(7);
  const double caught = sim.RegressedFraction(0.75, 500);
  RecordProperty("caught_fraction", std::to_string(caught));
  EXPECT_GE(caught, 0.99);
}

// ---- The reference: the history pooled, not the latest run ----

TEST(PoolReference, MedianOfTheRunsMediansAndTheirSpreads) {
  // Run medians 100, 102, 98, 101, 150 (the latest an outlier): sorted 98 100 101 102 150,
  // median 101; |deviations| 3 1 0 1 49 → MAD 1 → 1.4826 · 1 / 101; the SD of the logs of the
  // four left when the farthest (150) is left out is larger, and is the run-to-run spread.
  // Within-run spreads: runs of MAD 1 around their median → 1.4826/100, /102, /98, /101, /150;
  // their median is 1.4826/101.
  const PooledReference ref = PoolReference(
      {{99, 100, 101}, {101, 102, 103}, {97, 98, 99}, {100, 101, 102}, {149, 150, 151}});
  EXPECT_DOUBLE_EQ(ref.median, 101);
  double mean = 0;
  for (const double m : {100.0, 102.0, 98.0, 101.0}) mean += std::log(m) / 4;
  double ss = 0;
  for (const double m : {100.0, 102.0, 98.0, 101.0}) ss += std::pow(std::log(m) - mean, 2);
  EXPECT_GT(std::sqrt(ss / 3), 1.4826 / 101);
  EXPECT_NEAR(ref.run_to_run_spread, std::sqrt(ss / 3), 1e-12);
  EXPECT_NEAR(ref.within_run_spread, 1.4826 / 101, 1e-15);
  EXPECT_EQ(ref.runs, 5u);
  EXPECT_EQ(ref.repetitions.size(), 15u);
  EXPECT_DOUBLE_EQ(ref.repetitions.back(), 151);
}

TEST(PoolReference, AnOutlierLatestRunDoesNotMoveTheReference) {
  const std::vector<V> history{{99, 100, 101, 100.5, 99.5},
                               {101, 102, 103, 102.5, 101.5},
                               {97, 98, 99, 98.5, 97.5},
                               {100, 101, 102, 101.5, 100.5}};
  std::vector<V> with_outlier = history;
  with_outlier.push_back({149, 150, 151, 150.5, 149.5});  // the latest run, 50% faster
  // Medians 100, 102, 98, 101 → 100.5; with 150 added → 101: the outlier moves it by 0.5%.
  EXPECT_DOUBLE_EQ(PoolReference(history).median, 100.5);
  EXPECT_DOUBLE_EQ(PoolReference(with_outlier).median, 101);
  // A current run at the usual level is UNCHANGED against the history; against the latest run
  // alone it would have read as a 33% drop.
  const V current{100, 100.5, 101, 101.5, 102};
  const auto pooled = Judge(with_outlier, current, Throughput());
  EXPECT_EQ(pooled.verdict, Verdict::kUnchanged);
  EXPECT_DOUBLE_EQ(*pooled.baseline_median, 101);
  EXPECT_DOUBLE_EQ(pooled.ratio, 101.0 / 101);
  EXPECT_EQ(pooled.baseline_runs, 5u);
  EXPECT_EQ(pooled.baseline_repetitions, 25u);
  EXPECT_TRUE(pooled.inconclusive_reason.empty()) << pooled.inconclusive_reason;
  EXPECT_TRUE(IsDecided(pooled));
  EXPECT_EQ(Judge({with_outlier.back()}, current, Throughput()).verdict, Verdict::kRegressed);
}

TEST(PoolReference, ReferenceRunsAreTheLastKThatHaveTheCounter) {
  Baseline b;
  for (int i = 0; i < 7; ++i) {
    BaselineRun run;
    run.date = "d" + std::to_string(i);
    if (i != 5) run.workloads["w"]["samples_per_second"] = {100.0 + i};
    b.runs.push_back(run);
  }
  EXPECT_EQ(b.ReferenceRunIndices("w", "samples_per_second", 5),
            (std::vector<std::size_t>{1, 2, 3, 4, 6}));  // run 5 lacks it
  EXPECT_EQ(b.ReferenceRunIndices("w", "samples_per_second", 2), (std::vector<std::size_t>{4, 6}));
  EXPECT_TRUE(b.ReferenceRunIndices("w", "r_await_ms", 5).empty());
}

// ---- Judged or not: the rows that make a report INCONCLUSIVE ----

TEST(InconclusiveReason, AReferenceOfTwoRunsJudgesNothingButARegression) {
  const V run{100, 101, 99, 100.5, 99.5};
  const auto two = Judge({run, run}, {100, 100.2, 99.8, 100.1, 99.9}, Throughput());
  EXPECT_EQ(two.verdict, Verdict::kUnchanged);  // the row stays what it is
  EXPECT_FALSE(IsDecided(two));
  EXPECT_THAT(two.inconclusive_reason, HasSubstr("the reference has 2 run(s); at least 3"));
  EXPECT_THAT(two.message, HasSubstr("not judged: the reference has 2 run(s)"));
  const auto three = Judge({run, run, run}, {100, 100.2, 99.8, 100.1, 99.9}, Throughput());
  EXPECT_TRUE(IsDecided(three)) << three.inconclusive_reason;
  // A regression the threshold and the rank test confirm fails even on a short reference.
  const auto dropped = Judge({run, run}, {80, 81, 79, 80.5, 79.5}, Throughput());
  EXPECT_EQ(dropped.verdict, Verdict::kRegressed);
  EXPECT_TRUE(IsDecided(dropped));
}

TEST(InconclusiveReason, NoisyAndUncertainAreNotJudgedWithTheirMessageAsReason) {
  const V run{100, 101, 99, 100.5, 99.5};
  const auto noisy =
      Judge({{100, 100, 100, 100, 100}, {130, 130, 130, 130, 130}, {80, 81, 79, 80, 80}},
            {79, 80, 81, 80, 79.5}, Throughput());
  ASSERT_EQ(noisy.verdict, Verdict::kNoisy);
  EXPECT_EQ(noisy.inconclusive_reason, noisy.message);
  EXPECT_FALSE(IsDecided(noisy));
  // Runs at 100, 101.5 and 98.5 widen T to about 8%: a significant 6.5% drop is beyond the
  // tolerance but inside T.
  const auto tight = [](double m) { return V{m - 0.1, m - 0.05, m, m + 0.05, m + 0.1}; };
  const auto uncertain =
      Judge({tight(100), tight(101.5), tight(98.5)}, tight(100 / 1.065), Throughput());
  ASSERT_EQ(uncertain.verdict, Verdict::kUncertain);
  EXPECT_EQ(uncertain.inconclusive_reason, uncertain.message);
  EXPECT_FALSE(IsDecided(uncertain));
}

TEST(InconclusiveReason, TooFewRepetitionsToReachAlphaIsNotJudged) {
  // 3 runs × 1 repetition vs 2: best exact p = 1/C(5,2) = 0.1 ≥ 0.01.
  const auto c = Judge({{100}, {101}, {99}}, {100, 100.5}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kUnchanged);
  EXPECT_THAT(c.inconclusive_reason,
              HasSubstr("3 reference vs 2 current repetitions cannot reach p < 0.01 (best "
                        "possible p = 0.100)"));
  // The same at alpha 0.2 can be judged.
  EXPECT_TRUE(IsDecided(Judge({{100}, {101}, {99}}, {100, 100.5}, Throughput(), 0.05, 0.2)));
}

// ---- The noise of r: run effect, the current median's sampling, the reference's own ----

TEST(JudgeMetric, NoiseHasTheThreePartsOfTheHeader) {
  // Reference: 3 runs of 9 repetitions, medians 100, 103, 98 and within-run MAD 2 around each
  // (robust spread 1.4826·2/median). Current: 16 repetitions around 100.
  const auto run = [](double m) {
    return V{m - 4, m - 3, m - 2, m - 1, m, m + 1, m + 2, m + 3, m + 4};
  };
  const std::vector<V> history{run(100), run(103), run(98)};
  V current;
  for (int i = 0; i < 16; ++i) current.push_back(100 + (i % 2 == 0 ? -1 : 1) * (i % 3));
  const PooledReference ref = PoolReference(history);
  // rr: the larger of 1.4826·MAD(100,102,98,100)/100 = 1.4826·1/100 and the SD of the logs.
  double mean = 0;
  for (const double m : {100.0, 103.0, 98.0}) mean += std::log(m) / 3;
  double ss = 0;
  for (const double m : {100.0, 103.0, 98.0}) ss += std::pow(std::log(m) - mean, 2);
  const double rr = std::max(1.4826 * 2 / 100, std::sqrt(ss / 2));
  EXPECT_NEAR(ref.run_to_run_spread, rr, 1e-12);
  const auto c = Judge(history, current, Throughput());
  const double w = std::max(ref.within_run_spread, stats::RobustRelativeSpread(current));
  const double k = 1.2533141373155;
  const double sampled = k * ref.within_run_spread / 3;  // √9 repetitions per reference run
  const double rho2 = std::max(0.0, rr * rr - sampled * sampled);
  const double s_cur = k * w / 4;  // √16 current repetitions
  const double s_ref = k * rr / std::sqrt(3.0);  // 3 reference runs
  EXPECT_NEAR(c.noise, std::sqrt(rho2 + s_cur * s_cur + s_ref * s_ref), 1e-12);
  EXPECT_NEAR(c.baseline_noise, std::sqrt(rho2 + s_ref * s_ref), 1e-12);
  EXPECT_NEAR(c.threshold, std::max(0.05, 3 * c.noise), 1e-12);
  // More current repetitions narrow σ but never σ_b.
  V longer = current;
  longer.insert(longer.end(), current.begin(), current.end());
  const auto more = Judge(history, longer, Throughput());
  EXPECT_LT(more.noise, c.noise);
  EXPECT_DOUBLE_EQ(more.baseline_noise, c.baseline_noise);
}

TEST(JudgeMetric, ThreeCloseRunsDoNotHideTheOthersSpreadButOneOutlierIsLeftOut) {
  // Medians 100, 100, 100.2, 106, 94: the MAD of the medians is 0.2 (0.3%), but two runs differ
  // by 6%: the SD of the logs (the farthest left out) says so.
  const std::vector<V> two_off{
      {99, 100, 101}, {99, 100, 101}, {99.2, 100.2, 101.2}, {105, 106, 107}, {93, 94, 95}};
  EXPECT_GT(PoolReference(two_off).run_to_run_spread, 0.025);
  // One run off: left out of the SD, the spread is the close runs' own.
  const std::vector<V> one_off{
      {99, 100, 101}, {99, 100, 101}, {99.2, 100.2, 101.2}, {99.8, 99.9, 100}, {93, 94, 95}};
  EXPECT_LT(PoolReference(one_off).run_to_run_spread, 0.005);
}

TEST(JudgeMetric, ASignificantShiftWithinTheToleranceIsUnchangedAndDecided) {
  // 3 runs × 5 vs 5: a 1% drop the rank test finds (p < 0.01) but the 5% tolerance allows.
  const V run{100, 101, 99, 100.5, 99.5};
  const auto c = Judge({run, run, run}, {98.8, 98.9, 99.0, 98.7, 98.6}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kUnchanged);
  EXPECT_LT(*c.p_worse, 0.01);
  EXPECT_THAT(c.message, HasSubstr("a real change"));
  EXPECT_THAT(c.message, HasSubstr("within the tolerance 5.0%"));
  EXPECT_TRUE(IsDecided(c)) << c.inconclusive_reason;
}

// ---- Through the probe ----

// A baseline of `runs` runs and a results file with one workload "w" whose repetitions carry
// samples_per_second and, when `probe`, probe_efficiency_pct: each from its own function of
// (run, repetition), the results being run number `runs`.
struct ProbeHistory {
  Baseline baseline;
  ResultsFile results;
};

ProbeHistory MakeProbeHistory(int runs, const std::function<double(int, int)>& samples,
                              const std::function<double(int, int)>& efficiency,
                              bool probe_in_current = true) {
  ProbeHistory h;
  h.baseline.suite = h.results.suite = "s";
  h.baseline.dataset_hash = h.results.dataset_hash = "h";
  for (int r = 0; r < runs; ++r) {
    BaselineRun run;
    run.date = "d" + std::to_string(r);
    for (int i = 0; i < 9; ++i) {
      run.workloads["w"]["samples_per_second"].push_back(samples(r, i));
      run.workloads["w"]["probe_efficiency_pct"].push_back(efficiency(r, i));
    }
    h.baseline.runs.push_back(run);
  }
  WorkloadResults w;
  w.name = "w";
  for (int i = 0; i < 9; ++i) {
    Repetition rep;
    rep.repetition_index = i;
    rep.counters["samples_per_second"] = samples(runs, i);
    if (probe_in_current) rep.counters["probe_efficiency_pct"] = efficiency(runs, i);
    w.repetitions.push_back(rep);
  }
  h.results.workloads.push_back(w);
  return h;
}

CompareOptions ThroughputAndProbe() {
  CompareOptions o;
  o.metrics = {"samples_per_second", "probe_efficiency_pct"};
  return o;
}

const MetricComparison& RowFor(const CompareReport& r, const std::string& metric) {
  for (const auto& row : r.rows) {
    if (row.metric == metric) return row;
  }
  throw std::runtime_error("no row " + metric);
}

// The node drifts by run (±8%), the probe with it: the workload's own figure is NOISY, the
// efficiency is steady.
double Drift(int run) { return 1.0 + 0.08 * ((run * 7) % 5 - 2) / 2.0; }
double Wiggle(int i) { return 1.0 + 0.002 * (i % 3 - 1); }

TEST(ThroughTheProbe, ANoisyThroughputRowIsDecidedThroughANarrowerEfficiencyRow) {
  const auto h = MakeProbeHistory(
      5, [](int r, int i) { return 1000 * Drift(r) * Wiggle(i); },
      [](int, int i) { return 80 * Wiggle(i + 1); });
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndProbe());
  const auto& own = RowFor(report, "samples_per_second");
  const auto& eff = RowFor(report, "probe_efficiency_pct");
  EXPECT_EQ(own.verdict, Verdict::kNoisy);
  EXPECT_EQ(eff.verdict, Verdict::kUnchanged);
  EXPECT_TRUE(eff.gated);
  EXPECT_LT(eff.baseline_noise, own.baseline_noise);
  EXPECT_EQ(own.judged_through, "probe_efficiency_pct");
  EXPECT_TRUE(IsDecided(own));
  EXPECT_THAT(own.message,
              HasSubstr("Judged through the probe: probe_efficiency_pct is UNCHANGED at a threshold"));
  EXPECT_EQ(report.Outcome(), GateOutcome::kPass);
  EXPECT_EQ(report.ExitCode(), 0);
}

TEST(ThroughTheProbe, AnEfficiencyRowTooWideWithinARunDoesNotDecideYet) {
  // The efficiency is steady from run to run (σ_b 0) but swings ±30% within each run: with 9
  // repetitions its threshold is far beyond twice the tolerance, so it cannot vouch for the
  // NOISY throughput row yet — the report stays INCONCLUSIVE and says more repetitions narrow it.
  const auto h = MakeProbeHistory(
      5, [](int r, int i) { return 1000 * Drift(r) * Wiggle(i); },
      [](int, int i) { return 80 * (1 + 0.3 * (i % 3 - 1)); });
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndProbe());
  const auto& own = RowFor(report, "samples_per_second");
  const auto& eff = RowFor(report, "probe_efficiency_pct");
  EXPECT_TRUE(eff.gated);
  EXPECT_GT(eff.threshold, 0.10);
  EXPECT_EQ(own.verdict, Verdict::kNoisy);
  EXPECT_TRUE(own.judged_through.empty());
  EXPECT_FALSE(IsDecided(own));
  EXPECT_THAT(own.message, HasSubstr("Not yet judged through the probe"));
  EXPECT_EQ(report.Outcome(), GateOutcome::kInconclusive);
}

TEST(ThroughTheProbe, AWorkloadThatSlowsAgainstTheDeviceFailsThroughTheEfficiencyRow) {
  // The workload loses 10% against the probe in the current run; its own figure is too noisy.
  const auto h = MakeProbeHistory(
      5, [](int r, int i) { return 1000 * Drift(r) * Wiggle(i) * (r == 5 ? 0.9 : 1.0); },
      [](int r, int i) { return 80 * Wiggle(i + 1) * (r == 5 ? 0.9 : 1.0); });
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndProbe());
  EXPECT_EQ(RowFor(report, "probe_efficiency_pct").verdict, Verdict::kRegressed);
  EXPECT_EQ(report.Outcome(), GateOutcome::kFail);
  EXPECT_EQ(report.ExitCode(), 1);
}

TEST(ThroughTheProbe, AnEfficiencyRowNoNarrowerIsReportedNotGated) {
  // A steady workload beside a probe that wanders: dividing by it would widen the spread.
  const auto h = MakeProbeHistory(
      5, [](int, int i) { return 1000 * Wiggle(i); },
      [](int r, int i) { return 80 * Drift(r) * Wiggle(i); });
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndProbe());
  const auto& eff = RowFor(report, "probe_efficiency_pct");
  EXPECT_FALSE(eff.gated);
  EXPECT_THAT(eff.message, HasSubstr("not gated: against the probe"));
  EXPECT_EQ(RowFor(report, "samples_per_second").verdict, Verdict::kUnchanged);
  EXPECT_TRUE(RowFor(report, "samples_per_second").judged_through.empty());
  EXPECT_EQ(report.GatedRows(), 1u);
  EXPECT_EQ(report.JudgedRows(), 1u);
  EXPECT_EQ(report.Outcome(), GateOutcome::kPass);
}

TEST(ThroughTheProbe, ARegressedThroughputRowIsNeverOverruled) {
  // The device itself slowed by 30% (a throttle): probe and workload together, the efficiency
  // steady — the workload's own row fails the gate.
  const auto h = MakeProbeHistory(
      5, [](int r, int i) { return 1000 * Wiggle(i) * (r == 5 ? 0.7 : 1.0); },
      [](int, int i) { return 80 * Wiggle(i + 1); });
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndProbe());
  EXPECT_EQ(RowFor(report, "samples_per_second").verdict, Verdict::kRegressed);
  EXPECT_TRUE(RowFor(report, "samples_per_second").judged_through.empty());
  EXPECT_EQ(report.Outcome(), GateOutcome::kFail);
}

TEST(ThroughTheProbe, ARunWithoutProbeFiguresIsJudgedOnItsOwnRows) {
  const auto h = MakeProbeHistory(
      5, [](int, int i) { return 1000 * Wiggle(i); }, [](int, int i) { return 80 * Wiggle(i); },
      /*probe_in_current=*/false);
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndProbe());
  const auto& eff = RowFor(report, "probe_efficiency_pct");
  EXPECT_EQ(eff.verdict, Verdict::kSkipped);
  EXPECT_FALSE(eff.gated);
  EXPECT_THAT(eff.message, HasSubstr("this run has no probe figures"));
  EXPECT_EQ(report.Outcome(), GateOutcome::kPass);  // not MISSING: the gate does not fail for it
}

// ---- Through the warm control ----

// As MakeProbeHistory, with a second control: warm_efficiency_pct from `warm` (absent from the
// current run when !warm_in_current).
ProbeHistory MakeTwoControlHistory(int runs, const std::function<double(int, int)>& samples,
                                   const std::function<double(int, int)>& probe,
                                   const std::function<double(int, int)>& warm,
                                   bool warm_in_current = true) {
  ProbeHistory h = MakeProbeHistory(runs, samples, probe);
  for (int r = 0; r < runs; ++r) {
    for (int i = 0; i < 9; ++i) {
      h.baseline.runs[r].workloads["w"]["warm_efficiency_pct"].push_back(warm(r, i));
    }
  }
  if (warm_in_current) {
    for (Repetition& rep : h.results.workloads[0].repetitions) {
      rep.counters["warm_efficiency_pct"] = warm(runs, rep.repetition_index);
    }
  }
  return h;
}

CompareOptions ThroughputAndControls() {
  CompareOptions o;
  o.metrics = {"samples_per_second", "probe_efficiency_pct", "warm_efficiency_pct"};
  return o;
}

TEST(ThroughTheWarmControl, TheNarrowerControlDecidesANoisyThroughputRow) {
  // The node drifts ±8% by run; the probe does not follow it (the probe's ratio drifts as much as
  // the workload), the warm read does: only warm_efficiency_pct narrows, and it decides.
  const auto h = MakeTwoControlHistory(
      5, [](int r, int i) { return 1000 * Drift(r) * Wiggle(i); },
      [](int r, int i) { return 80 * Drift(r) * Drift(r) * Wiggle(i + 1); },
      [](int, int i) { return 12 * Wiggle(i + 2); });
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndControls());
  const auto& own = RowFor(report, "samples_per_second");
  EXPECT_EQ(own.verdict, Verdict::kNoisy);
  EXPECT_FALSE(RowFor(report, "probe_efficiency_pct").gated);
  EXPECT_TRUE(RowFor(report, "warm_efficiency_pct").gated);
  EXPECT_EQ(own.judged_through, "warm_efficiency_pct");
  EXPECT_THAT(own.message, HasSubstr("Judged through the warm control: warm_efficiency_pct is "
                                     "UNCHANGED"));
  EXPECT_THAT(own.message, HasSubstr("warm_samples_per_second"));
  EXPECT_EQ(report.ExitCode(), 0);
}

TEST(ThroughTheWarmControl, WhenBothNarrowTheNarrowestDecides) {
  // Both controls follow the drift; the probe's ratio keeps a ±3% run-to-run wander, the warm
  // one ±0.5%: the row is judged through the warm control.
  const auto h = MakeTwoControlHistory(
      5, [](int r, int i) { return 1000 * Drift(r) * Wiggle(i); },
      [](int r, int i) { return 80 * (1 + 0.03 * ((r * 3) % 5 - 2) / 2.0) * Wiggle(i + 1); },
      [](int r, int i) { return 12 * (1 + 0.005 * ((r * 3) % 5 - 2) / 2.0) * Wiggle(i + 2); });
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndControls());
  const auto& probe = RowFor(report, "probe_efficiency_pct");
  const auto& warm = RowFor(report, "warm_efficiency_pct");
  EXPECT_LT(warm.baseline_noise, probe.baseline_noise);
  EXPECT_LT(probe.baseline_noise, RowFor(report, "samples_per_second").baseline_noise);
  EXPECT_EQ(RowFor(report, "samples_per_second").judged_through, "warm_efficiency_pct");
}

TEST(ThroughTheWarmControl, AStorageSlowdownTheLoaderDoesNotShareFailsThroughIt) {
  // The device slowed the workload by 12% in the current run; the warm read (no storage in it)
  // did not slow, so warm_efficiency_pct falls 12%: that row fails the gate.
  const auto h = MakeTwoControlHistory(
      5, [](int r, int i) { return 1000 * Drift(r) * Wiggle(i) * (r == 5 ? 0.88 : 1.0); },
      [](int r, int i) { return 80 * Drift(r) * Wiggle(i + 1); },
      [](int r, int i) { return 12 * Wiggle(i + 2) * (r == 5 ? 0.88 : 1.0); });
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndControls());
  EXPECT_EQ(RowFor(report, "warm_efficiency_pct").verdict, Verdict::kRegressed);
  EXPECT_EQ(report.Outcome(), GateOutcome::kFail);
  EXPECT_EQ(report.ExitCode(), 1);
}

TEST(ThroughTheWarmControl, AControlThatMovedAloneFailsNothing) {
  // An I/O-bound cold read on a node whose CPUs sped up 8% in the current run: the workload's own
  // samples/s are where they were, the warm read is 8% faster, so warm_efficiency_pct is 8% lower
  // — beyond its threshold, with every repetition below the reference's. The delivered
  // throughput did not change: the control row is reported, not gated, and the gate passes.
  const auto h = MakeTwoControlHistory(
      5, [](int, int i) { return 1000 * Wiggle(i); },
      [](int, int i) { return 80 * Wiggle(i + 1); },
      [](int r, int i) { return 12 * Wiggle(i + 2) * (r == 5 ? 0.92 : 1.0); });
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndControls());
  const auto& warm = RowFor(report, "warm_efficiency_pct");
  EXPECT_EQ(warm.verdict, Verdict::kUncertain);
  EXPECT_FALSE(warm.gated);
  EXPECT_THAT(warm.message, HasSubstr("the control moved, not the delivered throughput"));
  EXPECT_EQ(RowFor(report, "samples_per_second").verdict, Verdict::kUnchanged);
  EXPECT_EQ(report.Outcome(), GateOutcome::kPass);
  EXPECT_EQ(report.ExitCode(), 0);
}

TEST(ThroughTheWarmControl, ARunWithoutItIsJudgedWithoutIt) {
  const auto h = MakeTwoControlHistory(
      5, [](int, int i) { return 1000 * Wiggle(i); }, [](int, int i) { return 80 * Wiggle(i); },
      [](int, int i) { return 12 * Wiggle(i); }, /*warm_in_current=*/false);
  const CompareReport report = CompareResults(h.baseline, h.results, ThroughputAndControls());
  const auto& warm = RowFor(report, "warm_efficiency_pct");
  EXPECT_EQ(warm.verdict, Verdict::kSkipped);
  EXPECT_FALSE(warm.gated);
  EXPECT_THAT(warm.message, HasSubstr("this run has no warm control figures"));
  EXPECT_EQ(report.Outcome(), GateOutcome::kPass);
}

// A report of hand-made rows: the outcome and exit code of each verdict, alone.
CompareReport ReportOf(std::vector<MetricComparison> rows, bool allow = false) {
  CompareReport r;
  r.options.allow_inconclusive = allow;
  r.rows = std::move(rows);
  return r;
}

MetricComparison RowOf(Verdict v, std::string reason = "") {
  MetricComparison c;
  c.workload = "w";
  c.metric = "samples_per_second";
  c.verdict = v;
  c.inconclusive_reason = std::move(reason);
  return c;
}

TEST(CompareReportExitCode, EachVerdictAlone) {
  const std::vector<std::pair<Verdict, int>> expected{
      {Verdict::kRegressed, kExitFailed},       {Verdict::kImproved, kExitOk},
      {Verdict::kUnchanged, kExitOk},           {Verdict::kInvalid, kExitFailed},
      {Verdict::kMissing, kExitFailed},         {Verdict::kNew, kExitInconclusive},
      {Verdict::kUncertain, kExitInconclusive}, {Verdict::kNoisy, kExitInconclusive}};
  for (const auto& [verdict, code] : expected) {
    // NOISY and UNCERTAIN rows always carry their reason (JudgeMetric sets it).
    const bool unjudged = verdict == Verdict::kNoisy || verdict == Verdict::kUncertain;
    const CompareReport r = ReportOf({RowOf(verdict, unjudged ? "why" : "")});
    EXPECT_EQ(r.ExitCode(), code) << VerdictName(verdict);
  }
  // SKIPPED for a fingerprint mismatch: 3, whatever else.
  CompareReport skipped = ReportOf({RowOf(Verdict::kSkipped), RowOf(Verdict::kRegressed)}, true);
  skipped.fingerprint_differences = {"machine.kernel_release: a → b"};
  EXPECT_EQ(skipped.Outcome(), GateOutcome::kNotCompared);
  EXPECT_EQ(skipped.ExitCode(), kExitEnvironment);
  // Only NEW rows: nothing was judged, so not a pass.
  EXPECT_EQ(ReportOf({RowOf(Verdict::kNew)}).Outcome(), GateOutcome::kInconclusive);
}

TEST(CompareReportExitCode, FailureBeatsInconclusiveWhichBeatsPass) {
  const MetricComparison unjudged = RowOf(Verdict::kUnchanged, "the reference has 2 run(s)");
  const MetricComparison judged = RowOf(Verdict::kUnchanged);
  EXPECT_EQ(ReportOf({judged, judged}).ExitCode(), kExitOk);
  EXPECT_EQ(ReportOf({judged, unjudged}).ExitCode(), kExitInconclusive);
  EXPECT_EQ(ReportOf({judged, unjudged}).Outcome(), GateOutcome::kInconclusive);
  EXPECT_EQ(ReportOf({RowOf(Verdict::kRegressed), unjudged}).ExitCode(), kExitFailed);
  EXPECT_EQ(ReportOf({RowOf(Verdict::kInvalid), unjudged}, true).ExitCode(), kExitFailed);
  // --allow-inconclusive: exit 0, the outcome still INCONCLUSIVE.
  const CompareReport allowed = ReportOf({judged, unjudged}, true);
  EXPECT_EQ(allowed.ExitCode(), kExitOk);
  EXPECT_EQ(allowed.Outcome(), GateOutcome::kInconclusive);
  EXPECT_EQ(allowed.JudgedRows(), 1u);
  EXPECT_EQ(allowed.GatedRows(), 2u);
}

TEST(CompareReportSummary, SaysHowManyRowsWereJudged) {
  const MetricComparison unjudged = RowOf(Verdict::kNoisy, "too noisy");
  std::vector<MetricComparison> rows(7, RowOf(Verdict::kUnchanged));
  for (int i = 0; i < 4; ++i) rows.push_back(unjudged);
  CompareReport r = ReportOf(rows);
  EXPECT_EQ(JudgedLine(r), "judged 7 of 11 rows");
  EXPECT_EQ(OutcomeLine(r), "INCONCLUSIVE: judged 7 of 11 rows; 4 NOISY, 7 UNCHANGED (exit 4)");
  r.options.allow_inconclusive = true;
  EXPECT_EQ(OutcomeLine(r),
            "INCONCLUSIVE (allowed by --allow-inconclusive): judged 7 of 11 rows; 4 NOISY, 7 "
            "UNCHANGED (exit 0)");
  r.rows.push_back(RowOf(Verdict::kNew));
  EXPECT_EQ(JudgedLine(r), "judged 7 of 11 rows; 1 NEW row is not gated");
  const std::string md = RenderCompareMarkdown(r);
  EXPECT_THAT(md, HasSubstr("INCONCLUSIVE (allowed by `--allow-inconclusive`)"));
  EXPECT_THAT(md, HasSubstr("- **NOISY** (not judged) `w` samples_per_second"));
}

TEST(CompareFlagsValidation, ReferenceRunsBelowOneIsBadInput) {
  CompareOptions o;
  o.reference_runs = 0;
  try {
    ValidateOptions(o);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--reference-runs 0"));
  }
}

TEST(CompareOptions, ToleranceFollowsTheMetricsClass) {
  CompareOptions o;
  EXPECT_DOUBLE_EQ(o.ToleranceFor(Throughput()), 0.05);
  EXPECT_DOUBLE_EQ(o.ToleranceFor(Await()), 0.10);
  EXPECT_DOUBLE_EQ(o.ToleranceFor(*FindMetric("lat_p99_us")), 0.10);
  EXPECT_DOUBLE_EQ(o.ToleranceFor(*FindMetric("iops")), 0.05);
}

// A results document of one workload "w" with 5 repetitions carrying every counter of the
// registry: 100 ± 1, made worse by `factor_worse` in each counter's own direction (> 1 worse,
// < 1 better).
nlohmann::json EveryCounterResults(double factor_worse, std::string_view date) {
  nlohmann::json benchmarks = nlohmann::json::array();
  const V spread{100, 101, 99, 100.5, 99.5};
  for (std::size_t i = 0; i < spread.size(); ++i) {
    nlohmann::json rep = {{"name", "w/repeats:5"},
                          {"run_name", "w/repeats:5"},
                          {"run_type", "iteration"},
                          {"repetition_index", i}};
    for (const MetricInfo& m : KnownMetrics()) {
      const bool higher_better = m.orientation == Orientation::kHigherIsBetter;
      rep[std::string(m.name)] = spread[i] * (higher_better ? 1 / factor_worse : factor_worse);
    }
    benchmarks.push_back(rep);
  }
  return {{"context",
           {{"date", date},
            {"feedbench", {{"schema_version", 1}, {"suite", "registry"}, {"dataset_hash", "h"}}}}},
          {"benchmarks", benchmarks}};
}

// Derived from the registry itself: a counter added to KnownMetrics() must be accepted by
// --metrics, survive the results parser, and be judged in its own direction by the gate.
TEST(MetricRegistry, EveryKnownCounterIsGatedInItsOwnDirection) {
  ASSERT_FALSE(KnownMetrics().empty());
  CompareOptions options;
  options.metrics.clear();
  for (const MetricInfo& m : KnownMetrics()) {
    EXPECT_EQ(FindMetric(m.name), &m) << m.name << ": names must be unique";
    EXPECT_FALSE(OrientationName(m.orientation).empty()) << m.name;
    EXPECT_FALSE(FormatMetricValue(m, 1.5).empty()) << m.name;
    const double tolerance = options.ToleranceFor(m);
    EXPECT_TRUE(tolerance == options.tolerance_throughput || tolerance == options.tolerance_await)
        << m.name;
    options.metrics.emplace_back(m.name);
  }
  ASSERT_NO_THROW(ValidateOptions(options));
  const Baseline baseline =
      RecordRuns(std::nullopt, {ParseResults(EveryCounterResults(1, "2026-01-01"), "base.json")},
                 std::nullopt);
  auto verdicts = [&](double factor_worse) {
    const CompareReport r = CompareResults(
        baseline, ParseResults(EveryCounterResults(factor_worse, "2026-01-02"), "cur.json"),
        options);
    std::map<std::string, Verdict> out;
    for (const MetricComparison& row : r.rows) out[row.metric] = row.verdict;
    return out;
  };
  const auto worse = verdicts(2);
  const auto better = verdicts(0.5);
  for (const MetricInfo& m : KnownMetrics()) {
    const std::string name(m.name);
    ASSERT_TRUE(worse.contains(name)) << name << " has no row: the gate cannot see it";
    EXPECT_EQ(worse.at(name), Verdict::kRegressed) << name;
    EXPECT_EQ(better.at(name), Verdict::kImproved) << name;
  }
  EXPECT_EQ(worse.size(), KnownMetrics().size());
}

// The other way round, on real captures: every counter a results file carries is in the registry.
TEST(MetricRegistry, EveryCounterOfTheFixtureResultsIsKnown) {
  for (const char* fixture : {"current.json", "rerun.json"}) {
    for (const WorkloadResults& w : ReadResultsFile(GateFixture(fixture)).workloads) {
      for (const Repetition& r : w.repetitions) {
        for (const auto& [counter, value] : r.counters) {
          EXPECT_NE(FindMetric(counter), nullptr) << fixture << ": " << counter;
        }
      }
    }
  }
}

TEST(MetricOrientation, DirectionsOfTheCountersPeopleReadFirst) {
  EXPECT_EQ(FindMetric("iops")->orientation, Orientation::kHigherIsBetter);
  EXPECT_EQ(FindMetric("clat_p99_us")->orientation, Orientation::kLowerIsBetter);
  EXPECT_EQ(FindMetric("au_pct")->orientation, Orientation::kHigherIsBetter);
  EXPECT_EQ(FindMetric("lat_p99_us")->orientation, Orientation::kLowerIsBetter);
  EXPECT_EQ(FindMetric("real_time"), nullptr);
  EXPECT_THAT(DefaultGatedMetrics(),
              ElementsAre("samples_per_second", "bytes_per_second", "r_await_ms", "lat_p99_us",
                          "probe_efficiency_pct", "warm_efficiency_pct"));
}

TEST(ValidateOptions, RejectsOutOfRangeTolerancesAlphaAndUnknownMetrics) {
  auto with = [](auto change) {
    CompareOptions o;
    change(o);
    return o;
  };
  EXPECT_NO_THROW(ValidateOptions(CompareOptions{}));
  EXPECT_THROW(ValidateOptions(with([](auto& o) { o.noise_multiplier = 0; })), UsageError);
  EXPECT_THROW(ValidateOptions(with([](auto& o) { o.noise_multiplier = NAN; })), UsageError);
  EXPECT_THROW(ValidateOptions(with([](auto& o) { o.tolerance_throughput = 0; })), UsageError);
  EXPECT_THROW(ValidateOptions(with([](auto& o) { o.tolerance_throughput = 1; })), UsageError);
  EXPECT_THROW(ValidateOptions(with([](auto& o) { o.tolerance_await = -0.1; })), UsageError);
  EXPECT_THROW(ValidateOptions(with([](auto& o) { o.alpha = 0; })), UsageError);
  EXPECT_THROW(ValidateOptions(with([](auto& o) { o.alpha = 1; })), UsageError);
  EXPECT_THROW(ValidateOptions(with([](auto& o) { o.metrics = {}; })), UsageError);
  try {
    ValidateOptions(with([](auto& o) { o.metrics = {"samples_per_second", "speed"}; }));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'speed'"));
    EXPECT_THAT(e.what(), HasSubstr("r_await_ms"));  // lists the known ones
  }
}

// ---- compare on the fixture files ----

class CompareFixtures : public ::testing::Test {
 protected:
  Baseline baseline = ReadBaselineFile(GateFixture("baseline.json"));
  nlohmann::json current = ReadJson(GateFixture("current.json"));
};

const MetricComparison* Row(const CompareReport& r, std::string_view workload,
                            std::string_view metric) {
  for (const auto& row : r.rows) {
    if (row.workload == workload && row.metric == metric) return &row;
  }
  return nullptr;
}

TEST_F(CompareFixtures, EachWorkloadGetsItsVerdict) {
  const CompareReport r = CompareFiles(baseline, current, "current.json", CompareOptions{});
  EXPECT_EQ(r.rows.size(), 31u);
  EXPECT_EQ(r.Count(Verdict::kRegressed), 4u);
  EXPECT_EQ(r.Count(Verdict::kImproved), 4u);
  EXPECT_EQ(r.Count(Verdict::kUnchanged), 5u);
  EXPECT_EQ(r.Count(Verdict::kUncertain), 2u);
  EXPECT_EQ(r.Count(Verdict::kNoisy), 4u);
  EXPECT_EQ(r.Count(Verdict::kInvalid), 4u);
  EXPECT_EQ(r.Count(Verdict::kMissing), 4u);
  EXPECT_EQ(r.Count(Verdict::kNew), 4u);
  EXPECT_EQ(r.Count(Verdict::kSkipped), 0u);
  for (const char* m : {"samples_per_second", "bytes_per_second", "r_await_ms", "lat_p99_us"}) {
    EXPECT_EQ(Row(r, "files-sequential", m)->verdict, Verdict::kUnchanged) << m;
    EXPECT_EQ(Row(r, "files-random", m)->verdict, Verdict::kRegressed) << m;
    EXPECT_EQ(Row(r, "lmdb-random", m)->verdict, Verdict::kImproved) << m;
    EXPECT_EQ(Row(r, "files-shuffled", m)->verdict, Verdict::kNoisy) << m;
    EXPECT_EQ(Row(r, "lmdb-sequential", m)->verdict, Verdict::kInvalid) << m;
    EXPECT_EQ(Row(r, "files-large", m)->verdict, Verdict::kMissing) << m;
    EXPECT_EQ(Row(r, "files-tiny", m)->verdict, Verdict::kNew) << m;
  }
  EXPECT_EQ(Row(r, "tmpfs-random", "samples_per_second")->verdict, Verdict::kUncertain);
  EXPECT_EQ(Row(r, "tmpfs-random", "lat_p99_us")->verdict, Verdict::kUnchanged);
  EXPECT_EQ(Row(r, "tmpfs-random", "r_await_ms"), nullptr);  // no device: not applicable
  EXPECT_THAT(Row(r, "lmdb-sequential", "r_await_ms")->message, HasSubstr("cache_contaminated"));
  EXPECT_EQ(r.RegressedWorkloads(), std::vector<std::string>{"files-random"});
  EXPECT_EQ(r.ExitCode(), kExitFailed);
  EXPECT_EQ(r.Outcome(), GateOutcome::kFail);
  // The regressed throughput: the reference is the median of the three runs' medians
  // (800, 806, 795) = 800, not the latest run's 795; current 560.
  const MetricComparison& s = *Row(r, "files-random", "samples_per_second");
  EXPECT_DOUBLE_EQ(*s.baseline_median, 800);
  EXPECT_DOUBLE_EQ(*s.current_median, 560);
  EXPECT_DOUBLE_EQ(s.ratio, 800.0 / 560.0);
  EXPECT_EQ(s.baseline_runs, 3u);
  EXPECT_EQ(s.baseline_repetitions, 15u);  // pooled for the rank test
  EXPECT_EQ(s.reference_runs, (std::vector<std::size_t>{1, 2, 3}));
  // Judged: files-sequential 4, files-random 4, lmdb-random 4; tmpfs-random's single repetition
  // cannot reach p < 0.01 against 15, so even its UNCHANGED p99 row is not judged. The 4 NEW
  // rows are not gated.
  EXPECT_EQ(r.GatedRows(), 27u);
  EXPECT_EQ(r.JudgedRows(), 12u);
  const MetricComparison& p99 = *Row(r, "tmpfs-random", "lat_p99_us");
  EXPECT_FALSE(IsDecided(p99));
  EXPECT_THAT(p99.inconclusive_reason, HasSubstr("15 reference vs 1 current repetitions cannot "
                                                 "reach p < 0.01"));
  EXPECT_THAT(p99.message, HasSubstr("not judged: "));
}

TEST_F(CompareFixtures, UnchangedRerunPasses) {
  const CompareReport r =
      CompareResults(baseline, ReadResultsFile(GateFixture("rerun.json")), CompareOptions{});
  EXPECT_EQ(r.Count(Verdict::kRegressed), 0u);
  EXPECT_EQ(r.Count(Verdict::kInvalid), 0u);
  EXPECT_EQ(r.Count(Verdict::kNoisy), 4u);  // files-shuffled stays too noisy to gate
  EXPECT_TRUE(r.RegressedWorkloads().empty());
  // Nothing failed, but four gated rows were not judged: no silent pass.
  EXPECT_EQ(r.JudgedRows(), 23u);
  EXPECT_EQ(r.GatedRows(), 27u);
  EXPECT_EQ(r.Outcome(), GateOutcome::kInconclusive);
  EXPECT_EQ(r.ExitCode(), kExitInconclusive);
  CompareOptions allow;
  allow.allow_inconclusive = true;
  const CompareReport allowed =
      CompareResults(baseline, ReadResultsFile(GateFixture("rerun.json")), allow);
  EXPECT_EQ(allowed.Outcome(), GateOutcome::kInconclusive);
  EXPECT_EQ(allowed.ExitCode(), kExitOk);
  // Without the noisy workload, every row is judged: a pass.
  CompareOptions quiet;
  quiet.workload_filter = "^(?!files-shuffled)";
  const CompareReport pass =
      CompareResults(baseline, ReadResultsFile(GateFixture("rerun.json")), quiet);
  EXPECT_EQ(pass.JudgedRows(), pass.GatedRows());
  EXPECT_EQ(pass.ExitCode(), kExitOk);
}

// Counts with xmllint's XPath so the numbers come from a real XML parser.
std::string XPathCount(const std::filesystem::path& file, const std::string& expr) {
  const auto r = RunShell("xmllint --xpath " + ShellQuote("count(" + expr + ")") + " " +
                          ShellQuote(file.string()));
  std::string out = r.output;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// rerun.json passes (UnchangedRerunPasses); the same file without a workload, or without one
// counter of a workload, must not.
ResultsFile RerunWithout(std::string_view workload, std::string_view counter = "") {
  ResultsFile r = ReadResultsFile(GateFixture("rerun.json"));
  if (counter.empty()) {
    std::erase_if(r.workloads, [&](const WorkloadResults& w) { return w.name == workload; });
    return r;
  }
  for (WorkloadResults& w : r.workloads) {
    if (w.name != workload) continue;
    for (Repetition& rep : w.repetitions) rep.counters.erase(std::string(counter));
  }
  return r;
}

TEST_F(CompareFixtures, AVanishedWorkloadFailsTheGate) {
  // Without a workload removed nothing fails (files-shuffled is NOISY: inconclusive, exit 4).
  ASSERT_EQ(CompareResults(baseline, RerunWithout("none"), CompareOptions{}).ExitCode(),
            kExitInconclusive);
  const CompareReport r = CompareResults(baseline, RerunWithout("files-large"), CompareOptions{});
  EXPECT_EQ(r.Count(Verdict::kMissing), 4u);
  EXPECT_EQ(r.Count(Verdict::kRegressed), 0u);
  EXPECT_EQ(r.Count(Verdict::kInvalid), 0u);
  EXPECT_THAT(Row(r, "files-large", "samples_per_second")->message, HasSubstr("--filter"));
  EXPECT_EQ(r.ExitCode(), kExitFailed);
}

TEST_F(CompareFixtures, ADisturbedRepetitionIsLeftOutAndTheWorkloadStillJudged) {
  ResultsFile r = ReadResultsFile(GateFixture("rerun.json"));
  const CompareReport clean = CompareResults(baseline, r, CompareOptions{});
  for (WorkloadResults& w : r.workloads) {
    if (w.name != "files-large") continue;
    // One more repetition, disturbed, with a figure that would regress if it were judged.
    Repetition extra = w.repetitions.front();
    extra.repetition_index = static_cast<int>(w.repetitions.size());
    extra.state = RepetitionState::kDisturbed;
    extra.error_message = "disturbed: foreign device reads 23% of the device's bytes";
    extra.counters["samples_per_second"] = 1.0;
    w.repetitions.push_back(extra);
  }
  const CompareReport disturbed = CompareResults(baseline, r, CompareOptions{});
  EXPECT_EQ(disturbed.Count(Verdict::kInvalid), 0u);
  EXPECT_EQ(Row(disturbed, "files-large", "samples_per_second")->verdict,
            Row(clean, "files-large", "samples_per_second")->verdict);
  EXPECT_EQ(disturbed.ExitCode(), clean.ExitCode());
}

TEST_F(CompareFixtures, AVanishedGatedCounterFailsTheGate) {
  const CompareReport r =
      CompareResults(baseline, RerunWithout("files-large", "lat_p99_us"), CompareOptions{});
  ASSERT_EQ(r.Count(Verdict::kMissing), 1u);
  EXPECT_EQ(Row(r, "files-large", "lat_p99_us")->verdict, Verdict::kMissing);
  EXPECT_EQ(r.ExitCode(), kExitFailed);
}

TEST_F(CompareFixtures, AWorkloadLeftOutByTheFilterIsNotJudged) {
  CompareOptions o;
  o.workload_filter = "random";  // as `run --filter random` would run it: files-large is not run
  const CompareReport r = CompareResults(baseline, RerunWithout("files-large"), o);
  EXPECT_EQ(r.Count(Verdict::kMissing), 0u);
  for (const auto& row : r.rows) EXPECT_THAT(row.workload, HasSubstr("random"));
  EXPECT_THAT(r.excluded_workloads,
              ElementsAre("files-large", "files-sequential", "files-shuffled", "lmdb-sequential"));
  EXPECT_EQ(r.ExitCode(), kExitOk);
  // A selected workload that vanished still fails.
  o.workload_filter = "large";
  const CompareReport large = CompareResults(baseline, RerunWithout("files-large"), o);
  EXPECT_EQ(large.Count(Verdict::kMissing), 4u);
  EXPECT_EQ(large.rows.size(), 4u);
  EXPECT_EQ(large.ExitCode(), kExitFailed);
}

TEST_F(CompareFixtures, TheWorkloadsSelectionLeavesTheOthersOut) {
  CompareOptions o;
  o.workloads = {"files-random", "files-sequential"};
  const CompareReport r = CompareResults(baseline, RerunWithout("files-large"), o);
  ASSERT_EQ(r.rows.size(), 8u);
  for (const auto& row : r.rows) {
    EXPECT_TRUE(row.workload == "files-random" || row.workload == "files-sequential")
        << row.workload;
  }
  EXPECT_EQ(r.ExitCode(), kExitOk);
}

TEST_F(CompareFixtures, AFilterThatSelectsNoWorkloadIsBadInput) {
  CompareOptions o;
  o.workload_filter = "no-such-workload";
  try {
    CompareResults(baseline, RerunWithout("none"), o);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--filter 'no-such-workload': matches no workload"));
    EXPECT_THAT(e.what(), HasSubstr("files-large"));  // lists the workloads
  }
  o.workload_filter = "[unclosed";
  EXPECT_THROW(ValidateOptions(o), UsageError);
}

TEST_F(CompareFixtures, EveryRendererNamesTheMissingWorkloadAndTheOnesLeftOut) {
  CompareOptions o;
  o.workload_filter = "^files-";
  const CompareReport r = CompareResults(baseline, RerunWithout("files-large"), o);
  ASSERT_EQ(r.Count(Verdict::kMissing), 4u);
  const std::string left_out =
      "not judged, left out on purpose by --filter '^files-': lmdb-random, lmdb-sequential, "
      "tmpfs-random";
  const std::string table = RenderCompareTable(r);
  EXPECT_THAT(table, HasSubstr("MISSING files-large samples_per_second: in the baseline's"));
  EXPECT_THAT(table, HasSubstr(left_out));
  EXPECT_THAT(table, HasSubstr("FAIL: judged 8 of 16 rows; 4 MISSING, 4 NOISY"));
  const std::string md = RenderCompareMarkdown(r);
  EXPECT_THAT(md, HasSubstr("FAIL"));
  EXPECT_THAT(md, HasSubstr("| **MISSING** |"));
  EXPECT_THAT(md, HasSubstr("- **MISSING** `files-large` samples_per_second: in the baseline's"));
  EXPECT_THAT(md, HasSubstr(left_out));
  const nlohmann::json j = CompareReportToJson(r)["feedbench_compare"];
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["excluded_workloads"],
            nlohmann::json::array({"lmdb-random", "lmdb-sequential", "tmpfs-random"}));
  EXPECT_EQ(j["options"]["workload_filter"], "^files-");
  std::size_t failing = 0;
  for (const auto& row : j["comparisons"]) {
    EXPECT_EQ(row["fails_gate"], row["verdict"] == "MISSING") << row["workload"];
    if (row["fails_gate"] == true) ++failing;
  }
  EXPECT_EQ(failing, 4u);
  ScratchDir dir;
  const auto file = dir / "junit.xml";
  testing::WriteText(file, RenderCompareJunit(r));
  ASSERT_EQ(RunShell("xmllint --noout " + ShellQuote(file.string())).exit_code, 0);
  EXPECT_EQ(XPathCount(file,
                       "//testcase[@classname='feedbench.gate.files-large']/"
                       "failure[@type='MISSING' and starts-with(@message, 'MISSING: in the')]"),
            "4");
  EXPECT_EQ(XPathCount(file, "/testsuites[@failures=4 and @errors=0]"), "1");
}

TEST_F(CompareFixtures, ConfirmationRerunThatDoesNotReproduceClearsTheRegression) {
  const ResultsFile first = ParseResults(current, "current.json");
  const CompareReport r = CompareResults(baseline, first, CompareOptions{});
  ASSERT_EQ(r.RegressedWorkloads(), std::vector<std::string>{"files-random"});
  // The rerun of files-random is back to normal (rerun.json has the workload at its usual level).
  ResultsFile rerun = ReadResultsFile(GateFixture("rerun.json"));
  std::erase_if(rerun.workloads, [](const auto& w) { return w.name != "files-random"; });
  const ResultsFile merged = WithWorkloadsReplaced(first, rerun);
  EXPECT_EQ(merged.workloads.size(), first.workloads.size());
  const CompareReport confirmed = CompareResults(baseline, merged, CompareOptions{});
  EXPECT_TRUE(confirmed.RegressedWorkloads().empty());
  EXPECT_EQ(Row(confirmed, "files-random", "samples_per_second")->verdict, Verdict::kUnchanged);
  // The rest is judged as before.
  EXPECT_EQ(confirmed.Count(Verdict::kImproved), 4u);
  EXPECT_EQ(confirmed.Count(Verdict::kInvalid), 4u);
}

TEST_F(CompareFixtures, AnotherKernelSkipsEverythingAndListsTheDifference) {
  current["context"]["feedbench"]["machine"]["kernel_release"] = "6.5.0-1-amd64";
  current["context"]["feedbench"]["device"]["scheduler"] = "none";
  const CompareReport r = CompareFiles(baseline, current, "current.json", CompareOptions{});
  EXPECT_EQ(r.Count(Verdict::kSkipped), r.rows.size());
  EXPECT_EQ(r.ExitCode(), kExitEnvironment);
  ASSERT_EQ(r.fingerprint_differences.size(), 2u);
  EXPECT_THAT(r.fingerprint_differences[0],
              HasSubstr("machine.kernel_release: 6.1.0-13-amd64 → 6.5.0-1-amd64"));
  EXPECT_THAT(r.fingerprint_differences[1], HasSubstr("device.scheduler: mq-deadline → none"));
  EXPECT_TRUE(r.RegressedWorkloads().empty());

  CompareOptions ignore;
  ignore.ignore_fingerprint = true;
  const CompareReport i = CompareFiles(baseline, current, "current.json", ignore);
  EXPECT_TRUE(i.fingerprint_ignored);
  EXPECT_EQ(i.Count(Verdict::kSkipped), 0u);
  EXPECT_EQ(i.Count(Verdict::kRegressed), 4u);
  EXPECT_EQ(i.ExitCode(), kExitFailed);
}

TEST_F(CompareFixtures, VolatileFingerprintFieldsDoNotCount) {
  current["context"]["feedbench"]["machine"]["hostname"] = "node-b";
  current["context"]["feedbench"]["machine"]["mem_available_bytes"] = 123;
  current["context"]["feedbench"]["device"]["name"] = "vdc";  // same model, other kernel name
  current["context"]["feedbench"]["device"]["serial"] = "S4EWNX0R123";
  const CompareReport r = CompareFiles(baseline, current, "current.json", CompareOptions{});
  EXPECT_TRUE(r.fingerprint_differences.empty());
  EXPECT_EQ(r.Count(Verdict::kSkipped), 0u);
}

TEST_F(CompareFixtures, AnotherSuiteOrDatasetIsBadInput) {
  nlohmann::json other = current;
  other["context"]["feedbench"]["suite"] = "smoke";
  EXPECT_THROW(CompareFiles(baseline, other, "x.json", CompareOptions{}), UsageError);
  other = current;
  other["context"]["feedbench"]["dataset_hash"] = "0000";
  EXPECT_THROW(CompareFiles(baseline, other, "x.json", CompareOptions{}), UsageError);
}

TEST_F(CompareFixtures, MetricsOptionChoosesTheRows) {
  CompareOptions o;
  o.metrics = {"r_await_ms", "iops"};
  const CompareReport r = CompareFiles(baseline, current, "current.json", o);
  for (const auto& row : r.rows) EXPECT_EQ(row.metric, "r_await_ms");
  EXPECT_EQ(r.rows.size(), 7u);  // every workload but tmpfs-random, which has no device
  o.metrics = {"iops"};          // no fio workload in this suite: nothing to gate is bad input
  EXPECT_THROW(CompareFiles(baseline, current, "current.json", o), UsageError);
}

TEST_F(CompareFixtures, JsonReportCarriesEveryRowAndTheExitCode) {
  const CompareReport r = CompareFiles(baseline, current, "current.json", CompareOptions{});
  const nlohmann::json j = CompareReportToJson(r)["feedbench_compare"];
  EXPECT_EQ(j["schema_version"], 2);
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["outcome"], "FAIL");
  EXPECT_EQ(j["judged_rows"], 12);
  EXPECT_EQ(j["gated_rows"], 27);
  EXPECT_EQ(j["options"]["reference_runs"], 5);
  EXPECT_EQ(j["options"]["allow_inconclusive"], false);
  EXPECT_EQ(j["reference"]["runs_asked"], 5);
  EXPECT_EQ(j["reference"]["baseline_runs"], 3);
  ASSERT_EQ(j["reference"]["runs"].size(), 3u);
  EXPECT_EQ(j["reference"]["runs"][0]["number"], 1);
  EXPECT_EQ(j["reference"]["runs"][0]["date"], "2026-11-20T02:00:00+00:00");
  EXPECT_EQ(j["reference"]["runs"][2]["source"], "baseline_run3.json");
  EXPECT_EQ(j["comparisons"].size(), 31u);
  EXPECT_EQ(j["counts"]["REGRESSED"], 4);
  EXPECT_EQ(j["regressed_workloads"], nlohmann::json::array({"files-random"}));
  const auto& first_regressed = j["comparisons"][4];
  EXPECT_EQ(first_regressed["workload"], "files-random");
  EXPECT_EQ(first_regressed["verdict"], "REGRESSED");
  EXPECT_EQ(first_regressed["orientation"], "higher is better");
  EXPECT_DOUBLE_EQ(first_regressed["baseline_median"].get<double>(), 800);
  EXPECT_NEAR(first_regressed["change_percent"].get<double>(), (560.0 / 800.0 - 1) * 100, 1e-9);
  EXPECT_EQ(first_regressed["judged"], true);
  EXPECT_TRUE(first_regressed["inconclusive_reason"].is_null());
  EXPECT_EQ(first_regressed["reference_runs"], nlohmann::json::array({1, 2, 3}));
  for (const auto& row : j["comparisons"]) {
    if (row["verdict"] == "NOISY") {
      EXPECT_EQ(row["judged"], false);
      EXPECT_THAT(row["inconclusive_reason"].get<std::string>(), HasSubstr("too noisy"));
    }
  }
  EXPECT_TRUE(j["comparisons"][30]["current_median"].is_null());  // a MISSING row
}

TEST_F(CompareFixtures, TerminalTableHasTheColumnsAndTheSummary) {
  const std::string t =
      RenderCompareTable(CompareFiles(baseline, current, "current.json", CompareOptions{}));
  EXPECT_THAT(t, HasSubstr("workload"));
  EXPECT_THAT(t, HasSubstr("threshold"));
  EXPECT_THAT(t, HasSubstr("verdict"));
  EXPECT_THAT(t, HasSubstr("-30.0%"));
  EXPECT_THAT(t, HasSubstr("REGRESSED files-random samples_per_second"));
  EXPECT_THAT(t, HasSubstr("FAIL: judged 12 of 27 rows; 4 NEW rows are not gated; 4 REGRESSED, "
                           "4 INVALID"));
  EXPECT_THAT(t, HasSubstr("(exit 1)"));
  EXPECT_THAT(t, HasSubstr("reference: median of the last 3 of 3 baseline runs (--reference-runs "
                           "5): #1 2026-11-20T02:00:00+00:00 baseline_run1.json, #2 "
                           "2026-11-21T02:00:00+00:00 baseline_run2.json, #3"));
  // An UNCHANGED row that was not judged is explained, with its reason.
  EXPECT_THAT(t, HasSubstr("UNCHANGED tmpfs-random lat_p99_us: not judged: 15 reference vs 1"));
}

TEST_F(CompareFixtures, MarkdownSummaryHasHeadlineTableAndDetails) {
  const std::string md =
      RenderCompareMarkdown(CompareFiles(baseline, current, "current.json", CompareOptions{}));
  EXPECT_THAT(md, HasSubstr("### feedbench compare, suite `gate`: FAIL"));
  EXPECT_THAT(md, HasSubstr("| workload | metric | baseline | current | change | threshold | p |"));
  EXPECT_THAT(md, HasSubstr("judged 12 of 27 rows; 4 NEW rows are not gated; 4 REGRESSED"));
  EXPECT_THAT(md, HasSubstr("| `files-random` | samples_per_second | 800.0 samples/s | "
                            "560.0 samples/s | -30.0% | 5.0% | 6.4e-05 | **REGRESSED** |"));
  EXPECT_THAT(md, HasSubstr("- **UNCERTAIN** (not judged) `tmpfs-random` samples_per_second"));
  EXPECT_THAT(md, HasSubstr("- **UNCHANGED** (not judged) `tmpfs-random` lat_p99_us: not judged: "
                            "15 reference vs 1 current repetitions cannot reach p < 0.01"));
  EXPECT_THAT(md, HasSubstr("- #2 2026-11-21T02:00:00+00:00 `baseline_run2.json`"));
  // 2 header lines + 31 rows.
  std::size_t table_lines = 0;
  for (std::size_t pos = 0; (pos = md.find("\n|", pos)) != std::string::npos; ++pos) ++table_lines;
  EXPECT_EQ(table_lines, 33u);
}

TEST_F(CompareFixtures, JunitIsValidXmlWithOneTestcasePerWorkloadAndMetric) {
  ScratchDir dir;
  const auto file = dir / "junit.xml";
  testing::WriteText(
      file, RenderCompareJunit(CompareFiles(baseline, current, "current.json", CompareOptions{})));
  ASSERT_EQ(RunShell("xmllint --noout " + ShellQuote(file.string())).exit_code, 0);
  EXPECT_EQ(XPathCount(file, "//testcase"), "31");
  EXPECT_EQ(XPathCount(file, "//testcase/failure"), "8");  // REGRESSED, MISSING
  EXPECT_EQ(XPathCount(file, "//testcase/failure[@type='MISSING']"), "4");
  EXPECT_EQ(XPathCount(file, "//testcase/error"), "4");
  // Not judged: 4 NOISY, 2 UNCERTAIN and tmpfs-random's UNCHANGED p99 (too few repetitions); and
  // the 4 NEW rows.
  EXPECT_EQ(XPathCount(file, "//testcase/skipped"), "11");
  EXPECT_EQ(XPathCount(file,
                       "/testsuites[@tests=31 and @failures=8 and @errors=4 and "
                       "@skipped=11]"),
            "1");
  EXPECT_EQ(XPathCount(file,
                       "//testcase[@classname='feedbench.gate.tmpfs-random' and "
                       "@name='lat_p99_us']/skipped[starts-with(@message, 'UNCHANGED: 15 "
                       "reference vs 1 current repetitions cannot reach p < 0.01')]"),
            "1");
  EXPECT_EQ(XPathCount(file,
                       "//testcase[@classname='feedbench.gate.files-shuffled']/"
                       "skipped[starts-with(@message, 'NOISY: the baseline is too noisy')]"),
            "4");
  EXPECT_EQ(XPathCount(file, "//property[@name='outcome' and @value='FAIL']"), "1");
  EXPECT_EQ(XPathCount(file,
                       "//property[@name='judged' and starts-with(@value, 'judged 12 of "
                       "27 rows')]"),
            "1");
  EXPECT_EQ(XPathCount(file,
                       "//property[@name='reference_run_3' and @value="
                       "'2026-11-22T02:00:00+00:00 baseline_run3.json']"),
            "1");
  EXPECT_EQ(XPathCount(file,
                       "//testcase[@classname='feedbench.gate.files-random' and "
                       "@name='samples_per_second']/failure[@type='REGRESSED']"),
            "1");
  const std::string xml = ReadText(file);
  EXPECT_THAT(xml, HasSubstr("REGRESSED: samples_per_second 800.0 samples/s → 560.0 samples/s "
                             "(-30.0%), threshold 5.0%, p = 6.4e-05"));
}

TEST_F(CompareFixtures, JunitForAFingerprintMismatchSkipsEveryTestcase) {
  current["context"]["feedbench"]["device"]["model"] = "Samsung SSD 980";
  ScratchDir dir;
  const auto file = dir / "junit.xml";
  testing::WriteText(
      file, RenderCompareJunit(CompareFiles(baseline, current, "current.json", CompareOptions{})));
  ASSERT_EQ(RunShell("xmllint --noout " + ShellQuote(file.string())).exit_code, 0);
  EXPECT_EQ(XPathCount(file, "//testcase"), XPathCount(file, "//testcase/skipped"));
  EXPECT_EQ(XPathCount(file, "//testcase/failure"), "0");
  EXPECT_EQ(XPathCount(file, "//property[@name='fingerprint_difference_1']"), "1");
}

TEST(Junit, EscapesMarkupAndControlCharactersInNamesAndMessages) {
  CompareReport r;
  r.suite = "s<&>";
  r.baseline_source = "b\"'.json";
  MetricComparison row =
      JudgeMetric(MetricSamples{{{100, 101, 99, 100.5, 99.5}}, {80, 81, 79, 80.5, 79.5}},
                  Throughput(), 0.05, 0.01);
  row.workload = "odd <name> & \"quotes\" 'x'\x01";
  row.metric = "samples_per_second";
  row.message += "\nsecond line";
  r.rows.push_back(row);
  ScratchDir dir;
  const auto file = dir / "junit.xml";
  testing::WriteText(file, RenderCompareJunit(r));
  EXPECT_EQ(RunShell("xmllint --noout " + ShellQuote(file.string())).exit_code, 0);
  EXPECT_EQ(XPathCount(file, "//failure"), "1");
  EXPECT_EQ(XmlEscape("a<b>&\"c\"'d'\x02\n"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;?\n");
  EXPECT_EQ(XmlEscapeAttribute("x\ny\tz"), "x&#10;y&#9;z");
}

// ---- the binary: exit codes, files written, bad input ----

class CompareCli : public ::testing::Test {
 protected:
  std::string Args(const std::string& baseline, const std::string& results,
                   const std::string& extra = "") {
    return "compare " + ShellQuote(baseline) + " " + ShellQuote(results) + " " + extra;
  }
  std::string fixture_baseline = GateFixture("baseline.json").string();
  ScratchDir dir;
};

TEST_F(CompareCli, RegressionExitsOneAndWritesEveryReport) {
  const auto json = dir / "r.json";
  const auto md = dir / "r.md";
  const auto junit = dir / "r.xml";
  const auto r =
      RunFeedbench(Args(fixture_baseline, GateFixture("current.json").string(),
                        "--json " + ShellQuote(json.string()) + " --markdown " +
                            ShellQuote(md.string()) + " --junit " + ShellQuote(junit.string())));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("REGRESSED"));
  EXPECT_EQ(ReadJson(json)["feedbench_compare"]["exit_code"], 1);
  EXPECT_THAT(ReadText(md), HasSubstr("FAIL"));
  EXPECT_EQ(RunShell("xmllint --noout " + ShellQuote(junit.string())).exit_code, 0);
  EXPECT_EQ(XPathCount(junit, "//testcase/failure[@type='REGRESSED']"), "4");
}

TEST_F(CompareCli, UnchangedRerunExitsFourWhileANoisyRowIsNotJudged) {
  // Nothing changed, but files-shuffled is too noisy to judge: INCONCLUSIVE, not a pass.
  auto r = RunFeedbench(Args(fixture_baseline, GateFixture("rerun.json").string()));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_THAT(r.output, HasSubstr("INCONCLUSIVE: judged 23 of 27 rows; 4 NOISY, 23 UNCHANGED "
                                  "(exit 4)"));
  r = RunFeedbench(
      Args(fixture_baseline, GateFixture("rerun.json").string(), "--allow-inconclusive"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("INCONCLUSIVE (allowed by --allow-inconclusive): judged 23 of "
                                  "27 rows"));
  // Every row judged: a pass.
  r = RunFeedbench(
      Args(fixture_baseline, GateFixture("rerun.json").string(), "--filter '^(?!files-shuffled)'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("PASS: judged 23 of 23 rows; 23 UNCHANGED (exit 0)"));
}

TEST_F(CompareCli, ABaselineOfTwoRunsIsRecordedButGatesAsInconclusive) {
  const auto two = dir / "two.json";
  auto r = RunFeedbench(
      "baseline record " + ShellQuote(GateFixture("baseline_run1.json").string()) + " " +
      ShellQuote(GateFixture("baseline_run2.json").string()) + " --to " + ShellQuote(two.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto json = dir / "r.json";
  const auto junit = dir / "r.xml";
  r = RunFeedbench(Args(two.string(), GateFixture("rerun.json").string(),
                        "--filter '^(?!files-shuffled)' --json " + ShellQuote(json.string()) +
                            " --junit " + ShellQuote(junit.string())));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_THAT(r.output, HasSubstr("not judged: the reference has 2 run(s); at least 3 are needed"));
  EXPECT_THAT(r.output, HasSubstr("INCONCLUSIVE: judged 0 of 23 rows"));
  EXPECT_THAT(r.output, HasSubstr("reference: median of the last 2 of 2 baseline runs"));
  EXPECT_EQ(ReadJson(json)["feedbench_compare"]["outcome"], "INCONCLUSIVE");
  EXPECT_EQ(XPathCount(junit,
                       "//testcase/skipped[contains(@message, 'the reference has 2 "
                       "run(s)')]"),
            "23");
  // A regression still fails on it: regression beats inconclusive.
  r = RunFeedbench(
      Args(two.string(), GateFixture("current.json").string(), "--filter files-random"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST_F(CompareCli, ReferenceRunsChoosesHowManyOfTheLastRunsFormTheReference) {
  const auto json = dir / "r.json";
  auto r = RunFeedbench(
      Args(fixture_baseline, GateFixture("current.json").string(),
           "--reference-runs 1 --filter files-random --json " + ShellQuote(json.string())));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  auto j = ReadJson(json)["feedbench_compare"];
  // The latest run alone: median 795, run 3.
  EXPECT_EQ(j["reference"]["runs"].size(), 1u);
  EXPECT_EQ(j["reference"]["runs"][0]["number"], 3);
  EXPECT_DOUBLE_EQ(j["comparisons"][0]["baseline_median"].get<double>(), 795);
  r = RunFeedbench(
      Args(fixture_baseline, GateFixture("current.json").string(),
           "--reference-runs 2 --filter files-random --json " + ShellQuote(json.string())));
  j = ReadJson(json)["feedbench_compare"];
  EXPECT_EQ(j["comparisons"][0]["reference_runs"], nlohmann::json::array({2, 3}));
  EXPECT_DOUBLE_EQ(j["comparisons"][0]["baseline_median"].get<double>(), (806.0 + 795.0) / 2);
}

TEST_F(CompareCli, VanishedWorkloadExitsOneAndIsNamedInEveryReport) {
  auto rerun = ReadJson(GateFixture("rerun.json"));
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& b : rerun["benchmarks"]) {
    if (!b["run_name"].get<std::string>().starts_with("files-large/")) kept.push_back(b);
  }
  rerun["benchmarks"] = kept;
  const auto file = dir / "without-files-large.json";
  WriteJson(file, rerun);
  const auto json = dir / "r.json";
  const auto md = dir / "r.md";
  const auto junit = dir / "r.xml";
  const auto r =
      RunFeedbench(Args(fixture_baseline, file.string(),
                        "--json " + ShellQuote(json.string()) + " --markdown " +
                            ShellQuote(md.string()) + " --junit " + ShellQuote(junit.string())));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("MISSING files-large samples_per_second"));
  EXPECT_THAT(r.output, HasSubstr("FAIL: judged 19 of 27 rows; 4 MISSING, 4 NOISY"));
  const auto j = ReadJson(json)["feedbench_compare"];
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["counts"]["MISSING"], 4);
  EXPECT_THAT(ReadText(md), HasSubstr("FAIL"));
  EXPECT_THAT(ReadText(md), HasSubstr("**MISSING**"));
  EXPECT_EQ(XPathCount(junit, "//testcase/failure[@type='MISSING']"), "4");
}

TEST_F(CompareCli, AWorkloadLeftOutWithFilterIsNotMissing) {
  auto rerun = ReadJson(GateFixture("rerun.json"));
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& b : rerun["benchmarks"]) {
    if (!b["run_name"].get<std::string>().starts_with("files-large/")) kept.push_back(b);
  }
  rerun["benchmarks"] = kept;
  const auto file = dir / "without-files-large.json";
  WriteJson(file, rerun);
  const auto r = RunFeedbench(Args(fixture_baseline, file.string(), "--filter random"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("not judged, left out on purpose by --filter 'random'"));
  EXPECT_THAT(r.output, Not(HasSubstr("MISSING")));
}

TEST_F(CompareCli, FingerprintMismatchExitsThreeUnlessIgnored) {
  auto rerun = ReadJson(GateFixture("rerun.json"));
  rerun["context"]["feedbench"]["machine"]["kernel_release"] = "6.5.0-1-amd64";
  const auto file = dir / "other-kernel.json";
  WriteJson(file, rerun);
  auto r = RunFeedbench(Args(fixture_baseline, file.string()));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("machine.kernel_release: 6.1.0-13-amd64 → 6.5.0-1-amd64"));
  // A mismatch stays 3 even with --allow-inconclusive.
  r = RunFeedbench(Args(fixture_baseline, file.string(), "--allow-inconclusive"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  // Ignored, the rerun is compared: files-shuffled is NOISY, so 4 (0 when allowed).
  r = RunFeedbench(Args(fixture_baseline, file.string(), "--ignore-fingerprint"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  r = RunFeedbench(
      Args(fixture_baseline, file.string(), "--ignore-fingerprint --allow-inconclusive"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(CompareCli, TolerancesAndAlphaChangeTheVerdict) {
  // tmpfs-random dropped 20% with one repetition against 15: at alpha 0.1 the 1/16 is
  // significant.
  auto r = RunFeedbench(Args(fixture_baseline, GateFixture("current.json").string(),
                             "--alpha 0.1 --metrics samples_per_second"));
  EXPECT_THAT(r.output, HasSubstr("tmpfs-random      samples_per_second"));
  EXPECT_THAT(r.output, HasSubstr("REGRESSED tmpfs-random samples_per_second"));
  // A 50% tolerance lets the 30% drop of files-random pass; "%" may be written.
  r = RunFeedbench(Args(fixture_baseline, GateFixture("current.json").string(),
                        "--tolerance-throughput 50% --tolerance-await 60 --json " +
                            ShellQuote((dir / "j.json").string())));
  const auto j = ReadJson(dir / "j.json")["feedbench_compare"];
  EXPECT_EQ(j["counts"]["REGRESSED"], 0);
  EXPECT_EQ(j["options"]["tolerance_throughput_percent"], 50.0);
  EXPECT_EQ(r.exit_code, 1) << "the contaminated workload still fails the gate";
}

struct BadInput {
  std::string name;
  std::function<void(const ScratchDir&, std::string& baseline, std::string& results,
                     std::string& extra)>
      make;
  std::string expected_message;
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

class CompareBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CompareBadInput, ExitsTwoNamingTheProblemAndWritesNothing) {
  ScratchDir dir;
  std::string baseline = GateFixture("baseline.json").string();
  std::string results = GateFixture("current.json").string();
  const auto junit = dir / "junit.xml";
  std::string extra;
  GetParam().make(dir, baseline, results, extra);
  const std::string before = ReadText(baseline);
  const auto r = RunFeedbench("compare " + ShellQuote(baseline) + " " + ShellQuote(results) +
                              " --junit " + ShellQuote(junit.string()) + " " + extra);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(GetParam().expected_message));
  EXPECT_FALSE(std::filesystem::exists(junit));
  EXPECT_EQ(ReadText(baseline), before) << "the baseline is never touched";
}

std::string Mutated(const ScratchDir& dir, const std::string& fixture, const std::string& name,
                    const std::function<void(nlohmann::json&)>& change) {
  nlohmann::json j = ReadJson(GateFixture(fixture));
  change(j);
  const auto path = dir / name;
  WriteJson(path, j);
  return path.string();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CompareBadInput,
    ::testing::Values(
        BadInput{"BaselineNotJson",
                 [](const ScratchDir& d, std::string& b, std::string&, std::string&) {
                   b = (d / "b.json").string();
                   testing::WriteText(b, "{ not json");
                 },
                 "not JSON"},
        BadInput{"ResultsNotJson",
                 [](const ScratchDir& d, std::string&, std::string& r, std::string&) {
                   r = (d / "r.json").string();
                   testing::WriteText(r, "nan nan");
                 },
                 "not JSON"},
        BadInput{"BaselineOtherSchemaVersion",
                 [](const ScratchDir& d, std::string& b, std::string&, std::string&) {
                   b = Mutated(d, "baseline.json", "b.json",
                               [](auto& j) { j["schema_version"] = 2; });
                 },
                 "schema_version is 2"},
        BadInput{"ResultsOtherSchemaVersion",
                 [](const ScratchDir& d, std::string&, std::string& r, std::string&) {
                   r = Mutated(d, "current.json", "r.json",
                               [](auto& j) { j["context"]["feedbench"]["schema_version"] = 7; });
                 },
                 "context.feedbench.schema_version is 7"},
        BadInput{"ResultsOfAnotherSuite",
                 [](const ScratchDir& d, std::string&, std::string& r, std::string&) {
                   r = Mutated(d, "current.json", "r.json",
                               [](auto& j) { j["context"]["feedbench"]["suite"] = "smoke"; });
                 },
                 "suite smoke, but the baseline is for suite gate"},
        BadInput{"ResultsWithNoRepetitions",
                 [](const ScratchDir& d, std::string&, std::string& r, std::string&) {
                   r = Mutated(d, "current.json", "r.json", [](auto& j) {
                     auto& b = j["benchmarks"];
                     nlohmann::json kept = nlohmann::json::array();
                     for (auto& e : b)
                       if (e["run_type"] == "aggregate") kept.push_back(e);
                     b = kept;
                   });
                 },
                 "no repetitions"},
        BadInput{"ResultsNotFromFeedbench",
                 [](const ScratchDir& d, std::string&, std::string& r, std::string&) {
                   r = Mutated(d, "current.json", "r.json",
                               [](auto& j) { j["context"].erase("feedbench"); });
                 },
                 "context.feedbench"},
        BadInput{"BaselineIsAResultsFile",
                 [](const ScratchDir&, std::string& b, std::string&, std::string&) {
                   b = GateFixture("rerun.json").string();
                 },
                 "looks like a results file"},
        BadInput{"BaselineMissing",
                 [](const ScratchDir& d, std::string& b, std::string&, std::string&) {
                   b = (d / "nope.json").string();
                 },
                 "cannot read"},
        BadInput{"ToleranceZero",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--tolerance-throughput 0";
                 },
                 "--tolerance-throughput 0: expected a percentage strictly between 0 and 100"},
        BadInput{"ToleranceHundred",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--tolerance-await 100";
                 },
                 "--tolerance-await 100"},
        BadInput{"ToleranceNegative",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--tolerance-await=-5";
                 },
                 "--tolerance-await"},
        BadInput{"ToleranceNotANumber",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--tolerance-throughput five";
                 },
                 "--tolerance-throughput 'five'"},
        BadInput{
            "AlphaZero",
            [](const ScratchDir&, std::string&, std::string&, std::string& e) { e = "--alpha 0"; },
            "--alpha 0: expected a probability strictly between 0 and 1"},
        BadInput{
            "AlphaOne",
            [](const ScratchDir&, std::string&, std::string&, std::string& e) { e = "--alpha 1"; },
            "--alpha 1"},
        BadInput{"ReferenceRunsZero",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--reference-runs 0";
                 },
                 "--reference-runs '0': expected a whole number of baseline runs ≥ 1"},
        BadInput{"ReferenceRunsNegative",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--reference-runs=-2";
                 },
                 "--reference-runs '-2'"},
        BadInput{"ReferenceRunsNotANumber",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--reference-runs five";
                 },
                 "--reference-runs 'five'"},
        BadInput{"ReferenceRunsFraction",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--reference-runs 2.5";
                 },
                 "--reference-runs '2.5'"},
        BadInput{"UnknownMetric",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--metrics samples_per_second,throughput";
                 },
                 "unknown metric 'throughput'"},
        BadInput{"FilterNotARegex",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--filter '[unclosed'";
                 },
                 "--filter '[unclosed': not a valid regular expression"},
        BadInput{"FilterMatchingNoWorkload",
                 [](const ScratchDir&, std::string&, std::string&, std::string& e) {
                   e = "--filter no-such-workload";
                 },
                 "matches no workload"},
        BadInput{"ReportInMissingDirectory",
                 [](const ScratchDir& d, std::string&, std::string&, std::string& e) {
                   e = "--json " + ShellQuote((d / "no" / "deeper" / "r.json").string());
                 },
                 "does not exist"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace feedbench
