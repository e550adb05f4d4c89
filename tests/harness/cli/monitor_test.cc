// `feedbench monitor` end to end: the built binary runs as a child process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/report/monitor_report.h"
#include "tests/support/loop_ext4.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
// These tests have always kept their scratch files on /tmp.
const fs::path kScratchParent = "/tmp";
using namespace std::chrono_literals;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// feedbench run as a child, its stdout and stderr going to files. The destructor kills and reaps
// it if the test did not.
class Feedbench {
 public:
  // `fd3`: when given, feedbench starts with this file open (inheritable) as descriptor 3.
  explicit Feedbench(const std::vector<std::string>& args, const fs::path& fd3 = {}) {
    out_path_ = dir_.path() / "stdout";
    err_path_ = dir_.path() / "stderr";
    std::vector<std::string> argv_strings{FEEDBENCH_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    if (!fd3.empty()) {
      posix_spawn_file_actions_addopen(&actions, 3, fd3.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                       0644);
    }
    const int error = posix_spawn(&pid_, FEEDBENCH_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::runtime_error("cannot start " + std::string(FEEDBENCH_BINARY));
  }
  ~Feedbench() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // The exit code; -N if killed by signal N; -1000 if still running after `timeout`.
  int Wait(std::chrono::seconds timeout = 120s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1000;
  }

  // Waits until `text` appears in stdout or stderr; false after `timeout`.
  bool WaitForOutput(const std::string& text, std::chrono::seconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (out().find(text) != std::string::npos || err().find(text) != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  void Signal(int sig) { ::kill(pid_, sig); }
  std::string out() const { return ReadFile(out_path_); }
  std::string err() const { return ReadFile(err_path_); }

 private:
  TempDir dir_{kScratchParent};
  fs::path out_path_, err_path_;
  pid_t pid_ = -1;
};

// Any device of this machine: the first line of /proc/diskstats.
std::string AnyDevice() {
  std::ifstream in("/proc/diskstats");
  std::string major, minor, name;
  in >> major >> minor >> name;
  return name;
}

struct RunResult {
  int exit_code;
  std::string out, err;
};

RunResult RunFeedbench(const std::vector<std::string>& args, const fs::path& fd3 = {}) {
  Feedbench process(args, fd3);
  const int code = process.Wait();
  return {code, process.out(), process.err()};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Monitor, ExitsWithTheCommandsExitStatus) {
  const RunResult run =
      RunFeedbench({"monitor", "--device", AnyDevice(), "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("window summary"), std::string::npos) << run.err;
}

TEST(Monitor, CommandKilledBySignalExitsWith128PlusTheSignal) {
  const RunResult run =
      RunFeedbench({"monitor", "--device", AnyDevice(), "--", "sh", "-c", "kill -KILL $$"});
  EXPECT_EQ(run.exit_code, 128 + SIGKILL) << run.err;
}

TEST(Monitor, CommandNotFoundExits127WithAMessage) {
  TempDir dir(kScratchParent);
  const fs::path csv = dir.path() / "out.csv";
  const RunResult run = RunFeedbench({"monitor", "--device", AnyDevice(), "--csv", csv.string(),
                                      "--", "feedbench-no-such-command-xyz"});
  EXPECT_EQ(run.exit_code, 127) << run.err;
  EXPECT_NE(run.err.find("feedbench-no-such-command-xyz: command not found"), std::string::npos)
      << run.err;
  EXPECT_FALSE(fs::exists(csv));
}

TEST(Monitor, CommandThatIsNotExecutableExits126WithTheReason) {
  TempDir dir(kScratchParent);
  const fs::path script = dir.path() / "not-executable";
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  const RunResult run = RunFeedbench({"monitor", "--device", AnyDevice(), "--", script.string()});
  EXPECT_EQ(run.exit_code, 126) << run.err;
  EXPECT_NE(run.err.find(script.string() + ": Permission denied"), std::string::npos) << run.err;
}

TEST(Monitor, CommandKeepsTheDescriptorsFeedbenchInherited) {
  TempDir dir(kScratchParent);
  const fs::path out = dir.path() / "fd3";
  // As a make jobserver pipe or a `3>file` would: fd 3 open, inheritable, in feedbench.
  const RunResult run = RunFeedbench(
      {"monitor", "--device", AnyDevice(), "--", "sh", "-c", "echo via-fd-3 >&3"}, out);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ReadFile(out), "via-fd-3\n");
}

TEST(Monitor, CommandsStdoutIsLeftToTheCommand) {
  const RunResult run = RunFeedbench(
      {"monitor", "--device", AnyDevice(), "--interval-ms", "1", "--", "sh", "-c", "echo hello"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "hello\n");
  EXPECT_NE(run.err.find("window summary"), std::string::npos) << run.err;
}

TEST(Monitor, ForwardsSigtermToTheCommand) {
  Feedbench process({"monitor", "--device", AnyDevice(), "--", "sleep", "600"});
  ASSERT_TRUE(process.WaitForOutput("feedbench monitor: sampling")) << process.err();
  process.Signal(SIGTERM);
  // Without forwarding, sleep would run for 10 minutes and Wait would give up.
  EXPECT_EQ(process.Wait(120s), 128 + SIGTERM) << process.err();
  EXPECT_NE(process.err().find("window summary"), std::string::npos) << process.err();
}

TEST(Monitor, SigintWithoutACommandEndsTheWindowCleanly) {
  TempDir dir(kScratchParent);
  const fs::path csv = dir.path() / "io.csv";
  const fs::path json = dir.path() / "io.json";
  const std::string device = AnyDevice();
  Feedbench process({"monitor", "--device", device, "--interval-ms", "20", "--csv", csv.string(),
                     "--json", json.string()});
  ASSERT_TRUE(process.WaitForOutput("feedbench monitor: sampling")) << process.err();
  process.Signal(SIGINT);
  ASSERT_EQ(process.Wait(), 0) << process.err();
  EXPECT_NE(process.out().find("window summary"), std::string::npos) << process.out();
  const std::vector<std::string> csv_lines = Lines(ReadFile(csv));
  ASSERT_FALSE(csv_lines.empty());
  EXPECT_EQ(csv_lines[0], kMonitorCsvHeader);
  const auto doc = nlohmann::json::parse(ReadFile(json));
  EXPECT_EQ(doc["schema"], "feedbench.monitor/1");
  EXPECT_EQ(doc["interval_ms"], 20);
  ASSERT_EQ(doc["summary"].size(), 1u);
  EXPECT_EQ(doc["summary"][0]["device"], device);
  EXPECT_GT(doc["summary"][0]["duration_sec"].get<double>(), 0.0);
  EXPECT_EQ(doc["rows"].size() + 1, csv_lines.size());  // the same rows in both files
}

TEST(Monitor, DurationEndsTheWindowWithoutACommand) {
  TempDir dir(kScratchParent);
  const fs::path json = dir.path() / "io.json";
  const RunResult run = RunFeedbench({"monitor", "--device", AnyDevice(), "--interval-ms", "50",
                                      "--duration", "0.3", "--json", json.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto doc = nlohmann::json::parse(ReadFile(json));
  ASSERT_EQ(doc["summary"].size(), 1u);
  EXPECT_GE(doc["summary"][0]["duration_sec"].get<double>(), 0.3);
  EXPECT_TRUE(doc["command"].empty());
  EXPECT_TRUE(doc["exit_status"].is_null());
}

// Each bad input: exit 2, a message naming the flag or path, nothing started.
void ExpectBadInput(const std::vector<std::string>& args, const std::string& expected_text) {
  TempDir dir(kScratchParent);
  const fs::path marker = dir.path() / "command-ran";
  std::vector<std::string> full{"monitor"};
  full.insert(full.end(), args.begin(), args.end());
  full.insert(full.end(), {"--", "touch", marker.string()});
  const RunResult run = RunFeedbench(full);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find(expected_text), std::string::npos)
      << "expected '" << expected_text << "' in: " << run.err;
  EXPECT_FALSE(fs::exists(marker)) << "the command was started";
}

TEST(MonitorBadInput, UnknownDevice) {
  ExpectBadInput({"--device", "nosuchdisk9"},
                 "--device nosuchdisk9: no device 'nosuchdisk9' in "
                 "/proc/diskstats");
}

TEST(MonitorBadInput, PathThatDoesNotExist) {
  ExpectBadInput({"--path", "/no/such/feedbench/path"}, "--path /no/such/feedbench/path");
}

TEST(MonitorBadInput, IntervalZeroNegativeOrAboveSixtySeconds) {
  for (const std::string interval : {"0", "-5", "60001"}) {
    ExpectBadInput({"--device", AnyDevice(), "--interval-ms=" + interval},
                   "--interval-ms: " + interval + " is outside");
  }
}

TEST(MonitorBadInput, UnwritableCsvPathFailsBeforeTheCommandStarts) {
  ExpectBadInput({"--device", AnyDevice(), "--csv", "/no/such/feedbench/dir/io.csv"},
                 "--csv /no/such/feedbench/dir/io.csv");
}

TEST(MonitorBadInput, PathOnTmpfsHasNoBlockDevice) {
  struct statfs fs_info {};
  constexpr long kTmpfsMagic = 0x01021994;
  if (::statfs("/dev/shm", &fs_info) != 0 || fs_info.f_type != kTmpfsMagic) {
    GTEST_SKIP() << "/dev/shm is not a tmpfs here";
  }
  ExpectBadInput({"--path", "/dev/shm"}, "no block device behind /dev/shm (tmpfs)");
}

TEST(MonitorBadInput, DurationWithACommand) {
  ExpectBadInput({"--device", AnyDevice(), "--duration", "5"}, "--duration");
}

// Root only: a reader on the loop ext4 exits 3; monitor exits 3 and its CSV has the exact header
// and one row per interval for the loop device; the JSON summary saw the file's bytes.
TEST(MonitorOnLoopDevice, WatchesAReaderAndExitsWithItsStatus) {
  if (auto why = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  testing::LoopExt4 loop(128);
  const fs::path file = loop.mount_point() / "data.bin";
  constexpr uint64_t kFileBytes = 16 * 1024 * 1024;
  testing::ShellOutput("dd if=/dev/urandom of=" + file.string() +
                    " bs=1M count=16 status=none && sync");
  TempDir dir(kScratchParent);
  const fs::path csv = dir.path() / "io.csv";
  const fs::path json = dir.path() / "io.json";
  const RunResult run =
      RunFeedbench({"monitor", "--device", loop.name(), "--interval-ms", "100", "--csv",
                    csv.string(), "--json", json.string(), "--", "sh", "-c",
                    "dd if=" + file.string() +
                        " of=/dev/null bs=1M iflag=direct status=none; sleep 0.3; exit 3"});
  ASSERT_EQ(run.exit_code, 3) << run.err;
  const std::vector<std::string> lines = Lines(ReadFile(csv));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "timestamp,device,r/s,rkB/s,rrqm/s,r_await,rareq-sz,w/s,wkB/s,wrqm/s,w_await,wareq-sz,"
            "aqu-sz,%util");
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(std::count(lines[i].begin(), lines[i].end(), ','), 13) << lines[i];
    EXPECT_NE(lines[i].find("Z," + loop.name() + ","), std::string::npos) << lines[i];
  }
  const auto doc = nlohmann::json::parse(ReadFile(json));
  EXPECT_EQ(doc["exit_status"], 3);
  ASSERT_EQ(doc["summary"].size(), 1u);
  // dd's O_DIRECT reads; the inode is still cached from writing, a little metadata at most.
  const uint64_t read_bytes = doc["summary"][0]["read_bytes"];
  EXPECT_GE(read_bytes, kFileBytes);
  EXPECT_LE(read_bytes, kFileBytes + 1024 * 1024);
}

// Small direct reads on a loop device: the diagnosis sees many small reads in the intervals with
// reads, does not judge %util (a loop device serves requests in parallel), prints its thresholds
// and advice with the summary, and a thresholds file moves the verdict.
TEST(MonitorOnLoopDevice, DiagnosesSmallReadsAndTakesItsThresholdsFromAFile) {
  if (auto why = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  testing::LoopExt4 loop(128);
  const fs::path file = loop.mount_point() / "data.bin";
  testing::ShellOutput("dd if=/dev/urandom of=" + file.string() +
                       " bs=1M count=16 status=none && sync");
  TempDir dir(kScratchParent);
  const std::string reader =
      "dd if=" + file.string() + " of=/dev/null bs=4k iflag=direct status=none";
  auto diagnose = [&](const std::vector<std::string>& extra) {
    const fs::path json = dir.path() / "io.json";
    std::vector<std::string> args{"monitor", "--device", loop.name(), "--interval-ms", "50",
                                  "--json", json.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {"--", "sh", "-c", reader});
    const RunResult run = RunFeedbench(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.err.find("diagnosis (thresholds:"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("  advice: "), std::string::npos) << run.err;
    const auto doc = nlohmann::json::parse(ReadFile(json));
    EXPECT_EQ(doc["diagnosis"].size(), 1u);
    return doc;
  };
  auto sign = [](const nlohmann::json& doc, std::string_view name) {
    for (const auto& s : doc["diagnosis"][0]["signs"]) {
      if (s["sign"] == name) return s;
    }
    return nlohmann::json();
  };
  const auto doc = diagnose({});
  EXPECT_EQ(doc["diagnosis"][0]["device"], loop.name());
  const auto small = sign(doc, "many small reads");
  EXPECT_TRUE(small["verdict"] == "SUSTAINED" || small["verdict"] == "AT TIMES") << small;
  EXPECT_GE(small["intervals_held"].get<int>(), 1) << small;
  EXPECT_GE(small["intervals_eligible"], small["intervals_held"]) << small;
  const double rareq_kb = small["window_value"];
  EXPECT_NEAR(rareq_kb, 4.0, 0.5);  // one 4 KiB read at a time, as dd asked
  const auto util = sign(doc, "saturated");
  EXPECT_EQ(util["verdict"], "NOT JUDGED");
  EXPECT_NE(util["reason"].get<std::string>().find("loop device"), std::string::npos);
  EXPECT_EQ(doc["thresholds"]["many_reads_per_sec"], 500.0);

  // No device reads a billion requests a second: with that threshold the sign cannot hold.
  const fs::path thresholds = dir.path() / "thresholds.json";
  testing::ShellOutput("echo '{\"many_reads_per_sec\": 1e9}' > " + thresholds.string());
  const auto strict = diagnose({"--thresholds", thresholds.string()});
  EXPECT_EQ(sign(strict, "many small reads")["verdict"], "NO");
  EXPECT_EQ(strict["thresholds"]["many_reads_per_sec"], 1e9);
}

// A detached loop device keeps the counters of its past I/O but has size 0: the default set
// (no --device, no --path) leaves it out, as `feedbench devices` does without --all.
TEST(MonitorOnLoopDevice, TheDefaultDevicesLeaveOutADetachedLoopDevice) {
  if (auto why = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  std::string name;
  {
    testing::LoopExt4 loop(16);
    name = loop.name();
    testing::ShellOutput("dd if=/dev/zero of=" + (loop.mount_point() / "x").string() +
                      " bs=1M count=1 status=none && sync");
  }  // unmounted and detached
  const fs::path sys = fs::path("/sys/block") / name;
  const std::string size = ReadFile(sys / "size");
  if (size.empty() || std::stoull(size) != 0) {
    GTEST_SKIP() << name << " was attached again by someone else meanwhile";
  }
  // Its counters kept its I/O (else the default set would leave it out for that reason alone).
  std::istringstream stat(ReadFile(sys / "stat"));
  uint64_t read_ios = 0, read_merges = 0, read_sectors = 0, read_ticks = 0, write_ios = 0;
  stat >> read_ios >> read_merges >> read_sectors >> read_ticks >> write_ios;
  if (read_ios + write_ios == 0) GTEST_SKIP() << "this kernel clears a detached loop's counters";
  TempDir dir(kScratchParent);
  const fs::path json = dir.path() / "io.json";
  const RunResult run = RunFeedbench(
      {"monitor", "--interval-ms", "50", "--duration", "0.1", "--json", json.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto doc = nlohmann::json::parse(ReadFile(json));
  for (const auto& device : doc["devices"]) EXPECT_NE(device, name) << doc["devices"].dump();
}

TEST(MonitorOnLoopDevice, PathResolvesToTheLoopDevice) {
  if (auto why = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  testing::LoopExt4 loop(64);
  TempDir dir(kScratchParent);
  const fs::path json = dir.path() / "io.json";
  const RunResult run = RunFeedbench({"monitor", "--path", loop.mount_point().string(),
                                      "--duration", "0.1", "--json", json.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto doc = nlohmann::json::parse(ReadFile(json));
  EXPECT_EQ(doc["devices"], nlohmann::json::array({loop.name()}));
}

}  // namespace
}  // namespace feedbench
