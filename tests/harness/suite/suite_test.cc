#include "harness/suite/suite.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/base/errors.h"
#include "tests/support/error_message.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset.h"

namespace feedbench {
namespace {

using nlohmann::json;

json MinimalSuite() {
  return json::parse(R"({
    "schema_version": 1,
    "name": "tiny",
    "dataset": {"samples": 10, "sizes": {"distribution": "fixed", "bytes": "4KiB"}},
    "defaults": {"repetitions": 2, "workers": 2},
    "workloads": [
      {"name": "files-random", "layout": "files", "order": "random"},
      {"name": "lmdb-seq", "layout": "lmdb", "order": "sequential", "workers": 1, "verify": false}
    ]
  })");
}

// The message of the UsageError that parsing `doc` throws.
std::string RejectionOf(const json& doc) {
  try {
    ParseSuite(doc, "my-suite.json");
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << doc.dump();
  return "";
}

TEST(Suite, ParsesDefaultsAndOverrides) {
  const Suite s = ParseSuite(MinimalSuite(), "tiny.json");
  ASSERT_EQ(s.workloads.size(), 2u);
  EXPECT_EQ(s.workloads[0].settings.repetitions, 2);
  EXPECT_EQ(s.workloads[0].settings.workers, 2);
  EXPECT_EQ(s.workloads[0].settings.batch_size, RunSettings{}.batch_size);
  EXPECT_EQ(s.workloads[1].settings.workers, 1);
  EXPECT_FALSE(s.workloads[1].settings.verify);
  EXPECT_EQ(s.workloads[1].order, Order::kSequential);
}

TEST(Suite, RoundTripsThroughItsCanonicalJson) {
  const Suite s = ParseSuite(MinimalSuite(), "tiny.json");
  const json again = SuiteToJson(s);
  const Suite t = ParseSuite(again, "tiny.json");
  EXPECT_EQ(SuiteToJson(t), again);
  EXPECT_EQ(t.workloads[1].settings.workers, 1);
}

TEST(Suite, EveryShippedSuiteParsesAndItsDatasetValidates) {
  const auto names = ShippedSuiteNames();
  for (const char* required : {"smoke", "ci", "layouts"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), required), names.end()) << required;
  }
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const Suite s = LoadSuite(name);
    EXPECT_EQ(s.name, name);
    const DatasetSpec spec = DatasetSpecFromJson(s.dataset, s.source + ": dataset");
    EXPECT_GT(spec.samples, 0u);
    EXPECT_EQ(ParseSuite(SuiteToJson(s), s.source).workloads.size(), s.workloads.size());
  }
}

TEST(Suite, CiSuiteHasAtLeastFiveRepetitionsPerWorkload) {
  for (const auto& w : LoadSuite("ci").workloads) EXPECT_GE(w.settings.repetitions, 5) << w.name;
}

TEST(Suite, SmokeCoversAllThreeLayoutsCold) {
  const Suite s = LoadSuite("smoke");
  std::set<std::string> layouts;
  for (const auto& w : s.workloads) {
    layouts.insert(std::string(LayoutName(w.layout)));
    EXPECT_EQ(w.settings.cache, CacheMode::kCold);
  }
  EXPECT_EQ(layouts, (std::set<std::string>{"files", "lmdb", "tmpfs"}));
}

