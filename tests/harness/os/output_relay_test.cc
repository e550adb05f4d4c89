// OutputRelay with real children: what is passed on (every byte, whole lines, both streams at
// once), what is stamped, a destination that goes away, partial lines, a pipe a background
// process keeps, and a followed log file.
#include "harness/os/output_relay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/os/child_process.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::TempDir;

struct Line {
  OutputSource source;
  std::string text;
  std::chrono::steady_clock::time_point time;
};

// A child whose output goes through a relay into strings; every forward call is recorded.
class Relayed {
 public:
  explicit Relayed(const std::string& script, OutputRelayOptions options = {}) {
    SpawnOptions spawn;
    spawn.argv = {"sh", "-c", script};
    spawn.capture_stdout = true;
    spawn.capture_stderr = true;
    child_.emplace(spawn);
    options.child_stdout = child_->TakeStdout();
    options.child_stderr = child_->TakeStderr();
    if (!options.forward) {
      options.forward = [this](OutputSource source, std::string_view bytes) {
        std::lock_guard lock(mutex_);
        (source == OutputSource::kStdout ? out_ : err_).append(bytes);
        writes_.push_back({source, std::string(bytes), std::chrono::steady_clock::now()});
        return true;
      };
    }
    options.on_line = [this](const RelayedLine& l) {
      std::lock_guard lock(mutex_);
      lines_.push_back({l.source, std::string(l.text), l.read_time});
    };
    options.on_note = [this](const std::string& note) {
      std::lock_guard lock(mutex_);
      notes_.push_back(note);
    };
    relay_.emplace(std::move(options));
    relay_->Start();
  }

  ChildExit FinishAfterExit(std::chrono::milliseconds drain = 5s) {
    const ChildExit exit = child_->Wait();
    relay_->Finish(drain);
    return exit;
  }

  std::string out() {
    std::lock_guard lock(mutex_);
    return out_;
  }
  std::string err() {
    std::lock_guard lock(mutex_);
    return err_;
  }
  std::vector<Line> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::vector<Line> writes() {
    std::lock_guard lock(mutex_);
    return writes_;
  }
  std::vector<std::string> notes() {
    std::lock_guard lock(mutex_);
    return notes_;
  }
  OutputRelay& relay() { return *relay_; }
  ChildProcess& child() { return *child_; }

 private:
  std::mutex mutex_;
  std::string out_, err_;
  std::vector<Line> lines_, writes_;
  std::vector<std::string> notes_;
  std::optional<ChildProcess> child_;
  std::optional<OutputRelay> relay_;
};

std::vector<std::string> TextsOf(const std::vector<Line>& lines, OutputSource source) {
  std::vector<std::string> texts;
  for (const Line& l : lines) {
    if (l.source == source) texts.push_back(l.text);
  }
  return texts;
}

// 200000 lines to each stream at once, far past a pipe's 64 KiB: nothing blocks, every byte
// arrives in order on its own stream, every forward call holds whole lines only (a partial line
// is passed on early only after it has waited partial_line_after: here never, so that a slow
// machine pausing the writer cannot make one).
TEST(OutputRelay, PassesBothStreamsOnUnchangedWhileTheChildWritesMuchToBoth) {
  OutputRelayOptions options;
  options.partial_line_after = std::chrono::hours(1);
  Relayed r("yes 'out line' | head -n 200000 & yes 'err line' | head -n 200000 >&2; wait",
            std::move(options));
  ASSERT_EQ(r.FinishAfterExit().ShellStatus(), 0);
  std::string expected_out, expected_err;
  for (int i = 0; i < 200000; ++i) {
    expected_out += "out line\n";
    expected_err += "err line\n";
  }
  EXPECT_TRUE(r.out() == expected_out) << r.out().size() << " bytes on stdout";
  EXPECT_TRUE(r.err() == expected_err) << r.err().size() << " bytes on stderr";
  for (const Line& w : r.writes()) {
    ASSERT_EQ(w.text.back(), '\n') << "a forward that cut a line";
  }
  const std::vector<Line> lines = r.lines();
  EXPECT_EQ(lines.size(), 400000u);
  for (size_t i = 1; i < lines.size(); ++i) ASSERT_LE(lines[i - 1].time, lines[i].time);
  for (const Line& l : lines) {
    ASSERT_EQ(l.text, l.source == OutputSource::kStdout ? "out line" : "err line");
  }
}

TEST(OutputRelay, StampsEachLineWhenReadAndKeepsThePartialLastLine) {
  Relayed r(
      "echo 'Epoch 1'; sleep 0.3; printf 'Epoch 2\\r\\n'; echo warn >&2; printf 'no newline'");
  ASSERT_EQ(r.FinishAfterExit().ShellStatus(), 0);
  EXPECT_EQ(r.out(), "Epoch 1\nEpoch 2\r\nno newline");  // passed on as written
  const std::vector<Line> lines = r.lines();
  EXPECT_EQ(TextsOf(lines, OutputSource::kStdout),
            (std::vector<std::string>{"Epoch 1", "Epoch 2", "no newline"}));  // no '\r'
  EXPECT_EQ(TextsOf(lines, OutputSource::kStderr), (std::vector<std::string>{"warn"}));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_LT(lines[0].time, lines[1].time);  // two reads, 0.3 s apart
}

