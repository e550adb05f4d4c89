// `feedbench monitor` end to end: the built binary runs as a child process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/report/monitor_report.h"
#include "tests/support/blkio_throttle.h"
#include "tests/support/loop_ext4.h"
#include "tests/support/subprocess.h"
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
  // `env`: "NAME=VALUE" entries replacing or adding to the test's environment.
  explicit Feedbench(const std::vector<std::string>& args, const fs::path& fd3 = {},
                     const std::vector<std::string>& env = {}) {
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
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string_view entry(*e);
      const std::string_view name = entry.substr(0, entry.find('='));
      bool replaced = false;
      for (const std::string& x : env) replaced |= std::string_view(x).substr(0, x.find('=')) == name;
      if (!replaced) envp.push_back(*e);
    }
    std::vector<std::string> env_copy = env;
    for (std::string& x : env_copy) envp.push_back(x.data());
    envp.push_back(nullptr);
    const int error =
        posix_spawn(&pid_, FEEDBENCH_BINARY, &actions, nullptr, argv.data(), envp.data());
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

RunResult RunFeedbench(const std::vector<std::string>& args, const fs::path& fd3 = {},
                       const std::vector<std::string>& env = {}) {
  Feedbench process(args, fd3, env);
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

TEST(MonitorBadInput, MarkThatIsNotAValidRegex) {
  ExpectBadInput({"--device", AnyDevice(), "--mark", "Epoch ("},
                 "--mark 'Epoch (': not a valid ECMAScript regular expression");
}

TEST(MonitorBadInput, MarkGivenTwice) {
  ExpectBadInput({"--device", AnyDevice(), "--mark", "Epoch", "--mark", "Validation"},
                 "--mark given 2 times; expected one regular expression (join alternatives with |");
}

TEST(MonitorBadInput, LogGivenTwice) {
  ExpectBadInput({"--device", AnyDevice(), "--log", "/tmp/a.log", "--log", "/tmp/b.log"},
                 "--log given 2 times; expected one log file to follow");
}

TEST(MonitorBadInput, LogThatIsADirectory) {
  TempDir dir(kScratchParent);
  ExpectBadInput({"--device", AnyDevice(), "--log", dir.path().string()},
                 "--log " + dir.path().string() +
                     ": is a directory; expected a file the job writes (it may not exist yet)");
}

TEST(MonitorBadInput, LogWaitThatIsNotPositiveOrWithoutLog) {
  ExpectBadInput({"--device", AnyDevice(), "--log", "/tmp/x.log", "--log-wait", "0"},
                 "--log-wait: 0 is not a positive number of seconds");
  ExpectBadInput({"--device", AnyDevice(), "--log-wait", "5"},
                 "--log-wait: given without --log; expected both");
}

fs::path WriteScript(const fs::path& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body;
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  return path;
}

// The lines of `text` that start with `prefix`.
std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> lines;
  for (const std::string& line : Lines(text)) {
    if (line.rfind(prefix, 0) == 0) lines.push_back(line);
  }
  return lines;
}

const nlohmann::json* PhaseNamed(const nlohmann::json& doc, const std::string& name) {
  for (const auto& p : doc["phases"]) {
    if (p["name"] == name) return &p;
  }
  return nullptr;
}