TEST(Suite, RejectsUnknownKeysNamingFileAndKey) {
  json doc = MinimalSuite();
  doc["workloads"][1]["wrokers"] = 3;
  const std::string msg = RejectionOf(doc);
  EXPECT_NE(msg.find("my-suite.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("workloads[1].wrokers"), std::string::npos) << msg;
  EXPECT_NE(msg.find("allowed keys"), std::string::npos) << msg;

  doc = MinimalSuite();
  doc["defaults"]["repeats"] = 3;
  EXPECT_NE(RejectionOf(doc).find("defaults.repeats"), std::string::npos);
  doc = MinimalSuite();
  doc["extra"] = true;
  EXPECT_NE(RejectionOf(doc).find("extra"), std::string::npos);
}

TEST(Suite, RejectsWrongTypesAndOutOfRangeValues) {
  json doc = MinimalSuite();
  doc["defaults"]["workers"] = "four";
  std::string msg = RejectionOf(doc);
  EXPECT_NE(msg.find("defaults.workers"), std::string::npos) << msg;
  EXPECT_NE(msg.find("an integer"), std::string::npos) << msg;

  doc = MinimalSuite();
  doc["defaults"]["repetitions"] = -1;
  msg = RejectionOf(doc);
  EXPECT_NE(msg.find("defaults.repetitions"), std::string::npos) << msg;
  EXPECT_NE(msg.find("got -1"), std::string::npos) << msg;

  doc = MinimalSuite();
  doc["workloads"][0]["layout"] = "parquet";
  msg = RejectionOf(doc);
  EXPECT_NE(msg.find("workloads[0].layout"), std::string::npos) << msg;
  for (const Layout layout : kAllLayouts) {  // every known layout listed
    EXPECT_NE(msg.find(LayoutName(layout)), std::string::npos) << msg;
  }

  doc = MinimalSuite();
  doc["defaults"]["cache"] = "lukewarm";
  EXPECT_NE(RejectionOf(doc).find("defaults.cache"), std::string::npos);

  doc = MinimalSuite();
  doc["workloads"][0]["compute_ms_per_batch"] = -5.0;
  EXPECT_NE(RejectionOf(doc).find("compute_ms_per_batch"), std::string::npos);

  doc = MinimalSuite();
  doc["workloads"] = json::array();
  EXPECT_NE(RejectionOf(doc).find("workloads"), std::string::npos);

  doc = MinimalSuite();
  doc["schema_version"] = 2;
  EXPECT_NE(RejectionOf(doc).find("schema_version"), std::string::npos);

  doc = MinimalSuite();
  doc["workloads"][1]["name"] = "files-random";
  EXPECT_NE(RejectionOf(doc).find("unique"), std::string::npos);

  doc = MinimalSuite();
  doc["workloads"][1]["name"] = "a/b";
  EXPECT_NE(RejectionOf(doc).find("workloads[1].name"), std::string::npos);
}

TEST(Suite, UnknownShippedNameListsTheShippedSuites) {
  try {
    LoadSuite("nightly-typo");
    FAIL();
  } catch (const UsageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("smoke"), std::string::npos) << msg;
    EXPECT_NE(msg.find("layouts"), std::string::npos) << msg;
  }
}

// Where the shipped suites are found: FEEDBENCH_SUITES_DIR, an install beside the binary, a build
// tree; no path of the build machine.
class ShippedSuitesDirTest : public ::testing::Test {
 protected:
  std::filesystem::path Make(const std::filesystem::path& relative, bool with_suite = true) {
    const auto dir = root_.path() / relative;
    std::filesystem::create_directories(dir);
    if (with_suite) std::ofstream(dir / "nightly.json") << "{}";
    return dir;
  }
  testing::TempDir root_;
};

TEST_F(ShippedSuitesDirTest, AnInstallFindsItsSuitesBesideItsBinFolder) {
  const auto suites = Make("usr/share/feedbench/suites");
  EXPECT_EQ(FindShippedSuitesDir("", root_.path() / "usr" / "bin"), suites);
}

TEST_F(ShippedSuitesDirTest, ABuildTreeFindsTheLinkInItsOwnFolder) {
  const auto suites = Make("build/share/feedbench/suites");
  EXPECT_EQ(FindShippedSuitesDir("", root_.path() / "build"), suites);
}

TEST_F(ShippedSuitesDirTest, TheEnvironmentVariableOverridesTheInstall) {
  Make("usr/share/feedbench/suites");
  const auto mine = Make("mine");
  EXPECT_EQ(FindShippedSuitesDir(mine.string(), root_.path() / "usr" / "bin"), mine);
}

TEST_F(ShippedSuitesDirTest, AnEnvironmentVariablePointingNowhereIsBadInputNamingIt) {
  const auto nowhere = root_.path() / "nowhere";
  const std::string message = testing::ErrorMessage<UsageError>(
      [&] { FindShippedSuitesDir(nowhere.string(), root_.path()); });
  EXPECT_THAT(message, ::testing::HasSubstr("FEEDBENCH_SUITES_DIR=" + nowhere.string()));
  EXPECT_THAT(message, ::testing::HasSubstr("not a directory"));
}

TEST_F(ShippedSuitesDirTest, AnEnvironmentVariableAtAFolderWithoutSuitesIsBadInputNamingIt) {
  const auto empty = Make("empty", /*with_suite=*/false);
  const std::string message = testing::ErrorMessage<UsageError>(
      [&] { FindShippedSuitesDir(empty.string(), root_.path()); });
  EXPECT_THAT(message, ::testing::HasSubstr("FEEDBENCH_SUITES_DIR=" + empty.string()));
  EXPECT_THAT(message, ::testing::HasSubstr("holds no suite"));
}

TEST_F(ShippedSuitesDirTest, NoSuitesBesideTheBinaryIsAnEnvironmentErrorNamingWhereItLooked) {
  const auto bin = Make("opt/bin", /*with_suite=*/false);
  const std::string message =
      testing::ErrorMessage<EnvironmentError>([&] { FindShippedSuitesDir("", bin); });
  EXPECT_THAT(message,
              ::testing::HasSubstr((root_.path() / "opt/share/feedbench/suites").string()));
  EXPECT_THAT(message, ::testing::HasSubstr("FEEDBENCH_SUITES_DIR"));
}

// This test's binary sits in the build tree: the suites it finds are the source tree's, through
// the link CMake made, not through a compiled-in path.
TEST(ShippedSuites, TheBuildTreeLinksToTheSourceTreesSuites) {
  EXPECT_TRUE(std::filesystem::equivalent(
      ShippedSuitesDir(), std::filesystem::path(FEEDBENCH_SOURCE_DIR) / "workloads" / "suites"));
}

// LoadSuite's UsageError message for a suite file holding `text`, named `name` in a scratch folder.
std::string SuiteFileError(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  const std::string message = testing::ErrorMessage<UsageError>([&] { LoadSuite(path); });
  std::filesystem::remove(path);
  return message;
}

TEST(Suite, FileThatIsNotJsonNamesTheFile) {
  const std::string message = SuiteFileError("broken-suite.json", "{ \"schema_version\": 1, ");
  EXPECT_NE(message.find("broken-suite.json"), std::string::npos) << message;
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
}

// A number beyond a double's range is the JSON library's out_of_range error, not its parse_error
// (the dataset spec and manifest fuzz targets found it escaping those readers; the suite reader
// caught only parse_error too).
TEST(LoadSuite, ANumberBeyondADoublesRangeIsBadInputNamingTheFile) {
  const std::string message =
      SuiteFileError("overflow-suite.json", "{ \"schema_version\": 1e3086 }");
  EXPECT_NE(message.find("overflow-suite.json"), std::string::npos) << message;
  EXPECT_NE(message.find("number overflow"), std::string::npos) << message;
}

}  // namespace
}  // namespace feedbench
