// Baselines: reading results back, recording runs (only valid ones, atomically), the file format,
// `baseline show`, and the CLI's refusals — the old file always survives.
#include "harness/gate/baseline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>

#include "harness/base/errors.h"
#include "harness/base/json_non_finite.h"
#include "harness/report/baseline_report.h"
#include "harness/results/metrics.h"
#include "harness/results/results_reader.h"
#include "tests/support/error_message.h"
#include "tests/support/gate_helpers.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using testing::ErrorMessage;
using testing::GateFixture;
using ::testing::HasSubstr;
using testing::ReadJson;
using testing::ReadText;
using testing::RepetitionCounters;
using testing::RunFeedbench;
using testing::RunShell;
using testing::ScratchDir;
using testing::ShellQuote;
using testing::WithValuesWrittenAs;
using testing::WriteJson;

ResultsFile Results(const std::string& fixture) { return ReadResultsFile(GateFixture(fixture)); }

std::vector<ResultsFile> BaselineRuns() {
  return {Results("baseline_run1.json"), Results("baseline_run2.json"),
          Results("baseline_run3.json")};
}

// ---- results_reader ----

TEST(WorkloadName, StripsGoogleBenchmarkSuffixesOnly) {
  EXPECT_EQ(WorkloadNameFromRunName("files-random/iterations:1/repeats:5/manual_time"),
            "files-random");
  EXPECT_EQ(WorkloadNameFromRunName("files-random/repeats:5"), "files-random");
  // A '/' inside the workload's own name is kept.
  EXPECT_EQ(WorkloadNameFromRunName("files/random/iterations:1/repeats:5/manual_time"),
            "files/random");
  EXPECT_EQ(WorkloadNameFromRunName("lmdb/seq/min_time:0.500/threads:4/real_time"), "lmdb/seq");
  EXPECT_EQ(WorkloadNameFromRunName("files-random"), "files-random");
  EXPECT_EQ(WorkloadNameFromRunName("files/repeats:x"), "files/repeats:x");
}

TEST(ResultsReader, ReadsRepetitionsCountersAndContext) {
  const ResultsFile r = Results("current.json");
  EXPECT_EQ(r.suite, "gate");
  EXPECT_EQ(r.schema_version, 1);
  EXPECT_EQ(r.dataset_hash, "9f3c2a7e51b04d18");
  EXPECT_EQ(r.feedbench_version, "0.1.0");
  EXPECT_EQ(r.date, "2026-11-23T02:00:00+00:00");
  EXPECT_EQ(r.machine["kernel_release"], "6.1.0-13-amd64");
  EXPECT_EQ(r.device["model"], "QEMU HARDDISK");
  ASSERT_EQ(r.workloads.size(), 7u);
  EXPECT_EQ(r.workloads[0].name, "files-sequential");
  const WorkloadResults& random = *r.Find("files-random");
  ASSERT_EQ(random.repetitions.size(), 5u);  // aggregates are not repetitions
  const Repetition& first = random.repetitions[0];
  EXPECT_EQ(first.repetition_index, 0);
  EXPECT_EQ(first.label, "cold");
  EXPECT_TRUE(first.counters.contains("samples_per_second"));
  EXPECT_TRUE(first.counters.contains("r_await_ms"));
  for (const char* field : {"real_time", "cpu_time", "iterations", "threads", "repetitions",
                            "repetition_index", "family_index"}) {
    EXPECT_FALSE(first.counters.contains(field)) << field;
  }
  EXPECT_THAT(random.Values("samples_per_second"),
              ElementsAre(557.76, 565.04, 560, 555.52, 563.36));
  EXPECT_EQ(r.Find("tmpfs-random")->repetitions.size(), 1u);
}

