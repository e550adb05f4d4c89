// Reading repetition states back from Google Benchmark's error_message, and refusing repetitions
// whose figures are not finite numbers.
#include "harness/results/results_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "harness/base/errors.h"
#include "tests/support/error_message.h"
#include "tests/support/gate_helpers.h"

namespace feedbench {
namespace {

using nlohmann::json;
using testing::ErrorMessage;
using testing::GateFixture;
using ::testing::HasSubstr;
using testing::ReadJson;
using testing::RepetitionCounters;
using testing::ScratchDir;
using testing::WithValuesWrittenAs;

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

// Every spelling of a non-finite number a writer leaves in JSON text, and null.
const std::vector<std::string> kNonFiniteTokens = {"NaN", "-NaN", "Infinity",    "-Infinity",
                                                   "nan", "-inf", "nan(0x8000)", "null"};

TEST(ResultsReader, RefusesANonFiniteCounterNamingTheFileTheRepetitionAndTheKey) {
  const json rerun = ReadJson(GateFixture("rerun.json"));
  // The third repetition of files-random only: one bad figure is enough.
  const auto pointer = RepetitionCounters(rerun, "files-random", "samples_per_second").at(2);
  const std::string entry = pointer.parent_pointer().back();
  ScratchDir dir;
  for (const std::string& token : kNonFiniteTokens) {
    const auto path = dir / "nonfinite.json";
    testing::WriteText(path, WithValuesWrittenAs(rerun, {pointer}, token));
    const std::string e = ErrorMessage<UsageError>([&] { ReadResultsFile(path); });
    EXPECT_THAT(e, HasSubstr("results " + path.string() + ": benchmarks[" + entry +
                             "] (files-random #2): samples_per_second is " + token +
                             "; expected a finite number"))
        << token;
  }
}

TEST(ResultsReader, RefusesANonFiniteFigureOfAnyRepetitionAndGoogleBenchmarksOwnNumbers) {
  const json rerun = ReadJson(GateFixture("rerun.json"));
  ScratchDir dir;
  const auto path = dir / "nonfinite.json";
  // Every repetition of a workload, as Google Benchmark writes a counter that is never finite.
  testing::WriteText(
      path, WithValuesWrittenAs(rerun, RepetitionCounters(rerun, "lmdb-random", "bytes_per_second"),
                                "-Infinity"));
  EXPECT_THAT(ErrorMessage<UsageError>([&] { ReadResultsFile(path); }),
              HasSubstr("(lmdb-random #0): bytes_per_second is -Infinity"));
  // The wall time a repetition is reported with is a figure too.
  testing::WriteText(
      path, WithValuesWrittenAs(
                rerun, {RepetitionCounters(rerun, "files-large", "real_time").at(1)}, "NaN"));
  EXPECT_THAT(ErrorMessage<UsageError>([&] { ReadResultsFile(path); }),
              HasSubstr("(files-large #1): real_time is NaN"));
}

TEST(ResultsReader, RefusesNonFiniteNumbersInADocumentBuiltInMemory) {
  for (const double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    EXPECT_THAT(ErrorMessage<UsageError>([&] {
                  Read({Entry(0, 100), Entry(1, bad)});
                }),
                HasSubstr("results test.json: benchmarks[1] (files-random #1): samples_per_second "
                          "is " +
                          std::string(bad > 0 ? "Infinity" : "NaN")));
  }
  json null_counter = Entry(0, 100);
  null_counter["samples_per_second"] = nullptr;
  EXPECT_THAT(ErrorMessage<UsageError>([&] { Read({null_counter}); }),
              HasSubstr("(files-random #0): samples_per_second is null"));
  // Null in one of Google Benchmark's text fields is not a figure.
  json null_label = Entry(0, 100);
  null_label["aggregate_unit"] = nullptr;
  EXPECT_EQ(Read({null_label}).workloads.at(0).Values("samples_per_second"),
            (std::vector<double>{100}));
}

TEST(ResultsReader, NonFiniteAggregatesAndContextReadAsNull) {
  // feedbench's own files hold null in the cv aggregate of a counter that is 0 throughout
  // (Google Benchmark's cv is 0/0): a real capture.
  const json smoke =
      ReadJson(std::string(FEEDBENCH_FIXTURES) + "/results/smoke-before-layers.json");
  ASSERT_NE(smoke.dump().find("null"), std::string::npos);
  EXPECT_FALSE(
      ReadResultsFile(std::string(FEEDBENCH_FIXTURES) + "/results/smoke-before-layers.json")
          .workloads.empty());
  // Bare tokens there, as Google Benchmark writes them, read as before.
  json rerun = ReadJson(GateFixture("rerun.json"));
  std::vector<json::json_pointer> outside{json::json_pointer("/context/num_cpus")};
  for (std::size_t i = 0; i < rerun["benchmarks"].size(); ++i) {
    if (rerun["benchmarks"][i]["run_type"] == "aggregate" &&
        rerun["benchmarks"][i].contains("r_await_ms")) {
      outside.emplace_back("/benchmarks/" + std::to_string(i) + "/r_await_ms");
    }
  }
  ScratchDir dir;
  testing::WriteText(dir / "aggregates.json", WithValuesWrittenAs(rerun, outside, "NaN"));
  const ResultsFile r = ReadResultsFile(dir / "aggregates.json");
  EXPECT_EQ(r.Find("files-random")->Values("r_await_ms").size(),
            r.Find("files-random")->repetitions.size());
}

}  // namespace
}  // namespace feedbench
