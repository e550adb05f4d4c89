// Reading repetition states back from Google Benchmark's error_message.
#include "harness/results/results_reader.h"

#include <gtest/gtest.h>

namespace feedbench {
namespace {

using nlohmann::json;

json Entry(int index, double rate, const std::string& error_message = "") {
  json e{{"name", "files-random/iterations:1/repeats:3/manual_time"},
         {"run_name", "files-random/iterations:1/repeats:3/manual_time"},
         {"run_type", "iteration"},
         {"repetition_index", index},
         {"real_time", 1000.0},
         {"time_unit", "ms"},
         {"samples_per_second", rate}};
  if (!error_message.empty()) {
    e["error_occurred"] = true;
    e["error_message"] = error_message;
  }
  return e;
}

ResultsFile Read(std::vector<json> entries) {
  json document{
      {"context",
       {{"feedbench",
         {{"schema_version", kResultsSchemaVersion}, {"suite", "smoke"}, {"dataset_hash", "h"}}}}},
      {"benchmarks", entries}};
  return ParseResults(document, "test.json");
}

TEST(ResultsReader, ADisturbedRepetitionReadsBackAsDisturbed) {
  const ResultsFile r =
      Read({Entry(0, 100),
            Entry(1, 40,
                  "disturbed: foreign device reads 23% of the device's bytes (limit 10%): 120.0 "
                  "MiB of 520.0 MiB"),
            Entry(2, 110)});
  const WorkloadResults& w = r.workloads.at(0);
  EXPECT_EQ(w.repetitions[0].state, RepetitionState::kValid);
  EXPECT_EQ(w.repetitions[1].state, RepetitionState::kDisturbed);
  EXPECT_EQ(w.repetitions[2].state, RepetitionState::kValid);
  // Left out of the values the gate and the aggregates use.
  EXPECT_EQ(w.Values("samples_per_second"), (std::vector<double>{100, 110}));
}

TEST(ResultsReader, DisturbedRepetitionsLeaveTheWorkloadJudgeableOthersDoNot) {
  const ResultsFile r =
      Read({Entry(0, 100), Entry(1, 40, "disturbed: CPU steal 9.0% of CPU time")});
  EXPECT_EQ(r.workloads[0].repetitions[1].state, RepetitionState::kDisturbed);
  EXPECT_TRUE(r.workloads[0].Judgeable());
  // A disturbed repetition is still listed: a baseline takes only valid repetitions.
  ASSERT_EQ(r.Problems().size(), 1u);
  EXPECT_EQ(r.Problems()[0], "files-random #1: disturbed: CPU steal 9.0% of CPU time");

  const ResultsFile contaminated =
      Read({Entry(0, 100), Entry(1, 900, "cache_contaminated: device read ratio 0.1 < 0.5")});
  EXPECT_EQ(contaminated.workloads[0].repetitions[1].state, RepetitionState::kCacheContaminated);
  EXPECT_FALSE(contaminated.workloads[0].Judgeable());
  const ResultsFile failed = Read({Entry(0, 100), Entry(1, 0, "io: read failed")});
  EXPECT_EQ(failed.workloads[0].repetitions[1].state, RepetitionState::kFailed);
  EXPECT_FALSE(failed.workloads[0].Judgeable());
}

}  // namespace
}  // namespace feedbench