TEST(ResultsReader, ClassifiesContaminatedVerifyAndOtherFailures) {
  nlohmann::json j = ReadJson(GateFixture("current.json"));
  for (auto& e : j["benchmarks"]) {
    if (e["run_type"] != "iteration") continue;
    if (e["run_name"].get<std::string>().starts_with("files-sequential") &&
        e["repetition_index"] == 1) {
      e["error_occurred"] = true;
      e["error_message"] = "verify: sample 17 checksum mismatch";
    }
    if (e["run_name"].get<std::string>().starts_with("files-random") &&
        e["repetition_index"] == 4) {
      e["error_occurred"] = true;
      e["error_message"] = "read failed: EIO";
    }
  }
  const ResultsFile r = ParseResults(j, "x.json");
  EXPECT_EQ(r.Find("files-sequential")->repetitions[1].state, RepetitionState::kVerificationFailed);
  EXPECT_EQ(r.Find("files-random")->repetitions[4].state, RepetitionState::kFailed);
  EXPECT_EQ(r.Find("lmdb-sequential")->repetitions[2].state, RepetitionState::kCacheContaminated);
  EXPECT_FALSE(r.Find("lmdb-sequential")->Judgeable());
  EXPECT_TRUE(r.Find("lmdb-random")->Judgeable());
  for (const Repetition& rep : r.Find("lmdb-random")->repetitions) EXPECT_TRUE(rep.valid());
  // Invalid repetitions never contribute values.
  EXPECT_EQ(r.Find("files-random")->Values("samples_per_second").size(), 4u);
  EXPECT_EQ(r.Problems().size(), 3u);
}

TEST(ResultsReader, NonFiniteToNullReplacesGoogleBenchmarkSpellingsOutsideStrings) {
  EXPECT_EQ(NonFiniteToNull(
                R"({"a": NaN, "b": "NaN \"Infinity\"", "c": -Infinity, "d": [Infinity, -NaN]})"),
            R"({"a": null, "b": "NaN \"Infinity\"", "c": null, "d": [null, null]})");
}

TEST(ResultsReader, NonFiniteToMarkersKeepsEachTokenAsWrittenForTheReaderToName) {
  const std::string text =
      R"({"a": NaN, "b": "NaN", "c": [-inf, nan(0x8000)], "d": 1.5, "e": null})";
  const std::string marked = NonFiniteToMarkers(text);
  EXPECT_EQ(marked, R"j({"a": "(non-finite) NaN", "b": "NaN", "c": ["(non-finite) -inf", )j"
                    R"j("(non-finite) nan(0x8000)"], "d": 1.5, "e": null})j");
  nlohmann::json j = nlohmann::json::parse(marked);
  EXPECT_EQ(NonFiniteSpelling(j["a"]), "NaN");
  EXPECT_EQ(NonFiniteSpelling(j["b"]), std::nullopt);
  EXPECT_EQ(NonFiniteSpelling(j["c"][1]), "nan(0x8000)");
  EXPECT_EQ(NonFiniteSpelling(j["d"]), std::nullopt);
  EXPECT_EQ(NonFiniteSpelling(j["e"]), "null");
  EXPECT_EQ(NonFiniteSpelling(nlohmann::json(-std::numeric_limits<double>::infinity())),
            "-Infinity");
  NonFiniteMarkersToNull(j);
  EXPECT_EQ(j, nlohmann::json::parse(NonFiniteToNull(text)));
}

TEST(ResultsReader, NonFiniteToNullAlsoTakesPrintfSpellingsButNotWordsContainingThem) {
  EXPECT_EQ(
      NonFiniteToNull(R"({"a": nan, "b": -inf, "c": +Inf, "d": -nan(0x8000), "e": infinity})"),
      R"({"a": null, "b": null, "c": null, "d": null, "e": null})");
  EXPECT_EQ(NonFiniteToNull("[NaNa, xinf, inf_]"), "[NaNa, xinf, inf_]");
}

