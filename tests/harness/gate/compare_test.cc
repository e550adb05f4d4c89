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

MetricComparison Judge(std::vector<V> baseline_runs, V current, const MetricInfo& metric,
                       double tolerance = 0.05, double alpha = 0.01) {
  return JudgeMetric(MetricSamples{std::move(baseline_runs), std::move(current)}, metric, tolerance,
                     alpha);
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

TEST(JudgeMetric, SignificantShiftWithinToleranceIsUncertainAndNotARegression) {
  const auto c =
      Judge({{100, 100.1, 100.2, 100.3, 100.4}}, {99.0, 99.1, 99.2, 99.3, 99.4}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kUncertain);
  EXPECT_LT(*c.p_worse, 0.01);
  EXPECT_LT(c.ratio, 1.05);
  EXPECT_FALSE(c.repetitions_to_settle.has_value());
  EXPECT_THAT(c.message, HasSubstr("smaller than the tolerance"));
}

TEST(JudgeMetric, SmallOverlappingChangeIsUnchanged) {
  const auto c = Judge({{100, 102, 98, 101, 99}}, {99, 101, 100, 98.5, 100.5}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kUnchanged);
}

TEST(JudgeMetric, NoiseWidensTheThresholdToThreeSigma) {
  // Baseline within-run spread: MAD 1.5 around 100 → σ = 1.4826·1.5/100 ≈ 2.22%, 3σ ≈ 6.67%:
  // wider than the 5% tolerance, but not twice it, so still gated, at 6.67%.
  const V base{97, 98.5, 100, 101.5, 103};
  const double sigma = 1.4826 * 1.5 / 100;
  // 6% lower (r ≈ 1.064): significant, but inside the widened threshold.
  auto c = Judge({base}, {93.5, 93.7, 94, 94.2, 94.4}, Throughput());
  EXPECT_NEAR(c.threshold, 3 * sigma, 1e-12);
  EXPECT_NEAR(c.within_run_spread, sigma, 1e-12);
  EXPECT_EQ(c.verdict, Verdict::kUncertain);
  EXPECT_THAT(c.message, HasSubstr("widened by noise"));
  // 8% lower (r ≈ 1.087): beyond it.
  c = Judge({base}, {91.5, 91.7, 92, 92.2, 92.4}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kRegressed);
}

TEST(JudgeMetric, RunToRunSpreadOfMediansCountsAsNoise) {
  // Each run is tight, but the run medians wander: 100, 104, 96 → MAD 4 → σ ≈ 5.93%.
  const auto c =
      Judge({{100, 100, 100}, {104, 104, 104}, {96, 96, 96}}, {96, 96, 96}, Await(), 0.10);
  EXPECT_NEAR(c.run_to_run_spread, 1.4826 * 4 / 100, 1e-12);
  EXPECT_DOUBLE_EQ(c.within_run_spread, 0);
  EXPECT_NEAR(c.noise, c.run_to_run_spread, 1e-15);
  EXPECT_EQ(c.baseline_runs, 3u);
}

TEST(JudgeMetric, BaselineTooNoisyForTheToleranceIsNoisy) {
  // Run medians 100, 130, 80 → σ_b ≈ 29.7%: 3σ_b far above 2 × 5%.
  const auto c = Judge({{100, 100, 100, 100, 100}, {130, 130, 130, 130, 130}, {80, 81, 79, 80, 80}},
                       {79, 80, 81, 80, 79.5}, Throughput());
  EXPECT_EQ(c.verdict, Verdict::kNoisy);
  EXPECT_NEAR(c.baseline_noise, 1.4826 * 20 / 100, 1e-12);
  EXPECT_THAT(c.message, HasSubstr("too noisy to gate at 5.0%"));
}

TEST(JudgeMetric, NoisyRuleIsThreeSigmaAboveTwiceTheTolerance) {
  // σ_b = 1.4826·MAD/median; MAD 3 around 100 → σ_b = 4.45%, 3σ_b = 13.3%.
  const V base{94, 97, 100, 103, 106};
  EXPECT_EQ(Judge({base}, base, Throughput(), 0.05).verdict, Verdict::kNoisy);      // 13.3 > 10
  EXPECT_EQ(Judge({base}, base, Throughput(), 0.07).verdict, Verdict::kUnchanged);  // 13.3 ≤ 14
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
              ElementsAre("samples_per_second", "bytes_per_second", "r_await_ms", "lat_p99_us"));
}

TEST(ValidateOptions, RejectsOutOfRangeTolerancesAlphaAndUnknownMetrics) {
  auto with = [](auto change) {
    CompareOptions o;
    change(o);
    return o;
  };
  EXPECT_NO_THROW(ValidateOptions(CompareOptions{}));
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
  // The regressed throughput: baseline's latest run median 795, current 560.
  const MetricComparison& s = *Row(r, "files-random", "samples_per_second");
  EXPECT_DOUBLE_EQ(*s.baseline_median, 795);
  EXPECT_DOUBLE_EQ(*s.current_median, 560);
  EXPECT_DOUBLE_EQ(s.ratio, 795.0 / 560.0);
  EXPECT_EQ(s.baseline_runs, 3u);
}

