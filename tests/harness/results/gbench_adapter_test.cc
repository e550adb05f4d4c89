#include "harness/results/gbench_adapter.h"

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

// A workload of the results model with one repetition per rate; `bad_index` is contaminated.
WorkloadResults Fixed(std::string name, std::vector<double> rates, int bad_index = -1) {
  WorkloadResults w{std::move(name), {}};
  for (size_t rep = 0; rep < rates.size(); ++rep) {
    Repetition r;
    r.repetition_index = static_cast<int>(rep);
    r.wall_sec = 1000.0 / rates[rep];
    r.counters["samples_per_second"] = rates[rep];
    r.counters["util_pct"] = 50 + static_cast<double>(rep);
    r.label = "cold test";
    if (static_cast<int>(rep) == bad_index) {
      r.state = RepetitionState::kCacheContaminated;
      r.error_message = "cache_contaminated: device read ratio 0.10 < 0.5";
    }
    w.repetitions.push_back(std::move(r));
  }
  return w;
}

json Adapt(std::vector<WorkloadResults> workloads) {
  ResultsFile model;
  model.workloads = std::move(workloads);
  return ToGoogleBenchmarkJson(model);
}

TEST(GbenchAdapter, WritesOneEntryPerRepetitionWithManualTimeAndCounters) {
  const json out = Adapt({Fixed("alpha", {100, 200, 400})});
  const auto reps = EntriesOf(out, "alpha", "iteration");
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
  EXPECT_TRUE(out.at("context").contains("host_name"));
}

TEST(GbenchAdapter, AggregatesAreTheHandComputedOnes) {
  const json out = Adapt({Fixed("beta", {120, 100, 140, 130})});
  const auto aggs = EntriesOf(out, "beta", "aggregate");
  // By hand: mean 122.5; median (120+130)/2 = 125; deviations -2.5 -22.5 17.5 7.5, squares sum
  // 875, stddev sqrt(875/3) = 17.0782513; cv 17.0782513 / 122.5 = 0.1394143.
  EXPECT_NEAR(Aggregate(aggs, "mean").at("samples_per_second").get<double>(), 122.5, 1e-9);
  EXPECT_NEAR(Aggregate(aggs, "median").at("samples_per_second").get<double>(), 125.0, 1e-9);
  EXPECT_NEAR(Aggregate(aggs, "stddev").at("samples_per_second").get<double>(), 17.0782513, 1e-6);
  EXPECT_NEAR(Aggregate(aggs, "cv").at("samples_per_second").get<double>(), 0.1394143, 1e-6);
}

TEST(GbenchAdapter, ErroredRepetitionIsMarkedAndLeftOutOfAggregates) {
  const json out = Adapt({Fixed("gamma", {100, 5000, 300}, 1)});
  const auto reps = EntriesOf(out, "gamma", "iteration");
  ASSERT_EQ(reps.size(), 3u);
  EXPECT_TRUE(reps[1].value("error_occurred", false));
  EXPECT_EQ(reps[1].at("error_message").get<std::string>().rfind("cache_contaminated", 0), 0u);
  EXPECT_FALSE(reps[0].value("error_occurred", false));
  const auto aggs = EntriesOf(out, "gamma", "aggregate");
  // Only 100 and 300 count: mean 200, not (100+5000+300)/3.
  EXPECT_NEAR(Aggregate(aggs, "mean").at("samples_per_second").get<double>(), 200.0, 1e-9);
}

TEST(GbenchAdapter, AFailedRepetitionKeepsItsReasonAndNoAggregateCountsIt) {
  WorkloadResults w = Fixed("delta", {10, 10});
  w.repetitions[0].state = RepetitionState::kFailed;
  w.repetitions[0].error_message = "io: read /data/x: Input/output error";
  const json out = Adapt({w});
  const auto reps = EntriesOf(out, "delta", "iteration");
  ASSERT_EQ(reps.size(), 2u);
  EXPECT_TRUE(reps[0].value("error_occurred", false));
  EXPECT_NE(reps[0].at("error_message").get<std::string>().find("Input/output error"),
            std::string::npos);
  EXPECT_FALSE(reps[1].value("error_occurred", false));
}

TEST(GbenchAdapter, WhatItWritesReadsBackAsTheSameModel) {
  const json out = Adapt({Fixed("kappa", {100, 5000, 300}, 1)});
  json document = out;
  document["context"]["feedbench"] = {
      {"schema_version", kResultsSchemaVersion}, {"suite", "s"}, {"dataset_hash", "h"}};
  const ResultsFile back = ParseResults(document, "adapted");
  ASSERT_EQ(back.workloads.size(), 1u);
  const WorkloadResults& w = back.workloads[0];
  ASSERT_EQ(w.repetitions.size(), 3u);
  EXPECT_EQ(w.repetitions[1].state, RepetitionState::kCacheContaminated);
  EXPECT_NEAR(w.repetitions[0].wall_sec, 10.0, 1e-9);
  EXPECT_EQ(w.Values("samples_per_second"), (std::vector<double>{100, 300}));
}

