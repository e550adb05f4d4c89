// The results a run records: built from the typed measurements, written in the same format as
// before the layers (tests/fixtures/results/smoke-before-layers.json is a smoke run written by
// feedbench before the redesign), and read back as the same model.
#include "harness/results/run_record.h"

#include <gtest/gtest.h>

#include <set>

#include "harness/base/atomic_file.h"
#include "harness/results/gbench_adapter.h"
#include "harness/results/metrics.h"
#include "harness/results/results.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

using nlohmann::json;

const std::string kBefore = std::string(FEEDBENCH_FIXTURES) + "/results/smoke-before-layers.json";

RepetitionMeasurement Measured(double samples_per_second) {
  RepetitionMeasurement m;
  m.wall_sec = 2.0;
  m.figures.Set(Metric::kSamplesPerSecond, samples_per_second);
  m.figures.Set(Metric::kBytesPerSecond, samples_per_second * 65536);
  m.figures.Set(Metric::kRAwaitMs, 0.25);
  m.figures.Set(Metric::kDeviceReadRatio, 1.01);
  m.label = "drop_caches vda";
  return m;
}

// A smoke-like run: files-random with one contaminated repetition, fio seq-read with its notes.
SuiteRun SmokeLikeRun() {
  SuiteRun run;
  run.suite = LoadSuite("smoke");
  run.cache_mode = "cold";
  run.data_dir = "/data/fb";
  run.started_utc = "2026-11-30T01:00:00.000Z";
  run.finished_utc = "2026-11-30T01:01:00.000Z";
  run.wall_sec = 60;
  WorkloadRun files;
  files.workload = run.suite.workloads.at(0);
  files.repetitions = 3;
  files.device = "vda";
  files.measurements = {Measured(1000), Measured(1100), Measured(900)};
  files.measurements[1].state = RepetitionState::kCacheContaminated;
  files.measurements[1].reason = "cache_contaminated: device read ratio 0.100 < 0.5";
  run.workloads.push_back(files);
  WorkloadRun fio;
  fio.workload =
      MakeFioSuiteWorkload("seq-read", "seq-read", json::object(), run.suite.defaults, "test");
  fio.repetitions = 1;
  fio.measurements = {Measured(0)};
  ToolRun tool;
  tool.notes = {"a note"};
  fio.measurements[0].tool_run = tool;
  run.workloads.push_back(fio);
  return run;
}

