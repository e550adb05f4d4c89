// `feedbench dataset` as a user runs it: exit codes, messages, and nothing written or deleted on
// bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "tests/support/background_feedbench.h"
#include "tests/support/temp_dir.h"
#include "workloads/dataset/dataset_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CliRun Feedbench(const std::string& args) {
  CliRun run;
  FILE* pipe = ::popen((std::string(FEEDBENCH_BINARY) + " " + args + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) run.output.append(buf, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

size_t Entries(const fs::path& dir) {
  size_t n = 0;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    ++n;
  }
  return n;
}

class DatasetCli : public ::testing::Test {
 protected:
  std::string Dir(const std::string& name) const { return (tmp_ / name).string(); }
  TempDir tmp_;
};

TEST_F(DatasetCli, CreateVerifyInfoRmRoundTrip) {
  const CliRun create =
      Feedbench("dataset create --layout lmdb --dir " + Dir("d") + " --samples 50 --size 4KiB");
  ASSERT_EQ(create.exit_code, 0) << create.output;
  EXPECT_THAT(create.output, HasSubstr("created the lmdb dataset"));
  const CliRun again =
      Feedbench("dataset create --layout lmdb --dir " + Dir("d") + " --samples 50 --size 4KiB");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.output, HasSubstr("reused"));
  const CliRun verify = Feedbench("dataset verify --dir " + Dir("d"));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr("verified 50 samples"));
  const CliRun info = Feedbench("dataset info --dir " + Dir("d") + " --json");
  EXPECT_EQ(info.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(info.output)["layout"], "lmdb");
  const CliRun rm = Feedbench("dataset rm --dir " + Dir("d"));
  EXPECT_EQ(rm.exit_code, 0) << rm.output;
  EXPECT_FALSE(fs::exists(Dir("d")));
}

TEST_F(DatasetCli, CreateFromAProfileReplaysIt) {
  fs::create_directories(Dir("tree/a"));
  for (int i = 0; i < 5; ++i)
    std::ofstream(Dir("tree/a/" + std::to_string(i))) << std::string(3000, 'x');
  const CliRun profile = Feedbench("dataset profile " + Dir("tree") + " --out " + Dir("p.json"));
  ASSERT_EQ(profile.exit_code, 0) << profile.output;
  EXPECT_THAT(profile.output, HasSubstr("5 files in 1 directories"));
  const CliRun create = Feedbench("dataset create --dir " + Dir("d") + " --spec " + Dir("p.json"));
  ASSERT_EQ(create.exit_code, 0) << create.output;
  EXPECT_EQ(ReadManifest(Dir("d"))->total_bytes, 5u * 3000);
  const CliRun histogram = Feedbench("dataset create --dir " + Dir("h") +
                                     " --samples 7 --size histogram:" + Dir("p.json"));
  ASSERT_EQ(histogram.exit_code, 0) << histogram.output;
  EXPECT_EQ(ReadManifest(Dir("h"))->total_bytes, 7u * 3000);
}

TEST_F(DatasetCli, VerifyFailureExitsOneNamingTheSample) {
  ASSERT_EQ(Feedbench("dataset create --dir " + Dir("d") + " --samples 20 --size 4KiB").exit_code,
            0);
  DatasetSpec spec = ReadManifest(Dir("d"))->spec;
  fs::resize_file(SampleFilePath(Dir("d"), spec, 9), 10);
  const CliRun verify = Feedbench("dataset verify --dir " + Dir("d"));
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_THAT(verify.output, HasSubstr("sample 9 ("));
}

struct BadInput {
  std::string args;
  std::string message;
};

TEST_F(DatasetCli, BadInputExitsTwoWithAClearMessageAndWritesNothing) {
  const std::vector<BadInput> cases = {
      {"--layout parquet --samples 10 --size 4KiB", "unknown layout 'parquet'"},
      {"--samples 10 --size pareto:1KiB:2", "unknown size distribution 'pareto'"},
      {"--samples 10 --size 4096", "no unit"},
      {"--samples 10 --size 4Kb", "unknown unit 'Kb'"},
      {"--samples 10 --size uniform:1MiB:4KiB", "min 1MiB is greater than max 4KiB"},
      {"--samples 0 --size 4KiB", "--samples 0: expected 1 to 1099511627776 samples"},
      {"--samples 10", "--size is required"},
      {"--spec " + (tmp_ / "missing.json").string(), "missing.json"},
  };
  for (const auto& c : cases) {
    const CliRun run = Feedbench("dataset create --dir " + Dir("d") + " " + c.args);
    EXPECT_EQ(run.exit_code, 2) << c.args << "\n" << run.output;
    EXPECT_THAT(run.output, HasSubstr(c.message)) << c.args;
    EXPECT_FALSE(fs::exists(Dir("d"))) << c.args;
  }
}