TEST(GbenchAdapter, ADisturbedRepetitionIsLeftOutOfAggregatesAndReadsBackDisturbed) {
  WorkloadResults w = Fixed("lambda", {100, 20, 300});
  w.repetitions[1].state = RepetitionState::kDisturbed;
  w.repetitions[1].error_message =
      "disturbed: foreign device reads 23% of the device's bytes (limit 10%): 120.0 MiB of 520.0 "
      "MiB";
  json document = Adapt({w});
  const auto reps = EntriesOf(document, "lambda", "iteration");
  ASSERT_EQ(reps.size(), 3u);
  EXPECT_EQ(reps[1].at("error_message"), w.repetitions[1].error_message);
  // Only 100 and 300 count: mean 200.
  EXPECT_NEAR(Aggregate(EntriesOf(document, "lambda", "aggregate"), "mean")
                  .at("samples_per_second")
                  .get<double>(),
              200.0, 1e-9);
  document["context"]["feedbench"] = {
      {"schema_version", kResultsSchemaVersion}, {"suite", "s"}, {"dataset_hash", "h"}};
  const ResultsFile back = ParseResults(document, "adapted");
  EXPECT_EQ(back.workloads.at(0).repetitions.at(1).state, RepetitionState::kDisturbed);
  EXPECT_EQ(back.workloads.at(0).Values("samples_per_second"), (std::vector<double>{100, 300}));
}

TEST(GbenchAdapter, AnInvalidFirstRepetitionKeepsItsPlaceAndItsCounters) {
  // Google Benchmark 1.7 crashed computing the aggregates when the first run was skipped and two
  // others were not.
  WorkloadResults w = Fixed("mu", {20, 100, 300});
  w.repetitions[0].state = RepetitionState::kDisturbed;
  w.repetitions[0].error_message = "disturbed: CPU steal 9.0% of CPU time (limit 5%)";
  w.repetitions[0].counters["cpu_steal_pct"] = 9.0;
  const json out = Adapt({w});
  const auto reps = EntriesOf(out, "mu", "iteration");
  ASSERT_EQ(reps.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(reps[i].at("repetition_index"), i);
  EXPECT_EQ(reps[0].at("error_message"), "disturbed: CPU steal 9.0% of CPU time (limit 5%)");
  EXPECT_EQ(reps[0].at("cpu_steal_pct"), 9.0);
  EXPECT_EQ(reps[0].at("samples_per_second"), 20.0);
  EXPECT_EQ(reps[1].at("samples_per_second"), 100.0);
  EXPECT_FALSE(reps[1].value("error_occurred", false));
  EXPECT_EQ(reps[2].at("samples_per_second"), 300.0);
  EXPECT_NEAR(Aggregate(EntriesOf(out, "mu", "aggregate"), "mean")
                  .at("samples_per_second")
                  .get<double>(),
              200.0, 1e-9);
}

TEST(GbenchAdapter, CanRunTwiceInOneProcess) {
  const json first = Adapt({Fixed("eta", {10, 20})});
  const json second = Adapt({Fixed("theta", {10})});
  EXPECT_EQ(EntriesOf(first, "eta", "iteration").size(), 2u);
  EXPECT_EQ(EntriesOf(second, "eta", "iteration").size(), 0u);
  EXPECT_EQ(EntriesOf(second, "theta", "iteration").size(), 1u);
}

TEST(GbenchAdapter, NonFiniteAggregatesBecomeNull) {
  // A counter that is 0 in every repetition has cv = 0/0.
  WorkloadResults w = Fixed("iota", {10, 20});
  for (Repetition& r : w.repetitions) r.counters["au_pct"] = 0;
  const json out = Adapt({w});
  bool saw_null = false;
  for (const auto& b : out["benchmarks"]) {
    if (b.value("aggregate_name", "") == "cv") saw_null = b.at("au_pct").is_null();
  }
  EXPECT_TRUE(saw_null);
}

TEST(GbenchAdapter, WorkloadNameIsTheRunNameBeforeTheFirstSlash) {
  EXPECT_EQ(WorkloadNameOf(json{{"run_name", "files-random/iterations:1/repeats:5/manual_time"}}),
            "files-random");
  EXPECT_EQ(WorkloadNameOf(json{{"name", "lmdb"}}), "lmdb");
}

}  // namespace
}  // namespace feedbench
