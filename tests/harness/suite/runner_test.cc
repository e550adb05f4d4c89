#include "harness/suite/runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

using nlohmann::json;

std::vector<json> EntriesOf(const json& results, const std::string& workload,
                            const std::string& run_type) {
  std::vector<json> out;
  for (const auto& b : results.at("benchmarks")) {
    if (WorkloadNameOf(b) == workload && b.at("run_type") == run_type) out.push_back(b);
  }
  return out;
}

const json& Aggregate(const std::vector<json>& aggregates, const std::string& name) {
  for (const auto& a : aggregates) {
    if (a.at("aggregate_name") == name) return a;
  }
  throw std::runtime_error("no aggregate " + name);
}

PlannedWorkload Fixed(std::string name, std::vector<double> rates, int bad_index = -1) {
  PlannedWorkload w;
  w.name = std::move(name);
  w.repetitions = static_cast<int>(rates.size());
  w.run = [rates, bad_index](int rep) {
    RepetitionOutcome o;
    o.wall_sec = 1000.0 / rates[rep];
    o.counters["samples_per_second"] = rates[rep];
    o.counters["util_pct"] = 50 + rep;
    o.label = "cold test";
    if (rep == bad_index) o.error = "cache_contaminated: device read ratio 0.10 < 0.5";
    return o;
  };
  return w;
}

TEST(Runner, WritesOneEntryPerRepetitionWithManualTimeAndCounters) {
  const RunnerOutput out = RunWithGoogleBenchmark({Fixed("alpha", {100, 200, 400})});
  const auto reps = EntriesOf(out.results, "alpha", "iteration");
  ASSERT_EQ(reps.size(), 3u);
  const std::vector<double> rates{100, 200, 400};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(reps[i].at("repetition_index"), i);
    EXPECT_EQ(reps[i].at("iterations"), 1);
    EXPECT_EQ(reps[i].at("time_unit"), "ms");
    // wall time 1000/rate seconds, reported in ms
    EXPECT_NEAR(reps[i].at("real_time").get<double>(), 1e6 / rates[i], 1e-6);
    EXPECT_DOUBLE_EQ(reps[i].at("samples_per_second").get<double>(), rates[i]);
    EXPECT_EQ(reps[i].at("label"), "cold test");
  }
  EXPECT_TRUE(out.results.at("context").contains("host_name"));
}

TEST(Runner, AggregatesMatchARecomputationFromRepetitions) {
  const std::vector<double> rates{120, 100, 140, 130};
  const RunnerOutput out = RunWithGoogleBenchmark({Fixed("beta", rates)});
  const auto aggs = EntriesOf(out.results, "beta", "aggregate");
  const double mean = std::accumulate(rates.begin(), rates.end(), 0.0) / rates.size();
  double ss = 0;
  for (double r : rates) ss += (r - mean) * (r - mean);
  const double stddev = std::sqrt(ss / (rates.size() - 1));
  // Hand: mean 122.5, median (120+130)/2 = 125, stddev sqrt(875/3) = 17.078, cv = 0.13942
  EXPECT_DOUBLE_EQ(mean, 122.5);
  EXPECT_NEAR(Aggregate(aggs, "mean").at("samples_per_second").get<double>(), 122.5, 1e-9);
  EXPECT_NEAR(Aggregate(aggs, "median").at("samples_per_second").get<double>(), 125.0, 1e-9);
  EXPECT_NEAR(Aggregate(aggs, "stddev").at("samples_per_second").get<double>(), stddev, 1e-9);
  EXPECT_NEAR(Aggregate(aggs, "cv").at("samples_per_second").get<double>(), stddev / mean, 1e-9);
}

TEST(Runner, ErroredRepetitionIsMarkedAndLeftOutOfAggregates) {
  const RunnerOutput out = RunWithGoogleBenchmark({Fixed("gamma", {100, 5000, 300}, 1)});
  const auto reps = EntriesOf(out.results, "gamma", "iteration");
  ASSERT_EQ(reps.size(), 3u);
  EXPECT_TRUE(reps[1].value("error_occurred", false));
  EXPECT_EQ(reps[1].at("error_message").get<std::string>().rfind("cache_contaminated", 0), 0u);
  EXPECT_FALSE(reps[0].value("error_occurred", false));
  const auto aggs = EntriesOf(out.results, "gamma", "aggregate");
  // Only 100 and 300 count: mean 200, not (100+5000+300)/3.
  EXPECT_NEAR(Aggregate(aggs, "mean").at("samples_per_second").get<double>(), 200.0, 1e-9);
}

TEST(Runner, ExceptionInAWorkloadBecomesAFailedRepetition) {
  PlannedWorkload w;
  w.name = "delta";
  w.repetitions = 2;
  w.run = [](int rep) -> RepetitionOutcome {
    if (rep == 0) throw RunError("read /data/x: Input/output error");
    RepetitionOutcome o;
    o.wall_sec = 1;
    o.counters["samples_per_second"] = 10;
    return o;
  };
  const RunnerOutput out = RunWithGoogleBenchmark({w});
  ASSERT_EQ(out.workloads.size(), 1u);
  ASSERT_EQ(out.workloads[0].repetitions.size(), 2u);
  EXPECT_TRUE(out.workloads[0].repetitions[0].failed);
  const auto reps = EntriesOf(out.results, "delta", "iteration");
  EXPECT_TRUE(reps[0].value("error_occurred", false));
  EXPECT_NE(reps[0].at("error_message").get<std::string>().find("Input/output error"),
            std::string::npos);
}

TEST(Runner, EnvironmentErrorAbortsTheRestAndIsRethrown) {
  int calls = 0;
  PlannedWorkload w;
  w.name = "epsilon";
  w.repetitions = 3;
  w.run = [&calls](int) -> RepetitionOutcome {
    ++calls;
    throw EnvironmentError("no space left on /data");
  };
  EXPECT_THROW(RunWithGoogleBenchmark({w, Fixed("zeta", {1, 2})}), EnvironmentError);
  EXPECT_EQ(calls, 1);
}

TEST(Runner, CanRunTwiceInOneProcess) {
  const auto first = RunWithGoogleBenchmark({Fixed("eta", {10, 20})});
  const auto second = RunWithGoogleBenchmark({Fixed("theta", {10})});
  EXPECT_EQ(EntriesOf(second.results, "eta", "iteration").size(), 0u);
  EXPECT_EQ(EntriesOf(second.results, "theta", "iteration").size(), 1u);
}

TEST(Runner, NonFiniteAggregatesBecomeNull) {
  // A counter that is 0 in every repetition has cv = 0/0.
  PlannedWorkload w = Fixed("iota", {10, 20});
  auto inner = w.run;
  w.run = [inner](int rep) {
    RepetitionOutcome o = inner(rep);
    o.counters["au_pct"] = 0;
    return o;
  };
  const RunnerOutput out = RunWithGoogleBenchmark({w});
  bool saw_null = false;
  for (const auto& b : out.results["benchmarks"]) {
    if (b.value("aggregate_name", "") == "cv") saw_null = b.at("au_pct").is_null();
  }
  EXPECT_TRUE(saw_null);
}

TEST(Runner, WorkloadNameIsTheRunNameBeforeTheFirstSlash) {
  EXPECT_EQ(WorkloadNameOf(json{{"run_name", "files-random/iterations:1/repeats:5/manual_time"}}),
            "files-random");
  EXPECT_EQ(WorkloadNameOf(json{{"name", "lmdb"}}), "lmdb");
}

}  // namespace
}  // namespace feedbench