TEST(ResultsReader, AcceptsTheFeedbenchContextAsAJsonString) {
  // Google Benchmark's AddCustomContext stores strings.
  nlohmann::json j = ReadJson(GateFixture("rerun.json"));
  j["context"]["feedbench"] = j["context"]["feedbench"].dump();
  EXPECT_EQ(ParseResults(j, "x.json").suite, "gate");
}

TEST(ResultsReader, RejectsWhatIsNotAFeedbenchResultsFile) {
  nlohmann::json j = ReadJson(GateFixture("rerun.json"));
  auto without = [&](auto change) {
    nlohmann::json copy = j;
    change(copy);
    return ErrorMessage<UsageError>([&] { ParseResults(copy, "r.json"); });
  };
  EXPECT_THAT(without([](auto& c) { c["context"].erase("feedbench"); }),
              HasSubstr("results r.json: missing key context.feedbench"));
  EXPECT_THAT(without([](auto& c) { c["context"]["feedbench"].erase("dataset_hash"); }),
              HasSubstr("missing key context.feedbench.dataset_hash"));
  EXPECT_THAT(without([](auto& c) { c["context"]["feedbench"]["suite"] = 3; }),
              HasSubstr("context.feedbench.suite is number; expected a string"));
  EXPECT_THAT(without([](auto& c) { c["context"]["feedbench"]["schema_version"] = 2; }),
              HasSubstr("schema_version is 2; this feedbench reads 1"));
  EXPECT_THAT(without([](auto& c) { c["benchmarks"] = nlohmann::json::array(); }),
              HasSubstr("no repetitions"));
  EXPECT_THAT(without([](auto& c) { c.erase("benchmarks"); }), HasSubstr("missing key benchmarks"));
  EXPECT_THAT(ErrorMessage<UsageError>([] { ReadResultsFile(GateFixture("make_fixtures.py")); }),
              HasSubstr("not JSON"));
}

// ---- recording ----

TEST(RecordRuns, ThreeRunsGiveTheHandWrittenBaseline) {
  const Baseline b = RecordRuns(std::nullopt, BaselineRuns(), std::nullopt);
  // tests/fixtures/gate/baseline.json was written independently by make_fixtures.py.
  EXPECT_EQ(BaselineToJson(b), ReadJson(GateFixture("baseline.json")));
  EXPECT_EQ(b.runs.size(), 3u);
  EXPECT_EQ(b.Latest().source, "baseline_run3.json");
  EXPECT_EQ(b.keep, kDefaultKeepRuns);
}

TEST(RecordRuns, ExtendingOneAtATimeEqualsRecordingAllAtOnce) {
  auto runs = BaselineRuns();
  Baseline b = RecordRuns(std::nullopt, {runs[0]}, std::nullopt);
  b = RecordRuns(b, {runs[1]}, std::nullopt);
  b = RecordRuns(b, {runs[2]}, std::nullopt);
  EXPECT_EQ(BaselineToJson(b), BaselineToJson(RecordRuns(std::nullopt, runs, std::nullopt)));
}

TEST(RecordRuns, KeepsTheLastNRunsAndRemembersN) {
  auto runs = BaselineRuns();
  Baseline b = RecordRuns(std::nullopt, {runs[0], runs[1]}, 2);
  b = RecordRuns(b, {runs[2]}, std::nullopt);  // keeps 2 without being told again
  ASSERT_EQ(b.runs.size(), 2u);
  EXPECT_EQ(b.runs[0].source, "baseline_run2.json");
  EXPECT_EQ(b.runs[1].source, "baseline_run3.json");
  EXPECT_EQ(b.keep, 2u);
  EXPECT_THROW(RecordRuns(b, {Results("rerun.json")}, 0), UsageError);
}

