// `feedbench fio` and fio workloads in suites, end to end through the binary: real short fio runs
// on this machine's disk into Google Benchmark JSON, and the bad-input and environment exits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "harness/base/atomic_file.h"
#include "harness/base/json_non_finite.h"
#include "harness/os/child_process.h"
#include "harness/results/gbench_adapter.h"
#include "harness/results/results_reader.h"
#include "tests/support/readme.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "workloads/fio/fio.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using testing::ReadmeExample;
using testing::RunCommand;
using testing::ShellQuote;

// The paths a fio failure message names after "fio's files:" (FioFailureNote).
std::vector<fs::path> FioFilesNamed(const std::string& message) {
  std::vector<fs::path> paths;
  std::smatch line;
  if (!std::regex_search(message, line, std::regex("fio's files: ([^\n]*)"))) return paths;
  const std::string files = line[1].str();
  const std::regex named("(job file|output|stderr) (/[^,\\s]+)");
  for (auto it = std::sregex_iterator(files.begin(), files.end(), named);
       it != std::sregex_iterator(); ++it) {
    paths.emplace_back((*it)[2].str());
  }
  return paths;
}

class FioCommandTest : public ::testing::Test {
 protected:
  // A tiny suite: a small files dataset, one reader workload and the fio workloads given.
  fs::path WriteSuite(const json& fio_workloads) {
    json suite = json::parse(R"({
      "schema_version": 1,
      "name": "tiny-fio",
      "description": "test suite",
      "dataset": {"samples": 200, "sizes": {"distribution": "uniform", "min_bytes": "16KiB",
                  "max_bytes": "64KiB"}, "seed": 3, "files_per_dir": 100},
      "defaults": {"repetitions": 1, "workers": 2, "batch_size": 16, "prefetch": 2},
      "workloads": [{"name": "files-random", "layout": "files", "order": "random"}]
    })");
    for (const auto& w : fio_workloads) suite["workloads"].push_back(w);
    const fs::path p = dir_ / "suite.json";
    WriteFileAtomic(p, suite.dump(2));
    return p;
  }

  testing::CommandResult Feedbench(const std::string& args, const std::string& env = "") {
    return RunCommand("cd " + ShellQuote(dir_.string()) + " && " + env + " " + FEEDBENCH_BINARY +
                      " " + args);
  }

  static json Load(const fs::path& path) {
    return json::parse(NonFiniteToNull(ReadWholeFile(path)));
  }

  static const json* Entry(const json& results, const std::string& workload) {
    for (const auto& b : results["benchmarks"]) {
      if (WorkloadNameOf(b) == workload && b.value("run_type", "") == "iteration") return &b;
    }
    return nullptr;
  }

  static const json* Context(const json& results, const std::string& workload) {
    for (const auto& w : results["context"]["feedbench"]["workloads"]) {
      if (w["name"] == workload) return &w;
    }
    return nullptr;
  }

  testing::TempDir tmp_;  // under /var/tmp, removed with its contents
  const fs::path dir_ = tmp_.path();
};

