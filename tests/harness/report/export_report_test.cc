#include "harness/report/export_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::ordered_json;

Repetition Rep(double samples_per_second, double r_await_ms,
               RepetitionState state = RepetitionState::kValid) {
  Repetition rep;
  rep.state = state;
  rep.counters = {{"samples_per_second", samples_per_second},
                  {"r_await_ms", r_await_ms},
                  {"not_a_registry_counter", 7}};
  return rep;
}

// One workload, three valid repetitions and a disturbed one (left out of every figure).
ResultsFile Results() {
  ResultsFile r;
  r.suite = "smoke";
  WorkloadResults w;
  w.name = "files-random";
  w.repetitions = {Rep(100, 2.0), Rep(110, 1.5), Rep(90, 3.0),
                   Rep(5, 90, RepetitionState::kDisturbed)};
  r.workloads.push_back(w);
  return r;
}

// The Bencher Metric Format's documented JSON schema (bencher.dev/bmf.json): an object of
// benchmarks, each an object of measures, each an object with a number "value" and optional
// number "lower_value" and "upper_value". Returns what breaks it, "" when nothing does.
std::string BmfSchemaViolation(const json& doc) {
  if (!doc.is_object()) return "not an object";
  for (const auto& [benchmark, measures] : doc.items()) {
    if (benchmark.empty() || !measures.is_object()) return benchmark + ": not an object";
    for (const auto& [measure, metric] : measures.items()) {
      if (measure.empty() || !metric.is_object()) return measure + ": not an object";
      if (!metric.contains("value")) return measure + ": no value";
      for (const auto& [key, value] : metric.items()) {
        if (key != "value" && key != "lower_value" && key != "upper_value") {
          return measure + ": unexpected " + key;
        }
        if (!value.is_number()) return measure + "." + key + ": not a number";
      }
    }
  }
  return "";
}

// github-action-benchmark's custom tools (customBiggerIsBetter, customSmallerIsBetter): an array
// of objects with string "name", string "unit", number "value", optional strings "range" and
// "extra". Returns what breaks it, "" when nothing does.
std::string GabSchemaViolation(const json& doc) {
  if (!doc.is_array()) return "not an array";
  for (const json& e : doc) {
    if (!e.is_object()) return "an entry is not an object";
    if (!e.contains("name") || !e["name"].is_string()) return "no string name";
    if (!e.contains("unit") || !e["unit"].is_string()) return "no string unit";
    if (!e.contains("value") || !e["value"].is_number()) return "no number value";
    for (const auto& [key, value] : e.items()) {
      if (key == "range" || key == "extra") {
        if (!value.is_string()) return key + " is not a string";
      } else if (key != "name" && key != "unit" && key != "value") {
        return "unexpected " + key;
      }
    }
  }
  return "";
}

TEST(ExportFlag, ParsesKindAndFile) {
  EXPECT_EQ(ParseExportFlag("bmf:out/r.json").kind, ExportKind::kBmf);
  EXPECT_EQ(ParseExportFlag("bmf:out/r.json").path, "out/r.json");
  EXPECT_EQ(ParseExportFlag("gab:perf.json").kind, ExportKind::kGab);
  EXPECT_EQ(ParseExportFlag("gab:c:/x.json").path, "c:/x.json");  // only the first ':' splits
}

TEST(ExportFlag, BadValuesNameTheFlagAndWhatIsExpected) {
  auto message = [](std::string_view value) {
    try {
      ParseExportFlag(value);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message("results.json"), HasSubstr("--export results.json: expected KIND:FILE"));
  EXPECT_THAT(message("csv:r.csv"), HasSubstr("unknown format 'csv'; expected bmf"));
  EXPECT_THAT(message("bmf:"), HasSubstr("expected a file after 'bmf:'"));
}

TEST(ExportFlag, GabWritesTheSmallerIsBetterFileBesideTheOther) {
  EXPECT_EQ(GabPathsFor("out/perf.json").bigger, "out/perf.json");
  EXPECT_EQ(GabPathsFor("out/perf.json").smaller, "out/perf.smaller.json");
  EXPECT_EQ(GabPathsFor("perf").smaller, "perf.smaller");
}

TEST(BencherMetricFormat, EveryRegistryCounterWithMedianMinAndMaxOfTheValidRepetitions) {
  const json doc = BencherMetricFormat(Results());
  EXPECT_EQ(BmfSchemaViolation(doc), "");
  ASSERT_TRUE(doc.contains("smoke/files-random")) << doc.dump();
  const json& w = doc["smoke/files-random"];
  EXPECT_EQ(w.size(), 2u);  // the counter outside the registry is not exported
  EXPECT_DOUBLE_EQ(w["samples_per_second"]["value"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(w["samples_per_second"]["lower_value"].get<double>(), 90);
  EXPECT_DOUBLE_EQ(w["samples_per_second"]["upper_value"].get<double>(), 110);
  EXPECT_DOUBLE_EQ(w["r_await_ms"]["value"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(w["r_await_ms"]["upper_value"].get<double>(), 3.0);  // not the disturbed 90
}

TEST(GithubActionBenchmark, CountersGoToTheFileOfTheirDirection) {
  const GabDocuments docs = GithubActionBenchmark(Results());
  EXPECT_EQ(GabSchemaViolation(docs.bigger_is_better), "");
  EXPECT_EQ(GabSchemaViolation(docs.smaller_is_better), "");
  ASSERT_EQ(docs.bigger_is_better.size(), 1u);
  ASSERT_EQ(docs.smaller_is_better.size(), 1u);
  const json& up = docs.bigger_is_better[0];
  EXPECT_EQ(up["name"], "smoke/files-random samples_per_second");
  EXPECT_EQ(up["unit"], "samples/s");
  EXPECT_DOUBLE_EQ(up["value"].get<double>(), 100);
  EXPECT_EQ(up["range"], "± 10");
  EXPECT_EQ(up["extra"], "3 repetitions, min 90, max 110 samples/s");
  EXPECT_EQ(docs.smaller_is_better[0]["name"], "smoke/files-random r_await_ms");
  EXPECT_EQ(docs.smaller_is_better[0]["unit"], "ms");
}

TEST(Exports, AWorkloadWithoutValidRepetitionsIsLeftOut) {
  ResultsFile r = Results();
  for (Repetition& rep : r.workloads[0].repetitions) rep.state = RepetitionState::kFailed;
  EXPECT_EQ(BencherMetricFormat(r), json::object());
  EXPECT_TRUE(GithubActionBenchmark(r).bigger_is_better.empty());
}

}  // namespace
}  // namespace feedbench