TEST(RecordRuns, RefusesContaminatedOrFailedRepetitionsNamingTheFile) {
  const std::string e = ErrorMessage<UsageError>(
      [] { RecordRuns(std::nullopt, {Results("current.json")}, std::nullopt); });
  EXPECT_THAT(e, HasSubstr("current.json"));
  EXPECT_THAT(e, HasSubstr("lmdb-sequential #2: cache_contaminated"));

  nlohmann::json j = ReadJson(GateFixture("rerun.json"));
  for (auto& entry : j["benchmarks"]) {
    if (entry["run_type"] == "iteration" && entry["repetition_index"] == 0) {
      entry["error_occurred"] = true;
      entry["error_message"] = "verify: sample 3 checksum mismatch";
      break;
    }
  }
  const ResultsFile bad = ParseResults(j, "verify-failed.json");
  EXPECT_THAT(ErrorMessage<UsageError>([&] { RecordRuns(std::nullopt, {bad}, std::nullopt); }),
              HasSubstr("verify-failed.json: not recorded"));
}

TEST(RecordRuns, RefusesANonFiniteCounterOfAModelBuiltInMemory) {
  // ParseResults refuses these in a file; a model built in memory must not reach a baseline either.
  for (const double bad :
       {std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::infinity()}) {
    ResultsFile results = Results("rerun.json");
    WorkloadResults& random = results.workloads.at(1);
    ASSERT_EQ(random.name, "files-random");
    random.repetitions.at(3).counters.at("samples_per_second") = bad;
    EXPECT_THAT(
        ErrorMessage<UsageError>([&] { RecordRuns(std::nullopt, {results}, std::nullopt); }),
        HasSubstr("rerun.json: not recorded: files-random #3: samples_per_second is " +
                  std::string(bad < 0 ? "-Infinity" : "NaN")));
    const Baseline b = RecordRuns(std::nullopt, BaselineRuns(), std::nullopt);
    EXPECT_THROW(RecordRuns(b, {results}, std::nullopt), UsageError);
  }
}

// rerun.json with `workload`'s repetitions `indices` marked disturbed.
ResultsFile WithDisturbed(const std::string& workload, std::set<int> indices) {
  nlohmann::json j = ReadJson(GateFixture("rerun.json"));
  for (auto& entry : j["benchmarks"]) {
    if (entry["run_type"] != "iteration" ||
        WorkloadNameFromRunName(entry["run_name"].get<std::string>()) != workload ||
        !indices.contains(entry["repetition_index"].get<int>())) {
      continue;
    }
    entry["error_occurred"] = true;
    entry["error_message"] = "disturbed: foreign device reads 23% of the device's bytes";
    entry["samples_per_second"] = 1.0;  // a figure the baseline must not take
  }
  return ParseResults(j, "disturbed.json");
}

TEST(RecordRuns, TakesARunWithADisturbedRepetitionWithoutItsFigures) {
  const ResultsFile results = WithDisturbed("files-random", {0});
  const Baseline b = RecordRuns(std::nullopt, {results}, std::nullopt);
  const auto& values = b.runs.back().workloads.at("files-random").at("samples_per_second");
  EXPECT_EQ(values.size(), results.Find("files-random")->repetitions.size() - 1);
  EXPECT_EQ(std::count(values.begin(), values.end(), 1.0), 0);
}

TEST(RecordRuns, RefusesAWorkloadLeftWithOnlyDisturbedRepetitions) {
  const ResultsFile probe = WithDisturbed("files-random", {});
  std::set<int> all;
  for (const Repetition& r : probe.Find("files-random")->repetitions)
    all.insert(r.repetition_index);
  const ResultsFile results = WithDisturbed("files-random", all);
  EXPECT_THAT(ErrorMessage<UsageError>([&] { RecordRuns(std::nullopt, {results}, std::nullopt); }),
              HasSubstr("files-random #0: disturbed"));
}