TEST_F(FioCommandTest, EveryProfileLandsInGoogleBenchmarkJson) {
  const fs::path suite = WriteSuite(json::array());
  const fs::path out = dir_ / "fio.json";
  const fs::path data = dir_ / "data";
  const auto r =
      Feedbench("fio --suite " + suite.string() + " --data-dir " + data.string() + " --out " +
                out.string() + " --runtime-s 1 --ramp-s 0.5 --size 16MiB --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("fio r/s"));  // the fio table
  const json results = Load(out);
  EXPECT_EQ(results["context"]["feedbench"]["suite"], "fio");
  for (const std::string name :
       {"seq-read", "rand-read-4k-qd32", "rand-read-4k-qd1", "smallfile"}) {
    SCOPED_TRACE(name);
    const json* b = Entry(results, name);
    ASSERT_NE(b, nullptr);
    EXPECT_FALSE(b->value("error_occurred", false)) << b->dump();
    for (const char* key : {"bytes_per_second", "iops", "clat_p99_us", "lat_p50_us", "lat_p99_us",
                            "device_read_bytes", "util_pct", "fio_disk_util_pct"}) {
      EXPECT_TRUE(b->contains(key)) << key;
    }
    EXPECT_GT((*b)["bytes_per_second"].get<double>(), 0);
    const json* w = Context(results, name);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ((*w)["kind"], "fio");
    EXPECT_EQ((*w)["fio"]["direct"], name != "smallfile");
  }
  // Without --keep-data the test file and dataset are gone, and so is the data directory.
  EXPECT_FALSE(fs::exists(data)) << r.output;
}

TEST_F(FioCommandTest, SuiteRunsFioWorkloadsBesideReaders) {
  const fs::path suite = WriteSuite(json::parse(R"([
    {"name": "ceiling-small", "kind": "fio", "profile": "smallfile",
     "options": {"runtime_s": 1, "ramp_s": 0, "jobs": 2}},
    {"name": "ceiling-qd1", "kind": "fio", "profile": "rand-read-4k-qd1", "repetitions": 2,
     "options": {"runtime_s": 1, "ramp_s": 0, "size": "8MiB"}}])"));
  const fs::path out = dir_ / "run.json";
  const auto r = Feedbench("run --suite " + suite.string() + " --data-dir " +
                           (dir_ / "data").string() + " --out " + out.string() + " --keep-data");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json results = Load(out);
  ASSERT_NE(Entry(results, "files-random"), nullptr);
  ASSERT_NE(Entry(results, "ceiling-small"), nullptr);
  EXPECT_GT((*Entry(results, "ceiling-small"))["iops"].get<double>(), 0);
  int qd1_repetitions = 0;
  for (const auto& b : results["benchmarks"]) {
    if (WorkloadNameOf(b) == "ceiling-qd1" && b.value("run_type", "") == "iteration") {
      ++qd1_repetitions;
    }
  }
  EXPECT_EQ(qd1_repetitions, 2);
  // --keep-data keeps the test file for the next run.
  EXPECT_EQ(fs::file_size(dir_ / "data" / "fio" / "fio-testfile"), 8u << 20);
}

// README.md's job file of your own and its command (between <!-- test:fio-example --> markers),
// run as written: the README shows a command that works.
TEST_F(FioCommandTest, ReadmeJobFileExampleRunsAsWritten) {
  const std::vector<std::string> blocks = ReadmeExample("fio-example");
  ASSERT_EQ(blocks.size(), 2u)
      << "README.md: expected a job file and its command between <!-- test:fio-example --> and "
         "<!-- /test:fio-example -->";
  const std::string& job_text = blocks[0];
  std::string command = blocks[1];
  while (!command.empty() && command.back() == '\n') command.pop_back();
  ASSERT_EQ(command.find('\n'), std::string::npos) << "one command expected: " << command;
  const std::string binary = "build/feedbench ";
  ASSERT_TRUE(command.starts_with(binary)) << command;
  std::smatch profile;
  ASSERT_TRUE(std::regex_search(command, profile, std::regex("--profile (\\S+\\.fio)"))) << command;
  if (!FindProgram("fio")) GTEST_SKIP() << "fio is not installed";

  // The job file under the name the command gives it, in the directory the command runs in; the
  // command as given, in a data directory of the test's own with a small test file.
  WriteFileAtomic(dir_ / profile[1].str(), job_text);
  const fs::path data = dir_ / "data";
  const fs::path out = dir_ / "example.json";
  const auto r = Feedbench(command.substr(binary.size()) + " --data-dir " + data.string() +
                           " --out " + out.string() + " --size 64MiB");
  ASSERT_EQ(r.exit_code, 0) << command << "\n" << r.output;
  ASSERT_TRUE(fs::exists(out)) << r.output;
  const json results = Load(out);
  const std::string workload = fs::path(profile[1].str()).stem().string();
  const json* b = Entry(results, workload);
  ASSERT_NE(b, nullptr) << r.output;
  EXPECT_FALSE(b->value("error_occurred", false)) << b->dump();
  EXPECT_GT((*b)["bytes_per_second"].get<double>(), 0);
  EXPECT_THAT(r.output, HasSubstr("laid out the fio test file"));
}

// A job of your own whose file fio would have to lay out: fio refuses (it runs --readonly), the
// message says so in fio's words and feedbench's, and every file it names is still there after
// the command exits.
TEST_F(FioCommandTest, AJobThatWouldLayOutItsFileFailsSayingWhyAndKeepsTheFilesItNames) {
  if (!FindProgram("fio")) GTEST_SKIP() << "fio is not installed";
  WriteFileAtomic(dir_ / "extend.fio",
                  "[global]\nfilename=not-laid-out\nsize=4m\nallow_file_create=0\n"
                  "[extend]\nrw=read\nioengine=psync\nbs=64k\n");
  const fs::path data = dir_ / "data";
  const fs::path out = dir_ / "extend.json";
  const auto r =
      Feedbench("fio --profile extend.fio --data-dir " + data.string() + " --out " + out.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr(std::string(kFioReadOnlyRefusal)));  // fio's stderr, quoted
  EXPECT_THAT(r.output, HasSubstr("feedbench runs fio with --readonly"));
  EXPECT_THAT(r.output, HasSubstr("filename=fio-testfile"));
  const std::vector<fs::path> named = FioFilesNamed(r.output);
  ASSERT_GE(named.size(), 2u) << r.output;  // the job file and stderr at least
  for (const fs::path& path : named) {
    EXPECT_TRUE(fs::exists(path)) << path << " is named in\n" << r.output;
  }
  EXPECT_THAT(r.output, HasSubstr("kept fio's job files, output and stderr"));
  // The results file carries the same message.
  const json results = Load(out);
  const json* b = Entry(results, "extend");
  ASSERT_NE(b, nullptr) << r.output;
  EXPECT_TRUE(b->value("error_occurred", false));
  EXPECT_THAT(b->value("error_message", std::string()),
              HasSubstr(std::string(kFioReadOnlyRefusal)));
}

TEST_F(FioCommandTest, UnknownProfileIsBadInputListingTheProfiles) {
  const auto r = Feedbench("fio --profile seqread --data-dir " + (dir_ / "data").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("unknown fio profile 'seqread'"));
  EXPECT_THAT(r.output, HasSubstr("rand-read-4k-qd32"));
}

TEST_F(FioCommandTest, ProfileFileOnARawDeviceIsBadInput) {
  WriteFileAtomic(dir_ / "raw.fio", "[raw]\nfilename=/dev/vda\nrw=randread\nioengine=libaio\n");
  const auto r = Feedbench("fio --profile " + (dir_ / "raw.fio").string() + " --data-dir " +
                           (dir_ / "data").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("never on a raw device"));
  EXPECT_FALSE(fs::exists(dir_ / "data" / "fio" / "raw.json"));
}

TEST_F(FioCommandTest, BadFioOptionsInASuiteAreBadInput) {
  const fs::path suite = WriteSuite(json::parse(R"([
    {"name": "ceiling", "kind": "fio", "profile": "seq-read", "options": {"runtime": 5}}])"));
  const auto r =
      Feedbench("run --suite " + suite.string() + " --data-dir " + (dir_ / "data").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("workload ceiling options: unknown fio option 'runtime'"));
  EXPECT_EQ(Feedbench("fio --repetitions 0").exit_code, 2);
  EXPECT_EQ(Feedbench("fio --size 64 --data-dir " + (dir_ / "data").string()).exit_code, 2);
}

TEST_F(FioCommandTest, AnOutOfRangeFlagIsNamedByTheFlagBeforeFioIsLookedFor) {
  struct Case {
    std::string flags, message;
  };
  const std::vector<Case> cases{
      {"--runtime-s 0", "--runtime-s 0: expected a number of seconds from 1 to 86400"},
      {"--runtime-s 90000", "--runtime-s 90000: expected a number of seconds from 1 to 86400"},
      {"--ramp-s -1", "--ramp-s -1: expected a number of seconds from 0 to 86400"},
      {"--time-limit-s 0", "--time-limit-s 0: expected a number of seconds from 1 to 172800"},
      {"--size 512KiB", "--size 512KiB: expected at least 1MiB"},
      {"--size 64", "--size: '64' is not a size"},
      {"--block-size 6KiB", "--block-size 6KiB: expected a multiple of 4KiB"},
      {"--jobs 0", "--jobs 0: expected an integer from 1 to 256"},
      {"--jobs 300", "--jobs 300: expected an integer from 1 to 256"},
  };
  // No fio on PATH: a bad flag is reported before fio is looked for, and nothing runs.
  fs::create_directory(dir_ / "empty-bin");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.flags);
    const auto r = Feedbench("fio " + c.flags + " --data-dir " + (dir_ / "data").string() +
                                 " --out " + (dir_ / "out.json").string(),
                             "PATH=" + (dir_ / "empty-bin").string());
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.message));
    // Not the suite key the flag became: the user passed no suite options.
    EXPECT_THAT(r.output, ::testing::Not(HasSubstr("options")));
    EXPECT_THAT(
        r.output,
        ::testing::Not(::testing::ContainsRegex("runtime_s|ramp_s|time_limit_s|block_size")));
    EXPECT_FALSE(fs::exists(dir_ / "data"));
    EXPECT_FALSE(fs::exists(dir_ / "out.json"));
  }
}