// A stand-in training job: two epochs on stdout, warnings on stderr, a last line without '\n'
// on each. Its output comes through feedbench unchanged; its marks cut the window in phases
// whose boundaries are the samples nearest to the lines.
TEST(MonitorMarks, PassesTheJobsOutputThroughAndMakesAPhasePerMark) {
  TempDir dir(kScratchParent);
  const fs::path job = WriteScript(dir.path() / "train.sh",
                                   "echo 'loading data'\n"
                                   "echo 'job: starting' >&2\n"
                                   "sleep 0.4\n"
                                   "echo 'Epoch 1 of 2'\n"
                                   "echo 'job: warn 1' >&2\n"
                                   "sleep 0.8\n"
                                   "echo 'Epoch 2 of 2'\n"
                                   "echo 'job: warn 2' >&2\n"
                                   "sleep 0.8\n"
                                   "printf 'done, no newline'\n"
                                   "printf 'job: tail' >&2\n");
  const fs::path json = dir.path() / "io.json";
  const RunResult run = RunFeedbench({"monitor", "--device", AnyDevice(), "--interval-ms", "100",
                                      "--mark", R"(Epoch \d+)", "--json", json.string(), "--",
                                      job.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // stdout is the job's, byte for byte (live rows and the summary go to stderr).
  EXPECT_EQ(run.out, "loading data\nEpoch 1 of 2\nEpoch 2 of 2\ndone, no newline");
  // stderr has the job's lines whole and in order among feedbench's own, and its partial last
  // line as written: feedbench's next line starts on a line of its own.
  EXPECT_EQ(LinesStartingWith(run.err, "job: "),
            (std::vector<std::string>{"job: starting", "job: warn 1", "job: warn 2",
                                      "job: tail"}));
  size_t job_bytes = 0;
  for (const std::string& line : Lines(run.err)) {
    if (line.find("job: ") != std::string::npos) {
      EXPECT_EQ(line.find("job: "), 0u) << "a job line mixed into another: " << line;
      job_bytes += line.size();
    }
  }
  EXPECT_EQ(job_bytes, std::string("job: startingjob: warn 1job: warn 2job: tail").size());
  EXPECT_NE(run.err.find("\njob: tail\nfeedbench monitor: window summary\n"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("phases (--mark 'Epoch \\d+': 2 marks;"), std::string::npos) << run.err;

  const auto doc = nlohmann::json::parse(ReadFile(json));
  EXPECT_EQ(doc["marks"]["regex"], R"(Epoch \d+)");
  EXPECT_EQ(doc["marks"]["matched_lines"], 2);
  // The log: every line, stamped in the order read, each with its stream.
  std::vector<std::string> out_lines, err_lines;
  double previous = 0;
  for (const auto& entry : doc["log"]) {
    const double offset = entry["offset_sec"];
    EXPECT_GE(offset, previous);
    previous = offset;
    EXPECT_EQ(entry["timestamp_utc"].get<std::string>().size(), 24u);
    (entry["stream"] == "stdout" ? out_lines : err_lines).push_back(entry["line"]);
    EXPECT_TRUE(entry["stream"] == "stdout" || entry["stream"] == "stderr") << entry;
  }
  EXPECT_EQ(out_lines, (std::vector<std::string>{"loading data", "Epoch 1 of 2", "Epoch 2 of 2",
                                                 "done, no newline"}));
  EXPECT_EQ(err_lines, (std::vector<std::string>{"job: starting", "job: warn 1", "job: warn 2",
                                                 "job: tail"}));
  // Two phases named after the marks (and the 0.4 s before the first), each starting on the
  // sample nearest to its line: within one interval of it.
  ASSERT_EQ(doc["phases"].size(), 3u) << doc["phases"].dump(1);
  EXPECT_EQ(doc["phases"][0]["name"], "before first mark");
  EXPECT_TRUE(doc["phases"][0]["mark"].is_null());
  const std::vector<std::string> names = {"Epoch 1", "Epoch 2"};
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& phase = doc["phases"][i + 1];
    EXPECT_EQ(phase["name"], names[i]);
    EXPECT_EQ(phase["mark"]["line"], names[i] + " of 2");
    const double mark = phase["mark"]["offset_sec"];
    const double start = phase["start_offset_sec"];
    EXPECT_LE(std::abs(start - mark), 0.1) << phase.dump(1);
    EXPECT_EQ(phase["start_offset_sec"], doc["phases"][i]["end_offset_sec"]);
    ASSERT_EQ(phase["summary"].size(), 1u);
    EXPECT_EQ(phase["summary"][0]["device"], AnyDevice());
    ASSERT_EQ(phase["diagnosis"].size(), 1u);
    EXPECT_EQ(phase["diagnosis"][0]["signs"].size(), 5u);
    EXPECT_TRUE(phase["accelerator_util_pct"].is_null());
  }
  // Stamped when read: never before the job wrote the line.
  EXPECT_GE(doc["phases"][1]["mark"]["offset_sec"].get<double>(), 0.4);
  EXPECT_GT(doc["phases"][2]["mark"]["offset_sec"].get<double>(),
            doc["phases"][1]["mark"]["offset_sec"].get<double>());
  EXPECT_DOUBLE_EQ(doc["phases"][2]["end_offset_sec"].get<double>(),
                   doc["summary"][0]["duration_sec"].get<double>());
}

// `feedbench monitor -- yes | head -n 2`: when head has read enough, yes ends by SIGPIPE, as it
// would without feedbench, and feedbench exits with its status.
TEST(MonitorMarks, APipelineThatClosesEarlyEndsTheCommandAsWithoutFeedbench) {
  const auto r = testing::RunCommand(
      "bash -c '" + std::string(FEEDBENCH_BINARY) + " monitor --device " + AnyDevice() +
      " -- yes 2>/dev/null | head -n 2; echo status ${PIPESTATUS[0]}'");
  EXPECT_EQ(r.output, "y\ny\nstatus 141\n");
}

TEST(MonitorLog, FollowsALogTheJobAppendsToAndMakesPhasesOfIt) {
  TempDir dir(kScratchParent);
  const fs::path log = dir.path() / "train.log";
  const fs::path json = dir.path() / "io.json";
  const RunResult run = RunFeedbench(
      {"monitor", "--device", AnyDevice(), "--interval-ms", "100", "--log", log.string(),
       "--mark", R"(Epoch \d+)", "--json", json.string(), "--", "sh", "-c",
       "sleep 0.3; echo 'Epoch 1 begins' >> " + log.string() + "; sleep 0.6; echo step >> " +
           log.string() + "; echo 'Epoch 2 begins' >> " + log.string() + "; sleep 0.5"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "");
  const auto doc = nlohmann::json::parse(ReadFile(json));
  std::vector<std::string> lines;
  for (const auto& entry : doc["log"]) {
    EXPECT_EQ(entry["stream"], "log");
    lines.push_back(entry["line"]);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"Epoch 1 begins", "step", "Epoch 2 begins"}));
  EXPECT_EQ(doc["log_file"]["path"], log.string());
  EXPECT_EQ(doc["log_file"]["appeared"], true);
  const nlohmann::json* e1 = PhaseNamed(doc, "Epoch 1");
  const nlohmann::json* e2 = PhaseNamed(doc, "Epoch 2");
  ASSERT_TRUE(e1 != nullptr && e2 != nullptr) << doc["phases"].dump(1);
  EXPECT_EQ((*e1)["mark"]["stream"], "log");
  EXPECT_GE((*e1)["mark"]["offset_sec"].get<double>(), 0.3);  // not before it was written
  EXPECT_GT((*e2)["mark"]["offset_sec"].get<double>(), (*e1)["mark"]["offset_sec"].get<double>());
  EXPECT_NE(PhaseNamed(doc, "before first mark"), nullptr);
}

TEST(MonitorLog, ALogThatNeverAppearsIsSaidAfterTheWaitAndTheStatusStaysTheCommands) {
  TempDir dir(kScratchParent);
  const fs::path log = dir.path() / "never.log";
  const fs::path json = dir.path() / "io.json";
  const RunResult run = RunFeedbench({"monitor", "--device", AnyDevice(), "--log", log.string(),
                                      "--log-wait", "0.3", "--json", json.string(), "--", "sh",
                                      "-c", "sleep 1; exit 5"});
  EXPECT_EQ(run.exit_code, 5) << run.err;
  EXPECT_NE(run.err.find("feedbench monitor: --log: " + log.string() +
                         " did not appear within 0.3 s; not followed\n"),
            std::string::npos)
      << run.err;
  const auto doc = nlohmann::json::parse(ReadFile(json));
  EXPECT_EQ(doc["log_file"]["appeared"], false);
  ASSERT_EQ(doc["log_file"]["notes"].size(), 1u);
  EXPECT_NE(doc["log_file"]["notes"][0].get<std::string>().find("did not appear within 0.3 s"),
            std::string::npos);
  EXPECT_EQ(doc["exit_status"], 5);
}

TEST(MonitorLog, FollowsALogWithoutACommand) {
  TempDir dir(kScratchParent);
  const fs::path log = dir.path() / "train.log";
  const fs::path json = dir.path() / "io.json";
  std::thread writer([&log] {
    std::this_thread::sleep_for(300ms);
    std::ofstream(log, std::ios::app) << "Epoch 1\n";
    std::this_thread::sleep_for(400ms);
    std::ofstream(log, std::ios::app) << "Epoch 2\n";
  });
  const RunResult run = RunFeedbench({"monitor", "--device", AnyDevice(), "--interval-ms", "100",
                                      "--duration", "1.5", "--log", log.string(), "--mark",
                                      "^Epoch", "--json", json.string()});
  writer.join();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto doc = nlohmann::json::parse(ReadFile(json));
  ASSERT_EQ(doc["log"].size(), 2u) << doc["log"].dump(1);
  EXPECT_EQ(doc["log"][1]["line"], "Epoch 2");
  EXPECT_EQ(doc["marks"]["matched_lines"], 2);
  // One per mark ("Epoch": the match), and the time before the first unless feedbench started
  // after the writer (a busy machine).
  EXPECT_GE(doc["phases"].size(), 2u);
  EXPECT_EQ(doc["phases"].back()["name"], "Epoch");
}

// The live rows, the summary and the JSON take a stand-in nvidia-smi first on PATH.
TEST(MonitorAccelerator, SamplesAStandInNvidiaSmiBesideTheDisk) {
  TempDir dir(kScratchParent);
  WriteScript(dir.path() / "nvidia-smi", "echo '0, 20'\necho '1, 40'\n");
  const fs::path json = dir.path() / "io.json";
  const RunResult run = RunFeedbench(
      {"monitor", "--device", AnyDevice(), "--interval-ms", "100", "--mark", "Epoch", "--json",
       json.string(), "--", "sh", "-c", "echo Epoch; sleep 1"},
      {}, {"PATH=" + dir.path().string() + ":" + std::getenv("PATH")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find(" accel%\n"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("accelerator: 30.0% mean (gpu0 20.0%, gpu1 40.0%)"), std::string::npos)
      << run.err;
  const auto doc = nlohmann::json::parse(ReadFile(json));
  const auto& a = doc["accelerator"];
  EXPECT_EQ(a["sampled"], true);
  ASSERT_GE(a["rows"].size(), 2u);  // a tick at least (one per 200 ms), two GPUs
  for (const auto& row : a["rows"]) {
    EXPECT_EQ(row["utilization_pct"], row["gpu"] == 0 ? 20.0 : 40.0) << row;
  }
  EXPECT_EQ(a["mean_util_pct"], 30.0);
  ASSERT_FALSE(doc["phases"].empty());
  EXPECT_EQ(doc["phases"].back()["accelerator_util_pct"], 30.0);
}

TEST(MonitorAccelerator, WithoutNvidiaSmiOnPathTheSummarySaysNotSampled) {
  const std::string path = "/usr/bin:/bin";
  if (std::system("PATH=/usr/bin:/bin command -v nvidia-smi >/dev/null 2>&1") == 0) {
    GTEST_SKIP() << "this machine has nvidia-smi in " << path;
  }
  TempDir dir(kScratchParent);
  const fs::path json = dir.path() / "io.json";
  const RunResult run = RunFeedbench({"monitor", "--device", AnyDevice(), "--json", json.string(),
                                      "--", "sh", "-c", "exit 0"},
                                     {}, {"PATH=" + path});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("\naccelerator: not sampled (nvidia-smi not on PATH)\n"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("accel%"), std::string::npos) << "no accelerator column without it";
  const auto doc = nlohmann::json::parse(ReadFile(json));
  EXPECT_EQ(doc["accelerator"]["sampled"], false);
  EXPECT_EQ(doc["accelerator"]["reason"], "nvidia-smi not on PATH");
}

TEST(MonitorAccelerator, AFailingNvidiaSmiIsSaidOnceAndTheStatusStaysTheCommands) {
  TempDir dir(kScratchParent);
  WriteScript(dir.path() / "nvidia-smi", "echo 'Failed to initialize NVML' >&2; exit 9\n");
  const RunResult run = RunFeedbench(
      {"monitor", "--device", AnyDevice(), "--interval-ms", "50", "--", "sh", "-c",
       "sleep 1; exit 4"},
      {}, {"PATH=" + dir.path().string() + ":" + std::getenv("PATH")});
  EXPECT_EQ(run.exit_code, 4) << run.err;
  const std::vector<std::string> said = LinesStartingWith(run.err, "feedbench monitor: accelerator:");
  ASSERT_EQ(said.size(), 1u) << run.err;
  EXPECT_NE(said[0].find("nvidia-smi failed: exited with status 9: Failed to initialize NVML"),
            std::string::npos)
      << said[0];
  EXPECT_NE(run.err.find("accelerator: not sampled (nvidia-smi failed: exited with status 9"),
            std::string::npos)
      << run.err;
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

// The whole disk holding `path`'s filesystem as a device node ("/dev/vda"), for a blkio throttle
// (which takes whole disks only); nullopt when the filesystem has no block device.
std::optional<std::string> WholeDiskHolding(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  fs::path sys = fs::path("/sys/dev/block") /
                 (std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)));
  std::error_code ec;
  if (!fs::exists(sys, ec)) return std::nullopt;
  sys = fs::canonical(sys, ec);
  if (fs::exists(sys / "partition")) sys = sys.parent_path();
  std::istringstream uevent(ReadFile(sys / "uevent"));
  for (std::string line; std::getline(uevent, line);) {
    if (line.rfind("DEVNAME=", 0) == 0) return "/dev/" + line.substr(8);
  }
  return std::nullopt;
}

// Root only. Three epochs of a job on a loop device whose reads reach the disk under it (direct
// I/O) through a blkio throttle of 4 MiB/s: idle, an 8 MiB read, idle. The read's phase shows the
// device at its limit: %util near 100, requests waiting (queueing SUSTAINED) and the advice
// saying so; "saturated" itself stays NOT JUDGED on a loop device (it serves requests in
// parallel: io_diagnosis.h), with the phase's %util as its figure. The idle phases read nothing:
// the job prints its next mark 0.2 s after its last read completed, more than the half interval
// by which a boundary may stand from its line (a read completed closer to the next mark could be
// counted in either phase, by the nearest-sample rule).
TEST(MonitorOnLoopDevice, AThrottledReadMakesItsPhaseAtTheDevicesLimit) {
  if (auto why = testing::LoopExt4::Unavailable()) GTEST_SKIP() << *why;
  if (auto why = testing::BlkioThrottle::Unavailable()) GTEST_SKIP() << *why;
  testing::LoopExt4 loop(128, /*direct_io=*/true);
  const std::optional<std::string> disk = WholeDiskHolding(loop.image());
  if (!disk) GTEST_SKIP() << "no block device under " << loop.image();
  const fs::path file = loop.mount_point() / "data.bin";
  testing::ShellOutput("dd if=/dev/urandom of=" + file.string() +
                       " bs=1M count=8 status=none && sync");
  testing::BlkioThrottle throttle(*disk);
  throttle.SetReadBps(4 * 1024 * 1024);
  const std::string epochs = "echo 'Epoch 1'; sleep 1; echo 'Epoch 2'; dd if=" + file.string() +
                             " of=/dev/null bs=1M count=8 iflag=direct status=none; sleep 0.2; "
                             "echo 'Epoch 3'; sleep 1";
  TempDir dir(kScratchParent);
  const fs::path json = dir.path() / "io.json";
  const RunResult run = RunFeedbench(
      {"monitor", "--device", loop.name(), "--interval-ms", "100", "--mark", R"(Epoch \d+)",
       "--json", json.string(), "--", "sh", "-c",
       throttle.ShellPrefix() + "sh -c " + testing::ShellQuote(epochs)});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "Epoch 1\nEpoch 2\nEpoch 3\n");
  const auto doc = nlohmann::json::parse(ReadFile(json));
  const nlohmann::json* idle1 = PhaseNamed(doc, "Epoch 1");
  const nlohmann::json* read = PhaseNamed(doc, "Epoch 2");
  const nlohmann::json* idle3 = PhaseNamed(doc, "Epoch 3");
  ASSERT_TRUE(idle1 && read && idle3) << doc["phases"].dump(1);
  auto sign = [](const nlohmann::json& phase, std::string_view name) {
    for (const auto& s : phase["diagnosis"][0]["signs"]) {
      if (s["sign"] == name) return s;
    }
    return nlohmann::json();
  };
  const auto& figures = (*read)["summary"][0];
  EXPECT_GE(figures["read_bytes"].get<uint64_t>(), 8u * 1024 * 1024) << figures.dump(1);
  // Busy for most of the phase (over 85% on a quiet node; a busy one leaves gaps between dd's
  // reads while dd waits for a CPU: 69% seen).
  EXPECT_GT(figures["util_pct"].get<double>(), 50.0) << figures.dump(1);
  EXPECT_GT(figures["r_await_ms"].get<double>(), 20.0) << figures.dump(1);
  EXPECT_EQ(sign(*read, "queueing")["verdict"], "SUSTAINED") << (*read)["diagnosis"].dump(1);
  const auto saturated = sign(*read, "saturated");
  EXPECT_EQ(saturated["verdict"], "NOT JUDGED");
  EXPECT_GT(saturated["window_value"].get<double>(), 50.0);
  EXPECT_NE((*read)["diagnosis"][0]["advice"].get<std::string>().find("is at its limit"),
            std::string::npos)
      << (*read)["diagnosis"][0]["advice"];
  for (const nlohmann::json* idle : {idle1, idle3}) {
    EXPECT_LT((*idle)["summary"][0]["read_bytes"].get<uint64_t>(), 256u * 1024) << idle->dump(1);
    EXPECT_NE(sign(*idle, "queueing")["verdict"], "SUSTAINED") << idle->dump(1);
  }
  // The phases hold the window's reads between them, each byte once.
  uint64_t phase_bytes = 0;
  for (const auto& p : doc["phases"]) phase_bytes += p["summary"][0]["read_bytes"].get<uint64_t>();
  EXPECT_EQ(phase_bytes, doc["summary"][0]["read_bytes"].get<uint64_t>());
  // The terminal's phase table has a row for each.
  EXPECT_NE(run.err.find("  Epoch 2 "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("queueing SUSTAINED"), std::string::npos) << run.err;
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