TEST(RecordRuns, RefusesAnotherSuiteDatasetOrMachine) {
  const Baseline b = RecordRuns(std::nullopt, BaselineRuns(), std::nullopt);
  auto changed = [](auto change) {
    nlohmann::json j = ReadJson(GateFixture("rerun.json"));
    change(j["context"]["feedbench"]);
    return ParseResults(j, "other.json");
  };
  EXPECT_THAT(ErrorMessage<UsageError>(
                  [&] { RecordRuns(b, {changed([](auto& f) { f["suite"] = "smoke"; })}, {}); }),
              HasSubstr("other.json: suite smoke but the baseline is for suite gate"));
  EXPECT_THAT(ErrorMessage<UsageError>(
                  [&] { RecordRuns(b, {changed([](auto& f) { f["dataset_hash"] = "ab"; })}, {}); }),
              HasSubstr("other.json: dataset hash ab but the baseline's is 9f3c2a7e51b04d18"));
  EXPECT_THAT(ErrorMessage<UsageError>([&] {
                RecordRuns(b, {changed([](auto& f) { f["device"]["model"] = "NVMe X"; })}, {});
              }),
              HasSubstr("device.model: QEMU HARDDISK → NVMe X"));
}

TEST(RecordRuns, RefusesTheSameResultsTwice) {
  const Baseline b = RecordRuns(std::nullopt, BaselineRuns(), std::nullopt);
  EXPECT_THAT(ErrorMessage<UsageError>([&] { RecordRuns(b, {Results("baseline_run2.json")}, {}); }),
              HasSubstr("already recorded"));
  EXPECT_THAT(ErrorMessage<UsageError>([&] {
                RecordRuns(std::nullopt, {Results("rerun.json"), Results("rerun.json")}, {});
              }),
              HasSubstr("already recorded"));
}

// ---- the file ----

TEST(BaselineFile, RoundTripsThroughJson) {
  const Baseline b = RecordRuns(std::nullopt, BaselineRuns(), 5);
  const Baseline back = ParseBaseline(BaselineToJson(b), "b.json");
  EXPECT_EQ(BaselineToJson(back), BaselineToJson(b));
  EXPECT_EQ(back.keep, 5u);
  EXPECT_EQ(back.source, "b.json");
  EXPECT_THAT(back.RunMedians("files-random", "samples_per_second"), ElementsAre(800, 806, 795));
  EXPECT_EQ(back.Latest().Values("files-random", "nothing"), nullptr);
}

TEST(BaselineFile, RejectsWhatIsNotABaseline) {
  const nlohmann::json good = ReadJson(GateFixture("baseline.json"));
  auto error = [&](auto change) {
    nlohmann::json j = good;
    change(j);
    return ErrorMessage<UsageError>([&] { ParseBaseline(j, "b.json"); });
  };
  EXPECT_THAT(ErrorMessage<UsageError>(
                  [] { ParseBaseline(ReadJson(GateFixture("rerun.json")), "r.json"); }),
              HasSubstr("not a feedbench baseline"));
  EXPECT_THAT(error([](auto& j) { j["schema_version"] = 9; }),
              HasSubstr("baseline b.json: schema_version is 9; this feedbench reads 1"));
  EXPECT_THAT(error([](auto& j) { j.erase("suite"); }), HasSubstr("missing key suite"));
  EXPECT_THAT(error([](auto& j) { j["runs"] = nlohmann::json::array(); }),
              HasSubstr("runs is empty"));
  EXPECT_THAT(error([](auto& j) { j["runs"][1]["workloads"]["files-random"]["r_await_ms"] = "x"; }),
              HasSubstr("runs[1].workloads.files-random.r_await_ms is not an array of numbers"));
  EXPECT_THAT(error([](auto& j) { j["keep"] = 0; }), HasSubstr("keep is 0"));
}