TEST_F(FioCommandTest, MissingFioIsAnEnvironmentErrorSayingHowToInstallIt) {
  fs::create_directory(dir_ / "empty-bin");
  const auto r = Feedbench("fio --data-dir " + (dir_ / "data").string(),
                           "PATH=" + (dir_ / "empty-bin").string());
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("fio not found on PATH; install it with `apt-get install fio`"));
}

// --quiet leaves out the table, not the reason: a run that exits 1 says why in one line.
TEST_F(FioCommandTest, QuietFailedRunStillSaysWhyInOneLine) {
  fs::create_directory(dir_ / "bin");
  WriteFileAtomic(dir_ / "bin" / "fio",
                  "#!/bin/sh\n[ \"$1\" = --version ] && { echo fio-3.33; exit 0; }\n"
                  "echo 'fio: injected failure' >&2\nexit 1\n");
  fs::permissions(dir_ / "bin" / "fio", fs::perms::owner_all);
  const fs::path out = dir_ / "quiet.json";
  const auto r = Feedbench("fio --quiet --profile rand-read-4k-qd1 --size 4MiB --runtime-s 1 "
                           "--ramp-s 0 --data-dir " +
                               (dir_ / "data").string() + " --out " + out.string(),
                           "PATH=" + (dir_ / "bin").string() + ":$PATH");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr(out.string()));
  const std::size_t at = r.output.find("feedbench: failed: rand-read-4k-qd1: 1 of 1 repetitions (");
  ASSERT_NE(at, std::string::npos) << r.output;
  const std::string line = r.output.substr(at, r.output.find('\n', at) - at);
  EXPECT_THAT(line, HasSubstr("fio exited with status 1"));
  EXPECT_THAT(line, HasSubstr("injected failure"));  // fio's stderr, on the same line
}

TEST_F(FioCommandTest, HangingFioFailsTheRunWithAClearError) {
  // A fake fio that answers --version and hangs otherwise.
  fs::create_directory(dir_ / "bin");
  WriteFileAtomic(dir_ / "bin" / "fio",
                  "#!/bin/sh\n[ \"$1\" = --version ] && { echo fio-3.33; exit 0; }\nsleep 600\n");
  fs::permissions(dir_ / "bin" / "fio", fs::perms::owner_all);
  const fs::path out = dir_ / "hang.json";
  const auto r = Feedbench(
      "fio --profile rand-read-4k-qd1 --size 4MiB --runtime-s 1 --ramp-s 0 "
      "--time-limit-s 1 --data-dir " +
          (dir_ / "data").string() + " --out " + out.string(),
      "PATH=" + (dir_ / "bin").string() + ":$PATH");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("fio exceeded its time limit of 1 s"));
  const json results = Load(out);
  const json* b = Entry(results, "rand-read-4k-qd1");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->value("error_occurred", false));
}

}  // namespace
}  // namespace feedbench