// A prompt or a progress bar: passed on as it stands before its line ends. The child ends the
// line only once the test has seen its first half passed on.
TEST(OutputRelay, APartialLineIsPassedOnAfterItHasWaited) {
  TempDir dir("/tmp");
  const fs::path flag = dir.path() / "seen";
  OutputRelayOptions options;
  options.partial_line_after = 100ms;
  Relayed r("printf 'progress 10%%'; while [ ! -e " + flag.string() +
                " ]; do sleep 0.01; done; printf ' 100%%\\n'",
            std::move(options));
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (r.writes().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(r.writes().size(), 1u) << "the partial line was not passed on";
  EXPECT_EQ(r.writes()[0].text, "progress 10%");
  EXPECT_TRUE(r.lines().empty());  // not a line yet
  std::ofstream(flag) << "";
  ASSERT_EQ(r.FinishAfterExit().ShellStatus(), 0);
  const std::vector<Line> writes = r.writes();
  ASSERT_EQ(writes.size(), 2u);
  EXPECT_EQ(writes[1].text, " 100%\n");
  EXPECT_EQ(TextsOf(r.lines(), OutputSource::kStdout),
            (std::vector<std::string>{"progress 10% 100%"}));  // stamped as one line
}

// `feedbench monitor -- yes | head`: once stdout's reader is gone, the child's next write fails
// as it would in the shell's pipeline, and the child ends by SIGPIPE.
TEST(OutputRelay, WhenTheDestinationIsGoneTheChildsWritesFailAsInAPipeline) {
  OutputRelayOptions options;
  int forwarded = 0;
  options.forward = [&forwarded](OutputSource, std::string_view) { return ++forwarded < 3; };
  Relayed r("exec yes", std::move(options));
  const auto exit = r.child().WaitFor(60s);
  ASSERT_TRUE(exit.has_value()) << "yes still runs";
  EXPECT_EQ(exit->ShellStatus(), 128 + SIGPIPE);
  r.relay().Finish(1s);
}

// A background process the job left keeps the pipes open: Finish stops reading after its limit.
TEST(OutputRelay, FinishDoesNotWaitForAPipeABackgroundProcessHolds) {
  Relayed r("sleep 30 & echo started");
  ASSERT_EQ(r.child().Wait().ShellStatus(), 0);
  const auto before = std::chrono::steady_clock::now();
  r.relay().Finish(300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  EXPECT_EQ(r.out(), "started\n");
}

TEST(OutputRelay, FollowsALogFileThatAppearsLaterGetsTruncatedAndRotated) {
  TempDir dir("/tmp");
  const fs::path log = dir.path() / "train.log";
  std::vector<Line> lines;
  std::vector<std::string> notes;
  std::mutex mutex;
  OutputRelayOptions options;
  options.log_file = log;
  options.follow_interval = 10ms;
  options.on_line = [&](const RelayedLine& l) {
    std::lock_guard lock(mutex);
    lines.push_back({l.source, std::string(l.text), l.read_time});
  };
  options.on_note = [&](const std::string& note) {
    std::lock_guard lock(mutex);
    notes.push_back(note);
  };
  OutputRelay relay(std::move(options));
  relay.Start();
  auto wait_for_lines = [&](size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mutex);
        if (lines.size() >= n) return true;
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  };
  std::this_thread::sleep_for(600ms);
  std::ofstream(log, std::ios::app) << "Epoch 1\nstep";
  ASSERT_TRUE(wait_for_lines(1));
  std::ofstream(log, std::ios::app) << " 1\n";
  ASSERT_TRUE(wait_for_lines(2));
  fs::resize_file(log, 0);
  std::this_thread::sleep_for(100ms);
  std::ofstream(log, std::ios::app) << "after truncation\n";
  ASSERT_TRUE(wait_for_lines(3));
  fs::rename(log, dir.path() / "train.log.1");
  std::ofstream(log) << "rotated\npartial";
  ASSERT_TRUE(wait_for_lines(4));
  relay.Finish(0ms);
  EXPECT_EQ(
      TextsOf(lines, OutputSource::kLogFile),
      (std::vector<std::string>{"Epoch 1", "step 1", "after truncation", "rotated", "partial"}));
  const std::optional<LogFileReport> report = relay.log_file_report();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->appeared);
  ASSERT_EQ(report->notes.size(), 3u) << ::testing::PrintToString(report->notes);
  EXPECT_THAT(report->notes[0], HasSubstr("appeared at"));
  EXPECT_THAT(report->notes[1], HasSubstr("was truncated at"));
  EXPECT_THAT(report->notes[2], HasSubstr("was replaced at"));
  EXPECT_EQ(notes, report->notes);
}

TEST(OutputRelay, ALogFileThatNeverAppearsIsGivenUpAfterItsWait) {
  TempDir dir("/tmp");
  OutputRelayOptions options;
  options.log_file = dir.path() / "never.log";
  options.log_wait = 200ms;
  std::vector<std::string> notes;
  std::mutex mutex;
  options.on_note = [&](const std::string& note) {
    std::lock_guard lock(mutex);
    notes.push_back(note);
  };
  OutputRelay relay(std::move(options));
  relay.Start();
  std::this_thread::sleep_for(600ms);
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(notes.size(), 1u);  // said while the window still runs
    EXPECT_THAT(notes[0], HasSubstr("never.log did not appear within 0.2 s; not followed"));
  }
  relay.Finish(0ms);
  EXPECT_FALSE(relay.log_file_report()->appeared);
  EXPECT_EQ(relay.log_file_report()->notes.size(), 1u);
}

TEST(OutputRelay, ALogFileStillMissingAtTheEndIsSaidThen) {
  TempDir dir("/tmp");
  OutputRelayOptions options;
  options.log_file = dir.path() / "late.log";
  OutputRelay relay(std::move(options));
  relay.Start();
  std::this_thread::sleep_for(50ms);
  relay.Finish(0ms);
  const auto report = relay.log_file_report();
  ASSERT_EQ(report->notes.size(), 1u);
  EXPECT_THAT(report->notes[0], HasSubstr("late.log did not appear during the window"));
}

}  // namespace
}  // namespace feedbench