TEST(BaselineFile, RefusesNonFiniteValuesNamingTheFileRunWorkloadAndCounter) {
  const nlohmann::json good = ReadJson(GateFixture("baseline.json"));
  const nlohmann::json::json_pointer value("/runs/1/workloads/files-random/samples_per_second/2");
  ASSERT_TRUE(good.at(value).is_number());
  ScratchDir dir;
  const fs::path path = dir / "gate.json";
  for (const char* token : {"NaN", "Infinity", "-Infinity", "-nan", "inf", "null"}) {
    testing::WriteText(path, WithValuesWrittenAs(good, {value}, token));
    EXPECT_THAT(ErrorMessage<UsageError>([&] { ReadBaselineFile(path); }),
                HasSubstr("baseline " + path.string() +
                          ": runs[1].workloads.files-random.samples_per_second[2] is " + token +
                          "; expected a finite number"));
  }
  // Built in memory, and a bare token anywhere else in the file.
  nlohmann::json nan = good;
  nan.at(value) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(ErrorMessage<UsageError>([&] { ParseBaseline(nan, "b.json"); }),
              HasSubstr("baseline b.json: runs[1].workloads.files-random.samples_per_second[2] "
                        "is NaN"));
  testing::WriteText(
      path, WithValuesWrittenAs(good, {nlohmann::json::json_pointer("/machine/cpu_count")}, "NaN"));
  EXPECT_THAT(ErrorMessage<UsageError>([&] { ReadBaselineFile(path); }),
              HasSubstr("/machine/cpu_count is NaN"));
}

TEST(BaselineHistory, ShowsMediansAndSpreadsPerRun) {
  Baseline b = RecordRuns(std::nullopt, BaselineRuns(), std::nullopt);
  b.source = "baselines/node-a/gate.json";
  const std::string text = RenderBaselineHistory(b, DefaultGatedMetrics());
  EXPECT_THAT(text, HasSubstr("baseline baselines/node-a/gate.json"));
  EXPECT_THAT(text, HasSubstr("suite gate, dataset hash 9f3c2a7e51b04d18, 3 run(s)"));
  EXPECT_THAT(text, HasSubstr("device.model = QEMU HARDDISK"));
  EXPECT_THAT(text, HasSubstr("2026-11-22T02:00:00+00:00"));
  EXPECT_THAT(text, HasSubstr("files-random: median (within-run robust spread) per run"));
  EXPECT_THAT(text, HasSubstr("806.0 samples/s ±0.9%"));
  // files-shuffled's run medians 1000, 1300, 800: 1.4826 · 200 / 1000.
  EXPECT_THAT(text, HasSubstr("±29.7%"));
}

// ---- the CLI ----

class BaselineCli : public ::testing::Test {
 protected:
  std::string Record(const std::vector<std::string>& fixtures, const fs::path& to,
                     const std::string& extra = "") {
    std::string args = "baseline record";
    for (const auto& f : fixtures) args += " " + ShellQuote(GateFixture(f).string());
    return args + " --to " + ShellQuote(to.string()) + " " + extra;
  }
  ScratchDir dir;
};