TEST_F(CompareFixtures, UnchangedRerunPasses) {
  const CompareReport r =
      CompareResults(baseline, ReadResultsFile(GateFixture("rerun.json")), CompareOptions{});
  EXPECT_EQ(r.Count(Verdict::kRegressed), 0u);
  EXPECT_EQ(r.Count(Verdict::kInvalid), 0u);
  EXPECT_EQ(r.Count(Verdict::kNoisy), 4u);  // files-shuffled stays too noisy to gate
  EXPECT_EQ(r.ExitCode(), kExitOk);
  EXPECT_TRUE(r.RegressedWorkloads().empty());
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
  ASSERT_EQ(CompareResults(baseline, RerunWithout("none"), CompareOptions{}).ExitCode(), kExitOk);
  const CompareReport r = CompareResults(baseline, RerunWithout("files-large"), CompareOptions{});
  EXPECT_EQ(r.Count(Verdict::kMissing), 4u);
  EXPECT_EQ(r.Count(Verdict::kRegressed), 0u);
  EXPECT_EQ(r.Count(Verdict::kInvalid), 0u);
  EXPECT_THAT(Row(r, "files-large", "samples_per_second")->message, HasSubstr("--filter"));
  EXPECT_EQ(r.ExitCode(), kExitFailed);
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
  EXPECT_THAT(table, HasSubstr("FAIL: 4 MISSING"));
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
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["comparisons"].size(), 31u);
  EXPECT_EQ(j["counts"]["REGRESSED"], 4);
  EXPECT_EQ(j["regressed_workloads"], nlohmann::json::array({"files-random"}));
  const auto& first_regressed = j["comparisons"][4];
  EXPECT_EQ(first_regressed["workload"], "files-random");
  EXPECT_EQ(first_regressed["verdict"], "REGRESSED");
  EXPECT_EQ(first_regressed["orientation"], "higher is better");
  EXPECT_DOUBLE_EQ(first_regressed["baseline_median"].get<double>(), 795);
  EXPECT_NEAR(first_regressed["change_percent"].get<double>(), (560.0 / 795.0 - 1) * 100, 1e-9);
  EXPECT_TRUE(j["comparisons"][30]["current_median"].is_null());  // a MISSING row
}

TEST_F(CompareFixtures, TerminalTableHasTheColumnsAndTheSummary) {
  const std::string t =
      RenderCompareTable(CompareFiles(baseline, current, "current.json", CompareOptions{}));
  EXPECT_THAT(t, HasSubstr("workload"));
  EXPECT_THAT(t, HasSubstr("threshold"));
  EXPECT_THAT(t, HasSubstr("verdict"));
  EXPECT_THAT(t, HasSubstr("-29.6%"));
  EXPECT_THAT(t, HasSubstr("REGRESSED files-random samples_per_second"));
  EXPECT_THAT(t, HasSubstr("FAIL: 4 REGRESSED, 4 INVALID"));
  EXPECT_THAT(t, HasSubstr("(exit 1)"));
}

TEST_F(CompareFixtures, MarkdownSummaryHasHeadlineTableAndDetails) {
  const std::string md =
      RenderCompareMarkdown(CompareFiles(baseline, current, "current.json", CompareOptions{}));
  EXPECT_THAT(md, HasSubstr("### feedbench compare, suite `gate`: FAIL"));
  EXPECT_THAT(md, HasSubstr("| workload | metric | baseline | current | change | threshold | p |"));
  EXPECT_THAT(md, HasSubstr("| `files-random` | samples_per_second | 795.0 samples/s | "
                            "560.0 samples/s | -29.6% | 5.0% | 0.004 | **REGRESSED** |"));
  EXPECT_THAT(md, HasSubstr("- **UNCERTAIN** `tmpfs-random` samples_per_second"));
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
  EXPECT_EQ(XPathCount(file, "//testcase/skipped"), "8");  // NOISY, NEW
  EXPECT_EQ(XPathCount(file,
                       "/testsuites[@tests=31 and @failures=8 and @errors=4 and "
                       "@skipped=8]"),
            "1");
  EXPECT_EQ(XPathCount(file,
                       "//testcase[@classname='feedbench.gate.files-random' and "
                       "@name='samples_per_second']/failure[@type='REGRESSED']"),
            "1");
  const std::string xml = ReadText(file);
  EXPECT_THAT(xml, HasSubstr("REGRESSED: samples_per_second 795.0 samples/s → 560.0 samples/s "
                             "(-29.6%), threshold 5.0%, p = 0.004"));
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

TEST_F(CompareCli, UnchangedRerunExitsZero) {
  const auto r = RunFeedbench(Args(fixture_baseline, GateFixture("rerun.json").string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("PASS"));
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
  EXPECT_THAT(r.output, HasSubstr("FAIL: 4 MISSING, 4 NOISY"));
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
  r = RunFeedbench(Args(fixture_baseline, file.string(), "--ignore-fingerprint"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(CompareCli, TolerancesAndAlphaChangeTheVerdict) {
  // tmpfs-random dropped 20% with 3 repetitions: at alpha 0.05 the 1/56 is significant.
  auto r = RunFeedbench(Args(fixture_baseline, GateFixture("current.json").string(),
                             "--alpha 0.05 --metrics samples_per_second"));
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
                   e = "--json " + ShellQuote((d / "no" / "r.json").string());
                 },
                 "does not exist"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace feedbench