std::set<std::string> KeysOf(const json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

TEST(RunRecord, TheModelHoldsEachRepetitionAsMeasured) {
  const RecordedRun recorded = RecordRun(SmokeLikeRun(), "mem.json");
  const WorkloadResults* files = recorded.model.Find("files-random");
  ASSERT_NE(files, nullptr);
  ASSERT_EQ(files->repetitions.size(), 3u);
  EXPECT_EQ(files->repetitions[1].state, RepetitionState::kCacheContaminated);
  EXPECT_EQ(files->Values("samples_per_second"), (std::vector<double>{1000, 900}));
  EXPECT_EQ(files->repetitions[0].counters.at("r_await_ms"), 0.25);
  EXPECT_FALSE(recorded.any_failed);
}

TEST(RunRecord, TheFileReadsBackAsTheModelInMemory) {
  const RecordedRun recorded = RecordRun(SmokeLikeRun(), "mem.json");
  const ResultsFile back = ParseResults(recorded.results, "mem.json");
  ASSERT_EQ(back.workloads.size(), recorded.model.workloads.size());
  for (size_t i = 0; i < back.workloads.size(); ++i) {
    const WorkloadResults& a = recorded.model.workloads[i];
    const WorkloadResults& b = back.workloads[i];
    EXPECT_EQ(a.name, b.name);
    ASSERT_EQ(a.repetitions.size(), b.repetitions.size());
    for (size_t r = 0; r < a.repetitions.size(); ++r) {
      EXPECT_EQ(a.repetitions[r].state, b.repetitions[r].state) << a.name << " #" << r;
      EXPECT_EQ(a.repetitions[r].error_message, b.repetitions[r].error_message);
      // Google Benchmark writes no time for a repetition skipped with an error.
      if (a.repetitions[r].state == RepetitionState::kValid) {
        EXPECT_NEAR(a.repetitions[r].wall_sec, b.repetitions[r].wall_sec, 1e-9);
        EXPECT_EQ(a.repetitions[r].counters, b.repetitions[r].counters) << a.name << " #" << r;
      }
    }
  }
  EXPECT_EQ(back.suite, "smoke");
  EXPECT_EQ(back.dataset_hash, recorded.model.dataset_hash);
}

TEST(RunRecord, WritesTheSameFormatAsBeforeTheLayers) {
  const json before = json::parse(ReadWholeFile(kBefore));
  const RecordedRun recorded = RecordRun(SmokeLikeRun(), "mem.json");
  // context.feedbench: the same keys (the timeline file name is added when written).
  std::set<std::string> expected = KeysOf(before["context"]["feedbench"]);
  expected.erase("timeline_file");
  // Added since: the interleaved rounds run and the seed of their orders.
  expected.insert("rounds");
  expected.insert("order_seed");
  EXPECT_EQ(KeysOf(recorded.results["context"]["feedbench"]), expected);
  EXPECT_EQ(KeysOf(recorded.results["context"]), KeysOf(before["context"]));
  // A reader workload's description: every key it had, and what the gate's disturbance marks
  // and repetitions until decided added since (additions readers of the old format ignore).
  std::set<std::string> workload_keys = KeysOf(before["context"]["feedbench"]["workloads"][0]);
  workload_keys.insert("disturbed_reruns");
  workload_keys.insert("added_repetitions");
  workload_keys.insert("probe");
  workload_keys.insert("rounds");
  workload_keys.insert("warm_control");  // a reader's warm control: whether it ran, or why not
  EXPECT_EQ(KeysOf(recorded.results["context"]["feedbench"]["workloads"][0]), workload_keys);
  const std::set<std::string> google_benchmark_fields{"name",
                                                      "family_index",
                                                      "per_family_instance_index",
                                                      "run_name",
                                                      "run_type",
                                                      "repetitions",
                                                      "repetition_index",
                                                      "threads",
                                                      "iterations",
                                                      "real_time",
                                                      "cpu_time",
                                                      "time_unit",
                                                      "label"};
  for (const auto& entry : recorded.results["benchmarks"]) {
    if (entry.value("run_type", "") != "iteration" || entry.value("error_occurred", false))
      continue;
    for (const auto& field : google_benchmark_fields) {
      EXPECT_TRUE(entry.contains(field)) << field;
    }
  }
  // Every counter the old file holds is a registry name.
  for (const auto& entry : before["benchmarks"]) {
    for (const auto& [key, value] : entry.items()) {
      if (!value.is_number() || google_benchmark_fields.contains(key)) continue;
      EXPECT_NE(FindMetric(key), nullptr) << key;
    }
  }
}

// The results name their timeline and carry its digest; the timeline names its results. A later
// run to the same path that was stopped after its timeline (before its results) leaves a pair a
// reader of the results can tell apart.
TEST(RunRecord, TheResultsNameTheirTimelineByItsDigestSoAStaleOrNewerTimelineIsTold) {
  feedbench::testing::TempDir dir("/tmp");
  const std::filesystem::path out = dir.path() / "run.json";
  const RecordedRun first = RecordRun(SmokeLikeRun(), out.string());
  const std::filesystem::path timeline_path = WriteRunFiles(first, out);
  EXPECT_EQ(timeline_path, TimelinePathFor(out));
  EXPECT_TRUE(TimelineMatchesResults(out));
  const json results = json::parse(ReadWholeFile(out));
  EXPECT_EQ(results["context"]["feedbench"]["timeline_file"], "run.timeline.json");
  EXPECT_EQ(results["context"]["feedbench"]["timeline_xxh3"].get<std::string>().size(), 16u);
  EXPECT_EQ(json::parse(ReadWholeFile(timeline_path))["results_file"], "run.json");

  // A second run, stopped between its two writes: its timeline only.
  SuiteRun second_run = SmokeLikeRun();
  second_run.workloads[0].measurements[0].timeline.push_back(SampleRow{
      .timestamp_utc = "2026-11-30T01:00:01.000Z", .offset_sec = 1, .device = "vda"});
  const RecordedRun second = RecordRun(second_run, out.string());
  WriteFileAtomic(timeline_path, second.timeline.dump() + "\n");
  EXPECT_FALSE(TimelineMatchesResults(out));
  std::filesystem::remove(timeline_path);
  EXPECT_FALSE(TimelineMatchesResults(out));
}

TEST(RunRecord, AResultsFileWrittenBeforeTheLayersStillLoads) {
  const ResultsFile before = ReadResultsFile(kBefore);
  EXPECT_EQ(before.suite, "smoke");
  ASSERT_EQ(before.workloads.size(), 3u);
  for (const WorkloadResults& w : before.workloads) {
    EXPECT_EQ(w.repetitions.size(), 3u) << w.name;
    EXPECT_FALSE(w.Values("samples_per_second").empty()) << w.name;
    EXPECT_GT(w.repetitions[0].wall_sec, 0) << w.name;
  }
}

}  // namespace
}  // namespace feedbench