// No space is the machine's, not the request's: exit 3, as every "no space" (errors.h).
TEST_F(DatasetCli, NotEnoughFreeSpaceExitsThreeAndWritesNothing) {
  const CliRun run = Feedbench("dataset create --dir " + Dir("d") + " --samples 1048576 --size 1GiB");
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_THAT(run.output, HasSubstr("not enough free space"));
  EXPECT_FALSE(fs::exists(Dir("d")));
}

TEST_F(DatasetCli, AHugeSampleCountIsRefusedAtOnceWithItsNumbers) {
  const std::vector<BadInput> cases = {
      {"--samples 99999999999 --size 1MiB",
       "99999999999 samples × 1MiB = 93.1 PiB (104857599998951424 bytes)"},
      {"--layout lmdb --samples 1099511627776 --size uniform:16KiB:1MiB",
       "1099511627776 samples × at least 16KiB"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const auto start = std::chrono::steady_clock::now();
    const CliRun run = Feedbench("dataset create --quiet --dir " + Dir("d") + " " + c.args);
    const double sec =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(sec, 5) << "refused only after a pass over the samples";
    EXPECT_EQ(run.exit_code, 3) << run.output;
    EXPECT_THAT(run.output, HasSubstr("--dir " + Dir("d") + ": not enough free space"));
    EXPECT_THAT(run.output, HasSubstr(c.message));
    EXPECT_THAT(run.output, HasSubstr("bytes) free"));
    EXPECT_FALSE(fs::exists(Dir("d")));
  }
}

TEST_F(DatasetCli, AnOutOfRangeFlagValueIsNamedByTheFlagAsTyped) {
  const std::vector<BadInput> cases = {
      // CLI11 reads "-3" into an unsigned type as 2^64 - 3; it must not pass for "too many".
      {"create --samples -3 --size 4KiB", "--samples -3: a negative number"},
      {"create --samples 1099511627777 --size 4KiB",
       "--samples 1099511627777: expected 1 to 1099511627776 samples (2^40)"},
      {"create --samples 99999999999999999999999 --size 4KiB",
       "--samples 99999999999999999999999: expected 1 to"},
      {"create --samples 1e6 --size 4KiB", "--samples '1e6': not a whole number"},
      {"create --samples 10 --size 4KiB --seed -1", "--seed -1: a negative number"},
      {"create --samples 10 --size 4KiB --files-per-dir -1", "--files-per-dir -1: a negative"},
      {"create --samples 10 --size 4KiB --files-per-dir 0", "--files-per-dir 0: expected 1 to"},
      {"create --samples 10 --size 4KiB --threads -2", "--threads -2: expected 1 to 4096"},
      {"verify --threads -1", "--threads -1: expected 1 to 4096"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const CliRun run = Feedbench("dataset " + c.args + " --dir " + Dir("d"));
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_THAT(run.output, HasSubstr(c.message));
    EXPECT_THAT(run.output, ::testing::Not(HasSubstr("more than 2^40")));
    EXPECT_THAT(run.output, ::testing::Not(HasSubstr("key '")));
    EXPECT_FALSE(fs::exists(Dir("d")));
  }
}

TEST_F(DatasetCli, SpecFileThatIsNotJsonOrHasAnUnknownKeyExitsTwo) {
  std::ofstream(Dir("bad.json")) << "{ samples: 3";
  std::ofstream(Dir("unknown.json"))
      << R"({"samples": 3, "sizes": {"distribution": "fixed", "bytes": 4096}, "colour": 1})";
  CliRun run = Feedbench("dataset create --dir " + Dir("d") + " --spec " + Dir("bad.json"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("not valid JSON"));
  run = Feedbench("dataset create --dir " + Dir("d") + " --spec " + Dir("unknown.json"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("key 'colour': unknown key"));
  EXPECT_FALSE(fs::exists(Dir("d")));
  // A number beyond a double's range (found by fuzzing): bad input, not an internal error.
  std::ofstream(Dir("overflow.json")) << R"({"samples": 31e3082})";
  run = Feedbench("dataset create --dir " + Dir("d") + " --spec " + Dir("overflow.json"));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("--spec"));
  EXPECT_THAT(run.output, HasSubstr("number overflow"));
  EXPECT_FALSE(fs::exists(Dir("d")));
}

TEST_F(DatasetCli, ForeignNonEmptyDirIsRefusedAndNothingIsDeleted) {
  fs::create_directories(Dir("home/docs"));
  std::ofstream(Dir("home/docs/thesis.tex")) << "important";
  std::ofstream(Dir("home/notes.txt")) << "also important";
  const size_t before = Entries(Dir("home"));
  for (const std::string command :
       {"dataset create --samples 10 --size 4KiB --dir ", "dataset rm --dir ",
        "dataset verify --dir ", "dataset info --dir "}) {
    const CliRun run = Feedbench(command + Dir("home"));
    EXPECT_EQ(run.exit_code, 2) << command << run.output;
    EXPECT_THAT(run.output, HasSubstr("not a feedbench dataset")) << command;
  }
  EXPECT_EQ(Entries(Dir("home")), before);
  std::ifstream in(Dir("home/docs/thesis.tex"));
  std::string content;
  in >> content;
  EXPECT_EQ(content, "important");
}

TEST_F(DatasetCli, CorruptManifestExitsTwoAndNothingIsDeleted) {
  ASSERT_EQ(Feedbench("dataset create --dir " + Dir("d") + " --samples 5 --size 4KiB").exit_code,
            0);
  std::ofstream(Dir("d") + "/" + std::string(kManifestName)) << "{\"spec\": ";
  const size_t before = Entries(Dir("d"));
  for (const std::string command :
       {"dataset create --samples 5 --size 4KiB --dir ", "dataset rm --dir ",
        "dataset verify --dir ", "dataset info --dir "}) {
    const CliRun run = Feedbench(command + Dir("d"));
    EXPECT_EQ(run.exit_code, 2) << command << run.output;
    EXPECT_THAT(run.output, HasSubstr("corrupt dataset manifest")) << command;
  }
  EXPECT_EQ(Entries(Dir("d")), before);
}

TEST_F(DatasetCli, SpecFlagsAndSpecFileAreExclusive) {
  std::ofstream(Dir("s.json"))
      << R"({"samples": 3, "sizes": {"distribution": "fixed", "bytes": 4096}})";
  const CliRun run =
      Feedbench("dataset create --dir " + Dir("d") + " --spec " + Dir("s.json") + " --samples 4");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_FALSE(fs::exists(Dir("d")));
}

// SIGINT or SIGTERM while `dataset create` generates: exit 128 + signal, one line saying what was
// interrupted and removed, no partial dataset left (and a directory that was there before stays).
TEST_F(DatasetCli, InterruptedCreateRemovesThePartialDatasetAndExits128PlusSignal) {
  for (const int sig : {SIGINT, SIGTERM}) {
    for (const bool dir_existed : {false, true}) {
      const fs::path dir = tmp_.path() / (std::string("d") + std::to_string(sig) +
                                          (dir_existed ? "-existed" : "-new"));
      if (dir_existed) fs::create_directory(dir);
      SCOPED_TRACE(dir.string());
      testing::BackgroundFeedbench run(tmp_.path(),
                                       {"dataset", "create", "--dir", dir.string(), "--samples",
                                        "400000", "--size", "4KiB", "--quiet"},
                                       tmp_.path() / "create.log");
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      std::error_code ec;
      while (!fs::exists(dir / kManifestName, ec) || !fs::exists(dir / "data", ec)) {
        ASSERT_FALSE(run.Ended()) << run.Output();
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "generation never seen";
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      const std::optional<Manifest> manifest = ReadManifest(dir);
      ASSERT_TRUE(manifest && !manifest->complete) << "generation completed before the signal";
      run.Signal(sig);
      EXPECT_EQ(run.Wait(std::chrono::seconds(60)), 128 + sig) << run.Output();
      const std::string name = sig == SIGINT ? "SIGINT" : "SIGTERM";
      EXPECT_THAT(run.Output(), HasSubstr("feedbench: interrupted by " + name +
                                          " while creating the files dataset in " + dir.string() +
                                          "; removed the partial dataset " + dir.string()));
      EXPECT_EQ(fs::exists(dir), dir_existed);
      if (dir_existed) {
        EXPECT_TRUE(fs::is_empty(dir));
      }
    }
  }
}

}  // namespace
}  // namespace feedbench