TEST_F(BaselineCli, RecordCreatesExtendsAndShows) {
  const fs::path to = dir / "node-a" / "gate.json";  // the profile folder is created
  auto r = RunFeedbench(Record({"baseline_run1.json", "baseline_run2.json"}, to));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("created"));
  r = RunFeedbench(Record({"baseline_run3.json"}, to));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("now holds 3 run(s)"));
  EXPECT_EQ(ReadJson(to), ReadJson(GateFixture("baseline.json")));
  r = RunFeedbench("baseline show " + ShellQuote(to.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("files-shuffled: median"));
  r = RunFeedbench(Record({"rerun.json"}, to, "--keep 2"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("dropped the 2 oldest"));
  EXPECT_EQ(ReadJson(to)["runs"].size(), 2u);
}

TEST_F(BaselineCli, RefusedRecordExitsTwoAndLeavesTheBaselineAsItWas) {
  const fs::path to = dir / "gate.json";
  fs::copy_file(GateFixture("baseline.json"), to);
  const std::string before = ReadText(to);
  // Contaminated repetitions.
  auto r = RunFeedbench(Record({"rerun.json", "current.json"}, to));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("current.json: not recorded"));
  EXPECT_EQ(ReadText(to), before);
  // Another dataset.
  nlohmann::json other = ReadJson(GateFixture("rerun.json"));
  other["context"]["feedbench"]["dataset_hash"] = "feed";
  WriteJson(dir / "other.json", other);
  r = RunFeedbench("baseline record " + ShellQuote((dir / "other.json").string()) + " --to " +
                   ShellQuote(to.string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("dataset hash feed"));
  EXPECT_EQ(ReadText(to), before);
  // --keep 0.
  r = RunFeedbench(Record({"rerun.json"}, to, "--keep 0"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(ReadText(to), before);
}

TEST_F(BaselineCli, ResultsWithANonFiniteCounterAreNeverRecorded) {
  const fs::path to = dir / "gate.json";
  fs::copy_file(GateFixture("baseline.json"), to);
  const std::string before = ReadText(to);
  const nlohmann::json rerun = ReadJson(GateFixture("rerun.json"));
  const fs::path results = dir / "nonfinite.json";
  for (const std::string token : {"NaN", "Infinity", "-Infinity", "null"}) {
    // Every repetition's throughput, as Google Benchmark writes a counter that is never finite.
    testing::WriteText(
        results,
        WithValuesWrittenAs(rerun, RepetitionCounters(rerun, "files-random", "samples_per_second"),
                            token));
    // Into an existing baseline, also beside results that are fine: nothing is written.
    for (const std::string& inputs :
         {ShellQuote(results.string()),
          ShellQuote(GateFixture("rerun.json").string()) + " " + ShellQuote(results.string())}) {
      const auto r = RunFeedbench("baseline record " + inputs + " --to " + ShellQuote(to.string()));
      EXPECT_EQ(r.exit_code, 2) << r.output;
      EXPECT_THAT(r.output, HasSubstr("results " + results.string() + ": benchmarks["));
      EXPECT_THAT(r.output, HasSubstr("(files-random #0): samples_per_second is " + token));
      EXPECT_TRUE(ReadText(to) == before) << "the baseline was rewritten";
    }
    // Nor is a new baseline created.
    const fs::path fresh = dir / "fresh.json";
    const auto r = RunFeedbench("baseline record " + ShellQuote(results.string()) + " --to " +
                                ShellQuote(fresh.string()));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_FALSE(fs::exists(fresh));
  }
}

TEST_F(BaselineCli, ToAFileThatIsNotABaselineIsRefused) {
  for (const std::string& content : {std::string("{\"hello\": 1}"), std::string("not json"),
                                     ReadText(GateFixture("rerun.json"))}) {
    const fs::path to = dir / "precious.json";
    testing::WriteText(to, content);
    const auto r = RunFeedbench(Record({"rerun.json"}, to));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr("--to"));
    EXPECT_THAT(r.output, HasSubstr("not a readable feedbench baseline"));
    EXPECT_EQ(ReadText(to), content);
  }
}

TEST_F(BaselineCli, InterruptedWriteLeavesTheOldFileIntact) {
  // The write of the new baseline fails part-way: a file size limit of a few KiB (the baseline is
  // ~40 KiB) makes write() fail with EFBIG once the limit is reached (SIGXFSZ ignored).
  const fs::path to = dir / "gate.json";
  fs::copy_file(GateFixture("baseline.json"), to);
  const std::string before = ReadText(to);
  const auto r = RunShell("trap '' XFSZ; ulimit -f 4; " + ShellQuote(FEEDBENCH_BINARY) + " " +
                          Record({"rerun.json"}, to));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("cannot write"));
  EXPECT_EQ(ReadText(to), before);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u) << "no temporary file is left behind";
}

TEST_F(BaselineCli, ShowRejectsANonBaseline) {
  const auto r = RunFeedbench("baseline show " + ShellQuote(GateFixture("rerun.json").string()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("not a feedbench baseline"));
}

}  // namespace
}  // namespace feedbench
